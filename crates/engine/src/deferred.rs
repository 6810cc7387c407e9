//! W1 updates held back for a block of samples and applied in one pass.
//!
//! Sample `t`'s forward needs `W1_{t-1} = W1_stale + sum_{s<t} alpha_s x_s delta_s^T`
//! (the sum over the block's earlier samples), so
//! `W1_{t-1}^T x_t = W1_stale^T x_t + sum_{s<t} alpha_s (x_s . x_t) delta_s`.
//! One pass over the union of a block's rows applies the previous block's
//! updates and computes every `W1_stale^T x_t` of the next block; each step then
//! adds the in-block corrections, N-float axpys scaled by the Gram entries.
//! The weights are bit-identical to per-step updates; the forward products
//! equal them up to floating-point reassociation.

use crate::Dataset;
use mlp_kernels as k;

/// Most steps per block.
pub(crate) const MAX_SAMPLES: usize = k::MAX_SLOTS;

/// Block state: the samples of the current block, their precomputed reads, and
/// the updates of the steps taken so far.
pub(crate) struct DeferredW1 {
    /// Samples per block.
    samples: usize,
    hidden: usize,
    /// The current block's samples, in step order.
    block: Vec<u32>,
    /// Steps of the current block taken so far (= held-back updates).
    taken: usize,
    /// `W1_stale^T x_t` per block slot (stored units), `samples x hidden`.
    reads: Vec<f32>,
    /// delta_h per block slot, `samples x hidden`.
    deltas: Vec<f32>,
    /// `eta / s1` of each slot's update, or `None` when it changes nothing.
    alphas: Vec<Option<f32>>,
    /// The next step's input scattered densely (zero elsewhere), for its dot
    /// products with the block's earlier inputs.
    dense: Vec<f32>,
}

impl DeferredW1 {
    /// Empty state for blocks of `samples` steps (1 to `MAX_SAMPLES`) and `hidden` units.
    pub(crate) fn new(samples: usize, hidden: usize) -> DeferredW1 {
        let samples = samples.clamp(1, MAX_SAMPLES);
        DeferredW1 {
            samples,
            hidden,
            block: Vec::with_capacity(samples),
            taken: 0,
            reads: vec![0.0; samples * hidden],
            deltas: vec![0.0; samples * hidden],
            alphas: vec![None; samples],
            dense: Vec::new(),
        }
    }

    /// True when the next step is `sample` and its read is ready.
    pub(crate) fn is_next(&self, sample: u32) -> bool {
        self.block.get(self.taken) == Some(&sample)
    }

    /// Applies the held-back updates to `w1` and, when `upcoming` is not empty,
    /// starts a block of its first samples with their reads computed in the same pass.
    pub(crate) fn pass(&mut self, data: &Dataset, upcoming: &[u32], w1: &mut [f32]) {
        let next = &upcoming[..upcoming.len().min(self.samples)];
        let none: k::Sparse<'_> = (&[], &[]);
        let mut updates = [none; MAX_SAMPLES];
        let mut alphas = [0.0f32; MAX_SAMPLES];
        let mut reads = [none; MAX_SAMPLES];
        for p in 0..self.taken {
            if let Some(alpha) = self.alphas[p] {
                updates[p] = data.sample(self.block[p] as usize);
                alphas[p] = alpha;
            }
        }
        for (r, &i) in reads.iter_mut().zip(next) {
            *r = data.sample(i as usize);
        }
        k::block_pass(
            &updates[..self.taken],
            &alphas[..self.taken],
            &self.deltas,
            &reads[..next.len()],
            self.hidden,
            w1,
            &mut self.reads,
        );
        self.block.clear();
        self.block.extend_from_slice(next);
        self.taken = 0;
        self.dense.resize(data.inputs(), 0.0);
    }

    /// Writes the next step's `W1^T x` (stored units, all earlier updates included) into `z`.
    pub(crate) fn read(&mut self, data: &Dataset, z: &mut [f32]) {
        let (n, t) = (self.hidden, self.taken);
        z.copy_from_slice(&self.reads[t * n..(t + 1) * n]);
        if t == 0 {
            return;
        }
        let (idx, vals) = data.sample(self.block[t] as usize);
        for (&r, &v) in idx.iter().zip(vals) {
            self.dense[r as usize] = v;
        }
        for s in 0..t {
            let Some(alpha) = self.alphas[s] else {
                continue;
            };
            let (si, sv) = data.sample(self.block[s] as usize);
            let dot = gather_dot(si, sv, &self.dense);
            if dot != 0.0 {
                k::axpy(alpha * dot, &self.deltas[s * n..(s + 1) * n], z);
            }
        }
        for &r in idx {
            self.dense[r as usize] = 0.0;
        }
    }
    /// Records the step just read: its delta_h and update scale, or no update.
    pub(crate) fn record(&mut self, delta_h: &[f32], alpha: Option<f32>) {
        let (n, t) = (self.hidden, self.taken);
        if alpha.is_some() {
            self.deltas[t * n..(t + 1) * n].copy_from_slice(delta_h);
        }
        self.alphas[t] = alpha;
        self.taken += 1;
    }

    /// Whether updates are held back (the weights are behind the steps taken).
    pub(crate) fn pending(&self) -> bool {
        self.taken > 0
    }

    /// Scales the reads of the block's remaining steps (when W1's scale is folded in).
    pub(crate) fn scale_reads(&mut self, s: f32) {
        let n = self.hidden;
        k::scale(s, &mut self.reads[self.taken * n..self.block.len() * n]);
    }
}

/// `sum_k vals[k] * dense[idx[k]]`, with four partial sums so the adds overlap.
#[inline]
fn gather_dot(idx: &[u32], vals: &[f32], dense: &[f32]) -> f32 {
    let mut acc = [0.0f32; 4];
    let (ic, vc) = (idx.chunks_exact(4), vals.chunks_exact(4));
    let (ir, vr) = (ic.remainder(), vc.remainder());
    for (i4, v4) in ic.zip(vc) {
        for j in 0..4 {
            acc[j] += v4[j] * dense[i4[j] as usize];
        }
    }
    for (&i, &v) in ir.iter().zip(vr) {
        acc[0] += v * dense[i as usize];
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}
