//! What several subcommands do alike: open the data and models, check output
//! paths and step options, name a split, draw a digit in the terminal.

use crate::exit::{from_engine, from_sweep, UsageError};
use anyhow::Context;
use clap::ValueEnum;
use mlp_engine::model::{self, Model};
use mlp_engine::{Dataset, LoadedData, StepOptions, MAX_DEFERRED_SAMPLES};
use std::path::{Path, PathBuf};

/// Opens the MNIST folder `dir`; a failure is one line naming it.
pub fn load_data(dir: &Path) -> anyhow::Result<LoadedData> {
    LoadedData::open(dir)
        .map_err(from_engine)
        .with_context(|| format!("cannot load data from {}", dir.display()))
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
pub fn report_results(results: &[PathBuf], out: &Path, quiet: bool) -> anyhow::Result<()> {
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
    Ok(())
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

    /// The split of `data`: its IDX files and its converted dataset.
    pub fn of(self, data: &LoadedData) -> (&mnist_idx::Split, &Dataset) {
        match self {
            SplitName::Train => (&data.files.train, &data.train),
            SplitName::Test => (&data.files.test, &data.test),
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
    /// Folder holding the four MNIST IDX files (raw or .gz).
    #[arg(long, default_value = "data/mnist")]
    pub data: PathBuf,
    /// Which split to evaluate.
    #[arg(long, value_enum, default_value = "test")]
    pub split: SplitName,
}
