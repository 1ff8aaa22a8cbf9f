//! The stance model: a featurizer plus multinomial logistic weights.
//!
//! Training goes through linfa-logistic on a dense `f32` matrix (it has no sparse input).
//! Prediction never touches that matrix: the fitted weights are exported once into a flat
//! `f32` table and each sentence's sparse features are dotted with it, which is both orders of
//! magnitude faster than linfa's dense `predict` and identical in result (tested below).
//!
//! Three files: this one holds the model, its training and prediction; `params.rs` the
//! training parameters and the metadata a model records; `file.rs` the model file, which is
//! JSON, versioned, checked field by field on loading, and written atomically (temporary file
//! in the same directory, fsync, rename), so that a failed or interrupted `train` never
//! damages the model a user already had.

mod file;
mod params;

use linfa::prelude::*;
use linfa_logistic::{MultiFittedLogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2};
use serde::Serialize;

use crate::context::{ContextModel, RowReading};
use crate::corpus::{LabeledSentence, Stance};
use crate::error::{Error, Result};
use crate::features::{Featurizer, Lexicons, SparseVec};
use crate::warm_start;

pub use file::{FORMAT_VERSION, check_replaceable, check_writable};
pub use params::{
    CvScores, MIN_LABEL_SHARE, MIN_NGRAMS, Prior, TrainParams, TrainingInfo, dense_matrix_mib,
};

/// A label with the probability of every label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prediction {
    /// The most probable label.
    pub label: Stance,
    /// Probabilities in [`Stance::ALL`] order.
    pub probabilities: [f32; 3],
}

impl Prediction {
    /// Probability of the predicted label.
    pub fn confidence(&self) -> f32 {
        self.probabilities[self.label.index()]
    }

    /// The most probable of `labels` other than `label` (ties go to the first in `labels`):
    /// the alternative an explanation of `label` is measured against. `None` if `labels` has
    /// no other label.
    pub fn strongest_other(&self, label: Stance, labels: &[Stance]) -> Option<Stance> {
        labels
            .iter()
            .copied()
            .filter(|&l| l != label)
            .fold(None, |best: Option<Stance>, l| match best {
                Some(b) if self.probabilities[b.index()] >= self.probabilities[l.index()] => {
                    Some(b)
                }
                _ => Some(l),
            })
    }
}

/// One feature's push toward a label rather than the alternative it is measured against (see
/// [`StanceModel::explain`]).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The feature's name, as `stance inspect` shows it.
    pub feature: String,
    /// Its value in the sentence times its weight for the label minus its weight for the
    /// alternative: what it adds to `ln(p(label) / p(alternative))` (log-odds units; negative
    /// when it pulls toward the alternative).
    pub contribution: f32,
}

/// `values[k]` minus the mean of the other values: how much a feature's weights favour the
/// label in column `k` over the model's other labels, with no sentence to say which other
/// label is the contender. `stance inspect` ranks features by it.
///
/// A softmax only sees differences between the labels' scores: adding one constant to a
/// feature's weight for every label changes no probability, so a weight on its own does not
/// say which way the feature pushes; this difference does, and it is the same whatever the
/// constant. (`--explain`, which has a sentence, measures against its runner-up instead: see
/// [`StanceModel::explain`].)
///
/// # Panics
///
/// If `k` is not an index of `values` or `values` has fewer than two entries (a model has
/// at least two labels).
pub fn margin_over_others(values: &[f32], k: usize) -> f32 {
    assert!(
        k < values.len() && values.len() >= 2,
        "margin of column {k} among {} values: needs two or more values and k among them",
        values.len()
    );
    let others = (values.iter().sum::<f32>() - values[k]) / (values.len() - 1) as f32;
    values[k] - others
}

/// A trained model, ready to predict.
#[derive(Debug, Clone)]
pub struct StanceModel {
    featurizer: Featurizer,
    /// Labels the weight columns belong to (sorted; usually all three).
    labels: Vec<Stance>,
    /// Row-major `features x labels`.
    weights: Vec<f32>,
    intercepts: Vec<f32>,
    context: Option<ContextModel>,
    info: TrainingInfo,
}

/// The panic of [`StanceModel::predict_features`] on a NaN or infinite value, out of line
/// so that the prediction itself stays small enough to inline.
#[cold]
#[inline(never)]
fn not_finite() -> ! {
    panic!("feature values must be finite numbers; a NaN or infinite value gives no probabilities")
}

impl StanceModel {
    /// Fits the featurizer and the logistic model on labelled sentences.
    ///
    /// Returns an error if the parameters are invalid, fewer than two labels are present, or
    /// the optimiser fails.
    pub fn train(
        rows: &[LabeledSentence],
        params: &TrainParams,
        lexicons: &Lexicons,
    ) -> Result<Self> {
        params.check()?;
        if let Some(message) = crate::corpus::too_few_labels(rows) {
            return Err(Error::Param(message));
        }
        let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
        let labels: Vec<Stance> = rows.iter().map(|r| r.label).collect();
        let config = params.features_for_rows(rows.len(), lexicons)?;
        let featurizer = Featurizer::fit(&config, lexicons, &texts, &labels)?;
        let sparse = sparse_features(&featurizer, &texts);
        let fitted = fit_logistic(
            &sparse,
            featurizer.len(),
            &labels,
            params.alpha,
            params.max_iter,
        )?;
        let mut model = StanceModel::from_linfa(featurizer, &fitted);
        model.correct_prior(params.prior, &labels);
        if params.context {
            model.context = ContextModel::learn(rows, params.prior.shares(&labels));
        }
        let counts = crate::corpus::count_labels(labels.iter().copied());
        let per_label = Stance::ALL
            .into_iter()
            .zip(counts)
            .filter(|&(_, count)| count > 0)
            .map(|(label, count)| (label.to_string(), count))
            .collect();
        model.info = TrainingInfo {
            sentences_per_label: per_label,
            // The options as applied: `max_features` may have been lowered for the budget.
            params: Some(TrainParams {
                features: config,
                ..params.clone()
            }),
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            ..TrainingInfo::default()
        };
        Ok(model)
    }

    /// Exports a fitted linfa model into the flat weight table used for prediction.
    pub(crate) fn from_linfa(
        featurizer: Featurizer,
        fitted: &MultiFittedLogisticRegression<f32, Stance>,
    ) -> Self {
        let params = fitted.params();
        StanceModel {
            featurizer,
            labels: fitted.classes().to_vec(),
            weights: params.iter().copied().collect(),
            intercepts: fitted.intercept().to_vec(),
            context: None,
            info: TrainingInfo::default(),
        }
    }

    /// A copy whose intercepts are corrected to `prior`, given the labels it was trained on
    /// (with the training prior).
    pub fn with_prior(&self, prior: Prior, rows: &[LabeledSentence]) -> Self {
        let labels: Vec<Stance> = rows.iter().map(|r| r.label).collect();
        let mut out = self.clone();
        out.correct_prior(prior, &labels);
        out
    }

    /// Adds `ln(target share) - ln(training share)` to each intercept (see [`Prior`]).
    fn correct_prior(&mut self, prior: Prior, labels: &[Stance]) {
        let Some(target) = prior.target() else {
            return;
        };
        let n = labels.len() as f32;
        let counts = crate::corpus::count_labels(labels.iter().copied());
        for (k, label) in self.labels.iter().enumerate() {
            let count = counts[label.index()] as f32;
            self.intercepts[k] += target[label.index()].ln() - (count / n).ln();
        }
    }

    /// Training metadata.
    pub fn info(&self) -> &TrainingInfo {
        &self.info
    }

    /// Mutable training metadata (the CLI adds the data file and cross-validation scores).
    pub fn info_mut(&mut self) -> &mut TrainingInfo {
        &mut self.info
    }

    /// The fitted feature extractor.
    pub fn featurizer(&self) -> &Featurizer {
        &self.featurizer
    }

    /// Labels the model can predict.
    pub fn labels(&self) -> &[Stance] {
        &self.labels
    }

    /// Weight of `feature` for the label in column `k` (the label's place in
    /// [`Self::labels`], which is not [`Stance::index`] on a model without all three labels).
    ///
    /// # Panics
    ///
    /// If `k` is not below the number of labels, or `feature` not below the number of
    /// features (a `k` past the labels would otherwise read the next feature's weight).
    pub fn weight(&self, feature: usize, k: usize) -> f32 {
        let row = self.weight_row(feature);
        *row.get(k).unwrap_or_else(|| {
            panic!(
                "label column {k} is out of range: the model has {} labels",
                row.len()
            )
        })
    }

    /// The weights of `feature`, one per label in [`Self::labels`] order.
    ///
    /// # Panics
    ///
    /// If `feature` is not below the number of features (`featurizer().len()`): an index
    /// from another model's featurizer, say.
    fn weight_row(&self, feature: usize) -> &[f32] {
        let k = self.labels.len();
        feature
            .checked_mul(k)
            .and_then(|start| self.weights.get(start..start + k))
            .unwrap_or_else(|| {
                panic!(
                    "feature index {feature} is out of range: the model has {} features",
                    self.weights.len() / k
                )
            })
    }

    /// How much `feature` favours the label in column `k` over the others: its weight for
    /// `k` minus its mean weight for the others ([`margin_over_others`]).
    ///
    /// # Panics
    ///
    /// If `k` is not below the number of labels, or `feature` not below the number of
    /// features.
    pub fn margin(&self, feature: usize, k: usize) -> f32 {
        margin_over_others(self.weight_row(feature), k)
    }

    /// The `n` features that most favour the label in column `k`, strongest first, each with
    /// its margin: its weight for that label minus its mean weight for the others, which is
    /// what moves the softmax. Ties go to the feature name that sorts first.
    ///
    /// # Panics
    ///
    /// If `k` is not below the number of labels.
    pub fn strongest_features(&self, k: usize, n: usize) -> Vec<(f32, &str)> {
        let names = self.featurizer.feature_names();
        let mut ranked: Vec<(f32, &str)> = (0..names.len())
            .map(|f| (self.margin(f, k), names[f].as_str()))
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        ranked.truncate(n);
        ranked
    }

    /// Predicts from a sparse feature vector.
    ///
    /// # Panics
    ///
    /// If a feature index in `x` is not below the number of features, or a value is NaN or
    /// infinite: `x` must come from this model's featurizer. (A NaN value would give NaN
    /// probabilities and the first label, as if it were a prediction.)
    pub fn predict_features(&self, x: &SparseVec) -> Prediction {
        let k = self.labels.len();
        let mut scores = [0f32; 3];
        scores[..k].copy_from_slice(&self.intercepts);
        for &(feature, value) in x {
            let row = self.weight_row(feature as usize);
            for (score, w) in scores[..k].iter_mut().zip(row) {
                *score += value * w;
            }
        }
        let max = scores[..k]
            .iter()
            .copied()
            .fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for s in &mut scores[..k] {
            *s = (*s - max).exp();
            sum += *s;
        }
        // Finite scores give a sum of at least 1 (the best one's term is exp(0)); a NaN or
        // infinite value makes it NaN. One check per sentence, not per feature.
        if sum.is_nan() {
            not_finite();
        }
        let mut probabilities = [0f32; 3];
        let mut best = 0;
        for j in 0..k {
            let p = scores[j] / sum;
            probabilities[self.labels[j].index()] = p;
            if p > scores[best] / sum {
                best = j;
            }
        }
        Prediction {
            label: self.labels[best],
            probabilities,
        }
    }

    /// How labels follow one another in documents, if the model learned it.
    pub fn context(&self) -> Option<&ContextModel> {
        self.context.as_ref()
    }

    /// Turns document context off: every sentence is labelled on its own.
    pub fn without_context(mut self) -> Self {
        self.context = None;
        self
    }

    /// Predicts the sentences of one document, in order: each on its own, then adjusted by
    /// its neighbours (see [`crate::context`]).
    pub fn predict_document<S: AsRef<str>>(&self, sentences: &[S]) -> Vec<Prediction> {
        let own = self.predict_each(sentences.iter().map(AsRef::as_ref));
        match &self.context {
            Some(c) => {
                let links = crate::context::links(sentences.iter().map(AsRef::as_ref));
                c.smooth(&own, &links, &self.labels)
            }
            None => own,
        }
    }

    /// Predicts the rows of a labelled file as `stance evaluate` reads them: consecutive rows
    /// sharing a document id (see [`crate::corpus::DOCUMENT_COLUMNS`]) in context, like the
    /// sentences of an article; other rows on their own. If the rows look sorted by label,
    /// every row is read on its own: neighbours in a file sorted by label would pass their
    /// gold labels on (see [`crate::context::reading`]).
    pub fn predict_rows(&self, rows: &[LabeledSentence]) -> Vec<Prediction> {
        let own = self.predict_each(rows.iter().map(|r| r.text.as_str()));
        let Some(context) = &self.context else {
            return own;
        };
        let RowReading::InDocuments(documents) = crate::context::reading(rows) else {
            return own;
        };
        context.smooth_runs(rows, &own, &documents, &self.labels)
    }

    /// Each sentence predicted on its own, with one analyzer for all.
    fn predict_each<'t>(&self, sentences: impl Iterator<Item = &'t str>) -> Vec<Prediction> {
        let mut analyzer = self.featurizer.analyzer();
        let mut x = Vec::new();
        sentences
            .map(|s| {
                analyzer.transform(s, &mut x);
                self.predict_features(&x)
            })
            .collect()
    }

    /// Predicts one sentence on its own (convenience; batch callers reuse an analyzer).
    pub fn predict(&self, text: &str) -> Prediction {
        self.predict_features(&self.featurizer.transform(text))
    }

    /// The features that pushed `x` toward `label` rather than `against`, strongest first:
    /// each feature's value times its weight for `label` minus its weight for `against`, so
    /// that the list adds up (with the intercepts' difference) to `ln(p(label) /
    /// p(against))`. The CLI measures a label against the most probable other label
    /// ([`Prediction::strongest_other`]): "why adversarial and not analytical". (Against a
    /// label's raw weight, or the mean of the others, a feature that favours the runner-up
    /// still more than the label would be listed as a reason for the label.) Features that
    /// pull toward the alternative come last, negative, and are listed only when `top`
    /// reaches them. A label the model lacks gets an empty list.
    ///
    /// # Panics
    ///
    /// If a feature index in `x` is not below the number of features: `x` must come from
    /// this model's featurizer.
    pub fn explain(
        &self,
        x: &SparseVec,
        label: Stance,
        against: Stance,
        top: usize,
    ) -> Vec<Contribution> {
        let column = |l: Stance| self.labels.iter().position(|x| *x == l);
        let (Some(k), Some(j)) = (column(label), column(against)) else {
            return Vec::new();
        };
        let mut out: Vec<Contribution> = x
            .iter()
            .map(|&(feature, value)| {
                let w = self.weight_row(feature as usize);
                Contribution {
                    contribution: value * (w[k] - w[j]),
                    feature: self.featurizer.feature_names()[feature as usize].clone(),
                }
            })
            .collect();
        out.sort_by(|a, b| {
            b.contribution
                .total_cmp(&a.contribution)
                .then_with(|| a.feature.cmp(&b.feature))
        });
        out.truncate(top);
        out
    }
}

/// The feature vectors of `texts`.
pub(crate) fn sparse_features(featurizer: &Featurizer, texts: &[&str]) -> Vec<SparseVec> {
    let mut analyzer = featurizer.analyzer();
    texts
        .iter()
        .map(|text| {
            let mut v = Vec::new();
            analyzer.transform(text, &mut v);
            v
        })
        .collect()
}

/// Dense `n x d` feature matrix for linfa.
///
/// Returns an error if the matrix cannot be allocated (a `--dense-budget` beyond the
/// machine's memory), where a plain allocation would abort the process.
pub(crate) fn dense_features(rows: &[SparseVec], features: usize) -> Result<Array2<f32>> {
    let too_large = || {
        Error::Param(format!(
            "the training matrix of {} rows x {features} features needs {} MiB, more memory \
             than could be allocated; lower --dense-budget or --max-features",
            rows.len(),
            dense_matrix_mib(rows.len(), features)
        ))
    };
    let cells = rows.len().checked_mul(features).ok_or_else(too_large)?;
    let mut cells_vec: Vec<f32> = Vec::new();
    cells_vec
        .try_reserve_exact(cells)
        .map_err(|_| too_large())?;
    cells_vec.resize(cells, 0.0);
    let mut x = Array2::from_shape_vec((rows.len(), features), cells_vec)
        .expect("one cell per row and feature");
    for (mut dense, row) in x.rows_mut().into_iter().zip(rows) {
        for &(feature, value) in row {
            dense[feature as usize] = value;
        }
    }
    Ok(x)
}

/// Fits linfa-logistic's multinomial model on `rows` (sparse, `features` wide), started from
/// the optimum [`warm_start::solve`] finds on the sparse rows.
pub(crate) fn fit_logistic(
    rows: &[SparseVec],
    features: usize,
    labels: &[Stance],
    alpha: f32,
    max_iter: u64,
) -> Result<MultiFittedLogisticRegression<f32, Stance>> {
    // linfa numbers the classes present in sorted order.
    let mut classes = labels.to_vec();
    classes.sort();
    classes.dedup();
    let class_of: Vec<usize> = labels
        .iter()
        .map(|l| classes.binary_search(l).expect("from labels"))
        .collect();
    // The matrix first: if it cannot be allocated, say so before the warm start's work.
    let x = dense_features(rows, features)?;
    let start = warm_start::solve(rows, &class_of, features, classes.len(), alpha as f64);
    let dataset = Dataset::new(x, Array1::from(labels.to_vec()));
    MultiLogisticRegression::default()
        .alpha(alpha)
        .max_iterations(max_iter)
        .initial_params(start)
        .fit(&dataset)
        .map_err(|e| Error::Train(e.to_string()))
}

#[cfg(test)]
pub(crate) mod tests;
