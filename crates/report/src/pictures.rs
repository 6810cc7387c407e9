//! PNG pictures of digits and of one model's evaluation: a dataset image,
//! the misclassified digits and the confusion matrix.

use crate::draw::{font, render_png, write_png};
use crate::plot::{draw_confusion, CONFUSION_SIZE};
use crate::ReportError;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::path::Path;

/// Writes a `rows x cols` grayscale image (0 black, 255 white) to `path` as a
/// PNG, each pixel drawn as a `scale x scale` square.
pub fn digit_png(
    path: &Path,
    pixels: &[u8],
    rows: usize,
    cols: usize,
    scale: usize,
) -> Result<(), ReportError> {
    let s = scale.max(1);
    let (w, h) = (cols * s, rows * s);
    let mut big = vec![0u8; w * h];
    for (y, line) in big.chunks_exact_mut(w.max(1)).enumerate() {
        for (x, v) in line.iter_mut().enumerate() {
            *v = pixels[(y / s) * cols + x / s];
        }
    }
    let size = (w as u32, h as u32);
    write_png(path, &big, size, image::ExtendedColorType::L8)
}

/// Writes `images` (each `rows x cols` grayscale, 0 black, 255 white) as a
/// grid of `per_row` columns to `path`, each pixel a `scale x scale` square,
/// the images apart by a gap of two pixels of mid grey.
pub fn grid_png(
    path: &Path,
    images: &[Vec<u8>],
    rows: usize,
    cols: usize,
    per_row: usize,
    scale: usize,
) -> Result<(), ReportError> {
    let (s, gap) = (scale.max(1), 2 * scale.max(1));
    let per_row = per_row.clamp(1, images.len().max(1));
    let grid_rows = images.len().div_ceil(per_row).max(1);
    let (cw, ch) = (cols * s + gap, rows * s + gap);
    let (w, h) = (per_row * cw + gap, grid_rows * ch + gap);
    let mut big = vec![128u8; w * h];
    for (k, img) in images.iter().enumerate() {
        let (x0, y0) = (gap + (k % per_row) * cw, gap + (k / per_row) * ch);
        for y in 0..rows * s {
            for x in 0..cols * s {
                big[(y0 + y) * w + x0 + x] = img[(y / s) * cols + x / s];
            }
        }
    }
    write_png(
        path,
        &big,
        (w as u32, h as u32),
        image::ExtendedColorType::L8,
    )
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
) -> Result<(), ReportError> {
    let scale = (84 / rows.max(cols).max(1)).max(1);
    let (iw, ih) = (cols * scale, rows * scale);
    let (cell_w, cell_h) = ((iw + 20).max(90), ih + 34);
    let ncols = images.len().clamp(1, COLUMNS);
    let nrows = images.len().div_ceil(COLUMNS).max(1);
    let top = 70;
    let width = (ncols * cell_w + 20).max(560);
    let height = top + nrows * cell_h + 10;
    let left = (width - ncols * cell_w) / 2;
    render_png(path, (width as u32, height as u32), |root| {
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

/// Writes the confusion matrix `m` (`[true][predicted]`) as a heat map with counts.
pub fn confusion_png(
    path: &Path,
    m: &[Vec<u64>],
    title: &str,
    subtitle: &str,
) -> Result<(), ReportError> {
    if m.iter().any(|row| row.len() != m.len()) {
        return Err(ReportError::Format {
            path: path.to_path_buf(),
            problem: "the confusion matrix is not square".into(),
        });
    }
    render_png(path, CONFUSION_SIZE, |root| {
        draw_confusion(root, title, subtitle, m)
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
        let digit = dir.path().join("digit.png");
        digit_png(&digit, &img, 8, 8, 3).unwrap();
        let bytes = std::fs::read(&digit).unwrap();
        let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
        assert_eq!((be(16), be(20)), (24, 24), "width and height");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 3);
    }
}
