//! Documents to classify: plain-text files (or directories of `*.txt`), standard input, or the
//! rows of CSV or JSON Lines files (or directories of `*.csv`, `*.jsonl`), each row one
//! document.
//!
//! Documents are produced lazily, one at a time, so that a million-row file is never held in
//! memory. Columns other than the text column travel with their row to the output (an `id`,
//! a date), in the order the input had them.
//!
//! One job to a submodule: `sources` turns the paths named into the files to read (with its
//! notes: files named twice, the output file, data named as prose), `text` reads an article,
//! `csv` and `jsonl` read the rows of a file. This module ties them into one stream,
//! [`Documents`], and keeps what is common to all: the format, the document, and the
//! pass-through columns.

use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use self::csv::CsvRows;
use self::jsonl::JsonlRows;
use self::sources::{drop_output_file, drop_repeats, prose_note, resolve_sources};
use self::text::{holds_markup, read_text};
use crate::error::{Error, Result};
use crate::source::{ENCODING_HINT_BYTES, encoding_hint, open_source};

mod csv;
mod jsonl;
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

/// Whether `path` names standard input: `-`, or `/dev/stdin` and its aliases. Standard input
/// can be read once, so two readers of it (two inputs, or a model and the articles) are
/// refused before either reads: the second would find it empty.
pub fn is_standard_input(path: &Path) -> bool {
    ["-", "/dev/stdin", "/dev/fd/0", "/proc/self/fd/0"]
        .iter()
        .any(|name| path.as_os_str() == *name)
}

pub use crate::source::same_file;

/// Whether `path` is the file standard output is being written to (`> out.txt`,
/// `>> model.json`), by device and inode. Only a regular file counts: a terminal or a pipe
/// holds nothing to damage. A command that reads such a file would read its own output back
/// (`classify < f >> f` grew a 13 MB file to 41 MB), or append to a model or labelled file
/// that then no longer loads.
pub fn is_standard_output(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let Ok(out) = std::fs::metadata("/dev/stdout") else {
            return false;
        };
        out.is_file()
            && std::fs::metadata(path).is_ok_and(|m| m.dev() == out.dev() && m.ino() == out.ino())
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        false
    }
}

/// The error for a file a command reads that is also its standard output; `what` says what
/// the file is to the command ("the labelled data", "the model file").
pub fn output_is_input(name: &str, what: &str) -> Error {
    Error::File {
        path: name.to_string(),
        message: format!(
            "this is {what}, and standard output is redirected to it (`>` has already emptied \
             it; with `>>` the output would be added to it); write the output to another file"
        ),
    }
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
        if paths.iter().filter(|p| is_standard_input(p)).count() > 1 {
            return Err(Error::Usage(
                "`-` (standard input) is named more than once (as `-` or `/dev/stdin`); it can be \
                 read only once"
                    .into(),
            ));
        }
        let mut notes = Vec::new();
        let mut sources = resolve_sources(paths, &format, &mut notes)?;
        // `classify < f >> f`: the run would read its own output back until it failed to parse.
        if sources.iter().any(|p| is_standard_input(p))
            && is_standard_output(Path::new("/dev/stdin"))
        {
            return Err(Error::File {
                path: "-".into(),
                message: "standard input is the file the output is being written to (standard \
                          output), so the run would read its own output back; write the \
                          output to another file"
                    .into(),
            });
        }
        // The output file first: a link to it is then not also "named more than once".
        if let Some(output) = drop_output_file(&mut sources, &mut notes)
            && sources.is_empty()
        {
            // `classify out.txt > out.txt`: an empty run would look like a successful one.
            return Err(Error::File {
                path: output,
                message: "this is where the output is being written (standard output), and \
                          there is nothing else to read"
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
            InputFormat::Jsonl { text_field } => {
                Ok(RowReader::Jsonl(JsonlRows::open(name, reader, text_field)))
            }
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
            RowReader::Csv(rows) => rows.finish(notes),
            RowReader::Jsonl(rows) => rows.finish(notes),
        }
    }
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
}
