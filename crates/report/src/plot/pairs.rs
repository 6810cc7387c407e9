//! Heat maps of the error over two varied fields: the best run in each cell.

use super::{render_plot, Plot, PlotKind, PLOT_SIZE};
use crate::draw::{draw_cell, grid_chart, heat_colour, titled, Area, DrawResult};
use crate::sweep::axes::Axis;
use crate::sweep::Judged;
use crate::ReportError;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

/// Numeric fields are grouped into this many bins.
const BINS: usize = 5;
/// Heat maps drawn at most: the pairs of the first fields.
const MAX_PAIRS: usize = 3;

fn draw(root: &Area<'_>, rows: &Axis, cols: &Axis, judged: &Judged<'_>) -> DrawResult {
    let area = titled(
        root,
        &format!(
            "Lowest {} by {} and {}",
            judged.what(),
            rows.name,
            cols.name
        ),
        "each cell: the best run in it, and how many runs it holds",
    )?;
    let (row_labels, row_of) = rows.binned(BINS);
    let (col_labels, col_of) = cols.binned(BINS);
    let mut best: BTreeMap<(usize, usize), (f64, usize)> = BTreeMap::new();
    for i in 0..judged.len() {
        let e = judged.error(i);
        let cell = best
            .entry((row_of[i], col_of[i]))
            .or_insert((f64::INFINITY, 0));
        cell.0 = cell.0.min(e);
        cell.1 += 1;
    }
    let values: Vec<f64> = best
        .values()
        .map(|v| v.0)
        .filter(|v| v.is_finite())
        .collect();
    let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let t = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.0 };
    let ys: Vec<String> = row_labels.iter().rev().cloned().collect();
    let mut chart = grid_chart(
        root,
        &area,
        (&col_labels, cols.name),
        (&ys, rows.name),
        (24, 24),
    )?;
    let nr = row_labels.len();
    for (row, _) in row_labels.iter().enumerate() {
        for (col, _) in col_labels.iter().enumerate() {
            let (fill, text) = match best.get(&(row, col)) {
                Some(&(v, n)) if v.is_finite() => (heat_colour(t(v)), format!("{v:.2}% ({n})")),
                Some(&(_, n)) => (RGBColor(200, 200, 200), format!("NaN ({n})")),
                None => (RGBColor(235, 235, 235), "no run".to_string()),
            };
            draw_cell(
                &mut chart,
                (col as i32, (nr - 1 - row) as i32),
                fill,
                WHITE.stroke_width(2),
                (text, if col_labels.len() > 4 { 14.0 } else { 18.0 }),
            )?;
        }
    }
    Ok(())
}

/// `heatmap-<a>-<b>.png` for the pairs of the first varied fields.
pub(crate) fn pair_heatmaps(
    judged: &Judged<'_>,
    axes: &[Axis],
    dir: &Path,
) -> Result<Vec<Plot>, ReportError> {
    let mut plots = Vec::new();
    let pairs = (0..axes.len()).flat_map(|a| (a + 1..axes.len()).map(move |b| (a, b)));
    for (a, b) in pairs.take(MAX_PAIRS) {
        let (rows, cols) = (&axes[a], &axes[b]);
        let name = format!("heatmap-{}-{}.png", rows.name, cols.name);
        let path = render_plot(dir, &name, PLOT_SIZE, |root| draw(root, rows, cols, judged))?;
        plots.push(Plot {
            kind: PlotKind::PairHeatmap,
            file_name: name,
            title: format!(
                "Lowest {} by {} and {}",
                judged.what(),
                rows.name,
                cols.name
            ),
            path,
        });
    }
    Ok(plots)
}
