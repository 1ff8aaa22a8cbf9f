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

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use rustc_hash::{FxHashMap, FxHashSet};
use serde::{Deserialize, Serialize};
use unicode_segmentation::UnicodeSegmentation;

use crate::corpus::Stance;
use crate::error::{Error, Result};
use crate::source::{MAX_LEXICON_BYTES, read_whole};

/// Feature options; stored in the model file so that prediction repeats training exactly.
///
/// The defaults are the settings `stance train --search` chose on the project's corpus
/// (bigrams, negation marking, cue scale 0.5, 6,000 n-grams; see the README).
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
    /// trains on a dense matrix, so this bounds training time and memory. Defaults to `6000`.
    pub max_features: usize,
    /// Multiplier on the cue block, which is not normalised. Defaults to `0.5`.
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
            max_features: 6000,
            cue_scale: 0.5,
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

/// Largest `cue_scale` accepted: past it the optimiser's line search ran for ever. The search
/// tries twice the starting value (0.5 to 1 by default), at most this.
pub(crate) const MAX_CUE_SCALE: f32 = 100.0;

/// Named word lists (cooperation, hostility, ...) whose hits become features.
///
/// Group names starting with `verbs_` are reporting-verb classes (`verbs_hostile` gives the
/// feature `#verb:hostile`); the others are cue lexicons.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Lexicons {
    /// Group name (file stem, e.g. `hostility`) -> its phrases, lower-cased.
    pub groups: BTreeMap<String, Vec<String>>,
}

/// The lexicons shipped in `data/lexicons/`, compiled in so that the library works anywhere.
const BUILTIN_LEXICONS: &[(&str, &str)] = &[
    ("analysis", include_str!("../data/lexicons/analysis.txt")),
    (
        "cooperation",
        include_str!("../data/lexicons/cooperation.txt"),
    ),
    ("derision", include_str!("../data/lexicons/derision.txt")),
    ("hedge", include_str!("../data/lexicons/hedge.txt")),
    ("hostility", include_str!("../data/lexicons/hostility.txt")),
    (
        "verbs_appeal",
        include_str!("../data/lexicons/verbs_appeal.txt"),
    ),
    (
        "verbs_hostile",
        include_str!("../data/lexicons/verbs_hostile.txt"),
    ),
    (
        "verbs_neutral",
        include_str!("../data/lexicons/verbs_neutral.txt"),
    ),
];

impl Lexicons {
    /// How many entries all groups hold together.
    pub fn entries(&self) -> usize {
        self.groups.values().map(Vec::len).sum()
    }

    /// The lexicons of `data/lexicons/` as they were when the crate was built.
    pub fn builtin() -> Self {
        let groups = BUILTIN_LEXICONS
            .iter()
            .map(|(name, body)| (name.to_string(), parse_lexicon(body)))
            .collect();
        Lexicons { groups }
    }

    /// Reads every `*.txt` file of a directory as a lexicon named after the file.
    ///
    /// Returns an error if the directory cannot be read, a file is not UTF-8, or no `*.txt`
    /// file is found.
    pub fn from_dir(dir: &Path) -> Result<Self> {
        let name = crate::source::path_name(dir);
        let entries = std::fs::read_dir(dir).map_err(|e| Error::io(&name, e))?;
        let mut groups = BTreeMap::new();
        for entry in entries {
            let path = entry.map_err(|e| Error::io(&name, e))?.path();
            // Only regular files (or links to them): opening a named pipe called `x.txt`
            // would wait for a writer for ever.
            if path.extension().is_some_and(|e| e == "txt") && path.is_file() {
                let file_name = crate::source::path_name(&path);
                let file = std::fs::File::open(&path).map_err(|e| Error::io(&file_name, e))?;
                let bytes = read_whole(
                    file,
                    &file_name,
                    MAX_LEXICON_BYTES,
                    "a lexicon is a list of words",
                )?;
                let body = String::from_utf8(bytes).map_err(|e| {
                    let line = crate::source::line_of_utf8_error(&e);
                    Error::File {
                        path: file_name.clone(),
                        message: format!(
                            "line {line}: not valid UTF-8 (save the lexicon as UTF-8)"
                        ),
                    }
                })?;
                let stem = path.file_stem().unwrap_or_default().to_string_lossy();
                groups.insert(stem.into_owned(), parse_lexicon(&body));
            }
        }
        if groups.is_empty() {
            return Err(Error::File {
                path: name,
                message: "no *.txt lexicon files found".into(),
            });
        }
        // Files of comments and blank lines only would train without any cue features and
        // without a word; one empty file among others is a lexicon switched off on purpose.
        if groups.values().all(Vec::is_empty) {
            return Err(Error::File {
                path: name,
                message: "the lexicon files hold no entries (only blank lines and # comments)"
                    .into(),
            });
        }
        Ok(Lexicons { groups })
    }
}

/// The entries of a lexicon file: trimmed, lower-cased, each once (a line written twice
/// would count its word twice; entries that only stem alike are merged when the featurizer
/// indexes them).
fn parse_lexicon(body: &str) -> Vec<String> {
    let mut seen = FxHashSet::default();
    // Notepad and some other editors start a UTF-8 file with a byte-order mark.
    let body = body.strip_prefix('\u{FEFF}').unwrap_or(body);
    body.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_lowercase)
        .filter(|l| seen.insert(l.clone()))
        .collect()
}

/// A sparse feature vector: `(feature index, value)`, each index at most once, in no
/// particular order (prediction and explanation do not need one, and sorting costs).
pub type SparseVec = Vec<(u32, f32)>;

/// Term id of a word the featurizer does not know.
const UNKNOWN: u32 = u32::MAX;
/// Most distinct words one fitting run interns: a bound on memory for pathological input.
/// (A loaded model's n-gram keys have their own, smaller limit: [`KEY_ID_BITS`].)
const MAX_TERMS: usize = 1 << 21;

/// Name suffixes of the clause scopes a lexicon hit is counted in: the main clause, a
/// background clause (`:sub`, the name model files use) and a negation scope.
const CLAUSE_SCOPES: [&str; 3] = ["", ":sub", ":neg"];

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

/// A lexicon phrase: its group, its index in the group, and its term ids.
type Phrase = (usize, usize, Vec<u32>);

/// No feature.
const NONE: u32 = u32::MAX;

/// How a single word is marked by its scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Plain = 0,
    /// In a negation scope: `NOT_word`.
    Negated = 1,
    /// In a background clause: `BG_word`.
    Background = 2,
}

impl Variant {
    fn of(tok: &Tok, config: &FeatureConfig) -> Self {
        if tok.negated {
            Variant::Negated
        } else if tok.background && config.mark_background {
            Variant::Background
        } else {
            Variant::Plain
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Variant::Plain => "",
            Variant::Negated => "NOT_",
            Variant::Background => "BG_",
        }
    }
}

/// Lookup tables rebuilt from the spec at load time.
#[derive(Debug, Clone, Default)]
struct Index {
    terms: FxHashMap<String, u32>,
    /// Bigram and trigram features by key (see [`ngram_key`]).
    ngrams: FxHashMap<u64, u32>,
    /// What every token looks up, by term id (see [`TermEntry`]).
    term_table: Vec<TermEntry>,
    /// Bigram features `(second term, feature)`, grouped by first term (see
    /// [`TermEntry::bigrams`]).
    bigram_pairs: Vec<(u32, u32)>,
    /// Lexicon phrases `(group, phrase index, term ids)`, grouped by first term (see
    /// [`TermEntry::phrases`]), in lexicon order within a group.
    phrase_list: Vec<Phrase>,
    /// By term id: whether some bigram or trigram feature starts with the term. Most words
    /// start none, and this spares their n-grams a hash lookup.
    starts_ngram: Vec<bool>,
    /// Cue group names, in `Lexicons::groups` order.
    groups: Vec<String>,
    /// For each group: feature ids of its count in each context.
    group_counts: Vec<[Option<u32>; 3]>,
    /// For each group and phrase: feature id of the hit.
    hits: Vec<Vec<Option<u32>>>,
    /// For each group: whether it is a reporting-verb class (`verbs_*`).
    verb_groups: Vec<bool>,
    /// For each group that is a reporting-verb class: the feature id.
    verb_class: Vec<Option<u32>>,
    quote: Option<u32>,
    start_quote: Option<u32>,
    question: Option<u32>,
}

/// Everything a token's term needs at prediction time, in one record: every token of every
/// sentence looks its term up here, and one cache line per token is cheaper than one per
/// table.
#[derive(Debug, Clone, Copy)]
struct TermEntry {
    /// Unigram feature id per [`Variant`], `NONE` when not a feature.
    unigram: [u32; 3],
    /// Range of `Index::bigram_pairs` holding the bigrams the term starts.
    bigrams: [u32; 2],
    /// Range of `Index::phrase_list` holding the lexicon phrases the term starts.
    phrases: [u32; 2],
}

impl Default for TermEntry {
    fn default() -> Self {
        TermEntry {
            unigram: [NONE; 3],
            bigrams: [0; 2],
            phrases: [0; 2],
        }
    }
}

impl Index {
    /// Renumbers the terms so that frequent words (low idf of their unigram feature) get the
    /// smallest ids. Their [`TermEntry`] records then sit together in a few cache lines that
    /// stay hot, instead of one line each scattered over the table. Ids are internal to a
    /// loaded model, so nothing outside the index sees the change.
    fn renumber_by_frequency(&mut self, idf: &[f32]) {
        let n = self.term_table.len();
        let rank = |e: &TermEntry| {
            let f = e.unigram[Variant::Plain as usize];
            if f == NONE {
                f32::INFINITY
            } else {
                idf[f as usize]
            }
        };
        let mut order: Vec<u32> = (0..n as u32).collect();
        order.sort_by(|&a, &b| {
            rank(&self.term_table[a as usize])
                .total_cmp(&rank(&self.term_table[b as usize]))
                .then(a.cmp(&b))
        });
        let mut new_id = vec![0u32; n];
        for (new, &old) in order.iter().enumerate() {
            new_id[old as usize] = new as u32;
        }
        let map = |id: u32| new_id.get(id as usize).copied().unwrap_or(id);
        for id in self.terms.values_mut() {
            *id = map(*id);
        }
        self.term_table = order
            .iter()
            .map(|&old| self.term_table[old as usize])
            .collect();
        for pair in &mut self.bigram_pairs {
            pair.0 = map(pair.0);
        }
        for (_, _, ids) in &mut self.phrase_list {
            for id in ids.iter_mut() {
                *id = map(*id);
            }
        }
        self.ngrams = self
            .ngrams
            .iter()
            .map(|(&key, &feature)| (remap_ngram_key(key, map), feature))
            .collect();
        let mut starts = vec![false; self.starts_ngram.len().max(n)];
        for (old, &on) in self.starts_ngram.iter().enumerate() {
            if on {
                starts[map(old as u32) as usize] = true;
            }
        }
        self.starts_ngram = starts;
    }

    /// The lexicon phrases that start with `term`.
    fn phrases_from(&self, term: u32) -> &[Phrase] {
        self.term_table.get(term as usize).map_or(&[], |e| {
            &self.phrase_list[e.phrases[0] as usize..e.phrases[1] as usize]
        })
    }

    /// The feature id of the bigram `first second`, or `NONE`.
    fn bigram(&self, first: u32, second: u32) -> u32 {
        let Some(entry) = self.term_table.get(first as usize) else {
            return NONE;
        };
        let pairs = &self.bigram_pairs[entry.bigrams[0] as usize..entry.bigrams[1] as usize];
        // Most words start a few bigrams: a short scan of adjacent pairs. Common words
        // ("the", "said") start hundreds, where one hash probe beats a binary search's chain
        // of dependent loads.
        if pairs.len() <= 8 {
            pairs
                .iter()
                .find(|(s, _)| *s == second)
                .map_or(NONE, |&(_, f)| f)
        } else {
            let key = ngram_key(&[first, second], false);
            self.ngrams.get(&key).copied().unwrap_or(NONE)
        }
    }
}

impl Index {
    /// Indexes the word n-gram features of a saved vocabulary (`NOT_word`, `BG_word`, `word`,
    /// `first second`, `a b c`): interns their terms and fills the per-term table, the bigram
    /// pairs and the n-gram keys.
    fn add_word_features(&mut self, features: &[String]) -> Result<()> {
        let mut bigrams: Vec<(u32, u32, u32)> = Vec::new();
        let mut unigrams: Vec<(u32, Variant, u32)> = Vec::new();
        for (i, name) in features.iter().enumerate() {
            if is_cue(name) {
                continue;
            }
            let malformed = || Error::Param(format!("malformed feature name {name:?}"));
            let (variant, body) = match (name.strip_prefix("NOT_"), name.strip_prefix("BG_")) {
                (Some(rest), _) => (Variant::Negated, rest),
                (_, Some(rest)) => (Variant::Background, rest),
                _ => (Variant::Plain, name.as_str()),
            };
            let mut ids = [0u32; 3];
            let mut len = 0;
            for term in body.split(' ') {
                if len == 3 || term.is_empty() {
                    return Err(malformed());
                }
                ids[len] = intern(&mut self.terms, term)?;
                len += 1;
            }
            if len == 1 {
                unigrams.push((ids[0], variant, i as u32));
            } else if variant == Variant::Plain {
                if len == 2 {
                    bigrams.push((ids[0], ids[1], i as u32));
                }
                self.ngrams.insert(ngram_key(&ids[..len], false), i as u32);
                let first = ids[0] as usize;
                if self.starts_ngram.len() <= first {
                    self.starts_ngram.resize(first + 1, false);
                }
                self.starts_ngram[first] = true;
            } else {
                return Err(malformed());
            }
        }
        if self.terms.len() >= 1 << KEY_ID_BITS {
            return Err(Error::Param(format!(
                "{} distinct words in the n-gram vocabulary and the lexicons, more than n-gram keys \
                 hold; lower max_features, or use smaller lexicons",
                self.terms.len()
            )));
        }
        self.term_table
            .resize(self.terms.len(), TermEntry::default());
        for (term, variant, feature) in unigrams {
            self.term_table[term as usize].unigram[variant as usize] = feature;
        }
        bigrams.sort_unstable();
        self.bigram_pairs = bigrams.iter().map(|&(_, second, f)| (second, f)).collect();
        let firsts: Vec<u32> = bigrams.iter().map(|b| b.0).collect();
        let ranges = ranges_by_term(&firsts, self.term_table.len());
        for (entry, range) in self.term_table.iter_mut().zip(ranges) {
            entry.bigrams = range;
        }
        Ok(())
    }

    /// Looks up the feature ids of the cue block (lexicon counts and hits, reporting-verb
    /// classes, quotation and question flags); `id` gives a feature name's id, if the
    /// vocabulary has it.
    fn add_cue_features(&mut self, lexicons: &Lexicons, id: impl Fn(&str) -> Option<u32>) {
        self.group_counts = self
            .groups
            .iter()
            .map(|g| CLAUSE_SCOPES.map(|scope| id(&format!("#lex:{g}{scope}"))))
            .collect();
        self.hits = self
            .groups
            .iter()
            .map(|g| {
                lexicons.groups[g]
                    .iter()
                    .map(|phrase| id(&format!("@{g}:{phrase}")))
                    .collect()
            })
            .collect();
        self.verb_class = self
            .groups
            .iter()
            .map(|g| {
                g.strip_prefix("verbs_")
                    .and_then(|class| id(&format!("#verb:{class}")))
            })
            .collect();
        self.quote = id("#quote");
        self.start_quote = id("#startquote");
        self.question = id("#question");
    }
}

impl Featurizer {
    /// Fits the vocabulary on training sentences.
    ///
    /// Returns an error if the configuration is invalid or no feature survives `min_df`.
    pub fn fit(
        config: &FeatureConfig,
        lexicons: &Lexicons,
        texts: &[&str],
        labels: &[Stance],
    ) -> Result<Self> {
        config.check()?;
        // Pass 1: a growable featurizer names every term and cue seen in the training text.
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
        }
        let n = texts.len();
        let mut class_totals = [0usize; 3];
        for label in labels {
            class_totals[label.index()] += 1;
        }

        // Cues are few and always kept; n-grams pass min_df, then the top by chi-square.
        let mut cues = Vec::new();
        let mut ngrams = Vec::new();
        let mut most_df = 0;
        for (name, by_class) in &counts {
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
        // The cues alone would train a model, but a much weaker one (0.73 against 0.88
        // macro-F1 on the test set), which only the feature count would betray.
        if ngrams.is_empty() {
            return Err(Error::Param(if most_df == 0 {
                "the training sentences hold no words".to_string()
            } else {
                format!(
                    "no word n-gram occurs in at least {} training sentences (the most \
                     frequent occurs in {most_df}); lower min_df",
                    config.min_df
                )
            }));
        }
        ngrams.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        ngrams.truncate(config.max_features);
        let mut features: Vec<String> = ngrams.into_iter().map(|(_, name)| name).collect();
        features.extend(cues);
        features.sort();
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
        spec.config.check()?;
        if spec.idf.len() != spec.features.len() {
            return Err(Error::Param(format!(
                "{} idf values for {} features",
                spec.idf.len(),
                spec.features.len()
            )));
        }
        // An idf is ln(n / df) + 1 for n training sentences: 1 to about 50. Beyond 1e6 the
        // squares that L2-normalise a vector overflow and the features silently vanish.
        if let Some(bad) = spec.idf.iter().find(|v| !(v.is_finite() && v.abs() <= 1e6)) {
            return Err(Error::Param(format!("idf value {bad:e} is out of range")));
        }
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
            .map(|g| g.starts_with("verbs_"))
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
                    .map(|t| intern(&mut f.index.terms, t).unwrap_or(UNKNOWN))
                    .collect();
                if let Some(&first) = ids.first().filter(|&&id| id != UNKNOWN)
                    && seen.insert((g, ids.clone()))
                {
                    phrases.push((first, (g, p, ids)));
                }
            }
        }
        // Grouped by first term; a stable sort keeps lexicon order within a term.
        phrases.sort_by_key(|(first, _)| *first);
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

/// `1 + ln(tf)`, with the common small counts (a word once, "the" twice) from a table.
fn sublinear_tf(count: f32) -> f32 {
    const TABLE: [f32; 4] = [f32::NEG_INFINITY, 1.0, 1.693_147_2, 2.098_612_3];
    match count as usize {
        n @ 1..=3 if n as f32 == count => TABLE[n],
        _ => 1.0 + count.ln(),
    }
}

/// `ln(1 + count)` for cue counts, with the common small counts from a table.
fn log_count(count: f32) -> f32 {
    const TABLE: [f32; 4] = [0.0, std::f32::consts::LN_2, 1.098_612_3, 1.386_294_4];
    match count as usize {
        n @ 0..=3 if n as f32 == count => TABLE[n],
        _ => count.ln_1p(),
    }
}

/// Counts one hit of feature `id` in `scratch` (one slot per feature), listing the id in
/// `distinct` the first time it is seen.
fn count_hit(id: u32, scratch: &mut [f32], distinct: &mut Vec<u32>) {
    let slot = &mut scratch[id as usize];
    if *slot == 0.0 {
        distinct.push(id);
    }
    *slot += 1.0;
}

/// Calls `emit(id, count)` for each id counted by [`count_hit`], in order of first
/// appearance, and leaves `scratch` all zeros again.
fn drain_counts(distinct: &[u32], scratch: &mut [f32], mut emit: impl FnMut(u32, f32)) {
    for &id in distinct {
        emit(id, std::mem::take(&mut scratch[id as usize]));
    }
}

/// Whether a feature belongs to the unnormalised cue block.
fn is_cue(name: &str) -> bool {
    name.starts_with('#') || name.starts_with('@')
}

fn intern(terms: &mut FxHashMap<String, u32>, term: &str) -> Result<u32> {
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

/// For items sorted by term id (`sorted_terms[i]` is item `i`'s term), the range of items
/// each term `0..n` owns.
fn ranges_by_term(sorted_terms: &[u32], n: usize) -> Vec<[u32; 2]> {
    let mut at = 0;
    (0..n)
        .map(|term| {
            let start = at;
            while at < sorted_terms.len() && sorted_terms[at] as usize == term {
                at += 1;
            }
            [start as u32, at as u32]
        })
        .collect()
}

/// `key` (see [`ngram_key`]) with each term id passed through `map`.
fn remap_ngram_key(key: u64, map: impl Fn(u32) -> u32) -> u64 {
    let len = (key >> 62) as usize;
    let negated = (key >> 61) & 1 == 1;
    let mut ids = [0u32; 3];
    for (i, id) in ids.iter_mut().enumerate().take(len) {
        let shift = KEY_ID_BITS * (2 - i as u32);
        *id = map(((key >> shift) & ((1 << KEY_ID_BITS) - 1)) as u32);
    }
    ngram_key(&ids[..len], negated)
}

/// Bits per term id in an n-gram key.
const KEY_ID_BITS: u32 = 20;

/// An n-gram as one integer: its length in the top two bits, the negation flag below them,
/// then up to three term ids of [`KEY_ID_BITS`] each (ids of a loaded model are far fewer
/// than 2^20; `from_spec` checks).
fn ngram_key(ids: &[u32], negated: bool) -> u64 {
    let mut key = (ids.len() as u64) << 62 | (negated as u64) << 61;
    for (i, &id) in ids.iter().enumerate() {
        key |= (id as u64) << (KEY_ID_BITS * (2 - i as u32));
    }
    key
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

/// Terms of a lexicon phrase, tokenised and stemmed like sentence text.
fn phrase_terms(phrase: &str, stemmer: &Stemmer) -> Vec<String> {
    let mut marks = String::new();
    unify_marks_into(phrase, &mut marks);
    word_bounds(&marks)
        .filter(|w| w.chars().next().is_some_and(char::is_alphanumeric))
        .map(|w| term_form(w, stemmer))
        .collect()
}

/// The form a word is counted under: lower-cased, numbers as shape tokens, stemmed. Sentence
/// words and lexicon entries both go through here, so that they always meet. (Allocates:
/// sentence words reach it only on a cache miss.)
fn term_form(word: &str, stemmer: &Stemmer) -> String {
    let lower = word.to_lowercase();
    stemmer.stem(&word_form(&lower)).into_owned()
}

/// Unicode word boundaries (UAX #29) of a text: words, and single punctuation characters.
///
/// Almost all news text is ASCII once quotes and dashes are normalised, apart from accented
/// Latin letters in names ("António Guterres", "Erdoğan", "Sánchez") and the em dash. For that alphabet the UAX #29 rules reduce to a few byte tests, which run several
/// times faster than the general tables. The fast path gives the same words and punctuation
/// as `unicode-segmentation` (tested below, exhaustively for the non-ASCII characters it
/// takes) but skips white space, which no caller looks at. Any other text takes the general
/// path.
pub fn word_bounds(text: &str) -> impl Iterator<Item = &str> {
    let simple = is_fast_alphabet(text);
    let fast = simple.then_some(LatinWords { text, pos: 0 });
    let slow = (!simple).then(|| text.split_word_bounds());
    fast.into_iter().flatten().chain(slow.into_iter().flatten())
}

/// Whether every character of the text is one [`LatinWords`] segments correctly: ASCII,
/// a letter of Latin-1 Supplement or Latin Extended-A/B (U+00C0 to U+024F, but not `×` and
/// `÷`), or the em dash.
fn is_fast_alphabet(text: &str) -> bool {
    text.is_ascii()
        || text.chars().all(|c| {
            c.is_ascii()
                || (('\u{C0}'..='\u{24F}').contains(&c) && c != '×' && c != '÷')
                || c == '—'
        })
}

/// Classes of bytes for [`LatinWords`]: one table load instead of a chain of range tests per
/// byte. The lead bytes of U+00C0 to U+024F (0xC3 to 0xC9) and all continuation bytes are
/// word bytes: in text that passed [`is_fast_alphabet`], a continuation byte met inside a
/// word belongs to one of those letters (the em dash's lead byte ends a word before its
/// continuation bytes are reached).
const WORD: u8 = 1;
const SPACE: u8 = 2;
static BYTE_CLASS: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        // ASCII word characters; lead bytes of U+00C0..U+024F; continuation bytes.
        let non_ascii_letter = b >= 0x80 && b <= 0xC9 && !(b >= 0xC0 && b <= 0xC2);
        table[i] = if b.is_ascii_alphanumeric() || b == b'_' || non_ascii_letter {
            WORD
        } else if b.is_ascii_whitespace() {
            SPACE
        } else {
            0
        };
        i += 1;
    }
    table
};

/// UAX #29 word segmentation restricted to the alphabet of [`is_fast_alphabet`].
struct LatinWords<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for LatinWords<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let bytes = self.text.as_bytes();
        // White space is skipped rather than returned: no caller looks at it.
        while self.pos < bytes.len() && BYTE_CLASS[bytes[self.pos] as usize] == SPACE {
            self.pos += 1;
        }
        let start = self.pos;
        let first = *bytes.get(start)?;
        let word = |b: u8| BYTE_CLASS[b as usize] == WORD;
        let mut end;
        if word(first) {
            end = start + 1;
            loop {
                while end < bytes.len() && word(bytes[end]) {
                    end += 1;
                }
                // WB6/7 (letter . letter, letter ' letter, letter : letter) and
                // WB11/12 (digit , digit; digit . digit; digit ; digit; digit ' digit).
                // A letter before is an ASCII letter or the last byte of a non-ASCII one; a
                // letter after is an ASCII letter or a non-ASCII letter's lead byte.
                let joined = end + 1 < bytes.len() && {
                    let (before, mid, after) = (bytes[end - 1], bytes[end], bytes[end + 1]);
                    let letters = (before.is_ascii_alphabetic() || before >= 0x80)
                        && (after.is_ascii_alphabetic() || (0xC3..=0xC9).contains(&after))
                        && matches!(mid, b'.' | b'\'' | b':');
                    let digits = before.is_ascii_digit()
                        && after.is_ascii_digit()
                        && matches!(mid, b'.' | b'\'' | b',' | b';');
                    letters || digits
                };
                if !joined {
                    break;
                }
                end += 2;
            }
        } else {
            // Punctuation: one character (the em dash is three bytes).
            end = start + if first < 0x80 { 1 } else { 3 };
        }
        self.pos = end;
        Some(&self.text[start..end])
    }
}

struct Stemmer(Option<rust_stemmers::Stemmer>);

impl Stemmer {
    fn new(enabled: bool) -> Self {
        Stemmer(enabled.then(|| rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English)))
    }

    fn stem<'a>(&self, word: &'a str) -> Cow<'a, str> {
        match &self.0 {
            Some(s) if !word.starts_with('<') => s.stem(word),
            _ => Cow::Borrowed(word),
        }
    }
}

/// Unifies quotes and dashes, so that `“`, `”` and `"` (or `’` and `'`) are the same to
/// everything downstream, but keeps letter case (appends to `out`).
fn unify_marks_into(text: &str, out: &mut String) {
    if text.is_ascii() {
        let from = out.len();
        out.push_str(text);
        if memchr::memchr(b'`', text.as_bytes()).is_some() {
            let tail = out[from..].replace('`', "'");
            out.truncate(from);
            out.push_str(&tail);
        }
        return;
    }
    for c in text.chars() {
        out.push(unified_mark(c));
    }
}

/// The one form each quotation mark and dash takes once unified: `"` for double quotes, `'`
/// for single quotes and apostrophes, `-` for hyphens, `—` for dashes; other characters stay.
pub(crate) fn unified_mark(c: char) -> char {
    match c {
        '“' | '”' | '„' | '«' | '»' | '″' => '"',
        '‘' | '’' | '‚' | '′' | '`' => '\'',
        '‐' | '‑' | '‒' => '-',
        '–' | '—' | '―' => '—',
        c => c,
    }
}

/// Maps a word to its token form: numbers become shape tokens, the rest stays.
fn word_form(word: &str) -> Cow<'_, str> {
    let digits = word.chars().filter(char::is_ascii_digit).count();
    if digits == 0 {
        return Cow::Borrowed(word);
    }
    if word
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
    {
        let year =
            digits == 4 && word.len() == 4 && (word.starts_with("19") || word.starts_with("20"));
        return Cow::Borrowed(if year { "<year>" } else { "<num>" });
    }
    Cow::Borrowed(word)
}

/// What a word means to the scope rules (negation, background clauses, "but").
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum WordKind {
    #[default]
    Plain,
    /// "not", "no", "never", "didn't", ...: opens a negation scope.
    Negator,
    /// "after", "since", "which", ...: opens a background clause.
    Background,
    /// "but": closes both scopes.
    But,
    /// "refused"/"ruled" and friends: "refused to", "ruled out" open a negation scope.
    Refuse,
    Rule,
    To,
    Out,
}

impl WordKind {
    /// Classifies a word, ignoring ASCII case, without allocating.
    fn of(word: &str) -> Self {
        let bytes = word.as_bytes();
        if bytes.len() > 12 {
            return WordKind::Plain;
        }
        let mut buf = [0u8; 12];
        let lower = &mut buf[..bytes.len()];
        lower.copy_from_slice(bytes);
        lower.make_ascii_lowercase();
        if lower.ends_with(b"n't") {
            return WordKind::Negator;
        }
        match &*lower {
            b"not" | b"no" | b"never" | b"without" | b"nor" | b"neither" | b"cannot" | b"none"
            | b"nothing" => WordKind::Negator,
            b"after" | b"since" | b"following" | b"amid" | b"despite" | b"which" | b"who"
            | b"whom" | b"whose" | b"when" | b"while" | b"before" | b"until" | b"although"
            | b"though" | b"because" | b"if" | b"whereas" => WordKind::Background,
            b"but" => WordKind::But,
            b"refused" | b"refuses" | b"refuse" | b"refusing" => WordKind::Refuse,
            b"ruled" | b"rule" | b"rules" | b"ruling" => WordKind::Rule,
            b"to" => WordKind::To,
            b"out" => WordKind::Out,
            _ => WordKind::Plain,
        }
    }
}

/// What the analyzer caches about a distinct word.
#[derive(Debug, Clone, Copy)]
struct WordInfo {
    term: u32,
    kind: WordKind,
    /// A contraction such as "didn't": a negator whose token becomes "not".
    contraction: bool,
    /// Capitalised with a letter after the first (a name, if not sentence-initial).
    name_shape: bool,
}

/// One analysed token.
#[derive(Debug, Clone, Copy)]
struct Tok {
    term: u32,
    /// In a negation scope.
    negated: bool,
    /// In a background clause.
    background: bool,
    /// A clause boundary (punctuation) separates this token from the previous one.
    boundary_before: bool,
}

/// Where the tokeniser is within a sentence: the open scopes and what came just before.
struct Scope {
    /// Inside a negation scope ("not", "refused to", ...) that no boundary has closed.
    negated: bool,
    /// Inside a background clause ("after", "which", ...).
    background: bool,
    /// A clause boundary came after the previous word.
    boundary: bool,
    /// At the start of the sentence or of a quotation, where capitals are expected.
    opening: bool,
    /// Where the last word ended (an address in the sentence being read; segments are
    /// slices of it). A `'` that starts there follows its word with no space between: it is
    /// an apostrophe ("the Workers' party"), not a quotation mark.
    word_end: usize,
    prev: WordKind,
    /// The feature options that decide marking: negation scopes, masked names.
    negation: bool,
    mask_names: bool,
}

/// Sentence-level facts gathered while tokenising.
#[derive(Debug, Default, Clone, Copy)]
struct Shape {
    quote: bool,
    start_quote: bool,
    question: bool,
}

/// Per-thread analysis state: a word -> term cache and reusable buffers.
pub struct Analyzer<'a> {
    featurizer: &'a Featurizer,
    stemmer: Stemmer,
    /// Word -> everything tokenising needs to know about it, keyed by a 64-bit hash of the
    /// word's bytes rather than the word: a string key costs a byte comparison on every hit,
    /// the hot spot of classification. Two distinct words colliding is a ~1e-9 event at the
    /// cache's size limit.
    cache: FxHashMap<u64, WordInfo>,
    /// Term ids of "not" (for contractions) and `<ent>` (for masked names).
    not_term: u32,
    ent_term: u32,
    /// When fitting, the vocabulary grows: new terms are interned into `grown_terms`.
    growing: bool,
    grown_terms: FxHashMap<String, u32>,
    /// Term names by id when fitting.
    grown_names: Vec<String>,
    toks: Vec<Tok>,
    normal: String,
    /// Distinct feature ids hit by the current sentence, in order of first hit; their counts
    /// are in `scratch`.
    hits: Vec<u32>,
    /// Dense per-feature counts, all zero between sentences: counting into an array and
    /// resetting the touched entries is cheaper than sorting or hashing the hits.
    scratch: Vec<f32>,
    group_counts: Vec<[f32; 3]>,
}

/// 64-bit hash of a word for the term cache.
fn word_hash(word: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(word.as_bytes())
}

/// The cache is cleared past this many words, which bounds memory on endless input.
const CACHE_LIMIT: usize = 200_000;

impl<'a> Analyzer<'a> {
    fn new(featurizer: &'a Featurizer, growing: bool) -> Self {
        let mut analyzer = Analyzer {
            featurizer,
            stemmer: Stemmer::new(featurizer.spec.config.stem),
            cache: FxHashMap::default(),
            growing,
            grown_terms: if growing {
                featurizer.index.terms.clone()
            } else {
                FxHashMap::default()
            },
            grown_names: if growing {
                let mut names = vec![String::new(); featurizer.index.terms.len()];
                for (term, &id) in &featurizer.index.terms {
                    names[id as usize] = term.clone();
                }
                names
            } else {
                Vec::new()
            },
            toks: Vec::new(),
            normal: String::new(),
            hits: Vec::new(),
            scratch: vec![0.0; featurizer.len()],
            not_term: UNKNOWN,
            ent_term: UNKNOWN,
            group_counts: Vec::new(),
        };
        analyzer.not_term = analyzer.term_of("not");
        analyzer.ent_term = analyzer.term_of("<ent>");
        analyzer
    }

    /// Looks a word up in the cache, analysing it on a miss.
    fn word(&mut self, word: &str) -> WordInfo {
        let key = word_hash(word);
        if let Some(&info) = self.cache.get(&key) {
            return info;
        }
        let kind = WordKind::of(word);
        let mut chars = word.chars();
        let info = WordInfo {
            term: self.term_of(word),
            kind,
            contraction: kind == WordKind::Negator && word.len() > 3 && word.ends_with("'t"),
            name_shape: chars.next().is_some_and(char::is_uppercase)
                && chars.next().is_some_and(char::is_alphabetic),
        };
        if self.cache.len() >= CACHE_LIMIT {
            self.cache.clear();
        }
        self.cache.insert(key, info);
        info
    }

    /// The term id of a word: lower-cased, numbers as shapes, stemmed, then looked up (or,
    /// when fitting, interned).
    fn term_of(&mut self, word: &str) -> u32 {
        let stem = term_form(word, &self.stemmer);
        if self.growing {
            let before = self.grown_terms.len();
            let id = intern(&mut self.grown_terms, &stem).unwrap_or(UNKNOWN);
            if self.grown_terms.len() > before {
                self.grown_names.push(stem);
            }
            id
        } else {
            self.featurizer
                .index
                .terms
                .get(stem.as_str())
                .copied()
                .unwrap_or(UNKNOWN)
        }
    }

    /// Tokenises a sentence into `self.toks`, marking negation scopes and background clauses.
    fn tokenize(&mut self, text: &str) -> Shape {
        let config = &self.featurizer.spec.config;
        self.toks.clear();
        let mut buffer = std::mem::take(&mut self.normal);
        // Most sentences have no curly quote, dash or backtick to unify: read them in place.
        let ascii = text.is_ascii();
        let normal: &str = if ascii && memchr::memchr(b'`', text.as_bytes()).is_none() {
            text
        } else {
            buffer.clear();
            unify_marks_into(text, &mut buffer);
            &buffer
        };
        let mut shape = Shape {
            question: normal
                .trim_end()
                .trim_end_matches(['"', '\'', ')'])
                .ends_with('?'),
            start_quote: normal.trim_start().starts_with(['"', '\'']),
            ..Shape::default()
        };
        let mut scope = Scope {
            negated: false,
            background: false,
            boundary: true,
            opening: true,
            word_end: 0,
            prev: WordKind::Plain,
            negation: config.negation,
            mask_names: config.mask_names,
        };
        // The two segmenters of `word_bounds`, each in its own loop: going through
        // `word_bounds`' chained iterator costs a few branches per word. (Unifying marks keeps
        // an ASCII text ASCII, so it needs no second scan.)
        if ascii || is_fast_alphabet(normal) {
            for seg in (LatinWords {
                text: normal,
                pos: 0,
            }) {
                self.segment(seg, &mut scope, &mut shape);
            }
        } else {
            for seg in normal.split_word_bounds() {
                self.segment(seg, &mut scope, &mut shape);
            }
        }
        self.normal = buffer;
        shape
    }

    /// Adds one segment of a sentence (a word, or punctuation that may close a scope) to
    /// `self.toks`.
    #[inline(always)]
    fn segment(&mut self, seg: &str, scope: &mut Scope, shape: &mut Shape) {
        let first = seg.chars().next().unwrap_or(' ');
        if !first.is_alphanumeric() {
            if first.is_whitespace() || first == '-' {
                return;
            }
            // Straight and curly apostrophes are one mark once unified, so a `'` straight
            // after a word is taken for a plural possessive, not a closing quote: British copy
            // quotes with single marks, and "the Workers' party" carries no quotation.
            if first == '"' || (first == '\'' && seg.as_ptr() as usize != scope.word_end) {
                shape.quote = true;
                scope.opening = true;
            }
            if first == ':' {
                scope.opening = true;
            }
            if matches!(
                first,
                ',' | ';' | ':' | '.' | '!' | '?' | '(' | ')' | '[' | ']' | '"' | '—'
            ) {
                scope.negated = false;
                scope.background = false;
                scope.boundary = true;
            }
            return;
        }
        let info = self.word(seg);
        let kind = info.kind;
        let phrase_negator = matches!(
            (scope.prev, kind),
            (WordKind::Refuse, WordKind::To) | (WordKind::Rule, WordKind::Out)
        );
        if kind == WordKind::But {
            scope.negated = false;
            scope.background = false;
        }
        let term = if info.contraction {
            self.not_term
        } else if scope.mask_names && !scope.opening && info.name_shape {
            self.ent_term
        } else {
            info.term
        };
        self.toks.push(Tok {
            term,
            negated: scope.negated && scope.negation,
            background: scope.background,
            boundary_before: scope.boundary,
        });
        scope.boundary = false;
        scope.opening = false;
        scope.word_end = seg.as_ptr() as usize + seg.len();
        if kind == WordKind::Negator || phrase_negator {
            scope.negated = true;
        }
        if kind == WordKind::Background {
            scope.background = true;
        }
        scope.prev = kind;
    }

    /// Features of one sentence, as a sparse vector (see [`SparseVec`]).
    pub fn transform(&mut self, text: &str, out: &mut SparseVec) {
        out.clear();
        let shape = self.tokenize(text);
        let f = self.featurizer;
        let config = &f.spec.config;
        let index = &f.index;
        self.hits.clear();
        self.group_counts.clear();
        self.group_counts.resize(index.groups.len(), [0.0; 3]);
        let (hits, group_counts, scratch) =
            (&mut self.hits, &mut self.group_counts, &mut self.scratch);
        let mut ngram_hits = 0;
        let mut verb = None;
        // Inlined into `visit`: one call per n-gram otherwise (about 1-2% of a batch run).
        visit(
            &self.toks,
            index,
            config,
            #[inline(always)]
            |event| match event {
                Event::Ngram(window, variant) => {
                    let first = window[0].term as usize;
                    let feature = if window.len() == 1 {
                        index
                            .term_table
                            .get(first)
                            .map_or(NONE, |e| e.unigram[variant as usize])
                    } else if window.len() == 2 {
                        index.bigram(window[0].term, window[1].term)
                    } else if index.starts_ngram.get(first) == Some(&true) {
                        let mut ids = [0u32; 3];
                        for (slot, t) in ids.iter_mut().zip(window) {
                            *slot = t.term;
                        }
                        let key = ngram_key(&ids[..window.len()], false);
                        index.ngrams.get(&key).copied().unwrap_or(NONE)
                    } else {
                        NONE
                    };
                    if feature != NONE {
                        count_hit(feature, scratch, hits);
                        ngram_hits = hits.len();
                    }
                }
                Event::Lexicon {
                    group,
                    phrase,
                    scope,
                } => {
                    group_counts[group][scope] += 1.0;
                    if let Some(hit) = index.hits[group][phrase] {
                        count_hit(hit, scratch, hits);
                    }
                }
                Event::Verb(group) => verb = index.verb_class[group],
            },
        );
        // The n-gram block: sublinear TF-IDF, L2-normalised. (N-gram events all come before
        // lexicon events, so the first `ngram_hits` distinct hits are the n-grams.)
        let (ngram_ids, cue_ids) = self.hits.split_at(ngram_hits);
        drain_counts(ngram_ids, &mut self.scratch, |feature, count| {
            out.push((feature, sublinear_tf(count) * f.spec.idf[feature as usize]));
        });
        let norm = out.iter().map(|(_, v)| v * v).sum::<f32>().sqrt();
        for (_, v) in out.iter_mut() {
            *v /= norm;
        }
        // The cue block: log counts, scaled, not normalised.
        let scale = config.cue_scale;
        for (g, by_scope) in self.group_counts.iter().enumerate() {
            for (scope, &count) in by_scope.iter().enumerate() {
                if let (true, Some(feature)) = (count > 0.0, index.group_counts[g][scope]) {
                    out.push((feature, scale * log_count(count)));
                }
            }
        }
        drain_counts(cue_ids, &mut self.scratch, |feature, count| {
            out.push((feature, scale * log_count(count)));
        });
        if let Some(verb) = verb {
            out.push((verb, scale));
        }
        if config.structure {
            let flags = [
                (shape.quote, index.quote),
                (shape.start_quote, index.start_quote),
                (shape.question, index.question),
            ];
            for (on, feature) in flags {
                if let (true, Some(feature)) = (on, feature) {
                    out.push((feature, scale));
                }
            }
        }
    }

    /// Names of every feature the sentence would have, vocabulary or not (for fitting).
    fn candidate_feature_names(&mut self, text: &str, names: &mut Vec<String>) {
        let shape = self.tokenize(text);
        let f = self.featurizer;
        let index = &f.index;
        let by_id = &self.grown_names;
        visit(&self.toks, index, &f.spec.config, |event| match event {
            Event::Ngram(window, variant) => {
                let words: Vec<&str> = window
                    .iter()
                    .map(|t| by_id[t.term as usize].as_str())
                    .collect();
                let prefix = if window.len() == 1 {
                    variant.prefix()
                } else {
                    ""
                };
                names.push(format!("{prefix}{}", words.join(" ")));
            }
            Event::Lexicon {
                group,
                phrase,
                scope,
            } => {
                let name = &index.groups[group];
                names.push(format!("#lex:{name}{}", CLAUSE_SCOPES[scope]));
                names.push(format!("@{name}:{}", f.spec.lexicons.groups[name][phrase]));
            }
            Event::Verb(group) => {
                let class = index.groups[group].trim_start_matches("verbs_");
                names.push(format!("#verb:{class}"));
            }
        });
        if f.spec.config.structure {
            for (on, name) in [
                (shape.quote, "#quote"),
                (shape.start_quote, "#startquote"),
                (shape.question, "#question"),
            ] {
                if on {
                    names.push(name.to_string());
                }
            }
        }
    }
}

/// One feature occurrence in a sentence, before it is named (fitting) or numbered
/// (prediction): the single place that decides what a sentence's features are.
enum Event<'t> {
    /// A word n-gram of 1 to 3 tokens; single words carry their scope marking.
    Ngram(&'t [Tok], Variant),
    /// A lexicon phrase hit, with its clause scope (an index into [`CLAUSE_SCOPES`]).
    Lexicon {
        group: usize,
        phrase: usize,
        scope: usize,
    },
    /// The first reporting verb outside background clauses: its lexicon group.
    Verb(usize),
}

/// Walks a tokenised sentence and reports its features: all n-grams first, then lexicon hits
/// and the governing reporting verb.
fn visit<'t>(
    toks: &'t [Tok],
    index: &Index,
    config: &FeatureConfig,
    mut emit: impl FnMut(Event<'t>),
) {
    for (i, tok) in toks.iter().enumerate() {
        for n in 1..=config.ngram_max.min(i + 1) {
            let window = &toks[i + 1 - n..=i];
            // N-grams stop at unknown words and clause boundaries.
            if window.iter().any(|t| t.term == UNKNOWN)
                || window[1..].iter().any(|t| t.boundary_before)
            {
                break;
            }
            emit(Event::Ngram(window, Variant::of(tok, config)));
        }
    }
    if !(config.lexicons || config.structure) {
        return;
    }
    let mut verb_found = false;
    for (start, tok) in toks.iter().enumerate() {
        for (group, phrase, ids) in index.phrases_from(tok.term) {
            let end = start + ids.len();
            let matches = end <= toks.len()
                && toks[start..end]
                    .iter()
                    .zip(ids)
                    .all(|(t, &id)| t.term == id);
            if !matches {
                continue;
            }
            if index.verb_groups[*group] {
                if config.structure && !verb_found && !tok.background {
                    verb_found = true;
                    emit(Event::Verb(*group));
                }
            } else if config.lexicons {
                let scope = if tok.negated {
                    2
                } else if tok.background {
                    1
                } else {
                    0
                };
                emit(Event::Lexicon {
                    group: *group,
                    phrase: *phrase,
                    scope,
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fit(texts: &[&str], config: FeatureConfig) -> Featurizer {
        let labels: Vec<Stance> = (0..texts.len()).map(|i| Stance::ALL[i % 3]).collect();
        Featurizer::fit(&config, &Lexicons::builtin(), texts, &labels).unwrap()
    }

    fn names(f: &Featurizer, text: &str) -> Vec<String> {
        f.transform(text)
            .into_iter()
            .map(|(i, _)| f.feature_names()[i as usize].clone())
            .collect()
    }

    fn min_df_one() -> FeatureConfig {
        FeatureConfig {
            min_df: 1,
            ..FeatureConfig::default()
        }
    }

    proptest::proptest! {
        #[test]
        fn word_bounds_match_unicode_segmentation(
            text in "[a-c0-2 .,;:'_\\-!?\"]{0,40}|[a-cé0-1 .,:'—ŁÀ-ÿ]{0,30}|[a-b\u{C0}-\u{24F} '.]{0,20}"
        ) {
            let not_space = |w: &&str| !w.chars().all(char::is_whitespace);
            let ours: Vec<&str> = word_bounds(&text).filter(not_space).collect();
            let general: Vec<&str> = text.split_word_bounds().filter(not_space).collect();
            proptest::prop_assert_eq!(ours, general);
        }
    }

    /// Every non-ASCII character the fast path takes, in every position that matters to the
    /// joining rules, segments as `unicode-segmentation` does.
    #[test]
    fn fast_alphabet_segments_like_unicode_segmentation() {
        let not_space = |w: &&str| !w.chars().all(char::is_whitespace);
        let extra = ('\u{C0}'..='\u{24F}').chain(['—']);
        let mut checked = 0;
        for c in extra.filter(|c| is_fast_alphabet(&c.to_string())) {
            for text in [
                format!("{c}"),
                format!("a{c}b"),
                format!("l'{c}t {c}.b x{c}:{c} 1{c}2 {c}'s"),
                format!("—{c}—a—1.{c} ({c}) {c}{c}_9"),
            ] {
                let fast: Vec<&str> = LatinWords {
                    text: &text,
                    pos: 0,
                }
                .collect();
                let general: Vec<&str> = text.split_word_bounds().filter(not_space).collect();
                assert_eq!(fast, general, "{text:?}");
            }
            checked += 1;
        }
        // U+00C0 to U+024F is 400 characters, less × and ÷, plus the em dash.
        assert_eq!(checked, 399);
    }

    proptest::proptest! {
        /// Any text gives a finite, duplicate-free vector whose n-gram block has norm 1
        /// (or is empty).
        #[test]
        fn any_text_gives_a_valid_vector(text in "\\PC{0,120}|[a-z ,.'\"]{0,120}") {
            let f = fixture();
            let v = f.transform(&text);
            let mut ids: Vec<u32> = v.iter().map(|(i, _)| *i).collect();
            ids.sort_unstable();
            proptest::prop_assert!(ids.windows(2).all(|w| w[0] < w[1]), "duplicate index");
            proptest::prop_assert!(v.iter().all(|(i, x)| x.is_finite() && (*i as usize) < f.len()));
            let norm: f32 = v.iter()
                .filter(|(i, _)| !is_cue(&f.feature_names()[*i as usize]))
                .map(|(_, x)| x * x)
                .sum();
            proptest::prop_assert!(norm == 0.0 || (norm - 1.0).abs() < 1e-4, "{}", norm);
        }
    }

    fn fixture() -> Featurizer {
        fit(
            &[
                "The ministers agreed to resume talks, officials said.",
                "Beijing warned it would not accept the terms.",
                "The visit will run from Tuesday to Thursday in 2024.",
            ],
            min_df_one(),
        )
    }

    #[test]
    fn log_fast_paths_match_the_functions() {
        for c in 1..=6 {
            let c = c as f32;
            assert!((sublinear_tf(c) - (1.0 + c.ln())).abs() < 1e-6);
            assert!((log_count(c) - c.ln_1p()).abs() < 1e-6);
        }
        assert!((log_count(0.5) - 0.5f32.ln_1p()).abs() < 1e-6);
    }

    #[test]
    fn fitting_without_any_word_ngram_is_an_error() {
        let texts = ["Talks resumed today.", "Talks stalled today.", "\u{1F600}"];
        let labels = [
            Stance::Conciliatory,
            Stance::Adversarial,
            Stance::Analytical,
        ];
        let fit = |min_df, texts: &[&str]| {
            let config = FeatureConfig {
                min_df,
                ..FeatureConfig::default()
            };
            let labels = &labels[..texts.len()];
            Featurizer::fit(&config, &Lexicons::builtin(), texts, labels)
        };
        assert!(fit(2, &texts).is_ok());
        // "talk" and "today" occur in two sentences, nothing in three: the cues alone are
        // left, which is an error rather than a weak model.
        let err = fit(3, &texts).err().unwrap().to_string();
        assert!(
            err.contains("at least 3 training sentences (the most frequent occurs in 2)"),
            "{err}"
        );
        let err = fit(1, &texts[2..]).err().unwrap().to_string();
        assert!(err.contains("hold no words"), "{err}");
    }

    #[test]
    fn an_entry_written_twice_or_stemming_alike_counts_once() {
        let lexicons = |hostility: &str| {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join("hostility.txt"), hostility).unwrap();
            std::fs::write(dir.path().join("cooperation.txt"), "agree\n").unwrap();
            Lexicons::from_dir(dir.path()).unwrap()
        };
        let once = lexicons("\u{FEFF}warn\nthreat\n");
        let repeated = lexicons("warn\nWarn\n warn\nwarning\nthreat\nthreat\n");
        assert_eq!(repeated.groups["hostility"], ["warn", "warning", "threat"]);
        // A byte-order mark before the first entry is not part of it.
        assert_eq!(once.groups["hostility"], ["warn", "threat"]);
        let texts = ["The minister warned Tehran.", "Both sides agreed."];
        let labels = [Stance::Adversarial, Stance::Conciliatory];
        let cue = |lexicons: &Lexicons| {
            let f = Featurizer::fit(&min_df_one(), lexicons, &texts, &labels).unwrap();
            let id = f.feature_names().iter().position(|n| n == "#lex:hostility");
            let x = f.transform(texts[0]);
            let value = x.iter().find(|(i, _)| Some(*i as usize) == id).unwrap().1;
            let hits: Vec<String> = names(&f, texts[0])
                .into_iter()
                .filter(|n| n.starts_with("@hostility"))
                .collect();
            (value, hits)
        };
        // "warned" is one hit of `warn`, however often (and in whatever form) the lexicon
        // lists it.
        assert_eq!(cue(&repeated), cue(&once));
        assert_eq!(cue(&once).1, ["@hostility:warn"]);
    }

    #[test]
    fn a_lexicon_directory_without_entries_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("hostility.txt"), "# nothing yet\n\n").unwrap();
        std::fs::write(dir.path().join("cooperation.txt"), "").unwrap();
        let err = Lexicons::from_dir(dir.path()).unwrap_err().to_string();
        assert!(err.contains("hold no entries"), "{err}");
        std::fs::write(dir.path().join("cooperation.txt"), "agree\n").unwrap();
        assert!(Lexicons::from_dir(dir.path()).is_ok());
        // A named pipe called `*.txt` is skipped: opening it would wait for a writer.
        #[cfg(unix)]
        {
            let fifo = dir.path().join("notes.txt");
            let made = std::process::Command::new("mkfifo").arg(&fifo).status();
            if made.is_ok_and(|s| s.success()) {
                let lexicons = Lexicons::from_dir(dir.path()).unwrap();
                assert!(!lexicons.groups.contains_key("notes"));
            }
        }
    }

    #[test]
    fn lexicon_files_that_are_not_utf8_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("hostility.txt"),
            b"warn\naccuse\nd\xe9noncer\n",
        )
        .unwrap();
        let err = Lexicons::from_dir(dir.path()).unwrap_err().to_string();
        assert!(
            err.contains("hostility.txt: line 3: not valid UTF-8"),
            "{err}"
        );
    }

    #[test]
    fn unifies_quotes_and_dashes() {
        let unify = |text: &str| {
            let mut out = String::new();
            unify_marks_into(text, &mut out);
            out
        };
        assert_eq!(unify("“Oui” – ‘Non’ — OK"), "\"Oui\" — 'Non' — OK");
        assert_eq!(unify("`Yes' NO"), "'Yes' NO");
    }

    #[test]
    fn stems_and_maps_numbers() {
        let f = fit(
            &["Officials warned in 2019 that 1,500 troops were warning."],
            min_df_one(),
        );
        let got = names(&f, "They warned of 30 ships in 2020.");
        assert!(got.contains(&"warn".to_string()), "{got:?}");
        assert!(got.contains(&"<num>".to_string()), "{got:?}");
        assert!(got.contains(&"<year>".to_string()), "{got:?}");
    }

    #[test]
    fn marks_negation_until_clause_boundary() {
        let f = fit(
            &["Beijing will not accept the terms, the minister said."],
            min_df_one(),
        );
        let got = names(&f, "Beijing will not accept the terms, the minister said.");
        assert!(got.contains(&"NOT_accept".to_string()), "{got:?}");
        assert!(got.contains(&"minist".to_string()), "{got:?}");
        assert!(!got.contains(&"NOT_minist".to_string()), "{got:?}");
        assert!(
            got.contains(&"#lex:cooperation:neg".to_string())
                || !got.iter().any(|g| g.starts_with("#lex:cooperation")),
            "{got:?}"
        );
    }

    #[test]
    fn background_clause_words_are_marked() {
        let text = "Beijing praised the talks, a day after Washington warned of tariffs.";
        let f = fit(
            &[text],
            FeatureConfig {
                mark_background: true,
                ..min_df_one()
            },
        );
        let got = names(&f, text);
        assert!(got.contains(&"BG_warn".to_string()), "{got:?}");
        assert!(got.contains(&"prais".to_string()), "{got:?}");
        assert!(!got.contains(&"warn".to_string()), "{got:?}");
        let off = fit(
            &[text],
            FeatureConfig {
                mark_background: false,
                ..min_df_one()
            },
        );
        assert!(!names(&off, text).contains(&"BG_warn".to_string()));
        assert!(names(&off, text).contains(&"warn".to_string()));
    }

    #[test]
    fn ruled_out_and_contractions_negate() {
        let f = fit(
            &["Tokyo ruled out talks and won't resume dialogue."],
            min_df_one(),
        );
        let got = names(&f, "Tokyo ruled out talks and won't resume dialogue.");
        assert!(got.contains(&"NOT_talk".to_string()), "{got:?}");
        assert!(got.contains(&"NOT_resum".to_string()), "{got:?}");
    }

    #[test]
    fn lexicon_hits_are_split_by_clause_context() {
        let text = "The envoy praised the agreement a day after Washington warned Beijing.";
        let f = fit(&[text], min_df_one());
        let got = names(&f, text);
        for want in [
            "#lex:cooperation",
            "#lex:hostility:sub",
            "@cooperation:agreement",
            "#verb:appeal",
        ] {
            assert!(got.contains(&want.to_string()), "missing {want}: {got:?}");
        }
        assert!(!got.contains(&"#lex:hostility".to_string()), "{got:?}");
    }

    #[test]
    fn quotes_and_questions() {
        let text = "“Who is the real hacker here?”";
        let f = fit(&[text], min_df_one());
        let got = names(&f, text);
        for want in ["#quote", "#startquote", "#question"] {
            assert!(got.contains(&want.to_string()), "missing {want}: {got:?}");
        }
    }

    #[test]
    fn possessive_apostrophe_is_not_a_quote() {
        let plain = "Officials of the Workers’ party met the envoys' staff on Monday.";
        let quoted = "Officials said the talks were ‘a waste of time’ on Monday.";
        let f = fit(&[plain, quoted], min_df_one());
        assert!(
            !names(&f, plain).contains(&"#quote".to_string()),
            "{:?}",
            names(&f, plain)
        );
        assert!(
            names(&f, quoted).contains(&"#quote".to_string()),
            "{:?}",
            names(&f, quoted)
        );
    }

    #[test]
    fn groups_can_be_switched_off() {
        let text = "The envoy praised the agreement, but Washington warned Beijing?";
        let config = FeatureConfig {
            lexicons: false,
            structure: false,
            ngram_max: 1,
            ..min_df_one()
        };
        let f = fit(&[text], config);
        assert!(
            f.feature_names()
                .iter()
                .all(|n| !n.starts_with('#') && !n.starts_with('@') && !n.contains(' '))
        );
    }

    #[test]
    fn ngram_block_is_l2_normalised_without_duplicates() {
        let texts = [
            "Ministers agreed a deal.",
            "Ministers warned again.",
            "Figures rose.",
        ];
        let f = fit(
            &texts,
            FeatureConfig {
                lexicons: false,
                structure: false,
                ..min_df_one()
            },
        );
        let v = f.transform("Ministers agreed a deal.");
        let norm: f32 = v.iter().map(|(_, x)| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-5, "{norm}");
        let mut ids: Vec<u32> = v.iter().map(|(i, _)| *i).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), v.len());
    }

    #[test]
    fn min_df_and_cap_limit_the_vocabulary() {
        let texts = ["alpha beta", "alpha gamma", "alpha delta"];
        let f = fit(
            &texts,
            FeatureConfig {
                lexicons: false,
                structure: false,
                ..FeatureConfig::default()
            },
        );
        assert_eq!(f.feature_names(), &["alpha".to_string()]);
        let capped = fit(
            &texts,
            FeatureConfig {
                max_features: 2,
                lexicons: false,
                structure: false,
                ..min_df_one()
            },
        );
        assert_eq!(capped.len(), 2);
    }

    #[test]
    fn ngram_keys_round_trip_through_renumbering() {
        for ids in [&[7u32][..], &[1, 2], &[(1 << 20) - 1, 3, (1 << 20) - 1]] {
            for negated in [false, true] {
                let key = ngram_key(ids, negated);
                assert_eq!(remap_ngram_key(key, |id| id), key);
                let doubled: Vec<u32> = ids.iter().map(|id| id / 2).collect();
                assert_eq!(
                    remap_ngram_key(key, |id| id / 2),
                    ngram_key(&doubled, negated)
                );
            }
        }
    }

    #[test]
    fn trigram_features_survive_renumbering() {
        let texts = [
            "Officials told a news conference on Monday.",
            "The minister told a news conference the talks failed.",
            "He told a news conference that aid would flow.",
            "Analysts said the move was expected.",
        ];
        let config = FeatureConfig {
            ngram_max: 3,
            ..min_df_one()
        };
        let f = fit(&texts, config);
        let names = f.feature_names();
        let got: Vec<&str> = f
            .transform(texts[0])
            .iter()
            .map(|&(i, _)| names[i as usize].as_str())
            .collect();
        assert!(got.contains(&"told a news"), "{got:?}");
        assert!(got.contains(&"a news confer"), "{got:?}");
    }

    #[test]
    fn spec_round_trip_gives_same_vectors() {
        let texts = [
            "The minister welcomed the accord.",
            "Rebels shelled the town, officials said.",
        ];
        let f = fit(&texts, min_df_one());
        let g = Featurizer::from_spec(f.spec().clone()).unwrap();
        for t in texts {
            assert_eq!(f.transform(t), g.transform(t));
        }
    }

    #[test]
    fn unknown_text_gives_no_ngram_features() {
        let f = fit(&["Ministers agreed."], min_df_one());
        assert!(f.transform("Zzz qqq.").is_empty());
        assert!(f.transform("").is_empty());
    }
}
