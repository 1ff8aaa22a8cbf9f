//! Cue lexicons: the word lists (`data/lexicons/*.txt`) whose hits become features.

use std::collections::BTreeMap;
use std::path::Path;

use rustc_hash::FxHashSet;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::source::{MAX_LEXICON_BYTES, read_whole};

/// Named word lists (cooperation, hostility, ...) whose hits become features.
///
/// Group names starting with `verbs_` are reporting-verb classes (`verbs_hostile` gives the
/// feature `#verb:hostile`); the others are cue lexicons.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lexicons {
    /// Group name (file stem, e.g. `hostility`) -> its phrases, lower-cased.
    pub groups: BTreeMap<String, Vec<String>>,
}

/// The lexicons shipped in `data/lexicons/`, compiled in so that the library works anywhere.
const BUILTIN_LEXICONS: &[(&str, &str)] = &[
    ("analysis", include_str!("../../data/lexicons/analysis.txt")),
    (
        "cooperation",
        include_str!("../../data/lexicons/cooperation.txt"),
    ),
    ("derision", include_str!("../../data/lexicons/derision.txt")),
    ("hedge", include_str!("../../data/lexicons/hedge.txt")),
    (
        "hostility",
        include_str!("../../data/lexicons/hostility.txt"),
    ),
    (
        "verbs_appeal",
        include_str!("../../data/lexicons/verbs_appeal.txt"),
    ),
    (
        "verbs_hostile",
        include_str!("../../data/lexicons/verbs_hostile.txt"),
    ),
    (
        "verbs_neutral",
        include_str!("../../data/lexicons/verbs_neutral.txt"),
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

    /// Reads every `*.txt` file (`.TXT` too) of a directory as a lexicon named after the
    /// file.
    ///
    /// Returns an error if the directory cannot be read, a file is not UTF-8, an entry holds
    /// no letter or digit (`!!!`, which can never match), a file's name holds `:` or a
    /// control character (the name goes into feature names such as
    /// `#lex:NAME:sub`, so `x:sub.txt` would clash with `x.txt`), two files name one lexicon
    /// (`x.txt`, `x.TXT`), or no `*.txt` file is found.
    pub fn from_dir(dir: &Path) -> Result<Self> {
        let name = crate::source::path_name(dir);
        let entries = std::fs::read_dir(dir).map_err(|e| crate::source::open_error(&name, e))?;
        let mut groups = BTreeMap::new();
        // Lexicon names and the files they came from: `x.txt` and `x.TXT` would be one.
        let mut seen_stems = std::collections::HashMap::new();
        for entry in entries {
            let path = entry.map_err(|e| Error::io(&name, e))?.path();
            // Only regular files (or links to them): opening a named pipe called `x.txt`
            // would wait for a writer for ever.
            let txt = path
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("txt"));
            if !(txt && path.is_file()) {
                continue;
            }
            let file_name = crate::source::path_name(&path);
            let stem = path.file_stem().unwrap_or_default().to_string_lossy();
            check_lexicon_name(&stem, &file_name)?;
            if let Some(other) = seen_stems.insert(stem.to_string(), file_name.clone()) {
                return Err(Error::File {
                    path: file_name,
                    message: format!(
                        "names the same lexicon as {other} (file names differing only in the \
                         case of `.txt`); keep one of them"
                    ),
                });
            }
            groups.insert(stem.into_owned(), read_lexicon_file(&path, &file_name)?);
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

/// Refuses a lexicon file name (`stem` of the file `file_name`) that cannot name features:
/// `:` or a control character (the name goes into feature names such as `#lex:NAME:sub`, so
/// `x:sub.txt` would clash with `x.txt`).
fn check_lexicon_name(stem: &str, file_name: &str) -> Result<()> {
    if stem.contains(|c: char| c == ':' || c.is_control()) {
        return Err(Error::File {
            path: file_name.into(),
            message: "a lexicon's file name may not hold `:` or control characters, since it \
                      names the lexicon's features (`#lex:NAME`, `#lex:NAME:sub`); rename the \
                      file"
                .into(),
        });
    }
    Ok(())
}

/// Reads the lexicon file at `path` (named `file_name` in errors) into its entries (see
/// [`parse_lexicon`]). Returns an error if it is too large, not UTF-8, or has an entry with
/// no letter or digit.
fn read_lexicon_file(path: &Path, file_name: &str) -> Result<Vec<String>> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(file_name, e))?;
    let bytes = read_whole(
        file,
        file_name,
        MAX_LEXICON_BYTES,
        "a lexicon is a list of words",
    )?;
    let body = String::from_utf8(bytes).map_err(|e| Error::Data {
        path: file_name.into(),
        line: crate::source::line_of_utf8_error(&e),
        message: "not valid UTF-8 (save the lexicon as UTF-8)".into(),
    })?;
    // An entry of punctuation alone (`!!!`) holds no word for a sentence's words to meet, so
    // it would be stored in the model and never fire.
    let wordless = body.lines().enumerate().find(|(_, l)| {
        let l = l.trim().trim_start_matches('\u{FEFF}');
        !l.is_empty() && !l.starts_with('#') && !l.chars().any(char::is_alphanumeric)
    });
    if let Some((n, entry)) = wordless {
        return Err(Error::Data {
            path: file_name.into(),
            line: n as u64 + 1,
            message: format!(
                "the entry {:?} holds no letter or digit, so no sentence can match it; a \
                 lexicon entry is a word or a phrase",
                entry.trim()
            ),
        });
    }
    Ok(parse_lexicon(&body))
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
