//! The JSON Lines reader: the objects of one JSON Lines source, one per line, each a
//! document, with their members kept in the order they were written.
//!
//! Apart from the CSV reader because JSON's troubles are its own: a JSON document given
//! instead of JSON Lines, serde_json's messages to put in the file's terms (its line, a
//! column in characters), and keys that are known only object by object.

use std::borrow::Cow;
use std::io::{self, BufRead, BufReader, Read};
use std::sync::Arc;

use serde_json::Value;

use super::{Columns, Document};
use crate::error::{Error, Result};
use crate::source::LineCap;

/// Objects of one JSON Lines source.
pub(super) struct JsonlRows {
    name: Arc<str>,
    lines: io::Lines<BufReader<LineCap<Box<dyn Read + Send>>>>,
    /// Lines read so far (the current line's number, once it is read).
    line: u64,
    /// Name of the text field.
    field: String,
    /// Objects read so far.
    rows: u64,
}

impl JsonlRows {
    /// Reads `reader` as JSON Lines, the text in each object's `text_field`.
    pub(super) fn open(name: String, reader: Box<dyn Read + Send>, text_field: &str) -> Self {
        JsonlRows {
            name: name.into(),
            lines: BufReader::new(LineCap::new(reader)).lines(),
            line: 0,
            field: text_field.to_string(),
            rows: 0,
        }
    }

    /// The next object as a document, `None` at the end of the source; the first object sets
    /// `columns` if nothing has yet.
    pub(super) fn next_document(&mut self, columns: &mut Columns) -> Option<Result<Document>> {
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
            if *rows == 0
                && let Some(message) = not_json_lines(&raw)
            {
                return Some(Err(bad(message)));
            }
            let JsonRow(mut fields) = match serde_json::from_str::<JsonRow>(&raw) {
                Ok(row) => row,
                // Well-formed JSON of the wrong shape: a number, or a key written twice.
                Err(e) if e.classify() == serde_json::error::Category::Data => {
                    return Some(Err(bad(strip_position(&e))));
                }
                Err(e) => return Some(Err(bad(json_syntax_message(&e, &raw)))),
            };
            let at = fields.iter().position(|(k, _)| **k == **field);
            let text = match at.map(|i| fields.remove(i).1) {
                Some(Value::String(s)) => s,
                Some(_) => return Some(Err(bad(format!("field `{field}` is not a string")))),
                None => return Some(Err(bad(missing_field(field, &fields)))),
            };
            // Pass-through values went into serde_json's maps, where a key written twice
            // keeps its last value; the line is read again for them, key by key, only when a
            // value holds an object, so rows of plain values cost nothing more.
            if fields.iter().any(|(_, v)| holds_object(v))
                && let Err(e) = serde_json::from_str::<NestedKeys>(&raw)
            {
                return Some(Err(bad(strip_position(&e))));
            }
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

    /// Adds what is worth saying about the source, once it has been read to its end.
    pub(super) fn finish(&self, notes: &mut Vec<String>) {
        if self.rows == 0 {
            notes.push(format!("{}: holds no JSON objects", self.name));
        }
    }
}

/// One JSON Lines row: an object's members in the order they were written. A key written
/// twice is an error rather than the last value silently winning, as it would in a map
/// (below the top level, [`NestedKeys`] sees to that).
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

/// The message for an object without the text's field `field`. JSON keys are matched
/// exactly while CSV column names are not, so `{"Text": ...}` is named when it is there: the
/// file holds a text, only under another spelling. (Matching stays exact: an object may hold
/// both `text` and `Text`, and which to read would be a guess.)
fn missing_field(field: &str, fields: &[(Arc<str>, Value)]) -> String {
    let lower = |s: &str| s.chars().flat_map(char::to_lowercase).collect::<String>();
    let wanted = lower(field);
    let Some((key, _)) = fields.iter().find(|(k, _)| lower(k) == wanted) else {
        return format!("no `{field}` field (set --text-field)");
    };
    let key = crate::terminal::one_line(key);
    // As it would be typed in a shell: quoted when it holds more than letters, digits, `_`,
    // `-` and `.`.
    let plain = key
        .chars()
        .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.'));
    let arg = match plain {
        true => key.to_string(),
        false => format!("'{}'", key.replace('\'', r"'\''")),
    };
    // A value that starts with `-` would be read as a flag after a space.
    let sep = if arg.starts_with('-') { '=' } else { ' ' };
    format!(
        "no `{field}` field; the object has `{key}` (field names are case-sensitive: set \
         --text-field{sep}{arg})"
    )
}

/// Whether a pass-through value is or holds an object (whose keys [`NestedKeys`] checks).
fn holds_object(value: &Value) -> bool {
    match value {
        Value::Object(_) => true,
        Value::Array(items) => items.iter().any(holds_object),
        _ => false,
    }
}

/// A JSON Lines row read only to find a key written twice in an object at any depth, which
/// [`JsonRow`] cannot see below the top level: its values are serde_json `Value`s, whose maps
/// keep a repeated key's last value (`{"id":{"source":"AFP","source":"Reuters"}}` passed
/// `Reuters` through alone). An error, as at the top level, rather than the object passed
/// through as written: output writes values, not the line's text, and which of two values a
/// reader downstream would take is as much a guess as ours.
struct NestedKeys;

impl<'de> serde::Deserialize<'de> for NestedKeys {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        use serde::de::DeserializeSeed;
        KeysAt(&mut Vec::new()).deserialize(deserializer)?;
        Ok(NestedKeys)
    }
}

/// One step of the way from a row to a value inside it, for messages.
enum Step<'de> {
    Key(Cow<'de, str>),
    Index(usize),
}

/// The way to a value, as `id.source` or `ids[2]`, for messages; `None` at the top level.
fn path_of(steps: &[Step<'_>]) -> Option<String> {
    use std::fmt::Write as _;
    let mut path = String::new();
    for step in steps {
        match step {
            Step::Key(key) if path.is_empty() => path.push_str(key),
            Step::Key(key) => {
                let _ = write!(path, ".{key}");
            }
            Step::Index(i) => {
                let _ = write!(path, "[{i}]");
            }
        }
    }
    (!steps.is_empty()).then_some(path)
}

/// Checks the keys of every object within a value, which lies at `.0` in its row.
struct KeysAt<'a, 'de>(&'a mut Vec<Step<'de>>);

impl<'de> serde::de::DeserializeSeed<'de> for KeysAt<'_, 'de> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for KeysAt<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> std::result::Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<(), A::Error> {
        let steps = self.0;
        for i in 0.. {
            steps.push(Step::Index(i));
            let more = seq.next_element_seed(KeysAt(steps))?.is_some();
            steps.pop();
            if !more {
                break;
            }
        }
        Ok(())
    }

    // (A number comes here too, as serde_json's one-member map that keeps its digits under
    // `arbitrary_precision`; it has one key, so it passes.)
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> std::result::Result<(), A::Error> {
        let steps = self.0;
        let mut seen = SeenKeys::default();
        while let Some(key) = map.next_key_seed(Key)? {
            if !seen.insert(key.clone()) {
                let place = path_of(steps).map_or(String::new(), |path| {
                    format!(" (in `{}`)", crate::terminal::one_line(&path))
                });
                return Err(serde::de::Error::custom(format_args!(
                    "key `{}` is written twice in one object{place}",
                    crate::terminal::one_line(&key)
                )));
            }
            steps.push(Step::Key(key));
            map.next_value_seed(KeysAt(steps))?;
            steps.pop();
        }
        Ok(())
    }
}

/// Keys met in one object: a list while there are few (most objects hold a handful, and a
/// list costs no hashing), a set beyond, so an object of thousands stays linear.
#[derive(Default)]
struct SeenKeys<'de> {
    few: Vec<Cow<'de, str>>,
    many: rustc_hash::FxHashSet<Cow<'de, str>>,
}

impl<'de> SeenKeys<'de> {
    /// Whether `key` is new to the object; it is met from now on.
    fn insert(&mut self, key: Cow<'de, str>) -> bool {
        if !self.many.is_empty() {
            return self.many.insert(key);
        }
        if self.few.contains(&key) {
            return false;
        }
        self.few.push(key);
        if self.few.len() > 16 {
            self.many.extend(self.few.drain(..));
        }
        true
    }
}

/// An object's key, borrowed from the line unless it holds an escape (so a clone is cheap).
struct Key;

impl<'de> serde::de::DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> std::result::Result<Cow<'de, str>, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a key")
    }

    fn visit_borrowed_str<E>(self, key: &'de str) -> std::result::Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(key))
    }

    fn visit_str<E>(self, key: &str) -> std::result::Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(key.to_string()))
    }
}

/// The message for a first line that opens a JSON document rather than JSON Lines, if it
/// does: an array, or an object spread over lines (`json.dump(..., indent=2)`). Valid JSON,
/// so "invalid JSON" would mislead.
fn not_json_lines(raw: &str) -> Option<String> {
    let opening = raw.trim();
    if !(opening.starts_with('[') || opening == "{") {
        return None;
    }
    let (shape, convert) = match opening.starts_with('[') {
        true => ("a JSON array", "jq -c '.[]'"),
        false => ("a JSON object spread over several lines", "jq -c ."),
    };
    Some(format!(
        "this looks like {shape}, not JSON Lines, which needs one object per line; convert \
         it with `{convert}`"
    ))
}

/// The message for a line `raw` that serde_json could not parse (`e`, not a well-formed value
/// of the wrong shape), in the file's terms, with a hint where the cause is a known one.
fn json_syntax_message(e: &serde_json::Error, raw: &str) -> String {
    // `lines()` splits at LF (and CRLF) only, so a file whose lines end in a lone CR arrives
    // as one line with the second object as trailing text.
    let hint = if raw.trim_end().contains('\r') {
        "; its lines seem to end in a lone carriage return (CR), and JSON Lines needs LF or \
         CRLF line ends"
    } else {
        ""
    };
    // A lone surrogate escape (`\ud800`), which some encoders write for broken text, is
    // reported by serde_json as a bad hex escape.
    let surrogate = if e.to_string().contains("escape") && raw.contains("\\ud") {
        "; a lone UTF-16 surrogate escape such as \\ud800 is not text"
    } else {
        ""
    };
    // The line is the file's; serde_json's "at line 1 column N" would contradict it, so only
    // the column is kept, counted in characters as an editor does (serde_json counts bytes).
    let column = raw
        .get(..e.column().saturating_sub(1))
        .map_or(e.column(), |before| before.chars().count() + 1);
    let reason = strip_position(e);
    // Valid JSON, but deeper than serde_json goes (its guard against running out of stack);
    // "invalid" would send the user looking for a typo.
    if reason == "recursion limit exceeded" {
        return format!(
            "a value nests more than 128 arrays or objects deep (at column {column}); stance \
             reads JSON up to that depth"
        );
    }
    format!("invalid JSON at column {column} ({reason}){hint}{surrogate}")
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::Arc;

    use serde_json::Value;

    use crate::error::Result;
    use crate::input::test_support::write;
    use crate::input::{Document, Documents, InputFormat};

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

    /// JSON keys are case-sensitive, CSV column names not; `{"Text": ...}` got no hint.
    #[test]
    fn a_field_named_in_another_case_is_suggested() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "caps.jsonl",
            "{\"id\":1,\"Text\":\"Talks resumed.\"}\n{\"Body Text\":\"A.\"}\n{\"x\":1}\n"
                .as_bytes(),
        );
        let mut docs = Documents::open(
            std::slice::from_ref(&path),
            InputFormat::Jsonl {
                text_field: "text".into(),
            },
        )
        .unwrap();
        let err = docs.next().unwrap().unwrap_err().to_string();
        assert!(
            err.ends_with(
                "caps.jsonl: line 1: no `text` field; the object has `Text` (field names are \
                 case-sensitive: set --text-field Text)"
            ),
            "{err}"
        );
        let mut docs = Documents::open(
            &[path],
            InputFormat::Jsonl {
                text_field: "body text".into(),
            },
        )
        .unwrap();
        let err = docs.nth(1).unwrap().unwrap_err().to_string();
        assert!(
            err.ends_with(
                "line 2: no `body text` field; the object has `Body Text` (field names are \
                 case-sensitive: set --text-field 'Body Text')"
            ),
            "{err}"
        );
        // Without a near miss, the message is as it was.
        let err = docs.next().unwrap().unwrap_err().to_string();
        assert!(
            err.ends_with("line 3: no `body text` field (set --text-field)"),
            "{err}"
        );
        // A name that starts with `-` is joined with `=`, or the shell word reads as a flag.
        let path = write(dir.path(), "dash.jsonl", b"{\"-Text\":\"A.\"}\n");
        let mut docs = Documents::open(
            &[path],
            InputFormat::Jsonl {
                text_field: "-text".into(),
            },
        )
        .unwrap();
        let err = docs.next().unwrap().unwrap_err().to_string();
        assert!(err.ends_with("set --text-field=-Text)"), "{err}");
    }

    /// A key written twice below the top level used to keep its last value without a word
    /// (`{"id":{"source":"Reuters"}}` passed through), while at the top level it is an error.
    #[test]
    fn a_key_written_twice_in_a_nested_object_is_an_error_too() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "nested.jsonl",
            b"{\"id\":{\"source\":\"AFP\",\"source\":\"Reuters\"},\"text\":\"Talks resumed.\"}\n\
              {\"text\":\"A.\",\"meta\":[{\"a\":1},{\"b\":{\"c\":1,\"c\":2}}]}\n\
              {\"text\":\"B.\",\"m\":{\"a\":{\"x\":1},\"b\":[{\"x\":1},{\"x\":123456789012345678901234567890}]}}\n",
        );
        let format = InputFormat::Jsonl {
            text_field: "text".into(),
        };
        let mut docs = Documents::open(&[path], format).unwrap();
        let err = docs.next().unwrap().unwrap_err().to_string();
        assert!(
            err.ends_with(
                "nested.jsonl: line 1: key `source` is written twice in one object (in `id`)"
            ),
            "{err}"
        );
        let err = docs.next().unwrap().unwrap_err().to_string();
        assert!(
            err.ends_with("line 2: key `c` is written twice in one object (in `meta[1].b`)"),
            "{err}"
        );
        // The same key in sibling objects is no repeat, and numbers keep every digit.
        let third = docs.next().unwrap().unwrap();
        assert_eq!(
            third.fields[0].1.to_string(),
            r#"{"a":{"x":1},"b":[{"x":1},{"x":123456789012345678901234567890}]}"#
        );
        // A key written with an escape is the same key; and past a few keys, kept in a set.
        let keys: Vec<String> = (0..40).map(|i| format!("\"k{i}\":{i}")).collect();
        let lines = format!(
            "{{\"text\":\"C.\",\"x\":{{\"ab\":1,\"a\\u0062\":2}}}}\n\
             {{\"text\":\"D.\",\"x\":{{{},\"k7\":0}}}}\n",
            keys.join(",")
        );
        let path = write(dir.path(), "more.jsonl", lines.as_bytes());
        let format = InputFormat::Jsonl {
            text_field: "text".into(),
        };
        let mut docs = Documents::open(&[path], format).unwrap();
        for key in ["ab", "k7"] {
            let err = docs.next().unwrap().unwrap_err().to_string();
            assert!(
                err.ends_with(&format!(
                    "key `{key}` is written twice in one object (in `x`)"
                )),
                "{err}"
            );
        }
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
}
