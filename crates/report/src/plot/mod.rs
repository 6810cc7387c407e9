//! PNG plots of a sweep: learning curves, error heat maps, error by field,
//! parallel coordinates and the best network's confusion matrix.

pub(crate) mod axis_error;
mod confusion;
mod curves;
mod heatmap;
pub(crate) mod pairs;
pub(crate) mod parallel;
mod ticks;
pub(crate) mod trials;

#[cfg(test)]
pub(crate) use confusion::best_record;
pub(crate) use confusion::{draw_confusion, record_confusion};

use crate::draw::{render_png, Area, DrawResult};
use crate::ReportError;
use mlp_sweep::RunRecord;
use std::path::{Path, PathBuf};

/// Size of the learning-curve and heat-map plots, in pixels.
pub(crate) const PLOT_SIZE: (u32, u32) = (960, 600);
/// Size of the confusion-matrix plot, in pixels.
pub(crate) const CONFUSION_SIZE: (u32, u32) = (860, 760);

/// What a plot shows, for grouping them in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum PlotKind {
    /// Training loss per epoch.
    Loss,
    /// Test error per epoch.
    TestError,
    /// Test error over N x eta.
    Heatmap,
    /// The best network's confusion matrix.
    Confusion,
    /// Error against one varied field.
    ByAxis,
    /// Every run across every varied field.
    Parallel,
    /// Error over two varied fields.
    PairHeatmap,
    /// Learning curves of the best and the stopped runs.
    TrialCurves,
}

/// One rendered plot.
#[derive(Debug, Clone)]
pub(crate) struct Plot {
    /// What it shows.
    pub kind: PlotKind,
    /// File name inside the plots directory.
    pub file_name: String,
    /// A one-line description, used as the image's alt text.
    pub title: String,
    /// Where it was written.
    pub path: PathBuf,
}

/// Renders `draw` as the PNG `dir/name`, written whole; returns its path.
fn render_plot(
    dir: &Path,
    name: &str,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<PathBuf, ReportError> {
    let path = dir.join(name);
    render_png(&path, size, draw)?;
    Ok(path)
}

/// Renders every plot the records support into `dir`, which must exist.
pub(crate) fn render_all(records: &[RunRecord], dir: &Path) -> Result<Vec<Plot>, ReportError> {
    let mut plots = curves::learning_curves(records, dir)?;
    plots.extend(heatmap::heatmaps(records, dir)?);
    plots.extend(confusion::best_confusion(records, dir)?);
    Ok(plots)
}
