//! Distorted training images: random affine maps and Simard's elastic
//! distortions, each drawn from the seed and the sample's coordinates (step
//! and row of its batch), so a run is reproducible and independent of the
//! thread count.
//!
//! Both work backwards: for every output pixel, where in the source image
//! it comes from, then a bilinear read there (zero outside the image).

use crate::arch::named_enum;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

named_enum!(
    /// Which distortions training applies to each image.
    Augment, "augmentation", {
        /// The images as they are.
        #[default]
        None = "none",
        /// A random affine map: rotation, scale, shear and translation.
        Affine = "affine",
        /// Simard's elastic distortion.
        Elastic = "elastic",
        /// An affine map, then an elastic distortion.
        AffineElastic = "affine+elastic",
    }
);

/// The ranges distortions are drawn from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Distortion {
    /// Which distortions.
    pub kind: Augment,
    /// Rotation angle: uniform in +-this many degrees.
    pub rotate: f64,
    /// Scale factor: uniform in 1 +- this.
    pub scale: f64,
    /// Shear factor: uniform in +- this.
    pub shear: f64,
    /// Shift in pixels along each axis: uniform in +- this.
    pub translate: f64,
    /// Width (pixels) of the Gaussian smoothing the elastic field.
    pub elastic_sigma: f64,
    /// Scale (pixels) of the smoothed elastic field.
    pub elastic_alpha: f64,
}

/// Scratch of one image's distortion: the displacement field and the
/// smoothing's buffers, kept so that distorting allocates nothing.
#[derive(Debug, Clone, Default)]
pub struct Scratch {
    dx: Vec<f32>,
    dy: Vec<f32>,
    /// The elastic field before smoothing and scaling, per axis.
    ex: Vec<f32>,
    ey: Vec<f32>,
    tmp: Vec<f32>,
    /// The source image inside a zero border (see `bilinear`).
    pad: Vec<f32>,
    kernel: Vec<f32>,
    /// The sigma `kernel` was built for.
    kernel_sigma: f64,
}

/// The seeded generator of one image's distortion.
pub fn image_rng(seed: u64, step: u64, row: usize) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0xA5A5_5A5A_0F0F_F0F0);
    rng.set_stream(step);
    rng.set_word_pos((row as u128) << 20);
    rng
}

/// A normalised Gaussian kernel of width `sigma`, radius `ceil(3 sigma)`.
fn gaussian(sigma: f64, out: &mut Vec<f32>) {
    let radius = (3.0 * sigma).ceil().max(1.0) as i64;
    let w: Vec<f64> = (-radius..=radius)
        .map(|i| (-(i * i) as f64 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f64 = w.iter().sum();
    out.clear();
    out.extend(w.iter().map(|v| (v / sum) as f32));
}

/// `out[i] += w * src[i]` over equal lengths (a loop the compiler vectorises).
#[inline]
fn add_scaled(out: &mut [f32], w: f32, src: &[f32]) {
    for (o, &v) in out.iter_mut().zip(src) {
        *o += w * v;
    }
}

/// Smooths the `side x side` noise `f` with the Gaussian `kernel` along both
/// axes (zero beyond the edges) into `out`, `f` left as scratch.
///
/// The noise is read as drawn column by column: a column pass, a transpose,
/// and a second column pass give the smoothed field row-major without a row
/// pass, each pass one SIMD kernel over whole rows.
fn smooth(f: &mut [f32], kernel: &[f32], side: usize, out: &mut [f32]) {
    mlp_kernels::convolve_columns(kernel, f, side, out);
    for y in 0..side {
        for x in 0..side {
            f[x * side + y] = out[y * side + x];
        }
    }
    mlp_kernels::convolve_columns(kernel, f, side, out);
}

/// Width of the zero border around an image that `bilinear` reads: a read
/// at `x` in `[-1, side]` touches columns `floor(x)` and `floor(x) + 1`.
const PAD_BEFORE: usize = 1;
/// Padded row length of an image `side` wide.
fn padded(side: usize) -> usize {
    side + PAD_BEFORE + 2
}

/// The bilinear value at `(x, y)` of the image padded into `img` (rows of
/// `padded(side)`, zero outside the image). Coordinates are clamped to
/// `[-1, side]`, where every read already lands on the zero border, so the
/// reads need no bounds branches.
#[inline]
fn bilinear(img: &[f32], side: usize, x: f32, y: f32) -> f32 {
    let (lo, hi) = (-1.0, side as f32);
    let (x, y) = (x.clamp(lo, hi), y.clamp(lo, hi));
    // Floor by truncation after a shift: no call to libm's floor (the
    // portable build has no rounding instruction), exact for |x| < 2^20.
    const SHIFT: f32 = 1024.0;
    let (x0, y0) = (
        (x + SHIFT) as i32 - SHIFT as i32,
        (y + SHIFT) as i32 - SHIFT as i32,
    );
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let w = padded(side);
    let i = (y0 + PAD_BEFORE as i32) as usize * w + (x0 + PAD_BEFORE as i32) as usize;
    (1.0 - fx) * (1.0 - fy) * img[i]
        + fx * (1.0 - fy) * img[i + 1]
        + (1.0 - fx) * fy * img[i + w]
        + fx * fy * img[i + w + 1]
}

impl Distortion {
    /// Fills the displacement field (where each output pixel reads from,
    /// relative to itself) of one image of `side x side` from `rng`.
    pub fn field(&self, rng: &mut ChaCha8Rng, side: usize, s: &mut Scratch) {
        let n = side * side;
        s.dx.clear();
        s.dx.resize(n, 0.0);
        s.dy.clear();
        s.dy.resize(n, 0.0);
        let c = (side as f64 - 1.0) / 2.0;
        if matches!(self.kind, Augment::Affine | Augment::AffineElastic) {
            let mut draw = |range: f64| {
                if range > 0.0 {
                    rng.random_range(-range..range)
                } else {
                    0.0
                }
            };
            let angle = draw(self.rotate).to_radians();
            let zoom = 1.0 + draw(self.scale);
            let shear = draw(self.shear);
            let (tx, ty) = (draw(self.translate), draw(self.translate));
            // The forward map: scale, shear, rotate about the centre, then
            // shift; each output pixel reads from its inverse image.
            let (sin, cos) = angle.sin_cos();
            let m = [
                [zoom * cos, zoom * (cos * shear - sin)],
                [zoom * sin, zoom * (sin * shear + cos)],
            ];
            let det = m[0][0] * m[1][1] - m[0][1] * m[1][0];
            let inv = [
                [m[1][1] / det, -m[0][1] / det],
                [-m[1][0] / det, m[0][0] / det],
            ];
            for y in 0..side {
                for x in 0..side {
                    let (u, v) = (x as f64 - c - tx, y as f64 - c - ty);
                    let sx = inv[0][0] * u + inv[0][1] * v + c;
                    let sy = inv[1][0] * u + inv[1][1] * v + c;
                    s.dx[y * side + x] = (sx - x as f64) as f32;
                    s.dy[y * side + x] = (sy - y as f64) as f32;
                }
            }
        }
        if matches!(self.kind, Augment::Elastic | Augment::AffineElastic) {
            if s.kernel_sigma != self.elastic_sigma || s.kernel.is_empty() {
                gaussian(self.elastic_sigma, &mut s.kernel);
                s.kernel_sigma = self.elastic_sigma;
            }
            s.ex.clear();
            s.ey.clear();
            s.ex.extend((0..n).map(|_| rng.random_range(-1.0f32..1.0)));
            s.ey.extend((0..n).map(|_| rng.random_range(-1.0f32..1.0)));
            let alpha = self.elastic_alpha as f32;
            s.tmp.clear();
            s.tmp.resize(n, 0.0);
            smooth(&mut s.ex, &s.kernel, side, &mut s.tmp);
            add_scaled(&mut s.dx, alpha, &s.tmp);
            smooth(&mut s.ey, &s.kernel, side, &mut s.tmp);
            add_scaled(&mut s.dy, alpha, &s.tmp);
        }
    }

    /// Writes into `out` the image `img` (`side x side`) read through the
    /// displacement field last made by [`Distortion::field`].
    pub fn resample(&self, img: &[f32], side: usize, s: &mut Scratch, out: &mut [f32]) {
        let w = padded(side);
        s.pad.clear();
        s.pad.resize(w * w, 0.0);
        for (row, src) in s.pad[PAD_BEFORE * w..]
            .chunks_exact_mut(w)
            .zip(img.chunks_exact(side))
        {
            row[PAD_BEFORE..PAD_BEFORE + side].copy_from_slice(src);
        }
        let img = &s.pad;
        for y in 0..side {
            for x in 0..side {
                let i = y * side + x;
                out[i] = bilinear(img, side, x as f32 + s.dx[i], y as f32 + s.dy[i]);
            }
        }
    }

    /// One image distorted afresh from `rng`.
    pub fn apply(
        &self,
        rng: &mut ChaCha8Rng,
        img: &[f32],
        side: usize,
        s: &mut Scratch,
        out: &mut [f32],
    ) {
        self.field(rng, side, s);
        self.resample(img, side, s, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIDE: usize = 28;

    fn digit() -> Vec<f32> {
        // A blob off centre, with a gradient so that resampling shows.
        (0..SIDE * SIDE)
            .map(|i| {
                let (x, y) = ((i % SIDE) as f64, (i / SIDE) as f64);
                let d = ((x - 11.0).powi(2) + (y - 15.0).powi(2)).sqrt();
                if d < 6.0 {
                    (1.0 - d / 6.0) as f32
                } else {
                    0.0
                }
            })
            .collect()
    }

    fn only(kind: Augment) -> Distortion {
        Distortion {
            kind,
            rotate: 0.0,
            scale: 0.0,
            shear: 0.0,
            translate: 0.0,
            elastic_sigma: 4.0,
            elastic_alpha: 34.0,
        }
    }

    fn centre_of_mass(img: &[f32]) -> (f64, f64) {
        let (mut m, mut sx, mut sy) = (0.0, 0.0, 0.0);
        for (i, &v) in img.iter().enumerate() {
            let v = v as f64;
            m += v;
            sx += v * (i % SIDE) as f64;
            sy += v * (i / SIDE) as f64;
        }
        (sx / m, sy / m)
    }

    #[test]
    fn the_identity_leaves_an_image_unchanged() {
        let img = digit();
        let mut out = vec![0.0; img.len()];
        let mut s = Scratch::default();
        only(Augment::Affine).apply(&mut image_rng(1, 1, 0), &img, SIDE, &mut s, &mut out);
        assert_eq!(img, out);
    }

    #[test]
    fn a_pure_translation_moves_the_centre_of_mass_by_the_shift() {
        let img = digit();
        let d = Distortion {
            translate: 3.0,
            ..only(Augment::Affine)
        };
        let mut s = Scratch::default();
        let mut out = vec![0.0; img.len()];
        let (cx, cy) = centre_of_mass(&img);
        for row in 0..5 {
            let mut rng = image_rng(2, 7, row);
            d.apply(&mut rng, &img, SIDE, &mut s, &mut out);
            // The same draws again give the shift applied.
            let mut again = image_rng(2, 7, row);
            let (tx, ty): (f64, f64) =
                (again.random_range(-3.0..3.0), again.random_range(-3.0..3.0));
            let (ox, oy) = centre_of_mass(&out);
            assert!(
                (ox - cx - tx).abs() < 1e-3 && (oy - cy - ty).abs() < 1e-3,
                "{row}: shift ({tx}, {ty}), moved ({}, {})",
                ox - cx,
                oy - cy
            );
        }
    }

    #[test]
    fn distortions_are_a_function_of_seed_step_and_row() {
        let img = digit();
        let d = Distortion {
            rotate: 15.0,
            scale: 0.1,
            shear: 0.2,
            translate: 2.0,
            ..only(Augment::AffineElastic)
        };
        let mut s = Scratch::default();
        let run = |seed, step, row, s: &mut Scratch| {
            let mut out = vec![0.0; img.len()];
            d.apply(&mut image_rng(seed, step, row), &img, SIDE, s, &mut out);
            out
        };
        let a = run(1, 3, 4, &mut s);
        assert_eq!(a, run(1, 3, 4, &mut s));
        assert_ne!(a, img);
        for (seed, step, row) in [(2, 3, 4), (1, 4, 4), (1, 3, 5)] {
            assert_ne!(a, run(seed, step, row, &mut s), "{seed} {step} {row}");
        }
    }

    /// The elastic field: mean displacement near zero, and smoother (smaller
    /// differences between neighbours, relative to its size) as sigma grows.
    #[test]
    fn the_elastic_field_averages_zero_and_smooths_with_sigma() {
        let roughness = |sigma: f64| -> (f64, f64) {
            let d = Distortion {
                elastic_sigma: sigma,
                elastic_alpha: 1.0,
                ..only(Augment::Elastic)
            };
            let (mut mean, mut rough, mut size) = (0.0, 0.0, 0.0);
            let mut s = Scratch::default();
            for row in 0..50 {
                d.field(&mut image_rng(9, 1, row), SIDE, &mut s);
                mean += s.dx.iter().chain(&s.dy).map(|&v| v as f64).sum::<f64>()
                    / (2 * SIDE * SIDE) as f64;
                for y in 0..SIDE {
                    for x in 1..SIDE {
                        let i = y * SIDE + x;
                        rough += (s.dx[i] - s.dx[i - 1]).abs() as f64;
                        size += s.dx[i].abs() as f64;
                    }
                }
            }
            (mean / 50.0, rough / size)
        };
        let (m4, r4) = roughness(4.0);
        let (m2, r2) = roughness(2.0);
        let (_, r8) = roughness(8.0);
        assert!(m4.abs() < 0.01 && m2.abs() < 0.01, "means {m4} {m2}");
        assert!(r8 < r4 && r4 < r2, "roughness {r2} {r4} {r8}");
    }

    /// The elastic field is the 2-D Gaussian convolution of the noise (drawn
    /// column by column), scaled by alpha: checked against the direct double
    /// sum in f64, zero beyond the edges.
    #[test]
    fn the_elastic_field_is_the_gaussian_smoothed_noise_times_alpha() {
        let d = Distortion {
            elastic_sigma: 3.0,
            elastic_alpha: 5.0,
            ..only(Augment::Elastic)
        };
        let mut s = Scratch::default();
        d.field(&mut image_rng(3, 2, 1), SIDE, &mut s);
        // The same draws: the x noise, then the y noise, each column by column.
        let mut rng = image_rng(3, 2, 1);
        let n = SIDE * SIDE;
        let noise: Vec<f64> = (0..2 * n)
            .map(|_| rng.random_range(-1.0f32..1.0) as f64)
            .collect();
        let mut g = Vec::new();
        gaussian(3.0, &mut g);
        let r = (g.len() / 2) as isize;
        let at = |axis: usize, y: isize, x: isize| -> f64 {
            if (0..SIDE as isize).contains(&y) && (0..SIDE as isize).contains(&x) {
                noise[axis * n + x as usize * SIDE + y as usize]
            } else {
                0.0
            }
        };
        let mut worst = 0.0f64;
        for (axis, got) in [&s.dx, &s.dy].into_iter().enumerate() {
            for y in 0..SIDE as isize {
                for x in 0..SIDE as isize {
                    let mut want = 0.0;
                    for (i, &gi) in g.iter().enumerate() {
                        for (j, &gj) in g.iter().enumerate() {
                            let (yy, xx) = (y + i as isize - r, x + j as isize - r);
                            want += gi as f64 * gj as f64 * at(axis, yy, xx);
                        }
                    }
                    let v = got[y as usize * SIDE + x as usize] as f64;
                    worst = worst.max((v - 5.0 * want).abs());
                }
            }
        }
        assert!(worst < 1e-5, "largest difference {worst}");
    }
}
