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
    /// Mean per-sample loss `0.5 * sum(e^2)`.
    pub mse: f64,
    /// Samples whose argmax output is not the label.
    pub misclassified: usize,
    /// Counts indexed `[true label][predicted]`, `classes x classes`.
    pub confusion: Vec<Vec<u64>>,
    /// The predicted class of every sample.
    #[serde(skip)]
    pub predictions: Vec<u8>,
}

impl Evaluation {
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
    let mut confusion = vec![vec![0u64; classes]; classes];
    let mut predictions = Vec::with_capacity(data.len());
    let mut loss = 0.0f64;
    let mut misclassified = 0;

    for start in (0..data.len()).step_by(BLOCK) {
        let rows = BLOCK.min(data.len() - start);
        for r in 0..rows {
            data.dense_into(start + r, &mut x[r * d..(r + 1) * d]);
        }
        forward_rows(w, case, rows, &x, &mut z, &mut h, &mut o);
        for r in 0..rows {
            let label = data.label(start + r) as usize;
            let out = &o[r * c..(r + 1) * c];
            let mut best = 0;
            for (k, &v) in out.iter().enumerate() {
                let target = if k == label { hi } else { lo };
                let e = (target - v) as f64;
                loss += 0.5 * e * e;
                if v > out[best] {
                    best = k;
                }
            }
            if best != label {
                misclassified += 1;
            }
            if label < classes && best < classes {
                confusion[label][best] += 1;
            }
            predictions.push(best as u8);
        }
    }
    Evaluation {
        samples: data.len(),
        mse: if data.is_empty() {
            0.0
        } else {
            loss / data.len() as f64
        },
        misclassified,
        confusion,
        predictions,
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
    assert!(
        x.len() >= rows * d && z.len() >= rows * n && h.len() >= rows * n && o.len() >= rows * c
    );
    // z = s1 * X W1 (W1 stored input-major, d x n).
    // SAFETY: the asserts above give every slice the rows x cols its strides address.
    unsafe {
        matrixmultiply::sgemm(
            rows,
            d,
            n,
            w.s1,
            x.as_ptr(),
            d as isize,
            1,
            w.net.w1.as_ptr(),
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
            w.net.w2.as_ptr(),
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
