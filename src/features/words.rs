//! Words: UAX #29 word boundaries (with a fast path for Latin text), quote and dash
//! unification, number shapes and stemming.

use std::borrow::Cow;

use unicode_segmentation::UnicodeSegmentation;

/// Terms of a lexicon phrase, tokenised and stemmed like sentence text.
pub(super) fn phrase_terms(phrase: &str, stemmer: &Stemmer) -> Vec<String> {
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
pub(super) fn term_form(word: &str, stemmer: &Stemmer) -> String {
    let lower = word.to_lowercase();
    stemmer.stem(&number_shape(&lower)).into_owned()
}

/// Unicode word boundaries (UAX #29) of a text: words, and single punctuation characters.
///
/// Almost all news text is ASCII once quotes and dashes are normalised, apart from accented Latin
/// letters in names ("António Guterres", "Erdoğan", "Sánchez") and the em dash. For that alphabet
/// the UAX #29 rules reduce to a few byte tests, which run several times faster than the general
/// tables. The fast path gives the same words and punctuation as `unicode-segmentation` (tested
/// below, exhaustively for the non-ASCII characters it takes) but skips white space, which no
/// caller looks at. Any other text takes the general path.
pub fn word_bounds(text: &str) -> impl Iterator<Item = &str> {
    let simple = is_fast_alphabet(text);
    let fast = simple.then_some(LatinWords { text, pos: 0 });
    let slow = (!simple).then(|| text.split_word_bounds());
    fast.into_iter().flatten().chain(slow.into_iter().flatten())
}

/// Whether every character of the text is one [`LatinWords`] segments correctly: ASCII,
/// a letter of Latin-1 Supplement or Latin Extended-A/B (U+00C0 to U+024F, but not `×` and
/// `÷`), or the em dash.
pub(super) fn is_fast_alphabet(text: &str) -> bool {
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
pub(super) struct LatinWords<'a> {
    pub(super) text: &'a str,
    pub(super) pos: usize,
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

pub(super) struct Stemmer(Option<rust_stemmers::Stemmer>);

impl Stemmer {
    pub(super) fn new(enabled: bool) -> Self {
        Stemmer(enabled.then(|| rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English)))
    }

    pub(super) fn stem<'a>(&self, word: &'a str) -> Cow<'a, str> {
        match &self.0 {
            Some(s) if !word.starts_with('<') => s.stem(word),
            _ => Cow::Borrowed(word),
        }
    }
}

/// Unifies quotes and dashes, so that `“`, `”` and `"` (or `’` and `'`) are the same to
/// everything downstream, but keeps letter case (appends to `out`).
pub(super) fn unify_marks_into(text: &str, out: &mut String) {
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
pub(super) fn number_shape(word: &str) -> Cow<'_, str> {
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
