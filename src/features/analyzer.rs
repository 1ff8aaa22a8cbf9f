//! The per-sentence hot path: tokenising with negation and background scopes, then naming
//! (fitting) or numbering (prediction) the sentence's features.

use rustc_hash::FxHashMap;

use super::index::{ClauseScope, Index, NO_FEATURE, cue_name};
use unicode_segmentation::UnicodeSegmentation;

use super::words::{LatinWords, Stemmer, is_fast_alphabet, term_form, unify_marks_into};
use super::{FeatureConfig, Featurizer, SparseVec, UNKNOWN_TERM, intern};

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
        // Longer than any keyword below: plain.
        const MAX_KEYWORD_BYTES: usize = 12;
        if bytes.len() > MAX_KEYWORD_BYTES {
            return WordKind::Plain;
        }
        let mut buf = [0u8; MAX_KEYWORD_BYTES];
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
pub(super) struct Tok {
    pub(super) term: u32,
    /// In a negation scope.
    pub(super) negated: bool,
    /// In a background clause.
    pub(super) background: bool,
    /// A clause boundary (punctuation) separates this token from the previous one.
    pub(super) boundary_before: bool,
}

/// Where the tokeniser is within a sentence: the open scopes (negation, background clause),
/// what came just before, and the options that decide marking.
struct TokenizerState {
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
    pub(super) fn new(featurizer: &'a Featurizer, growing: bool) -> Self {
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
            not_term: UNKNOWN_TERM,
            ent_term: UNKNOWN_TERM,
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
            let id = intern(&mut self.grown_terms, &stem).unwrap_or(UNKNOWN_TERM);
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
                .unwrap_or(UNKNOWN_TERM)
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
        let mut state = TokenizerState {
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
                self.add_segment(seg, &mut state, &mut shape);
            }
        } else {
            for seg in normal.split_word_bounds() {
                self.add_segment(seg, &mut state, &mut shape);
            }
        }
        self.normal = buffer;
        shape
    }

    /// Adds one segment of a sentence (a word, or punctuation that may close a scope) to
    /// `self.toks`.
    #[inline(always)]
    fn add_segment(&mut self, seg: &str, state: &mut TokenizerState, shape: &mut Shape) {
        let first = seg.chars().next().unwrap_or(' ');
        if !first.is_alphanumeric() {
            if first.is_whitespace() || first == '-' {
                return;
            }
            // Straight and curly apostrophes are one mark once unified, so a `'` straight
            // after a word is taken for a plural possessive, not a closing quote: British copy
            // quotes with single marks, and "the Workers' party" carries no quotation.
            if first == '"' || (first == '\'' && seg.as_ptr() as usize != state.word_end) {
                shape.quote = true;
                state.opening = true;
            }
            if first == ':' {
                state.opening = true;
            }
            if matches!(
                first,
                ',' | ';' | ':' | '.' | '!' | '?' | '(' | ')' | '[' | ']' | '"' | '—'
            ) {
                state.negated = false;
                state.background = false;
                state.boundary = true;
            }
            return;
        }
        let info = self.word(seg);
        let kind = info.kind;
        let phrase_negator = matches!(
            (state.prev, kind),
            (WordKind::Refuse, WordKind::To) | (WordKind::Rule, WordKind::Out)
        );
        if kind == WordKind::But {
            state.negated = false;
            state.background = false;
        }
        let term = if info.contraction {
            self.not_term
        } else if state.mask_names && !state.opening && info.name_shape {
            self.ent_term
        } else {
            info.term
        };
        self.toks.push(Tok {
            term,
            negated: state.negated && state.negation,
            background: state.background,
            boundary_before: state.boundary,
        });
        state.boundary = false;
        state.opening = false;
        state.word_end = seg.as_ptr() as usize + seg.len();
        if kind == WordKind::Negator || phrase_negator {
            state.negated = true;
        }
        if kind == WordKind::Background {
            state.background = true;
        }
        state.prev = kind;
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
                Event::Ngram(window, marking) => {
                    let feature = index.ngram_feature(window, marking);
                    if feature != NO_FEATURE {
                        count_hit(feature, scratch, hits);
                        ngram_hits = hits.len();
                    }
                }
                Event::Lexicon {
                    group,
                    phrase,
                    scope,
                } => {
                    group_counts[group][scope as usize] += 1.0;
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
    pub(super) fn candidate_feature_names(&mut self, text: &str, names: &mut Vec<String>) {
        let shape = self.tokenize(text);
        let f = self.featurizer;
        let index = &f.index;
        let by_id = &self.grown_names;
        visit(&self.toks, index, &f.spec.config, |event| match event {
            Event::Ngram(window, marking) => {
                let words: Vec<&str> = window
                    .iter()
                    .map(|t| by_id[t.term as usize].as_str())
                    .collect();
                let prefix = if window.len() == 1 {
                    marking.word_prefix()
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
                names.push(cue_name::lexicon_count(name, scope));
                names.push(cue_name::lexicon_hit(
                    name,
                    &f.spec.lexicons.groups[name][phrase],
                ));
            }
            Event::Verb(group) => names.extend(cue_name::verb_class(&index.groups[group])),
        });
        if f.spec.config.structure {
            for (on, name) in [
                (shape.quote, cue_name::QUOTE),
                (shape.start_quote, cue_name::START_QUOTE),
                (shape.question, cue_name::QUESTION),
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
    Ngram(&'t [Tok], ClauseScope),
    /// A lexicon phrase hit, with the clause it sits in.
    Lexicon {
        group: usize,
        phrase: usize,
        scope: ClauseScope,
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
            if window.iter().any(|t| t.term == UNKNOWN_TERM)
                || window[1..].iter().any(|t| t.boundary_before)
            {
                break;
            }
            emit(Event::Ngram(window, ClauseScope::of_word(tok, config)));
        }
    }
    if !(config.lexicons || config.structure) {
        return;
    }
    let mut verb_found = false;
    // Lexicon matches inside a longer one are part of that phrase, not cues of their own:
    // `escalate` in "de-escalate" (which fired hostility in a conciliatory sentence), `ties`
    // in "cut ties", `held` in "held talks". Of the matches at one token only the longest
    // count, and only if they reach past the end of every earlier match (`covered_to`).
    let mut covered_to = 0;
    for (start, tok) in toks.iter().enumerate() {
        let mut longest = 0;
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
            } else if ids.len() >= longest && end > covered_to {
                // Phrases sharing a first word come longest first (see `Featurizer::growing`),
                // so the first match is the longest; later ones count only if as long (the same
                // words in another group).
                longest = ids.len();
                if config.lexicons {
                    emit(Event::Lexicon {
                        group: *group,
                        phrase: *phrase,
                        scope: ClauseScope::of(tok),
                    });
                }
            }
        }
        covered_to = covered_to.max(start + longest);
    }
}

/// `1 + ln(tf)`, with the common small counts (a word once, "the" twice) from a table.
pub(super) fn sublinear_tf(count: f32) -> f32 {
    const TABLE: [f32; 4] = [f32::NEG_INFINITY, 1.0, 1.693_147_2, 2.098_612_3];
    match count as usize {
        n @ 1..=3 if n as f32 == count => TABLE[n],
        _ => 1.0 + count.ln(),
    }
}

/// `ln(1 + count)` for cue counts, with the common small counts from a table.
pub(super) fn log_count(count: f32) -> f32 {
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
