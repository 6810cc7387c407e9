//! The `mlp` command: train, sweep, report and bench MLPs on MNIST-format data.

mod bench;
mod config_flags;
mod download;
mod ensemble;
mod eval;
mod exit;
mod live;
mod open;
mod predict;
mod progress;
mod report;
mod shared;
mod show;
mod sweep;
mod train;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

/// Train and study small fully connected networks on MNIST-format data.
#[derive(Parser)]
#[command(name = "mlp", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size of the largest variant does not matter.
#[allow(clippy::large_enum_variant)]
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
    /// Evaluate a saved model: metrics, per-class figures, confusion, misclassified images.
    Eval(eval::Args),
    /// Evaluate a committee of saved models voting by their mean output scores.
    Ensemble(ensemble::Args),
    /// Classify your own pictures of digits with a saved model.
    Predict(predict::Args),
    /// Print a dataset image as terminal art with its label (or write it as a PNG).
    Show(show::Args),
    /// Fetch a named data set (mnist) into the per-user cache or a folder, checksums verified.
    Download(download::Args),
}

/// The command line, with the affine scale range's flag renamed
/// `--affine-scale`: `--scale` is the input scaling of `--data`.
fn command() -> clap::Command {
    let affine = |c: clap::Command| c.mut_arg("scale", |a| a.long("affine-scale"));
    Cli::command()
        .mut_subcommand("train", affine)
        .mut_subcommand("sweep", affine)
}

fn main() -> ExitCode {
    exit::quiet_on_broken_pipe();
    let cli = Cli::from_arg_matches(&command().get_matches()).unwrap_or_else(|e| e.exit());
    let result = match cli.command {
        Command::Train(args) => train::run(args),
        Command::Sweep(args) => sweep::run(args),
        Command::Report(args) => report::run(args),
        Command::Bench(args) => bench::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Ensemble(args) => ensemble::run(args),
        Command::Predict(args) => predict::run(args),
        Command::Show(args) => show::run(args),
        Command::Download(args) => download::run(args),
    };
    exit::report(result)
}
