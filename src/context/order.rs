//! How the rows of a labelled file make documents, and whether their order can be trusted.
//!
//! Context is learned from, and labelled rows are read in, runs of consecutive rows sharing a
//! document id. That only works if the file keeps each article's rows together and in the
//! article's order; this module finds the runs and the two ways a file can break that (an
//! article split among other rows, rows sorted by label), so that training and evaluation can
//! say so instead of learning, or scoring, nonsense.

use std::ops::Range;

use super::MIN_CONTEXT_SENTENCES;
use crate::corpus::LabeledSentence;

/// How the rows of a labelled file are read, decided in one place so that learning context
/// ([`ContextModel::learn`](super::ContextModel::learn)), labelling the rows
/// ([`crate::model::StanceModel::predict_rows`]) and the notes printed beside their scores
/// ([`crate::eval::caveats`]) cannot disagree about it.
#[derive(Debug, Clone, PartialEq)]
pub enum RowReading {
    /// In documents: each run of consecutive rows sharing a document id (see
    /// [`document_runs`]) is read like the sentences of an article, and other rows on their
    /// own.
    InDocuments(Vec<Range<usize>>),
    /// Each row on its own, because the rows look sorted by label: read in context, neighbours
    /// would pass their gold labels on, and learned from, every label would seem to follow
    /// itself.
    EachAlone(SortedByLabel),
}

/// How `rows` are read (see [`RowReading`]).
pub fn reading(rows: &[LabeledSentence]) -> RowReading {
    match sorted_by_label(rows) {
        Some(sorted) => RowReading::EachAlone(sorted),
        None => RowReading::InDocuments(document_runs(rows)),
    }
}

/// Whether `rows` hold enough sentences in documents of two or more to learn context from
/// (at least [`MIN_CONTEXT_SENTENCES`]).
pub fn can_learn(rows: &[LabeledSentence]) -> bool {
    let sentences: usize = document_runs(rows)
        .into_iter()
        .filter(|d| d.len() > 1)
        .map(|d| d.len())
        .sum();
    sentences >= MIN_CONTEXT_SENTENCES
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

/// Evidence that a labelled file's rows were sorted by label (one click in a spreadsheet).
///
/// Context is read from the order of a document's rows, so such a file would teach that a label
/// always follows itself, and, read in context, would pass each row's gold label to its neighbours.
/// Real articles mix their labels in no fixed order (see `SORTED_SHARE`). A sort leaves one of
/// two marks:
/// - sorted by label alone, the articles are split into runs by other rows, and the runs of
///   the split articles hold one label each;
/// - sorted by label and then by document (or one article sorted on its own), each article
///   is one block, but its rows come in label order.
///
/// A document id that merely comes back (two batches that each number their articles from
/// 1, a blank cell inside an article) is neither: each run is then read as a document, as
/// always.
#[derive(Debug, Clone, PartialEq)]
pub enum SortedByLabel {
    /// Articles split into single-label runs.
    Split(SplitDocument),
    /// Articles in one block each, their rows in label order.
    Grouped {
        /// Articles of five rows or more with two labels or more.
        documents: usize,
        /// How many of them have their rows in label order (either way).
        ordered: usize,
        /// The first of those.
        example: String,
        /// The line it starts at.
        line: u64,
    },
}

/// The first split article of a file sorted by label alone (see [`SortedByLabel::Split`]).
#[derive(Debug, Clone, PartialEq)]
pub struct SplitDocument {
    /// The first document id split into several runs, in file order.
    pub document: String,
    /// Its number of runs.
    pub runs: usize,
    /// The first line of each of its runs, at most three.
    pub lines: Vec<u64>,
    /// How many document ids are split like this.
    pub documents: usize,
    /// Runs of two or more rows of the split documents, and how many hold a single label.
    pub single_label_runs: (usize, usize),
}

impl SplitDocument {
    /// Which document is split, where, and how many others are: "document `a7` comes in 4
    /// separate runs of rows (from lines 2, 40, 77, ...), as do 3 other documents".
    pub fn describe(&self) -> String {
        let lines: Vec<String> = self.lines.iter().map(u64::to_string).collect();
        let others = match self.documents {
            1 => String::new(),
            2 => ", as does 1 other document".to_string(),
            n => format!(", as do {} other documents", n - 1),
        };
        format!(
            "document `{}` comes in {} separate runs of rows (from lines {}{}){others}",
            crate::terminal::one_line(&self.document),
            self.runs,
            lines.join(", "),
            if self.runs > self.lines.len() {
                ", ..."
            } else {
                ""
            },
        )
    }
}

impl SortedByLabel {
    /// What to tell the user, after the file's name.
    pub fn message(&self) -> String {
        let evidence = match self {
            SortedByLabel::Split(s) => {
                let (runs, single) = s.single_label_runs;
                format!(
                    "{}, and {single} of the {runs} runs of two or more rows of such documents \
                     hold a single label",
                    s.describe()
                )
            }
            SortedByLabel::Grouped {
                documents,
                ordered,
                example,
                line,
            } => format!(
                "{ordered} of the {documents} documents of {GROUPED_MIN_ROWS} rows or more with several labels \
                 (such as `{}` from line {line}) have their rows in label order",
                crate::terminal::one_line(example)
            ),
        };
        format!(
            "{evidence}: the rows look sorted by label, so their order says nothing about context"
        )
    }
}

/// Share of the evidence (single-label runs of split documents, or documents in label order)
/// that marks a sort by label (see [`SortedByLabel`]).
// Far above what real articles show: none of the 570 training and 145 test articles of the
// shipped corpus, and 1 of the 23 real-news articles it is measured on, holds a single label;
// 2 of the 715 corpus articles and none of the 22 real-news ones with five rows or more and
// two labels have their rows in label order (either way).
const SORTED_SHARE: f64 = 0.9;

/// Fewest runs, or documents, that can show a sort.
const SORTED_MIN: usize = 3;

/// Fewest rows of an article whose label order can show a sort: in shorter ones (three
/// sentences, adversarial, adversarial, conciliatory) label order comes by chance.
const GROUPED_MIN_ROWS: usize = 5;

/// The runs of consecutive rows of one document (rows without a document id left out).
fn id_runs(rows: &[LabeledSentence]) -> Vec<Range<usize>> {
    document_runs(rows)
        .into_iter()
        .filter(|r| rows[r.start].document.is_some())
        .collect()
}

/// The document id of a run of [`id_runs`].
fn run_id<'r>(rows: &'r [LabeledSentence], run: &Range<usize>) -> &'r str {
    rows[run.start].document.as_deref().unwrap_or_default()
}

/// Whether every row of `run` has the label of its first.
fn one_label(rows: &[LabeledSentence], run: &Range<usize>) -> bool {
    rows[run.clone()]
        .iter()
        .all(|x| x.label == rows[run.start].label)
}

/// The first document whose rows are not consecutive, if there is one: its sentences come in
/// several runs with other rows between. Context is read from consecutive rows, so such a
/// document teaches nothing about how labels follow one another (a file sorted by sentence
/// position, or by label, splits every document).
pub fn split_documents(rows: &[LabeledSentence]) -> Option<SplitDocument> {
    split_among(rows, &id_runs(rows))
}

/// [`split_documents`] over `runs`, the [`id_runs`] of `rows`.
fn split_among(rows: &[LabeledSentence], runs: &[Range<usize>]) -> Option<SplitDocument> {
    let id = |r: &Range<usize>| run_id(rows, r);
    let single_label = |r: &Range<usize>| one_label(rows, r);
    let mut count: std::collections::HashMap<&str, usize> = Default::default();
    for run in runs {
        *count.entry(id(run)).or_default() += 1;
    }
    let split: Vec<&Range<usize>> = runs.iter().filter(|r| count[id(r)] > 1).collect();
    let first = split.first()?;
    let multi: Vec<&&Range<usize>> = split.iter().filter(|r| r.len() > 1).collect();
    let single = multi.iter().filter(|r| single_label(r)).count();
    let document = id(first);
    let of_first: Vec<&&Range<usize>> = split.iter().filter(|r| id(r) == document).collect();
    Some(SplitDocument {
        document: document.to_string(),
        runs: of_first.len(),
        lines: of_first
            .iter()
            .take(3)
            .map(|r| rows[r.start].line)
            .collect(),
        documents: count.values().filter(|&&n| n > 1).count(),
        single_label_runs: (multi.len(), single),
    })
}

/// Evidence that `rows` were sorted by label (see [`SortedByLabel`]), if there is any.
pub fn sorted_by_label(rows: &[LabeledSentence]) -> Option<SortedByLabel> {
    // Enough of the evidence, and a large enough share of it, to mark a sort.
    let marks_sort =
        |hits: usize, of: usize| hits >= SORTED_MIN && hits as f64 >= SORTED_SHARE * of as f64;
    let runs = id_runs(rows);
    if let Some(split) = split_among(rows, &runs) {
        let (multi, single) = split.single_label_runs;
        if marks_sort(single, multi) {
            return Some(SortedByLabel::Split(split));
        }
    }
    let id = |r: &Range<usize>| run_id(rows, r);
    let single_label = |r: &Range<usize>| one_label(rows, r);
    // Each article in one block: are their rows in label order?
    let mixed: Vec<&Range<usize>> = runs
        .iter()
        .filter(|r| r.len() >= GROUPED_MIN_ROWS && !single_label(r))
        .collect();
    let in_order = |r: &Range<usize>, ascending: bool| {
        rows[r.clone()].windows(2).all(|w| {
            if ascending {
                w[0].label <= w[1].label
            } else {
                w[0].label >= w[1].label
            }
        })
    };
    for ascending in [true, false] {
        let ordered: Vec<&&Range<usize>> =
            mixed.iter().filter(|r| in_order(r, ascending)).collect();
        if marks_sort(ordered.len(), mixed.len()) {
            return Some(SortedByLabel::Grouped {
                documents: mixed.len(),
                ordered: ordered.len(),
                example: id(ordered[0]).to_string(),
                line: rows[ordered[0].start].line,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Stance;

    fn row(label: Stance, document: Option<&str>) -> LabeledSentence {
        LabeledSentence {
            text: "x".into(),
            label,
            line: 2,
            story: None,
            document: document.map(String::from),
        }
    }
    #[test]
    fn rows_are_read_in_documents_unless_sorted_by_label() {
        use Stance::{Adversarial as Adv, Analytical as Ana, Conciliatory as Con};
        let mut rows = Vec::new();
        for id in ["a", "b", "c"] {
            for label in [Ana, Adv, Con, Adv, Con] {
                rows.push(row(label, Some(id)));
            }
        }
        assert_eq!(
            reading(&rows),
            RowReading::InDocuments(vec![0..5, 5..10, 10..15])
        );
        rows.sort_by_key(|r| r.label);
        let Some(sorted) = sorted_by_label(&rows) else {
            panic!("rows sorted by label were not found");
        };
        assert_eq!(reading(&rows), RowReading::EachAlone(sorted));
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

    /// Rows of the given documents and labels, on lines 2, 3, ...
    fn labelled_rows(rows: &[(Option<&str>, Stance)]) -> Vec<LabeledSentence> {
        rows.iter()
            .enumerate()
            .map(|(i, &(id, label))| LabeledSentence {
                line: i as u64 + 2,
                ..row(label, id)
            })
            .collect()
    }

    #[test]
    fn rows_sorted_by_label_are_found() {
        use Stance::{Adversarial as Adv, Analytical as Ana, Conciliatory as Con};
        // Articles a, b and c, each mixing labels, sorted by label.
        let sorted = labelled_rows(&[
            (Some("a"), Adv),
            (Some("a"), Adv),
            (Some("b"), Adv),
            (Some("b"), Adv),
            (Some("a"), Ana),
            (Some("a"), Ana),
            (Some("c"), Ana),
            (Some("c"), Ana),
            (Some("b"), Con),
            (Some("c"), Con),
        ]);
        let Some(SortedByLabel::Split(found)) = sorted_by_label(&sorted) else {
            panic!("a file sorted by label was not found");
        };
        let message = SortedByLabel::Split(found).message();
        assert!(
            message.contains(
                "comes in 2 separate runs of rows (from lines 2, 6), as do 2 other documents, \
                 and 4 of the 4 runs of two or more rows of such documents hold a single label"
            ),
            "{message}"
        );
        // The same articles in order.
        let mut in_order = sorted.clone();
        in_order.sort_by_key(|r| r.document.clone());
        assert_eq!(sorted_by_label(&in_order), None);
        // Two batches that each number their articles from 1, and a blank cell inside an
        // article: ids come back, but each run mixes labels as articles do.
        let batches = labelled_rows(&[
            (Some("1"), Adv),
            (Some("1"), Ana),
            (Some("2"), Con),
            (Some("2"), Ana),
            (Some("1"), Ana),
            (Some("1"), Adv),
            (Some("2"), Ana),
            (Some("2"), Con),
            (Some("3"), Adv),
            (None, Ana),
            (Some("3"), Con),
            (Some("3"), Ana),
        ]);
        assert_eq!(sorted_by_label(&batches), None);
    }

    #[test]
    fn articles_sorted_within_themselves_or_in_part_are_found() {
        use Stance::{Adversarial as Adv, Analytical as Ana, Conciliatory as Con};
        // Sorted by label, then by document: each article one block, its rows in label order.
        let mut grouped = Vec::new();
        for id in ["a", "b", "c"] {
            for label in [Adv, Adv, Ana, Con, Con] {
                grouped.push((Some(id), label));
            }
        }
        let rows = labelled_rows(&grouped);
        assert_eq!(
            sorted_by_label(&rows),
            Some(SortedByLabel::Grouped {
                documents: 3,
                ordered: 3,
                example: "a".into(),
                line: 2
            })
        );
        // The same articles as written: labels in no order.
        let mut written = Vec::new();
        for id in ["a", "b", "c"] {
            for label in [Ana, Adv, Con, Adv, Con] {
                written.push((Some(id), label));
            }
        }
        assert_eq!(sorted_by_label(&labelled_rows(&written)), None);
        // Half in order, half sorted by label: the sorted half's articles are split, and
        // their runs hold one label each.
        let mut half = written.clone();
        let mut tail: Vec<(Option<&str>, Stance)> = ["d", "e", "f"]
            .into_iter()
            .flat_map(|id| {
                [
                    (Some(id), Ana),
                    (Some(id), Adv),
                    (Some(id), Con),
                    (Some(id), Adv),
                ]
            })
            .collect();
        tail.sort_by_key(|r| r.1);
        half.extend(tail);
        assert!(matches!(
            sorted_by_label(&labelled_rows(&half)),
            Some(SortedByLabel::Split(_))
        ));
    }
}
