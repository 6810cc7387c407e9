//! `mlp eval`: a saved model's metrics, per-class figures and confusion on a data split.

use crate::exit::UsageError;
use crate::shared::{check_output_path, load_data_for, load_model, EvalData};
use clap::Args as ClapArgs;
use mlp_engine::model::{self, Model};
use mlp_engine::{ClassFigures, Confusion, Evaluation, LoadedData};
use mlp_report::pictures::{self, Labelled};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Flags of `mlp eval`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The model file (written by `mlp train --save`).
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    /// The data and split to evaluate on.
    #[command(flatten)]
    on: EvalData,
    /// Print one JSON object instead of the tables.
    #[arg(long)]
    json: bool,
    /// Write a PNG montage of misclassified images, each captioned "true -> predicted".
    #[arg(long, value_name = "PNG")]
    misclassified: Option<PathBuf>,
    /// At most this many images in the --misclassified montage.
    #[arg(long, value_name = "N", default_value_t = 100)]
    limit: usize,
    /// Write the confusion matrix as a PNG heat map.
    #[arg(long, value_name = "PNG")]
    confusion: Option<PathBuf>,
}

/// A one-line description of a model's network and training.
pub fn describe(m: &Model) -> String {
    let c = &m.config;
    format!(
        "case {} ({}), {}, backprop {}, eta {}, K = {}, {} epochs, seed {}{}{}",
        c.network.case.number(),
        c.network.case,
        m.network.describe(),
        c.network.backprop,
        c.optimizer.lr,
        c.data.train_samples,
        c.run.epochs,
        c.run.seed,
        c.general_parts()
            .iter()
            .map(|p| format!(", {p}"))
            .collect::<String>(),
        match m.stage {
            model::Stage::Initial => ", untrained",
            model::Stage::Trained => "",
        }
    )
}

/// Checks that `model` fits the samples and classes of `data` (read from `path`).
pub fn check_fits(
    model_path: &Path,
    m: &Model,
    path: &Path,
    data: &LoadedData,
) -> anyhow::Result<()> {
    let classes = data.train.classes();
    let (takes, has) = match data.image() {
        Some((rows, cols)) if m.takes_images() => (
            format!("{}x{} images", m.rows, m.cols),
            format!("{rows}x{cols} images"),
        ),
        _ => (
            format!("{} inputs", m.network.inputs()),
            format!("{} inputs", data.train.inputs()),
        ),
    };
    if takes != has || m.network.outputs() != classes {
        return Err(UsageError(format!(
            "--model {} takes {takes} and {} classes, but the data in {} has {has} and {classes} classes",
            model_path.display(),
            m.network.outputs(),
            path.display()
        ))
        .into());
    }
    Ok(())
}

/// Runs `mlp eval`.
pub fn run(args: Args) -> anyhow::Result<()> {
    if args.limit == 0 {
        return Err(UsageError("invalid --limit: must be at least 1".into()).into());
    }
    for (flag, path) in [
        ("--misclassified", &args.misclassified),
        ("--confusion", &args.confusion),
    ] {
        if let Some(p) = path {
            check_output_path(flag, p)?;
        }
    }
    let m = load_model("--model", &args.model)?;
    let spec = args.on.data.spec();
    if args.misclassified.is_some() && !m.takes_images() {
        return Err(UsageError(format!(
            "invalid --misclassified: {} was trained on features, not images, so there are no pictures to show",
            args.model.display()
        ))
        .into());
    }
    let data = load_data_for(&spec, &m, "eval")?;
    check_fits(&args.model, &m, spec.path(), &data)?;
    let (split, set) = args.on.split.of(&data);
    let mut ours = data.checksums();
    ours.sort();
    let mut theirs = m.data_sha256.clone();
    theirs.sort();
    if !theirs.is_empty() && theirs != ours {
        eprintln!(
            "note: the data in {} is not the data {} was trained on",
            spec.path().display(),
            args.model.display()
        );
    }
    let eval = m.evaluate(set);
    let figures = eval.per_class();
    let confused = eval.most_confused(5);

    if let Some(path) = &args.misclassified {
        let Some((rows, cols)) = data.image() else {
            return Err(UsageError(format!(
                "invalid --misclassified: the data in {} are features, not images",
                spec.path().display()
            ))
            .into());
        };
        let wrong: Vec<(usize, u8, Vec<u8>)> = eval
            .predictions
            .iter()
            .enumerate()
            .filter(|&(i, &p)| p != set.label(i))
            .take(args.limit)
            .map(|(i, &p)| (i, p, split.picture(i)))
            .collect();
        let wrong: Vec<Labelled<'_>> = wrong
            .iter()
            .map(|(i, p, pixels)| Labelled {
                pixels,
                truth: set.label(*i),
                predicted: *p,
            })
            .collect();
        let title = format!(
            "Misclassified {} images: {} of {} ({:.2}%){}",
            args.on.split.name(),
            eval.misclassified,
            eval.samples,
            eval.error_pct(),
            if eval.misclassified > wrong.len() {
                format!(", first {} shown", wrong.len())
            } else {
                String::new()
            }
        );
        pictures::misclassified_png(path, &wrong, rows, cols, &title)?;
    }
    if let Some(path) = &args.confusion {
        let title = format!(
            "Confusion matrix: {:.2}% error on {} {} images",
            eval.error_pct(),
            eval.samples,
            args.on.split.name()
        );
        pictures::confusion_png(path, &eval.confusion, &title, &describe(&m))?;
    }
    if args.json {
        print_json(&args, &m, &eval, &figures, &confused)?;
    } else {
        print_text(&args, &m, &eval, &figures, &confused);
    }
    Ok(())
}

fn print_json(
    args: &Args,
    m: &Model,
    eval: &Evaluation,
    figures: &[ClassFigures],
    confused: &[Confusion],
) -> anyhow::Result<()> {
    let names = m.class_names();
    let out = json!({
        "model": args.model.display().to_string(),
        "data": args.on.data.spec().path().display().to_string(),
        "split": args.on.split.name(),
        "samples": eval.samples,
        "classes": m.class_names(),
        "loss": eval.loss,
        "loss_kind": m.config.network.loss,
        "misclassified": eval.misclassified,
        "error_pct": eval.error_pct(),
        "accuracy": eval.accuracy(),
        "per_class": figures.iter().enumerate().map(|(k, f)| json!({
            "class": k,
            "name": names.get(k),
            "precision": f.precision,
            "recall": f.recall,
            "support": f.support,
            "predicted": f.predicted,
        })).collect::<Vec<_>>(),
        "confusion": eval.confusion,
        "most_confused": confused,
        "config": m.config,
        "training_metrics": m.metrics,
        "tool_version": m.tool_version,
    });
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

fn pct(v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| format!("{:.2}%", 100.0 * v))
}

fn print_text(
    args: &Args,
    m: &Model,
    eval: &Evaluation,
    figures: &[ClassFigures],
    confused: &[Confusion],
) {
    println!("model {}: {}", args.model.display(), describe(m));
    println!(
        "data {}, {} split: {} samples",
        args.on.data.spec().path().display(),
        args.on.split.name(),
        eval.samples
    );
    println!(
        "{} {} {:.4}, misclassified {}, error {:.2}%, accuracy {:.2}%",
        args.on.split.name(),
        m.config.network.loss.label(),
        eval.loss,
        eval.misclassified,
        eval.error_pct(),
        100.0 * eval.accuracy()
    );
    println!();
    println!(
        "{:>5}  {:>9}  {:>8}  {:>7}  {:>9}",
        "class", "precision", "recall", "support", "predicted"
    );
    let names = m.class_names();
    for (k, f) in figures.iter().enumerate() {
        println!(
            "{:>5}  {:>9}  {:>8}  {:>7}  {:>9}",
            names.get(k).map_or_else(|| k.to_string(), Clone::clone),
            pct(f.precision),
            pct(f.recall),
            f.support,
            f.predicted
        );
    }
    println!();
    println!("confusion matrix (rows: true class, columns: predicted class)");
    let width = eval
        .confusion
        .iter()
        .flatten()
        .map(|v| v.to_string().len())
        .max()
        .unwrap_or(1)
        .max(3);
    let mut header = format!("{:>5} ", "");
    for k in 0..eval.confusion.len() {
        header.push_str(&format!(" {k:>width$}"));
    }
    println!("{header}");
    for (t, row) in eval.confusion.iter().enumerate() {
        let mut line = format!("{t:>5} ");
        for v in row {
            line.push_str(&format!(" {v:>width$}"));
        }
        println!("{line}");
    }
    let named = names.iter().enumerate().any(|(k, n)| *n != k.to_string());
    if named {
        let legend: Vec<String> = names
            .iter()
            .enumerate()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        println!("classes: {}", legend.join(", "));
    }
    println!();
    if confused.is_empty() {
        println!("most confused pairs: none");
    } else {
        println!("most confused pairs (true -> predicted: count)");
        let name = |k: usize| names.get(k).cloned().unwrap_or_else(|| k.to_string());
        for c in confused {
            println!("  {} -> {}: {}", name(c.truth), name(c.predicted), c.count);
        }
    }
}
