//! A data set opened and converted for training, from the path and options that name it.

use crate::data_info::label_column;
pub use crate::data_info::DataInfo;
use crate::model::{Model, Stage};
use crate::scaling::{Scale, Scaling};
use crate::{Dataset, EngineError, Metrics, Network, TrainConfig};
use mnist_idx::{DataOptions, DataSource};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// A data set opened and converted: the training and test sets of a run or sweep.
pub struct LoadedData {
    /// The opened files (memory-mapped where they can be).
    pub source: DataSource,
    /// The scaling fitted to the training part and applied to both.
    pub scaling: Scaling,
    /// The training part, sparse.
    pub train: Dataset,
    /// The test part, sparse.
    pub test: Dataset,
}

impl LoadedData {
    /// Opens the data set at `path` with default options and scaling.
    pub fn open(path: &Path) -> Result<LoadedData, EngineError> {
        LoadedData::open_with(path, &DataOptions::default(), None)
    }

    /// Opens the data set at `path` and fits `scale` (by default the one for
    /// its values' type) to its training part.
    pub fn open_with(
        path: &Path,
        options: &DataOptions,
        scale: Option<Scale>,
    ) -> Result<LoadedData, EngineError> {
        let source = DataSource::open(path, options)?;
        let scale = scale.unwrap_or_else(|| Scale::default_for(source.train.element()));
        let scaling = Scaling::fit(scale, &source.train);
        LoadedData::convert(source, scaling)
    }

    /// Opens the data set at `path` with `model`'s classes and scaling;
    /// `options` say which rows are the test part. Data of another width or
    /// class count than the model's is refused before it is converted.
    pub fn open_for(
        path: &Path,
        options: &DataOptions,
        model: &Model,
    ) -> Result<LoadedData, EngineError> {
        let mut options = options.clone();
        if let Some(info) = &model.data {
            options.classes = info.options().classes;
        }
        let source = DataSource::open(path, &options)?;
        let (inputs, classes) = (model.network.inputs(), model.network.outputs());
        let fits_images = match source.train.image() {
            Some(shape) if model.takes_images() => shape == (model.rows, model.cols),
            _ => true,
        };
        if !fits_images || source.train.width() != inputs || source.class_count() != classes {
            let (has, takes) = match source.train.image() {
                Some((r, c)) if model.takes_images() => (
                    format!("{r}x{c} images"),
                    format!("{}x{} images", model.rows, model.cols),
                ),
                _ => (
                    format!("{} values per sample", source.train.width()),
                    format!("{inputs} values per sample"),
                ),
            };
            return Err(EngineError::config(
                "data",
                format!(
                    "{} has {has} and {} classes, the model takes {takes} and {classes}",
                    path.display(),
                    source.class_count()
                ),
            ));
        }
        LoadedData::convert(source, model.scaling.clone())
    }

    fn convert(source: DataSource, scaling: Scaling) -> Result<LoadedData, EngineError> {
        let classes = source.class_count();
        let train = Dataset::from_rows(&source.train, classes, &scaling)?;
        let test = Dataset::from_rows(&source.test, classes, &scaling)?;
        Ok(LoadedData {
            source,
            scaling,
            train,
            test,
        })
    }

    /// `(rows, cols)` when samples are images.
    pub fn image(&self) -> Option<(usize, usize)> {
        self.source.train.image()
    }

    /// `(file name, SHA-256)` of every file read.
    pub fn checksums(&self) -> Vec<(String, String)> {
        self.source.checksums.clone()
    }

    /// What this data set is, for records, reports and model files.
    pub fn info(&self) -> DataInfo {
        let s = &self.source;
        let shape = |p: &mnist_idx::Part| {
            let mut v = vec![p.len()];
            v.extend_from_slice(p.shape());
            v
        };
        DataInfo {
            path: s.path.display().to_string(),
            format: s.format.name().to_string(),
            train: shape(&s.train),
            test: shape(&s.test),
            classes: s.classes.names.clone(),
            scale: self.scaling.scale(),
            test_data: s.test_path.as_ref().map(|p| p.display().to_string()),
            test_fraction: s.held_out.map(|h| h.fraction),
            split_seed: s.held_out.map(|h| h.seed),
            label_column: s.label_column.clone(),
            label_index: s.label_index,
            values: Some(
                match s.train.element() {
                    mnist_idx::Element::U8 => "uint8",
                    mnist_idx::Element::F32 => "float32",
                    mnist_idx::Element::F64 => "float64",
                }
                .to_string(),
            ),
            labels: None,
        }
    }

    /// A model of `network` trained (or to be trained) on this data.
    pub fn model(
        &self,
        network: Network,
        stage: Stage,
        config: TrainConfig,
        metrics: Option<Metrics>,
        block_samples: Option<usize>,
    ) -> Model {
        let (rows, cols) = self.image().unwrap_or((1, self.train.inputs()));
        Model {
            network,
            stage,
            config,
            rows,
            cols,
            data_sha256: self.checksums(),
            metrics,
            block_samples,
            tool_version: crate::VERSION.to_string(),
            data: Some(self.info()),
            scaling: self.scaling.clone(),
        }
    }
}

/// Where a run's or sweep's data come from and how to open them, as flags
/// and sweep files name it (`data = "PATH"` or a `[data]` table).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// A folder of IDX or `.npy` files, a `.npz` archive or a `.csv` table (default `data/mnist`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<std::path::PathBuf>,
    /// A CSV table of test rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_data: Option<std::path::PathBuf>,
    /// The share of a CSV table's rows held out as the test part without a test table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_fraction: Option<f64>,
    /// The seed choosing the held-out rows (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_seed: Option<u64>,
    /// The CSV label column, by header name or index from 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_column: Option<String>,
    /// The scaling (default: pixel for bytes, standardize for floats).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<Scale>,
}

impl DataSpec {
    /// The data path when none is given.
    pub const DEFAULT_PATH: &'static str = "data/mnist";

    /// The data path.
    pub fn path(&self) -> &Path {
        self.path
            .as_deref()
            .unwrap_or(Path::new(DataSpec::DEFAULT_PATH))
    }

    /// This spec with each field it leaves out taken from `base`.
    pub fn or(self, base: &DataSpec) -> DataSpec {
        DataSpec {
            path: self.path.or_else(|| base.path.clone()),
            test_data: self.test_data.or_else(|| base.test_data.clone()),
            test_fraction: self.test_fraction.or(base.test_fraction),
            split_seed: self.split_seed.or(base.split_seed),
            label_column: self.label_column.or_else(|| base.label_column.clone()),
            scale: self.scale.or(base.scale),
        }
    }

    /// The options of the data crate's reader.
    pub fn options(&self) -> DataOptions {
        DataOptions {
            test_data: self.test_data.clone(),
            label_column: self.label_column.clone().map(label_column),
            test_fraction: self.test_fraction,
            split_seed: self.split_seed.unwrap_or(0),
            classes: None,
        }
    }

    /// Checks the values that need no file: a test fraction strictly
    /// between 0 and 1, a split seed that files can hold (below 2^63).
    pub fn check(&self) -> Result<(), EngineError> {
        if let Some(f) = self.test_fraction.filter(|f| !(*f > 0.0 && *f < 1.0)) {
            return Err(EngineError::config(
                "test_fraction",
                format!("{f} is not between 0 and 1"),
            ));
        }
        if let Some(s) = self.split_seed.filter(|&s| s > i64::MAX as u64) {
            return Err(EngineError::config(
                "split_seed",
                format!("{s} is not below 2^63"),
            ));
        }
        Ok(())
    }

    /// Opens and converts the data set for training.
    pub fn open(&self) -> Result<LoadedData, EngineError> {
        self.check()?;
        LoadedData::open_with(self.path(), &self.options(), self.scale)
    }

    /// Opens the data set as `model` was trained on it: its classes and
    /// scaling, its label column, and (on the very file it was trained on)
    /// its test table or held-out rows, unless this spec names its own.
    pub fn open_for(&self, model: &Model) -> Result<LoadedData, EngineError> {
        self.check()?;
        let mut options = self.options();
        if let Some(info) = &model.data {
            let trained = info.options();
            options.label_column = options.label_column.or(trained.label_column);
            if same_file(Path::new(&info.path), self.path()) {
                options.test_data = options.test_data.or(trained.test_data);
                options.test_fraction = options.test_fraction.or(trained.test_fraction);
                options.split_seed = self.split_seed.unwrap_or(trained.split_seed);
            }
        }
        LoadedData::open_for(self.path(), &options, model)
    }
}

/// True when `a` and `b` name the same file (compared as absolute paths when both exist).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}
