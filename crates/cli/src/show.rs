//! `mlp show`: one dataset image as terminal art, optionally as a scaled-up PNG.

use crate::eval::SplitName;
use crate::exit::{from_engine, UsageError};
use crate::train::check_writable;
use anyhow::Context;
use clap::Args as ClapArgs;
use image::ImageEncoder as _;
use mlp_engine::LoadedData;
use std::path::{Path, PathBuf};

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

/// Characters from no ink to full ink.
const RAMP: &[u8] = b" .:-=+*#%@";

/// `rows x cols` bytes as text, two characters per pixel so the shape keeps its aspect ratio.
pub fn art(pixels: &[u8], rows: usize, cols: usize) -> String {
    let mut s = String::with_capacity(rows * (2 * cols + 3));
    let edge = format!("+{}+\n", "-".repeat(2 * cols));
    s.push_str(&edge);
    for row in pixels.chunks(cols).take(rows) {
        s.push('|');
        for &v in row {
            let c = RAMP[(v as usize * RAMP.len() / 256).min(RAMP.len() - 1)] as char;
            s.push(c);
            s.push(c);
        }
        s.push_str("|\n");
    }
    s.push_str(&edge);
    s
}

/// Writes `rows x cols` gray bytes to `path` as a PNG scaled by `scale`, via a temporary file.
pub fn write_png(
    path: &Path,
    pixels: &[u8],
    rows: usize,
    cols: usize,
    scale: u32,
) -> anyhow::Result<()> {
    let s = scale as usize;
    let (w, h) = (cols * s, rows * s);
    let mut big = vec![0u8; w * h];
    for y in 0..h {
        for x in 0..w {
            big[y * w + x] = pixels[(y / s) * cols + x / s];
        }
    }
    let mut bytes = Vec::new();
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(&big, w as u32, h as u32, image::ExtendedColorType::L8)
        .with_context(|| format!("cannot encode {}", path.display()))?;
    mlp_engine::model::write_atomic(path, &bytes).map_err(crate::eval::flat)?;
    Ok(())
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
        check_writable("--png", p)?;
    }
    let data = LoadedData::open(&args.data)
        .map_err(from_engine)
        .with_context(|| format!("cannot load data from {}", args.data.display()))?;
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
    print!("{}", art(pixels, rows, cols));
    if let Some(p) = &args.png {
        write_png(p, pixels, rows, cols, args.scale)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn art_maps_intensity_to_the_ramp() {
        let a = art(&[0, 128, 255, 30], 2, 2);
        assert_eq!(a, "+----+\n|  ++|\n|@@..|\n+----+\n");
    }
}
