//! `sweep` and `read_results`: the CLI's sweep, run from Python, and its records.

use crate::convert::serde_to_py;
use crate::errors::{engine, sweep as sweep_error, value};
use crate::interrupt::run_watching;
use mlp_engine::{DataSpec, StepOptions};
use mlp_sweep::{Shard, SweepFile, SweepMeta, SweepOptions, DEFAULT_MAX_CONFIGURATIONS};
use pyo3::prelude::*;
use std::path::{Path, PathBuf};

/// A sweep file's TOML text from its tables given as JSON (`grid`, `search`, `name`, ...).
fn toml_text(json: &str) -> PyResult<String> {
    let tables: serde_json::Value =
        serde_json::from_str(json).map_err(|e| value(format!("invalid sweep: {e}")))?;
    let tables = toml::Value::try_from(tables)
        .map_err(|e| value(format!("invalid sweep: {e} (None has no place in a sweep)")))?;
    toml::to_string(&tables).map_err(|e| value(format!("invalid sweep: {e}")))
}

/// Every record of the sweep in `out` (each shard's results file, merged).
fn records(out: &Path) -> PyResult<Vec<mlp_sweep::RunRecord>> {
    let files = mlp_sweep::results_files(out).map_err(sweep_error)?;
    if files.is_empty() {
        return Err(pyo3::exceptions::PyFileNotFoundError::new_err(format!(
            "{}: no results file (results.jsonl) in this folder",
            out.display()
        )));
    }
    Ok(mlp_sweep::merge_noting(&files)
        .map_err(sweep_error)?
        .records)
}

/// A record as a dict, with every configuration field's value under `fields`.
fn record_to_py<'py>(
    py: Python<'py>,
    record: &mlp_sweep::RunRecord,
) -> PyResult<Bound<'py, PyAny>> {
    let dict = serde_to_py(py, record)?;
    dict.set_item(
        "fields",
        crate::convert::fields_to_py(py, &record.report.config)?,
    )?;
    Ok(dict)
}

/// Runs a sweep into `out` as `mlp sweep` does: `tables` (JSON of a sweep
/// file's tables) or the sweep file `config`, on `data` (JSON of a `[data]`
/// table, over the file's own), resuming what `out` holds when `resume`;
/// writes the report unless `report` is false. Returns every record.
#[pyfunction]
#[pyo3(signature = (out, tables=None, config=None, data=None, threads=None, resume=true, report=true, save_models=false))]
#[allow(clippy::too_many_arguments)]
pub fn sweep<'py>(
    py: Python<'py>,
    out: PathBuf,
    tables: Option<&str>,
    config: Option<PathBuf>,
    data: Option<&str>,
    threads: Option<usize>,
    resume: bool,
    report: bool,
    save_models: bool,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let file = match (tables, &config) {
        (Some(json), None) => {
            let text = toml_text(json)?;
            SweepFile::parse(&text, Path::new("sweep"), DEFAULT_MAX_CONFIGURATIONS)
                .map_err(sweep_error)?
        }
        (None, Some(path)) => {
            if !path.exists() {
                return Err(pyo3::exceptions::PyFileNotFoundError::new_err(format!(
                    "{}: no such sweep file",
                    path.display()
                )));
            }
            SweepFile::load(path, DEFAULT_MAX_CONFIGURATIONS).map_err(sweep_error)?
        }
        _ => {
            return Err(value(
                "give grid or search, or config (a sweep file), not both",
            ))
        }
    };
    let threads = match threads {
        Some(0) => return Err(value("invalid threads: must be at least 1")),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let plan = file.plan();
    if plan.is_empty() {
        return Err(value("the sweep has no configurations"));
    }
    for c in plan.configs() {
        c.validate(usize::MAX).map_err(engine)?;
    }
    let given: DataSpec = match data {
        Some(json) => {
            serde_json::from_str(json).map_err(|e| value(format!("invalid data: {e}")))?
        }
        None => DataSpec::default(),
    };
    let mut spec = given.or(&file.data.clone().unwrap_or_default());
    // A notebook has no data/mnist beside it: MNIST from the per-user cache.
    spec.path.get_or_insert_with(|| "mnist".into());
    let spec_json = serde_json::to_string(&spec).map_err(|e| value(e.to_string()))?;
    let data = crate::train::open_data(&spec_json)?;
    let file = SweepFile {
        training_rows: Some(data.train.len()),
        ..file
    };
    let whole = file.plan();
    mlp_sweep::check_plan(&whole, &data).map_err(sweep_error)?;
    let step = StepOptions::default();
    let meta = SweepMeta::of_plan(file.name.clone(), &whole, 1, step);
    if resume {
        mlp_sweep::check_folder_data(&out, &data).map_err(sweep_error)?;
    }
    std::fs::create_dir_all(&out).map_err(|e| {
        pyo3::exceptions::PyOSError::new_err(format!("cannot create {}: {e}", out.display()))
    })?;
    let results = mlp_sweep::shard_results_path(&out, Shard::ALL);
    meta.save(&out).map_err(sweep_error)?;
    let options = SweepOptions {
        threads,
        results: results.clone(),
        other_results: mlp_sweep::results_files(&out).map_err(sweep_error)?,
        resume,
        step,
        save_models: save_models.then(|| out.join("models")),
        checkpoints: out.join("checkpoints"),
    };
    let (outcome, signal) = run_watching(py, |stop| {
        mlp_sweep::run_sweep(whole, &data, &options, &|_| {}, stop)
    })?;
    let summary = match (outcome, signal) {
        (Ok(summary), Some(signal)) if !summary.interrupted => return Err(signal),
        (Ok(summary), _) => summary,
        (Err(_), Some(signal)) => return Err(signal),
        (Err(e), None) => return Err(sweep_error(e)),
    };
    if summary.interrupted {
        return Err(pyo3::exceptions::PyKeyboardInterrupt::new_err(format!(
            "interrupted with {} configurations not run; run the same sweep again to finish",
            summary.not_run
        )));
    }
    let records = records(&out)?;
    if report && !records.is_empty() {
        mlp_report::write_report(&records, file.name.as_deref(), &out)
            .map_err(|e| pyo3::exceptions::PyOSError::new_err(e.to_string()))?;
    }
    records.iter().map(|r| record_to_py(py, r)).collect()
}

/// Every record of the sweep in `out`, as dicts.
#[pyfunction]
pub fn read_records(py: Python<'_>, out: PathBuf) -> PyResult<Vec<Bound<'_, PyAny>>> {
    records(&out)?.iter().map(|r| record_to_py(py, r)).collect()
}
