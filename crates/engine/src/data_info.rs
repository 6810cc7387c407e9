//! What a data set was, as records, reports and model files describe it.

use crate::scaling::Scale;
use mnist_idx::{Classes, DataOptions, LabelColumn};
use serde::{Deserialize, Serialize};

/// What a run was trained on: the data set's path, format, shapes, classes and scaling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataInfo {
    /// The path given as `--data`.
    pub path: String,
    /// `idx`, `npz`, `npy` or `csv`.
    pub format: String,
    /// The training part's shape: samples, then one sample's shape.
    pub train: Vec<usize>,
    /// The test part's shape.
    pub test: Vec<usize>,
    /// Each class's label as written, in class order.
    pub classes: Vec<String>,
    /// The scaling of the inputs.
    pub scale: Scale,
    /// The separate CSV test table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_data: Option<String>,
    /// The share of the table's rows held out as the test part.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_fraction: Option<f64>,
    /// The seed that chose the held-out rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split_seed: Option<u64>,
    /// The CSV label column, by header name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_column: Option<String>,
    /// The CSV label column's number, from 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label_index: Option<usize>,
    /// How the features were stored: `uint8`, `float32` or `float64`
    /// (absent in earlier files: `uint8`, the IDX files').
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<String>,
    /// The type the labels were given in, where the class names alone do
    /// not tell it (`integer`, `float`, `bool` or `string`, from the Python
    /// package; absent: integers for IDX and NumPy files, names for CSV tables).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<String>,
}

impl DataInfo {
    /// True when samples are images (`rows x cols`).
    pub fn is_image(&self) -> bool {
        self.train.len() == 3
    }

    /// True when the features were stored as bytes (pictures' pixel values).
    pub fn is_bytes(&self) -> bool {
        self.values.as_deref().is_none_or(|v| v == "uint8")
    }

    /// One line: path, format, shapes, classes and scaling.
    pub fn summary(&self) -> String {
        let shape = |s: &[usize]| s.iter().map(usize::to_string).collect::<Vec<_>>().join("x");
        let mut line = format!(
            "{} ({}): train {}, test {}, {} classes, scale {}",
            self.path,
            self.format,
            shape(&self.train),
            shape(&self.test),
            self.classes.len(),
            self.scale
        );
        if let Some(t) = &self.test_data {
            line.push_str(&format!(", test table {t}"));
        }
        if let (Some(f), Some(s)) = (self.test_fraction, self.split_seed) {
            line.push_str(&format!(", test rows held out: {f} (seed {s})"));
        }
        line
    }

    /// The options that open the data set as it was opened for training,
    /// with the trained classes (a model's test rows and labels, again).
    pub fn options(&self) -> DataOptions {
        DataOptions {
            test_data: self.test_data.as_ref().map(Into::into),
            label_column: match (&self.label_column, self.label_index) {
                (Some(name), _) if name.parse::<usize>().is_err() => {
                    Some(LabelColumn::Name(name.clone()))
                }
                (_, Some(i)) => Some(LabelColumn::Index(i)),
                (name, None) => name.clone().map(label_column),
            },
            test_fraction: self.test_fraction,
            split_seed: self.split_seed.unwrap_or(0),
            classes: Some(Classes {
                names: self.classes.clone(),
            }),
        }
    }
}

/// A label column named by its header name, or by its index from 0 when it is a number.
pub(crate) fn label_column(c: String) -> LabelColumn {
    match c.parse() {
        Ok(i) => LabelColumn::Index(i),
        Err(_) => LabelColumn::Name(c),
    }
}
