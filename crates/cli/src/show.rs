//! `mlp show`: one dataset image as terminal art, optionally as a scaled-up PNG.

use crate::exit::{from_engine, UsageError};
use crate::shared::{check_output_path, load_data, terminal_art, SplitName};
use clap::Args as ClapArgs;
use mlp_engine::augment::{image_rng, Augment, Scratch};
use mlp_engine::{Case, DataSpec, TrainConfig};
use std::path::PathBuf;

/// Flags of `mlp show`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The images: a folder of IDX files or of x_train/y_train/x_test/y_test
    /// .npy files, a .npz archive, or a name (mnist) [default: data/mnist]
    #[arg(long, value_name = "PATH|NAME")]
    data: Option<PathBuf>,
    /// Which image: its position in the split, from 0.
    #[arg(long, value_name = "I")]
    index: usize,
    /// Which split the image comes from.
    #[arg(long, value_enum, default_value = "test")]
    split: SplitName,
    /// Also write the image to this PNG, scaled up.
    #[arg(long, value_name = "FILE")]
    png: Option<PathBuf>,
    /// Pixels per image pixel in the --png file.
    #[arg(long, value_name = "S", default_value_t = 10)]
    scale: u32,
    /// Write a grid of the image's distortions to --png instead (the first
    /// cell the image itself): affine, elastic or affine+elastic, with
    /// training's default ranges, drawn as training draws them.
    #[arg(long)]
    augment: Option<Augment>,
    /// Distortions in the grid (default 23).
    #[arg(long, value_name = "N")]
    count: Option<usize>,
    /// Seed of the distortions (default 1).
    #[arg(long)]
    seed: Option<u64>,
    /// Width of the elastic field's smoothing, pixels.
    #[arg(long, value_name = "PX")]
    elastic_sigma: Option<f64>,
    /// Scale of the smoothed elastic field, pixels.
    #[arg(long, value_name = "PX")]
    elastic_alpha: Option<f64>,
}

/// Runs `mlp show`.
pub fn run(args: Args) -> anyhow::Result<()> {
    if !(1..=100).contains(&args.scale) {
        return Err(UsageError(format!(
            "invalid --scale: {} is not between 1 and 100",
            args.scale
        ))
        .into());
    }
    if let Some(p) = &args.png {
        check_output_path("--png", p)?;
    }
    if args.augment.is_some() && args.png.is_none() {
        return Err(UsageError(
            "invalid --augment: the grid of distortions needs --png FILE".into(),
        )
        .into());
    }
    let distortion_flags = [
        ("--count", args.count.is_some()),
        ("--seed", args.seed.is_some()),
        ("--elastic-sigma", args.elastic_sigma.is_some()),
        ("--elastic-alpha", args.elastic_alpha.is_some()),
    ];
    if let Some((flag, _)) = distortion_flags
        .iter()
        .find(|(_, given)| *given && args.augment.is_none())
    {
        return Err(UsageError(format!(
            "invalid {flag}: it shapes the grid of --augment, which was not given"
        ))
        .into());
    }
    let spec = DataSpec {
        path: args.data.clone(),
        ..DataSpec::default()
    };
    let features = || {
        UsageError(format!(
            "invalid --data: {} holds features, not images; show draws images",
            spec.path().display()
        ))
    };
    if mnist_idx::detect(spec.path()).ok() == Some(mnist_idx::Format::Csv) {
        return Err(features().into());
    }
    let data = load_data(&spec)?;
    let Some((rows, cols)) = data.image() else {
        return Err(features().into());
    };
    let (split, _) = args.split.of(&data);
    if args.index >= split.len() {
        return Err(UsageError(format!(
            "invalid --index: {} is out of range, the {} split of {} has {} images (0 to {})",
            args.index,
            args.split.name(),
            spec.path().display(),
            split.len(),
            split.len().saturating_sub(1)
        ))
        .into());
    }
    let picture = split.picture(args.index);
    let pixels = &picture[..];
    let label = split.labels()[args.index] as usize;
    println!(
        "{} image {} of {}: label {}",
        args.split.name(),
        args.index,
        split.len(),
        data.source.classes.names[label]
    );
    print!("{}", terminal_art(pixels, rows, cols));
    if let (Some(p), Some(kind)) = (&args.png, args.augment) {
        let grid = distortions(&args, kind, pixels, rows, cols)?;
        mlp_report::pictures::grid_png(p, &grid, rows, cols, 6, args.scale.min(4) as usize)?;
        println!("{} distortions ({kind}) in {}", grid.len() - 1, p.display());
    } else if let Some(p) = &args.png {
        mlp_report::pictures::digit_png(p, pixels, rows, cols, args.scale as usize)?;
    }
    Ok(())
}

/// The image and `args.count` distortions of it, as training draws them.
fn distortions(
    args: &Args,
    kind: Augment,
    pixels: &[u8],
    rows: usize,
    cols: usize,
) -> anyhow::Result<Vec<Vec<u8>>> {
    if rows != cols {
        return Err(UsageError(format!(
            "invalid --augment: distortions need square images, these are {rows}x{cols}"
        ))
        .into());
    }
    let count = args.count.unwrap_or(23);
    if !(1..=400).contains(&count) {
        return Err(
            UsageError(format!("invalid --count: {count} is not between 1 and 400")).into(),
        );
    }
    let mut config = TrainConfig::new(Case::ReluSigmoid);
    config.data.augment.kind = kind;
    if let Some(s) = args.elastic_sigma {
        config.data.augment.elastic_sigma = s;
    }
    if let Some(a) = args.elastic_alpha {
        config.data.augment.elastic_alpha = a;
    }
    config.validate(usize::MAX).map_err(from_engine)?;
    let dist = config.data.augment;
    let src: Vec<f32> = pixels.iter().map(|&v| v as f32 / 255.0).collect();
    let mut out = vec![0.0f32; src.len()];
    let mut scratch = Scratch::default();
    let mut grid = vec![pixels.to_vec()];
    let seed = args.seed.unwrap_or(1);
    for k in 0..count {
        dist.apply(
            &mut image_rng(seed, k as u64 + 1, 0),
            &src,
            rows,
            &mut scratch,
            &mut out,
        );
        grid.push(
            out.iter()
                .map(|&v| (v.clamp(0.0, 1.0) * 255.0).round() as u8)
                .collect(),
        );
    }
    Ok(grid)
}
