//! Deferred rank-k updates of sparse rows, fused with the next block's sparse reads.
//!
//! Online SGD updates W1 once per sample, and every update touches ~150 rows of
//! N floats, so per step the touched rows stream through the cache hierarchy
//! about three times (read, write, read for the next forward). Holding back a
//! block of samples' updates and applying them in one pass moves each touched
//! row through the hierarchy once per block. The same pass computes the next
//! block's sparse reads, so the caller gets those forward products from it
//! and corrects them for the updates made inside the block.
//!
//! The pass walks the matrix in tiles of `TILE_ROWS` consecutive rows by one
//! column block (16 KiB at most), small enough for L1. The tile's updates are
//! bucketed by row; each updated row block is loaded once, receives its
//! updates (deltas read from L1), and is stored once. Then every read slot
//! sums its rows of the tile with its accumulators in registers. So each
//! weight is loaded from beyond L1 once per pass, and the inner loops touch
//! only L1.
//!
//! Each row receives its updates in slot order with the same `fma` as
//! `sparse_ger`, so the weights after a pass are bit-identical to applying the
//! updates one sample at a time; each read sums its rows in increasing order
//! like `sparse_gemv_t`, so it is bit-identical to that on the updated matrix.

use crate::blocked::{for_each_col_block, Block, ColBlock, GemvT, IdxRows};
use crate::dispatch::kernel;
use crate::simd::Simd;

/// Most slots of either kind in one pass.
pub const MAX_SLOTS: usize = 32;
// A row's update slots are the bits of a u32.
const _: () = assert!(MAX_SLOTS <= u32::BITS as usize);

/// Rows per tile: 64 rows x one 64-float column block = 16 KiB.
pub(crate) const TILE_ROWS: usize = 64;

/// A sparse vector's entries in one tile: `idx[k], vals[k]` for `k in start..end`.
#[derive(Clone, Copy)]
struct Seg {
    start: usize,
    end: usize,
}

/// One slot's sparse vector (strictly increasing indices), where its entries
/// of each tile start, and, for updates, its scale.
#[derive(Clone, Copy)]
pub(crate) struct Slot {
    pub idx: *const u32,
    pub vals: *const f32,
    /// `tiles + 1` entry offsets: tile `t`'s entries are `tile_starts[t]..tile_starts[t + 1]`.
    pub tile_starts: *const u32,
    /// Tiles with boundaries; later tiles have no entries.
    pub tiles: usize,
    pub alpha: f32,
}

/// The updates of one tile's rows, bucketed by row.
///
/// A row's updates are a bit mask of slots (visited lowest first, which is
/// slot order) and a scale per slot. Filling a per-row list with a running
/// count made every store's address wait for the previous count's load, which
/// serialised the fill; a mask's `|=` and the scale's store have addresses
/// known from the index alone.
struct Buckets {
    /// Tile rows with at least one update, increasing.
    touched: [u8; TILE_ROWS],
    n_touched: usize,
    /// Bit `p` of row `j`: update slot `p` has an entry in row `j`.
    slots: [u32; TILE_ROWS],
    /// `alpha * val` of slot `p`'s entry in row `j` (valid where the bit is set).
    scale: [[f32; MAX_SLOTS]; TILE_ROWS],
}

impl Buckets {
    /// Buckets the update slots' segments of the tile starting at row `r0`.
    ///
    /// # Safety
    /// Each segment's entries are readable from its slot and index rows
    /// `r0..r0 + TILE_ROWS`; `upd.len() <= MAX_SLOTS`.
    #[inline(always)]
    unsafe fn fill(&mut self, upd: &[Slot], segs: &[Seg], r0: usize) {
        self.slots = [0; TILE_ROWS];
        for (p, (slot, seg)) in upd.iter().zip(segs).enumerate() {
            for k in seg.start..seg.end {
                // SAFETY: `k` is inside the segment, so the entry is readable
                // and its row `j` is below TILE_ROWS; `p < MAX_SLOTS`.
                unsafe {
                    let j = *slot.idx.add(k) as usize - r0;
                    *self.slots.get_unchecked_mut(j) |= 1 << p;
                    // The same product sparse_ger forms, so the weights match it bit for bit.
                    *self.scale.get_unchecked_mut(j).get_unchecked_mut(p) =
                        slot.alpha * *slot.vals.add(k);
                }
            }
        }
        // Branch-free: about half the rows are touched, so a branch would mispredict.
        let mut n = 0;
        for j in 0..TILE_ROWS {
            self.touched[n] = j as u8;
            n += (self.slots[j] != 0) as usize;
        }
        self.n_touched = n;
    }
}

/// One row tile: its bucketed updates and every read slot's segment inside it.
///
/// Contract: the tile's rows `r0..r0 + TILE_ROWS` that its buckets and
/// segments name are inside `a` (row stride `cols`); `deltas` holds `cols`
/// floats per update slot and `z` per read slot.
struct Tile<'t> {
    r0: usize,
    buckets: &'t Buckets,
    deltas: *const f32,
    acc: &'t [Slot],
    acc_seg: &'t [Seg],
    a: *mut f32,
    cols: usize,
    z: *mut f32,
}

impl<S: Simd> ColBlock<S> for Tile<'_> {
    #[inline(always)]
    unsafe fn block<const NV: usize, const TAIL: bool>(&self, s: S, c0: usize, tail: usize) {
        let cols = self.cols;

        // Updates, row by row: each row block is loaded once, receives its
        // updates in slot order, and is stored once.
        let bk = self.buckets;
        let tile = self.a.wrapping_add(self.r0 * cols + c0);
        for &j in &bk.touched[..bk.n_touched] {
            let j = j as usize;
            // SAFETY: a touched row `j < TILE_ROWS` of the tile is inside `a`.
            let row = unsafe { tile.add(j * cols) };
            // SAFETY: the row's block of columns is readable.
            let mut w = unsafe { Block::<S, NV, TAIL>::load(s, row, tail) };
            // SAFETY: `fill` lists only rows below TILE_ROWS as touched.
            let (scales, mut slots) =
                unsafe { (bk.scale.get_unchecked(j), *bk.slots.get_unchecked(j)) };
            while slots != 0 {
                let p = slots.trailing_zeros() as usize;
                slots &= slots - 1;
                // SAFETY: `p` is a bit of a u32, below 32 = MAX_SLOTS.
                let scale = s.splat(unsafe { *scales.get_unchecked(p) });
                // SAFETY: slot `p` has an update, so `deltas` holds its
                // `cols` floats, the block's columns among them.
                unsafe { w.fma_load(s, scale, self.deltas.add(p * cols + c0), tail) };
            }
            // SAFETY: the same touched row's block of columns, inside `a`, which
            // the pass may write.
            unsafe { w.store(s, row, tail) };
        }

        // Reads, slot by slot, accumulating in registers.
        for (t, (slot, seg)) in self.acc.iter().zip(self.acc_seg).enumerate() {
            if seg.start == seg.end {
                continue;
            }
            // SAFETY: the segment's entries are readable from the slot.
            let (idx, vals) = unsafe { (slot.idx.add(seg.start), slot.vals.add(seg.start)) };
            let rows = IdxRows(idx, seg.end - seg.start);
            let y = self.z.wrapping_add(t * cols);
            let read = GemvT::new(self.a, cols, rows, vals, y).onto_y_from_l1();
            // SAFETY: the segment's rows are inside `a`; read slot `t`'s
            // `cols` floats of `z` are writable.
            unsafe { read.block::<NV, TAIL>(s, c0, tail) };
        }
    }
}

/// Sets each slot's segment to its entries in tile `t`.
///
/// # Safety
/// Each slot's `tiles + 1` tile starts are readable.
#[inline(always)]
unsafe fn tile_segments(slots: &[Slot], segs: &mut [Seg], t: usize) {
    for (slot, seg) in slots.iter().zip(segs.iter_mut()) {
        let (a, b) = (t.min(slot.tiles), (t + 1).min(slot.tiles));
        // SAFETY: `a, b <= tiles`.
        *seg = unsafe {
            Seg {
                start: *slot.tile_starts.add(a) as usize,
                end: *slot.tile_starts.add(b) as usize,
            }
        };
    }
}

/// Contract: `upd.len() <= MAX_SLOTS`, `acc.len() <= MAX_SLOTS`; every slot's
/// indices are strictly increasing and `< rows`, and its tile starts split
/// them at multiples of `TILE_ROWS`; `a` holds `rows * cols`
/// floats, `deltas` `upd.len() * cols`, `z` `acc.len() * cols` zeros; `z`
/// overlaps neither `a` nor `deltas`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
unsafe fn block_pass_body<S: Simd>(
    s: S,
    upd: &[Slot],
    deltas: *const f32,
    acc: &[Slot],
    rows: usize,
    cols: usize,
    a: *mut f32,
    z: *mut f32,
) {
    let empty = Seg { start: 0, end: 0 };
    let mut upd_seg = [empty; MAX_SLOTS];
    let mut acc_seg = [empty; MAX_SLOTS];
    let (upd_seg, acc_seg) = (&mut upd_seg[..upd.len()], &mut acc_seg[..acc.len()]);
    let mut buckets = Buckets {
        touched: [0; TILE_ROWS],
        n_touched: 0,
        slots: [0; TILE_ROWS],
        scale: [[0.0; MAX_SLOTS]; TILE_ROWS],
    };
    for t in 0..rows.div_ceil(TILE_ROWS) {
        let r0 = t * TILE_ROWS;
        // SAFETY: the slots' tile starts split their entries at tile
        // boundaries, so tile `t`'s segments hold rows `r0..r0 + TILE_ROWS`
        // below `rows`.
        unsafe {
            tile_segments(upd, upd_seg, t);
            tile_segments(acc, acc_seg, t);
            buckets.fill(upd, upd_seg, r0);
        }
        let tile = Tile {
            r0,
            buckets: &buckets,
            deltas,
            acc,
            acc_seg,
            a,
            cols,
            z,
        };
        // SAFETY: the tile's rows are inside `a`, `deltas` and `z` as the contract says.
        unsafe { for_each_col_block(s, S::FUSED_BLOCK, cols, &tile) };
    }
}

kernel! {
    /// Applies the update slots to `a`, then adds the read slots' rows into the zeroed `z`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) unsafe fn block_pass(upd: &[Slot], deltas: *const f32, acc: &[Slot], rows: usize, cols: usize, a: *mut f32, z: *mut f32) = block_pass_body;
}
