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
use crate::elementwise::{map, zip_g, Binary, Unary};
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
fn exp_neg<S: Simd>(s: S, x: S::V) -> S::V {
    // max(lo, x) keeps a NaN x (NaN operand -> second operand).
    let xc = s.max(s.splat(EXP_MIN), x);
    let t = s.fma(xc, s.splat(LOG2E), s.splat(MAGIC));
    let n = s.sub(t, s.splat(MAGIC));
    let r = s.fma(n, s.splat(-LN2_HI), xc);
    let r = s.fma(n, s.splat(-LN2_LO), r);
    let mut p = s.splat(1.987_569_2e-4);
    p = s.fma(p, r, s.splat(1.398_199_9e-3));
    p = s.fma(p, r, s.splat(8.333_452e-3));
    p = s.fma(p, r, s.splat(4.166_579_6e-2));
    p = s.fma(p, r, s.splat(1.666_666_5e-1));
    p = s.fma(p, r, s.splat(0.5));
    let r2 = s.mul(r, r);
    let p = s.add(s.fma(p, r2, r), s.splat(1.0));
    let e = s.mul(p, s.pow2_magic(t));
    s.select_lt(x, s.splat(EXP_MIN), s.zero(), e)
}

#[inline(always)]
fn tanh_v<S: Simd>(s: S, x: S::V) -> S::V {
    let ax = s.abs(x);
    // |x| < 0.55: x + x^3 P(x^2), least-squares fit, rel. error ~2e-9 before rounding.
    let x2 = s.mul(x, x);
    let mut p = s.splat(-6.296_012e-3);
    p = s.fma(p, x2, s.splat(2.108_818_5e-2));
    p = s.fma(p, x2, s.splat(-5.385_666_3e-2));
    p = s.fma(p, x2, s.splat(1.333_263_2e-1));
    p = s.fma(p, x2, s.splat(-3.333_332e-1));
    let small = s.fma(s.mul(x, x2), p, x);
    // otherwise: (1 - e) / (1 + e), e = exp(-2|x|), sign restored.
    let e = exp_neg(s, s.mul(ax, s.splat(-2.0)));
    let one = s.splat(1.0);
    let big = s.div(s.sub(one, e), s.add(one, e));
    let big = s.select_lt(x, s.zero(), s.sub(s.zero(), big), big);
    let t = s.select_lt(ax, s.splat(TANH_SMALL), small, big);
    // tanh(x) == x in f32 for tiny |x|; returning x also keeps the sign of -0.
    s.select_lt(ax, s.splat(1e-20), x, t)
}

#[inline(always)]
fn sigmoid_v<S: Simd>(s: S, x: S::V) -> S::V {
    // e = exp(-|x|) in (0, 1]; x >= 0: 1 / (1 + e), x < 0: e / (1 + e).
    let e = exp_neg(s, s.sub(s.zero(), s.abs(x)));
    let one = s.splat(1.0);
    let num = s.select_lt(x, s.zero(), e, one);
    s.div(num, s.add(one, e))
}

#[inline(always)]
fn relu_v<S: Simd>(s: S, x: S::V) -> S::V {
    // x > 0 ? x : 0 (NaN -> 0, -0 -> +0), same as the reference.
    s.max(x, s.zero())
}

#[derive(Clone, Copy)]
struct Tanh;
#[derive(Clone, Copy)]
struct Sigmoid;
#[derive(Clone, Copy)]
struct Relu;
struct TanhDeriv(f32);
struct SigmoidDeriv;
struct ReluDeriv;

impl<S: Simd> Unary<S> for Tanh {
    #[inline(always)]
    fn apply(&self, s: S, x: S::V) -> S::V {
        tanh_v(s, x)
    }
}

impl<S: Simd> Unary<S> for Sigmoid {
    #[inline(always)]
    fn apply(&self, s: S, x: S::V) -> S::V {
        sigmoid_v(s, x)
    }
}

impl<S: Simd> Unary<S> for Relu {
    #[inline(always)]
    fn apply(&self, s: S, x: S::V) -> S::V {
        relu_v(s, x)
    }
}

// Derivatives use plain mul/sub (no fma) so every path matches the reference bit for bit.
impl<S: Simd> Binary<S> for TanhDeriv {
    #[inline(always)]
    fn apply(&self, s: S, y: S::V, g: S::V) -> S::V {
        let one_minus_y2 = s.sub(s.splat(1.0), s.mul(y, y));
        s.mul(g, s.mul(s.splat(self.0), one_minus_y2))
    }
}

impl<S: Simd> Binary<S> for SigmoidDeriv {
    #[inline(always)]
    fn apply(&self, s: S, y: S::V, g: S::V) -> S::V {
        s.mul(g, s.mul(y, s.sub(s.splat(1.0), y)))
    }
}

impl<S: Simd> Binary<S> for ReluDeriv {
    #[inline(always)]
    fn apply(&self, s: S, z: S::V, g: S::V) -> S::V {
        s.select_lt(s.zero(), z, g, s.zero())
    }
}

/// # Safety
/// The module's contract.
#[inline(always)]
unsafe fn tanh_body<S: Simd>(s: S, x: *const f32, y: *mut f32, n: usize) {
    // SAFETY: `x[..n]` readable and `y[..n]` writable, the same pointer or
    // disjoint (this module's contract), is what `map` requires.
    unsafe { map(s, Tanh, x, y, n) };
}

/// # Safety
/// The module's contract.
#[inline(always)]
unsafe fn sigmoid_body<S: Simd>(s: S, x: *const f32, y: *mut f32, n: usize) {
    // SAFETY: `x[..n]` readable and `y[..n]` writable, the same pointer or
    // disjoint (this module's contract), is what `map` requires.
    unsafe { map(s, Sigmoid, x, y, n) };
}

/// # Safety
/// The module's contract.
#[inline(always)]
unsafe fn relu_body<S: Simd>(s: S, x: *const f32, y: *mut f32, n: usize) {
    // SAFETY: `x[..n]` readable and `y[..n]` writable, the same pointer or
    // disjoint (this module's contract), is what `map` requires.
    unsafe { map(s, Relu, x, y, n) };
}

/// # Safety
/// `y[..n]` is readable and `g[..n]` writable; they do not overlap (not
/// even in place: the wrappers take `y` shared and `g` exclusive).
#[inline(always)]
unsafe fn mul_tanh_deriv_body<S: Simd>(s: S, y: *const f32, factor: f32, g: *mut f32, n: usize) {
    // SAFETY: `y[..n]` readable and `g[..n]` writable and disjoint (this
    // function's contract) is what `zip_g` requires.
    unsafe { zip_g(s, TanhDeriv(factor), y, g, n) };
}

/// # Safety
/// `y[..n]` is readable and `g[..n]` writable; they do not overlap (not
/// even in place: the wrappers take `y` shared and `g` exclusive).
#[inline(always)]
unsafe fn mul_sigmoid_deriv_body<S: Simd>(s: S, y: *const f32, g: *mut f32, n: usize) {
    // SAFETY: `y[..n]` readable and `g[..n]` writable and disjoint (this
    // function's contract) is what `zip_g` requires.
    unsafe { zip_g(s, SigmoidDeriv, y, g, n) };
}

/// # Safety
/// `z[..n]` is readable and `g[..n]` writable; they do not overlap (not
/// even in place: the wrappers take `z` shared and `g` exclusive).
#[inline(always)]
unsafe fn mul_relu_deriv_body<S: Simd>(s: S, z: *const f32, g: *mut f32, n: usize) {
    // SAFETY: `z[..n]` readable and `g[..n]` writable and disjoint (this
    // function's contract) is what `zip_g` requires.
    unsafe { zip_g(s, ReluDeriv, z, g, n) };
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

/// `z[r] += b` and `a[r] = f(z[r])` for each row `r` of `rows` rows of `b.len()`, in one pass.
///
/// # Safety
/// `z` and `a` hold `rows * width` floats each and do not overlap; `b` holds `width`.
#[inline(always)]
unsafe fn bias_map<S: Simd, O: Unary<S> + Copy>(
    s: S,
    op: O,
    b: *const f32,
    width: usize,
    rows: usize,
    z: *mut f32,
    a: *mut f32,
) {
    let l = S::LANES;
    for r in 0..rows {
        let (z, a) = (z.wrapping_add(r * width), a.wrapping_add(r * width));
        let mut i = 0;
        while i + l <= width {
            // SAFETY: `i + l <= width`: a full vector of the row and of `b`.
            unsafe {
                let v = s.add(s.load(z.add(i)), s.load(b.add(i)));
                s.store(z.add(i), v);
                s.store(a.add(i), op.apply(s, v));
            }
            i += l;
        }
        if i < width {
            let t = width - i;
            // SAFETY: the row's last `t < l` floats, and `b`'s.
            unsafe {
                let v = s.add(s.load_part(z.add(i), t), s.load_part(b.add(i), t));
                s.store_part(z.add(i), t, v);
                s.store_part(a.add(i), t, op.apply(s, v));
            }
        }
    }
}

macro_rules! bias_kernel {
    ($body:ident, $name:ident, $op:expr, $doc:literal) => {
        /// # Safety
        /// As [`bias_map`].
        #[inline(always)]
        unsafe fn $body<S: Simd>(s: S, b: *const f32, width: usize, rows: usize, z: *mut f32, a: *mut f32) {
            // SAFETY: this function's contract is `bias_map`'s (`z`, `a`
            // hold `rows * width` floats each and are disjoint, `b` `width`).
            unsafe { bias_map(s, $op, b, width, rows, z, a) };
        }
        kernel! {
            #[doc = $doc]
            pub(crate) unsafe fn $name(b: *const f32, width: usize, rows: usize, z: *mut f32, a: *mut f32) = $body;
        }
    };
}

bias_kernel!(
    bias_relu_body,
    bias_relu,
    Relu,
    "`z += b` per row, then `a = max(z, 0)`."
);
bias_kernel!(
    bias_tanh_body,
    bias_tanh,
    Tanh,
    "`z += b` per row, then `a = tanh(z)`."
);
bias_kernel!(
    bias_sigmoid_body,
    bias_sigmoid,
    Sigmoid,
    "`z += b` per row, then `a = sigmoid(z)`."
);
