//! The minibatch step: forward, deltas, then each layer's gradient and update.

use super::distort::Distorter;
use super::{
    apply_masks, first_layer, upper_layers, Dropout, Inputs, NetSpec, RowBuffers, RowMasks,
    PART_ROWS,
};
use crate::optim::{chain_for, Chain, Schedule, StepContext};
use crate::{Dataset, Network, TrainConfig};
use mlp_kernels::{self as k, AlignedVec, MatRef, SparseSet};
use rayon::prelude::*;

/// Input density (non-zero fraction of a batch) from which the first layer
/// runs dense through sgemm rather than over the non-zero inputs.
///
/// Measured (2026-12-02, this project's 2-core VM, simard-plain at batch 64, one
/// thread) with `mlp bench --recipe simard-plain --batch 64 --first-layer
/// sparse,dense --density 0.3,0.4,0.5,0.6,0.8`: sparse is ahead at 40%
/// (14,271 against 13,590 samples/s) and behind at 50% (11,497 against
/// 12,968); the lines cross near 43% (docs/performance.md).
pub const DENSE_FROM: f64 = 0.43;

/// About this many parameters per update task.
const UPDATE_FLOATS: usize = 16 * 1024;

/// How the first layer multiplies by the inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FirstLayer {
    /// Sparse or dense per batch, by its density against [`DENSE_FROM`].
    #[default]
    Auto,
    /// Always over the non-zero inputs only.
    Sparse,
    /// Always the dense product.
    Dense,
}

/// One part's buffers: its rows' activations and deltas.
struct Part {
    buf: RowBuffers,
    /// `d[l]` for the hidden layers above the first (the first's live in the
    /// trainer's contiguous `delta0`, the output's in `buf.z`).
    d: Vec<Vec<f32>>,
    rows: usize,
    loss: f64,
    correct: usize,
}

/// The batch transposed: for each input, the batch rows that light it and their values.
#[derive(Default)]
struct Columns {
    start: Vec<usize>,
    /// Where each input's next entry lands while filling (kept to allocate once).
    next: Vec<usize>,
    rows: Vec<u32>,
    vals: Vec<f32>,
    /// For each share of `share` batch rows after the first, where each
    /// input's entries of that share begin (`inputs` offsets a share).
    cuts: Vec<usize>,
}

impl Columns {
    /// The batch `ids` of `set` transposed, for shares of `share` rows.
    fn fill(&mut self, set: &SparseSet, ids: &[u32], inputs: usize, share: usize) {
        self.start.clear();
        self.start.resize(inputs + 1, 0);
        for (r, &i) in ids.iter().enumerate() {
            // A batch's vectors lie anywhere in the set: fetch ahead what
            // this pass and the next read of them.
            if let Some(&ahead) = ids.get(r + 2) {
                set.prefetch(ahead as usize);
            }
            for &p in set.get(i as usize).0 {
                self.start[p as usize + 1] += 1;
            }
        }
        for p in 0..inputs {
            self.start[p + 1] += self.start[p];
        }
        let total = self.start[inputs];
        self.rows.resize(total, 0);
        self.vals.resize(total, 0.0);
        // `start[p]` walks forward as entries land; rows arrive in batch order,
        // so each input's list is increasing, as the sparse kernels require.
        self.next.clear();
        self.next.extend_from_slice(&self.start[..inputs]);
        self.cuts.clear();
        for (r, &i) in ids.iter().enumerate() {
            if r > 0 && r % share == 0 {
                self.cuts.extend_from_slice(&self.next);
            }
            let (idx, vals) = set.get(i as usize);
            for (&p, &v) in idx.iter().zip(vals) {
                let at = &mut self.next[p as usize];
                self.rows[*at] = r as u32;
                self.vals[*at] = v;
                *at += 1;
            }
        }
    }

    /// The whole batch of `rows` rows.
    fn whole(&self, rows: usize) -> k::BatchByInputs<'_> {
        let inputs = self.start.len() - 1;
        k::BatchByInputs::new(
            &self.start[..inputs],
            &self.start[1..],
            &self.rows,
            &self.vals,
            0..rows,
        )
    }

    /// Share `t`'s rows, `rows` of the batch, as [`Self::fill`] cut them.
    fn share(&self, t: usize, rows: std::ops::Range<usize>) -> k::BatchByInputs<'_> {
        let inputs = self.start.len() - 1;
        let cut = |t: usize| &self.cuts[(t - 1) * inputs..t * inputs];
        let from = if t == 0 {
            &self.start[..inputs]
        } else {
            cut(t)
        };
        let to = if (t + 1) * inputs <= self.cuts.len() {
            cut(t + 1)
        } else {
            &self.start[1..]
        };
        k::BatchByInputs::new(from, to, &self.rows, &self.vals, rows)
    }
}

/// Layer `l`'s deltas in part `p` (the output layer's sit in its logits' place).
fn delta_of<'a>(p: &'a Part, l: usize, sizes: &[usize], layers: usize) -> &'a [f32] {
    let width = sizes[l + 1];
    if l + 1 == layers {
        &p.buf.z[l][..p.rows * width]
    } else {
        &p.d[l][..p.rows * width]
    }
}

/// Floats of weight state per update block of `block` parameters: `slots`
/// per parameter, or one unused float when the chain keeps none (so that
/// every block still has a state chunk to zip with).
fn weight_state_block(slots: usize, block: usize) -> usize {
    if slots == 0 {
        1
    } else {
        slots * block
    }
}

/// Rayon splits tasks over threads only when the run may use several.
pub(super) fn min_len(parallel: bool) -> usize {
    if parallel {
        1
    } else {
        usize::MAX
    }
}

/// Weights, optimiser state and step buffers of a minibatch run; a step allocates nothing.
pub(crate) struct MinibatchTrainer {
    spec: NetSpec,
    pub(crate) net: Network,
    weight_chain: Chain,
    bias_chain: Chain,
    /// Weight state, gradients and the first layer's buffers sit on cache
    /// lines (see `AlignedVec`).
    weight_state: Vec<AlignedVec>,
    bias_state: Vec<Vec<f32>>,
    grads: Vec<AlignedVec>,
    bias_grads: Vec<Vec<f32>>,
    /// Rows of each layer's weights per update task.
    block_rows: Vec<usize>,
    parts: Vec<Part>,
    /// The first layer's pre-activations and activations, `batch x width`:
    /// contiguous, so one product covers a thread's share of the batch.
    z0: AlignedVec,
    a0: AlignedVec,
    /// The first layer's deltas, `batch x width`, contiguous for the sparse gradient.
    delta0: AlignedVec,
    /// Dense inputs of the batch (dense first layer only).
    x: Vec<f32>,
    columns: Columns,
    schedule: Schedule,
    step: u64,
    first_layer: FirstLayer,
    parallel: bool,
    /// Dropout of the inputs and of the hidden layers' outputs (training only).
    input_drop: Option<Dropout>,
    hidden_drop: Option<Dropout>,
    /// With input dropout: this step's inputs, dropped (taken out while a step runs).
    masked: Option<SparseSet>,
    /// Scratch of one dropped input, and the ids `0..batch` of the masked set.
    masked_row: (Vec<u32>, Vec<f32>),
    batch_ids: Vec<u32>,
    /// With hidden dropout: the first layer's masks and dropped outputs, `batch x width`.
    m0: AlignedVec,
    ad0: AlignedVec,
    /// The max-norm constraint on hidden units' incoming weights (0: none).
    max_norm: f32,
    /// Per-unit squared norms of W1's columns (max-norm scratch).
    norms: Vec<f64>,
    /// Every layer's width, inputs to classes (the network's).
    sizes: Vec<usize>,
    /// The training images' distortions, when the configuration asks for
    /// any; the batch distorted here, dense (`batch x inputs`) and sparse.
    distorter: Option<Distorter>,
    aug_x: Vec<f32>,
    distorted: Option<SparseSet>,
}

/// What one batch observed before its update.
pub(crate) struct BatchOutcome {
    pub loss: f64,
    pub correct: usize,
    /// Whether the first layer ran dense.
    pub dense: bool,
    /// Non-zero inputs of the batch as the first layer read them (after
    /// distortion and input dropout).
    pub nonzeros: usize,
}

impl MinibatchTrainer {
    /// A trainer for `config` from `net`, splitting work over threads when `parallel`.
    pub(crate) fn new(
        config: &TrainConfig,
        net: Network,
        first_layer: FirstLayer,
        parallel: bool,
    ) -> Self {
        let sizes = net.sizes().to_vec();
        let layers = net.layers();
        assert!(layers >= 2, "a trained network has a hidden layer");
        let batch = config.data.batch;
        let weight_chain = chain_for(config, true);
        let bias_chain = chain_for(config, false);
        let row_len = |l: usize| if l == 0 { sizes[1] } else { sizes[l] };
        let block_rows: Vec<usize> = (0..layers)
            .map(|l| (UPDATE_FLOATS / row_len(l)).max(1))
            .collect();
        let part_count = batch.div_ceil(PART_ROWS);
        let rows = PART_ROWS.min(batch);
        let input_drop = Dropout::new(config.run.seed, 0, config.regularization.dropout_input);
        let distorter = Distorter::of(config, sizes[0]);
        let aug_len = if distorter.is_some() {
            batch * sizes[0]
        } else {
            0
        };
        let hidden_drop = Dropout::new(config.run.seed, 1, config.regularization.dropout);
        let dropped = hidden_drop.is_some();
        let parts = (0..part_count)
            .map(|_| Part {
                buf: {
                    let b = RowBuffers::from_layer(&sizes, rows, 1);
                    if dropped {
                        b.with_masks()
                    } else {
                        b
                    }
                },
                d: (0..layers)
                    .map(|l| {
                        if l >= 1 && l + 1 < layers {
                            vec![0.0; sizes[l + 1] * rows]
                        } else {
                            Vec::new()
                        }
                    })
                    .collect(),
                rows: 0,
                loss: 0.0,
                correct: 0,
            })
            .collect();
        MinibatchTrainer {
            spec: NetSpec::of(config),
            weight_state: (0..layers)
                .map(|l| {
                    let (n, block) = (net.weight(l).len(), block_rows[l] * row_len(l));
                    let per_block = weight_state_block(weight_chain.slots(), block);
                    AlignedVec::zeros(n.div_ceil(block) * per_block)
                })
                .collect(),
            bias_state: (0..layers)
                .map(|l| net.bias(l).map_or(Vec::new(), |b| bias_chain.init(b.len())))
                .collect(),
            grads: (0..layers)
                .map(|l| AlignedVec::zeros(net.weight(l).len()))
                .collect(),
            bias_grads: (0..layers)
                .map(|l| vec![0.0; net.bias(l).map_or(0, <[f32]>::len)])
                .collect(),
            weight_chain,
            bias_chain,
            block_rows,
            parts,
            z0: AlignedVec::zeros(batch * sizes[1]),
            a0: AlignedVec::zeros(batch * sizes[1]),
            delta0: AlignedVec::zeros(batch * sizes[1]),
            x: vec![0.0; batch * sizes[0]],
            columns: Columns::default(),
            schedule: Schedule::of(config),
            step: 0,
            first_layer,
            parallel,
            input_drop,
            hidden_drop,
            masked: input_drop
                .is_some()
                .then(|| SparseSet::with_capacity(sizes[0], batch, batch * sizes[0])),
            distorted: distorter
                .is_some()
                .then(|| SparseSet::with_capacity(sizes[0], batch, batch * sizes[0])),
            masked_row: (Vec::with_capacity(sizes[0]), Vec::with_capacity(sizes[0])),
            batch_ids: (0..batch as u32).collect(),
            // Always allocated, so the first layer's tasks can zip over them.
            m0: AlignedVec::zeros(batch * sizes[1]),
            ad0: AlignedVec::zeros(batch * sizes[1]),
            max_norm: config.regularization.max_norm as f32,
            norms: vec![
                0.0;
                if config.regularization.max_norm > 0.0 {
                    sizes[1]
                } else {
                    0
                }
            ],
            sizes: sizes.clone(),
            distorter,
            aug_x: vec![0.0; aug_len],
            net,
        }
    }

    /// Rows of a batch of `rows` each thread's share of the first layer takes.
    fn share_rows(&self, rows: usize) -> usize {
        let shares = if self.parallel {
            rayon::current_num_threads().max(1)
        } else {
            1
        };
        rows.div_ceil(shares).max(1)
    }

    /// Whether a batch of `rows` rows of `set` with `nonzeros` non-zero
    /// inputs goes through the dense first layer.
    fn dense_batch(&self, set: &SparseSet, rows: usize, nonzeros: usize) -> bool {
        match self.first_layer {
            FirstLayer::Sparse => false,
            FirstLayer::Dense => true,
            FirstLayer::Auto => nonzeros as f64 >= DENSE_FROM * (rows * set.dim()) as f64,
        }
    }

    /// This step's batch `ids` of `data` with its inputs dropped, into
    /// `masked`: each row read from `source` (the distorted batch) when
    /// there is one, else from `data` in place.
    fn drop_inputs(
        &mut self,
        data: &Dataset,
        ids: &[u32],
        source: Option<&SparseSet>,
        masked: &mut SparseSet,
    ) {
        let Some(d) = self.input_drop else {
            return;
        };
        masked.clear();
        let (idx, vals) = &mut self.masked_row;
        for (r, &i) in ids.iter().enumerate() {
            let row = match source {
                Some(set) => set.get(r),
                None => data.sample(i as usize),
            };
            idx.clear();
            vals.clear();
            d.sparse(self.step, r, row, idx, vals);
            masked.push(idx, vals);
        }
    }

    /// Steps taken so far.
    pub(crate) fn steps_taken(&self) -> u64 {
        self.step
    }

    /// The optimiser's state: each layer's weights', then each layer's biases'.
    pub(crate) fn optimiser_state(&self) -> Vec<Vec<f32>> {
        let weights = self.weight_state.iter().map(|s| s.to_vec());
        weights.chain(self.bias_state.iter().cloned()).collect()
    }

    /// Puts back an optimiser state (as [`Self::optimiser_state`] gave it) and the steps taken.
    pub(crate) fn restore(&mut self, state: Vec<Vec<f32>>, steps_taken: u64) -> Result<(), String> {
        let layers = self.weight_state.len();
        let fits = state.len() == 2 * layers
            && self
                .weight_state
                .iter()
                .map(|s| s.len())
                .chain(self.bias_state.iter().map(Vec::len))
                .zip(&state)
                .all(|(have, new)| have == new.len());
        if !fits {
            return Err("its optimiser state has other lengths than this network's".into());
        }
        let mut state = state;
        self.bias_state = state.split_off(layers);
        self.weight_state = state.into_iter().map(AlignedVec::from).collect();
        self.step = steps_taken;
        Ok(())
    }

    /// The distorter of this run's batches, when it distorts them.
    pub(crate) fn distorter(&self) -> Option<&Distorter> {
        self.distorter.as_ref()
    }

    /// One gradient step on the samples `ids` (at most the configured batch)
    /// at `position` epochs into training (for the schedule).
    pub(crate) fn step(&mut self, data: &Dataset, ids: &[u32], position: f64) -> BatchOutcome {
        self.step_with(data, ids, position, None)
    }

    /// [`MinibatchTrainer::step`] on the batch as distorted ahead (rows in
    /// batch order, by [`Distorter::distort_batch`] of this configuration for
    /// step [`MinibatchTrainer::steps_taken`] + 1), or distorting it here
    /// when `distorted` is `None`.
    pub(crate) fn step_with(
        &mut self,
        data: &Dataset,
        ids: &[u32],
        position: f64,
        distorted: Option<&SparseSet>,
    ) -> BatchOutcome {
        let b = ids.len();
        assert!(
            b >= 1 && b <= self.delta0.len() / self.net.hidden(),
            "batch size out of range"
        );
        self.step += 1;
        // The batch as the first layer reads it: distorted (given, or here),
        // then with inputs dropped. Buffers are taken out of `self` for the
        // step (moving allocates nothing).
        let mut here = self.distorted.take();
        let mut masked = self.masked.take();
        let batch_ids = std::mem::take(&mut self.batch_ids);
        let source = match (distorted, here.as_mut(), self.distorter.as_mut()) {
            (Some(given), _, _) => Some(given),
            (None, Some(set), Some(d)) => {
                d.distort_batch(data, ids, self.step, self.parallel, &mut self.aug_x, set);
                Some(&*set)
            }
            _ => None,
        };
        if let Some(m) = masked.as_mut() {
            self.drop_inputs(data, ids, source, m);
        }
        let (set, set_ids): (&SparseSet, &[u32]) = match (&masked, source) {
            (Some(m), _) => (m, &batch_ids[..b]),
            (None, Some(s)) => (s, &batch_ids[..b]),
            (None, None) => (data.samples(), ids),
        };
        let nonzeros: usize = set_ids.iter().map(|&i| set.get(i as usize).0.len()).sum();
        let dense = self.dense_batch(set, b, nonzeros);
        if !dense {
            let share = self.share_rows(b);
            self.columns.fill(set, set_ids, self.net.inputs(), share);
        }
        self.first_layer(set, set_ids, dense);
        self.deltas(data, ids);
        self.masked = masked;
        self.distorted = here;
        self.batch_ids = batch_ids;
        let ctx = StepContext {
            step: self.step,
            lr: self.schedule.rate(position) as f32,
        };
        self.update(b, dense, &ctx);
        self.apply_max_norm();
        let used = b.div_ceil(PART_ROWS);
        BatchOutcome {
            loss: self.parts[..used].iter().map(|p| p.loss).sum(),
            correct: self.parts[..used].iter().map(|p| p.correct).sum(),
            dense,
            nonzeros,
        }
    }

    /// The first layer over the whole batch, one share of rows per thread
    /// (a row's values do not depend on the split): each panel of W1 comes
    /// from memory once per share instead of once per row.
    fn first_layer(&mut self, set: &SparseSet, ids: &[u32], dense: bool) {
        let share = self.share_rows(ids.len());
        let (net, spec, columns) = (&self.net, &self.spec, &self.columns);
        let (hd, step) = (self.hidden_drop, self.step);
        let (d0, d1) = (net.inputs(), net.hidden());
        self.z0[..ids.len() * d1]
            .par_chunks_mut(share * d1)
            .zip(self.a0.par_chunks_mut(share * d1))
            .zip(self.m0.par_chunks_mut(share * d1))
            .zip(self.ad0.par_chunks_mut(share * d1))
            .zip(self.x.par_chunks_mut(share * d0))
            .zip(ids.par_chunks(share))
            .enumerate()
            .with_min_len(1)
            .for_each(|(t, (((((z0, a0), m0), ad0), x), ids))| {
                let rows = ids.len();
                let inputs = if dense {
                    for (row, &i) in x.chunks_exact_mut(d0).zip(ids) {
                        row.fill(0.0);
                        let (idx, vals) = set.get(i as usize);
                        for (&p, &v) in idx.iter().zip(vals) {
                            row[p as usize] = v;
                        }
                    }
                    Inputs::Dense { x: &x[..rows * d0] }
                } else {
                    let r0 = t * share;
                    Inputs::Transposed(columns.share(t, r0..r0 + rows))
                };
                first_layer(net, 1.0, spec, inputs, rows, z0, a0);
                if let Some(d) = &hd {
                    let n = rows * d1;
                    let masks = RowMasks {
                        dropout: d,
                        step,
                        row0: t * share,
                    };
                    apply_masks(masks, 1, d1, &a0[..n], &mut m0[..n], &mut ad0[..n]);
                }
            });
    }

    /// Upper layers' forward passes, losses and every layer's deltas, part by part.
    fn deltas(&mut self, data: &Dataset, ids: &[u32]) {
        let (net, spec) = (&self.net, &self.spec);
        let sizes = net.sizes();
        let (d1, layers) = (sizes[1], net.layers());
        let scale = 1.0 / ids.len() as f32;
        let used = ids.len().div_ceil(PART_ROWS);
        let (z0, a0, m0, ad0) = (&self.z0, &self.a0, &self.m0, &self.ad0);
        let (hd, step) = (self.hidden_drop, self.step);
        self.parts[..used]
            .par_iter_mut()
            .zip(self.delta0.par_chunks_mut(PART_ROWS * d1))
            .enumerate()
            .with_min_len(min_len(self.parallel))
            .for_each(|(p, (part, delta0))| {
                let (r0, r1) = (p * PART_ROWS, ((p + 1) * PART_ROWS).min(ids.len()));
                let ids = &ids[r0..r1];
                let rows = ids.len();
                part.rows = rows;
                let (z0, a0) = (&z0[r0 * d1..r1 * d1], &a0[r0 * d1..r1 * d1]);
                let masks = hd.as_ref().map(|d| RowMasks {
                    dropout: d,
                    step,
                    row0: r0,
                });
                // With dropout the next layer reads the dropped outputs.
                let input = if hd.is_some() {
                    &ad0[r0 * d1..r1 * d1]
                } else {
                    a0
                };
                upper_layers(net, &[], spec, input, rows, &mut part.buf, masks);
                let out = sizes[layers];
                let (mut loss, mut correct) = (0.0, 0);
                for (zr, &i) in part.buf.z[layers - 1][..rows * out]
                    .chunks_exact_mut(out)
                    .zip(ids)
                {
                    let label = data.label(i as usize) as usize;
                    let (l, predicted) = spec.loss_gradient(zr, label, scale);
                    loss += l;
                    correct += (predicted == label) as usize;
                }
                part.loss = loss;
                part.correct = correct;
                // d[l-1] = (d[l] W_l) * f'(z[l-1]), from the output down.
                for l in (1..layers).rev() {
                    let (width, fan_in) = (sizes[l + 1], sizes[l]);
                    let (lower, upper) = part.d.split_at_mut(l);
                    let src: &[f32] = if l + 1 == layers {
                        &part.buf.z[l][..rows * width]
                    } else {
                        &upper[0][..rows * width]
                    };
                    let dst: &mut [f32] = if l == 1 {
                        &mut delta0[..rows * fan_in]
                    } else {
                        &mut lower[l - 1][..rows * fan_in]
                    };
                    k::gemm(
                        MatRef::new(src, rows, width),
                        MatRef::new(net.weight(l), width, fan_in),
                        0.0,
                        dst,
                    );
                    let (z, a) = if l == 1 {
                        (z0, a0)
                    } else {
                        (
                            &part.buf.z[l - 1][..rows * fan_in],
                            &part.buf.a[l - 1][..rows * fan_in],
                        )
                    };
                    spec.mul_derivative(z, a, dst);
                    if hd.is_some() {
                        // A dropped unit passes no gradient; a kept one its scale.
                        let m = if l == 1 {
                            &m0[r0 * d1..r1 * d1]
                        } else {
                            &part.buf.m[l - 1][..rows * fan_in]
                        };
                        for (g, &k) in dst.iter_mut().zip(m) {
                            *g *= k;
                        }
                    }
                }
            });
    }

    /// Rescales every hidden unit's incoming weight vector longer than the
    /// max-norm constraint back to it (Srivastava et al. 2014); biases are
    /// not part of it. W1 is input-major, so its units' vectors are columns.
    fn apply_max_norm(&mut self) {
        if self.max_norm <= 0.0 {
            return;
        }
        let c = self.max_norm as f64;
        for l in 0..self.net.layers() - 1 {
            let (width, fan_in) = (self.net.hidden(), self.net.sizes()[l]);
            let (w, _) = self.net.layer_mut(l);
            if l == 0 {
                let norms = &mut self.norms;
                norms.fill(0.0);
                for row in w.chunks_exact(width) {
                    for (s, &x) in norms.iter_mut().zip(row) {
                        *s += x as f64 * x as f64;
                    }
                }
                // Each column's factor in place of its squared norm.
                let mut any = false;
                for s in norms.iter_mut() {
                    let norm = s.sqrt();
                    *s = if norm > c { c / norm } else { 1.0 };
                    any |= *s != 1.0;
                }
                if any {
                    for row in w.chunks_exact_mut(width) {
                        for (x, &f) in row.iter_mut().zip(norms.iter()) {
                            if f != 1.0 {
                                *x = (*x as f64 * f) as f32;
                            }
                        }
                    }
                }
            } else {
                for row in w.chunks_exact_mut(fan_in) {
                    let norm = row.iter().map(|&x| x as f64 * x as f64).sum::<f64>().sqrt();
                    if norm > c {
                        let f = c / norm;
                        for x in row {
                            *x = (*x as f64 * f) as f32;
                        }
                    }
                }
            }
        }
    }

    /// Each layer's weight and bias gradient, applied by the optimiser chain.
    fn update(&mut self, b: usize, dense: bool, ctx: &StepContext) {
        // The network's sizes, kept by the trainer: the weights below are
        // borrowed mutably while the sizes are read.
        let sizes = &self.sizes;
        let layers = self.net.layers();
        let used = b.div_ceil(PART_ROWS);
        let parts = &self.parts[..used];
        let (d0, d1) = (sizes[0], sizes[1]);
        let parallel = self.parallel;
        for l in 0..layers {
            let row_len = if l == 0 { d1 } else { sizes[l] };
            let block = self.block_rows[l] * row_len;
            let delta_of = |p, l| delta_of(p, l, sizes, layers);
            let (delta0, x) = (&self.delta0[..b * d1], &self.x[..b * d0]);
            let columns = (l == 0 && !dense).then(|| self.columns.whole(b));
            // With dropout, a layer's weights see the dropped outputs below.
            let dropped = self.hidden_drop.is_some();
            let a0 = if dropped {
                &self.ad0[..b * d1]
            } else {
                &self.a0[..b * d1]
            };
            let block_rows = self.block_rows[l];
            // The gradient of weight rows `r0..r0 + g.len() / row_len` into `g`.
            let gradient = |r0: usize, g: &mut [f32]| {
                let r1 = r0 + g.len() / row_len;
                if l == 0 {
                    if dense {
                        k::gemm(
                            MatRef::strided(&x[r0..], b, r1 - r0, d0, 1).t(),
                            MatRef::new(delta0, b, d1),
                            0.0,
                            g,
                        );
                    } else if let Some(batch) = &columns {
                        k::sparse_gemv_t_by_inputs(batch, r0..r1, delta0, d1, g);
                    }
                } else {
                    let width = sizes[l + 1];
                    for (i, part) in parts.iter().enumerate() {
                        let delta = delta_of(part, l);
                        let a = if l == 1 {
                            let r0 = i * PART_ROWS;
                            &a0[r0 * row_len..(r0 + part.rows) * row_len]
                        } else if dropped {
                            &part.buf.ad[l - 1][..part.rows * row_len]
                        } else {
                            &part.buf.a[l - 1][..part.rows * row_len]
                        };
                        k::gemm(
                            MatRef::strided(&delta[r0..], part.rows, r1 - r0, width, 1).t(),
                            MatRef::new(a, part.rows, row_len),
                            if i == 0 { 0.0 } else { 1.0 },
                            g,
                        );
                    }
                }
            };
            let (w, bias) = self.net.layer_mut(l);
            let chain = &self.weight_chain;
            let fused = chain.fused(ctx);
            let fused = fused.as_ref();
            let slots = chain.slots();
            let state_block = weight_state_block(slots, block);
            w.par_chunks_mut(block)
                .zip(self.grads[l].par_chunks_mut(block))
                .zip(self.weight_state[l].par_chunks_mut(state_block))
                .enumerate()
                .with_min_len(min_len(parallel))
                .for_each(|(i, ((w, g), s))| {
                    let r0 = i * block_rows;
                    // A block's gradient in one call: the sparse first layer's
                    // reads each block of columns of the deltas from L1.
                    gradient(r0, g);
                    // The state goes row by row (see `Chain::update`), laid out
                    // the same whichever way the gradient came.
                    for (r, (w, g)) in w.chunks_mut(row_len).zip(g.chunks_mut(row_len)).enumerate()
                    {
                        let s = if slots == 0 {
                            &mut []
                        } else {
                            &mut s[r * slots * row_len..(r + 1) * slots * row_len]
                        };
                        chain.apply_fused(fused, ctx, w, g, s);
                    }
                });
            if !bias.is_empty() {
                let gb = &mut self.bias_grads[l];
                gb.fill(0.0);
                let width = sizes[l + 1];
                let mut add_rows = |rows: &[f32]| {
                    for r in rows.chunks_exact(width) {
                        k::axpy(1.0, r, gb);
                    }
                };
                if l == 0 {
                    add_rows(delta0);
                } else {
                    for part in parts {
                        add_rows(delta_of(part, l));
                    }
                }
                self.bias_chain
                    .apply(ctx, bias, gb, &mut self.bias_state[l]);
            }
        }
    }
}
