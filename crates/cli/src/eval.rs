//! `mlp eval`: a saved model's metrics, per-class figures and confusion on a data split.

use crate::exit::{from_engine, UsageError};
use crate::train::check_writable;
use anyhow::Context;
use clap::{Args as ClapArgs, ValueEnum};
use mlp_engine::model::{self, Model};
use mlp_engine::render::{self, Labelled};
use mlp_engine::{Dataset, Evaluation, LoadedData};
use serde_json::json;
use std::path::{Path, PathBuf};

/// Which split of a data folder to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SplitName {
    /// The training images.
    Train,
    /// The test images.
    Test,
}

impl SplitName {
    /// The split's name.
    pub fn name(self) -> &'static str {
        match self {
            SplitName::Train => "train",
            SplitName::Test => "test",
        }
    }

    /// The split of `data`: its IDX files and its converted dataset.
    pub fn of(self, data: &LoadedData) -> (&mnist_idx::Split, &Dataset) {
        match self {
            SplitName::Train => (&data.files.train, &data.train),
            SplitName::Test => (&data.files.test, &data.test),
        }
    }
}

/// Flags of `mlp eval`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// The model file (written by `mlp train --save`).
    #[arg(long, value_name = "FILE")]
    model: PathBuf,
    /// Folder holding the four MNIST IDX files (raw or .gz).
    #[arg(long, default_value = "data/mnist")]
    data: PathBuf,
    /// Which split to evaluate.
    #[arg(long, value_enum, default_value = "test")]
    split: SplitName,
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

/// Converts an engine error to one flat message (usage errors stay usage errors).
///
/// `EngineError::Io` carries its cause as a source too; flattening keeps it from being
/// printed twice in the error chain.
pub fn flat(e: mlp_engine::EngineError) -> anyhow::Error {
    match e {
        mlp_engine::EngineError::Config { .. } => from_engine(e),
        other => anyhow::anyhow!(other.to_string()),
    }
}

/// Loads a model file, as one line naming it on failure.
pub fn load_model(path: &Path) -> anyhow::Result<Model> {
    model::load(path)
        .map_err(flat)
        .context("cannot load --model")
}

/// A one-line description of a model's network and training.
pub fn describe(m: &Model) -> String {
    let c = &m.config;
    format!(
        "case {} ({}), {}-{}-{}, backprop {}, eta {}, K = {}, {} epochs, seed {}{}",
        c.case.number(),
        c.case,
        m.network.inputs(),
        m.network.hidden(),
        m.network.outputs(),
        c.backprop,
        c.lr,
        c.train_samples,
        c.epochs,
        c.seed,
        match m.stage {
            model::Stage::Initial => ", untrained",
            model::Stage::Trained => "",
        }
    )
}

/// Checks that `model` fits images of `rows x cols` with `classes` classes from `dir`.
pub fn check_fits(
    model_path: &Path,
    m: &Model,
    dir: &Path,
    (rows, cols, classes): (usize, usize, usize),
) -> anyhow::Result<()> {
    if (m.rows, m.cols, m.network.outputs()) != (rows, cols, classes) {
        return Err(UsageError(format!(
            "--model {} takes {}x{} images and {} classes, but the data in {} has {rows}x{cols} images and {classes} classes",
            model_path.display(),
            m.rows,
            m.cols,
            m.network.outputs(),
            dir.display()
        ))
        .into());
    }
    Ok(())
}

/// Precision, recall, support and predicted count of each class.
struct ClassFigures {
    precision: Option<f64>,
    recall: Option<f64>,
    support: u64,
    predicted: u64,
}

fn per_class(m: &[Vec<u64>]) -> Vec<ClassFigures> {
    (0..m.len())
        .map(|k| {
            let support: u64 = m[k].iter().sum();
            let predicted: u64 = m.iter().map(|row| row[k]).sum();
            let ratio = |d: u64| (d > 0).then(|| m[k][k] as f64 / d as f64);
            ClassFigures {
                precision: ratio(predicted),
                recall: ratio(support),
                support,
                predicted,
            }
        })
        .collect()
}

/// The `n` largest off-diagonal cells as `(true, predicted, count)`, ties by position.
fn most_confused(m: &[Vec<u64>], n: usize) -> Vec<(usize, usize, u64)> {
    let mut cells: Vec<(usize, usize, u64)> = m
        .iter()
        .enumerate()
        .flat_map(|(t, row)| row.iter().enumerate().map(move |(p, &v)| (t, p, v)))
        .filter(|&(t, p, v)| t != p && v > 0)
        .collect();
    cells.sort_by(|a, b| b.2.cmp(&a.2).then((a.0, a.1).cmp(&(b.0, b.1))));
    cells.truncate(n);
    cells
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
            check_writable(flag, p)?;
        }
    }
    let m = load_model(&args.model)?;
    let data = LoadedData::open(&args.data)
        .map_err(from_engine)
        .with_context(|| format!("cannot load data from {}", args.data.display()))?;
    let (split, set) = args.split.of(&data);
    check_fits(
        &args.model,
        &m,
        &args.data,
        (split.rows(), split.cols(), set.classes()),
    )?;
    let mut ours = data.files.sha256();
    ours.sort();
    let mut theirs = m.data_sha256.clone();
    theirs.sort();
    if !theirs.is_empty() && theirs != ours {
        eprintln!(
            "note: the data in {} is not the data {} was trained on",
            args.data.display(),
            args.model.display()
        );
    }
    let eval = mlp_engine::evaluate(&m.network, m.case(), set);
    let figures = per_class(&eval.confusion);
    let confused = most_confused(&eval.confusion, 5);

    if let Some(path) = &args.misclassified {
        let wrong: Vec<Labelled<'_>> = eval
            .predictions
            .iter()
            .enumerate()
            .filter(|&(i, &p)| p != set.label(i))
            .take(args.limit)
            .map(|(i, &p)| Labelled {
                pixels: split.image(i),
                truth: set.label(i),
                predicted: p,
            })
            .collect();
        let title = format!(
            "Misclassified {} images: {} of {} ({:.2}%){}",
            args.split.name(),
            eval.misclassified,
            eval.samples,
            eval.error_pct(),
            if eval.misclassified > wrong.len() {
                format!(", first {} shown", wrong.len())
            } else {
                String::new()
            }
        );
        render::misclassified_png(path, &wrong, split.rows(), split.cols(), &title)
            .map_err(flat)?;
    }
    if let Some(path) = &args.confusion {
        let title = format!(
            "Confusion matrix: {:.2}% error on {} {} images",
            eval.error_pct(),
            eval.samples,
            args.split.name()
        );
        render::confusion_png(path, &eval.confusion, &title, &describe(&m)).map_err(flat)?;
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
    confused: &[(usize, usize, u64)],
) -> anyhow::Result<()> {
    let out = json!({
        "model": args.model.display().to_string(),
        "data": args.data.display().to_string(),
        "split": args.split.name(),
        "samples": eval.samples,
        "mse": eval.mse,
        "misclassified": eval.misclassified,
        "error_pct": eval.error_pct(),
        "accuracy": eval.accuracy(),
        "per_class": figures.iter().enumerate().map(|(k, f)| json!({
            "class": k,
            "precision": f.precision,
            "recall": f.recall,
            "support": f.support,
            "predicted": f.predicted,
        })).collect::<Vec<_>>(),
        "confusion": eval.confusion,
        "most_confused": confused.iter().map(|&(t, p, n)| json!({
            "true": t, "predicted": p, "count": n,
        })).collect::<Vec<_>>(),
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
    confused: &[(usize, usize, u64)],
) {
    println!("model {}: {}", args.model.display(), describe(m));
    println!(
        "data {}, {} split: {} images",
        args.data.display(),
        args.split.name(),
        eval.samples
    );
    println!(
        "{} MSE {:.4}, misclassified {}, error {:.2}%, accuracy {:.2}%",
        args.split.name(),
        eval.mse,
        eval.misclassified,
        eval.error_pct(),
        100.0 * eval.accuracy()
    );
    println!();
    println!(
        "{:>5}  {:>9}  {:>8}  {:>7}  {:>9}",
        "class", "precision", "recall", "support", "predicted"
    );
    for (k, f) in figures.iter().enumerate() {
        println!(
            "{:>5}  {:>9}  {:>8}  {:>7}  {:>9}",
            k,
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
    println!();
    if confused.is_empty() {
        println!("most confused pairs: none");
    } else {
        println!("most confused pairs (true -> predicted: count)");
        for &(t, p, n) in confused {
            println!("  {t} -> {p}: {n}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_and_pairs_from_a_confusion_matrix() {
        let m = vec![vec![5, 1, 0], vec![0, 0, 0], vec![3, 1, 9]];
        let f = per_class(&m);
        assert_eq!(f[0].precision, Some(5.0 / 8.0));
        assert_eq!(f[0].recall, Some(5.0 / 6.0));
        assert_eq!(f[1].recall, None);
        assert_eq!(f[1].precision, Some(0.0));
        assert_eq!((f[2].support, f[2].predicted), (13, 9));
        assert_eq!(most_confused(&m, 5), vec![(2, 0, 3), (0, 1, 1), (2, 1, 1)]);
        assert_eq!(most_confused(&m, 1), vec![(2, 0, 3)]);
    }
}
