//! Reports, plots and pictures of mlp-sweep runs.
//!
//! [`write_report`] writes the report a sweep's results call for: the
//! study's ([`study`]: `report.md` with the published figures beside a
//! sweep's, and its plots) when the study's rows are there, else the report
//! of any sweep ([`sweep`]: runs ranked by validation error, plots over the
//! fields that vary, `results.csv`); either way also `report.html`, one
//! self-contained page with a sortable table and plots drawn in the browser,
//! which [`write_page`] rewrites while a sweep runs; [`pictures`] draws one model's
//! evaluation and dataset images. Every file is written whole or not at all
//! (through `mlp_engine::files`), and text is drawn in an embedded DejaVu
//! Sans, so pictures look the same on every machine. This crate reads the
//! engine's results and draws; it trains nothing.
#![deny(missing_docs)]

mod draw;
mod error;
mod format;
mod html;
pub mod importance;
pub mod pictures;
mod plot;
pub mod study;
pub mod sweep;

pub use error::ReportError;
pub use html::LiveStatus;
use mlp_sweep::RunRecord;
use std::path::{Path, PathBuf};

/// True when `records` hold any of the study's published configurations.
pub fn has_study_rows(records: &[RunRecord]) -> bool {
    records.iter().any(study::published::is_published_config)
}

/// The files [`write_report`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportFiles {
    /// `out_dir/report.md`.
    pub report: PathBuf,
    /// `out_dir/report.html`, the same report as one self-contained page.
    pub html: PathBuf,
    /// Every plot, under `out_dir/plots/`.
    pub plots: Vec<PathBuf>,
}

/// Writes the report `records` call for into `out_dir`, each file
/// atomically: the study's when its rows are present, else the general
/// report titled `name`; `report.md`, its plots, and `report.html`.
pub fn write_report(
    records: &[RunRecord],
    name: Option<&str>,
    out_dir: &Path,
) -> Result<ReportFiles, ReportError> {
    let study = has_study_rows(records);
    let written = if study {
        study::write_report(records, out_dir)?
    } else {
        sweep::write_sweep_report(records, name, out_dir)?
    };
    let page = html::page(records, &written.title, &written.text, out_dir, None, study);
    Ok(ReportFiles {
        report: written.report,
        html: html::write(out_dir, &page)?,
        plots: written.plots,
    })
}

/// Writes `out_dir/report.html` alone: for a sweep still running, as
/// `status` says (the page reloads itself until a page without a status
/// replaces it), or for one that ended without its full report. Writes no
/// plot or Markdown, so it is cheap enough to call after every few runs.
pub fn write_page(
    records: &[RunRecord],
    name: Option<&str>,
    out_dir: &Path,
    status: Option<LiveStatus>,
) -> Result<PathBuf, ReportError> {
    let study = has_study_rows(records);
    let (title, md) = if study {
        (
            study::TITLE.to_string(),
            study::markdown::render(records, &[]),
        )
    } else {
        let title = sweep::sweep_title(records, name);
        let judged = sweep::Judged::new(records);
        let promotions = mlp_sweep::promotions(&out_dir.join("checkpoints")).unwrap_or_default();
        let md = sweep::markdown(&title, &judged, &[], &promotions);
        (title, md)
    };
    let page = html::page(records, &title, &md, out_dir, status, study);
    html::write(out_dir, &page)
}

/// A plain-text summary for a terminal, of the same kind as [`write_report`]'s report.
pub fn summary(records: &[RunRecord]) -> String {
    if has_study_rows(records) {
        study::summary_table(records)
    } else {
        sweep::sweep_summary(records)
    }
}

/// The version of this crate, written into every report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
