//! Predictions and evaluations -> text for people (`table`, `text`, `markdown`) or for programs
//! (`csv`, `jsonl`, `json`).
//!
//! Classification output is rendered one document at a time into a byte buffer, so that
//! documents can be rendered in parallel and written in input order.

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use crate::context::{ContextModel, Link};
use crate::corpus::Stance;
use crate::eval::{Bootstrap, Evaluation, Interval, Misclassified};
use crate::input::Document;
use crate::model::{Contribution, Prediction, StanceModel};
use crate::terminal::one_line;

/// Output formats of `stance classify`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClassifyFormat {
    /// Aligned columns and a per-article summary, for people.
    #[default]
    Table,
    /// One row per sentence, with byte offsets and probabilities.
    Csv,
    /// One JSON object per sentence.
    Jsonl,
}

/// One classified sentence of a document.
#[derive(Debug, Clone, PartialEq)]
pub struct SentenceResult<'a> {
    /// 1-based position of the sentence in its document.
    pub index: usize,
    /// Byte offset of the sentence's start in the document's text.
    pub start: usize,
    /// Byte offset just past its end.
    pub end: usize,
    /// The sentence.
    pub text: &'a str,
    /// Its label and probabilities (in context, when the model has context).
    pub prediction: Prediction,
    /// True when the confidence is under `--min-confidence`: the label shown is `uncertain`.
    pub uncertain: bool,
    /// The features behind the label, strongest first, with `--explain`.
    pub explanation: Option<Vec<Contribution>>,
    /// The label the explanation weighs the label against: the most probable other one.
    pub explained_against: Option<Stance>,
}

impl SentenceResult<'_> {
    /// The label as shown: the predicted one, or `uncertain`.
    pub fn shown_label(&self) -> &'static str {
        if self.uncertain {
            "uncertain"
        } else {
            self.prediction.label.as_str()
        }
    }

    /// The confidence as the table shows it, to two decimals. An `uncertain` sentence's is
    /// rounded down: rounded to nearest, 0.998 under `--min-confidence 1` would show as an
    /// uncertain "1.00", and 0.496 under 0.5 as "0.50".
    pub fn shown_confidence(&self) -> f32 {
        let confidence = self.prediction.confidence();
        if self.uncertain {
            (confidence * 100.0).floor() / 100.0
        } else {
            confidence
        }
    }
}

/// The fixed columns of CSV output, before any pass-through columns.
pub const CSV_COLUMNS: [&str; 9] = [
    "doc",
    "index",
    "start",
    "end",
    "label",
    "p_adversarial",
    "p_analytical",
    "p_conciliatory",
    "text",
];

/// The fixed keys of a JSON Lines output object.
const JSON_KEYS: [&str; 9] = [
    "doc",
    "index",
    "start",
    "end",
    "text",
    "label",
    "probabilities",
    "explanation",
    "explained_against",
];

/// Checks that the pass-through columns keep distinct names in the output: a `label` column
/// is written as `input_label`, so an input with both `label` and `input_label` would lose
/// one of them (JSON Lines keeps one key, CSV repeats a column name). Unnamed columns, which
/// trailing commas in a spreadsheet export make, are let be, as the CSV reader lets them be.
pub fn check_passthrough(columns: &[String]) -> std::result::Result<(), String> {
    for output in [Output::Csv, Output::Json] {
        let mut seen = std::collections::HashMap::new();
        for column in columns.iter().filter(|c| !c.is_empty()) {
            let name = passthrough_name(column, output);
            if let Some(other) = seen.insert(name.clone(), column) {
                return Err(format!(
                    "input columns `{other}` and `{column}` would both be written as `{name}`; \
                     rename one"
                ));
            }
        }
    }
    Ok(())
}

/// Whether a pass-through name is renamed in output, or could be the result of a renaming:
/// only such names can collide (see [`check_passthrough`]).
pub(crate) fn renamed_in_output(name: &str) -> bool {
    name.get(..6)
        .is_some_and(|p| p.eq_ignore_ascii_case("input_"))
        || Output::Csv.reserves(name)
        || Output::Json.reserves(name)
}

/// The two outputs that carry pass-through columns.
#[derive(Debug, Clone, Copy)]
enum Output {
    Csv,
    Json,
}

impl Output {
    /// Whether `name` is one of the output's own: in CSV in any letter case, since stance
    /// reads headers without regard to case (`Label` beside `label` would not read back); in
    /// JSON exactly, as keys are compared.
    fn reserves(self, name: &str) -> bool {
        match self {
            Output::Csv => CSV_COLUMNS.iter().any(|r| r.eq_ignore_ascii_case(name)),
            Output::Json => JSON_KEYS.contains(&name),
        }
    }
}

/// The output name of a pass-through column: its own, or `input_<name>` when the output has
/// a column of that name (a CSV with a `label` column, classified, would otherwise have two
/// `label` columns).
fn passthrough_name(name: &str, output: Output) -> std::borrow::Cow<'_, str> {
    if output.reserves(name) {
        format!("input_{name}").into()
    } else {
        name.into()
    }
}

/// How many contributions `--explain` shows under each sentence of the table.
pub const TABLE_EXPLANATIONS: usize = 3;

/// Renders classification output.
#[derive(Debug, Clone)]
pub struct Renderer {
    /// Output format.
    pub format: ClassifyFormat,
    /// Pass-through columns of tabular input, in order.
    pub columns: Vec<String>,
}

impl Renderer {
    /// What goes before the first document (the CSV header).
    pub fn header(&self, out: &mut Vec<u8>) {
        if self.format == ClassifyFormat::Csv {
            let mut first = true;
            let passed = self
                .columns
                .iter()
                .map(|name| passthrough_name(name, Output::Csv));
            for name in CSV_COLUMNS.iter().map(|&n| n.into()).chain(passed) {
                if !first {
                    out.push(b',');
                }
                first = false;
                csv_field(out, &name);
            }
            out.push(b'\n');
        }
    }

    /// Renders the sentences of one document.
    pub fn document(&self, doc: &Document, sentences: &[SentenceResult<'_>], out: &mut Vec<u8>) {
        match self.format {
            ClassifyFormat::Table => self.table(doc, sentences, out),
            ClassifyFormat::Csv => self.csv(doc, sentences, out),
            ClassifyFormat::Jsonl => self.jsonl(doc, sentences, out),
        }
    }

    fn csv(&self, doc: &Document, sentences: &[SentenceResult<'_>], out: &mut Vec<u8>) {
        // The pass-through columns are the same for every sentence of the document: render
        // them once. A row's fields are usually in column order, so each is found in place;
        // otherwise (a later file or JSON object with another order) through a map built
        // once for the row. A search per column made many columns quadratic.
        let mut tail = Vec::new();
        let mut by_name: Option<rustc_hash::FxHashMap<&str, &Value>> = None;
        for (i, name) in self.columns.iter().enumerate() {
            tail.push(b',');
            let value = match doc.fields.get(i).filter(|(k, _)| **k == **name) {
                Some((_, v)) => Some(v),
                None => by_name
                    .get_or_insert_with(|| doc.fields.iter().map(|(k, v)| (&**k, v)).collect())
                    .get(name.as_str())
                    .copied(),
            };
            match value {
                Some(Value::String(v)) => csv_field(&mut tail, v),
                Some(Value::Null) | None => {}
                Some(other) => csv_field(&mut tail, &other.to_string()),
            }
        }
        for s in sentences {
            doc_name_field(out, doc);
            for n in [s.index, s.start, s.end] {
                out.push(b',');
                push_int(out, n);
            }
            out.push(b',');
            out.extend_from_slice(s.shown_label().as_bytes());
            out.push(b',');
            for &prob in &s.prediction.probabilities {
                push_probability(out, prob);
                out.push(b',');
            }
            csv_field(out, s.text);
            out.extend_from_slice(&tail);
            out.push(b'\n');
        }
    }

    fn jsonl(&self, doc: &Document, sentences: &[SentenceResult<'_>], out: &mut Vec<u8>) {
        #[derive(Serialize)]
        struct Probabilities {
            adversarial: f32,
            analytical: f32,
            conciliatory: f32,
        }
        #[derive(Serialize)]
        struct Row<'a> {
            doc: &'a str,
            index: usize,
            start: usize,
            end: usize,
            text: &'a str,
            label: &'a str,
            probabilities: Probabilities,
            #[serde(skip_serializing_if = "Option::is_none")]
            explanation: Option<&'a [Contribution]>,
            #[serde(skip_serializing_if = "Option::is_none")]
            explained_against: Option<&'a str>,
            #[serde(flatten)]
            fields: Fields<'a>,
        }
        /// The pass-through fields as JSON members, in the input's order (a serde_json Map
        /// would sort them), under their output names.
        struct Fields<'a>(&'a [(std::borrow::Cow<'a, str>, &'a Value)]);
        impl Serialize for Fields<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap;
                let mut map = s.serialize_map(Some(self.0.len()))?;
                for (k, v) in self.0 {
                    map.serialize_entry(k, v)?;
                }
                map.end()
            }
        }
        let fields: Vec<(std::borrow::Cow<'_, str>, &Value)> = doc
            .fields
            .iter()
            .map(|(k, v)| (passthrough_name(k, Output::Json), v))
            .collect();
        let name = doc.name();
        for s in sentences {
            let p = s.prediction.probabilities;
            let row = Row {
                doc: &name,
                index: s.index,
                start: s.start,
                end: s.end,
                text: s.text,
                label: s.shown_label(),
                probabilities: Probabilities {
                    adversarial: p[0],
                    analytical: p[1],
                    conciliatory: p[2],
                },
                explanation: s.explanation.as_deref(),
                explained_against: s.explained_against.map(Stance::as_str),
                fields: Fields(&fields),
            };
            serde_json::to_writer(&mut *out, &row).expect("writing to memory cannot fail");
            out.push(b'\n');
        }
    }

    fn table(&self, doc: &Document, sentences: &[SentenceResult<'_>], out: &mut Vec<u8>) {
        let mut s = String::new();
        let _ = writeln!(s, "== {} ==", one_line(&doc.name()));
        for (k, v) in &doc.fields {
            let v = match v {
                Value::String(v) => v.clone(),
                other => other.to_string(),
            };
            let _ = writeln!(s, "   {}: {}", one_line(k), one_line(&v));
        }
        let _ = writeln!(s, "{:>4}  {:<12}  {:>5}  sentence", "#", "label", "conf");
        // Sentences per label in Stance::ALL order, then those shown as uncertain.
        const UNCERTAIN: usize = 3;
        let mut counts = [0usize; 4];
        for r in sentences {
            let _ = writeln!(
                s,
                "{:>4}  {:<12}  {:>5.2}  {}",
                r.index,
                r.shown_label(),
                r.shown_confidence(),
                one_line(r.text)
            );
            if let Some(explanation) = &r.explanation {
                let top: Vec<String> = explanation
                    .iter()
                    .take(TABLE_EXPLANATIONS)
                    .map(|c| format!("{} ({:+.2})", c.feature, c.contribution))
                    .collect();
                if !top.is_empty() {
                    // An uncertain row shows no label, so its explanation names the one
                    // explained.
                    let over = match (r.explained_against, r.uncertain) {
                        (Some(l), false) => format!(" (over {l})"),
                        (Some(l), true) => format!(" ({} over {l})", r.prediction.label),
                        (None, _) => String::new(),
                    };
                    // Indented to the sentence column: 4 + 2 + 12 + 2 + 5 + 2.
                    let _ = writeln!(s, "{:>27}because{over}: {}", "", top.join(", "));
                }
            }
            counts[if r.uncertain {
                UNCERTAIN
            } else {
                r.prediction.label.index()
            }] += 1;
        }
        let n = sentences.len();
        let mut parts: Vec<String> = Stance::ALL
            .iter()
            .map(|l| {
                format!(
                    "{l} {} ({:.0}%)",
                    counts[l.index()],
                    percent(counts[l.index()], n)
                )
            })
            .collect();
        if counts[UNCERTAIN] > 0 {
            parts.push(format!(
                "uncertain {} ({:.0}%)",
                counts[UNCERTAIN],
                percent(counts[UNCERTAIN], n)
            ));
        }
        let _ = writeln!(
            s,
            "summary: {n} sentence{}: {}\n",
            if n == 1 { "" } else { "s" },
            parts.join(", ")
        );
        out.extend_from_slice(s.as_bytes());
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

/// Writes a probability with four decimals (`0.0123`), as `format!("{:.4}")` would but
/// without the general formatter, which is a measurable cost at a million rows.
fn push_probability(out: &mut Vec<u8>, p: f32) {
    let scaled = (p.clamp(0.0, 1.0) * 10_000.0).round() as u32;
    let (whole, frac) = (scaled / 10_000, scaled % 10_000);
    out.extend_from_slice(&[
        b'0' + whole as u8,
        b'.',
        b'0' + (frac / 1000) as u8,
        b'0' + (frac / 100 % 10) as u8,
        b'0' + (frac / 10 % 10) as u8,
        b'0' + (frac % 10) as u8,
    ]);
}

/// Writes an integer without the general formatter (see [`push_probability`]).
fn push_int(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// Writes the document's name as a CSV field without building the name for every row.
fn doc_name_field(out: &mut Vec<u8>, doc: &Document) {
    match doc.line {
        Some(line) if !needs_quotes(&doc.source) => {
            out.extend_from_slice(doc.source.as_bytes());
            out.push(b':');
            push_int(out, line);
        }
        _ => csv_field(out, &doc.name()),
    }
}

/// Whether a CSV field must be quoted: it holds a comma, quote or line break.
fn needs_quotes(value: &str) -> bool {
    let bytes = value.as_bytes();
    memchr::memchr3(b',', b'"', b'\n', bytes).is_some() || memchr::memchr(b'\r', bytes).is_some()
}

/// Writes one CSV field, quoted (RFC 4180) when it holds a comma, quote or line break.
pub fn csv_field(out: &mut Vec<u8>, value: &str) {
    if needs_quotes(value) {
        out.push(b'"');
        let mut rest = value.as_bytes();
        while let Some(at) = memchr::memchr(b'"', rest) {
            // Up to and including the quote, then the quote again.
            out.extend_from_slice(&rest[..=at]);
            out.push(b'"');
            rest = &rest[at + 1..];
        }
        out.extend_from_slice(rest);
        out.push(b'"');
    } else {
        out.extend_from_slice(value.as_bytes());
    }
}

/// Column heads of the `stance train --search` table (see [`search_row`]).
pub const SEARCH_HEADER: &str =
    "     alpha  prior     ngrams negation   cues  features accuracy  macro-F1";

/// How many settings `stance train --search` varies (see [`searched_settings`]).
pub const SEARCHED: usize = 6;

/// The settings `stance train --search` varies, with their values in `p`: named as in
/// [`SEARCH_HEADER`] and the best line, in the table's column order.
pub fn searched_settings(p: &crate::model::TrainParams) -> [(&'static str, String); SEARCHED] {
    [
        ("alpha", p.alpha.to_string()),
        ("prior", p.prior.name().to_string()),
        ("ngrams", p.features.ngram_max.to_string()),
        ("negation", p.features.negation.to_string()),
        ("cues", short_number(p.features.cue_scale)),
        ("features", p.features.max_features.to_string()),
    ]
}

/// A setting's value as it fits a column of the search table: `1e-45`, not 47 digits of
/// `0.000...001` (a tiny `--cue-scale` pushed every later column out of line).
fn short_number(x: f32) -> String {
    if x != 0.0 && !(1e-3..1e6).contains(&x.abs()) {
        format!("{x:e}")
    } else {
        x.to_string()
    }
}

/// One setting of the `stance train --search` table, aligned under [`SEARCH_HEADER`].
pub fn search_row(row: &crate::tune::SearchRow) -> String {
    let [alpha, prior, ngrams, negation, cues, features] =
        searched_settings(&row.params).map(|(_, value)| value);
    format!(
        "  {alpha:>8}  {prior:<9} {ngrams:>6} {negation:>8} {cues:>6} {features:>9} {:>8.4}  {:>8.4}",
        row.accuracy, row.macro_f1
    )
}

/// The line after the `stance train --search` table naming the setting kept.
pub fn search_best(row: &crate::tune::SearchRow) -> String {
    let settings: Vec<String> = searched_settings(&row.params)
        .iter()
        .map(|(name, value)| format!("{name} {value}"))
        .collect();
    format!(
        "best: {} (macro-F1 {:.4})",
        settings.join(" "),
        row.macro_f1
    )
}

/// Output formats of `stance evaluate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EvalFormat {
    #[default]
    /// Plain text for a terminal.
    Text,
    /// One JSON object.
    Json,
    /// Markdown tables.
    Markdown,
}

/// Renders an evaluation report.
pub fn evaluation(
    e: &Evaluation,
    errors: &[Misclassified],
    data_name: &str,
    format: EvalFormat,
) -> String {
    match format {
        EvalFormat::Json => evaluation_json(e, errors),
        EvalFormat::Text => evaluation_text(e, errors, data_name),
        EvalFormat::Markdown => evaluation_markdown(e, errors, data_name),
    }
}

fn evaluation_json(e: &Evaluation, errors: &[Misclassified]) -> String {
    let mut value = serde_json::to_value(e).expect("an evaluation always serialises");
    value["errors"] = serde_json::to_value(errors).expect("errors always serialise");
    let mut s = serde_json::to_string_pretty(&value).expect("a value always serialises");
    s.push('\n');
    s
}

/// What the 95% ranges are, for the text and Markdown reports.
fn bootstrap_note(b: &Bootstrap) -> String {
    let units = if b.by_document {
        format!(
            "{} units (rows sharing a story or document id drawn together, any other row \
             alone)",
            b.units
        )
    } else {
        format!("the {} sentences", b.units)
    };
    format!(
        "95% ranges: {} bootstrap resamples of {units}; another sample of this size of the same \
         kind of text would likely score inside them",
        b.resamples
    )
}

fn evaluation_text(e: &Evaluation, errors: &[Misclassified], data_name: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "evaluated on {data_name}: {} sentences", e.n);
    let range = |pick: fn(&Bootstrap) -> Interval| {
        e.bootstrap.as_ref().map_or(String::new(), |b| {
            let r = pick(b);
            format!("  (95% range {:.4} to {:.4})", r.lower, r.upper)
        })
    };
    let _ = writeln!(s, "accuracy  {:.4}{}", e.accuracy, range(|b| b.accuracy));
    let _ = writeln!(s, "macro-F1  {:.4}{}", e.macro_f1, range(|b| b.macro_f1));
    if let Some(b) = &e.bootstrap {
        let _ = writeln!(s, "{}", bootstrap_note(b));
    }
    let b = &e.majority_baseline;
    let _ = writeln!(
        s,
        "majority baseline (always {}): accuracy {:.4}, macro-F1 {:.4}\n",
        b.label, b.accuracy, b.macro_f1
    );
    let _ = writeln!(
        s,
        "{:<14}{:>10}{:>10}{:>10}{:>10}",
        "label", "precision", "recall", "f1", "support"
    );
    for (label, c) in &e.per_class {
        let _ = writeln!(
            s,
            "{:<14}{:>10.4}{:>10.4}{:>10.4}{:>10}",
            label.as_str(),
            c.precision,
            c.recall,
            c.f1,
            c.support
        );
    }
    let _ = writeln!(s, "\nconfusion matrix (rows: gold, columns: predicted)");
    let _ = write!(s, "{:<14}", "");
    for l in &e.confusion.labels {
        let _ = write!(s, "{:>14}", l.as_str());
    }
    s.push('\n');
    for (l, row) in e.confusion.labels.iter().zip(&e.confusion.matrix) {
        let _ = write!(s, "{:<14}", l.as_str());
        for v in row {
            let _ = write!(s, "{v:>14}");
        }
        s.push('\n');
    }
    let c = &e.calibration;
    let _ = writeln!(
        s,
        "\ncalibration: expected calibration error {:.4}",
        c.expected_calibration_error
    );
    let _ = writeln!(
        s,
        "{:<12}{:>8}{:>12}{:>10}",
        "confidence", "count", "mean conf", "accuracy"
    );
    for bin in c.bins.iter().filter(|b| b.count > 0) {
        let _ = writeln!(
            s,
            "{:<12}{:>8}{:>12.3}{:>10.3}",
            format!("{:.1}-{:.1}", bin.lower, bin.upper),
            bin.count,
            bin.mean_confidence,
            bin.accuracy
        );
    }
    if !errors.is_empty() {
        let _ = writeln!(s, "\nmisclassified ({} shown):", errors.len());
        for m in errors {
            let _ = writeln!(
                s,
                "  line {}: gold {}, predicted {} ({:.2}): {}",
                m.line,
                m.gold,
                m.predicted,
                m.confidence,
                one_line(&m.text)
            );
        }
    }
    s
}

fn evaluation_markdown(e: &Evaluation, errors: &[Misclassified], data_name: &str) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "## Evaluation on {} ({} sentences)\n",
        markdown_code(data_name),
        e.n
    );
    let b = &e.majority_baseline;
    let range = |pick: fn(&Bootstrap) -> Interval| {
        e.bootstrap.as_ref().map_or("-".to_string(), |b| {
            let r = pick(b);
            format!("{:.4} to {:.4}", r.lower, r.upper)
        })
    };
    let _ = writeln!(
        s,
        "| metric | model | 95% range | majority baseline ({}) |",
        b.label
    );
    let _ = writeln!(s, "| --- | --- | --- | --- |");
    let _ = writeln!(
        s,
        "| accuracy | {:.4} | {} | {:.4} |",
        e.accuracy,
        range(|b| b.accuracy),
        b.accuracy
    );
    let _ = writeln!(
        s,
        "| macro-F1 | {:.4} | {} | {:.4} |\n",
        e.macro_f1,
        range(|b| b.macro_f1),
        b.macro_f1
    );
    if let Some(b) = &e.bootstrap {
        let _ = writeln!(s, "{}\n", bootstrap_note(b));
    }
    let _ = writeln!(s, "| label | precision | recall | F1 | support |");
    let _ = writeln!(s, "| --- | --- | --- | --- | --- |");
    for (label, c) in &e.per_class {
        let _ = writeln!(
            s,
            "| {label} | {:.4} | {:.4} | {:.4} | {} |",
            c.precision, c.recall, c.f1, c.support
        );
    }
    let _ = writeln!(s, "\nConfusion matrix (rows: gold, columns: predicted):\n");
    let header: Vec<&str> = e.confusion.labels.iter().map(|l| l.as_str()).collect();
    let _ = writeln!(s, "| gold \\ predicted | {} |", header.join(" | "));
    let _ = writeln!(s, "| --- |{}", " --- |".repeat(header.len()));
    for (l, row) in e.confusion.labels.iter().zip(&e.confusion.matrix) {
        let cells: Vec<String> = row.iter().map(usize::to_string).collect();
        let _ = writeln!(s, "| {l} | {} |", cells.join(" | "));
    }
    let c = &e.calibration;
    let _ = writeln!(
        s,
        "\nExpected calibration error: {:.4}\n\n| confidence | count | mean confidence | accuracy |\n| --- | --- | --- | --- |",
        c.expected_calibration_error
    );
    for bin in c.bins.iter().filter(|b| b.count > 0) {
        let _ = writeln!(
            s,
            "| {:.1}-{:.1} | {} | {:.3} | {:.3} |",
            bin.lower, bin.upper, bin.count, bin.mean_confidence, bin.accuracy
        );
    }
    if !errors.is_empty() {
        let _ = writeln!(
            s,
            "\n| line | gold | predicted | confidence | sentence |\n| --- | --- | --- | --- | --- |"
        );
        for m in errors {
            let _ = writeln!(
                s,
                "| {} | {} | {} | {:.2} | {} |",
                m.line,
                m.gold,
                m.predicted,
                m.confidence,
                markdown_text(&one_line(&m.text))
            );
        }
    }
    s
}

/// `text` as a Markdown code span, fenced with more backticks than any run inside it (a
/// file name holding a backtick would otherwise end the span early).
fn markdown_code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if longest > 0 { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

/// Text shown as itself in Markdown: characters that would start emphasis, code, a link,
/// HTML or a table cell are escaped with a backslash (and backslashes themselves, so that a
/// `\|` in a sentence does not lose its backslash).
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// What `stance inspect` prints: the model's metadata (training file and fingerprint,
/// sentences per label, parameters, cross-validation, the document-context tables) and the
/// `top` strongest features of each label.
pub fn inspection(model: &StanceModel, top: usize) -> String {
    let mut s = String::new();
    let info = model.info();
    let _ = writeln!(
        s,
        "model: {} features, labels {}",
        model.featurizer().len(),
        model
            .labels()
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    // Strings from the file on one line each: a line break in a hand-edited `data_file`
    // would otherwise start a report line of its own choosing.
    let _ = writeln!(
        s,
        "trained on: {} (sha256 {})",
        one_line(&info.data_file),
        one_line(&info.data_sha256)
    );
    for (label, n) in &info.sentences_per_label {
        let _ = writeln!(s, "  {label:<13} {n}");
    }
    if let Some(p) = &info.params {
        let _ = writeln!(
            s,
            "params: alpha {} max_iter {} prior {} seed {}\nfeatures: {}",
            p.alpha,
            p.max_iter,
            p.prior.name(),
            p.seed,
            // The featurizer's own options: they are what the model applies, whatever the
            // training run asked for.
            serde_json::to_string(&model.featurizer().spec().config).unwrap_or_default()
        );
    }
    if let Some(cv) = &info.cross_validation {
        let _ = writeln!(
            s,
            "cross-validation ({} folds): accuracy {:.4}, macro-F1 {:.4}",
            cv.folds, cv.accuracy, cv.macro_f1
        );
    }
    match model.context() {
        Some(c) => context_tables(c, model.labels(), &mut s),
        None => s.push_str("context: none (each sentence labelled on its own)\n"),
    }
    let _ = writeln!(s, "stance version: {}", one_line(&info.crate_version));
    for (k, label) in model.labels().iter().enumerate() {
        let _ = writeln!(s, "\nstrongest features for {label}:");
        for (margin, name) in model.strongest_features(k, top) {
            let _ = writeln!(s, "  {margin:>+8.3}  {}", one_line(name));
        }
    }
    s
}

/// The label transition table of a model's document context and, per link, the chance
/// that a label carries over, for the model's `labels`: the tables have a row for every
/// label, and a model trained without one would show it as uniform, though it never
/// predicts it.
fn context_tables(c: &ContextModel, labels: &[Stance], s: &mut String) {
    let _ = writeln!(
        s,
        "context: label transitions learned from {} sentence pairs (rows: from, columns: to)",
        c.pairs
    );
    let _ = write!(s, "  {:<13}", "");
    for label in labels {
        let _ = write!(s, " {:>12}", label.as_str());
    }
    s.push('\n');
    for from in labels {
        let _ = write!(s, "  {:<13}", from.as_str());
        for to in labels {
            let _ = write!(s, " {:>12.3}", c.transitions[from.index()][to.index()]);
        }
        s.push('\n');
    }
    if let Some(tables) = &c.by_link {
        s.push_str(
            "  chance a label carries over, by how the next sentence opens \
             (plain; quotation mark; But/However; He/They/This):\n",
        );
        for (link, table) in Link::ALL.iter().zip(tables) {
            let _ = write!(s, "  {:<13}", link.name());
            for label in labels {
                let _ = write!(s, " {:>12.3}", table[label.index()][label.index()]);
            }
            s.push('\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::terminal::{json_printable, unsafe_on_terminal};

    /// A plain-text document `a.txt` holding `text`, with no pass-through fields.
    fn article(text: &str) -> Document {
        Document {
            source: "a.txt".into(),
            line: None,
            text: text.into(),
            fields: Vec::new(),
        }
    }

    #[test]
    fn csv_output_names_are_reserved_in_any_letter_case() {
        // stance reads `Label` as `label`, so output holding both would not read back.
        assert_eq!(passthrough_name("Label", Output::Csv), "input_Label");
        assert_eq!(passthrough_name("source", Output::Csv), "source");
        // JSON keys are compared exactly: `Label` never met `label` there.
        assert_eq!(passthrough_name("Label", Output::Json), "Label");
        assert_eq!(passthrough_name("label", Output::Json), "input_label");
        assert!(renamed_in_output("Input_x") && renamed_in_output("TEXT"));
        let err = check_passthrough(&["Label".into(), "input_Label".into()]).unwrap_err();
        assert!(
            err.contains("would both be written as `input_Label`"),
            "{err}"
        );
    }

    #[test]
    fn json_reports_escape_what_a_terminal_acts_on() {
        let errors = [Misclassified {
            line: 2,
            text: "Then \u{202E}evil\u{202C}, \u{7F}\u{85} \u{1b}[2J.".into(),
            gold: Stance::Adversarial,
            predicted: Stance::Analytical,
            confidence: 0.5,
        }];
        let json = serde_json::to_string_pretty(&errors).unwrap();
        let shown = json_printable(&json);
        assert!(!shown.contains(unsafe_on_terminal_but_line_ends), "{shown}");
        assert!(shown.contains("Then \\u202eevil\\u202c, \\u007f\\u0085 \\u001b[2J."));
        let back: serde_json::Value = serde_json::from_str(&shown).unwrap();
        assert_eq!(back[0]["text"], errors[0].text.as_str());
        assert_eq!(json_printable("{\n  \"a\": 1\n}"), "{\n  \"a\": 1\n}");
    }

    fn unsafe_on_terminal_but_line_ends(c: char) -> bool {
        unsafe_on_terminal(c) && c != '\n'
    }

    #[test]
    fn markdown_text_is_shown_as_written() {
        assert_eq!(
            markdown_text(r"a \| b, *bold* <img> `x`.csv"),
            r"a \\\| b, \*bold\* \<img\> \`x\`.csv"
        );
        assert_eq!(markdown_text("Talks resumed."), "Talks resumed.");
        assert_eq!(markdown_code("test_small.csv"), "`test_small.csv`");
        assert_eq!(markdown_code("md`x.csv"), "`` md`x.csv ``");
    }

    /// JSON_KEYS must list what a JSON Lines object holds besides pass-through fields, or a
    /// field of the same name would be written twice (CSV_COLUMNS likewise for CSV).
    #[test]
    fn reserved_names_are_the_output_keys() {
        let doc = article("Talks.");
        let results = [SentenceResult {
            index: 1,
            start: 0,
            end: 6,
            text: "Talks.",
            prediction: Prediction {
                label: Stance::Analytical,
                probabilities: [0.1, 0.8, 0.1],
            },
            uncertain: false,
            explanation: Some(Vec::new()),
            explained_against: Some(Stance::Adversarial),
        }];
        for (format, reserved) in [
            (ClassifyFormat::Jsonl, &JSON_KEYS[..]),
            (ClassifyFormat::Csv, &CSV_COLUMNS[..]),
        ] {
            let r = Renderer {
                format,
                columns: Vec::new(),
            };
            let mut out = Vec::new();
            r.header(&mut out);
            r.document(&doc, &results, &mut out);
            let text = String::from_utf8(out).unwrap();
            let keys: Vec<String> = if format == ClassifyFormat::Jsonl {
                // A serde_json Map sorts its keys; the output order is the struct's.
                let row: serde_json::Map<String, Value> = serde_json::from_str(&text).unwrap();
                let mut keys: Vec<String> = row.keys().cloned().collect();
                keys.sort_by_key(|k| reserved.iter().position(|r| r == k));
                keys
            } else {
                text.lines()
                    .next()
                    .unwrap()
                    .split(',')
                    .map(String::from)
                    .collect()
            };
            assert_eq!(keys, reserved, "{text}");
        }
    }

    /// Hand-computed: 0.998 and 0.496 round to "1.00" and "0.50", which would read as at or
    /// above thresholds of 1 and 0.5; rounded down they show under them.
    #[test]
    fn uncertain_confidences_show_below_their_threshold() {
        let doc = article("Talks. Talks.");
        let result = |confidence: f32, uncertain: bool| SentenceResult {
            index: 1,
            start: 0,
            end: 6,
            text: "Talks.",
            prediction: Prediction {
                label: Stance::Analytical,
                probabilities: [
                    (1.0 - confidence) / 2.0,
                    confidence,
                    (1.0 - confidence) / 2.0,
                ],
            },
            uncertain,
            explanation: None,
            explained_against: None,
        };
        let results = [
            result(0.998, true),
            result(0.496, true),
            result(0.998, false),
        ];
        let r = Renderer {
            format: ClassifyFormat::Table,
            columns: Vec::new(),
        };
        let mut out = Vec::new();
        r.document(&doc, &results, &mut out);
        let shown: Vec<&str> = std::str::from_utf8(&out)
            .unwrap()
            .lines()
            .filter(|l| l.ends_with("Talks."))
            .map(|l| l.split_whitespace().nth(2).unwrap())
            .collect();
        assert_eq!(shown, ["0.99", "0.49", "1.00"]);
    }

    #[test]
    fn probabilities_format_like_std() {
        for p in [0.0f32, 1.0, 0.5, 0.123_45, 0.999_96, 0.000_04, 0.3333] {
            let mut ours = Vec::new();
            push_probability(&mut ours, p);
            assert_eq!(String::from_utf8(ours).unwrap(), format!("{p:.4}"), "{p}");
        }
    }

    #[test]
    fn integers_format_like_std() {
        for n in [0usize, 7, 10, 99, 1_000_001, usize::MAX] {
            let mut ours = Vec::new();
            push_int(&mut ours, n);
            assert_eq!(String::from_utf8(ours).unwrap(), n.to_string());
        }
    }

    #[test]
    fn tiny_and_huge_settings_stay_short() {
        assert_eq!(short_number(1e-45), "1e-45");
        assert_eq!(short_number(0.25), "0.25");
        assert_eq!(short_number(0.0), "0");
        assert_eq!(short_number(100.0), "100");
        assert_eq!(short_number(2e7), "2e7");
    }

    #[test]
    fn search_rows_line_up_under_the_header() {
        let row = crate::tune::SearchRow {
            params: crate::model::TrainParams::default(),
            accuracy: 0.5,
            macro_f1: 0.25,
        };
        let line = search_row(&row);
        assert_eq!(line.len(), SEARCH_HEADER.len(), "{line:?}");
        assert!(line.ends_with("0.5000    0.2500"), "{line:?}");
        assert!(line.contains("train"), "{line:?}");
        assert_eq!(
            search_best(&row),
            "best: alpha 0.3 prior train ngrams 2 negation true cues 0.25 features 12000 (macro-F1 0.2500)"
        );
    }

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        let cases = [
            ("plain", "plain"),
            ("a,b", "\"a,b\""),
            ("say \"no\"", "\"say \"\"no\"\"\""),
            ("two\nlines", "\"two\nlines\""),
            ("", ""),
        ];
        for (input, want) in cases {
            let mut out = Vec::new();
            csv_field(&mut out, input);
            assert_eq!(String::from_utf8(out).unwrap(), want);
        }
    }

    #[test]
    fn pass_through_names_must_stay_distinct() {
        let names = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(check_passthrough(&names(&["id", "label", "date"])).is_ok());
        // Trailing commas in a header make unnamed columns; they used to fail here.
        assert!(check_passthrough(&names(&["id", "", ""])).is_ok());
        let err = check_passthrough(&names(&["label", "input_label"])).unwrap_err();
        assert!(
            err.contains("`label` and `input_label` would both be written as `input_label`"),
            "{err}"
        );
    }

    #[test]
    fn csv_output_parses_back() {
        let doc = Document {
            source: "a,b.txt".into(),
            line: None,
            text: String::new(),
            fields: vec![("id".into(), Value::String("x\"1".into()))],
        };
        let results = [SentenceResult {
            index: 1,
            start: 0,
            end: 9,
            text: "He said \"no\", twice.",
            prediction: Prediction {
                label: Stance::Adversarial,
                probabilities: [0.7, 0.2, 0.1],
            },
            uncertain: false,
            explanation: None,
            explained_against: None,
        }];
        let r = Renderer {
            format: ClassifyFormat::Csv,
            columns: vec!["id".into(), "label".into()],
        };
        let mut out = Vec::new();
        r.header(&mut out);
        r.document(&doc, &results, &mut out);
        let mut reader = csv::Reader::from_reader(&out[..]);
        let headers = reader.headers().unwrap().clone();
        assert_eq!(headers.len(), 11);
        // The input's own `label` column is renamed rather than repeated.
        assert_eq!(&headers[4], "label");
        assert_eq!(&headers[10], "input_label");
        let row = reader.records().next().unwrap().unwrap();
        assert_eq!(&row[0], "a,b.txt");
        assert_eq!(&row[4], "adversarial");
        assert_eq!(&row[5], "0.7000");
        assert_eq!(&row[8], "He said \"no\", twice.");
        assert_eq!(&row[9], "x\"1");
        // Fields out of column order (a later JSON line with its keys in another order), or
        // missing, still land under their own columns, on every sentence of the document.
        let doc = Document {
            fields: vec![
                ("label".into(), Value::String("gold".into())),
                ("extra".into(), Value::Bool(true)),
            ],
            ..doc
        };
        let two = [results[0].clone(), results[0].clone()];
        let mut out = Vec::new();
        r.header(&mut out);
        r.document(&doc, &two, &mut out);
        let mut reader = csv::Reader::from_reader(&out[..]);
        for row in reader.records() {
            let row = row.unwrap();
            assert_eq!((&row[9], &row[10]), ("", "gold"));
        }
    }
}
