//! One online SGD step: the hot loop of the whole study.

use crate::activation::{hidden_backward, hidden_forward, output_derivative, output_forward};
use crate::deferred::DeferredW1;
use crate::{Backprop, Case, Dataset, Network};
use mlp_kernels as k;

/// How the input layer is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InputPath {
    /// Touch only the rows of W1 whose pixel is non-zero.
    #[default]
    Sparse,
    /// Multiply by the whole dense input (for comparison and benchmarks).
    Dense,
}

/// When a step's W1 update reaches the weights; all give the same training up to rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum W1Update {
    /// In its own pass right after the step.
    Immediate,
    /// In the same pass as the next sample's forward product (bit-identical to `Immediate`).
    Fused,
    /// Held back for blocks of `samples` steps, each block applied in one pass
    /// that also computes the next block's forward products (sparse input only;
    /// weights bit-identical to `Immediate`, forward products up to reassociation).
    Deferred {
        /// Steps per block.
        samples: usize,
    },
}

/// Steps per block of [`W1Update::Deferred`] in the default options.
pub const DEFERRED_SAMPLES: usize = 32;

/// Most steps per block of [`W1Update::Deferred`]; larger blocks are clamped to it.
pub const MAX_DEFERRED_SAMPLES: usize = crate::deferred::MAX_SAMPLES;

/// Implementation choices that must not change results beyond rounding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepOptions {
    /// Sparse or dense input layer.
    pub input: InputPath,
    /// When W1 updates are applied.
    pub w1_update: W1Update,
}

impl StepOptions {
    /// The sparse input path with W1 updates held back for blocks of `samples`
    /// steps (clamped to 1..=[`MAX_DEFERRED_SAMPLES`]).
    pub fn deferred(samples: usize) -> StepOptions {
        StepOptions {
            input: InputPath::Sparse,
            w1_update: W1Update::Deferred { samples },
        }
    }

    /// Steps per block of held-back W1 updates as the run will use them
    /// (clamped), or `None` when updates are not deferred.
    pub fn block_samples(&self) -> Option<usize> {
        match (self.input, self.w1_update) {
            (InputPath::Sparse, W1Update::Deferred { samples }) => {
                Some(samples.clamp(1, MAX_DEFERRED_SAMPLES))
            }
            _ => None,
        }
    }
}

impl Default for StepOptions {
    fn default() -> Self {
        StepOptions::deferred(DEFERRED_SAMPLES)
    }
}

/// Below this, a layer's lazy decay scale is folded back into its weights.
const RENORMALISE_BELOW: f64 = 1e-6;

/// Weights and per-step buffers of a run; a step allocates nothing.
///
/// L2 decay `W <- (1 - eta*lambda) W` would touch all of W1 every step, so
/// each layer keeps a scale: the true weights are `scale * stored`. Decay
/// shrinks the scalar; updates are divided by it (Bottou's SGD trick).
pub(crate) struct StepState {
    case: Case,
    mode: Backprop,
    options: StepOptions,
    eta: f32,
    decay: f64,
    pub(crate) net: Network,
    pub(crate) s1: f64,
    pub(crate) s2: f64,
    /// Raw `stored_w1^T x` of the sample about to be stepped, when `z_ready`.
    z: Vec<f32>,
    z_ready: bool,
    h: Vec<f32>,
    g: Vec<f32>,
    o: Vec<f32>,
    delta_o: Vec<f32>,
    /// `s2 * delta_o`, what meets the stored W2 in the backward product.
    delta_o_scaled: Vec<f32>,
    x_dense: Vec<f32>,
    /// Block state when W1 updates are deferred (sparse input only).
    deferred: Option<DeferredW1>,
    lo: f32,
    hi: f32,
}

/// What one step observed (before its update).
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepOutcome {
    pub loss: f64,
    pub correct: bool,
}

impl StepState {
    pub(crate) fn new(
        case: Case,
        mode: Backprop,
        lr: f64,
        l2: f64,
        net: Network,
        options: StepOptions,
    ) -> StepState {
        let (n, c, d) = (net.hidden(), net.outputs(), net.inputs());
        let (lo, hi) = case.targets();
        let deferred = match (options.input, options.w1_update) {
            (InputPath::Sparse, W1Update::Deferred { samples }) => {
                Some(DeferredW1::new(samples, net.w1(), n))
            }
            _ => None,
        };
        StepState {
            case,
            mode,
            options,
            eta: lr as f32,
            decay: 1.0 - lr * l2,
            net,
            s1: 1.0,
            s2: 1.0,
            z: vec![0.0; n],
            z_ready: false,
            h: vec![0.0; n],
            g: vec![0.0; n],
            o: vec![0.0; c],
            delta_o: vec![0.0; c],
            delta_o_scaled: vec![0.0; c],
            x_dense: if options.input == InputPath::Dense {
                vec![0.0; d]
            } else {
                Vec::new()
            },
            deferred,
            lo,
            hi,
        }
    }

    /// Raw input-layer product of sample `i` into `z` (stored units).
    fn forward_input(&mut self, data: &Dataset, i: usize) {
        let n = self.net.hidden();
        match self.options.input {
            InputPath::Sparse => {
                let (idx, vals) = data.sample(i);
                k::sparse_gemv_t(self.net.w1(), n, idx, vals, &mut self.z);
            }
            InputPath::Dense => {
                data.dense_into(i, &mut self.x_dense);
                k::gemv_t(self.net.w1(), n, &self.x_dense, &mut self.z);
            }
        }
        self.z_ready = true;
    }

    /// One online step on sample `upcoming[0]`; the rest of `upcoming` are the
    /// samples that follow it (as many as the caller knows, for fusing and deferring).
    #[inline]
    pub(crate) fn step(&mut self, data: &Dataset, upcoming: &[u32]) -> StepOutcome {
        let cur = upcoming[0] as usize;
        let next = upcoming.get(1).map(|&i| i as usize);
        if let Some(d) = &mut self.deferred {
            if !d.is_next(upcoming[0]) {
                d.pass(data, upcoming);
                // Fold the scale only here, where no update is held back.
                if self.s1 < RENORMALISE_BELOW {
                    d.scale(self.s1 as f32);
                    self.s1 = 1.0;
                }
            }
            d.read(data, &mut self.z);
        } else if !self.z_ready {
            self.forward_input(data, cur);
        }
        self.z_ready = false;
        let (case, mode) = (self.case, self.mode);

        // Forward: z = s1 * raw, h = f1(z), o = f2(s2 * W2 h).
        if self.s1 != 1.0 {
            k::scale(self.s1 as f32, &mut self.z);
        }
        hidden_forward(case, &self.z, &mut self.h);
        k::gemv(self.net.w2(), self.net.hidden(), &self.h, &mut self.o);
        if self.s2 != 1.0 {
            k::scale(self.s2 as f32, &mut self.o);
        }
        output_forward(case, &mut self.o);

        // Loss (before the update) and delta_o.
        let label = data.label(cur) as usize;
        let mut loss = 0.0f64;
        for (c, (&o, d_o)) in self.o.iter().zip(self.delta_o.iter_mut()).enumerate() {
            let target = if c == label { self.hi } else { self.lo };
            let e = target - o;
            loss += 0.5 * (e as f64) * (e as f64);
            *d_o = e * output_derivative(case, mode, o);
        }
        let best = crate::argmax(&self.o);

        // delta_h = f1'(.) * (W2^T delta_o), W2 as before this step's update.
        // The s2 factor is folded into delta_o's copy, 10 products not N.
        let s2 = self.s2 as f32;
        for (t, &d) in self.delta_o_scaled.iter_mut().zip(&self.delta_o) {
            *t = d * s2;
        }
        k::gemv_t(
            self.net.w2(),
            self.net.hidden(),
            &self.delta_o_scaled,
            &mut self.g,
        );
        let w1_changes = hidden_backward(case, mode, &self.z, &self.h, &mut self.g);

        // Decay the scales, then apply the updates in stored units.
        if self.decay != 1.0 {
            self.s1 *= self.decay;
            self.s2 *= self.decay;
        }
        k::ger(
            (self.eta as f64 / self.s2) as f32,
            &self.delta_o,
            &self.h,
            self.net.w2_mut(),
        );
        if let Some(d) = &mut self.deferred {
            let alpha = (self.eta as f64 / self.s1) as f32;
            d.record(&self.g, w1_changes.then_some(alpha));
        } else {
            self.update_w1(data, cur, next, w1_changes);
            if self.s1 < RENORMALISE_BELOW {
                self.fold_w1();
            }
        }
        if self.s2 < RENORMALISE_BELOW {
            k::scale(self.s2 as f32, self.net.w2_mut());
            self.s2 = 1.0;
        }
        StepOutcome {
            loss,
            correct: best == label,
        }
    }

    /// W1 += eta * delta_h x^T (in stored units), fused with the next forward when asked.
    fn update_w1(&mut self, data: &Dataset, cur: usize, next: Option<usize>, changes: bool) {
        let alpha = (self.eta as f64 / self.s1) as f32;
        match self.options.input {
            InputPath::Sparse => {
                let (idx, vals) = data.sample(cur);
                match next {
                    Some(nx) if self.options.w1_update == W1Update::Fused && changes => {
                        let (nidx, nvals) = data.sample(nx);
                        k::sparse_ger_then_gemv_t(
                            alpha,
                            idx,
                            vals,
                            &self.g,
                            nidx,
                            nvals,
                            self.net.w1_mut(),
                            &mut self.z,
                        );
                        self.z_ready = true;
                    }
                    _ if changes => k::sparse_ger(alpha, idx, vals, &self.g, self.net.w1_mut()),
                    _ => {}
                }
            }
            InputPath::Dense => {
                if changes {
                    data.dense_into(cur, &mut self.x_dense);
                    k::ger(alpha, &self.x_dense, &self.g, self.net.w1_mut());
                }
            }
        }
    }

    /// Folds the W1 scale into the stored weights (and into a pending forward).
    fn fold_w1(&mut self) {
        let s = self.s1 as f32;
        if let Some(d) = &mut self.deferred {
            d.scale(s);
            d.store_weights(self.net.w1_mut());
            self.s1 = 1.0;
            return;
        }
        k::scale(s, self.net.w1_mut());
        if self.z_ready {
            k::scale(s, &mut self.z);
        }
        self.s1 = 1.0;
    }

    /// Applies every held-back W1 update (the next step then starts a new block)
    /// and brings `net` up to date.
    pub(crate) fn flush(&mut self, data: &Dataset) {
        if let Some(d) = &mut self.deferred {
            if d.pending() {
                d.pass(data, &[]);
            }
            d.store_weights(self.net.w1_mut());
        }
    }

    /// Folds both scales into the weights so `net` holds the true weights.
    /// Held-back updates must have been flushed.
    pub(crate) fn normalise(&mut self) {
        debug_assert!(!self.deferred.as_ref().is_some_and(DeferredW1::pending));
        if self.s1 != 1.0 {
            self.fold_w1();
        }
        if self.s2 != 1.0 {
            k::scale(self.s2 as f32, self.net.w2_mut());
            self.s2 = 1.0;
        }
    }
}
