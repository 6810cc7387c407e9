//! `train`: one configuration on NumPy arrays or on any data set `mlp --data` opens.

use crate::arrays::{labels, Features};
use crate::convert::serde_to_py;
use crate::errors::{engine, value};
use crate::interrupt::run_interruptible;
use crate::model::NativeModel;
use mlp_engine::model::{Model, Stage};
use mlp_engine::{
    recipe, Case, ConfigFields, DataInfo, DataSpec, Dataset, EngineError, EpochRecord, Network,
    Observer, RunOptions, Scale, Scaling, Session, StepOptions, TrainConfig, TrainReport,
};
use numpy::PyReadonlyArray1;
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

/// The configuration of `recipe` (by default the study's, of the `case`
/// field when given) with `fields` set by name from their text; a training
/// set of `available` samples trains on all of them not held out unless
/// `train_samples` is given. Checked as `mlp train` checks its flags.
pub fn configure(
    recipe_name: Option<&str>,
    fields: &[(String, String)],
    available: usize,
) -> Result<TrainConfig, EngineError> {
    let case = fields
        .iter()
        .find(|(k, _)| k == "case")
        .map(|(_, v)| v.parse::<Case>())
        .transpose()
        .map_err(|e| EngineError::config("case", e.to_string()))?;
    let name = match (recipe_name, case) {
        (Some(r), _) => r.to_string(),
        (None, Some(case)) => format!("study-{case}"),
        (None, None) => "study-relu-sigmoid".to_string(),
    };
    let recipe = recipe::recipe(&name)
        .ok_or_else(|| EngineError::config("recipe", recipe::unknown_recipe(&name)))?;
    let mut c: ConfigFields = recipe.config().fields();
    for (name, text) in fields {
        c.set_by_name(name, text)?;
    }
    if !fields.iter().any(|(k, _)| k == "train_samples") {
        c.train_samples = available.saturating_sub(c.validation);
    }
    let config = c.resolve()?;
    config.validate(available)?;
    Ok(config)
}

/// Watches a run from its thread: Ctrl-C, the epoch callback and its wish to stop.
struct Watch<'a> {
    stop: &'a AtomicBool,
    on_epoch: Option<&'a Py<PyAny>>,
    failed: Option<PyErr>,
    stop_early: bool,
}

impl Observer for Watch<'_> {
    fn epoch_done(&mut self, record: &EpochRecord) {
        let Some(callback) = self.on_epoch else {
            return;
        };
        Python::attach(|py| {
            let answer = serde_to_py(py, record)
                .and_then(|r| callback.call1(py, (r,)))
                .and_then(|a| a.is_truthy(py));
            match answer {
                Ok(stop) => self.stop_early |= stop,
                Err(e) => self.failed = Some(e),
            }
        });
    }

    fn should_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed) || self.failed.is_some()
    }
}

/// Trains `config` on `train`, judged on `test`, on `threads` threads
/// without the GIL; `on_epoch(record)` is called after each epoch, and a
/// true answer ends the run there.
fn fit(
    py: Python<'_>,
    config: &TrainConfig,
    (train, test): (&Dataset, &Dataset),
    init: Option<Network>,
    threads: Option<usize>,
    on_epoch: Option<&Py<PyAny>>,
) -> PyResult<(TrainReport, Network)> {
    let threads = match threads {
        Some(0) => return Err(value("invalid threads: must be at least 1")),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| value(format!("cannot start {threads} training threads: {e}")))?;
    let run = RunOptions {
        parallel: threads > 1,
        distort_ahead: true,
        ..RunOptions::default()
    };
    let outcome = run_interruptible(py, |stop| {
        let mut watch = Watch {
            stop,
            on_epoch,
            failed: None,
            stop_early: false,
        };
        let result = pool.install(|| -> Result<_, EngineError> {
            let mut session =
                Session::start(config, (train, test), init, StepOptions::default(), run)?;
            for epoch in 1..=config.run.epochs {
                session.run_to(epoch, false, &mut watch)?;
                if watch.stop_early {
                    break;
                }
            }
            Ok(session.finish())
        });
        (result, watch.failed)
    })?;
    match outcome {
        (_, Some(callback_error)) => Err(callback_error),
        (result, None) => result.map_err(engine),
    }
}

/// The report as a dict, with every configuration field's value under
/// `fields` (as a sweep's records have them), and the trained model.
fn answer<'py>(
    py: Python<'py>,
    report: &TrainReport,
    model: Model,
) -> PyResult<(Bound<'py, PyAny>, NativeModel)> {
    let dict = serde_to_py(py, report)?;
    dict.set_item("fields", crate::convert::fields_to_py(py, &report.config)?)?;
    Ok((dict, NativeModel::new(model)))
}

/// Trains on NumPy arrays: features (uint8, float32 or float64, C order,
/// read in place) and class numbers (uint32), with `classes` naming them.
#[pyfunction]
#[pyo3(signature = (x_train, y_train, x_test, y_test, classes, fields, recipe=None, scale=None, threads=None, on_epoch=None, init=None, label_type=None))]
#[allow(clippy::too_many_arguments)]
pub fn train_arrays<'py>(
    py: Python<'py>,
    x_train: &Bound<'py, PyAny>,
    y_train: PyReadonlyArray1<'py, u32>,
    x_test: Option<&Bound<'py, PyAny>>,
    y_test: Option<PyReadonlyArray1<'py, u32>>,
    classes: Vec<String>,
    fields: Vec<(String, String)>,
    recipe: Option<String>,
    scale: Option<String>,
    threads: Option<usize>,
    on_epoch: Option<Py<PyAny>>,
    init: Option<PyRef<'py, NativeModel>>,
    label_type: Option<String>,
) -> PyResult<(Bound<'py, PyAny>, NativeModel)> {
    // What needs no data is checked before any conversion.
    configure(recipe.as_deref(), &fields, usize::MAX).map_err(engine)?;
    let scale = scale
        .map(|s| s.parse::<Scale>())
        .transpose()
        .map_err(|e| value(format!("invalid scale: {e}")))?;
    if classes.is_empty() || classes.len() > 256 {
        return Err(value(format!(
            "y_train has {} classes; between 1 and 256 are supported",
            classes.len()
        )));
    }
    let features = Features::borrow(x_train, "x_train")?;
    let train_labels = labels(&y_train, "y_train")?;
    let train_rows = features.rows("x_train", train_labels, classes.len())?;
    let scale = scale.unwrap_or_else(|| Scale::default_for(mlp_engine::Rows::element(&train_rows)));
    let scaling = Scaling::fit(scale, &train_rows);
    let train = Dataset::from_rows(&train_rows, classes.len(), &scaling).map_err(engine)?;
    let (test, test_shape) = match (x_test, &y_test) {
        (Some(x), Some(y)) => {
            let features = Features::borrow(x, "x_test")?;
            if features.sample_shape() != mlp_engine::Rows::shape(&train_rows) {
                return Err(value(format!(
                    "x_test's samples are of shape {:?}, x_train's {:?}",
                    features.sample_shape(),
                    mlp_engine::Rows::shape(&train_rows)
                )));
            }
            let rows = features.rows("x_test", labels(y, "y_test")?, classes.len())?;
            let mut shape = vec![features.samples()];
            shape.extend_from_slice(features.sample_shape());
            (
                Dataset::from_rows(&rows, classes.len(), &scaling).map_err(engine)?,
                shape,
            )
        }
        (None, None) => {
            let mut shape = vec![0];
            shape.extend_from_slice(mlp_engine::Rows::shape(&train_rows));
            (train.tail(train.len()), shape)
        }
        _ => return Err(value("give x_test and y_test together, or neither")),
    };
    let config = configure(recipe.as_deref(), &fields, train.len()).map_err(engine)?;
    let init = init.map(|m| m.inner().network.clone());
    if let Some(net) = &init {
        net.check_sizes(
            &mlp_engine::sizes_of(&config, train.inputs(), train.classes()),
            config.network.bias,
        )
        .map_err(|e| value(format!("invalid init: {e}")))?;
    }
    let mut train_shape = vec![train.len()];
    train_shape.extend_from_slice(mlp_engine::Rows::shape(&train_rows));
    let info = DataInfo {
        path: "<NumPy arrays>".into(),
        format: "numpy".into(),
        train: train_shape,
        test: test_shape,
        classes,
        scale,
        test_data: None,
        test_fraction: None,
        split_seed: None,
        label_column: None,
        label_index: None,
        values: Some(
            match mlp_engine::Rows::element(&train_rows) {
                mnist_idx::Element::U8 => "uint8",
                mnist_idx::Element::F32 => "float32",
                mnist_idx::Element::F64 => "float64",
            }
            .into(),
        ),
        labels: label_type,
    };
    let (report, net) = fit(
        py,
        &config,
        (&train, &test),
        init,
        threads,
        on_epoch.as_ref(),
    )?;
    let (rows, cols) = train.image().unwrap_or((1, train.inputs()));
    let model = Model {
        network: net,
        stage: Stage::Trained,
        config: config.clone(),
        rows,
        cols,
        data_sha256: Vec::new(),
        metrics: Some(report.metrics.clone()),
        block_samples: report.block_samples,
        tool_version: mlp_engine::VERSION.to_string(),
        data: Some(info),
        scaling,
    };
    answer(py, &report, model)
}

/// Opens the data set `spec` (JSON of a `[data]` table: its path, a name
/// such as `mnist`, and its options) as `mlp train --data` does.
pub fn open_data(spec: &str) -> PyResult<mlp_engine::LoadedData> {
    resolve(spec)?.open().map_err(engine)
}

/// The data set `spec` names (JSON of a `[data]` table), checked, with a
/// name such as `mnist` resolved to its cached copy (fetched on first use).
pub fn resolve(spec: &str) -> PyResult<DataSpec> {
    let mut spec: DataSpec =
        serde_json::from_str(spec).map_err(|e| value(format!("invalid data: {e}")))?;
    spec.check().map_err(engine)?;
    if let Some(path) = &spec.path {
        let name = path.to_string_lossy().to_string();
        if !path.exists() && mlp_download::is_name(&name) {
            let fetched = mlp_download::named(&name).map_err(|e| {
                pyo3::exceptions::PyOSError::new_err(format!(
                    "cannot fetch the data set {name}: {e}"
                ))
            })?;
            spec.path = Some(fetched);
        }
    }
    let path = spec.path();
    if !path.exists() {
        return Err(pyo3::exceptions::PyFileNotFoundError::new_err(format!(
            "cannot load data from {}: no such file or folder",
            path.display()
        )));
    }
    Ok(spec)
}

/// Trains on the data set that `data` (JSON of a `[data]` table) names, as `mlp train --data` does.
#[pyfunction]
#[pyo3(signature = (data, fields, recipe=None, threads=None, on_epoch=None, init=None))]
pub fn train_data<'py>(
    py: Python<'py>,
    data: &str,
    fields: Vec<(String, String)>,
    recipe: Option<String>,
    threads: Option<usize>,
    on_epoch: Option<Py<PyAny>>,
    init: Option<PyRef<'py, NativeModel>>,
) -> PyResult<(Bound<'py, PyAny>, NativeModel)> {
    configure(recipe.as_deref(), &fields, usize::MAX).map_err(engine)?;
    let data = open_data(data)?;
    let config = configure(recipe.as_deref(), &fields, data.train.len()).map_err(engine)?;
    let init = init.map(|m| m.inner().network.clone());
    if let Some(net) = &init {
        net.check_sizes(
            &mlp_engine::sizes_of(&config, data.train.inputs(), data.train.classes()),
            config.network.bias,
        )
        .map_err(|e| value(format!("invalid init: {e}")))?;
    }
    let (report, net) = fit(
        py,
        &config,
        (&data.train, &data.test),
        init,
        threads,
        on_epoch.as_ref(),
    )?;
    let model = data.model(
        net,
        Stage::Trained,
        config,
        Some(report.metrics.clone()),
        report.block_samples,
    );
    answer(py, &report, model)
}
