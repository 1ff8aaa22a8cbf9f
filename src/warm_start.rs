//! A warm start for linfa-logistic: the same multinomial objective, minimised on sparse rows.
//!
//! linfa-logistic minimises `-sum(log softmax(x W + b)[y]) + alpha/2 ||W||^2` with L-BFGS on
//! a dense `rows x features` matrix, so every iteration touches every cell: on the shipped
//! corpus (18,932 rows x about 6,600 features, some 30 of them non-zero per row) an
//! iteration costs a quarter of a second, and the fit ran to its 200-iteration cap (49 s of a
//! 53 s `train`).
//! The objective only needs the non-zero cells. [`solve`] minimises exactly the same function
//! on the sparse rows, in f64; linfa then starts from that point (`initial_params`), finishes
//! the fit, and returns the fitted model. The objective is convex, so the optimum is the one
//! linfa would reach on its own given enough iterations.
//!
//! On the shipped corpus (12,000 n-grams, 931 lexicon entries) [`solve`] stops after about
//! 350 iterations (4 s) because f64 can no longer measure its progress ([`STALL`]), at a
//! gradient norm of about 3e-3, not at linfa's 1e-4; linfa's own iterations from there take
//! 2.6 s. With other settings that gap costs more: `--max-features 6000 --cue-scale 0.5`
//! stops at 8e-4 and leaves linfa 13.7 s (measured 2026-11-28 with timers added for the
//! purpose). Reaching the tolerance on the sparse side would need a stopping rule that does
//! not compare summed losses; that is not done.

use ndarray::Array2;

use crate::features::SparseVec;

/// Gradient norm (L2, over all parameters, on the summed loss) at which [`solve`] stops:
/// the tolerance linfa-logistic uses by default.
pub const GRADIENT_TOLERANCE: f64 = 1e-4;

/// Most L-BFGS iterations; each costs one pass over the non-zero cells (the shipped corpus
/// needs about 400).
const MAX_ITERATIONS: usize = 2000;

/// Relative loss decrease under which an iteration counts as no progress: f64 precision is
/// reached, and the gradient cannot get smaller (some feature sets stop at a gradient norm
/// just above [`GRADIENT_TOLERANCE`]).
const STALL: f64 = 1e-13;

/// Halvings of the step before the line search gives up (2^-40 of a step changes nothing
/// an f64 loss can show).
const MAX_HALVINGS: usize = 40;

/// Armijo's sufficient-decrease constant: a step must win at least this share of the
/// decrease the slope promises (1e-4 is the textbook value, Nocedal and Wright).
const ARMIJO_C1: f64 = 1e-4;

/// Curvature pairs with `y . s` at or below this are skipped: they would make the
/// L-BFGS update ill-conditioned.
const MIN_CURVATURE: f64 = 1e-12;

/// Correction pairs L-BFGS keeps (linfa-logistic keeps 10 too).
const HISTORY: usize = 10;

/// Minimises the multinomial logistic loss with an L2 penalty on the weights (not on the
/// intercepts), as linfa-logistic defines it. `rows[i]` holds row `i`'s non-zero features
/// (indices below `features`); `labels[i]` is its class index, below `classes`.
///
/// Returns linfa's parameter layout: `(features + 1) x classes`, the intercepts in the last
/// row.
pub fn solve(
    rows: &[SparseVec],
    labels: &[usize],
    features: usize,
    classes: usize,
    alpha: f64,
) -> Array2<f32> {
    let problem = Problem {
        rows,
        labels,
        features,
        classes,
        alpha,
    };
    let n = (features + 1) * classes;
    let mut w = vec![0f64; n];
    let mut grad = vec![0f64; n];
    let mut loss = problem.evaluate(&w, &mut grad);
    // Correction pairs (s, y, 1 / y.s), oldest first.
    let mut history: Vec<(Vec<f64>, Vec<f64>, f64)> = Vec::with_capacity(HISTORY);
    let mut next = vec![0f64; n];
    let mut next_grad = vec![0f64; n];
    for _ in 0..MAX_ITERATIONS {
        if norm(&grad) < GRADIENT_TOLERANCE {
            break;
        }
        let direction = two_loop(&grad, &history);
        let slope = dot(&grad, &direction);
        if slope >= 0.0 {
            // Not a descent direction (rounding): start the history afresh.
            history.clear();
            continue;
        }
        // Backtracking (Armijo) line search; the first step of a fresh history is scaled
        // so that it moves the parameters by about one unit.
        let mut step = if history.is_empty() {
            1.0 / norm(&grad).max(1.0)
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..MAX_HALVINGS {
            for ((x, w), d) in next.iter_mut().zip(&w).zip(&direction) {
                *x = w + step * d;
            }
            let candidate = problem.evaluate(&next, &mut next_grad);
            if candidate < loss && candidate <= loss + ARMIJO_C1 * step * slope {
                accepted = Some(candidate);
                break;
            }
            step *= 0.5;
        }
        let Some(new_loss) = accepted else {
            // No step decreases the loss at this precision: as close as f64 gets.
            break;
        };
        let s: Vec<f64> = next.iter().zip(&w).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = next_grad.iter().zip(&grad).map(|(a, b)| a - b).collect();
        let ys = dot(&y, &s);
        if ys > MIN_CURVATURE {
            if history.len() == HISTORY {
                history.remove(0);
            }
            history.push((s, y, 1.0 / ys));
        }
        std::mem::swap(&mut w, &mut next);
        std::mem::swap(&mut grad, &mut next_grad);
        let progress = (loss - new_loss) / loss.abs().max(1.0);
        loss = new_loss;
        if progress < STALL {
            break;
        }
    }
    Array2::from_shape_fn((features + 1, classes), |(f, c)| w[f * classes + c] as f32)
}

/// The objective and its data.
struct Problem<'a> {
    rows: &'a [SparseVec],
    labels: &'a [usize],
    features: usize,
    classes: usize,
    alpha: f64,
}

impl Problem<'_> {
    /// The loss at `w` (layout of [`solve`]'s result, flattened by rows), with its gradient
    /// written to `grad`.
    fn evaluate(&self, w: &[f64], grad: &mut [f64]) -> f64 {
        let k = self.classes;
        let intercepts = &w[self.features * k..];
        let mut loss = 0.0;
        // The penalty, on the weights only.
        for (g, &x) in grad.iter_mut().zip(w).take(self.features * k) {
            *g = self.alpha * x;
            loss += 0.5 * self.alpha * x * x;
        }
        grad[self.features * k..].fill(0.0);
        let mut scores = vec![0f64; k];
        for (row, &label) in self.rows.iter().zip(self.labels) {
            scores.copy_from_slice(intercepts);
            for &(f, v) in row {
                let at = f as usize * k;
                for (s, &wc) in scores.iter_mut().zip(&w[at..at + k]) {
                    *s += wc * v as f64;
                }
            }
            // log softmax, shifted by the largest score so that exp cannot overflow.
            let top = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = scores.iter().map(|s| (s - top).exp()).sum();
            let log_sum = top + sum.ln();
            loss += log_sum - scores[label];
            // d loss / d score = softmax - one-hot.
            for (c, s) in scores.iter_mut().enumerate() {
                *s = (*s - log_sum).exp() - (c == label) as u8 as f64;
            }
            for &(f, v) in row {
                let at = f as usize * k;
                for (g, &d) in grad[at..at + k].iter_mut().zip(&scores) {
                    *g += d * v as f64;
                }
            }
            for (g, &d) in grad[self.features * k..].iter_mut().zip(&scores) {
                *g += d;
            }
        }
        loss
    }
}

/// The L-BFGS search direction `-H g` from the correction pairs (the two-loop recursion).
fn two_loop(grad: &[f64], history: &[(Vec<f64>, Vec<f64>, f64)]) -> Vec<f64> {
    let mut q: Vec<f64> = grad.to_vec();
    let mut alphas = vec![0f64; history.len()];
    for (i, (s, y, rho)) in history.iter().enumerate().rev() {
        let a = rho * dot(s, &q);
        alphas[i] = a;
        for (q, y) in q.iter_mut().zip(y) {
            *q -= a * y;
        }
    }
    // Scale by the latest curvature, the usual initial Hessian guess.
    if let Some((s, y, _)) = history.last() {
        let gamma = dot(s, y) / dot(y, y);
        q.iter_mut().for_each(|q| *q *= gamma);
    }
    for (i, (s, y, rho)) in history.iter().enumerate() {
        let b = rho * dot(y, &q);
        for (q, s) in q.iter_mut().zip(s) {
            *q += (alphas[i] - b) * s;
        }
    }
    q.iter_mut().for_each(|q| *q = -*q);
    q
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn norm(a: &[f64]) -> f64 {
    dot(a, a).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A toy problem whose optimum is checked by the gradient (zero at the optimum) and by
    /// a hand-computed property: with one feature that names the class, that feature's
    /// weight for its class must be the largest.
    #[test]
    fn reaches_a_zero_gradient_of_the_same_objective() {
        let rows: Vec<SparseVec> = vec![
            vec![(0, 1.0)],
            vec![(0, 1.0), (2, 0.5)],
            vec![(1, 1.0)],
            vec![(1, 0.8), (2, 0.5)],
            vec![(2, 1.0)],
            vec![(2, 0.9), (0, 0.1)],
        ];
        let labels = [0, 0, 1, 1, 2, 2];
        let w = solve(&rows, &labels, 3, 3, 0.1);
        let problem = Problem {
            rows: &rows,
            labels: &labels,
            features: 3,
            classes: 3,
            alpha: 0.1,
        };
        let flat: Vec<f64> = w.iter().map(|&x| x as f64).collect();
        let mut grad = vec![0.0; flat.len()];
        problem.evaluate(&flat, &mut grad);
        // f32 rounding of the result leaves a gradient far below what linfa asks for.
        assert!(norm(&grad) < 1e-3, "gradient norm {}", norm(&grad));
        for f in 0..3 {
            let row = w.row(f);
            let best = (0..3).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
            assert_eq!(best, f, "feature {f}: {row}");
        }
    }

    /// The gradient matches finite differences of the loss (checked at a point away from
    /// the optimum, where it is not zero).
    #[test]
    fn gradient_matches_finite_differences() {
        let rows: Vec<SparseVec> = vec![vec![(0, 1.0), (1, 0.3)], vec![(1, 1.0)], vec![(0, 0.2)]];
        let labels = [0, 1, 2];
        let problem = Problem {
            rows: &rows,
            labels: &labels,
            features: 2,
            classes: 3,
            alpha: 0.5,
        };
        let w: Vec<f64> = (0..9).map(|i| (i as f64 * 0.37).sin()).collect();
        let mut grad = vec![0.0; 9];
        problem.evaluate(&w, &mut grad);
        let mut scratch = vec![0.0; 9];
        for i in 0..9 {
            let h = 1e-6;
            let (mut up, mut down) = (w.clone(), w.clone());
            up[i] += h;
            down[i] -= h;
            let numeric = (problem.evaluate(&up, &mut scratch)
                - problem.evaluate(&down, &mut scratch))
                / (2.0 * h);
            assert!(
                (numeric - grad[i]).abs() < 1e-5,
                "{i}: {numeric} vs {}",
                grad[i]
            );
        }
    }
}
