//! The ranked table of a sweep's runs, as Markdown and as CSV.

use super::axes::Axis;
use crate::format::fmt_pct;
use mlp_sweep::rank::{self, RankKey};
use mlp_sweep::RunRecord;

/// The runs ranked best first: by validation error when every run has one
/// (ties by validation loss, then key: never by test figures), else by test
/// error and loss, with the same rule. Returns the order and whether it is by validation.
pub(crate) fn ranked(records: &[RunRecord]) -> (Vec<usize>, bool) {
    if let Some(order) = rank::rank_by_validation(records) {
        return (order, true);
    }
    let keys: Vec<RankKey<'_>> = records
        .iter()
        .map(|r| RankKey {
            error_pct: r.report.metrics.test_error_pct,
            loss: r.report.metrics.test_loss,
            key: &r.key,
        })
        .collect();
    (rank::rank(&keys), false)
}

/// Epochs a run trained, marked when halving stopped it.
pub(crate) fn epochs_run(r: &RunRecord) -> String {
    match r.stopped_at_epoch {
        Some(e) => format!("{e} (stopped)"),
        None => r.report.history.len().to_string(),
    }
}

fn validation(r: &RunRecord) -> String {
    r.report
        .metrics
        .validation_error_pct
        .map_or_else(|| "-".into(), fmt_pct)
}

/// One Markdown row per run in `order`, a column per axis.
pub(crate) fn markdown(records: &[RunRecord], order: &[usize], axes: &[Axis]) -> String {
    let mut head = vec!["rank".to_string()];
    head.extend(axes.iter().map(|a| format!("`{}`", a.name)));
    head.extend(
        ["validation error", "test error", "epochs", "train s"]
            .iter()
            .map(|s| s.to_string()),
    );
    let mut out = format!("| {} |\n", head.join(" | "));
    let align: Vec<&str> = (0..head.len())
        .map(|i| {
            if i == 0 || i > axes.len() {
                "--:"
            } else {
                "---"
            }
        })
        .collect();
    out.push_str(&format!("|{}|\n", align.join("|")));
    for (rank, &i) in order.iter().enumerate() {
        let r = &records[i];
        let mut row = vec![(rank + 1).to_string()];
        row.extend(axes.iter().map(|a| a.values[i].label()));
        row.push(validation(r));
        row.push(fmt_pct(r.report.metrics.test_error_pct));
        row.push(epochs_run(r));
        row.push(format!("{:.1}", r.report.metrics.train_seconds));
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The same table as CSV, with the key and the figures in full.
pub(crate) fn csv(records: &[RunRecord], order: &[usize], axes: &[Axis]) -> String {
    let mut head = vec!["rank".to_string()];
    head.extend(axes.iter().map(|a| a.name.to_string()));
    head.extend(
        [
            "validation_error_pct",
            "validation_loss",
            "test_error_pct",
            "test_loss",
            "epochs_run",
            "stopped_at_epoch",
            "steps",
            "train_seconds",
            "key",
        ]
        .iter()
        .map(|s| s.to_string()),
    );
    let mut out = head.join(",");
    out.push('\n');
    let opt = |v: Option<f64>| v.map_or(String::new(), |v| v.to_string());
    for (rank, &i) in order.iter().enumerate() {
        let r = &records[i];
        let m = &r.report.metrics;
        let mut row = vec![(rank + 1).to_string()];
        row.extend(axes.iter().map(|a| a.values[i].label()));
        row.extend([
            opt(m.validation_error_pct),
            opt(m.validation_loss),
            m.test_error_pct.to_string(),
            m.test_loss.to_string(),
            r.report.history.len().to_string(),
            r.stopped_at_epoch.map_or(String::new(), |e| e.to_string()),
            m.steps.to_string(),
            m.train_seconds.to_string(),
            r.key.clone(),
        ]);
        let row: Vec<String> = row.iter().map(|s| csv_field(s)).collect();
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}
