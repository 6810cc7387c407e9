//! Project automation for mlp-sweep, run as `cargo xtask <command>`.
//!
//! Each command lives in its own module and exposes a clap `Args` struct
//! plus a `run(Args) -> anyhow::Result<()>` function; adding a command is
//! one `mod` line and one enum variant (with its match arm).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod browser_test;
mod download;
mod fuzz;
mod reproduce;
mod slurm_test;
mod structure;
mod test;

/// Command-line entry point.
#[derive(Debug, Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "mlp-sweep project automation"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The available commands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Open report.html pages in headless Chromium and check them (sorting, brushing, reloading, no network).
    BrowserTest(browser_test::Args),
    /// Fetch the four MNIST files, verify their SHA-256 and store them raw.
    Download(download::Args),
    /// Fuzz every parser of data files (cargo-fuzz, nightly) for N seconds each.
    Fuzz(fuzz::Args),
    /// Run the whole study (Tables 1-6, both backprop modes) and write its report.
    Reproduce(reproduce::Args),
    /// Run a small real sweep through a real one-node Slurm on this machine (as root).
    SlurmTest(slurm_test::Args),
    /// Check the house rules: no module import cycles, no crate above its share of lines.
    Structure(structure::Args),
    /// Run every test, the real-data ones included (gets the data first).
    Test(test::Args),
}

fn main() -> ExitCode {
    // clap prints usage errors itself and exits 2.
    let cli = Cli::parse();
    let result = match cli.command {
        Command::BrowserTest(args) => browser_test::run(args),
        Command::Download(args) => download::run(args),
        Command::Fuzz(args) => fuzz::run(args),
        Command::Reproduce(args) => reproduce::run(args),
        Command::SlurmTest(args) => slurm_test::run_test(args),
        Command::Structure(args) => structure::run(args),
        Command::Test(args) => test::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // `{:#}` joins the anyhow context chain with ": " on one line.
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root, fixed at compile time so commands work from any cwd.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .expect("xtask sits one level below the workspace root")
        .to_path_buf()
}
