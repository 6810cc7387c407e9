//! Column-blocking driver shared by the transposed/sparse matrix-vector kernels.
//!
//! A block is `NV` full vectors plus (if `TAIL`) one partial vector; its
//! accumulators stay in registers while the kernel walks every selected row.

use crate::simd::Simd;

/// Software prefetch distance in rows for the column-blocked sweeps.
pub(crate) const PF: usize = 4;

/// Prefetches the cache lines of `len` floats at `p`. Rows are visited with
/// irregular strides, which hardware prefetchers miss; measured ~10-30% faster
/// `sparse_gemv_t` when the weights live in L3. Any address is fine (a
/// prefetch never faults).
#[inline(always)]
pub(crate) fn prefetch_block<S: Simd>(s: S, p: *const f32, len: usize) {
    let mut o = 0;
    while o < len {
        s.prefetch(p.wrapping_add(o));
        o += 16;
    }
}

/// Which rows a kernel visits, in order: row `row(k)` for `k in 0..len()`.
pub(crate) trait RowSel: Copy {
    /// Number of rows visited.
    fn len(self) -> usize;
    /// Row index of the `k`-th visited row.
    ///
    /// # Safety
    /// `k < len()`.
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

/// Rows listed in a `u32` index slice (sparse kernels): a pointer to its
/// first index and its length; the indices must be readable while it is used.
#[derive(Clone, Copy)]
pub(crate) struct IdxRows(pub *const u32, pub usize);

impl RowSel for IdxRows {
    #[inline(always)]
    fn len(self) -> usize {
        self.1
    }
    #[inline(always)]
    unsafe fn row(self, k: usize) -> usize {
        // SAFETY: `k < len()`, and the list's `len()` indices are readable.
        unsafe { *self.0.add(k) as usize }
    }
}

/// One kernel's work on a column block starting at column `c0`.
pub(crate) trait ColBlock<S: Simd> {
    /// Processes columns `c0 .. c0 + NV * LANES (+ tail if TAIL)`; `tail < LANES`.
    ///
    /// # Safety
    /// The implementor's memory contract holds for those columns.
    unsafe fn block<const NV: usize, const TAIL: bool>(&self, s: S, c0: usize, tail: usize);
}

/// Runs `b` over all of `0..cols` in blocks of `nb` (4 or 8) full vectors,
/// then one remainder block of `< nb` full vectors plus a partial vector.
///
/// # Safety
/// `b`'s memory contract holds for every column below `cols`.
#[inline(always)]
pub(crate) unsafe fn for_each_col_block<S: Simd, B: ColBlock<S>>(
    s: S,
    nb: usize,
    cols: usize,
    b: &B,
) {
    // SAFETY: `blocks` needs `b`'s memory contract for every column below
    // `cols`, which is this function's own contract.
    unsafe {
        if nb == 8 {
            blocks::<S, B, 8>(s, cols, b)
        } else {
            blocks::<S, B, 4>(s, cols, b)
        }
    }
}

/// [`for_each_col_block`] with `NB` vectors per block.
///
/// # Safety
/// As [`for_each_col_block`].
#[inline(always)]
unsafe fn blocks<S: Simd, B: ColBlock<S>, const NB: usize>(s: S, cols: usize, b: &B) {
    let width = NB * S::LANES;
    let mut c = 0;
    while c + width <= cols {
        // SAFETY: columns `c..c + width` are below `cols`.
        unsafe { b.block::<NB, false>(s, c, 0) };
        c += width;
    }
    let rem = cols - c;
    let (full, tail) = (rem / S::LANES, rem % S::LANES);
    macro_rules! remainder {
        ($($n:literal)*) => {
            // SAFETY: the remainder block covers exactly columns `c..cols`.
            unsafe {
                match (full, tail != 0) {
                    (0, false) => {}
                    (0, true) => b.block::<0, true>(s, c, tail),
                    $(
                        ($n, false) => b.block::<$n, false>(s, c, 0),
                        ($n, true) => b.block::<$n, true>(s, c, tail),
                    )*
                    _ => unreachable!("remainder has fewer than NB full vectors"),
                }
            }
        };
    }
    remainder!(1 2 3 4 5 6 7);
}

/// One column block in registers: `NV` full vectors and, if `TAIL`, one
/// partial vector of `tail < LANES` floats. The pointer methods read or write
/// `NV * LANES + tail` floats.
#[derive(Clone, Copy)]
pub(crate) struct Block<S: Simd, const NV: usize, const TAIL: bool> {
    full: [S::V; NV],
    part: S::V,
}

impl<S: Simd, const NV: usize, const TAIL: bool> Block<S, NV, TAIL> {
    /// All zeros.
    #[inline(always)]
    pub(crate) fn zero(s: S) -> Self {
        Block {
            full: [s.zero(); NV],
            part: s.zero(),
        }
    }

    /// The block at `p`.
    ///
    /// # Safety
    /// `p[..NV * LANES + tail]` is readable.
    #[inline(always)]
    pub(crate) unsafe fn load(s: S, p: *const f32, tail: usize) -> Self {
        let l = S::LANES;
        let mut b = Block::zero(s);
        // SAFETY: vector `i < NV` and the tail lie inside `p[..NV * l + tail]`.
        unsafe {
            for (i, v) in b.full.iter_mut().enumerate() {
                *v = s.load(p.add(i * l));
            }
            if TAIL {
                b.part = s.load_part(p.add(NV * l), tail);
            }
        }
        b
    }

    /// Writes the block to `p`.
    ///
    /// # Safety
    /// `p[..NV * LANES + tail]` is writable.
    #[inline(always)]
    pub(crate) unsafe fn store(&self, s: S, p: *mut f32, tail: usize) {
        let l = S::LANES;
        // SAFETY: vector `i < NV` and the tail lie inside `p[..NV * l + tail]`.
        unsafe {
            for (i, v) in self.full.iter().enumerate() {
                s.store(p.add(i * l), *v);
            }
            if TAIL {
                s.store_part(p.add(NV * l), tail, self.part);
            }
        }
    }

    /// `self = fma(x, p[..], self)` lane by lane: adds `x` times the block at `p`.
    ///
    /// # Safety
    /// `p[..NV * LANES + tail]` is readable.
    #[inline(always)]
    pub(crate) unsafe fn fma_load(&mut self, s: S, x: S::V, p: *const f32, tail: usize) {
        let l = S::LANES;
        // SAFETY: vector `i < NV` and the tail lie inside `p[..NV * l + tail]`.
        unsafe {
            for (i, v) in self.full.iter_mut().enumerate() {
                *v = s.fma(x, s.load(p.add(i * l)), *v);
            }
            if TAIL {
                self.part = s.fma(x, s.load_part(p.add(NV * l), tail), self.part);
            }
        }
    }

    /// `self = fma(x, other, self)` lane by lane.
    #[inline(always)]
    pub(crate) fn fma_regs(&mut self, s: S, x: S::V, other: &Self) {
        for (v, o) in self.full.iter_mut().zip(&other.full) {
            *v = s.fma(x, *o, *v);
        }
        if TAIL {
            self.part = s.fma(x, other.part, self.part);
        }
    }
}

/// `y[c0..] = sum_k vals[k] * A[rows.row(k), c0..]` per column block: `y`
/// overwritten, or with `add` the sum starts from `y`'s values (one `fma` per
/// row in order, as an `axpy` per row would give).
///
/// Contract: every visited row of `a` (row stride `cols`) is readable over
/// the block's columns, `vals` holds `rows.len()` floats, and `y` is
/// writable over the block's columns, overlapping neither.
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

impl<R: RowSel> GemvT<R> {
    /// `y = sum_k vals[k] * A[rows.row(k), ..]`, `A` with row stride `stride`,
    /// prefetching rows ahead (they come from beyond L1).
    #[inline(always)]
    pub(crate) fn new(
        a: *const f32,
        stride: usize,
        rows: R,
        vals: *const f32,
        y: *mut f32,
    ) -> Self {
        GemvT {
            a,
            cols: stride,
            rows,
            vals,
            y,
            add: false,
            prefetch: true,
        }
    }

    /// The same sum added onto `y`'s values, without prefetching (the rows are in L1).
    #[inline(always)]
    pub(crate) fn onto_y_from_l1(self) -> Self {
        GemvT {
            add: true,
            prefetch: false,
            ..self
        }
    }

    /// Runs over columns `0..cols` in blocks of `S::GEMV_BLOCK` vectors.
    ///
    /// # Safety
    /// The struct's contract holds for every column below `cols`.
    #[inline(always)]
    pub(crate) unsafe fn run<S: Simd>(&self, s: S, cols: usize) {
        // SAFETY: `for_each_col_block` calls `block` only on columns below
        // `cols`, where the caller guarantees the struct's contract holds.
        unsafe { for_each_col_block(s, S::GEMV_BLOCK, cols, self) }
    }
}

impl<S: Simd, R: RowSel> ColBlock<S> for GemvT<R> {
    #[inline(always)]
    unsafe fn block<const NV: usize, const TAIL: bool>(&self, s: S, c0: usize, tail: usize) {
        let width = NV * S::LANES + tail;
        let base = self.a.wrapping_add(c0);
        let y = self.y.wrapping_add(c0);
        let mut acc = if self.add {
            // SAFETY: `y` is readable over the block's columns.
            unsafe { Block::<S, NV, TAIL>::load(s, y, tail) }
        } else {
            Block::zero(s)
        };
        let n = self.rows.len();
        for k in 0..n {
            // SAFETY: `k < n`; the row it names is readable over the block.
            let p = unsafe { base.add(self.rows.row(k) * self.cols) };
            if self.prefetch && k + PF < n {
                // SAFETY: `k + PF < n` (the address itself need not be valid).
                let ahead = unsafe { self.rows.row(k + PF) };
                prefetch_block(s, base.wrapping_add(ahead * self.cols), width);
            }
            // SAFETY: `vals` holds `n` floats.
            let v = s.splat(unsafe { *self.vals.add(k) });
            // SAFETY: row `p` is readable over the block's columns.
            unsafe { acc.fma_load(s, v, p, tail) };
        }
        // SAFETY: `y` is writable over the block's columns.
        unsafe { acc.store(s, y, tail) };
    }
}
