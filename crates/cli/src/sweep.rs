//! `mlp sweep`: a grid, sweep file or preset, run in parallel, with results as they finish.

use crate::config_flags::GeneralAxisFlags;
use crate::exit::{from_engine, UsageError};
use crate::progress::{visible, SweepProgress};
use crate::shared::{deferred_steps, load_data};
use anyhow::Context;
use clap::Args as ClapArgs;
use mlp_engine::sweep::{self, Grid, Preset, Shard, SweepFile, SweepOptions};
use mlp_engine::{recipe, Backprop, Case, Layers, TrainConfig};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Flags of `mlp sweep`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Folder holding the four MNIST IDX files (raw or .gz).
    #[arg(long, default_value = "data/mnist")]
    data: PathBuf,
    /// Output folder: results.jsonl, report.md and plots/ go here.
    #[arg(long, default_value = "runs/sweep")]
    out: PathBuf,
    /// A named sweep: study (Tables 1-6 and the appendix L2 runs) or study-full (18 networks, all images).
    #[arg(long, conflicts_with = "config")]
    preset: Option<Preset>,
    /// A TOML sweep file: a list of [[grid]] tables.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Recipes the configurations start from, comma-separated (see `mlp
    /// train --list-recipes`); the other lists cross them, and a list left
    /// out keeps each recipe's value.
    #[arg(long, value_delimiter = ',', conflicts_with_all = ["preset", "config"])]
    recipe: Vec<String>,
    /// Cases, comma-separated.
    #[arg(long, value_delimiter = ',', conflicts_with_all = ["preset", "config"])]
    case: Vec<Case>,
    /// Hidden widths, comma-separated: 800,500-300 sweeps one layer and two.
    #[arg(long, value_delimiter = ',', value_name = "WIDTHS", conflicts_with_all = ["preset", "config"])]
    hidden: Vec<Layers>,
    /// Learning rates, comma-separated.
    #[arg(long, value_delimiter = ',', allow_negative_numbers = true, conflicts_with_all = ["preset", "config"])]
    lr: Vec<f64>,
    /// Training-set sizes K (first K images), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "K", conflicts_with_all = ["preset", "config"])]
    train_samples: Vec<usize>,
    /// L2 coefficients, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "LAMBDA", allow_negative_numbers = true, conflicts_with_all = ["preset", "config"])]
    l2: Vec<f64>,
    /// Epoch counts, comma-separated.
    #[arg(long, value_delimiter = ',', conflicts_with_all = ["preset", "config"])]
    epochs: Vec<usize>,
    /// Backprop modes, comma-separated (also applies to a preset).
    #[arg(long, value_delimiter = ',', conflicts_with = "config")]
    backprop: Vec<Backprop>,
    /// Seeds, comma-separated (also applies to a preset).
    #[arg(long, value_delimiter = ',', conflicts_with = "config")]
    seed: Vec<u64>,
    /// Visit samples in a fresh seeded order each epoch (default: as the
    /// recipe does; the study's keep file order).
    #[arg(long, overrides_with = "no_shuffle", conflicts_with_all = ["preset", "config"])]
    shuffle: bool,
    /// Visit samples in file order every epoch.
    #[arg(long, conflicts_with_all = ["preset", "config"])]
    no_shuffle: bool,
    /// Evaluate the test set every E epochs (learning curves of test error).
    #[arg(long, value_name = "E", conflicts_with = "config")]
    eval_every: Option<usize>,
    #[command(flatten)]
    general: GeneralAxisFlags,
    /// Configurations trained at once (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Hold back W1 updates for blocks of B steps (1 to 32); recorded with
    /// every result, and part of its key, so a resumed sweep never mixes sizes.
    #[arg(long, value_name = "B", default_value_t = mlp_engine::DEFERRED_SAMPLES)]
    block_samples: usize,
    /// Run only the K-th of N disjoint slices of the grid, e.g. 2/3.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// Continue a sweep: skip configurations already in OUT/results.jsonl.
    #[arg(long)]
    resume: bool,
    /// Do not write report.md at the end.
    #[arg(long)]
    no_report: bool,
    /// No progress display, only the final lines.
    #[arg(long)]
    quiet: bool,
}

impl Args {
    fn configs(&self) -> anyhow::Result<Vec<TrainConfig>> {
        let mut configs = if let Some(preset) = self.preset {
            let modes = or(&self.backprop, Backprop::Exact);
            let seeds = or(&self.seed, 1);
            let mut cs = preset.expand(&modes, &seeds);
            if let Some(e) = self.eval_every {
                cs.iter_mut().for_each(|c| c.eval_every = e);
            }
            cs
        } else if self.general.any() && (self.preset.is_some() || self.config.is_some()) {
            return Err(UsageError(
                "the flags of fields beyond the study's (--batch, --optimizer, ...) make a grid; give them without --preset or --config".into(),
            )
            .into());
        } else if let Some(path) = &self.config {
            SweepFile::load(path).map_err(from_engine)?.expand()
        } else {
            let grid = Grid {
                recipe: self.recipe.clone(),
                case: given(&self.case),
                hidden: given(&self.hidden),
                lr: given(&self.lr),
                train_samples: given(&self.train_samples),
                l2: given(&self.l2),
                epochs: given(&self.epochs),
                backprop: given(&self.backprop),
                seed: given(&self.seed),
                shuffle: match (self.shuffle, self.no_shuffle) {
                    (true, _) => Some(true),
                    (_, true) => Some(false),
                    _ => None,
                },
                eval_every: self.eval_every,
                general: self.general.axes(),
            };
            if let Some(name) = self.recipe.iter().find(|n| recipe::recipe(n).is_none()) {
                return Err(UsageError(format!(
                    "invalid --recipe: {}",
                    recipe::unknown_recipe(name)
                ))
                .into());
            }
            grid.expand()
        };
        // Range checks that need no data, so usage errors come before loading.
        for c in &configs {
            c.validate(usize::MAX).map_err(from_engine)?;
        }
        sweep::schedule_order(&mut configs);
        Ok(self.shard.unwrap_or(Shard::ALL).select(configs))
    }
}

fn or<T: Clone>(list: &[T], default: T) -> Vec<T> {
    if list.is_empty() {
        vec![default]
    } else {
        list.to_vec()
    }
}

/// A flag's list when it was given.
fn given<T: Clone>(list: &[T]) -> Option<Vec<T>> {
    (!list.is_empty()).then(|| list.to_vec())
}

/// Runs `mlp sweep`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let configs = args.configs()?;
    let step = deferred_steps(args.block_samples)?;
    if configs.is_empty() {
        return Err(UsageError("the sweep has no configurations".into()).into());
    }
    let threads = match args.threads {
        Some(0) => return Err(UsageError("invalid --threads: must be at least 1".into()).into()),
        Some(t) => t,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let data = load_data(&args.data)?;
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create output folder {}", args.out.display()))?;
    let results = args.out.join("results.jsonl");

    let stop = Arc::new(AtomicBool::new(false));
    install_interrupt(stop.clone());
    let progress = SweepProgress::new(visible(args.quiet), args.quiet, configs.len());
    let options = SweepOptions {
        threads,
        results: results.clone(),
        resume: args.resume,
        step,
    };
    let summary = sweep::run_sweep(configs, &data, &options, &|e| progress.event(e), &stop)
        .map_err(from_engine)?;
    progress.finish();
    if summary.dropped_torn_line {
        eprintln!(
            "note: {} ended in an incomplete line (an interrupted write); it was dropped",
            results.display()
        );
    }
    eprintln!(
        "{} configurations finished now, {} already done; results in {}",
        summary.finished,
        summary.already_done,
        results.display()
    );
    if summary.interrupted {
        anyhow::bail!(
            "interrupted with {} configurations not run; rerun the same command with --resume to finish",
            summary.not_run
        );
    }
    if !args.no_report {
        crate::shared::report_results(&[results], &args.out, args.quiet)?;
    }
    Ok(())
}

/// Ctrl-C asks the sweep to stop after keeping what finished; a second one exits at once.
fn install_interrupt(stop: Arc<AtomicBool>) {
    let _ = ctrlc::set_handler(move || {
        if stop.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        eprintln!("\nstopping: finished configurations are kept; Ctrl-C again to quit now");
    });
}
