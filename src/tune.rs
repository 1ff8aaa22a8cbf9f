//! Stratified k-fold cross-validation and the hyperparameter search behind
//! `stance train --folds K --search`.
//!
//! The featurizer is refitted inside every fold (vocabulary, idf and chi-square selection see
//! only the training part), so the scores estimate what a model trained on all the data does
//! on unseen sentences. Fold assignment is seeded (ChaCha8, whose stream is fixed across rand
//! versions), so a search is reproducible.
//!
//! The search is a coordinate search rather than a full grid: alpha first, then each feature
//! option in turn at the best setting so far. All three class-prior settings are scored from
//! the same fit, since a prior only shifts the intercepts.

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use std::ops::Range;

use crate::context::{self, ContextModel, RowReading};
use crate::corpus::{LabeledSentence, Stance, count_labels};
use crate::error::{Error, Result};
use crate::eval::scores;
use crate::features::{FeatureConfig, Lexicons, MAX_CUE_SCALE};
use crate::model::{CvScores, Prediction, Prior, StanceModel, TrainParams};

/// Assigns each row to one of `k` folds, keeping each label's share equal across folds.
///
/// # Panics
///
/// If `k` is 0. [`check_folds`] refuses fewer than 2 folds with an error before the CLI
/// gets here.
pub fn stratified_folds(labels: &[Stance], k: usize, seed: u64) -> Vec<usize> {
    assert!(k >= 1, "stratified_folds: k must be at least 1, got 0");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut fold = vec![0; labels.len()];
    let mut next = 0;
    for label in Stance::ALL {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == label).collect();
        idx.shuffle(&mut rng);
        for i in idx {
            fold[i] = next % k;
            next += 1;
        }
    }
    fold
}

/// The units of rows that cross-validation keeps whole, as row indices: each story (or,
/// without a story, each document), and each other row on its own unless its text (compared
/// trimmed) came earlier, in which case it joins that text's unit. A sentence pasted twice (one
/// export concatenated with another) would otherwise be tested in a fold that trained on its
/// twin: on 3,000 rows with every one doubled, cross-validated macro-F1 read 0.929 against
/// 0.827. Stories are not merged with each other over a shared sentence: boilerplate that
/// recurs across articles ("The ministry did not respond to a request for comment.") would
/// chain them all into one unit.
///
/// Units come in the order of their story's name, then of their first row, so rows without
/// copies get the units they had before copies were placed.
pub fn fold_units(rows: &[LabeledSentence]) -> Vec<Vec<usize>> {
    let mut groups: std::collections::BTreeMap<&str, Vec<usize>> = Default::default();
    let mut singles = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match row.fold_group() {
            Some(group) => groups.entry(group).or_default().push(i),
            None => singles.push(i),
        }
    }
    let mut units: Vec<Vec<usize>> = groups.into_values().collect();
    let mut unit_of: std::collections::HashMap<&str, usize> = Default::default();
    for (u, unit) in units.iter().enumerate() {
        for &i in unit {
            unit_of.entry(rows[i].text.trim()).or_insert(u);
        }
    }
    for i in singles {
        match unit_of.entry(rows[i].text.trim()) {
            std::collections::hash_map::Entry::Occupied(u) => units[*u.get()].push(i),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(units.len());
                units.push(vec![i]);
            }
        }
    }
    units
}

/// Whether a text occurs in more than one row (compared trimmed).
fn has_copies(rows: &[LabeledSentence]) -> bool {
    let mut seen = std::collections::HashSet::new();
    !rows.iter().all(|r| seen.insert(r.text.trim()))
}

/// Assigns rows to `k` folds keeping each unit of [`fold_units`] whole (a story, a document,
/// the copies of a text). Units are taken in a seeded random order and each goes to the fold
/// where it leaves the label counts most even, so folds stay roughly stratified.
///
/// # Panics
///
/// If `k` is 0. [`check_folds`] refuses fewer than 2 folds with an error before the CLI
/// gets here.
pub fn grouped_folds(rows: &[LabeledSentence], k: usize, seed: u64) -> Vec<usize> {
    assert!(k >= 1, "grouped_folds: k must be at least 1, got 0");
    let mut units = fold_units(rows);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    units.shuffle(&mut rng);
    // Largest first, so that small groups can even out the counts at the end.
    units.sort_by_key(|u| std::cmp::Reverse(u.len()));
    let mut counts = vec![[0usize; 3]; k];
    let mut fold = vec![0; rows.len()];
    for unit in units {
        let add = count_labels(unit.iter().map(|&i| rows[i].label));
        let best = (0..k)
            .min_by_key(|&f| {
                (0..3)
                    .map(|c| (counts[f][c] + add[c]).pow(2))
                    .sum::<usize>()
            })
            .expect("k >= 1");
        for c in 0..3 {
            counts[best][c] += add[c];
        }
        for &i in &unit {
            fold[i] = best;
        }
    }
    fold
}

/// Checks that `k`-fold cross-validation is possible on these rows.
///
/// Returns an error if:
/// - `k` is under 2;
/// - the rows form fewer than `k` stories or documents (folds keep each whole);
/// - a label that occurs has fewer than `k` sentences.
pub fn check_folds(rows: &[LabeledSentence], k: usize, name: &str) -> Result<()> {
    if k < 2 {
        return Err(Error::Param(format!(
            "cross-validation needs at least 2 folds, got {k}"
        )));
    }
    // Folds keep each story (or document) whole, and copies with it, so there must be at
    // least k units.
    let groups = fold_units(rows).len();
    if groups < k {
        return Err(Error::File {
            path: name.into(),
            message: format!(
                "{k}-fold cross-validation keeps each story (or document) in one fold, with any \
                 copies of its sentences, but the rows form only {groups}; {}",
                if groups >= 2 {
                    format!("use --folds {groups} or fewer, or more stories")
                } else {
                    "cross-validation needs at least two".to_string()
                }
            ),
        });
    }
    let counts = crate::corpus::label_counts(rows);
    for label in Stance::ALL {
        let c = counts[label.index()];
        if c > 0 && c < k {
            return Err(Error::File {
                path: name.into(),
                message: format!(
                    "{k}-fold cross-validation needs at least {k} sentences of each label, but {label} has {c}"
                ),
            });
        }
    }
    Ok(())
}

/// Cross-validated scores of one setting, under each prior.
#[derive(Debug, Clone, PartialEq)]
pub struct CvResult {
    /// Scores in [`Prior::ALL`] order, each sentence predicted on its own.
    pub by_prior: [CvScores; 3],
    /// Out-of-fold predictions of every row (in row order), per prior, before context.
    pub predictions: [Vec<Prediction>; 3],
}

impl CvResult {
    /// Scores under the given prior.
    pub fn get(&self, prior: Prior) -> &CvScores {
        &self.by_prior[Self::slot(prior)]
    }

    /// Out-of-fold predictions under the given prior.
    pub fn predictions_for(&self, prior: Prior) -> &[Prediction] {
        &self.predictions[Self::slot(prior)]
    }

    fn slot(prior: Prior) -> usize {
        Prior::ALL
            .iter()
            .position(|p| *p == prior)
            .expect("every prior is listed")
    }
}

/// Runs k-fold cross-validation; predictions of all folds are pooled before scoring.
pub fn cross_validate(
    rows: &[LabeledSentence],
    params: &TrainParams,
    lexicons: &Lexicons,
    k: usize,
) -> Result<CvResult> {
    if k < 2 || k > rows.len() {
        return Err(Error::Param(format!(
            "cross-validation needs 2 to {} folds for {} rows, got {k}",
            rows.len(),
            rows.len()
        )));
    }
    let gold: Vec<Stance> = rows.iter().map(|r| r.label).collect();
    let grouped = rows.iter().any(|r| r.fold_group().is_some()) || has_copies(rows);
    let folds = if grouped {
        grouped_folds(rows, k, params.seed)
    } else {
        stratified_folds(&gold, k, params.seed)
    };
    let placeholder = Prediction {
        label: Stance::Analytical,
        probabilities: [0.0; 3],
    };
    let mut predictions: [Vec<Prediction>; 3] = Default::default();
    for p in &mut predictions {
        p.resize(rows.len(), placeholder);
    }
    // Every fold keeps at most the n-grams the final fit on all rows may have under
    // --dense-budget: with its own, smaller row count a fold got a larger cap, so the score
    // was of a model with more n-grams than the one then written.
    let fold_params = TrainParams {
        prior: Prior::Train,
        features: params.features_for_rows(rows.len(), lexicons)?,
        ..params.clone()
    };
    for f in 0..k {
        let train: Vec<LabeledSentence> = rows
            .iter()
            .zip(&folds)
            .filter(|(_, fold)| **fold != f)
            .map(|(r, _)| r.clone())
            .collect();
        if let Some(message) = crate::corpus::too_few_labels(&train) {
            return Err(Error::Param(format!(
                "fold {} of {k}: the rows outside it cannot train a model ({message}); stories \
                 that hold few labels each need fewer folds",
                f + 1
            )));
        }
        // A setting that fits all the rows can fail on a fold's share of them (`--min-df 300`
        // with 166 occurrences in the fold): say so, or the counts read as the file's.
        // The same for a fold whose rows hold no words at all (every worded row in another).
        let in_fold = |message: String| {
            format!(
                "fold {} of {k}, training on {} of the {} rows: {message}",
                f + 1,
                train.len(),
                rows.len()
            )
        };
        let model = StanceModel::train(&train, &fold_params, lexicons).map_err(|e| match e {
            Error::Param(message) => Error::Param(in_fold(message)),
            Error::Train(message) => Error::Train(in_fold(message)),
            e => e,
        })?;
        let models = Prior::ALL.map(|prior| model.with_prior(prior, &train));
        let mut analyzer = model.featurizer().analyzer();
        let mut x = Vec::new();
        for (i, row) in rows.iter().enumerate().filter(|(i, _)| folds[*i] == f) {
            analyzer.transform(&row.text, &mut x);
            for (m, out) in models.iter().zip(predictions.iter_mut()) {
                out[i] = m.predict_features(&x);
            }
        }
    }
    let by_prior = predictions.each_ref().map(|predicted| {
        let labels: Vec<Stance> = predicted.iter().map(|x| x.label).collect();
        let scored = scores(&gold, &labels);
        CvScores {
            folds: k,
            accuracy: scored.accuracy,
            macro_f1: scored.macro_f1,
        }
    });
    Ok(CvResult {
        by_prior,
        predictions,
    })
}

/// Cross-validated effect of document context, on the sentences that have neighbours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ContextCheck {
    /// Sentences in multi-sentence documents.
    pub sentences: usize,
    /// Macro-F1 of those sentences labelled on their own.
    pub macro_f1_alone: f64,
    /// Macro-F1 of the same sentences read in context.
    pub macro_f1_in_context: f64,
}

impl ContextCheck {
    /// Context stays on unless it clearly hurts: on near-ties the default is kept, as
    /// everywhere in the search.
    pub fn keep(&self) -> bool {
        self.macro_f1_in_context > self.macro_f1_alone - MIN_GAIN
    }
}

/// Scores document context on out-of-fold predictions (made under `prior`): the same
/// sentences of multi-sentence documents, labelled alone and in context.
///
/// The transition table is counted from all rows rather than refitted per fold: it is nine
/// numbers from thousands of sentence pairs, so what it leaks is negligible. Returns `None`
/// when the data has too few documents to learn context at all.
pub fn check_context(
    rows: &[LabeledSentence],
    predictions: &[Prediction],
    prior: Prior,
) -> Option<ContextCheck> {
    let labels_seen: Vec<Stance> = rows.iter().map(|r| r.label).collect();
    let model = ContextModel::learn(rows, prior.shares(&labels_seen))?;
    let labels: Vec<Stance> = Stance::ALL
        .into_iter()
        .filter(|l| labels_seen.contains(l))
        .collect();
    let docs: Vec<Range<usize>> = context::document_runs(rows)
        .into_iter()
        .filter(|d| d.len() > 1)
        .collect();
    let in_docs = || docs.iter().flat_map(|d| d.clone());
    let gold: Vec<Stance> = in_docs().map(|i| rows[i].label).collect();
    let alone: Vec<Stance> = in_docs().map(|i| predictions[i].label).collect();
    let in_context: Vec<Stance> = model
        .smooth_runs(rows, predictions, &docs, &labels)
        .into_iter()
        .map(|p| p.label)
        .collect();
    Some(ContextCheck {
        sentences: gold.len(),
        macro_f1_alone: scores(&gold, &alone).macro_f1,
        macro_f1_in_context: scores(&gold, &in_context).macro_f1,
    })
}

/// One row of the search table.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRow {
    /// The setting scored (its prior included).
    pub params: TrainParams,
    /// Pooled out-of-fold accuracy.
    pub accuracy: f64,
    /// Pooled out-of-fold macro-F1.
    pub macro_f1: f64,
}

/// Alphas tried by the search, most regularised first, so that on near-ties the simpler
/// model is kept.
pub const ALPHAS: [f32; 6] = [30.0, 10.0, 3.0, 1.0, 0.3, 0.1];

/// How much better (in cross-validated macro-F1) a setting must be to replace the current
/// best. Differences below this are fold noise; without it the search flips options on
/// differences in the fourth decimal.
pub const MIN_GAIN: f64 = 0.002;

/// Coordinate search over alpha, prior and feature options by k-fold macro-F1.
///
/// It starts from `base`: its alpha is tried beside [`ALPHAS`], every prior is scored, and
/// each feature option is varied from its value in `base`. So a setting given on the command
/// line is always among those tried, but another may win.
///
/// `report` is called with each row as soon as it is scored, so a long search shows progress.
pub fn search(
    rows: &[LabeledSentence],
    base: &TrainParams,
    lexicons: &Lexicons,
    k: usize,
    mut report: impl FnMut(&SearchRow),
) -> Result<SearchResult> {
    // The table shows the n-gram cap each row was scored with: the one given, or fewer if
    // --dense-budget lowers it for these rows (see `cross_validate`).
    let base = &TrainParams {
        features: base.features_for_rows(rows.len(), lexicons)?,
        ..base.clone()
    };
    let mut search = Search {
        table: Vec::new(),
        best: base.clone(),
        best_f1: f64::NEG_INFINITY,
        best_predictions: Vec::new(),
        first_prior: base.prior,
    };
    let mut try_candidate = |search: &mut Search, candidate: TrainParams| -> Result<()> {
        let cv = cross_validate(rows, &candidate, lexicons, k)?;
        search.add(&candidate, &cv, &mut report);
        Ok(())
    };
    // The alpha it starts from (a user's --alpha) is tried with the others.
    let mut alphas = ALPHAS.to_vec();
    if !alphas.contains(&base.alpha) {
        alphas.push(base.alpha);
        alphas.sort_by(|a, b| b.total_cmp(a));
    }
    for alpha in alphas {
        let candidate = TrainParams {
            alpha,
            ..search.best.clone()
        };
        try_candidate(&mut search, candidate)?;
    }
    // The most n-grams a fit on all the rows may have under --dense-budget. A doubled
    // vocabulary is capped at it, so the table scores what would be trained: it used to show
    // 24,000 n-grams, scored with the folds' larger cap, where the final fit got 13,178.
    let most_ngrams = TrainParams {
        features: FeatureConfig {
            max_features: usize::MAX,
            ..base.features.clone()
        },
        ..base.clone()
    }
    .features_for_rows(rows.len(), lexicons)?
    .max_features;
    type Variation = Box<dyn Fn(&TrainParams) -> TrainParams>;
    let variations: Vec<Variation> = vec![
        Box::new(|p| with_features(p, |f| f.ngram_max = 1)),
        Box::new(|p| with_features(p, |f| f.ngram_max = 3)),
        Box::new(|p| with_features(p, |f| f.negation = !f.negation)),
        // Doubled, but within what the model accepts (a --cue-scale of 60 searched 120 and
        // failed at the end of the search).
        Box::new(|p| with_features(p, |f| f.cue_scale = (f.cue_scale * 2.0).min(MAX_CUE_SCALE))),
        // And halved: a coordinate search that only looked up from 0.5 never found 0.25.
        Box::new(|p| with_features(p, |f| f.cue_scale /= 2.0)),
        Box::new(move |p| {
            with_features(p, |f| {
                let doubled = f.max_features.saturating_mul(2).min(most_ngrams);
                f.max_features = doubled.max(f.max_features);
            })
        }),
    ];
    for vary in variations {
        let candidate = vary(&search.best);
        // Halving a doubled cue weight comes back to a setting already scored.
        if candidate.features != search.best.features && !search.has_scored(&candidate) {
            try_candidate(&mut search, candidate)?;
        }
    }
    Ok(SearchResult {
        best: search.best,
        table: search.table,
        predictions: search.best_predictions,
    })
}

/// What [`search`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchResult {
    /// The best setting (its prior included).
    pub best: TrainParams,
    /// Every setting tried, one row per prior, in the order they were scored.
    pub table: Vec<SearchRow>,
    /// The best setting's out-of-fold predictions (for [`check_context`]).
    pub predictions: Vec<Prediction>,
}

/// Where a search stands: every row tried so far, and the best of them.
struct Search {
    table: Vec<SearchRow>,
    best: TrainParams,
    best_f1: f64,
    /// The best row's out-of-fold predictions.
    best_predictions: Vec<Prediction>,
    /// The prior scored first for every candidate: the one the search started from.
    first_prior: Prior,
}

impl Search {
    /// Whether `candidate`'s setting, under any prior, is in the table already.
    fn has_scored(&self, candidate: &TrainParams) -> bool {
        self.table.iter().any(|row| {
            TrainParams {
                prior: candidate.prior,
                ..row.params.clone()
            } == *candidate
        })
    }

    /// Adds a candidate's cross-validated scores, one row per prior, and keeps the row if it
    /// is clearly better than the best so far: on near-ties the earlier (default-first)
    /// setting stays.
    fn add(&mut self, candidate: &TrainParams, cv: &CvResult, report: &mut impl FnMut(&SearchRow)) {
        // The prior the search started from first (the default, which is first anyway, or
        // a user's --prior), so that it wins near-ties; the order stays the same all search.
        let others = Prior::ALL.into_iter().filter(|p| *p != self.first_prior);
        for prior in std::iter::once(self.first_prior).chain(others) {
            let scores = cv.get(prior);
            let row = SearchRow {
                params: TrainParams {
                    prior,
                    ..candidate.clone()
                },
                accuracy: scores.accuracy,
                macro_f1: scores.macro_f1,
            };
            report(&row);
            if row.macro_f1 > self.best_f1 + MIN_GAIN {
                self.best_f1 = row.macro_f1;
                self.best = row.params.clone();
                self.best_predictions = cv.predictions_for(prior).to_vec();
            }
            self.table.push(row);
        }
    }
}

fn with_features(
    p: &TrainParams,
    change: impl Fn(&mut crate::features::FeatureConfig),
) -> TrainParams {
    let mut out = p.clone();
    change(&mut out.features);
    out
}

/// What [`settle`] reports as it goes, for a caller to print.
#[derive(Debug)]
pub enum Step<'a> {
    /// A search over `folds` folds is starting.
    SearchStarted {
        /// Folds of the cross-validation each setting is scored by.
        folds: usize,
    },
    /// One searched setting and its scores.
    Searched(&'a SearchRow),
    /// The setting the search chose.
    Chosen(&'a SearchRow),
    /// Plain cross-validation of the given settings (no search).
    CrossValidated(&'a CvScores),
    /// The out-of-fold check of document context.
    ContextChecked(&'a ContextCheck),
    /// No context is learned, and why.
    NoContext(NoContext),
}

/// Why [`settle`] learns no context from the rows.
#[derive(Debug)]
pub enum NoContext {
    /// The rows look sorted by label, so they are read each on its own
    /// ([`RowReading::EachAlone`]) and context is turned off before anything is scored.
    SortedByLabel(context::SortedByLabel),
    /// Too few sentences in documents because documents come in separate runs of rows: the
    /// ids are there, but the rows are out of order (saying "too few sentences" would suggest
    /// the ids were missing).
    SplitDocuments(context::SplitDocument),
    /// Fewer than [`context::MIN_CONTEXT_SENTENCES`] sentences in documents of two or more.
    TooFewSentences,
}

impl NoContext {
    /// Why rows with too few sentences in documents to learn context have so few.
    fn too_few(rows: &[LabeledSentence]) -> NoContext {
        match context::split_documents(rows) {
            Some(split) => NoContext::SplitDocuments(split),
            None => NoContext::TooFewSentences,
        }
    }
}

/// Folds of `--search` when `--folds` is not given.
pub const SEARCH_FOLDS: usize = 5;

/// Settles the settings `stance train` fits its model with, as the CLI does: with `search`,
/// the cross-validated search (over `folds`, 5 if not given) picks them; with `folds` alone,
/// `params` are cross-validated as they are; then, if context is on, it is kept only if it
/// does not hurt out of fold. Without either, `params` are returned unscored. Context is
/// turned off first if the rows look sorted by label.
pub fn settle(
    rows: &[LabeledSentence],
    params: &TrainParams,
    lexicons: &Lexicons,
    folds: Option<usize>,
    search: bool,
    mut report: impl FnMut(Step<'_>),
) -> Result<Settled> {
    // The settings to start from: those given, without context if the rows look sorted.
    let mut base = params.clone();
    if base.context
        && let RowReading::EachAlone(sorted) = context::reading(rows)
    {
        report(Step::NoContext(NoContext::SortedByLabel(sorted)));
        base.context = false;
    }
    let (mut chosen, scores, predictions) = if search {
        let k = folds.unwrap_or(SEARCH_FOLDS);
        report(Step::SearchStarted { folds: k });
        let found = self::search(rows, &base, lexicons, k, |row| report(Step::Searched(row)))?;
        let row = found
            .table
            .iter()
            .find(|r| r.params == found.best)
            .expect("the best row is in the table");
        report(Step::Chosen(row));
        let scores = CvScores {
            folds: k,
            accuracy: row.accuracy,
            macro_f1: row.macro_f1,
        };
        (found.best, scores, found.predictions)
    } else if let Some(k) = folds {
        let cv = cross_validate(rows, &base, lexicons, k)?;
        let scores = cv.get(base.prior).clone();
        report(Step::CrossValidated(&scores));
        let predictions = cv.predictions_for(base.prior).to_vec();
        (base, scores, predictions)
    } else {
        // Without folds context is learned unchecked, so there is only "too few" to say.
        if base.context && !context::can_learn(rows) {
            report(Step::NoContext(NoContext::too_few(rows)));
        }
        return Ok(Settled {
            params: base,
            scores: None,
        });
    };
    if chosen.context {
        // Rows sorted by label turned context off above, so only "too few" is left to say.
        match check_context(rows, &predictions, chosen.prior) {
            Some(check) => {
                report(Step::ContextChecked(&check));
                chosen.context = check.keep();
            }
            // Left on: with so few sentences in documents the final fit learns none anyway.
            None => report(Step::NoContext(NoContext::too_few(rows))),
        }
    }
    Ok(Settled {
        params: chosen,
        scores: Some(scores),
    })
}

/// What [`settle`] settled on.
#[derive(Debug, Clone, PartialEq)]
pub struct Settled {
    /// The settings to fit the model with.
    pub params: TrainParams,
    /// Their cross-validated scores, to record in the model file (`None` without folds).
    pub scores: Option<CvScores>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Priors are scored in one order all search, the starting prior first, so that near-ties
    /// keep it. For a while the best prior so far went first, so once `news` led, it won
    /// ties against `train` and a plain `--search` chose another model than before.
    #[test]
    fn priors_keep_their_order_whoever_leads() {
        let cv = |f1: [f64; 3]| CvResult {
            by_prior: f1.map(|f| CvScores {
                folds: 5,
                accuracy: f,
                macro_f1: f,
            }),
            predictions: Default::default(),
        };
        let mut search = Search {
            table: Vec::new(),
            best: TrainParams::default(),
            best_f1: f64::NEG_INFINITY,
            best_predictions: Vec::new(),
            first_prior: Prior::Train,
        };
        let mut order = Vec::new();
        // `news` leads clearly after the first setting...
        search.add(
            &TrainParams::default(),
            &cv([0.70, 0.70, 0.75]),
            &mut |r: &SearchRow| order.push(r.params.prior),
        );
        assert_eq!(search.best.prior, Prior::News);
        // ...then `train` and `news` tie on the next (within MIN_GAIN of each other): the
        // order is unchanged, and `train`, scored first, takes the lead.
        let next = TrainParams {
            alpha: 1.0,
            ..search.best.clone()
        };
        search.add(&next, &cv([0.80, 0.70, 0.801]), &mut |r: &SearchRow| {
            order.push(r.params.prior)
        });
        assert_eq!(
            order,
            [Prior::Train, Prior::Balanced, Prior::News].repeat(2)
        );
        assert_eq!(search.best.prior, Prior::Train);
    }

    #[test]
    fn folds_are_stratified_and_seeded() {
        let labels: Vec<Stance> = (0..30).map(|i| Stance::ALL[i % 3]).collect();
        let a = stratified_folds(&labels, 5, 7);
        assert_eq!(a, stratified_folds(&labels, 5, 7));
        assert_ne!(a, stratified_folds(&labels, 5, 8));
        for f in 0..5 {
            for label in Stance::ALL {
                let n = (0..30).filter(|&i| a[i] == f && labels[i] == label).count();
                assert_eq!(n, 2, "fold {f} has {n} of {label}");
            }
        }
    }

    #[test]
    #[should_panic(expected = "stratified_folds: k must be at least 1, got 0")]
    fn stratified_folds_refuse_zero_folds() {
        stratified_folds(&[Stance::Adversarial, Stance::Analytical], 0, 1);
    }

    #[test]
    #[should_panic(expected = "grouped_folds: k must be at least 1, got 0")]
    fn grouped_folds_refuse_zero_folds() {
        // No rows: it used to return an empty assignment here, and panic only with rows.
        grouped_folds(&[], 0, 1);
    }

    #[test]
    fn grouped_folds_keep_stories_whole_and_balanced() {
        let rows: Vec<LabeledSentence> = (0..60)
            .map(|i| LabeledSentence {
                text: format!("s{i}"),
                label: Stance::ALL[i % 3],
                line: i as u64 + 2,
                story: Some(format!("story{}", i / 4)),
                document: None,
            })
            .collect();
        let folds = grouped_folds(&rows, 5, 3);
        assert_eq!(folds, grouped_folds(&rows, 5, 3), "seeded");
        for (row, &f) in rows.iter().zip(&folds) {
            let same_story = rows
                .iter()
                .zip(&folds)
                .filter(|(r, _)| r.story == row.story);
            assert!(
                same_story.clone().all(|(_, &g)| g == f),
                "story split across folds"
            );
        }
        for f in 0..5 {
            let n = folds.iter().filter(|&&g| g == f).count();
            assert_eq!(n, 12, "fold {f} has {n} rows");
        }
    }

    /// A row without a story joins the unit of its text's first row; stories are not merged;
    /// rows and stories without copies keep their units, in the same order.
    #[test]
    fn copies_of_a_text_share_a_fold() {
        let row = |text: &str, story: Option<&str>| LabeledSentence {
            story: story.map(String::from),
            ..LabeledSentence::new(text, Stance::Analytical)
        };
        let rows = [
            row("Talks resumed.", Some("b")),
            row("Troops fired.", Some("b")),
            row("Both agreed.", Some("a")),
            row("Exports rose.", None),
            row("Troops fired. ", None),
            row("Aid arrived.", Some("c")),
            row("Aid arrived.", Some("a")),
        ];
        // Stories a (rows 2, 6 by name order), b (0, 1), c (5), then rows 3 and 4 alone: row 4
        // copies row 1, so story b takes it; stories a and c share a sentence but stay apart.
        assert_eq!(
            fold_units(&rows),
            [vec![2, 6], vec![0, 1, 4], vec![5], vec![3]]
        );
        assert_eq!(
            fold_units(&rows[..4]),
            [vec![2], vec![0, 1], vec![3]],
            "no copies: one unit per story and per row"
        );
        let folds = grouped_folds(&rows, 2, 1);
        assert_eq!(folds[1], folds[4]);
    }

    #[test]
    fn too_few_for_folds_is_an_error() {
        let rows: Vec<LabeledSentence> = (0..7)
            .map(|i| LabeledSentence {
                text: format!("sentence {i}"),
                label: if i < 5 {
                    Stance::Adversarial
                } else {
                    Stance::Analytical
                },
                line: i + 2,
                story: None,
                document: None,
            })
            .collect();
        let err = check_folds(&rows, 5, "d.csv").unwrap_err().to_string();
        assert!(err.contains("analytical has 2"), "{err}");
        assert!(check_folds(&rows, 2, "d.csv").is_ok());
        assert!(check_folds(&rows, 1, "d.csv").is_err());
        // The library checks too, for callers that skip check_folds.
        let params = TrainParams::default();
        for k in [0, 1, 8] {
            let err = cross_validate(&rows, &params, &Lexicons::builtin(), k).unwrap_err();
            assert!(err.to_string().contains("2 to 7 folds"), "{err}");
        }
    }

    #[test]
    fn folds_need_enough_stories_and_say_so() {
        // Four stories, one label each: 0 and 1 adversarial, 2 and 3 analytical.
        let rows: Vec<LabeledSentence> = (0..24)
            .map(|i| LabeledSentence {
                text: format!("sentence {i}"),
                label: if i < 12 {
                    Stance::Adversarial
                } else {
                    Stance::Analytical
                },
                line: i + 2,
                story: Some(format!("s{}", i / 6)),
                document: None,
            })
            .collect();
        // It used to say "needs at least two different labels, found only none".
        let err = check_folds(&rows, 5, "d.csv").unwrap_err().to_string();
        assert!(err.contains("d.csv") && err.contains("only 4"), "{err}");
        assert!(err.contains("--folds 4 or fewer"), "{err}");
        assert!(check_folds(&rows, 4, "d.csv").is_ok());
        let one_story: Vec<LabeledSentence> = rows
            .iter()
            .map(|r| LabeledSentence {
                story: Some("all".into()),
                ..r.clone()
            })
            .collect();
        let err = check_folds(&one_story, 2, "d.csv").unwrap_err().to_string();
        assert!(
            err.contains("only 1; cross-validation needs at least two"),
            "{err}"
        );
        // Two stories of one label each in two folds: the rows outside either fold hold one
        // label only, and the error names the fold rather than the file's labels.
        let two: Vec<LabeledSentence> = rows
            .iter()
            .filter(|r| r.story.as_deref() != Some("s1") && r.story.as_deref() != Some("s2"))
            .cloned()
            .collect();
        let e = cross_validate(&two, &TrainParams::default(), &Lexicons::builtin(), 2).unwrap_err();
        let e = e.to_string();
        assert!(
            e.contains("of 2: the rows outside it") && e.contains("fewer folds"),
            "{e}"
        );
    }

    #[test]
    fn settle_reports_its_steps_and_keeps_params_without_folds() {
        let rows = crate::model::tests::tiny_rows();
        let params = TrainParams {
            features: crate::features::FeatureConfig {
                min_df: 1,
                ..Default::default()
            },
            ..TrainParams::default()
        };
        let lexicons = Lexicons::builtin();
        let mut steps = Vec::new();
        let same = settle(&rows, &params, &lexicons, None, false, |s| {
            steps.push(format!("{s:?}"))
        })
        .unwrap();
        assert_eq!(same.params, params);
        // Without folds nothing is cross-validated, but the missing documents are reported.
        assert!(same.scores.is_none(), "{steps:?}");
        assert_eq!(steps, ["NoContext(TooFewSentences)"]);
        steps.clear();
        let kept = settle(&rows, &params, &lexicons, Some(2), false, |s| {
            steps.push(format!("{s:?}"))
        })
        .unwrap();
        let scores = kept.scores.unwrap();
        assert_eq!(scores.folds, 2);
        assert!((0.0..=1.0).contains(&scores.macro_f1));
        // The tiny rows have no documents: context is checked, found missing, left on (the
        // final fit then learns none).
        assert_eq!(steps.len(), 2, "{steps:?}");
        assert!(steps[0].starts_with("CrossValidated"), "{steps:?}");
        assert_eq!(steps[1], "NoContext(TooFewSentences)");
        assert_eq!(kept.params, params);
    }

    /// `settle` says why no context is learned, so that the CLI need not work it out again.
    #[test]
    fn settle_says_why_no_context_is_learned() {
        let row = |label: Stance, document: String| LabeledSentence {
            document: Some(document),
            ..LabeledSentence::new("x", label)
        };
        let reasons = |rows: &[LabeledSentence]| {
            let mut reasons = Vec::new();
            let settled = settle(
                rows,
                &TrainParams::default(),
                &Lexicons::builtin(),
                None,
                false,
                |step| match step {
                    Step::NoContext(why) => reasons.push(why),
                    other => panic!("unexpected step {other:?}"),
                },
            )
            .unwrap();
            (settled.params.context, reasons)
        };
        // Two articles whose rows alternate: each comes in runs of one row.
        let split: Vec<LabeledSentence> = (0..6)
            .map(|i| row(Stance::ALL[i % 3], format!("d{}", i % 2)))
            .collect();
        let (context, why) = reasons(&split);
        assert!(context, "left on: the final fit learns none");
        assert!(
            matches!(&why[..], [NoContext::SplitDocuments(s)] if s.document == "d0"),
            "{why:?}"
        );
        // 40 articles of four rows, sorted by label: turned off, for that reason only.
        let mut sorted: Vec<LabeledSentence> = (0..40)
            .flat_map(|d| [0, 0, 1, 2].map(|label| row(Stance::ALL[label], format!("d{d}"))))
            .collect();
        sorted.sort_by_key(|r| r.label);
        let (context, why) = reasons(&sorted);
        assert!(!context);
        assert!(matches!(&why[..], [NoContext::SortedByLabel(_)]), "{why:?}");
    }
}
