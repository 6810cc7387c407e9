//! The study report: published figures beside ours, tables and plots.
//!
//! [`write_report`] turns sweep results into `report.md` and `plots/*.png`;
//! [`summary_table`] gives the same comparison compactly for a terminal;
//! [`published`] holds the study's Tables 1-6 as data.

mod markdown;
mod plots;
pub(crate) use plots::{draw_confusion, render_png_at, CONFUSION_SIZE, FAMILY};
pub mod published;

use crate::sweep::RunRecord;
use crate::{Backprop, Case, EngineError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The files [`write_report`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    /// `out_dir/report.md`.
    pub report: PathBuf,
    /// Every plot, under `out_dir/plots/`.
    pub plots: Vec<PathBuf>,
}

/// Writes `out_dir/report.md` and its plots under `out_dir/plots/`, each file atomically.
pub fn write_report(records: &[RunRecord], out_dir: &Path) -> Result<ReportFiles, EngineError> {
    let plots_dir = out_dir.join("plots");
    std::fs::create_dir_all(&plots_dir).map_err(|source| EngineError::Io {
        path: plots_dir.clone(),
        source,
    })?;
    let plots = plots::render_all(records, &plots_dir)?;
    let text = markdown::render(records, &plots);
    let report = out_dir.join("report.md");
    write_atomic(&report, text.as_bytes())?;
    Ok(ReportFiles {
        report,
        plots: plots.into_iter().map(|p| p.path).collect(),
    })
}

/// Writes `bytes` to a temporary file beside `path`, syncs it and renames it into place.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), EngineError> {
    let io = |source| EngineError::Io {
        path: path.to_path_buf(),
        source,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(io)
}

/// A plain-text table, one line per published row: table, config, published error, ours per mode.
pub fn summary_table(records: &[RunRecord]) -> String {
    let modes: Vec<Backprop> = [Backprop::AsPublished, Backprop::Exact]
        .into_iter()
        .filter(|m| records.iter().any(|r| r.report.config.backprop == *m))
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
                    Some(m) if m.seeds > 1 => {
                        format!("{} ({} seeds)", fmt_pct(m.error_pct), m.seeds)
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

/// `case 1 (tanh)` or `case 2 (relu/sigmoid)`.
fn case_title(case: Case) -> String {
    let (hidden, output) = case.activations();
    if hidden == output {
        format!("case {} ({hidden})", case.number())
    } else {
        format!("case {} ({hidden}/{output})", case.number())
    }
}

/// `exact backprop` or `as-published backprop`.
fn mode_title(mode: Backprop) -> String {
    format!("{} backprop", mode.name())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `60000` as `60,000`.
fn thousands(n: usize) -> String {
    let s = n.to_string();
    // Digits before the first comma: 1 to 3.
    let head = (s.len() - 1) % 3 + 1;
    let mut out = s[..head].to_string();
    for group in s.as_bytes()[head..].chunks(3) {
        out.push(',');
        out.extend(group.iter().map(|&b| b as char));
    }
    out
}

/// A rate or coefficient as written (`0.01`).
fn fmt_lr(v: f64) -> String {
    format!("{v}")
}

/// An MSE with the study's 4 decimals.
fn fmt_mse(v: f64) -> String {
    format!("{v:.4}")
}

/// A percentage with the study's 2 decimals.
fn fmt_pct(v: f64) -> String {
    format!("{v:.2}%")
}

/// Seconds: 2 decimals below 10 s, 1 above.
fn fmt_secs(v: f64) -> String {
    if v.abs() < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

/// How many times faster `ours` was than `theirs`, e.g. `×174`.
fn speedup(theirs: f64, ours: f64) -> String {
    if !(ours > 0.0 && theirs.is_finite()) {
        return "—".into();
    }
    let r = theirs / ours;
    if r >= 10.0 {
        format!("×{}", thousands(r.round() as usize))
    } else {
        format!("×{r:.1}")
    }
}

#[cfg(test)]
mod tests;
