//! Shared helpers for the engine's tests: small datasets and an f64 reference.
#![allow(dead_code)]

use mlp_engine::{Backprop, Case, ConfigFields, Dataset, Network, TrainConfig};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A config for a tiny run.
pub fn config(case: Case, hidden: usize, lr: f64, samples: usize) -> TrainConfig {
    ConfigFields {
        hidden: hidden.into(),
        lr,
        epochs: 1,
        train_samples: samples,
        ..ConfigFields::new(case)
    }
    .resolve()
    .unwrap()
}

/// Random inputs in [0, 1) with about `density` of them non-zero.
pub fn random_dataset(
    inputs: usize,
    classes: usize,
    rows: usize,
    density: f64,
    seed: u64,
) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = vec![0.0f32; inputs * rows];
    for v in x.iter_mut() {
        if rng.random_bool(density) {
            *v = rng.random_range(0.05..1.0);
        }
    }
    let labels: Vec<u8> = (0..rows)
        .map(|_| rng.random_range(0..classes) as u8)
        .collect();
    Dataset::from_dense(inputs, classes, &x, &labels).unwrap()
}

/// A network with weights drawn from U(-range, range).
pub fn random_network(
    inputs: usize,
    hidden: usize,
    outputs: usize,
    range: f32,
    seed: u64,
) -> Network {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut draw =
        |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-range..range)).collect() };
    let w1 = draw(inputs * hidden);
    let w2 = draw(outputs * hidden);
    Network::from_weights(inputs, hidden, outputs, w1, w2).unwrap()
}

/// The f64 reference network: weights as plain matrices in the study's orientation.
#[derive(Clone, Debug)]
pub struct Reference {
    pub case: Case,
    pub mode: Backprop,
    /// W1[j][p]: hidden j, input p.
    pub w1: Vec<Vec<f64>>,
    /// W2[c][j].
    pub w2: Vec<Vec<f64>>,
}

impl Reference {
    pub fn from_network(net: &Network, case: Case, mode: Backprop) -> Reference {
        let (d, n, c) = (net.inputs(), net.hidden(), net.outputs());
        let w1 = (0..n)
            .map(|j| (0..d).map(|p| net.w1()[p * n + j] as f64).collect())
            .collect();
        let w2 = (0..c)
            .map(|k| (0..n).map(|j| net.w2()[k * n + j] as f64).collect())
            .collect();
        Reference { case, mode, w1, w2 }
    }

    pub fn forward(&self, x: &[f64]) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
        let z: Vec<f64> = self
            .w1
            .iter()
            .map(|row| row.iter().zip(x).map(|(w, v)| w * v).sum())
            .collect();
        let h: Vec<f64> = z
            .iter()
            .map(|&v| match self.case {
                Case::Tanh => v.tanh(),
                Case::ReluSigmoid => v.max(0.0),
            })
            .collect();
        let o = self
            .w2
            .iter()
            .map(|row| {
                let a: f64 = row.iter().zip(&h).map(|(w, v)| w * v).sum();
                match self.case {
                    Case::Tanh => a.tanh(),
                    Case::ReluSigmoid => 1.0 / (1.0 + (-a).exp()),
                }
            })
            .collect();
        (z, h, o)
    }

    pub fn targets(&self, label: usize, classes: usize) -> Vec<f64> {
        let (lo, hi) = self.case.targets();
        (0..classes)
            .map(|c| if c == label { hi as f64 } else { lo as f64 })
            .collect()
    }

    pub fn loss(&self, x: &[f64], label: usize) -> f64 {
        let (_, _, o) = self.forward(x);
        let d = self.targets(label, o.len());
        o.iter().zip(&d).map(|(o, d)| 0.5 * (d - o) * (d - o)).sum()
    }

    /// The study's deltas (as the mode defines them) for one sample.
    pub fn deltas(&self, x: &[f64], label: usize) -> (Vec<f64>, Vec<f64>) {
        let (z, h, o) = self.forward(x);
        let d = self.targets(label, o.len());
        let delta_o: Vec<f64> = o
            .iter()
            .zip(&d)
            .map(|(&o, &d)| {
                let e = d - o;
                match (self.case, self.mode) {
                    (Case::Tanh, Backprop::Exact) => (1.0 - o * o) * e,
                    (Case::Tanh, Backprop::AsPublished) => 0.5 * (1.0 - o * o) * e,
                    (Case::ReluSigmoid, _) => o * (1.0 - o) * e,
                }
            })
            .collect();
        let delta_h = (0..h.len())
            .map(|j| {
                let back: f64 = (0..o.len()).map(|c| self.w2[c][j] * delta_o[c]).sum();
                let f = match (self.case, self.mode) {
                    (Case::Tanh, Backprop::Exact) => 1.0 - h[j] * h[j],
                    (Case::Tanh, Backprop::AsPublished) => 0.5 * (1.0 - h[j] * h[j]),
                    (Case::ReluSigmoid, Backprop::Exact) => (z[j] > 0.0) as u8 as f64,
                    (Case::ReluSigmoid, Backprop::AsPublished) => 1.0,
                };
                f * back
            })
            .collect();
        (delta_o, delta_h)
    }

    /// One step of the plain formula `W <- (1 - eta*lambda) W + eta * delta x^T`.
    pub fn step(&mut self, x: &[f64], label: usize, eta: f64, lambda: f64) {
        let (_, h, _) = self.forward(x);
        let (delta_o, delta_h) = self.deltas(x, label);
        let keep = 1.0 - eta * lambda;
        for (row, d) in self.w2.iter_mut().zip(&delta_o) {
            for (w, hv) in row.iter_mut().zip(&h) {
                *w = keep * *w + eta * d * hv;
            }
        }
        for (row, d) in self.w1.iter_mut().zip(&delta_h) {
            for (w, xv) in row.iter_mut().zip(x) {
                *w = keep * *w + eta * d * xv;
            }
        }
    }
}

/// Dense f64 copy of sample `i`.
pub fn dense(data: &Dataset, i: usize) -> Vec<f64> {
    let mut x = vec![0.0f32; data.inputs()];
    data.dense_into(i, &mut x);
    x.into_iter().map(f64::from).collect()
}

/// Largest absolute difference between a network and the reference.
pub fn max_diff(net: &Network, r: &Reference) -> f64 {
    let n = net.hidden();
    let mut m: f64 = 0.0;
    for (j, row) in r.w1.iter().enumerate() {
        for (p, &w) in row.iter().enumerate() {
            m = m.max((net.w1()[p * n + j] as f64 - w).abs());
        }
    }
    for (c, row) in r.w2.iter().enumerate() {
        for (j, &w) in row.iter().enumerate() {
            m = m.max((net.w2()[c * n + j] as f64 - w).abs());
        }
    }
    m
}
