//! `mlp ensemble`: a committee of saved models, voting by their mean output scores.

use crate::eval::check_fits;
use crate::exit::UsageError;
use crate::shared::{load_data, load_model, EvalData};
use clap::Args as ClapArgs;
use mlp_engine::committee::evaluate_committee;
use serde_json::json;
use std::path::PathBuf;

/// Flags of `mlp ensemble`.
#[derive(ClapArgs, Debug)]
pub struct Args {
    /// A member's model file (written by `mlp train --save`); repeat for each member.
    #[arg(long = "model", value_name = "FILE")]
    models: Vec<PathBuf>,
    /// The data and split to evaluate on.
    #[command(flatten)]
    on: EvalData,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
}

/// Runs `mlp ensemble`.
pub fn run(args: Args) -> anyhow::Result<()> {
    if args.models.is_empty() {
        return Err(UsageError(
            "missing --model: name each member's model file (--model a.safetensors --model b.safetensors ...)".into(),
        )
        .into());
    }
    let models = args
        .models
        .iter()
        .map(|p| load_model("--model", p))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let data = load_data(&args.on.data)?;
    let (split, set) = args.on.split.of(&data);
    for (path, m) in args.models.iter().zip(&models) {
        check_fits(
            path,
            m,
            &args.on.data,
            (split.rows(), split.cols(), set.classes()),
        )?;
    }
    let eval = evaluate_committee(&models, set)
        .map_err(|e| UsageError(format!("invalid --model list: {e}")))?;
    if args.json {
        let out = json!({
            "data": args.on.data.display().to_string(),
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
                "loss": eval.committee.mse,
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
