//! Strict, zero-copy readers of data files: IDX (MNIST-format) datasets, raw
//! or gzip'd, NumPy's `.npy` arrays and `.npz` archives, and CSV tables.
//!
//! Raw files are memory-mapped and images are borrowed straight from the mapping;
//! `.gz` files are decompressed into memory. Every header and size is validated on
//! open, and problems are reported as an [`IdxError`] naming the file.
//!
//! ```no_run
//! let mnist = mnist_idx::Mnist::open("data/mnist")?;
//! assert_eq!(mnist.train.image(0).len(), mnist.train.pixels());
//! # Ok::<(), mnist_idx::IdxError>(())
//! ```
#![deny(missing_docs)]

mod csv_table;
mod dataset;
mod dtype;
mod error;
mod idx;
mod npy;
mod npz;
mod source;
mod storage;
pub mod write;

pub use csv_table::{Classes, CsvTable, LabelColumn};
pub use dataset::{
    open_split, Mnist, PinnedFile, Split, SplitView, DEFAULT_CLASSES, FILE_NAMES, MNIST_SHA256,
};
pub use dtype::DType;
pub use error::IdxError;
pub use idx::IdxArray;
pub use npy::{NpyArray, NpyType};
pub use npz::{parse_npz, read_npz};
pub use source::{
    detect, held_out_rows, DataOptions, DataSource, Element, Format, HeldOut, Part, ARRAY_NAMES,
    DEFAULT_TEST_FRACTION, MAX_CLASSES,
};
