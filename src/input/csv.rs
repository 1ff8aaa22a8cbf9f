//! The CSV reader: the rows of one CSV source, each a document, with its header checked when
//! the source is opened and what is worth a note (short rows, repeated headers, a double
//! quote left open) gathered while it is read.
//!
//! Apart from the JSON Lines reader because CSV's troubles are its own: a header to check, rows
//! that are still valid CSV when a quote was left open, and lines counted across quoted line
//! breaks.

use std::io::Read;
use std::sync::Arc;

use rustc_hash::FxHashMap;
use serde_json::Value;

use super::{Columns, Document};
use crate::error::{Error, Result};
use crate::source::{
    CrlfToLf, LineCap, csv_error, extra_fields, field_of_swallowed_row, header_columns,
    header_line_break, is_dos_eof, not_utf8, record_line, repeats_header, separator_hint,
    strip_bom, unique_column,
};

/// Rows of one CSV source.
pub(super) struct CsvRows {
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

impl CsvRows {
    /// Reads the header of a CSV source (`empty`: it has no bytes at all) and finds the text
    /// column; the other columns are met as pass-through columns.
    ///
    /// Returns an error if the file is empty, its header runs over lines, has no
    /// `text_column`, holds a name that is not UTF-8, names a column twice, or names
    /// columns whose output names would collide.
    pub(super) fn open(
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
        // A file of blank lines, a byte-order mark or a DOS end-of-file mark has no header
        // either (it was "header has no `text` column; the header's columns: " and nothing).
        let no_header = header.is_empty()
            || (header.len() == 1 && strip_bom(&header[0]).trim_ascii().is_empty())
            || crate::source::is_dos_eof(&header);
        if empty || no_header {
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
                "header has no `{text_column}` column (set --text-column){}{}",
                header_columns(&header),
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

    /// The next row as a document, `None` at the end of the source.
    pub(super) fn next_document(&mut self) -> Option<Result<Document>> {
        let line = match self.next_record()? {
            Ok(line) => line,
            Err(e) => return Some(Err(e)),
        };
        let CsvRows {
            name,
            text_col,
            headers,
            record,
            rows,
            short,
            open_quote,
            open_at_end,
            ..
        } = self;
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

    /// Reads the next row that is a document into `record`, and returns its line: a DOS
    /// end-of-file mark is skipped, and so is a row that repeats the header (counted for the
    /// note). `None` at the end of the source.
    fn next_record(&mut self) -> Option<Result<u64>> {
        let CsvRows {
            name,
            reader,
            record,
            header,
            repeated_header,
            ..
        } = self;
        loop {
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
                Ok(true) => return Some(Ok(record_line(reader, record))),
                Err(e) => return Some(Err(csv_error(name, e))),
            }
        }
    }

    /// Adds what is worth saying about the source, once it has been read to its end.
    pub(super) fn finish(&self, notes: &mut Vec<String>) {
        if self.rows == 0 {
            notes.push(format!("{}: has a header but no rows", self.name));
        }
        let (short, first) = self.short;
        if short > 0 {
            notes.push(format!(
                "{}: {short} row(s) have fewer fields than the header (the first at \
                 line {first}); their missing cells are passed through empty",
                self.name
            ));
        }
        if let (count @ 1.., first) = self.repeated_header {
            notes.push(format!(
                "{}: line {first} repeats the header row ({count} row(s) in all), and \
                 was skipped; were CSV files joined (`cat a.csv b.csv`)?",
                self.name
            ));
        }
        notes.extend(self.open_quote.clone());
        let closed = self.reader.get_ref().ends_with_quote();
        if let (None, Some((line, column)), false) = (&self.open_quote, &self.open_at_end, closed) {
            notes.push(format!(
                "{}: line {line}: the `{column}` field runs over several lines to the \
                 end of the file; is a double quote left open? If so, the rows after \
                 line {line} were read into it",
                self.name
            ));
        }
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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::Value;

    use crate::error::Result;
    use crate::input::test_support::{text_csv, write};
    use crate::input::{Document, Documents, InputFormat};

    /// The error of reading `body` as `--input csv` (text column `text`), from a file `name`.
    fn csv_read_error(dir: &Path, name: &str, body: &[u8]) -> String {
        Documents::open(&[write(dir, name, body)], text_csv())
            .and_then(|docs| docs.collect::<Result<Vec<Document>>>())
            .unwrap_err()
            .to_string()
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
            // No header either: these listed an empty or invisible column.
            (
                "bom.csv",
                b"\xef\xbb\xbf",
                "file is empty, expected a header row",
            ),
            (
                "blank.csv",
                b"\n\n  \n",
                "file is empty, expected a header row",
            ),
            ("dos.csv", b"\x1a\n", "file is empty, expected a header row"),
        ] {
            let err = csv_read_error(dir.path(), name, bytes);
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
    fn a_csv_header_naming_the_text_column_twice_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let err = csv_read_error(dir.path(), "in.csv", b"text,id,TEXT\nA.,1,B.\n");
        assert!(
            err.contains("line 1") && err.contains("columns 1 and 3"),
            "{err}"
        );
    }
}
