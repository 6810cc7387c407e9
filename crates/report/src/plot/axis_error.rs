//! Error against each varied axis: one point per run, stopped trials hollow.

use super::ticks::{draw_x_ticks, place};
use super::{render_plot, Plot, PlotKind, PLOT_SIZE};
use crate::draw::{axis_decimals, font, titled, Area, DrawResult, PALETTE};
use crate::sweep::axes::{Axis, Scale};
use crate::sweep::Judged;
use crate::ReportError;
use plotters::prelude::*;
use std::path::Path;

fn draw(root: &Area<'_>, axis: &Axis, judged: &Judged<'_>, subtitle: &str) -> DrawResult {
    let area = titled(
        root,
        &format!("{} by {}", judged.what(), axis.name),
        subtitle,
    )?;
    let placed = place(axis);
    let errors: Vec<f64> = (0..axis.values.len()).map(|i| judged.error(i)).collect();
    let finite = errors.iter().copied().filter(|v| v.is_finite());
    let y_max = finite.fold(0.0f64, f64::max).max(0.1) * 1.08;
    let decimals = axis_decimals(y_max);
    let mut chart = ChartBuilder::on(&area)
        .margin(14)
        .margin_right(30)
        .x_label_area_size(60)
        .y_label_area_size(78)
        .build_cartesian_2d(placed.range.0..placed.range.1, 0f64..y_max)?;
    let scale = match axis.scale {
        Scale::Log => " (log scale)",
        _ => "",
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .x_desc(format!("{}{scale}", axis.name))
        .y_desc(format!("{} (%)", judged.what()))
        .label_style(font(15.0))
        .axis_desc_style(font(18.0))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(215, 215, 215))
        .y_labels(10)
        .y_label_formatter(&|v| format!("{v:.decimals$}"))
        .draw()?;
    draw_x_ticks(root, &chart, 0.0, &placed.ticks)?;
    let colour = PALETTE[0];
    for (i, (&x, &y)) in placed.x.iter().zip(&errors).enumerate() {
        if !y.is_finite() {
            continue;
        }
        let style = if judged.stopped(i) {
            RGBColor(150, 150, 150).stroke_width(2)
        } else {
            colour.filled()
        };
        chart.draw_series(std::iter::once(Circle::new((x, y), 5, style)))?;
    }
    Ok(())
}

/// One plot per varied axis, `error-by-<axis>.png`.
pub(crate) fn error_by_axis(
    judged: &Judged<'_>,
    axes: &[Axis],
    dir: &Path,
) -> Result<Vec<Plot>, ReportError> {
    let mut plots = Vec::new();
    let subtitle = if judged.any_stopped() {
        "one point per run; hollow: stopped by successive halving (error where it stopped)"
    } else {
        "one point per run"
    };
    for axis in axes {
        let name = format!("error-by-{}.png", axis.name);
        let path = render_plot(dir, &name, PLOT_SIZE, |root| {
            draw(root, axis, judged, subtitle)
        })?;
        plots.push(Plot {
            kind: PlotKind::ByAxis,
            file_name: name,
            title: format!("{} by {}", judged.what(), axis.name),
            path,
        });
    }
    Ok(plots)
}
