//! Sentence -> sparse feature vector.
//!
//! Stance in news copy is carried by a small set of cues that recur across topics: the
//! reporting verb ("warned" vs "said" vs "urged"), cooperation and hostility vocabulary, whether
//! that vocabulary sits in the main clause or in background ("a day after X warned Y"), and
//! whether it is negated ("will not cooperate"). The extractor therefore builds two blocks:
//!
//! 1. **n-grams** of stemmed, case-folded tokens (unigrams, bigrams, optionally trigrams), with
//!    tokens in a negation scope marked `NOT_`. Weighted by sublinear TF-IDF and L2-normalised,
//!    as scikit-learn's `TfidfVectorizer(sublinear_tf=True)` does.
//! 2. **cues**: per-lexicon counts split by clause context (`#lex:hostility`,
//!    `#lex:hostility:sub`, `#lex:hostility:neg`), the individual lexicon hits (`@hostility:warn`),
//!    the class of the first reporting verb in the main clause (`#verb:hostile`), and
//!    quotation and question marks. These carry across vocabulary the corpus never saw.
//!
//! Every group can be switched off in [`FeatureConfig`], which is stored in the model file.
//!
//! Speed: tokens are interned to integer ids through a per-thread cache ([`Analyzer`]), so
//! predicting a sentence costs one hash lookup per word and per n-gram, with no allocation
//! once the buffers are warm.
//!
//! This module holds the options, fitting and the public [`Featurizer`]; the rest is split by
//! concern:
//!
//! - `lexicons`: the cue word lists and their files;
//! - `words`: word boundaries, quote and dash unification, number shapes, stemming (the
//!   hand-written Latin fast path there is speed work that can wait on a first read);
//! - `analyzer`: the hot path, tokenising a sentence with its scopes and emitting its
//!   features;
//! - `index`: the lookup tables a loaded model predicts with.

mod analyzer;
mod index;
mod lexicons;
#[cfg(test)]
mod tests;
mod words;

pub use analyzer::Analyzer;
pub use lexicons::Lexicons;
pub(crate) use words::unified_mark;
pub use words::word_bounds;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};

use crate::corpus::Stance;
use crate::error::{Error, Result};
use index::{Index, Phrase, TermEntry, ranges_by_term};
use words::{Stemmer, phrase_terms};

/// Feature options; stored in the model file so that prediction repeats training exactly.
///
/// The defaults are the settings `stance train --search` chose on the project's corpus
/// (bigrams, negation marking, cue scale 0.25, 12,000 n-grams; see the README).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeatureConfig {
    /// Longest word n-gram, 1 to 3. Defaults to `2`.
    pub ngram_max: usize,
    /// Snowball-stem tokens so that warn/warned/warning share a weight. Defaults to `true`.
    pub stem: bool,
    /// Mark tokens after a negator up to the next clause boundary. Defaults to `true`.
    pub negation: bool,
    /// Lexicon counts and hits. Defaults to `true`.
    pub lexicons: bool,
    /// Reporting-verb class, quotation and question features. Defaults to `true`.
    pub structure: bool,
    /// Minimum number of training sentences an n-gram must occur in. Defaults to `2`.
    pub min_df: usize,
    /// Keep at most this many n-grams, the most label-dependent by chi-square. linfa-logistic
    /// trains on a dense matrix, so this bounds training time and memory. Defaults to `12000`.
    pub max_features: usize,
    /// Multiplier on the cue block, which is not normalised. Defaults to `0.25`.
    pub cue_scale: f32,
    /// Replace capitalised words inside a sentence (names of people, places, bodies) by
    /// `<ent>`, so that the model learns what parties do rather than who they are.
    /// Defaults to `true`; a model file without the key was written before masking existed,
    /// so it reads as `false` there.
    #[serde(default)]
    pub mask_names: bool,
    /// Mark single words inside background clauses (after "after", "since", "which", ...)
    /// `BG_`, as negated words are marked `NOT_`, so that a "warned" in "a day after X
    /// warned Y" does not count like the main clause's verb. Defaults to `false`: it gave
    /// no gain in cross-validation or on the held-out test set.
    #[serde(default)]
    pub mark_background: bool,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        FeatureConfig {
            ngram_max: 2,
            stem: true,
            negation: true,
            lexicons: true,
            structure: true,
            min_df: 2,
            max_features: 12000,
            cue_scale: 0.25,
            mask_names: true,
            mark_background: false,
        }
    }
}

impl FeatureConfig {
    /// Checks that the options can work together.
    pub fn check(&self) -> Result<()> {
        if !(1..=3).contains(&self.ngram_max) {
            return Err(Error::Param(format!(
                "ngram_max must be 1, 2 or 3, got {}",
                self.ngram_max
            )));
        }
        if self.max_features == 0 {
            return Err(Error::Param("max_features must be at least 1".into()));
        }
        // The n-gram block is L2-normalised, so a cue scale far above 1 only makes the
        // optimiser's job impossible (1e20 kept linfa's line search running for ever).
        if !(0.0..=MAX_CUE_SCALE).contains(&self.cue_scale) {
            return Err(Error::Param(format!(
                "cue_scale must be a number from 0 to {MAX_CUE_SCALE}, got {}",
                self.cue_scale
            )));
        }
        Ok(())
    }
}

/// Largest idf value a model file may hold (see [`Featurizer::from_spec`]).
const MAX_IDF: f32 = 1e6;

/// Largest `cue_scale` accepted: past it the optimiser's line search ran for ever. The search
/// tries twice and half the starting value (0.5 and 0.125 by default), at most this.
pub(crate) const MAX_CUE_SCALE: f32 = 100.0;

/// A sparse feature vector: `(feature index, value)`, each index at most once, in no
/// particular order (prediction and explanation do not need one, and sorting costs).
pub type SparseVec = Vec<(u32, f32)>;

/// Term id of a word the featurizer does not know.
pub(super) const UNKNOWN_TERM: u32 = u32::MAX;
/// Most distinct words one fitting run interns: a bound on memory for pathological input.
/// (A loaded model's n-gram keys have their own, smaller limit: [`index::KEY_ID_BITS`].)
pub(super) const MAX_TERMS: usize = 1 << 21;

/// A fitted feature extractor: the vocabulary, idf weights and lexicons.
#[derive(Debug, Clone)]
pub struct Featurizer {
    spec: FeaturizerSpec,
    index: Index,
}

/// The serialisable part of a [`Featurizer`] (what the model file stores).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeaturizerSpec {
    /// The feature options it was fitted with.
    pub config: FeatureConfig,
    /// The lexicons it matches (saved in the model file, so a model is self-contained).
    pub lexicons: Lexicons,
    /// Feature names, in column order.
    pub features: Vec<String>,
    /// Inverse document frequency of each n-gram feature (1.0 for cue features).
    pub idf: Vec<f32>,
}

impl Featurizer {
    /// Fits the vocabulary on training sentences: counts every candidate feature by label
    /// (`count_candidates`), keeps the cues and the most label-specific n-grams
    /// (`select_features`), and weighs the n-grams by idf.
    ///
    /// Returns an error if the configuration is invalid or no feature survives `min_df`.
    pub fn fit(
        config: &FeatureConfig,
        lexicons: &Lexicons,
        texts: &[&str],
        labels: &[Stance],
    ) -> Result<Self> {
        config.check()?;
        let counts = count_candidates(config, lexicons, texts, labels);
        let n = texts.len();
        let features = select_features(&counts, config, labels)?;
        // Smoothed idf, as scikit-learn's: ln((1 + n) / (1 + df)) + 1. Cues are not
        // weighted by rarity.
        let idf = features
            .iter()
            .map(|name| {
                if is_cue(name) {
                    1.0
                } else {
                    let df: u32 = counts[name].iter().sum();
                    ((1.0 + n as f64) / (1.0 + df as f64)).ln() as f32 + 1.0
                }
            })
            .collect();
        Featurizer::from_spec(FeaturizerSpec {
            config: config.clone(),
            lexicons: lexicons.clone(),
            features,
            idf,
        })
    }

    /// Rebuilds a featurizer from its stored spec.
    ///
    /// Returns an error if the spec is inconsistent (idf length, a malformed feature name).
    pub fn from_spec(spec: FeaturizerSpec) -> Result<Self> {
        // Named by its path in the model file (`features.config.ngram_max`).
        spec.config.check().map_err(|e| match e {
            Error::Param(message) => Error::Param(format!("features.config.{message}")),
            e => e,
        })?;
        if spec.idf.len() != spec.features.len() {
            return Err(Error::Param(format!(
                "{} idf values for {} features",
                spec.idf.len(),
                spec.features.len()
            )));
        }
        // An idf is ln((1 + n) / (1 + df)) + 1 for n training sentences: 1 to about 50 (1 for
        // cue features). Beyond 1e6 the squares that L2-normalise a vector overflow, and
        // below 1e-19 they underflow, and the features silently vanish (every value scaled
        // by 1e-30 took the shipped model to macro-F1 0.368); zero or negative, a word counts
        // for nothing or against its own weights. Below 1 is refused: no trained model has it.
        if let Some((i, &v)) = spec
            .idf
            .iter()
            .enumerate()
            .find(|(_, v)| !(v.is_finite() && **v >= 1.0 && **v <= MAX_IDF))
        {
            let feature = &spec.features[i];
            return Err(Error::Param(if v.is_finite() && v < 1.0 {
                // 1e-30, not thirty digits.
                let shown = if v == 0.0 || v.abs() >= 1e-4 {
                    v.to_string()
                } else {
                    format!("{v:e}")
                };
                format!(
                    "idf value {shown} at index {i} ({feature:?}) is below 1 (idf is \
                     ln((1 + n) / (1 + df)) + 1, at least 1)"
                )
            } else {
                format!(
                    "idf value {v:e} at index {i} ({feature:?}) is out of range (idf is \
                     ln((1 + n) / (1 + df)) + 1, at most about 50)"
                )
            }));
        }
        index::check_cue_names(&spec.features, &spec.lexicons)?;
        index::check_config_names(&spec.features, &spec.config, &spec.lexicons)?;
        let by_name: FxHashMap<&str, u32> = spec
            .features
            .iter()
            .enumerate()
            .map(|(i, name)| (name.as_str(), i as u32))
            .collect();
        if by_name.len() != spec.features.len() {
            return Err(Error::Param("duplicate feature names".into()));
        }
        let mut f = Featurizer::growing(spec.config.clone(), spec.lexicons.clone());
        let mut index = std::mem::take(&mut f.index);
        index.add_word_features(&spec.features)?;
        index.add_cue_features(&spec.lexicons, |name| by_name.get(name).copied());
        index.renumber_by_frequency(&spec.idf);
        f.index = index;
        f.spec = spec;
        Ok(f)
    }

    /// A featurizer with no vocabulary whose analyzer interns every new term (for fitting).
    fn growing(config: FeatureConfig, lexicons: Lexicons) -> Self {
        let mut f = Featurizer {
            spec: FeaturizerSpec {
                config,
                lexicons,
                features: Vec::new(),
                idf: Vec::new(),
            },
            index: Index::default(),
        };
        f.index.groups = f.spec.lexicons.groups.keys().cloned().collect();
        f.index.verb_groups = f
            .index
            .groups
            .iter()
            .map(|g| index::cue_name::is_verb_group(g))
            .collect();
        let stemmer = Stemmer::new(f.spec.config.stem);
        let mut phrases: Vec<(u32, Phrase)> = Vec::new();
        // Entries that stem alike ("warn", "warning") are one cue: counted once in the
        // group's count, and hitting the first entry's feature.
        let mut seen = FxHashSet::default();
        for (g, name) in f.index.groups.iter().enumerate() {
            for (p, phrase) in f.spec.lexicons.groups[name].iter().enumerate() {
                let ids: Vec<u32> = phrase_terms(phrase, &stemmer)
                    .iter()
                    .map(|t| intern(&mut f.index.terms, t).unwrap_or(UNKNOWN_TERM))
                    .collect();
                if let Some(&first) = ids.first().filter(|&&id| id != UNKNOWN_TERM)
                    && seen.insert((g, ids.clone()))
                {
                    phrases.push((first, (g, p, ids)));
                }
            }
        }
        // Grouped by first term, longest first (the analyzer counts only the longest match at
        // a word: see `visit`); a stable sort keeps lexicon order among equals.
        phrases.sort_by_key(|(first, (_, _, ids))| (*first, std::cmp::Reverse(ids.len())));
        let index = &mut f.index;
        index
            .term_table
            .resize(index.terms.len(), TermEntry::default());
        let firsts: Vec<u32> = phrases.iter().map(|p| p.0).collect();
        let ranges = ranges_by_term(&firsts, index.term_table.len());
        for (entry, range) in index.term_table.iter_mut().zip(ranges) {
            entry.phrases = range;
        }
        index.phrase_list = phrases.into_iter().map(|(_, phrase)| phrase).collect();
        f
    }

    /// An analyzer that gives every new word a term id (for fitting), rather than mapping
    /// it to unknown.
    fn growing_analyzer(&self) -> Analyzer<'_> {
        Analyzer::new(self, true)
    }

    /// A reusable, per-thread analyzer (it caches word -> term lookups).
    pub fn analyzer(&self) -> Analyzer<'_> {
        Analyzer::new(self, false)
    }

    /// Number of features (columns).
    pub fn len(&self) -> usize {
        self.spec.features.len()
    }

    /// True when the featurizer has no features.
    pub fn is_empty(&self) -> bool {
        self.spec.features.is_empty()
    }

    /// Feature names, in column order.
    pub fn feature_names(&self) -> &[String] {
        &self.spec.features
    }

    /// Whether feature `i` is a word n-gram, not a cue (`#lex:...`, `@group:word`, ...).
    ///
    /// # Panics
    ///
    /// If `i` is not below the number of features.
    pub fn is_word_feature(&self, i: usize) -> bool {
        !is_cue(&self.spec.features[i])
    }

    /// Number of word n-gram features (the rest are cues), at most `max_features`.
    pub fn ngram_count(&self) -> usize {
        self.spec.features.iter().filter(|f| !is_cue(f)).count()
    }

    /// The stored spec.
    pub fn spec(&self) -> &FeaturizerSpec {
        &self.spec
    }

    /// Convenience: features of one sentence (allocates an analyzer; use
    /// [`Analyzer::transform`] in loops).
    pub fn transform(&self, text: &str) -> SparseVec {
        let mut out = Vec::new();
        self.analyzer().transform(text, &mut out);
        out
    }
}

/// Every candidate feature of the training texts (each n-gram and cue a growable featurizer
/// names), with the number of sentences of each label it occurs in. Past [`MAX_COUNTED`]
/// names the rarest are dropped (lossy counting), so that texts full of distinct tokens
/// cannot grow the table without bound.
fn count_candidates(
    config: &FeatureConfig,
    lexicons: &Lexicons,
    texts: &[&str],
    labels: &[Stance],
) -> FxHashMap<String, [u32; 3]> {
    let growing = Featurizer::growing(config.clone(), lexicons.clone());
    let mut counts: FxHashMap<String, [u32; 3]> = FxHashMap::default();
    let mut analyzer = growing.growing_analyzer();
    let mut seen = Vec::new();
    for (text, label) in texts.iter().zip(labels) {
        seen.clear();
        analyzer.candidate_feature_names(text, &mut seen);
        seen.sort_unstable();
        seen.dedup();
        for name in &seen {
            counts.entry(name.clone()).or_default()[label.index()] += 1;
        }
        if counts.len() > MAX_COUNTED {
            prune_counts(&mut counts);
        }
    }
    counts
}

/// The features kept, sorted by name: every cue (they are few), and the n-grams that occur
/// in at least `min_df` sentences, the `max_features` most label-specific by chi-square.
///
/// Returns an error if no n-gram is left: the texts hold no words, or `min_df` is above every
/// n-gram's count. (The cues alone would train a model, but a much weaker one, 0.73 against
/// 0.88 macro-F1 on the test set, which only the feature count would betray.)
fn select_features(
    counts: &FxHashMap<String, [u32; 3]>,
    config: &FeatureConfig,
    labels: &[Stance],
) -> Result<Vec<String>> {
    let n = labels.len();
    let class_totals = crate::corpus::count_labels(labels.iter().copied());
    let mut cues = Vec::new();
    let mut ngrams = Vec::new();
    let mut most_df = 0;
    for (name, by_class) in counts {
        let df: u32 = by_class.iter().sum();
        if is_cue(name) {
            cues.push(name.clone());
        } else {
            most_df = most_df.max(df as usize);
            if df as usize >= config.min_df {
                ngrams.push((chi_square(by_class, &class_totals, n), name.clone()));
            }
        }
    }
    if ngrams.is_empty() && most_df == 0 {
        // The data's fault, not a parameter's.
        return Err(Error::Train(
            "the training sentences hold no words (only punctuation or symbols)".into(),
        ));
    }
    if ngrams.is_empty() {
        return Err(Error::Param(format!(
            "no word n-gram occurs in at least {} training sentences (the most frequent \
             occurs in {most_df}); lower --min-df",
            config.min_df
        )));
    }
    ngrams.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    ngrams.truncate(config.max_features);
    let mut features: Vec<String> = ngrams.into_iter().map(|(_, name)| name).collect();
    features.extend(cues);
    features.sort();
    Ok(features)
}

/// Whether a feature belongs to the unnormalised cue block.
pub(super) fn is_cue(name: &str) -> bool {
    name.starts_with('#') || name.starts_with('@')
}

pub(super) fn intern(terms: &mut FxHashMap<String, u32>, term: &str) -> Result<u32> {
    if let Some(&id) = terms.get(term) {
        return Ok(id);
    }
    let id = terms.len();
    if id >= MAX_TERMS - 1 {
        return Err(Error::Param(format!(
            "more than {MAX_TERMS} distinct words in the training texts and the lexicons; use \
             smaller lexicons, or fewer training rows"
        )));
    }
    terms.insert(term.to_string(), id as u32);
    Ok(id as u32)
}

/// Most distinct n-grams counted at once while fitting. The shipped corpus has 117,000; text
/// full of distinct tokens (OCR output, tables of figures) had 10 million from a 52 MB file,
/// and the count took 850 MB of the 960 MB training used.
const MAX_COUNTED: usize = 1_000_000;

/// Drops the rarest n-grams counted so far (lossy counting), until at most half of
/// [`MAX_COUNTED`] are left: first those seen in one sentence, then two, and so on. An n-gram
/// dropped and met again starts from zero, so on such input the document frequencies of
/// rare n-grams are undercounted; the frequent ones, which the chi-square selection keeps,
/// are not affected. Cues are always kept.
fn prune_counts(counts: &mut FxHashMap<String, [u32; 3]>) {
    let mut floor = 1;
    while counts.len() > MAX_COUNTED / 2 {
        counts.retain(|name, by_class| is_cue(name) || by_class.iter().sum::<u32>() > floor);
        floor += 1;
    }
}

/// Pearson chi-square of a feature's presence against the label, as scikit-learn's `chi2` on
/// binary features.
fn chi_square(by_class: &[u32; 3], class_totals: &[usize; 3], n: usize) -> f64 {
    let df: f64 = by_class.iter().map(|&c| c as f64).sum();
    let mut score = 0.0;
    for (observed, &total) in by_class.iter().zip(class_totals) {
        let expected = df * total as f64 / n as f64;
        if expected > 0.0 {
            score += (*observed as f64 - expected).powi(2) / expected;
        }
    }
    score
}
