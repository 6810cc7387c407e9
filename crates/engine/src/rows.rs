//! Samples as the conversion to a [`crate::Dataset`] reads them: a data
//! file's part, or arrays borrowed from a caller (NumPy's, in the Python
//! package), read in place.

use crate::EngineError;
use mnist_idx::{Element, Part};

/// Labelled samples of one shape, each readable as raw values.
pub trait Rows {
    /// Samples.
    fn len(&self) -> usize;
    /// True when there are no samples.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// One sample's shape: `[features]`, or `[rows, cols]` for images.
    fn shape(&self) -> &[usize];
    /// Values per sample.
    fn width(&self) -> usize {
        self.shape().iter().product()
    }
    /// `(rows, cols)` when samples are images.
    fn image(&self) -> Option<(usize, usize)> {
        match self.shape() {
            &[rows, cols] => Some((rows, cols)),
            _ => None,
        }
    }
    /// Each sample's class, from 0.
    fn labels(&self) -> &[u32];
    /// The type of the stored values.
    fn element(&self) -> Element;
    /// Every sample's values back to back when they are bytes.
    fn bytes(&self) -> Option<&[u8]>;
    /// Writes sample `i`'s values into `out` (length [`Rows::width`]), exactly.
    fn row_into(&self, i: usize, out: &mut [f64]);
}

impl Rows for Part {
    fn len(&self) -> usize {
        Part::len(self)
    }
    fn shape(&self) -> &[usize] {
        Part::shape(self)
    }
    fn labels(&self) -> &[u32] {
        Part::labels(self)
    }
    fn element(&self) -> Element {
        Part::element(self)
    }
    fn bytes(&self) -> Option<&[u8]> {
        Part::bytes(self)
    }
    fn row_into(&self, i: usize, out: &mut [f64]) {
        Part::row_into(self, i, out)
    }
}

/// Feature values in memory, in sample order (C order), of one type.
#[derive(Debug, Clone, Copy)]
pub enum Values<'a> {
    /// Bytes (pixels).
    U8(&'a [u8]),
    /// 32-bit floats.
    F32(&'a [f32]),
    /// 64-bit floats.
    F64(&'a [f64]),
}

impl Values<'_> {
    fn len(&self) -> usize {
        match self {
            Values::U8(v) => v.len(),
            Values::F32(v) => v.len(),
            Values::F64(v) => v.len(),
        }
    }
}

/// Samples borrowed from memory: values in C order, one shape, class labels.
#[derive(Debug, Clone)]
pub struct ArrayRows<'a> {
    values: Values<'a>,
    shape: Vec<usize>,
    labels: &'a [u32],
}

impl<'a> ArrayRows<'a> {
    /// Samples of `shape` (`[features]` or `[rows, cols]`) in `values`, one
    /// per label; `what` names the array in errors. Refuses values that do
    /// not make one sample per label, non-finite floats, and labels of
    /// `classes` or above.
    pub fn new(
        what: &str,
        values: Values<'a>,
        shape: &[usize],
        labels: &'a [u32],
        classes: usize,
    ) -> Result<ArrayRows<'a>, EngineError> {
        let bad = |problem: String| EngineError::Dataset(format!("{what}: {problem}"));
        let width: usize = shape.iter().product();
        if shape.is_empty() || shape.len() > 2 || width == 0 {
            return Err(bad(format!(
                "each sample must be a row of features or a 2-D image, not of shape {shape:?}"
            )));
        }
        if width.checked_mul(labels.len()) != Some(values.len()) {
            return Err(bad(format!(
                "{} values do not make {} samples of {width} (one per label)",
                values.len(),
                labels.len()
            )));
        }
        let finite = match values {
            Values::U8(_) => None,
            Values::F32(v) => v.iter().position(|x| !x.is_finite()),
            Values::F64(v) => v.iter().position(|x| !x.is_finite()),
        };
        if let Some(at) = finite {
            return Err(bad(format!(
                "sample {}, feature {} is not a finite number",
                at / width,
                at % width
            )));
        }
        if let Some(i) = labels.iter().position(|&l| l as usize >= classes) {
            return Err(bad(format!(
                "label of sample {i} is class {}, but there are {classes} classes",
                labels[i]
            )));
        }
        Ok(ArrayRows {
            values,
            shape: shape.to_vec(),
            labels,
        })
    }
}

impl Rows for ArrayRows<'_> {
    fn len(&self) -> usize {
        self.labels.len()
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn labels(&self) -> &[u32] {
        self.labels
    }
    fn element(&self) -> Element {
        match self.values {
            Values::U8(_) => Element::U8,
            Values::F32(_) => Element::F32,
            Values::F64(_) => Element::F64,
        }
    }
    fn bytes(&self) -> Option<&[u8]> {
        match self.values {
            Values::U8(v) => Some(v),
            _ => None,
        }
    }
    fn row_into(&self, i: usize, out: &mut [f64]) {
        let w = self.width();
        assert!(
            i < self.len() && out.len() == w,
            "ArrayRows::row_into: bad row or length"
        );
        let at = i * w..(i + 1) * w;
        match self.values {
            Values::U8(v) => out.iter_mut().zip(&v[at]).for_each(|(o, &x)| *o = x.into()),
            Values::F32(v) => out.iter_mut().zip(&v[at]).for_each(|(o, &x)| *o = x.into()),
            Values::F64(v) => out.copy_from_slice(&v[at]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arrays_are_checked_and_read_exactly() {
        let labels = [0u32, 2];
        let v = [1.5f32, -2.0, 3.0, 0.25, 8.0, 9.0];
        let rows = ArrayRows::new("x", Values::F32(&v), &[3], &labels, 3).unwrap();
        let mut out = [0.0; 3];
        rows.row_into(1, &mut out);
        assert_eq!(out, [0.25, 8.0, 9.0]);
        assert_eq!(rows.image(), None);
        let err = |values, shape: &[usize], classes| {
            ArrayRows::new("x", values, shape, &labels, classes)
                .unwrap_err()
                .to_string()
        };
        assert!(err(Values::F32(&v), &[3], 2).contains("class 2, but there are 2 classes"));
        assert!(err(Values::F32(&v[..5]), &[3], 3).contains("5 values do not make 2 samples"));
        let nan = [1.0, 2.0, 3.0, 4.0, f64::NAN, 6.0];
        assert_eq!(
            err(Values::F64(&nan), &[3], 3),
            "x: sample 1, feature 1 is not a finite number"
        );
        let bytes = [0u8; 8];
        let images = ArrayRows::new("x", Values::U8(&bytes), &[2, 2], &labels, 3).unwrap();
        assert_eq!(images.image(), Some((2, 2)));
        assert_eq!(images.bytes().map(<[u8]>::len), Some(8));
    }
}
