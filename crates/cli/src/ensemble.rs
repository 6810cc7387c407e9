//! `mlp ensemble`: a committee of saved models, voting by their mean output scores.

use crate::eval::check_fits;
use crate::exit::from_sweep;
use crate::exit::UsageError;
use crate::shared::{load_data_for, load_model, EvalData};
use clap::Args as ClapArgs;
use mlp_engine::committee::evaluate_committee;

use serde_json::json;
use std::path::{Path, PathBuf};

/// Flags of `mlp ensemble`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// A member's model file (written by `mlp train --save`); repeat for each member.
    #[arg(long = "model", value_name = "FILE", conflicts_with = "from")]
    models: Vec<PathBuf>,
    /// Take the members from a sweep run with --save-models: its folder.
    #[arg(long, value_name = "OUT")]
    from: Option<PathBuf>,
    /// With --from: the K configurations of lowest validation error (default:
    /// all), trials stopped by successive halving included.
    #[arg(long, value_name = "K", requires = "from")]
    best: Option<usize>,
    /// The data and split to evaluate on.
    #[command(flatten)]
    on: EvalData,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// Runs `mlp ensemble`.
pub fn run(mut args: Args) -> anyhow::Result<()> {
    if let Some(out) = &args.from {
        args.models = best_of_sweep(out, args.best)?;
    }
    if args.models.is_empty() {
        return Err(UsageError(
            "missing --model: name each member's model file (--model a.safetensors --model b.safetensors ...), or a sweep with --from OUT".into(),
        )
        .into());
    }
    let models = args
        .models
        .iter()
        .map(|p| load_model("--model", p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let spec = args.on.data.spec();
    let (first, m0) = (&args.models[0], &models[0]);
    for (path, m) in args.models.iter().zip(&models).skip(1) {
        let held_out = |m: &mlp_engine::model::Model| {
            m.data
                .as_ref()
                .map(|d| (d.test_data.clone(), d.test_fraction, d.split_seed))
        };
        if m.scaling != m0.scaling
            || m.class_names() != m0.class_names()
            || held_out(m) != held_out(m0)
        {
            return Err(UsageError(format!(
                "invalid --model list: {} was trained with other input scaling, classes or test rows than {}; a committee's members must share them",
                path.display(),
                first.display()
            ))
            .into());
        }
    }
    let data = load_data_for(&spec, m0, "ensemble")?;
    let (_, set) = args.on.split.of(&data);
    for (path, m) in args.models.iter().zip(&models) {
        check_fits(path, m, spec.path(), &data)?;
    }
    let eval = evaluate_committee(&models, set)
        .map_err(|e| UsageError(format!("invalid --model list: {e}")))?;
    if args.json {
        let out = json!({
            "data": spec.path().display().to_string(),
            "split": args.on.split.name(),
            "samples": eval.committee.samples,
            "members": args.models.iter().zip(&eval.members).map(|(p, e)| json!({
                "model": p.display().to_string(),
                "misclassified": e.misclassified,
                "error_pct": e.error_pct(),
            })).collect::<Vec<_>>(),
            "committee": {
                "members": models.len(),
                "misclassified": eval.committee.misclassified,
                "error_pct": eval.committee.error_pct(),
                "loss": eval.committee.loss,
                "confusion": eval.committee.confusion,
            },
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(());
    }
    println!(
        "{:<8} {:>13} {:>8}  model",
        "member", "misclassified", "error"
    );
    for (i, (p, e)) in args.models.iter().zip(&eval.members).enumerate() {
        println!(
            "{:<8} {:>13} {:>7.2}%  {}",
            i + 1,
            e.misclassified,
            e.error_pct(),
            p.display()
        );
    }
    let c = &eval.committee;
    println!(
        "{:<8} {:>13} {:>7.2}%  mean scores of {} members on {} {} images",
        "comm.",
        c.misclassified,
        c.error_pct(),
        models.len(),
        c.samples,
        args.on.split.name()
    );
    Ok(())
}

/// The model files of the `best` configurations of the sweep in `out` by
/// validation error (ties by validation loss, then key), or of all its finished ones.
fn best_of_sweep(out: &Path, best: Option<usize>) -> anyhow::Result<Vec<PathBuf>> {
    if best == Some(0) {
        return Err(UsageError("invalid --best: must be at least 1".into()).into());
    }
    let files = mlp_sweep::results_files(out).map_err(from_sweep)?;
    if files.is_empty() {
        return Err(UsageError(format!(
            "invalid --from: {} holds no sweep results (results.jsonl)",
            out.display()
        ))
        .into());
    }
    let records = mlp_sweep::merge(&files).map_err(from_sweep)?;
    // Trials halving stopped are ranked too, by their figures where they stopped.
    let Some(order) = mlp_sweep::rank::rank_by_validation(&records) else {
        return Err(UsageError(format!(
            "invalid --from: {} ran without a validation split, so its models cannot be ranked; name them with --model",
            out.display()
        ))
        .into());
    };
    let ranked: Vec<&String> = order.iter().map(|&i| &records[i].key).collect();
    let take = best.unwrap_or(ranked.len());
    if take > ranked.len() {
        return Err(UsageError(format!(
            "invalid --best: {} has {} configurations, fewer than {take}",
            out.display(),
            ranked.len()
        ))
        .into());
    }
    ranked[..take]
        .iter()
        .map(|key| {
            let path = mlp_sweep::model_path(out, key);
            if path.is_file() {
                Ok(path)
            } else {
                anyhow::bail!(
                    "{} has no saved model for {key}: run the sweep with --save-models (it resumes with --resume)",
                    out.display()
                )
            }
        })
        .collect()
}
