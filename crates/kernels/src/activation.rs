//! Vectorized activations (tanh, sigmoid, relu) and backprop derivative-multiply kernels.
//!
//! `tanh` and `sigmoid` are built on [`exp_neg`]: Cody-Waite range reduction
//! `x = n ln2 + r`, `|r| <= ln2/2`, the Cephes `expf` degree-5 polynomial for
//! `e^r`, and `2^n` assembled in the exponent bits. Small `|x|` tanh uses an
//! odd polynomial instead (no cancellation), so tanh keeps relative accuracy
//! near 0. Measured accuracy against f64 is asserted in the tests (see crate docs).
//!
//! Contract of every `unsafe fn` here: pointers valid for `n` floats; an
//! output either equals its input pointer (in-place) or does not overlap it.

use crate::dispatch::kernel;
use crate::simd::Simd;

/// `1.5 * 2^23`: adding it rounds a float in `(-2^22, 2^22)` to an integer.
const MAGIC: f32 = 12_582_912.0;
const LOG2E: f32 = std::f32::consts::LOG2_E;
/// ln 2 split for Cody-Waite: `LN2_HI` has 9 significant bits, so `n * LN2_HI` is exact.
const LN2_HI: f32 = 0.693_359_4;
const LN2_LO: f32 = -2.121_944_4e-4;
/// Below this `exp` underflows to (sub)normal range; `exp_neg` returns 0.
const EXP_MIN: f32 = -87.3;
/// Below this `|x|`, tanh uses the odd polynomial.
const TANH_SMALL: f32 = 0.55;

/// `e^x` for `x <= 0` (and NaN), relative error ~1e-7; exactly 0 below [`EXP_MIN`].
#[inline(always)]
unsafe fn exp_neg<S: Simd>(x: S::V) -> S::V {
    // max(lo, x) keeps a NaN x (NaN operand -> second operand).
    let xc = S::max(S::splat(EXP_MIN), x);
    let t = S::fma(xc, S::splat(LOG2E), S::splat(MAGIC));
    let n = S::sub(t, S::splat(MAGIC));
    let r = S::fma(n, S::splat(-LN2_HI), xc);
    let r = S::fma(n, S::splat(-LN2_LO), r);
    let mut p = S::splat(1.987_569_2e-4);
    p = S::fma(p, r, S::splat(1.398_199_9e-3));
    p = S::fma(p, r, S::splat(8.333_452e-3));
    p = S::fma(p, r, S::splat(4.166_579_6e-2));
    p = S::fma(p, r, S::splat(1.666_666_5e-1));
    p = S::fma(p, r, S::splat(0.5));
    let r2 = S::mul(r, r);
    let p = S::add(S::fma(p, r2, r), S::splat(1.0));
    let e = S::mul(p, S::pow2_magic(t));
    S::select_lt(x, S::splat(EXP_MIN), S::zero(), e)
}

#[inline(always)]
unsafe fn tanh_v<S: Simd>(x: S::V) -> S::V {
    let ax = S::abs(x);
    // |x| < 0.55: x + x^3 P(x^2), least-squares fit, rel. error ~2e-9 before rounding.
    let x2 = S::mul(x, x);
    let mut p = S::splat(-6.296_012e-3);
    p = S::fma(p, x2, S::splat(2.108_818_5e-2));
    p = S::fma(p, x2, S::splat(-5.385_666_3e-2));
    p = S::fma(p, x2, S::splat(1.333_263_2e-1));
    p = S::fma(p, x2, S::splat(-3.333_332e-1));
    let small = S::fma(S::mul(x, x2), p, x);
    // otherwise: (1 - e) / (1 + e), e = exp(-2|x|), sign restored.
    let e = exp_neg::<S>(S::mul(ax, S::splat(-2.0)));
    let one = S::splat(1.0);
    let big = S::div(S::sub(one, e), S::add(one, e));
    let big = S::select_lt(x, S::zero(), S::sub(S::zero(), big), big);
    let t = S::select_lt(ax, S::splat(TANH_SMALL), small, big);
    // tanh(x) == x in f32 for tiny |x|; returning x also keeps the sign of -0.
    S::select_lt(ax, S::splat(1e-20), x, t)
}

#[inline(always)]
unsafe fn sigmoid_v<S: Simd>(x: S::V) -> S::V {
    // e = exp(-|x|) in (0, 1]; x >= 0: 1 / (1 + e), x < 0: e / (1 + e).
    let e = exp_neg::<S>(S::sub(S::zero(), S::abs(x)));
    let one = S::splat(1.0);
    let num = S::select_lt(x, S::zero(), e, one);
    S::div(num, S::add(one, e))
}

#[inline(always)]
unsafe fn relu_v<S: Simd>(x: S::V) -> S::V {
    // x > 0 ? x : 0 (NaN -> 0, -0 -> +0), same as the reference.
    S::max(x, S::zero())
}

/// Applies `f` lane-wise: `y[i] = f(x[i])`; `y == x` allowed.
#[inline(always)]
unsafe fn map<S: Simd>(x: *const f32, y: *mut f32, n: usize, f: impl Fn(S::V) -> S::V) {
    let l = S::LANES;
    let mut i = 0;
    while i + l <= n {
        S::store(y.add(i), f(S::load(x.add(i))));
        i += l;
    }
    if i < n {
        let t = n - i;
        S::store_part(y.add(i), t, f(S::load_part(x.add(i), t)));
    }
}

/// `g[i] = f(a[i], g[i])`.
#[inline(always)]
unsafe fn zip_g<S: Simd>(a: *const f32, g: *mut f32, n: usize, f: impl Fn(S::V, S::V) -> S::V) {
    let l = S::LANES;
    let mut i = 0;
    while i + l <= n {
        S::store(g.add(i), f(S::load(a.add(i)), S::load(g.add(i))));
        i += l;
    }
    if i < n {
        let t = n - i;
        S::store_part(
            g.add(i),
            t,
            f(S::load_part(a.add(i), t), S::load_part(g.add(i), t)),
        );
    }
}

#[inline(always)]
unsafe fn tanh_body<S: Simd>(x: *const f32, y: *mut f32, n: usize) {
    map::<S>(x, y, n, |v| tanh_v::<S>(v));
}

#[inline(always)]
unsafe fn sigmoid_body<S: Simd>(x: *const f32, y: *mut f32, n: usize) {
    map::<S>(x, y, n, |v| sigmoid_v::<S>(v));
}

#[inline(always)]
unsafe fn relu_body<S: Simd>(x: *const f32, y: *mut f32, n: usize) {
    map::<S>(x, y, n, |v| relu_v::<S>(v));
}

#[inline(always)]
unsafe fn mul_tanh_deriv_body<S: Simd>(y: *const f32, factor: f32, g: *mut f32, n: usize) {
    // Plain mul/sub (no fma) so every path matches the reference bit for bit.
    let one = S::splat(1.0);
    let fv = S::splat(factor);
    zip_g::<S>(y, g, n, |y, g| {
        S::mul(g, S::mul(fv, S::sub(one, S::mul(y, y))))
    });
}

#[inline(always)]
unsafe fn mul_sigmoid_deriv_body<S: Simd>(y: *const f32, g: *mut f32, n: usize) {
    let one = S::splat(1.0);
    zip_g::<S>(y, g, n, |y, g| S::mul(g, S::mul(y, S::sub(one, y))));
}

#[inline(always)]
unsafe fn mul_relu_deriv_body<S: Simd>(z: *const f32, g: *mut f32, n: usize) {
    zip_g::<S>(z, g, n, |z, g| S::select_lt(S::zero(), z, g, S::zero()));
}

kernel! {
    /// `y[i] = tanh(x[i])` for `i < n` (`y == x` allowed).
    pub(crate) unsafe fn tanh(x: *const f32, y: *mut f32, n: usize) = tanh_body;
}
kernel! {
    /// `y[i] = 1 / (1 + exp(-x[i]))` for `i < n` (`y == x` allowed).
    pub(crate) unsafe fn sigmoid(x: *const f32, y: *mut f32, n: usize) = sigmoid_body;
}
kernel! {
    /// `y[i] = max(x[i], 0)` for `i < n` (`y == x` allowed).
    pub(crate) unsafe fn relu(x: *const f32, y: *mut f32, n: usize) = relu_body;
}
kernel! {
    /// `g[i] *= factor * (1 - y[i]^2)`.
    pub(crate) unsafe fn mul_tanh_deriv(y: *const f32, factor: f32, g: *mut f32, n: usize) = mul_tanh_deriv_body;
}
kernel! {
    /// `g[i] *= y[i] * (1 - y[i])`.
    pub(crate) unsafe fn mul_sigmoid_deriv(y: *const f32, g: *mut f32, n: usize) = mul_sigmoid_deriv_body;
}
kernel! {
    /// `g[i] = if z[i] > 0 { g[i] } else { 0 }`.
    pub(crate) unsafe fn mul_relu_deriv(z: *const f32, g: *mut f32, n: usize) = mul_relu_deriv_body;
}
