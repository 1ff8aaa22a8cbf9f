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

criterion_group!(pipeline, benches);
criterion_main!(pipeline);
