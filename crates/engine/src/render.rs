//! PNG pictures of one model's evaluation: misclassified digits and the confusion matrix.

use crate::model::temp_sibling;
use crate::EngineError;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

use crate::study::{ensure_font, FAMILY};

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;
type DrawResult = Result<(), Box<dyn std::error::Error>>;

fn font(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&BLACK)
}

/// Draws a `size` PNG at `path` through a temporary sibling file that is renamed into place.
fn render(
    path: &Path,
    size: (u32, u32),
    draw: impl FnOnce(&Area<'_>) -> DrawResult,
) -> Result<(), EngineError> {
    ensure_font()?;
    let tmp = temp_sibling(path);
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

/// One image of a montage with its true and predicted class.
#[derive(Debug, Clone, Copy)]
pub struct Labelled<'a> {
    /// `rows * cols` row-major bytes, 0 background, 255 ink.
    pub pixels: &'a [u8],
    /// The true class.
    pub truth: u8,
    /// The predicted class.
    pub predicted: u8,
}

/// Montage columns.
const COLUMNS: usize = 10;

/// Writes a montage of `images` (dark ink on white, scaled up), each captioned "true → predicted".
pub fn misclassified_png(
    path: &Path,
    images: &[Labelled<'_>],
    rows: usize,
    cols: usize,
    title: &str,
) -> Result<(), EngineError> {
    let scale = (84 / rows.max(cols).max(1)).max(1);
    let (iw, ih) = (cols * scale, rows * scale);
    let (cell_w, cell_h) = ((iw + 20).max(90), ih + 34);
    let ncols = images.len().clamp(1, COLUMNS);
    let nrows = images.len().div_ceil(COLUMNS).max(1);
    let top = 70;
    let width = (ncols * cell_w + 20).max(560);
    let height = top + nrows * cell_h + 10;
    let left = (width - ncols * cell_w) / 2;
    render(path, (width as u32, height as u32), |root| {
        let centre = Pos::new(HPos::Center, VPos::Top);
        root.draw(&Text::new(
            title.to_string(),
            (width as i32 / 2, 10),
            font(22.0).pos(centre),
        ))?;
        let sub = if images.is_empty() {
            "no misclassified images".to_string()
        } else {
            "caption: true digit → predicted digit".to_string()
        };
        root.draw(&Text::new(
            sub,
            (width as i32 / 2, 40),
            font(15.0).color(&RGBColor(70, 70, 70)).pos(centre),
        ))?;
        for (k, img) in images.iter().enumerate() {
            let cx = (left + (k % COLUMNS) * cell_w) as i32;
            let cy = (top + (k / COLUMNS) * cell_h) as i32;
            let x0 = cx + (cell_w - iw) as i32 / 2;
            let y0 = cy + 4;
            root.draw(&Rectangle::new(
                [(x0 - 1, y0 - 1), (x0 + iw as i32, y0 + ih as i32)],
                RGBColor(200, 200, 200).stroke_width(1),
            ))?;
            for (p, &v) in img.pixels.iter().enumerate().take(rows * cols) {
                if v == 0 {
                    continue;
                }
                let (x, y) = ((p % cols * scale) as i32, (p / cols * scale) as i32);
                let g = 255 - v;
                root.draw(&Rectangle::new(
                    [
                        (x0 + x, y0 + y),
                        (x0 + x + scale as i32, y0 + y + scale as i32),
                    ],
                    RGBColor(g, g, g).filled(),
                ))?;
            }
            root.draw(&Text::new(
                format!("{} → {}", img.truth, img.predicted),
                (cx + cell_w as i32 / 2, y0 + ih as i32 + 6),
                font(17.0).color(&RGBColor(160, 20, 20)).pos(centre),
            ))?;
        }
        Ok(())
    })
}

/// A sequential colour from `stops` at `t` in [0, 1].
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

fn text_on(c: RGBColor) -> RGBColor {
    let lum = 0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64;
    if lum > 140.0 {
        BLACK
    } else {
        WHITE
    }
}

/// Writes the confusion matrix `m` (`[true][predicted]`) as a heat map with counts.
///
/// Correct cells are blue by count, errors yellow to red by count (square-root scale).
pub fn confusion_png(
    path: &Path,
    m: &[Vec<u64>],
    title: &str,
    subtitle: &str,
) -> Result<(), EngineError> {
    let n = m.len().max(1);
    if m.iter().any(|row| row.len() != m.len()) {
        return Err(EngineError::Format {
            path: path.to_path_buf(),
            problem: "the confusion matrix is not square".into(),
        });
    }
    let cell = if n <= 12 { 60 } else { (720 / n).max(12) };
    let (left, top) = (110usize, 130usize);
    let width = (left + n * cell + 40).max(640);
    let height = top + n * cell + 30;
    let max_diag = (0..m.len()).map(|i| m[i][i]).max().unwrap_or(0).max(1) as f64;
    let max_off = m
        .iter()
        .enumerate()
        .flat_map(|(i, row)| row.iter().enumerate().filter(move |(j, _)| *j != i))
        .map(|(_, &v)| v)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    render(path, (width as u32, height as u32), |root| {
        let mid = Pos::new(HPos::Center, VPos::Center);
        let w = width as i32;
        root.draw(&Text::new(
            title.to_string(),
            (w / 2, 22),
            font(22.0).pos(mid),
        ))?;
        root.draw(&Text::new(
            subtitle.to_string(),
            (w / 2, 50),
            font(15.0).color(&RGBColor(70, 70, 70)).pos(mid),
        ))?;
        let gx = left as i32;
        let gy = top as i32;
        let c = cell as i32;
        let side = n as i32 * c;
        root.draw(&Text::new(
            "predicted digit",
            (gx + side / 2, gy - 48),
            font(17.0).pos(mid),
        ))?;
        root.draw(&Text::new(
            "true digit",
            (gx - 80, gy + side / 2),
            font(17.0).pos(mid).transform(FontTransform::Rotate270),
        ))?;
        let label = if n > 12 { 10.0 } else { 16.0 };
        for k in 0..n as i32 {
            root.draw(&Text::new(
                k.to_string(),
                (gx + k * c + c / 2, gy - 18),
                font(label).pos(mid),
            ))?;
            root.draw(&Text::new(
                k.to_string(),
                (gx - 20, gy + k * c + c / 2),
                font(label).pos(mid),
            ))?;
        }
        for (t, row) in m.iter().enumerate() {
            for (p, &v) in row.iter().enumerate() {
                let fill = if t == p {
                    scale(
                        &[(198, 219, 239), (66, 146, 198), (8, 48, 107)],
                        v as f64 / max_diag,
                    )
                } else if v == 0 {
                    WHITE
                } else {
                    scale(
                        &[
                            (255, 255, 204),
                            (254, 217, 118),
                            (253, 141, 60),
                            (227, 26, 28),
                            (128, 0, 38),
                        ],
                        0.05 + 0.95 * (v as f64 / max_off).sqrt(),
                    )
                };
                let (x, y) = (gx + p as i32 * c, gy + t as i32 * c);
                root.draw(&Rectangle::new([(x, y), (x + c, y + c)], fill.filled()))?;
                root.draw(&Rectangle::new(
                    [(x, y), (x + c, y + c)],
                    RGBColor(210, 210, 210).stroke_width(1),
                ))?;
                if n <= 30 {
                    root.draw(&Text::new(
                        v.to_string(),
                        (x + c / 2, y + c / 2),
                        font(if v >= 10_000 { label * 0.8 } else { label })
                            .color(&text_on(fill))
                            .pos(mid),
                    ))?;
                }
            }
        }
        root.draw(&Rectangle::new(
            [(gx, gy), (gx + side, gy + side)],
            BLACK.stroke_width(1),
        ))?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_are_written_whole_and_leave_no_temporary_files() {
        let dir = tempfile::tempdir().unwrap();
        let img: Vec<u8> = (0..64).map(|i| if i % 3 == 0 { 255 } else { 0 }).collect();
        let items = vec![
            Labelled {
                pixels: &img,
                truth: 3,
                predicted: 5
            };
            13
        ];
        let a = dir.path().join("mis.png");
        misclassified_png(&a, &items, 8, 8, "misclassified").unwrap();
        let m = vec![vec![5, 1, 0], vec![0, 7, 2], vec![3, 0, 9]];
        let b = dir.path().join("cm.png");
        confusion_png(&b, &m, "confusion", "test").unwrap();
        for p in [&a, &b] {
            let bytes = std::fs::read(p).unwrap();
            assert_eq!(&bytes[1..4], b"PNG");
        }
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
        let bad = dir.path().join("missing-dir").join("x.png");
        assert!(confusion_png(&bad, &m, "t", "s").is_err());
        assert!(confusion_png(&b, &[vec![1, 2]], "t", "s").is_err());
    }
}
