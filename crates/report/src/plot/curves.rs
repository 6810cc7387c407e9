//! Learning curves: training loss and test error per epoch, one line per configuration.

use super::{render_plot, Plot, PlotKind, PLOT_SIZE};
use crate::draw::{axis_decimals, font, titled, Area, DrawResult, PALETTE};
use crate::format::{by_run, case_title, fmt_lr, mode_title, thousands};
use crate::ReportError;
use mlp_engine::{Backprop, Case};
use mlp_sweep::RunRecord;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;
use std::path::Path;

/// One line of a learning-curve plot.
struct Curve {
    label: String,
    points: Vec<(i32, f64)>,
}

/// The legend of a run: what varies within its plot (seed and block size only where they vary).
fn config_legend(r: &RunRecord, with_seed: bool, with_block: bool) -> String {
    let c = &r.report.config;
    let mut s = format!("N = {}, η = {}", c.network.hidden, fmt_lr(c.optimizer.lr));
    if c.regularization.l2 > 0.0 {
        s.push_str(&format!(", λ = {}", fmt_lr(c.regularization.l2)));
    }
    if c.data.shuffle {
        s.push_str(", shuffled");
    }
    if with_seed {
        s.push_str(&format!(", seed {}", c.run.seed));
    }
    if with_block {
        match r.report.block_samples {
            Some(b) => s.push_str(&format!(", blocks of {b}")),
            None => s.push_str(", no blocks or not recorded"),
        }
    }
    s
}

/// A line chart of `curves` with a legend panel on the right.
fn draw_curves(
    root: &Area<'_>,
    title: &str,
    subtitle: &str,
    y_desc: &str,
    curves: &[Curve],
    markers: bool,
) -> DrawResult {
    let area = titled(root, title, subtitle)?;
    let (w, h) = area.dim_in_pixel();
    let legend_w = 250u32;
    let (left, legend) = area.split_horizontally(w - legend_w);

    let max_epoch = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.0))
        .max()
        .unwrap_or(1)
        .max(2);
    let y_max = curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.1))
        .filter(|v| v.is_finite())
        .fold(0.0f64, f64::max);
    let y_max = if y_max > 0.0 { y_max * 1.05 } else { 1.0 };
    let decimals = axis_decimals(y_max);

    let mut chart = ChartBuilder::on(&left)
        .margin(12)
        .margin_right(20)
        .x_label_area_size(52)
        .y_label_area_size(78)
        .build_cartesian_2d(1i32..max_epoch, 0f64..y_max)?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(y_desc)
        .label_style(font(15.0))
        .axis_desc_style(font(18.0))
        .light_line_style(RGBColor(238, 238, 238))
        .bold_line_style(RGBColor(210, 210, 210))
        .x_labels(12)
        .y_labels(10)
        .y_label_formatter(&|v| format!("{v:.decimals$}"))
        .draw()?;

    for (i, c) in curves.iter().enumerate() {
        let colour = PALETTE[i % PALETTE.len()];
        let pts: Vec<(i32, f64)> = c
            .points
            .iter()
            .copied()
            .filter(|p| p.1.is_finite())
            .collect();
        chart.draw_series(LineSeries::new(pts.clone(), colour.stroke_width(2)))?;
        if markers || pts.len() == 1 {
            chart.draw_series(pts.iter().map(|&p| Circle::new(p, 4, colour.filled())))?;
        }
    }

    // The legend, beside the chart so it never hides a curve.
    let n = curves.len().max(1) as i32;
    let avail = h as i32 - 80;
    let step = (avail / n).clamp(10, 24);
    let size = (step as f64 - 6.0).clamp(9.0, 15.0);
    legend.draw(&Text::new(
        "configuration",
        (10, 14),
        font(16.0).pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    for (i, c) in curves.iter().enumerate() {
        let y = 48 + i as i32 * step;
        if y > h as i32 - 10 {
            legend.draw(&Text::new(
                format!("… and {} more", curves.len() - i),
                (10, y),
                font(size).pos(Pos::new(HPos::Left, VPos::Center)),
            ))?;
            break;
        }
        let colour = PALETTE[i % PALETTE.len()];
        legend.draw(&PathElement::new(
            vec![(10, y), (38, y)],
            colour.stroke_width(3),
        ))?;
        legend.draw(&Text::new(
            c.label.clone(),
            (46, y),
            font(size).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    Ok(())
}

type GroupKey = (Case, Backprop, usize);

fn group_title(key: &GroupKey) -> String {
    format!(
        "{}, {}, K = {}",
        case_title(key.0),
        mode_title(key.1),
        thousands(key.2)
    )
}

fn group_file(prefix: &str, key: &GroupKey) -> String {
    format!("{prefix}-{}-{}-k{}.png", key.0.name(), key.1.name(), key.2)
}

/// One learning-curve plot: its kind, file prefix, heading and y axis.
struct CurvePlot {
    kind: PlotKind,
    prefix: &'static str,
    heading: &'static str,
    y_desc: &'static str,
    /// Mark each point when a curve has few: test error is evaluated every
    /// few epochs, the loss every epoch.
    markers_when_few: bool,
}

const LOSS: CurvePlot = CurvePlot {
    kind: PlotKind::Loss,
    prefix: "loss",
    heading: "Training loss per epoch",
    y_desc: "mean training loss per sample",
    markers_when_few: false,
};

const TEST_ERROR: CurvePlot = CurvePlot {
    kind: PlotKind::TestError,
    prefix: "test-error",
    heading: "Test error per epoch",
    y_desc: "test error (%)",
    markers_when_few: true,
};

impl CurvePlot {
    /// Draws `curves` (none empty) for the group `key` into `dir`.
    fn render(&self, dir: &Path, key: &GroupKey, curves: &[Curve]) -> Result<Plot, ReportError> {
        let title = group_title(key);
        let name = group_file(self.prefix, key);
        let markers = self.markers_when_few && curves.iter().any(|c| c.points.len() <= 20);
        let path = render_plot(dir, &name, PLOT_SIZE, |root| {
            draw_curves(root, self.heading, &title, self.y_desc, curves, markers)
        })?;
        Ok(Plot {
            kind: self.kind,
            file_name: name,
            title: format!("{}, {title}", self.heading),
            path,
        })
    }
}

/// Training loss and (where the runs evaluated it) test error per epoch, one
/// plot of each per case, backprop mode and training-set size.
pub(super) fn learning_curves(records: &[RunRecord], dir: &Path) -> Result<Vec<Plot>, ReportError> {
    let mut groups: BTreeMap<GroupKey, Vec<&RunRecord>> = BTreeMap::new();
    for r in records.iter().filter(|r| !r.report.history.is_empty()) {
        let c = &r.report.config;
        groups
            .entry((c.network.case, c.network.backprop, c.data.train_samples))
            .or_default()
            .push(r);
    }
    let mut plots = Vec::new();
    for (key, mut rs) in groups {
        rs.sort_by(|a, b| by_run(a, b));
        let distinct = |f: &dyn Fn(&RunRecord) -> String| {
            rs.iter()
                .map(|r| f(r))
                .collect::<std::collections::BTreeSet<_>>()
                .len()
                > 1
        };
        let with_seed = distinct(&|r| r.report.config.run.seed.to_string());
        let with_block = distinct(&|r| format!("{:?}", r.report.block_samples));
        let curve = |r: &RunRecord, points: Vec<(i32, f64)>| Curve {
            label: config_legend(r, with_seed, with_block),
            points,
        };
        let loss: Vec<Curve> = rs
            .iter()
            .map(|r| {
                let h = &r.report.history;
                curve(
                    r,
                    h.iter().map(|e| (e.epoch as i32, e.train_loss)).collect(),
                )
            })
            .collect();
        plots.push(LOSS.render(dir, &key, &loss)?);
        let errors: Vec<Curve> = rs
            .iter()
            .map(|r| {
                let h = &r.report.history;
                let points = h
                    .iter()
                    .filter_map(|e| e.test_error_pct.map(|v| (e.epoch as i32, v)));
                curve(r, points.collect())
            })
            .filter(|c| !c.points.is_empty())
            .collect();
        if !errors.is_empty() {
            plots.push(TEST_ERROR.render(dir, &key, &errors)?);
        }
    }
    Ok(plots)
}
