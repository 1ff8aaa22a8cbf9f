//! The stance model: a featurizer plus multinomial logistic weights.
//!
//! Training goes through linfa-logistic on a dense `f32` matrix (it has no sparse input).
//! Prediction never touches that matrix: the fitted weights are exported once into a flat
//! `f32` table and each sentence's sparse features are dotted with it, which is both orders of
//! magnitude faster than linfa's dense `predict` and identical in result (tested below).
//!
//! Model files are JSON, versioned, and written atomically (temporary file in the same
//! directory, fsync, rename), so a failed or interrupted `train` never damages the model a user
//! already had.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use linfa::prelude::*;
use linfa_logistic::{MultiFittedLogisticRegression, MultiLogisticRegression};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

use crate::context::{ContextModel, Link};
use crate::corpus::{LabeledSentence, Stance};
use crate::error::{Error, Result};
use crate::features::{FeatureConfig, Featurizer, FeaturizerSpec, Lexicons, SparseVec};
use crate::source::{MAX_MODEL_BYTES, read_whole};
use crate::warm_start;

/// The model file format this build writes. Version 2 added document context, version 3 its
/// tables for each kind of link between sentences. Older files are still read: version 2 as
/// context with one table for every link, version 1 as models without context.
pub const FORMAT_VERSION: u32 = 3;

/// Smallest and largest `alpha` accepted (the search tries 0.1 to 30).
const MIN_ALPHA: f32 = 1e-6;
const MAX_ALPHA: f32 = 1e6;

/// Largest weight or intercept a model file may hold. Training with any alpha the search
/// tries gives weights under 10 (the shipped model's largest is about 4).
const MAX_WEIGHT: f32 = 1e6;
/// The oldest model file format this build reads.
const OLDEST_FORMAT_VERSION: u32 = 1;

/// How class priors are handled. linfa-logistic has no class weights, so priors are set by
/// correcting the intercepts: adding `ln(target share) - ln(training share)` to each label's
/// intercept makes the model behave as if trained on data with the target label mix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Prior {
    /// Keep the label mix of the training data.
    #[default]
    Train,
    /// Correct to a uniform mix (as if classes were balanced).
    Balanced,
    /// Correct to the mix of international news copy: 45% adversarial, 38% analytical,
    /// 18% conciliatory (renormalised), for corpora that are balanced by design.
    News,
}

impl Prior {
    /// Every prior, in the order the search tries them.
    pub const ALL: [Prior; 3] = [Prior::Train, Prior::Balanced, Prior::News];

    /// Target share of each label (in [`Stance::ALL`] order), or `None` to keep the
    /// training mix.
    pub fn target(self) -> Option<[f32; 3]> {
        match self {
            Prior::Train => None,
            Prior::Balanced => Some([1.0 / 3.0; 3]),
            // The mix as published, in whole per cent, sums to 101%: renormalised.
            Prior::News => Some([0.45 / 1.01, 0.38 / 1.01, 0.18 / 1.01]),
        }
    }

    /// The label shares (in [`Stance::ALL`] order) a model trained on `labels` with this prior
    /// assumes: the target, or for [`Prior::Train`] the shares of `labels`. Labels absent from
    /// the data get a small share, so that they stay harmless in divisions.
    pub fn shares(self, labels: &[Stance]) -> [f32; 3] {
        self.target().unwrap_or_else(|| {
            let n = labels.len().max(1) as f32;
            crate::corpus::count_labels(labels.iter().copied()).map(|c| (c as f32 / n).max(1e-3))
        })
    }

    /// The prior's name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Prior::Train => "train",
            Prior::Balanced => "balanced",
            Prior::News => "news",
        }
    }
}

/// Training hyperparameters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainParams {
    /// L2 penalty. linfa's loss is a sum over rows, so this is roughly 1/C of scikit-learn's.
    /// Defaults to `0.3`, the value `stance train --search` chose on the project's corpus.
    pub alpha: f32,
    /// Iteration cap of linfa's optimiser, which starts from the optimum the sparse warm start
    /// finds on the sparse rows (so it has little left to do). Defaults to `200`.
    pub max_iter: u64,
    /// Class prior handling. Defaults to [`Prior::Train`] (chosen by the search; the shipped
    /// corpus is nearly balanced, so it differs little from [`Prior::Balanced`]).
    pub prior: Prior,
    /// Seed for everything random (fold assignment). Defaults to `42`.
    pub seed: u64,
    /// Memory budget, in MiB, for the dense `rows x features` matrix linfa-logistic trains
    /// on. With many rows the n-gram cap is lowered to fit, so training memory stays bounded
    /// however large the data. Defaults to `1024`.
    #[serde(default = "default_dense_budget")]
    pub dense_budget_mib: usize,
    /// Feature options (see [`FeatureConfig`]).
    pub features: FeatureConfig,
    /// Learn how labels follow one another in the training documents and read each
    /// sentence in the context of its neighbours (see [`crate::context`]). Defaults to
    /// `true`; has no effect when the data has too few documents.
    #[serde(default = "default_context")]
    pub context: bool,
}

fn default_context() -> bool {
    true
}

fn default_dense_budget() -> usize {
    1024
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams {
            alpha: 0.3,
            max_iter: 200,
            prior: Prior::Train,
            seed: 42,
            dense_budget_mib: default_dense_budget(),
            features: FeatureConfig::default(),
            context: default_context(),
        }
    }
}

impl TrainParams {
    /// The feature options for `n` training rows: `max_features` lowered, if needed, so that
    /// the dense matrix (4 bytes a cell, n-grams plus the cue features) fits
    /// `dense_budget_mib`.
    ///
    /// Every lexicon entry can become a cue feature, so lexicons too large for the budget on
    /// their own are an error (a 17,000-word lexicon used to take 780 MB under a 64 MiB
    /// budget).
    pub fn features_for_rows(&self, n: usize, lexicons: &Lexicons) -> Result<FeatureConfig> {
        // Room kept for the cue block; the built-in lexicons (691 entries) fit in it.
        const CUE_ALLOWANCE: usize = 1000;
        // Cue features besides the lexicon hits: each group has a count in each of the three
        // clause scopes and, for reporting-verb groups, a class feature (4 at most).
        const FEATURES_PER_GROUP: usize = 4;
        // The quotation and question flags (3), with room to spare.
        const FLAG_FEATURES: usize = 16;
        // N-grams kept however tight the budget: fewer and the model is a cue-only one.
        const MIN_NGRAMS: usize = 100;
        const BYTES_PER_CELL: usize = std::mem::size_of::<f32>();
        let entries = if self.features.lexicons {
            lexicons.entries() + FEATURES_PER_GROUP * lexicons.groups.len()
        } else {
            0
        };
        let cues = entries + FLAG_FEATURES;
        // Saturating: a budget past the address space means no cap, not an overflow.
        let cells = self.dense_budget_mib.saturating_mul(1 << 20) / BYTES_PER_CELL;
        let per_row = cells / n.max(1);
        if cues > CUE_ALLOWANCE && per_row < cues + MIN_NGRAMS {
            return Err(Error::Param(format!(
                "the lexicons have {entries} entries, each a possible feature; for {n} rows \
                 they alone need more than the {} MiB --dense-budget (raise it, or use \
                 smaller lexicons)",
                self.dense_budget_mib
            )));
        }
        let fits = per_row
            .saturating_sub(cues.max(CUE_ALLOWANCE))
            .max(MIN_NGRAMS);
        Ok(FeatureConfig {
            max_features: self.features.max_features.min(fits),
            ..self.features.clone()
        })
    }

    /// Checks the parameters once, before any work.
    pub fn check(&self) -> Result<()> {
        // Beyond these bounds the fit is degenerate: an alpha of 1e30 pushes every weight to
        // zero (every sentence gets 1/3 for each label), one near f32's smallest leaves the
        // optimiser unregularised.
        if !(self.alpha.is_finite() && (MIN_ALPHA..=MAX_ALPHA).contains(&self.alpha)) {
            return Err(Error::Param(format!(
                "alpha must be a number from {MIN_ALPHA:e} to {MAX_ALPHA:e}, got {}",
                self.alpha
            )));
        }
        if self.max_iter == 0 {
            return Err(Error::Param("max_iter must be at least 1".into()));
        }
        if self.dense_budget_mib == 0 {
            return Err(Error::Param("dense_budget_mib must be at least 1".into()));
        }
        self.features.check()
    }
}

/// Cross-validated scores, stored in the model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CvScores {
    /// Number of folds.
    pub folds: usize,
    /// Pooled out-of-fold accuracy.
    pub accuracy: f64,
    /// Pooled out-of-fold macro-F1.
    pub macro_f1: f64,
}

/// Where a model came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct TrainingInfo {
    /// File name of the training CSV (without directories, so models are reproducible
    /// wherever they are trained).
    pub data_file: String,
    /// SHA-256 of the training file's bytes, in hex.
    pub data_sha256: String,
    /// Training sentences per label.
    pub sentences_per_label: BTreeMap<String, usize>,
    /// The parameters the model was trained with.
    pub params: Option<TrainParams>,
    /// Cross-validated scores, when `--folds` or `--search` was given.
    pub cross_validation: Option<CvScores>,
    /// Version of `stance` that trained the model.
    pub crate_version: String,
}

impl TrainingInfo {
    /// Records the training file: its name (without directories) and the SHA-256 of the
    /// bytes the rows were parsed from, so that a model says exactly what it learned from.
    pub fn record_source(&mut self, path: &Path, bytes: &[u8]) {
        self.data_file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        self.data_sha256 = sha256_hex(bytes);
    }

    /// Whether `bytes` are the file the model was trained on (same SHA-256): scores on it
    /// measure recall, not generalisation.
    pub fn is_training_data(&self, bytes: &[u8]) -> bool {
        !self.data_sha256.is_empty() && self.data_sha256 == sha256_hex(bytes)
    }
}

/// SHA-256 of `bytes`, in lower-case hex.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

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
}

/// One feature's push toward a label: value x weight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contribution {
    /// The feature's name, as `stance inspect` shows it.
    pub feature: String,
    /// Its weight for the label times its value in the sentence (log-odds units).
    pub contribution: f32,
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

/// The JSON layout of a model file.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelFile {
    format_version: u32,
    labels: Vec<Stance>,
    features: FeaturizerSpec,
    /// One row per feature, one column per label.
    weights: Vec<Vec<f32>>,
    intercepts: Vec<f32>,
    /// Absent in version 1 files: no context.
    #[serde(default)]
    context: Option<ContextFile>,
    training: TrainingInfo,
}

/// The JSON layout of a model's document context ([`ContextModel`], whose fields it names
/// as the file does). Its tables are read as lists and their lengths checked afterwards
/// ([`ContextFile::into_model`]): read as fixed arrays, a list one value too long failed
/// with serde's "trailing characters at line 1 column N".
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContextFile {
    transitions: Vec<Vec<f32>>,
    /// Absent in version 2 files (one table for every link), required in version 3.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    by_link: Option<Vec<Vec<Vec<f32>>>>,
    prior: Vec<f32>,
    pairs: usize,
}

impl From<ContextModel> for ContextFile {
    fn from(c: ContextModel) -> Self {
        let table = |t: [[f32; 3]; 3]| t.iter().map(|row| row.to_vec()).collect();
        ContextFile {
            transitions: table(c.transitions),
            by_link: c
                .by_link
                .map(|tables| tables.into_iter().map(table).collect()),
            prior: c.label_shares.to_vec(),
            pairs: c.pairs,
        }
    }
}

impl ContextFile {
    /// The context, once every list is checked to have its fixed length; the error says
    /// which list and how long it is.
    fn into_model(self) -> std::result::Result<ContextModel, String> {
        let by_link = match self.by_link {
            Some(tables) => {
                let tables: [Vec<Vec<f32>>; 4] = tables.try_into().map_err(|t: Vec<_>| {
                    format!(
                        "context.by_link has {} tables, expected {} (one per kind of link: {})",
                        t.len(),
                        Link::ALL.len(),
                        Link::ALL.map(Link::name).join(", ")
                    )
                })?;
                let mut out = [[[0.0; 3]; 3]; 4];
                for ((slot, table), link) in out.iter_mut().zip(tables).zip(Link::ALL) {
                    *slot = label_table(
                        table,
                        &format!("context.by_link table {} ({})", link as usize, link.name()),
                    )?;
                }
                Some(out)
            }
            None => None,
        };
        Ok(ContextModel {
            transitions: label_table(self.transitions, "context.transitions")?,
            by_link,
            label_shares: per_label(self.prior, "context.prior")?,
            pairs: self.pairs,
        })
    }
}

/// A table of one row per label, each of one value per label; `what` names it in errors.
fn label_table(rows: Vec<Vec<f32>>, what: &str) -> std::result::Result<[[f32; 3]; 3], String> {
    let rows: [Vec<f32>; 3] = rows.try_into().map_err(|rows: Vec<_>| {
        format!("{what} has {} rows, expected 3 (one per label)", rows.len())
    })?;
    let mut out = [[0.0; 3]; 3];
    for (i, (slot, row)) in out.iter_mut().zip(rows).enumerate() {
        *slot = per_label(row, &format!("{what} row {i}"))?;
    }
    Ok(out)
}

/// One value per label; `what` names the list in errors.
fn per_label(values: Vec<f32>, what: &str) -> std::result::Result<[f32; 3], String> {
    values
        .try_into()
        .map_err(|v: Vec<f32>| format!("{what} has {} values, expected 3 (one per label)", v.len()))
}

/// Only the version, read first so that a newer file gets a clear message rather than a
/// confusing field error.
#[derive(Deserialize)]
struct VersionProbe {
    format_version: Option<serde_json::Value>,
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

    /// Weight of `feature` for the label in column `k`.
    pub fn weight(&self, feature: usize, k: usize) -> f32 {
        self.weights[feature * self.labels.len() + k]
    }

    /// The `n` features that most favour the label in column `k`, strongest first, each with
    /// its margin: its weight for that label minus its mean weight for the others, which is
    /// what moves the softmax. Ties go to the feature name that sorts first.
    pub fn strongest_features(&self, k: usize, n: usize) -> Vec<(f32, &str)> {
        let names = self.featurizer.feature_names();
        let labels = self.labels.len();
        let mut ranked: Vec<(f32, &str)> = (0..names.len())
            .map(|f| {
                let others: f32 = (0..labels)
                    .filter(|&o| o != k)
                    .map(|o| self.weight(f, o))
                    .sum::<f32>()
                    / (labels - 1) as f32;
                (self.weight(f, k) - others, names[f].as_str())
            })
            .collect();
        ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        ranked.truncate(n);
        ranked
    }

    /// Predicts from a sparse feature vector.
    pub fn predict_features(&self, x: &SparseVec) -> Prediction {
        let k = self.labels.len();
        let mut scores = [0f32; 3];
        scores[..k].copy_from_slice(&self.intercepts);
        for &(feature, value) in x {
            let row = &self.weights[feature as usize * k..feature as usize * k + k];
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
    /// sentences of an article; other rows on their own. If the rows look sorted by label
    /// ([`crate::context::sorted_by_label`]), every row is read on its own: neighbours in a
    /// file sorted by label would pass their gold labels on.
    pub fn predict_rows(&self, rows: &[LabeledSentence]) -> Vec<Prediction> {
        let own = self.predict_each(rows.iter().map(|r| r.text.as_str()));
        if crate::context::sorted_by_label(rows).is_some() {
            return own;
        }
        let documents = crate::context::document_runs(rows);
        let links = crate::context::links(rows.iter().map(|r| r.text.as_str()));
        crate::context::smooth_all(
            self.context.as_ref(),
            &own,
            &links,
            &documents,
            &self.labels,
        )
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

    /// The features that pushed `x` toward `label`, strongest first (value x weight).
    pub fn explain(&self, x: &SparseVec, label: Stance, top: usize) -> Vec<Contribution> {
        let Some(k) = self.labels.iter().position(|l| *l == label) else {
            return Vec::new();
        };
        let mut out: Vec<Contribution> = x
            .iter()
            .map(|&(feature, value)| Contribution {
                feature: self.featurizer.feature_names()[feature as usize].clone(),
                contribution: value * self.weight(feature as usize, k),
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

    /// Serialises the model to JSON.
    pub fn to_json(&self) -> String {
        let k = self.labels.len();
        let file = ModelFile {
            format_version: FORMAT_VERSION,
            labels: self.labels.clone(),
            features: self.featurizer.spec().clone(),
            weights: self.weights.chunks(k).map(<[f32]>::to_vec).collect(),
            intercepts: self.intercepts.clone(),
            context: self.context.map(ContextFile::from),
            training: self.info.clone(),
        };
        serde_json::to_string(&file).expect("a model always serialises")
    }

    /// Parses a model from JSON; `name` is used in error messages.
    ///
    /// Returns an error if the text is not JSON, the version is unknown, a field is missing,
    /// or the weights disagree in shape with the vocabulary or labels.
    pub fn from_json(json: &str, name: &str) -> Result<Self> {
        let bad = |message: String| Error::Model {
            path: name.into(),
            message,
        };
        // Notepad and some other editors put a byte-order mark before the text they save.
        let json = json.strip_prefix('\u{FEFF}').unwrap_or(json);
        if json.is_empty() {
            return Err(bad("file is empty".into()));
        }
        if json.trim().is_empty() {
            return Err(bad("file holds only white space".into()));
        }
        // Anything but an object would fail with serde's "expected struct VersionProbe".
        if !json.trim_start().starts_with('{') {
            return Err(bad(
                "does not start with a JSON object, as a stance model file does".into(),
            ));
        }
        let probe: VersionProbe =
            serde_json::from_str(json).map_err(|e| bad(format!("invalid JSON: {e}")))?;
        check_version(probe.format_version).map_err(bad)?;
        let file: ModelFile = serde_json::from_str(json).map_err(|e| bad(format!("{e}")))?;
        let k = file.labels.len();
        let unique: std::collections::BTreeSet<_> = file.labels.iter().collect();
        if k < 2 || unique.len() != k {
            return Err(bad(format!(
                "labels must be at least two distinct labels, got {:?}",
                file.labels
            )));
        }
        // Weight columns and intercepts follow `labels` by position, and training writes the
        // labels sorted. A list reordered by hand would silently swap every label.
        if !file.labels.is_sorted() {
            return Err(bad(format!(
                "labels must be in the order {} (weights and intercepts are stored per label \
                 in that order), got {:?}",
                Stance::ALL.map(Stance::as_str).join(", "),
                file.labels
            )));
        }
        if file.intercepts.len() != k {
            return Err(bad(format!(
                "{} intercepts for {k} labels",
                file.intercepts.len()
            )));
        }
        let d = file.features.features.len();
        if file.weights.len() != d {
            return Err(bad(format!(
                "weights have {} rows but the vocabulary has {d} features",
                file.weights.len()
            )));
        }
        if let Some((row, w)) = file.weights.iter().enumerate().find(|(_, w)| w.len() != k) {
            return Err(bad(format!(
                "weight row {row} has {} values, expected one per label ({k})",
                w.len()
            )));
        }
        let weights: Vec<f32> = file.weights.into_iter().flatten().collect();
        if weights
            .iter()
            .chain(&file.intercepts)
            .any(|w| !w.is_finite())
        {
            // Read as f32, a 1e300 in the file is infinite here as much as a NaN.
            return Err(bad(
                "a weight or intercept is not a finite 32-bit number (NaN, infinite, or beyond \
                 +-3.4e38)"
                    .into(),
            ));
        }
        // Scores add up weights, and weights near f32::MAX overflow to infinity and NaN, which
        // would give every sentence the same meaningless probabilities without an error.
        if let Some(w) = weights
            .iter()
            .chain(&file.intercepts)
            .find(|w| w.abs() > MAX_WEIGHT)
        {
            return Err(bad(format!(
                "weight {w:e} is out of range (a trained model's weights stay far inside \
                 +-{MAX_WEIGHT:e})"
            )));
        }
        let context = file
            .context
            .map(ContextFile::into_model)
            .transpose()
            .map_err(bad)?;
        // Version 3 added a table for each kind of link; without it (a key renamed or set to
        // null by hand) the pooled table would serve every link, and change the results.
        if file.format_version >= 3 && context.is_some_and(|c| c.by_link.is_none()) {
            return Err(bad(format!(
                "context has no by_link tables; a format_version {} file's context has one \
                 for each kind of link ({})",
                file.format_version,
                Link::ALL.map(Link::name).join(", ")
            )));
        }
        if context.is_some_and(|c| !c.is_valid()) {
            return Err(bad(
                "context transitions must be probability distributions".into()
            ));
        }
        check_training_info(&file.training, &file.labels).map_err(bad)?;
        // The featurizer's errors are about the file here, not about parameters.
        let featurizer = Featurizer::from_spec(file.features).map_err(|e| match e {
            Error::Param(message) => bad(message),
            e => bad(e.to_string()),
        })?;
        Ok(StanceModel {
            featurizer,
            labels: file.labels,
            weights,
            intercepts: file.intercepts,
            context,
            info: file.training,
        })
    }

    /// Loads a model file.
    ///
    /// Returns an error if the file cannot be read or is not a usable model, and a usage
    /// error for `-`: standard input is where `classify` and `evaluate` read their data, and
    /// a file named `-` can be given as `./-`.
    pub fn load(path: &Path) -> Result<Self> {
        if path.as_os_str() == "-" {
            return Err(Error::Usage(
                "a model is read from a file, not from standard input (`-`); give its path \
                 (`./-` for a file named `-`)"
                    .into(),
            ));
        }
        let name = crate::source::path_name(path);
        let file = std::fs::File::open(path).map_err(|e| crate::source::open_error(&name, e))?;
        let bytes = read_whole(
            file,
            &name,
            MAX_MODEL_BYTES,
            "this is not a stance model file",
        )?;
        let json = std::str::from_utf8(&bytes).map_err(|e| Error::Model {
            path: name.clone(),
            message: format!("not UTF-8 text ({e})"),
        })?;
        StanceModel::from_json(json, &name)
    }

    /// Writes the model atomically: to a temporary file in the same directory, synced to
    /// disk, then renamed over `path`. On any error the previous file is untouched.
    pub fn save(&self, path: &Path) -> Result<()> {
        let name = crate::source::path_name(path);
        let path = &through_link(path);
        let mut tmp = temp_file_beside(path)?;
        // Temporary files are private (0600); give the model the permissions of the file it
        // replaces, or those of an ordinary new file.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode());
            tmp.as_file()
                .set_permissions(std::fs::Permissions::from_mode(mode))
                .map_err(|e| Error::io(&name, e))?;
        }
        tmp.write_all(self.to_json().as_bytes())
            .and_then(|_| tmp.write_all(b"\n"))
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(|e| Error::io(&name, e))?;
        tmp.persist(path).map_err(|e| Error::io(&name, e.error))?;
        Ok(())
    }
}

/// Checks the version a model file states (`None`: no `format_version` key): an integer
/// this build reads. The error says what was found.
fn check_version(version: Option<serde_json::Value>) -> std::result::Result<(), String> {
    let known = OLDEST_FORMAT_VERSION as u64..=FORMAT_VERSION as u64;
    let unknown = |v: &dyn std::fmt::Display| {
        format!(
            "unknown format_version {v} (this build of stance reads versions \
             {OLDEST_FORMAT_VERSION} to {FORMAT_VERSION})"
        )
    };
    let v = match version {
        None => return Err("no format_version field".into()),
        Some(serde_json::Value::Number(v)) => v,
        Some(v) => {
            return Err(format!(
                "format_version must be written as an integer, such as {FORMAT_VERSION}, got {v}"
            ));
        }
    };
    if v.as_u64().is_some_and(|v| known.contains(&v)) {
        return Ok(());
    }
    // serde_json keeps numbers as written (`arbitrary_precision`): `-1` and
    // `1000000000000000000000000000000` are integers, just not versions this build knows.
    let text = v.to_string();
    let digits = text.strip_prefix('-').unwrap_or(&text);
    let integer = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    // A whole number written otherwise (`1e30`, `7.0`) is no version either; a known one so
    // written (`3.0`), or a fraction, is asked for as an integer.
    let other_whole = v.as_f64().is_some_and(|x| {
        x.is_infinite() || (x.fract() == 0.0 && !(x >= 0.0 && known.contains(&(x as u64))))
    });
    if integer || other_whole {
        Err(unknown(&text))
    } else {
        Err(format!(
            "format_version must be written as an integer, such as {FORMAT_VERSION}, got {text}"
        ))
    }
}

/// Checks the training metadata `stance inspect` reports: cross-validation scores that a
/// run could have produced, and sentence counts only for the model's own labels.
fn check_training_info(info: &TrainingInfo, labels: &[Stance]) -> std::result::Result<(), String> {
    if let Some(cv) = &info.cross_validation {
        if cv.folds < 2 {
            return Err(format!(
                "training.cross_validation.folds is {}, expected at least 2 (cross-validation \
                 holds out one fold at a time)",
                cv.folds
            ));
        }
        for (name, score) in [("accuracy", cv.accuracy), ("macro_f1", cv.macro_f1)] {
            if !(score.is_finite() && (0.0..=1.0).contains(&score)) {
                return Err(format!(
                    "training.cross_validation.{name} is {score}, expected a number from 0 to 1"
                ));
            }
        }
    }
    if let Some(key) = info
        .sentences_per_label
        .keys()
        .find(|key| !labels.iter().any(|l| l.as_str() == key.as_str()))
    {
        return Err(format!(
            "training.sentences_per_label counts {key:?}, which is not a label of the model \
             (its labels: {})",
            labels
                .iter()
                .map(|l| l.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(())
}

/// Checks that a model can be written to `path`, by creating (and removing) a temporary file
/// beside it. Called before training so that a bad `--out` fails in a second, not after a fit.
pub fn check_writable(path: &Path) -> Result<()> {
    if path == Path::new("-") {
        return Err(Error::Usage(
            "--out needs a file path: a model cannot be written to standard output (`-`)".into(),
        ));
    }
    // `newdir/` names a directory, whether or not it exists; its parent would pass the check
    // below and the fit would fail only when saving.
    if path.as_os_str().as_encoded_bytes().ends_with(b"/") {
        let name = crate::source::path_name(path);
        let advice = if path.components().as_path().is_file() {
            "drop the `/`".to_string()
        } else {
            format!("give a file path such as {name}model.json")
        };
        return Err(Error::Usage(format!(
            "--out `{name}` names a directory (it ends in `/`); {advice}"
        )));
    }
    temp_file_beside(&through_link(path)).map(drop)
}

/// The file a symbolic link points to, so that saving a model through `models/current.json ->
/// v3.json` replaces v3.json and keeps the link; other paths as they are. Links are followed
/// one at a time, since a link to a file not yet written (`current.json -> v4.json`) is
/// dangling, which `canonicalize` refuses; a loop is left to fail when the file is opened.
fn through_link(path: &Path) -> std::path::PathBuf {
    let mut path = path.to_path_buf();
    for _ in 0..MAX_LINK_HOPS {
        let Ok(target) = std::fs::read_link(&path) else {
            break;
        };
        path = match path.parent() {
            Some(dir) if target.is_relative() => dir.join(target),
            _ => target,
        };
    }
    path
}

/// Links followed at most, as Linux does (`ELOOP` after 40).
const MAX_LINK_HOPS: usize = 40;

/// Checks that writing a model to `out` destroys nothing but an older model: `out` must not be
/// the training data itself (`stance train data.csv -o data.csv`), nor an existing file that
/// is not a model file (a typo such as `-o notes.txt`). An empty file, or a file that starts
/// like a model file (even a damaged one), may be replaced.
pub fn check_replaceable(out: &Path, data: &Path) -> Result<()> {
    let name = crate::source::path_name(out);
    let refuse = |message: String| {
        Err(Error::File {
            path: name.clone(),
            message,
        })
    };
    let meta = match std::fs::metadata(out) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(&name, e)),
        Ok(meta) => meta,
    };
    // A directory is reported by `check_writable`.
    if meta.is_dir() {
        return Ok(());
    }
    // Renaming a model over /dev/null or a named pipe would replace the device or the pipe
    // with a plain file.
    if !meta.is_file() {
        return refuse(
            "is not a regular file (a device, pipe or socket); a model can only replace a file \
             (choose another --out)"
                .into(),
        );
    }
    if let (Ok(a), Ok(b)) = (out.canonicalize(), data.canonicalize())
        && a == b
    {
        return refuse(
            "is the training data; writing the model there would destroy it (choose another --out)"
                .into(),
        );
    }
    // The atomic rename that saves a model would go round the protection users give a
    // model they mean to keep.
    if meta.permissions().readonly() {
        return refuse(
            "is read-only; refusing to replace it (make it writable first, or choose another \
             --out)"
                .into(),
        );
    }
    if is_empty_or_model_file(out, &meta).map_err(|e| Error::io(&name, e))? {
        return Ok(());
    }
    refuse(
        "exists and is not a stance model file; refusing to replace it (remove it first, or choose \
         another --out)"
            .into(),
    )
}

/// Whether the file at `path` is empty (white space only) or a model: a JSON object that
/// opens with a numeric `format_version` and then `labels` (as every model stance writes does, even one cut
/// short by a full disk, which is exactly what one retrains over), or a whole JSON object
/// with a numeric `format_version`, `labels` and `features` among its keys (a model re-saved
/// with its keys sorted, `jq -S`). Other tools' files name `format_version` too (Terraform's
/// plans, as a string), so the key alone is not enough. Only a file that starts like a JSON
/// object and is no larger than a model can be is read whole.
fn is_empty_or_model_file(path: &Path, meta: &std::fs::Metadata) -> std::io::Result<bool> {
    use std::io::Read;
    let mut head = Vec::new();
    std::fs::File::open(path)?
        .take(4096)
        .read_to_end(&mut head)?;
    let text = String::from_utf8_lossy(&head);
    let text = text.trim_start_matches('\u{FEFF}').trim_start();
    // The first 64 characters after any white space (Python's json.dump(indent=...) of a
    // model starts with a line break).
    let text: String = text.chars().take(64).collect();
    if text.is_empty() {
        // White space so far: empty if it is white space all through.
        if meta.len() > 1 << 20 {
            return Ok(false);
        }
        let bytes = std::fs::read(path)?;
        let text = String::from_utf8_lossy(&bytes);
        return Ok(text.trim_start_matches('\u{FEFF}').trim().is_empty());
    }
    let Some(body) = text.strip_prefix('{') else {
        return Ok(false);
    };
    // `{"format_version": 3, "labels"`, white space allowed between the tokens.
    let after_version = body
        .trim_start()
        .strip_prefix("\"format_version\"")
        .and_then(|rest| rest.trim_start().strip_prefix(':'))
        .map(|rest| rest.trim_start())
        .filter(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
        .map(|rest| rest.trim_start_matches(|c: char| c.is_ascii_digit()))
        .and_then(|rest| rest.trim_start().strip_prefix(','));
    if after_version.is_some_and(|rest| rest.trim_start().starts_with("\"labels\"")) {
        return Ok(true);
    }
    if meta.len() > MAX_MODEL_BYTES {
        return Ok(false);
    }
    /// The keys that make a JSON object a stance model, whatever their order.
    #[derive(Deserialize)]
    #[allow(dead_code)] // Only their presence and types are checked.
    struct ModelKeys {
        format_version: serde_json::Number,
        labels: serde::de::IgnoredAny,
        features: serde::de::IgnoredAny,
    }
    let bytes = std::fs::read(path)?;
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Ok(false);
    };
    let text = text.trim_start_matches('\u{FEFF}');
    Ok(serde_json::from_str::<ModelKeys>(text).is_ok())
}

fn temp_file_beside(path: &Path) -> Result<tempfile::NamedTempFile> {
    let name = crate::source::path_name(path);
    if path.is_dir() {
        return Err(Error::io(
            &name,
            std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "is a directory, expected a model file path",
            ),
        ));
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    tempfile::Builder::new()
        .prefix(".stance-model-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| Error::io(format!("{name} (directory {})", dir.display()), e))
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
pub(crate) fn dense_features(rows: &[SparseVec], features: usize) -> Array2<f32> {
    let mut x = Array2::<f32>::zeros((rows.len(), features));
    for (mut dense, row) in x.rows_mut().into_iter().zip(rows) {
        for &(feature, value) in row {
            dense[feature as usize] = value;
        }
    }
    x
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
    let start = warm_start::solve(rows, &class_of, features, classes.len(), alpha as f64);
    let y = Array1::from(labels.to_vec());
    let dataset = Dataset::new(dense_features(rows, features), y);
    MultiLogisticRegression::default()
        .alpha(alpha)
        .max_iterations(max_iter)
        .initial_params(start)
        .fit(&dataset)
        .map_err(|e| Error::Train(e.to_string()))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn tiny_rows() -> Vec<LabeledSentence> {
        let data: &[(&str, Stance)] = &[
            (
                "The ministers signed a trade agreement and pledged closer cooperation.",
                Stance::Conciliatory,
            ),
            (
                "Both sides welcomed the ceasefire and agreed to resume talks.",
                Stance::Conciliatory,
            ),
            (
                "The president thanked Japan for its generous aid.",
                Stance::Conciliatory,
            ),
            (
                "Leaders agreed to deepen cooperation on climate.",
                Stance::Conciliatory,
            ),
            (
                "Beijing warned Washington it would retaliate against the tariffs.",
                Stance::Adversarial,
            ),
            (
                "The ministry accused Moscow of interference and expelled two diplomats.",
                Stance::Adversarial,
            ),
            (
                "Officials condemned the missile test as a reckless provocation.",
                Stance::Adversarial,
            ),
            (
                "The spokesman dismissed the report as a smear.",
                Stance::Adversarial,
            ),
            (
                "The visit will run from Tuesday to Thursday.",
                Stance::Analytical,
            ),
            (
                "Trade between the two countries reached $60 billion last year.",
                Stance::Analytical,
            ),
            (
                "Analysts say domestic pressure has narrowed the options.",
                Stance::Analytical,
            ),
            ("The talks were held in Geneva in 2019.", Stance::Analytical),
        ];
        data.iter()
            .enumerate()
            .map(|(i, (text, label))| LabeledSentence {
                line: i as u64 + 2,
                ..LabeledSentence::new(*text, *label)
            })
            .collect()
    }

    fn params() -> TrainParams {
        TrainParams {
            alpha: 0.1,
            features: FeatureConfig {
                min_df: 1,
                ..FeatureConfig::default()
            },
            ..TrainParams::default()
        }
    }

    #[test]
    fn sparse_prediction_agrees_with_linfa() {
        let rows = tiny_rows();
        let texts: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
        let labels: Vec<Stance> = rows.iter().map(|r| r.label).collect();
        let featurizer =
            Featurizer::fit(&params().features, &Lexicons::builtin(), &texts, &labels).unwrap();
        let sparse = sparse_features(&featurizer, &texts);
        let x = dense_features(&sparse, featurizer.len());
        let fitted = fit_logistic(&sparse, featurizer.len(), &labels, 0.1, 100).unwrap();
        let linfa_labels = fitted.predict(&x);
        let linfa_probs = fitted.predict_probabilities(&x);
        let model = StanceModel::from_linfa(featurizer, &fitted);
        let probe = [
            "Moscow warned of countermeasures.",
            "Talks will open in May.",
            "They agreed.",
        ];
        let probe_x = dense_features(
            &sparse_features(model.featurizer(), &probe),
            model.featurizer().len(),
        );
        let probe_labels = fitted.predict(&probe_x);
        for (i, text) in texts.iter().chain(&probe).enumerate() {
            let ours = model.predict(text);
            let (want, probs) = if i < texts.len() {
                (linfa_labels[i], linfa_probs.row(i).to_vec())
            } else {
                let j = i - texts.len();
                (
                    probe_labels[j],
                    fitted.predict_probabilities(&probe_x).row(j).to_vec(),
                )
            };
            assert_eq!(ours.label, want, "{text}");
            for (a, b) in ours.probabilities.iter().zip(&probs) {
                assert!((a - b).abs() < 1e-5, "{text}: {a} vs {b}");
            }
        }
    }

    #[test]
    fn learns_the_tiny_set_and_round_trips() {
        let model = StanceModel::train(&tiny_rows(), &params(), &Lexicons::builtin()).unwrap();
        let correct = tiny_rows()
            .iter()
            .filter(|r| model.predict(&r.text).label == r.label)
            .count();
        assert!(correct >= 11, "only {correct}/12 training sentences fit");
        let json = model.to_json();
        let back = StanceModel::from_json(&json, "m.json").unwrap();
        for text in [
            "Rebels shelled the town.",
            "The envoy praised the accord.",
            "",
        ] {
            assert_eq!(model.predict(text), back.predict(text));
        }
        assert_eq!(back.to_json(), json, "JSON round trip is not stable");
    }

    #[test]
    fn prior_correction_shifts_intercepts_by_log_ratio() {
        let rows = tiny_rows();
        let base = StanceModel::train(
            &rows,
            &TrainParams {
                prior: Prior::Train,
                ..params()
            },
            &Lexicons::builtin(),
        )
        .unwrap();
        // The tiny set has 4 sentences of each label (share 1/3). Hand-computed shifts:
        // balanced: ln(1/3) - ln(1/3) = 0; news: ln(0.45/1.01) - ln(1/3) = +0.2905 for
        // adversarial, ln(0.18/1.01) - ln(1/3) = -0.6262 for conciliatory.
        let balanced = base.with_prior(Prior::Balanced, &rows);
        let news = base.with_prior(Prior::News, &rows);
        for k in 0..3 {
            assert!((balanced.intercepts[k] - base.intercepts[k]).abs() < 1e-5);
        }
        assert!((news.intercepts[0] - base.intercepts[0] - 0.2905).abs() < 1e-3);
        assert!((news.intercepts[2] - base.intercepts[2] + 0.6262).abs() < 1e-3);
        let direct = StanceModel::train(
            &rows,
            &TrainParams {
                prior: Prior::News,
                ..params()
            },
            &Lexicons::builtin(),
        )
        .unwrap();
        assert_eq!(direct.intercepts, news.intercepts);
    }

    #[test]
    fn dense_budget_caps_features_for_large_data() {
        let p = TrainParams::default();
        let builtin = Lexicons::builtin();
        let cap = |p: &TrainParams, n, lexicons: &Lexicons| {
            p.features_for_rows(n, lexicons).map(|c| c.max_features)
        };
        // 1024 MiB / 4 bytes = 268,435,456 cells; / 100,000 rows = 2,684; minus 1,000 for cues.
        assert_eq!(cap(&p, 100_000, &builtin).unwrap(), 1_684);
        assert_eq!(cap(&p, 6_000, &builtin).unwrap(), p.features.max_features);
        // A 20,000-word lexicon (20,004 entries with its group counts, 20,020 cues with the
        // flags): 1024 MiB is 44,739 cells a row for 6,000 rows, which leaves 24,719 for
        // n-grams, more than the 6,000 asked.
        let big = Lexicons {
            groups: [(
                "words".to_string(),
                (0..20_000).map(|i| format!("w{i}")).collect(),
            )]
            .into_iter()
            .collect(),
        };
        assert_eq!(cap(&p, 6_000, &big).unwrap(), 6_000);
        // With 64 MiB: 16,777,216 cells / 6,000 rows = 2,796 a row, under the lexicon's 20,020.
        let small = TrainParams {
            dense_budget_mib: 64,
            ..TrainParams::default()
        };
        let err = cap(&small, 6_000, &big).unwrap_err().to_string();
        assert!(
            err.contains("20004 entries") && err.contains("64 MiB"),
            "{err}"
        );
        // A budget too large to count in bytes is no cap (it used to overflow).
        let huge = TrainParams {
            dense_budget_mib: usize::MAX,
            ..TrainParams::default()
        };
        assert_eq!(cap(&huge, 100_000, &builtin).unwrap(), 6_000);
    }

    #[test]
    fn predict_rows_reads_each_document_in_context_and_other_rows_alone() {
        let mut model = StanceModel::train(&tiny_rows(), &params(), &Lexicons::builtin()).unwrap();
        // A strongly persistent chain, so that context visibly moves probabilities.
        model.context = Some(crate::context::ContextModel {
            transitions: [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]],
            by_link: None,
            label_shares: [1.0 / 3.0; 3],
            pairs: 0,
        });
        let texts = [
            "Beijing warned it would retaliate.",
            "The talks were held in Geneva.",
            "Both sides agreed to resume talks.",
            "The ministry accused Moscow of interference.",
        ];
        let rows: Vec<LabeledSentence> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| LabeledSentence {
                text: t.to_string(),
                label: Stance::Analytical,
                line: i as u64 + 2,
                story: None,
                document: (i < 3).then(|| "d1".to_string()),
            })
            .collect();
        let got = model.predict_rows(&rows);
        assert_eq!(got[..3], model.predict_document(&texts[..3])[..]);
        assert_eq!(
            got[3],
            model.predict(texts[3]),
            "a row without a document is alone"
        );
        assert_ne!(
            got[1],
            model.predict(texts[1]),
            "context changed the middle sentence"
        );
    }

    #[test]
    fn training_info_records_file_name_and_sha256() {
        let mut info = TrainingInfo::default();
        info.record_source(Path::new("some/dir/train.csv"), b"abc");
        assert_eq!(info.data_file, "train.csv");
        // SHA-256("abc"), the FIPS 180-2 test vector.
        assert_eq!(
            info.data_sha256,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn probabilities_sum_to_one() {
        let model = StanceModel::train(&tiny_rows(), &params(), &Lexicons::builtin()).unwrap();
        let p = model.predict("Leaders warned and agreed.");
        let sum: f32 = p.probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-5);
        assert_eq!(
            p.confidence(),
            p.probabilities.iter().copied().fold(0.0, f32::max)
        );
    }

    #[cfg(unix)]
    #[test]
    fn saved_model_is_readable_like_an_ordinary_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.json");
        let model = StanceModel::train(&tiny_rows(), &params(), &Lexicons::builtin()).unwrap();
        model.save(&path).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o644
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
        model.save(&path).unwrap();
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o640
        );
        assert_eq!(StanceModel::load(&path).unwrap().to_json(), model.to_json());
    }

    #[test]
    fn strongest_features_rank_by_margin_over_the_other_labels() {
        let model = StanceModel::train(&tiny_rows(), &params(), &Lexicons::builtin()).unwrap();
        let names = model.featurizer().feature_names();
        for k in 0..model.labels().len() {
            let top = model.strongest_features(k, 5);
            assert_eq!(top.len(), 5.min(names.len()));
            assert!(top.windows(2).all(|w| w[0].0 >= w[1].0), "{top:?}");
            // The margin is the weight for label k minus the mean of the other two.
            let (margin, name) = top[0];
            let f = names.iter().position(|n| n == name).unwrap();
            let others: Vec<usize> = (0..3).filter(|&o| o != k).collect();
            let mean = (model.weight(f, others[0]) + model.weight(f, others[1])) / 2.0;
            assert!((margin - (model.weight(f, k) - mean)).abs() < 1e-6);
            // Nothing outside the top five beats the fifth.
            let fifth = top[4].0;
            let beats = (0..names.len())
                .filter(|&g| {
                    let mean = (model.weight(g, others[0]) + model.weight(g, others[1])) / 2.0;
                    model.weight(g, k) - mean > fifth
                })
                .count();
            assert!(beats <= 4, "{beats}");
        }
    }

    #[test]
    fn refuses_one_label_and_bad_alpha() {
        let rows: Vec<_> = tiny_rows().into_iter().take(4).collect();
        let err = StanceModel::train(&rows, &params(), &Lexicons::builtin()).unwrap_err();
        assert!(
            err.to_string().contains("at least two different labels"),
            "{err}"
        );
        let bad = TrainParams {
            alpha: 0.0,
            ..params()
        };
        let err = StanceModel::train(&tiny_rows(), &bad, &Lexicons::builtin()).unwrap_err();
        assert!(err.to_string().contains("alpha"), "{err}");
    }

    #[test]
    fn load_rejects_damaged_files() {
        let model = StanceModel::train(&tiny_rows(), &params(), &Lexicons::builtin()).unwrap();
        let json = model.to_json();
        let mut value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let mut wrong_version = value.clone();
        wrong_version["format_version"] = 99.into();
        let mut short_weights = value.clone();
        short_weights["weights"].as_array_mut().unwrap().pop();
        let mut short_row = value.clone();
        short_row["weights"][0].as_array_mut().unwrap().pop();
        let mut bad_context = value.clone();
        // A version 2 context (no link tables), its pooled table invalid.
        bad_context["format_version"] = 2.into();
        bad_context["context"] = serde_json::json!({
            "transitions": [[0.5, 0.5, 0.5], [0.2, 0.3, 0.5], [0.1, 0.1, 0.8]],
            "prior": [0.3, 0.3, 0.4],
            "pairs": 9
        });
        // A link table with a negative probability (its row still sums to 1), the pooled
        // table valid.
        let mut bad_link = value.clone();
        let flat = serde_json::json!([[0.4, 0.3, 0.3], [0.3, 0.4, 0.3], [0.3, 0.3, 0.4]]);
        let negative = serde_json::json!([[0.4, 0.3, 0.3], [0.3, 0.4, 0.3], [0.5, -0.1, 0.6]]);
        bad_link["context"] = serde_json::json!({
            "transitions": flat,
            "by_link": [flat, flat, negative, flat],
            "prior": [0.3, 0.3, 0.4],
            "pairs": 9
        });
        let mut huge_weight = value.clone();
        huge_weight["weights"][0][0] = serde_json::json!(3e38);
        let mut huge_idf = value.clone();
        huge_idf["features"]["idf"][0] = serde_json::json!(3e38);
        // Finite in the file, but past f32: it reads as infinity.
        let mut f64_intercept = value.clone();
        f64_intercept["intercepts"][0] = serde_json::json!(1e300);
        value["intercepts"].as_array_mut().unwrap().pop();
        let cases: Vec<(String, &str)> = vec![
            (String::new(), "empty"),
            (json[..json.len() / 2].to_string(), "invalid JSON"),
            ("{\"a\":1}".into(), "no format_version"),
            (wrong_version.to_string(), "unknown format_version 99"),
            (short_weights.to_string(), "weights have"),
            (short_row.to_string(), "weight row 0"),
            (value.to_string(), "intercepts for 3 labels"),
            (bad_context.to_string(), "context transitions"),
            (bad_link.to_string(), "context transitions"),
            (huge_weight.to_string(), "out of range"),
            (huge_idf.to_string(), "idf value 3e38 at index 0"),
            (
                f64_intercept.to_string(),
                "a weight or intercept is not a finite 32-bit number",
            ),
        ];
        for (text, fragment) in cases {
            let err = StanceModel::from_json(&text, "m.json")
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(fragment) && err.starts_with("m.json"),
                "{fragment}: {err}"
            );
        }
    }

    /// Rows of `documents` articles whose labels run in blocks, as news copy does.
    fn document_rows(documents: usize) -> Vec<LabeledSentence> {
        let base = tiny_rows();
        let mut rows = Vec::new();
        for d in 0..documents {
            // Each article: two sentences of one label, then two of the next.
            for k in 0..4 {
                let mut row = base[(d * 2 + k / 2 * 5 + k % 2) % base.len()].clone();
                row.document = Some(format!("doc{d}"));
                rows.push(row);
            }
        }
        rows
    }

    #[test]
    fn context_is_learned_from_documents_and_saved() {
        let plain = StanceModel::train(&tiny_rows(), &params(), &Lexicons::builtin()).unwrap();
        assert!(plain.context().is_none(), "no documents, no context");
        let rows = document_rows(40);
        let model = StanceModel::train(&rows, &params(), &Lexicons::builtin()).unwrap();
        let context = model.context().expect("160 document sentences");
        assert_eq!(context.pairs, 120, "3 pairs in each of 40 documents");
        let loaded = StanceModel::from_json(&model.to_json(), "m.json").unwrap();
        assert_eq!(loaded.context(), model.context());
        let off = TrainParams {
            context: false,
            ..params()
        };
        let model = StanceModel::train(&rows, &off, &Lexicons::builtin()).unwrap();
        assert!(model.context().is_none(), "--no-context");
    }

    #[test]
    fn version_2_files_use_one_table_for_every_link() {
        let model =
            StanceModel::train(&document_rows(40), &params(), &Lexicons::builtin()).unwrap();
        assert!(model.context().unwrap().by_link.is_some());
        let mut value: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
        value["format_version"] = 2.into();
        value["context"].as_object_mut().unwrap().remove("by_link");
        let old = StanceModel::from_json(&value.to_string(), "old.json").unwrap();
        let mut pooled = model.clone();
        pooled.context.as_mut().unwrap().by_link = None;
        assert_eq!(old.context(), pooled.context());
        let sentences = ["Beijing warned of retaliation.", "“We will respond.”"];
        assert_eq!(
            old.predict_document(&sentences),
            pooled.predict_document(&sentences)
        );
    }

    /// A trained model with document context, cross-validation scores and a training file,
    /// as JSON to edit: every key stance writes.
    fn full_model_value() -> serde_json::Value {
        let mut model =
            StanceModel::train(&document_rows(40), &params(), &Lexicons::builtin()).unwrap();
        let info = model.info_mut();
        info.record_source(Path::new("data/train.csv"), b"text,label\n");
        info.cross_validation = Some(CvScores {
            folds: 5,
            accuracy: 0.88,
            macro_f1: 0.87,
        });
        serde_json::from_str(&model.to_json()).unwrap()
    }

    /// The message `from_json` refuses `json` with.
    fn refusal(json: &str) -> String {
        StanceModel::from_json(json, "m.json")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_whole_number_outside_the_known_versions_is_an_unknown_version() {
        let text = full_model_value().to_string();
        assert!(StanceModel::from_json(&text, "m.json").is_ok());
        let with_version = |v: &str| {
            text.replacen(
                "\"format_version\":3",
                &format!("\"format_version\":{v}"),
                1,
            )
        };
        // Integers, just not versions: they used to be asked for "as an integer".
        for v in ["-1", "0", "1000000000000000000000000000000"] {
            let err = refusal(&with_version(v));
            assert!(
                err.contains(&format!(
                    "unknown format_version {v} (this build of stance reads versions 1 to 3)"
                )),
                "{v}: {err}"
            );
        }
        // 1e30 is whole too (serde_json shows it as 1e+30 or 1e30).
        let err = refusal(&with_version("1e30"));
        assert!(err.contains("unknown format_version 1e"), "{err}");
        // A known version written as a fraction, and a true fraction, are asked for as integers.
        for v in ["3.0", "2.5"] {
            let err = refusal(&with_version(v));
            assert!(
                err.contains(&format!(
                    "format_version must be written as an integer, such as 3, got {v}"
                )),
                "{v}: {err}"
            );
        }
    }

    #[test]
    fn context_lists_of_the_wrong_length_are_named() {
        let value = full_model_value();
        let edited = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut v = value.clone();
            edit(&mut v["context"]);
            refusal(&v.to_string())
        };
        // Each used to fail with serde's "trailing characters at line 1 column N" when too
        // long, or "invalid length 2, expected an array of length 3" when too short.
        type Edit = fn(&mut serde_json::Value);
        let cases: [(Edit, &str); 7] = [
            (
                |c| c["prior"].as_array_mut().unwrap().push(0.1.into()),
                "context.prior has 4 values, expected 3 (one per label)",
            ),
            (
                |c| drop(c["prior"].as_array_mut().unwrap().pop()),
                "context.prior has 2 values, expected 3 (one per label)",
            ),
            (
                (|c| {
                    let row = c["transitions"][0].clone();
                    c["transitions"].as_array_mut().unwrap().push(row)
                }),
                "context.transitions has 4 rows, expected 3 (one per label)",
            ),
            (
                |c| c["transitions"][1].as_array_mut().unwrap().push(0.0.into()),
                "context.transitions row 1 has 4 values, expected 3 (one per label)",
            ),
            (
                (|c| {
                    let table = c["by_link"][0].clone();
                    c["by_link"].as_array_mut().unwrap().push(table)
                }),
                "context.by_link has 5 tables, expected 4 (one per kind of link: plain, quote, \
                 turn, pronoun)",
            ),
            (
                |c| drop(c["by_link"][2].as_array_mut().unwrap().pop()),
                "context.by_link table 2 (turn) has 2 rows, expected 3 (one per label)",
            ),
            (
                |c| c["by_link"][1][2].as_array_mut().unwrap().push(0.0.into()),
                "context.by_link table 1 (quote) row 2 has 4 values, expected 3 (one per label)",
            ),
        ];
        for (edit, fragment) in cases {
            let err = edited(&edit);
            assert!(err.contains(fragment), "{fragment}: {err}");
        }
    }

    #[test]
    fn version_3_context_needs_its_link_tables() {
        let value = full_model_value();
        let mut removed = value.clone();
        removed["context"]
            .as_object_mut()
            .unwrap()
            .remove("by_link");
        let mut null = value.clone();
        null["context"]["by_link"] = serde_json::Value::Null;
        // Both used to load and use the pooled table for every link.
        for v in [&removed, &null] {
            let err = refusal(&v.to_string());
            assert!(
                err.contains("context has no by_link tables; a format_version 3 file's context"),
                "{err}"
            );
        }
        // A version 2 file has none, and loads as before.
        null["format_version"] = 2.into();
        assert!(StanceModel::from_json(&null.to_string(), "m.json").is_ok());
    }

    #[test]
    fn unknown_keys_are_refused_at_every_level() {
        let value = full_model_value();
        // Every key stance writes loads (version 1 and 2 files: the tests below).
        assert!(StanceModel::from_json(&value.to_string(), "m.json").is_ok());
        let levels: [&[&str]; 7] = [
            &[],
            &["features"],
            &["features", "lexicons"],
            &["context"],
            &["training"],
            &["training", "params"],
            &["training", "cross_validation"],
        ];
        for level in levels {
            let mut v = value.clone();
            let mut object = &mut v;
            for key in level {
                object = &mut object[*key];
            }
            object["extra"] = 1.into();
            let err = refusal(&v.to_string());
            assert!(err.contains("unknown field `extra`"), "{level:?}: {err}");
        }
        // A renamed key, as the tester's `by_links`.
        let mut renamed = value.clone();
        let tables = renamed["context"]
            .as_object_mut()
            .unwrap()
            .remove("by_link")
            .unwrap();
        renamed["context"]["by_links"] = tables;
        let err = refusal(&renamed.to_string());
        assert!(err.contains("unknown field `by_links`"), "{err}");
    }

    #[test]
    fn idf_values_must_be_positive() {
        let value = full_model_value();
        let name = value["features"]["features"][7]
            .as_str()
            .unwrap()
            .to_string();
        for (idf, shown) in [(-2.5, "-2.5"), (0.0, "0")] {
            let mut v = value.clone();
            v["features"]["idf"][7] = idf.into();
            let err = refusal(&v.to_string());
            assert!(
                err.contains(&format!(
                    "idf value {shown} at index 7 ({name:?}) is not positive"
                )),
                "{err}"
            );
        }
    }

    #[test]
    fn cue_features_must_name_stored_lexicons() {
        let value = full_model_value();
        // The fixture's vocabulary holds hostility cues (the tiny rows accuse and warn).
        let hostility = value["features"]["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f.as_str())
            .find(|f| f.starts_with("#lex:hostility") || f.starts_with("@hostility:"))
            .unwrap()
            .to_string();
        let mut deleted = value.clone();
        deleted["features"]["lexicons"]["groups"]
            .as_object_mut()
            .unwrap()
            .remove("hostility");
        let err = refusal(&deleted.to_string());
        assert!(
            err.contains(&format!("feature {hostility:?} refers to")),
            "{err}"
        );
        // Names that can never fire, each added as a feature with a weight row and an idf.
        let cases = [
            (
                "#lex:nonexistent",
                "refers to a lexicon group that features.lexicons does not hold",
            ),
            ("#lex:hostility:xyz", "refers to a lexicon group that"),
            (
                "@nonexistent:war",
                "refers to a lexicon group and phrase that",
            ),
            (
                "@hostility:zzzz",
                "refers to a lexicon group and phrase that",
            ),
            (
                "#verb:zzz",
                "refers to the reporting-verb group verbs_zzz that",
            ),
            ("#foo", "unknown cue feature \"#foo\""),
        ];
        for (name, fragment) in cases {
            let mut v = value.clone();
            v["features"]["features"]
                .as_array_mut()
                .unwrap()
                .push(name.into());
            v["features"]["idf"]
                .as_array_mut()
                .unwrap()
                .push(1.0.into());
            v["weights"]
                .as_array_mut()
                .unwrap()
                .push(serde_json::json!([0.0, 0.0, 0.0]));
            let err = refusal(&v.to_string());
            assert!(err.contains(fragment), "{name}: {err}");
        }
    }

    #[test]
    fn impossible_training_metadata_is_refused() {
        let value = full_model_value();
        let cases: [(&str, serde_json::Value, &str); 5] = [
            (
                "accuracy",
                7.5.into(),
                "training.cross_validation.accuracy is 7.5, expected a number from 0 to 1",
            ),
            (
                "macro_f1",
                (-0.1).into(),
                "training.cross_validation.macro_f1 is -0.1, expected a number from 0 to 1",
            ),
            (
                "folds",
                0.into(),
                "training.cross_validation.folds is 0, expected at least 2",
            ),
            (
                "folds",
                1.into(),
                "training.cross_validation.folds is 1, expected at least 2",
            ),
            // The bounds themselves are possible scores.
            ("accuracy", 1.0.into(), ""),
        ];
        for (key, score, fragment) in cases {
            let mut v = value.clone();
            v["training"]["cross_validation"][key] = score;
            let loaded = StanceModel::from_json(&v.to_string(), "m.json");
            if fragment.is_empty() {
                assert!(loaded.is_ok(), "{key}");
            } else {
                let err = loaded.unwrap_err().to_string();
                assert!(err.contains(fragment), "{err}");
            }
        }
        let mut friendly = value.clone();
        friendly["training"]["sentences_per_label"]["friendly"] = 3.into();
        let err = refusal(&friendly.to_string());
        assert!(
            err.contains("training.sentences_per_label counts \"friendly\", which is not a label"),
            "{err}"
        );
    }

    #[test]
    fn version_1_files_load_without_context() {
        let model =
            StanceModel::train(&document_rows(40), &params(), &Lexicons::builtin()).unwrap();
        let mut value: serde_json::Value = serde_json::from_str(&model.to_json()).unwrap();
        value["format_version"] = 1.into();
        value.as_object_mut().unwrap().remove("context");
        let old = StanceModel::from_json(&value.to_string(), "old.json").unwrap();
        assert!(old.context().is_none());
        let sentences = [
            "Beijing warned of retaliation.",
            "The talks resume on Monday.",
        ];
        let alone: Vec<Stance> = sentences.iter().map(|s| old.predict(s).label).collect();
        let in_doc: Vec<Stance> = old
            .predict_document(&sentences)
            .iter()
            .map(|p| p.label)
            .collect();
        assert_eq!(alone, in_doc, "without context a document is its sentences");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        /// Arbitrary bytes, and a real model file with one byte changed or cut short, load or
        /// fail with an error; a model that loads predicts without panicking.
        #[test]
        fn damaged_model_bytes_never_panic(pos in 0usize..100_000, byte in proptest::num::u8::ANY, cut in proptest::bool::ANY) {
            let json = fixture_json();
            let mut bytes = json.as_bytes().to_vec();
            let pos = pos % bytes.len();
            if cut { bytes.truncate(pos) } else { bytes[pos] = byte }
            if let Ok(text) = std::str::from_utf8(&bytes)
                && let Ok(model) = StanceModel::from_json(text, "m.json")
            {
                let p = model.predict("Ministers warned and agreed.");
                proptest::prop_assert!(p.probabilities.iter().all(|x| x.is_finite()));
            }
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            let _ = StanceModel::from_json(&text, "m.json");
        }
    }

    fn fixture_json() -> &'static str {
        static JSON: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        JSON.get_or_init(|| {
            StanceModel::train(&tiny_rows(), &params(), &Lexicons::builtin())
                .unwrap()
                .to_json()
        })
    }

    #[test]
    fn explanation_sums_to_score_part() {
        let model = StanceModel::train(&tiny_rows(), &params(), &Lexicons::builtin()).unwrap();
        let x = model
            .featurizer()
            .transform("Beijing warned it would retaliate.");
        let top = model.explain(&x, Stance::Adversarial, 100);
        assert_eq!(top.len(), x.len());
        assert!(
            top.windows(2)
                .all(|w| w[0].contribution >= w[1].contribution)
        );
        let k = model
            .labels()
            .iter()
            .position(|l| *l == Stance::Adversarial)
            .unwrap();
        let direct: f32 = x
            .iter()
            .map(|&(f, v)| v * model.weight(f as usize, k))
            .sum();
        let summed: f32 = top.iter().map(|c| c.contribution).sum();
        assert!((direct - summed).abs() < 1e-4);
    }
}
