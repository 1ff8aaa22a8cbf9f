//! The lookup tables a loaded featurizer predicts with: term ids, n-gram keys and the cue
//! feature ids, laid out so that each token costs one cache line.

use rustc_hash::{FxHashMap, FxHashSet};

use super::analyzer::Tok;
use super::{FeatureConfig, Lexicons, intern, is_cue};
use crate::error::{Error, Result};

/// Where a token sits in its sentence's clauses. Both feature blocks use it: a lexicon hit
/// is counted per scope (`#lex:hostility`, `#lex:hostility:sub`, `#lex:hostility:neg`), and a
/// single word is marked by it (`word`, `BG_word`, `NOT_word`). Arrays indexed by
/// `scope as usize` hold one entry per scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ClauseScope {
    Main = 0,
    /// A background clause ("after X warned Y").
    Background = 1,
    /// A negation scope ("will not cooperate").
    Negated = 2,
}

impl ClauseScope {
    pub(super) const ALL: [ClauseScope; 3] = [
        ClauseScope::Main,
        ClauseScope::Background,
        ClauseScope::Negated,
    ];

    /// The scope a lexicon hit is counted in; negation wins over background.
    pub(super) fn of(tok: &Tok) -> Self {
        if tok.negated {
            ClauseScope::Negated
        } else if tok.background {
            ClauseScope::Background
        } else {
            ClauseScope::Main
        }
    }

    /// The scope a single word is marked with: background marking is an option
    /// (`mark_background`), negation marking is on whenever negation scopes are.
    pub(super) fn of_word(tok: &Tok, config: &FeatureConfig) -> Self {
        match ClauseScope::of(tok) {
            ClauseScope::Background if !config.mark_background => ClauseScope::Main,
            scope => scope,
        }
    }

    /// The suffix of a lexicon count feature's name (`:sub` is the name model files use).
    pub(super) fn count_suffix(self) -> &'static str {
        match self {
            ClauseScope::Main => "",
            ClauseScope::Background => ":sub",
            ClauseScope::Negated => ":neg",
        }
    }

    /// The prefix of a marked word feature's name.
    pub(super) fn word_prefix(self) -> &'static str {
        match self {
            ClauseScope::Main => "",
            ClauseScope::Background => "BG_",
            ClauseScope::Negated => "NOT_",
        }
    }
}

/// Names of the cue features as model files store them. Fitting names its candidates with
/// these (`Analyzer::candidate_feature_names`) and loading looks the saved ones up with them
/// ([`Index::add_cue_features`]), so the two cannot drift apart.
pub(super) mod cue_name {
    use super::ClauseScope;

    /// The sentence holds a quotation.
    pub(in crate::features) const QUOTE: &str = "#quote";
    /// The sentence opens inside a quotation.
    pub(in crate::features) const START_QUOTE: &str = "#startquote";
    /// The sentence is a question.
    pub(in crate::features) const QUESTION: &str = "#question";
    /// Lexicon groups named with this prefix are reporting-verb classes.
    pub(in crate::features) const VERB_GROUP_PREFIX: &str = "verbs_";
    /// The start of a lexicon count's name.
    pub(in crate::features) const COUNT_PREFIX: &str = "#lex:";
    /// The start of a lexicon hit's name.
    pub(in crate::features) const HIT_PREFIX: &str = "@";
    /// The start of a reporting-verb class's name.
    pub(in crate::features) const VERB_CLASS_PREFIX: &str = "#verb:";

    /// How many words of `group` the sentence holds in `scope`: `#lex:hostility`,
    /// `#lex:hostility:neg`.
    pub(in crate::features) fn lexicon_count(group: &str, scope: ClauseScope) -> String {
        format!("{COUNT_PREFIX}{group}{}", scope.count_suffix())
    }

    /// One lexicon entry hit: `@hostility:warn`.
    pub(in crate::features) fn lexicon_hit(group: &str, phrase: &str) -> String {
        format!("{HIT_PREFIX}{group}:{phrase}")
    }

    /// Whether a lexicon group is a reporting-verb class (`verbs_hostile`).
    pub(in crate::features) fn is_verb_group(group: &str) -> bool {
        group.starts_with(VERB_GROUP_PREFIX)
    }

    /// The class feature of a reporting-verb group (`verbs_hostile` gives `#verb:hostile`);
    /// `None` for other groups.
    pub(in crate::features) fn verb_class(group: &str) -> Option<String> {
        group
            .strip_prefix(VERB_GROUP_PREFIX)
            .map(|class| format!("{VERB_CLASS_PREFIX}{class}"))
    }
}

/// Checks that every cue feature of a saved vocabulary is one the featurizer names with
/// these lexicons (see [`cue_name`]): a lexicon count, hit or reporting-verb class of a group
/// the lexicons hold, or a quotation or question flag. Any other would never fire, and a
/// lexicon group deleted from a model file would leave its features silently dead.
pub(super) fn check_cue_names(features: &[String], lexicons: &Lexicons) -> Result<()> {
    let mut unknown = features.iter().filter(|name| is_cue(name)).peekable();
    if unknown.peek().is_none() {
        return Ok(());
    }
    let mut known: FxHashSet<String> = [cue_name::QUOTE, cue_name::START_QUOTE, cue_name::QUESTION]
        .map(String::from)
        .into_iter()
        .collect();
    for (group, phrases) in &lexicons.groups {
        known.extend(ClauseScope::ALL.map(|scope| cue_name::lexicon_count(group, scope)));
        known.extend(
            phrases
                .iter()
                .map(|phrase| cue_name::lexicon_hit(group, phrase)),
        );
        known.extend(cue_name::verb_class(group));
    }
    let Some(name) = unknown.find(|name| !known.contains(name.as_str())) else {
        return Ok(());
    };
    const SHOWN: usize = 12;
    let mut groups: Vec<&str> = lexicons
        .groups
        .keys()
        .take(SHOWN)
        .map(String::as_str)
        .collect();
    if lexicons.groups.len() > SHOWN {
        groups.push("...");
    }
    let groups = if groups.is_empty() {
        "none".to_string()
    } else {
        groups.join(", ")
    };
    let refers_to = if name.starts_with(cue_name::HIT_PREFIX) {
        "a lexicon group and phrase".to_string()
    } else if name.starts_with(cue_name::COUNT_PREFIX) {
        "a lexicon group".to_string()
    } else if let Some(class) = name.strip_prefix(cue_name::VERB_CLASS_PREFIX) {
        format!(
            "the reporting-verb group {}{class}",
            cue_name::VERB_GROUP_PREFIX
        )
    } else {
        return Err(Error::Param(format!(
            "unknown cue feature {name:?}: the features starting with # are {}GROUP, \
             {}CLASS, {}, {} and {}",
            cue_name::COUNT_PREFIX,
            cue_name::VERB_CLASS_PREFIX,
            cue_name::QUOTE,
            cue_name::START_QUOTE,
            cue_name::QUESTION
        )));
    };
    Err(Error::Param(format!(
        "feature {name:?} refers to {refers_to} that features.lexicons does not hold (its \
         groups: {groups})"
    )))
}

/// Checks that a saved vocabulary holds no feature its own options switch off: lexicon
/// counts and hits with `lexicons: false`, reporting-verb, quotation and question cues with
/// `structure: false`, n-grams longer than `ngram_max`, negation-marked words and counts with
/// `negation: false`, background-marked words with `mark_background: false`. Training never
/// writes such a file (the analyzer emits no such feature with the option off), but a flag
/// edited by hand ("try it without lexicons") used to load and leave those features dead:
/// the shipped model with `lexicons: false` scored macro-F1 0.780 instead of 0.888 on
/// `data/test.csv`, without a word.
///
/// Each rule reads only names, and each name it matches can only have been written with the
/// option on (see [`cue_name`] and [`ClauseScope::word_prefix`]). `stem` is not checked:
/// stemmed and unstemmed words cannot be told apart by their spelling (`accus` and `pass`
/// could be either), and `mask_names` neither, as `<ent>` only shows that some name was
/// masked.
pub(super) fn check_config_names(
    features: &[String],
    config: &FeatureConfig,
    lexicons: &Lexicons,
) -> Result<()> {
    let structure_flags = [cue_name::QUOTE, cue_name::START_QUOTE, cue_name::QUESTION];
    let negated_count = |name: &str| {
        lexicons
            .groups
            .keys()
            .any(|group| name == cue_name::lexicon_count(group, ClauseScope::Negated).as_str())
    };
    let words = |name: &str| {
        if is_cue(name) {
            0
        } else {
            name.split(' ').count()
        }
    };
    let ngram_max = config.ngram_max;
    let longer = format!("n-grams of more than {ngram_max} word{}", plural(ngram_max));
    type Rule<'r> = (
        &'static str,
        String,
        bool,
        &'r dyn Fn(&str) -> bool,
        &'r str,
    );
    let rules: [Rule; 5] = [
        (
            "lexicons",
            "false".into(),
            !config.lexicons,
            &|n| n.starts_with(cue_name::COUNT_PREFIX) || n.starts_with(cue_name::HIT_PREFIX),
            "lexicon counts or hits",
        ),
        (
            "structure",
            "false".into(),
            !config.structure,
            &|n| n.starts_with(cue_name::VERB_CLASS_PREFIX) || structure_flags.contains(&n),
            "reporting-verb, quotation or question cues",
        ),
        (
            "ngram_max",
            ngram_max.to_string(),
            true,
            &|n| words(n) > ngram_max,
            &longer,
        ),
        (
            "negation",
            "false".into(),
            !config.negation,
            &|n| n.starts_with(ClauseScope::Negated.word_prefix()) || negated_count(n),
            "negation-marked words or counts",
        ),
        (
            "mark_background",
            "false".into(),
            !config.mark_background,
            &|n| n.starts_with(ClauseScope::Background.word_prefix()),
            "background-marked words",
        ),
    ];
    for (field, value, applies, matches, what) in rules {
        if !applies {
            continue;
        }
        let mut found = features.iter().filter(|name| matches(name));
        if let Some(example) = found.next() {
            let count = 1 + found.count();
            return Err(Error::Param(format!(
                "features.config.{field} is {value}, but the vocabulary holds {count} \
                 {what} (such as {example:?}), which never fire with that setting; set it \
                 back to the value the model was trained with, or retrain"
            )));
        }
    }
    Ok(())
}

/// `"s"` unless `n` is 1.
fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A lexicon phrase: its group, its index in the group, and its term ids.
pub(super) type Phrase = (usize, usize, Vec<u32>);

/// No feature.
pub(super) const NO_FEATURE: u32 = u32::MAX;

/// Lookup tables rebuilt from the spec at load time.
#[derive(Debug, Clone, Default)]
pub(super) struct Index {
    pub(super) terms: FxHashMap<String, u32>,
    /// Bigram and trigram features by key (see [`ngram_key`]).
    pub(super) ngrams: FxHashMap<u64, u32>,
    /// What every token looks up, by term id (see [`TermEntry`]).
    pub(super) term_table: Vec<TermEntry>,
    /// Bigram features `(second term, feature)`, grouped by first term (see
    /// [`TermEntry::bigrams`]).
    pub(super) bigram_pairs: Vec<(u32, u32)>,
    /// Lexicon phrases `(group, phrase index, term ids)`, grouped by first term (see
    /// [`TermEntry::phrases`]), in lexicon order within a group.
    pub(super) phrase_list: Vec<Phrase>,
    /// By term id: whether some bigram or trigram feature starts with the term. Most words
    /// start none, and this spares their n-grams a hash lookup.
    pub(super) starts_ngram: Vec<bool>,
    /// Cue group names, in `Lexicons::groups` order.
    pub(super) groups: Vec<String>,
    /// For each group: feature ids of its count in each context.
    pub(super) group_counts: Vec<[Option<u32>; 3]>,
    /// For each group and phrase: feature id of the hit.
    pub(super) hits: Vec<Vec<Option<u32>>>,
    /// For each group: whether it is a reporting-verb class (`verbs_*`).
    pub(super) verb_groups: Vec<bool>,
    /// For each group that is a reporting-verb class: the feature id.
    pub(super) verb_class: Vec<Option<u32>>,
    pub(super) quote: Option<u32>,
    pub(super) start_quote: Option<u32>,
    pub(super) question: Option<u32>,
}

/// Everything a token's term needs at prediction time, in one record: every token of every
/// sentence looks its term up here, and one cache line per token is cheaper than one per
/// table.
#[derive(Debug, Clone, Copy)]
pub(super) struct TermEntry {
    /// Unigram feature id per [`ClauseScope`] marking, `NO_FEATURE` when not a feature.
    pub(super) unigram: [u32; 3],
    /// Range of `Index::bigram_pairs` holding the bigrams the term starts.
    pub(super) bigrams: [u32; 2],
    /// Range of `Index::phrase_list` holding the lexicon phrases the term starts.
    pub(super) phrases: [u32; 2],
}

impl Default for TermEntry {
    fn default() -> Self {
        TermEntry {
            unigram: [NO_FEATURE; 3],
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
    pub(super) fn renumber_by_frequency(&mut self, idf: &[f32]) {
        let n = self.term_table.len();
        let rank = |e: &TermEntry| {
            let f = e.unigram[ClauseScope::Main as usize];
            if f == NO_FEATURE {
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
    pub(super) fn phrases_from(&self, term: u32) -> &[Phrase] {
        self.term_table.get(term as usize).map_or(&[], |e| {
            &self.phrase_list[e.phrases[0] as usize..e.phrases[1] as usize]
        })
    }

    /// The feature id of the n-gram `window` (one to three words; a single word marked by
    /// `marking`), or `NO_FEATURE`.
    #[inline(always)]
    pub(super) fn ngram_feature(&self, window: &[Tok], marking: ClauseScope) -> u32 {
        let first = window[0].term as usize;
        match window.len() {
            1 => self
                .term_table
                .get(first)
                .map_or(NO_FEATURE, |e| e.unigram[marking as usize]),
            2 => self.bigram(window[0].term, window[1].term),
            // Trigrams: only words that start one are looked up.
            _ if self.starts_ngram.get(first) == Some(&true) => {
                let mut ids = [0u32; 3];
                for (slot, t) in ids.iter_mut().zip(window) {
                    *slot = t.term;
                }
                let key = ngram_key(&ids[..window.len()]);
                self.ngrams.get(&key).copied().unwrap_or(NO_FEATURE)
            }
            _ => NO_FEATURE,
        }
    }

    /// The feature id of the bigram `first second`, or `NO_FEATURE`.
    pub(super) fn bigram(&self, first: u32, second: u32) -> u32 {
        let Some(entry) = self.term_table.get(first as usize) else {
            return NO_FEATURE;
        };
        let pairs = &self.bigram_pairs[entry.bigrams[0] as usize..entry.bigrams[1] as usize];
        // Most words start a few bigrams: a short scan of adjacent pairs. Common words
        // ("the", "said") start hundreds, where one hash probe beats a binary search's chain
        // of dependent loads.
        if pairs.len() <= 8 {
            pairs
                .iter()
                .find(|(s, _)| *s == second)
                .map_or(NO_FEATURE, |&(_, f)| f)
        } else {
            let key = ngram_key(&[first, second]);
            self.ngrams.get(&key).copied().unwrap_or(NO_FEATURE)
        }
    }
}

impl Index {
    /// Indexes the word n-gram features of a saved vocabulary (`NOT_word`, `BG_word`, `word`,
    /// `first second`, `a b c`): interns their terms and fills the per-term table, the bigram
    /// pairs and the n-gram keys.
    pub(super) fn add_word_features(&mut self, features: &[String]) -> Result<()> {
        let mut bigrams: Vec<(u32, u32, u32)> = Vec::new();
        let mut unigrams: Vec<(u32, ClauseScope, u32)> = Vec::new();
        for (i, name) in features.iter().enumerate() {
            if is_cue(name) {
                continue;
            }
            let malformed = || Error::Param(format!("malformed feature name {name:?}"));
            let (marking, body) = [ClauseScope::Negated, ClauseScope::Background]
                .into_iter()
                .find_map(|scope| Some((scope, name.strip_prefix(scope.word_prefix())?)))
                .unwrap_or((ClauseScope::Main, name));
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
                unigrams.push((ids[0], marking, i as u32));
            } else if marking == ClauseScope::Main {
                if len == 2 {
                    bigrams.push((ids[0], ids[1], i as u32));
                }
                self.ngrams.insert(ngram_key(&ids[..len]), i as u32);
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
                 hold ({}); a model needs fewer (train it with a lower --max-features, or with \
                 smaller lexicons)",
                self.terms.len(),
                1u32 << KEY_ID_BITS
            )));
        }
        self.term_table
            .resize(self.terms.len(), TermEntry::default());
        for (term, marking, feature) in unigrams {
            self.term_table[term as usize].unigram[marking as usize] = feature;
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
    pub(super) fn add_cue_features(
        &mut self,
        lexicons: &Lexicons,
        id: impl Fn(&str) -> Option<u32>,
    ) {
        self.group_counts = self
            .groups
            .iter()
            .map(|g| ClauseScope::ALL.map(|scope| id(&cue_name::lexicon_count(g, scope))))
            .collect();
        self.hits = self
            .groups
            .iter()
            .map(|g| {
                lexicons.groups[g]
                    .iter()
                    .map(|phrase| id(&cue_name::lexicon_hit(g, phrase)))
                    .collect()
            })
            .collect();
        self.verb_class = self
            .groups
            .iter()
            .map(|g| cue_name::verb_class(g).and_then(|name| id(&name)))
            .collect();
        self.quote = id(cue_name::QUOTE);
        self.start_quote = id(cue_name::START_QUOTE);
        self.question = id(cue_name::QUESTION);
    }
}

/// For items sorted by term id (`sorted_terms[i]` is item `i`'s term), the range of items
/// each term `0..n` owns.
pub(super) fn ranges_by_term(sorted_terms: &[u32], n: usize) -> Vec<[u32; 2]> {
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
pub(super) fn remap_ngram_key(key: u64, map: impl Fn(u32) -> u32) -> u64 {
    let len = (key >> 62) as usize;
    let mut ids = [0u32; 3];
    for (i, id) in ids.iter_mut().enumerate().take(len) {
        let shift = KEY_ID_BITS * (2 - i as u32);
        *id = map(((key >> shift) & ((1 << KEY_ID_BITS) - 1)) as u32);
    }
    ngram_key(&ids[..len])
}

/// Bits per term id in an n-gram key.
pub(super) const KEY_ID_BITS: u32 = 20;

/// An n-gram as one integer: its length in the top two bits, then up to three term ids of
/// [`KEY_ID_BITS`] each (ids of a loaded model are far fewer than 2^20;
/// `Index::add_word_features`, which `from_spec` calls, checks). Bigrams and trigrams are
/// found by key; single words, the only ones negation marks, by term id
/// (`TermEntry::unigram`).
pub(super) fn ngram_key(ids: &[u32]) -> u64 {
    let mut key = (ids.len() as u64) << 62;
    for (i, &id) in ids.iter().enumerate() {
        key |= (id as u64) << (KEY_ID_BITS * (2 - i as u32));
    }
    key
}
