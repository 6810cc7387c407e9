//! `mlp train`: one configuration of the study, end to end.

use crate::config_flags::GeneralFlags;
use crate::exit::{from_engine, UsageError};
use crate::progress::{visible, TrainProgress};
use crate::shared::{check_output_path, deferred_steps, load_data, load_model, DataArgs};
use anyhow::Context;
use clap::Args as ClapArgs;
use mlp_engine::model::{self, Stage};
use mlp_engine::{recipe, Backprop, Case, Layers, Network, RunOptions, TrainConfig, TrainReport};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

/// Flags of `mlp train`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Start from a named recipe (see --list-recipes); any flag below overrides its fields.
    #[arg(long, value_name = "NAME")]
    recipe: Option<String>,
    /// List the recipes, each with its source and the figure it should reach, and exit.
    #[arg(long)]
    list_recipes: bool,
    /// Network case: tanh (tanh/tanh, targets -1/+1) or relu-sigmoid (targets 0/1);
    /// alone, the short name of the recipe study-CASE.
    #[arg(long)]
    case: Option<Case>,
    /// Hidden widths: 300 (one layer) or 500-300 (two layers, input side first).
    #[arg(long, value_name = "WIDTHS")]
    hidden: Option<Layers>,
    /// Learning rate eta (the schedule's base rate).
    #[arg(long, allow_negative_numbers = true)]
    lr: Option<f64>,
    /// Passes over the training samples.
    #[arg(long)]
    epochs: Option<usize>,
    /// Use only the first K training images each epoch (default: all not held out for validation).
    #[arg(long, value_name = "K")]
    train_samples: Option<usize>,
    /// L2 coefficient lambda (added to the weights' gradient).
    #[arg(long, value_name = "LAMBDA", allow_negative_numbers = true)]
    l2: Option<f64>,
    /// Derivatives: exact, or as-published (the study's defective ones).
    #[arg(long)]
    backprop: Option<Backprop>,
    /// Seed of the weight initialisation and shuffle.
    #[arg(long)]
    seed: Option<u64>,
    /// Visit samples in a fresh seeded order each epoch.
    #[arg(long, overrides_with = "no_shuffle")]
    shuffle: bool,
    /// Keep file order (the study's recipes do).
    #[arg(long)]
    no_shuffle: bool,
    /// Evaluate the test set (and validation split) every E epochs and record it.
    #[arg(long, value_name = "E")]
    eval_every: Option<usize>,
    #[command(flatten)]
    general: GeneralFlags,
    /// Threads of a minibatch run (default: all cores); results are the same for any count.
    #[arg(long, value_name = "N")]
    threads: Option<usize>,
    /// Hold back W1 updates for blocks of B steps and apply each block in one
    /// pass (1 to 32; the study's online engine); results agree across block sizes only to rounding.
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
    fn config(&self, available: usize) -> anyhow::Result<TrainConfig> {
        let name = match (&self.recipe, self.case) {
            (Some(r), _) => r.clone(),
            (None, Some(case)) => format!("study-{case}"),
            (None, None) => "study-relu-sigmoid".to_string(),
        };
        let recipe = recipe::recipe(&name).ok_or_else(|| {
            UsageError(format!(
                "invalid --recipe: {}",
                recipe::unknown_recipe(&name) + "; see mlp train --list-recipes"
            ))
        })?;
        let mut c = recipe.config().fields();
        macro_rules! set {
            ($($f:ident),+) => { $( if let Some(v) = self.$f.clone() { c.$f = v; } )+ };
        }
        set!(case, hidden, lr, epochs, l2, backprop, seed, eval_every);
        if self.shuffle {
            c.shuffle = true;
        }
        if self.no_shuffle {
            c.shuffle = false;
        }
        self.general.apply(&mut c);
        c.train_samples = self
            .train_samples
            .unwrap_or_else(|| available.saturating_sub(c.validation));
        c.resolve().map_err(from_engine)
    }
}

fn list_recipes() {
    for r in recipe::RECIPES {
        println!(
            "{}\n  {}\n  source: {}\n  expected: {}",
            r.name, r.summary, r.source, r.expected
        );
    }
}

/// Runs `mlp train`.
pub fn run(args: Args) -> anyhow::Result<()> {
    if args.list_recipes {
        list_recipes();
        return Ok(());
    }
    // Check what needs no data first, so a usage error never waits on loading.
    args.config(usize::MAX)?
        .validate(usize::MAX)
        .map_err(from_engine)?;
    let steps = deferred_steps(args.block_samples)?;
    let threads = match args.threads {
        Some(0) => return Err(UsageError("invalid --threads: must be at least 1".into()).into()),
        Some(n) => n,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    for (flag, path) in [("--save", &args.save), ("--save-init", &args.save_init)] {
        if let Some(path) = path {
            check_output_path(flag, path)?;
        }
    }
    let init = match &args.init_from {
        Some(path) => Some(load_model("--init-from", path)?.network),
        None => None,
    };
    let data = load_data(&args.data.spec())?;
    let config = args.config(data.train.len())?;
    // Before --save-init writes anything.
    mlp_engine::check_run(&config, &data.train, &data.test).map_err(from_engine)?;
    let (inputs, classes) = (data.train.inputs(), data.train.classes());
    if let (Some(path), Some(net)) = (&args.init_from, &init) {
        // Before --save-init writes anything.
        net.check_sizes(
            &mlp_engine::sizes_of(&config, inputs, classes),
            config.network.bias,
        )
        .map_err(from_engine)
        .with_context(|| format!("cannot start from {}", path.display()))?;
    }
    let model_of = |network: Network, stage, metrics| {
        data.model(
            network,
            stage,
            config.clone(),
            metrics,
            steps.block_samples(),
        )
    };
    let init = match &args.save_init {
        Some(path) => {
            let net = init.unwrap_or_else(|| mlp_engine::initial_network(&config, inputs, classes));
            let m = model_of(net, Stage::Initial, None);
            model::save(path, &m).map_err(from_engine)?;
            Some(m.network)
        }
        None => init,
    };
    let stop = Arc::new(AtomicBool::new(false));
    let mut progress = TrainProgress::new(
        config.run.epochs,
        config.data.train_samples as u64,
        visible(args.quiet),
        stop,
    );
    // A run alone on the machine: distorting on a thread of its own, a
    // batch ahead, measures faster than inside the step (docs/performance.md).
    let run = RunOptions {
        parallel: threads > 1,
        distort_ahead: true,
        ..RunOptions::default()
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("cannot start the training threads")?;
    let (report, net) = pool
        .install(|| {
            mlp_engine::train_run(
                &config,
                &data.train,
                &data.test,
                init,
                steps,
                run,
                &mut progress,
            )
        })
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
        c.network.case.number(),
        c.network.case,
        c.network.backprop,
        c.data.train_samples,
        c.run.epochs,
        c.regularization.l2,
        c.run.seed,
        if c.data.shuffle { ", shuffled" } else { "" },
        match r.block_samples {
            Some(b) => format!(", W1 updates in blocks of {b}"),
            None => String::new(),
        }
    );
    let general = c.general_parts();
    if !general.is_empty() {
        println!("{}", general.join(", "));
    }
    let loss = c.network.loss.label();
    println!(
        "{:>6}  {:>6}  {:>9}  {:>8}  {:>13}  {:>7}  {:>8}",
        "N",
        "eta",
        format!("train {loss}"),
        format!("test {loss}"),
        "misclassified",
        "error",
        "time (s)"
    );
    println!(
        "{:>6}  {:>6}  {:>9.4}  {:>8.4}  {:>13}  {:>6.2}%  {:>8.2}",
        c.network.hidden,
        c.optimizer.lr,
        m.mean_train_loss,
        m.test_loss,
        m.misclassified,
        m.test_error_pct,
        m.train_seconds
    );
    if let (Some(e), Some(l)) = (m.validation_error_pct, m.validation_loss) {
        println!(
            "validation error {e:.2}%, loss {l:.4} ({} held-out images)",
            c.data.validation
        );
    }
    println!(
        "accuracy {:.2}%, {:.0} samples/s ({} SIMD)",
        100.0 * m.accuracy,
        m.steps_per_second,
        r.simd
    );
}
