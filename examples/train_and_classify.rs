//! The library without the CLI: train on a labelled CSV, classify an article, explain a label.
//!
//!     cargo run --release --example train_and_classify -- data/train.csv data/articles/pacific_summit.txt

use std::path::PathBuf;

use stance::batch::{ClassifyOptions, classify_text};
use stance::{Lexicons, StanceModel, TrainParams, corpus};

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
    // As `stance classify --explain` does it: each sentence read with its neighbours (a
    // no-op if the model has no document context), and the two features that did most for
    // the label given, the neighbours' share among them.
    let options = ClassifyOptions {
        explain: Some(2),
        ..ClassifyOptions::default()
    };
    for s in classify_text(&model, &text, options) {
        let why: Vec<String> = s
            .explanation
            .unwrap_or_default()
            .into_iter()
            .map(|c| format!("{} {:+.2}", c.feature, c.contribution))
            .collect();
        println!(
            "{:<13} {:.2}  {}  [{}]",
            s.prediction.label.as_str(),
            s.prediction.confidence(),
            s.text,
            why.join(", ")
        );
    }
    Ok(())
}
