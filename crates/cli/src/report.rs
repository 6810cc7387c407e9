//! `mlp report`: merge result files and write the report they call for.

use crate::exit::{from_sweep, UsageError};
use clap::Args as ClapArgs;
use std::path::PathBuf;

/// Flags of `mlp report`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Result files (results.jsonl) to merge, or sweep folders (every
    /// shard's file in them); shards of one sweep included.
    #[arg(required = true, value_name = "RESULTS")]
    results: Vec<PathBuf>,
    /// Folder for report.md and plots/ (default: the first sweep's folder).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print only the report's path.
    #[arg(long)]
    quiet: bool,
    /// Open report.html in the browser ($BROWSER, else the desktop's opener).
    #[arg(long)]
    open: bool,
}

/// Runs `mlp report`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let mut files = Vec::new();
    for path in &args.results {
        if path.is_dir() {
            let found = mlp_sweep::results_files(path).map_err(from_sweep)?;
            if found.is_empty() {
                return Err(UsageError(format!(
                    "invalid RESULTS: {} holds no results.jsonl or results/*.jsonl",
                    path.display()
                ))
                .into());
            }
            files.extend(found);
        } else {
            files.push(path.clone());
        }
    }
    let out = match &args.out {
        Some(o) => o.clone(),
        None if args.results[0].is_dir() => args.results[0].clone(),
        None => mlp_sweep::sweep_folder(&args.results[0]),
    };
    let written = crate::shared::report_results(&files, &out, args.quiet)?;
    if args.open {
        crate::open::in_browser(&written.html);
    }
    Ok(())
}
