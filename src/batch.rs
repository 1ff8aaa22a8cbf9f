//! Documents -> labelled sentences, streamed: bounded memory, parallel, output in input order.
//!
//! Documents are taken from the input in chunks (a few thousand documents or a few megabytes of
//! output, whichever comes first). Each chunk is segmented, featurised, predicted and rendered in
//! parallel with rayon, one reusable [`Analyzer`] per worker, and written in input order. While a
//! chunk is being processed, the previous chunk's output is written and the next chunk is read, so
//! I/O overlaps with computation. Memory is bounded by three chunks whatever the number of
//! documents, and the output does not depend on the number of threads. A document is never split:
//! its output is rendered whole, so one huge document costs memory in proportion to its output
//! (about 18 times its text in CSV).

use std::io::Write;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::context;
use crate::error::{Error, Result};
use crate::features::{Analyzer, SparseVec};
use crate::input::Document;
use crate::model::{Contribution, Prediction, StanceModel};
use crate::report::{ClassifyFormat, Renderer, SentenceResult};
use crate::segment;

/// Options of `stance classify`.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ClassifyOptions {
    /// Attach the top N contributing features to each sentence.
    pub explain: Option<usize>,
    /// Show `uncertain` instead of a label whose probability is under this.
    pub min_confidence: Option<f32>,
}

/// Counts of what a run processed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Totals {
    /// Documents read.
    pub documents: usize,
    /// Sentences labelled.
    pub sentences: usize,
    /// Documents without a sentence (an empty text): they have no rows in CSV or JSON Lines
    /// output.
    pub empty: usize,
    /// Documents most of whose sentences hold no word of the model's vocabulary, only cues
    /// or nothing: text in another language or script, or figures and punctuation alone.
    /// Their labels rest on the intercepts and cues, so they are worth a word. (Not single
    /// sentences: an English article's dateline, `TIRASPOL, February 11.`, is one.)
    pub wordless: usize,
    /// The first of them.
    pub first_wordless: Option<String>,
}

impl Totals {
    /// The notes on a finished run written in `format`: documents that are mostly sentences
    /// with no known word, and documents with no text, which only the table shows. `unplaced`
    /// are the pass-through columns CSV output has no column for (see
    /// [`crate::input::Documents::unplaced_columns`]).
    pub fn notes(&self, format: ClassifyFormat, unplaced: &[String]) -> Vec<String> {
        let mut notes = Vec::new();
        if !unplaced.is_empty() && format == ClassifyFormat::Csv {
            notes.push(format!(
                "CSV output has the first input's columns; these later ones are left out: {}",
                unplaced.join(", ")
            ));
        }
        if let Some(first) = &self.first_wordless {
            notes.push(format!(
                "{} of {} documents (the first: {}) are mostly sentences with no word the model \
                 knows: text in another language or script, or figures and punctuation alone; \
                 stance reads English, and such labels rest on the model's cues and priors \
                 alone",
                self.wordless,
                self.documents,
                crate::terminal::one_line(first)
            ));
        }
        // The table shows an empty document's heading; the other formats have no row for it.
        if self.empty > 0 && format != ClassifyFormat::Table {
            notes.push(format!(
                "{} of {} documents had no text, so the output has no rows for them",
                self.empty, self.documents
            ));
        }
        notes
    }
}

impl std::ops::AddAssign for Totals {
    fn add_assign(&mut self, other: Totals) {
        self.documents += other.documents;
        self.sentences += other.sentences;
        self.empty += other.empty;
        self.wordless += other.wordless;
        self.first_wordless = self.first_wordless.take().or(other.first_wordless);
    }
}

/// Most documents in one chunk.
const CHUNK_DOCS: usize = 4096;
/// Most bytes in one chunk, counted as output (see [`output_weight`]).
const CHUNK_BYTES: usize = 4 << 20;
/// Runs a chunk is cut into per thread (see [`render_chunk`]).
const RUNS_PER_THREAD: usize = 16;

/// Labels every sentence of one text as `stance classify` does: segmented, each sentence
/// predicted on its own, then read with its neighbours (see [`crate::context`]), and with
/// `options.explain` the features behind each label given, the context's share included.
///
/// The one-off form of [`classify_document`]; a loop over many texts should keep a
/// [`Worker`] and call that instead, so that the word cache stays warm.
pub fn classify_text<'t>(
    model: &StanceModel,
    text: &'t str,
    options: ClassifyOptions,
) -> Vec<SentenceResult<'t>> {
    let mut results = Vec::new();
    classify_document(model, &mut Worker::new(model), text, options, &mut results);
    results
}

/// Ranks the context's share of the label `given` (the change from the sentence's `own`
/// prediction, see [`context::contribution`]) among the features of `list`, strongest
/// first, keeping the `top`: `--explain` shows context as one more reason, in its place.
fn rank_context_term(
    list: &mut Vec<Contribution>,
    own: &Prediction,
    given: &Prediction,
    against: crate::corpus::Stance,
    top: usize,
) {
    if let Some(c) = context::contribution(own, given, given.label, against) {
        let at = list
            .iter()
            .position(|x| x.contribution < c.contribution)
            .unwrap_or(list.len());
        list.insert(at, c);
        list.truncate(top);
    }
}

/// Classifies every sentence of one document's `text` into `results` (cleared first): each
/// sentence on its own, then adjusted by its neighbours (see [`crate::context`]).
///
/// Returns how many of the sentences hold no word of the model's vocabulary (see
/// [`Totals::wordless`]).
pub fn classify_document<'d>(
    model: &StanceModel,
    worker: &mut Worker<'_>,
    text: &'d str,
    options: ClassifyOptions,
    results: &mut Vec<SentenceResult<'d>>,
) -> usize {
    results.clear();
    let Worker {
        analyzer,
        features,
        spans,
        own,
        explained,
    } = worker;
    let mut wordless = 0;
    segment::spans_into(text, spans);
    own.clear();
    explained.clear();
    let labels = model.labels();
    // Explained against the strongest other label; recomputed below if context changes it.
    let against = |p: &Prediction| p.strongest_other(p.label, labels).unwrap_or(p.label);
    let featurizer = model.featurizer();
    for &(start, end) in spans.iter() {
        analyzer.transform(&text[start..end], features);
        if !features
            .iter()
            .any(|&(i, _)| featurizer.is_word_feature(i as usize))
        {
            wordless += 1;
        }
        let prediction = model.predict_features(features);
        own.push(prediction);
        if let Some(top) = options.explain {
            explained.push(model.explain(features, prediction.label, against(&prediction), top));
        }
    }
    // Context only changes documents of two or more sentences; most tabular rows are one.
    let smoothed = match model.context() {
        Some(c) if own.len() > 1 => {
            let links = context::links(spans.iter().map(|&(start, end)| &text[start..end]));
            Some(c.smooth(own, &links, model.labels()))
        }
        _ => None,
    };
    for (i, &(start, end)) in spans.iter().enumerate() {
        let prediction = smoothed.as_ref().map_or(own[i], |s| s[i]);
        let uncertain = options
            .min_confidence
            .is_some_and(|p| prediction.confidence() < p);
        let explanation = options.explain.map(|top| {
            let other = against(&prediction);
            let mut list = if (prediction.label, other) == (own[i].label, against(&own[i])) {
                std::mem::take(&mut explained[i])
            } else {
                // Context changed the label or its runner-up: explain the label given, against
                // the runner-up shown.
                analyzer.transform(&text[start..end], features);
                model.explain(features, prediction.label, other, top)
            };
            rank_context_term(&mut list, &own[i], &prediction, other, top);
            list
        });
        results.push(SentenceResult {
            index: i + 1,
            start,
            end,
            text: &text[start..end],
            prediction,
            uncertain,
            explained_against: explanation.as_ref().map(|_| against(&prediction)),
            explanation,
        });
    }
    wordless
}

/// Per-worker state reused across documents: the analyzer (with its word cache) and buffers.
pub struct Worker<'m> {
    analyzer: Analyzer<'m>,
    features: SparseVec,
    spans: Vec<(usize, usize)>,
    /// Each sentence's prediction on its own, before context.
    own: Vec<Prediction>,
    explained: Vec<Vec<Contribution>>,
}

impl<'m> Worker<'m> {
    /// A worker for `model`, with an empty word cache.
    pub fn new(model: &'m StanceModel) -> Self {
        Worker {
            analyzer: model.featurizer().analyzer(),
            features: Vec::new(),
            spans: Vec::new(),
            own: Vec::new(),
            explained: Vec::new(),
        }
    }
}

/// Classifies a stream of documents and writes the rendered output to `out`, which write
/// errors name `out_name` (the CLI's is `<stdout>`).
///
/// `progress` is called after each chunk is written, with the running totals.
///
/// Returns an error if reading a document or writing the output fails. When a document
/// cannot be read (a file that is not UTF-8, a malformed row), every document before it is
/// classified and written first, and none after it, so the output ends where the error
/// points.
pub fn run<W: Write + Send>(
    model: &StanceModel,
    mut documents: impl Iterator<Item = Result<Document>> + Send,
    renderer: &Renderer,
    options: ClassifyOptions,
    out: &mut W,
    out_name: &str,
    mut progress: impl FnMut(&Totals) + Send,
) -> Result<Totals> {
    let mut header = Vec::new();
    renderer.header(&mut header);
    write_out(out, out_name, &header)?;
    let mut totals = Totals::default();
    // One worker state per thread, kept across chunks so that its word cache stays warm.
    let workers: Vec<Mutex<Worker<'_>>> = (0..rayon::current_num_threads())
        .map(|_| Mutex::new(Worker::new(model)))
        .collect();
    let (mut chunk, mut failed) = read_chunk(&mut documents);
    let mut pending: Vec<Vec<u8>> = Vec::new();
    // The previous chunk's documents, freed on the I/O side of the next step: freeing a few
    // thousand strings is work too, and between steps it would run on one thread alone.
    let mut spent: Vec<Document> = Vec::new();
    while !chunk.is_empty() {
        // After a read error nothing more is read; the documents before it are finished.
        let reading = failed.is_none();
        let process = || render_chunk(model, renderer, options, &workers, &chunk);
        let io = || -> Result<(Vec<Document>, Option<Error>)> {
            drop(std::mem::take(&mut spent));
            for part in &pending {
                write_out(out, out_name, part)?;
            }
            Ok(match reading {
                true => read_chunk(&mut documents),
                false => (Vec::new(), None),
            })
        };
        let ((rendered, counts), next) = rayon::join(process, io);
        let (next, next_failed) = next?;
        failed = failed.or(next_failed);
        totals += counts;
        progress(&totals);
        pending = rendered;
        spent = std::mem::replace(&mut chunk, next);
    }
    for part in &pending {
        write_out(out, out_name, part)?;
    }
    out.flush().map_err(|e| Error::io(out_name, e))?;
    match failed {
        Some(error) => Err(error),
        None => Ok(totals),
    }
}

/// Segments, predicts and renders a chunk in parallel; returns its output (one buffer per run,
/// in order) and its sentence and empty-document counts.
///
/// The chunk is cut into contiguous runs, [`RUNS_PER_THREAD`] per thread, and each run is rendered
/// into one buffer, so output order is input order and allocation is per run, not per document.
/// Runs are small so that the last of a chunk leaves little idle time before the next chunk (on the
/// 1M-sentence bench, when this was chosen, sixteen per thread beat four by about 7%).
fn render_chunk<'m>(
    model: &'m StanceModel,
    renderer: &Renderer,
    options: ClassifyOptions,
    workers: &[Mutex<Worker<'m>>],
    chunk: &[Document],
) -> (Vec<Vec<u8>>, Totals) {
    let runs = (rayon::current_num_threads() * RUNS_PER_THREAD).max(1);
    let run_len = chunk.len().div_ceil(runs).max(1);
    let parts: Vec<(Vec<u8>, Totals)> = chunk
        .par_chunks(run_len)
        .map(|docs| {
            // The thread's own worker; a fresh one if it is busy (a nested task).
            let slot = rayon::current_thread_index().and_then(|i| workers.get(i));
            let mut fresh = None;
            let mut guard = slot.and_then(|m| m.try_lock().ok());
            let worker = match guard.as_deref_mut() {
                Some(w) => w,
                None => fresh.insert(Worker::new(model)),
            };
            let bytes: usize = docs.iter().map(|d| d.text.len()).sum();
            // A first guess at the run's output; the buffer grows as it needs to.
            let mut out = Vec::with_capacity(bytes * 2 + 256);
            let mut results = Vec::new();
            let mut counts = Totals::default();
            for doc in docs {
                let wordless = classify_document(model, worker, &doc.text, options, &mut results);
                renderer.document(doc, &results, &mut out);
                counts.sentences += results.len();
                counts.empty += results.is_empty() as usize;
                if wordless * 2 > results.len() {
                    counts.wordless += 1;
                    counts.first_wordless.get_or_insert_with(|| doc.name());
                }
            }
            (out, counts)
        })
        .collect();
    let mut counts = Totals {
        documents: chunk.len(),
        ..Totals::default()
    };
    let mut rendered = Vec::with_capacity(parts.len());
    for (bytes, part) in parts {
        counts += part;
        rendered.push(bytes);
    }
    (rendered, counts)
}

/// The next chunk of documents, and the error that cut it short, if one did: the documents
/// read before the error are kept, so that they are still classified.
fn read_chunk(
    documents: &mut impl Iterator<Item = Result<Document>>,
) -> (Vec<Document>, Option<Error>) {
    let mut chunk = Vec::new();
    let mut bytes = 0;
    while chunk.len() < CHUNK_DOCS && bytes < CHUNK_BYTES {
        match documents.next() {
            Some(Ok(doc)) => {
                bytes += output_weight(&doc);
                chunk.push(doc);
            }
            Some(Err(error)) => return (chunk, Some(error)),
            None => break,
        }
    }
    (chunk, None)
}

/// Roughly how much output a document makes, in bytes, for bounding a chunk: its text, plus
/// its pass-through fields once per sentence, since every output row repeats them. Sentences
/// are counted by the marks that can end one. Counting the text alone, rows of 25 sentences
/// beside a 30 KB `html` field took 777 MB for a 32 MB file.
fn output_weight(doc: &Document) -> usize {
    if doc.fields.is_empty() {
        return doc.text.len();
    }
    fn value_len(v: &serde_json::Value) -> usize {
        match v {
            serde_json::Value::String(s) => s.len(),
            serde_json::Value::Array(a) => a.iter().map(value_len).sum(),
            serde_json::Value::Object(o) => o.iter().map(|(k, v)| k.len() + value_len(v)).sum(),
            _ => 8,
        }
    }
    let fields: usize = doc.fields.iter().map(|(k, v)| k.len() + value_len(v)).sum();
    let sentences = memchr::memchr3_iter(b'.', b'!', b'?', doc.text.as_bytes()).count() + 1;
    doc.text.len() + fields.saturating_mul(sentences)
}

fn write_out<W: Write>(out: &mut W, name: &str, bytes: &[u8]) -> Result<()> {
    out.write_all(bytes).map_err(|e| Error::io(name, e))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::context::CONTEXT_FEATURE;

    #[test]
    fn a_chunk_counts_pass_through_fields_once_per_sentence() {
        let doc = |fields: Vec<(&str, serde_json::Value)>| Document {
            source: "in.jsonl".into(),
            line: Some(1),
            text: "Talks resumed. Egypt protested! Why?".into(),
            fields: fields.into_iter().map(|(k, v)| (k.into(), v)).collect(),
        };
        // 36 bytes of text, three marks: taken as four sentences (one more for a text that
        // ends without a mark). `html` (4 + 10 bytes) and `id` (2 + 8 for a number) are
        // repeated on each: 36 + 24 x 4 = 132.
        assert_eq!(output_weight(&doc(vec![])), 36);
        let fields = vec![
            ("html", serde_json::Value::from("<p>ten</p>")),
            ("id", serde_json::Value::from(7)),
        ];
        assert_eq!(output_weight(&doc(fields)), 132);
    }

    /// [`run`] with the shipped model, CSV output and default options.
    fn run_csv<W: Write + Send>(
        documents: impl Iterator<Item = Result<Document>> + Send,
        out: &mut W,
        out_name: &str,
    ) -> Result<Totals> {
        let model = StanceModel::builtin().unwrap();
        let renderer = Renderer {
            format: crate::report::ClassifyFormat::Csv,
            columns: Vec::new(),
        };
        let options = ClassifyOptions::default();
        run(&model, documents, &renderer, options, out, out_name, |_| {})
    }

    /// A plain-text document named `{i}.txt`.
    fn article(i: usize, text: &str) -> Document {
        Document {
            source: format!("{i}.txt").into(),
            line: None,
            text: text.into(),
            fields: Vec::new(),
        }
    }

    #[test]
    fn run_names_its_output_in_write_errors() {
        /// Takes `room` bytes, then fails as a full disk does.
        struct Full {
            room: usize,
        }
        impl Write for Full {
            fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
                if self.room == 0 {
                    return Err(std::io::Error::from(std::io::ErrorKind::StorageFull));
                }
                let n = buf.len().min(self.room);
                self.room -= n;
                Ok(n)
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let text = "Talks resumed on Monday. Both sides welcomed the deal.";
        let documents = (0..3).map(|i| Ok(article(i, text)));
        // Room for the CSV header, not for the rows.
        let mut out = Full { room: 10 };
        let err = run_csv(documents, &mut out, "labels.csv")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("labels.csv: "), "{err}");
    }

    /// A document that cannot be read ends the output right before it, whichever chunk it
    /// falls in. The output used to stop at the last whole chunk: with 20,000 files and a bad
    /// one at 10,000, only the first 4,096 were written.
    #[test]
    fn run_writes_every_document_before_a_read_error() {
        // Inside the first chunk, and in the second (chunks hold at most CHUNK_DOCS).
        for bad in [150, CHUNK_DOCS + 904] {
            let documents = (0..bad + 100).map(|i| match i == bad {
                true => Err(Error::File {
                    path: format!("{i}.txt"),
                    message: "not UTF-8".into(),
                }),
                false => Ok(article(i, "Talks resumed on Monday.")),
            });
            let mut out = Vec::new();
            let err = run_csv(documents, &mut out, "out").unwrap_err().to_string();
            assert!(err.starts_with(&format!("{bad}.txt: ")), "{err}");
            // The header, then one row per document before the bad one, in order.
            let text = String::from_utf8(out).unwrap();
            let rows: Vec<&str> = text.lines().skip(1).collect();
            assert_eq!(rows.len(), bad);
            assert!(rows[bad - 1].starts_with(&format!("{}.txt,", bad - 1)));
        }
    }

    /// Text the model has no words for is counted by document, from its first: Chinese, and
    /// punctuation alone; an English article with a dateline of names and a date is not.
    #[test]
    fn documents_of_text_without_known_words_are_counted() {
        let texts = [
            "TIRASPOL, February 11. The authorities accused the neighbours of a blockade. \
             Talks were called off.",
            "中国和美国同意恢复谈判。中方指责美方霸凌！",
            "Officials said the talks went well.",
            "!!! ??? — — —",
        ];
        let documents = texts.iter().enumerate().map(|(i, t)| Ok(article(i, t)));
        let totals = run_csv(documents, &mut Vec::new(), "out").unwrap();
        assert_eq!(totals.documents, 4);
        assert_eq!(totals.wordless, 2);
        assert_eq!(totals.first_wordless.as_deref(), Some("1.txt"));
    }

    #[test]
    fn classify_text_labels_in_context_and_explains_the_label_given() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let model = StanceModel::load(&root.join("models/stance.json")).unwrap();
        let text = std::fs::read_to_string(root.join("data/articles/nile_dam_row.txt")).unwrap();
        let options = ClassifyOptions {
            explain: Some(3),
            ..ClassifyOptions::default()
        };
        let results = classify_text(&model, &text, options);

        let sentences: Vec<&str> = segment::split(&text).iter().map(|s| s.text).collect();
        let texts: Vec<&str> = results.iter().map(|r| r.text).collect();
        assert_eq!(texts, sentences);
        let in_context = model.predict_document(&sentences);
        let given: Vec<Prediction> = results.iter().map(|r| r.prediction).collect();
        assert_eq!(given, in_context);

        // Wherever the neighbours moved the probabilities, the explanation of the label
        // given says how much (the plain sentence-alone explanation would not).
        let mut moved = 0;
        for (r, sentence) in results.iter().zip(&sentences) {
            let alone = model.predict(sentence);
            let why = r.explanation.as_ref().unwrap();
            assert!(!why.is_empty() && why.len() <= 3);
            if alone != r.prediction {
                moved += 1;
                let has_context_term = why.iter().any(|c| c.feature == CONTEXT_FEATURE);
                let weakest = why.last().unwrap().contribution;
                let against = r.explained_against.unwrap();
                let context =
                    context::contribution(&alone, &r.prediction, r.prediction.label, against)
                        .unwrap();
                // It is listed unless three features outweigh it.
                assert!(
                    has_context_term || context.contribution <= weakest,
                    "{why:?}"
                );
            }
        }
        assert!(moved > 0, "the article should give context something to do");
    }
}
