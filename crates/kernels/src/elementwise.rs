//! Lane-wise kernels over whole vectors and a tail: the shape of every
//! activation, its derivative, and scaling.

use crate::simd::Simd;

/// A lane-wise unary operation. A trait with an `#[inline(always)]` method
/// rather than a closure: closures are separate functions without the entry
/// point's target features, and if LLVM declines to inline one, every
/// intrinsic inside becomes an out-of-line call (~50x slower).
pub(crate) trait Unary<S: Simd> {
    /// Applies the operation to one vector.
    fn apply(&self, s: S, x: S::V) -> S::V;
}

/// A lane-wise `g = op(a, g)` operation (derivative kernels); see [`Unary`].
pub(crate) trait Binary<S: Simd> {
    /// Applies the operation to one vector of `a` and `g`.
    fn apply(&self, s: S, a: S::V, g: S::V) -> S::V;
}

/// `y[i] = op(x[i])`; `y == x` allowed.
///
/// # Safety
/// `x[..n]` is readable and `y[..n]` writable; they are the same or do not overlap.
#[inline(always)]
pub(crate) unsafe fn map<S: Simd, O: Unary<S>>(s: S, op: O, x: *const f32, y: *mut f32, n: usize) {
    let l = S::LANES;
    let mut i = 0;
    while i + l <= n {
        // SAFETY: `i + l <= n`; reading a vector before writing it keeps `y == x` correct.
        unsafe { s.store(y.add(i), op.apply(s, s.load(x.add(i)))) };
        i += l;
    }
    if i < n {
        let t = n - i;
        // SAFETY: the last `t < l` elements.
        unsafe { s.store_part(y.add(i), t, op.apply(s, s.load_part(x.add(i), t))) };
    }
}

/// `g[i] = op(a[i], g[i])`.
///
/// # Safety
/// `a[..n]` is readable and `g[..n]` writable; they do not overlap.
#[inline(always)]
pub(crate) unsafe fn zip_g<S: Simd, O: Binary<S>>(
    s: S,
    op: O,
    a: *const f32,
    g: *mut f32,
    n: usize,
) {
    let l = S::LANES;
    let mut i = 0;
    while i + l <= n {
        // SAFETY: `i + l <= n`.
        unsafe { s.store(g.add(i), op.apply(s, s.load(a.add(i)), s.load(g.add(i)))) };
        i += l;
    }
    if i < n {
        let t = n - i;
        // SAFETY: the last `t < l` elements.
        unsafe {
            let v = op.apply(s, s.load_part(a.add(i), t), s.load_part(g.add(i), t));
            s.store_part(g.add(i), t, v);
        }
    }
}
