//! One data set behind one path, whatever its format: a training and a test
//! part of features with class labels, opened and checked together.
//!
//! A path is a folder of IDX files, a folder of `x_train.npy`, `y_train.npy`,
//! `x_test.npy` and `y_test.npy`, a `.npz` archive holding those four arrays
//! (Keras' layout), or a `.csv` table (with a test table of its own, or a
//! seeded fraction of its rows held out as the test part).

use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::csv_table::{Classes, CsvTable, LabelColumn};
use crate::dataset::{hex, open_split, FILE_NAMES};
use crate::error::IdxError;
use crate::idx::IdxArray;
use crate::npy::{NpyArray, NpyType};
use crate::npz::read_npz;
use crate::storage::load;

/// The most classes a data set may have (labels are stored in a byte).
pub const MAX_CLASSES: usize = 256;

/// The share of a CSV table's rows held out as the test part when no test table is given.
pub const DEFAULT_TEST_FRACTION: f64 = 0.2;

/// The names of the four arrays of a `.npz` archive or `.npy` folder.
pub const ARRAY_NAMES: [&str; 4] = ["x_train", "y_train", "x_test", "y_test"];

/// How a data set is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// A folder of the four IDX files.
    Idx,
    /// A `.npz` archive of the four arrays.
    Npz,
    /// A folder of the four arrays as `.npy` files.
    Npy,
    /// A `.csv` table.
    Csv,
}

impl Format {
    /// The format's short name.
    pub fn name(self) -> &'static str {
        match self {
            Format::Idx => "idx",
            Format::Npz => "npz",
            Format::Npy => "npy",
            Format::Csv => "csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The type of a data set's feature values as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element {
    /// Bytes (IDX images, `uint8` arrays).
    U8,
    /// 32-bit floats (`float32` arrays, CSV tables).
    F32,
    /// 64-bit floats.
    F64,
}

impl Element {
    /// True for the floating-point types.
    pub fn is_float(self) -> bool {
        self != Element::U8
    }
}

/// How to open a data set beyond its path.
#[derive(Debug, Clone, Default)]
pub struct DataOptions {
    /// A CSV table of test rows (for a `.csv` data set only).
    pub test_data: Option<PathBuf>,
    /// The CSV label column (default: `label`, else the first).
    pub label_column: Option<LabelColumn>,
    /// The share of a CSV table's rows held out as the test part when there
    /// is no test table (default [`DEFAULT_TEST_FRACTION`]).
    pub test_fraction: Option<f64>,
    /// The seed choosing the held-out rows.
    pub split_seed: u64,
    /// The classes labels must map to (a trained model's); by default the
    /// training part's labels make them.
    pub classes: Option<Classes>,
}

/// The values of a part's features, as the file holds them.
#[derive(Debug)]
enum Values {
    Idx(IdxArray),
    Npy(NpyArray),
    Table(Vec<f32>),
}

/// One part (training or test) of a data set: features and class indices.
#[derive(Debug)]
pub struct Part {
    values: Values,
    shape: Vec<usize>,
    labels: Vec<u32>,
    path: PathBuf,
}

impl Part {
    /// Samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// One sample's shape: `[features]`, or `[rows, cols]` for images.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// Values per sample.
    pub fn width(&self) -> usize {
        self.shape.iter().product()
    }

    /// `(rows, cols)` when samples are images.
    pub fn image(&self) -> Option<(usize, usize)> {
        match self.shape[..] {
            [rows, cols] => Some((rows, cols)),
            _ => None,
        }
    }

    /// Each sample's class, from 0.
    pub fn labels(&self) -> &[u32] {
        &self.labels
    }

    /// The file holding the features (`ARCHIVE/x_train.npy` inside an archive).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The type of the stored values.
    pub fn element(&self) -> Element {
        match &self.values {
            Values::Idx(_) => Element::U8,
            Values::Npy(a) => match a.dtype() {
                NpyType::F32 => Element::F32,
                NpyType::F64 => Element::F64,
                _ => Element::U8,
            },
            Values::Table(_) => Element::F32,
        }
    }

    /// Every sample's values back to back when they are bytes, borrowed from the file.
    pub fn bytes(&self) -> Option<&[u8]> {
        match &self.values {
            Values::Idx(a) => Some(a.body()),
            Values::Npy(a) if a.dtype() == NpyType::U8 => Some(a.body()),
            _ => None,
        }
    }

    /// Writes sample `i`'s values into `out` (length [`Part::width`]), exactly.
    ///
    /// # Panics
    /// If `i >= len()` or `out` is not one sample long.
    pub fn row_into(&self, i: usize, out: &mut [f64]) {
        let w = self.width();
        assert!(
            i < self.len() && out.len() == w,
            "Part::row_into: bad row or length"
        );
        if let Some(bytes) = self.bytes() {
            for (o, &b) in out.iter_mut().zip(&bytes[i * w..(i + 1) * w]) {
                *o = f64::from(b);
            }
            return;
        }
        match &self.values {
            Values::Npy(a) => {
                for (j, o) in out.iter_mut().enumerate() {
                    *o = a.get_f64(i * w + j);
                }
            }
            Values::Table(v) => {
                for (o, &x) in out.iter_mut().zip(&v[i * w..(i + 1) * w]) {
                    *o = f64::from(x);
                }
            }
            Values::Idx(_) => unreachable!("IDX images are bytes"),
        }
    }

    /// Sample `i` as a grayscale picture: its bytes, or float values spread
    /// from their smallest (black) to their largest (white).
    pub fn picture(&self, i: usize) -> Vec<u8> {
        let w = self.width();
        if let Some(bytes) = self.bytes() {
            return bytes[i * w..(i + 1) * w].to_vec();
        }
        let mut row = vec![0.0; w];
        self.row_into(i, &mut row);
        let lo = row.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let span = if hi > lo { hi - lo } else { 1.0 };
        row.iter()
            .map(|&v| ((v - lo) / span * 255.0).round() as u8)
            .collect()
    }
}

/// How the test part was made when it was held out of the training table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeldOut {
    /// The share of rows held out.
    pub fraction: f64,
    /// The seed that chose them.
    pub seed: u64,
}

/// A data set opened from one path: its parts, classes and checksums.
#[derive(Debug)]
pub struct DataSource {
    /// The path it was opened from.
    pub path: PathBuf,
    /// How it is stored.
    pub format: Format,
    /// The training part.
    pub train: Part,
    /// The test part.
    pub test: Part,
    /// Each class's label as written, in class order.
    pub classes: Classes,
    /// The separate test table, for a CSV data set that has one.
    pub test_path: Option<PathBuf>,
    /// How the test part was held out of the training table, when it was.
    pub held_out: Option<HeldOut>,
    /// The CSV label column, by header name (or number from 0 without a header).
    pub label_column: Option<String>,
    /// The CSV label column's number, from 0.
    pub label_index: Option<usize>,
    /// `(file name, SHA-256 of its uncompressed bytes)` of every file read.
    pub checksums: Vec<(String, String)>,
}

impl DataSource {
    /// Opens the data set at `path`, its format told by what the path is.
    pub fn open(path: impl AsRef<Path>, options: &DataOptions) -> Result<DataSource, IdxError> {
        let path = path.as_ref();
        if !path.exists() {
            return Err(data_error(path, "no such file or folder".into()));
        }
        let format = detect(path)?;
        if options.test_data.is_some() && format != Format::Csv {
            return Err(data_error(
                path,
                format!("a test table goes with a .csv data set only; this is {} data, which holds its own test set", format.name()),
            ));
        }
        match format {
            Format::Idx => open_idx(path, options),
            Format::Npz => {
                let arrays = read_npz(path, &ARRAY_NAMES)?;
                let sums = vec![file_sha256(path)?];
                from_arrays(path, Format::Npz, arrays, sums, options)
            }
            Format::Npy => {
                let mut arrays = Vec::with_capacity(4);
                let mut sums = Vec::with_capacity(4);
                for name in ARRAY_NAMES {
                    let file = npy_file(path, name).ok_or_else(|| IdxError::Missing {
                        path: path.join(format!("{name}.npy")),
                        looked_for: vec![format!("{name}.npy"), format!("{name}.npy.gz")],
                    })?;
                    arrays.push(NpyArray::open(&file)?);
                    sums.push(file_sha256(&file)?);
                }
                from_arrays(path, Format::Npy, arrays, sums, options)
            }
            Format::Csv => open_csv(path, options),
        }
    }

    /// Classes.
    pub fn class_count(&self) -> usize {
        self.classes.names.len()
    }
}

fn data_error(path: &Path, problem: String) -> IdxError {
    IdxError::Data {
        path: path.to_path_buf(),
        problem,
    }
}

/// The format of the data set at `path`.
pub fn detect(path: &Path) -> Result<Format, IdxError> {
    if path.is_dir() {
        return Ok(if npy_file(path, "x_train").is_some() {
            Format::Npy
        } else {
            Format::Idx
        });
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    if name.ends_with(".npz") {
        Ok(Format::Npz)
    } else if name.ends_with(".csv") {
        Ok(Format::Csv)
    } else if !path.exists() {
        Err(data_error(path, "no such file or folder".into()))
    } else if name.ends_with(".npy") {
        Err(data_error(path, "a single .npy file is not a data set: give the folder holding x_train.npy, y_train.npy, x_test.npy and y_test.npy".into()))
    } else {
        Err(data_error(path, "not a data set: give a folder of IDX files, a folder of .npy files, a .npz archive or a .csv file".into()))
    }
}

/// `dir/NAME.npy` (or `.npy.gz`) when it exists.
fn npy_file(dir: &Path, name: &str) -> Option<PathBuf> {
    [format!("{name}.npy"), format!("{name}.npy.gz")]
        .into_iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
}

/// `(file name, SHA-256 of the uncompressed bytes)` of the file at `path`.
fn file_sha256(path: &Path) -> Result<(String, String), IdxError> {
    Ok((file_name(path), hex(&Sha256::digest(&load(path)?[..]))))
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Class indices of integer `labels` read from `path`: under `classes`
/// (matched by their names) when given, else `0..=max`.
fn integer_classes(
    path: &Path,
    labels: &[i128],
    classes: Option<&Classes>,
) -> Result<(Vec<u32>, Classes), IdxError> {
    if let Some(i) = labels.iter().position(|&l| l < 0) {
        return Err(data_error(
            path,
            format!(
                "label {} at index {i} is negative; labels are classes from 0",
                labels[i]
            ),
        ));
    }
    match classes {
        Some(classes) => {
            let index = classes.index();
            let mut out = Vec::with_capacity(labels.len());
            for (i, &l) in labels.iter().enumerate() {
                match index.get(l.to_string().as_str()) {
                    Some(&c) => out.push(c),
                    None => {
                        return Err(data_error(
                            path,
                            format!(
                                "label {l} at index {i} is not one of the {} classes",
                                classes.names.len()
                            ),
                        ))
                    }
                }
            }
            Ok((out, classes.clone()))
        }
        None => {
            let max = labels.iter().copied().max().unwrap_or(0);
            if max >= MAX_CLASSES as i128 {
                let i = labels.iter().position(|&l| l == max).unwrap_or(0);
                return Err(data_error(
                    path,
                    format!("label {max} at index {i} is too large: at most {MAX_CLASSES} classes, labelled 0 to {}", MAX_CLASSES - 1),
                ));
            }
            let names = (0..=max).map(|c| c.to_string()).collect();
            Ok((
                labels.iter().map(|&l| l as u32).collect(),
                Classes { names },
            ))
        }
    }
}

/// Test labels under the training classes: a label past them is an error.
fn test_classes(path: &Path, labels: &[i128], classes: &Classes) -> Result<Vec<u32>, IdxError> {
    integer_classes(path, labels, Some(classes)).map(|(l, _)| l)
}

fn open_idx(dir: &Path, options: &DataOptions) -> Result<DataSource, IdxError> {
    let [tri, trl, tei, tel] = FILE_NAMES;
    let find = |names: [&str; 2]| crate::dataset::find(dir, names);
    let (tri, trl, tei, tel) = (find(tri)?, find(trl)?, find(tei)?, find(tel)?);
    let train = open_split(&tri, &trl, MAX_CLASSES)?;
    let test = open_split(&tei, &tel, MAX_CLASSES)?;
    if (train.rows(), train.cols()) != (test.rows(), test.cols()) {
        return Err(IdxError::ShapeMismatch {
            train: tri,
            test: tei,
            train_shape: (train.rows(), train.cols()),
            test_shape: (test.rows(), test.cols()),
        });
    }
    let wide = |l: &[u8]| l.iter().map(|&b| i128::from(b)).collect::<Vec<_>>();
    let (train_labels, classes) =
        integer_classes(&trl, &wide(train.labels()), options.classes.as_ref())?;
    let test_labels = test_classes(&tel, &wide(test.labels()), &classes)?;
    let checksums = [
        train.images_array(),
        train.labels_array(),
        test.images_array(),
        test.labels_array(),
    ]
    .iter()
    .map(|a| (file_name(a.path()), hex(&Sha256::digest(a.bytes()))))
    .collect();
    let shape = vec![train.rows(), train.cols()];
    let part = |split: crate::Split, labels| Part {
        path: split.images_path().to_path_buf(),
        values: Values::Idx(split.into_images()),
        shape: shape.clone(),
        labels,
    };
    Ok(DataSource {
        path: dir.to_path_buf(),
        format: Format::Idx,
        train: part(train, train_labels),
        test: part(test, test_labels),
        classes,
        test_path: None,
        held_out: None,
        label_column: None,
        label_index: None,
        checksums,
    })
}

/// Checks one split's arrays: `x` of a feature type shaped `(N, D)` or
/// `(N, H, W)` and free of NaN and infinities, `y` of integers shaped `(N,)`.
fn check_pair(x: &NpyArray, y: &NpyArray) -> Result<Vec<i128>, IdxError> {
    let (xp, yp) = (x.path(), y.path());
    if !matches!(x.dtype(), NpyType::U8 | NpyType::F32 | NpyType::F64) {
        return Err(data_error(
            xp,
            format!(
                "features are {}; they must be uint8, float32 or float64",
                x.dtype()
            ),
        ));
    }
    if !matches!(x.dims().len(), 2 | 3) {
        return Err(data_error(
            xp,
            format!(
                "shape {:?}: features must be (samples, features) or (samples, rows, cols)",
                x.dims()
            ),
        ));
    }
    if !y.dtype().is_integer() {
        return Err(data_error(
            yp,
            format!("labels are {}; they must be integers", y.dtype()),
        ));
    }
    if y.dims().len() != 1 {
        return Err(data_error(
            yp,
            format!(
                "shape {:?}: labels must be one-dimensional (samples,)",
                y.dims()
            ),
        ));
    }
    if x.dims()[0] != y.dims()[0] {
        return Err(data_error(
            yp,
            format!(
                "{} labels but {} holds {} samples",
                y.dims()[0],
                file_name(xp),
                x.dims()[0]
            ),
        ));
    }
    if x.dims().contains(&0) {
        return Err(data_error(
            xp,
            format!("shape {:?} holds no values", x.dims()),
        ));
    }
    if x.dtype() != NpyType::U8 {
        let width: usize = x.dims()[1..].iter().product();
        let n = x.dims().iter().product::<usize>();
        let too_big = |v: f64| !v.is_finite() || v.abs() > f64::from(f32::MAX);
        if let Some(i) = (0..n).find(|&i| too_big(x.get_f64(i))) {
            return Err(data_error(
                xp,
                format!(
                    "sample {}, feature {} is {}; features must be finite numbers within float32's range",
                    i / width,
                    i % width,
                    x.get_f64(i)
                ),
            ));
        }
    }
    Ok((0..y.dims()[0]).map(|i| y.get_int(i)).collect())
}

fn from_arrays(
    path: &Path,
    format: Format,
    arrays: Vec<NpyArray>,
    checksums: Vec<(String, String)>,
    options: &DataOptions,
) -> Result<DataSource, IdxError> {
    let mut arrays = arrays.into_iter();
    let (Some(xtr), Some(ytr), Some(xte), Some(yte)) =
        (arrays.next(), arrays.next(), arrays.next(), arrays.next())
    else {
        unreachable!("four arrays are read");
    };
    let train_labels = check_pair(&xtr, &ytr)?;
    let test_labels = check_pair(&xte, &yte)?;
    if xtr.dims()[1..] != xte.dims()[1..] {
        return Err(data_error(
            xte.path(),
            format!(
                "each sample is {:?} but training samples ({}) are {:?}",
                &xte.dims()[1..],
                file_name(xtr.path()),
                &xtr.dims()[1..]
            ),
        ));
    }
    let (train_labels, classes) =
        integer_classes(ytr.path(), &train_labels, options.classes.as_ref())?;
    let test_labels = test_classes(yte.path(), &test_labels, &classes)?;
    let part = |x: NpyArray, labels| Part {
        path: x.path().to_path_buf(),
        shape: x.dims()[1..].to_vec(),
        values: Values::Npy(x),
        labels,
    };
    Ok(DataSource {
        path: path.to_path_buf(),
        format,
        train: part(xtr, train_labels),
        test: part(xte, test_labels),
        classes,
        test_path: None,
        held_out: None,
        label_column: None,
        label_index: None,
        checksums,
    })
}

fn check_classes(path: &Path, classes: &Classes) -> Result<(), IdxError> {
    if classes.names.len() > MAX_CLASSES {
        return Err(data_error(
            path,
            format!(
                "{} classes; at most {MAX_CLASSES} are supported",
                classes.names.len()
            ),
        ));
    }
    Ok(())
}

fn open_csv(path: &Path, options: &DataOptions) -> Result<DataSource, IdxError> {
    let bytes = load(path)?;
    let mut checksums = vec![(file_name(path), hex(&Sha256::digest(&bytes[..])))];
    let table = CsvTable::parse(&bytes, path, options.label_column.as_ref())?;
    drop(bytes);
    let classes = match &options.classes {
        Some(c) => c.clone(),
        None => table.classes()?,
    };
    check_classes(path, &classes)?;
    let labels = table.class_indices(&classes)?;
    let label_column = Some(match table.header() {
        Some(h) => h[table.label_column()].clone(),
        None => table.label_column().to_string(),
    });
    let width = table.cols();
    let table_part = |path: &Path, values: Vec<f32>, labels: Vec<u32>| Part {
        values: Values::Table(values),
        shape: vec![width],
        labels,
        path: path.to_path_buf(),
    };
    let (train, test, held_out) = match &options.test_data {
        Some(test_path) => {
            let bytes = load(test_path)?;
            checksums.push((file_name(test_path), hex(&Sha256::digest(&bytes[..]))));
            let label = LabelColumn::Index(table.label_column());
            let by_name = table
                .header()
                .map(|h| LabelColumn::Name(h[table.label_column()].clone()));
            let test =
                CsvTable::parse(&bytes, test_path, Some(by_name.as_ref().unwrap_or(&label)))?;
            if test.cols() != width {
                return Err(data_error(
                    test_path,
                    format!(
                        "{} features per row but the training table {} has {width}",
                        test.cols(),
                        file_name(path)
                    ),
                ));
            }
            let test_labels = test.class_indices(&classes)?;
            let train = table_part(path, table.features().to_vec(), labels);
            let test = table_part(test_path, test.features().to_vec(), test_labels);
            (train, test, None)
        }
        None => {
            let fraction = options.test_fraction.unwrap_or(DEFAULT_TEST_FRACTION);
            let rows = table.rows();
            let held = held_out_rows(rows, fraction, options.split_seed).ok_or_else(|| {
                data_error(
                    path,
                    format!("holding out {fraction} of {rows} rows leaves no training or no test rows; give a test table or another fraction"),
                )
            })?;
            let (mut xtr, mut ytr, mut xte, mut yte) = (
                Vec::with_capacity((rows - held.len()) * width),
                Vec::with_capacity(rows - held.len()),
                Vec::with_capacity(held.len() * width),
                Vec::with_capacity(held.len()),
            );
            let x = table.features();
            let mut next = held.iter().peekable();
            for (r, &label) in labels.iter().enumerate() {
                let row = &x[r * width..(r + 1) * width];
                if next.peek() == Some(&&r) {
                    next.next();
                    xte.extend_from_slice(row);
                    yte.push(label);
                } else {
                    xtr.extend_from_slice(row);
                    ytr.push(label);
                }
            }
            let held_out = HeldOut {
                fraction,
                seed: options.split_seed,
            };
            (
                table_part(path, xtr, ytr),
                table_part(path, xte, yte),
                Some(held_out),
            )
        }
    };
    Ok(DataSource {
        path: path.to_path_buf(),
        format: Format::Csv,
        train,
        test,
        classes,
        test_path: options.test_data.clone(),
        held_out,
        label_column,
        label_index: Some(table.label_column()),
        checksums,
    })
}

/// The rows (increasing) of `rows` that a seeded shuffle puts in the first
/// `round(fraction * rows)`; `None` when that leaves either side empty.
pub fn held_out_rows(rows: usize, fraction: f64, seed: u64) -> Option<Vec<usize>> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return None;
    }
    let count = (fraction * rows as f64).round() as usize;
    if count == 0 || count >= rows {
        return None;
    }
    // Fisher-Yates over splitmix64: the same rows on every platform and version.
    let mut state = seed;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let mut order: Vec<usize> = (0..rows).collect();
    for i in 0..count {
        let j = i + (next() % (rows - i) as u64) as usize;
        order.swap(i, j);
    }
    let mut held = order[..count].to_vec();
    held.sort_unstable();
    Some(held)
}
