//! Axis labels the reports place themselves: at levels, or at even steps of a (log) scale.

use crate::draw::{font, Area, DrawResult, GridChart};
use crate::sweep::axes::{Axis, Scale};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Where a run's value of `axis` goes on a chart's x axis, and the labelled ticks.
pub(crate) struct Placement {
    /// Chart x of each run.
    pub x: Vec<f64>,
    /// The x range to show.
    pub range: (f64, f64),
    /// Labelled ticks: chart x and text.
    pub ticks: Vec<(f64, String)>,
}

/// Places every run of `axis` along x: levels at 0, 1, ..., spread a little
/// so equal values stay visible; numbers by value (by logarithm on a log axis).
pub(crate) fn place(axis: &Axis) -> Placement {
    match &axis.scale {
        Scale::Levels(levels) => {
            let n = levels.len();
            let mut seen = vec![0usize; n];
            let count: Vec<usize> = (0..n)
                .map(|l| axis.values.iter().filter(|v| **v == levels[l]).count())
                .collect();
            let x = axis
                .values
                .iter()
                .map(|v| {
                    let l = levels.iter().position(|x| x == v).unwrap_or(0);
                    let j = seen[l];
                    seen[l] += 1;
                    let spread = 0.5 * (j as f64 + 0.5) / count[l] as f64 - 0.25;
                    l as f64 + spread
                })
                .collect();
            Placement {
                x,
                range: (-0.5, n as f64 - 0.5),
                ticks: levels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| (i as f64, l.label()))
                    .collect(),
            }
        }
        Scale::Linear | Scale::Log => {
            let log = axis.scale == Scale::Log;
            let f = |v: f64| if log { v.ln() } else { v };
            let (lo, hi) = axis.range();
            let (a, b) = (f(lo), f(hi));
            let pad = (b - a).abs().max(1e-9) * 0.05;
            let ticks = axis
                .ticks()
                .into_iter()
                .map(|(p, text)| (a + p * (b - a), text))
                .collect();
            Placement {
                x: (0..axis.values.len())
                    .map(|i| a + axis.position(i) * (b - a))
                    .collect(),
                range: (a - pad, b + pad),
                ticks,
            }
        }
    }
}

/// Draws `ticks` under the chart's x axis, on `root` (the whole image).
pub(crate) fn draw_x_ticks(
    root: &Area<'_>,
    chart: &GridChart<'_, '_>,
    y: f64,
    ticks: &[(f64, String)],
) -> DrawResult {
    for (x, label) in ticks {
        let (px, py) = chart.backend_coord(&(*x, y));
        root.draw(&PathElement::new(vec![(px, py), (px, py + 5)], BLACK))?;
        root.draw(&Text::new(
            label.clone(),
            (px, py + 12),
            font(15.0).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
    }
    Ok(())
}
