//! Reports, plots and pictures of mlp-sweep runs.
//!
//! [`write_report`] writes the report a sweep's results call for: the
//! study's ([`study`]: `report.md` with the published figures beside a
//! sweep's, and its plots) when the study's rows are there, else the report
//! of any sweep ([`sweep`]: runs ranked by validation error, plots over the
//! fields that vary, `results.csv`); [`pictures`] draws one model's
//! evaluation and dataset images. Every file is written whole or not at all
//! (through `mlp_engine::files`), and text is drawn in an embedded DejaVu
//! Sans, so pictures look the same on every machine. This crate reads the
//! engine's results and draws; it trains nothing.
#![deny(missing_docs)]

mod draw;
mod error;
mod format;
pub mod importance;
pub mod pictures;
mod plot;
pub mod study;
pub mod sweep;

pub use error::ReportError;
use mlp_sweep::RunRecord;
use std::path::Path;

/// True when `records` hold any of the study's published configurations.
pub fn has_study_rows(records: &[RunRecord]) -> bool {
    records.iter().any(study::published::is_published_config)
}

/// Writes the report `records` call for into `out_dir`: the study's when its
/// rows are present, else the general report titled `name`.
pub fn write_report(
    records: &[RunRecord],
    name: Option<&str>,
    out_dir: &Path,
) -> Result<study::ReportFiles, ReportError> {
    if has_study_rows(records) {
        study::write_report(records, out_dir)
    } else {
        sweep::write_sweep_report(records, name, out_dir)
    }
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
