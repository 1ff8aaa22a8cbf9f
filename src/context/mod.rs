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
//! How a sentence opens says how closely it follows the one before it (see [`Link`]): one that
//! opens with a quotation mark usually goes on with the same speaker, one that opens with
//! "But" or "However" usually turns. In the shipped corpus's training articles the label
//! carries over about three times in four after an opening quotation mark and one time in
//! five after "But", against under half otherwise (`stance inspect` prints the tables). So the
//! table is also counted separately for each kind of opening, and the link into each sentence
//! uses its own kind's table.
//!
//! Sentences are only linked within one document: an article file, a row of tabular input, or
//! a run of labelled rows sharing a document id. Which runs a labelled file holds, and whether
//! its order can be trusted at all, is the job of the `order` submodule, whose items are
//! re-exported here.

mod order;

use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::corpus::{LabeledSentence, Stance};
use crate::model::{Contribution, Prediction};

pub use order::{
    RowReading, SortedByLabel, SplitDocument, can_learn, document_runs, reading, sorted_by_label,
    split_documents,
};

/// Fewest sentences in multi-sentence documents needed to learn the transition table.
pub const MIN_CONTEXT_SENTENCES: usize = 100;

/// Name of the context term in explanations.
pub const CONTEXT_FEATURE: &str = "(context: neighbouring sentences)";

/// Smallest probability used, so that a probability that underflowed to zero cannot zero out
/// a whole chain.
const FLOOR: f32 = 1e-12;

/// How a sentence is linked to the one before it, read from how it opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Any other opening.
    Plain,
    /// Opens with a quotation mark: most often the same speaker, going on.
    Quote,
    /// Opens with a turn ("But", "However", "Meanwhile", ...): most often a change of side.
    Turn,
    /// Opens with a pronoun that points back ("He", "They", "This", ...).
    Pronoun,
}

impl Link {
    /// The kinds, in the order of [`ContextModel::by_link`].
    pub const ALL: [Link; 4] = [Link::Plain, Link::Quote, Link::Turn, Link::Pronoun];

    /// Reads the link from a sentence's opening.
    pub fn of(sentence: &str) -> Link {
        let text = sentence.trim_start();
        let first = text.chars().next().map(crate::features::unified_mark);
        if matches!(first, Some('"' | '\'')) {
            return Link::Quote;
        }
        let end = text
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(text.len());
        let word = &text[..end];
        let is = |list: &[&str]| list.iter().any(|w| w.eq_ignore_ascii_case(word));
        if is(&[
            "but",
            "however",
            "yet",
            "meanwhile",
            "nevertheless",
            "nonetheless",
            "instead",
        ]) {
            Link::Turn
        } else if is(&[
            "he", "she", "it", "they", "his", "her", "its", "their", "this", "that", "these",
            "those", "we", "i",
        ]) {
            Link::Pronoun
        } else {
            Link::Plain
        }
    }

    /// Its name in `stance inspect`.
    pub fn name(self) -> &'static str {
        match self {
            Link::Plain => "plain",
            Link::Quote => "quote",
            Link::Turn => "turn",
            Link::Pronoun => "pronoun",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// The link into each sentence of a document (the first one's is never used).
pub fn links<'t>(sentences: impl Iterator<Item = &'t str>) -> Vec<Link> {
    sentences.map(Link::of).collect()
}

/// How labels follow one another in documents, learned from training data.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ContextModel {
    /// `transitions[a][b]`: probability that a sentence labelled `a` is followed by one
    /// labelled `b` (both in [`Stance::ALL`] order), over all links.
    pub transitions: [[f32; 3]; 3],
    /// The same table for each kind of [`Link`] into the second sentence (in [`Link::ALL`]
    /// order). Models trained before links were read have none, and use `transitions` for
    /// every link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_link: Option<[[[f32; 3]; 3]; 4]>,
    /// Label shares the sentence model's probabilities assume (its class prior): dividing a
    /// probability by its share turns it into evidence that can be combined with the chain.
    /// (Saved as `prior` in model files.)
    #[serde(rename = "prior")]
    pub label_shares: [f32; 3],
    /// Adjacent sentence pairs the table was counted from.
    pub pairs: usize,
}

/// Pseudo-pairs added to each row of a link's table, spread like the pooled row (see
/// [`ContextModel::learn`]): as many as add-one smoothing adds to a row of three.
const PSEUDO_PAIRS: f32 = 3.0;

impl ContextModel {
    /// Counts label transitions between adjacent sentences of the same document, with one
    /// added to every cell (so no transition is impossible). Each link's table is counted from
    /// its own pairs plus three pseudo-pairs spread like the pooled row: the same mass as
    /// add-one, but a rare link (few sentences open with "However") leans on the pooled table
    /// rather than on a uniform one. `label_shares` are the sentence model's class prior.
    /// Returns `None` with fewer than [`MIN_CONTEXT_SENTENCES`] sentences in multi-sentence
    /// documents, or when the rows are read each on its own ([`RowReading::EachAlone`]).
    pub fn learn(rows: &[LabeledSentence], label_shares: [f32; 3]) -> Option<ContextModel> {
        if !can_learn(rows) {
            return None;
        }
        let RowReading::InDocuments(documents) = reading(rows) else {
            return None;
        };
        let mut counts = [[1f32; 3]; 3];
        let mut link_counts = [[[0f32; 3]; 3]; 4];
        let mut pairs = 0;
        for doc in documents.into_iter().filter(|d| d.len() > 1) {
            for pair in rows[doc].windows(2) {
                let (from, to) = (pair[0].label.index(), pair[1].label.index());
                counts[from][to] += 1.0;
                link_counts[Link::of(&pair[1].text).index()][from][to] += 1.0;
                pairs += 1;
            }
        }
        let rows_of = |counts: [[f32; 3]; 3]| {
            counts.map(|row| {
                let total: f32 = row.iter().sum();
                row.map(|c| c / total)
            })
        };
        let transitions = rows_of(counts);
        let by_link = link_counts.map(|table| {
            rows_of(std::array::from_fn(|from| {
                std::array::from_fn(|to| table[from][to] + PSEUDO_PAIRS * transitions[from][to])
            }))
        });
        Some(ContextModel {
            transitions,
            by_link: Some(by_link),
            label_shares,
            pairs,
        })
    }

    /// The table for the link into a sentence.
    fn table(&self, link: Link) -> &[[f32; 3]; 3] {
        match &self.by_link {
            Some(tables) => &tables[link.index()],
            None => &self.transitions,
        }
    }

    /// Whether every table is a set of probability distributions and the label shares are
    /// usable (see [`check`](Self::check)).
    pub fn is_valid(&self) -> bool {
        self.check().is_ok()
    }

    /// Checks what a hand-edited model file could break, naming the part: each table's rows
    /// must be probability distributions, and the label shares one too, none far below
    /// training's floor of [`MIN_LABEL_SHARE`](crate::model::MIN_LABEL_SHARE) (dividing by
    /// it overflows). Shares that did not add up to 1 loaded, and moved every label.
    pub fn check(&self) -> Result<(), String> {
        let distribution = |row: &[f32; 3]| {
            row.iter().all(|p| p.is_finite() && *p >= 0.0)
                && (row.iter().sum::<f32>() - 1.0).abs() < 1e-3
        };
        let table =
            |name: &str, table: &[[f32; 3]; 3]| match table.iter().position(|r| !distribution(r)) {
                Some(i) => Err(format!(
                    "{name} row {} (from {}) is not a probability distribution: {:?}; each value \
                 must be from 0 to 1, and a row must add up to 1",
                    i + 1,
                    Stance::ALL[i].as_str(),
                    table[i]
                )),
                None => Ok(()),
            };
        table("context.transitions", &self.transitions)?;
        for (link, t) in Link::ALL.iter().zip(self.by_link.iter().flatten()) {
            table(&format!("context.by_link ({})", link.name()), t)?;
        }
        let shares = &self.label_shares;
        // Training floors a missing label's share at MIN_LABEL_SHARE; a tenth of it leaves
        // room for hand edits. Written out (not `MIN_LABEL_SHARE / 10.0`, which rounds to
        // just above 1e-4 in f32) so that the bound the message states is accepted.
        const LOWEST_SHARE: f32 = 1e-4;
        if let Some(p) = shares
            .iter()
            .find(|p| !(p.is_finite() && (LOWEST_SHARE..=1.0).contains(*p)))
        {
            return Err(format!(
                "context.prior is {shares:?}: the share {p} is out of range; each of the three \
                 label shares must be from 1e-4 to 1"
            ));
        }
        // The floor makes the shares of a model trained on two labels add up to a little
        // over 1.
        let sum: f32 = shares.iter().sum();
        if (sum - 1.0).abs() > 0.01 {
            return Err(format!(
                "context.prior is {shares:?}: the shares add up to {sum}; they must add up to 1"
            ));
        }
        Ok(())
    }

    /// Reads each of `runs` (ranges of `rows`, such as [`RowReading::InDocuments`] gives) as
    /// one document (see [`smooth`](Self::smooth)), given the `predictions` of every row on
    /// its own, and returns the runs' predictions one run after another: one per row when the
    /// runs cover them all.
    pub fn smooth_runs(
        &self,
        rows: &[LabeledSentence],
        predictions: &[Prediction],
        runs: &[Range<usize>],
        labels: &[Stance],
    ) -> Vec<Prediction> {
        runs.iter()
            .flat_map(|run| {
                let links = links(rows[run.clone()].iter().map(|r| r.text.as_str()));
                self.smooth(&predictions[run.clone()], &links, labels)
            })
            .collect()
    }

    /// The label probabilities of one document's sentences given the whole document
    /// (forward-backward). `links[i]` is how sentence `i` follows sentence `i - 1` (see
    /// [`links`]). `labels` are those the model predicts; the others keep probability 0. A
    /// one-sentence document is returned unchanged.
    ///
    /// # Panics
    ///
    /// If `links` and `doc` differ in length, or `labels` is empty (a caller's mistake, not
    /// bad input: a model has two labels or more).
    pub fn smooth(&self, doc: &[Prediction], links: &[Link], labels: &[Stance]) -> Vec<Prediction> {
        assert_eq!(doc.len(), links.len(), "one link per sentence");
        assert!(
            !labels.is_empty(),
            "smooth needs the model's labels, got none"
        );
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
        let normalise = |v: [f32; 3]| {
            let sum: f32 = v.iter().sum();
            v.map(|x| x / sum)
        };
        // The first sentence starts from the sentence model's own prior.
        let mut forward = Vec::with_capacity(doc.len());
        forward.push(normalise(std::array::from_fn(|k| {
            self.label_shares[k] * evidence[0][k]
        })));
        for (e, &link) in evidence[1..].iter().zip(&links[1..]) {
            let prev: &[f32; 3] = forward.last().expect("pushed above");
            let t = self.table(link);
            forward.push(normalise(std::array::from_fn(|k| {
                e[k] * (0..3).map(|m| prev[m] * t[m][k]).sum::<f32>()
            })));
        }
        let mut backward = vec![[1f32; 3]; doc.len()];
        for i in (0..doc.len() - 1).rev() {
            let next = backward[i + 1];
            let e = evidence[i + 1];
            let t = self.table(links[i + 1]);
            backward[i] = normalise(std::array::from_fn(|k| {
                (0..3).map(|m| t[k][m] * e[m] * next[m]).sum::<f32>()
            }));
        }
        let smoothed: Vec<Prediction> = forward
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
            .collect();
        // A table that puts all its mass on labels the model lacks leaves nothing to
        // normalise (0 / 0): the sentences keep their own probabilities then.
        if smoothed
            .iter()
            .all(|p| p.probabilities.iter().all(|x| x.is_finite()))
        {
            smoothed
        } else {
            doc.to_vec()
        }
    }
}

/// What context added to a sentence's case for `label` against `against`, in the units of
/// the features' contributions ([`crate::model::StanceModel::explain`]): the change in
/// `ln(p(label) / p(against))` from `own` (the sentence alone) to `smoothed` (in its
/// document). The features' contributions add up to that log-ratio for the sentence alone, so
/// this term is exactly what context added to their sum, and it ranks fairly among them.
/// `None` if context changed nothing or the two labels are the same.
pub fn contribution(
    own: &Prediction,
    smoothed: &Prediction,
    label: Stance,
    against: Stance,
) -> Option<Contribution> {
    if own == smoothed || label == against {
        return None;
    }
    let shift = |l: Stance| {
        smoothed.probabilities[l.index()].max(FLOOR).ln()
            - own.probabilities[l.index()].max(FLOOR).ln()
    };
    Some(Contribution {
        feature: CONTEXT_FEATURE.to_string(),
        contribution: shift(label) - shift(against),
    })
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

    fn plain(n: usize) -> Vec<Link> {
        vec![Link::Plain; n]
    }

    fn row(label: Stance, document: Option<&str>) -> LabeledSentence {
        text_row("x", label, document)
    }

    fn text_row(text: &str, label: Stance, document: Option<&str>) -> LabeledSentence {
        LabeledSentence {
            text: text.into(),
            label,
            line: 2,
            story: None,
            document: document.map(String::from),
        }
    }

    fn sticky() -> ContextModel {
        ContextModel {
            transitions: [[0.6, 0.3, 0.1], [0.3, 0.5, 0.2], [0.1, 0.4, 0.5]],
            by_link: None,
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
    fn a_table_pointing_only_at_a_missing_label_leaves_sentences_alone() {
        use Stance::*;
        // A two-label model (no conciliatory) whose table sends everything to conciliatory.
        let c = ContextModel {
            transitions: [[0.0, 0.0, 1.0]; 3],
            ..sticky()
        };
        assert!(c.is_valid());
        let doc = [p([0.7, 0.3, 0.0]), p([0.4, 0.6, 0.0])];
        let out = c.smooth(&doc, &plain(doc.len()), &[Adversarial, Analytical]);
        // It used to give NaN probabilities, printed as 0.0000.
        assert_eq!(out, doc.to_vec());
        // A share far below training's floor of 1e-3 is refused at load.
        let tiny = ContextModel {
            label_shares: [1e-45, 0.5, 0.5],
            ..sticky()
        };
        assert!(!tiny.is_valid());
    }

    #[test]
    fn two_sentences_match_the_hand_computed_posterior() {
        let c = sticky();
        let doc = [p([0.9, 0.05, 0.05]), p([0.4, 0.45, 0.15])];
        let out = c.smooth(&doc, &plain(doc.len()), &ALL);
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
    fn runs_are_smoothed_each_as_a_document() {
        let c = sticky();
        let rows = [
            text_row("Beijing warned Tokyo.", Stance::Adversarial, Some("a")),
            text_row("But talks resumed.", Stance::Conciliatory, Some("a")),
            text_row("Exports rose.", Stance::Analytical, None),
            text_row("“It will pay.”", Stance::Adversarial, Some("b")),
            text_row("They walked out.", Stance::Adversarial, Some("b")),
        ];
        let own = [
            p([0.9, 0.05, 0.05]),
            p([0.4, 0.45, 0.15]),
            p([0.2, 0.5, 0.3]),
            p([0.5, 0.3, 0.2]),
            p([0.3, 0.4, 0.3]),
        ];
        let mut want = c.smooth(&own[..2], &[Link::Plain, Link::Turn], &ALL);
        want.push(own[2]);
        want.extend(c.smooth(&own[3..], &[Link::Quote, Link::Pronoun], &ALL));
        assert_eq!(c.smooth_runs(&rows, &own, &[0..2, 2..3, 3..5], &ALL), want);
        // Runs that leave rows out give predictions for their own rows only.
        assert_eq!(
            c.smooth_runs(&rows, &own, &[0..2, 3..5], &ALL),
            [&want[..2], &want[3..]].concat()
        );
    }

    #[test]
    fn uniform_transitions_change_nothing() {
        let c = ContextModel {
            transitions: [[1.0 / 3.0; 3]; 3],
            by_link: None,
            label_shares: [1.0 / 3.0; 3],
            pairs: 0,
        };
        let doc = [p([0.5, 0.3, 0.2]), p([0.1, 0.1, 0.8]), p([0.3, 0.4, 0.3])];
        for (a, b) in c.smooth(&doc, &plain(doc.len()), &ALL).iter().zip(&doc) {
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
        assert_eq!(c.smooth(&one, &plain(1), &ALL), one.to_vec());
        let labels = [Stance::Adversarial, Stance::Conciliatory];
        let doc = [p([0.6, 0.0, 0.4]), p([0.3, 0.0, 0.7])];
        for q in c.smooth(&doc, &plain(2), &labels) {
            assert_eq!(q.probabilities[1], 0.0);
            assert!((q.probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        }
    }

    #[test]
    #[should_panic(expected = "one link per sentence")]
    fn smoothing_with_a_link_missing_panics_with_a_message() {
        sticky().smooth(&[p([0.2, 0.5, 0.3])], &[], &ALL);
    }

    #[test]
    #[should_panic(expected = "smooth needs the model's labels, got none")]
    fn smoothing_without_labels_panics_with_a_message() {
        let doc = [p([0.2, 0.5, 0.3]), p([0.6, 0.2, 0.2])];
        sticky().smooth(&doc, &plain(2), &[]);
    }

    #[test]
    fn contribution_is_the_change_in_log_odds_against_the_alternative() {
        let own = p([0.5, 0.25, 0.25]);
        let smoothed = p([0.6, 0.3, 0.1]);
        // Hand-computed: shifts ln(0.6/0.5) = 0.1823, ln(0.3/0.25) = 0.1823, ln(0.1/0.25) =
        // -0.9163. Adversarial against analytical: 0 (both odds rose alike); against
        // conciliatory: 0.1823 + 0.9163 = 1.0986 (= ln 3: the odds went from 2 to 6).
        let c = contribution(&own, &smoothed, Stance::Adversarial, Stance::Analytical).unwrap();
        assert!(c.contribution.abs() < 1e-4, "{}", c.contribution);
        let c = contribution(&own, &smoothed, Stance::Adversarial, Stance::Conciliatory).unwrap();
        assert!((c.contribution - 1.0986).abs() < 1e-3, "{}", c.contribution);
        assert!(contribution(&own, &own, Stance::Adversarial, Stance::Analytical).is_none());
        assert!(contribution(&own, &smoothed, Stance::Analytical, Stance::Analytical).is_none());
    }

    #[test]
    fn links_are_read_from_the_opening() {
        for (text, want) in [
            ("“We will not bow,” he said.", Link::Quote),
            ("  'Never,' she said.", Link::Quote),
            ("But Ankara disagreed.", Link::Turn),
            ("HOWEVER, the talks went on.", Link::Turn),
            ("They walked out.", Link::Pronoun),
            ("It's over.", Link::Pronoun),
            ("Theirs was a different view.", Link::Plain),
            ("Butter exports rose.", Link::Plain),
            ("", Link::Plain),
        ] {
            assert_eq!(Link::of(text), want, "{text:?}");
        }
    }

    #[test]
    fn each_link_has_its_own_table_backed_by_the_pooled_one() {
        use Stance::*;
        // 40 documents: adversarial, then a quote that goes on (adversarial), then a turn to
        // conciliatory.
        let mut rows = Vec::new();
        for d in 0..40 {
            let id = d.to_string();
            rows.push(text_row("Beijing warned Tokyo.", Adversarial, Some(&id)));
            rows.push(text_row("“It will pay.”", Adversarial, Some(&id)));
            rows.push(text_row("But talks resumed.", Conciliatory, Some(&id)));
        }
        let c = ContextModel::learn(&rows, [1.0 / 3.0; 3]).unwrap();
        // Pooled, with add-one: from adversarial (40+1, 0+1, 40+1) / 83.
        let pooled = [41.0 / 83.0, 1.0 / 83.0, 41.0 / 83.0];
        for (got, want) in c.transitions[0].iter().zip(pooled) {
            assert!((got - want).abs() < 1e-6);
        }
        let tables = c.by_link.unwrap();
        // Quote links: 40 adversarial -> adversarial, plus 3 x pooled, over 43.
        let quote = tables[Link::Quote.index()][0];
        assert!((quote[0] - (40.0 + 3.0 * 41.0 / 83.0) / 43.0).abs() < 1e-6);
        assert!((quote[2] - (3.0 * 41.0 / 83.0) / 43.0).abs() < 1e-6);
        // Turn links: 40 adversarial -> conciliatory.
        let turn = tables[Link::Turn.index()][0];
        assert!((turn[2] - (40.0 + 3.0 * 41.0 / 83.0) / 43.0).abs() < 1e-6);
        // No plain link was seen: its table is the pooled one.
        for (got, want) in tables[Link::Plain.index()][0].iter().zip(pooled) {
            assert!((got - want).abs() < 1e-6);
        }
        assert!(c.is_valid());
    }

    #[test]
    fn the_link_into_a_sentence_picks_its_table() {
        // Quotes go on with the same label; everything else says nothing.
        let sticky = [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]];
        let flat = [[1.0 / 3.0; 3]; 3];
        let c = ContextModel {
            transitions: flat,
            by_link: Some([flat, sticky, flat, flat]),
            label_shares: [1.0 / 3.0; 3],
            pairs: 0,
        };
        let doc = [p([0.9, 0.05, 0.05]), p([0.3, 0.4, 0.3])];
        let quoted = c.smooth(&doc, &[Link::Plain, Link::Quote], &ALL);
        assert_eq!(quoted[1].label, Stance::Adversarial, "{:?}", quoted[1]);
        let plain = c.smooth(&doc, &[Link::Plain, Link::Turn], &ALL);
        assert_eq!(plain[1].label, Stance::Analytical, "{:?}", plain[1]);
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
            let c = ContextModel { transitions, by_link: Some([transitions; 4]), label_shares, pairs: 0 };
            let doc: Vec<Prediction> = probs.iter().map(|&p| {
                let sum: f32 = p.iter().sum();
                Prediction {
                    label: Stance::Analytical,
                    probabilities: if sum > 0.0 { p.map(|x| x / sum) } else { [1.0 / 3.0; 3] },
                }
            }).collect();
            for q in c.smooth(&doc, &plain(doc.len()), &ALL) {
                proptest::prop_assert!(q.probabilities.iter().all(|x| x.is_finite()));
                proptest::prop_assert!((q.probabilities.iter().sum::<f32>() - 1.0).abs() < 1e-3);
            }
        }
    }

    #[test]
    fn no_context_is_learned_from_rows_out_of_order() {
        // 40 documents of four sentences, adversarial, adversarial, analytical, conciliatory.
        let mut rows = Vec::new();
        for d in 0..40 {
            for label in [ALL[0], ALL[0], ALL[1], ALL[2]] {
                rows.push(row(label, Some(&format!("d{d}"))));
            }
        }
        assert!(ContextModel::learn(&rows, [1.0 / 3.0; 3]).is_some());
        // Sorted by label, each document comes in three runs, and every label would seem
        // to follow itself.
        rows.sort_by_key(|r| r.label);
        assert!(sorted_by_label(&rows).is_some());
        assert_eq!(ContextModel::learn(&rows, [1.0 / 3.0; 3]), None);
    }
}
