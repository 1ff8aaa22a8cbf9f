//! Criterion benches for the per-sentence stages (segmentation, feature extraction and
//! prediction) and for loading the model, on the shipped model and a committed example
//! article.
//!
//! Run with `cargo bench --bench pipeline`. Whole-process throughput against scikit-learn and
//! fastText is measured by `benches/compare.sh` instead.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

use stance::{StanceModel, segment};

const ARTICLE: &str = include_str!("../data/articles/nile_dam_row.txt");

fn model() -> StanceModel {
    StanceModel::from_json(stance::BUILTIN_MODEL_JSON, "built-in").expect("shipped model loads")
}

fn benches(c: &mut Criterion) {
    let model = model();
    let sentences: Vec<&str> = segment::split(ARTICLE).iter().map(|s| s.text).collect();

    let mut g = c.benchmark_group("segment");
    g.throughput(Throughput::Bytes(ARTICLE.len() as u64));
    g.bench_function("article", |b| b.iter(|| segment::spans(black_box(ARTICLE))));
    // A list with no full stop: each line used to rescan to the end of the text for one,
    // which made splitting quadratic (a million numbers, one a line, took 41 s).
    let list: String = (0..20_000).map(|i| format!("{i}\n")).collect();
    g.throughput(Throughput::Bytes(list.len() as u64));
    g.bench_function("lines_without_marks", |b| {
        b.iter(|| segment::spans(black_box(&list)))
    });
    // The article hard-wrapped at 72 columns, as plain-text feeds and e-mail send it: every
    // line end is a decision (a headline, a list item or a wrapped line?).
    let wrapped = hard_wrap(ARTICLE, 72);
    g.throughput(Throughput::Bytes(wrapped.len() as u64));
    g.bench_function("wrapped_article", |b| {
        b.iter(|| segment::spans(black_box(&wrapped)))
    });
    // Bulleted and numbered lists after a lead-in line, one item a line.
    let lists = "Key points:\n- The two sides agreed to deepen cooperation\n- Officials warned of sanctions against Beijing\n\nMain points\n\n1. Trade rose 5% last year\n2) Talks resume in Oslo on Sept. 22.\n"
        .repeat(500);
    g.throughput(Throughput::Bytes(lists.len() as u64));
    g.bench_function("lists", |b| b.iter(|| segment::spans(black_box(&lists))));
    g.finish();

    let mut g = c.benchmark_group("features");
    g.throughput(Throughput::Elements(sentences.len() as u64));
    let mut analyzer = model.featurizer().analyzer();
    let mut v = Vec::new();
    g.bench_function("sentences", |b| {
        b.iter(|| {
            for s in &sentences {
                analyzer.transform(black_box(s), &mut v);
            }
        })
    });
    g.finish();

    let vectors: Vec<_> = sentences
        .iter()
        .map(|s| model.featurizer().transform(s))
        .collect();
    let mut g = c.benchmark_group("predict");
    g.throughput(Throughput::Elements(vectors.len() as u64));
    g.bench_function("sparse_dot", |b| {
        b.iter(|| {
            for v in &vectors {
                black_box(model.predict_features(black_box(v)));
            }
        })
    });
    g.finish();

    c.bench_function("load_model", |b| {
        b.iter(|| StanceModel::from_json(black_box(stance::BUILTIN_MODEL_JSON), "built-in"))
    });
}

/// `text` with each paragraph's lines broken at the last space before `width` characters.
fn hard_wrap(text: &str, width: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut column = 0;
        for (k, word) in line.split(' ').enumerate() {
            let len = word.chars().count();
            if k > 0 && column + 1 + len > width {
                out.push('\n');
                column = 0;
            } else if k > 0 {
                out.push(' ');
                column += 1;
            }
            out.push_str(word);
            column += len;
        }
        out.push('\n');
    }
    out
}

criterion_group!(pipeline, benches);
criterion_main!(pipeline);
