//! `mlp report`: merge result files and write the study report.

use crate::exit::from_engine;
use clap::Args as ClapArgs;
use std::path::{Path, PathBuf};

/// Flags of `mlp report`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Result files (results.jsonl) to merge; shards of one sweep included.
    #[arg(required = true, value_name = "RESULTS")]
    results: Vec<PathBuf>,
    /// Folder for report.md and plots/ (default: the first file's folder).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print only the report's path.
    #[arg(long)]
    quiet: bool,
}

/// Runs `mlp report`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let out = match &args.out {
        Some(o) => o.clone(),
        None => args.results[0]
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
    };
    write_and_print(&args.results, &out, args.quiet)
}

/// Merges `results`, writes the report into `out`, prints its path and a summary.
pub fn write_and_print(results: &[PathBuf], out: &Path, quiet: bool) -> anyhow::Result<()> {
    let records = mlp_engine::sweep::merge(results).map_err(from_engine)?;
    if records.is_empty() {
        anyhow::bail!("no finished configurations in {}", results[0].display());
    }
    std::fs::create_dir_all(out)?;
    let files = mlp_report::study::write_report(&records, out).map_err(from_engine)?;
    if !quiet {
        println!("{}", mlp_report::study::summary_table(&records));
    }
    println!("report: {}", files.report.display());
    Ok(())
}
