//! `cargo xtask reproduce`: the whole study in one command.
//!
//! Makes sure the data is there, builds `mlp` in release, runs the `study`
//! preset in both backprop modes (published math replayed, and exact), and
//! prints where the report is. Rerunning resumes: finished configurations are
//! kept in `runs/study/results.jsonl` and skipped.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Options of `cargo xtask reproduce`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Also run `study-full`: all 18 networks on all 60,000 images (exact).
    #[arg(long)]
    full: bool,
    /// Discard earlier results in runs/ and start over.
    #[arg(long)]
    fresh: bool,
    /// Configurations trained at once (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let root = crate::workspace_root();
    let data = root.join("data").join("mnist");
    crate::download::ensure(&data).context("cannot get the MNIST data")?;

    eprintln!("building mlp (release) ...");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(["build", "--release", "--quiet", "-p", "mlp-cli"])
        .status()
        .context("cannot run cargo build")?;
    if !status.success() {
        bail!("cargo build --release -p mlp-cli failed");
    }
    let mlp = root.join("target").join("release").join("mlp");

    let mut sweeps = vec![("study", "exact,as-published")];
    if args.full {
        sweeps.push(("study-full", "exact"));
    }
    for (preset, modes) in sweeps {
        let out = root.join("runs").join(preset);
        if args.fresh {
            remove_results(&out)?;
        }
        sweep(&mlp, &data, preset, modes, &out, args.threads)?;
    }
    Ok(())
}

fn remove_results(out: &Path) -> Result<()> {
    let results = out.join("results.jsonl");
    match std::fs::remove_file(&results) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e).with_context(|| format!("cannot remove {}", results.display())),
    }
}

fn sweep(
    mlp: &PathBuf,
    data: &Path,
    preset: &str,
    modes: &str,
    out: &Path,
    threads: Option<usize>,
) -> Result<()> {
    eprintln!("running preset {preset} ({modes}) into {}", out.display());
    let mut cmd = Command::new(mlp);
    cmd.arg("sweep")
        .arg("--preset")
        .arg(preset)
        .arg("--backprop")
        .arg(modes)
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(out)
        .arg("--resume");
    if let Some(t) = threads {
        cmd.arg("--threads").arg(t.to_string());
    }
    let started = std::time::Instant::now();
    let status = cmd
        .status()
        .with_context(|| format!("cannot run {}", mlp.display()))?;
    if !status.success() {
        bail!(
            "mlp sweep --preset {preset} failed (its error is above); rerun `cargo xtask reproduce` to resume where it stopped, or `cargo xtask reproduce --fresh` to start over"
        );
    }
    eprintln!(
        "preset {preset}: {:.1} s wall; report in {}",
        started.elapsed().as_secs_f64(),
        out.join("report.md").display()
    );
    Ok(())
}
