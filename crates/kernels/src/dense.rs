//! Dense vector and matrix kernels (generic bodies + per-path entry points).
//!
//! Contract of every `unsafe fn` here: pointers are valid for the lengths the
//! public wrapper in `lib.rs` checked; output ranges do not overlap inputs.

use crate::blocked::{for_each_col_block, AllRows, GemvT};
use crate::dispatch::kernel;
use crate::simd::Simd;

/// `sum_i a[i] * b[i]` with four vector accumulators.
#[inline(always)]
pub(crate) unsafe fn dot_body<S: Simd>(a: *const f32, b: *const f32, n: usize) -> f32 {
    let l = S::LANES;
    let mut acc = [S::zero(); 4];
    let mut i = 0;
    while i + 4 * l <= n {
        for (j, s) in acc.iter_mut().enumerate() {
            let o = i + j * l;
            *s = S::fma(S::load(a.add(o)), S::load(b.add(o)), *s);
        }
        i += 4 * l;
    }
    while i + l <= n {
        acc[0] = S::fma(S::load(a.add(i)), S::load(b.add(i)), acc[0]);
        i += l;
    }
    if i < n {
        let t = n - i;
        acc[1] = S::fma(S::load_part(a.add(i), t), S::load_part(b.add(i), t), acc[1]);
    }
    S::hsum(S::add(S::add(acc[0], acc[1]), S::add(acc[2], acc[3])))
}

/// `y[i] = fma(alpha, x[i], y[i])` for `i < n`.
#[inline(always)]
pub(crate) unsafe fn axpy_body<S: Simd>(alpha: f32, x: *const f32, y: *mut f32, n: usize) {
    let l = S::LANES;
    let av = S::splat(alpha);
    let mut i = 0;
    while i + 2 * l <= n {
        let y0 = S::fma(av, S::load(x.add(i)), S::load(y.add(i)));
        let y1 = S::fma(av, S::load(x.add(i + l)), S::load(y.add(i + l)));
        S::store(y.add(i), y0);
        S::store(y.add(i + l), y1);
        i += 2 * l;
    }
    if i + l <= n {
        S::store(y.add(i), S::fma(av, S::load(x.add(i)), S::load(y.add(i))));
        i += l;
    }
    if i < n {
        let t = n - i;
        let v = S::fma(av, S::load_part(x.add(i), t), S::load_part(y.add(i), t));
        S::store_part(y.add(i), t, v);
    }
}

#[inline(always)]
unsafe fn scale_body<S: Simd>(alpha: f32, x: *mut f32, n: usize) {
    let l = S::LANES;
    let av = S::splat(alpha);
    let mut i = 0;
    while i + l <= n {
        S::store(x.add(i), S::mul(av, S::load(x.add(i))));
        i += l;
    }
    if i < n {
        let t = n - i;
        S::store_part(x.add(i), t, S::mul(av, S::load_part(x.add(i), t)));
    }
}

#[inline(always)]
unsafe fn gemv_body<S: Simd>(a: *const f32, cols: usize, x: *const f32, y: *mut f32, rows: usize) {
    for r in 0..rows {
        *y.add(r) = dot_body::<S>(a.add(r * cols), x, cols);
    }
}

#[inline(always)]
unsafe fn gemv_t_body<S: Simd>(
    a: *const f32,
    cols: usize,
    x: *const f32,
    y: *mut f32,
    rows: usize,
) {
    let rows = AllRows(rows);
    for_each_col_block::<S, _>(
        S::GEMV_BLOCK,
        cols,
        &GemvT {
            a,
            cols,
            rows,
            vals: x,
            y,
            add: false,
            prefetch: true,
        },
    );
}

#[inline(always)]
unsafe fn ger_body<S: Simd>(
    alpha: f32,
    x: *const f32,
    rows: usize,
    y: *const f32,
    cols: usize,
    a: *mut f32,
) {
    for r in 0..rows {
        axpy_body::<S>(alpha * *x.add(r), y, a.add(r * cols), cols);
    }
}

kernel! {
    /// `a[..n] . b[..n]`.
    pub(crate) unsafe fn dot(a: *const f32, b: *const f32, n: usize) -> f32 = dot_body;
}
kernel! {
    /// `y[..n] += alpha * x[..n]`.
    pub(crate) unsafe fn axpy(alpha: f32, x: *const f32, y: *mut f32, n: usize) = axpy_body;
}
kernel! {
    /// `x[..n] *= alpha`.
    pub(crate) unsafe fn scale(alpha: f32, x: *mut f32, n: usize) = scale_body;
}
kernel! {
    /// `y[..rows] = A x`, `A` is `rows x cols`.
    pub(crate) unsafe fn gemv(a: *const f32, cols: usize, x: *const f32, y: *mut f32, rows: usize) = gemv_body;
}
kernel! {
    /// `y[..cols] = A^T x`, `A` is `rows x cols`, `x` has `rows` entries.
    pub(crate) unsafe fn gemv_t(a: *const f32, cols: usize, x: *const f32, y: *mut f32, rows: usize) = gemv_t_body;
}
kernel! {
    /// `A += alpha x y^T`, `A` is `rows x cols`.
    pub(crate) unsafe fn ger(alpha: f32, x: *const f32, rows: usize, y: *const f32, cols: usize, a: *mut f32) = ger_body;
}
