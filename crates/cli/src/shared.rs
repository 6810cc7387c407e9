//! What several subcommands do alike: open the data and models, check output
//! paths and step options, name a split, draw a digit in the terminal.

use crate::exit::{from_engine, from_sweep, UsageError};
use anyhow::Context;
use clap::ValueEnum;
use mlp_engine::model::{self, Model};
use mlp_engine::{DataSpec, Dataset, LoadedData, Scale, StepOptions, MAX_DEFERRED_SAMPLES};
use std::path::{Path, PathBuf};

/// Where the data come from and how to read them: `--data` and its companions.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct DataArgs {
    /// The data: a folder of IDX files or of x_train/y_train/x_test/y_test
    /// .npy files, a .npz archive, a .csv table, or a name (mnist) fetched
    /// into the per-user cache [default: data/mnist]
    #[arg(long, value_name = "PATH|NAME")]
    pub data: Option<PathBuf>,
    /// A CSV table of test rows, for a .csv --data.
    #[arg(long, value_name = "FILE")]
    pub test_data: Option<PathBuf>,
    /// Share of a .csv --data's rows held out as the test set when there is no --test-data [default: 0.2]
    #[arg(long, value_name = "F")]
    pub test_fraction: Option<f64>,
    /// Seed choosing the held-out test rows [default: 0]
    #[arg(long, value_name = "N")]
    pub split_seed: Option<u64>,
    /// The CSV label column, by header name or index from 0 [default: label, else the first]
    #[arg(long, value_name = "NAME|INDEX")]
    pub label_column: Option<String>,
    /// Input scaling: pixel (/255), standardize (each feature's training mean
    /// and deviation) or none [default: pixel for bytes, standardize for floats]
    #[arg(long = "scale", value_name = "KIND", value_parser = parse_scale)]
    pub input_scale: Option<Scale>,
}

/// A `--scale` value; a number points to the affine range's own flag.
fn parse_scale(s: &str) -> Result<Scale, String> {
    s.parse().map_err(|e: String| {
        if s.parse::<f64>().is_ok() {
            format!("{e}; the affine distortions' scale range is --affine-scale")
        } else {
            e
        }
    })
}

impl DataArgs {
    /// The data as the flags name them (unset flags left out).
    pub fn spec(&self) -> DataSpec {
        DataSpec {
            path: self.data.clone(),
            test_data: self.test_data.clone(),
            test_fraction: self.test_fraction,
            split_seed: self.split_seed,
            label_column: self.label_column.clone(),
            scale: self.input_scale,
        }
    }
}

/// `spec` with a data-set name for a path (`--data mnist`) replaced by its
/// folder in the per-user cache, fetched and verified on first use.
pub fn resolve_named(mut spec: DataSpec) -> anyhow::Result<DataSpec> {
    if let Some(path) = &spec.path {
        let name = path.to_string_lossy();
        if !path.exists() && mlp_download::is_name(&name) {
            spec.path = Some(
                mlp_download::named(&name)
                    .with_context(|| format!("cannot fetch the data set {name}"))?,
            );
        }
    }
    Ok(spec)
}

/// Fails, saying how to get MNIST, when the data path does not exist.
fn check_exists(spec: &DataSpec) -> anyhow::Result<()> {
    let path = spec.path();
    if !path.exists() {
        if path.extension().is_some() {
            anyhow::bail!(
                "cannot load data from {}: no such file or folder",
                path.display()
            );
        }
        anyhow::bail!(
            "cannot load data from {0}: no such file or folder; `mlp download --dest {0}` fetches MNIST there (or `cargo xtask download` in a checkout), and `--data mnist` uses the per-user cache",
            path.display()
        );
    }
    Ok(())
}

/// Opens the data of `spec` for training; a failure is one line naming the file.
pub fn load_data(spec: &DataSpec) -> anyhow::Result<LoadedData> {
    let spec = resolve_named(spec.clone())?;
    check_exists(&spec)?;
    spec.open()
        .map_err(from_engine)
        .with_context(|| format!("cannot load data from {}", spec.path().display()))
}

/// Opens the data of `spec` as `model` was trained on it (its scaling,
/// classes and held-out rows); `--scale` is refused, naming `command`.
pub fn load_data_for(spec: &DataSpec, model: &Model, command: &str) -> anyhow::Result<LoadedData> {
    if spec.scale.is_some() {
        return Err(UsageError(format!(
            "invalid --scale: {command} applies the scaling each model was trained with"
        ))
        .into());
    }
    let spec = resolve_named(spec.clone())?;
    check_exists(&spec)?;
    spec.open_for(model)
        .map_err(from_engine)
        .with_context(|| format!("cannot load data from {}", spec.path().display()))
}

/// Reads the model file of `flag` at `path`; a failure is one line naming both.
pub fn load_model(flag: &str, path: &Path) -> anyhow::Result<Model> {
    model::load(path)
        .map_err(from_engine)
        .with_context(|| format!("cannot use {flag}"))
}

/// Fails early, naming `flag`, when `path` cannot become an output file: it
/// is a folder, or the folder it would go in does not exist.
pub fn check_output_path(flag: &str, path: &Path) -> anyhow::Result<()> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if path.is_dir() {
        return Err(UsageError(format!("invalid {flag}: {} is a folder", path.display())).into());
    }
    if !parent.is_dir() {
        return Err(UsageError(format!(
            "invalid {flag}: the folder {} does not exist",
            parent.display()
        ))
        .into());
    }
    Ok(())
}

/// The step options of `--block-samples B`: W1 updates held back for blocks of `B` steps.
pub fn deferred_steps(block_samples: usize) -> anyhow::Result<StepOptions> {
    if !(1..=MAX_DEFERRED_SAMPLES).contains(&block_samples) {
        return Err(UsageError(format!(
            "invalid --block-samples: {block_samples} is not between 1 and {MAX_DEFERRED_SAMPLES}"
        ))
        .into());
    }
    Ok(StepOptions::deferred(block_samples))
}

/// Merges `results`, writes the report into `out`, prints its path and a summary.
pub fn report_results(
    results: &[PathBuf],
    out: &Path,
    quiet: bool,
) -> anyhow::Result<mlp_report::ReportFiles> {
    let merged = mlp_sweep::merge_noting(results).map_err(from_sweep)?;
    if !merged.repeated.is_empty() {
        eprintln!(
            "note: {} configurations appear in more than one results file, with the same figures; each counts once (first: {})",
            merged.repeated.len(),
            merged.repeated[0]
        );
    }
    let records = merged.records;
    if records.is_empty() {
        anyhow::bail!("no finished configurations in {}", results[0].display());
    }
    // The sweep's title, from the folder that ran it.
    let folder = mlp_sweep::sweep_folder(&results[0]);
    let meta = mlp_sweep::SweepMeta::load(&folder).map_err(from_sweep)?;
    std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let files = mlp_report::write_report(&records, meta.name.as_deref(), out)?;
    if !quiet {
        println!("{}", mlp_report::summary(&records));
    }
    println!("report: {}", files.report.display());
    println!("page: {}", files.html.display());
    Ok(files)
}

/// Which split of a data folder to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SplitName {
    /// The training images.
    Train,
    /// The test images.
    Test,
}

impl SplitName {
    /// The split's name.
    pub fn name(self) -> &'static str {
        match self {
            SplitName::Train => "train",
            SplitName::Test => "test",
        }
    }

    /// The split of `data`: its files' values and its converted dataset.
    pub fn of(self, data: &LoadedData) -> (&mnist_idx::Part, &Dataset) {
        match self {
            SplitName::Train => (&data.source.train, &data.train),
            SplitName::Test => (&data.source.test, &data.test),
        }
    }
}

/// Characters from no ink to full ink.
const RAMP: &[u8] = b" .:-=+*#%@";

/// `rows x cols` bytes as terminal art, two characters per pixel so the shape keeps its aspect ratio.
pub fn terminal_art(pixels: &[u8], rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * (2 * cols + 3));
    let edge = format!("+{}+\n", "-".repeat(2 * cols));
    s.push_str(&edge);
    for row in pixels.chunks(cols).take(rows) {
        s.push('|');
        for &v in row {
            let c = RAMP[(v as usize * RAMP.len() / 256).min(RAMP.len() - 1)] as char;
            s.push(c);
            s.push(c);
        }
        s.push_str("|\n");
    }
    s.push_str(&edge);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn art_maps_intensity_to_the_ramp() {
        let a = terminal_art(&[0, 128, 255, 30], 2, 2);
        assert_eq!(a, "+----+\n|  ++|\n|@@..|\n+----+\n");
    }

    #[test]
    fn block_samples_outside_the_range_are_usage_errors() {
        assert!(deferred_steps(1).is_ok());
        assert!(deferred_steps(MAX_DEFERRED_SAMPLES).is_ok());
        for bad in [0, MAX_DEFERRED_SAMPLES + 1] {
            let e = deferred_steps(bad).unwrap_err();
            assert!(e.downcast_ref::<UsageError>().is_some());
            assert!(e.to_string().contains("--block-samples"), "{e}");
        }
    }
}

/// The data a saved model is evaluated on: `--data` and `--split`.
#[derive(clap::Args, Debug)]
pub struct EvalData {
    #[command(flatten)]
    pub data: DataArgs,
    /// Which split to evaluate.
    #[arg(long, value_enum, default_value = "test")]
    pub split: SplitName,
}
