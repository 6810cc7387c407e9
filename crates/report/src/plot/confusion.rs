//! Confusion matrices: the best network of a sweep, or one model's evaluation.

use super::{render_plot, Plot, PlotKind, CONFUSION_SIZE};
use crate::draw::{blue_colour, draw_cell, grid_chart, heat_colour, titled, Area, DrawResult};
use crate::format::{case_title, fmt_lr, mode_title, thousands};
use crate::ReportError;
use mlp_sweep::RunRecord;
use plotters::prelude::*;
use std::path::Path;

/// The record with the lowest test error that has a square confusion matrix.
pub(crate) fn best_record(records: &[RunRecord]) -> Option<&RunRecord> {
    records
        .iter()
        .filter(|r| {
            let m = &r.report.confusion;
            !m.is_empty()
                && m.iter().all(|row| row.len() == m.len())
                && r.report.metrics.test_error_pct.is_finite()
        })
        .min_by(|a, b| {
            a.report
                .metrics
                .test_error_pct
                .total_cmp(&b.report.metrics.test_error_pct)
        })
}

/// Draws a confusion matrix (`[true][predicted]`) heat map with counts.
pub(crate) fn draw_confusion(
    root: &Area<'_>,
    title: &str,
    subtitle: &str,
    m: &[Vec<u64>],
) -> DrawResult {
    let area = titled(root, title, subtitle)?;
    let n = m.len() as i32;
    let max_diag = (0..m.len()).map(|i| m[i][i]).max().unwrap_or(0).max(1) as f64;
    let max_off = m
        .iter()
        .enumerate()
        .flat_map(|(i, row)| row.iter().enumerate().filter(move |(j, _)| *j != i))
        .map(|(_, &v)| v)
        .max()
        .unwrap_or(0)
        .max(10) as f64;
    let xs: Vec<String> = (0..n).map(|i| i.to_string()).collect();
    let ys: Vec<String> = (0..n).rev().map(|i| i.to_string()).collect();
    let mut chart = grid_chart(
        root,
        &area,
        (&xs, "predicted digit"),
        (&ys, "true digit"),
        (40, 40),
    )?;
    let label_size = if n > 12 { 11.0 } else { 16.0 };
    for row in 0..n {
        let truth = (n - 1 - row) as usize;
        for col in 0..n {
            let v = m[truth][col as usize];
            let fill = if truth == col as usize {
                blue_colour(v as f64 / max_diag)
            } else if v == 0 {
                WHITE
            } else {
                heat_colour(0.05 + 0.8 * (v as f64 / max_off).sqrt())
            };
            draw_cell(
                &mut chart,
                (col, row),
                fill,
                RGBColor(220, 220, 220).stroke_width(1),
                (v.to_string(), label_size),
            )?;
        }
    }
    Ok(())
}

/// The confusion matrix of `record` as `confusion-best.png`, under `heading` and the run's label.
pub(crate) fn record_confusion(
    record: &RunRecord,
    heading: &str,
    dir: &Path,
) -> Result<Plot, ReportError> {
    let sub = record.report.config.label();
    let name = "confusion-best.png".to_string();
    let path = render_plot(dir, &name, CONFUSION_SIZE, |root| {
        draw_confusion(root, heading, &sub, &record.report.confusion)
    })?;
    Ok(Plot {
        kind: PlotKind::Confusion,
        file_name: name,
        title: format!("{heading} ({sub})"),
        path,
    })
}

/// The confusion matrix of the record with the lowest test error, as `confusion-best.png`.
pub(super) fn best_confusion(records: &[RunRecord], dir: &Path) -> Result<Vec<Plot>, ReportError> {
    let Some(best) = best_record(records) else {
        return Ok(Vec::new());
    };
    let c = &best.report.config;
    let mut sub = format!(
        "{}, N = {}, η = {}, K = {}, {} epochs",
        case_title(c.network.case),
        c.network.hidden,
        fmt_lr(c.optimizer.lr),
        thousands(c.data.train_samples),
        c.run.epochs
    );
    if c.regularization.l2 > 0.0 {
        sub.push_str(&format!(", λ = {}", fmt_lr(c.regularization.l2)));
    }
    sub.push_str(&format!(
        ", {}, seed {}",
        mode_title(c.network.backprop),
        c.run.seed
    ));
    let title = format!(
        "Confusion matrix of the best network: {:.2}% test error",
        best.report.metrics.test_error_pct
    );
    let name = "confusion-best.png".to_string();
    let path = render_plot(dir, &name, CONFUSION_SIZE, |root| {
        draw_confusion(root, &title, &sub, &best.report.confusion)
    })?;
    Ok(vec![Plot {
        kind: PlotKind::Confusion,
        file_name: name,
        title: format!("{title} ({sub})"),
        path,
    }])
}
