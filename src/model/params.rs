//! Training parameters and what a model records about its training.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::corpus::Stance;
use crate::error::{Error, Result};
use crate::features::{FeatureConfig, Featurizer, Lexicons};

/// The share [`Prior::shares`] gives a label absent from the training data, so that it stays
/// harmless in divisions.
pub const MIN_LABEL_SHARE: f32 = 1e-3;

/// N-grams kept however tight the `--dense-budget`: fewer and the model is a cue-only one.
pub const MIN_NGRAMS: usize = 100;

/// The size of the dense training matrix linfa fits on, in MiB: one `f32` per row and
/// feature.
pub fn dense_matrix_mib(rows: usize, features: usize) -> usize {
    rows.saturating_mul(features)
        .saturating_mul(std::mem::size_of::<f32>())
        >> 20
}

/// Smallest and largest `alpha` accepted (the search tries 0.1 to 30).
const MIN_ALPHA: f32 = 1e-6;
const MAX_ALPHA: f32 = 1e6;

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
            crate::corpus::count_labels(labels.iter().copied())
                .map(|c| (c as f32 / n).max(MIN_LABEL_SHARE))
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
    /// their own are an error (kept outside the budget, a 17,000-word lexicon took 780 MB
    /// under a 64 MiB one).
    pub fn features_for_rows(&self, n: usize, lexicons: &Lexicons) -> Result<FeatureConfig> {
        // Room kept for the cue block; the built-in lexicons (931 entries) fit in it.
        const CUE_ALLOWANCE: usize = 1000;
        // Cue features besides the lexicon hits: each group has a count in each of the three
        // clause scopes and, for reporting-verb groups, a class feature (4 at most).
        const FEATURES_PER_GROUP: usize = 4;
        // The quotation and question flags (3), with room to spare.
        const FLAG_FEATURES: usize = 16;
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

    /// The note on `--dense-budget` after a fit on `rows` rows gave `featurizer`: when the
    /// budget lowered the n-gram cap (see [`TrainParams::features_for_rows`]) and the
    /// vocabulary filled the lower cap, or when the matrix outgrew the budget all the same.
    /// One note, not two: "lowered to keep within the budget" beside "over the budget" read
    /// as a contradiction.
    pub fn budget_notes(&self, rows: usize, featurizer: &Featurizer) -> Vec<String> {
        let capped = featurizer.spec().config.max_features;
        // Only worth saying when the cap bound: the vocabulary filled it.
        let lowered = (capped < self.features.max_features && featurizer.ngram_count() >= capped)
            .then(|| {
                // A cap beyond any vocabulary (`--max-features 99999999999`: feature ids are
                // u32) reads as "no cap".
                let asked = match self.features.max_features {
                    m if m > u32::MAX as usize => "no cap".to_string(),
                    m => m.to_string(),
                };
                format!("n-gram cap lowered from {asked} to {capped}")
            });
        // The cue features and a floor of n-grams are kept whatever the budget, so a very
        // large corpus can still overrun it: say by how much rather than claim it fits.
        let matrix_mib = dense_matrix_mib(rows, featurizer.len());
        let budget = self.dense_budget_mib;
        let note = if matrix_mib > budget {
            let floor = MIN_NGRAMS.min(self.features.max_features);
            let lowered = lowered.map(|l| format!(" ({l})")).unwrap_or_default();
            format!(
                "{rows} rows x {} features made a {matrix_mib} MiB training matrix, over the \
                 {budget} MiB --dense-budget{lowered}: the cue features and {floor} n-grams are \
                 kept whatever the budget (raise --dense-budget, or train on fewer rows)",
                featurizer.len(),
            )
        } else {
            match lowered {
                Some(l) => format!(
                    "{rows} rows: {l} to keep the training matrix within {budget} MiB \
                     (--dense-budget)"
                ),
                None => return Vec::new(),
            }
        };
        vec![note]
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

/// Cross-validated scores: of each prior during training (see [`crate::tune::CvResult`]),
/// and of the settings kept, stored in the model file.
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
