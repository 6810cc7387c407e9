//! `download` through its public entry, from local folders only (no network).
//!
//! The four MNIST hashes are pinned, so without the real files only the ways
//! it refuses can be checked here; the chain itself is tested on synthetic
//! files inside the crate (`src/fetch.rs`). `real_gz_files_as_a_source`
//! needs the real gzip'd files (`cargo xtask test` provides them).

use std::fs;
use std::path::{Path, PathBuf};

use mlp_download::{download, DownloadError};

/// The four canonical names, as the pinned table has them.
const NAMES: [&str; 4] = [
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
];

fn entries(dir: &Path) -> usize {
    fs::read_dir(dir).unwrap().count()
}

#[test]
fn a_folder_without_the_files_is_named_and_dest_is_made() {
    let src = tempfile::tempdir().unwrap();
    let dest = tempfile::tempdir().unwrap();
    let nested = dest.path().join("a").join("b");
    let err = download(&nested, Some(src.path().to_str().unwrap()), false).unwrap_err();
    let msg = err.to_string();
    assert!(matches!(err, DownloadError::FromSource { .. }), "{msg}");
    assert!(
        msg.starts_with(&format!("folder {}: ", src.path().display())),
        "{msg}"
    );
    assert!(msg.contains("not found"), "{msg}");
    assert!(!msg.contains('\n'), "{msg}");
    assert!(nested.is_dir());
    assert_eq!(entries(&nested), 0);
}

#[test]
fn a_missing_folder_is_named() {
    let dest = tempfile::tempdir().unwrap();
    let err = download(dest.path(), Some("/nonexistent/mlp-download"), false).unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("/nonexistent/mlp-download is not a folder"),
        "{msg}"
    );
    assert_eq!(entries(dest.path()), 0);
}

#[test]
fn files_that_are_not_mnist_are_refused_and_not_stored() {
    let src = tempfile::tempdir().unwrap();
    for name in NAMES {
        fs::write(src.path().join(name), b"not mnist").unwrap();
    }
    let dest = tempfile::tempdir().unwrap();
    let err = download(dest.path(), Some(src.path().to_str().unwrap()), false).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(&err, DownloadError::Mismatch { file, .. } if file == NAMES[0]),
        "{msg}"
    );
    assert!(msg.contains("checksum mismatch"), "{msg}");
    assert!(msg.contains(&src.path().display().to_string()), "{msg}");
    assert!(!msg.contains('\n'), "{msg}");
    assert_eq!(entries(dest.path()), 0, "nothing stored, no temp file left");
}

#[test]
fn a_file_in_place_of_the_folder_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    fs::write(&file, b"x").unwrap();
    let err = download(&file, Some("/nonexistent/mlp-download"), false).unwrap_err();
    assert!(matches!(err, DownloadError::Dest { .. }), "{err}");
    assert!(
        err.to_string().contains(&file.display().to_string()),
        "{err}"
    );
}

/// The real gzip'd files of `MNIST_GZ_DIR` (as the mirrors serve them)
/// taken as the one source: all four decompress to their pinned hashes,
/// and a second call keeps them without asking any source.
#[test]
#[ignore = "needs MNIST_GZ_DIR (the four gzip'd MNIST files)"]
fn real_gz_files_as_a_source() {
    let dir = std::env::var_os("MNIST_GZ_DIR").map(PathBuf::from).unwrap_or_else(|| {
        panic!("MNIST_GZ_DIR is not set: point it at a folder with the four .gz files, or run `cargo xtask test`")
    });
    let dest = tempfile::tempdir().unwrap();
    let from = dir.to_str().unwrap();
    let stored = download(dest.path(), Some(from), false).unwrap();
    assert_eq!(stored, dest.path().canonicalize().unwrap());
    assert_eq!(entries(dest.path()), 4);
    for name in NAMES {
        assert!(dest.path().join(name).is_file(), "{name}");
    }
    // Present and verified: the (missing) source is never consulted.
    download(dest.path(), Some("/nonexistent/mlp-download"), false).unwrap();
    assert_eq!(entries(dest.path()), 4);
}
