//! Documents to classify: plain-text files (or directories of `*.txt`), standard input, or the
//! rows of CSV or JSON Lines files (or directories of `*.csv`, `*.jsonl`), each row one
//! document.
//!
//! Documents are produced lazily, one at a time, so that a million-row file is never held in
//! memory. Columns other than the text column travel with their row to the output (an `id`,
//! a date), in the order the input had them.

use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::source::{
    CrlfToLf, ENCODING_HINT_BYTES, LineCap, csv_error, encoding_hint, extra_fields,
    field_of_swallowed_row, header_line_break, is_dos_eof, not_utf8, open_source, record_line,
    repeats_header, separator_hint, strip_bom, unique_column,
};
use sources::{drop_output_file, drop_repeats, prose_note, resolve_sources};
use text::{holds_markup, read_text};

mod sources;
mod text;

/// How input files are read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputFormat {
    /// Each file is one article.
    Text,
    /// Each CSV row is a document; the text is in the named column.
    Csv {
        /// Header of the column holding the text.
        text_column: String,
    },
    /// Each line is a JSON object; the text is in the named field.
    Jsonl {
        /// Name of the field holding the text.
        text_field: String,
    },
}

/// Extensions of CSV files, and of JSON Lines files.
const CSV_EXTENSIONS: &[&str] = &["csv"];
const JSONL_EXTENSIONS: &[&str] = &["jsonl", "ndjson"];

impl InputFormat {
    /// Extensions of the files read from a directory in this format.
    pub fn extensions(&self) -> &'static [&'static str] {
        match self {
            InputFormat::Text => &["txt"],
            InputFormat::Csv { .. } => CSV_EXTENSIONS,
            InputFormat::Jsonl { .. } => JSONL_EXTENSIONS,
        }
    }
}

/// One document to classify.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The file it came from (`-` for standard input), shared by all rows of a file.
    pub source: Arc<str>,
    /// The line of the row, for tabular input.
    pub line: Option<u64>,
    /// The document's text (an article, or a row's text column).
    pub text: String,
    /// Other columns of a tabular row, passed through to the output.
    pub fields: Vec<(Arc<str>, Value)>,
}

impl Document {
    /// How outputs name the document: the path, or `path:line` for a row.
    pub fn name(&self) -> String {
        match self.line {
            Some(line) => format!("{}:{line}", self.source),
            None => self.source.to_string(),
        }
    }
}

/// A lazily read stream of documents from several sources.
///
/// For CSV output, call [`Documents::columns`] before iterating: it reads ahead to learn the
/// pass-through columns (the first row is still handed out first). After the last document,
/// [`Documents::notes`] and [`Documents::unplaced_columns`] say what is worth a word on
/// standard error.
pub struct Documents {
    format: InputFormat,
    sources: std::vec::IntoIter<PathBuf>,
    current: Option<RowReader>,
    /// Pass-through column names, known once the first tabular source is opened (CSV) or
    /// its first row read (JSON Lines).
    columns: Columns,
    /// A row read ahead by [`Documents::columns`], handed out first.
    peeked: Option<Document>,
    /// What the user should hear about the input, though it is not an error (see
    /// [`Documents::notes`]).
    notes: Vec<String>,
    /// Documents handed out, and those of them holding HTML markup with the first's name.
    handed_out: usize,
    with_markup: (usize, Option<String>),
}

/// The reader of the tabular source being read.
enum RowReader {
    /// Boxed: its reader's buffers make it several times the size of the JSON Lines one.
    Csv(Box<CsvRows>),
    Jsonl(JsonlRows),
}

/// The pass-through columns: named by the first tabular source (or JSON object), with the
/// names met later that they lack.
#[derive(Debug, Default)]
struct Columns {
    names: Option<Vec<String>>,
    /// `names`, for lookups.
    known: rustc_hash::FxHashSet<String>,
    unplaced: std::collections::BTreeSet<String>,
}

impl Columns {
    /// Takes `names` as the columns if none are set yet; otherwise notes those not among them.
    fn meet<'n>(&mut self, names: impl Iterator<Item = &'n str>) {
        match &self.names {
            None => {
                let names: Vec<String> = names.map(String::from).collect();
                self.known = names.iter().cloned().collect();
                self.names = Some(names);
            }
            Some(_) => {
                for name in names {
                    if !self.known.contains(name) && !self.unplaced.contains(name) {
                        self.unplaced.insert(name.to_string());
                    }
                }
            }
        }
    }
}

/// Rows of one CSV source.
struct CsvRows {
    name: Arc<str>,
    reader: csv::Reader<CrlfToLf<LineCap<Box<dyn Read + Send>>>>,
    /// Index of the text column.
    text_col: usize,
    headers: Vec<Arc<str>>,
    /// Reused for every row.
    record: csv::ByteRecord,
    /// Rows read so far.
    rows: u64,
    /// Rows with fewer fields than the header, and the line of the first.
    short: (u64, u64),
    /// The first sign of a double quote left open, as a note.
    open_quote: Option<String>,
    /// For the row read last: its line and its last column, when that field runs over
    /// lines. At the end of a file that does not end with a closing quote, that is a quote
    /// never closed, which has read the rest of the file into the field.
    open_at_end: Option<(u64, Arc<str>)>,
    /// The header as written, to know it again (see [`repeats_header`]).
    header: csv::ByteRecord,
    /// Rows that repeat the header, skipped, and the line of the first.
    repeated_header: (u64, u64),
}

/// Objects of one JSON Lines source.
struct JsonlRows {
    name: Arc<str>,
    lines: io::Lines<BufReader<LineCap<Box<dyn Read + Send>>>>,
    /// Lines read so far (the current line's number, once it is read).
    line: u64,
    /// Name of the text field.
    field: String,
    /// Objects read so far.
    rows: u64,
}

impl Documents {
    /// Opens the sources: paths, directories (searched recursively, in sorted order, for the
    /// format's files, in any letter case: see [`InputFormat::extensions`]) and `-` for
    /// standard input. No paths means standard input. A file named twice (directly, through
    /// a directory or a link) is read once, with a note.
    ///
    /// Returns an error if a path does not exist, a directory cannot be read, or a directory
    /// holds no file of the format (an empty run would look like a successful one).
    pub fn open(paths: &[PathBuf], format: InputFormat) -> Result<Self> {
        // Standard input can be read once; a second `-` (or `/dev/stdin`) would be an empty
        // document.
        let stdin_names = ["-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"];
        let is_stdin = |p: &&PathBuf| stdin_names.iter().any(|s| p.as_os_str() == *s);
        if paths.iter().filter(is_stdin).count() > 1 {
            return Err(Error::Usage(
                "`-` (standard input) is named more than once (as `-` or `/dev/stdin`); it can be \
                 read only once"
                    .into(),
            ));
        }
        let mut notes = Vec::new();
        let mut sources = resolve_sources(paths, &format, &mut notes)?;
        // The output file first: a link to it is then not also "named more than once".
        if let Some(output) = drop_output_file(&mut sources, &mut notes)
            && sources.is_empty()
        {
            // `classify out.txt > out.txt`: an empty run would look like a successful one.
            return Err(Error::File {
                path: output,
                message: "this is where the output is being written (standard output), and                           there is nothing else to read"
                    .into(),
            });
        }
        drop_repeats(&mut sources, &mut notes);
        if format == InputFormat::Text {
            notes.extend(paths.iter().filter_map(|p| prose_note(p)));
        }
        Ok(Documents {
            format,
            sources: sources.into_iter(),
            current: None,
            columns: Columns::default(),
            peeked: None,
            notes,
            handed_out: 0,
            with_markup: (0, None),
        })
    }

    /// Things about the input worth a word on standard error, though not errors: a source
    /// without rows, rows shorter than their header, a text that looks as if a double quote
    /// was left open, a `.csv` file read as prose, texts holding HTML markup. Complete once
    /// the documents have all been read.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = self.notes.clone();
        if let (count, Some(first)) = &self.with_markup {
            notes.push(format!(
                "{count} of {} documents hold HTML markup (the first: {first}); tags such as \
                 `</p>` or `<br>` are not sentence breaks, and they and entities such as \
                 `&nbsp;` are read as words: strip the markup first",
                self.handed_out
            ));
        }
        notes
    }

    /// Pass-through column names, sorted, met after the first source (or JSON object) and
    /// not among its columns: CSV output has no column for them (JSON Lines output keeps
    /// them). Complete once the documents have all been read.
    pub fn unplaced_columns(&self) -> Vec<String> {
        self.columns.unplaced.iter().cloned().collect()
    }

    /// Names of the pass-through columns: the first CSV source's header, or the keys of the
    /// first JSON Lines object (read ahead, and still handed out first). Empty for plain
    /// text.
    ///
    /// Returns the error of the first source or row, if it has one.
    pub fn columns(&mut self) -> Result<Vec<String>> {
        if self.format == InputFormat::Text {
            return Ok(Vec::new());
        }
        if self.columns.names.is_none()
            && self.peeked.is_none()
            && let Some(first) = self.next_row()
        {
            self.peeked = Some(first?);
        }
        Ok(self.columns.names.clone().unwrap_or_default())
    }

    fn open_rows(&mut self, path: &Path) -> Result<RowReader> {
        let (name, mut reader) = open_source(path)?;
        // A UTF-16 file would otherwise fail as "no `text` column" or "not valid UTF-8".
        let mut head = Vec::new();
        (&mut reader)
            .take(ENCODING_HINT_BYTES)
            .read_to_end(&mut head)
            .map_err(|e| Error::io(&name, e))?;
        if let Some(message) = encoding_hint(&head) {
            return Err(Error::File {
                path: name,
                message,
            });
        }
        let empty = head.is_empty();
        let reader: Box<dyn Read + Send> = Box::new(io::Cursor::new(head).chain(reader));
        match &self.format {
            InputFormat::Text => unreachable!("plain text is not read row by row"),
            InputFormat::Csv { text_column } => {
                let rows = CsvRows::open(name, reader, empty, text_column, &mut self.columns)?;
                Ok(RowReader::Csv(Box::new(rows)))
            }
            InputFormat::Jsonl { text_field } => Ok(RowReader::Jsonl(JsonlRows {
                name: name.into(),
                lines: BufReader::new(LineCap::new(reader)).lines(),
                line: 0,
                field: text_field.clone(),
                rows: 0,
            })),
        }
    }

    fn next_text(&mut self) -> Option<Result<Document>> {
        let path = self.sources.next()?;
        Some(read_text(&path))
    }

    fn next_row(&mut self) -> Option<Result<Document>> {
        loop {
            if self.current.is_none() {
                let path = self.sources.next()?;
                match self.open_rows(&path) {
                    Ok(reader) => self.current = Some(reader),
                    Err(e) => return Some(Err(e)),
                }
            }
            let reader = self.current.as_mut().expect("opened above");
            match reader.next_document(&mut self.columns) {
                Some(item) => return Some(item),
                None => {
                    reader.finish(&mut self.notes);
                    self.current = None;
                }
            }
        }
    }
}

impl Iterator for Documents {
    type Item = Result<Document>;

    fn next(&mut self) -> Option<Result<Document>> {
        let next = match self.peeked.take() {
            Some(doc) => Some(Ok(doc)),
            None => match self.format {
                InputFormat::Text => self.next_text(),
                _ => self.next_row(),
            },
        };
        if let Some(Ok(doc)) = &next {
            self.handed_out += 1;
            if holds_markup(&doc.text) {
                let (count, first) = &mut self.with_markup;
                *count += 1;
                first.get_or_insert_with(|| doc.name());
            }
        }
        next
    }
}

impl RowReader {
    /// The next row as a document, `None` at the end of the source. JSON Lines sources set
    /// `columns` from their first object if nothing has yet.
    fn next_document(&mut self, columns: &mut Columns) -> Option<Result<Document>> {
        match self {
            RowReader::Csv(rows) => rows.next_document(),
            RowReader::Jsonl(rows) => rows.next_document(columns),
        }
    }

    /// Adds what is worth saying about the source, once it has been read to its end.
    fn finish(&self, notes: &mut Vec<String>) {
        match self {
            RowReader::Csv(rows) => {
                if rows.rows == 0 {
                    notes.push(format!("{}: has a header but no rows", rows.name));
                }
                let (short, first) = rows.short;
                if short > 0 {
                    notes.push(format!(
                        "{}: {short} row(s) have fewer fields than the header (the first at \
                         line {first}); their missing cells are passed through empty",
                        rows.name
                    ));
                }
                if let (count @ 1.., first) = rows.repeated_header {
                    notes.push(format!(
                        "{}: line {first} repeats the header row ({count} row(s) in all), and \
                         was skipped; were CSV files joined (`cat a.csv b.csv`)?",
                        rows.name
                    ));
                }
                notes.extend(rows.open_quote.clone());
                let closed = rows.reader.get_ref().ends_with_quote();
                if let (None, Some((line, column)), false) =
                    (&rows.open_quote, &rows.open_at_end, closed)
                {
                    notes.push(format!(
                        "{}: line {line}: the `{column}` field runs over several lines to the \
                         end of the file; is a double quote left open? If so, the rows after \
                         line {line} were read into it",
                        rows.name
                    ));
                }
            }
            RowReader::Jsonl(rows) => {
                if rows.rows == 0 {
                    notes.push(format!("{}: holds no JSON objects", rows.name));
                }
            }
        }
    }
}

impl CsvRows {
    fn next_document(&mut self) -> Option<Result<Document>> {
        let CsvRows {
            name,
            reader,
            text_col,
            headers,
            record,
            rows,
            short,
            open_quote,
            open_at_end,
            header,
            repeated_header,
        } = self;
        let line = loop {
            match reader.read_byte_record(record) {
                Ok(false) => return None,
                Ok(true) if is_dos_eof(record) => continue,
                Ok(true) if repeats_header(record, header) => {
                    let line = record_line(reader, record);
                    if repeated_header.0 == 0 {
                        repeated_header.1 = line;
                    }
                    repeated_header.0 += 1;
                }
                Ok(true) => break record_line(reader, record),
                Err(e) => return Some(Err(csv_error(name, e))),
            }
        };
        let bad = |message: String| Error::Data {
            path: name.to_string(),
            line,
            message,
        };
        let Some(text) = record.get(*text_col) else {
            return Some(Err(bad(format!(
                "row has {} field(s), the text column is column {}",
                record.len(),
                *text_col + 1
            ))));
        };
        if let Some(message) = extra_fields(record, headers.len()) {
            return Some(Err(bad(message)));
        }
        let text = match std::str::from_utf8(text) {
            Ok(t) => t.to_string(),
            Err(e) => return Some(Err(bad(not_utf8("text", text, e)))),
        };
        *rows += 1;
        if record.len() < headers.len() {
            if short.0 == 0 {
                short.1 = line;
            }
            short.0 += 1;
        }
        // A quote left open reads the rest of the file into the row's last field.
        let last = record.len().saturating_sub(1);
        *open_at_end = record
            .get(last)
            .filter(|field| field.trim_ascii().contains(&b'\n'))
            .map(|_| {
                let column = headers.get(last).cloned();
                (
                    line,
                    column.unwrap_or_else(|| Arc::from(format!("column_{}", last + 1))),
                )
            });
        if open_quote.is_none()
            && let Some((k, next)) = next_row_inside(&text, record, *text_col, headers.len())
        {
            *open_quote = Some(format!(
                "{name}: line {line}: the text runs over several lines, and its line {k} starts \
                 like the next row (`{next},...`); is a double quote left open? If so, the rows \
                 from there on were read as part of this text"
            ));
        }
        // Passed through as they are, or not at all: replacing bytes would alter the user's
        // ids without a word.
        let fields = headers
            .iter()
            .enumerate()
            .filter(|(i, _)| i != text_col)
            .map(|(i, h)| {
                let cell = record.get(i).unwrap_or_default();
                let value = std::str::from_utf8(cell)
                    .map_err(|e| bad(not_utf8(&format!("column `{h}`"), cell, e)))?;
                Ok((h.clone(), Value::String(value.to_string())))
            })
            .collect::<Result<Vec<_>>>();
        let fields = match fields {
            Ok(fields) => fields,
            Err(e) => return Some(Err(e)),
        };
        Some(Ok(Document {
            source: name.clone(),
            line: Some(line),
            text,
            fields,
        }))
    }
}

impl JsonlRows {
    fn next_document(&mut self, columns: &mut Columns) -> Option<Result<Document>> {
        let JsonlRows {
            name,
            lines,
            line,
            field,
            rows,
        } = self;
        loop {
            let raw = match lines.next()? {
                Ok(raw) => raw,
                Err(e) => {
                    let message = if e.kind() == io::ErrorKind::InvalidData {
                        "line is not valid UTF-8".to_string()
                    } else {
                        e.to_string()
                    };
                    return Some(Err(Error::Data {
                        path: name.to_string(),
                        line: *line + 1,
                        message,
                    }));
                }
            };
            *line += 1;
            // A byte-order mark is not part of the JSON: at the start of the file, or of any
            // line when files were joined (`cat a.jsonl b.jsonl`).
            let raw = match raw.strip_prefix('\u{FEFF}') {
                Some(rest) => rest.to_string(),
                None => raw,
            };
            if raw.trim().is_empty() {
                continue;
            }
            let bad = |message: String| Error::Data {
                path: name.to_string(),
                line: *line,
                message,
            };
            // A JSON document rather than JSON Lines: an array, or an object spread over lines
            // (`json.dump(..., indent=2)`). Valid JSON, so "invalid JSON" would mislead.
            let opening = raw.trim();
            if *rows == 0 && (opening.starts_with('[') || opening == "{") {
                let (shape, convert) = match opening.starts_with('[') {
                    true => ("a JSON array", "jq -c '.[]'"),
                    false => ("a JSON object spread over several lines", "jq -c ."),
                };
                return Some(Err(bad(format!(
                    "this looks like {shape}, not JSON Lines, which needs one object per line; \
                     convert it with `{convert}`"
                ))));
            }
            let JsonRow(mut fields) = match serde_json::from_str::<JsonRow>(&raw) {
                Ok(row) => row,
                // Well-formed JSON of the wrong shape: a number, or a key written twice.
                Err(e) if e.classify() == serde_json::error::Category::Data => {
                    return Some(Err(bad(strip_position(&e))));
                }
                Err(e) => {
                    // `lines()` splits at LF (and CRLF) only, so a file whose lines end in a
                    // lone CR arrives as one line with the second object as trailing text.
                    let hint = if raw.trim_end().contains('\r') {
                        "; its lines seem to end in a lone carriage return (CR), and JSON \
                         Lines needs LF or CRLF line ends"
                    } else {
                        ""
                    };
                    // A lone surrogate escape (`\ud800`), which some encoders write for
                    // broken text, is reported by serde_json as a bad hex escape.
                    let surrogate = if e.to_string().contains("escape") && raw.contains("\\ud") {
                        "; a lone UTF-16 surrogate escape such as \\ud800 is not text"
                    } else {
                        ""
                    };
                    // The line is the file's; serde_json's "at line 1 column N" would
                    // contradict it, so only the column is kept, counted in characters as
                    // an editor does (serde_json counts bytes).
                    let column = raw
                        .get(..e.column().saturating_sub(1))
                        .map_or(e.column(), |before| before.chars().count() + 1);
                    let reason = strip_position(&e);
                    // Valid JSON, but deeper than serde_json goes (its guard against running
                    // out of stack); "invalid" would send the user looking for a typo.
                    if reason == "recursion limit exceeded" {
                        return Some(Err(bad(format!(
                            "a value nests more than 128 arrays or objects deep (at column \
                             {column}); stance reads JSON up to that depth"
                        ))));
                    }
                    return Some(Err(bad(format!(
                        "invalid JSON at column {column} ({reason}){hint}{surrogate}"
                    ))));
                }
            };
            let at = fields.iter().position(|(k, _)| **k == **field);
            let text = match at.map(|i| fields.remove(i).1) {
                Some(Value::String(s)) => s,
                Some(_) => return Some(Err(bad(format!("field `{field}` is not a string")))),
                None => {
                    return Some(Err(bad(format!("no `{field}` field (set --text-field)"))));
                }
            };
            // A key that output would rename (`label` to `input_label`) may collide with
            // another; checked where it can happen, since the first object's check does not
            // cover keys met later.
            if fields
                .iter()
                .any(|(k, _)| crate::report::renamed_in_output(k))
            {
                let names: Vec<String> = fields.iter().map(|(k, _)| k.to_string()).collect();
                if let Err(message) = crate::report::check_passthrough(&names) {
                    return Some(Err(bad(message)));
                }
            }
            *rows += 1;
            columns.meet(fields.iter().map(|(k, _)| &**k));
            return Some(Ok(Document {
                source: name.clone(),
                line: Some(*line),
                text,
                fields,
            }));
        }
    }
}

/// Where a multi-line CSV text holds what looks like the next row, if it does: a line
/// (after the first) with, where this file's rows have a whole-number column (an id), that
/// number plus one. A double quote left open reads the following rows into the text; the
/// file is still valid CSV, so this is a guess, given as a note. Returns the line (1-based,
/// within the text) and the number.
fn next_row_inside(
    text: &str,
    record: &csv::ByteRecord,
    text_col: usize,
    columns: usize,
) -> Option<(usize, u64)> {
    if !text.contains('\n') {
        return None;
    }
    let ids: Vec<(usize, u64)> = (0..record.len().min(columns))
        .filter(|&j| j != text_col)
        .filter_map(|j| {
            let n = std::str::from_utf8(record.get(j)?)
                .ok()?
                .trim()
                .parse::<u64>()
                .ok()?;
            Some((j, n.checked_add(1)?))
        })
        .collect();
    // The quote that was left open either closes later, leaving a stray `"` in the text,
    // or never does, and the text runs to the end of the file with its line break; a text
    // with neither ("2,000 troops" on its second line) is taken as written.
    let stray_quote = |from: usize| text[from..].contains('"') || text.ends_with('\n');
    let mut offset = 0;
    text.split('\n').enumerate().find_map(|(k, line)| {
        let start = offset;
        offset += line.len() + 1;
        if k == 0 {
            return None;
        }
        ids.iter().find_map(|&(j, next)| {
            let field = field_of_swallowed_row(line, j, text_col, columns)?;
            (field.parse() == Ok(next) && stray_quote(start)).then_some((k + 1, next))
        })
    })
}

/// One JSON Lines row: an object's members in the order they were written. A key written
/// twice is an error rather than the last value silently winning, as it would in a map.
struct JsonRow(Vec<(Arc<str>, Value)>);

impl<'de> serde::Deserialize<'de> for JsonRow {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        struct Members;
        impl<'de> serde::de::Visitor<'de> for Members {
            type Value = JsonRow;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> std::result::Result<JsonRow, A::Error> {
                let mut members: Vec<(Arc<str>, Value)> = Vec::new();
                let mut seen = rustc_hash::FxHashSet::default();
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    let key: Arc<str> = Arc::from(key);
                    if !seen.insert(Arc::clone(&key)) {
                        return Err(serde::de::Error::custom(format_args!(
                            "key `{}` is written twice in one object",
                            crate::terminal::one_line(&key)
                        )));
                    }
                    members.push((key, value));
                }
                Ok(JsonRow(members))
            }
        }
        deserializer.deserialize_map(Members)
    }
}

/// serde_json's message without its " at line 1 column 9" tail: the caller names the line
/// of the file, and the column within one line is noise for a shape error.
fn strip_position(e: &serde_json::Error) -> String {
    let message = e.to_string();
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    }
}

impl CsvRows {
    /// Reads the header of a CSV source (`empty`: it has no bytes at all) and finds the text
    /// column; the other columns are met as pass-through columns.
    ///
    /// Returns an error if the file is empty, its header runs over lines, has no
    /// `text_column`, holds a name that is not UTF-8, names a column twice, or names
    /// columns whose output names would collide.
    fn open(
        name: String,
        reader: Box<dyn Read + Send>,
        empty: bool,
        text_column: &str,
        columns: &mut Columns,
    ) -> Result<Self> {
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .from_reader(CrlfToLf::new(LineCap::new(reader)));
        let header = reader
            .byte_headers()
            .map_err(|e| csv_error(&name, e))?
            .clone();
        let at_header = |message: String| Error::Data {
            path: name.clone(),
            line: 1,
            message,
        };
        if empty {
            return Err(Error::File {
                path: name,
                message: format!(
                    "file is empty, expected a header row with a `{text_column}` column"
                ),
            });
        }
        if let Some(message) = header_line_break(&header) {
            return Err(at_header(message));
        }
        let text_col = unique_column(&header, text_column, &name)?.ok_or_else(|| {
            at_header(format!(
                "header has no `{text_column}` column (set --text-column){}",
                separator_hint(&header)
            ))
        })?;
        let named: Vec<&str> = header
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let h = strip_bom(h);
                std::str::from_utf8(h).map(str::trim).map_err(|e| {
                    at_header(not_utf8(&format!("the name of column {}", i + 1), h, e))
                })
            })
            .collect::<Result<_>>()?;
        let headers = output_headers(&named);
        check_distinct_headers(&headers).map_err(at_header)?;
        let passed: Vec<String> = headers
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != text_col)
            .map(|(_, h)| h.to_string())
            .collect();
        // Checked for every file, not only the first: a later file's `label` and
        // `input_label` would otherwise lose one of the two in JSON output.
        crate::report::check_passthrough(&passed).map_err(at_header)?;
        columns.meet(passed.iter().map(String::as_str));
        Ok(CsvRows {
            name: name.into(),
            reader,
            text_col,
            headers,
            record: csv::ByteRecord::new(),
            rows: 0,
            short: (0, 0),
            open_quote: None,
            open_at_end: None,
            header,
            repeated_header: (0, 0),
        })
    }
}

/// The header's names as the output gives them. An unnamed column (trailing commas in a
/// spreadsheet export) is named by its position, so that JSON output, which needs distinct
/// keys, keeps its values; underscores are added while a real column has that name.
fn output_headers(named: &[&str]) -> Vec<Arc<str>> {
    named
        .iter()
        .enumerate()
        .map(|(i, h)| match *h {
            "" => {
                let mut generated = format!("column_{}", i + 1);
                while named.contains(&generated.as_str()) {
                    generated.insert(0, '_');
                }
                Arc::from(generated)
            }
            h => Arc::from(h),
        })
        .collect()
}

/// Two columns of one name would overwrite each other in the output.
fn check_distinct_headers(headers: &[Arc<str>]) -> std::result::Result<(), String> {
    let mut seen: FxHashMap<&str, usize> = FxHashMap::default();
    for (i, h) in headers.iter().enumerate().filter(|(_, h)| !h.is_empty()) {
        if let Some(&j) = seen.get(&**h) {
            return Err(format!(
                "header names `{h}` twice (columns {} and {}); columns passed through to the \
                 output need distinct names",
                j + 1,
                i + 1
            ));
        }
        seen.insert(h, i);
    }
    Ok(())
}

/// Helpers shared by the tests of this module and of its submodules.
#[cfg(test)]
mod test_support {
    use std::path::{Path, PathBuf};

    use super::InputFormat;

    /// Writes `body` to `dir/name` (creating its directories), and returns the path.
    pub(super) fn write(dir: &Path, name: &str, body: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, body).unwrap();
        path
    }

    /// `--input csv` with the text in a column named `text`.
    pub(super) fn text_csv() -> InputFormat {
        InputFormat::Csv {
            text_column: "text".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{text_csv, write};
    use super::*;

    /// The error of reading `body` as `--input csv` (text column `text`), from a file `name`.
    fn csv_read_error(dir: &Path, name: &str, body: &[u8]) -> String {
        Documents::open(&[write(dir, name, body)], text_csv())
            .and_then(|docs| docs.collect::<Result<Vec<Document>>>())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn jsonl_columns_come_from_the_first_object_which_is_still_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "in.jsonl",
            b"{\"id\": 7, \"text\": \"One.\", \"src\": \"x\"}\n{\"id\": 8, \"text\": \"Two.\"}\n",
        );
        let format = InputFormat::Jsonl {
            text_field: "text".into(),
        };
        let mut docs = Documents::open(&[path], format).unwrap();
        assert_eq!(docs.columns().unwrap(), ["id", "src"]);
        let texts: Vec<String> = docs.map(|d| d.unwrap().text).collect();
        assert_eq!(texts, ["One.", "Two."]);
    }

    /// `cat a.csv b.csv` (the second file perhaps saved with a byte-order mark): its header
    /// used to be classified as a document whose text is "text".
    #[test]
    fn a_repeated_header_row_is_skipped_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        let joined = write(
            dir.path(),
            "joined.csv",
            "id,text\n1,Talks resumed.\n\u{FEFF}id,Text \n2,Troops fired.\n".as_bytes(),
        );
        let mut docs = Documents::open(&[joined], text_csv()).unwrap();
        let texts: Vec<String> = docs.by_ref().map(|d| d.unwrap().text).collect();
        assert_eq!(texts, ["Talks resumed.", "Troops fired."]);
        let notes = docs.notes().join("\n");
        assert!(
            notes.contains("joined.csv: line 3 repeats the header row (1 row(s) in all)"),
            "{notes}"
        );
    }

    #[test]
    fn columns_missing_from_the_first_source_are_noted() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a.csv", b"id,text\n1,Talks.\n");
        let b = write(
            dir.path(),
            "b.csv",
            b"id,source,text,lang\n2,AP,Talks.,en\n",
        );
        let csv = text_csv();
        let mut docs = Documents::open(&[a, b], csv).unwrap();
        assert_eq!(docs.columns().unwrap(), ["id"]);
        assert!(docs.by_ref().all(|d| d.is_ok()));
        assert_eq!(docs.unplaced_columns(), ["lang", "source"]);
        let jsonl = write(
            dir.path(),
            "c.jsonl",
            b"{\"id\":1,\"text\":\"A.\"}\n{\"id\":2,\"extra\":3,\"text\":\"B.\"}\n",
        );
        let format = InputFormat::Jsonl {
            text_field: "text".into(),
        };
        let mut docs = Documents::open(&[jsonl], format).unwrap();
        assert!(docs.by_ref().all(|d| d.is_ok()));
        assert_eq!(docs.unplaced_columns(), ["extra"]);
    }

    #[test]
    fn csv_pass_through_columns_must_be_utf8_too() {
        let dir = tempfile::tempdir().unwrap();
        let err = csv_read_error(dir.path(), "in.csv", b"id,text\n\xe9t\xe9,Talks resumed.\n");
        assert!(
            err.contains("line 2")
                && err.contains("column `id` is not UTF-8: byte 0xE9 at its start"),
            "{err}"
        );
        // A header name too, in the same words (it used to give Rust's error text).
        let err = csv_read_error(dir.path(), "hdr.csv", b"id,R\xe9sum\xe9,text\n1,x,Talks.\n");
        assert!(
            err.contains("line 1")
                && err.contains("the name of column 2 is not UTF-8: byte 0xE9 after \"R\"")
                && err.contains("Latin-1"),
            "{err}"
        );
    }

    #[test]
    fn csv_columns_of_one_name_are_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "ok.csv", b"id,text,,\n1,Talks.,,\n");
        let csv = text_csv();
        assert!(Documents::open(&[path], csv).unwrap().all(|d| d.is_ok()));
        let err = csv_read_error(dir.path(), "in.csv", b"id,text,id\n1,Talks.,2\n");
        assert!(
            err.contains("line 1") && err.contains("`id` twice (columns 1 and 3)"),
            "{err}"
        );
    }

    #[test]
    fn empty_and_tab_separated_csv_say_so() {
        let dir = tempfile::tempdir().unwrap();
        for (name, bytes, fragment) in [
            (
                "empty.csv",
                &b""[..],
                "file is empty, expected a header row",
            ),
            ("tabs.csv", b"id\ttext\n1\tTalks.\n", "separated by tabs"),
        ] {
            let err = csv_read_error(dir.path(), name, bytes);
            assert!(err.contains(name) && err.contains(fragment), "{err}");
        }
    }

    #[test]
    fn utf16_is_named_in_every_input_format() {
        let dir = tempfile::tempdir().unwrap();
        let utf16 =
            |text: &str| -> Vec<u8> { text.encode_utf16().flat_map(u16::to_le_bytes).collect() };
        let mut marked = vec![0xFF, 0xFE];
        marked.extend(utf16("{\"text\": \"Talks resumed.\"}\n"));
        let cases = [
            (
                "a.txt",
                InputFormat::Text,
                utf16("Talks resumed."),
                "looks like UTF-16",
            ),
            (
                "a.csv",
                text_csv(),
                utf16("text\nTalks resumed.\n"),
                "looks like UTF-16",
            ),
            (
                "a.jsonl",
                InputFormat::Jsonl {
                    text_field: "text".into(),
                },
                marked,
                "UTF-16 byte-order mark",
            ),
        ];
        for (name, format, bytes, fragment) in cases {
            let path = write(dir.path(), name, &bytes);
            let err = Documents::open(&[path], format)
                .and_then(|docs| docs.collect::<Result<Vec<Document>>>())
                .unwrap_err()
                .to_string();
            assert!(err.contains(name) && err.contains(fragment), "{err}");
        }
    }

    /// A stray NUL in a cell of an otherwise valid UTF-8 CSV is read as before, wherever the
    /// row is (for a while it was refused as binary when it fell in the first KiB).
    #[test]
    fn a_nul_byte_in_a_text_csv_is_no_binary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "db.csv",
            b"id,text\n1,\"Talks resumed\x00 today.\"\n2,Talks ended.\n",
        );
        let docs: Vec<Document> = Documents::open(&[path], text_csv())
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(docs.len(), 2);
    }

    /// An image or a program given as rows failed as "header has no `text` column" (CSV) or
    /// "line is not valid UTF-8" (JSON Lines).
    #[test]
    fn binary_files_are_named_in_every_input_format() {
        let dir = tempfile::tempdir().unwrap();
        let png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01";
        let jsonl = InputFormat::Jsonl {
            text_field: "text".into(),
        };
        for (name, format) in [
            ("a.txt", InputFormat::Text),
            ("a.csv", text_csv()),
            ("a.jsonl", jsonl),
        ] {
            let path = write(dir.path(), name, png);
            let err = Documents::open(&[path], format)
                .and_then(|docs| docs.collect::<Result<Vec<Document>>>())
                .unwrap_err()
                .to_string();
            assert!(
                err.contains(name)
                    && err.contains("NUL byte (at byte offset 8)")
                    && err.contains("binary"),
                "{err}"
            );
        }
    }

    #[test]
    fn csv_rows_with_more_fields_than_the_header_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "in.csv",
            b"id,text\n1,Talks resumed.\n2,\n3,They met, and agreed.\n",
        );
        let csv = text_csv();
        let results: Vec<Result<Document>> = Documents::open(&[path], csv).unwrap().collect();
        assert!(results[0].is_ok() && results[1].is_ok());
        let err = results[2].as_ref().unwrap_err().to_string();
        assert!(err.contains("in.csv:4") || err.contains("line 4"), "{err}");
        assert!(err.contains("3 fields but the header names 2"), "{err}");
    }

    #[test]
    fn csv_rows_pass_other_columns_through() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "in.csv",
            b"id,body,date\n7,\"One. Two.\",2024\n8,Three.,2025\n",
        );
        let mut docs = Documents::open(
            &[path],
            InputFormat::Csv {
                text_column: "body".into(),
            },
        )
        .unwrap();
        assert_eq!(docs.columns().unwrap(), ["id", "date"]);
        let all: Vec<Document> = docs.collect::<Result<_>>().unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].text, "One. Two.");
        assert_eq!(all[1].fields[0], ("id".into(), Value::String("8".into())));
        assert!(all[1].name().ends_with("in.csv:3"), "{}", all[1].name());
        // A pass-through cell's CRLF comes out as LF, as the text's does (documented).
        let path = write(
            dir.path(),
            "crlf.csv",
            b"id,body,note\r\n7,\"A.\r\nB.\",\"x\r\ny\"\r\n",
        );
        let format = InputFormat::Csv {
            text_column: "body".into(),
        };
        let all: Vec<Document> = Documents::open(&[path], format)
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(all[0].text, "A.\nB.");
        assert_eq!(
            all[0].fields[1],
            ("note".into(), Value::String("x\ny".into()))
        );
    }

    #[test]
    fn csv_errors_name_the_right_line_after_blank_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "in.csv", b"id,text\n\n1,A.\n\n\n2,\"B\xff\"\n");
        let format = text_csv();
        let mut docs = Documents::open(&[path], format).unwrap();
        assert_eq!(docs.next().unwrap().unwrap().line, Some(3));
        let err = docs.next().unwrap().unwrap_err().to_string();
        assert!(err.contains("line 6") && err.contains("UTF-8"), "{err}");
    }

    #[test]
    fn csv_rows_of_a_file_with_cr_line_ends_have_their_own_lines() {
        // Every row used to be line 1, so the documents' names collided.
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "in.csv", b"id,text\r1,A.\r2,B.\r3,\"C\xff\"\r");
        let format = text_csv();
        let mut docs = Documents::open(&[path], format).unwrap();
        let names: Vec<String> = (0..2)
            .map(|_| docs.next().unwrap().unwrap().name())
            .collect();
        assert!(
            names[0].ends_with("in.csv:2") && names[1].ends_with("in.csv:3"),
            "{names:?}"
        );
        let err = docs.next().unwrap().unwrap_err().to_string();
        assert!(err.contains("line 4") && err.contains("UTF-8"), "{err}");
    }

    #[test]
    fn csv_errors_name_the_right_line_with_crlf() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "in.csv", b"id,text\r\n1,A.\r\n2,\"B\xff\"\r\n");
        let format = text_csv();
        let mut docs = Documents::open(&[path], format).unwrap();
        assert!(docs.next().unwrap().is_ok());
        let err = docs.next().unwrap().unwrap_err().to_string();
        assert!(err.contains("line 3") && err.contains("UTF-8"), "{err}");
    }

    #[test]
    fn jsonl_rows_and_their_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "in.jsonl",
            b"{\"id\":1,\"text\":\"Hi.\"}\n\n{\"id\":2}\n",
        );
        let format = InputFormat::Jsonl {
            text_field: "text".into(),
        };
        let mut docs = Documents::open(&[path], format).unwrap();
        let first = docs.next().unwrap().unwrap();
        assert_eq!(first.fields, vec![(Arc::from("id"), Value::from(1))]);
        let err = docs.next().unwrap().unwrap_err().to_string();
        assert!(
            err.contains("line 3") && err.contains("no `text` field"),
            "{err}"
        );
    }

    #[test]
    fn jsonl_fields_keep_their_order_and_a_key_written_twice_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "in.jsonl",
            b"{\"z\":1,\"text\":\"Hi.\",\"a\":{\"y\":1,\"b\":2}}\n\
              {\"text\":\"One.\",\"text\":\"Two.\"}\n7\n",
        );
        let format = InputFormat::Jsonl {
            text_field: "text".into(),
        };
        let mut docs = Documents::open(&[path], format).unwrap();
        let first = docs.next().unwrap().unwrap();
        let keys: Vec<&str> = first.fields.iter().map(|(k, _)| &**k).collect();
        // In a map they would come out sorted: a, z. (Inside a field's own object they are:
        // serde_json keeps objects in a sorted map, and keeping their order would cost every
        // JSON value its size.)
        assert_eq!(keys, ["z", "a"]);
        assert_eq!(first.fields[1].1.to_string(), r#"{"b":2,"y":1}"#);
        let err = docs.next().unwrap().unwrap_err().to_string();
        assert!(
            err.contains("line 2") && err.contains("key `text` is written twice"),
            "{err}"
        );
        let err = docs.next().unwrap().unwrap_err().to_string();
        assert!(
            err.contains("line 3") && err.contains("expected a JSON object"),
            "{err}"
        );
        assert!(!err.contains("invalid JSON"), "{err}");
    }

    /// The error of the first document of a JSON Lines file (which must fail).
    fn first_jsonl_error(path: PathBuf) -> String {
        let format = InputFormat::Jsonl {
            text_field: "text".into(),
        };
        Documents::open(&[path], format)
            .unwrap()
            .next()
            .unwrap()
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn jsonl_with_lone_cr_line_ends_is_an_error_that_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "mac.jsonl",
            b"{\"text\":\"One.\"}\r{\"text\":\"Two.\"}\r",
        );
        let err = first_jsonl_error(path);
        assert!(
            err.contains("line 1") && err.contains("lone carriage return"),
            "{err}"
        );
    }

    /// A DOS end-of-file mark after the last row is no document (it used to be one whose text
    /// was the control character, or a "row has 1 field(s)" error).
    #[test]
    fn a_dos_end_of_file_mark_is_no_csv_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "dos.csv", b"text\r\nTalks resumed.\r\n\x1a");
        let docs: Vec<Document> = Documents::open(&[path], text_csv())
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].text, "Talks resumed.");
    }

    /// A pretty-printed object or an array is valid JSON, but not JSON Lines: they used to get
    /// "invalid JSON at column 1 (EOF while parsing an object)" and "invalid type: sequence".
    #[test]
    fn a_json_document_given_as_jsonl_is_named_as_one() {
        let dir = tempfile::tempdir().unwrap();
        for (name, body, shape) in [
            (
                "pretty.json",
                "{\n  \"text\": \"Talks resumed.\"\n}\n",
                "a JSON object spread over",
            ),
            (
                "array.json",
                "[{\"text\": \"Talks resumed.\"}]\n",
                "a JSON array",
            ),
            (
                "array2.json",
                "[\n  {\"text\": \"Talks resumed.\"}\n]\n",
                "a JSON array",
            ),
        ] {
            let err = first_jsonl_error(write(dir.path(), name, body.as_bytes()));
            assert!(
                err.contains(&format!("{name}: line 1: this looks like"))
                    && err.contains(shape)
                    && err.contains("jq -c"),
                "{err}"
            );
        }
    }

    #[test]
    fn sources_worth_a_note_get_one() {
        let dir = tempfile::tempdir().unwrap();
        let notes_of = |name: &str, bytes: &[u8], format: InputFormat| {
            let path = write(dir.path(), name, bytes);
            let mut docs = Documents::open(&[path], format).unwrap();
            assert!(docs.by_ref().all(|d| d.is_ok()));
            docs.notes().to_vec()
        };
        let jsonl = || InputFormat::Jsonl {
            text_field: "text".into(),
        };
        let notes = notes_of("hdr.csv", b"id,text\n", text_csv());
        assert!(
            notes[0].ends_with("hdr.csv: has a header but no rows"),
            "{notes:?}"
        );
        let notes = notes_of("empty.jsonl", b"\n\n", jsonl());
        assert!(
            notes[0].ends_with("empty.jsonl: holds no JSON objects"),
            "{notes:?}"
        );
        let notes = notes_of(
            "short.csv",
            b"id,text,date\n1,A.,2024-01-02\n2,B.\n3,C.\n",
            text_csv(),
        );
        assert!(
            notes[0].contains("2 row(s) have fewer fields than the header (the first at line 3)"),
            "{notes:?}"
        );
        // A quote left open after `1,`: row 2 is read into row 1's text.
        let notes = notes_of(
            "open.csv",
            b"id,text\n1,\"Talks resumed.\n2,\"Egypt protests.\"\n3,More.\n",
            text_csv(),
        );
        assert!(
            notes[0].contains("line 2: the text runs over several lines, and its line 2 starts like the next row (`2,...`)"),
            "{notes:?}"
        );
        let notes = notes_of("rows.csv", b"id,text\n1,Talks.\n", InputFormat::Text);
        assert!(notes[0].contains("pass --input csv"), "{notes:?}");
        // A JSON array or a TSV file named as prose, and HTML markup in texts (a fragment, a
        // JSON Lines field; counted, the first named): each used to be silent, and a
        // fragment's tags ran its paragraphs into one sentence.
        let markup_rows =
            b"{\"text\": \"Talks.\"}\n{\"text\": \"A.&nbsp;B.<br>C.\"}\n{\"text\": \"x<br/>y<BR>\"}\n";
        let cases: [(&str, &[u8], InputFormat, &[&str]); 5] = [
            (
                "rows.json",
                b"[{\"text\": \"Talks.\"}]\n",
                InputFormat::Text,
                &["jq -c '.[]'", "--input jsonl"],
            ),
            // JSON Lines under a .json name: `jq -c '.[]'` would strip each object to values.
            (
                "lines.json",
                b"{\"text\": \"Talks.\"}\n{\"text\": \"War.\"}\n",
                InputFormat::Text,
                &["looks like JSON Lines already"],
            ),
            (
                "rows.TSV",
                b"id\ttext\n1\tTalks.\n",
                InputFormat::Text,
                &["comma-separated CSV"],
            ),
            (
                "frag.txt",
                b"<p>Talks resumed.</p><p>Aid arrived.</p>",
                InputFormat::Text,
                &["1 of 1 documents hold HTML markup (the first: "],
            ),
            (
                "rows.jsonl",
                markup_rows,
                jsonl(),
                &["2 of 3 documents hold HTML markup", "rows.jsonl:2)"],
            ),
        ];
        for (name, bytes, format, fragments) in cases {
            let notes = notes_of(name, bytes, format);
            assert_eq!(notes.len(), 1, "{notes:?}");
            assert!(fragments.iter().all(|f| notes[0].contains(f)), "{notes:?}");
        }
        // One tag named in prose is not markup.
        let notes = notes_of(
            "prose.txt",
            b"The <br> tag was shown on screen.",
            InputFormat::Text,
        );
        assert!(notes.is_empty(), "{notes:?}");
        // A multi-line text of a well-formed file is no sign of anything, even where a line
        // starts with the next id: no stray quote follows, and the text does not run to the
        // end of the file.
        let notes = notes_of(
            "troops.csv",
            b"id,text\n1,\"Troops pulled back.\n2,000 soldiers left, officials said.\"\n2,B.\n",
            text_csv(),
        );
        assert!(notes.is_empty(), "{notes:?}");
        let notes = notes_of(
            "fine.csv",
            b"id,text\n5,\"One line.\n2,000 troops left.\"\n",
            text_csv(),
        );
        assert!(notes.is_empty(), "{notes:?}");
        // A quote never closed, in any column and whatever the ids look like, reads the rest
        // of the file into its field, which then ends in the file's last line break.
        let notes = notes_of(
            "source.csv",
            b"id,text,source\n1,Talks resumed.,\"Reuters\n2,Officials warned.,AP\n3,Peace.,AFP\n",
            text_csv(),
        );
        assert_eq!(
            notes,
            [format!(
                "{}: line 2: the `source` field runs over several lines to the end of the file; \
                 is a double quote left open? If so, the rows after line 2 were read into it",
                dir.path().join("source.csv").display()
            )]
        );
        // Without a final line break too.
        let notes = notes_of(
            "no_final_newline.csv",
            b"id,text,source\n1,Talks.,\"Reuters\n2,Officials warned.,AP\n3,Peace.,AFP",
            text_csv(),
        );
        assert!(
            notes[0].contains("line 2: the `source` field runs over several lines to the end"),
            "{notes:?}"
        );
        // A last row whose quoted cells run over lines, properly closed, is no sign of
        // anything, in the last column (LF or CRLF) or before it.
        for (name, body) in [
            (
                "closed_lf.csv",
                &b"id,text\n1,\"Talks resumed.\n\nBoth sides spoke.\n\"\n"[..],
            ),
            (
                "closed_space.csv",
                b"id,text\n1,\"Talks resumed.\nBoth sides spoke.\" \n",
            ),
            (
                "closed_crlf.csv",
                b"id,text\r\n1,\"Talks resumed.\r\nBoth sides spoke.\r\n\"\r\n",
            ),
            (
                "closed_middle.csv",
                b"id,text,source\n1,\"Talks.\nThey ended.\",Reuters\n2,\"Shelling.\nCondemned.\n\",AP\n",
            ),
        ] {
            let notes = notes_of(name, body, text_csv());
            assert!(notes.is_empty(), "{name}: {notes:?}");
        }
        let notes = notes_of(
            "dated.csv",
            b"date,text\n2024-01-09,\"China urged restraint.\n2024-01-10,Officials warned.\n",
            text_csv(),
        );
        assert!(
            notes[0].contains("line 2: the `text` field runs over several lines to the end"),
            "{notes:?}"
        );
    }

    #[test]
    fn unnamed_columns_are_named_by_position_without_clashing() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "u.csv", b",text,column_1,\n1,A.,z,w\n");
        let mut docs = Documents::open(&[path], text_csv()).unwrap();
        assert_eq!(
            docs.columns().unwrap(),
            ["_column_1", "column_1", "column_4"]
        );
        let doc = docs.next().unwrap().unwrap();
        let values: Vec<String> = doc.fields.iter().map(|(_, v)| v.to_string()).collect();
        assert_eq!(values, [r#""1""#, r#""z""#, r#""w""#]);
    }

    #[test]
    fn output_name_collisions_are_errors_in_any_file_or_row() {
        let dir = tempfile::tempdir().unwrap();
        let first = write(dir.path(), "a.csv", b"id,text\n1,A.\n");
        let later = write(dir.path(), "b.csv", b"label,input_label,text\nx,y,B.\n");
        let mut docs = Documents::open(&[first, later], text_csv()).unwrap();
        assert!(docs.next().unwrap().is_ok());
        let err = docs.next().unwrap().unwrap_err().to_string();
        assert!(
            err.contains("b.csv: line 1") && err.contains("input_label"),
            "{err}"
        );
        let rows = write(
            dir.path(),
            "c.jsonl",
            b"{\"text\":\"A.\"}\n{\"text\":\"B.\",\"label\":\"x\",\"input_label\":\"y\"}\n",
        );
        let format = InputFormat::Jsonl {
            text_field: "text".into(),
        };
        let mut docs = Documents::open(&[rows], format).unwrap();
        assert!(docs.next().unwrap().is_ok());
        let err = docs.next().unwrap().unwrap_err().to_string();
        assert!(
            err.contains("c.jsonl: line 2") && err.contains("input_label"),
            "{err}"
        );
    }

    #[test]
    fn jsonl_syntax_errors_name_the_file_line_and_column_only() {
        let dir = tempfile::tempdir().unwrap();
        let format = || InputFormat::Jsonl {
            text_field: "text".into(),
        };
        let path = write(
            dir.path(),
            "bad.jsonl",
            b"{\"text\":\"A.\"}\n\xEF\xBB\xBF{\"text\":\"B.\"}\n{\"text\":\"C.\",}\n{\"text\":\"\\ud800\"}\n",
        );
        let mut docs = Documents::open(&[path], format()).unwrap();
        // A byte-order mark where two files were joined is not part of the JSON.
        assert_eq!(docs.next().unwrap().unwrap().text, "A.");
        assert_eq!(docs.next().unwrap().unwrap().text, "B.");
        let err = docs.next().unwrap().unwrap_err().to_string();
        assert!(
            err.ends_with("bad.jsonl: line 3: invalid JSON at column 14 (trailing comma)"),
            "{err}"
        );
        let err = docs.next().unwrap().unwrap_err().to_string();
        assert!(
            err.contains("line 4") && err.contains("lone UTF-16 surrogate"),
            "{err}"
        );
        // Columns count characters: the `}` after "Café" is the 16th, though its 17th byte.
        let path = write(
            dir.path(),
            "accent.jsonl",
            "{\"text\":\"Café\",}\n".as_bytes(),
        );
        let err = Documents::open(&[path], format())
            .unwrap()
            .next()
            .unwrap()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("invalid JSON at column 16 (trailing comma)"),
            "{err}"
        );
        // Valid JSON past serde_json's depth limit is not called invalid.
        let deep = format!(
            "{{\"text\":\"A.\",\"x\":{}{}}}\n",
            "[".repeat(200),
            "]".repeat(200)
        );
        let path = write(dir.path(), "deep.jsonl", deep.as_bytes());
        let err = Documents::open(&[path], format())
            .unwrap()
            .next()
            .unwrap()
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("deep.jsonl: line 1: a value nests more than 128 arrays or objects deep"),
            "{err}"
        );
        assert!(!err.contains("invalid"), "{err}");
    }

    #[test]
    fn jsonl_may_start_with_a_byte_order_mark() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "bom.jsonl",
            "\u{FEFF}{\"text\":\"Talks resumed.\"}\n".as_bytes(),
        );
        let format = InputFormat::Jsonl {
            text_field: "text".into(),
        };
        let docs: Vec<Document> = Documents::open(&[path], format)
            .unwrap()
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(docs[0].text, "Talks resumed.");
    }

    #[test]
    fn a_csv_header_naming_the_text_column_twice_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = csv_read_error(dir.path(), "in.csv", b"text,id,TEXT\nA.,1,B.\n");
        assert!(
            err.contains("line 1") && err.contains("columns 1 and 3"),
            "{err}"
        );
    }
}
