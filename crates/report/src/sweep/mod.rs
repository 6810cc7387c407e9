//! The report of any sweep: what ran, every run ranked by validation error
//! with a column per varied field, and plots of the error over those fields.
//!
//! `write_sweep_report` writes `report.md`, `results.csv` and `plots/*.png`;
//! [`sweep_summary`] prints the top of the same table for a terminal.

pub(crate) mod axes;
mod table;

use crate::format::{fmt_pct, thousands};
use crate::plot::{self, Plot};
use crate::study::Written;
use crate::ReportError;
use axes::{varied_axes, Axis};
use mlp_sweep::RunRecord;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

/// A sweep's runs with their ranking: what every plot and table reads.
pub(crate) struct Judged<'a> {
    /// The runs.
    pub records: &'a [RunRecord],
    /// Run indices, best first.
    pub order: Vec<usize>,
    /// True when ranked by validation error (every run has one).
    pub by_validation: bool,
    /// The fields that vary.
    pub axes: Vec<Axis>,
}

impl<'a> Judged<'a> {
    pub(crate) fn new(records: &'a [RunRecord]) -> Judged<'a> {
        let (order, by_validation) = table::ranked(records);
        let configs: Vec<_> = records.iter().map(|r| &r.report.config).collect();
        Judged {
            records,
            order,
            by_validation,
            axes: varied_axes(&configs),
        }
    }

    /// Number of runs.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// What the ranking error is.
    pub fn what(&self) -> &'static str {
        if self.by_validation {
            "validation error"
        } else {
            "test error"
        }
    }

    /// Run `i`'s ranking error, in percent.
    pub fn error(&self, i: usize) -> f64 {
        let m = &self.records[i].report.metrics;
        if self.by_validation {
            m.validation_error_pct.unwrap_or(f64::NAN)
        } else {
            m.test_error_pct
        }
    }

    /// True when halving stopped run `i`.
    pub fn stopped(&self, i: usize) -> bool {
        self.records[i].stopped_at_epoch.is_some()
    }

    /// True when halving stopped any run.
    pub fn any_stopped(&self) -> bool {
        (0..self.len()).any(|i| self.stopped(i))
    }

    /// Run `i` by its varied fields (`lr=0.01 hidden=300`).
    pub fn legend(&self, i: usize) -> String {
        let parts: Vec<String> = self
            .axes
            .iter()
            .map(|a| format!("{}={}", a.name, a.values[i].label()))
            .collect();
        if parts.is_empty() {
            self.records[i].report.config.label()
        } else {
            parts.join(" ")
        }
    }

    /// The best run that trained to its end.
    pub(crate) fn best(&self) -> Option<&'a RunRecord> {
        let records = self.records;
        self.order
            .iter()
            .map(|&i| &records[i])
            .find(|r| r.stopped_at_epoch.is_none())
    }
}

/// The sweep's title: `name`, else the fields that vary.
pub fn sweep_title(records: &[RunRecord], name: Option<&str>) -> String {
    if let Some(n) = name.filter(|n| !n.trim().is_empty()) {
        return n.to_string();
    }
    let configs: Vec<_> = records.iter().map(|r| &r.report.config).collect();
    let axes = varied_axes(&configs);
    if axes.is_empty() {
        "A sweep of one configuration".into()
    } else {
        let names: Vec<&str> = axes.iter().map(|a| a.name).collect();
        format!("A sweep over {}", names.join(", "))
    }
}

/// Sample steps the runs took, and those halving saved against running every stopped trial to its end.
pub fn sweep_steps(records: &[RunRecord]) -> (u64, u64) {
    let run = records.iter().map(|r| r.report.metrics.steps).sum();
    let saved = records
        .iter()
        .filter(|r| r.stopped_at_epoch.is_some())
        .map(|r| {
            r.report
                .config
                .steps()
                .saturating_sub(r.report.metrics.steps)
        })
        .sum();
    (run, saved)
}

fn distinct<'r>(records: &'r [RunRecord], f: impl Fn(&'r RunRecord) -> &'r str) -> Vec<&'r str> {
    let set: BTreeSet<&str> = records.iter().map(f).collect();
    set.into_iter().collect()
}

pub(crate) fn markdown(
    title: &str,
    judged: &Judged<'_>,
    plots: &[Plot],
    promotions: &[mlp_sweep::asha::Promotion],
) -> String {
    let records = judged.records;
    let mut md = format!("# {title}\n\n");
    let stopped = records
        .iter()
        .filter(|r| r.stopped_at_epoch.is_some())
        .count();
    let _ = write!(
        md,
        "{} runs{}, ranked by {}",
        records.len(),
        if stopped > 0 {
            format!(" ({stopped} stopped early by successive halving)")
        } else {
            String::new()
        },
        judged.what()
    );
    if !judged.by_validation {
        md.push_str(" (not every run held out a validation split: give the sweep `validation = K` to choose on validation, never on test)");
    }
    let _ = writeln!(
        md,
        ". Written by mlp-report {}; runs by mlp {} on the {} path.\n",
        crate::VERSION,
        distinct(records, |r| r.report.version.as_str()).join(", "),
        distinct(records, |r| r.report.simd.as_str()).join(", ")
    );
    if let Some(best) = judged.best() {
        let m = &best.report.metrics;
        let _ = writeln!(
            md,
            "**Best:** {}: validation error {}, test error {}.\n",
            best.report.config.label(),
            m.validation_error_pct.map_or_else(|| "-".into(), fmt_pct),
            fmt_pct(m.test_error_pct)
        );
    }
    let (steps, saved) = sweep_steps(records);
    md.push_str("## Work\n\n");
    let _ = writeln!(md, "- Sample steps run: {}.", thousands(steps as usize));
    if stopped > 0 {
        let whole = steps + saved;
        let _ = writeln!(
            md,
            "- Every run to its end would have taken {}: successive halving saved {} ({:.0}%).",
            thousands(whole as usize),
            thousands(saved as usize),
            100.0 * saved as f64 / whole.max(1) as f64
        );
    }
    let seconds: f64 = records.iter().map(|r| r.report.metrics.train_seconds).sum();
    let _ = writeln!(md, "- Training time, summed over runs: {seconds:.1} s.\n");
    md.push_str(&importance_section(judged));
    if !promotions.is_empty() {
        md.push_str(&promotion_table(promotions));
    }
    md.push_str("## Data\n\n");
    let described: BTreeSet<String> = records
        .iter()
        .filter_map(|r| r.dataset.as_ref())
        .map(|d| {
            let names = if d
                .classes
                .iter()
                .enumerate()
                .all(|(i, n)| *n == i.to_string())
            {
                String::new()
            } else {
                format!(" ({})", d.classes.join(", "))
            };
            format!("- {}{names}.", d.summary())
        })
        .collect();
    for line in &described {
        let _ = writeln!(md, "{line}");
    }
    if !described.is_empty() {
        md.push('\n');
    }
    md.push_str("| file | SHA-256 |\n|---|---|\n");
    let files: BTreeSet<(&String, &String)> = records.iter().flat_map(|r| r.data.iter()).collect();
    for (file, sha) in files {
        let _ = writeln!(md, "| {file} | `{sha}` |");
    }
    md.push('\n');
    md.push_str("## Runs\n\n");
    if judged.axes.is_empty() {
        md.push_str("Every run has the same configuration.\n\n");
    } else {
        let names: Vec<String> = judged
            .axes
            .iter()
            .map(|a| format!("`{}`", a.name))
            .collect();
        let _ = writeln!(
            md,
            "Fields that vary: {}. The same table is in `results.csv`.\n",
            names.join(", ")
        );
    }
    md.push_str(&table::markdown(records, &judged.order, &judged.axes));
    md.push('\n');
    if !plots.is_empty() {
        md.push_str("## Plots\n\n");
        for p in plots {
            let _ = writeln!(md, "![{}](plots/{})\n", p.title, p.file_name);
        }
    }
    md
}

/// Each varied field's share of the ranking error's variance on its own,
/// over the runs that trained to their end (at least 8), with how many runs
/// that was; `None` when there are too few runs or no varied field.
pub(crate) fn importance_shares(judged: &Judged<'_>) -> Option<(Vec<f64>, usize)> {
    let finished: Vec<usize> = (0..judged.len()).filter(|&i| !judged.stopped(i)).collect();
    let errors: Vec<f64> = finished.iter().map(|&i| judged.error(i)).collect();
    if judged.axes.is_empty() || errors.iter().any(|e| !e.is_finite()) {
        return None;
    }
    let columns: Vec<Vec<f64>> = judged
        .axes
        .iter()
        .map(|a| {
            let labels: Vec<String> = finished.iter().map(|&i| a.values[i].label()).collect();
            crate::importance::coordinates(&labels)
        })
        .collect();
    let points: Vec<Vec<f64>> = (0..finished.len())
        .map(|r| columns.iter().map(|c| c[r]).collect())
        .collect();
    crate::importance::main_effects(&points, &errors).map(|shares| (shares, finished.len()))
}

/// [`importance_shares`] as a table with bars; empty when there are none.
fn importance_section(judged: &Judged<'_>) -> String {
    let Some((shares, runs)) = importance_shares(judged) else {
        return String::new();
    };
    let mut md = String::from("## Hyperparameter importance\n\n");
    let _ = writeln!(
        md,
        "The share of the variance of the {} that each field explains on its own, by functional ANOVA over a random forest of regression trees (fANOVA: Hutter, Hoos and Leyton-Brown, ICML 2014), over the {} runs that trained to their end. The rest, {:.0}%, is explained by fields together.\n",
        judged.what(),
        runs,
        100.0 * (1.0 - shares.iter().sum::<f64>()).max(0.0)
    );
    md.push_str("| field | share | |\n|---|---|---|\n");
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|&a, &b| shares[b].total_cmp(&shares[a]));
    for i in order {
        let bar = "█".repeat((shares[i] * 40.0).round() as usize);
        let _ = writeln!(
            md,
            "| `{}` | {:.1}% | {bar} |",
            judged.axes[i].name,
            100.0 * shares[i]
        );
    }
    md.push('\n');
    md
}

/// The section on an asynchronous search's promotions and what each was based on.
fn promotion_table(promotions: &[mlp_sweep::asha::Promotion]) -> String {
    let mut md = String::from("## Asynchronous halving\n\n");
    md.push_str(
        "Trials were promoted as workers came free (ASHA): a trial went on from a rung when it \
         was among the best `completed / reduction` of the trials that had completed that rung \
         at that moment. The decisions depended on timing: another run of this search may \
         promote others. Every promotion, with the figures it was based on:\n\n",
    );
    md.push_str("| from epoch | run | place | of completed | going on | validation error | validation loss | worker |\n|---|---|---|---|---|---|---|---|\n");
    for p in promotions {
        let _ = writeln!(
            md,
            "| {} | `{}` | {} | {} | {} | {} | {:.4} | {} |",
            p.from_epoch,
            p.key,
            p.place,
            p.completed,
            p.kept,
            fmt_pct(p.score.error_pct),
            p.score.loss,
            p.worker
        );
    }
    md.push('\n');
    md
}

/// Writes `out_dir/report.md`, `out_dir/results.csv` and the plots under
/// `out_dir/plots/`, each file atomically; `name` titles the report.
pub(crate) fn write_sweep_report(
    records: &[RunRecord],
    name: Option<&str>,
    out_dir: &Path,
) -> Result<Written, ReportError> {
    let plots_dir = out_dir.join("plots");
    std::fs::create_dir_all(&plots_dir).map_err(|source| ReportError::Io {
        path: plots_dir.clone(),
        source,
    })?;
    let judged = Judged::new(records);
    let mut plots = plot::axis_error::error_by_axis(&judged, &judged.axes, &plots_dir)?;
    plots.extend(plot::parallel::parallel_coordinates(
        &judged,
        &judged.axes,
        &plots_dir,
    )?);
    plots.extend(plot::pairs::pair_heatmaps(
        &judged,
        &judged.axes,
        &plots_dir,
    )?);
    plots.extend(plot::trials::trial_curves(&judged, &plots_dir)?);
    if let Some(best) = judged.best().filter(|r| !r.report.confusion.is_empty()) {
        let heading = format!(
            "Confusion matrix of the best run by {}: {:.2}% test error",
            judged.what(),
            best.report.metrics.test_error_pct
        );
        plots.push(plot::record_confusion(best, &heading, &plots_dir)?);
    }
    let csv = table::csv(records, &judged.order, &judged.axes);
    mlp_engine::files::write_atomic(&out_dir.join("results.csv"), csv.as_bytes())?;
    // An asynchronous search's decisions, kept beside its checkpoints.
    let promotions = mlp_sweep::promotions(&out_dir.join("checkpoints")).unwrap_or_default();
    let title = sweep_title(records, name);
    let text = markdown(&title, &judged, &plots, &promotions);
    let report = out_dir.join("report.md");
    mlp_engine::files::write_atomic(&report, text.as_bytes())?;
    Ok(Written {
        report,
        plots: plots.into_iter().map(|p| p.path).collect(),
        title,
        text,
    })
}

/// The ten best runs as a plain-text table, for a terminal.
pub fn sweep_summary(records: &[RunRecord]) -> String {
    let judged = Judged::new(records);
    let mut rows = vec![vec![
        "rank".to_string(),
        "run".to_string(),
        judged.what().to_string(),
        "test error".to_string(),
        "epochs".to_string(),
    ]];
    for (rank, &i) in judged.order.iter().take(10).enumerate() {
        let r = &records[i];
        rows.push(vec![
            (rank + 1).to_string(),
            judged.legend(i),
            fmt_pct(judged.error(i)),
            fmt_pct(r.report.metrics.test_error_pct),
            table::epochs_run(r),
        ]);
    }
    let widths: Vec<usize> = (0..5)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in &rows {
        let line: Vec<String> = r
            .iter()
            .enumerate()
            .map(|(c, cell)| {
                if c == 1 {
                    format!("{cell:<w$}", w = widths[c])
                } else {
                    format!("{cell:>w$}", w = widths[c])
                }
            })
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    if records.len() > 10 {
        let _ = writeln!(
            out,
            "... and {} more in report.md and results.csv",
            records.len() - 10
        );
    }
    out
}

#[cfg(test)]
pub(crate) mod tests;
