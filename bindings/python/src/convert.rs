//! JSON values (records, metrics, configurations) as Python objects.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use pyo3::IntoPyObjectExt;
use serde_json::Value;

/// `value` as the Python object `json.loads` would make of it (floats keep every bit).
pub fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    Ok(match value {
        Value::Null => py.None().into_bound(py),
        Value::Bool(b) => b.into_bound_py_any(py)?,
        Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
            (Some(u), _, _) => u.into_bound_py_any(py)?,
            (_, Some(i), _) => i.into_bound_py_any(py)?,
            (_, _, Some(f)) => f.into_bound_py_any(py)?,
            _ => py.None().into_bound(py),
        },
        Value::String(s) => s.into_bound_py_any(py)?,
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            list.into_any()
        }
        Value::Object(map) => {
            let dict = PyDict::new(py);
            for (k, v) in map {
                dict.set_item(k, to_py(py, v)?)?;
            }
            dict.into_any()
        }
    })
}

/// Every configuration field of `config` by name, as a dict.
pub fn fields_to_py<'py>(
    py: Python<'py>,
    config: &mlp_engine::TrainConfig,
) -> PyResult<Bound<'py, PyDict>> {
    let fields = PyDict::new(py);
    for (name, v) in config.fields().named_values() {
        fields.set_item(name, to_py(py, &v)?)?;
    }
    Ok(fields)
}

/// A serialisable value as a Python object (a non-finite float becomes `None`, as in JSON).
pub fn serde_to_py<'py>(
    py: Python<'py>,
    value: &impl serde::Serialize,
) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_value(value)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    to_py(py, &json)
}
