//! Learning curves of a sweep's best runs, and of those halving stopped.

use super::{render_plot, Plot, PlotKind, PLOT_SIZE};
use crate::draw::{axis_decimals, font, titled, Area, DrawResult, PALETTE};
use crate::sweep::Judged;
use crate::ReportError;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Best runs drawn in colour.
const BEST: usize = 5;

/// The run's error at every epoch that has one.
fn curve(judged: &Judged<'_>, i: usize) -> Vec<(f64, f64)> {
    judged.records[i]
        .report
        .history
        .iter()
        .filter_map(|e| {
            let v = if judged.by_validation {
                e.validation_error_pct
            } else {
                e.test_error_pct
            };
            v.filter(|v| v.is_finite()).map(|v| (e.epoch as f64, v))
        })
        .collect()
}

fn draw(root: &Area<'_>, judged: &Judged<'_>, best: &[usize], stopped: &[usize]) -> DrawResult {
    let area = titled(
        root,
        &format!("{} per epoch", crate::format::capitalise(judged.what())),
        &format!(
            "the {} best runs in colour{}",
            best.len(),
            if stopped.is_empty() {
                ""
            } else {
                ", runs stopped by successive halving in grey"
            }
        ),
    )?;
    let (w, h) = area.dim_in_pixel();
    let (left, legend) = area.split_horizontally(w - 270);
    let curves: Vec<(usize, Vec<(f64, f64)>)> = best
        .iter()
        .chain(stopped)
        .map(|&i| (i, curve(judged, i)))
        .collect();
    let points = curves.iter().flat_map(|c| c.1.iter());
    let (x_max, y_max) = points.fold((2.0f64, 0.1f64), |(x, y), p| (x.max(p.0), y.max(p.1)));
    let y_max = y_max * 1.05;
    let decimals = axis_decimals(y_max);
    let mut chart = ChartBuilder::on(&left)
        .margin(12)
        .margin_right(20)
        .x_label_area_size(52)
        .y_label_area_size(78)
        .build_cartesian_2d(1f64..x_max, 0f64..y_max)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(format!("{} (%)", judged.what()))
        .label_style(font(15.0))
        .axis_desc_style(font(18.0))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(210, 210, 210))
        .x_labels(12)
        .y_labels(10)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.decimals$}"))
        .draw()?;
    // Stopped runs first, underneath.
    for (i, pts) in curves.iter().rev() {
        let Some(rank) = best.iter().position(|b| b == i) else {
            let grey = RGBColor(165, 165, 165);
            chart.draw_series(LineSeries::new(pts.clone(), grey.stroke_width(1)))?;
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, 2, grey.filled())))?;
            continue;
        };
        let colour = PALETTE[rank % PALETTE.len()];
        chart.draw_series(LineSeries::new(pts.clone(), colour.stroke_width(2)))?;
        chart.draw_series(pts.iter().map(|&p| Circle::new(p, 3, colour.filled())))?;
    }
    legend.draw(&Text::new(
        "rank and run",
        (10, 14),
        font(16.0).pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    for (rank, &i) in best.iter().enumerate() {
        let y = 48 + rank as i32 * 22;
        if y > h as i32 - 30 {
            break;
        }
        let colour = PALETTE[rank % PALETTE.len()];
        legend.draw(&PathElement::new(
            vec![(10, y), (34, y)],
            colour.stroke_width(3),
        ))?;
        legend.draw(&Text::new(
            format!("{}. {}", rank + 1, judged.legend(i)),
            (42, y),
            font(12.0).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

/// `curves.png`, when any run has per-epoch figures.
pub(crate) fn trial_curves(judged: &Judged<'_>, dir: &Path) -> Result<Vec<Plot>, ReportError> {
    let best: Vec<usize> = judged
        .order
        .iter()
        .copied()
        .filter(|&i| !judged.stopped(i) && !curve(judged, i).is_empty())
        .take(BEST)
        .collect();
    let stopped: Vec<usize> = judged
        .order
        .iter()
        .copied()
        .filter(|&i| judged.stopped(i) && !curve(judged, i).is_empty())
        .collect();
    if best.is_empty() && stopped.is_empty() {
        return Ok(Vec::new());
    }
    let name = "curves.png".to_string();
    let path = render_plot(dir, &name, PLOT_SIZE, |root| {
        draw(root, judged, &best, &stopped)
    })?;
    Ok(vec![Plot {
        kind: PlotKind::TrialCurves,
        file_name: name,
        title: format!(
            "{} per epoch of the best runs and the stopped ones",
            judged.what()
        ),
        path,
    }])
}
