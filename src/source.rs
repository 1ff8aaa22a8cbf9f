//! Reading sources, shared by the readers of labelled data ([`crate::corpus`]), documents to
//! classify ([`crate::input`]), model files and lexicons: opening a file or standard input,
//! reading it whole under a size cap, CSV plumbing (line numbers as an editor shows them,
//! headers, errors), and hints for files in the wrong encoding.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use crate::error::{Error, Result};

/// Most bytes read from one file as a whole (a text document, or a labelled CSV): far more
/// than any real article or corpus, and small enough that `/dev/zero` or a stray disk image
/// ends in an error rather than in memory exhaustion.
pub(crate) const MAX_WHOLE_FILE_BYTES: u64 = 1 << 30;

/// Most bytes in one line of tabular input (CSV or JSON Lines), for the same reason.
pub(crate) const MAX_LINE_BYTES: u64 = 1 << 28;

/// Most bytes read from a model file: a model with a million features is about 60 MiB.
pub(crate) const MAX_MODEL_BYTES: u64 = 1 << 28;

/// Most bytes read from one lexicon file.
pub(crate) const MAX_LEXICON_BYTES: u64 = 1 << 26;

/// Why a CSV row with more fields than its header (`columns`) is refused, if it is: a comma
/// in an unquoted text splits it, and the reader would otherwise keep the first part and drop
/// the rest without a word. Extra fields that are empty (a trailing comma) are let through.
pub(crate) fn extra_fields(record: &csv::ByteRecord, columns: usize) -> Option<String> {
    let extra = record.iter().skip(columns).any(|f| !f.is_empty());
    extra.then(|| {
        format!(
            "row has {} fields but the header names {columns}; a text holding a comma must be \
             in double quotes",
            record.len()
        )
    })
}

/// The line and a description of the first field in `data` (a comma-separated file read
/// whole) that opens with a double quote and goes on after the quote that closes it:
/// `"We will not yield," the minister said.` written into a cell without escaping. The csv
/// reader (like Python's) drops both quotes and joins the rest (`We will not yield, the
/// minister said.`), so the text trained on is not the one written, and the quotation marks
/// the features look for are gone. Line ends are LF, CRLF or a lone CR, counted as an editor
/// does.
pub(crate) fn quote_closed_early(data: &[u8]) -> Option<(u64, String)> {
    enum State {
        FieldStart,
        Unquoted,
        Quoted,
        /// A `"` inside a quoted field: doubled, or the field's end.
        QuoteInQuoted,
        /// Spaces or tabs after a field's closing quote (`"adversarial" ,`), which the reader
        /// keeps and the labelled reader trims: harmless.
        AfterQuote,
    }
    let mut state = State::FieldStart;
    let (mut line, mut field_line) = (1, 1);
    let mut field_start = 0;
    for (i, &b) in data.iter().enumerate() {
        let line_end = b == b'\n' || (b == b'\r' && data.get(i + 1) != Some(&b'\n'));
        state = match (state, b) {
            (State::Quoted, b'"') => State::QuoteInQuoted,
            (State::Quoted, _) => State::Quoted,
            (State::QuoteInQuoted, b'"') => State::Quoted,
            (_, b',' | b'\n' | b'\r') => State::FieldStart,
            (State::QuoteInQuoted | State::AfterQuote, b' ' | b'\t') => State::AfterQuote,
            (State::FieldStart, b'"') => {
                (field_start, field_line) = (i, line);
                State::Quoted
            }
            (State::QuoteInQuoted | State::AfterQuote, _) => {
                let rest = &data[field_start..];
                let line = rest
                    .split(|&b| b == b'\n' || b == b'\r')
                    .next()
                    .unwrap_or(rest);
                let line = String::from_utf8_lossy(line);
                let mut shown: String = line.chars().take(60).collect();
                if shown.len() < line.len() {
                    shown.push_str("...");
                }
                let shown = crate::terminal::one_line(&shown);
                return Some((
                    field_line,
                    format!(
                        "a field opens with a double quote and goes on after the quote that \
                         closes it: {shown}; write the whole field in double quotes, and \
                         each double quote inside it twice"
                    ),
                ));
            }
            (State::FieldStart | State::Unquoted, _) => State::Unquoted,
        };
        if line_end {
            line += 1;
        }
    }
    None
}

/// Reads at most `max` bytes of `reader` into `bytes`; `Ok(false)` if there was more.
pub(crate) fn read_capped(reader: impl Read, max: u64, bytes: &mut Vec<u8>) -> io::Result<bool> {
    reader.take(max + 1).read_to_end(bytes)?;
    Ok(bytes.len() as u64 <= max)
}

/// Reads all of `reader` (the file `name`), which must hold at most `max` bytes: a larger
/// file, or an endless device such as `/dev/zero`, is an error that ends with `advice`.
pub(crate) fn read_whole(reader: impl Read, name: &str, max: u64, advice: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if read_capped(reader, max, &mut bytes).map_err(|e| Error::io(name, e))? {
        Ok(bytes)
    } else {
        Err(Error::File {
            path: name.to_string(),
            message: format!("is larger than {} MiB; {advice}", max >> 20),
        })
    }
}

/// Passes bytes through, failing once a line runs past `max` bytes without a line break
/// (readers of CSV and JSON Lines buffer a whole line).
pub(crate) struct LineCap<R> {
    inner: R,
    max: u64,
    /// Bytes since the last `\n`.
    run: u64,
}

impl<R: Read> LineCap<R> {
    /// A cap of [`MAX_LINE_BYTES`].
    pub(crate) fn new(inner: R) -> Self {
        LineCap::with_max(inner, MAX_LINE_BYTES)
    }

    fn with_max(inner: R, max: u64) -> Self {
        LineCap { inner, max, run: 0 }
    }
}

impl<R: Read> Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        // The line that was running ends at the first break of this read (or runs on); a
        // line wholly inside one read is never refused, as the cap is far above any read.
        let first = memchr::memchr(b'\n', &buf[..n]).unwrap_or(n);
        let longest = self.run + first as u64;
        self.run = match memchr::memrchr(b'\n', &buf[..n]) {
            Some(last) => (n - last - 1) as u64,
            None => longest,
        };
        if longest > self.max || self.run > self.max {
            return Err(io::Error::other(format!(
                "a line runs past {} MiB without a line break; is this a text file?",
                self.max >> 20
            )));
        }
        Ok(n)
    }
}

/// The line, as an editor shows it, of the record just read from a CSV reader over
/// [`CrlfToLf`]. Both CSV readers (labelled data and `classify --input csv`) name rows this way.
pub(crate) fn record_line<R: Read>(
    reader: &mut csv::Reader<CrlfToLf<R>>,
    record: &csv::ByteRecord,
) -> u64 {
    let byte = record.position().map_or(0, |p| p.byte());
    reader.get_mut().line_at(byte)
}

/// Turns CRLF line ends, and the lone CR of classic Mac files, into LF as bytes stream past,
/// and keeps track of where the line ends are (see [`CrlfToLf::line_at`]): every error
/// message names a line, and the csv crate's own line numbers are one short on CRLF files,
/// drift after the blank lines it skips, and stay at 1 on a file whose lines end in CR.
pub(crate) struct CrlfToLf<R> {
    inner: R,
    /// A `\r` read at the end of the previous chunk, not yet known to precede `\n`.
    pending_cr: bool,
    /// Bytes handed out so far.
    pos: u64,
    /// Offsets of the line ends handed out but not yet passed by a record, in order, as
    /// runs of adjacent ones `(first offset, count)`. Only what the csv reader has read ahead
    /// is held, and a run of blank lines (which yields no record) is one entry, so this stays
    /// small: a queue of single offsets took 1.2 GB for 150 million blank lines.
    ahead: VecDeque<(u64, u64)>,
    /// Line ends passed by records.
    passed: u64,
    /// The last byte handed out that is not a line end, space or tab: `"` when the file ends
    /// with a closing quote (see [`CrlfToLf::ends_with_quote`]).
    last_content: Option<u8>,
}

impl<R: Read> CrlfToLf<R> {
    pub(crate) fn new(inner: R) -> Self {
        CrlfToLf {
            inner,
            pending_cr: false,
            pos: 0,
            ahead: VecDeque::new(),
            passed: 0,
            last_content: None,
        }
    }

    /// Whether what has been read so far ends, white space aside, with a double quote: at the
    /// end of a CSV file, a last field that was quoted and closed. A field whose quote was
    /// left open runs to the end with whatever text came last.
    pub(crate) fn ends_with_quote(&self) -> bool {
        self.last_content == Some(b'"')
    }

    /// The 1-based line, as an editor shows it, of the csv record at byte `byte` of the
    /// converted stream; offsets must not decrease between calls. The csv crate places a
    /// record on the line end just before it, so line ends at the offset itself are passed
    /// first.
    fn line_at(&mut self, mut byte: u64) -> u64 {
        while let Some(run) = self.ahead.front_mut() {
            let end = run.0;
            if end > byte {
                break;
            }
            if end == byte {
                byte += 1;
            }
            run.0 += 1;
            run.1 -= 1;
            if run.1 == 0 {
                self.ahead.pop_front();
            }
            self.passed += 1;
        }
        self.passed + 1
    }

    fn read_lf(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.len() < 2 {
            return self.inner.read(buf);
        }
        // Leave room at the front for a `\r` held back from the previous read.
        let offset = self.pending_cr as usize;
        let n = self.inner.read(&mut buf[offset..])?;
        let end = offset + n;
        if offset == 0 && memchr::memchr(b'\r', &buf[..n]).is_none() {
            // The common case, untouched: no carriage return at all.
            return Ok(n);
        }
        // Compact in place; bytes are only ever removed, so writing never overtakes reading.
        let mut out = 0;
        let mut i = 0;
        if self.pending_cr {
            self.pending_cr = false;
            // The held-back `\r` goes if a `\n` follows it, and is a line end otherwise.
            if n == 0 || buf[1] != b'\n' {
                buf[0] = b'\n';
                out = 1;
            }
            i = 1;
        }
        while i < end {
            // Move the run up to the next `\r` in one copy (CRLF files have one per line).
            let cr = memchr::memchr(b'\r', &buf[i..end]).map_or(end, |k| i + k);
            buf.copy_within(i..cr, out);
            out += cr - i;
            i = cr;
            if i == end {
                break;
            }
            if i + 1 == end {
                self.pending_cr = true;
                break;
            }
            if buf[i + 1] != b'\n' {
                // A lone `\r` ends a line too.
                buf[out] = b'\n';
                out += 1;
            }
            i += 1;
        }
        if out == 0 && self.pending_cr {
            // Only a `\r` arrived: read on to learn what follows it.
            return self.read_lf(buf);
        }
        Ok(out)
    }
}

impl<R: Read> Read for CrlfToLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.read_lf(buf)?;
        let from = self.pos;
        for end in memchr::memchr_iter(b'\n', &buf[..n]).map(|k| from + k as u64) {
            match self.ahead.back_mut() {
                Some(run) if run.0 + run.1 == end => run.1 += 1,
                _ => self.ahead.push_back((end, 1)),
            }
        }
        if let Some(&b) = buf[..n]
            .iter()
            .rev()
            .find(|&&b| !matches!(b, b'\n' | b'\r' | b' ' | b'\t'))
        {
            self.last_content = Some(b);
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// Opens a file, or standard input for `-`; returns its name for messages (`-` for standard
/// input) and a reader.
pub(crate) fn open_source(path: &Path) -> Result<(String, Box<dyn Read + Send>)> {
    if path.as_os_str() == "-" {
        return Ok(("-".into(), Box::new(io::stdin())));
    }
    let name = path_name(path);
    let file = File::open(path).map_err(|e| open_error(&name, e))?;
    Ok((name, Box::new(file)))
}

/// The error for a file that cannot be opened. A name ending in white space or holding a line
/// break (`STANCE_MODEL=$(cat path.txt)`, a pasted path) looks, once printed, like a file that
/// exists, so a missing one of those is shown quoted with its escapes.
pub(crate) fn open_error(name: &str, error: io::Error) -> Error {
    // `name` comes from `path_name`, which writes a carriage return or an escape as `\u{D}`.
    let escaped = name.contains("\\u{");
    let odd = name.trim() != name || name.contains(char::is_control) || escaped;
    if error.kind() == io::ErrorKind::NotFound && odd {
        let shown = if escaped && !name.contains(char::is_control) {
            format!("\"{name}\"")
        } else {
            format!("{name:?}")
        };
        return Error::File {
            path: name.into(),
            message: format!(
                "{error}; note the name is {shown}, with white space or a line break in it"
            ),
        };
    }
    Error::io(name, error)
}

/// A path as text for output and messages. Bytes that are not UTF-8 are written `\xE9`
/// rather than replaced by U+FFFD: `résumé.txt` in Latin-1 and `rèsumè.txt` would otherwise
/// get one name, and so one `doc` id, in the output. Control characters other than line feeds
/// and tabs (an escape sequence, a carriage return in a file name) are written `\u{1B}`, so
/// that no output format, CSV included, hands them to a terminal.
pub(crate) fn path_name(path: &Path) -> String {
    let bytes = path.as_os_str().as_encoded_bytes();
    let mut name = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            // Line ends and tabs stay: CSV quotes them, and `open_error` shows a name
            // ending in one quoted.
            if c.is_control() && c != '\n' && c != '\t' {
                name.push_str(&format!("\\u{{{:X}}}", c as u32));
            } else {
                name.push(c);
            }
        }
        for b in chunk.invalid() {
            name.push_str(&format!("\\x{b:02X}"));
        }
    }
    name
}

/// Whether a CSV row repeats the header (cell by cell, trimmed, in any letter case, with a
/// byte-order mark before the first cell or not): the mark of two files joined with
/// `cat a.csv b.csv`, whose second header would otherwise be read as a row.
pub(crate) fn repeats_header(record: &csv::ByteRecord, header: &csv::ByteRecord) -> bool {
    record.len() == header.len()
        && record.iter().zip(header).all(|(cell, name)| {
            strip_bom(cell)
                .trim_ascii()
                .eq_ignore_ascii_case(strip_bom(name).trim_ascii())
        })
}

/// The bytes without a leading UTF-8 byte-order mark (spreadsheet programs write one before
/// a CSV header).
pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes)
}

fn names_column(header: &[u8], wanted: &str) -> bool {
    std::str::from_utf8(strip_bom(header))
        .is_ok_and(|h| h.trim().eq_ignore_ascii_case(wanted.trim()))
}

/// The column a header names `wanted` (ignoring case, spaces and a UTF-8 byte-order mark);
/// a header that names it twice is an error, since which of the two to use would be a guess.
pub(crate) fn unique_column(
    headers: &csv::ByteRecord,
    wanted: &str,
    name: &str,
) -> Result<Option<usize>> {
    let mut found = (0..headers.len()).filter(|&i| names_column(&headers[i], wanted));
    let first = found.next();
    if let (Some(i), Some(j)) = (first, found.next()) {
        return Err(Error::Data {
            path: name.into(),
            line: 1,
            message: format!(
                "header has two `{wanted}` columns (columns {} and {}); rename one",
                i + 1,
                j + 1
            ),
        });
    }
    Ok(first)
}

/// A message for a file that is not UTF-8 text at all, named by its first bytes: text saved as
/// UTF-16 (spreadsheet programs and Windows tools write it; it otherwise fails with a puzzling "no
/// `text` column", or, being valid UTF-8 with a zero byte after each letter, is classified as
/// nonsense), UTF-32, or a compressed, zipped (an Excel `.xlsx` is a zip), old Office or PDF file
/// given where text was expected, or any other binary file (a NUL byte among the first
/// [`ENCODING_HINT_BYTES`] that are not UTF-8). UTF-16 and UTF-32 are recognised by a byte-order
/// mark, or by letters each beside zero bytes.
pub(crate) fn encoding_hint(data: &[u8]) -> Option<String> {
    let signatures: [(&[u8], &str); 5] = [
        (
            b"\x1F\x8B",
            "is a gzip-compressed file; decompress it first",
        ),
        (
            b"PK\x03\x04",
            "is a zip archive (an Excel .xlsx or Word .docx file is one); save or export it as UTF-8 text or CSV",
        ),
        (b"PK\x05\x06", "is an empty zip archive, not text"),
        (
            b"\xD0\xCF\x11\xE0",
            "is an Office document (an old Excel .xls or Word .doc); save or export it as UTF-8 text or CSV",
        ),
        (
            b"%PDF-",
            "is a PDF file; extract its text first (for example with pdftotext)",
        ),
    ];
    if let Some((_, message)) = signatures.iter().find(|(magic, _)| data.starts_with(magic)) {
        return Some(message.to_string());
    }
    if data.starts_with(&[0xFF, 0xFE, 0, 0]) || data.starts_with(&[0, 0, 0xFE, 0xFF]) {
        return Some(
            "is UTF-32 text (it starts with a UTF-32 byte-order mark); save it as UTF-8".into(),
        );
    }
    if matches!(data, [a, 0, 0, 0, ..] | [0, 0, 0, a, ..] if *a != 0) {
        return Some(
            "looks like UTF-32 text (three zero bytes beside each letter); save it as UTF-8".into(),
        );
    }
    if data.starts_with(&[0xFF, 0xFE]) || data.starts_with(&[0xFE, 0xFF]) {
        return Some(
            "is UTF-16 text (it starts with a UTF-16 byte-order mark); save it as UTF-8".into(),
        );
    }
    let unmarked = match data {
        [a, 0, b, 0, ..] | [0, a, 0, b, ..] => *a != 0 && *b != 0,
        _ => false,
    };
    if unmarked {
        return Some(
            "looks like UTF-16 text (a zero byte beside each letter); save it as UTF-8".into(),
        );
    }
    // Programs and images hold NUL bytes among bytes that are not UTF-8. Without this a
    // binary file given as a CSV failed as "header has no `text` column". A stray NUL in
    // otherwise valid text (a database export's cell) is not enough: such rows were always
    // read, and still are. (A character cut by the end of the head is no evidence.)
    let head = &data[..data.len().min(ENCODING_HINT_BYTES as usize)];
    let not_text = std::str::from_utf8(head).is_err_and(|e| e.error_len().is_some());
    memchr::memchr(0, head)
        .filter(|_| not_text)
        .map(binary_message)
}

/// The message for a file holding a NUL byte at `at`.
pub(crate) fn binary_message(at: usize) -> String {
    format!("holds a NUL byte (at byte offset {at}); is it a binary file? stance reads UTF-8 text")
}

/// Whether two paths name one file: on Unix the same device and inode, which a hard link
/// shares with its target (`canonicalize` resolves symbolic links only); elsewhere, or when
/// either does not exist, the same path once links are resolved, or the same path as given.
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// Whether a CSV row is the end-of-file mark (Ctrl-Z, 0x1A) that DOS tools, and some still
/// run today, write after the last line: no data, not a row with one field. It is skipped
/// rather than taken for the end, so that no row after a stray one is lost.
pub(crate) fn is_dos_eof(record: &csv::ByteRecord) -> bool {
    record.len() == 1 && record[0].trim_ascii() == b"\x1a"
}

/// The likely reason `bytes` (a whole file, or a cell) are not UTF-8. `cut` says the bytes
/// end in the middle of a character and are the whole file, which then looks cut short.
pub(crate) fn utf8_guess(bytes: &[u8], cut: bool) -> &'static str {
    if cut {
        "the file ends in the middle of a UTF-8 character; was it cut short?"
    } else if bytes.contains(&0) {
        "is it a binary file?"
    } else {
        // News copy from Windows tools is often Windows-1252: its curly quotes and dashes are
        // single bytes from 0x80 up, in otherwise plain text.
        "the file looks like Windows-1252 or Latin-1 text; save it as UTF-8"
    }
}

/// Why a cell (or a line) is not UTF-8, in the words the article reader uses: the byte, the
/// text just before it so that it can be found, and the likely cause. `what` names the cell
/// (`text`, ``column `id` ``). Rust's own wording ("invalid utf-8 sequence of 1 bytes from
/// index 7") counts from the start of the cell, which no editor shows.
pub(crate) fn not_utf8(what: &str, bytes: &[u8], error: std::str::Utf8Error) -> String {
    let at = error.valid_up_to();
    let before = String::from_utf8_lossy(&bytes[..at]);
    let before: String = {
        let tail: Vec<char> = before.chars().rev().take(24).collect();
        tail.into_iter().rev().collect()
    };
    // A cell that ends in the middle of a character is a Latin-1 `é` at its end (`José`)
    // far more often than a file cut short, so no cut is guessed here.
    let guess = utf8_guess(bytes, false);
    let place = match before.trim() {
        "" => "at its start".to_string(),
        text => format!("after \"{text}\""),
    };
    format!(
        "{what} is not UTF-8: byte 0x{:02X} {place}; {guess}",
        bytes[at]
    )
}

/// The header's columns, for a "no such column" error: `; the header's columns: id,
/// \u{200b}text, label`. A name that looks right but does not match holds something that
/// does not show, most often a zero-width space or a soft hyphen from a web page or a word
/// processor; names are escaped as unknown labels are (Rust's debug escapes, without the
/// quotes), so it does, and an empty name shows as `""`. Trimmed, as they are matched; at
/// most [`SHOWN_COLUMNS`] names of [`SHOWN_NAME_CHARS`] characters each, since a header may
/// have thousands of columns or a runaway cell.
pub(crate) fn header_columns(headers: &csv::ByteRecord) -> String {
    let mut names: Vec<String> = headers
        .iter()
        .take(SHOWN_COLUMNS)
        .map(|name| {
            let name = String::from_utf8_lossy(strip_bom(name));
            let name = name.trim();
            // An empty name would vanish from the list (`id, , label`).
            if name.is_empty() {
                return "\"\"".to_string();
            }
            let shown: String = name.chars().take(SHOWN_NAME_CHARS).collect();
            let more = if shown.len() < name.len() { "..." } else { "" };
            format!("{}{more}", shown.escape_debug())
        })
        .collect();
    if headers.len() > SHOWN_COLUMNS {
        names.push(format!("... ({} in all)", headers.len()));
    }
    format!("; the header's columns: {}", names.join(", "))
}

/// How many of a header's columns [`header_columns`] shows, and how many characters of each.
const SHOWN_COLUMNS: usize = 12;
const SHOWN_NAME_CHARS: usize = 40;

/// A hint to add to a "no such column" error: a header that is one field holding tabs or
/// semicolons is a file exported with another separator, and a header starting `sep=` is
/// Excel's separator line. Empty otherwise.
pub(crate) fn separator_hint(headers: &csv::ByteRecord) -> String {
    // Excel writes `sep=,` (or `sep=;`) above the header when asked to; read as CSV, it is
    // the header.
    if headers
        .get(0)
        .is_some_and(|first| strip_bom(first).starts_with(b"sep="))
    {
        return "; line 1 is Excel's `sep=` line, not a header: delete that line".into();
    }
    let separator = match headers.iter().collect::<Vec<_>>()[..] {
        [only] if only.contains(&b'\t') => "tabs",
        [only] if only.contains(&b';') => "semicolons",
        _ => return String::new(),
    };
    format!("; the header looks separated by {separator}, but stance reads comma-separated CSV")
}

/// A message for a header cell that runs over lines holding a row's worth of commas: a double
/// quote opened in the header and closed (if ever) in the rows, which it has swallowed. (A
/// name written over two lines, "Source" Alt+Enter "(wire, paper or TV)", is a header of its
/// own choosing.)
pub(crate) fn header_line_break(headers: &csv::ByteRecord) -> Option<String> {
    // A swallowed row has as many commas as the header has, less the one cell it started in.
    let commas = headers.len().saturating_sub(1).max(1);
    let (i, cell) = headers.iter().enumerate().find(|(_, cell)| {
        let mut lines = cell.trim_ascii().split(|&b| b == b'\n');
        lines.next();
        lines.any(|line| line.iter().filter(|&&b| b == b',').count() >= commas)
    })?;
    let shown: String = String::from_utf8_lossy(cell).chars().take(40).collect();
    Some(format!(
        "column {} of the header runs over several lines (\"{}...\"); is a double quote left open?",
        i + 1,
        crate::terminal::one_line(&shown)
    ))
}

/// How many leading bytes [`encoding_hint`] looks at: enough for the signatures, and for a
/// NUL byte to show in a binary file (a PNG's first comes at offset 8, an ELF's at 7).
pub(crate) const ENCODING_HINT_BYTES: u64 = 1024;

/// The line (1-based) of the first byte that is not UTF-8, for messages about a file read
/// whole.
pub(crate) fn line_of_utf8_error(e: &std::string::FromUtf8Error) -> u64 {
    let before = &e.as_bytes()[..e.utf8_error().valid_up_to()];
    memchr::memchr_iter(b'\n', before).count() as u64 + 1
}

/// Column `column` of a CSV row that sits, as plain text, on `line` of another row's
/// multi-line text: where a double quote left open in the text column has put it. Columns
/// before the text are counted from the line's start, those after it from its end (the
/// text's own commas come first). `None` for a line without a comma, which no row of two or
/// more columns is. Quotes around the field are dropped.
pub(crate) fn field_of_swallowed_row(
    line: &str,
    column: usize,
    text_col: usize,
    columns: usize,
) -> Option<&str> {
    let fields: Vec<&str> = line.split(',').collect();
    if fields.len() < 2 {
        return None;
    }
    let at = if column < text_col {
        column
    } else {
        (fields.len() + column).checked_sub(columns)?
    };
    Some(fields.get(at)?.trim().trim_matches('"'))
}

/// Turns a csv crate error into ours, keeping the line it reports.
pub(crate) fn csv_error(name: &str, e: csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    match e.into_kind() {
        csv::ErrorKind::Io(io) => Error::io(name, io),
        kind => Error::Data {
            path: name.into(),
            line,
            message: format!("{kind:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A wide header, or one with a runaway cell, makes a short list.
    #[test]
    fn header_columns_are_escaped_and_capped() {
        let header = |names: &[&str]| csv::ByteRecord::from(names.to_vec());
        assert_eq!(
            header_columns(&header(&["\u{feff}id", " \u{200b}text ", "la\"bel"])),
            "; the header's columns: id, \\u{200b}text, la\\\"bel"
        );
        assert_eq!(
            header_columns(&header(&["id", " ", "label"])),
            "; the header's columns: id, \"\", label"
        );
        let wide: Vec<String> = (1..=30).map(|i| format!("c{i}")).collect();
        let wide: Vec<&str> = wide.iter().map(String::as_str).collect();
        assert_eq!(
            header_columns(&header(&wide)),
            "; the header's columns: c1, c2, c3, c4, c5, c6, c7, c8, c9, c10, c11, c12, ... \
             (30 in all)"
        );
        let long = "x".repeat(1000);
        assert_eq!(
            header_columns(&header(&[&long])),
            format!("; the header's columns: {}...", "x".repeat(40))
        );
    }

    /// A name's escape sequence reaches no output format raw (CSV output used to write it);
    /// line ends and tabs stay for `open_error` to show quoted.
    #[test]
    fn control_characters_in_names_are_escaped() {
        let name = path_name(Path::new("a\u{1b}[31mred\r.txt"));
        assert_eq!(name, "a\\u{1B}[31mred\\u{D}.txt");
        assert_eq!(path_name(Path::new("a\tb\n")), "a\tb\n");
    }

    #[test]
    fn a_quote_closed_before_its_field_ends_is_found() {
        let line_of = |data: &str| quote_closed_early(data.as_bytes()).map(|(line, _)| line);
        // Well-formed: doubled quotes inside, a quoted line break, quotes inside an unquoted
        // field (read as written), an empty quoted field, CRLF and CR line ends.
        assert_eq!(line_of("text,label\n\"A \"\"b\"\", c.\",x\n"), None);
        assert_eq!(
            line_of("text,label\n\"A\nb.\",x\r\nHe said \"no\".,x\r\"\",x"),
            None
        );
        // Line numbers count LF, CRLF and lone CR, inside quoted fields too; the line is the
        // one the field opens on.
        assert_eq!(line_of("text,label\n\"We will,\" he said.,x\n"), Some(2));
        assert_eq!(
            line_of("text,label\r\nA.,x\r\"B\nc.\",x\r\n\"a\"x,y\n"),
            Some(5)
        );
        // Spaces or tabs after the closing quote are kept by the reader and harmless; a word
        // after them is not.
        assert_eq!(line_of("text,label\nA.,\"x\" \t\n\"B.\" ,y\n"), None);
        assert_eq!(line_of("text,label\nA.,\"x\" y\n"), Some(2));
        let (_, message) =
            quote_closed_early(b"text,label\n\"We will,\" he said.,x\nB.,y\n").unwrap();
        assert!(
            message.contains(": \"We will,\" he said.,x; write the whole field"),
            "{message}"
        );
    }

    /// Header names are matched trimmed and in any case, and so is the name asked for: a
    /// library caller's `" body"` finds `Body ` (only the CLI used to trim it).
    #[test]
    fn columns_are_matched_trimmed_on_both_sides() {
        let headers = csv::ByteRecord::from(vec!["id", "Body ", "\u{FEFF}text"]);
        assert_eq!(unique_column(&headers, " body", "f.csv").unwrap(), Some(1));
        assert_eq!(unique_column(&headers, "TEXT", "f.csv").unwrap(), Some(2));
        assert_eq!(unique_column(&headers, "label", "f.csv").unwrap(), None);
    }

    /// `STANCE_MODEL=$'models/stance.json\n'` used to print as `models/stance.json : No such
    /// file or directory`, naming a file that exists.
    #[test]
    fn a_missing_file_whose_name_ends_in_white_space_is_shown_quoted() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("model.json");
        std::fs::write(&real, "{}").unwrap();
        for suffix in ["\n", " ", "\t"] {
            let odd = std::path::PathBuf::from(format!("{}{suffix}", real.display()));
            let err = open_source(&odd).err().unwrap().to_string();
            let quoted = format!("{:?}", format!("{}{suffix}", real.display()));
            assert!(
                err.contains("No such file") && err.contains(&quoted),
                "{err}"
            );
        }
        // A carriage return (a path read from a CRLF file), which the name shows escaped.
        let odd = std::path::PathBuf::from(format!("{}\r", real.display()));
        let err = open_source(&odd).err().unwrap().to_string();
        assert!(
            err.contains(&format!("note the name is \"{}\\u{{D}}\"", real.display())),
            "{err}"
        );
        // An ordinary missing name keeps the system's words alone.
        let err = open_source(&dir.path().join("gone.json"))
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.ends_with("gone.json: No such file or directory (os error 2)"),
            "{err}"
        );
    }

    #[test]
    fn a_run_of_blank_lines_is_held_as_one_entry() {
        let mut input = b"id,text\n".to_vec();
        input.extend(std::iter::repeat_n(b'\n', 100_000));
        input.extend(b"1,Talks resumed.\n");
        let mut lf = CrlfToLf::new(&input[..]);
        let mut out = Vec::new();
        lf.read_to_end(&mut out).unwrap();
        // One run for the header's line end and the blank lines after it, one for the row's:
        // two entries, where single offsets took 100,002.
        assert_eq!(lf.ahead.len(), 2);
        // The row on line 100,002 is still named so.
        assert_eq!(lf.line_at(8 + 100_000), 100_002);
    }

    #[test]
    fn crlf_and_lone_cr_become_lf_across_chunk_edges() {
        // A reader that hands out one byte at a time puts every `\r` at a chunk edge.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((&first, rest)) = self.0.split_first() else {
                    return Ok(0);
                };
                buf[0] = first;
                self.0 = rest;
                Ok(1)
            }
        }
        let input = b"a\r\nb\rc\r\n\r";
        for chunked in [false, true] {
            let mut out = Vec::new();
            if chunked {
                CrlfToLf::new(Trickle(input)).read_to_end(&mut out).unwrap();
            } else {
                CrlfToLf::new(&input[..]).read_to_end(&mut out).unwrap();
            }
            assert_eq!(out, b"a\nb\nc\n\n", "chunked: {chunked}");
        }
    }

    #[test]
    fn reads_stop_at_their_caps() {
        let mut bytes = Vec::new();
        assert!(read_capped(&b"12345"[..], 5, &mut bytes).unwrap());
        assert_eq!(bytes, b"12345");
        bytes.clear();
        assert!(!read_capped(&b"123456"[..], 5, &mut bytes).unwrap());
        // Lines of up to 4 bytes pass, however many; a fifth byte without a break fails.
        let mut out = Vec::new();
        LineCap::with_max(&b"abcd\nabcd\nab"[..], 4)
            .read_to_end(&mut out)
            .unwrap();
        assert_eq!(out, b"abcd\nabcd\nab");
        let err = LineCap::with_max((&b"ab\nab"[..]).chain(&b"cde\n"[..]), 4)
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(err.to_string().contains("without a line break"), "{err}");
        let err = LineCap::with_max((&b"ab\nab"[..]).chain(&b"cde"[..]), 4)
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(err.to_string().contains("without a line break"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn paths_that_are_not_utf8_keep_distinct_names() {
        use std::os::unix::ffi::OsStrExt;
        let latin1 = Path::new(std::ffi::OsStr::from_bytes(b"r\xe9sum\xe9.txt"));
        let other = Path::new(std::ffi::OsStr::from_bytes(b"r\xe8sum\xe8.txt"));
        assert_eq!(path_name(latin1), r"r\xE9sum\xE9.txt");
        assert_ne!(path_name(latin1), path_name(other));
        assert_eq!(path_name(Path::new("résumé.txt")), "résumé.txt");
    }
}
