//! `mlp report`: merge result files and write the study report.

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
    crate::shared::report_results(&args.results, &out, args.quiet)
}
