//! What an evaluation reports: errors, loss, confusion and per-class figures.
//! The evaluation itself runs in `minibatch/evaluate.rs`, through the one
//! forward pass of every network.

use serde::{Deserialize, Serialize};

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
