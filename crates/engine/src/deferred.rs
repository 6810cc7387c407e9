//! W1 updates held back for a block of samples and applied in one pass.
//!
//! Sample `t`'s forward needs `W1_{t-1} = W1_stale + sum_{s<t} alpha_s x_s delta_s^T`
//! (the sum over the block's earlier samples), so
//! `W1_{t-1}^T x_t = W1_stale^T x_t + sum_{s<t} alpha_s (x_s . x_t) delta_s`.
//! One pass over the union of a block's rows applies the previous block's
//! updates and computes every `W1_stale^T x_t` of the next block; each step then
//! adds the in-block corrections, the earlier deltas scaled by the Gram entries,
//! in one sweep that keeps the product in registers.
//! The weights are bit-identical to per-step updates; the forward products
//! equal them up to floating-point reassociation.
//!
//! While updates are deferred the block state owns W1, in a padded layout
//! whose rows start on vector boundaries; [`DeferredW1::store_weights`] copies
//! it back out.

use crate::gram::gather_dot;
use crate::padded::PaddedRows;
use crate::Dataset;
use mlp_kernels as k;

/// Most steps per block.
pub(crate) const MAX_SAMPLES: usize = k::MAX_SLOTS;

/// Block state: the samples of the current block, their precomputed reads, and
/// the updates of the steps taken so far.
pub(crate) struct DeferredW1 {
    /// Samples per block.
    samples: usize,
    /// W1 (`inputs x hidden`), the only current copy while updates are deferred.
    w1: PaddedRows,
    /// Whether `w1` changed since it was last stored.
    unstored: bool,
    /// The current block's samples, in step order.
    block: Vec<u32>,
    /// Steps of the current block taken so far (= held-back updates).
    taken: usize,
    /// `W1_stale^T x_t` per block slot (stored units), `samples x hidden`.
    reads: PaddedRows,
    /// delta_h per block slot, `samples x hidden` (padding stays zero, so W1's does).
    deltas: PaddedRows,
    /// `eta / s1` of each slot's update, or `None` when it changes nothing.
    alphas: Vec<Option<f32>>,
    /// The next step's input scattered densely (zero elsewhere), for its dot
    /// products with the block's earlier inputs.
    dense: Vec<f32>,
}

impl DeferredW1 {
    /// State for blocks of `samples` steps (1 to `MAX_SAMPLES`) starting from
    /// `w1` (`inputs x hidden`, row-major).
    pub(crate) fn new(samples: usize, w1: &[f32], hidden: usize) -> DeferredW1 {
        let samples = samples.clamp(1, MAX_SAMPLES);
        DeferredW1 {
            samples,
            w1: PaddedRows::from_rows(w1, hidden),
            unstored: false,
            block: Vec::with_capacity(samples),
            taken: 0,
            reads: PaddedRows::zeros(samples, hidden),
            deltas: PaddedRows::zeros(samples, hidden),
            alphas: vec![None; samples],
            dense: Vec::new(),
        }
    }

    /// True when the next step is `sample` and its read is ready.
    pub(crate) fn is_next(&self, sample: u32) -> bool {
        self.block.get(self.taken) == Some(&sample)
    }

    /// Applies the held-back updates to W1 and, when `upcoming` is not empty,
    /// starts a block of its first samples with their reads computed in the same pass.
    pub(crate) fn pass(&mut self, data: &Dataset, upcoming: &[u32]) {
        let next = &upcoming[..upcoming.len().min(self.samples)];
        // The block after this one: its samples reach the core while this pass
        // runs instead of stalling the next pass on memory.
        let after = &upcoming[next.len()..upcoming.len().min(2 * self.samples)];
        for &i in after {
            data.prefetch(i as usize);
        }
        let none = k::TiledSparse::EMPTY;
        let mut updates = [none; MAX_SAMPLES];
        let mut alphas = [0.0f32; MAX_SAMPLES];
        let mut reads = [none; MAX_SAMPLES];
        for p in 0..self.taken {
            if let Some(alpha) = self.alphas[p] {
                updates[p] = data.tiled(self.block[p] as usize);
                alphas[p] = alpha;
            }
        }
        for (r, &i) in reads.iter_mut().zip(next) {
            *r = data.tiled(i as usize);
        }
        self.unstored |= self.taken > 0;
        k::block_pass(
            &updates[..self.taken],
            &alphas[..self.taken],
            self.deltas.as_slice(),
            &reads[..next.len()],
            self.w1.stride(),
            self.w1.as_mut_slice(),
            self.reads.as_mut_slice(),
        );
        self.block.clear();
        self.block.extend_from_slice(next);
        self.taken = 0;
        self.dense.resize(data.inputs(), 0.0);
    }

    /// Writes the next step's `W1^T x` (stored units, all earlier updates included) into `z`.
    pub(crate) fn read(&mut self, data: &Dataset, z: &mut [f32]) {
        let t = self.taken;
        z.copy_from_slice(self.reads.row(t));
        if t == 0 {
            return;
        }
        let cur = self.block[t];
        let (idx, vals) = data.sample(cur as usize);
        let mut scattered = false;
        let mut rows = [0u32; MAX_SAMPLES];
        let mut coeffs = [0.0f32; MAX_SAMPLES];
        let mut n = 0;
        for s in 0..t {
            let Some(alpha) = self.alphas[s] else {
                continue;
            };
            let earlier = self.block[s];
            // The cached dot, or the same gather computed here.
            let dot = data.pair_dot(earlier, cur).unwrap_or_else(|| {
                if !scattered {
                    for (&r, &v) in idx.iter().zip(vals) {
                        self.dense[r as usize] = v;
                    }
                    scattered = true;
                }
                let (si, sv) = data.sample(earlier as usize);
                gather_dot(si, sv, &self.dense)
            });
            if dot != 0.0 {
                rows[n] = s as u32;
                coeffs[n] = alpha * dot;
                n += 1;
            }
        }
        if n > 0 {
            k::add_scaled_rows(
                self.deltas.as_slice(),
                self.deltas.stride(),
                &rows[..n],
                &coeffs[..n],
                z,
            );
        }
        if scattered {
            for &r in idx {
                self.dense[r as usize] = 0.0;
            }
        }
    }
    /// Records the step just read: its delta_h and update scale, or no update.
    pub(crate) fn record(&mut self, delta_h: &[f32], alpha: Option<f32>) {
        let t = self.taken;
        if alpha.is_some() {
            self.deltas.row_mut(t).copy_from_slice(delta_h);
        }
        self.alphas[t] = alpha;
        self.taken += 1;
    }

    /// Whether updates are held back (the weights are behind the steps taken).
    pub(crate) fn pending(&self) -> bool {
        self.taken > 0
    }

    /// Multiplies W1 and the reads of the block's remaining steps by `s` (folding
    /// W1's decay scale in). No update may be held back.
    pub(crate) fn scale(&mut self, s: f32) {
        debug_assert!(!self.pending());
        k::scale(s, self.w1.as_mut_slice());
        let stride = self.reads.stride();
        let rest = self.taken * stride..self.block.len() * stride;
        k::scale(s, &mut self.reads.as_mut_slice()[rest]);
        self.unstored = true;
    }

    /// Copies W1 into `w1` (`inputs x hidden`, row-major) if it changed since
    /// the last copy. No update may be held back.
    pub(crate) fn store_weights(&mut self, w1: &mut [f32]) {
        debug_assert!(!self.pending());
        if self.unstored {
            self.w1.copy_to(w1);
            self.unstored = false;
        }
    }
}
