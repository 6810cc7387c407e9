//! Errors the engine reports.

use std::path::PathBuf;

/// Something that stops a configuration from being trained or evaluated.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The data could not be opened or is malformed.
    #[error(transparent)]
    Data(#[from] mnist_idx::IdxError),
    /// A configuration value is out of range.
    #[error("invalid {field}: {problem}")]
    Config {
        /// The offending field, named as its command-line flag.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file's contents could not be understood.
    #[error("{path}: {problem}")]
    Format {
        /// The file involved.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// The run was interrupted before it finished.
    #[error("interrupted")]
    Interrupted,
}

impl EngineError {
    /// A configuration error for `field`.
    pub fn config(field: &'static str, problem: impl Into<String>) -> Self {
        EngineError::Config {
            field,
            problem: problem.into(),
        }
    }
}
