//! A trained network with what it was trained on: predictions, weights and model files.

use crate::arrays::Features;
use crate::convert::serde_to_py;
use crate::errors::{engine, value};
use mlp_engine::model::{self, Model};
use mlp_engine::Dataset;
use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::path::PathBuf;

/// A model: the network, its configuration, scaling and classes (`mlp_sweep.Model` wraps it).
#[pyclass(module = "mlp_sweep._native", name = "NativeModel", frozen)]
pub struct NativeModel {
    model: Model,
}

impl NativeModel {
    /// Wraps a model.
    pub fn new(model: Model) -> NativeModel {
        NativeModel { model }
    }

    /// The model.
    pub fn inner(&self) -> &Model {
        &self.model
    }

    /// `x` as the network's inputs, scaled as training scaled its data.
    fn dataset(&self, x: &Bound<'_, PyAny>) -> PyResult<Dataset> {
        let m = &self.model;
        let features = Features::borrow(x, "x")?;
        let shape = features.sample_shape().to_vec();
        let width: usize = shape.iter().product();
        let fits = match shape[..] {
            [rows, cols] if m.takes_images() => (rows, cols) == (m.rows, m.cols),
            _ => width == m.network.inputs(),
        };
        if !fits || width != m.network.inputs() {
            let takes = match m.takes_images() && m.rows > 1 {
                true => format!("{}x{} images", m.rows, m.cols),
                false => format!("{} features", m.network.inputs()),
            };
            return Err(value(format!(
                "x holds samples of shape {shape:?}, the model takes {takes}"
            )));
        }
        let labels = vec![0u32; features.samples()];
        let rows = features.rows("x", &labels, m.network.outputs())?;
        Dataset::from_rows(&rows, m.network.outputs(), &m.scaling).map_err(engine)
    }
}

#[pymethods]
impl NativeModel {
    /// The output scores of every sample of `x` (rows x classes; softmax
    /// probabilities for cross-entropy models, output units otherwise).
    fn outputs<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyArray2<f32>>> {
        let data = self.dataset(x)?;
        let classes = self.model.network.outputs();
        let model = &self.model;
        let out = py.detach(|| model.outputs(&data));
        PyArray1::from_vec(py, out).reshape([data.len(), classes])
    }

    /// Whether the outputs are softmax probabilities.
    #[getter]
    fn softmax(&self) -> bool {
        self.model.config.network.loss == mlp_engine::Loss::CrossEntropy
    }

    /// The range of the output units `(low, high)` (the targets' values).
    #[getter]
    fn output_range(&self) -> (f32, f32) {
        match self.model.case() {
            mlp_engine::Case::Tanh => (-1.0, 1.0),
            mlp_engine::Case::ReluSigmoid => (0.0, 1.0),
        }
    }

    /// Each class's label as written (`"0"`, `"1"`, ... for integer labels).
    #[getter]
    fn classes(&self) -> Vec<String> {
        self.model.class_names()
    }

    /// The type the labels were given in (`integer`, `float`, `bool`, `string`), when recorded.
    #[getter]
    fn label_type(&self) -> Option<String> {
        self.model.data.as_ref().and_then(|d| d.labels.clone())
    }

    /// Each layer's weights as `(fan_in, fan_out)` arrays, input side first.
    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyArray2<f32>>>> {
        let net = &self.model.network;
        let sizes = net.sizes();
        (0..net.layers())
            .map(|l| {
                let (fan_in, fan_out) = (sizes[l], sizes[l + 1]);
                let w = net.weight(l);
                // Layer 0 is stored input-major already; later layers output-major.
                let v = match l {
                    0 => w.to_vec(),
                    _ => (0..fan_in * fan_out)
                        .map(|k| w[(k % fan_out) * fan_in + k / fan_out])
                        .collect(),
                };
                PyArray1::from_vec(py, v).reshape([fan_in, fan_out])
            })
            .collect()
    }

    /// Each layer's biases, or an empty list for a network without them.
    #[getter]
    fn biases<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyArray1<f32>>> {
        let net = &self.model.network;
        (0..net.layers())
            .filter_map(|l| net.bias(l).map(|b| PyArray1::from_slice(py, b)))
            .collect()
    }

    /// Layer widths, inputs first.
    #[getter]
    fn sizes(&self) -> Vec<usize> {
        self.model.network.sizes().to_vec()
    }

    /// `(rows, cols)` of the images it takes, or `None` for feature rows.
    #[getter]
    fn image(&self) -> Option<(usize, usize)> {
        (self.model.takes_images() && self.model.rows > 1)
            .then_some((self.model.rows, self.model.cols))
    }

    /// What the file says of the model: configuration, metrics, data, scaling.
    fn info<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let m = &self.model;
        let d = PyDict::new(py);
        d.set_item("config", serde_to_py(py, &m.config)?)?;
        d.set_item("metrics", serde_to_py(py, &m.metrics)?)?;
        d.set_item("data", serde_to_py(py, &m.data)?)?;
        d.set_item("scaling", serde_to_py(py, &m.scaling)?)?;
        d.set_item("stage", m.stage.name())?;
        d.set_item("tool_version", &m.tool_version)?;
        d.set_item("data_sha256", m.data_sha256.clone())?;
        Ok(d)
    }

    /// Writes the model file (safetensors with metadata) atomically.
    fn save(&self, path: PathBuf) -> PyResult<()> {
        model::save(&path, &self.model).map_err(engine)
    }

    /// The model file's bytes.
    fn to_bytes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let bytes = model::to_bytes(&self.model).map_err(value)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A model from a model file's bytes.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<NativeModel> {
        model::from_bytes(data)
            .map(NativeModel::new)
            .map_err(|e| value(format!("not a model: {e}")))
    }
}

/// Reads a model file written by `mlp train --save`, a sweep or `Model.save`.
#[pyfunction]
pub fn load_model(path: PathBuf) -> PyResult<NativeModel> {
    if !path.exists() {
        return Err(pyo3::exceptions::PyFileNotFoundError::new_err(format!(
            "{}: no such file",
            path.display()
        )));
    }
    model::load(&path).map(NativeModel::new).map_err(engine)
}
