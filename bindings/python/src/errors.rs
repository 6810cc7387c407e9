//! Errors of the Rust crates as Python exceptions carrying the same one-line message.

use mlp_engine::EngineError;
use mlp_sweep::SweepError;
use pyo3::exceptions::{
    PyFileNotFoundError, PyKeyboardInterrupt, PyOSError, PyRuntimeError, PyValueError,
};
use pyo3::PyErr;
use std::io::ErrorKind;

/// The keyword of a configuration field where it differs from the field's
/// name, as the CLI's flag does (`--affine-scale` beside `--scale`).
pub fn keyword_of(field: &str) -> &str {
    match field {
        "scale" => "affine_scale",
        other => other,
    }
}

/// An engine error as the exception a Python caller expects.
pub fn engine(e: EngineError) -> PyErr {
    match &e {
        EngineError::Config { field, problem } => {
            PyValueError::new_err(format!("invalid {}: {problem}", keyword_of(field)))
        }
        EngineError::Interrupted => PyKeyboardInterrupt::new_err("interrupted"),
        EngineError::Io { source, .. } if source.kind() == ErrorKind::NotFound => {
            PyFileNotFoundError::new_err(e.to_string())
        }
        EngineError::Io { .. } => PyOSError::new_err(e.to_string()),
        EngineError::Data(mnist_idx::IdxError::Missing { .. }) => {
            PyFileNotFoundError::new_err(e.to_string())
        }
        EngineError::Data(mnist_idx::IdxError::Io { .. }) => PyOSError::new_err(e.to_string()),
        _ => PyValueError::new_err(e.to_string()),
    }
}

/// A sweep error as a Python exception.
pub fn sweep(e: SweepError) -> PyErr {
    match e {
        SweepError::Engine(e) => engine(e),
        SweepError::ResultsExist { path } => PyValueError::new_err(format!(
            "{} already holds results; pass resume=True to continue it or choose another out",
            path.display()
        )),
        SweepError::Io { .. } | SweepError::Locked { .. } => PyOSError::new_err(e.to_string()),
        SweepError::Threads { .. } => PyRuntimeError::new_err(e.to_string()),
        SweepError::Config { field, problem } => {
            PyValueError::new_err(format!("invalid {}: {problem}", keyword_of(field)))
        }
        other => PyValueError::new_err(other.to_string()),
    }
}

/// A `ValueError` of this message.
pub fn value(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}
