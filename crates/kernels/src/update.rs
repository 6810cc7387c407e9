//! One optimiser step over a slice of parameters in one pass: the gradient
//! transformations of a chain (L2, momentum or Adam, decoupled decay, the
//! learning rate) fused, each parameter's state read and written once.
//!
//! Every operation is a separate IEEE multiply, add, divide or square root
//! in the order [`crate::reference::update_params`] gives (never an FMA), so
//! every path gives the same bits as the scalar chain it replaces.
//!
//! Every float stored (a weight, a moment) is flushed to zero below f32's
//! smallest normal ([`crate::flush_subnormal`]): weights that only decay
//! (an unlit pixel's, under Adam) would otherwise sink through the subnormal
//! range, where each x86 operation takes a microcode assist and the pass
//! runs ten times slower. For the same reason Adam's moments take a gradient
//! component too small to square as zero ([`crate::adam_gate`]).

use crate::dispatch::kernel;
use crate::simd::Simd;

/// The moment estimate an optimiser step keeps per parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Moment {
    /// None: the update is the (decayed) gradient.
    None,
    /// Momentum `v = mu v + g`; the update is `v`, or `g + mu v` with Nesterov.
    Trace {
        /// Momentum `mu`.
        mu: f32,
        /// Nesterov's look-ahead form.
        nesterov: bool,
    },
    /// Adam's bias-corrected first and second moments.
    Adam {
        /// First-moment decay.
        b1: f32,
        /// Second-moment decay.
        b2: f32,
        /// Added to the root of the second moment.
        eps: f32,
        /// `1 / (1 - b1^t)` at this step.
        c1: f32,
        /// `1 / (1 - b2^t)` at this step.
        c2: f32,
    },
}

impl Moment {
    /// State floats per parameter.
    pub fn slots(&self) -> usize {
        match self {
            Moment::None => 0,
            Moment::Trace { .. } => 1,
            Moment::Adam { .. } => 2,
        }
    }
}

/// What one optimiser step does to each parameter `w` with gradient `g`, in order:
/// `u = g + l2 w` (when `l2 != 0`), `u = moment(u)`, `u += decay w` (when
/// `decay != 0`), `w += -lr u`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ParamUpdate {
    /// L2 penalty added to the gradient before the moment.
    pub l2: f32,
    /// The moment estimate.
    pub moment: Moment,
    /// Decoupled weight decay added after the moment.
    pub decay: f32,
    /// The learning rate.
    pub lr: f32,
}

/// A full vector at `p` (`tail == 0`) or its first `tail` floats. A function,
/// not a closure: a closure that LLVM declines to inline loses the entry
/// point's target features (see `elementwise.rs`).
///
/// # Safety
/// `p` is readable over a vector, or over `tail < LANES` floats when `tail > 0`.
#[inline(always)]
unsafe fn ld<S: Simd>(s: S, p: *const f32, tail: usize) -> S::V {
    // SAFETY: with `tail == 0` the caller makes `p[..LANES]` readable, as
    // `load` needs; otherwise `p[..tail]` with `tail < LANES`, as `load_part` needs.
    unsafe {
        if tail == 0 {
            s.load(p)
        } else {
            s.load_part(p, tail)
        }
    }
}

/// Stores `x` where [`ld`] loads.
///
/// # Safety
/// `p` is writable over a vector, or over `tail < LANES` floats when `tail > 0`.
#[inline(always)]
unsafe fn st<S: Simd>(s: S, p: *mut f32, tail: usize, x: S::V) {
    // SAFETY: with `tail == 0` the caller makes `p[..LANES]` writable, as
    // `store` needs; otherwise `p[..tail]` with `tail < LANES`, as `store_part` needs.
    unsafe {
        if tail == 0 {
            s.store(p, x)
        } else {
            s.store_part(p, tail, x)
        }
    }
}

/// `x`, its lanes below f32's smallest normal in magnitude made `+0`.
#[inline(always)]
fn flush<S: Simd>(s: S, x: S::V) -> S::V {
    s.select_lt(s.abs(x), s.splat(f32::MIN_POSITIVE), s.zero(), x)
}

/// One vector of parameters: returns the new `w` and stores the new state.
///
/// # Safety
/// `m` and `v` are readable and writable over `tail < LANES` floats (a full
/// vector when `tail == 0`) when the moment uses them. `gate` is Adam's
/// [`crate::adam_gate`] (unused by other moments).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn step<S: Simd>(
    s: S,
    u: &ParamUpdate,
    w: S::V,
    g: S::V,
    m: *mut f32,
    v: *mut f32,
    tail: usize,
    gate: f32,
) -> S::V {
    let mut x = g;
    if u.l2 != 0.0 {
        x = s.add(x, s.mul(s.splat(u.l2), w));
    }
    match u.moment {
        Moment::None => {}
        Moment::Trace { mu, nesterov } => {
            let mu = s.splat(mu);
            // SAFETY: the caller's contract covers `m` for this moment.
            let m0 = unsafe { ld(s, m, tail) };
            let t = flush(s, s.add(s.mul(mu, m0), x));
            // SAFETY: the caller's contract makes `m` writable over the same floats.
            unsafe { st(s, m, tail, t) };
            x = if nesterov { s.add(x, s.mul(mu, t)) } else { t };
        }
        Moment::Adam {
            b1,
            b2,
            eps,
            c1,
            c2,
        } => {
            // A gradient component below the gate counts as zero (see
            // `crate::adam_gate`): its square would be subnormal.
            x = s.select_lt(s.abs(x), s.splat(gate), s.zero(), x);
            // SAFETY: the caller's contract covers `m` and `v` for this moment.
            let (m0, v0) = unsafe { (ld(s, m, tail), ld(s, v, tail)) };
            let mt = flush(
                s,
                s.add(s.mul(s.splat(b1), m0), s.mul(s.splat(1.0 - b1), x)),
            );
            let vt = flush(
                s,
                s.add(
                    s.mul(s.splat(b2), v0),
                    s.mul(s.mul(s.splat(1.0 - b2), x), x),
                ),
            );
            // SAFETY: the caller's contract makes `m` and `v` writable over the
            // same floats.
            unsafe {
                st(s, m, tail, mt);
                st(s, v, tail, vt);
            }
            let den = s.add(s.sqrt(s.mul(vt, s.splat(c2))), s.splat(eps));
            x = s.div(s.mul(mt, s.splat(c1)), den);
        }
    }
    if u.decay != 0.0 {
        x = s.add(x, s.mul(s.splat(u.decay), w));
    }
    flush(s, s.add(w, s.mul(x, s.splat(-u.lr))))
}

/// `w[..n]` updated from `g[..n]` by `u`, its state slot-major in `state`
/// (`m` at `state[..n]`, Adam's `v` at `state[n..2n]`).
///
/// # Safety
/// `w[..n]` is readable and writable, `g[..n]` readable, `state` readable
/// and writable over `u.moment.slots() * n` floats; none overlap.
#[inline(always)]
unsafe fn update_params_body<S: Simd>(
    s: S,
    u: &ParamUpdate,
    w: *mut f32,
    g: *const f32,
    state: *mut f32,
    n: usize,
) {
    let l = S::LANES;
    let slots = u.moment.slots();
    let m = |i: usize| {
        if slots >= 1 {
            state.wrapping_add(i)
        } else {
            state
        }
    };
    let v = |i: usize| {
        if slots >= 2 {
            state.wrapping_add(n + i)
        } else {
            state
        }
    };
    let gate = match u.moment {
        crate::Moment::Adam { b1, b2, .. } => crate::adam_gate(b1, b2),
        _ => 0.0,
    };
    let mut i = 0;
    while i + l <= n {
        // SAFETY: `i + l <= n`: a full vector of each slice and of the state
        // slots the moment uses.
        unsafe {
            let x = step(
                s,
                u,
                s.load(w.add(i)),
                s.load(g.add(i)),
                m(i),
                v(i),
                0,
                gate,
            );
            s.store(w.add(i), x);
        }
        i += l;
    }
    if i < n {
        let t = n - i;
        // SAFETY: the last `t < l` floats of each.
        unsafe {
            let x = step(
                s,
                u,
                s.load_part(w.add(i), t),
                s.load_part(g.add(i), t),
                m(i),
                v(i),
                t,
                gate,
            );
            s.store_part(w.add(i), t, x);
        }
    }
}

kernel! {
    /// See [`update_params_body`].
    pub(crate) unsafe fn update_params(u: &ParamUpdate, w: *mut f32, g: *const f32, state: *mut f32, n: usize) = update_params_body;
}
