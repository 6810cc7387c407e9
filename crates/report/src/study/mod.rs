//! The study report: published figures beside ours, tables and plots.
//!
//! [`write_report`] turns sweep results into `report.md` and `plots/*.png`;
//! [`summary_table`] gives the same comparison compactly for a terminal;
//! [`published`] holds the study's Tables 1-6 as data.

pub(crate) mod markdown;
pub mod published;

use crate::format::{fmt_lr, fmt_pct};
use crate::plot;
use crate::ReportError;
use mlp_engine::Backprop;
use mlp_sweep::RunRecord;
use std::path::{Path, PathBuf};

/// The study report's title.
pub(crate) const TITLE: &str = "mlp-sweep: the study, reproduced";

/// What a report writer wrote: its Markdown (kept for `report.html`) and plots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    /// `out_dir/report.md`.
    pub report: PathBuf,
    /// Every plot, under `out_dir/plots/`.
    pub plots: Vec<PathBuf>,
    /// The report's title.
    pub title: String,
    /// The Markdown written to `report`.
    pub text: String,
}

/// Writes `out_dir/report.md` and the plots under `out_dir/plots/`, each file atomically.
pub(crate) fn write_report(records: &[RunRecord], out_dir: &Path) -> Result<Written, ReportError> {
    let plots_dir = out_dir.join("plots");
    std::fs::create_dir_all(&plots_dir).map_err(|source| ReportError::Io {
        path: plots_dir.clone(),
        source,
    })?;
    let plots = plot::render_all(records, &plots_dir)?;
    let text = markdown::render(records, &plots);
    let report = out_dir.join("report.md");
    mlp_engine::files::write_atomic(&report, text.as_bytes())?;
    Ok(Written {
        report,
        plots: plots.into_iter().map(|p| p.path).collect(),
        title: TITLE.to_string(),
        text,
    })
}

/// A plain-text table, one line per published row: table, config, published error, ours per mode.
pub fn summary_table(records: &[RunRecord]) -> String {
    let modes: Vec<Backprop> = [Backprop::AsPublished, Backprop::Exact]
        .into_iter()
        .filter(|m| {
            records
                .iter()
                .any(|r| r.report.config.network.backprop == *m)
        })
        .collect();
    let mut head = vec![
        "table".to_string(),
        "configuration".to_string(),
        "published".to_string(),
    ];
    head.extend(modes.iter().map(|m| m.name().to_string()));
    let mut rows = vec![head];
    for t in &published::TABLES {
        for row in t.rows {
            let mut config = format!(
                "{} N={} eta={} K={}",
                t.case,
                row.hidden,
                fmt_lr(row.lr),
                row.train_samples
            );
            if row.l2 > 0.0 {
                config.push_str(&format!(" l2={}", fmt_lr(row.l2)));
            }
            let mut published = fmt_pct(row.error_pct);
            if row.note.is_some() {
                published.push_str(" (sic)");
            }
            let mut line = vec![t.number.to_string(), config, published];
            let matches = published::match_row(t, row, records);
            for mode in &modes {
                line.push(match matches.iter().find(|m| m.backprop == *mode) {
                    Some(m) if m.runs > 1 => {
                        format!("{} ({} runs)", fmt_pct(m.error_pct), m.runs)
                    }
                    Some(m) => fmt_pct(m.error_pct),
                    None => "-".to_string(),
                });
            }
            rows.push(line);
        }
    }
    let cols = rows[0].len();
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for r in &rows {
        let mut line = String::new();
        for (c, cell) in r.iter().enumerate() {
            // Text columns left-aligned, figures right-aligned.
            if c < 2 {
                line.push_str(&format!("{cell:<w$}  ", w = widths[c]));
            } else {
                line.push_str(&format!("{cell:>w$}  ", w = widths[c]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
pub(crate) mod tests;
