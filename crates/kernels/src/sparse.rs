//! Sparse-row kernels: rows of `A` selected by a strictly increasing index list.
//!
//! Contract of every `unsafe fn` here: every index is `< rows`, `A` holds
//! `rows * cols` floats, value slices match their index slices, `delta`/`y`
//! hold `cols` floats, and outputs do not overlap inputs.

use crate::blocked::{
    for_each_col_block, prefetch_block, Block, ColBlock, GemvT, IdxRows, RowSel, PF,
};
use crate::dense::axpy_body;
use crate::dispatch::kernel;
use crate::simd::Simd;
use crate::SparseSet;

/// `y[..cols] = sum_k vals[k] * A[idx[k], :]`.
///
/// # Safety
/// The module's contract, for `n` indices.
#[inline(always)]
unsafe fn sparse_gemv_t_body<S: Simd>(
    s: S,
    a: *const f32,
    cols: usize,
    idx: *const u32,
    vals: *const f32,
    n: usize,
    y: *mut f32,
) {
    let b = GemvT::new(a, cols, IdxRows(idx, n), vals, y);
    // SAFETY: every listed row is inside `a` (the module's contract), which
    // is what `GemvT` needs over all `cols` columns.
    unsafe { b.run(s, cols) };
}

/// `y[..width] = sum_k vals[k] * A[idx[k], ..width]`, `A` with row stride
/// `stride >= width`, without prefetching: a panel whose rows sit in L1.
///
/// # Safety
/// The module's contract with row stride `stride`, for `n` indices, over
/// the first `width` columns of each row.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn sparse_gemv_t_panel_body<S: Simd>(
    s: S,
    a: *const f32,
    stride: usize,
    idx: *const u32,
    vals: *const f32,
    n: usize,
    y: *mut f32,
    width: usize,
) {
    let b = GemvT {
        prefetch: false,
        ..GemvT::new(a, stride, IdxRows(idx, n), vals, y)
    };
    // SAFETY: every listed row holds `width` readable floats inside `a`.
    unsafe { b.run(s, width) };
}

/// Columns per panel of [`sparse_gemm_body`]: a panel of a 784-row `A` is
/// 392 KiB, which stays in a 1 MiB L2 while every row of the batch reads it.
pub(crate) const GEMM_PANEL: usize = 128;

/// `Z[r, :] = sum_k X_r.vals[k] * A[X_r.idx[k], :]` for the rows `X_r` of
/// `set` named by `ids`, panel by panel of columns, so that each panel of
/// `A` comes from memory once per call rather than once per row.
///
/// # Safety
/// `ids[..n]` are readable and each `< set.len()`; `A` holds `set.dim() *
/// cols` floats; `z` holds `n * cols` floats and overlaps neither.
#[inline(always)]
unsafe fn sparse_gemm_body<S: Simd>(
    s: S,
    set: &SparseSet,
    ids: *const u32,
    n: usize,
    a: *const f32,
    cols: usize,
    z: *mut f32,
) {
    let mut c0 = 0;
    while c0 < cols {
        let width = GEMM_PANEL.min(cols - c0);
        for r in 0..n {
            // SAFETY: `r < n`, and every id is below `set.len()`.
            let (idx, vals) = set.get(unsafe { *ids.add(r) } as usize);
            let b = GemvT::new(
                a.wrapping_add(c0),
                cols,
                IdxRows(idx.as_ptr(), idx.len()),
                vals.as_ptr(),
                z.wrapping_add(r * cols + c0),
            );
            // SAFETY: a set's indices are below `set.dim()`, so every listed
            // row of `A` is readable over columns `c0..c0 + width <= cols`;
            // row `r < n` of `z` is writable over the same columns.
            unsafe { b.run(s, width) };
        }
        c0 += width;
    }
}

/// A batch transposed: for each input `p`, entries `start[p]..end[p]` of
/// `rows` (increasing) and `vals` name the batch rows that light it and
/// their values.
#[derive(Clone, Copy)]
pub(crate) struct ByInputs {
    pub start: *const usize,
    pub end: *const usize,
    pub inputs: usize,
    pub rows: *const u32,
    pub vals: *const f32,
}

/// `Z[r - r0, :] = sum_p x_rp * A[p, :]` over the batch's rows, block of
/// columns by block: each lit input's block of `A` is loaded into registers
/// once and added to every row that reads it, the rows' blocks of `Z`
/// staying in L1. Every element sees its inputs in increasing order, one
/// `fma` each from zero, as [`sparse_gemm_body`] gives.
///
/// Contract: the batch's offsets bound readable entries of `rows` and
/// `vals`, whose rows `r` satisfy `r0 <= r < r0 + z rows`; `A` holds
/// `inputs` rows of stride `cols`; `z` holds `rows * cols` floats and
/// overlaps neither.
struct GemmByInputs {
    batch: ByInputs,
    r0: u32,
    /// Rows of `z`.
    rows: usize,
    a: *const f32,
    cols: usize,
    z: *mut f32,
}

impl<S: Simd> ColBlock<S> for GemmByInputs {
    #[inline(always)]
    unsafe fn block<const NV: usize, const TAIL: bool>(&self, s: S, c0: usize, tail: usize) {
        let width = NV * S::LANES + tail;
        let z = self.z.wrapping_add(c0);
        for r in 0..self.rows {
            // SAFETY: row `r` of `z` is writable over the block.
            unsafe { Block::<S, NV, TAIL>::zero(s).store(s, z.add(r * self.cols), tail) };
        }
        let base = self.a.wrapping_add(c0);
        for p in 0..self.batch.inputs {
            // SAFETY: `p < inputs`, inside both offset lists.
            let (lo, hi) = unsafe { (*self.batch.start.add(p), *self.batch.end.add(p)) };
            if lo >= hi {
                continue;
            }
            prefetch_block(s, base.wrapping_add((p + PF) * self.cols), width);
            // SAFETY: row `p < inputs` of `A` is readable over the block.
            let row = unsafe { Block::<S, NV, TAIL>::load(s, base.add(p * self.cols), tail) };
            for e in lo..hi {
                // SAFETY: `e < hi`, an entry of `rows` and `vals`; its row
                // `r0 <= r < r0 + rows`, so its block of `z` is writable.
                unsafe {
                    let zr = z.add((*self.batch.rows.add(e) - self.r0) as usize * self.cols);
                    let x = s.splat(*self.batch.vals.add(e));
                    let mut acc = Block::<S, NV, TAIL>::load(s, zr, tail);
                    acc.fma_regs(s, x, &row);
                    acc.store(s, zr, tail);
                }
            }
        }
    }
}

/// `G[p - p0, :] = sum_e vals[e] * D[rows[e] - r0, :]` over input `p`'s
/// entries, for inputs `p0..p1`, block of columns by block: the block of
/// `D` every input reads stays in L1 while the inputs visit it. Each row of
/// `G` is [`sparse_gemv_t_body`] of its entries, bit for bit.
///
/// Contract: the batch's offsets for inputs `p0..p1` bound readable entries
/// of `rows` and `vals`, whose rows `r` satisfy `r0 <= r < r0 + rows of D`;
/// `D` holds those rows of `cols`; `G` holds `(p1 - p0) * cols` floats and
/// overlaps neither.
struct GemvTByInputs {
    batch: ByInputs,
    r0: u32,
    p0: usize,
    p1: usize,
    d: *const f32,
    cols: usize,
    g: *mut f32,
}

impl<S: Simd> ColBlock<S> for GemvTByInputs {
    #[inline(always)]
    unsafe fn block<const NV: usize, const TAIL: bool>(&self, s: S, c0: usize, tail: usize) {
        let d = self.d.wrapping_add(c0);
        for p in self.p0..self.p1 {
            // SAFETY: `p < p1`, inside both offset lists.
            let (lo, hi) = unsafe { (*self.batch.start.add(p), *self.batch.end.add(p)) };
            let mut acc = Block::<S, NV, TAIL>::zero(s);
            for e in lo..hi {
                // SAFETY: `e < hi`, an entry of `rows` and `vals`; its row
                // `r0 <= r < r0 + rows of D`, readable over the block.
                unsafe {
                    let dr = d.add((*self.batch.rows.add(e) - self.r0) as usize * self.cols);
                    acc.fma_load(s, s.splat(*self.batch.vals.add(e)), dr, tail);
                }
            }
            // SAFETY: row `p - p0` of `G` is writable over the block.
            unsafe { acc.store(s, self.g.add((p - self.p0) * self.cols + c0), tail) };
        }
    }
}

/// See [`GemvTByInputs`].
///
/// # Safety
/// [`GemvTByInputs`]'s contract.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn sparse_gemv_t_by_inputs_body<S: Simd>(
    s: S,
    batch: ByInputs,
    r0: u32,
    p0: usize,
    p1: usize,
    d: *const f32,
    cols: usize,
    g: *mut f32,
) {
    let b = GemvTByInputs {
        batch,
        r0,
        p0,
        p1,
        d,
        cols,
        g,
    };
    // SAFETY: the caller's contract covers every column below `cols`.
    unsafe { for_each_col_block(s, S::GEMV_BLOCK, cols, &b) };
}

/// See [`GemmByInputs`].
///
/// # Safety
/// [`GemmByInputs`]'s contract.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn sparse_gemm_by_inputs_body<S: Simd>(
    s: S,
    batch: ByInputs,
    r0: u32,
    rows: usize,
    a: *const f32,
    cols: usize,
    z: *mut f32,
) {
    let b = GemmByInputs {
        batch,
        r0,
        rows,
        a,
        cols,
        z,
    };
    // SAFETY: the caller's contract covers every column below `cols`.
    unsafe { for_each_col_block(s, S::GEMV_BLOCK, cols, &b) };
}

/// `y[..cols] += sum_k vals[k] * A[idx[k], ..cols]`, `A` with row stride `stride >= cols`.
///
/// # Safety
/// The module's contract with row stride `stride`, for `n` indices.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn add_scaled_rows_body<S: Simd>(
    s: S,
    a: *const f32,
    stride: usize,
    idx: *const u32,
    vals: *const f32,
    n: usize,
    y: *mut f32,
    cols: usize,
) {
    // The rows (a block's deltas) are in L1: prefetching would only take load slots.
    let b = GemvT::new(a, stride, IdxRows(idx, n), vals, y).onto_y_from_l1();
    // SAFETY: every listed row holds `stride >= cols` floats inside `a`.
    unsafe { b.run(s, cols) };
}

/// `A[idx[k], :] += (alpha * vals[k]) * delta`.
///
/// # Safety
/// The module's contract, for `n` indices.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn sparse_ger_body<S: Simd>(
    s: S,
    alpha: f32,
    idx: *const u32,
    vals: *const f32,
    n: usize,
    delta: *const f32,
    cols: usize,
    a: *mut f32,
) {
    for k in 0..n {
        // SAFETY: `k < n`, so `idx[k]` and `vals[k]` are readable, and row
        // `idx[k]` holds `cols` floats inside `a`.
        unsafe {
            let row = a.add(*idx.add(k) as usize * cols);
            axpy_body(s, alpha * *vals.add(k), delta, row, cols);
        }
    }
}

/// Accumulate rows per fused chunk. The schedule lives on the stack (no
/// allocation), and one column block of a chunk (`CHUNK` rows x 256 bytes =
/// 16 KiB) stays in L1 between the update and the accumulate sweep.
const CHUNK: usize = 64;

/// Rows and per-row scalars, at most `N` of them, on the stack.
struct RowList<const N: usize> {
    rows: [u32; N],
    vals: [f32; N],
    len: usize,
}

impl<const N: usize> RowList<N> {
    fn new() -> Self {
        RowList {
            rows: [0; N],
            vals: [0.0; N],
            len: 0,
        }
    }

    /// Appends a row; the caller keeps the list below `N` entries.
    #[inline(always)]
    fn push(&mut self, row: u32, val: f32) {
        self.rows[self.len] = row;
        self.vals[self.len] = val;
        self.len += 1;
    }

    /// Whether the list has room for no more rows.
    fn is_full(&self) -> bool {
        self.len == N
    }

    /// The rows pushed so far, as a kernel's row selection.
    fn rows(&self) -> IdxRows {
        IdxRows(self.rows.as_ptr(), self.len)
    }
}

/// One column block of a fused chunk: first update the chunk's rows that are
/// both updated and accumulated (`w = fma(scale, delta, w)`), then accumulate
/// all its rows in index order (`y = fma(v, w, y)`), re-reading the updated
/// block from L1. `y` starts at 0 for the first chunk and is reloaded from
/// memory for later ones, so every element sees exactly the unfused sequence
/// of operations.
///
/// Contract: every row listed in `upd` and `acc` is inside `a` (row stride
/// `cols`), `delta` and `y` hold `cols` floats.
struct FusedChunk<'s> {
    /// Rows both updated and accumulated, with their scale `alpha * upd_val`.
    upd: &'s RowList<CHUNK>,
    /// Rows accumulated, in order, with their values.
    acc: &'s RowList<CHUNK>,
    first: bool,
    delta: *const f32,
    a: *mut f32,
    cols: usize,
    y: *mut f32,
}

impl<S: Simd> ColBlock<S> for FusedChunk<'_> {
    #[inline(always)]
    unsafe fn block<const NV: usize, const TAIL: bool>(&self, s: S, c0: usize, tail: usize) {
        let width = NV * S::LANES + tail;
        let base = self.a.wrapping_add(c0);

        // Sweep 1: updates (delta block held in registers).
        // SAFETY: `delta` holds `cols` floats, the block's columns among them.
        let d = unsafe { Block::<S, NV, TAIL>::load(s, self.delta.add(c0), tail) };
        let upd = self.upd.rows();
        for k in 0..upd.len() {
            // SAFETY: `k < len`; each listed row is inside `a`.
            let p = unsafe { base.add(upd.row(k) * self.cols) };
            if k + PF < upd.len() {
                // SAFETY: `k + PF < len` (the address itself need not be valid).
                let ahead = unsafe { upd.row(k + PF) };
                prefetch_block(s, base.wrapping_add(ahead * self.cols), width);
            }
            let scale = s.splat(self.upd.vals[k]);
            // SAFETY: the row's block of columns is readable and writable.
            unsafe {
                let mut w = Block::<S, NV, TAIL>::load(s, p, tail);
                w.fma_regs(s, scale, &d);
                w.store(s, p, tail);
            }
        }

        // Sweep 2: accumulation in index order (y block held in registers).
        let acc = GemvT {
            add: !self.first,
            ..GemvT::new(
                self.a,
                self.cols,
                self.acc.rows(),
                self.acc.vals.as_ptr(),
                self.y,
            )
        };
        // SAFETY: the accumulated rows are inside `a` and `y` holds `cols` floats.
        unsafe { acc.block::<NV, TAIL>(s, c0, tail) };
    }
}

/// Applies the update-only rows buffered in `only` (`A[row] += val * delta`) and empties it.
///
/// # Safety
/// Every buffered row is inside `a` (row stride `cols`); `delta` holds `cols` floats.
#[inline(always)]
unsafe fn flush_updates<S: Simd, const N: usize>(
    s: S,
    only: &mut RowList<N>,
    delta: *const f32,
    a: *mut f32,
    cols: usize,
) {
    for k in 0..only.len {
        // SAFETY: the buffered row is inside `a`.
        unsafe {
            let row = a.add(only.rows[k] as usize * cols);
            axpy_body(s, only.vals[k], delta, row, cols);
        }
    }
    only.len = 0;
}

/// Fused `sparse_ger` + `sparse_gemv_t`. Rows only updated are independent of
/// the accumulation and applied via the same `axpy` as `sparse_ger`; rows that
/// are accumulated (and maybe updated) go through [`FusedChunk`] in index order.
///
/// # Safety
/// The module's contract, for `n_upd` update and `n_acc` accumulate indices.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn fused_body<S: Simd>(
    s: S,
    alpha: f32,
    upd_idx: *const u32,
    upd_vals: *const f32,
    n_upd: usize,
    delta: *const f32,
    acc_idx: *const u32,
    acc_vals: *const f32,
    n_acc: usize,
    a: *mut f32,
    cols: usize,
    y: *mut f32,
) {
    // SAFETY: the caller gives `n_upd` and `n_acc` readable entries.
    let (upd_idx, upd_vals, acc_idx, acc_vals) = unsafe {
        (
            std::slice::from_raw_parts(upd_idx, n_upd),
            std::slice::from_raw_parts(upd_vals, n_upd),
            std::slice::from_raw_parts(acc_idx, n_acc),
            std::slice::from_raw_parts(acc_vals, n_acc),
        )
    };
    let mut upd = RowList::<CHUNK>::new();
    let mut acc = RowList::<CHUNK>::new();
    // Update-only rows, buffered and applied a buffer at a time.
    let mut only = RowList::<64>::new();
    let mut i = 0; // next update row
    let mut first = true;
    for (acc_rows, acc_vals) in acc_idx.chunks(CHUNK).zip(acc_vals.chunks(CHUNK)) {
        (upd.len, acc.len) = (0, 0);
        for (&ra, &va) in acc_rows.iter().zip(acc_vals) {
            while i < n_upd && upd_idx[i] < ra {
                only.push(upd_idx[i], alpha * upd_vals[i]);
                i += 1;
                if only.is_full() {
                    // SAFETY: the buffered rows come from the update list, inside `a`.
                    unsafe { flush_updates(s, &mut only, delta, a, cols) };
                }
            }
            acc.push(ra, va);
            if i < n_upd && upd_idx[i] == ra {
                upd.push(ra, alpha * upd_vals[i]);
                i += 1;
            }
        }
        let chunk = FusedChunk {
            upd: &upd,
            acc: &acc,
            first,
            delta,
            a,
            cols,
            y,
        };
        // SAFETY: the chunk's rows come from the two lists, inside `a`.
        unsafe { for_each_col_block(s, S::FUSED_BLOCK, cols, &chunk) };
        first = false;
    }
    if first {
        // No accumulate rows: y = 0, like sparse_gemv_t over an empty list.
        // SAFETY: `y` holds `cols` floats.
        unsafe { std::slice::from_raw_parts_mut(y, cols).fill(0.0) };
    }
    for k in i..n_upd {
        only.push(upd_idx[k], alpha * upd_vals[k]);
        if only.is_full() {
            // SAFETY: the buffered rows come from the update list, whose
            // indices are rows of `a` (the module's contract).
            unsafe { flush_updates(s, &mut only, delta, a, cols) };
        }
    }
    // SAFETY: the buffered rows come from the update list, whose indices are
    // rows of `a`; `delta` holds `cols` floats.
    unsafe { flush_updates(s, &mut only, delta, a, cols) };
}

kernel! {
    /// See [`sparse_gemm_body`].
    pub(crate) unsafe fn sparse_gemm(set: &SparseSet, ids: *const u32, n: usize, a: *const f32, cols: usize, z: *mut f32) = sparse_gemm_body;
}
kernel! {
    /// See [`sparse_gemv_t_by_inputs_body`].
    #[allow(clippy::too_many_arguments)]
    pub(crate) unsafe fn sparse_gemv_t_by_inputs(batch: ByInputs, r0: u32, p0: usize, p1: usize, d: *const f32, cols: usize, g: *mut f32) = sparse_gemv_t_by_inputs_body;
}
kernel! {
    /// See [`sparse_gemm_by_inputs_body`].
    pub(crate) unsafe fn sparse_gemm_by_inputs(batch: ByInputs, r0: u32, rows: usize, a: *const f32, cols: usize, z: *mut f32) = sparse_gemm_by_inputs_body;
}
kernel! {
    /// `y[..cols] = sum_k vals[k] * A[idx[k], :]`.
    pub(crate) unsafe fn sparse_gemv_t(a: *const f32, cols: usize, idx: *const u32, vals: *const f32, n: usize, y: *mut f32) = sparse_gemv_t_body;
}
kernel! {
    /// `y[..width] = sum_k vals[k] * A[idx[k], ..width]` (`A` with row stride `stride`), rows in L1.
    pub(crate) unsafe fn sparse_gemv_t_panel(a: *const f32, stride: usize, idx: *const u32, vals: *const f32, n: usize, y: *mut f32, width: usize) = sparse_gemv_t_panel_body;
}
kernel! {
    /// `y[..cols] += sum_k vals[k] * A[idx[k], ..cols]` (`A` with row stride `stride`).
    pub(crate) unsafe fn add_scaled_rows(a: *const f32, stride: usize, idx: *const u32, vals: *const f32, n: usize, y: *mut f32, cols: usize) = add_scaled_rows_body;
}
kernel! {
    /// `A[idx[k], :] += (alpha * vals[k]) * delta`.
    pub(crate) unsafe fn sparse_ger(alpha: f32, idx: *const u32, vals: *const f32, n: usize, delta: *const f32, cols: usize, a: *mut f32) = sparse_ger_body;
}
kernel! {
    /// `sparse_ger` on the update list, then `sparse_gemv_t` on the accumulate list, in one pass.
    #[allow(clippy::too_many_arguments)]
    pub(crate) unsafe fn sparse_ger_then_gemv_t(
        alpha: f32,
        upd_idx: *const u32,
        upd_vals: *const f32,
        n_upd: usize,
        delta: *const f32,
        acc_idx: *const u32,
        acc_vals: *const f32,
        n_acc: usize,
        a: *mut f32,
        cols: usize,
        y: *mut f32,
    ) = fused_body;
}
