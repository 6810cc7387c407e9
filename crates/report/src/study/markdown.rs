//! `report.md`: the study's tables with our figures beside the published ones.

use super::published::{
    is_published_config, match_row, published_total_seconds, ModeMatch, PublishedRow,
    PublishedTable, Varying, STUDY_TOTAL_SECONDS, TABLES,
};
use crate::format::{
    by_run, capitalise, case_title, fmt_lr, fmt_mse, fmt_pct, fmt_secs, speedup, thousands,
};
use crate::plot::{Plot, PlotKind};
use mlp_engine::{Backprop, Case};
use mlp_sweep::RunRecord;
use mnist_idx::MNIST_SHA256;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// Seconds for a total: whole and grouped from 1,000 s up.
fn fmt_total(v: f64) -> String {
    if v >= 1000.0 {
        thousands(v.round() as usize)
    } else {
        fmt_secs(v)
    }
}

fn join<I: IntoIterator<Item = String>>(it: I) -> String {
    let v: Vec<String> = it.into_iter().collect();
    if v.is_empty() {
        "—".into()
    } else {
        v.join(", ")
    }
}

fn header(out: &mut String, records: &[RunRecord]) {
    out.push_str(&format!("# {}\n\n", super::TITLE));
    out.push_str(
        "This report sets our runs beside the figures of the student study \
         \"Handwritten Digit Recognition by a Multilayer Neural Network\" (EEE 443, \
         Mini Project 1): 784-N-10 networks without biases, trained by online \
         gradient descent on MNIST. *as-published* runs replay the study's own \
         (defective) derivatives; *exact* runs use the true ones. Every difference \
         is ours minus published.\n\n",
    );
    let versions: BTreeSet<&str> = records.iter().map(|r| r.report.version.as_str()).collect();
    let simd: BTreeSet<&str> = records.iter().map(|r| r.report.simd.as_str()).collect();
    let mut modes: BTreeMap<Backprop, usize> = BTreeMap::new();
    for r in records {
        *modes.entry(r.report.config.network.backprop).or_default() += 1;
    }
    let ours_total: f64 = records.iter().map(|r| r.report.metrics.train_seconds).sum();
    let steps: u64 = records.iter().map(|r| r.report.metrics.steps).sum();

    out.push_str("| | |\n|---|---|\n");
    let _ = writeln!(out, "| report written by | mlp-report {} |", crate::VERSION);
    let _ = writeln!(
        out,
        "| runs made by | {} |",
        join(versions.iter().map(|v| format!("mlp-engine {v}")))
    );
    let _ = writeln!(
        out,
        "| SIMD path | {} |",
        join(simd.iter().map(|s| format!("`{s}`")))
    );
    let mut blocks: BTreeMap<Option<usize>, usize> = BTreeMap::new();
    for r in records {
        *blocks.entry(r.report.block_samples).or_default() += 1;
    }
    let _ = writeln!(
        out,
        "| W1 updates held back in blocks of | {} |",
        join(blocks.iter().map(|(b, n)| match b {
            Some(b) => format!("{b} steps ({n} runs)"),
            None => format!("none or not recorded ({n} runs)"),
        }))
    );
    let _ = writeln!(
        out,
        "| runs | {} ({}) |",
        records.len(),
        join(modes.iter().map(|(m, n)| format!("{n} {m}")))
    );
    let _ = writeln!(out, "| sample steps | {} |", thousands(steps as usize));
    let _ = writeln!(
        out,
        "| total training time | {} s ours, against about {} s for the whole study (its Tables 1-6 list {} s) |",
        fmt_total(ours_total),
        thousands(STUDY_TOTAL_SECONDS as usize),
        thousands(published_total_seconds().round() as usize),
    );
    for mode in [Backprop::AsPublished, Backprop::Exact] {
        let (mut ours, mut theirs, mut rows) = (0.0, 0.0, 0usize);
        for t in &TABLES {
            for row in t.rows {
                if let Some(m) = match_row(t, row, records)
                    .into_iter()
                    .find(|m| m.backprop == mode)
                {
                    ours += m.seconds;
                    theirs += row.seconds;
                    rows += 1;
                }
            }
        }
        if rows > 0 {
            let _ = writeln!(
                out,
                "| the {rows} published rows, {mode} | {} s ours vs {} s published ({}) |",
                fmt_total(ours),
                fmt_total(theirs),
                speedup(theirs, ours)
            );
        }
    }
    out.push('\n');

    // Data checksums, checked against the reference's.
    let mut data: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for r in records {
        for (k, v) in &r.data {
            data.entry(k.as_str()).or_default().insert(v.as_str());
        }
    }
    if !data.is_empty() {
        out.push_str("Data files read by the runs (SHA-256 of the uncompressed bytes):\n\n");
        out.push_str("| file | SHA-256 | check |\n|---|---|---|\n");
        for (file, sums) in &data {
            for sum in sums {
                let check = match MNIST_SHA256.iter().find(|p| p.sha256 == *sum) {
                    Some(p) if file.starts_with(p.name) => "MNIST, as in the reference",
                    Some(_) => "an MNIST file, but under another name",
                    None => "**not** a reference MNIST file",
                };
                let check = if sums.len() > 1 {
                    format!("{check}; **runs disagree on this file**")
                } else {
                    check.to_string()
                };
                let _ = writeln!(out, "| `{file}` | `{sum}` | {check} |");
            }
        }
        out.push('\n');
    }
}

fn key_cells(t: &PublishedTable, row: &PublishedRow) -> Vec<String> {
    match t.varying {
        Varying::HiddenAndRate => vec![row.hidden.to_string(), fmt_lr(row.lr)],
        Varying::TrainSamples => vec![thousands(row.train_samples)],
        Varying::L2 => vec![fmt_lr(row.l2)],
    }
}

fn key_headers(t: &PublishedTable) -> &'static [&'static str] {
    match t.varying {
        Varying::HiddenAndRate => &["N", "η"],
        Varying::TrainSamples => &["K"],
        Varying::L2 => &["λ"],
    }
}

fn ours_label(m: &ModeMatch) -> String {
    if m.runs > 1 {
        format!("ours, {} (mean of {} runs)", m.backprop, m.runs)
    } else {
        format!("ours, {}", m.backprop)
    }
}

fn published_table(out: &mut String, t: &PublishedTable, records: &[RunRecord]) {
    let _ = writeln!(out, "### Table {}: {}\n", t.number, t.title);
    let varying = match t.varying {
        Varying::HiddenAndRate => "N and η",
        Varying::TrainSamples => "the number of training images K",
        Varying::L2 => "the L2 coefficient λ",
    };
    let _ = writeln!(out, "Fixed: {}. Varying: {varying}.\n", t.fixed);
    let keys = key_headers(t);
    let mut head: Vec<&str> = keys.to_vec();
    head.extend([
        "run",
        "train MSE",
        "test MSE",
        "misclassified",
        "error",
        "Δ error (pp)",
        "time (s)",
        "speed-up",
    ]);
    let _ = writeln!(out, "| {} |", head.join(" | "));
    let _ = writeln!(
        out,
        "|{}",
        head.iter()
            .enumerate()
            .map(|(i, _)| if i == keys.len() { "---|" } else { "---:|" })
            .collect::<String>()
    );
    let mut notes = Vec::new();
    for row in t.rows {
        let mut cells = key_cells(t, row);
        let mut err = fmt_pct(row.error_pct);
        if let Some(note) = row.note {
            notes.push(note);
            err = format!("{:.1}% (sic)[^{}]", row.error_pct, notes.len());
        }
        cells.extend([
            "published".to_string(),
            fmt_mse(row.train_mse),
            fmt_mse(row.test_mse),
            row.misclassified.to_string(),
            err,
            String::new(),
            format!("{:.*}", t.time_decimals, row.seconds),
            String::new(),
        ]);
        let _ = writeln!(out, "| {} |", cells.join(" | "));
        let blank = vec![String::new(); keys.len()];
        let matches = match_row(t, row, records);
        if matches.is_empty() {
            let mut cells = blank.clone();
            cells.push("ours: not run".into());
            cells.extend(vec!["—".to_string(); 7]);
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
        for m in &matches {
            let mut cells = blank.clone();
            let mis = if m.runs > 1 {
                format!("{:.1}", m.misclassified)
            } else {
                format!("{:.0}", m.misclassified)
            };
            cells.extend([
                ours_label(m),
                fmt_mse(m.train_mse),
                fmt_mse(m.test_mse),
                mis,
                format!("**{}**", fmt_pct(m.error_pct)),
                format!("{:+.2}", m.error_pct - row.error_pct),
                fmt_secs(m.seconds),
                speedup(row.seconds, m.seconds),
            ]);
            let _ = writeln!(out, "| {} |", cells.join(" | "));
        }
    }
    out.push('\n');
    for (i, note) in notes.iter().enumerate() {
        let _ = writeln!(out, "[^{}]: {note}.\n", i + 1);
    }
}

fn other_runs(out: &mut String, records: &[RunRecord]) {
    let others: Vec<&RunRecord> = records.iter().filter(|r| !is_published_config(r)).collect();
    out.push_str("## Other runs\n\n");
    if others.is_empty() {
        out.push_str("Every run matches a row of the study's tables.\n\n");
        return;
    }
    out.push_str(
        "Runs that match no published row: the appendix's L2 runs, the grid the \
         study never finished (all 60,000 images at every N and η), other seeds, \
         epochs or orders.\n\n",
    );
    let mut by_case: BTreeMap<Case, Vec<&RunRecord>> = BTreeMap::new();
    for r in others {
        by_case
            .entry(r.report.config.network.case)
            .or_default()
            .push(r);
    }
    for (case, mut rs) in by_case {
        rs.sort_by(|a, b| by_run(a, b));
        let _ = writeln!(out, "### {}\n", capitalise(&case_title(case)));
        out.push_str(
            "| backprop | N | η | K | λ | epochs | order | seed | train MSE | test MSE | misclassified | error | time (s) |\n\
             |---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|\n",
        );
        for r in rs {
            let c = &r.report.config;
            let m = &r.report.metrics;
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                c.network.backprop,
                c.network.hidden,
                fmt_lr(c.optimizer.lr),
                thousands(c.data.train_samples),
                if c.regularization.l2 > 0.0 {
                    fmt_lr(c.regularization.l2)
                } else {
                    "0".into()
                },
                c.run.epochs,
                if c.data.shuffle { "shuffled" } else { "file" },
                c.run.seed,
                fmt_mse(m.mean_train_loss),
                fmt_mse(m.test_loss),
                m.misclassified,
                fmt_pct(m.test_error_pct),
                fmt_secs(m.train_seconds),
            );
        }
        out.push('\n');
    }
}

fn plots_section(out: &mut String, plots: &[Plot]) {
    out.push_str("## Plots\n\n");
    if plots.is_empty() {
        out.push_str("No plots: the runs hold no history or confusion matrix.\n\n");
        return;
    }
    let sections = [
        (
            PlotKind::Loss,
            "Learning curves",
            "Mean training loss per epoch (the study's per-sample `0.5 Σe²`, taken before each update), one line per configuration.",
        ),
        (
            PlotKind::TestError,
            "Test error during training",
            "Test error after the epochs at which the runs evaluated the test set.",
        ),
        (
            PlotKind::Heatmap,
            "Test error by hidden units and learning rate",
            "Final test error for each (N, η), for the training-set size with the most configurations.",
        ),
        (
            PlotKind::Confusion,
            "Confusion matrix of the best network",
            "Rows are the true digits, columns the predicted ones; the diagonal (correct) is blue, errors shade from pale orange to dark red with their count.",
        ),
    ];
    for (kind, heading, blurb) in sections {
        let of_kind: Vec<&Plot> = plots.iter().filter(|p| p.kind == kind).collect();
        if of_kind.is_empty() {
            continue;
        }
        let _ = writeln!(out, "### {heading}\n\n{blurb}\n");
        for p in of_kind {
            let _ = writeln!(
                out,
                "![{}](plots/{})\n",
                p.title.replace(['[', ']'], ""),
                p.file_name
            );
        }
    }
}

/// The whole of `report.md`.
pub(crate) fn render(records: &[RunRecord], plots: &[Plot]) -> String {
    let mut out = String::new();
    header(&mut out, records);
    out.push_str("## The study's tables\n\n");
    out.push_str(
        "Each published row is followed by ours in each backprop mode that was run. \
         MSEs are the study's: mean per-sample `0.5 Σe²`, the training one averaged over \
         all epochs. Δ error is ours minus published, in percentage points; speed-up is \
         published time over ours (training loop only, 50 epochs).\n\n",
    );
    for t in &TABLES {
        published_table(&mut out, t, records);
    }
    other_runs(&mut out, records);
    plots_section(&mut out, plots);
    let _ = writeln!(
        out,
        "---\n*{} of the {} runs match a published row; backprop modes present: {}.*",
        records.iter().filter(|r| is_published_config(r)).count(),
        records.len(),
        join(
            [Backprop::AsPublished, Backprop::Exact]
                .iter()
                .filter(|m| records
                    .iter()
                    .any(|r| r.report.config.network.backprop == **m))
                .map(|m| m.name().to_string())
        )
    );
    out
}
