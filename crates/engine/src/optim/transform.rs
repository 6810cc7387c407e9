//! Gradient transformations and their chain.

use crate::{Optimizer, TrainConfig};
use std::fmt;

/// What every transform may read about the step being taken.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepContext {
    /// The update being computed, from 1.
    pub step: u64,
    /// The learning rate at this step (from the schedule).
    pub lr: f32,
}

/// A transformation a chain can fuse into [`mlp_kernels::update_params`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fusable {
    /// `g += c w`.
    Decay(f32),
    /// The moment of momentum or Adam.
    Moment(MomentKind),
    /// `g *= -lr`.
    LearningRate,
}

/// A moment a fused step can keep.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MomentKind {
    /// [`Trace`].
    Trace(Trace),
    /// [`ScaleByAdam`].
    Adam(ScaleByAdam),
}

/// Adam's bias corrections `1 / (1 - beta^t)` at step `t`, in f64 (`1 - beta^t`
/// loses digits in f32 for small `t`).
fn adam_corrections(b1: f32, b2: f32, step: u64) -> (f32, f32) {
    let t = step.min(i32::MAX as u64) as i32;
    (
        (1.0 / (1.0 - (b1 as f64).powi(t))) as f32,
        (1.0 / (1.0 - (b2 as f64).powi(t))) as f32,
    )
}

/// One gradient transformation: pure apart from its state, which the caller keeps.
///
/// `state` holds `slots()` floats per parameter, slot-major over this call's
/// parameters (slot `s` of parameter `i` at `s * grads.len() + i`), so a
/// layer split in parts keeps each part's state beside it.
pub trait Transform: Send + Sync + fmt::Debug {
    /// State floats per parameter.
    fn slots(&self) -> usize;
    /// What this transformation is, so that a chain of known parts can run
    /// as one fused kernel pass; `None` keeps the chain on its parts.
    fn fusable(&self) -> Option<Fusable> {
        None
    }
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
    fn fusable(&self) -> Option<Fusable> {
        // A zero decay adds `0 w`, which can turn a -0 gradient into +0: not
        // what a fused step (which skips a zero decay) does.
        (self.0 != 0.0).then_some(Fusable::Decay(self.0))
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
    fn fusable(&self) -> Option<Fusable> {
        Some(Fusable::Moment(MomentKind::Trace(*self)))
    }
    fn update(&self, _: &StepContext, grads: &mut [f32], state: &mut [f32], _: &[f32]) {
        let mu = self.decay;
        for (g, v) in grads.iter_mut().zip(state.iter_mut()) {
            *v = mlp_kernels::flush_subnormal(mu * *v + *g);
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
    fn fusable(&self) -> Option<Fusable> {
        Some(Fusable::Moment(MomentKind::Adam(*self)))
    }
    fn update(&self, ctx: &StepContext, grads: &mut [f32], state: &mut [f32], _: &[f32]) {
        let n = grads.len();
        let (m, v) = state.split_at_mut(n);
        let (b1, b2) = (self.beta1, self.beta2);
        let (c1, c2) = adam_corrections(b1, b2, ctx.step);
        let gate = mlp_kernels::adam_gate(b1, b2);
        for ((g, m), v) in grads.iter_mut().zip(m.iter_mut()).zip(v.iter_mut()) {
            *g = mlp_kernels::gate_below(*g, gate);
            *m = mlp_kernels::flush_subnormal(b1 * *m + (1.0 - b1) * *g);
            *v = mlp_kernels::flush_subnormal(b2 * *v + (1.0 - b2) * *g * *g);
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
    fn fusable(&self) -> Option<Fusable> {
        Some(Fusable::LearningRate)
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

    /// The chain as one fused step at `ctx`, when it is (decay) (moment)
    /// (decay) learning rate, each part optional but the last, as every
    /// chain of [`chain_for`] is. Allocates nothing.
    pub fn fused(&self, ctx: &StepContext) -> Option<mlp_kernels::ParamUpdate> {
        use mlp_kernels::{Moment, ParamUpdate};
        let (last, rest) = self.parts.split_last()?;
        if last.fusable()? != Fusable::LearningRate {
            return None;
        }
        let mut u = ParamUpdate {
            l2: 0.0,
            moment: Moment::None,
            decay: 0.0,
            lr: ctx.lr,
        };
        // Before the moment: at most one decay (L2); after it, at most one
        // (decoupled). Without a moment, two decays run in the same order.
        let mut seen_moment = false;
        for p in rest {
            match p.fusable()? {
                Fusable::Decay(c) if !seen_moment && u.l2 == 0.0 => u.l2 = c,
                Fusable::Decay(c) if u.decay == 0.0 => {
                    u.decay = c;
                    seen_moment = true;
                }
                Fusable::Moment(m) if !seen_moment => {
                    seen_moment = true;
                    u.moment = match m {
                        MomentKind::Trace(t) => Moment::Trace {
                            mu: t.decay,
                            nesterov: t.nesterov,
                        },
                        MomentKind::Adam(a) => {
                            let (c1, c2) = adam_corrections(a.beta1, a.beta2, ctx.step);
                            Moment::Adam {
                                b1: a.beta1,
                                b2: a.beta2,
                                eps: a.eps,
                                c1,
                                c2,
                            }
                        }
                    };
                }
                _ => return None,
            }
        }
        Some(u)
    }

    /// One step: `update`, then `params += grads` (the gradient buffer is
    /// consumed); a chain that [`Chain::fused`] describes runs as one
    /// kernel pass, with the same bits.
    pub fn apply(
        &self,
        ctx: &StepContext,
        params: &mut [f32],
        grads: &mut [f32],
        state: &mut [f32],
    ) {
        self.apply_fused(self.fused(ctx).as_ref(), ctx, params, grads, state);
    }

    /// [`Chain::apply`] with the chain's [`Chain::fused`] form at `ctx`
    /// already found (a caller stepping many slices finds it once).
    pub fn apply_fused(
        &self,
        fused: Option<&mlp_kernels::ParamUpdate>,
        ctx: &StepContext,
        params: &mut [f32],
        grads: &mut [f32],
        state: &mut [f32],
    ) {
        match fused {
            Some(u) => mlp_kernels::update_params(u, params, grads, state),
            None => self.apply_parts(ctx, params, grads, state),
        }
    }

    /// [`Chain::apply`] part by part, never fused.
    pub fn apply_parts(
        &self,
        ctx: &StepContext,
        params: &mut [f32],
        grads: &mut [f32],
        state: &mut [f32],
    ) {
        self.update(ctx, grads, state, params);
        // Stored as the fused kernel stores them: subnormals flushed.
        for (w, &u) in params.iter_mut().zip(grads.iter()) {
            *w = mlp_kernels::flush_subnormal(*w + u);
        }
    }
}

/// The chain `config` names, for weights (`decayed`: L2 and weight decay apply) or for biases.
pub fn chain_for(config: &TrainConfig, decayed: bool) -> Chain {
    let mut chain = Chain::new();
    let l2 = config.regularization.l2;
    if decayed && l2 > 0.0 {
        chain = chain.then(AddDecayedWeights(l2 as f32));
    }
    chain = match config.optimizer.method {
        Optimizer::Sgd => chain,
        Optimizer::Momentum { mu, nesterov } => chain.then(Trace {
            decay: mu as f32,
            nesterov,
        }),
        Optimizer::Adam { beta1, beta2, eps } => chain.then(ScaleByAdam {
            beta1: beta1 as f32,
            beta2: beta2 as f32,
            eps: eps as f32,
        }),
    };
    let weight_decay = config.optimizer.weight_decay;
    if decayed && weight_decay > 0.0 {
        chain = chain.then(AddDecayedWeights(weight_decay as f32));
    }
    chain.then(ScaleByLearningRate)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADAM: Optimizer = Optimizer::Adam {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
    };

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
        c.optimizer.method = Optimizer::Momentum {
            mu: 0.9,
            nesterov: false,
        };
        assert_eq!(chain_for(&c, true).slots(), 1);
        c.optimizer.method = ADAM;
        c.optimizer.weight_decay = 0.01;
        c.regularization.l2 = 0.001;
        let w = chain_for(&c, true);
        assert_eq!(w.slots(), 2);
        assert_eq!(w.parts.len(), 4, "{w:?}");
        assert_eq!(chain_for(&c, false).parts.len(), 2, "biases take no decay");
    }

    /// Every chain a configuration names runs fused, with the bits its
    /// parts give one at a time (three steps, exact zeros among the gradients).
    #[test]
    fn fused_chains_give_the_parts_bits() {
        let vals = |n: usize, salt: u64| -> Vec<f32> {
            (0..n)
                .map(|i| {
                    let h = (i as u64 * 2654435761 + salt * 7919) % 1999;
                    if h.is_multiple_of(5) {
                        0.0
                    } else {
                        (h as f32 - 999.0) / 500.0
                    }
                })
                .collect()
        };
        let n = 37;
        for method in [
            Optimizer::Sgd,
            Optimizer::Momentum {
                mu: 0.9,
                nesterov: false,
            },
            Optimizer::Momentum {
                mu: 0.9,
                nesterov: true,
            },
            ADAM,
        ] {
            for (l2, weight_decay) in [(0.0, 0.0), (1e-3, 0.0), (0.0, 5e-4), (1e-3, 5e-4)] {
                let mut config = TrainConfig::new(crate::Case::ReluSigmoid);
                config.optimizer.method = method;
                config.optimizer.weight_decay = weight_decay;
                config.regularization.l2 = l2;
                for decayed in [true, false] {
                    let chain = chain_for(&config, decayed);
                    let (mut w, mut want) = (vals(n, 1), vals(n, 1));
                    let (mut s, mut s_want) = (chain.init(n), chain.init(n));
                    for step in 1..=3 {
                        let ctx = ctx(step, 0.05);
                        assert!(chain.fused(&ctx).is_some(), "{chain:?}");
                        let g = vals(n, 10 + step);
                        chain.apply(&ctx, &mut w, &mut g.clone(), &mut s);
                        chain.apply_parts(&ctx, &mut want, &mut g.clone(), &mut s_want);
                        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                        assert_eq!(bits(&w), bits(&want), "{chain:?} step {step}");
                        assert_eq!(bits(&s), bits(&s_want), "{chain:?} step {step}");
                    }
                }
            }
        }
    }

    #[test]
    fn chains_of_other_shapes_run_part_by_part() {
        let c = ctx(1, 0.1);
        let no_rate = Chain::new().then(Trace {
            decay: 0.9,
            nesterov: false,
        });
        assert!(no_rate.fused(&c).is_none());
        let two_moments = Chain::new()
            .then(Trace {
                decay: 0.9,
                nesterov: false,
            })
            .then(Trace {
                decay: 0.5,
                nesterov: false,
            })
            .then(ScaleByLearningRate);
        assert!(two_moments.fused(&c).is_none());
        let zero_decay = Chain::new()
            .then(AddDecayedWeights(0.0))
            .then(ScaleByLearningRate);
        assert!(zero_decay.fused(&c).is_none());
        // Two moments still step, part by part.
        let mut w = [1.0f32];
        let mut st = two_moments.init(1);
        two_moments.apply(&c, &mut w, &mut [1.0], &mut st);
        assert!((w[0] - 0.9).abs() < 1e-6, "{w:?}");
    }
}
