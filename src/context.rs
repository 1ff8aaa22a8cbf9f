//! Document context: a sentence's label is read together with its neighbours'.
//!
//! News copy carries its stance in runs: a lead about an expulsion is followed by the
//! ministry's quote and the other side's angry reaction, a summit story by its pledges and its
//! logistics. A sentence read alone can be ambiguous ("The ambassador was summoned on
//! Tuesday.") where its neighbours are not.
//!
//! So a document's sentences are treated as a chain of hidden labels (a hidden Markov model):
//! the sentence model's probability for each sentence, divided by the label shares it was
//! trained with, is that sentence's evidence, and a 3x3 table of how often one label follows
//! another links neighbours. Forward-backward gives each sentence's label probabilities given
//! the whole document. Nothing here is tuned by hand: the transition table is counted from
//! the training data's documents (rows sharing a `document` id, in order), and a model trained
//! without enough documents has no context and labels each sentence on its own.
//!
//! Sentences are only linked within one document: an article file, a row of tabular input, or
//! a run of labelled rows sharing a document id.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::corpus::{LabeledSentence, Stance};
use crate::model::{Contribution, Prediction};

/// Fewest sentences in multi-sentence documents needed to learn the transition table.
pub const MIN_CONTEXT_SENTENCES: usize = 100;

/// Name of the context term in explanations.
pub const CONTEXT_FEATURE: &str = "(context: neighbouring sentences)";

/// Smallest probability used, so that a probability that underflowed to zero cannot zero out
/// a whole chain.
const FLOOR: f32 = 1e-12;

/// How labels follow one another in documents, learned from training data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ContextModel {
    /// `transitions[a][b]`: probability that a sentence labelled `a` is followed by one
    /// labelled `b` (both in [`Stance::ALL`] order).
    pub transitions: [[f32; 3]; 3],
    /// Label shares the sentence model's probabilities assume (its class prior): dividing a
    /// probability by its share turns it into evidence that can be combined with the chain.
    /// (Saved as `prior` in model files.)
    #[serde(rename = "prior")]
    pub label_shares: [f32; 3],
    /// Adjacent sentence pairs the table was counted from.
    pub pairs: usize,
}

impl ContextModel {
    /// Counts label transitions between adjacent sentences of the same document, with one
    /// added to every cell (so no transition is impossible). `label_shares` are the sentence
    /// model's class prior. Returns `None` with fewer than [`MIN_CONTEXT_SENTENCES`] sentences in
    /// multi-sentence documents.
    pub fn learn(rows: &[LabeledSentence], label_shares: [f32; 3]) -> Option<ContextModel> {
        let mut counts = [[1f32; 3]; 3];
        let mut pairs = 0;
        let mut sentences = 0;
        for doc in document_runs(rows).into_iter().filter(|d| d.len() > 1) {
            sentences += doc.len();
            for pair in rows[doc].windows(2) {
                counts[pair[0].label.index()][pair[1].label.index()] += 1.0;
                pairs += 1;
            }
        }
        if sentences < MIN_CONTEXT_SENTENCES {
            return None;
        }
        let transitions = counts.map(|row| {
            let total: f32 = row.iter().sum();
            row.map(|c| c / total)
        });
        Some(ContextModel {
            transitions,
            label_shares,
            pairs,
        })
    }

    /// Checks a table read from a model file.
    pub fn is_valid(&self) -> bool {
        let distribution = |row: &[f32; 3]| {
            row.iter().all(|p| p.is_finite() && *p >= 0.0)
                && (row.iter().sum::<f32>() - 1.0).abs() < 1e-3
        };
        self.transitions.iter().all(distribution)
            && self.label_shares.iter().all(|p| p.is_finite() && *p > 0.0)
    }

    /// The label probabilities of one document's sentences given the whole document
    /// (forward-backward). `labels` are those the model predicts; the others keep
    /// probability 0. A one-sentence document is returned unchanged.
    pub fn smooth(&self, doc: &[Prediction], labels: &[Stance]) -> Vec<Prediction> {
        if doc.len() < 2 {
            return doc.to_vec();
        }
        let mut present = [false; 3];
        for l in labels {
            present[l.index()] = true;
        }
        // Evidence of each sentence for each label: p(label | sentence) / prior(label).
        let evidence: Vec<[f32; 3]> = doc
            .iter()
            .map(|p| {
                std::array::from_fn(|k| {
                    if present[k] {
                        p.probabilities[k].max(FLOOR) / self.label_shares[k]
                    } else {
                        0.0
                    }
                })
            })
            .collect();
        let t = &self.transitions;
        let normalise = |v: [f32; 3]| {
            let sum: f32 = v.iter().sum();
            v.map(|x| x / sum)
        };
        // The first sentence starts from the sentence model's own prior.
        let mut forward = Vec::with_capacity(doc.len());
        forward.push(normalise(std::array::from_fn(|k| {
            self.label_shares[k] * evidence[0][k]
        })));
        for e in &evidence[1..] {
            let prev: &[f32; 3] = forward.last().expect("pushed above");
            forward.push(normalise(std::array::from_fn(|k| {
                e[k] * (0..3).map(|m| prev[m] * t[m][k]).sum::<f32>()
            })));
        }
        let mut backward = vec![[1f32; 3]; doc.len()];
        for i in (0..doc.len() - 1).rev() {
            let next = backward[i + 1];
            let e = evidence[i + 1];
            backward[i] = normalise(std::array::from_fn(|k| {
                (0..3).map(|m| t[k][m] * e[m] * next[m]).sum::<f32>()
            }));
        }
        forward
            .iter()
            .zip(&backward)
            .map(|(f, b)| {
                let probabilities = normalise(std::array::from_fn(|k| f[k] * b[k]));
                // Ties go to the first label in the model's order, as in `predict_features`.
                let mut best = labels[0];
                for &label in labels {
                    if probabilities[label.index()] > probabilities[best.index()] {
                        best = label;
                    }
                }
                Prediction {
                    label: best,
                    probabilities,
                }
            })
            .collect()
    }
}

/// What context added to a sentence's score for `label`: the change in its log-probability
/// from `own` (the sentence alone) to `smoothed` (in its document), relative to the mean
/// change over the model's labels (a softmax only sees differences). `None` if context
/// changed nothing.
pub fn contribution(
    own: &Prediction,
    smoothed: &Prediction,
    label: Stance,
    labels: &[Stance],
) -> Option<Contribution> {
    if own == smoothed {
        return None;
    }
    let shift =
        |k: usize| smoothed.probabilities[k].max(FLOOR).ln() - own.probabilities[k].max(FLOOR).ln();
    let centre = labels.iter().map(|l| shift(l.index())).sum::<f32>() / labels.len() as f32;
    Some(Contribution {
        feature: CONTEXT_FEATURE.to_string(),
        contribution: shift(label.index()) - centre,
    })
}

/// The documents of a labelled file: runs of consecutive rows with the same document id.
/// Rows without an id are documents of their own.
pub fn document_runs(rows: &[LabeledSentence]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    for i in 1..=rows.len() {
        let same = i < rows.len()
            && rows[i].document.is_some()
            && rows[i].document == rows[start].document;
        if !same {
            out.push(start..i);
            start = i;
        }
    }
    out
}

/// Smooths every document of a labelled file (see [`document_runs`]); without a context model
/// the predictions are returned as they are.
pub fn smooth_all(
    context: Option<&ContextModel>,
    predictions: &[Prediction],
    docs: &[Range<usize>],
    labels: &[Stance],
) -> Vec<Prediction> {
    match context {
        None => predictions.to_vec(),
        Some(c) => docs
            .iter()
            .flat_map(|r| c.smooth(&predictions[r.clone()], labels))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Stance; 3] = Stance::ALL;

    fn p(probabilities: [f32; 3]) -> Prediction {
        let best = (0..3)
            .max_by(|&a, &b| probabilities[a].total_cmp(&probabilities[b]))
            .unwrap();
        Prediction {
            label: Stance::ALL[best],
            probabilities,
        }
    }

    fn row(label: Stance, document: Option<&str>) -> LabeledSentence {
        LabeledSentence {
            text: "x".into(),
            label,
            line: 2,
            story: None,
            document: document.map(String::from),
        }
    }

    fn sticky() -> ContextModel {
        ContextModel {
            transitions: [[0.6, 0.3, 0.1], [0.3, 0.5, 0.2], [0.1, 0.4, 0.5]],
            label_shares: [1.0 / 3.0; 3],
            pairs: 0,
        }
    }

    #[test]
    fn learns_transitions_from_documents_only() {
        use Stance::*;
        let mut rows = vec![
            row(Adversarial, Some("a")),
            row(Adversarial, Some("a")),
            row(Analytical, Some("a")),
            row(Conciliatory, Some("b")),
            row(Conciliatory, None),
            row(Adversarial, None),
        ];
        assert!(
            ContextModel::learn(&rows, [1.0 / 3.0; 3]).is_none(),
            "too few"
        );
        // Repeat document "a" (adversarial, adversarial, analytical) as 40 documents.
        rows.clear();
        for d in 0..40 {
            let id = d.to_string();
            for label in [Adversarial, Adversarial, Analytical] {
                rows.push(row(label, Some(&id)));
            }
        }
        let c = ContextModel::learn(&rows, [1.0 / 3.0; 3]).unwrap();
        assert_eq!(c.pairs, 80);
        // Hand-computed with add-one: from adversarial, counts (40+1, 40+1, 0+1) / 83.
        assert!((c.transitions[0][0] - 41.0 / 83.0).abs() < 1e-6);
        assert!((c.transitions[0][2] - 1.0 / 83.0).abs() < 1e-6);
        // Analytical is never followed by anything within a document: uniform.
        assert!((c.transitions[1][1] - 1.0 / 3.0).abs() < 1e-6);
        assert!(c.is_valid());
    }

    #[test]
    fn two_sentences_match_the_hand_computed_posterior() {
        let c = sticky();
        let doc = [p([0.9, 0.05, 0.05]), p([0.4, 0.45, 0.15])];
        let out = c.smooth(&doc, &ALL);
        // Uniform prior, so evidence is proportional to the probabilities. Sentence 2:
        // forward = e2 * (f1 . T) with f1 = (0.9, 0.05, 0.05):
        //   f1 . T = (0.56, 0.315, 0.125); times e2 = (0.224, 0.14175, 0.01875) -> normalised.
        // Its backward is 1, so its posterior is (0.5826, 0.3687, 0.0488).
        let want = [0.5826, 0.3687, 0.0488];
        for (got, want) in out[1].probabilities.iter().zip(want) {
            assert!((got - want).abs() < 1e-3, "{:?}", out[1].probabilities);
        }
        assert_eq!(out[1].label, Stance::Adversarial, "the neighbour flips it");
        assert_eq!(out[0].label, Stance::Adversarial);
    }

    #[test]
    fn uniform_transitions_change_nothing() {
        let c = ContextModel {
            transitions: [[1.0 / 3.0; 3]; 3],
            label_shares: [1.0 / 3.0; 3],
            pairs: 0,
        };
        let doc = [p([0.5, 0.3, 0.2]), p([0.1, 0.1, 0.8]), p([0.3, 0.4, 0.3])];
        for (a, b) in c.smooth(&doc, &ALL).iter().zip(&doc) {
            assert_eq!(a.label, b.label);
            for (x, y) in a.probabilities.iter().zip(b.probabilities) {
                assert!((x - y).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn single_sentences_and_missing_labels() {
        let c = sticky();
        let one = [p([0.2, 0.5, 0.3])];
        assert_eq!(c.smooth(&one, &ALL), one.to_vec());
        let labels = [Stance::Adversarial, Stance::Conciliatory];
        let doc = [p([0.6, 0.0, 0.4]), p([0.3, 0.0, 0.7])];
        for q in c.smooth(&doc, &labels) {
            assert_eq!(q.probabilities[1], 0.0);
            assert!((q.probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    fn contribution_is_centred() {
        let own = p([0.5, 0.25, 0.25]);
        let smoothed = p([0.6, 0.2, 0.2]);
        let c = contribution(&own, &smoothed, Stance::Adversarial, &ALL).unwrap();
        // shifts: ln 1.2 = 0.1823, ln 0.8 = -0.2231 (twice); centre = -0.0880;
        // 0.1823 + 0.0880 = 0.2703.
        assert!((c.contribution - 0.2703).abs() < 1e-3, "{}", c.contribution);
        assert!(contribution(&own, &own, Stance::Adversarial, &ALL).is_none());
    }

    proptest::proptest! {
        /// Whatever distributions the sentence model gives (zeros from underflow, ties) and
        /// whatever valid table a model file holds, smoothing gives finite probabilities that
        /// sum to one.
        #[test]
        fn smoothing_always_gives_distributions(
            probs in proptest::collection::vec(proptest::array::uniform3(0.0f32..=1.0), 1..30),
            table in proptest::array::uniform3(proptest::array::uniform3(0.001f32..=1.0)),
            label_shares in proptest::array::uniform3(0.001f32..=1.0),
        ) {
            let transitions = table.map(|row| {
                let sum: f32 = row.iter().sum();
                row.map(|x| x / sum)
            });
            let c = ContextModel { transitions, label_shares, pairs: 0 };
            let doc: Vec<Prediction> = probs.iter().map(|&p| {
                let sum: f32 = p.iter().sum();
                Prediction {
                    label: Stance::Analytical,
                    probabilities: if sum > 0.0 { p.map(|x| x / sum) } else { [1.0 / 3.0; 3] },
                }
            }).collect();
            for q in c.smooth(&doc, &ALL) {
                proptest::prop_assert!(q.probabilities.iter().all(|x| x.is_finite()));
                proptest::prop_assert!((q.probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-3);
            }
        }
    }

    #[test]
    fn documents_are_runs_of_equal_ids() {
        use Stance::Analytical as A;
        let rows = [
            row(A, Some("a")),
            row(A, Some("a")),
            row(A, None),
            row(A, None),
            row(A, Some("b")),
            row(A, Some("a")),
        ];
        assert_eq!(document_runs(&rows), vec![0..2, 2..3, 3..4, 4..5, 5..6]);
        assert!(document_runs(&[]).is_empty());
    }
}
