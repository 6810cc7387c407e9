//! Errors the engine reports.
//!
//! They name what the engine knows (a configuration field, a file, a shape);
//! a front end maps those to its own words, such as command-line flags.

use std::path::PathBuf;

/// Something that stops a configuration from being trained or evaluated.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The data could not be opened or is malformed.
    #[error(transparent)]
    Data(#[from] mnist_idx::IdxError),
    /// In-memory data that does not make a dataset, or two that do not fit together.
    #[error("{0}")]
    Dataset(String),
    /// A configuration value is out of range.
    #[error("invalid {field}: {problem}")]
    Config {
        /// The offending field, named as in [`crate::TrainConfig`] or the options it belongs to.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// Weights given to start a run from have another shape than the run.
    #[error("the weights are {weights}, the run needs {needed}")]
    InitShape {
        /// The weights' shape, e.g. `784-300-10`.
        weights: String,
        /// The shape the run needs.
        needed: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file's contents could not be understood.
    #[error("{}: {problem}", path.display())]
    Format {
        /// The file involved.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// Models that cannot vote together in a committee.
    #[error("{0}")]
    Committee(String),
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

/// A value written as text (a case, widths, an initialisation, a preset)
/// that does not name one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);
