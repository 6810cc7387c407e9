//! Test-set evaluation as blocked matrix products (matrixmultiply's sgemm).

use crate::activation::{hidden_forward, output_forward};
use crate::{Case, Dataset, Network};
use serde::{Deserialize, Serialize};

/// Samples per GEMM block: big enough for sgemm to run near peak, small enough for cache.
const BLOCK: usize = 256;

/// The study's test metrics of one network on one dataset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// Samples evaluated.
    pub samples: usize,
    /// Mean per-sample loss of the network's kind: MSE `0.5 * sum(e^2)` or
    /// the cross-entropy of the label (`mse` where it was written before).
    #[serde(alias = "mse")]
    pub loss: f64,
    /// Samples whose argmax output is not the label.
    pub misclassified: usize,
    /// Counts indexed `[true label][predicted]`, `classes x classes`.
    pub confusion: Vec<Vec<u64>>,
    /// The predicted class of every sample.
    #[serde(skip)]
    pub predictions: Vec<u8>,
}

/// Precision, recall and counts of one class, from a confusion matrix.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClassFigures {
    /// Of the samples predicted as this class, the fraction that are; `None` when none were.
    pub precision: Option<f64>,
    /// Of the samples of this class, the fraction predicted as it; `None` when there are none.
    pub recall: Option<f64>,
    /// Samples of this class.
    pub support: u64,
    /// Samples predicted as this class.
    pub predicted: u64,
}

/// One cell of the confusion matrix off its diagonal: how often `truth` was taken for `predicted`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confusion {
    /// The true class.
    #[serde(rename = "true")]
    pub truth: usize,
    /// The class predicted instead.
    pub predicted: usize,
    /// How many samples.
    pub count: u64,
}

/// The index of the largest score, the first on ties; comparisons with NaN
/// are false, so a NaN neither replaces the best so far nor is replaced.
pub fn argmax(scores: &[f32]) -> usize {
    let mut best = 0;
    for (k, &v) in scores.iter().enumerate() {
        if v > scores[best] {
            best = k;
        }
    }
    best
}

impl Evaluation {
    /// Precision, recall, support and predicted count of each class.
    pub fn per_class(&self) -> Vec<ClassFigures> {
        let m = &self.confusion;
        (0..m.len())
            .map(|k| {
                let support: u64 = m[k].iter().sum();
                let predicted: u64 = m.iter().map(|row| row[k]).sum();
                let ratio = |d: u64| (d > 0).then(|| m[k][k] as f64 / d as f64);
                ClassFigures {
                    precision: ratio(predicted),
                    recall: ratio(support),
                    support,
                    predicted,
                }
            })
            .collect()
    }

    /// The `n` largest cells off the diagonal, largest first, ties in row-major order.
    pub fn most_confused(&self, n: usize) -> Vec<Confusion> {
        let mut cells: Vec<Confusion> = self
            .confusion
            .iter()
            .enumerate()
            .flat_map(|(t, row)| {
                row.iter().enumerate().map(move |(p, &count)| Confusion {
                    truth: t,
                    predicted: p,
                    count,
                })
            })
            .filter(|c| c.truth != c.predicted && c.count > 0)
            .collect();
        cells.sort_by(|a, b| {
            b.count
                .cmp(&a.count)
                .then((a.truth, a.predicted).cmp(&(b.truth, b.predicted)))
        });
        cells.truncate(n);
        cells
    }

    /// Misclassified samples as a percentage.
    pub fn error_pct(&self) -> f64 {
        if self.samples == 0 {
            0.0
        } else {
            100.0 * self.misclassified as f64 / self.samples as f64
        }
    }

    /// Fraction of samples classified correctly.
    pub fn accuracy(&self) -> f64 {
        if self.samples == 0 {
            0.0
        } else {
            1.0 - self.misclassified as f64 / self.samples as f64
        }
    }
}

/// Weights with the lazy decay scales of a run in progress.
pub(crate) struct ScaledWeights<'a> {
    pub net: &'a Network,
    pub s1: f32,
    pub s2: f32,
}

/// Evaluates `net` on every sample of `data`.
pub fn evaluate(net: &Network, case: Case, data: &Dataset) -> Evaluation {
    evaluate_scaled(
        &ScaledWeights {
            net,
            s1: 1.0,
            s2: 1.0,
        },
        case,
        data,
    )
}

pub(crate) fn evaluate_scaled(w: &ScaledWeights<'_>, case: Case, data: &Dataset) -> Evaluation {
    let (d, n, c) = (w.net.inputs(), w.net.hidden(), w.net.outputs());
    let classes = data.classes();
    let (lo, hi) = case.targets();
    let mut x = vec![0.0f32; BLOCK * d];
    let mut z = vec![0.0f32; BLOCK * n];
    let mut h = vec![0.0f32; BLOCK * n];
    let mut o = vec![0.0f32; BLOCK * c];
    let mut tally = Tally::new(classes, data.len());

    for start in (0..data.len()).step_by(BLOCK) {
        let rows = BLOCK.min(data.len() - start);
        for r in 0..rows {
            data.dense_into(start + r, &mut x[r * d..(r + 1) * d]);
        }
        forward_rows(w, case, rows, &x, &mut z, &mut h, &mut o);
        for r in 0..rows {
            let label = data.label(start + r) as usize;
            let out = &o[r * c..(r + 1) * c];
            for (k, &v) in out.iter().enumerate() {
                let target = if k == label { hi } else { lo };
                let e = (target - v) as f64;
                tally.loss += 0.5 * e * e;
            }
            tally.count(out, label);
        }
    }
    tally.finish()
}

/// An evaluation's figures gathered sample by sample.
pub(crate) struct Tally {
    /// Summed per-sample loss (each caller adds in its own order).
    pub loss: f64,
    samples: usize,
    misclassified: usize,
    confusion: Vec<Vec<u64>>,
    predictions: Vec<u8>,
}

impl Tally {
    /// Nothing counted yet, for `classes` classes and about `samples` samples.
    pub(crate) fn new(classes: usize, samples: usize) -> Tally {
        Tally {
            loss: 0.0,
            samples: 0,
            misclassified: 0,
            confusion: vec![vec![0u64; classes]; classes],
            predictions: Vec::with_capacity(samples),
        }
    }

    /// Counts one sample of class `label` with outputs `out`: its prediction
    /// (the first best output on ties), error and confusion cell.
    pub(crate) fn count(&mut self, out: &[f32], label: usize) {
        let best = argmax(out);
        self.misclassified += (best != label) as usize;
        let classes = self.confusion.len();
        if label < classes && best < classes {
            self.confusion[label][best] += 1;
        }
        self.predictions.push(best as u8);
        self.samples += 1;
    }

    /// The evaluation of the samples counted (mean loss over them).
    pub(crate) fn finish(self) -> Evaluation {
        Evaluation {
            samples: self.samples,
            loss: if self.samples == 0 {
                0.0
            } else {
                self.loss / self.samples as f64
            },
            misclassified: self.misclassified,
            confusion: self.confusion,
            predictions: self.predictions,
        }
    }
}

/// The network's outputs for `rows` dense inputs at once: `o = f2(s2 f1(s1 X W1) W2^T)`.
///
/// `x` holds `rows x inputs` values; `z` and `h` are `rows x hidden` scratch,
/// `o` receives `rows x outputs`.
pub(crate) fn forward_rows(
    w: &ScaledWeights<'_>,
    case: Case,
    rows: usize,
    x: &[f32],
    z: &mut [f32],
    h: &mut [f32],
    o: &mut [f32],
) {
    let (d, n, c) = (w.net.inputs(), w.net.hidden(), w.net.outputs());
    let (w1, w2) = (w.net.w1(), w.net.w2());
    // The products below address these lengths through raw strides, so the
    // checks must not wrap: a product that overflows fails them.
    let holds = |len: usize, a: usize, b: usize| a.checked_mul(b).is_some_and(|m| len >= m);
    assert!(
        Some(w1.len()) == d.checked_mul(n) && Some(w2.len()) == c.checked_mul(n),
        "weights do not fit their shape"
    );
    assert!(
        holds(x.len(), rows, d)
            && holds(z.len(), rows, n)
            && holds(h.len(), rows, n)
            && holds(o.len(), rows, c),
        "buffers shorter than {rows} rows"
    );
    // z = s1 * X W1 (W1 stored input-major, d x n).
    // SAFETY: the asserts above give every matrix the rows x cols its strides address.
    unsafe {
        matrixmultiply::sgemm(
            rows,
            d,
            n,
            w.s1,
            x.as_ptr(),
            d as isize,
            1,
            w1.as_ptr(),
            n as isize,
            1,
            0.0,
            z.as_mut_ptr(),
            n as isize,
            1,
        );
    }
    hidden_forward(case, &z[..rows * n], &mut h[..rows * n]);
    // o = s2 * H W2^T (W2 stored output-major, c x n, read transposed).
    // SAFETY: as above; W2^T is addressed with row stride 1, column stride n.
    unsafe {
        matrixmultiply::sgemm(
            rows,
            n,
            c,
            w.s2,
            h.as_ptr(),
            n as isize,
            1,
            w2.as_ptr(),
            1,
            n as isize,
            0.0,
            o.as_mut_ptr(),
            c as isize,
            1,
        );
    }
    output_forward(case, &mut o[..rows * c]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn evaluation(confusion: Vec<Vec<u64>>) -> Evaluation {
        Evaluation {
            samples: confusion.iter().flatten().sum::<u64>() as usize,
            loss: 0.0,
            misclassified: 0,
            confusion,
            predictions: Vec::new(),
        }
    }

    #[test]
    fn figures_and_pairs_from_a_confusion_matrix() {
        let e = evaluation(vec![vec![5, 1, 0], vec![0, 0, 0], vec![3, 1, 9]]);
        let f = e.per_class();
        assert_eq!(f[0].precision, Some(5.0 / 8.0));
        assert_eq!(f[0].recall, Some(5.0 / 6.0));
        assert_eq!(f[1].recall, None);
        assert_eq!(f[1].precision, Some(0.0));
        assert_eq!((f[2].support, f[2].predicted), (13, 9));
        let pairs = |n| {
            e.most_confused(n)
                .iter()
                .map(|c| (c.truth, c.predicted, c.count))
                .collect::<Vec<_>>()
        };
        assert_eq!(pairs(5), vec![(2, 0, 3), (0, 1, 1), (2, 1, 1)]);
        assert_eq!(pairs(1), vec![(2, 0, 3)]);
    }

    #[test]
    fn argmax_takes_the_first_of_equal_scores_and_never_moves_to_or_from_nan() {
        assert_eq!(argmax(&[0.1, 0.7, 0.7, 0.2]), 1);
        assert_eq!(argmax(&[0.3]), 0);
        assert_eq!(argmax(&[0.2, f32::NAN, 0.5]), 2);
        assert_eq!(argmax(&[f32::NAN, 1.0]), 0);
        assert_eq!(argmax(&[]), 0);
    }
}
