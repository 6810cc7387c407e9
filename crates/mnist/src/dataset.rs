//! Image/label splits and the four-file MNIST-style dataset.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::dtype::DType;
use crate::error::IdxError;
use crate::idx::IdxArray;

/// Class count used by [`Mnist::open`].
pub const DEFAULT_CLASSES: usize = 10;

/// Standard base names (hyphenated, dotted) of the four files, in the order
/// train-images, train-labels, test-images, test-labels.
pub const FILE_NAMES: [[&str; 2]; 4] = [
    ["train-images-idx3-ubyte", "train-images.idx3-ubyte"],
    ["train-labels-idx1-ubyte", "train-labels.idx1-ubyte"],
    ["t10k-images-idx3-ubyte", "t10k-images.idx3-ubyte"],
    ["t10k-labels-idx1-ubyte", "t10k-labels.idx1-ubyte"],
];

/// A file of the standard MNIST set with the SHA-256 of its uncompressed bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinnedFile {
    /// Canonical file name, e.g. `train-images-idx3-ubyte`.
    pub name: &'static str,
    /// SHA-256 of the raw (uncompressed) file, lowercase hex.
    pub sha256: &'static str,
}

/// The four standard MNIST files and their SHA-256, in the order of [`FILE_NAMES`]
/// (the values torchvision, TensorFlow and the original site's files all have).
pub const MNIST_SHA256: [PinnedFile; 4] = [
    PinnedFile {
        name: "train-images-idx3-ubyte",
        sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    },
    PinnedFile {
        name: "train-labels-idx1-ubyte",
        sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    },
    PinnedFile {
        name: "t10k-images-idx3-ubyte",
        sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    },
    PinnedFile {
        name: "t10k-labels-idx1-ubyte",
        sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    },
];

/// A train/test pair of splits loaded from one directory.
#[derive(Debug)]
pub struct Mnist {
    /// The training split.
    pub train: Split,
    /// The test split.
    pub test: Split,
}

impl Mnist {
    /// Opens the train and test pairs in `dir` with 10 classes.
    pub fn open(dir: impl AsRef<Path>) -> Result<Mnist, IdxError> {
        Self::open_with_classes(dir, DEFAULT_CLASSES)
    }

    /// Opens the train and test pairs in `dir`; every label must be below `classes`.
    pub fn open_with_classes(dir: impl AsRef<Path>, classes: usize) -> Result<Mnist, IdxError> {
        let dir = dir.as_ref();
        let [tri, trl, tei, tel] = FILE_NAMES;
        // Locate all four before reading any, so a missing file is reported first.
        let (tri, trl, tei, tel) = (
            find(dir, tri)?,
            find(dir, trl)?,
            find(dir, tei)?,
            find(dir, tel)?,
        );
        let train = open_split(&tri, &trl, classes)?;
        let test = open_split(&tei, &tel, classes)?;
        if (train.rows, train.cols) != (test.rows, test.cols) {
            return Err(IdxError::ShapeMismatch {
                train: tri,
                test: tei,
                train_shape: (train.rows, train.cols),
                test_shape: (test.rows, test.cols),
            });
        }
        Ok(Mnist { train, test })
    }

    /// SHA-256 (lowercase hex) of each file's uncompressed bytes as `(file name, digest)`,
    /// in the order train-images, train-labels, test-images, test-labels.
    pub fn sha256(&self) -> Vec<(String, String)> {
        [
            &self.train.images,
            &self.train.labels,
            &self.test.images,
            &self.test.labels,
        ]
        .iter()
        .map(|a| {
            let name = a.path().file_name().map_or_else(
                || a.path().display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            (name, hex(&Sha256::digest(a.bytes())))
        })
        .collect()
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Finds one of the four files by its standard names, raw preferred over `.gz`.
pub(crate) fn find(dir: &Path, names: [&str; 2]) -> Result<PathBuf, IdxError> {
    let candidates = [
        names[0].to_string(),
        names[1].to_string(),
        format!("{}.gz", names[0]),
        format!("{}.gz", names[1]),
    ];
    for c in &candidates {
        let p = dir.join(c);
        if p.is_file() {
            return Ok(p);
        }
    }
    Err(IdxError::Missing {
        path: dir.join(names[0]),
        looked_for: candidates.to_vec(),
    })
}

/// Opens an image file and a label file as one validated split.
pub fn open_split(images: &Path, labels: &Path, classes: usize) -> Result<Split, IdxError> {
    let images = IdxArray::open(images)?.expect(DType::U8, 3)?;
    let labels = IdxArray::open(labels)?.expect(DType::U8, 1)?;
    let (len, rows, cols) = (images.dims()[0], images.dims()[1], images.dims()[2]);
    if labels.dims()[0] != len {
        return Err(IdxError::CountMismatch {
            images: images.path().to_path_buf(),
            labels: labels.path().to_path_buf(),
            images_count: len,
            labels_count: labels.dims()[0],
        });
    }
    if let Some(index) = labels
        .body()
        .iter()
        .position(|&l| usize::from(l) >= classes)
    {
        return Err(IdxError::LabelOutOfRange {
            path: labels.path().to_path_buf(),
            index,
            value: labels.body()[index],
            classes,
        });
    }
    Ok(Split {
        images,
        labels,
        len,
        rows,
        cols,
        classes,
    })
}

/// A validated set of u8 images with one u8 label each.
#[derive(Debug)]
pub struct Split {
    images: IdxArray,
    labels: IdxArray,
    len: usize,
    rows: usize,
    cols: usize,
    classes: usize,
}

impl Split {
    /// The whole split as a borrowed view.
    pub fn view(&self) -> SplitView<'_> {
        SplitView {
            images: self.images.body(),
            labels: self.labels.body(),
            rows: self.rows,
            cols: self.cols,
            classes: self.classes,
        }
    }

    /// A view of the first `k` samples; errors if the split has fewer than `k`.
    pub fn first(&self, k: usize) -> Result<SplitView<'_>, IdxError> {
        if k > self.len {
            return Err(IdxError::TooFewSamples {
                path: self.images.path().to_path_buf(),
                requested: k,
                available: self.len,
            });
        }
        let v = self.view();
        Ok(SplitView {
            images: &v.images[..k * self.pixels()],
            labels: &v.labels[..k],
            ..v
        })
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the split has no samples.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Image height in pixels.
    pub fn rows(&self) -> usize {
        self.view().rows()
    }

    /// Image width in pixels.
    pub fn cols(&self) -> usize {
        self.view().cols()
    }

    /// Pixels per image (`rows * cols`).
    pub fn pixels(&self) -> usize {
        self.view().pixels()
    }

    /// Number of classes labels are checked against.
    pub fn classes(&self) -> usize {
        self.view().classes()
    }

    /// Image `i` as `rows * cols` row-major bytes, borrowed from the file.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn image(&self, i: usize) -> &[u8] {
        self.view().image(i)
    }

    /// Label of sample `i`.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn label(&self, i: usize) -> u8 {
        self.view().label(i)
    }

    /// All images back to back (`len * pixels` bytes).
    pub fn image_bytes(&self) -> &[u8] {
        self.images.body()
    }

    /// All labels, one byte per sample.
    pub fn labels(&self) -> &[u8] {
        self.labels.body()
    }

    /// Path of the image file.
    pub fn images_path(&self) -> &Path {
        self.images.path()
    }

    /// Path of the label file.
    pub fn labels_path(&self) -> &Path {
        self.labels.path()
    }

    /// The image array, taken out of the split.
    pub fn into_images(self) -> IdxArray {
        self.images
    }

    /// The underlying image array.
    pub fn images_array(&self) -> &IdxArray {
        &self.images
    }

    /// The underlying label array.
    pub fn labels_array(&self) -> &IdxArray {
        &self.labels
    }
}

/// A borrowed prefix (or all) of a [`Split`].
#[derive(Clone, Copy, Debug)]
pub struct SplitView<'a> {
    images: &'a [u8],
    labels: &'a [u8],
    rows: usize,
    cols: usize,
    classes: usize,
}

impl<'a> SplitView<'a> {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// Whether the view has no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Image height in pixels.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Image width in pixels.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Pixels per image (`rows * cols`).
    pub fn pixels(&self) -> usize {
        self.rows * self.cols
    }

    /// Number of classes labels are checked against.
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// Image `i` as `rows * cols` row-major bytes, borrowed from the file.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn image(&self, i: usize) -> &'a [u8] {
        let len = self.len();
        assert!(
            i < len,
            "image index {i} out of range: view has {len} samples"
        );
        let p = self.pixels();
        &self.images[i * p..(i + 1) * p]
    }

    /// Label of sample `i`.
    ///
    /// # Panics
    /// If `i >= self.len()`.
    pub fn label(&self, i: usize) -> u8 {
        let len = self.len();
        assert!(
            i < len,
            "label index {i} out of range: view has {len} samples"
        );
        self.labels[i]
    }

    /// All images back to back (`len * pixels` bytes).
    pub fn image_bytes(&self) -> &'a [u8] {
        self.images
    }

    /// All labels, one byte per sample.
    pub fn labels(&self) -> &'a [u8] {
        self.labels
    }
}
