//! NumPy arrays read in place as samples, and arrays made for Python.

use crate::errors::value;
use mlp_engine::{ArrayRows, Values};
use numpy::{
    PyArrayDyn, PyArrayMethods, PyReadonlyArray1, PyReadonlyArrayDyn, PyUntypedArrayMethods,
};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

/// A C-contiguous NumPy array of uint8, float32 or float64, borrowed read-only.
pub enum Features<'py> {
    /// Bytes.
    U8(PyReadonlyArrayDyn<'py, u8>),
    /// 32-bit floats.
    F32(PyReadonlyArrayDyn<'py, f32>),
    /// 64-bit floats.
    F64(PyReadonlyArrayDyn<'py, f64>),
}

impl<'py> Features<'py> {
    /// Borrows `array` (named `what` in errors) without copying it.
    pub fn borrow(array: &Bound<'py, PyAny>, what: &str) -> PyResult<Features<'py>> {
        if let Ok(a) = array.cast::<PyArrayDyn<u8>>() {
            return Ok(Features::U8(
                a.try_readonly()
                    .map_err(|e| value(format!("{what}: {e}")))?,
            ));
        }
        if let Ok(a) = array.cast::<PyArrayDyn<f32>>() {
            return Ok(Features::F32(
                a.try_readonly()
                    .map_err(|e| value(format!("{what}: {e}")))?,
            ));
        }
        if let Ok(a) = array.cast::<PyArrayDyn<f64>>() {
            return Ok(Features::F64(
                a.try_readonly()
                    .map_err(|e| value(format!("{what}: {e}")))?,
            ));
        }
        Err(PyTypeError::new_err(format!(
            "{what} must be a NumPy array of uint8, float32 or float64"
        )))
    }

    /// Each sample's shape (the array's shape past its first axis).
    pub fn sample_shape(&self) -> &[usize] {
        let shape = match self {
            Features::U8(a) => a.shape(),
            Features::F32(a) => a.shape(),
            Features::F64(a) => a.shape(),
        };
        shape.get(1..).unwrap_or(&[])
    }

    /// Samples (the array's first axis).
    pub fn samples(&self) -> usize {
        match self {
            Features::U8(a) => a.shape(),
            Features::F32(a) => a.shape(),
            Features::F64(a) => a.shape(),
        }
        .first()
        .copied()
        .unwrap_or(0)
    }

    /// The values in C order, in place.
    fn values(&self, what: &str) -> PyResult<Values<'_>> {
        let contiguous = |e: numpy::AsSliceError| value(format!("{what}: {e}"));
        Ok(match self {
            Features::U8(a) => Values::U8(a.as_slice().map_err(contiguous)?),
            Features::F32(a) => Values::F32(a.as_slice().map_err(contiguous)?),
            Features::F64(a) => Values::F64(a.as_slice().map_err(contiguous)?),
        })
    }

    /// The samples with `labels` (class numbers below `classes`), read in place.
    pub fn rows<'a>(
        &'a self,
        what: &str,
        labels: &'a [u32],
        classes: usize,
    ) -> PyResult<ArrayRows<'a>> {
        if labels.len() != self.samples() {
            return Err(value(format!(
                "{what} holds {} samples but its labels are {}",
                self.samples(),
                labels.len()
            )));
        }
        ArrayRows::new(
            what,
            self.values(what)?,
            self.sample_shape(),
            labels,
            classes,
        )
        .map_err(crate::errors::engine)
    }
}

/// Class numbers from a uint32 array, borrowed.
pub fn labels<'py>(array: &'py PyReadonlyArray1<'py, u32>, what: &str) -> PyResult<&'py [u32]> {
    array.as_slice().map_err(|e| value(format!("{what}: {e}")))
}
