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
    let mut analyzer = model.featurizer().analyzer();
    let mut features = Vec::new();
    for sentence in segment::split(&text) {
        analyzer.transform(sentence.text, &mut features);
        let prediction = model.predict_features(&features);
        let why: Vec<String> = model
            .explain(&features, prediction.label, 2)
            .into_iter()
            .map(|c| format!("{} {:+.2}", c.feature, c.contribution))
            .collect();
        println!(
            "{:<13} {:.2}  {}  [{}]",
            prediction.label.as_str(),
            prediction.confidence(),
            sentence.text,
            why.join(", ")
        );
    }
    Ok(())
}
