//! Labelled sentences: the `Stance` labels and the reader for labelled CSV files.
//!
//! A labelled CSV is UTF-8 with a header row naming at least a `text` and a `label` column (in any
//! order; a `story` column and a document column, if present, group rows for cross-validation and
//! document context; other columns are ignored). The reader is strict on purpose: a typo in a label
//! or an empty sentence is reported with its file and line instead of being skipped, because a
//! silently dropped row changes a model without anyone noticing. A byte-order mark, CRLF line ends
//! and quoted fields with commas, doubled quotes or line breaks are all valid input.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::source::{
    CrlfToLf, MAX_WHOLE_FILE_BYTES, csv_error, encoding_hint, extra_fields, field_of_swallowed_row,
    header_columns, header_line_break, is_dos_eof, not_utf8, open_source, path_name,
    quote_closed_early, read_whole, record_line, repeats_header, separator_hint, strip_bom,
    unique_column,
};

/// The stance a sentence takes between the parties it talks about.
///
/// The order (alphabetical) is the column order of every probability output, and the order
/// linfa sorts classes in. `Default` is only needed by linfa's `predict` signature.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Stance {
    /// Moves a party against another: accuses, warns, threatens, sanctions, rejects.
    Adversarial,
    /// Neither: background, explanation, figures, schedules, procedure.
    #[default]
    Analytical,
    /// Moves the parties toward each other: agreements, dialogue, aid, praise, de-escalation.
    Conciliatory,
}

impl Stance {
    /// All labels, in output column order.
    pub const ALL: [Stance; 3] = [
        Stance::Adversarial,
        Stance::Analytical,
        Stance::Conciliatory,
    ];

    /// The label as written in CSV files and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Stance::Adversarial => "adversarial",
            Stance::Analytical => "analytical",
            Stance::Conciliatory => "conciliatory",
        }
    }

    /// Position of the label in [`Stance::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Stance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Stance {
    type Err = String;

    /// Parses a label, ignoring surrounding spaces and letter case.
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        let wanted = s.trim();
        Stance::ALL
            .into_iter()
            .find(|label| label.as_str().eq_ignore_ascii_case(wanted))
            .ok_or_else(|| {
                // A runaway cell (a quote left open) must not make a megabyte-long message.
                let shown: String = s.chars().take(40).collect();
                let more = if shown.len() < s.len() { "..." } else { "" };
                format!(
                    "unknown label {shown:?}{more}; expected one of: adversarial, analytical, \
                     conciliatory"
                )
            })
    }
}

/// One row of a labelled CSV.
#[derive(Debug, Clone, PartialEq)]
pub struct LabeledSentence {
    /// The sentence, as written.
    pub text: String,
    /// Its gold label.
    pub label: Stance,
    /// 1-based line of the row in its file, for error messages and reports (0 when the row
    /// was not read from a file).
    pub line: u64,
    /// The story (event, article) the sentence belongs to, from the first of the
    /// [`STORY_COLUMNS`] the file has.
    /// Cross-validation keeps a story's sentences in one fold, so that its scores measure
    /// generalisation to unseen events rather than recall of the story's vocabulary.
    pub story: Option<String>,
    /// The document (article) the sentence was taken from, from the first of the
    /// [`DOCUMENT_COLUMNS`] the file has. Consecutive rows with the same document are read
    /// as one article's sentences in order, so each is labelled in the context of its
    /// neighbours (see [`crate::context`]).
    pub document: Option<String>,
}

impl LabeledSentence {
    /// A labelled sentence that was not read from a file (`line` 0), with no story or
    /// document.
    pub fn new(text: impl Into<String>, label: Stance) -> Self {
        LabeledSentence {
            text: text.into(),
            label,
            line: 0,
            story: None,
            document: None,
        }
    }

    /// The group cross-validation keeps in one fold: the story, else the document, else
    /// none (the row is a group of its own).
    pub fn fold_group(&self) -> Option<&str> {
        self.story.as_deref().or(self.document.as_deref())
    }
}

/// Columns that name the document a labelled sentence comes from, in order of preference.
/// `article_id` and `doc_id` are what annotation exports commonly call it.
pub const DOCUMENT_COLUMNS: [&str; 4] = ["document", "article", "article_id", "doc_id"];

/// Columns that name the story (event) a labelled sentence belongs to, in order of preference.
/// (Not `event`, which annotation exports also use for an event's kind: grouping folds by
/// "protest" or "summit" would be wrong without a word.)
pub const STORY_COLUMNS: [&str; 2] = ["story", "story_id"];

/// Reads a labelled CSV file (`-` for standard input).
///
/// Returns an error if:
/// - the file cannot be read, or is a directory;
/// - it has no header, or the header lacks a `text` or `label` column;
/// - a row is short, not UTF-8, has an empty text or an unknown label (the error names the line);
/// - it has a header but no rows.
pub fn read_labelled(path: &Path) -> Result<Vec<LabeledSentence>> {
    let (name, bytes) = read_source(path)?;
    read_labelled_from(&bytes, &name)
}

/// Reads a whole input file, or standard input for `-`; returns the name to use in messages
/// (`-` for standard input, as for `classify`) and the bytes.
pub fn read_source(path: &Path) -> Result<(String, Vec<u8>)> {
    if path.is_dir() {
        return Err(Error::File {
            path: path_name(path),
            message: "is a directory, expected a CSV file".into(),
        });
    }
    let (name, reader) = open_source(path)?;
    let advice = "a labelled CSV is read whole; split it into smaller files";
    let bytes = read_whole(reader, &name, MAX_WHOLE_FILE_BYTES, advice)?;
    Ok((name, bytes))
}

/// Reads a labelled CSV held in memory; `name` is used in error messages.
pub fn read_labelled_from(data: &[u8], name: &str) -> Result<Vec<LabeledSentence>> {
    if let Some(message) = encoding_hint(data) {
        return Err(Error::File {
            path: name.into(),
            message,
        });
    }
    // Reported once the rows up to its line have parsed: a quote left open earlier in the
    // row looks like one closed early too, and the row's own message says more.
    let mut closed_early = quote_closed_early(strip_bom(data));
    let mut report_closed_early = |before_line: u64| match closed_early.take() {
        Some((line, message)) if line < before_line => Err(Error::Data {
            path: name.into(),
            line,
            message,
        }),
        pending => {
            closed_early = pending;
            Ok(())
        }
    };
    // Line numbers as an editor shows them, for CRLF files and after blank lines too.
    let mut csv = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(CrlfToLf::new(data));
    let headers = csv.byte_headers().map_err(|e| csv_error(name, e))?.clone();
    if headers.is_empty() || (headers.len() == 1 && headers[0].is_empty()) {
        return Err(Error::File {
            path: name.into(),
            message: "file is empty, expected a header row with `text` and `label` columns".into(),
        });
    }
    if let Some(message) = header_line_break(&headers) {
        return Err(Error::Data {
            path: name.into(),
            line: 1,
            message,
        });
    }
    let columns = LabelledColumns::find(&headers, name)?;
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        let more = csv
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(name, e))?;
        if !more {
            break;
        }
        // (Asked for every row, so the line ends read so far are let go of.)
        let line = record_line(&mut csv, &record);
        report_closed_early(line)?;
        // A row of empty cells (`,,`: a spreadsheet's blank rows below the data) holds
        // nothing to lose.
        if record.iter().all(|cell| cell.trim_ascii().is_empty()) {
            continue;
        }
        if is_dos_eof(&record) {
            continue;
        }
        let row = columns
            .parse_row(&record, &headers, line)
            .map_err(|message| Error::Data {
                path: name.into(),
                line,
                message,
            })?;
        rows.push(row);
    }
    report_closed_early(u64::MAX)?;
    if rows.is_empty() {
        return Err(Error::File {
            path: name.into(),
            message: "has a header but no rows".into(),
        });
    }
    Ok(rows)
}

/// Where a labelled CSV keeps what [`read_labelled_from`] reads.
struct LabelledColumns {
    text: usize,
    label: usize,
    story: Option<usize>,
    /// The first of [`DOCUMENT_COLUMNS`] present.
    document: Option<usize>,
    /// The columns no field of which may run over several lines: label and ids.
    single_line: Vec<usize>,
    /// Whether the file is `stance classify --format csv` output (see [`predictions_note`]).
    predictions: bool,
}

impl LabelledColumns {
    /// Finds the columns in the header. `text` and `label` are required, and no column may be
    /// named twice: the wrong `story` could be used to keep stories apart in cross-validation.
    fn find(headers: &csv::ByteRecord, name: &str) -> Result<Self> {
        let text = unique_column(headers, "text", name)?
            .ok_or_else(|| missing_column(name, "text", headers))?;
        let label = unique_column(headers, "label", name)?
            .ok_or_else(|| missing_column(name, "label", headers))?;
        let first_of = |columns: &[&str]| -> Result<Option<usize>> {
            for column in columns {
                if let Some(c) = unique_column(headers, column, name)? {
                    return Ok(Some(c));
                }
            }
            Ok(None)
        };
        let story = first_of(&STORY_COLUMNS)?;
        let document = first_of(&DOCUMENT_COLUMNS)?;
        let single_line = [Some(label), story, document]
            .into_iter()
            .flatten()
            .collect();
        Ok(LabelledColumns {
            text,
            label,
            story,
            document,
            single_line,
            predictions: is_classify_output(headers),
        })
    }

    /// One row as a labelled sentence, or what is wrong with it.
    fn parse_row(
        &self,
        record: &csv::ByteRecord,
        headers: &csv::ByteRecord,
        line: u64,
    ) -> std::result::Result<LabeledSentence, String> {
        let (text_col, label_col) = (self.text, self.label);
        if let Some(message) = open_quote(record, headers, text_col, label_col, &self.single_line) {
            return Err(message);
        }
        if repeats_header(record, headers) {
            return Err(
                "this row repeats the header row; were two CSV files joined (`cat a.csv \
                        b.csv`)? keep only the first file's header"
                    .into(),
            );
        }
        let needed = text_col.max(label_col) + 1;
        if record.len() < needed {
            return Err(format!(
                "row has {} field(s), expected at least {needed} (text in column {}, label in column {})",
                record.len(),
                text_col + 1,
                label_col + 1
            ));
        }
        if let Some(message) = extra_fields(record, headers.len()) {
            return Err(message);
        }
        let text = std::str::from_utf8(&record[text_col])
            .map_err(|e| not_utf8("text", &record[text_col], e))?;
        let label = std::str::from_utf8(&record[label_col])
            .map_err(|e| not_utf8("label", &record[label_col], e))?;
        if text.trim().is_empty() {
            return Err("empty text".into());
        }
        if text.len() > MAX_TEXT_BYTES {
            return Err(format!(
                "text is {} KiB long; a labelled row holds a sentence or a passage (at most {} KiB)",
                text.len() >> 10,
                MAX_TEXT_BYTES >> 10
            ));
        }
        let label = label
            .parse::<Stance>()
            .map_err(|message| match self.predictions {
                true => in_classify_output(message, label),
                false => message,
            })?;
        // Story and document ids decide the folds; one replaced or dropped would let a
        // story's sentences into two folds without a word.
        let optional = |col: Option<usize>| -> std::result::Result<Option<String>, String> {
            let Some((c, value)) = col.and_then(|c| Some((c, record.get(c)?))) else {
                return Ok(None);
            };
            let value = std::str::from_utf8(value).map_err(|e| {
                let column = String::from_utf8_lossy(&headers[c]);
                not_utf8(&format!("column `{}`", column.trim()), value, e)
            })?;
            let value = value.trim();
            Ok((!value.is_empty()).then(|| value.to_string()))
        };
        Ok(LabeledSentence {
            text: text.to_string(),
            label,
            line,
            story: optional(self.story)?,
            document: optional(self.document)?,
        })
    }
}

/// Longest text of one labelled row: far beyond any sentence or passage (a long news article
/// is 50 KiB). Fitting keeps every n-gram of a text, so a runaway cell (a whole file pasted
/// into one field) would cost memory many times its size.
const MAX_TEXT_BYTES: usize = 1 << 20;

/// Why a row looks like the work of a double quote left open, if it does. An open quote
/// makes the reader take the rest of its row and the rows that follow as one field, and the
/// file would otherwise lose them without a word:
/// - a label or id field (the columns in `single_line`) runs over several lines, which none
///   ever does;
/// - another field does, and one of its lines holds a label where a row of this file has it:
///   among the fields before the text, counted from the start, or after it, counted from
///   the end. Any column but the label may hold several lines (a quoted comment, a whole
///   article), but rarely a label word there.
fn open_quote(
    record: &csv::ByteRecord,
    headers: &csv::ByteRecord,
    text_col: usize,
    label_col: usize,
    single_line: &[usize],
) -> Option<String> {
    let hint = "is a double quote left open?";
    for (i, field) in record.iter().enumerate() {
        // A line break at a cell's end (Alt+Enter in a spreadsheet) is trimmed like a space.
        if !field.trim_ascii().contains(&b'\n') {
            continue;
        }
        let column = headers
            .get(i)
            .map(String::from_utf8_lossy)
            .unwrap_or_default();
        let column = crate::terminal::one_line(column.trim()).into_owned();
        let swallowed = std::str::from_utf8(field)
            .ok()
            .and_then(|f| swallowed_row(f, text_col, label_col, headers.len()));
        match (single_line.contains(&i), swallowed) {
            (true, _) => {
                return Some(format!(
                    "the `{column}` field runs over several lines; {hint}"
                ));
            }
            (false, Some(n)) => {
                return Some(format!(
                    "the `{column}` field runs over several lines, and its line {n} has a label \
                     where a row of this file has it; {hint}"
                ));
            }
            (false, None) => {}
        }
    }
    None
}

/// The line (1-based, within `text`) of a multi-line text that holds a label where a row
/// does (see [`open_quote`]).
fn swallowed_row(text: &str, text_col: usize, label_col: usize, columns: usize) -> Option<usize> {
    if !text.contains('\n') {
        return None;
    }
    text.lines().enumerate().find_map(|(i, line)| {
        let label = field_of_swallowed_row(line, label_col, text_col, columns)?;
        label.parse::<Stance>().is_ok().then_some(i + 1)
    })
}

/// The note for a labelled CSV that is `stance classify --format csv` output (its header opens
/// with [`crate::report::CSV_COLUMNS`]), if `bytes` is one: its `label` column holds a model's
/// predictions, so evaluating on it scores a model against itself (the shipped model "scored"
/// 0.966 on its own output for the test set), and training on it learns a model's guesses.
pub fn predictions_note(bytes: &[u8], name: &str) -> Option<String> {
    let header = strip_bom(bytes).split(|&b| b == b'\n').next()?;
    let names: Vec<&[u8]> = header.trim_ascii_end().split(|&b| b == b',').collect();
    is_classify_output(&csv::ByteRecord::from(names))
        .then(|| format!("{name}: {CLASSIFY_OUTPUT} {INPUT_LABELS}"))
}

/// Whether a header is that of `stance classify --format csv` output: it opens with
/// [`crate::report::CSV_COLUMNS`].
fn is_classify_output(headers: &csv::ByteRecord) -> bool {
    headers.len() >= crate::report::CSV_COLUMNS.len()
        && headers
            .iter()
            .zip(crate::report::CSV_COLUMNS)
            .all(|(name, ours)| strip_bom(name) == ours.as_bytes())
}

/// What a labelled CSV that is classify's output holds, said in [`predictions_note`] after a
/// read and in the error for a label it cannot read (`uncertain`, which classify writes under
/// --min-confidence), where the note would never come.
const CLASSIFY_OUTPUT: &str = "this is `stance classify --format csv` output: its `label` \
                               column holds a model's predictions, not gold labels";
const INPUT_LABELS: &str = "(the input's own labels, if it had any, are in `input_label`)";

/// `message`, the error for the unreadable label `label` of a file that is classify's output,
/// with why such a file has such labels.
fn in_classify_output(message: String, label: &str) -> String {
    let uncertain = match label.trim().eq_ignore_ascii_case("uncertain") {
        true => ", and `uncertain` marks sentences under --min-confidence",
        false => "",
    };
    format!("{message}; {CLASSIFY_OUTPUT}{uncertain} {INPUT_LABELS}")
}

/// Why these rows cannot train a model, if they cannot: training needs at least two
/// different labels.
pub fn too_few_labels(rows: &[LabeledSentence]) -> Option<String> {
    let counts = label_counts(rows);
    if counts.iter().filter(|&&c| c > 0).count() >= 2 {
        return None;
    }
    let only = Stance::ALL
        .into_iter()
        .find(|l| counts[l.index()] > 0)
        .map_or("none", |l| l.as_str());
    Some(format!(
        "training needs at least two different labels, found only {only}"
    ))
}

/// Counts sentences per label, in [`Stance::ALL`] order.
pub fn label_counts(rows: &[LabeledSentence]) -> [usize; 3] {
    count_labels(rows.iter().map(|r| r.label))
}

/// Counts labels, in [`Stance::ALL`] order: the one tally every per-label figure (shares,
/// priors, fold balance, the majority baseline) starts from.
pub fn count_labels(labels: impl IntoIterator<Item = Stance>) -> [usize; 3] {
    let mut counts = [0; 3];
    for label in labels {
        counts[label.index()] += 1;
    }
    counts
}

/// Texts written in more than one row: how many, and the first with the lines of its first
/// two rows. Under more than one label ([`conflicting_labels`]) training cannot fit both, and
/// a file full of them (one text labelled three ways) trains a model that gives 1/3 to
/// everything without a word; under one label ([`copied_texts`]) they weigh double.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatedTexts {
    /// Distinct texts repeated.
    pub texts: usize,
    /// The rows they fill.
    pub rows: usize,
    /// The first such text, in file order.
    pub example: String,
    /// The lines of its first row and of its first repeat.
    pub lines: (u64, u64),
}

/// Which repeats of a text [`repeated_texts`] looks for.
#[derive(Clone, Copy, PartialEq)]
enum Repeat {
    /// A later row with another label.
    OtherLabel,
    /// A later row with the same label.
    SameLabel,
}

/// The texts of `rows` labelled more than one way (compared after trimming), if any; `lines`
/// are those of a text's first row and its first row with another label.
pub fn conflicting_labels(rows: &[LabeledSentence]) -> Option<RepeatedTexts> {
    repeated_texts(rows, Repeat::OtherLabel)
}

/// The texts of `rows` written more than once under the same label (compared after
/// trimming), if any; `lines` are those of a text's first row and its first copy. Copies
/// weigh a sentence twice in training; cross-validation keeps them in one fold (see
/// [`crate::tune::fold_units`]).
pub fn copied_texts(rows: &[LabeledSentence]) -> Option<RepeatedTexts> {
    repeated_texts(rows, Repeat::SameLabel)
}

/// The notes `stance train` prints on the repeated texts of `rows`, read from the file
/// `name`: texts labelled more than one way, which no model can tell apart, and texts written
/// more than once (an export pasted in twice), which weigh double in training.
pub fn repetition_notes(name: &str, rows: &[LabeledSentence]) -> Vec<String> {
    let conflicts = conflicting_labels(rows).map(|c| {
        (
            c,
            "appear under more than one label",
            "no model can tell such rows apart",
        )
    });
    let copies = copied_texts(rows).map(|c| {
        let why = "each copy weighs in training; cross-validation puts a copy in the fold of \
                   its text's first row, unless it has a story or document id of its own";
        (c, "are written more than once under one label", why)
    });
    conflicts
        .into_iter()
        .chain(copies)
        .map(|(c, what, why)| {
            let example: String = c.example.chars().take(60).collect();
            format!(
                "{}: {} text(s) {what} ({} rows), such as \"{}\" at lines {} and {}; {why}",
                crate::terminal::one_line(name),
                c.texts,
                c.rows,
                crate::terminal::one_line(&example),
                c.lines.0,
                c.lines.1
            )
        })
        .collect()
}

/// The texts whose first row has a later row of the kind `repeat` names.
fn repeated_texts(rows: &[LabeledSentence], repeat: Repeat) -> Option<RepeatedTexts> {
    let mut first: std::collections::HashMap<&str, (usize, bool)> = Default::default();
    let mut example: Option<(usize, usize)> = None;
    for (i, row) in rows.iter().enumerate() {
        let entry = first.entry(row.text.trim()).or_insert((i, false));
        let other_label = rows[entry.0].label != row.label;
        if entry.0 != i && other_label == (repeat == Repeat::OtherLabel) && !entry.1 {
            entry.1 = true;
            if example.is_none() {
                example = Some((entry.0, i));
            }
        }
    }
    let (a, b) = example?;
    let repeated: std::collections::HashSet<&str> = first
        .iter()
        .filter(|(_, (_, repeated))| *repeated)
        .map(|(text, _)| *text)
        .collect();
    Some(RepeatedTexts {
        texts: repeated.len(),
        rows: rows
            .iter()
            .filter(|r| repeated.contains(r.text.trim()))
            .count(),
        example: rows[a].text.trim().to_string(),
        lines: (rows[a].line, rows[b].line),
    })
}

/// The error for a header without `column` (see [`header_columns`] and [`separator_hint`]).
fn missing_column(name: &str, column: &str, headers: &csv::ByteRecord) -> Error {
    Error::Data {
        path: name.into(),
        line: 1,
        message: format!(
            "header has no `{column}` column (a labelled CSV needs `text` and `label`){}{}",
            header_columns(headers),
            separator_hint(headers)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_under_two_labels_are_found() {
        let row = |text: &str, label, line| LabeledSentence {
            line,
            ..LabeledSentence::new(text, label)
        };
        let rows = [
            row("Talks resumed.", Stance::Analytical, 2),
            row("Troops fired.", Stance::Adversarial, 3),
            row("Talks resumed. ", Stance::Analytical, 4),
            row("Talks resumed.", Stance::Conciliatory, 5),
            row("Troops fired.", Stance::Analytical, 6),
            row("Both agreed.", Stance::Conciliatory, 7),
        ];
        // Two texts, on five rows; the first met is "Talks resumed." (lines 2 and 5).
        assert_eq!(
            conflicting_labels(&rows),
            Some(RepeatedTexts {
                texts: 2,
                rows: 5,
                example: "Talks resumed.".into(),
                lines: (2, 5),
            })
        );
        assert_eq!(conflicting_labels(&rows[..3]), None);
        // Copies under one label: "Talks resumed." at lines 2 and 4 (trimmed alike); the
        // text's third row, under another label, fills a row too.
        assert_eq!(
            copied_texts(&rows),
            Some(RepeatedTexts {
                texts: 1,
                rows: 3,
                example: "Talks resumed.".into(),
                lines: (2, 4),
            })
        );
        assert_eq!(copied_texts(&rows[..2]), None);
    }

    #[test]
    fn a_story_groups_before_a_document() {
        let mut row = LabeledSentence::new("Talks resumed.", Stance::Analytical);
        assert_eq!(row.fold_group(), None);
        row.document = Some("a1".into());
        assert_eq!(row.fold_group(), Some("a1"));
        row.story = Some("s1".into());
        assert_eq!(row.fold_group(), Some("s1"));
    }

    #[test]
    fn swallowed_rows_are_found_on_any_line_of_a_multi_line_text() {
        // `text,label`: a swallowed row's label is its last field.
        let text_label = |t| swallowed_row(t, 0, 1, 2);
        assert_eq!(text_label("He said no.,adversarial\nLater."), Some(1));
        assert_eq!(text_label("He said no.\n\"B.\", Conciliatory "), Some(2));
        // One line is a sentence, whatever it holds; several lines without a label field
        // are a text with line breaks.
        assert_eq!(text_label("Calm, analytical, measured."), None);
        assert_eq!(text_label("First line,\nsecond line."), None);
        // A label word that opens a line is not where a row has its label.
        assert_eq!(
            text_label("Observers called it measured,\nanalytical, and calm."),
            None
        );
        // `label,text`: the label comes first.
        let label_text = |t| swallowed_row(t, 1, 0, 2);
        assert_eq!(
            label_text("He said no.\nanalytical,Talks resumed."),
            Some(2)
        );
        assert_eq!(label_text("He said, no.\nand then, analytical"), None);
    }

    fn read(s: &[u8]) -> Result<Vec<LabeledSentence>> {
        read_labelled_from(s, "t.csv")
    }

    /// A DOS end-of-file mark (Ctrl-Z) after the last row used to fail as "row has 1
    /// field(s), expected at least 2". It is skipped, also when a row follows it.
    #[test]
    fn a_dos_end_of_file_mark_is_no_row() {
        let rows = read(b"text,label\r\nTalks.,analytical\r\nWar.,adversarial\r\n\x1a").unwrap();
        assert_eq!(rows.len(), 2);
        let rows = read(b"text,label\nTalks.,analytical\n\x1a\nWar.,adversarial\n").unwrap();
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
    }

    #[test]
    fn parses_labels_case_insensitively() {
        assert_eq!(" Adversarial ".parse(), Ok(Stance::Adversarial));
        assert_eq!("analytical".parse(), Ok(Stance::Analytical));
        let err = "friendly".parse::<Stance>().unwrap_err();
        assert!(
            err.contains("friendly") && err.contains("conciliatory"),
            "{err}"
        );
    }

    #[test]
    fn accepts_bom_crlf_quotes_and_extra_columns() {
        let data = "\u{FEFF}id,label,text\r\n1,conciliatory,\"Both sides, at last, \"\"agreed\"\".\"\r\n2,adversarial,\"A line\nbreak.\"\r\n";
        let rows = read(data.as_bytes()).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].text, "Both sides, at last, \"agreed\".");
        assert_eq!(rows[0].label, Stance::Conciliatory);
        assert_eq!(rows[1].text, "A line\nbreak.");
        assert_eq!((rows[0].line, rows[1].line), (2, 3));
    }

    #[test]
    fn line_numbers_count_blank_lines_and_line_breaks_in_fields() {
        // Lines as an editor shows them, for LF and CRLF files alike.
        for (input, line) in [
            (&b"text,label\r\n\r\nA.,friendly\r\n"[..], "line 3:"),
            (b"text,label\n\n\nA.,friendly\n", "line 4:"),
            (
                b"text,label\r\n\"multi\r\nline\",analytical\r\nB.,friendly\r\n",
                "line 4:",
            ),
            (
                b"text,label\nA.,analytical\n\n\"x\ny\",analytical\n\nB.,friendly",
                "line 7:",
            ),
        ] {
            let err = read(input).unwrap_err().to_string();
            assert!(err.contains(line), "{input:?}: {err}");
        }
    }

    #[test]
    fn table_of_bad_inputs() {
        // (input, fragment the message must contain)
        let cases: &[(&[u8], &str)] = &[
            (b"", "empty"),
            (b"text,label\n", "no rows"),
            (b"sentence,label\nA.,analytical\n", "no `text` column"),
            (b"text,stance\nA.,analytical\n", "no `label` column"),
            (
                b"text,label\nA.,friendly\n",
                "line 2: unknown label \"friendly\"",
            ),
            (b"text,label\n  ,analytical\n", "line 2: empty text"),
            (
                b"text,label\nA.,analytical\nB.\n",
                "line 3: row has 1 field",
            ),
            (
                b"text,label\n\xff\xfe,analytical\n",
                "line 2: text is not UTF-8: byte 0xFF at its start",
            ),
        ];
        for (input, fragment) in cases {
            let err = read(input).unwrap_err().to_string();
            assert!(err.contains(fragment), "{input:?}: {err}");
            assert!(err.starts_with("t.csv"), "{err}");
        }
    }

    proptest::proptest! {
        /// Arbitrary bytes give rows or an error, never a panic; rows are never empty.
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let mut input = b"text,label\n".to_vec();
            input.extend(bytes);
            if let Ok(rows) = read(&input) {
                proptest::prop_assert!(rows.iter().all(|r| !r.text.trim().is_empty()));
            }
        }

        #[test]
        fn arbitrary_text_rows_round_trip(texts in proptest::collection::vec("\\PC{1,40}", 1..8)) {
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(["text", "label"]).unwrap();
            for t in &texts {
                w.write_record([t.as_str(), "analytical"]).unwrap();
            }
            let bytes = w.into_inner().unwrap();
            match read(&bytes) {
                Ok(rows) => {
                    let got: Vec<&str> = rows.iter().map(|r| r.text.as_str()).collect();
                    let want: Vec<&str> = texts.iter().map(String::as_str).collect();
                    proptest::prop_assert_eq!(got, want);
                }
                Err(e) => proptest::prop_assert!(texts.iter().any(|t| t.trim().is_empty()), "{}", e),
            }
        }
    }

    #[test]
    fn reads_the_first_document_column_present() {
        let rows =
            read(b"text,label,article_id,doc_id\nA.,analytical,a1,x\nB.,analytical, ,y\n").unwrap();
        assert_eq!(rows[0].document.as_deref(), Some("a1"));
        assert_eq!(rows[1].document, None, "blank ids are no document");
        let rows = read(b"text,label\nA.,analytical\n").unwrap();
        assert_eq!(rows[0].document, None);
    }

    #[test]
    fn reads_optional_story_column() {
        let rows = read(b"text,label,story\nA.,analytical,s1\nB.,analytical,\n").unwrap();
        assert_eq!(rows[0].story.as_deref(), Some("s1"));
        assert_eq!(rows[1].story, None);
        let rows = read(b"text,label\nA.,analytical\n").unwrap();
        assert_eq!(rows[0].story, None);
        // `story_id` too (it used to be ignored without a word, so folds split stories), and
        // `story` first when both are there.
        let rows = read(b"text,label,story_id\nA.,analytical,s1\n").unwrap();
        assert_eq!(rows[0].story.as_deref(), Some("s1"));
        let rows = read(b"text,label,story_id,story\nA.,analytical,s1,s2\n").unwrap();
        assert_eq!(rows[0].story.as_deref(), Some("s2"));
    }

    #[test]
    fn counts_labels() {
        let rows = read(b"text,label\nA.,analytical\nB.,analytical\nC.,adversarial\n").unwrap();
        assert_eq!(label_counts(&rows), [1, 2, 0]);
    }
}
