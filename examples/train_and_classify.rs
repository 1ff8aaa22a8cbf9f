//! The library without the CLI: train on a labelled CSV, classify an article, explain a label.
//!
//!     cargo run --release --example train_and_classify -- data/train.csv data/articles/pacific_summit.txt

use std::path::PathBuf;

use stance::{Lexicons, StanceModel, TrainParams, corpus, segment};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let data = PathBuf::from(args.next().unwrap_or_else(|| "data/train.csv".into()));
    let article = PathBuf::from(
        args.next()
            .unwrap_or_else(|| "data/articles/pacific_summit.txt".into()),
    );

    let rows = corpus::read_labelled(&data)?;
    let model = StanceModel::train(&rows, &TrainParams::default(), &Lexicons::builtin())?;
    println!(
        "trained on {} sentences, {} features",
        rows.len(),
        model.featurizer().len()
    );

    let text = std::fs::read_to_string(&article)?;
    let sentences: Vec<&str> = segment::split(&text).iter().map(|s| s.text).collect();
    // Labels in context: each sentence read with its neighbours (a no-op if the model has
    // no document context).
    let predictions = model.predict_document(&sentences);
    let mut analyzer = model.featurizer().analyzer();
    let mut features = Vec::new();
    for (sentence, prediction) in sentences.iter().zip(&predictions) {
        analyzer.transform(sentence, &mut features);
        let why: Vec<String> = model
            .explain(&features, prediction.label, 2)
            .into_iter()
            .map(|c| format!("{} {:+.2}", c.feature, c.contribution))
            .collect();
        println!(
            "{:<13} {:.2}  {}  [{}]",
            prediction.label.as_str(),
            prediction.confidence(),
            sentence,
            why.join(", ")
        );
    }
    Ok(())
}
