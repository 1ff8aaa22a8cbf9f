//! Validates the shipped corpus and what is built from it: `data/train.csv`, `data/test.csv`,
//! the example articles, and the shipped model.

mod common;

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};
use stance::corpus::{LabeledSentence, label_counts, read_labelled};
use stance::{Stance, StanceModel, segment};

use common::repo;

fn read(rel: &str) -> Vec<LabeledSentence> {
    read_labelled(&repo(rel)).unwrap_or_else(|e| panic!("{e}"))
}

fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.trim_matches(|c: char| !c.is_alphanumeric())
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn header_starts_with_text_label_topic_region() {
    for file in ["data/train.csv", "data/test.csv"] {
        let mut reader = csv::Reader::from_path(repo(file)).unwrap();
        let headers: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert_eq!(
            &headers[..4],
            ["text", "label", "topic", "region"],
            "{file}"
        );
        for (i, row) in reader.records().enumerate() {
            let row = row.unwrap();
            assert!(
                !row[2].is_empty() && !row[3].is_empty(),
                "{file} row {}: no topic/region",
                i + 2
            );
        }
    }
}

#[test]
fn minimum_sizes_are_met() {
    for (file, total, per_label) in [("data/train.csv", 6000, 1500), ("data/test.csv", 1200, 300)] {
        let rows = read(file);
        assert!(
            rows.len() >= total,
            "{file}: {} sentences < {total}",
            rows.len()
        );
        let counts = label_counts(&rows);
        for label in Stance::ALL {
            let n = counts[label.index()];
            assert!(n >= per_label, "{file}: {label} has {n} < {per_label}");
        }
    }
}

#[test]
fn no_empty_or_duplicate_sentences_and_sane_lengths() {
    let mut seen: HashMap<String, &str> = HashMap::new();
    for file in ["data/train.csv", "data/test.csv"] {
        for row in read(file) {
            // Two words is the shortest real copy gets: subheadings of Q&A explainers
            // ("What changed?") are sentences of their articles.
            let n = words(&row.text).len();
            assert!((2..=90).contains(&n), "{file} line {}: {n} words", row.line);
            let key = words(&row.text).join(" ");
            if let Some(other) = seen.insert(key, file) {
                panic!(
                    "{file} line {}: duplicate of a sentence in {other}: {}",
                    row.line, row.text
                );
            }
        }
    }
}

#[test]
fn test_shares_no_eight_word_run_with_train() {
    let mut runs: HashSet<Vec<String>> = HashSet::new();
    for row in read("data/train.csv") {
        for w in words(&row.text).windows(8) {
            runs.insert(w.to_vec());
        }
    }
    let leaks: Vec<String> = read("data/test.csv")
        .into_iter()
        .filter(|row| words(&row.text).windows(8).any(|w| runs.contains(w)))
        .map(|row| format!("line {}: {}", row.line, row.text))
        .collect();
    assert!(
        leaks.is_empty(),
        "test sentences sharing an 8-word run with train:\n{}",
        leaks.join("\n")
    );
}

#[test]
fn test_and_train_share_no_story() {
    let stories = |file: &str| -> HashSet<String> {
        let mut reader = csv::Reader::from_path(repo(file)).unwrap();
        let col = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "story")
            .expect("story column");
        reader
            .records()
            .map(|r| r.unwrap()[col].to_string())
            .collect()
    };
    let shared: Vec<String> = stories("data/train.csv")
        .intersection(&stories("data/test.csv"))
        .cloned()
        .collect();
    assert!(shared.is_empty(), "stories in both files: {shared:?}");
}

#[test]
fn example_articles_split_into_their_gold_sentences() {
    let dir = repo("data/articles");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let txt = entry.unwrap().path();
        if txt.extension().is_none_or(|e| e != "txt") {
            continue;
        }
        let text = std::fs::read_to_string(&txt).unwrap();
        let gold = read_labelled(&txt.with_extension("csv")).unwrap();
        let got: Vec<&str> = segment::split(&text).iter().map(|s| s.text).collect();
        let want: Vec<&str> = gold.iter().map(|r| r.text.as_str()).collect();
        assert_eq!(got, want, "{}", txt.display());
        assert!(
            (10..=30).contains(&got.len()),
            "{}: {} sentences",
            txt.display(),
            got.len()
        );
        checked += 1;
    }
    assert!(
        checked >= 3,
        "expected at least three example articles, found {checked}"
    );
}

#[test]
fn shipped_model_was_trained_on_the_shipped_corpus() {
    let model = StanceModel::load(&repo("models/stance.json")).unwrap();
    let digest = Sha256::digest(std::fs::read(repo("data/train.csv")).unwrap());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        model.info().data_sha256,
        hex,
        "models/stance.json is stale: retrain with `cargo run --release -- train data/train.csv`"
    );
    assert_eq!(model.info().data_file, "train.csv");
    // The binary's built-in copy is the same file.
    let shipped = std::fs::read_to_string(repo("models/stance.json")).unwrap();
    assert_eq!(stance::BUILTIN_MODEL_JSON.trim_end(), shipped.trim_end());
}
