//! Turning a user's picture of a digit into an MNIST-like input, as MNIST itself was made.
//!
//! The steps: take a grayscale image, invert it when its background is light
//! (MNIST is light ink on black), remove the background level, crop to the
//! ink's bounding box, scale it to fit a 20x20 box keeping its aspect ratio
//! (area averaging), and place it in a 28x28 frame so that its centre of mass
//! is at pixel (14, 14), where MNIST's are. Other frame sizes keep the 20/28 proportion.

/// Why an image cannot be turned into an input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreprocessError {
    /// The pixel buffer does not hold `width * height` values, or a side is 0.
    #[error("image buffer of {len} bytes does not match {width}x{height}")]
    Size {
        /// Buffer length.
        len: usize,
        /// Stated width.
        width: usize,
        /// Stated height.
        height: usize,
    },
    /// No ink: the image is blank (one uniform level).
    #[error("the image is blank: no ink stands out from the background")]
    Empty,
}

/// Border mean above which the background counts as light and the image is inverted.
pub const LIGHT_BACKGROUND: f64 = 127.0;

/// Fraction of the peak ink below which a pixel does not count for the bounding box.
pub const INK_THRESHOLD: f32 = 0.2;

/// Side of the box the digit is scaled to fit, for a frame of side `frame` (20 for 28).
pub fn box_side(frame: usize) -> usize {
    ((frame * 20 + 14) / 28).max(1)
}

/// Prepares a `width x height` row-major grayscale image as a `rows x cols` MNIST-like image.
///
/// Returns `rows * cols` bytes, 0 for background and up to 255 for ink.
pub fn prepare(
    gray: &[u8],
    width: usize,
    height: usize,
    rows: usize,
    cols: usize,
) -> Result<Vec<u8>, PreprocessError> {
    if width == 0 || height == 0 || gray.len() != width * height || rows == 0 || cols == 0 {
        return Err(PreprocessError::Size {
            len: gray.len(),
            width,
            height,
        });
    }
    let ink = ink_levels(gray, width, height);
    let max = ink.iter().copied().fold(0.0f32, f32::max);
    if max <= 0.0 {
        return Err(PreprocessError::Empty);
    }
    // The bounding box of the clear ink; faint noise below a fifth of the peak is ignored.
    let threshold = max * INK_THRESHOLD;
    let (mut x0, mut y0, mut x1, mut y1) = (width, height, 0, 0);
    for y in 0..height {
        for x in 0..width {
            if ink[y * width + x] >= threshold {
                x0 = x0.min(x);
                x1 = x1.max(x + 1);
                y0 = y0.min(y);
                y1 = y1.max(y + 1);
            }
        }
    }
    let (bw, bh) = (x1 - x0, y1 - y0);
    let crop: Vec<f32> = (y0..y1)
        .flat_map(|y| ink[y * width + x0..y * width + x1].iter().copied())
        .collect();
    // Fit the longer side to the box, keeping the aspect ratio.
    let (box_r, box_c) = (box_side(rows), box_side(cols));
    let scale = (box_c as f64 / bw as f64).min(box_r as f64 / bh as f64);
    let nw = ((bw as f64 * scale).round() as usize).clamp(1, box_c);
    let nh = ((bh as f64 * scale).round() as usize).clamp(1, box_r);
    let small = resample(&crop, bw, bh, nw, nh);
    // Centre of mass of the scaled digit, then placed at the frame's centre.
    let (mut sum, mut sx, mut sy) = (0.0f64, 0.0f64, 0.0f64);
    for y in 0..nh {
        for x in 0..nw {
            let v = small[y * nw + x] as f64;
            sum += v;
            sx += v * x as f64;
            sy += v * y as f64;
        }
    }
    if sum <= 0.0 {
        return Err(PreprocessError::Empty);
    }
    // MNIST's centres of mass sit at pixel index 14 of 28 (frame / 2).
    let place = |frame: usize, size: usize, com: f64| -> isize {
        let off = ((frame / 2) as f64 - com).round() as isize;
        // Keep the whole digit inside the frame.
        off.clamp(0, frame as isize - size as isize)
    };
    let ox = place(cols, nw, sx / sum);
    let oy = place(rows, nh, sy / sum);
    let peak = small.iter().copied().fold(0.0f32, f32::max);
    let gain = if peak > 0.0 { 255.0 / peak } else { 0.0 };
    let mut out = vec![0u8; rows * cols];
    for y in 0..nh {
        for x in 0..nw {
            let (fx, fy) = (x as isize + ox, y as isize + oy);
            if (0..cols as isize).contains(&fx) && (0..rows as isize).contains(&fy) {
                let v = (small[y * nw + x] * gain).round().clamp(0.0, 255.0);
                out[fy as usize * cols + fx as usize] = v as u8;
            }
        }
    }
    Ok(out)
}

/// Ink per pixel in 0..=255: inverted when the background is light, background level removed.
fn ink_levels(gray: &[u8], width: usize, height: usize) -> Vec<f32> {
    let mut border: Vec<u8> = Vec::with_capacity(2 * (width + height));
    for x in 0..width {
        border.push(gray[x]);
        border.push(gray[(height - 1) * width + x]);
    }
    for y in 0..height {
        border.push(gray[y * width]);
        border.push(gray[y * width + width - 1]);
    }
    let mean = border.iter().map(|&v| v as f64).sum::<f64>() / border.len() as f64;
    let invert = mean > LIGHT_BACKGROUND;
    let level = |v: u8| if invert { 255 - v } else { v };
    // The background is the border's median ink level; below it is no ink.
    let mut levels: Vec<u8> = border.iter().map(|&v| level(v)).collect();
    levels.sort_unstable();
    let bg = levels[levels.len() / 2] as f32;
    let span = (255.0 - bg).max(1.0);
    gray.iter()
        .map(|&v| ((level(v) as f32 - bg) * 255.0 / span).max(0.0))
        .collect()
}

/// Resizes `src` (`w x h`) to `nw x nh` by area averaging: each output pixel is the
/// mean of the source area it covers (exact box filter, also when enlarging).
fn resample(src: &[f32], w: usize, h: usize, nw: usize, nh: usize) -> Vec<f32> {
    let spans = |n: usize, from: usize| -> Vec<Vec<(usize, f64)>> {
        let step = from as f64 / n as f64;
        (0..n)
            .map(|i| {
                let (a, b) = (i as f64 * step, (i + 1) as f64 * step);
                let mut cover = Vec::new();
                let mut p = a.floor() as usize;
                while (p as f64) < b && p < from {
                    let lo = a.max(p as f64);
                    let hi = b.min(p as f64 + 1.0);
                    if hi > lo {
                        cover.push((p, (hi - lo) / step));
                    }
                    p += 1;
                }
                cover
            })
            .collect()
    };
    let (xs, ys) = (spans(nw, w), spans(nh, h));
    let mut out = vec![0.0f32; nw * nh];
    for (oy, ycov) in ys.iter().enumerate() {
        for (ox, xcov) in xs.iter().enumerate() {
            let mut acc = 0.0f64;
            for &(sy, wy) in ycov {
                for &(sx, wx) in xcov {
                    acc += src[sy * w + sx] as f64 * wy * wx;
                }
            }
            out[oy * nw + ox] = acc as f32;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w x h` image of `bg` with the rectangle `[x0, x1) x [y0, y1)` set to `ink`.
    fn rect(
        w: usize,
        h: usize,
        bg: u8,
        ink: u8,
        (x0, y0, x1, y1): (usize, usize, usize, usize),
    ) -> Vec<u8> {
        let mut img = vec![bg; w * h];
        for y in y0..y1 {
            for x in x0..x1 {
                img[y * w + x] = ink;
            }
        }
        img
    }

    /// Bounding box `(x0, y0, x1, y1)` of non-zero pixels of a 28x28 image.
    fn bbox(img: &[u8]) -> (usize, usize, usize, usize) {
        let (mut x0, mut y0, mut x1, mut y1) = (28, 28, 0, 0);
        for (i, &v) in img.iter().enumerate() {
            if v > 0 {
                let (x, y) = (i % 28, i / 28);
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x + 1);
                y1 = y1.max(y + 1);
            }
        }
        (x0, y0, x1, y1)
    }

    fn centre_of_mass(img: &[u8]) -> (f64, f64) {
        let (mut s, mut sx, mut sy) = (0.0, 0.0, 0.0);
        for (i, &v) in img.iter().enumerate() {
            let v = v as f64;
            s += v;
            sx += v * (i % 28) as f64;
            sy += v * (i / 28) as f64;
        }
        (sx / s, sy / s)
    }

    #[test]
    fn blank_and_mis_sized_images_are_errors() {
        assert_eq!(
            prepare(&[255; 100], 10, 10, 28, 28),
            Err(PreprocessError::Empty)
        );
        assert_eq!(
            prepare(&[0; 100], 10, 10, 28, 28),
            Err(PreprocessError::Empty)
        );
        assert_eq!(
            prepare(&[90; 100], 10, 10, 28, 28),
            Err(PreprocessError::Empty)
        );
        assert!(matches!(
            prepare(&[0; 99], 10, 10, 28, 28),
            Err(PreprocessError::Size { .. })
        ));
        assert!(matches!(
            prepare(&[], 0, 0, 28, 28),
            Err(PreprocessError::Size { .. })
        ));
    }

    #[test]
    fn dark_ink_on_white_is_inverted_scaled_to_20_and_centred() {
        // A black 50x100 bar off-centre on a white 300x200 page.
        let img = rect(300, 200, 255, 0, (20, 30, 70, 130));
        let out = prepare(&img, 300, 200, 28, 28).unwrap();
        let (x0, y0, x1, y1) = bbox(&out);
        assert_eq!((x1 - x0, y1 - y0), (10, 20), "aspect kept, long side 20");
        assert_eq!((x0, y0), (10, 5), "centre of mass at (14, 14)");
        assert_eq!(out.iter().copied().max(), Some(255));
        assert_eq!(out[0], 0, "background is black");
    }

    #[test]
    fn light_ink_on_black_is_not_inverted_and_small_digits_grow() {
        let img = rect(40, 40, 0, 200, (5, 5, 9, 7));
        let out = prepare(&img, 40, 40, 28, 28).unwrap();
        let (x0, y0, x1, y1) = bbox(&out);
        assert_eq!((x1 - x0, y1 - y0), (20, 10));
        assert_eq!(out[14 * 28 + 14], 255);
        let (cx, cy) = centre_of_mass(&out);
        assert!(
            (cx - 14.0).abs() <= 0.5 && (cy - 14.0).abs() <= 0.5,
            "{cx} {cy}"
        );
    }

    #[test]
    fn the_centre_of_mass_not_the_box_is_centred() {
        // A stem with a short arm on its right: the mass sits left of the box centre.
        let mut img = rect(100, 100, 0, 255, (10, 10, 20, 90));
        for y in 45..55 {
            for x in 20..50 {
                img[y * 100 + x] = 255;
            }
        }
        let out = prepare(&img, 100, 100, 28, 28).unwrap();
        let (cx, cy) = centre_of_mass(&out);
        assert!(
            (cx - 14.0).abs() <= 0.5 && (cy - 14.0).abs() <= 0.5,
            "{cx} {cy}"
        );
        let (x0, _, x1, _) = bbox(&out);
        assert!(
            x0 + x1 != 28,
            "box is not symmetric about the centre: {x0}..{x1}"
        );
    }

    #[test]
    fn grey_backgrounds_and_faint_noise_are_removed() {
        let mut img = rect(60, 60, 230, 20, (20, 10, 40, 50));
        img[2 * 60 + 2] = 200; // a faint speck far from the digit
        let out = prepare(&img, 60, 60, 28, 28).unwrap();
        let (x0, y0, x1, y1) = bbox(&out);
        assert_eq!((x1 - x0, y1 - y0), (10, 20), "speck ignored");
        assert!(out.iter().filter(|&&v| v > 0).all(|&v| v == 255));
    }

    #[test]
    fn other_frame_sizes_keep_the_proportion() {
        assert_eq!(box_side(28), 20);
        assert_eq!(box_side(8), 6);
        let img = rect(30, 30, 255, 0, (10, 5, 20, 25));
        let out = prepare(&img, 30, 30, 8, 8).unwrap();
        assert_eq!(out.len(), 64);
        assert_eq!(out.iter().filter(|&&v| v > 0).count(), 3 * 6);
    }

    #[test]
    fn area_averaging_preserves_mean_intensity() {
        let src: Vec<f32> = (0..36).map(|i| (i * 7 % 13) as f32).collect();
        let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
        let down = resample(&src, 6, 6, 4, 4);
        assert!((mean(&down) - mean(&src)).abs() < 1e-4);
        let up = resample(&src, 6, 6, 9, 9);
        assert!((mean(&up) - mean(&src)).abs() < 1e-4);
    }
}
