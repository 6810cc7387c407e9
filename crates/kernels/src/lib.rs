//! f32 kernels for MLP training: dense and sparse matrix-vector products,
//! rank-1 updates and activations, with runtime SIMD dispatch; checked matrix
//! products over matrixmultiply's sgemm ([`gemm`]) and the fused softmax
//! cross-entropy gradient for minibatches.
//!
//! Every kernel is one safe function. Inside, the instruction set is chosen once
//! per process (AVX-512F, AVX2+FMA, or portable Rust) from CPU features; the
//! environment variable `MLP_SIMD=portable|avx2|avx512|portable16` can force
//! another path the CPU has (an unknown or unsupported value is reported on
//! stderr and ignored).
//! [`with_path`] forces a path on the current thread (tests, benchmarks).
//!
//! Matrices are row-major `f32` slices; `cols` is the row length. Kernels never
//! allocate. They panic (via `assert!`) only on inconsistent lengths and, for
//! sparse kernels, on index lists that are not strictly increasing or out of range.
//!
//! Semantics are specified by [`reference`](mod@reference). FMA paths round `a * b + c` once;
//! sums over rows (`gemv_t`, sparse kernels) run in row order exactly like the
//! reference, so `sparse_ger_then_gemv_t` is bit-identical to `sparse_ger`
//! followed by `sparse_gemv_t` on the same path, and [`block_pass`] (a block of
//! held-back sparse updates, then a block of sparse reads, in one pass) to
//! those kernels applied one slot at a time. `dot`/`gemv` use several partial
//! sums (different rounding order).
//!
//! Accuracy of [`tanh`] and [`sigmoid`] (all paths, whole f32 range, vs f64):
//! absolute error <= 1.5e-7 and relative error <= 5e-7 (measured: 8.9e-8 and
//! 1.8e-7), tanh everywhere, sigmoid relative for `x >= -87` (below, it returns
//! ~0 with absolute error < 1e-37; it is exactly 0 below -87.3).
//! Both saturate cleanly: `tanh(±inf) = ±1`, `sigmoid(-inf) = 0`, `sigmoid(inf) = 1`;
//! NaN in gives NaN out.
//!
//! # Paths and what their tests cover
//!
//! Each path is one zero-sized kernel type implementing one trait of vector
//! operations (`simd::Simd`); every kernel is one generic body that all paths
//! share, instantiated in a thin `#[target_feature]` entry point per path. The
//! crate's tests run every kernel on every path the CPU has against the
//! [`reference`](mod@reference) and print which paths they tested and which they skipped;
//! with `MLP_REQUIRE_SIMD=avx2+fma` (comma-separated path names) they fail
//! when a named path could not run. The AVX-512F path runs in those tests on
//! a CPU that has it (this project's machines do, and CI requires it there
//! with `MLP_REQUIRE_SIMD=avx512f,avx2+fma`). Its kernel bodies are the
//! generic ones, and the `portable16` path (plain Rust with AVX-512's 16
//! lanes and column blocks, on every CPU) runs them in its shape on CPUs
//! without it; what only an AVX-512 CPU tests is the AVX-512 type's thin
//! intrinsic wrappers (`simd/avx512.rs`).
//!
//! # Unsafe code
//!
//! A kernel type's value proves its instruction set is present (it can only
//! be made by detection or by an `unsafe` constructor), so register
//! operations are safe; memory operations take raw pointers and are
//! `unsafe`, each under a `SAFETY` comment that says why its range is valid.
//! The public functions check every length and index a body relies on.
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]

mod activation;
mod aligned;
mod blocked;
mod deferred;
mod dense;
mod dispatch;
mod elementwise;
mod gemm;
mod loss;
pub mod reference;
mod simd;
mod smooth;
mod sparse;
mod sparse_set;
mod update;

pub use aligned::AlignedVec;
pub use deferred::MAX_SLOTS;
use dispatch::Path;
pub use gemm::{gemm, gemm_scaled, MatRef};
pub use loss::{softmax, softmax_cross_entropy};
pub use sparse_set::{SparseSet, TiledSparse};
pub use update::{Moment, ParamUpdate};

/// Name of the path kernels on this thread use: `"avx512f"`, `"avx2+fma"`, `"portable"` or `"portable16"`.
pub fn simd_name() -> &'static str {
    dispatch::active().name()
}

/// Floats per vector on this thread's path: matrices whose row stride is a
/// multiple of it, starting on a 64-byte boundary, have every row's vector loads aligned.
pub fn vector_floats() -> usize {
    dispatch::active().lanes()
}

/// Names of every path this build has, whether or not this CPU supports them:
/// the fastest first down to `"portable"`, then the test shape `"portable16"`.
pub fn all_paths() -> &'static [&'static str] {
    dispatch::ALL_NAMES
}

/// Names of the paths this CPU supports, in [`all_paths`] order (always
/// including `"portable"` and `"portable16"`).
pub fn available_paths() -> Vec<&'static str> {
    dispatch::available().into_iter().map(Path::name).collect()
}

/// Runs `f` with every kernel on this thread forced to path `name` (a name from
/// [`available_paths`] or an `MLP_SIMD` alias); `None` if this CPU lacks that path.
pub fn with_path<R>(name: &str, f: impl FnOnce() -> R) -> Option<R> {
    let path = Path::parse(name).filter(|p| dispatch::available().contains(p))?;
    Some(dispatch::with_forced(path, f))
}

/// Rows of a `len`-element matrix with `cols` columns; panics unless `len` is a multiple of `cols`.
fn rows_of(what: &str, len: usize, cols: usize) -> usize {
    match len.checked_div(cols) {
        // cols == 0: no column is ever touched, so any row index is harmless.
        None => {
            assert!(len == 0, "{what}: cols == 0 but the matrix is not empty");
            usize::MAX
        }
        Some(rows) => {
            assert!(
                rows * cols == len,
                "{what}: matrix length {len} is not a multiple of cols {cols}"
            );
            rows
        }
    }
}

/// Panics unless `idx` is strictly increasing with every entry `< rows`.
fn check_idx(what: &str, idx: &[u32], rows: usize) {
    let mut sorted = true;
    for w in idx.windows(2) {
        sorted &= w[0] < w[1];
    }
    assert!(sorted, "{what}: indices must be strictly increasing");
    if let Some(&last) = idx.last() {
        assert!(
            (last as usize) < rows,
            "{what}: index {last} out of range ({rows} rows)"
        );
    }
}

/// Hints that `s` will be read soon: asks for each of its cache lines (no effect on results).
#[inline]
pub fn prefetch<T>(s: &[T]) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        let (p, bytes) = (s.as_ptr().cast::<i8>(), std::mem::size_of_val(s));
        let mut o = 0;
        while o < bytes {
            // SAFETY: a prefetch never faults, and `p + o` stays inside `s`.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.add(o)) };
            o += 64;
        }
        if bytes > 0 {
            // The last line, when `s` does not start on a line boundary.
            // SAFETY: `bytes > 0`, so `p + bytes - 1` is `s`'s last byte; a
            // prefetch never faults in any case.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.add(bytes - 1)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = s;
}

/// Dot product `sum_i a[i] * b[i]`.
///
/// # Panics
/// If `a.len() != b.len()`.
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "dot: length mismatch");
    // SAFETY: both slices hold `a.len()` floats.
    unsafe { dense::dot(a.as_ptr(), b.as_ptr(), a.len()) }
}

/// `y += alpha * x`.
///
/// # Panics
/// If `x.len() != y.len()`.
pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "axpy: length mismatch");
    // SAFETY: both slices hold `x.len()` floats; `y` is exclusive so they don't overlap.
    unsafe { dense::axpy(alpha, x.as_ptr(), y.as_mut_ptr(), x.len()) }
}

/// Convolves each column of the row-major matrix `src` (`cols` wide) with
/// the centred `taps` into `out`, rows beyond the edges reading as zero:
/// `out[y][x] = sum_k taps[k] * src[y + k - taps.len() / 2][x]`, the same
/// bits on every path.
///
/// # Panics
/// If `taps` has even length, `src` and `out` differ in length, or their
/// length is not a multiple of a non-zero `cols`.
pub fn convolve_columns(taps: &[f32], src: &[f32], cols: usize, out: &mut [f32]) {
    assert!(
        taps.len() % 2 == 1,
        "convolve_columns: taps must have odd length"
    );
    assert_eq!(
        src.len(),
        out.len(),
        "convolve_columns: src and out differ in length"
    );
    assert!(
        cols > 0 && src.len().is_multiple_of(cols),
        "convolve_columns: length is not a multiple of cols"
    );
    let rows = src.len() / cols;
    // SAFETY: `src` and `out` hold `rows * cols` floats and `out` is an
    // exclusive borrow, so distinct from `src` and `taps`; `taps` is odd.
    unsafe {
        smooth::convolve_columns(
            taps.as_ptr(),
            taps.len(),
            src.as_ptr(),
            rows,
            cols,
            out.as_mut_ptr(),
        )
    }
}

/// `x *= alpha`.
pub fn scale(alpha: f32, x: &mut [f32]) {
    // SAFETY: `x` holds `x.len()` floats.
    unsafe { dense::scale(alpha, x.as_mut_ptr(), x.len()) }
}

/// `y = A x` with `A` of shape `y.len() x cols` (overwrites `y`).
///
/// # Panics
/// If `x.len() != cols` or `a.len() != y.len() * cols`.
pub fn gemv(a: &[f32], cols: usize, x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), cols, "gemv: x.len() != cols");
    assert_eq!(
        Some(a.len()),
        y.len().checked_mul(cols),
        "gemv: a.len() != y.len() * cols"
    );
    // SAFETY: `a` is `y.len() x cols`, `x` has `cols`, `y` is exclusive.
    unsafe { dense::gemv(a.as_ptr(), cols, x.as_ptr(), y.as_mut_ptr(), y.len()) }
}

/// `y = A^T x` with `A` of shape `x.len() x cols` (overwrites `y`).
///
/// # Panics
/// If `y.len() != cols` or `a.len() != x.len() * cols`.
pub fn gemv_t(a: &[f32], cols: usize, x: &[f32], y: &mut [f32]) {
    assert_eq!(y.len(), cols, "gemv_t: y.len() != cols");
    assert_eq!(
        Some(a.len()),
        x.len().checked_mul(cols),
        "gemv_t: a.len() != x.len() * cols"
    );
    // SAFETY: `a` is `x.len() x cols`, `y` has `cols` and is exclusive.
    unsafe { dense::gemv_t(a.as_ptr(), cols, x.as_ptr(), y.as_mut_ptr(), x.len()) }
}

/// Rank-1 update `A += alpha * x y^T` with `A` of shape `x.len() x y.len()`.
///
/// # Panics
/// If `a.len() != x.len() * y.len()`.
pub fn ger(alpha: f32, x: &[f32], y: &[f32], a: &mut [f32]) {
    assert_eq!(
        Some(a.len()),
        x.len().checked_mul(y.len()),
        "ger: a.len() != x.len() * y.len()"
    );
    // SAFETY: `a` is `x.len() x y.len()` and exclusive.
    unsafe {
        dense::ger(
            alpha,
            x.as_ptr(),
            x.len(),
            y.as_ptr(),
            y.len(),
            a.as_mut_ptr(),
        )
    }
}

/// Sparse `y = sum_k vals[k] * A[idx[k], :]` (overwrites `y`; `A` has `cols` columns).
///
/// # Panics
/// If `y.len() != cols`, `idx.len() != vals.len()`, `a.len()` is not a multiple
/// of `cols`, or `idx` is not strictly increasing / has an index `>= a.len() / cols`.
pub fn sparse_gemv_t(a: &[f32], cols: usize, idx: &[u32], vals: &[f32], y: &mut [f32]) {
    assert_eq!(y.len(), cols, "sparse_gemv_t: y.len() != cols");
    assert_eq!(
        idx.len(),
        vals.len(),
        "sparse_gemv_t: idx.len() != vals.len()"
    );
    check_idx(
        "sparse_gemv_t",
        idx,
        rows_of("sparse_gemv_t", a.len(), cols),
    );
    // SAFETY: `vals` has `idx.len()` entries; every idx < rows of `a`
    // (checked above); `y` has `cols` and is exclusive.
    unsafe {
        sparse::sparse_gemv_t(
            a.as_ptr(),
            cols,
            idx.as_ptr(),
            vals.as_ptr(),
            idx.len(),
            y.as_mut_ptr(),
        )
    }
}

/// `x`, or `+0` when its magnitude is below f32's smallest normal: how every
/// optimiser step stores weights and moments (see [`update_params`]).
#[inline]
pub fn flush_subnormal(x: f32) -> f32 {
    if x.abs() < f32::MIN_POSITIVE {
        0.0
    } else {
        x
    }
}

/// The smallest gradient magnitude Adam's moments take in with decays `b1`
/// and `b2`; a smaller component counts as zero.
///
/// Below it, `(1 - b2) x x` or `(1 - b1) x` would be subnormal, as flush-to-zero
/// hardware would make it, and computing it would cost a microcode assist
/// each step: a weight with no gradient but L2 comes to rest at a value whose
/// every intermediate is zero or normal.
pub fn adam_gate(b1: f32, b2: f32) -> f32 {
    // Twice the bound covers the rounding of each product.
    let floor = |c: f32| {
        if c > 0.0 {
            2.0 * f32::MIN_POSITIVE / c
        } else {
            0.0
        }
    };
    floor(1.0 - b2).sqrt().max(floor(1.0 - b1))
}

/// `x`, or `+0` when its magnitude is below `gate`: the gradient component
/// Adam's moments take in (see [`adam_gate`]).
#[inline]
pub fn gate_below(x: f32, gate: f32) -> f32 {
    if x.abs() < gate {
        0.0
    } else {
        x
    }
}

/// Columns `c0..c0 + y.len()` of [`sparse_gemv_t`], bit-identical to them:
/// `y = sum_k vals[k] * A[idx[k], c0..c0 + y.len()]`, for a panel of `A`
/// whose rows stay in L1 while many calls read them.
///
/// # Panics
/// If `c0 + y.len() > cols`, `idx.len() != vals.len()`, `a.len()` is not a
/// multiple of `cols`, or `idx` is not strictly increasing / has an index `>= a.len() / cols`.
pub fn sparse_gemv_t_cols(
    a: &[f32],
    cols: usize,
    c0: usize,
    idx: &[u32],
    vals: &[f32],
    y: &mut [f32],
) {
    assert!(
        c0.checked_add(y.len()).is_some_and(|end| end <= cols),
        "sparse_gemv_t_cols: c0 + y.len() > cols"
    );
    assert_eq!(
        idx.len(),
        vals.len(),
        "sparse_gemv_t_cols: idx.len() != vals.len()"
    );
    check_idx(
        "sparse_gemv_t_cols",
        idx,
        rows_of("sparse_gemv_t_cols", a.len(), cols),
    );
    if y.is_empty() {
        return;
    }
    // SAFETY: every idx < rows of `a`, and each row holds columns `c0..c0 +
    // y.len() <= cols` (checked above; `y` is not empty, so `a` has a row
    // and `c0 < cols` stays inside it); `y` is exclusive.
    unsafe {
        sparse::sparse_gemv_t_panel(
            a.as_ptr().wrapping_add(c0),
            cols,
            idx.as_ptr(),
            vals.as_ptr(),
            idx.len(),
            y.as_mut_ptr(),
            y.len(),
        )
    }
}

/// One optimiser step `u` over the parameters `w` with gradients `g`, in one
/// pass; `state` holds the moment's slots, slot-major (`u.moment.slots() *
/// w.len()` floats). Bit-identical to [`reference::update_params`] on every path.
///
/// # Panics
/// If `g.len() != w.len()` or `state.len() != u.moment.slots() * w.len()`.
pub fn update_params(u: &ParamUpdate, w: &mut [f32], g: &[f32], state: &mut [f32]) {
    assert_eq!(g.len(), w.len(), "update_params: g.len() != w.len()");
    assert_eq!(
        state.len(),
        u.moment.slots() * w.len(),
        "update_params: state.len() != slots * w.len()"
    );
    // SAFETY: `w` and `g` hold `w.len()` floats and `state` holds
    // `slots * w.len()` (checked above); `w` and `state` are exclusive
    // borrows, so none of the three overlap.
    unsafe { update::update_params(u, w.as_mut_ptr(), g.as_ptr(), state.as_mut_ptr(), w.len()) }
}

/// Sparse times dense: `Z[r, :] = sum_k vals[k] * A[idx[k], :]` for row `r`
/// of `Z` and the vector `ids[r]` of `set` (`A` has `set.dim()` rows of `cols`).
///
/// Row `r` of `Z` is bit-identical to [`sparse_gemv_t`] of vector `ids[r]`;
/// the product goes panel by panel of columns, so a panel of `A` stays in
/// cache while every row reads it.
///
/// # Panics
/// If an id is not below `set.len()`, `a.len() != set.dim() * cols`, or
/// `z.len() != ids.len() * cols`.
pub fn sparse_gemm(set: &SparseSet, ids: &[u32], a: &[f32], cols: usize, z: &mut [f32]) {
    assert_eq!(
        a.len(),
        set.dim() * cols,
        "sparse_gemm: a.len() != set.dim() * cols"
    );
    assert_eq!(
        z.len(),
        ids.len() * cols,
        "sparse_gemm: z.len() != ids.len() * cols"
    );
    if let Some(&bad) = ids.iter().find(|&&i| i as usize >= set.len()) {
        panic!("sparse_gemm: id {bad} out of range ({} vectors)", set.len());
    }
    // SAFETY: every id names a vector of `set`, whose indices are below
    // `set.dim()` (checked when it was pushed), the rows `a` holds; `z` has
    // `ids.len()` rows of `cols` and is exclusive.
    unsafe {
        sparse::sparse_gemm(
            set,
            ids.as_ptr(),
            ids.len(),
            a.as_ptr(),
            cols,
            z.as_mut_ptr(),
        )
    }
}

/// Rows of a batch of sparse vectors, transposed: for each input, the rows
/// that light it, increasing, and their values.
#[derive(Debug, Clone, Copy)]
pub struct BatchByInputs<'a> {
    start: &'a [usize],
    end: &'a [usize],
    rows: &'a [u32],
    vals: &'a [f32],
    window: (usize, usize),
}

impl<'a> BatchByInputs<'a> {
    /// Input `p`'s entries are `rows[start[p]..end[p]]` and the same `vals`,
    /// every row inside `window`.
    ///
    /// # Panics
    /// If `start` and `end` differ in length, an input's entries are out of
    /// order or pass `rows`, `rows` and `vals` differ in length, or an
    /// input's rows do not increase or leave `window`.
    pub fn new(
        start: &'a [usize],
        end: &'a [usize],
        rows: &'a [u32],
        vals: &'a [f32],
        window: std::ops::Range<usize>,
    ) -> Self {
        assert_eq!(
            start.len(),
            end.len(),
            "BatchByInputs: start and end differ in length"
        );
        assert_eq!(
            rows.len(),
            vals.len(),
            "BatchByInputs: rows and vals differ in length"
        );
        assert!(
            window.start <= window.end && window.end <= u32::MAX as usize,
            "BatchByInputs: window {window:?} out of range"
        );
        for (&lo, &hi) in start.iter().zip(end) {
            assert!(
                lo <= hi && hi <= rows.len(),
                "BatchByInputs: entries {lo}..{hi} out of range"
            );
            let list = &rows[lo..hi];
            assert!(
                list.windows(2).all(|r| r[0] < r[1]),
                "BatchByInputs: an input's rows do not increase"
            );
            assert!(
                list.first().is_none_or(|&r| r as usize >= window.start)
                    && list.last().is_none_or(|&r| (r as usize) < window.end),
                "BatchByInputs: a row outside {window:?}"
            );
        }
        BatchByInputs {
            start,
            end,
            rows,
            vals,
            window: (window.start, window.end),
        }
    }

    /// Number of inputs.
    pub fn inputs(&self) -> usize {
        self.start.len()
    }

    /// Number of rows in the window.
    pub fn rows(&self) -> usize {
        self.window.1 - self.window.0
    }

    /// The lists as the kernels read them.
    fn raw(&self) -> sparse::ByInputs {
        sparse::ByInputs {
            start: self.start.as_ptr(),
            end: self.end.as_ptr(),
            inputs: self.inputs(),
            rows: self.rows.as_ptr(),
            vals: self.vals.as_ptr(),
        }
    }
}

/// [`sparse_gemm`] of the window's rows from the batch given transposed,
/// bit-identical to it: `Z[r - window.start, :] = sum_p x_rp * A[p, :]`.
/// Each lit input's row of `A` is read once per block of columns for the
/// whole window, the rows' blocks of `Z` staying in L1.
///
/// # Panics
/// If `a.len() != batch.inputs() * cols` or `z.len() != batch.rows() * cols`.
pub fn sparse_gemm_by_inputs(batch: &BatchByInputs<'_>, a: &[f32], cols: usize, z: &mut [f32]) {
    assert_eq!(
        a.len(),
        batch.inputs() * cols,
        "sparse_gemm_by_inputs: a.len() != inputs * cols"
    );
    assert_eq!(
        z.len(),
        batch.rows() * cols,
        "sparse_gemm_by_inputs: z.len() != rows * cols"
    );
    // SAFETY: `BatchByInputs::new` checked each input's offsets against the
    // entries and its rows against the window (below `u32::MAX`); `A` holds
    // `inputs` rows of `cols`; `z` holds the window's rows and is exclusive.
    unsafe {
        sparse::sparse_gemm_by_inputs(
            batch.raw(),
            batch.window.0 as u32,
            batch.rows(),
            a.as_ptr(),
            cols,
            z.as_mut_ptr(),
        )
    }
}

/// [`sparse_gemv_t`] for each input of `inputs` over the window's rows of
/// `d`, bit-identical to it: `G[p - inputs.start, :] = sum_r x_rp * D[r -
/// window.start, :]`. Each block of columns of `D` is read from L1 by every
/// input in turn.
///
/// # Panics
/// If `inputs` passes the batch's inputs, `d.len() != batch.rows() * cols`
/// or `g.len() != inputs.len() * cols`.
pub fn sparse_gemv_t_by_inputs(
    batch: &BatchByInputs<'_>,
    inputs: std::ops::Range<usize>,
    d: &[f32],
    cols: usize,
    g: &mut [f32],
) {
    assert!(
        inputs.start <= inputs.end && inputs.end <= batch.inputs(),
        "sparse_gemv_t_by_inputs: inputs {inputs:?} outside the batch's {}",
        batch.inputs()
    );
    assert_eq!(
        d.len(),
        batch.rows() * cols,
        "sparse_gemv_t_by_inputs: d.len() != rows * cols"
    );
    assert_eq!(
        g.len(),
        inputs.len() * cols,
        "sparse_gemv_t_by_inputs: g.len() != inputs * cols"
    );
    // SAFETY: `BatchByInputs::new` checked each input's offsets against the
    // entries and its rows against the window, whose rows `d` holds; `g`
    // holds the inputs' rows and is exclusive.
    unsafe {
        sparse::sparse_gemv_t_by_inputs(
            batch.raw(),
            batch.window.0 as u32,
            inputs.start,
            inputs.end,
            d.as_ptr(),
            cols,
            g.as_mut_ptr(),
        )
    }
}

/// `y += sum_k vals[k] * A[idx[k], ..y.len()]` for `A` with row stride `stride`,
/// bit-identical to `axpy(vals[k], row, y)` for each `k` in turn.
///
/// # Panics
/// If `idx.len() != vals.len()`, `y.len() > stride`, `a.len()` is not a multiple
/// of `stride`, or `idx` is not strictly increasing / has an index `>= a.len() / stride`.
pub fn add_scaled_rows(a: &[f32], stride: usize, idx: &[u32], vals: &[f32], y: &mut [f32]) {
    assert_eq!(
        idx.len(),
        vals.len(),
        "add_scaled_rows: idx.len() != vals.len()"
    );
    assert!(y.len() <= stride, "add_scaled_rows: y.len() > stride");
    check_idx(
        "add_scaled_rows",
        idx,
        rows_of("add_scaled_rows", a.len(), stride),
    );
    // SAFETY: every idx < rows of `a`, each row has `stride >= y.len()` floats;
    // `y` is exclusive.
    unsafe {
        sparse::add_scaled_rows(
            a.as_ptr(),
            stride,
            idx.as_ptr(),
            vals.as_ptr(),
            idx.len(),
            y.as_mut_ptr(),
            y.len(),
        )
    }
}

/// Sparse rank-1 update `A[idx[k], :] += (alpha * vals[k]) * delta` (`A` has `delta.len()` columns).
///
/// # Panics
/// If `idx.len() != vals.len()`, `a.len()` is not a multiple of `delta.len()`,
/// or `idx` is not strictly increasing / has an index `>= a.len() / delta.len()`.
pub fn sparse_ger(alpha: f32, idx: &[u32], vals: &[f32], delta: &[f32], a: &mut [f32]) {
    let cols = delta.len();
    assert_eq!(idx.len(), vals.len(), "sparse_ger: idx.len() != vals.len()");
    check_idx("sparse_ger", idx, rows_of("sparse_ger", a.len(), cols));
    // SAFETY: every idx < rows of `a`; `a` is exclusive.
    unsafe {
        sparse::sparse_ger(
            alpha,
            idx.as_ptr(),
            vals.as_ptr(),
            idx.len(),
            delta.as_ptr(),
            cols,
            a.as_mut_ptr(),
        )
    }
}

/// Fused `sparse_ger(alpha, upd_idx, upd_vals, delta, a)` then
/// `sparse_gemv_t(a, delta.len(), acc_idx, acc_vals, y)` in one pass over the
/// union of rows; bit-identical to that unfused pair on the same path.
///
/// # Panics
/// On the union of the conditions of [`sparse_ger`] and [`sparse_gemv_t`].
#[allow(clippy::too_many_arguments)]
pub fn sparse_ger_then_gemv_t(
    alpha: f32,
    upd_idx: &[u32],
    upd_vals: &[f32],
    delta: &[f32],
    acc_idx: &[u32],
    acc_vals: &[f32],
    a: &mut [f32],
    y: &mut [f32],
) {
    const WHAT: &str = "sparse_ger_then_gemv_t";
    let cols = delta.len();
    assert_eq!(y.len(), cols, "{WHAT}: y.len() != delta.len()");
    assert_eq!(
        upd_idx.len(),
        upd_vals.len(),
        "{WHAT}: upd_idx.len() != upd_vals.len()"
    );
    assert_eq!(
        acc_idx.len(),
        acc_vals.len(),
        "{WHAT}: acc_idx.len() != acc_vals.len()"
    );
    let rows = rows_of(WHAT, a.len(), cols);
    check_idx(WHAT, upd_idx, rows);
    check_idx(WHAT, acc_idx, rows);
    // SAFETY: all indices < rows of `a`; `a` and `y` are exclusive.
    unsafe {
        sparse::sparse_ger_then_gemv_t(
            alpha,
            upd_idx.as_ptr(),
            upd_vals.as_ptr(),
            upd_idx.len(),
            delta.as_ptr(),
            acc_idx.as_ptr(),
            acc_vals.as_ptr(),
            acc_idx.len(),
            a.as_mut_ptr(),
            cols,
            y.as_mut_ptr(),
        )
    }
}

/// `y = tanh(x)` element-wise (see crate docs for accuracy).
///
/// # Panics
/// If `x.len() != y.len()`.
pub fn tanh(x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "tanh: length mismatch");
    // SAFETY: both hold `x.len()` floats; `y` is exclusive.
    unsafe { activation::tanh(x.as_ptr(), y.as_mut_ptr(), x.len()) }
}

/// `x = tanh(x)` element-wise, in place.
pub fn tanh_inplace(x: &mut [f32]) {
    let p = x.as_mut_ptr();
    // SAFETY: `p` holds `x.len()` floats; in place (input == output) is allowed.
    unsafe { activation::tanh(p, p, x.len()) }
}

/// `y = 1 / (1 + exp(-x))` element-wise (see crate docs for accuracy).
///
/// # Panics
/// If `x.len() != y.len()`.
pub fn sigmoid(x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "sigmoid: length mismatch");
    // SAFETY: both hold `x.len()` floats; `y` is exclusive.
    unsafe { activation::sigmoid(x.as_ptr(), y.as_mut_ptr(), x.len()) }
}

/// `x = 1 / (1 + exp(-x))` element-wise, in place.
pub fn sigmoid_inplace(x: &mut [f32]) {
    let p = x.as_mut_ptr();
    // SAFETY: `p` holds `x.len()` floats; in place (input == output) is allowed.
    unsafe { activation::sigmoid(p, p, x.len()) }
}

/// `y = max(x, 0)` element-wise (`y = if x > 0 { x } else { 0 }`; NaN gives 0).
///
/// # Panics
/// If `x.len() != y.len()`.
pub fn relu(x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "relu: length mismatch");
    // SAFETY: both hold `x.len()` floats; `y` is exclusive.
    unsafe { activation::relu(x.as_ptr(), y.as_mut_ptr(), x.len()) }
}

/// A hidden layer's activation, for [`bias_activate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activation {
    /// `max(x, 0)`.
    Relu,
    /// `tanh(x)`.
    Tanh,
    /// `1 / (1 + exp(-x))`.
    Sigmoid,
}

/// Adds `bias` to every row of `z` (rows of `bias.len()`) and writes `a = f(z)`,
/// in one pass: bit-identical to an [`axpy`] of the bias per row followed by
/// [`relu`], [`tanh`] or [`sigmoid`].
///
/// # Panics
/// If `z.len() != a.len()` or `z.len()` is not a multiple of a non-empty `bias`.
pub fn bias_activate(f: Activation, bias: &[f32], z: &mut [f32], a: &mut [f32]) {
    assert_eq!(z.len(), a.len(), "bias_activate: z and a differ in length");
    let width = bias.len();
    let rows = z.len().checked_div(width).unwrap_or(0);
    assert_eq!(
        rows * width,
        z.len(),
        "bias_activate: z.len() is not a multiple of bias.len()"
    );
    let (b, zp, ap) = (bias.as_ptr(), z.as_mut_ptr(), a.as_mut_ptr());
    // SAFETY: `z` and `a` hold `rows * width` floats and are distinct borrows;
    // `bias` holds `width`.
    unsafe {
        match f {
            Activation::Relu => activation::bias_relu(b, width, rows, zp, ap),
            Activation::Tanh => activation::bias_tanh(b, width, rows, zp, ap),
            Activation::Sigmoid => activation::bias_sigmoid(b, width, rows, zp, ap),
        }
    }
}

/// `x = max(x, 0)` element-wise, in place.
pub fn relu_inplace(x: &mut [f32]) {
    let p = x.as_mut_ptr();
    // SAFETY: `p` holds `x.len()` floats; in place (input == output) is allowed.
    unsafe { activation::relu(p, p, x.len()) }
}

/// Backprop through tanh: `g[i] *= factor * (1 - y[i] * y[i])`, `y` the tanh output.
///
/// # Panics
/// If `y.len() != g.len()`.
pub fn mul_tanh_deriv(y: &[f32], factor: f32, g: &mut [f32]) {
    assert_eq!(y.len(), g.len(), "mul_tanh_deriv: length mismatch");
    // SAFETY: both hold `g.len()` floats; `g` is exclusive.
    unsafe { activation::mul_tanh_deriv(y.as_ptr(), factor, g.as_mut_ptr(), g.len()) }
}

/// Backprop through sigmoid: `g[i] *= y[i] * (1 - y[i])`, `y` the sigmoid output.
///
/// # Panics
/// If `y.len() != g.len()`.
pub fn mul_sigmoid_deriv(y: &[f32], g: &mut [f32]) {
    assert_eq!(y.len(), g.len(), "mul_sigmoid_deriv: length mismatch");
    // SAFETY: both hold `g.len()` floats; `g` is exclusive.
    unsafe { activation::mul_sigmoid_deriv(y.as_ptr(), g.as_mut_ptr(), g.len()) }
}

/// Backprop through relu: `g[i] = if z[i] > 0 { g[i] } else { 0 }`, `z` the pre-activation.
///
/// # Panics
/// If `z.len() != g.len()`.
pub fn mul_relu_deriv(z: &[f32], g: &mut [f32]) {
    assert_eq!(z.len(), g.len(), "mul_relu_deriv: length mismatch");
    // SAFETY: both hold `g.len()` floats; `g` is exclusive.
    unsafe { activation::mul_relu_deriv(z.as_ptr(), g.as_mut_ptr(), g.len()) }
}

/// A sparse vector: strictly increasing indices and their values.
pub type Sparse<'a> = (&'a [u32], &'a [f32]);

/// Applies held-back sparse rank-1 updates to `a`, then computes sparse reads
/// of the updated matrix, in one pass over `a`'s rows (`cols` floats each).
///
/// Update slot `p` is a vector with scale `alphas[p]`: row `idx[k]` gets
/// `(alphas[p] * vals[k]) * deltas[p]`, slot after slot. Then read slot `t`
/// gives `z[t] = sum_k vals[k] * A[idx[k], :]`. `deltas` holds one
/// `cols`-float vector per update slot, `z` one per read slot (overwritten).
/// The weights are bit-identical to [`sparse_ger`] applied slot by slot, and
/// each `z[t]` to [`sparse_gemv_t`] on the updated `a`. The vectors come from
/// a [`SparseSet`], which checked their indices once.
///
/// # Panics
/// If there are more than [`MAX_SLOTS`] slots of either kind, `alphas` and
/// the update slots differ in length, a vector is longer than `a` has rows,
/// or `a`, `deltas` or `z` are too short.
pub fn block_pass(
    updates: &[TiledSparse<'_>],
    alphas: &[f32],
    deltas: &[f32],
    reads: &[TiledSparse<'_>],
    cols: usize,
    a: &mut [f32],
    z: &mut [f32],
) {
    const WHAT: &str = "block_pass";
    assert!(
        updates.len() <= MAX_SLOTS && reads.len() <= MAX_SLOTS,
        "{WHAT}: more than {MAX_SLOTS} slots"
    );
    assert_eq!(
        updates.len(),
        alphas.len(),
        "{WHAT}: updates.len() != alphas.len()"
    );
    assert!(
        deltas.len() >= updates.len() * cols,
        "{WHAT}: deltas shorter than update slots x cols"
    );
    assert!(
        z.len() >= reads.len() * cols,
        "{WHAT}: z shorter than read slots x cols"
    );
    let rows = rows_of(WHAT, a.len(), cols);
    let empty = deferred::Slot {
        idx: std::ptr::null(),
        vals: std::ptr::null(),
        tile_starts: std::ptr::null(),
        tiles: 0,
        alpha: 0.0,
    };
    let mut upd = [empty; MAX_SLOTS];
    let mut acc = [empty; MAX_SLOTS];
    // The set checked each vector's indices against its length; a length
    // within the matrix keeps every index in range.
    let slot = |v: &TiledSparse<'_>, alpha: f32| {
        assert!(
            v.idx.is_empty() || v.dim <= rows,
            "{WHAT}: vectors of length {} index past {rows} rows",
            v.dim
        );
        deferred::Slot {
            idx: v.idx.as_ptr(),
            vals: v.vals.as_ptr(),
            tile_starts: v.tile_starts.as_ptr(),
            tiles: v.tiles(),
            alpha,
        }
    };
    for ((u, s), &alpha) in upd.iter_mut().zip(updates).zip(alphas) {
        *u = slot(s, alpha);
    }
    for (r, s) in acc.iter_mut().zip(reads) {
        *r = slot(s, 0.0);
    }
    let z = &mut z[..reads.len() * cols];
    z.fill(0.0);
    // SAFETY: slot counts <= MAX_SLOTS; every index < rows (the set checked it
    // against its length, checked above) and each slot's tile starts split its
    // entries at tile boundaries (the set built them); lengths checked above,
    // and `a`, `z` are exclusive borrows.
    unsafe {
        deferred::block_pass(
            &upd[..updates.len()],
            deltas.as_ptr(),
            &acc[..reads.len()],
            if cols == 0 { 0 } else { rows },
            cols,
            a.as_mut_ptr(),
            z.as_mut_ptr(),
        )
    }
}
