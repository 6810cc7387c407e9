//! `mlp bench`: single-thread step speed against measured streaming bandwidth.

use crate::exit::{from_engine, UsageError};
use anyhow::Context;
use clap::Args as ClapArgs;
use mlp_engine::bench::{bench_steps, StepBench};
use mlp_engine::{Case, InputPath, LoadedData, StepOptions, W1Update};
use std::path::PathBuf;
use std::time::Duration;

/// Flags of `mlp bench`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Folder holding the MNIST IDX files; steps run over its training images.
    #[arg(long, default_value = "data/mnist")]
    data: PathBuf,
    /// Cases, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "relu-sigmoid,tanh")]
    case: Vec<Case>,
    /// Hidden sizes, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "300,500,1000")]
    hidden: Vec<usize>,
    /// Seconds to time each case and size per round.
    #[arg(long, default_value_t = 1.0)]
    seconds: f64,
    /// Timed rounds, each visiting every case and size in turn; figures are
    /// the median round, with the slowest and fastest beside it.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Multiply by the dense input instead of the non-zero pixels.
    #[arg(long)]
    dense: bool,
    /// When W1 updates are applied: after each step (immediate), with the next
    /// forward (fused), or held back and applied once per block (deferred).
    #[arg(long, value_enum, default_value = "deferred")]
    w1_update: UpdateArg,
    /// Steps per block with --w1-update deferred.
    #[arg(long, default_value_t = mlp_engine::DEFERRED_SAMPLES)]
    block_samples: usize,
    /// Print a JSON list instead of the table.
    #[arg(long)]
    json: bool,
}

/// The `--w1-update` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum UpdateArg {
    Immediate,
    Fused,
    Deferred,
}

/// Runs `mlp bench`.
pub fn run(args: Args) -> anyhow::Result<()> {
    if !(args.seconds.is_finite() && args.seconds > 0.0) {
        return Err(UsageError("invalid --seconds: must be a positive number".into()).into());
    }
    if args.hidden.contains(&0) {
        return Err(UsageError("invalid --hidden: sizes must be at least 1".into()).into());
    }
    if args.rounds == 0 {
        return Err(UsageError("invalid --rounds: must be at least 1".into()).into());
    }
    if args.block_samples == 0 {
        return Err(UsageError("invalid --block-samples: must be at least 1".into()).into());
    }
    let data = LoadedData::open(&args.data)
        .map_err(from_engine)
        .with_context(|| format!("cannot load data from {}", args.data.display()))?;
    let options = StepOptions {
        input: if args.dense {
            InputPath::Dense
        } else {
            InputPath::Sparse
        },
        w1_update: match args.w1_update {
            UpdateArg::Immediate => W1Update::Immediate,
            UpdateArg::Fused => W1Update::Fused,
            UpdateArg::Deferred => W1Update::Deferred {
                samples: args.block_samples,
            },
        },
    };
    let budget = Duration::from_secs_f64(args.seconds);
    if !args.json {
        println!(
            "single thread, {} SIMD, {} input, {}; {} round(s) of {} s per case and size (steps/s: the median round)\nW1 KB/step: what an online step touches (3 x non-zero pixels x N x 4 B); moved: what this implementation loads and stores;\nL1 ceiling: steps/s if a step were only its W1 multiply-adds at the sparse row loop's speed with all rows in L1",
            mlp_engine::simd_name(),
            if args.dense { "dense" } else { "sparse" },
            match options.w1_update {
                W1Update::Immediate => "W1 updated after each step".to_string(),
                W1Update::Fused => "W1 update fused with the next forward".to_string(),
                W1Update::Deferred { samples } =>
                    format!("W1 updates deferred in blocks of {samples} steps"),
            },
            args.rounds,
            args.seconds
        );
        println!(
            "{:<13} {:>5} {:>11} {:>17} {:>8} {:>10} {:>8} {:>10} {:>10} {:>11} {:>9} {:>11}",
            "case",
            "N",
            "steps/s",
            "min-max",
            "us/step",
            "W1 KB/step",
            "moved KB",
            "W1 GB/s",
            "W1 size",
            "stream GB/s",
            "fraction",
            "L1 ceiling"
        );
    }
    let print_row = |r: &StepBench| {
        if !args.json {
            println!(
                "{:<13} {:>5} {:>11.0} {:>17} {:>8.2} {:>10.1} {:>8.1} {:>10.1} {:>8.2}MB {:>11.1} {:>8.0}% {:>11.0}",
                r.case.name(),
                r.hidden,
                r.steps_per_second,
                format!("{:.0}-{:.0}", r.steps_per_second_min, r.steps_per_second_max),
                r.us_per_step,
                r.w1_bytes_per_step / 1e3,
                r.w1_bytes_moved_per_step / 1e3,
                r.achieved_gbps,
                r.working_set_bytes as f64 / 1e6,
                r.stream_gbps,
                100.0 * r.bandwidth_fraction,
                r.l1_ceiling_steps_per_second
            );
        }
    };
    let results = bench_steps(
        &args.case,
        &args.hidden,
        &data.train,
        budget,
        options,
        args.rounds,
        print_row,
    );
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    }
    Ok(())
}
