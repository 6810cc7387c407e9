//! `mlp train`: one configuration of the study, end to end.

use crate::exit::from_engine;
use crate::progress::{visible, TrainProgress};
use crate::shared::{check_output_path, deferred_steps, load_data, load_model};
use anyhow::Context;
use clap::Args as ClapArgs;
use mlp_engine::model::{self, Model, Stage};
use mlp_engine::{Backprop, Case, Network, TrainConfig, TrainReport};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Flags of `mlp train`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Folder holding the four MNIST IDX files (raw or .gz).
    #[arg(long, default_value = "data/mnist")]
    data: PathBuf,
    /// Network case: tanh (tanh/tanh, targets -1/+1) or relu-sigmoid (targets 0/1).
    #[arg(long, default_value = "relu-sigmoid")]
    case: Case,
    /// Hidden units N.
    #[arg(long, default_value_t = 300)]
    hidden: usize,
    /// Learning rate eta.
    #[arg(long, default_value_t = 0.01, allow_negative_numbers = true)]
    lr: f64,
    /// Passes over the training samples.
    #[arg(long, default_value_t = 50)]
    epochs: usize,
    /// Use only the first K training images each epoch (default: all).
    #[arg(long, value_name = "K")]
    train_samples: Option<usize>,
    /// L2 weight-decay coefficient lambda.
    #[arg(
        long,
        value_name = "LAMBDA",
        default_value_t = 0.0,
        allow_negative_numbers = true
    )]
    l2: f64,
    /// Derivatives: exact, or as-published (the study's defective ones).
    #[arg(long, default_value = "exact")]
    backprop: Backprop,
    /// Seed of the weight initialisation and shuffle.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Visit samples in a fresh seeded order each epoch (the study did not).
    #[arg(long)]
    shuffle: bool,
    /// Evaluate the test set every E epochs and record it.
    #[arg(long, value_name = "E", default_value_t = 0)]
    eval_every: usize,
    /// Hold back W1 updates for blocks of B steps and apply each block in one
    /// pass (1 to 32); results agree across block sizes only to rounding.
    #[arg(long, value_name = "B", default_value_t = mlp_engine::DEFERRED_SAMPLES)]
    block_samples: usize,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
    /// Write the trained weights and their metadata to FILE (safetensors).
    #[arg(long, value_name = "FILE")]
    save: Option<PathBuf>,
    /// Write the initial weights to FILE (safetensors) before the first step.
    #[arg(long, value_name = "FILE")]
    save_init: Option<PathBuf>,
    /// Start from the weights in FILE (a model file) instead of the seeded initialisation.
    #[arg(long, value_name = "FILE")]
    init_from: Option<PathBuf>,
}

impl Args {
    fn config(&self, available: usize) -> TrainConfig {
        TrainConfig {
            case: self.case,
            hidden: self.hidden,
            lr: self.lr,
            epochs: self.epochs,
            train_samples: self.train_samples.unwrap_or(available),
            l2: self.l2,
            backprop: self.backprop,
            seed: self.seed,
            shuffle: self.shuffle,
            eval_every: self.eval_every,
        }
    }
}

/// Runs `mlp train`.
pub fn run(args: Args) -> anyhow::Result<()> {
    // Check what needs no data first, so a usage error never waits on loading.
    args.config(usize::MAX)
        .validate(usize::MAX)
        .map_err(from_engine)?;
    let steps = deferred_steps(args.block_samples)?;
    for (flag, path) in [("--save", &args.save), ("--save-init", &args.save_init)] {
        if let Some(path) = path {
            check_output_path(flag, path)?;
        }
    }
    let init = match &args.init_from {
        Some(path) => Some(load_model("--init-from", path)?.network),
        None => None,
    };
    let data = load_data(&args.data)?;
    let config = args.config(data.train.len());
    config.validate(data.train.len()).map_err(from_engine)?;
    let (inputs, classes) = (data.train.inputs(), data.train.classes());
    if let (Some(path), Some(net)) = (&args.init_from, &init) {
        // Before --save-init writes anything.
        net.check_shape(inputs, config.hidden, classes)
            .map_err(from_engine)
            .with_context(|| format!("cannot start from {}", path.display()))?;
    }
    let (rows, cols) = (data.files.train.rows(), data.files.train.cols());
    let model_of = |network: Network, stage, metrics| Model {
        network,
        stage,
        config: config.clone(),
        rows,
        cols,
        data_sha256: data.files.sha256(),
        metrics,
        block_samples: steps.block_samples(),
        tool_version: mlp_engine::VERSION.to_string(),
    };
    let init = match &args.save_init {
        Some(path) => {
            let net =
                init.unwrap_or_else(|| Network::init(inputs, config.hidden, classes, config.seed));
            let m = model_of(net, Stage::Initial, None);
            model::save(path, &m).map_err(from_engine)?;
            Some(m.network)
        }
        None => init,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let mut progress = TrainProgress::new(
        config.epochs,
        config.train_samples as u64,
        visible(args.quiet),
        stop,
    );
    let (report, net) =
        mlp_engine::train_with(&config, &data.train, &data.test, init, steps, &mut progress)
            .map_err(from_engine)?;
    progress.finish();
    if let Some(path) = &args.save {
        let m = model_of(net, Stage::Trained, Some(report.metrics.clone()));
        model::save(path, &m).map_err(from_engine)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_table(&report);
    }
    Ok(())
}

fn print_table(r: &TrainReport) {
    let c = &r.config;
    let m = &r.metrics;
    println!(
        "case {} ({}), backprop {}, K = {}, {} epochs, l2 = {}, seed {}{}{}",
        c.case.number(),
        c.case,
        c.backprop,
        c.train_samples,
        c.epochs,
        c.l2,
        c.seed,
        if c.shuffle { ", shuffled" } else { "" },
        match r.block_samples {
            Some(b) => format!(", W1 updates in blocks of {b}"),
            None => String::new(),
        }
    );
    println!(
        "{:>6}  {:>6}  {:>9}  {:>8}  {:>13}  {:>7}  {:>8}",
        "N", "eta", "train MSE", "test MSE", "misclassified", "error", "time (s)"
    );
    println!(
        "{:>6}  {:>6}  {:>9.4}  {:>8.4}  {:>13}  {:>6.2}%  {:>8.2}",
        c.hidden, c.lr, m.train_mse, m.test_mse, m.misclassified, m.test_error_pct, m.train_seconds
    );
    println!(
        "accuracy {:.2}%, {:.0} steps/s ({} SIMD)",
        100.0 * m.accuracy,
        m.steps_per_second,
        r.simd
    );
}
