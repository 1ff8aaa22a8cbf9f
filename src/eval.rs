//! Gold labels vs predictions -> an [`Evaluation`]: accuracy, per-class precision, recall and
//! F1, macro-F1, the confusion matrix, the majority-class baseline, calibration, and bootstrap
//! ranges of accuracy and macro-F1.
//!
//! Pure computation, no I/O: the scores, and [`caveats`], the notes on what a labelled file makes
//! of them (its bytes and rows are passed in, not read here). The scores are computed here rather
//! than with linfa's `ConfusionMatrix`, whose 0.8.1 `precision()`/`recall()` are swapped relative
//! to scikit-learn and whose `f1_score()` is not macro-F1. Definitions follow scikit-learn: a class
//! with no predictions has precision 0, and macro averages run over the labels that occur in the
//! gold or the predicted labels.

use serde::Serialize;

use crate::context::RowReading;
use crate::corpus::{LabeledSentence, Stance};
use crate::model::Prediction;

/// Scores of one class.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClassScores {
    /// Of the sentences predicted as this label, the share that have it.
    pub precision: f64,
    /// Of the sentences that have this label, the share predicted as it.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Sentences with this gold label.
    pub support: usize,
}

/// What always predicting the most frequent gold label would score.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Baseline {
    /// The label it always predicts (the most frequent gold label).
    pub label: Stance,
    /// Its accuracy.
    pub accuracy: f64,
    /// Its macro-F1.
    pub macro_f1: f64,
}

/// One bin of the reliability table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReliabilityBin {
    /// Confidence range `[lower, upper)` (the last bin includes 1.0).
    pub lower: f64,
    /// Upper edge of the range (see `lower`).
    pub upper: f64,
    /// Predictions whose confidence falls in the bin.
    pub count: usize,
    /// Their mean confidence.
    pub mean_confidence: f64,
    /// The share of them that are right.
    pub accuracy: f64,
}

/// How far confidence can be trusted as a probability of being right.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Expected calibration error: the count-weighted mean |accuracy - confidence| over bins.
    pub expected_calibration_error: f64,
    /// Every bin, empty ones included, lowest confidence first.
    pub bins: Vec<ReliabilityBin>,
}

/// The confusion matrix: rows gold, columns predicted, in `labels` order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Confusion {
    /// Row and column order.
    pub labels: Vec<Stance>,
    /// `matrix[gold][predicted]`: sentence counts.
    pub matrix: Vec<Vec<usize>>,
}

/// A range of a score: the 2.5th and 97.5th percentiles of its bootstrap resamples.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower end.
    pub lower: f64,
    /// Upper end.
    pub upper: f64,
}

/// How far the scores could move on another sample of the same kind of text: 95% percentile
/// bootstrap intervals. A few hundred sentences leave a wide range (a 0.03 difference between
/// two models on 500 sentences is usually inside it), and a reader deciding whether to trust
/// a score needs to see that.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bootstrap {
    /// How many resamples were drawn.
    pub resamples: usize,
    /// The units drawn with replacement: whole documents (rows sharing a story or document
    /// id) when the rows have ids, since sentences of one article are not independent of each
    /// other; otherwise sentences.
    pub units: usize,
    /// True when the units are documents (groups of rows), false when sentences.
    pub by_document: bool,
    /// The range of the accuracy.
    pub accuracy: Interval,
    /// The range of the macro-F1.
    pub macro_f1: Interval,
}

/// A model's scores on a labelled set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Sentences scored.
    pub n: usize,
    /// Share of sentences labelled right.
    pub accuracy: f64,
    /// Mean of the per-label F1 scores (labels present in gold or predictions).
    pub macro_f1: f64,
    /// Precision, recall and F1 of each label.
    pub per_class: std::collections::BTreeMap<Stance, ClassScores>,
    /// Gold against predicted counts.
    pub confusion: Confusion,
    /// What always predicting the most frequent label scores, for scale.
    pub majority_baseline: Baseline,
    /// How far confidence matches accuracy.
    pub calibration: Calibration,
    /// Ranges of accuracy and macro-F1, or `None` for fewer than two units to resample.
    pub bootstrap: Option<Bootstrap>,
}

/// What a reader of `model`'s scores on a labelled file should know first (`bytes` are the
/// file's, `name` its name in messages), one message each:
/// - the file is `stance classify` output, whose labels are predictions;
/// - the file is the one the model was trained on (the scores then measure fit, not
///   generalisation);
/// - its rows look sorted by label, so each is read on its own, or a document's rows are not
///   consecutive, so it is read in pieces (both as [`crate::context::reading`] decides for
///   [`crate::model::StanceModel::predict_rows`]);
/// - it holds a label the model was never trained on, which can only count as errors.
pub fn caveats(
    model: &crate::model::StanceModel,
    rows: &[crate::corpus::LabeledSentence],
    bytes: &[u8],
    name: &str,
) -> Vec<String> {
    let mut notes = Vec::new();
    notes.extend(crate::corpus::predictions_note(bytes, name));
    if model.info().is_training_data(bytes) {
        notes.push(format!(
            "{name}: this is the file the model was trained on (same SHA-256); its scores say \
             how well the model fits its own training sentences, not how it does on new text"
        ));
    }
    if model.context().is_some() {
        if let RowReading::EachAlone(sorted) = crate::context::reading(rows) {
            notes.push(format!(
                "{name}: {}; each row was read on its own",
                sorted.message()
            ));
        } else if let Some(split) = crate::context::split_documents(rows) {
            // Shuffled rows, or rows sorted by date or sentence position: each run is read
            // as an article of its own, so most rows lose their neighbours.
            notes.push(format!(
                "{name}: {}; a document's sentences are read in context only where they are \
                 consecutive rows, so these were read in pieces (sort the rows by document, in \
                 article order, to score them in context)",
                split.describe()
            ));
        }
    }
    let counts = crate::corpus::label_counts(rows);
    for label in Stance::ALL {
        let count = counts[label.index()];
        if count > 0 && !model.labels().contains(&label) {
            notes.push(format!(
                "the model was not trained on `{label}` and cannot predict it; the rows \
                 labelled `{label}` in {name} ({count}) count as errors"
            ));
        }
    }
    notes
}

/// The note for scores whose macro-F1 counts labels no row has, if there are any: a label the
/// model predicted but the file lacks enters the average with F1 0 (scikit-learn's convention),
/// so a file of two labels, or one, reads low beside its accuracy (a 95%-accurate model showed
/// 0.32 on a file of one label, and 0.61 beside accuracy 0.91 on the test set without its
/// conciliatory rows). `name` is the file's name in messages.
pub fn absent_label_note(e: &Evaluation, name: &str) -> Option<String> {
    let predicted = |l: &Stance| -> usize {
        let k = e.confusion.labels.iter().position(|x| x == l);
        k.map_or(0, |k| e.confusion.matrix.iter().map(|row| row[k]).sum())
    };
    let absent: Vec<String> = e
        .per_class
        .iter()
        .filter(|(l, c)| c.support == 0 && predicted(l) > 0)
        .map(|(l, _)| match predicted(l) {
            1 => format!("`{l}` (predicted once)"),
            n => format!("`{l}` (predicted {n} times)"),
        })
        .collect();
    if absent.is_empty() {
        return None;
    }
    Some(format!(
        "{name}: no row is labelled {}; macro-F1 averages over every label in the gold or the \
         predicted labels, as scikit-learn's does, so each of those counts with F1 0 and it \
         reads low beside accuracy",
        absent.join(" or ")
    ))
}

/// Number of equal-width confidence bins in the reliability table.
pub const CALIBRATION_BINS: usize = 10;

/// Scores predictions against the labelled rows they were made for, with bootstrap ranges
/// that resample whole stories or documents where the rows carry ids (documents when all rows
/// share one story; see [`Bootstrap`]).
pub fn evaluate_rows(
    rows: &[crate::corpus::LabeledSentence],
    predicted: &[Prediction],
) -> Evaluation {
    let gold: Vec<Stance> = rows.iter().map(|r| r.label).collect();
    // Stories (or documents) as units; documents alone when every row shares one story;
    // sentences when neither gives two units.
    let by_story = units_by(rows, |r| r.fold_group());
    let by_document = units_by(rows, |r| r.document.as_deref());
    let grouped = [by_story, by_document]
        .into_iter()
        .flatten()
        .find(|(_, count)| *count >= 2);
    match grouped {
        Some((units, _)) => evaluate_in_units(&gold, predicted, &units, true),
        None => evaluate(&gold, predicted),
    }
}

/// Each row's unit for resampling by `id` (a row without one is a unit of its own), and how
/// many units there are; `None` if no row has an id.
fn units_by<'r>(
    rows: &'r [crate::corpus::LabeledSentence],
    id: impl Fn(&'r crate::corpus::LabeledSentence) -> Option<&'r str>,
) -> Option<(Vec<usize>, usize)> {
    let mut ids = std::collections::HashMap::new();
    let mut singles = 0;
    let units: Vec<usize> = rows
        .iter()
        .enumerate()
        .map(|(i, r)| match id(r) {
            Some(id) => {
                let next = ids.len();
                *ids.entry(id).or_insert(next)
            }
            // Offset past any id's number.
            None => {
                singles += 1;
                rows.len() + i
            }
        })
        .collect();
    (!ids.is_empty()).then(|| (units, ids.len() + singles))
}

/// Scores predictions against gold labels, with bootstrap ranges that resample sentences.
/// `gold` and `predicted` must have the same length; an empty input gives zeros.
pub fn evaluate(gold: &[Stance], predicted: &[Prediction]) -> Evaluation {
    let units: Vec<usize> = (0..gold.len()).collect();
    evaluate_in_units(gold, predicted, &units, false)
}

/// [`evaluate`], with `units[i]` the unit of resampling row `i` belongs to.
fn evaluate_in_units(
    gold: &[Stance],
    predicted: &[Prediction],
    units: &[usize],
    by_document: bool,
) -> Evaluation {
    assert_eq!(gold.len(), predicted.len(), "one prediction per gold label");
    let labels: Vec<Stance> = predicted.iter().map(|p| p.label).collect();
    let scored = scores(gold, &labels);
    let majority = most_frequent(gold);
    let baseline = scores(gold, &vec![majority; gold.len()]);
    let confidences: Vec<(f64, bool)> = predicted
        .iter()
        .zip(gold)
        .map(|(p, g)| (p.confidence() as f64, p.label == *g))
        .collect();
    Evaluation {
        n: gold.len(),
        accuracy: scored.accuracy,
        macro_f1: scored.macro_f1,
        per_class: Stance::ALL.into_iter().zip(scored.per_class).collect(),
        confusion: Confusion {
            labels: Stance::ALL.to_vec(),
            matrix: scored.confusion.iter().map(|row| row.to_vec()).collect(),
        },
        majority_baseline: Baseline {
            label: majority,
            accuracy: baseline.accuracy,
            macro_f1: baseline.macro_f1,
        },
        calibration: calibration(&confidences),
        bootstrap: bootstrap(gold, &labels, units, by_document),
    }
}

/// Most resamples drawn, and fewest: past [`BOOTSTRAP_DRAWS`] binomial draws in all (one per
/// distinct unit table per resample; see [`bootstrap`]), the count is lowered toward the
/// floor, so that a file of a hundred thousand documents costs a fraction of predicting it.
const BOOTSTRAP_RESAMPLES: (usize, usize) = (1000, 200);

/// The binomial draws above which fewer resamples are taken (see [`BOOTSTRAP_RESAMPLES`]).
const BOOTSTRAP_DRAWS: usize = 20_000_000;

/// The fixed seed of the resampling: the same file and model give the same ranges.
const BOOTSTRAP_SEED: u64 = 42;

/// 95% percentile bootstrap ranges of accuracy and macro-F1, drawing the units of `units`
/// (row `i` belongs to unit `units[i]`, any numbering) with replacement. `None` for fewer than
/// two units.
///
/// A resample only needs how many times each unit was drawn, and units with the same
/// confusion counts are interchangeable, so the draws are made as multinomial counts over the
/// distinct tables (a chain of binomials): at most nine for single sentences, however many
/// rows. Drawing unit by unit cost 0.4 s per 200 resamples of 200,000 sentences.
fn bootstrap(
    gold: &[Stance],
    predicted: &[Stance],
    units: &[usize],
    by_document: bool,
) -> Option<Bootstrap> {
    use rand::SeedableRng;
    use rand_distr::{Binomial, Distribution};
    // Each unit's confusion counts ...
    let mut index = std::collections::HashMap::new();
    let mut tables: Vec<[[u32; 3]; 3]> = Vec::new();
    for ((g, p), &unit) in gold.iter().zip(predicted).zip(units) {
        let k = *index.entry(unit).or_insert_with(|| {
            tables.push([[0; 3]; 3]);
            tables.len() - 1
        });
        tables[k][g.index()][p.index()] += 1;
    }
    let k = tables.len();
    if k < 2 {
        return None;
    }
    // ... and how many units share each distinct table, in a fixed order.
    let mut distinct: std::collections::BTreeMap<[[u32; 3]; 3], u64> = Default::default();
    for table in tables {
        *distinct.entry(table).or_default() += 1;
    }
    let (most, fewest) = BOOTSTRAP_RESAMPLES;
    let resamples = (BOOTSTRAP_DRAWS / distinct.len()).clamp(fewest, most);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(BOOTSTRAP_SEED);
    let mut accuracy = Vec::with_capacity(resamples);
    let mut macro_f1 = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        let mut matrix = [[0usize; 3]; 3];
        let (mut draws_left, mut units_left) = (k as u64, k as u64);
        for (table, &count) in &distinct {
            if draws_left == 0 {
                break;
            }
            // Of the draws left, those that fall on this table's units.
            let drawn = if count == units_left {
                draws_left
            } else {
                let p = count as f64 / units_left as f64;
                Binomial::new(draws_left, p).map_or(0, |b| b.sample(&mut rng))
            };
            (draws_left, units_left) = (draws_left - drawn, units_left - count);
            for (row, counts) in matrix.iter_mut().zip(table) {
                for (cell, &c) in row.iter_mut().zip(counts) {
                    *cell += c as usize * drawn as usize;
                }
            }
        }
        let s = scores_of(matrix);
        accuracy.push(s.accuracy);
        macro_f1.push(s.macro_f1);
    }
    Some(Bootstrap {
        resamples,
        units: k,
        by_document,
        accuracy: percentile_interval(&mut accuracy),
        macro_f1: percentile_interval(&mut macro_f1),
    })
}

/// The 2.5th and 97.5th percentiles of `values`, interpolated between the nearest ranks as
/// numpy's `percentile` does by default.
fn percentile_interval(values: &mut [f64]) -> Interval {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let pos = q * (values.len() - 1) as f64;
        let (below, above) = (pos.floor() as usize, pos.ceil() as usize);
        values[below] + (values[above] - values[below]) * (pos - below as f64)
    };
    Interval {
        lower: at(0.025),
        upper: at(0.975),
    }
}

/// The scores of a list of labels against gold labels, without confidences (see
/// [`evaluate`] for the full report).
#[derive(Debug, Clone, PartialEq)]
pub struct Scores {
    /// Share of labels right.
    pub accuracy: f64,
    /// Mean of the per-label F1 scores (labels present in gold or predictions).
    pub macro_f1: f64,
    /// Precision, recall and F1 of each label, in [`Stance::ALL`] order.
    pub per_class: [ClassScores; 3],
    /// `confusion[gold][predicted]`: counts, in [`Stance::ALL`] order.
    pub confusion: [[usize; 3]; 3],
}

/// Accuracy, macro-F1, per-class scores and confusion matrix of plain label lists.
///
/// # Panics
///
/// If `gold` and `predicted` differ in length, as [`evaluate`] does: zipped, the longer
/// list's tail would go unscored (two gold labels and one guess would score macro-F1 1.0).
///
/// ```should_panic
/// use stance::{Stance, eval::scores};
/// scores(&[Stance::Adversarial, Stance::Analytical], &[Stance::Adversarial]);
/// ```
pub fn scores(gold: &[Stance], predicted: &[Stance]) -> Scores {
    assert_eq!(gold.len(), predicted.len(), "one prediction per gold label");
    let mut matrix = [[0usize; 3]; 3];
    for (g, p) in gold.iter().zip(predicted) {
        matrix[g.index()][p.index()] += 1;
    }
    scores_of(matrix)
}

/// The scores of a confusion matrix (`matrix[gold][predicted]`).
fn scores_of(matrix: [[usize; 3]; 3]) -> Scores {
    let n: usize = matrix.iter().flatten().sum();
    let correct: usize = (0..3).map(|i| matrix[i][i]).sum();
    let accuracy = ratio(correct, n);
    let mut per_class = [ClassScores {
        precision: 0.0,
        recall: 0.0,
        f1: 0.0,
        support: 0,
    }; 3];
    let mut f1_sum = 0.0;
    let mut present = 0;
    for (c, scores) in per_class.iter_mut().enumerate() {
        let tp = matrix[c][c];
        let support: usize = matrix[c].iter().sum();
        let predicted_c: usize = (0..3).map(|g| matrix[g][c]).sum();
        let precision = ratio(tp, predicted_c);
        let recall = ratio(tp, support);
        let f1 = if precision + recall > 0.0 {
            2.0 * precision * recall / (precision + recall)
        } else {
            0.0
        };
        *scores = ClassScores {
            precision,
            recall,
            f1,
            support,
        };
        if support > 0 || predicted_c > 0 {
            f1_sum += f1;
            present += 1;
        }
    }
    let macro_f1 = if present > 0 {
        f1_sum / present as f64
    } else {
        0.0
    };
    Scores {
        accuracy,
        macro_f1,
        per_class,
        confusion: matrix,
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

/// The most frequent label (ties go to the first in [`Stance::ALL`] order).
fn most_frequent(gold: &[Stance]) -> Stance {
    let counts = crate::corpus::count_labels(gold.iter().copied());
    let best = (0..3).fold(0, |best, i| if counts[i] > counts[best] { i } else { best });
    Stance::ALL[best]
}

/// Reliability table and ECE over `(confidence, correct)` pairs.
fn calibration(items: &[(f64, bool)]) -> Calibration {
    let mut bins: Vec<ReliabilityBin> = (0..CALIBRATION_BINS)
        .map(|b| ReliabilityBin {
            lower: b as f64 / CALIBRATION_BINS as f64,
            upper: (b + 1) as f64 / CALIBRATION_BINS as f64,
            count: 0,
            mean_confidence: 0.0,
            accuracy: 0.0,
        })
        .collect();
    for &(confidence, correct) in items {
        let b = ((confidence * CALIBRATION_BINS as f64) as usize).min(CALIBRATION_BINS - 1);
        bins[b].count += 1;
        bins[b].mean_confidence += confidence;
        bins[b].accuracy += correct as u8 as f64;
    }
    let mut ece = 0.0;
    for bin in &mut bins {
        if bin.count > 0 {
            bin.mean_confidence /= bin.count as f64;
            bin.accuracy /= bin.count as f64;
            ece += bin.count as f64 * (bin.accuracy - bin.mean_confidence).abs();
        }
    }
    Calibration {
        expected_calibration_error: if items.is_empty() {
            0.0
        } else {
            ece / items.len() as f64
        },
        bins,
    }
}

/// A misclassified sentence, for `--errors N`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Misclassified {
    /// Line of the row in the labelled file.
    pub line: u64,
    /// The sentence.
    pub text: String,
    /// Its gold label.
    pub gold: Stance,
    /// The label given.
    pub predicted: Stance,
    /// Probability of the label given.
    pub confidence: f32,
}

impl Misclassified {
    /// The first `n` rows, in file order, whose prediction is not their gold label.
    pub fn first(rows: &[LabeledSentence], predictions: &[Prediction], n: usize) -> Vec<Self> {
        rows.iter()
            .zip(predictions)
            .filter(|(r, p)| r.label != p.label)
            .take(n)
            .map(|(r, p)| Misclassified {
                line: r.line,
                text: r.text.clone(),
                gold: r.label,
                predicted: p.label,
                confidence: p.confidence(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Stance::{Adversarial as Adv, Analytical as Ana, Conciliatory as Con};

    fn pred(label: Stance, confidence: f32) -> Prediction {
        let mut probabilities = [(1.0 - confidence) / 2.0; 3];
        probabilities[label.index()] = confidence;
        Prediction {
            label,
            probabilities,
        }
    }

    #[test]
    fn matches_scikit_learn() {
        // Expected values from scikit-learn 1.9.1:
        //   y_true = ['adv','adv','adv','ana','ana','con','con','con','con','ana']
        //   y_pred = ['adv','ana','adv','ana','con','con','adv','con','con','ana']
        //   precision_recall_fscore_support(y_true, y_pred) ->
        //     precision [0.6667, 0.6667, 0.75], recall [0.6667, 0.6667, 0.75],
        //     f1 [0.6667, 0.6667, 0.75]; f1_score(average='macro') = 0.69444;
        //   accuracy_score = 0.7
        let gold = [Adv, Adv, Adv, Ana, Ana, Con, Con, Con, Con, Ana];
        let got = [Adv, Ana, Adv, Ana, Con, Con, Adv, Con, Con, Ana];
        let Scores {
            accuracy: acc,
            macro_f1,
            per_class: per,
            confusion: matrix,
        } = scores(&gold, &got);
        assert!((acc - 0.7).abs() < 1e-9);
        assert!((macro_f1 - 0.694_444).abs() < 1e-5, "{macro_f1}");
        let want = [(0.666_667, 0.666_667), (0.666_667, 0.666_667), (0.75, 0.75)];
        for (s, (p, r)) in per.iter().zip(want) {
            assert!(
                (s.precision - p).abs() < 1e-5 && (s.recall - r).abs() < 1e-5,
                "{s:?}"
            );
        }
        assert_eq!(matrix, [[2, 1, 0], [0, 2, 1], [1, 0, 3]]);
    }

    #[test]
    fn precision_and_recall_are_not_swapped() {
        // Hand-computed: gold has 1 adversarial, predictions have 3. Precision = 1/3, recall = 1.
        // scikit-learn agrees: precision_score(..., labels=['adv']) = 0.3333, recall = 1.0.
        let gold = [Adv, Ana, Ana];
        let got = [Adv, Adv, Adv];
        let Scores {
            macro_f1,
            per_class: per,
            ..
        } = scores(&gold, &got);
        assert!((per[0].precision - 1.0 / 3.0).abs() < 1e-9);
        assert!((per[0].recall - 1.0).abs() < 1e-9);
        assert_eq!(per[1].precision, 0.0);
        // Conciliatory is in neither list, so the macro average runs over two labels:
        // (0.5 + 0) / 2, as scikit-learn's f1_score(average='macro') = 0.25.
        assert!((macro_f1 - 0.25).abs() < 1e-9, "{macro_f1}");
    }

    #[test]
    fn majority_baseline_and_calibration() {
        let gold = [Adv, Adv, Ana, Con];
        let predicted = [
            pred(Adv, 0.95),
            pred(Ana, 0.95),
            pred(Ana, 0.55),
            pred(Con, 0.55),
        ];
        let e = evaluate(&gold, &predicted);
        assert_eq!(e.majority_baseline.label, Adv);
        assert!((e.majority_baseline.accuracy - 0.5).abs() < 1e-9);
        // Hand-computed: bin [0.9,1.0): 2 items, conf 0.95, acc 0.5; bin [0.5,0.6): 2 items,
        // conf 0.55, acc 1.0. ECE = (2*0.45 + 2*0.45) / 4 = 0.45.
        assert!((e.calibration.expected_calibration_error - 0.45).abs() < 1e-6);
        assert_eq!(e.calibration.bins[9].count, 2);
        assert_eq!(e.calibration.bins[5].count, 2);
        assert_eq!(e.n, 4);
    }

    /// numpy agrees: np.percentile(np.arange(101) / 100, [2.5, 97.5]) = [0.025, 0.975], and
    /// np.percentile([0, 1], [2.5, 97.5]) = [0.025, 0.975].
    #[test]
    fn percentiles_interpolate_as_numpy_does() {
        let mut values: Vec<f64> = (0..=100).rev().map(|v| v as f64 / 100.0).collect();
        let r = percentile_interval(&mut values);
        assert!(
            (r.lower - 0.025).abs() < 1e-12 && (r.upper - 0.975).abs() < 1e-12,
            "{r:?}"
        );
        let r = percentile_interval(&mut [1.0, 0.0]);
        assert!(
            (r.lower - 0.025).abs() < 1e-12 && (r.upper - 0.975).abs() < 1e-12,
            "{r:?}"
        );
    }

    /// Two documents of ten sentences, one all right and one all wrong. Drawn as documents, a
    /// resample holds the right one twice (accuracy 1), once (0.5) or never (0), a quarter,
    /// half and a quarter of the time, so the 95% range is 0 to 1. Drawn as sentences, the
    /// accuracy is a binomial share of 20 at p = 0.5: 0.5 +- 1.96 x 0.112 by the normal
    /// approximation, about 0.28 to 0.72.
    #[test]
    fn bootstrap_draws_documents_whole() {
        use crate::corpus::LabeledSentence;
        let rows: Vec<LabeledSentence> = (0..20)
            .map(|i| LabeledSentence {
                document: Some(if i < 10 { "a" } else { "b" }.into()),
                ..LabeledSentence::new("Talks.", Ana)
            })
            .collect();
        let predicted: Vec<Prediction> = (0..20)
            .map(|i| pred(if i < 10 { Ana } else { Adv }, 0.9))
            .collect();
        let by_document = evaluate_rows(&rows, &predicted).bootstrap.unwrap();
        assert!(by_document.by_document);
        assert_eq!((by_document.units, by_document.resamples), (2, 1000));
        assert_eq!(
            (by_document.accuracy.lower, by_document.accuracy.upper),
            (0.0, 1.0)
        );
        let gold: Vec<Stance> = rows.iter().map(|r| r.label).collect();
        let by_sentence = evaluate(&gold, &predicted).bootstrap.unwrap();
        assert!(!by_sentence.by_document);
        assert_eq!(by_sentence.units, 20);
        let r = by_sentence.accuracy;
        assert!(
            r.lower > 0.2 && r.lower < 0.4 && r.upper > 0.6 && r.upper < 0.8,
            "{r:?}"
        );
        // Seeded: the same input gives the same ranges.
        assert_eq!(evaluate(&gold, &predicted).bootstrap.unwrap(), by_sentence);
        // One unit leaves nothing to resample.
        assert_eq!(evaluate(&gold[..1], &predicted[..1]).bootstrap, None);
        // Every row in one story: its two documents are drawn instead (there used to be no
        // range at all).
        let one_story: Vec<LabeledSentence> = rows
            .iter()
            .map(|r| LabeledSentence {
                story: Some("s".into()),
                ..r.clone()
            })
            .collect();
        let b = evaluate_rows(&one_story, &predicted).bootstrap.unwrap();
        assert_eq!((b.units, b.by_document), (2, true));
    }

    #[test]
    fn empty_input_gives_zeros() {
        let e = evaluate(&[], &[]);
        assert_eq!((e.n, e.accuracy, e.macro_f1), (0, 0.0, 0.0));
    }

    #[test]
    fn misclassified_rows_are_listed_in_file_order_up_to_n() {
        let row = |line, label| LabeledSentence {
            text: format!("Sentence on line {line}."),
            label,
            line,
            story: None,
            document: None,
        };
        let rows = [
            row(2, Stance::Adversarial),
            row(3, Stance::Analytical),
            row(4, Stance::Conciliatory),
        ];
        let said = |label| Prediction {
            label,
            probabilities: [0.6, 0.3, 0.1],
        };
        let predictions = [
            said(Stance::Adversarial),
            said(Stance::Adversarial),
            said(Stance::Adversarial),
        ];
        let lines = |n| -> Vec<u64> {
            Misclassified::first(&rows, &predictions, n)
                .iter()
                .map(|m| m.line)
                .collect()
        };
        assert_eq!(lines(1), [3]);
        assert_eq!(lines(9), [3, 4]);
        let first = &Misclassified::first(&rows, &predictions, 1)[0];
        assert_eq!(
            (first.gold, first.predicted),
            (Stance::Analytical, Stance::Adversarial)
        );
        assert_eq!(first.confidence, 0.6);
    }
}
