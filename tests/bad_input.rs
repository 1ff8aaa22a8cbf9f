//! Bad input never crashes `stance`, errors name the file, line and value, and nothing the
//! user had is lost. Each case asserts the exit code, the message and, where files are
//! involved, that they did not change.
//!
//! Sections, in the order of docs/robustness.md where it has one: labelled CSV, model files,
//! articles and rows, paths and standard input, arguments, terminal safety, nothing lost,
//! closed and full output streams.

mod common;

use std::path::Path;
use std::process::{Command as StdCommand, Stdio};
use std::time::{Duration, Instant};

use common::{data, fixture_model, repo, stance, stdout_of};
use predicates::prelude::*;

// === Labelled CSV (`train`, `evaluate`) ===

/// Runs `train` and `evaluate` on a CSV with the given bytes; both must fail with exit 1 and
/// a message containing every fragment.
fn labelled_csv_fails(dir: &Path, name: &str, bytes: &[u8], fragments: &[&str]) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    let model = fixture_model(dir);
    let out = dir.join("out.json");
    for args in [
        vec![
            "train".to_string(),
            "--out".into(),
            out.display().to_string(),
        ],
        vec![
            "evaluate".to_string(),
            "--model".into(),
            model.display().to_string(),
        ],
    ] {
        let mut assert = stance().args(&args).arg(&path).assert().code(1);
        for f in fragments {
            assert = assert.stderr(predicate::str::contains(*f));
        }
        assert.stderr(predicate::str::contains(name));
    }
    assert!(!out.exists(), "a failed train must not write a model");
}

#[test]
fn labelled_csv_errors_name_file_line_and_value() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: &[(&str, &[u8], &[&str])] = &[
        ("empty.csv", b"", &["empty"]),
        ("header_only.csv", b"text,label\n", &["no rows"]),
        (
            "no_text.csv",
            b"sentence,label\nA.,analytical\n",
            &["line 1", "no `text` column"],
        ),
        (
            "no_label.csv",
            b"text,stance\nA.,analytical\n",
            &["line 1", "no `label` column"],
        ),
        // A text that opens with a quotation, unescaped: the reader would drop its quotes.
        (
            "quote_closed_early.csv",
            b"text,label\nTalks.,analytical\n\"We will not yield,\" the minister said.,adversarial\n",
            &["line 3", "goes on after the quote that closes it", "\"We will not yield,\" the"],
        ),
        // Two files joined with `cat`: the second header used to be "unknown label".
        (
            "joined.csv",
            b"text,label\nA.,analytical\ntext,label\nB.,adversarial\n",
            &["line 3", "repeats the header row", "cat a.csv b.csv"],
        ),
        // A double quote left open swallows the rows after it, from any column.
        (
            "open_quote_note.csv",
            b"text,label,note\nTalks were held.,analytical,\"first batch\nMoscow warned.,adversarial,\n",
            &["line 2", "the `note` field runs over several lines", "double quote left open"],
        ),
        (
            "open_quote_label.csv",
            b"text,label\nBoth agreed.,\"conciliatory\nMoscow warned.,adversarial\nTalks.,analytical\n",
            &["line 2", "the `label` field", "double quote left open"],
        ),
        (
            "open_quote_at_end.csv",
            b"text,label\nThe ministers met.,analytical\n\"He said no,adversarial\nBoth agreed.,conciliatory\n",
            &["line 3", "has a label where a row of this file has it", "double quote left open"],
        ),
        (
            "two_story_columns.csv",
            b"text,label,story,Story\nA.,analytical,,s1\n",
            &["line 1", "two `story` columns"],
        ),
        (
            "story_not_utf8.csv",
            b"text,label,story\nA.,analytical,s\xe9\n",
            &["line 2", "column `story` is not UTF-8: byte 0xE9 after \"s\""],
        ),
        (
            "unknown_label.csv",
            b"text,label\nA.,analytical\nB.,friendly\n",
            &[
                "line 3",
                "\"friendly\"",
                "adversarial, analytical, conciliatory",
            ],
        ),
        (
            "empty_text.csv",
            b"text,label\nA.,analytical\n\"  \",adversarial\n",
            &["line 3", "empty text"],
        ),
        (
            "bad_utf8.csv",
            b"text,label\nA.,analytical\nB\xff\xfe.,adversarial\n",
            &["line 3", "UTF-8"],
        ),
        (
            "short_row.csv",
            b"text,label\nA.,analytical\nB.\n",
            &["line 3", "1 field"],
        ),
        (
            // An unquoted comma in the text used to cut it short without a word.
            "comma_in_text.csv",
            b"label,text\nanalytical,A.\nadversarial,Officials warned of war, and threatened more.\n",
            &["line 3", "3 fields but the header names 2", "double quotes"],
        ),
        (
            // A quote left open merged the next rows into this text without a word.
            "open_quote.csv",
            b"text,label\nA.,analytical\n\"B said \"\"no.,adversarial\n\"C.\",conciliatory\n",
            &["line 3", "its line 1 has a label", "double quote left open"],
        ),
        (
            "tab_separated.csv",
            b"text\tlabel\nA.\tanalytical\n",
            &["line 1", "no `text` column", "separated by tabs"],
        ),
        (
            "two_text_columns.csv",
            b"text,Text,label\nA.,B.,analytical\n",
            &["line 1", "two `text` columns (columns 1 and 2)"],
        ),
        (
            "utf16.csv",
            b"\xff\xfet\x00e\x00x\x00t\x00,\x00l\x00",
            &["UTF-16", "save it as UTF-8"],
        ),
        (
            "huge_cell.csv",
            &[
                &b"text,label\nA.,analytical\n\""[..],
                &b"word ".repeat(300_000),
                &b"\",adversarial\n"[..],
            ]
            .concat(),
            &["line 3", "text is 1464 KiB long", "at most 1024 KiB"],
        ),
        (
            "utf16_no_mark.csv",
            b"t\x00e\x00x\x00t\x00,\x00l\x00",
            &["looks like UTF-16", "save it as UTF-8"],
        ),
        // A quote opened in the header swallowed rows: 1 of 3 scored, exit 0.
        (
            "open_quote_header.csv",
            b"text,label,\"note\nTalks resumed.,analytical,s1\nOfficials warned.,adversarial,s2\"\nPeace.,conciliatory,x\n",
            &["line 1", "column 3 of the header runs over several lines", "double quote left open"],
        ),
        // Compressed or spreadsheet files were said to be "separated by tabs".
        (
            "gzipped.csv",
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03+I\xad(\xd1",
            &["is a gzip-compressed file"],
        ),
        (
            "workbook.csv",
            b"PK\x03\x04\x14\x00\x06\x00\x08\x00",
            &["is a zip archive (an Excel .xlsx"],
        ),
        (
            "excel_sep.csv",
            b"sep=,\r\ntext,label\r\nTalks.,analytical\r\n",
            &["line 1", "Excel's `sep=` line", "delete that line"],
        ),
        // Other binary files (an image, a program) failed as "header has no `text` column".
        (
            "image.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01",
            &["holds a NUL byte (at byte offset 8)", "binary file"],
        ),
        // Latin-1 in a cell: where it is and what to do, as for articles (it used to give
        // Rust's "invalid utf-8 sequence of 1 bytes from index 7").
        // At the end of a cell (`José`), the byte starts a UTF-8 character that never comes:
        // still Latin-1, not "was the file cut short?".
        (
            "latin1_end.csv",
            b"text,label\nThe talks resumed.,analytical\nThey met at the caf\xe9,analytical\nWar.,adversarial\n",
            &["line 3", "byte 0xE9 after \"They met at the caf\"", "Windows-1252 or Latin-1"],
        ),
        (
            "latin1.csv",
            b"text,label\nThe talks resumed.,analytical\nThe caf\xe9 closed.,analytical\n",
            &[
                "line 3",
                "text is not UTF-8: byte 0xE9 after \"The caf\"",
                "Windows-1252 or Latin-1",
                "save it as UTF-8",
            ],
        ),
    ];
    for (name, bytes, fragments) in cases {
        labelled_csv_fails(d, name, bytes, fragments);
    }
}

#[test]
fn valid_csv_quirks_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let quirky = dir.path().join("quirky.csv");
    let mut body = b"\xEF\xBB\xBFid,text,label\r\n".to_vec();
    let rows = [
        "1,\"Leaders agreed, at last, to \"\"talk\"\".\",conciliatory",
        "2,\"The ministry warned\r\nof retaliation.\",adversarial",
        "3,The visit runs until Friday.,analytical",
        "4,Both sides signed the accord.,Conciliatory",
        "5,Officials accused the rebels.,adversarial",
        "6,Trade rose 4 percent.,analytical",
        // A label word opening a line of a quoted text is not a swallowed row.
        "7,\"Observers called the speech measured,\nanalytical, and calm.\",conciliatory",
    ];
    for r in rows {
        body.extend_from_slice(r.as_bytes());
        body.extend_from_slice(b"\r\n");
    }
    std::fs::write(&quirky, body).unwrap();
    stance()
        .args(["train", "--min-df", "1", "--out"])
        .arg(dir.path().join("m.json"))
        .arg(&quirky)
        .assert()
        .success()
        .stdout(predicate::str::contains("7 sentences"));
    // Another column may hold several lines too (a reviewer's comment), as long as none of
    // them looks like a row of the file.
    let commented = dir.path().join("commented.csv");
    std::fs::write(
        &commented,
        "text,label,comment\nTalks resumed.,analytical,\"ok\nchecked twice\"\nTroops fired.,adversarial,\nBoth sides agreed.,conciliatory,\n",
    )
    .unwrap();
    stance()
        .args(["train", "--min-df", "1", "--out"])
        .arg(dir.path().join("c.json"))
        .arg(&commented)
        .assert()
        .success()
        .stdout(predicate::str::contains("3 sentences"));
    // A spreadsheet's blank rows below the data (`,,`) hold nothing: skipped. They used to
    // fail as "empty text".
    let blank_rows = dir.path().join("blank_rows.csv");
    std::fs::write(
        &blank_rows,
        "text,label,note\nTalks resumed.,analytical,\nTroops fired.,adversarial,\n,,\nBoth agreed.,conciliatory,\n,,\n , ,\n",
    )
    .unwrap();
    stance()
        .args(["train", "--min-df", "1", "--out"])
        .arg(dir.path().join("b.json"))
        .arg(&blank_rows)
        .assert()
        .success()
        .stdout(predicate::str::contains("3 sentences"));
    // --text-column is matched trimmed, like the header names.
    let rows = dir.path().join("rows.csv");
    std::fs::write(&rows, "id, body \n1,Talks resumed.\n").unwrap();
    stance()
        .args([
            "classify",
            "--input",
            "csv",
            "--text-column",
            " body",
            "--format",
            "csv",
        ])
        .arg(&rows)
        .assert()
        .success()
        .stdout(predicate::str::contains("Talks resumed."));
    // A column name written over two lines (Alt+Enter) is a name, not an open quote.
    let two_line_name = dir.path().join("two_line_name.csv");
    std::fs::write(
        &two_line_name,
        "text,label,\"Reviewer\ncomment (optional, short)\"\nTalks resumed.,analytical,\nTroops fired.,adversarial,ok\nBoth agreed.,conciliatory,\n",
    )
    .unwrap();
    stance()
        .args(["train", "--min-df", "1", "--out"])
        .arg(dir.path().join("n.json"))
        .arg(&two_line_name)
        .assert()
        .success()
        .stdout(predicate::str::contains("3 sentences"));
    // A label ending in a line break (Alt+Enter in a spreadsheet cell) is trimmed like a
    // space; it used to be taken for a double quote left open.
    let alt_enter = dir.path().join("alt_enter.csv");
    std::fs::write(
        &alt_enter,
        "text,label\r\n\"Talks resumed.\",\"analytical\r\n\"\r\n\"Troops fired.\",\"adversarial\"\r\nBoth agreed.,conciliatory\r\n",
    )
    .unwrap();
    stance()
        .args(["train", "--min-df", "1", "--out"])
        .arg(dir.path().join("a.json"))
        .arg(&alt_enter)
        .assert()
        .success()
        .stdout(predicate::str::contains("3 sentences"));
}

#[test]
fn training_needs_two_labels_and_enough_for_folds() {
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("one.csv");
    std::fs::write(&one, "text,label\nA.,analytical\nB.,analytical\n").unwrap();
    stance()
        .args(["train", "--out"])
        .arg(dir.path().join("m.json"))
        .arg(&one)
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("one.csv")
                .and(predicate::str::contains("found only analytical")),
        );
    stance()
        .args(["train", "--folds", "11", "--out"])
        .arg(dir.path().join("m.json"))
        .arg(data("train_small.csv"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("11-fold").and(predicate::str::contains("has 10")));
}

/// `classify --format csv` output read back as labelled data: its `label` column holds
/// predictions, so `evaluate` on it scored the model against itself (0.966 for the shipped
/// model on the test set) without a word.
#[test]
fn classify_output_as_labelled_data_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture_model(dir.path());
    let output = stdout_of(
        stance()
            .args(["classify", "--input", "csv", "--format", "csv", "--model"])
            .arg(&model)
            .arg(data("test_small.csv")),
    );
    let round_trip = dir.path().join("rt.csv");
    std::fs::write(&round_trip, output).unwrap();
    let note = "rt.csv: this is `stance classify --format csv` output: its `label` column holds \
                a model's predictions, not gold labels";
    stance()
        .args(["evaluate", "--model"])
        .arg(&model)
        .arg(&round_trip)
        .assert()
        .success()
        .stderr(predicate::str::contains(note));
    stance()
        .args(["train", "--min-df", "1", "--out"])
        .arg(dir.path().join("m.json"))
        .arg(&round_trip)
        .assert()
        .success()
        .stderr(predicate::str::contains(note));
    // The labelled file itself gets no such note.
    stance()
        .args(["evaluate", "--model"])
        .arg(&model)
        .arg(data("test_small.csv"))
        .assert()
        .success()
        .stderr(predicate::str::contains("classify").not());
}

/// `classify --min-confidence` output read back: its `uncertain` rows failed as an unknown
/// label, and the note that would have said what the file is comes only after a read.
#[test]
fn classify_output_with_uncertain_rows_says_what_it_is() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture_model(dir.path());
    let output = stdout_of(
        stance()
            .args(["classify", "--input", "csv", "--format", "csv"])
            .args(["--min-confidence", "0.99", "--model"])
            .arg(&model)
            .arg(data("test_small.csv")),
    );
    assert!(output.contains(",uncertain,"), "{output}");
    labelled_csv_fails(
        dir.path(),
        "unc.csv",
        output.as_bytes(),
        &[
            "unknown label \"uncertain\"; expected one of: adversarial, analytical, \
             conciliatory; this is `stance classify --format csv` output: its `label` column \
             holds a model's predictions, not gold labels, and `uncertain` marks sentences \
             under --min-confidence (the input's own labels, if it had any, are in \
             `input_label`)",
        ],
    );
    // A labelled file of another header with the same label gets no such words.
    labelled_csv_fails(
        dir.path(),
        "plain.csv",
        b"text,label\nTalks resumed.,uncertain\n",
        &[
            "line 2: unknown label \"uncertain\"; expected one of: adversarial, analytical, \
           conciliatory\n",
        ],
    );
}

/// Training data that cannot teach anything gets a word, and an evaluation on the training
/// file says its scores are not a test.
#[test]
fn useless_training_data_and_self_evaluation_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("m.json");
    // No words at all: the data's fault, named after the file.
    let no_words = dir.path().join("nw.csv");
    std::fs::write(&no_words, "text,label\n!,analytical\n?,adversarial\n").unwrap();
    stance()
        .args(["train", "--out"])
        .arg(&out)
        .arg(&no_words)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "nw.csv: training failed: the training sentences hold no words",
        ));
    assert!(!out.exists());
    // One text under three labels: it used to train a model that says 1/3 to everything.
    let same = dir.path().join("same.csv");
    let mut body = String::from("text,label\n");
    for label in ["adversarial", "analytical", "conciliatory"].repeat(10) {
        body.push_str(&format!("The talks resumed.,{label}\n"));
    }
    std::fs::write(&same, body).unwrap();
    stance()
        .args(["train", "--min-df", "1", "--out"])
        .arg(&out)
        .arg(&same)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "same.csv: 1 text(s) appear under more than one label (30 rows), such as \"The talks resumed.\" at lines 2 and 3",
        ));
    // An export pasted in twice: each row's twin used to land in another fold, and
    // cross-validation read 0.93 where 0.83 was honest (3,000 rows, 3 folds).
    let twice = dir.path().join("twice.csv");
    let once = "text,label\nThe talks resumed.,analytical\nTroops fired.,adversarial\nBoth agreed.,conciliatory\n";
    std::fs::write(&twice, format!("{once}{}", &once[11..])).unwrap();
    stance()
        .args(["train", "--min-df", "1", "--out"])
        .arg(&out)
        .arg(&twice)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "twice.csv: 3 text(s) are written more than once under one label (6 rows), such as \"The talks resumed.\" at lines 2 and 5; each copy weighs in training; cross-validation puts a copy in the fold of its text's first row, unless it has a story or document id of its own",
        ));
    // Evaluating on the file the model was trained on.
    let model = fixture_model(dir.path());
    stance()
        .args(["evaluate", "--model"])
        .arg(&model)
        .arg(data("train_small.csv"))
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "train_small.csv: this is the file the model was trained on (same SHA-256)",
        ));
    stance()
        .args(["evaluate", "--model"])
        .arg(&model)
        .arg(data("test_small.csv"))
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
    // One label only, and the model predicts another for a row: macro-F1 then averages in the
    // label predicted, with F1 0.
    let one = dir.path().join("one.csv");
    // (The two adversarial rows of test_small.csv, which the fixture model gets right.)
    let rows = "text,label\nThe army accused the rebels of violating the truce and warned of a \
                harsh response.,adversarial\nThe embassy dismissed the allegations as baseless \
                propaganda.,adversarial\n";
    let agreed = "Both sides welcomed the agreement and pledged to deepen cooperation.";
    std::fs::write(&one, format!("{rows}{agreed},adversarial\n")).unwrap();
    stance()
        .args(["evaluate", "--model"])
        .arg(&model)
        .arg(&one)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "one.csv: no row is labelled `conciliatory` (predicted once); macro-F1 averages \
             over every label in the gold or the predicted labels",
        ));
    // All rows right: nothing reads low, so no note (it used to come with macro-F1 1.0).
    std::fs::write(&one, rows).unwrap();
    stance()
        .args(["evaluate", "--model"])
        .arg(&model)
        .arg(&one)
        .assert()
        .success()
        .stderr(predicate::str::contains("macro-F1").not());
}

/// Rows sorted by label (one click in a spreadsheet) split every article into runs: context
/// learned from them would say a label always follows itself (test accuracy fell from 0.889
/// to 0.684), and evaluating them in context would pass gold labels between neighbours.
#[test]
fn rows_out_of_article_order_give_no_context() {
    let dir = tempfile::tempdir().unwrap();
    // The first 300 sentences of whole articles in the shipped corpus, in article order.
    let corpus = repo("data/train.csv");
    let mut reader = csv::Reader::from_path(&corpus).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (label, document) = (column("label"), column("document"));
    let mut rows: Vec<csv::StringRecord> = reader
        .records()
        .map(Result::unwrap)
        .filter(|r| !r[document].is_empty())
        .take(300)
        .collect();
    let write = |name: &str, rows: &[csv::StringRecord]| {
        let path = dir.path().join(name);
        let mut w = csv::Writer::from_path(&path).unwrap();
        w.write_record(&headers).unwrap();
        for r in rows {
            w.write_record(r).unwrap();
        }
        path
    };
    let in_order = write("in_order.csv", &rows);
    rows.sort_by(|a, b| a[label].cmp(&b[label]));
    let sorted = write("sorted.csv", &rows);
    let train = |data: &Path, out: &str| {
        let model = dir.path().join(out);
        let assert = stance()
            .args(["train", "--min-df", "1", "--out"])
            .arg(&model)
            .arg(data)
            .assert()
            .success();
        let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
        (stdout, json.get("context").is_some_and(|c| !c.is_null()))
    };
    let (stdout, has_context) = train(&in_order, "in_order.json");
    assert!(
        has_context && !stdout.contains("sorted by label"),
        "{stdout}"
    );
    // Rows out of article order: train learns no context and says why; evaluate (the
    // built-in model has context) says how it read them.
    let out_of_order = |data: &Path, train_says: &str, evaluate_says: &str| {
        let (stdout, has_context) = train(data, "out_of_order.json");
        assert!(!has_context, "{stdout}");
        assert!(
            stdout.contains("context: none learned: document `") && stdout.contains(train_says),
            "{stdout}"
        );
        stance()
            .arg("evaluate")
            .arg(data)
            .assert()
            .success()
            .stderr(predicate::str::contains(evaluate_says));
    };
    out_of_order(
        &sorted,
        "the rows look sorted by label",
        "the rows look sorted by label, so their order says nothing about context; each row \
         was read on its own",
    );
    stance()
        .arg("evaluate")
        .arg(&in_order)
        .assert()
        .success()
        .stderr(predicate::str::is_empty());
    // Sorted by position in the article (every first sentence, then every second, ...): each
    // document is split into runs of one row, which show no sort by label; training used to
    // say "fewer than 100 sentences in documents", as if the ids were missing.
    let mut by_position: Vec<(usize, csv::StringRecord)> = Vec::new();
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    for r in rows.iter().cloned() {
        let n = seen.entry(r[document].to_string()).or_default();
        *n += 1;
        by_position.push((*n, r));
    }
    by_position.sort_by_key(|(n, _)| *n);
    let rows: Vec<csv::StringRecord> = by_position.into_iter().map(|(_, r)| r).collect();
    // evaluate used to read such a file in pieces without a word (test.csv shuffled: 0.8816
    // against 0.8880 in article order).
    out_of_order(
        &write("by_position.csv", &rows),
        "a document's sentences must be consecutive rows",
        "a document's sentences are read in context only where they are consecutive rows",
    );
}

// === Model files ===

/// `text` in UTF-16 little-endian, as Windows writes it, with or without the byte-order mark.
fn utf16(text: &str, mark: bool) -> Vec<u8> {
    let mark: &[u8] = if mark { b"\xff\xfe" } else { b"" };
    let units = text.encode_utf16().flat_map(u16::to_le_bytes);
    mark.iter().copied().chain(units).collect()
}

#[test]
fn damaged_model_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(fixture_model(dir.path())).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&good).unwrap();
    value["format_version"] = 7.into();
    let future = value.to_string();
    value["format_version"] = "3".into();
    let string_version = value.to_string();
    value["format_version"] = 3.into();
    // Labels reordered by hand: every weight column would serve another label.
    let mut reordered = value.clone();
    reordered["labels"] = serde_json::json!(["conciliatory", "adversarial", "analytical"]);
    let reordered = reordered.to_string();
    // Hand edits that used to load and change every prediction or report line.
    let edited = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = value.clone();
        edit(&mut v);
        v.to_string().into_bytes()
    };
    let no_hostility = edited(&|v| {
        v["features"]["lexicons"]["groups"]
            .as_object_mut()
            .unwrap()
            .remove("hostility");
    });
    // Feature groups switched off by hand: their features stayed and never fired (the
    // shipped model went from macro-F1 0.888 to 0.780 without lexicons, 0.853 with
    // ngram_max 1).
    let lexicons_off = edited(&|v| v["features"]["config"]["lexicons"] = false.into());
    let unigrams_only = edited(&|v| v["features"]["config"]["ngram_max"] = 1.into());
    let negative_idf = edited(&|v| v["features"]["idf"][0] = (-1.0).into());
    let negative_version = edited(&|v| v["format_version"] = (-1).into());
    let extra_key = edited(&|v| v["training"]["params"]["extra"] = 1.into());
    let four_shares = edited(&|v| {
        let table = serde_json::json!([[0.4, 0.3, 0.3], [0.3, 0.4, 0.3], [0.3, 0.3, 0.4]]);
        v["context"] = serde_json::json!({
            "transitions": table,
            "by_link": [table, table, table, table],
            "prior": [0.3, 0.3, 0.3, 0.1],
            "pairs": 9
        })
    });
    let accuracy = edited(&|v| {
        v["training"]["cross_validation"] =
            serde_json::json!({"folds": 5, "accuracy": 7.5, "macro_f1": 0.8})
    });
    value["format_version"] = 1.into();
    value["weights"].as_array_mut().unwrap().truncate(3);
    let short = value.to_string();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.json", vec![], "file is empty"),
        (
            "blank.json",
            b" \n\t\n".to_vec(),
            "file holds only white space",
        ),
        (
            "truncated.json",
            good.as_bytes()[..good.len() / 3].to_vec(),
            "invalid JSON",
        ),
        (
            "corrupt.json",
            b"{\"format_version\": 1, \"labels\": [tru".to_vec(),
            "invalid JSON",
        ),
        (
            "binary.json",
            vec![0xff, 0x00, 0x13],
            "holds a NUL byte (at byte offset 1); is it a binary file?",
        ),
        (
            "latin1.json",
            [good.as_bytes(), b"\xe9"].concat(),
            "not UTF-8 text",
        ),
        // Windows PowerShell 5's `>` writes UTF-16 with a byte-order mark. Both used to be
        // "not UTF-8 text (invalid utf-8 sequence ...)", or invalid JSON for an ASCII file
        // without the mark.
        (
            "utf16.json",
            utf16(&good, true),
            "not a usable model file: is UTF-16 text (it starts with a UTF-16 byte-order mark); \
             save it as UTF-8",
        ),
        (
            "utf16_no_mark.json",
            utf16(&good, false),
            "not a usable model file: looks like UTF-16 text (a zero byte beside each letter); \
             save it as UTF-8",
        ),
        (
            "model.json.gz",
            b"\x1f\x8b\x08\x00\x00\x00\x00\x00".to_vec(),
            "is a gzip-compressed file; decompress it first",
        ),
        (
            "future.json",
            future.into_bytes(),
            "unknown format_version 7",
        ),
        ("short.json", short.into_bytes(), "weights have 3 rows"),
        (
            "no_hostility.json",
            no_hostility,
            "refers to a lexicon group that features.lexicons does not hold",
        ),
        (
            "lexicons_off.json",
            lexicons_off,
            "features.config.lexicons is false, but the vocabulary holds",
        ),
        (
            "unigrams_only.json",
            unigrams_only,
            "features.config.ngram_max is 1, but the vocabulary holds",
        ),
        ("negative_idf.json", negative_idf, "idf value -1 at index 0"),
        (
            "negative_version.json",
            negative_version,
            "unknown format_version -1 (this build of stance reads versions 1 to 3)",
        ),
        ("extra_key.json", extra_key, "unknown field `extra`"),
        (
            "four_shares.json",
            four_shares,
            "context.prior has 4 values, expected 3 (one per label)",
        ),
        (
            "accuracy.json",
            accuracy,
            "training.cross_validation.accuracy is 7.5, expected a number from 0 to 1",
        ),
        (
            "string_version.json",
            string_version.into_bytes(),
            "format_version must be written as an integer, such as 3, got \"3\"",
        ),
        (
            "reordered.json",
            reordered.into_bytes(),
            "labels must be in the order adversarial, analytical, conciliatory",
        ),
        (
            "list.json",
            b"[1, 2, 3]".to_vec(),
            "does not start with a JSON object",
        ),
        (
            "string.json",
            b"\"model\"".to_vec(),
            "does not start with a JSON object",
        ),
    ];
    for (name, bytes, fragment) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes).unwrap();
        for sub in ["classify", "inspect"] {
            let mut cmd = stance();
            cmd.args([sub, "--model"]).arg(&path);
            if sub == "classify" {
                cmd.write_stdin("Some text.");
            }
            cmd.assert()
                .code(1)
                .stderr(predicate::str::contains(name).and(predicate::str::contains(fragment)));
        }
    }
    // An endless device ends in an error, not in memory exhaustion (it used to read /dev/zero
    // until the machine ran out of memory).
    #[cfg(unix)]
    stance()
        .args(["inspect", "--model", "/dev/zero"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "/dev/zero: is larger than 256 MiB",
        ));
    stance()
        .args(["classify", "--model"])
        .arg(dir.path().join("absent.json"))
        .write_stdin("x")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("absent.json"));
    // A byte-order mark before the JSON (Notepad writes one) is not damage.
    let bom = dir.path().join("bom.json");
    std::fs::write(&bom, [b"\xEF\xBB\xBF".as_slice(), good.as_bytes()].concat()).unwrap();
    stance()
        .args(["inspect", "-m"])
        .arg(&bom)
        .assert()
        .success();
}

// === Articles and rows (`classify`) ===

#[test]
fn odd_articles_complete_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture_model(dir.path());
    let classify = |bytes: Vec<u8>| {
        let path = dir.path().join("article.txt");
        std::fs::write(&path, bytes).unwrap();
        stance()
            .args(["classify", "--format", "jsonl", "--model"])
            .arg(&model)
            .arg(&path)
            .assert()
    };
    // Empty and white-space-only input: no sentences, success.
    for empty in [Vec::new(), b"  \n\n\t ".to_vec()] {
        classify(empty).success().stdout(predicate::str::is_empty());
    }
    // Invalid UTF-8: a clear error with the offset, exit 1.
    classify(b"Good start.\xff\xfe binary".to_vec())
        .code(1)
        .stderr(predicate::str::contains("article.txt").and(predicate::str::contains("offset 11")));
    // With a NUL byte among the first KiB, it is called binary.
    classify(b"Good start.\xff\xfe\x00 binary".to_vec())
        .code(1)
        .stderr(
            predicate::str::contains("NUL byte (at byte offset 13)")
                .and(predicate::str::contains("binary file")),
        );
    // Web pages, rich text and PDF look like text but are not prose: each used to be read
    // as one long "sentence" with one label.
    for (bytes, fragment) in [
        (
            &b"<!DOCTYPE html>\n<html><p>China urged restraint.</p><p>Both agreed.</p></html>"[..],
            "is an HTML page",
        ),
        (
            b"\n  <HTML><body>Talks resumed.</body></HTML>",
            "is an HTML page",
        ),
        (
            b"{\\rtf1\\ansi\\deff0 China urged restraint.\\par Both agreed.\\par}",
            "is a rich-text (RTF) file",
        ),
        (
            b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj",
            "is a PDF file",
        ),
        // Pages as browsers and editors save them.
        (
            b"<!-- saved from url=(0036)https://example.org/ -->\n<html><body><p>Talks.</p></body></html>",
            "is an HTML page",
        ),
        (
            b"<?xml version=\"1.0\"?>\n<!DOCTYPE  html>\n<html><p>Talks.</p></html>",
            "is an HTML page",
        ),
        ("\u{a0}<body><p>Talks resumed.</p></body>".as_bytes(), "is an HTML page"),
        // Feeds were read as one sentence, tags and all.
        (
            b"<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><item><title>Talks</title></item></channel></rss>",
            "is an RSS or Atom feed",
        ),
        (
            b"<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>Talks.</title></entry></feed>",
            "is an RSS or Atom feed",
        ),
        (b"\x1f\x8b\x08\x00", "is a gzip-compressed file"),
    ] {
        classify(bytes.to_vec()).code(1).stderr(
            predicate::str::contains("article.txt").and(predicate::str::contains(fragment)),
        );
    }
    // Prose that mentions tags or formats, even first, is still prose.
    for prose in [
        &b"The <html> tag was shown on screen."[..],
        b"<html> tags are the first thing a browser reads, the ministry said.",
        b"<HTML5 rollout: the agency said its portal would be rebuilt.",
        b"%PDF of the treaty was leaked on Tuesday.",
        b"{\\rtf is a format, the archivist explained.",
        b"<rss feeds carry the headlines, the agency said.",
        b"<rss> feeds carry headlines. Each </item> tag ends an item.",
    ] {
        classify(prose.to_vec()).success();
    }
    // Emoji only, right-to-left script: labelled, never a panic.
    for text in [
        "🙂🙂🙂 🚀🚀",
        "وزير الخارجية يرحب بالاتفاق. הממשלה דחתה את ההצעה.",
    ] {
        let out = classify(text.as_bytes().to_vec())
            .success()
            .get_output()
            .stdout
            .clone();
        let rows: Vec<serde_json::Value> = String::from_utf8(out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(!rows.is_empty());
        for row in rows {
            let (s, e) = (
                row["start"].as_u64().unwrap() as usize,
                row["end"].as_u64().unwrap() as usize,
            );
            assert_eq!(&text[s..e], row["text"].as_str().unwrap());
        }
    }
}

#[test]
fn huge_runs_complete_in_linear_time() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture_model(dir.path());
    // 5 MB without punctuation, 5 MB of "a.a.a." (every period a candidate break), and a
    // long document of normal sentences. Generous bounds: quadratic behaviour would take
    // minutes, linear takes well under a second each.
    let inputs: Vec<Vec<u8>> = vec![
        "word ".repeat(1 << 20).into_bytes(),
        "a.".repeat(5 << 19).into_bytes(),
        "The envoy warned of reprisals. Talks resumed on Monday. "
            .repeat(50_000)
            .into_bytes(),
    ];
    for bytes in inputs {
        let path = dir.path().join("huge.txt");
        std::fs::write(&path, &bytes).unwrap();
        let started = Instant::now();
        stance()
            .args(["classify", "--format", "csv", "--model"])
            .arg(&model)
            .arg(&path)
            .assert()
            .success();
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "took {:?}",
            started.elapsed()
        );
    }
}

/// A quote opened in a CSV header swallowed the rows: classify said the file "has a header
/// but no rows" and named a column after the whole file.
#[test]
fn a_header_cell_over_several_lines_is_an_error_for_classify() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.csv");
    std::fs::write(
        &path,
        "id,text,\"source\n1,Talks resumed.,AP\n2,Officials warned.,AFP\n",
    )
    .unwrap();
    stance()
        .args(["classify", "--input", "csv", "--format", "csv"])
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicate::str::is_empty())
        .stderr(predicate::str::contains(
            "h.csv: line 1: column 3 of the header runs over several lines",
        ));
}

/// A column named ` text` with a zero-width space before it (a header copied from a web page)
/// is not `text`, and the error did not show the header, so nothing on screen told why.
#[test]
fn a_missing_column_error_shows_the_header_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = "id,\u{200b}text,label\n1,Talks resumed.,analytical\n".as_bytes();
    labelled_csv_fails(
        dir.path(),
        "zwsp.csv",
        bytes,
        &[
            "zwsp.csv: line 1: header has no `text` column (a labelled CSV needs `text` and \
           `label`); the header's columns: id, \\u{200b}text, label",
        ],
    );
    let path = dir.path().join("zwsp.csv");
    stance()
        .args(["classify", "--input", "csv"])
        .arg(&path)
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "zwsp.csv: line 1: header has no `text` column (set --text-column); the header's \
             columns: id, \\u{200b}text, label",
        ));
}

// === Paths and standard input ===

#[test]
fn standard_input_named_twice_is_an_error() {
    // `/dev/stdin` beside `-` used to read it twice: the second an empty document, exit 0.
    for args in [["-", "-"], ["/dev/stdin", "-"]] {
        stance()
            .arg("classify")
            .args(args)
            .write_stdin("Talks resumed.")
            .assert()
            .code(2)
            .stderr(predicate::str::contains("named more than once"));
    }
}

/// A model is not read from standard input: `-m -` used to say "-: No such file or directory".
#[test]
fn a_model_from_standard_input_is_a_usage_error() {
    let model = std::fs::read(repo("models/stance.json")).unwrap();
    let labelled = data("train_small.csv");
    for args in [
        vec!["inspect"],
        vec!["classify"],
        vec!["evaluate", labelled.to_str().unwrap()],
    ] {
        stance()
            .args(args)
            .args(["--model", "-"])
            .write_stdin(model.clone())
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "a model is read from a file, not from standard input",
            ));
    }
    stance()
        .arg("inspect")
        .env("STANCE_MODEL", "-")
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("not from standard input")
                .and(predicate::str::contains("STANCE_MODEL")),
        );
}

/// `-m /dev/stdin` while the data also comes from standard input: the model used it up, and
/// classify labelled an empty document and exited 0. With the data named as files, a model
/// from `/dev/stdin` is fine.
#[cfg(unix)]
#[test]
fn a_model_and_the_data_both_from_standard_input_is_a_usage_error() {
    let model = std::fs::read(repo("models/stance.json")).unwrap();
    let message = "the model (/dev/stdin) and the data both come from standard input";
    for args in [
        vec!["classify", "-m", "/dev/stdin"],
        vec!["classify", "-m", "/dev/stdin", "-"],
        vec!["evaluate", "-m", "/dev/stdin", "-"],
    ] {
        stance()
            .args(&args)
            .write_stdin(model.clone())
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    stance()
        .arg("classify")
        .env("STANCE_MODEL", "/dev/stdin")
        .write_stdin(model.clone())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(message));
    stance()
        .args(["classify", "-m", "/dev/stdin"])
        .arg(data("article.txt"))
        .write_stdin(model)
        .assert()
        .success()
        .stdout(predicate::str::contains("== "));
}

/// A file named `-` beside standard input is a second source, not a repeat of `-`.
#[test]
fn a_file_named_dash_is_not_standard_input_named_twice() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("-"), "Talks resumed in Geneva.").unwrap();
    let out = stance()
        .current_dir(dir.path())
        .args(["classify", "--format", "csv", "-", "./-"])
        .write_stdin("The army shelled the border town.")
        .assert()
        .success()
        .stderr(predicate::str::is_empty())
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("The army shelled the border town."), "{out}");
    assert!(out.contains("Talks resumed in Geneva."), "{out}");
}

/// Standard input is `-` in every error, as it is in `classify`'s `doc` column.
#[test]
fn standard_input_is_named_alike_by_every_command() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture_model(dir.path());
    let (model, out) = (model.to_str().unwrap(), dir.path().join("out.json"));
    for args in [
        vec!["train", "--out", out.to_str().unwrap(), "-"],
        vec!["evaluate", "-m", model, "-"],
        vec!["classify", "--input", "csv", "-m", model, "-"],
    ] {
        stance()
            .args(&args)
            .write_stdin("sentence,note\nTalks resumed.,x\n")
            .assert()
            .code(1)
            .stderr(predicate::str::starts_with(
                "error: -: line 1: header has no `text` column",
            ));
    }
}

/// `classify dir > dir/out.txt`: the output file is in the directory read, and a rerun used
/// to label the previous run's table as an article.
#[cfg(unix)]
#[test]
fn the_output_file_is_not_read_as_an_article() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "Talks resumed.").unwrap();
    let out_path = dir.path().join("out.txt");
    for _ in 0..2 {
        let (code, stderr) = classify_into(&out_path, &[dir.path()]);
        assert_eq!(code, Some(0));
        assert!(
            stderr.contains("out.txt is where the output is being written"),
            "{stderr}"
        );
        let written = std::fs::read_to_string(&out_path).unwrap();
        assert_eq!(written.matches("== ").count(), 1, "{written}");
    }
}

/// Runs `stance classify <args> > out`, the output file created (emptied) first as a shell
/// does; returns the exit code and standard error.
#[cfg(unix)]
fn classify_into(out: &Path, args: &[&Path]) -> (Option<i32>, String) {
    let output = StdCommand::new(assert_cmd::cargo::cargo_bin("stance"))
        .env_remove("STANCE_MODEL")
        .arg("classify")
        .args(args)
        .stdout(Stdio::from(std::fs::File::create(out).unwrap()))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.code(), stderr)
}

/// `classify out.txt > out.txt`: with the output file dropped there is nothing left to read,
/// and the run exited 0 with no output at all.
#[cfg(unix)]
#[test]
fn the_output_file_alone_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.txt");
    let (code, stderr) = classify_into(&out, &[&out]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.starts_with("error: ")
            && stderr.contains("out.txt: this is where the output is being written"),
        "{stderr}"
    );
    // The same through a directory holding nothing else.
    let (code, stderr) = classify_into(&out, &[dir.path()]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("(standard output), and there is nothing else to read"),
        "{stderr}"
    );
}

/// A link to the output file in the directory read: one note naming both, not also "named
/// more than once; it was read once" (it was not read at all).
#[cfg(unix)]
#[test]
fn a_link_to_the_output_file_gets_one_note() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "Talks resumed.").unwrap();
    let out = dir.path().join("out.txt");
    std::fs::write(&out, "").unwrap();
    std::os::unix::fs::symlink(&out, dir.path().join("link.txt")).unwrap();
    let (code, stderr) = classify_into(&out, &[dir.path()]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("more than once"), "{stderr}");
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("is where the output is being written"))
        .collect();
    assert_eq!(notes.len(), 1, "{stderr}");
    assert!(notes[0].contains("link.txt (also as "), "{stderr}");
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written.matches("== ").count(), 1, "{written}");
}

/// The output file named twice is one name, not an alias of itself ("out.txt (also as
/// out.txt)").
#[cfg(unix)]
#[test]
fn the_output_file_named_twice_is_named_once() {
    let dir = tempfile::tempdir().unwrap();
    let article = dir.path().join("a.txt");
    std::fs::write(&article, "Talks resumed.").unwrap();
    let out = dir.path().join("out.txt");
    let (code, stderr) = classify_into(&out, &[&out, &article, &out]);
    assert_eq!(code, Some(0), "{stderr}");
    let notes: Vec<&str> = stderr
        .lines()
        .filter(|l| l.contains("is where the output is being written"))
        .collect();
    assert_eq!(notes.len(), 1, "{stderr}");
    assert!(!notes[0].contains("also as"), "{stderr}");
    assert_eq!(notes[0].matches("out.txt").count(), 1, "{stderr}");
}

/// Runs `stance args` with standard output appended to `out` and standard input read from
/// `input`, if given; returns the exit code and standard error.
#[cfg(unix)]
fn run_appending_to(
    out: &Path,
    input: Option<&Path>,
    args: &[&std::ffi::OsStr],
) -> (Option<i32>, String) {
    let append = std::fs::OpenOptions::new().append(true).open(out).unwrap();
    let stdin = match input {
        Some(path) => Stdio::from(std::fs::File::open(path).unwrap()),
        None => Stdio::null(),
    };
    let output = StdCommand::new(assert_cmd::cargo::cargo_bin("stance"))
        .env_remove("STANCE_MODEL")
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::from(append))
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Output appended to a file the command reads: standard input (`classify < f >> f` read its
/// own output back until it failed to parse, growing the file), the model (`-m m.json >>
/// m.json` left a model that no longer loads) or the labelled data (`evaluate d.csv >>
/// d.csv`). Each is refused before anything is written, and the file is left as it was.
#[cfg(unix)]
#[test]
fn output_appended_to_a_file_being_read_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let rows = dir.path().join("rows.csv");
    let csv = "id,text\n1,Talks resumed on Monday.\n2,Beijing warned it would retaliate.\n";
    std::fs::write(&rows, csv).unwrap();
    let (code, stderr) = run_appending_to(
        &rows,
        Some(&rows),
        &["classify".as_ref(), "--input".as_ref(), "csv".as_ref()],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("standard input is the file the output is being written to"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(&rows).unwrap(), csv);

    let model = dir.path().join("m.json");
    std::fs::copy(repo("tests/data/train_small.csv"), dir.path().join("t.csv")).unwrap();
    stance()
        .arg("train")
        .arg(dir.path().join("t.csv"))
        .args(["--min-df", "1", "--out"])
        .arg(&model)
        .assert()
        .success();
    let before = std::fs::read(&model).unwrap();
    let article = dir.path().join("a.txt");
    std::fs::write(&article, "Talks resumed.").unwrap();
    for command in ["classify", "inspect"] {
        let mut args = vec![command.as_ref(), "--model".as_ref(), model.as_os_str()];
        if command == "classify" {
            args.push(article.as_os_str());
        }
        let (code, stderr) = run_appending_to(&model, None, &args);
        assert_eq!(code, Some(1), "{command}: {stderr}");
        assert!(
            stderr.contains("this is the model file, and standard output is redirected to it"),
            "{stderr}"
        );
    }
    assert_eq!(std::fs::read(&model).unwrap(), before);

    let data = dir.path().join("d.csv");
    let labelled = "text,label\nTalks resumed.,conciliatory\nThey warned.,adversarial\n";
    std::fs::write(&data, labelled).unwrap();
    // `train` writes its model into the temporary directory, should it get that far.
    let out = dir.path().join("out.json");
    for command in ["evaluate", "train"] {
        for (input, name) in [
            (None, data.as_os_str()),
            (Some(data.as_path()), "-".as_ref()),
        ] {
            let mut args = vec![command.as_ref(), name];
            if command == "train" {
                args.extend(["--out".as_ref(), out.as_os_str()]);
            }
            let (code, stderr) = run_appending_to(&data, input, &args);
            assert_eq!(code, Some(1), "{command} {name:?}: {stderr}");
            assert!(
                stderr.contains("this is the labelled data, and standard output"),
                "{stderr}"
            );
        }
    }
    assert_eq!(std::fs::read_to_string(&data).unwrap(), labelled);

    // A lexicon file: the training report would have become lexicon entries.
    let lexicons = dir.path().join("lex");
    std::fs::create_dir(&lexicons).unwrap();
    let hostility = lexicons.join("hostility.txt");
    std::fs::write(&hostility, "warn\naccuse\n").unwrap();
    let small = dir.path().join("t.csv");
    let (code, stderr) = run_appending_to(
        &hostility,
        None,
        &[
            "train".as_ref(),
            small.as_os_str(),
            "--lexicons".as_ref(),
            lexicons.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
    );
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("hostility.txt: this is a lexicon file, and standard output"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&hostility).unwrap(),
        "warn\naccuse\n"
    );
}

/// A symbolic link loop gets the system's reason, not "no such file".
#[cfg(unix)]
#[test]
fn a_symbolic_link_loop_is_named_as_one() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.txt"), dir.path().join("b.txt"));
    std::os::unix::fs::symlink(&b, &a).unwrap();
    std::os::unix::fs::symlink(&a, &b).unwrap();
    stance()
        .arg("classify")
        .arg(&a)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("a.txt").and(predicate::str::contains("symbolic links")));
}

#[test]
fn missing_file_and_directory_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.csv");
    stance()
        .args(["train", "--out"])
        .arg(dir.path().join("m.json"))
        .arg(&missing)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("nope.csv").and(predicate::str::contains("No such file")));
    stance()
        .args(["train", "--out"])
        .arg(dir.path().join("m.json"))
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("is a directory"));
}

// === Arguments ===

/// `RAYON_NUM_THREADS`, set for other tools, used to pass the `--threads` limit: at 2,000
/// threads one sentence took 10 s, at 100,000 nothing came out in ten minutes.
#[test]
fn rayon_num_threads_is_held_to_the_thread_limit() {
    let dir = tempfile::tempdir().unwrap();
    let article = dir.path().join("a.txt");
    std::fs::write(&article, "Talks resumed.").unwrap();
    for value in ["20000", "257", "many"] {
        stance()
            .env("RAYON_NUM_THREADS", value)
            .arg("classify")
            .arg(&article)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "the RAYON_NUM_THREADS environment variable is {value}, but stance runs 1 to \
                 256 worker threads"
            )));
    }
    // --threads overrides it; values in range (0: all cores) are used.
    for (value, flags) in [("20000", &["--threads", "2"][..]), ("2", &[]), ("0", &[])] {
        stance()
            .env("RAYON_NUM_THREADS", value)
            .arg("classify")
            .args(flags)
            .arg(&article)
            .assert()
            .success()
            .stdout(predicate::str::contains("Talks resumed."));
    }
}

#[test]
fn usage_errors_exit_2_with_help_hint() {
    let cases: &[&[&str]] = &[
        &["classify", "--no-such-flag"],
        &["classify", "--format", "xml"],
        &["classify", "--threads", "0"],
        &["classify", "--threads", "60000"],
        &["classify", "--min-confidence", "1.5"],
        // --top only means something with --explain (it used to be ignored without a word).
        &["classify", "--top", "3", "x.txt"],
        &["train"],
        &["train", "--ngrams", "9", "x.csv"],
        // Counts below their minimum are refused by the argument parser, in its words.
        &["train", "--max-features", "0", "x.csv"],
        &["train", "--dense-budget", "0", "x.csv"],
        &["train", "--max-iter", "0", "x.csv"],
        &["train", "--min-df", "0", "x.csv"],
        &["train", "--folds", "1", "x.csv"],
        &["evaluate", "--errors", "many", "x.csv"],
        // Lexicons switched off and read: the directory used to be read and ignored.
        &["train", "--no-lexicons", "--lexicons", "lex", "x.csv"],
        &["frobnicate"],
    ];
    for args in cases {
        stance()
            .args(*args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--help").or(predicate::str::contains("Usage")));
    }
    // An option of one input format given with another, or empty: each used to be ignored
    // without a word (`--text-field body --input csv` then failed as "no `text` column").
    for (args, fragment) in [
        (&["--text-column", "body"][..], "pass --input csv"),
        (
            &["--input", "jsonl", "--text-column", "body"],
            "pass --input csv",
        ),
        (
            &["--input", "csv", "--text-field", "body"],
            "pass --input jsonl",
        ),
        (&["--input", "csv", "--text-column", " "], "need a name"),
        (&["--input", "jsonl", "--text-field", ""], "need a name"),
    ] {
        stance()
            .arg("classify")
            .args(args)
            .write_stdin("text\nTalks resumed.\n")
            .assert()
            .code(2)
            .stderr(predicate::str::contains(fragment));
    }
    // A negative number is the flag's value, checked against its range (clap used to call it
    // an unexpected argument and advise `-- -1`, which makes it a file name); `--top 0` shows
    // nothing, so it is refused too.
    for (args, fragment) in [
        (
            &["classify", "--min-confidence", "-0.5"][..],
            "-0.5 is not between 0 and 1",
        ),
        (
            &["train", "--seed", "-1", "x.csv"],
            "invalid value '-1' for '--seed",
        ),
        (
            &["train", "--folds", "-2", "x.csv"],
            "`-2` is not a whole number",
        ),
        (&["inspect", "--top", "0"], "must be at least 1"),
        (
            &["classify", "--explain", "--top", "0"],
            "must be at least 1",
        ),
    ] {
        stance()
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(fragment).and(predicate::str::contains("tip").not()));
    }
    let dir = tempfile::tempdir().unwrap();
    stance()
        .args(["train", "--cue-scale", "-1", "--out"])
        .arg(dir.path().join("m.json"))
        .arg(data("train_small.csv"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "cue_scale must be a number from 0 to 100, got -1",
        ));
}

#[test]
fn invalid_training_parameters_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    for (flag, value, fragment) in [
        ("--alpha", "0", "alpha"),
        ("--alpha", "-1", "alpha"),
        // Degenerate: every weight pushed to zero, every sentence 1/3 per label.
        ("--alpha", "1e30", "alpha must be a number from 1e-6 to 1e6"),
        // The optimiser's line search never ended.
        (
            "--cue-scale",
            "1e20",
            "cue_scale must be a number from 0 to 100",
        ),
    ] {
        stance()
            .args(["train", flag, value, "--out"])
            .arg(dir.path().join("m.json"))
            .arg(data("train_small.csv"))
            .assert()
            .code(1)
            .stderr(predicate::str::contains(fragment));
    }
}

// === Terminal safety: control codes and bidirectional overrides ===

#[test]
fn error_messages_show_no_control_codes() {
    let output = stance()
        .args(["classify", "bad\u{1b}[2Jname.txt"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // Written as an escape, as a name's bytes that are not UTF-8 are.
    assert!(stderr.contains("bad\\u{1B}[2Jname.txt"), "{stderr}");
    assert!(!stderr.contains('\u{1b}'));
}

/// Reports quote the data file's name, and `inspect` the name stored in the model: an escape
/// sequence in either must not reach the terminal (it could clear the screen).
#[test]
fn reports_show_no_control_codes() {
    let dir = tempfile::tempdir().unwrap();
    let data_file = dir.path().join("x\u{1b}[2J.csv");
    std::fs::copy(data("train_small.csv"), &data_file).unwrap();
    let model = dir.path().join("m.json");
    let reports = [
        stance()
            .args(["train", "--min-df", "1", "--out"])
            .arg(&model)
            .arg(&data_file)
            .output()
            .unwrap(),
        stance()
            .args(["inspect", "-m"])
            .arg(&model)
            .output()
            .unwrap(),
        stance()
            .args(["evaluate", "-m"])
            .arg(&model)
            .arg(&data_file)
            .output()
            .unwrap(),
    ];
    for output in reports {
        assert_eq!(output.status.code(), Some(0));
        let stdout = String::from_utf8_lossy(&output.stdout);
        // `\u{1B}` where stance names the file, U+FFFD where a report shows a model's string.
        assert!(
            stdout.contains("x\\u{1B}[2J.csv") || stdout.contains("x\u{FFFD}[2J.csv"),
            "{stdout}"
        );
        assert!(!stdout.contains('\u{1b}'), "{stdout}");
    }
}

/// A line break in a data file name edited into a model cannot start a line of `inspect`'s
/// report of its own: it used to print "fake line" as a line of its own.
#[test]
fn inspect_keeps_strings_from_the_model_on_their_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = std::fs::read_to_string(fixture_model(dir.path())).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&good).unwrap();
    value["training"]["data_file"] = "x\n\nfake line\u{1b}[2J\r".into();
    value["training"]["crate_version"] = "0.1\nstrongest features for nobody:".into();
    let model = dir.path().join("forged.json");
    std::fs::write(&model, value.to_string()).unwrap();
    let stdout = stdout_of(stance().args(["inspect", "-m"]).arg(&model));
    assert!(
        stdout.contains("trained on: x fake line\u{FFFD}[2J (sha256 "),
        "{stdout}"
    );
    assert!(stdout.contains("stance version: 0.1 strongest features for nobody:\n"));
    assert!(
        !stdout.lines().any(|l| l.starts_with("fake line")),
        "{stdout}"
    );
    assert!(!stdout.contains(['\u{1b}', '\r']), "{stdout}");
}

/// Bidirectional embeddings, overrides and isolates re-order what a terminal shows ("Trojan
/// Source"): in a sentence or a file name they show as U+FFFD in the table, notes, errors and
/// reports, and as `\u202e` escapes in a JSON report. CSV and JSON Lines output keep the
/// text as it is, since their offsets slice the input.
#[test]
fn terminal_output_shows_no_bidirectional_controls() {
    let bidi = |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
    let dir = tempfile::tempdir().unwrap();
    let article = dir.path().join("b.txt");
    std::fs::write(&article, "Then \u{202E}evil\u{202C}. Done.\n").unwrap();
    let table = stdout_of(stance().arg("classify").arg(&article));
    assert!(table.contains("Then \u{FFFD}evil\u{FFFD}."), "{table}");
    assert!(!table.contains(bidi), "{table}");
    for format in ["csv", "jsonl"] {
        let out = stdout_of(
            stance()
                .args(["classify", "--format", format])
                .arg(&article),
        );
        assert!(out.contains("Then \u{202E}evil\u{202C}."), "{out}");
    }

    // A note and an error that quote a file name.
    let rows = dir.path().join("rows\u{2067}vsc.\u{2069}.csv");
    std::fs::write(&rows, "text\nTalks resumed.\n").unwrap();
    let output = stance().arg("classify").arg(&rows).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("note: ") && stderr.contains("rows\u{FFFD}vsc.\u{FFFD}.csv"),
        "{stderr}"
    );
    assert!(!stderr.contains(bidi), "{stderr}");
    let output = stance()
        .arg("classify")
        .arg(dir.path().join("gone\u{202E}txt.exe"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("gone\u{FFFD}txt.exe"), "{stderr}");
    assert!(!stderr.contains(bidi), "{stderr}");

    // One sentence under every label: whatever the model says, two rows are errors.
    let labelled = dir.path().join("l.csv");
    let text = "Then \u{202E}evil\u{202C} talks.";
    let csv: String = ["adversarial", "analytical", "conciliatory"]
        .iter()
        .fold("text,label\n".into(), |csv, label| {
            format!("{csv}{text},{label}\n")
        });
    std::fs::write(&labelled, csv).unwrap();
    for format in ["text", "markdown"] {
        let report = stdout_of(
            stance()
                .args(["evaluate", "--errors", "3", "--format", format])
                .arg(&labelled),
        );
        assert!(
            report.contains("Then \u{FFFD}evil\u{FFFD} talks."),
            "{report}"
        );
        assert!(!report.contains(bidi), "{report}");
    }
    let json = stdout_of(
        stance()
            .args(["evaluate", "--errors", "3", "--format", "json"])
            .arg(&labelled),
    );
    assert!(json.contains("Then \\u202eevil\\u202c talks."), "{json}");
    assert!(!json.contains(bidi), "{json}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["errors"][0]["text"], text);
}

// === Nothing lost: model files and `--out` ===

#[test]
fn failed_train_leaves_the_previous_model_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture_model(dir.path());
    let before = std::fs::read(&model).unwrap();
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "text,label\nA.,analytical\nB.,hostile\n").unwrap();
    stance()
        .args(["train", "--out"])
        .arg(&model)
        .arg(&bad)
        .assert()
        .code(1);
    assert_eq!(std::fs::read(&model).unwrap(), before);
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left behind");
}

#[test]
fn interrupted_train_leaves_the_previous_model_byte_identical() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture_model(dir.path());
    let before = std::fs::read(&model).unwrap();
    // A training set large enough that the fit is still running when it is killed.
    let big = dir.path().join("big.csv");
    let fixture = std::fs::read_to_string(data("train_small.csv")).unwrap();
    let rows: Vec<&str> = fixture.lines().skip(1).collect();
    let mut body = String::from("text,label\n");
    for i in 0..4000 {
        let row = rows[i % rows.len()];
        body.push_str(&row.replacen('"', &format!("\"Item {i}: "), 1));
        body.push('\n');
    }
    std::fs::write(&big, body).unwrap();
    // Killed at different points (reading, fitting, and perhaps after the write), the file
    // is always either the previous model, byte for byte, or a whole new one: never a part.
    let mut interrupted = 0;
    for delay in [20, 60, 120, 250] {
        std::fs::write(&model, &before).unwrap();
        let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("stance"))
            .args(["train", "--min-df", "1", "--out"])
            .arg(&model)
            .arg(&big)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay));
        let finished = child.try_wait().unwrap().is_some();
        child.kill().ok();
        child.wait().unwrap();
        let after = std::fs::read(&model).unwrap();
        if after == before {
            interrupted += !finished as usize;
        } else {
            stance()
                .args(["inspect", "--model"])
                .arg(&model)
                .assert()
                .success();
        }
    }
    // At least the early kills land before the model is written.
    assert!(interrupted > 0);
}

#[test]
fn train_never_writes_over_its_data_or_a_file_that_is_not_a_model() {
    let dir = tempfile::tempdir().unwrap();
    let data_copy = dir.path().join("train.csv");
    std::fs::copy(data("train_small.csv"), &data_copy).unwrap();
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "my notes\n").unwrap();
    // A hard link shares the data's bytes; it was refused only as "not a stance model file".
    let hard_link = dir.path().join("link.csv");
    std::fs::hard_link(&data_copy, &hard_link).unwrap();
    for (out, message) in [
        (&data_copy, "is the training data"),
        (&hard_link, "is the training data"),
        (&notes, "is not a stance model file"),
    ] {
        let before = std::fs::read(out).unwrap();
        stance()
            .args(["train", "--out"])
            .arg(out)
            .arg(&data_copy)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(message));
        assert_eq!(std::fs::read(out).unwrap(), before, "{}", out.display());
    }
    // A device is not a file to replace: `-o /dev/null` used to turn it into a plain file.
    #[cfg(unix)]
    stance()
        .args(["train", "--out", "/dev/null"])
        .arg(&data_copy)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("/dev/null: is not a regular file"));
    stance()
        .args(["train", "--out", "-"])
        .arg(&data_copy)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot be written to standard output",
        ));
    assert!(!std::path::Path::new("-").exists());
    // An older model, or an empty file, may be replaced.
    let model = fixture_model(dir.path());
    let empty = dir.path().join("empty.json");
    std::fs::write(&empty, "").unwrap();
    for out in [&model, &empty] {
        stance()
            .args(["train", "--out"])
            .arg(out)
            .arg(&data_copy)
            .assert()
            .success();
        assert!(
            std::fs::read_to_string(out)
                .unwrap()
                .contains("\"format_version\"")
        );
    }
    // Through a symbolic link, the model replaces the link's target and the link stays.
    #[cfg(unix)]
    {
        let link = dir.path().join("current.json");
        std::os::unix::fs::symlink(&empty, &link).unwrap();
        std::fs::write(&empty, "").unwrap();
        stance()
            .args(["train", "--out"])
            .arg(&link)
            .arg(&data_copy)
            .assert()
            .success();
        assert!(link.is_symlink());
        assert!(
            std::fs::read_to_string(&empty)
                .unwrap()
                .contains("\"format_version\"")
        );
        // A link to a model not written yet (`next.json -> v2.json`) creates its target.
        let next = dir.path().join("next.json");
        let target = dir.path().join("v2.json");
        std::os::unix::fs::symlink("v2.json", &next).unwrap();
        stance()
            .args(["train", "--out"])
            .arg(&next)
            .arg(&data_copy)
            .assert()
            .success();
        assert!(next.is_symlink());
        assert!(
            std::fs::read_to_string(&target)
                .unwrap()
                .contains("\"format_version\"")
        );
    }
    // A model re-saved with its keys sorted (`jq -S`) is still a model and may be replaced.
    let sorted_keys = dir.path().join("sorted_keys.json");
    let mut value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&model).unwrap()).unwrap();
    value.sort_all_objects();
    std::fs::write(&sorted_keys, serde_json::to_string_pretty(&value).unwrap()).unwrap();
    assert!(!std::fs::read_to_string(&sorted_keys).unwrap()[..64].contains("format_version"));
    stance()
        .args(["train", "--out"])
        .arg(&sorted_keys)
        .arg(&data_copy)
        .assert()
        .success();
    // A model cut short (a full disk, a broken copy) is still replaced, as it always was.
    let truncated = dir.path().join("truncated.json");
    let whole = std::fs::read(&model).unwrap();
    std::fs::write(&truncated, &whole[..whole.len() / 3]).unwrap();
    stance()
        .args(["train", "--out"])
        .arg(&truncated)
        .arg(&data_copy)
        .assert()
        .success();
    // Other tools' JSON that names `format_version` is not a model: a Terraform plan (a string
    // version), a package file (the key later), a numeric version without `labels` next.
    // They used to be replaced.
    for (file, json) in [
        (
            "plan.json",
            r#"{"format_version":"1.2","terraform_version":"1.9.0","values":{}}"#,
        ),
        (
            "package.json",
            r#"{"name":"my-app","format_version":"1.0","deps":{}}"#,
        ),
        ("versioned.json", r#"{"format_version": 3, "rows": [1, 2]}"#),
    ] {
        let other = dir.path().join(file);
        std::fs::write(&other, json).unwrap();
        stance()
            .args(["train", "--out"])
            .arg(&other)
            .arg(&data_copy)
            .assert()
            .code(1)
            .stderr(predicate::str::contains("is not a stance model file"));
        assert_eq!(std::fs::read_to_string(&other).unwrap(), json);
    }
    // So is a model after a run of white space longer than the bytes first looked at.
    let spaced = dir.path().join("spaced.json");
    std::fs::write(&spaced, [&b" ".repeat(100)[..], &whole].concat()).unwrap();
    stance()
        .args(["train", "--out"])
        .arg(&spaced)
        .arg(&data_copy)
        .assert()
        .success();
    // A model made read-only is kept: the atomic rename would otherwise replace it.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let kept = dir.path().join("kept.json");
        std::fs::copy(&model, &kept).unwrap();
        std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o444)).unwrap();
        let before = std::fs::read(&kept).unwrap();
        stance()
            .args(["train", "--out"])
            .arg(&kept)
            .arg(&data_copy)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(
                "kept.json: is read-only; refusing to replace it",
            ));
        assert_eq!(std::fs::read(&kept).unwrap(), before);
    }
}

#[test]
fn unwritable_output_fails_before_training() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plain-file");
    std::fs::write(&file, "x").unwrap();
    for (out, code) in [
        (dir.path().join("missing/dir/m.json"), 1),
        (file.join("m.json"), 1),
        (dir.path().to_path_buf(), 1),
        // A directory not made yet: its parent exists, but the model could not be saved.
        // The path alone says so: a usage error.
        (dir.path().join("newdir/"), 2),
    ] {
        let started = Instant::now();
        stance()
            .args(["train", "--search", "--out"])
            .arg(&out)
            .arg(data("train_small.csv"))
            .assert()
            .code(code)
            .stdout(predicate::str::is_empty())
            .stderr(predicate::str::contains(out.display().to_string()))
            // Not the temporary file's name, which the user never sees.
            .stderr(predicate::str::contains(".stance-model-").not());
        // A search would take far longer than this; the check must come first.
        assert!(started.elapsed() < Duration::from_secs(5));
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "x");
    // `plain-file/` is a file named with a slash too many.
    let mut slashed = file.clone().into_os_string();
    slashed.push("/");
    stance()
        .args(["train", "--out"])
        .arg(&slashed)
        .arg(data("train_small.csv"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("drop the `/`"));
}

// === Closed and full output streams ===

#[test]
fn closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let model = fixture_model(dir.path());
    let path = dir.path().join("long.txt");
    std::fs::write(
        &path,
        "The envoy warned of reprisals. Talks resumed. ".repeat(200_000),
    )
    .unwrap();
    let mut child = StdCommand::new(assert_cmd::cargo::cargo_bin("stance"))
        .args(["classify", "--format", "csv", "--model"])
        .arg(&model)
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Read one line, then close our end, as `| head -1` does.
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 64];
    std::io::Read::read(&mut stdout, &mut first).unwrap();
    drop(stdout);
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `train` reports to standard output, but the model file is what it makes: a closed or full
/// standard output used to panic (`println!`) before the model was written.
#[cfg(unix)]
#[test]
fn train_finishes_when_its_report_cannot_be_written() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.json");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let output = StdCommand::new(assert_cmd::cargo::cargo_bin("stance"))
        .args(["train", "--out"])
        .arg(&model)
        .arg(data("train_small.csv"))
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
    assert!(
        std::fs::read_to_string(&model)
            .unwrap()
            .contains("\"format_version\"")
    );
}

/// An error still exits 1 when standard error cannot take its message (`2>/dev/full`);
/// `eprintln!` used to panic, which exits 101.
#[cfg(unix)]
#[test]
fn errors_exit_1_when_standard_error_is_full() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let status = StdCommand::new(assert_cmd::cargo::cargo_bin("stance"))
        .args(["classify", "no-such-file.txt"])
        .stderr(full)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(1));
}

/// Help and version that cannot be written fail as other output does (they used to exit 0
/// from `stance help > /dev/full`).
#[cfg(unix)]
#[test]
fn help_to_a_full_device_exits_1() {
    for args in [
        &["help"][..],
        &["--help"],
        &["--version"],
        &["classify", "--help"],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let status = StdCommand::new(assert_cmd::cargo::cargo_bin("stance"))
            .args(args)
            .stdout(full)
            .status()
            .unwrap();
        assert_eq!(status.code(), Some(1), "{args:?}");
    }
    // Written, they still exit 0.
    stance().arg("--help").assert().success();
}
