//! The `mlp` command: train, sweep, report and bench MLPs on MNIST-format data.

mod bench;
mod exit;
mod progress;
mod report;
mod sweep;
mod train;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Train and study small fully connected networks on MNIST-format data.
#[derive(Parser)]
#[command(name = "mlp", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train one network and print the study's metrics.
    Train(train::Args),
    /// Run a grid, sweep file or preset in parallel; results as they finish, then the report.
    Sweep(sweep::Args),
    /// Merge result files and write report.md with plots.
    Report(report::Args),
    /// Measure single-thread step speed against this machine's streaming bandwidth.
    Bench(bench::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => train::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Report(args) => report::run(args),
        Command::Bench(args) => bench::run(args),
    };
    exit::report(result)
}
