//! Heat maps of the final test error over hidden units N and learning rate eta.

use super::{render_plot, Plot, PlotKind, PLOT_SIZE};
use crate::draw::{
    axis_decimals, draw_cell, font, grid_chart, heat_colour, titled, Area, DrawResult,
};
use crate::format::{case_title, fmt_lr, mode_title, run_id, thousands};
use crate::ReportError;
use mlp_engine::{Backprop, Case};
use mlp_sweep::RunRecord;
use plotters::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

/// The cells of one heat map: hidden sizes, rates and the mean error (and seed count) per cell.
struct HeatGrid {
    hidden: Vec<usize>,
    rates: Vec<f64>,
    cells: BTreeMap<(usize, usize), (f64, usize)>,
    train_samples: usize,
    epochs: usize,
}

/// For one case and mode, the (K, epochs) with the most (N, eta) cells; ties go to the larger K.
fn heat_grid(records: &[&RunRecord]) -> Option<HeatGrid> {
    let mut by_slice: BTreeMap<(usize, usize), Vec<&RunRecord>> = BTreeMap::new();
    for r in records {
        let c = &r.report.config;
        // The study's grid: one hidden layer of N units, the study's family.
        if c.regularization.l2 == 0.0 && !c.data.shuffle && c.is_online_study() {
            by_slice
                .entry((c.data.train_samples, c.run.epochs))
                .or_default()
                .push(r);
        }
    }
    let count = |rs: &Vec<&RunRecord>| {
        let mut cells: Vec<(usize, u64)> = rs
            .iter()
            .map(|r| {
                (
                    r.report.config.network.hidden.first(),
                    r.report.config.optimizer.lr.to_bits(),
                )
            })
            .collect();
        cells.sort_unstable();
        cells.dedup();
        cells.len()
    };
    let ((k, epochs), rs) = by_slice.into_iter().max_by(|a, b| {
        count(&a.1)
            .cmp(&count(&b.1))
            .then((a.0 .1 == 50).cmp(&(b.0 .1 == 50)))
            .then(a.0 .0.cmp(&b.0 .0))
    })?;
    let mut hidden: Vec<usize> = rs
        .iter()
        .map(|r| r.report.config.network.hidden.first())
        .collect();
    hidden.sort_unstable();
    hidden.dedup();
    let mut rates: Vec<f64> = rs.iter().map(|r| r.report.config.optimizer.lr).collect();
    rates.sort_by(f64::total_cmp);
    rates.dedup();
    let mut sums: BTreeMap<(usize, usize), (f64, Vec<_>)> = BTreeMap::new();
    for r in &rs {
        let c = &r.report.config;
        let row = hidden.iter().position(|&n| n == c.network.hidden.first())?;
        let col = rates.iter().position(|&l| l == c.optimizer.lr)?;
        let e = sums.entry((row, col)).or_default();
        if !e.1.contains(&run_id(r)) {
            e.0 += r.report.metrics.test_error_pct;
            e.1.push(run_id(r));
        }
    }
    let cells = sums
        .into_iter()
        .map(|(k, (sum, runs))| (k, (sum / runs.len() as f64, runs.len())))
        .collect();
    Some(HeatGrid {
        hidden,
        rates,
        cells,
        train_samples: k,
        epochs,
    })
}

fn draw_heatmap(root: &Area<'_>, title: &str, subtitle: &str, g: &HeatGrid) -> DrawResult {
    let area = titled(root, title, subtitle)?;
    let (w, _) = area.dim_in_pixel();
    let (left, bar) = area.split_horizontally(w - 150);
    let values: Vec<f64> = g
        .cells
        .values()
        .map(|v| v.0)
        .filter(|v| v.is_finite())
        .collect();
    let mut lo = values.iter().copied().fold(f64::INFINITY, f64::min);
    let mut hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !(lo.is_finite() && hi.is_finite()) {
        (lo, hi) = (0.0, 100.0);
    }
    if hi - lo < 1e-9 {
        (lo, hi) = (lo - 0.5, hi + 0.5);
    }
    let t = |v: f64| (v - lo) / (hi - lo);

    let (nr, nc) = (g.hidden.len() as i32, g.rates.len() as i32);
    // Row 0 is drawn at the bottom: put the smallest N at the top, as the study's tables do.
    let xs: Vec<String> = g.rates.iter().map(|&l| fmt_lr(l)).collect();
    let ys: Vec<String> = g.hidden.iter().rev().map(|n| n.to_string()).collect();
    let mut chart = grid_chart(
        root,
        &left,
        (&xs, "learning rate η"),
        (&ys, "hidden units N"),
        (12, 24),
    )?;

    let label_size = if nc > 6 { 14.0 } else { 22.0 };
    for row in 0..nr {
        let n_idx = (nr - 1 - row) as usize;
        for col in 0..nc {
            let (fill, text) = match g.cells.get(&(n_idx, col as usize)) {
                Some(&(v, _)) if v.is_finite() => (heat_colour(t(v)), format!("{v:.2}%")),
                Some(_) => (RGBColor(200, 200, 200), "NaN".to_string()),
                None => (RGBColor(235, 235, 235), "not run".to_string()),
            };
            draw_cell(
                &mut chart,
                (col, row),
                fill,
                WHITE.stroke_width(2),
                (text, label_size),
            )?;
        }
    }

    // The colour bar.
    let decimals = axis_decimals(hi - lo).max(1);
    let mut bar_chart = ChartBuilder::on(&bar)
        .margin_top(12)
        .margin_bottom(68)
        .margin_left(10)
        .margin_right(4)
        .y_label_area_size(0)
        .right_y_label_area_size(80)
        .build_cartesian_2d(0f64..1f64, lo..hi)?;
    bar_chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_desc("test error (%)")
        .label_style(font(14.0))
        .axis_desc_style(font(15.0))
        .y_label_formatter(&|v| format!("{v:.decimals$}"))
        .draw()?;
    let steps = 100;
    bar_chart.draw_series((0..steps).map(|i| {
        let a = lo + (hi - lo) * i as f64 / steps as f64;
        let b = lo + (hi - lo) * (i + 1) as f64 / steps as f64;
        Rectangle::new(
            [(0.0, a), (1.0, b)],
            heat_colour(i as f64 / (steps - 1) as f64).filled(),
        )
    }))?;
    Ok(())
}

pub(super) fn heatmaps(records: &[RunRecord], dir: &Path) -> Result<Vec<Plot>, ReportError> {
    let mut groups: BTreeMap<(Case, Backprop), Vec<&RunRecord>> = BTreeMap::new();
    for r in records {
        let c = &r.report.config;
        groups
            .entry((c.network.case, c.network.backprop))
            .or_default()
            .push(r);
    }
    let mut plots = Vec::new();
    for ((case, mode), rs) in groups {
        let Some(g) = heat_grid(&rs) else { continue };
        let runs = g.cells.values().map(|v| v.1).max().unwrap_or(1);
        let mut sub = format!(
            "{}, {}, K = {}, {} epochs",
            case_title(case),
            mode_title(mode),
            thousands(g.train_samples),
            g.epochs
        );
        if runs > 1 {
            sub.push_str(", mean over runs");
        }
        let name = format!(
            "heatmap-{}-{}-k{}.png",
            case.name(),
            mode.name(),
            g.train_samples
        );
        let path = render_plot(dir, &name, PLOT_SIZE, |root| {
            draw_heatmap(root, "Test error after training, by N and η", &sub, &g)
        })?;
        plots.push(Plot {
            kind: PlotKind::Heatmap,
            file_name: name,
            title: format!("Test error by N and eta, {sub}"),
            path,
        });
    }
    Ok(plots)
}
