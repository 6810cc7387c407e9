//! `load_data`: a data set's parts as NumPy arrays, as Keras' `load_data` gives them.

use crate::errors::engine;
use mnist_idx::{DataSource, Element, Part};
use numpy::{PyArray1, PyArrayDyn, PyArrayMethods};
use pyo3::prelude::*;

/// One part's features (uint8 for bytes, else float32 or float64, each
/// sample of its stored shape) and class numbers.
fn arrays<'py>(py: Python<'py>, part: &Part) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    let mut shape = vec![part.len()];
    shape.extend_from_slice(part.shape());
    let x = match (part.bytes(), part.element()) {
        (Some(bytes), _) => PyArray1::from_slice(py, bytes).reshape(shape)?.into_any(),
        (None, element) => {
            let w = part.width();
            let mut all = vec![0.0f64; part.len() * w];
            for (i, row) in all.chunks_exact_mut(w.max(1)).enumerate() {
                part.row_into(i, row);
            }
            match element {
                Element::F64 => PyArray1::from_vec(py, all).reshape(shape)?.into_any(),
                Element::F32 => {
                    let v: Vec<f32> = all.iter().map(|&x| x as f32).collect();
                    PyArray1::from_vec(py, v).reshape(shape)?.into_any()
                }
                // Integers wider than bytes, kept exactly.
                Element::U8 => {
                    let a: Bound<'py, PyArrayDyn<f64>> =
                        PyArray1::from_vec(py, all).reshape(shape)?;
                    a.into_any()
                }
            }
        }
    };
    let y = PyArray1::from_slice(py, part.labels()).into_any();
    Ok((x, y))
}

/// The training and test parts of the data set `spec` (JSON of a `[data]`
/// table: a path `mlp --data` takes, or a name such as `mnist`, fetched into
/// the per-user cache and verified on first use), with the class names.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn load_data<'py>(
    py: Python<'py>,
    spec: &str,
) -> PyResult<(
    (Bound<'py, PyAny>, Bound<'py, PyAny>),
    (Bound<'py, PyAny>, Bound<'py, PyAny>),
    Vec<String>,
)> {
    let spec = crate::train::resolve(spec)?;
    let source = DataSource::open(spec.path(), &spec.options()).map_err(|e| engine(e.into()))?;
    let train = arrays(py, &source.train)?;
    let test = arrays(py, &source.test)?;
    Ok((train, test, source.classes.names.clone()))
}
