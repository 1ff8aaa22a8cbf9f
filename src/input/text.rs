//! Plain-text articles: a file read whole as one document, and the sniffing of markup (an
//! HTML page, a feed, an RTF file, tags left in a scraped text) that would be read as words.
//!
//! Apart from the row readers because an article is read at once rather than streamed, and
//! is refused outright if it is a page or a feed; [`holds_markup`] only counts the texts
//! (of articles and rows alike) that hold tags, for a note.

use std::path::Path;

use super::Document;
use crate::error::{Error, Result};
use crate::source::{
    MAX_WHOLE_FILE_BYTES, binary_message, encoding_hint, line_of_utf8_error, open_source,
    read_whole, utf8_guess,
};

/// Reads a whole plain-text article. Invalid UTF-8 is an error naming the byte offset, since
/// silently replacing bytes would shift every offset the output reports.
pub(super) fn read_text(path: &Path) -> Result<Document> {
    let (name, reader) = open_source(path)?;
    let bytes = read_whole(
        reader,
        &name,
        MAX_WHOLE_FILE_BYTES,
        "split it into articles, or pass them as rows with --input csv or jsonl",
    )?;
    if let Some(message) = encoding_hint(&bytes) {
        return Err(Error::File {
            path: name.clone(),
            message,
        });
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let at = e.utf8_error().valid_up_to();
        let line = line_of_utf8_error(&e);
        let guess = utf8_guess(bytes, e.utf8_error().error_len().is_none());
        Error::Data {
            path: name.clone(),
            line,
            message: format!(
                "byte 0x{:02X} (at byte offset {at}) is not UTF-8; {guess}",
                bytes[at]
            ),
        }
    })?;
    // Valid UTF-8, but no article holds NUL bytes: a disk image, or a file of zeros.
    if let Some(at) = memchr::memchr(0, text.as_bytes()) {
        return Err(Error::File {
            path: name,
            message: binary_message(at),
        });
    }
    if let Some(message) = markup_hint(&text) {
        return Err(Error::File {
            path: name,
            message,
        });
    }
    Ok(Document {
        source: name.into(),
        line: None,
        text,
        fields: Vec::new(),
    })
}

/// A message for an article that is a web page or a rich-text file rather than plain text:
/// its tags or control words would be read as words, and its paragraphs, on lines of their
/// own only once rendered, would run into one sentence. (macOS TextEdit saves RTF, even
/// under a `.txt` name.) A page may open with a doctype, an XML declaration, a comment
/// (browsers write `<!-- saved from url=... -->`) or a bare `<html>`, `<head>` or `<body>`;
/// it is taken for HTML only if it also closes a page's tag somewhere (`</p>`, `</body>`,
/// ...), so that prose that begins by naming a tag (`<html> tags are ...`) is still prose.
fn markup_hint(text: &str) -> Option<String> {
    let start = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}');
    let head: String = start
        .chars()
        // Saved pages can open with a long comment (the page's address) or licence text.
        .take(2000)
        .collect::<String>()
        .to_ascii_lowercase();
    let opens_tag = |tag: &str| {
        head.strip_prefix(tag)
            .is_some_and(|rest| rest.starts_with(|c: char| c == '>' || c.is_whitespace()))
    };
    let html_start = head.starts_with("<!doctype")
        || opens_tag("<html")
        || opens_tag("<head")
        || opens_tag("<body")
        || ((head.starts_with("<?xml") || head.starts_with("<!--")) && head.contains("<html"));
    // Whether the whole text closes one of `tags` somewhere; only asked once the opening
    // looks like markup, since it reads the whole text.
    let closes_any = |tags: &[&str]| {
        let lower = text.to_ascii_lowercase();
        tags.iter().any(|tag| lower.contains(tag))
    };
    if html_start && closes_any(&["</html", "</body", "</head", "</p>", "</div", "</title"]) {
        return Some(
            "is an HTML page, not plain text; save the page as text (or copy its article text \
             into a .txt file)"
                .into(),
        );
    }
    // RSS and Atom feeds: their items' text sits in tags, one sentence run into the next.
    let feed_start = opens_tag("<rss")
        || opens_tag("<feed")
        || (head.starts_with("<?xml")
            && ["<rss", "<feed", "<rdf:rdf"]
                .iter()
                .any(|t| head.contains(t)));
    if feed_start && closes_any(&["</rss", "</feed", "</rdf:rdf"]) {
        return Some(
            "is an RSS or Atom feed (XML), not plain text; extract its items' text first (into \
             .txt files, or rows with --input csv or jsonl)"
                .into(),
        );
    }
    if head.starts_with("{\\rtf") && head[5..].starts_with(|c: char| c.is_ascii_digit()) {
        return Some(
            "is a rich-text (RTF) file, not plain text; save it as plain text (TextEdit: Format \
             > Make Plain Text)"
                .into(),
        );
    }
    None
}

/// Whether a text holds HTML markup: two or more of the tags and entities that scraped
/// pages and feeds leave behind. One alone is not enough, since prose can name a tag ("the
/// `<br>` tag"), and `AT&amp;T` once is a slip, not a page. A text with no `<` or `&` costs
/// one scan.
pub(super) fn holds_markup(text: &str) -> bool {
    const MARKUP: [&str; 12] = [
        "<p>", "</p>", "<br>", "<br/>", "<br />", "<div", "</div>", "<li>", "</li>", "</a>",
        "&nbsp;", "&amp;",
    ];
    let bytes = text.as_bytes();
    let mut found = 0;
    for at in memchr::memchr2_iter(b'<', b'&', bytes) {
        let rest = &bytes[at..];
        if MARKUP
            .iter()
            .any(|m| rest.len() >= m.len() && rest[..m.len()].eq_ignore_ascii_case(m.as_bytes()))
        {
            found += 1;
            if found == 2 {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use crate::input::test_support::write;
    use crate::input::{Documents, InputFormat};

    #[test]
    fn missing_file_and_binary_text_are_errors() {
        let err = Documents::open(&[PathBuf::from("/no/such/file.txt")], InputFormat::Text)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("/no/such/file.txt"), "{err}");
        let dir = tempfile::tempdir().unwrap();
        let first_error = |name: &str, bytes: &[u8]| {
            let path = write(dir.path(), name, bytes);
            Documents::open(&[path], InputFormat::Text)
                .unwrap()
                .next()
                .unwrap()
                .unwrap_err()
                .to_string()
        };
        let err = first_error("bin.txt", b"ok\x00\xff\xfe");
        assert!(
            err.contains("holds a NUL byte (at byte offset 2)") && err.contains("binary"),
            "{err}"
        );
        // Not UTF-8 and past the first KiB, with a NUL byte: still called binary.
        let mut late = b"Talks resumed. ".repeat(80);
        late.extend_from_slice(b"\xff\x00");
        let err = first_error("late.txt", &late);
        assert!(
            err.contains("byte 0xFF (at byte offset 1200) is not UTF-8") && err.contains("binary"),
            "{err}"
        );
        // Windows-1252 curly quotes, the usual way news copy arrives not as UTF-8.
        let err = first_error(
            "cp1252.txt",
            b"Talks resumed.\nIt was \x93a betrayal\x94.\n",
        );
        assert!(
            err.contains("line 2: byte 0x93 (at byte offset 22) is not UTF-8")
                && err.contains("Windows-1252"),
            "{err}"
        );
        let err = first_error("utf16.txt", b"\xff\xfeH\x00i\x00");
        assert!(err.contains("UTF-16"), "{err}");
        let err = first_error("utf32.txt", b"\xff\xfe\x00\x00H\x00\x00\x00");
        assert!(err.contains("is UTF-32"), "{err}");
        // Cut off in the middle of a character: no guess at another encoding.
        let err = first_error("cut.txt", "日本と中国".as_bytes().split_last().unwrap().1);
        assert!(
            err.contains("ends in the middle of a UTF-8 character"),
            "{err}"
        );
        let err = first_error("utf32le.txt", b"H\x00\x00\x00i\x00\x00\x00");
        assert!(err.contains("looks like UTF-32"), "{err}");
        // Valid UTF-8, yet no article: a file of zero bytes.
        let err = first_error("zeros.txt", &[0; 64]);
        assert!(err.contains("NUL byte") && err.contains("binary"), "{err}");
    }
}
