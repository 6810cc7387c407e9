//! How raw feature values become a network's inputs: chosen, fitted on the
//! training part, and kept in the model so that every later use applies the same.

use crate::rows::Rows;
use crate::EngineError;
use mnist_idx::Element;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A kind of scaling, as flags and files name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scale {
    /// Divide by 255, as MNIST's pixels are.
    Pixel,
    /// Subtract each feature's training mean and divide by its standard deviation.
    Standardize,
    /// Leave values as they are.
    None,
}

impl Scale {
    /// Every kind, in the order help lists them.
    pub const ALL: [Scale; 3] = [Scale::Pixel, Scale::Standardize, Scale::None];

    /// The kind's name.
    pub fn name(self) -> &'static str {
        match self {
            Scale::Pixel => "pixel",
            Scale::Standardize => "standardize",
            Scale::None => "none",
        }
    }

    /// The default for values stored as `element`: pixels for bytes, standardised floats.
    pub fn default_for(element: Element) -> Scale {
        if element.is_float() {
            Scale::Standardize
        } else {
            Scale::Pixel
        }
    }
}

impl fmt::Display for Scale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Scale {
    type Err = String;
    fn from_str(s: &str) -> Result<Scale, String> {
        Scale::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| format!("'{s}' is not a scaling (known: pixel, standardize, none)"))
    }
}

/// A scaling fitted to a training part: what maps its raw values to inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Scaling {
    /// `x / 255`, in f32.
    Pixel,
    /// `(x - mean) / std` per feature, in f64 (a feature with `std` 0 becomes 0).
    Standardize {
        /// Each feature's mean on the training part.
        mean: Vec<f64>,
        /// Each feature's (population) standard deviation on the training part.
        std: Vec<f64>,
    },
    /// `x`, as f32.
    None,
}

impl Default for Scaling {
    /// What every model before scalings were recorded was trained with.
    fn default() -> Scaling {
        Scaling::Pixel
    }
}

impl Scaling {
    /// Fits `scale` to the training part `train`.
    pub fn fit(scale: Scale, train: &(impl Rows + ?Sized)) -> Scaling {
        match scale {
            Scale::Pixel => Scaling::Pixel,
            Scale::None => Scaling::None,
            Scale::Standardize => {
                let w = train.width();
                let n = train.len() as f64;
                let (mut sum, mut row) = (vec![0.0f64; w], vec![0.0f64; w]);
                let (mut lo, mut hi) = (vec![f64::INFINITY; w], vec![f64::NEG_INFINITY; w]);
                for i in 0..train.len() {
                    train.row_into(i, &mut row);
                    for (j, &v) in row.iter().enumerate() {
                        sum[j] += v;
                        lo[j] = lo[j].min(v);
                        hi[j] = hi[j].max(v);
                    }
                }
                let mean: Vec<f64> = sum.iter().map(|s| s / n).collect();
                // A second pass keeps the variance exact for features far from zero.
                let mut sq = vec![0.0f64; w];
                for i in 0..train.len() {
                    train.row_into(i, &mut row);
                    for ((s, &v), &m) in sq.iter_mut().zip(&row).zip(&mean) {
                        *s += (v - m) * (v - m);
                    }
                }
                // A constant feature's mean may round off its value: its
                // deviation is 0 exactly, so that it becomes 0, not noise.
                let std = (0..w)
                    .map(|j| {
                        if lo[j] == hi[j] {
                            0.0
                        } else {
                            (sq[j] / n).sqrt()
                        }
                    })
                    .collect();
                Scaling::Standardize { mean, std }
            }
        }
    }

    /// The kind of scaling.
    pub fn scale(&self) -> Scale {
        match self {
            Scaling::Pixel => Scale::Pixel,
            Scaling::Standardize { .. } => Scale::Standardize,
            Scaling::None => Scale::None,
        }
    }

    /// Checks that the scaling fits samples of `width` values, with finite
    /// means and finite, non-negative deviations.
    pub fn check_width(&self, width: usize) -> Result<(), EngineError> {
        if let Scaling::Standardize { mean, std } = self {
            if mean.iter().any(|m| !m.is_finite())
                || std.iter().any(|s| !(s.is_finite() && *s >= 0.0))
            {
                return Err(EngineError::Dataset(
                    "the scaling's means must be finite and its deviations finite and not negative"
                        .into(),
                ));
            }
        }
        match self {
            Scaling::Standardize { mean, std } if mean.len() != width || std.len() != width => {
                Err(EngineError::Dataset(format!(
                    "the scaling was fitted to {} features but samples have {width}",
                    mean.len()
                )))
            }
            _ => Ok(()),
        }
    }

    /// Maps one sample's raw values to inputs.
    ///
    /// # Panics
    /// If `raw` and `out` differ in length, or a standardisation was fitted to another width.
    pub fn apply(&self, raw: &[f64], out: &mut [f32]) {
        assert_eq!(raw.len(), out.len(), "Scaling::apply: lengths differ");
        match self {
            Scaling::Pixel => {
                // In f32, as the IDX path has always computed it.
                for (o, &v) in out.iter_mut().zip(raw) {
                    *o = v as f32 / 255.0;
                }
            }
            Scaling::None => {
                for (o, &v) in out.iter_mut().zip(raw) {
                    *o = v as f32;
                }
            }
            Scaling::Standardize { mean, std } => {
                assert_eq!(
                    mean.len(),
                    raw.len(),
                    "Scaling::apply: fitted to another width"
                );
                for (((o, &v), &m), &s) in out.iter_mut().zip(raw).zip(mean).zip(std) {
                    *o = if s > 0.0 { ((v - m) / s) as f32 } else { 0.0 };
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mnist_idx::{DataOptions, DataSource};

    /// A float64 feature of one value (whose mean rounds off it) becomes 0,
    /// and the others are standardised as computed by hand.
    #[test]
    fn a_constant_float64_feature_becomes_zero() {
        let dir = tempfile::tempdir().unwrap();
        let rows = 7;
        let x: Vec<f64> = (0..rows).flat_map(|i| [0.1, i as f64]).collect();
        let y: Vec<u8> = (0..rows).map(|i| (i % 2) as u8).collect();
        let body: Vec<u8> = x.iter().flat_map(|v| v.to_le_bytes()).collect();
        let npy =
            |dims: &[usize], body: &[u8], t| mnist_idx::write::npy(t, false, false, dims, body);
        for split in ["train", "test"] {
            std::fs::write(
                dir.path().join(format!("x_{split}.npy")),
                npy(&[rows, 2], &body, mnist_idx::NpyType::F64),
            )
            .unwrap();
            std::fs::write(
                dir.path().join(format!("y_{split}.npy")),
                npy(&[rows], &y, mnist_idx::NpyType::U8),
            )
            .unwrap();
        }
        let source = DataSource::open(dir.path(), &DataOptions::default()).unwrap();
        let s = Scaling::fit(Scale::Standardize, &source.train);
        let Scaling::Standardize { mean, std } = &s else {
            panic!("{s:?}")
        };
        assert_eq!(std[0], 0.0);
        assert_eq!(mean[1], 3.0);
        assert_eq!(std[1], 2.0);
        let mut out = [1.0f32; 2];
        s.apply(&[0.1, 5.0], &mut out);
        assert_eq!(out, [0.0, 1.0]);
        s.check_width(2).unwrap();
        assert!(s.check_width(3).is_err());
        let bad = Scaling::Standardize {
            mean: vec![f64::NAN, 0.0],
            std: vec![1.0, 1.0],
        };
        assert!(bad.check_width(2).is_err());
    }
}
