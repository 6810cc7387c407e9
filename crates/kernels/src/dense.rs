//! Dense vector and matrix kernels (generic bodies + per-path entry points).
//!
//! Contract of every `unsafe fn` here: pointers are valid for the lengths the
//! public wrapper in `lib.rs` checked; output ranges do not overlap inputs.

use crate::blocked::{AllRows, GemvT};
use crate::dispatch::kernel;
use crate::elementwise::{map, Unary};
use crate::simd::Simd;

/// `sum_i a[i] * b[i]` with four vector accumulators.
///
/// # Safety
/// `a[..n]` and `b[..n]` are readable.
#[inline(always)]
pub(crate) unsafe fn dot_body<S: Simd>(s: S, a: *const f32, b: *const f32, n: usize) -> f32 {
    let l = S::LANES;
    let mut acc = [s.zero(); 4];
    let mut i = 0;
    while i + 4 * l <= n {
        for (j, sum) in acc.iter_mut().enumerate() {
            let o = i + j * l;
            // SAFETY: `o + l <= i + 4l <= n`: inside both inputs.
            let (x, y) = unsafe { (s.load(a.add(o)), s.load(b.add(o))) };
            *sum = s.fma(x, y, *sum);
        }
        i += 4 * l;
    }
    while i + l <= n {
        // SAFETY: `i + l <= n`.
        let (x, y) = unsafe { (s.load(a.add(i)), s.load(b.add(i))) };
        acc[0] = s.fma(x, y, acc[0]);
        i += l;
    }
    if i < n {
        let t = n - i;
        // SAFETY: the last `t < l` elements of both inputs.
        let (x, y) = unsafe { (s.load_part(a.add(i), t), s.load_part(b.add(i), t)) };
        acc[1] = s.fma(x, y, acc[1]);
    }
    s.hsum(s.add(s.add(acc[0], acc[1]), s.add(acc[2], acc[3])))
}

/// `y[i] = fma(alpha, x[i], y[i])` for `i < n`.
///
/// # Safety
/// `x[..n]` is readable, `y[..n]` writable, and they do not overlap.
#[inline(always)]
pub(crate) unsafe fn axpy_body<S: Simd>(s: S, alpha: f32, x: *const f32, y: *mut f32, n: usize) {
    let l = S::LANES;
    let av = s.splat(alpha);
    let mut i = 0;
    while i + 2 * l <= n {
        // SAFETY: `i + 2l <= n`: two whole vectors of `x` and `y`.
        unsafe {
            let y0 = s.fma(av, s.load(x.add(i)), s.load(y.add(i)));
            let y1 = s.fma(av, s.load(x.add(i + l)), s.load(y.add(i + l)));
            s.store(y.add(i), y0);
            s.store(y.add(i + l), y1);
        }
        i += 2 * l;
    }
    if i + l <= n {
        // SAFETY: `i + l <= n`: one whole vector.
        unsafe { s.store(y.add(i), s.fma(av, s.load(x.add(i)), s.load(y.add(i)))) };
        i += l;
    }
    if i < n {
        let t = n - i;
        // SAFETY: the last `t < l` elements.
        unsafe {
            let v = s.fma(av, s.load_part(x.add(i), t), s.load_part(y.add(i), t));
            s.store_part(y.add(i), t, v);
        }
    }
}

/// Multiplying by a scalar, as a lane-wise operation.
struct Scale<V>(V);

impl<S: Simd> Unary<S> for Scale<S::V> {
    #[inline(always)]
    fn apply(&self, s: S, x: S::V) -> S::V {
        s.mul(self.0, x)
    }
}

/// `x[i] *= alpha` for `i < n`.
///
/// # Safety
/// `x[..n]` is writable.
#[inline(always)]
unsafe fn scale_body<S: Simd>(s: S, alpha: f32, x: *mut f32, n: usize) {
    // SAFETY: in place over the caller's `n` floats.
    unsafe { map(s, Scale(s.splat(alpha)), x, x, n) };
}

/// `y[..rows] = A x`.
///
/// # Safety
/// `a[..rows * cols]` and `x[..cols]` are readable, `y[..rows]` writable, not overlapping them.
#[inline(always)]
unsafe fn gemv_body<S: Simd>(
    s: S,
    a: *const f32,
    cols: usize,
    x: *const f32,
    y: *mut f32,
    rows: usize,
) {
    for r in 0..rows {
        // SAFETY: row `r < rows` of `a` holds `cols` floats; `y[r]` is writable.
        unsafe { *y.add(r) = dot_body(s, a.add(r * cols), x, cols) };
    }
}

/// `y[..cols] = A^T x`.
///
/// # Safety
/// `a[..rows * cols]` and `x[..rows]` are readable, `y[..cols]` writable, not overlapping them.
#[inline(always)]
unsafe fn gemv_t_body<S: Simd>(
    s: S,
    a: *const f32,
    cols: usize,
    x: *const f32,
    y: *mut f32,
    rows: usize,
) {
    let b = GemvT::new(a, cols, AllRows(rows), x, y);
    // SAFETY: `GemvT`'s contract is this function's: every row `< rows` of
    // `a` readable for `cols` floats, `x` for `rows`, `y` for `cols`.
    unsafe { b.run(s, cols) };
}

/// `A += alpha x y^T`.
///
/// # Safety
/// `x[..rows]` and `y[..cols]` are readable, `a[..rows * cols]` writable, not overlapping them.
#[inline(always)]
unsafe fn ger_body<S: Simd>(
    s: S,
    alpha: f32,
    x: *const f32,
    rows: usize,
    y: *const f32,
    cols: usize,
    a: *mut f32,
) {
    for r in 0..rows {
        // SAFETY: `x[r]` is readable and row `r` of `a` holds `cols` floats.
        unsafe { axpy_body(s, alpha * *x.add(r), y, a.add(r * cols), cols) };
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
