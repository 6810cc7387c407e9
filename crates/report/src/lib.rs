//! Reports, plots and pictures of mlp-sweep runs.
//!
//! [`study`] writes the study report (`report.md` with the published figures
//! beside a sweep's, and its plots); [`pictures`] draws one model's
//! evaluation and dataset images. Every file is written whole or not at all
//! (through `mlp_engine::files`), and text is drawn in an embedded DejaVu
//! Sans, so pictures look the same on every machine. This crate reads the
//! engine's results and draws; it trains nothing.
#![deny(missing_docs)]

mod draw;
mod format;
pub mod pictures;
mod plot;
pub mod study;

/// The version of this crate, written into every report.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
