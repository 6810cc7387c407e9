//! What every picture shares: the font, PNG files written whole, titles,
//! colours and a chart of labelled unit cells.

use crate::ReportError;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const FONT: &[u8] = include_bytes!("DejaVuSans.ttf");
/// The font family every picture draws text in (registered by [`ensure_font`]).
pub(crate) const FAMILY: &str = "sans-serif";

/// A drawing area of an in-memory RGB picture.
pub(crate) type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
/// What drawing returns: plotters' errors are of many types.
pub(crate) type DrawResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// Registers the embedded DejaVu Sans as plotters' sans-serif, serif and monospace, once.
fn ensure_font() -> Result<(), ReportError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| {
        ["sans-serif", "serif", "monospace"]
            .iter()
            .all(|family| plotters::style::register_font(family, FontStyle::Normal, FONT).is_ok())
    });
    if ok {
        Ok(())
    } else {
        Err(ReportError::Format {
            path: PathBuf::from("crates/report/src/DejaVuSans.ttf"),
            problem: "the embedded font could not be parsed".into(),
        })
    }
}

/// Writes `pixels` (`width x height`, row-major, `color` per pixel) to `path` as a PNG, whole or not at all.
pub(crate) fn write_png(
    path: &Path,
    pixels: &[u8],
    (width, height): (u32, u32),
    color: image::ExtendedColorType,
) -> Result<(), ReportError> {
    use image::ImageEncoder as _;
    let mut bytes = Vec::new();
    image::codecs::png::PngEncoder::new(&mut bytes)
        .write_image(pixels, width, height, color)
        .map_err(|e| ReportError::Format {
            path: path.to_path_buf(),
            problem: format!("cannot encode the picture as PNG: {e}"),
        })?;
    Ok(mlp_engine::files::write_atomic(path, &bytes)?)
}

/// Draws `draw` on a white `size` picture and writes it to `path` as a PNG, whole or not at all.
pub(crate) fn render_png(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<(), ReportError> {
    ensure_font()?;
    let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
    let drawn: DrawResult = (|| {
        let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
        root.fill(&WHITE)?;
        draw(&root)?;
        root.present()?;
        Ok(())
    })();
    drawn.map_err(|e| ReportError::Format {
        path: path.to_path_buf(),
        problem: format!("could not draw the picture: {e}"),
    })?;
    write_png(path, &rgb, size, image::ExtendedColorType::Rgb8)
}

/// Black text of `size` points in the picture font.
pub(crate) fn font(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&BLACK)
}

/// Draws a title (and a smaller subtitle) across the top and returns the area below.
pub(crate) fn titled<'a>(root: &Area<'a>, title: &str, subtitle: &str) -> DrawResult<Area<'a>> {
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
pub(crate) const PALETTE: [RGBColor; 10] = [
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
pub(crate) fn heat_colour(t: f64) -> RGBColor {
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
pub(crate) fn blue_colour(t: f64) -> RGBColor {
    const STOPS: [(u8, u8, u8); 3] = [(198, 219, 239), (66, 146, 198), (8, 48, 107)];
    scale(&STOPS, t)
}

/// The colour at `t` in 0..=1 along linearly blended `stops`.
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
pub(crate) fn text_on(c: RGBColor) -> RGBColor {
    let lum = 0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64;
    if lum > 140.0 {
        BLACK
    } else {
        WHITE
    }
}

/// Decimals for axis labels running up to `max`.
pub(crate) fn axis_decimals(max: f64) -> usize {
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

/// A chart whose unit cells are addressed by column and row.
pub(crate) type GridChart<'a, 'b> =
    ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart of unit cells, one column per `x` label and one row per `y` label (bottom up),
/// labelled at the cells' centres; `root` is the whole image, where the labels are drawn.
pub(crate) fn grid_chart<'a, 'b>(
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

/// Draws the unit cell at (`col`, `row`): filled with `fill`, outlined with
/// `border`, with `text` at its centre in `size` points.
pub(crate) fn draw_cell(
    chart: &mut GridChart<'_, '_>,
    (col, row): (i32, i32),
    fill: RGBColor,
    border: ShapeStyle,
    (text, size): (String, f64),
) -> DrawResult {
    let (x, y) = (col as f64, row as f64);
    let corners = [(x, y), (x + 1.0, y + 1.0)];
    chart.draw_series(std::iter::once(Rectangle::new(corners, fill.filled())))?;
    chart.draw_series(std::iter::once(Rectangle::new(corners, border)))?;
    chart.draw_series(std::iter::once(Text::new(
        text,
        (x + 0.5, y + 0.5),
        font(size)
            .color(&text_on(fill))
            .pos(Pos::new(HPos::Center, VPos::Center)),
    )))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_written_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.png");
        render_png(&path, (40, 30), |root| {
            root.draw(&Rectangle::new([(5, 5), (20, 20)], RED.filled()))?;
            Ok(())
        })
        .unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
        // A drawing that fails leaves the earlier file and no temporary one.
        let failed = render_png(&path, (40, 30), |_| Err("no ink".into()));
        assert!(failed.unwrap_err().to_string().contains("no ink"));
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn colour_scales_run_from_their_first_to_their_last_stop() {
        assert_eq!(heat_colour(0.0), RGBColor(255, 255, 204));
        assert_eq!(heat_colour(1.0), RGBColor(128, 0, 38));
        assert_eq!(heat_colour(f64::NAN), heat_colour(0.0));
        assert_eq!(blue_colour(2.0), RGBColor(8, 48, 107));
        assert_eq!(text_on(RGBColor(255, 255, 255)), BLACK);
        assert_eq!(text_on(RGBColor(0, 0, 0)), WHITE);
    }
}
