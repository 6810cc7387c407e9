//! Column-blocking driver shared by the transposed/sparse matrix-vector kernels.
//!
//! A block is `NV` full vectors plus (if `TAIL`) one partial vector; its
//! accumulators stay in registers while the kernel walks every selected row.

use crate::simd::Simd;

/// Software prefetch distance in rows for the column-blocked sweeps.
pub(crate) const PF: usize = 4;

/// Prefetches the cache lines of `len` floats at `p`. Rows are visited with
/// irregular strides, which hardware prefetchers miss; measured ~10-30% faster
/// `sparse_gemv_t` when the weights live in L3.
#[inline(always)]
pub(crate) unsafe fn prefetch_block<S: Simd>(p: *const f32, len: usize) {
    let mut o = 0;
    while o < len {
        S::prefetch(p.add(o));
        o += 16;
    }
}

/// Which rows a kernel visits, in order: row `row(k)` for `k in 0..len()`.
pub(crate) trait RowSel: Copy {
    /// Number of rows visited.
    fn len(self) -> usize;
    /// Row index of the `k`-th visited row. Safety: `k < len()`.
    unsafe fn row(self, k: usize) -> usize;
}

/// Rows `0..n` (dense kernels).
#[derive(Clone, Copy)]
pub(crate) struct AllRows(pub usize);

impl RowSel for AllRows {
    #[inline(always)]
    fn len(self) -> usize {
        self.0
    }
    #[inline(always)]
    unsafe fn row(self, k: usize) -> usize {
        k
    }
}

/// Rows listed in a `u32` index slice (sparse kernels).
#[derive(Clone, Copy)]
pub(crate) struct IdxRows(pub *const u32, pub usize);

impl RowSel for IdxRows {
    #[inline(always)]
    fn len(self) -> usize {
        self.1
    }
    #[inline(always)]
    unsafe fn row(self, k: usize) -> usize {
        *self.0.add(k) as usize
    }
}

/// One kernel's work on a column block starting at column `c0`.
pub(crate) trait ColBlock<S: Simd> {
    /// Processes columns `c0 .. c0 + NV * LANES (+ tail if TAIL)`; `tail < LANES`.
    unsafe fn block<const NV: usize, const TAIL: bool>(&self, c0: usize, tail: usize);
}

/// Runs `b` over all of `0..cols` in blocks of `nb` (4 or 8) full vectors,
/// then one remainder block of `< nb` full vectors plus a partial vector.
#[inline(always)]
pub(crate) unsafe fn for_each_col_block<S: Simd, B: ColBlock<S>>(nb: usize, cols: usize, b: &B) {
    if nb == 8 {
        blocks::<S, B, 8>(cols, b)
    } else {
        blocks::<S, B, 4>(cols, b)
    }
}

#[inline(always)]
unsafe fn blocks<S: Simd, B: ColBlock<S>, const NB: usize>(cols: usize, b: &B) {
    let width = NB * S::LANES;
    let mut c = 0;
    while c + width <= cols {
        b.block::<NB, false>(c, 0);
        c += width;
    }
    let rem = cols - c;
    let (full, tail) = (rem / S::LANES, rem % S::LANES);
    macro_rules! remainder {
        ($($n:literal)*) => {
            match (full, tail != 0) {
                (0, false) => {}
                (0, true) => b.block::<0, true>(c, tail),
                $(
                    ($n, false) => b.block::<$n, false>(c, 0),
                    ($n, true) => b.block::<$n, true>(c, tail),
                )*
                _ => unreachable!("remainder has fewer than NB full vectors"),
            }
        };
    }
    remainder!(1 2 3 4 5 6 7);
}

/// `y[c0..] = sum_k vals[k] * A[rows.row(k), c0..]` per column block: `y`
/// overwritten, or with `add` the sum starts from `y`'s values (one `fma` per
/// row in order, as an `axpy` per row would give).
pub(crate) struct GemvT<R> {
    pub a: *const f32,
    /// Row stride of `A` in floats.
    pub cols: usize,
    pub rows: R,
    pub vals: *const f32,
    pub y: *mut f32,
    pub add: bool,
    /// Prefetch rows `PF` ahead (worth it when they come from beyond L1).
    pub prefetch: bool,
}

impl<S: Simd, R: RowSel> ColBlock<S> for GemvT<R> {
    #[inline(always)]
    unsafe fn block<const NV: usize, const TAIL: bool>(&self, c0: usize, tail: usize) {
        let l = S::LANES;
        let base = self.a.add(c0);
        let y = self.y.add(c0);
        let mut acc = [S::zero(); NV];
        let mut acc_t = S::zero();
        if self.add {
            for (i, a) in acc.iter_mut().enumerate() {
                *a = S::load(y.add(i * l));
            }
            if TAIL {
                acc_t = S::load_part(y.add(NV * l), tail);
            }
        }
        let n = self.rows.len();
        for k in 0..n {
            let p = base.add(self.rows.row(k) * self.cols);
            if self.prefetch && k + PF < n {
                prefetch_block::<S>(base.add(self.rows.row(k + PF) * self.cols), NV * l + tail);
            }
            let v = S::splat(*self.vals.add(k));
            for (i, a) in acc.iter_mut().enumerate() {
                *a = S::fma(v, S::load(p.add(i * l)), *a);
            }
            if TAIL {
                acc_t = S::fma(v, S::load_part(p.add(NV * l), tail), acc_t);
            }
        }
        for (i, a) in acc.iter().enumerate() {
            S::store(y.add(i * l), *a);
        }
        if TAIL {
            S::store_part(y.add(NV * l), tail, acc_t);
        }
    }
}
