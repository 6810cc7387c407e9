//! Gradient transformations and their chain.

use crate::arch::named_enum;
use crate::TrainConfig;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

named_enum!(
    /// Which optimiser updates the weights.
    Optimizer, "optimizer", {
        /// Plain gradient descent.
        #[default]
        Sgd = "sgd",
        /// Heavy-ball momentum (`v = mu v + g`, step `-lr v`, as PyTorch's SGD).
        Momentum = "momentum",
        /// Nesterov momentum (step `-lr (g + mu v)`).
        Nesterov = "nesterov",
        /// Adam (Kingma and Ba 2015) with bias correction.
        Adam = "adam",
        /// Adam with decoupled weight decay (Loshchilov and Hutter 2019).
        AdamW = "adamw",
    }
);

/// What every transform may read about the step being taken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepContext {
    /// The update being computed, from 1.
    pub step: u64,
    /// The learning rate at this step (from the schedule).
    pub lr: f32,
}

/// One gradient transformation: pure apart from its state, which the caller keeps.
///
/// `state` holds `slots()` floats per parameter, slot-major over this call's
/// parameters (slot `s` of parameter `i` at `s * grads.len() + i`), so a
/// layer split in parts keeps each part's state beside it.
pub trait Transform: Send + Sync + fmt::Debug {
    /// State floats per parameter.
    fn slots(&self) -> usize;
    /// Turns `grads` into this transform's output in place.
    fn update(&self, ctx: &StepContext, grads: &mut [f32], state: &mut [f32], params: &[f32]);
}

/// `g + decay * w`: L2 regularisation (before the optimiser) or decoupled weight decay (after).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AddDecayedWeights(pub f32);

impl Transform for AddDecayedWeights {
    fn slots(&self) -> usize {
        0
    }
    fn update(&self, _: &StepContext, grads: &mut [f32], _: &mut [f32], params: &[f32]) {
        for (g, &w) in grads.iter_mut().zip(params) {
            *g += self.0 * w;
        }
    }
}

/// Momentum: `v = decay v + g`; output `v`, or `g + decay v` with Nesterov's look-ahead.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trace {
    /// The momentum mu.
    pub decay: f32,
    /// Nesterov's variant.
    pub nesterov: bool,
}

impl Transform for Trace {
    fn slots(&self) -> usize {
        1
    }
    fn update(&self, _: &StepContext, grads: &mut [f32], state: &mut [f32], _: &[f32]) {
        let mu = self.decay;
        for (g, v) in grads.iter_mut().zip(state.iter_mut()) {
            *v = mu * *v + *g;
            *g = if self.nesterov { *g + mu * *v } else { *v };
        }
    }
}

/// Adam's scaling: `m_hat / (sqrt(v_hat) + eps)` with bias-corrected moments.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScaleByAdam {
    /// Decay of the first moment.
    pub beta1: f32,
    /// Decay of the second moment.
    pub beta2: f32,
    /// Added to the root of the second moment.
    pub eps: f32,
}

impl Transform for ScaleByAdam {
    fn slots(&self) -> usize {
        2
    }
    fn update(&self, ctx: &StepContext, grads: &mut [f32], state: &mut [f32], _: &[f32]) {
        let n = grads.len();
        let (m, v) = state.split_at_mut(n);
        let (b1, b2) = (self.beta1, self.beta2);
        let t = ctx.step.min(i32::MAX as u64) as i32;
        // The corrections in f64: 1 - beta^t loses digits in f32 for small t.
        let c1 = (1.0 / (1.0 - (b1 as f64).powi(t))) as f32;
        let c2 = (1.0 / (1.0 - (b2 as f64).powi(t))) as f32;
        for ((g, m), v) in grads.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()) {
            *m = b1 * *m + (1.0 - b1) * *g;
            *v = b2 * *v + (1.0 - b2) * *g * *g;
            *g = (*m * c1) / ((*v * c2).sqrt() + self.eps);
        }
    }
}

/// `-lr * g`, with the rate the schedule gives this step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScaleByLearningRate;

impl Transform for ScaleByLearningRate {
    fn slots(&self) -> usize {
        0
    }
    fn update(&self, ctx: &StepContext, grads: &mut [f32], _: &mut [f32], _: &[f32]) {
        let s = -ctx.lr;
        for g in grads.iter_mut() {
            *g *= s;
        }
    }
}

/// Transforms run in order, then added to the parameters.
#[derive(Debug, Default)]
pub struct Chain {
    parts: Vec<Box<dyn Transform>>,
}

impl Chain {
    /// An empty chain (updates are the raw gradients).
    pub fn new() -> Chain {
        Chain::default()
    }

    /// This chain followed by `t`.
    pub fn then(mut self, t: impl Transform + 'static) -> Chain {
        self.parts.push(Box::new(t));
        self
    }

    /// State floats per parameter of the whole chain.
    pub fn slots(&self) -> usize {
        self.parts.iter().map(|t| t.slots()).sum()
    }

    /// The initial state for `params` parameters (all zero, as every part starts).
    pub fn init(&self, params: usize) -> Vec<f32> {
        vec![0.0; self.slots() * params]
    }

    /// Turns `grads` into the update (every part in turn).
    ///
    /// # Panics
    /// If `state.len() != slots() * grads.len()` or `params.len() != grads.len()`.
    pub fn update(&self, ctx: &StepContext, grads: &mut [f32], state: &mut [f32], params: &[f32]) {
        let n = grads.len();
        assert_eq!(
            params.len(),
            n,
            "Chain::update: params and grads differ in length"
        );
        assert_eq!(
            state.len(),
            self.slots() * n,
            "Chain::update: state has the wrong length"
        );
        let mut rest = state;
        for t in &self.parts {
            let (mine, tail) = rest.split_at_mut(t.slots() * n);
            t.update(ctx, grads, mine, params);
            rest = tail;
        }
    }

    /// One step: `update`, then `params += grads` (the gradient buffer is consumed).
    pub fn apply(
        &self,
        ctx: &StepContext,
        params: &mut [f32],
        grads: &mut [f32],
        state: &mut [f32],
    ) {
        self.update(ctx, grads, state, params);
        for (w, &u) in params.iter_mut().zip(grads.iter()) {
            *w += u;
        }
    }
}

/// The chain `config` names, for weights (`decayed`: L2 and weight decay apply) or for biases.
pub fn chain_for(config: &TrainConfig, decayed: bool) -> Chain {
    let mut chain = Chain::new();
    if decayed && config.l2 > 0.0 {
        chain = chain.then(AddDecayedWeights(config.l2 as f32));
    }
    let adam = ScaleByAdam {
        beta1: config.beta1 as f32,
        beta2: config.beta2 as f32,
        eps: config.eps as f32,
    };
    chain = match config.optimizer {
        Optimizer::Sgd => chain,
        Optimizer::Momentum | Optimizer::Nesterov => chain.then(Trace {
            decay: config.momentum as f32,
            nesterov: config.optimizer == Optimizer::Nesterov,
        }),
        Optimizer::Adam | Optimizer::AdamW => chain.then(adam),
    };
    if decayed && config.weight_decay > 0.0 {
        chain = chain.then(AddDecayedWeights(config.weight_decay as f32));
    }
    chain.then(ScaleByLearningRate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(step: u64, lr: f32) -> StepContext {
        StepContext { step, lr }
    }

    /// Two steps of `chain` on one parameter from `w0` with gradients `gs`.
    fn two_steps(chain: &Chain, w0: f32, gs: [f32; 2], lr: f32) -> [f32; 2] {
        let mut w = [w0];
        let mut state = chain.init(1);
        let mut out = [0.0; 2];
        for (i, g) in gs.into_iter().enumerate() {
            let mut grad = [g];
            chain.apply(&ctx(i as u64 + 1, lr), &mut w, &mut grad, &mut state);
            out[i] = w[0];
        }
        out
    }

    fn close(a: [f32; 2], b: [f64; 2]) {
        for (x, y) in a.iter().zip(b) {
            assert!((*x as f64 - y).abs() < 1e-6, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn sgd_two_steps_by_hand() {
        let c = Chain::new().then(ScaleByLearningRate);
        // w = 1 - 0.1*0.5 = 0.95; then 0.95 - 0.1*(-1) = 1.05.
        close(two_steps(&c, 1.0, [0.5, -1.0], 0.1), [0.95, 1.05]);
    }

    #[test]
    fn l2_before_sgd_is_the_study_decay() {
        let c = Chain::new()
            .then(AddDecayedWeights(0.5))
            .then(ScaleByLearningRate);
        // g1 = 0.5 + 0.5*1 = 1 -> w = 0.9; g2 = 0 + 0.5*0.9 = 0.45 -> w = 0.855.
        close(two_steps(&c, 1.0, [0.5, 0.0], 0.1), [0.9, 0.855]);
    }

    #[test]
    fn momentum_and_nesterov_two_steps_by_hand() {
        let m = Chain::new()
            .then(Trace {
                decay: 0.9,
                nesterov: false,
            })
            .then(ScaleByLearningRate);
        // v1 = 1 -> w = -0.1; v2 = 0.9 + 1 = 1.9 -> w = -0.29.
        close(two_steps(&m, 0.0, [1.0, 1.0], 0.1), [-0.1, -0.29]);
        let n = Chain::new()
            .then(Trace {
                decay: 0.9,
                nesterov: true,
            })
            .then(ScaleByLearningRate);
        // v1 = 1, step 1 + 0.9 = 1.9 -> -0.19; v2 = 1.9, step 1 + 1.71 = 2.71 -> -0.461.
        close(two_steps(&n, 0.0, [1.0, 1.0], 0.1), [-0.19, -0.461]);
    }

    /// Adam as Algorithm 1 of Kingma and Ba, written out in f64.
    fn adam_paper(w0: f64, gs: &[f64], lr: f64, b1: f64, b2: f64, eps: f64) -> Vec<f64> {
        let (mut w, mut m, mut v) = (w0, 0.0, 0.0);
        let mut out = Vec::new();
        for (i, g) in gs.iter().enumerate() {
            let t = (i + 1) as i32;
            m = b1 * m + (1.0 - b1) * g;
            v = b2 * v + (1.0 - b2) * g * g;
            let mhat = m / (1.0 - b1.powi(t));
            let vhat = v / (1.0 - b2.powi(t));
            w -= lr * mhat / (vhat.sqrt() + eps);
            out.push(w);
        }
        out
    }

    #[test]
    fn adam_follows_the_paper() {
        let c = Chain::new()
            .then(ScaleByAdam {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            })
            .then(ScaleByLearningRate);
        // By hand: step 1 moves by lr * sign(g) exactly: 1 - 0.01 = 0.99.
        let got = two_steps(&c, 1.0, [0.3, -0.2], 0.01);
        assert!((got[0] - 0.99).abs() < 1e-6);
        let want = adam_paper(1.0, &[0.3, -0.2], 0.01, 0.9, 0.999, 1e-8);
        close(got, [want[0], want[1]]);
        // Many steps on a varying gradient stay with the paper.
        let gs: Vec<f64> = (0..200)
            .map(|i| ((i * 37 % 11) as f64 - 5.0) / 7.0)
            .collect();
        let want = adam_paper(0.5, &gs, 0.003, 0.9, 0.999, 1e-8);
        let (mut w, mut state) = ([0.5f32], c.init(1));
        for (i, &g) in gs.iter().enumerate() {
            c.apply(
                &ctx(i as u64 + 1, 0.003),
                &mut w,
                &mut [g as f32],
                &mut state,
            );
        }
        assert!(
            (w[0] as f64 - want[199]).abs() < 1e-4,
            "{} vs {}",
            w[0],
            want[199]
        );
    }

    #[test]
    fn adamw_decays_after_the_adam_scaling() {
        let c = Chain::new()
            .then(ScaleByAdam {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            })
            .then(AddDecayedWeights(0.1))
            .then(ScaleByLearningRate);
        // Step 1: adam gives 1 (sign of g), plus 0.1 * w = 0.2 -> w = 2 - 0.01 * 1.2 = 1.988.
        // Step 2 with g = 0: m = 0.09 * 0.5... computed as the paper plus decay.
        let got = two_steps(&c, 2.0, [0.5, 0.0], 0.01);
        let (m2, v2) = (0.9 * 0.05, 0.999 * 0.00025);
        let adam2 = (m2 / (1.0 - 0.81)) / ((v2 / (1.0 - 0.998001f64)).sqrt() + 1e-8);
        let w2 = 1.988 - 0.01 * (adam2 + 0.1 * 1.988);
        close(got, [1.988, w2]);
    }

    #[test]
    fn chains_from_configurations() {
        let mut c = TrainConfig::new(crate::Case::ReluSigmoid);
        assert_eq!(chain_for(&c, true).slots(), 0);
        c.optimizer = Optimizer::Momentum;
        assert_eq!(chain_for(&c, true).slots(), 1);
        c.optimizer = Optimizer::AdamW;
        c.weight_decay = 0.01;
        c.l2 = 0.001;
        let w = chain_for(&c, true);
        assert_eq!(w.slots(), 2);
        assert_eq!(w.parts.len(), 4, "{w:?}");
        assert_eq!(chain_for(&c, false).parts.len(), 2, "biases take no decay");
    }
}
