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

/// A lane-wise unary operation. A trait with an `#[inline(always)]` method
/// rather than a closure: closures are separate functions without the entry
/// point's target features, and if LLVM declines to inline one, every
/// intrinsic inside becomes an out-of-line call (~50x slower).
trait Unary<S: Simd> {
    /// Applies the operation to one vector.
    unsafe fn apply(&self, x: S::V) -> S::V;
}

/// A lane-wise `g = op(a, g)` operation (derivative kernels); see [`Unary`].
trait Binary<S: Simd> {
    /// Applies the operation to one vector of `a` and `g`.
    unsafe fn apply(&self, a: S::V, g: S::V) -> S::V;
}

struct Tanh;
struct Sigmoid;
struct Relu;
struct TanhDeriv(f32);
struct SigmoidDeriv;
struct ReluDeriv;

impl<S: Simd> Unary<S> for Tanh {
    #[inline(always)]
    unsafe fn apply(&self, x: S::V) -> S::V {
        tanh_v::<S>(x)
    }
}

impl<S: Simd> Unary<S> for Sigmoid {
    #[inline(always)]
    unsafe fn apply(&self, x: S::V) -> S::V {
        sigmoid_v::<S>(x)
    }
}

impl<S: Simd> Unary<S> for Relu {
    #[inline(always)]
    unsafe fn apply(&self, x: S::V) -> S::V {
        relu_v::<S>(x)
    }
}

// Derivatives use plain mul/sub (no fma) so every path matches the reference bit for bit.
impl<S: Simd> Binary<S> for TanhDeriv {
    #[inline(always)]
    unsafe fn apply(&self, y: S::V, g: S::V) -> S::V {
        let one_minus_y2 = S::sub(S::splat(1.0), S::mul(y, y));
        S::mul(g, S::mul(S::splat(self.0), one_minus_y2))
    }
}

impl<S: Simd> Binary<S> for SigmoidDeriv {
    #[inline(always)]
    unsafe fn apply(&self, y: S::V, g: S::V) -> S::V {
        S::mul(g, S::mul(y, S::sub(S::splat(1.0), y)))
    }
}

impl<S: Simd> Binary<S> for ReluDeriv {
    #[inline(always)]
    unsafe fn apply(&self, z: S::V, g: S::V) -> S::V {
        S::select_lt(S::zero(), z, g, S::zero())
    }
}

/// `y[i] = op(x[i])`; `y == x` allowed.
#[inline(always)]
unsafe fn map<S: Simd, O: Unary<S>>(op: O, x: *const f32, y: *mut f32, n: usize) {
    let l = S::LANES;
    let mut i = 0;
    while i + l <= n {
        S::store(y.add(i), op.apply(S::load(x.add(i))));
        i += l;
    }
    if i < n {
        let t = n - i;
        S::store_part(y.add(i), t, op.apply(S::load_part(x.add(i), t)));
    }
}

/// `g[i] = op(a[i], g[i])`.
#[inline(always)]
unsafe fn zip_g<S: Simd, O: Binary<S>>(op: O, a: *const f32, g: *mut f32, n: usize) {
    let l = S::LANES;
    let mut i = 0;
    while i + l <= n {
        S::store(g.add(i), op.apply(S::load(a.add(i)), S::load(g.add(i))));
        i += l;
    }
    if i < n {
        let t = n - i;
        let v = op.apply(S::load_part(a.add(i), t), S::load_part(g.add(i), t));
        S::store_part(g.add(i), t, v);
    }
}

#[inline(always)]
unsafe fn tanh_body<S: Simd>(x: *const f32, y: *mut f32, n: usize) {
    map::<S, _>(Tanh, x, y, n);
}

#[inline(always)]
unsafe fn sigmoid_body<S: Simd>(x: *const f32, y: *mut f32, n: usize) {
    map::<S, _>(Sigmoid, x, y, n);
}

#[inline(always)]
unsafe fn relu_body<S: Simd>(x: *const f32, y: *mut f32, n: usize) {
    map::<S, _>(Relu, x, y, n);
}

#[inline(always)]
unsafe fn mul_tanh_deriv_body<S: Simd>(y: *const f32, factor: f32, g: *mut f32, n: usize) {
    zip_g::<S, _>(TanhDeriv(factor), y, g, n);
}

#[inline(always)]
unsafe fn mul_sigmoid_deriv_body<S: Simd>(y: *const f32, g: *mut f32, n: usize) {
    zip_g::<S, _>(SigmoidDeriv, y, g, n);
}

#[inline(always)]
unsafe fn mul_relu_deriv_body<S: Simd>(z: *const f32, g: *mut f32, n: usize) {
    zip_g::<S, _>(ReluDeriv, z, g, n);
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
