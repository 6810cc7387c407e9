//! `mlp sweep`: a grid, sweep file or preset, run in parallel, with results as they finish.

use crate::config_flags::GeneralAxisFlags;
use crate::exit::{from_engine, from_sweep, UsageError};
use crate::progress::{visible, SweepProgress};
use crate::shared::{deferred_steps, load_data, DataArgs};
use anyhow::Context;
use clap::Args as ClapArgs;
use mlp_engine::{recipe, Backprop, Case, Layers};
use mlp_sweep::{
    self as sweep, scheduler, Grid, Preset, Shard, SweepError, SweepFile, SweepOptions, SweepPlan,
};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Flags of `mlp sweep`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
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
    /// Refuse a sweep that expands to more configurations than this (a
    /// guard against a typo that would plan millions of runs).
    #[arg(long, value_name = "N", default_value_t = sweep::DEFAULT_MAX_CONFIGURATIONS)]
    max_configurations: usize,
    /// Configurations trained at once (default: SLURM_CPUS_PER_TASK, else all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Hold back W1 updates for blocks of B steps (1 to 32); recorded with
    /// every result, and part of its key, so a resumed sweep never mixes sizes.
    #[arg(long, value_name = "B", default_value_t = mlp_engine::DEFERRED_SAMPLES)]
    block_samples: usize,
    /// Run only the K-th of N disjoint slices of the grid, e.g. 2/3; without
    /// it, a Slurm array task or a Kubernetes Indexed Job takes its slice from
    /// the environment. Each slice appends to OUT/results/shard-K-of-N.jsonl.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// Slices in all, when the slice comes from JOB_COMPLETION_INDEX or
    /// SLURM_ARRAY_TASK_ID (which then counts from 0).
    #[arg(long, value_name = "N", conflicts_with = "shard")]
    shard_count: Option<usize>,
    /// Write OUT/sweep.sbatch, a Slurm job array running the sweep's slices
    /// (--shard-count of them: default one per configuration, at most 1,000),
    /// instead of running it here.
    #[arg(long)]
    slurm: bool,
    /// With --slurm: hand the script to sbatch and print the job id.
    #[arg(long, requires = "slurm")]
    submit: bool,
    /// With --slurm: array tasks running at once (`--array=0-(N-1)%K`).
    #[arg(long, value_name = "K", requires = "slurm")]
    max_parallel: Option<usize>,
    /// With --slurm: CPUs of each task, and its sweep threads (default 1).
    #[arg(long, value_name = "C", requires = "slurm")]
    cpus_per_task: Option<usize>,
    /// With --slurm: each task's time limit as Slurm writes it (default:
    /// estimated from the slowest slice's steps at this build's measured
    /// speed, half again and five minutes more).
    #[arg(long, value_name = "TIME", requires = "slurm")]
    time: Option<String>,
    /// With --slurm: the partition to run in.
    #[arg(long, requires = "slurm")]
    partition: Option<String>,
    /// With --slurm: the account to charge.
    #[arg(long, requires = "slurm")]
    account: Option<String>,
    /// Print, for the sweep in OUT, each shard's configurations done and in
    /// all, and how to rerun the unfinished ones; then exit.
    #[arg(long, value_name = "OUT")]
    status: Option<PathBuf>,
    /// Continue a sweep: skip configurations already in OUT/results.jsonl.
    #[arg(long)]
    resume: bool,
    /// Join the sweep in OUT as one of any number of workers (the same line
    /// in every array task or process) of its asynchronous halving searches
    /// (`mode = "async"`), which they share through OUT; each worker appends
    /// to OUT/results/worker-HOST-PID.jsonl.
    #[arg(long, conflicts_with_all = ["shard", "shard_count", "slurm"])]
    worker: bool,
    /// Keep every finished configuration's model (and every halving trial's
    /// where it stopped) in OUT/models/, named by its key (for `mlp ensemble
    /// --from OUT --best K`, `mlp eval`, `mlp predict`).
    #[arg(long)]
    save_models: bool,
    /// Do not write report.md at the end.
    #[arg(long)]
    no_report: bool,
    /// No progress display, only the final lines.
    #[arg(long)]
    quiet: bool,
}

impl Args {
    /// The sweep as a sweep file: the file given, or the grid of the flags,
    /// or the preset's grids; with --slurm, every task runs it as written back.
    fn sweep_file(&self) -> anyhow::Result<SweepFile> {
        if let Some(preset) = self.preset {
            let modes = or(&self.backprop, Backprop::Exact);
            let seeds = or(&self.seed, 1);
            let grids = preset.grids_with(&modes, &seeds, self.eval_every);
            return Ok(SweepFile::of_grids(None, grids));
        }
        if self.general.any() && self.config.is_some() {
            return Err(UsageError(
                "the flags of fields beyond the study's (--batch, --optimizer, ...) make a grid; give them without --preset or --config".into(),
            )
            .into());
        }
        if let Some(path) = &self.config {
            return SweepFile::load(path, self.max_configurations).map_err(from_sweep);
        }
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
                recipe::unknown_recipe(name) + "; see mlp train --list-recipes"
            ))
            .into());
        }
        grid.validate().map_err(from_sweep)?;
        grid.check_size(self.max_configurations)
            .map_err(from_sweep)?;
        Ok(SweepFile::of_grids(None, vec![grid]))
    }

    /// The data: the flags, then the sweep file's `data`, then the default.
    fn data_spec(&self, file: &SweepFile) -> mlp_engine::DataSpec {
        self.data.spec().or(&file.data.clone().unwrap_or_default())
    }

    /// What the sweep runs, checked for range errors that need no data (so
    /// usage errors come before loading it).
    fn plan(file: &SweepFile) -> anyhow::Result<SweepPlan> {
        let plan = file.plan();
        for c in plan.configs() {
            c.validate(usize::MAX).map_err(from_engine)?;
        }
        Ok(plan)
    }

    /// This process's shard: `--shard`, else the scheduler's environment
    /// (Slurm array, Kubernetes Indexed Job), else the whole sweep; and, when
    /// it came from the environment, which variables said so.
    fn shard(&self) -> anyhow::Result<(Shard, Option<String>)> {
        if let Some(s) = self.shard {
            return Ok((s, None));
        }
        let env = |name: &str| std::env::var(name).ok();
        match scheduler::shard_from_environment(self.shard_count, &env) {
            Ok(Some((s, from))) => Ok((s, Some(from))),
            Ok(None) if self.shard_count.is_some() => Err(UsageError(
                "invalid --shard-count: no SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX in the environment says which shard this is; give --shard K/N".into(),
            )
            .into()),
            Ok(None) => Ok((Shard::ALL, None)),
            Err(e) => Err(UsageError(format!("cannot take the shard from the environment: {e}; give --shard-count N or --shard K/N")).into()),
        }
    }

    /// `--threads`, else Slurm's `SLURM_CPUS_PER_TASK`, else every core.
    fn threads(&self) -> anyhow::Result<usize> {
        match self.threads {
            Some(0) => Err(UsageError("invalid --threads: must be at least 1".into()).into()),
            Some(t) => Ok(t),
            None => match scheduler::threads_from_environment(&|name| std::env::var(name).ok()) {
                Ok(Some(n)) => Ok(n),
                Ok(None) => Ok(std::thread::available_parallelism().map_or(1, |n| n.get())),
                Err(e) => Err(UsageError(format!("{e}; give --threads")).into()),
            },
        }
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
    if let Some(out) = &args.status {
        return status(out);
    }
    let step = deferred_steps(args.block_samples)?;
    let file = args.sweep_file()?;
    let unsized_plan = Args::plan(&file)?;
    if unsized_plan.is_empty() {
        return Err(UsageError("the sweep has no configurations".into()).into());
    }
    if !args.quiet {
        eprintln!("{}", plan_line(&unsized_plan));
    }
    // Checked without data first, so flags' errors come before loading it;
    // then planned again for the data's size.
    if args.worker {
        check_async_only(&unsized_plan)?;
    }
    let (shard, shard_from, threads) = if args.slurm {
        (Shard::ALL, None, 1)
    } else if args.worker {
        (Shard::ALL, None, args.threads()?)
    } else {
        let (shard, from) = args.shard()?;
        (shard, from, args.threads()?)
    };
    let data_spec = args.data_spec(&file);
    let data = load_data(&data_spec)?;
    let file = SweepFile {
        training_rows: Some(data.train.len()),
        ..file
    };
    let whole = Args::plan(&file)?;
    sweep::check_plan(&whole, &data).map_err(from_sweep)?;
    let name = file.name.clone();
    if args.slurm {
        return slurm(&args, &file, &whole, step, (&data_spec, &data));
    }
    let meta = sweep::SweepMeta::of_plan(name.clone(), &whole, shard.count, step);
    let total = whole.len();
    let plan = whole.select(shard);
    if plan.is_empty() {
        eprintln!(
            "shard {}/{} holds none of the sweep's {} configurations: nothing to do",
            shard.index, shard.count, total
        );
        return Ok(());
    }
    if let Some(from) = &shard_from {
        eprintln!(
            "shard {}/{} (from {from}): {} configurations, {threads} threads",
            shard.index,
            shard.count,
            plan.len()
        );
    }
    // A worker joins what the others have done.
    let resume = args.resume || args.worker;
    if resume {
        sweep::check_folder_data(&args.out, &data).map_err(from_sweep)?;
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create output folder {}", args.out.display()))?;
    let results = match args.worker {
        true => sweep::worker_results_path(&args.out),
        false => sweep::shard_results_path(&args.out, shard),
    };
    meta.save(&args.out).map_err(from_sweep)?;

    let stop = Arc::new(AtomicBool::new(false));
    install_interrupt(stop.clone());
    let progress = SweepProgress::new(visible(args.quiet), args.quiet, plan.len());
    let options = SweepOptions {
        threads,
        results: results.clone(),
        other_results: sweep::results_files(&args.out).map_err(from_sweep)?,
        resume,
        step,
        save_models: args.save_models.then(|| args.out.join("models")),
        checkpoints: args.out.join("checkpoints"),
    };
    // One process running the whole sweep keeps report.html live; shards and
    // workers leave the page to `mlp report` (several writers would take turns).
    let page = crate::live::Page {
        out: args.out.clone(),
        results: results.clone(),
        name: name.clone(),
    };
    let live = (shard.count == 1 && !args.worker && !args.no_report)
        .then(|| crate::live::LiveReport::start(page.clone()));
    let events = |e: sweep::SweepEvent<'_>| {
        if let Some(live) = &live {
            live.event(&e);
        }
        progress.event(e);
    };
    let summary = sweep::run_sweep(plan, &data, &options, &events, &stop);
    if let Some(live) = live {
        // The full report below replaces the page unless the sweep did not end.
        live.finish(!matches!(&summary, Ok(s) if !s.interrupted));
    }
    let summary = summary.map_err(from_sweep)?;
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
    if summary.steps_unhalved > 0 && !summary.interrupted {
        eprintln!(
            "successive halving ran {} of the {} sample steps of every trial to its end, saving {} ({:.0}%)",
            summary.steps_unhalved - summary.steps_saved,
            summary.steps_unhalved,
            summary.steps_saved,
            100.0 * summary.steps_saved as f64 / summary.steps_unhalved as f64
        );
    }
    if summary.interrupted {
        anyhow::bail!(
            "interrupted with {} configurations not run; rerun the same command with --resume to finish",
            summary.not_run
        );
    }
    if shard.count > 1 {
        eprintln!(
            "this is one shard of {}: `mlp report {}` reports the whole sweep once every shard has finished",
            shard.count,
            args.out.display()
        );
    } else if !args.no_report {
        // A worker reports every worker's records: the search is theirs together.
        let files = match args.worker {
            true => sweep::results_files(&args.out).map_err(from_sweep)?,
            false => vec![results],
        };
        if let Err(e) = crate::shared::report_results(&files, &args.out, args.quiet) {
            // The page must not stay live: it shows the runs that finished.
            if !args.worker {
                crate::live::write(&page, None);
            }
            return Err(e);
        }
    }
    Ok(())
}

/// An asynchronous search's standing: each rung's trials, the workers, the stale claims.
fn print_board(group: usize, s: &sweep::asha::BoardStatus) {
    let running: usize = s.rungs.iter().map(|r| r.running).sum();
    println!(
        "asynchronous halving search {}: {} trials, {} ended, {running} running, {} not started",
        group + 1,
        s.shape.trials,
        s.ended,
        s.not_started
    );
    println!(
        "  {:>5} {:>7} {:>7} {:>7} {:>7}",
        "epoch", "reached", "running", "waiting", "stopped"
    );
    for r in &s.rungs {
        println!(
            "  {:>5} {:>7} {:>7} {:>7} {:>7}",
            r.epoch, r.reached, r.running, r.waiting, r.stopped
        );
    }
    if s.workers.is_empty() {
        println!("  no worker holds work now");
    }
    for (worker, idle) in &s.workers {
        println!("  worker {worker}: last heartbeat {idle:.0} s ago");
    }
    if s.stale > 0 {
        println!(
            "  {} pieces of work held by workers that stopped: the next free worker takes them over",
            s.stale
        );
    }
    if !s.taken_over.is_empty() {
        println!("  work taken over so far: {}", s.taken_over.len());
        for from in &s.taken_over {
            println!("    from {from}");
        }
    }
}

/// Refuses `--worker` for a sweep with configurations outside asynchronous
/// halving searches: those would run once per worker.
fn check_async_only(plan: &SweepPlan) -> anyhow::Result<()> {
    let other = plan.full.len()
        + plan
            .halving
            .iter()
            .filter(|g| g.halving.mode != sweep::HalvingMode::Async)
            .map(|g| g.trials.len())
            .sum::<usize>();
    if other > 0 {
        return Err(UsageError(format!(
            "invalid --worker: workers share asynchronous halving searches (mode = \"async\") only, and this sweep has {other} configurations outside them; run those with --shard"
        ))
        .into());
    }
    Ok(())
}

/// What the sweep holds, said before anything is loaded or run.
fn plan_line(plan: &SweepPlan) -> String {
    let mut line = format!("plan: {} configurations", plan.len());
    if !plan.halving.is_empty() {
        let trials: usize = plan.halving.iter().map(|g| g.trials.len()).sum();
        line.push_str(&format!(
            " ({} trained to the end, {trials} trials under successive halving)",
            plan.full.len()
        ));
    }
    line
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

/// `mlp sweep --status OUT`: per shard, configurations done and in all.
fn status(out: &Path) -> anyhow::Result<()> {
    let meta = sweep::SweepMeta::load(out).map_err(from_sweep)?;
    if meta.shard_keys.is_empty() {
        return Err(UsageError(format!(
            "invalid --status: {} holds no sweep.json with its shards; is it a sweep's --out folder?",
            out.display()
        ))
        .into());
    }
    let files = sweep::results_files(out).map_err(from_sweep)?;
    let merged = sweep::merge_noting(&files).map_err(from_sweep)?;
    let boards = sweep::statuses(out).map_err(from_sweep)?;
    for (group, s) in &boards {
        print_board(*group, s);
    }
    let done: std::collections::HashSet<&str> =
        merged.records.iter().map(|r| r.key.as_str()).collect();
    let count = meta.shard_keys.len();
    println!("{:<9} {:>6} {:>6}  state", "shard", "done", "total");
    let mut unfinished = Vec::new();
    for (i, keys) in meta.shard_keys.iter().enumerate() {
        let have = keys.iter().filter(|k| done.contains(k.as_str())).count();
        let state = if have == keys.len() {
            "finished"
        } else {
            unfinished.push(i);
            if have == 0 {
                "not started"
            } else {
                "unfinished"
            }
        };
        println!(
            "{:<9} {have:>6} {:>6}  {state}",
            format!("{}/{count}", i + 1),
            keys.len()
        );
    }
    if !merged.repeated.is_empty() {
        println!(
            "{} configurations are in more than one results file (counted once)",
            merged.repeated.len()
        );
    }
    if unfinished.is_empty() {
        println!(
            "every shard has finished: `mlp report {}` reports the sweep",
            out.display()
        );
        return Ok(());
    }
    if !boards.is_empty() {
        let sbatch = out.join("sweep.sbatch");
        if sbatch.is_file() {
            println!(
                "rerun the unfinished work: sbatch --array=0 {} (or --array=0-N for more workers)",
                sbatch.display()
            );
        } else {
            println!("rerun the unfinished work: the same mlp sweep line with --worker, in as many processes as you like");
        }
        return Ok(());
    }
    let tasks: Vec<String> = unfinished.iter().map(|i| i.to_string()).collect();
    let sbatch = out.join("sweep.sbatch");
    if sbatch.is_file() {
        println!(
            "rerun the unfinished shards: sbatch --array={} {}",
            tasks.join(","),
            sbatch.display()
        );
    } else {
        let shards: Vec<String> = unfinished
            .iter()
            .map(|i| format!("{}/{count}", i + 1))
            .collect();
        println!(
            "rerun the unfinished shards with the same mlp sweep line, --resume and --shard {}",
            shards.join(", --shard ")
        );
    }
    Ok(())
}

/// `mlp sweep --slurm [--submit]`: writes the resolved sweep file and the
/// job array's script running it, and submits the script when asked.
fn slurm(
    args: &Args,
    file: &SweepFile,
    whole: &SweepPlan,
    step: mlp_engine::StepOptions,
    (data_spec, data): (&mlp_engine::DataSpec, &mlp_engine::LoadedData),
) -> anyhow::Result<()> {
    let positive = |flag: &str, v: Option<usize>| -> anyhow::Result<Option<usize>> {
        match v {
            Some(0) => Err(UsageError(format!("invalid {flag}: must be at least 1")).into()),
            v => Ok(v),
        }
    };
    // A sweep of asynchronous searches alone runs as workers, each task one.
    let worker = check_async_only(whole).is_ok();
    let tasks = positive("--shard-count", args.shard_count)?
        .unwrap_or_else(|| whole.len().min(scheduler::MAX_TASKS));
    if tasks > scheduler::MAX_TASKS {
        return Err(UsageError(format!(
            "invalid --shard-count: {tasks} tasks is more than a Slurm array takes by default ({})",
            scheduler::MAX_TASKS
        ))
        .into());
    }
    let max_parallel = positive("--max-parallel", args.max_parallel)?;
    let cpus_per_task = positive("--cpus-per-task", args.cpus_per_task)?.unwrap_or(1);
    std::fs::create_dir_all(args.out.join("logs"))
        .with_context(|| format!("cannot create output folder {}", args.out.display()))?;
    let (time, estimate) = match &args.time {
        Some(t) => (t.clone(), None),
        None => {
            let slowest =
                sweep::estimate::slowest_slice_seconds(whole, data, step, tasks, cpus_per_task)
                    .map_err(from_sweep)?;
            // Half again for a slower or busier node, and minutes to load data and evaluate.
            (scheduler::slurm_time(slowest * 1.5 + 300.0), Some(slowest))
        }
    };
    let spec = scheduler::ArraySpec {
        tasks,
        max_parallel,
        cpus_per_task,
        time: time.clone(),
        partition: args.partition.clone(),
        account: args.account.clone(),
    };
    let resolved = args.out.join("sweep.toml");
    let file = SweepFile {
        data: Some(data_spec.clone()),
        ..file.clone()
    };
    let text = file.to_toml().map_err(from_sweep)?;
    mlp_engine::files::write_atomic(&resolved, text.as_bytes()).map_err(from_engine)?;
    let task = scheduler::TaskCommand {
        exe: std::env::current_exe().context("cannot find this mlp binary's path")?,
        config: resolved,
        data: data_spec.path().to_path_buf(),
        out: args.out.clone(),
        block_samples: args.block_samples,
        save_models: args.save_models,
        max_configurations: args.max_configurations,
        worker,
    };
    let cwd = std::env::current_dir().context("cannot read the working folder")?;
    let path = args.out.join("sweep.sbatch");
    let script = scheduler::script(&spec, &task, &cwd);
    mlp_engine::files::write_atomic(&path, script.as_bytes()).map_err(from_engine)?;
    let slices = if worker { 1 } else { tasks };
    sweep::SweepMeta::of_plan(file.name.clone(), whole, slices, step)
        .save(&args.out)
        .map_err(from_sweep)?;
    match estimate {
        Some(s) => println!(
            "{}: {tasks} tasks of {cpus_per_task} CPUs, {time} each (the slowest slice measured here at {s:.0} s)",
            path.display(),
        ),
        None => println!("{}: {tasks} tasks of {cpus_per_task} CPUs, {time} each", path.display()),
    }
    if args.submit {
        let id = scheduler::submit(&path).map_err(|e| match e {
            SweepError::NoScheduler { problem } => {
                UsageError(format!("invalid --submit: {problem}")).into()
            }
            other => from_sweep(other),
        })?;
        println!(
            "submitted job {id}; `mlp sweep --status {}` shows its progress",
            args.out.display()
        );
    }
    Ok(())
}
