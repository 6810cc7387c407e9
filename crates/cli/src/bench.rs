//! `mlp bench`: single-thread step speed against measured streaming bandwidth.

use crate::exit::{from_engine, UsageError};
use anyhow::Context;
use clap::Args as ClapArgs;
use mlp_engine::bench::bench_step;
use mlp_engine::{Case, InputPath, LoadedData, StepOptions};
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
    /// Seconds to time each case and size.
    #[arg(long, default_value_t = 2.0)]
    seconds: f64,
    /// Multiply by the dense input instead of the non-zero pixels.
    #[arg(long)]
    dense: bool,
    /// Apply each W1 update and the next forward in separate passes.
    #[arg(long)]
    unfused: bool,
    /// Print a JSON list instead of the table.
    #[arg(long)]
    json: bool,
}

/// Runs `mlp bench`.
pub fn run(args: Args) -> anyhow::Result<()> {
    if !(args.seconds.is_finite() && args.seconds > 0.0) {
        return Err(UsageError("invalid --seconds: must be a positive number".into()).into());
    }
    if args.hidden.contains(&0) {
        return Err(UsageError("invalid --hidden: sizes must be at least 1".into()).into());
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
        fused: !args.unfused,
    };
    let budget = Duration::from_secs_f64(args.seconds);
    if !args.json {
        println!(
            "single thread, {} SIMD, {} input, {}; W1 traffic = 3 x non-zero pixels x N x 4 B per step",
            mlp_engine::simd_name(),
            if args.dense { "dense" } else { "sparse" },
            if args.unfused { "unfused" } else { "fused" }
        );
        println!(
            "{:<13} {:>5} {:>11} {:>8} {:>10} {:>10} {:>10} {:>11} {:>9}",
            "case",
            "N",
            "steps/s",
            "us/step",
            "W1 KB/step",
            "W1 GB/s",
            "W1 size",
            "stream GB/s",
            "fraction"
        );
    }
    let mut results = Vec::new();
    for &case in &args.case {
        for &hidden in &args.hidden {
            let r = bench_step(case, hidden, &data.train, budget, options);
            if !args.json {
                println!(
                    "{:<13} {:>5} {:>11.0} {:>8.2} {:>10.1} {:>10.1} {:>8.2}MB {:>11.1} {:>8.0}%",
                    r.case.name(),
                    r.hidden,
                    r.steps_per_second,
                    r.us_per_step,
                    r.w1_bytes_per_step / 1e3,
                    r.achieved_gbps,
                    r.working_set_bytes as f64 / 1e6,
                    r.stream_gbps,
                    100.0 * r.bandwidth_fraction
                );
            }
            results.push(r);
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    }
    Ok(())
}
