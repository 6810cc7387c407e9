//! `mlp predict`: classify the user's own pictures of digits with a saved model.

use crate::shared::{load_model, terminal_art};
use clap::Args as ClapArgs;
use mlp_engine::argmax;
use mlp_engine::model::Model;
use mlp_engine::preprocess::prepare;
use serde_json::json;
use std::path::{Path, PathBuf};

/// Flags of `mlp predict`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The model file (written by `mlp train --save`).
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    /// Pictures of single digits (PNG, JPEG or BMP), any size, dark on light or light on dark.
    #[arg(required = true, value_name = "IMAGE")]
    images: Vec<PathBuf>,
    /// Print one JSON array, an object per image, instead of text.
    #[arg(long)]
    json: bool,
    /// Also show each image as the network sees it (terminal art, or "input" in --json).
    #[arg(long)]
    show: bool,
}

/// Decodes `path` to grayscale, compositing any transparency onto white.
fn decode(path: &Path) -> Result<(Vec<u8>, usize, usize), String> {
    let img = image::ImageReader::open(path)
        .map_err(|e| e.to_string())?
        .with_guessed_format()
        .map_err(|e| e.to_string())?
        .decode()
        .map_err(|e| format!("cannot decode the image ({e})"))?;
    let (w, h) = (img.width() as usize, img.height() as usize);
    let gray = if img.color().has_alpha() {
        img.to_luma_alpha8()
            .pixels()
            .map(|p| {
                let (l, a) = (p.0[0] as u32, p.0[1] as u32);
                ((l * a + 255 * (255 - a) + 127) / 255) as u8
            })
            .collect()
    } else {
        img.to_luma8().into_raw()
    };
    Ok((gray, w, h))
}

/// The network's input and scores for the picture at `path`.
fn classify(m: &Model, path: &Path) -> Result<(Vec<u8>, Vec<f32>), String> {
    let (gray, w, h) = decode(path)?;
    let input = prepare(&gray, w, h, m.rows, m.cols).map_err(|e| e.to_string())?;
    // The model's own scaling, as training applied it to the training images' bytes.
    let raw: Vec<f64> = input.iter().map(|&v| f64::from(v)).collect();
    let mut x = vec![0.0f32; raw.len()];
    m.scaling.apply(&raw, &mut x);
    let scores = m.scores(&x);
    Ok((input, scores))
}

/// Runs `mlp predict`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let m = load_model("--model", &args.model)?;
    if !m.takes_images() {
        return Err(crate::exit::UsageError(format!(
            "invalid --model: {} was trained on features, not images; predict classifies pictures (use `mlp eval --data` for tables and arrays)",
            args.model.display()
        ))
        .into());
    }
    if let Some(values) = m
        .data
        .as_ref()
        .filter(|d| !d.is_bytes())
        .and_then(|d| d.values.clone())
    {
        return Err(crate::exit::UsageError(format!(
            "invalid --model: {} was trained on images of {values} values, whose scale a picture's bytes (0 to 255) do not tell; predict takes models trained on uint8 images",
            args.model.display()
        ))
        .into());
    }
    let names = m.class_names();
    let mut failures: Vec<String> = Vec::new();
    let mut entries = Vec::new();
    for path in &args.images {
        let name = path.display().to_string();
        match classify(&m, path) {
            Ok((input, scores)) => {
                let digit = argmax(&scores);
                let class = names
                    .get(digit)
                    .cloned()
                    .unwrap_or_else(|| digit.to_string());
                if args.json {
                    let mut e = json!({ "file": name, "prediction": digit, "class": class, "scores": scores });
                    if args.show {
                        e["input"] = json!(input);
                    }
                    entries.push(e);
                } else {
                    println!("{name}: {class}");
                    let line: Vec<String> = scores
                        .iter()
                        .enumerate()
                        .map(|(k, s)| format!("{k} {s:.3}"))
                        .collect();
                    println!("  scores  {}", line.join("  "));
                    if args.show {
                        print!("{}", terminal_art(&input, m.rows, m.cols));
                    }
                }
            }
            Err(problem) => {
                if args.json {
                    entries.push(json!({ "file": name, "error": problem }));
                }
                failures.push(format!("{name}: {problem}"));
            }
        }
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&entries)?);
    }
    // Every failure gets its own line; the last one is the command's error (exit 1).
    let last = failures.pop();
    for f in failures {
        eprintln!("error: {f}");
    }
    match last {
        Some(f) => Err(anyhow::anyhow!(f)),
        None => Ok(()),
    }
}
