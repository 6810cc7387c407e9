//! Convolution along the columns of a row-major matrix: the separable
//! Gaussian smoothing of elastic distortion fields, one axis per call.
//!
//! Contract of every `unsafe fn` here: pointers are valid for the lengths the
//! public wrapper in `lib.rs` checked; the output does not overlap the inputs.

use crate::dispatch::kernel;
use crate::simd::Simd;

/// Vectors of one row the body keeps in registers at once.
const BLOCK: usize = 4;

/// `out[y][x] = sum_k taps[k] * src[y + k - r][x]` (`r = (n_taps - 1) / 2`,
/// rows outside `0..rows` read as zero), summed in `k` order from zero by
/// multiply-then-add, so that every path gives the reference's bits.
///
/// # Safety
/// `taps[..n_taps]` and `src[..rows * cols]` are readable, `out[..rows * cols]`
/// writable and distinct from both; `n_taps` is odd.
#[inline(always)]
pub(crate) unsafe fn convolve_columns_body<S: Simd>(
    s: S,
    taps: *const f32,
    n_taps: usize,
    src: *const f32,
    rows: usize,
    cols: usize,
    out: *mut f32,
) {
    let l = S::LANES;
    let r = n_taps / 2;
    let mut x = 0;
    while x < cols {
        // Up to BLOCK vectors of columns, the last of them possibly partial.
        let width = (BLOCK * l).min(cols - x);
        let vectors = width.div_ceil(l);
        let last = width - (vectors - 1) * l;
        for y in 0..rows {
            // Taps whose source row `y + k - r` lies inside the matrix.
            let (k0, k1) = (r.saturating_sub(y), n_taps.min(rows + r - y));
            let mut acc = [s.zero(); BLOCK];
            for k in k0..k1 {
                // SAFETY: `k < n_taps`.
                let w = s.splat(unsafe { *taps.add(k) });
                // SAFETY: `k0 <= k < k1` puts row `y + k - r` inside `0..rows`.
                let row = unsafe { src.add((y + k - r) * cols + x) };
                for (j, a) in acc.iter_mut().enumerate().take(vectors) {
                    // SAFETY: columns `x + j l ..` up to `x + width <= cols` of that row.
                    let v = unsafe {
                        if j + 1 == vectors && last < l {
                            s.load_part(row.add(j * l), last)
                        } else {
                            s.load(row.add(j * l))
                        }
                    };
                    *a = s.add(*a, s.mul(w, v));
                }
            }
            // SAFETY: row `y` of `out`, the same columns.
            let dst = unsafe { out.add(y * cols + x) };
            for (j, &a) in acc.iter().enumerate().take(vectors) {
                // SAFETY: columns `x + j l ..` up to `x + width <= cols` of
                // row `y < rows` of `out`, which holds `rows * cols` floats.
                unsafe {
                    if j + 1 == vectors && last < l {
                        s.store_part(dst.add(j * l), last, a)
                    } else {
                        s.store(dst.add(j * l), a)
                    }
                }
            }
        }
        x += width;
    }
}

kernel! {
    /// Column convolution of a `rows x cols` matrix with `n_taps` centred taps.
    pub(crate) unsafe fn convolve_columns(taps: *const f32, n_taps: usize, src: *const f32, rows: usize, cols: usize, out: *mut f32) = convolve_columns_body;
}
