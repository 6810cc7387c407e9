//! `mlp show`: one dataset image as terminal art, optionally as a scaled-up PNG.

use crate::exit::{from_engine, UsageError};
use crate::shared::{check_output_path, load_data, terminal_art, SplitName};
use clap::Args as ClapArgs;
use std::path::PathBuf;

/// Flags of `mlp show`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// Folder holding the four MNIST IDX files (raw or .gz).
    #[arg(long, default_value = "data/mnist")]
    data: PathBuf,
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
    let data = load_data(&args.data)?;
    let (split, _) = args.split.of(&data);
    if args.index >= split.len() {
        return Err(UsageError(format!(
            "invalid --index: {} is out of range, the {} split of {} has {} images (0 to {})",
            args.index,
            args.split.name(),
            args.data.display(),
            split.len(),
            split.len().saturating_sub(1)
        ))
        .into());
    }
    let (rows, cols) = (split.rows(), split.cols());
    let pixels = split.image(args.index);
    println!(
        "{} image {} of {}: label {}",
        args.split.name(),
        args.index,
        split.len(),
        split.label(args.index)
    );
    print!("{}", terminal_art(pixels, rows, cols));
    if let Some(p) = &args.png {
        mlp_report::pictures::digit_png(p, pixels, rows, cols, args.scale as usize)
            .map_err(from_engine)?;
    }
    Ok(())
}
