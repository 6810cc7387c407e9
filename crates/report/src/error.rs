//! Errors a report reports: a file that could not be written or drawn.

use std::path::PathBuf;

/// Something that stops a report, plot or picture from being written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A file could not be written (or a folder made).
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A plot or picture could not be drawn or encoded.
    #[error("{}: {problem}", path.display())]
    Format {
        /// The file involved.
        path: PathBuf,
        /// What went wrong.
        problem: String,
    },
    /// Writing a file through the engine's atomic writer failed.
    #[error(transparent)]
    Engine(#[from] mlp_engine::EngineError),
}
