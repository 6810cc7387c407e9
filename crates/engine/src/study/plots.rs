//! PNG plots of a sweep: learning curves, error heat maps and the best network's confusion matrix.

use super::{case_title, fmt_lr, mode_title, thousands};
use crate::sweep::RunRecord;
use crate::{Backprop, Case, EngineError};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Size of the learning-curve and heat-map plots, in pixels.
pub(crate) const PLOT_SIZE: (u32, u32) = (960, 600);
/// Size of the confusion-matrix plot, in pixels.
pub(crate) const CONFUSION_SIZE: (u32, u32) = (860, 760);

const FONT: &[u8] = include_bytes!("DejaVuSans.ttf");
/// The font family every plot draws text in (registered by [`ensure_font`]).
pub(crate) const FAMILY: &str = "sans-serif";

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

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
type DrawResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// Registers the embedded DejaVu Sans as plotters' sans-serif, serif and monospace, once.
pub(crate) fn ensure_font() -> Result<(), EngineError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        ["sans-serif", "serif", "monospace"]
            .iter()
            .all(|family| plotters::style::register_font(family, FontStyle::Normal, FONT).is_ok())
    });
    if ok {
        Ok(())
    } else {
        Err(EngineError::Format {
            path: PathBuf::from("study/DejaVuSans.ttf"),
            problem: "the embedded font could not be parsed".into(),
        })
    }
}

/// Renders `draw` into `dir/name` through a temporary file that is renamed into place.
fn render_png(
    dir: &Path,
    name: &str,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<PathBuf, EngineError> {
    let path = dir.join(name);
    render_png_at(&path, size, draw)?;
    Ok(path)
}

/// Renders `draw` as a `size` PNG at `path` through a temporary sibling that is renamed into place.
pub(crate) fn render_png_at(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<(), EngineError> {
    ensure_font()?;
    let tmp = crate::model::temp_sibling(path);
    let result: DrawResult = (|| {
        let root = BitMapBackend::new(&tmp, size).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(EngineError::Format {
            path: path.to_path_buf(),
            problem: format!("could not draw the picture: {e}"),
        });
    }
    std::fs::rename(&tmp, path).map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        EngineError::Io {
            path: path.to_path_buf(),
            source,
        }
    })
}

fn font(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&BLACK)
}

/// Draws a title (and a smaller subtitle) across the top and returns the area below.
fn titled<'a>(root: &Area<'a>, title: &str, subtitle: &str) -> DrawResult<Area<'a>> {
    let (w, _) = root.dim_in_pixel();
    let height = if subtitle.is_empty() { 48 } else { 76 };
    let (top, rest) = root.split_vertically(height);
    let center = Pos::new(HPos::Center, VPos::Top);
    top.draw(&Text::new(
        title.to_string(),
        (w as i32 / 2, 12),
        font(24.0).pos(center),
    ))?;
    if !subtitle.is_empty() {
        top.draw(&Text::new(
            subtitle.to_string(),
            (w as i32 / 2, 46),
            font(17.0).color(&RGBColor(70, 70, 70)).pos(center),
        ))?;
    }
    Ok(rest)
}

/// Ten distinguishable line colours (matplotlib's tab10).
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// A sequential colour scale from pale yellow (0) to dark red (1).
fn heat_colour(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 5] = [
        (255, 255, 204),
        (254, 217, 118),
        (253, 141, 60),
        (227, 26, 28),
        (128, 0, 38),
    ];
    scale(&STOPS, t)
}

/// A sequential colour scale from pale blue (0) to dark blue (1).
fn blue_colour(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 3] = [(198, 219, 239), (66, 146, 198), (8, 48, 107)];
    scale(&STOPS, t)
}

fn scale(stops: &[(u8, u8, u8)], t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let x = t * (stops.len() - 1) as f64;
    let i = (x.floor() as usize).min(stops.len() - 2);
    let f = x - i as f64;
    let mix = |a: u8, b: u8| (a as f64 + (b as f64 - a as f64) * f).round() as u8;
    let (a, b) = (stops[i], stops[i + 1]);
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// Black or white, whichever reads better on `c`.
fn text_on(c: RGBColor) -> RGBColor {
    let lum = 0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64;
    if lum > 140.0 {
        BLACK
    } else {
        WHITE
    }
}

/// One line of a learning-curve plot.
struct Curve {
    label: String,
    points: Vec<(i32, f64)>,
}

fn config_legend(r: &RunRecord, with_seed: bool) -> String {
    let c = &r.report.config;
    let mut s = format!("N = {}, η = {}", c.hidden, fmt_lr(c.lr));
    if c.l2 > 0.0 {
        s.push_str(&format!(", λ = {}", fmt_lr(c.l2)));
    }
    if c.shuffle {
        s.push_str(", shuffled");
    }
    if with_seed {
        s.push_str(&format!(", seed {}", c.seed));
    }
    s
}

fn axis_decimals(max: f64) -> usize {
    if max < 0.1 {
        3
    } else if max < 2.0 {
        2
    } else if max < 20.0 {
        1
    } else {
        0
    }
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

fn learning_curves(records: &[RunRecord], dir: &Path) -> Result<Vec<Plot>, EngineError> {
    let mut groups: BTreeMap<GroupKey, Vec<&RunRecord>> = BTreeMap::new();
    for r in records.iter().filter(|r| !r.report.history.is_empty()) {
        let c = &r.report.config;
        groups
            .entry((c.case, c.backprop, c.train_samples))
            .or_default()
            .push(r);
    }
    let mut plots = Vec::new();
    for (key, mut rs) in groups {
        rs.sort_by(|a, b| {
            let (a, b) = (&a.report.config, &b.report.config);
            a.hidden
                .cmp(&b.hidden)
                .then(a.lr.total_cmp(&b.lr))
                .then(a.l2.total_cmp(&b.l2))
                .then(a.shuffle.cmp(&b.shuffle))
                .then(a.seed.cmp(&b.seed))
        });
        let seeds: std::collections::BTreeSet<u64> =
            rs.iter().map(|r| r.report.config.seed).collect();
        let with_seed = seeds.len() > 1;
        let title = group_title(&key);

        let loss: Vec<Curve> = rs
            .iter()
            .map(|r| Curve {
                label: config_legend(r, with_seed),
                points: r
                    .report
                    .history
                    .iter()
                    .map(|e| (e.epoch as i32, e.train_loss))
                    .collect(),
            })
            .collect();
        let name = group_file("loss", &key);
        let path = render_png(dir, &name, PLOT_SIZE, |root| {
            draw_curves(
                root,
                "Training loss per epoch",
                &title,
                "mean training loss per sample",
                &loss,
                false,
            )
        })?;
        plots.push(Plot {
            kind: PlotKind::Loss,
            file_name: name,
            title: format!("Training loss per epoch, {title}"),
            path,
        });

        let errors: Vec<Curve> = rs
            .iter()
            .map(|r| Curve {
                label: config_legend(r, with_seed),
                points: r
                    .report
                    .history
                    .iter()
                    .filter_map(|e| e.test_error_pct.map(|v| (e.epoch as i32, v)))
                    .collect(),
            })
            .filter(|c| !c.points.is_empty())
            .collect();
        if !errors.is_empty() {
            let name = group_file("test-error", &key);
            let sparse = errors.iter().any(|c| c.points.len() <= 20);
            let path = render_png(dir, &name, PLOT_SIZE, |root| {
                draw_curves(
                    root,
                    "Test error per epoch",
                    &title,
                    "test error (%)",
                    &errors,
                    sparse,
                )
            })?;
            plots.push(Plot {
                kind: PlotKind::TestError,
                file_name: name,
                title: format!("Test error per epoch, {title}"),
                path,
            });
        }
    }
    Ok(plots)
}

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
        if c.l2 == 0.0 && !c.shuffle {
            by_slice
                .entry((c.train_samples, c.epochs))
                .or_default()
                .push(r);
        }
    }
    let count = |rs: &Vec<&RunRecord>| {
        let mut cells: Vec<(usize, u64)> = rs
            .iter()
            .map(|r| (r.report.config.hidden, r.report.config.lr.to_bits()))
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
    let mut hidden: Vec<usize> = rs.iter().map(|r| r.report.config.hidden).collect();
    hidden.sort_unstable();
    hidden.dedup();
    let mut rates: Vec<f64> = rs.iter().map(|r| r.report.config.lr).collect();
    rates.sort_by(f64::total_cmp);
    rates.dedup();
    let mut sums: BTreeMap<(usize, usize), (f64, Vec<u64>)> = BTreeMap::new();
    for r in &rs {
        let c = &r.report.config;
        let row = hidden.iter().position(|&n| n == c.hidden)?;
        let col = rates.iter().position(|&l| l == c.lr)?;
        let e = sums.entry((row, col)).or_default();
        if !e.1.contains(&c.seed) {
            e.0 += r.report.metrics.test_error_pct;
            e.1.push(c.seed);
        }
    }
    let cells = sums
        .into_iter()
        .map(|(k, (sum, seeds))| (k, (sum / seeds.len() as f64, seeds.len())))
        .collect();
    Some(HeatGrid {
        hidden,
        rates,
        cells,
        train_samples: k,
        epochs,
    })
}

type GridChart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart of unit cells, one column per `x` label and one row per `y` label (bottom up),
/// labelled at the cells' centres; `root` is the whole image, where the labels are drawn.
fn grid_chart<'a, 'b>(
    root: &Area<'b>,
    area: &'a Area<'b>,
    (xs, x_desc): (&[String], &str),
    (ys, y_desc): (&[String], &str),
    (margin_left, margin_right): (u32, u32),
) -> DrawResult<GridChart<'a, 'b>> {
    let mut chart = ChartBuilder::on(area)
        .margin(12)
        .margin_left(margin_left)
        .margin_right(margin_right)
        .x_label_area_size(56)
        .y_label_area_size(90)
        .build_cartesian_2d(0f64..xs.len() as f64, 0f64..ys.len() as f64)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .disable_y_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc(x_desc)
        .y_desc(y_desc)
        .axis_desc_style(font(18.0))
        .draw()?;
    for (i, s) in xs.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        root.draw(&PathElement::new(vec![(x, y), (x, y + 5)], BLACK))?;
        root.draw(&Text::new(
            s.clone(),
            (x, y + 13),
            font(17.0).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
    }
    for (i, s) in ys.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, i as f64 + 0.5));
        root.draw(&PathElement::new(vec![(x - 5, y), (x, y)], BLACK))?;
        root.draw(&Text::new(
            s.clone(),
            (x - 10, y),
            font(17.0).pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
    }
    Ok(chart)
}

type Cell = ([(f64, f64); 2], (f64, f64));

/// The corners and centre of the unit cell at (`col`, `row`).
fn cell_at(col: i32, row: i32) -> Cell {
    let (x, y) = (col as f64, row as f64);
    ([(x, y), (x + 1.0, y + 1.0)], (x + 0.5, y + 0.5))
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
            let (cell, centre) = cell_at(col, row);
            let (fill, text) = match g.cells.get(&(n_idx, col as usize)) {
                Some(&(v, _)) if v.is_finite() => (heat_colour(t(v)), format!("{v:.2}%")),
                Some(_) => (RGBColor(200, 200, 200), "NaN".to_string()),
                None => (RGBColor(235, 235, 235), "not run".to_string()),
            };
            chart.draw_series(std::iter::once(Rectangle::new(cell, fill.filled())))?;
            chart.draw_series(std::iter::once(Rectangle::new(cell, WHITE.stroke_width(2))))?;
            chart.draw_series(std::iter::once(Text::new(
                text,
                centre,
                font(label_size)
                    .color(&text_on(fill))
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            )))?;
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

fn heatmaps(records: &[RunRecord], dir: &Path) -> Result<Vec<Plot>, EngineError> {
    let mut groups: BTreeMap<(Case, Backprop), Vec<&RunRecord>> = BTreeMap::new();
    for r in records {
        let c = &r.report.config;
        groups.entry((c.case, c.backprop)).or_default().push(r);
    }
    let mut plots = Vec::new();
    for ((case, mode), rs) in groups {
        let Some(g) = heat_grid(&rs) else { continue };
        let seeds = g.cells.values().map(|v| v.1).max().unwrap_or(1);
        let mut sub = format!(
            "{}, {}, K = {}, {} epochs",
            case_title(case),
            mode_title(mode),
            thousands(g.train_samples),
            g.epochs
        );
        if seeds > 1 {
            sub.push_str(", mean over seeds");
        }
        let name = format!(
            "heatmap-{}-{}-k{}.png",
            case.name(),
            mode.name(),
            g.train_samples
        );
        let path = render_png(dir, &name, PLOT_SIZE, |root| {
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
            let (cell, centre) = cell_at(col, row);
            chart.draw_series(std::iter::once(Rectangle::new(cell, fill.filled())))?;
            chart.draw_series(std::iter::once(Rectangle::new(
                cell,
                RGBColor(220, 220, 220).stroke_width(1),
            )))?;
            chart.draw_series(std::iter::once(Text::new(
                v.to_string(),
                centre,
                font(label_size)
                    .color(&text_on(fill))
                    .pos(Pos::new(HPos::Center, VPos::Center)),
            )))?;
        }
    }
    Ok(())
}

fn confusion(records: &[RunRecord], dir: &Path) -> Result<Vec<Plot>, EngineError> {
    let Some(best) = best_record(records) else {
        return Ok(Vec::new());
    };
    let c = &best.report.config;
    let mut sub = format!(
        "{}, N = {}, η = {}, K = {}, {} epochs",
        case_title(c.case),
        c.hidden,
        fmt_lr(c.lr),
        thousands(c.train_samples),
        c.epochs
    );
    if c.l2 > 0.0 {
        sub.push_str(&format!(", λ = {}", fmt_lr(c.l2)));
    }
    sub.push_str(&format!(", {}, seed {}", mode_title(c.backprop), c.seed));
    let title = format!(
        "Confusion matrix of the best network: {:.2}% test error",
        best.report.metrics.test_error_pct
    );
    let name = "confusion-best.png".to_string();
    let path = render_png(dir, &name, CONFUSION_SIZE, |root| {
        draw_confusion(root, &title, &sub, &best.report.confusion)
    })?;
    Ok(vec![Plot {
        kind: PlotKind::Confusion,
        file_name: name,
        title: format!("{title} ({sub})"),
        path,
    }])
}

/// Renders every plot the records support into `dir`, which must exist.
pub(crate) fn render_all(records: &[RunRecord], dir: &Path) -> Result<Vec<Plot>, EngineError> {
    let mut plots = learning_curves(records, dir)?;
    plots.extend(heatmaps(records, dir)?);
    plots.extend(confusion(records, dir)?);
    Ok(plots)
}
