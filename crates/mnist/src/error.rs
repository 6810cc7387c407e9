//! The crate's error type.

use std::path::{Path, PathBuf};

use crate::dtype::DType;

/// Everything that can go wrong while reading a data file (IDX, `.npy`) or an MNIST-style dataset.
///
/// Each variant names the offending file (full path) and renders as a single line.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdxError {
    /// A required file does not exist.
    #[error("{}: file not found (looked for: {}); run `cargo xtask download`", path.display(), looked_for.join(", "))]
    Missing {
        /// The file (or the primary candidate name) that was expected.
        path: PathBuf,
        /// Every file name that was tried, in order of preference.
        looked_for: Vec<String>,
    },

    /// The file exists but could not be opened, mapped or read.
    #[error("{}: I/O error: {source}", path.display())]
    Io {
        /// The file being read.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },

    /// A `.gz` file is not a valid gzip stream.
    #[error("{}: corrupt gzip stream: {source}; re-download the file or delete it and run `cargo xtask download`", path.display())]
    Gzip {
        /// The compressed file.
        path: PathBuf,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },

    /// The file is shorter than its IDX header.
    #[error("{}: IDX header truncated: need {needed} bytes, file has {found}", path.display())]
    TruncatedHeader {
        /// The file.
        path: PathBuf,
        /// Header length implied by what could be read.
        needed: usize,
        /// Bytes actually present.
        found: usize,
    },

    /// The first two bytes are not zero, so this is not an IDX file.
    #[error("{}: not an IDX file: magic bytes are {:#04x} {:#04x}, expected 0x00 0x00 (is it still gzip-compressed without a .gz name?)", path.display(), found[0], found[1])]
    BadMagic {
        /// The file.
        path: PathBuf,
        /// The first two bytes found.
        found: [u8; 2],
    },

    /// The type byte is not one the IDX format defines.
    #[error("{}: unknown IDX element type byte {byte:#04x} (known: 0x08 u8, 0x09 i8, 0x0b i16, 0x0c i32, 0x0d f32, 0x0e f64)", path.display())]
    UnknownType {
        /// The file.
        path: PathBuf,
        /// The type byte found.
        byte: u8,
    },

    /// The element type is valid IDX but not what this file must hold.
    #[error("{}: wrong element type: expected {expected}, found {found}", path.display())]
    WrongType {
        /// The file.
        path: PathBuf,
        /// The required element type.
        expected: DType,
        /// The element type in the header.
        found: DType,
    },

    /// The file does not start with the `.npy` magic string.
    #[error("{}: not a .npy file: it does not start with \\x93NUMPY (is it a .npz archive, or still compressed?)", path.display())]
    NotNpy {
        /// The file.
        path: PathBuf,
    },

    /// The `.npy` header is cut short, of an unknown version, or not the dictionary NumPy writes.
    #[error("{}: malformed .npy header: {problem}", path.display())]
    NpyHeader {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },

    /// The `.npy` element type is not one this reader takes.
    #[error("{}: unsupported .npy dtype '{descr}' (supported: signed and unsigned integers of 1, 2, 4 and 8 bytes, float32, float64)", path.display())]
    NpyDtype {
        /// The file.
        path: PathBuf,
        /// The header's `descr` as written.
        descr: String,
    },

    /// A `.npz` file is not a zip archive, or one of its entries cannot be read.
    #[error("{}: cannot read the .npz archive: {problem}", path.display())]
    Npz {
        /// The archive.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },

    /// A `.npz` archive lacks an array it must hold.
    #[error("{}: no array '{name}' in the archive (it holds: {})", path.display(), if holds.is_empty() { "nothing".to_string() } else { holds.join(", ") })]
    NpzMissing {
        /// The archive.
        path: PathBuf,
        /// The array looked for.
        name: String,
        /// The arrays it holds.
        holds: Vec<String>,
    },

    /// A row or cell of a CSV file is not what a table of numbers holds.
    #[error("{}: row {row}{}: {problem}", path.display(), column.as_ref().map_or(String::new(), |c| format!(", column {c}")))]
    Csv {
        /// The file.
        path: PathBuf,
        /// The row, from 1 (the header, when there is one, is row 1).
        row: usize,
        /// The column, by header name and number from 1, when one cell is at fault.
        column: Option<String>,
        /// What is wrong.
        problem: String,
    },

    /// A data set's arrays or tables do not fit together, or hold values a data set cannot.
    #[error("{}: {problem}", path.display())]
    Data {
        /// The file (or array) at fault.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },

    /// The number of dimensions is not what this file must have.
    #[error("{}: wrong number of dimensions: expected {expected}, found {found}", path.display())]
    WrongRank {
        /// The file.
        path: PathBuf,
        /// Required rank.
        expected: usize,
        /// Rank in the header.
        found: usize,
    },

    /// A dimension in the header is zero.
    #[error("{}: dimension {axis} is zero (dims {dims:?}); empty arrays are rejected", path.display())]
    ZeroDim {
        /// The file.
        path: PathBuf,
        /// Index of the zero dimension.
        axis: usize,
        /// All dimensions from the header.
        dims: Vec<usize>,
    },

    /// The product of the dimensions does not fit in memory-addressable size.
    #[error("{}: dimensions {dims:?} overflow the addressable size", path.display())]
    SizeOverflow {
        /// The file.
        path: PathBuf,
        /// All dimensions from the header.
        dims: Vec<usize>,
    },

    /// The body length differs from what the header's dimensions imply.
    #[error("{}: body is {found} bytes but dims {dims:?} imply {expected} bytes (truncated or trailing data)", path.display())]
    BodySize {
        /// The file.
        path: PathBuf,
        /// All dimensions from the header.
        dims: Vec<usize>,
        /// Bytes implied by the header.
        expected: usize,
        /// Bytes present after the header.
        found: usize,
    },

    /// The image file and the label file hold different numbers of samples.
    #[error("{}: {labels_count} labels but {} holds {images_count} images", labels.display(), images.display())]
    CountMismatch {
        /// The image file.
        images: PathBuf,
        /// The label file.
        labels: PathBuf,
        /// Number of images.
        images_count: usize,
        /// Number of labels.
        labels_count: usize,
    },

    /// Train and test images have different sizes.
    #[error("{}: images are {}x{} but train images {} are {}x{}", test.display(), test_shape.0, test_shape.1, train.display(), train_shape.0, train_shape.1)]
    ShapeMismatch {
        /// The train image file.
        train: PathBuf,
        /// The test image file.
        test: PathBuf,
        /// Train (rows, cols).
        train_shape: (usize, usize),
        /// Test (rows, cols).
        test_shape: (usize, usize),
    },

    /// A label is not below the class count.
    #[error("{}: label at index {index} is {value}, not below the class count {classes}", path.display())]
    LabelOutOfRange {
        /// The label file.
        path: PathBuf,
        /// Sample index of the first bad label.
        index: usize,
        /// The bad label.
        value: u8,
        /// The class count labels must be below.
        classes: usize,
    },

    /// More samples were requested than the split holds.
    #[error("{}: requested the first {requested} samples but only {available} exist", path.display())]
    TooFewSamples {
        /// The split's image file.
        path: PathBuf,
        /// Samples requested.
        requested: usize,
        /// Samples available.
        available: usize,
    },
}

impl IdxError {
    /// The file this error is about (for pair errors: the label file, or the test image file).
    pub fn path(&self) -> Option<&Path> {
        use IdxError::*;
        let p = match self {
            Missing { path, .. }
            | Io { path, .. }
            | Gzip { path, .. }
            | TruncatedHeader { path, .. }
            | BadMagic { path, .. }
            | UnknownType { path, .. }
            | WrongType { path, .. }
            | WrongRank { path, .. }
            | ZeroDim { path, .. }
            | SizeOverflow { path, .. }
            | BodySize { path, .. }
            | LabelOutOfRange { path, .. }
            | TooFewSamples { path, .. }
            | NotNpy { path }
            | NpyHeader { path, .. }
            | NpyDtype { path, .. }
            | Npz { path, .. }
            | NpzMissing { path, .. }
            | Csv { path, .. }
            | Data { path, .. } => path,
            CountMismatch { labels, .. } => labels,
            ShapeMismatch { test, .. } => test,
        };
        Some(p)
    }
}
