//! Sparse-row kernels: rows of `A` selected by a strictly increasing index list.
//!
//! Contract of every `unsafe fn` here: every index is `< rows`, `A` holds
//! `rows * cols` floats, value slices match their index slices, `delta`/`y`
//! hold `cols` floats, and outputs do not overlap inputs.

use crate::blocked::{for_each_col_block, prefetch_block, ColBlock, GemvT, IdxRows, PF};
use crate::dense::axpy_body;
use crate::dispatch::kernel;
use crate::simd::Simd;

#[inline(always)]
unsafe fn sparse_gemv_t_body<S: Simd>(
    a: *const f32,
    cols: usize,
    idx: *const u32,
    vals: *const f32,
    n: usize,
    y: *mut f32,
) {
    let rows = IdxRows(idx, n);
    for_each_col_block::<S, _>(
        S::GEMV_BLOCK,
        cols,
        &GemvT {
            a,
            cols,
            rows,
            vals,
            y,
            add: false,
            prefetch: true,
        },
    );
}

#[inline(always)]
unsafe fn add_scaled_rows_body<S: Simd>(
    a: *const f32,
    stride: usize,
    idx: *const u32,
    vals: *const f32,
    n: usize,
    y: *mut f32,
    cols: usize,
) {
    // The rows (a block's deltas) are in L1: prefetching would only take load slots.
    let b = GemvT {
        a,
        cols: stride,
        rows: IdxRows(idx, n),
        vals,
        y,
        add: true,
        prefetch: false,
    };
    for_each_col_block::<S, _>(S::GEMV_BLOCK, cols, &b);
}

#[inline(always)]
unsafe fn sparse_ger_body<S: Simd>(
    alpha: f32,
    idx: *const u32,
    vals: *const f32,
    n: usize,
    delta: *const f32,
    cols: usize,
    a: *mut f32,
) {
    for k in 0..n {
        let row = a.add(*idx.add(k) as usize * cols);
        axpy_body::<S>(alpha * *vals.add(k), delta, row, cols);
    }
}

/// Accumulate rows per fused chunk. The schedule lives on the stack (no
/// allocation), and one column block of a chunk (`CHUNK` rows x 256 bytes =
/// 16 KiB) stays in L1 between the update and the accumulate sweep.
const CHUNK: usize = 64;
/// Update-only rows buffered before they are applied.
const UPD_BUF: usize = 64;

/// Per-chunk schedule of the fused kernel: the accumulate rows in order with
/// their values, and the subset of them that is also updated, with its scale
/// `alpha * upd_val`.
struct Schedule {
    acc_rows: [u32; CHUNK],
    acc_vals: [f32; CHUNK],
    n_acc: usize,
    upd_rows: [u32; CHUNK],
    upd_scale: [f32; CHUNK],
    n_upd: usize,
}

/// One column block of a fused chunk: first update the chunk's rows that are
/// both updated and accumulated (`w = fma(s, delta, w)`), then accumulate all
/// its rows in index order (`y = fma(v, w, y)`), re-reading the updated block
/// from L1. `y` starts at 0 for the first chunk and is reloaded from memory for
/// later ones, so every element sees exactly the unfused sequence of operations.
struct FusedChunk<'s> {
    sched: &'s Schedule,
    first: bool,
    delta: *const f32,
    a: *mut f32,
    cols: usize,
    y: *mut f32,
}

impl<S: Simd> ColBlock<S> for FusedChunk<'_> {
    #[inline(always)]
    unsafe fn block<const NV: usize, const TAIL: bool>(&self, c0: usize, tail: usize) {
        let l = S::LANES;
        let sc = self.sched;
        let base = self.a.add(c0);

        // Sweep 1: updates (delta block held in registers).
        let dp = self.delta.add(c0);
        let mut d = [S::zero(); NV];
        for (q, dv) in d.iter_mut().enumerate() {
            *dv = S::load(dp.add(q * l));
        }
        let d_t = if TAIL {
            S::load_part(dp.add(NV * l), tail)
        } else {
            S::zero()
        };
        let width = NV * l + tail;
        for k in 0..sc.n_upd {
            let p = base.add(*sc.upd_rows.get_unchecked(k) as usize * self.cols);
            if k + PF < sc.n_upd {
                prefetch_block::<S>(
                    base.add(*sc.upd_rows.get_unchecked(k + PF) as usize * self.cols),
                    width,
                );
            }
            let s = S::splat(*sc.upd_scale.get_unchecked(k));
            for (q, dv) in d.iter().enumerate() {
                S::store(p.add(q * l), S::fma(s, *dv, S::load(p.add(q * l))));
            }
            if TAIL {
                let pt = p.add(NV * l);
                S::store_part(pt, tail, S::fma(s, d_t, S::load_part(pt, tail)));
            }
        }

        // Sweep 2: accumulation in index order (y block held in registers).
        let yp = self.y.add(c0);
        let mut acc = [S::zero(); NV];
        let mut acc_t = S::zero();
        if !self.first {
            for (q, a) in acc.iter_mut().enumerate() {
                *a = S::load(yp.add(q * l));
            }
            if TAIL {
                acc_t = S::load_part(yp.add(NV * l), tail);
            }
        }
        for k in 0..sc.n_acc {
            let p = base.add(*sc.acc_rows.get_unchecked(k) as usize * self.cols);
            if k + PF < sc.n_acc {
                prefetch_block::<S>(
                    base.add(*sc.acc_rows.get_unchecked(k + PF) as usize * self.cols),
                    width,
                );
            }
            let v = S::splat(*sc.acc_vals.get_unchecked(k));
            for (q, a) in acc.iter_mut().enumerate() {
                *a = S::fma(v, S::load(p.add(q * l)), *a);
            }
            if TAIL {
                acc_t = S::fma(v, S::load_part(p.add(NV * l), tail), acc_t);
            }
        }
        for (q, a) in acc.iter().enumerate() {
            S::store(yp.add(q * l), *a);
        }
        if TAIL {
            S::store_part(yp.add(NV * l), tail, acc_t);
        }
    }
}

/// Buffer of update-only rows (rows not accumulated), applied row by row.
struct UpdOnly {
    rows: [u32; UPD_BUF],
    scale: [f32; UPD_BUF],
    len: usize,
}

impl UpdOnly {
    #[inline(always)]
    unsafe fn push<S: Simd>(
        &mut self,
        row: u32,
        scale: f32,
        delta: *const f32,
        a: *mut f32,
        cols: usize,
    ) {
        *self.rows.get_unchecked_mut(self.len) = row;
        *self.scale.get_unchecked_mut(self.len) = scale;
        self.len += 1;
        if self.len == UPD_BUF {
            self.flush::<S>(delta, a, cols);
        }
    }

    #[inline(always)]
    unsafe fn flush<S: Simd>(&mut self, delta: *const f32, a: *mut f32, cols: usize) {
        for k in 0..self.len {
            let row = a.add(*self.rows.get_unchecked(k) as usize * cols);
            axpy_body::<S>(*self.scale.get_unchecked(k), delta, row, cols);
        }
        self.len = 0;
    }
}

/// Fused `sparse_ger` + `sparse_gemv_t`. Rows only updated are independent of
/// the accumulation and applied via the same `axpy` as `sparse_ger`; rows that
/// are accumulated (and maybe updated) go through [`FusedChunk`] in index order.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn fused_body<S: Simd>(
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
    let mut sched = Schedule {
        acc_rows: [0; CHUNK],
        acc_vals: [0.0; CHUNK],
        n_acc: 0,
        upd_rows: [0; CHUNK],
        upd_scale: [0.0; CHUNK],
        n_upd: 0,
    };
    let mut only = UpdOnly {
        rows: [0; UPD_BUF],
        scale: [0.0; UPD_BUF],
        len: 0,
    };
    let mut i = 0; // next update row
    let mut j0 = 0; // first accumulate row of the chunk
    let mut first = true;
    while j0 < n_acc {
        let j1 = (j0 + CHUNK).min(n_acc);
        sched.n_upd = 0;
        for j in j0..j1 {
            let ra = *acc_idx.add(j);
            while i < n_upd && *upd_idx.add(i) < ra {
                only.push::<S>(*upd_idx.add(i), alpha * *upd_vals.add(i), delta, a, cols);
                i += 1;
            }
            *sched.acc_rows.get_unchecked_mut(j - j0) = ra;
            *sched.acc_vals.get_unchecked_mut(j - j0) = *acc_vals.add(j);
            if i < n_upd && *upd_idx.add(i) == ra {
                *sched.upd_rows.get_unchecked_mut(sched.n_upd) = ra;
                *sched.upd_scale.get_unchecked_mut(sched.n_upd) = alpha * *upd_vals.add(i);
                sched.n_upd += 1;
                i += 1;
            }
        }
        sched.n_acc = j1 - j0;
        let chunk = FusedChunk {
            sched: &sched,
            first,
            delta,
            a,
            cols,
            y,
        };
        for_each_col_block::<S, _>(S::FUSED_BLOCK, cols, &chunk);
        first = false;
        j0 = j1;
    }
    if first {
        // No accumulate rows: y = 0, like sparse_gemv_t over an empty list.
        for c in 0..cols {
            *y.add(c) = 0.0;
        }
    }
    while i < n_upd {
        only.push::<S>(*upd_idx.add(i), alpha * *upd_vals.add(i), delta, a, cols);
        i += 1;
    }
    only.flush::<S>(delta, a, cols);
}

kernel! {
    /// `y[..cols] = sum_k vals[k] * A[idx[k], :]`.
    pub(crate) unsafe fn sparse_gemv_t(a: *const f32, cols: usize, idx: *const u32, vals: *const f32, n: usize, y: *mut f32) = sparse_gemv_t_body;
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
