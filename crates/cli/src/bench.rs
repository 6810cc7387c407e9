//! `mlp bench`: single-thread online step speed against measured streaming
//! bandwidth, or a recipe's minibatch steps in samples per second.

use crate::exit::UsageError;
use crate::shared::{deferred_steps, load_data};
use clap::Args as ClapArgs;
use mlp_benches::measure::{
    bench_minibatch, bench_steps, with_density, MinibatchBench, MinibatchCase, StepBench,
};
use mlp_engine::augment::Augment;
use mlp_engine::minibatch::FirstLayer;
use mlp_engine::recipe::{recipe, unknown_recipe};
use mlp_engine::OptimizerKind;
use mlp_engine::{Case, InputPath, StepOptions, W1Update};
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
    /// forward (fused), or held back and applied once per block (deferred);
    /// comma-separated to compare them in one run.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "deferred")]
    w1_update: Vec<UpdateArg>,
    /// Steps per block with --w1-update deferred (1 to 32), comma-separated
    /// to compare block sizes in one run.
    #[arg(long, value_delimiter = ',', default_values_t = [mlp_engine::DEFERRED_SAMPLES])]
    block_samples: Vec<usize>,
    /// Time a recipe's steps (see `mlp train --list-recipes`) instead of the
    /// online study grid; comma-separated to compare recipes in one run.
    #[arg(long, value_delimiter = ',')]
    recipe: Vec<String>,
    /// Samples per batch with --recipe (default: the recipe's), comma-separated.
    #[arg(long, value_delimiter = ',')]
    batch: Vec<usize>,
    /// Optimisers with --recipe (default: the recipe's), comma-separated: each
    /// replaces the recipe's, at the rate `mlp train` would default to
    /// for it when it is not the recipe's own (Adam: 0.001).
    #[arg(long, value_delimiter = ',', value_parser = clap::value_parser!(mlp_engine::OptimizerKind))]
    optimizer: Vec<mlp_engine::OptimizerKind>,
    /// Threads per run with --recipe, comma-separated (results are the same for any count).
    #[arg(long, value_delimiter = ',', default_value = "1")]
    threads: Vec<usize>,
    /// First layer with --recipe: by batch density (auto), always over the
    /// non-zero inputs (sparse) or always sgemm (dense); comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "auto")]
    first_layer: Vec<FirstLayerArg>,
    /// With --recipe, also time the training images with faint pixels lit
    /// until this fraction of inputs is non-zero (comma-separated, each in
    /// (0, 1]): where the dense first layer starts to win.
    #[arg(long, value_delimiter = ',')]
    density: Vec<f64>,
    /// With --recipe, for recipes that distort their images: distort each
    /// batch on a second thread while the one before it trains (ahead, as
    /// `mlp train` does) or inside the step (inline); comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_value = "ahead")]
    distort: Vec<DistortArg>,
    /// Print a JSON list instead of the table.
    #[arg(long)]
    json: bool,
}

/// The `--distort` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum DistortArg {
    Ahead,
    Inline,
}

/// The `--first-layer` values.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum FirstLayerArg {
    Auto,
    Sparse,
    Dense,
}

impl From<FirstLayerArg> for FirstLayer {
    fn from(f: FirstLayerArg) -> FirstLayer {
        match f {
            FirstLayerArg::Auto => FirstLayer::Auto,
            FirstLayerArg::Sparse => FirstLayer::Sparse,
            FirstLayerArg::Dense => FirstLayer::Dense,
        }
    }
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
    for &b in &args.block_samples {
        deferred_steps(b)?;
    }
    if !args.recipe.is_empty() {
        return run_recipes(&args);
    }
    let data = load_data(&mlp_engine::DataSpec {
        path: Some(args.data.clone()),
        ..Default::default()
    })?;
    let input = if args.dense {
        InputPath::Dense
    } else {
        InputPath::Sparse
    };
    let mut options: Vec<StepOptions> = Vec::new();
    for &update in &args.w1_update {
        let updates: Vec<W1Update> = match update {
            UpdateArg::Immediate => vec![W1Update::Immediate],
            UpdateArg::Fused => vec![W1Update::Fused],
            UpdateArg::Deferred => args
                .block_samples
                .iter()
                .map(|&samples| W1Update::Deferred { samples })
                .collect(),
        };
        for w1_update in updates {
            let o = StepOptions { input, w1_update };
            if !options.contains(&o) {
                options.push(o);
            }
        }
    }
    let budget = Duration::from_secs_f64(args.seconds);
    if !args.json {
        println!(
            "single thread, {} SIMD, {} input; {} round(s) of {} s per configuration (steps/s: the median round)\nW1 KB/step: what an online step touches (3 x non-zero pixels x N x 4 B); moved: what this implementation loads and stores;\nL1 ceiling: steps/s if a step were only its W1 multiply-adds at the sparse row loop's speed with all rows in L1",
            mlp_engine::simd_name(),
            if args.dense { "dense" } else { "sparse" },
            args.rounds,
            args.seconds
        );
        println!(
            "{:<13} {:>5} {:<12} {:>11} {:>17} {:>8} {:>10} {:>8} {:>10} {:>10} {:>11} {:>9} {:>11}",
            "case",
            "N",
            "W1 update",
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
                "{:<13} {:>5} {:<12} {:>11.0} {:>17} {:>8.2} {:>10.1} {:>8.1} {:>10.1} {:>8.2}MB {:>11.1} {:>8.0}% {:>11.0}",
                r.case.name(),
                r.hidden,
                match r.block_samples {
                    Some(b) => format!("{} {b}", r.w1_update),
                    None => r.w1_update.clone(),
                },
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
        &options,
        args.rounds,
        print_row,
    );
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    }
    Ok(())
}

/// The cases `--recipe`, `--batch`, `--threads` and `--first-layer` name, outermost first.
fn recipe_cases(args: &Args) -> anyhow::Result<Vec<MinibatchCase>> {
    if args.threads.contains(&0) {
        return Err(UsageError("invalid --threads: must be at least 1".into()).into());
    }
    if args.batch.contains(&0) {
        return Err(UsageError("invalid --batch: must be at least 1".into()).into());
    }
    let mut cases = Vec::new();
    for name in &args.recipe {
        let base = recipe(name)
            .ok_or_else(|| {
                UsageError(format!(
                    "invalid --recipe: {}",
                    unknown_recipe(name) + "; see mlp train --list-recipes"
                ))
            })?
            .config();
        let batches = if args.batch.is_empty() {
            vec![base.data.batch]
        } else {
            args.batch.clone()
        };
        let optimizers = if args.optimizer.is_empty() {
            vec![None]
        } else {
            args.optimizer.iter().copied().map(Some).collect()
        };
        for (&batch, optimizer) in batches
            .iter()
            .flat_map(|b| optimizers.iter().map(move |o| (b, *o)))
        {
            let mut config = base.clone();
            config.data.batch = batch;
            let mut name = name.clone();
            if let Some(kind) = optimizer.filter(|k| *k != base.fields().optimizer) {
                let mut fields = config.fields();
                fields.optimizer = kind;
                if matches!(kind, OptimizerKind::Adam | OptimizerKind::AdamW) {
                    fields.lr = 0.001;
                }
                config = fields
                    .resolve()
                    .map_err(|e| UsageError(format!("invalid --optimizer: {e}")))?;
                name = format!("{name}+{kind}");
            }
            if config.is_online_study() {
                return Err(UsageError(format!(
                    "invalid --recipe: {name} at batch 1 trains online; time it with `mlp bench --case {} --hidden {}`",
                    config.network.case.name(),
                    config.network.hidden
                ))
                .into());
            }
            // Where to distort matters only to recipes that distort.
            let distort: &[DistortArg] = if config.data.augment.kind == Augment::None {
                &[DistortArg::Inline]
            } else {
                &args.distort
            };
            for &threads in &args.threads {
                for &f in &args.first_layer {
                    for &d in distort {
                        cases.push(MinibatchCase {
                            name: name.clone(),
                            config: config.clone(),
                            threads,
                            first_layer: f.into(),
                            distort_ahead: d == DistortArg::Ahead,
                        });
                    }
                }
            }
        }
    }
    Ok(cases)
}

/// Runs `mlp bench --recipe ...`: samples per second of each case in interleaved rounds.
fn run_recipes(args: &Args) -> anyhow::Result<()> {
    let cases = recipe_cases(args)?;
    if let Some(d) = args.density.iter().find(|d| !(**d > 0.0 && **d <= 1.0)) {
        return Err(UsageError(format!("invalid --density {d}: must be in (0, 1]")).into());
    }
    let data = load_data(&mlp_engine::DataSpec {
        path: Some(args.data.clone()),
        ..Default::default()
    })?;
    if !args.json {
        println!(
            "{} SIMD; {} round(s) of {} s per configuration, each over the first 10,000 training images reshuffled (samples/s: the median round)",
            mlp_engine::simd_name(),
            args.rounds,
            args.seconds
        );
        println!(
            "{:<16} {:<12} {:>5} {:>7} {:<7} {:<7} {:>7} {:>6} {:>11} {:>17} {:>9}",
            "recipe",
            "layers",
            "batch",
            "threads",
            "first",
            "distort",
            "density",
            "dense",
            "samples/s",
            "min-max",
            "us/batch"
        );
    }
    let print_row = |r: &MinibatchBench| {
        if !args.json {
            let layers: Vec<String> = r.sizes.iter().map(usize::to_string).collect();
            println!(
                "{:<16} {:<12} {:>5} {:>7} {:<7} {:<7} {:>6.0}% {:>5.0}% {:>11.0} {:>17} {:>9.1}",
                r.name,
                layers.join("-"),
                r.batch,
                r.threads,
                r.first_layer,
                r.distort,
                100.0 * r.mean_nonzeros / r.sizes[0] as f64,
                100.0 * r.dense_fraction,
                r.samples_per_second,
                format!(
                    "{:.0}-{:.0}",
                    r.samples_per_second_min, r.samples_per_second_max
                ),
                r.us_per_batch
            );
        }
    };
    // The data as it is, then each asked density (cases interleaved within each).
    let mut sets = vec![None];
    sets.extend(args.density.iter().copied().map(Some));
    let mut results = Vec::new();
    for density in sets {
        let densified;
        let data = match density {
            None => &data.train,
            Some(d) => {
                densified = with_density(&data.train, 10_000, d, 1);
                &densified
            }
        };
        let timed = bench_minibatch(
            &cases,
            data,
            Duration::from_secs_f64(args.seconds),
            args.rounds,
            print_row,
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        results.extend(timed);
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    }
    Ok(())
}
