//! Parallel coordinates: one vertical axis per varied field and one for the
//! error, one line per run, coloured from best (blue) to worst (red).

use super::{render_plot, Plot, PlotKind, PLOT_SIZE};
use crate::draw::{font, titled, Area, DrawResult, GridChart};
use crate::sweep::axes::{Axis, Scale};
use crate::sweep::Judged;
use crate::ReportError;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Blue at 0 (the lowest error) through purple to red at 1.
fn rank_colour(t: f64) -> RGBColor {
    let (from, to) = ((31.0, 119.0, 180.0), (214.0, 39.0, 40.0));
    let mix = |a: f64, b: f64| (a + (b - a) * t.clamp(0.0, 1.0)).round() as u8;
    RGBColor(mix(from.0, to.0), mix(from.1, to.1), mix(from.2, to.2))
}

fn label(
    root: &Area<'_>,
    chart: &GridChart<'_, '_>,
    (x, y): (f64, f64),
    text: &str,
    pos: Pos,
) -> DrawResult {
    let (px, py) = chart.backend_coord(&(x, y));
    root.draw(&Text::new(
        text.to_string(),
        (px + 6, py),
        font(13.0).pos(pos),
    ))?;
    Ok(())
}

fn draw(root: &Area<'_>, axes: &[Axis], judged: &Judged<'_>) -> DrawResult {
    let area = titled(
        root,
        "Parallel coordinates",
        &format!(
            "one line per run, from the lowest {} (blue) to the highest (red)",
            judged.what()
        ),
    )?;
    let k = axes.len();
    let mut chart = ChartBuilder::on(&area)
        .margin(20)
        .margin_right(90)
        .x_label_area_size(40)
        .build_cartesian_2d(-0.1f64..k as f64 + 0.1, -0.04f64..1.04)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .disable_y_axis()
        .draw()?;
    let runs = judged.len();
    let errors: Vec<f64> = (0..runs).map(|i| judged.error(i)).collect();
    let finite: Vec<f64> = errors.iter().copied().filter(|v| v.is_finite()).collect();
    let lo = finite.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = finite.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let height = |v: f64| if hi > lo { (v - lo) / (hi - lo) } else { 0.5 };
    // Worst first, so the best lines are drawn on top.
    let mut order: Vec<usize> = (0..runs).filter(|&i| errors[i].is_finite()).collect();
    order.sort_by(|&a, &b| errors[b].total_cmp(&errors[a]));
    for i in order {
        let t = height(errors[i]);
        let mut points: Vec<(f64, f64)> = axes
            .iter()
            .enumerate()
            .map(|(j, a)| (j as f64, a.position(i)))
            .collect();
        points.push((k as f64, t));
        let colour = rank_colour(t);
        let style = if judged.stopped(i) {
            colour.mix(0.55).stroke_width(1)
        } else {
            colour.stroke_width(3)
        };
        chart.draw_series(std::iter::once(PathElement::new(points, style)))?;
    }
    let grey = RGBColor(90, 90, 90);
    for j in 0..=k {
        let x = j as f64;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x, 0.0), (x, 1.0)],
            grey.stroke_width(1),
        )))?;
        let (name, labels) = match axes.get(j) {
            Some(a) => (
                match a.scale {
                    Scale::Log => format!("{} (log)", a.name),
                    _ => a.name.to_string(),
                },
                a.ticks(),
            ),
            None => (
                format!("{} (%)", judged.what()),
                vec![(0.0, format!("{lo:.2}")), (1.0, format!("{hi:.2}"))],
            ),
        };
        for (y, text) in labels {
            label(
                root,
                &chart,
                (x, y),
                &text,
                Pos::new(HPos::Left, VPos::Center),
            )?;
        }
        let (px, py) = chart.backend_coord(&(x, -0.04));
        root.draw(&Text::new(
            name,
            (px, py + 8),
            font(16.0).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
    }
    Ok(())
}

/// `parallel.png`, when at least two fields vary.
pub(crate) fn parallel_coordinates(
    judged: &Judged<'_>,
    axes: &[Axis],
    dir: &Path,
) -> Result<Vec<Plot>, ReportError> {
    if axes.len() < 2 {
        return Ok(Vec::new());
    }
    let name = "parallel.png".to_string();
    let path = render_plot(dir, &name, PLOT_SIZE, |root| draw(root, axes, judged))?;
    Ok(vec![Plot {
        kind: PlotKind::Parallel,
        file_name: name,
        title: format!(
            "Parallel coordinates of every run's fields and {}",
            judged.what()
        ),
        path,
    }])
}
