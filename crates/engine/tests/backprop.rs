//! Backprop against finite differences (exact) and the published formulas (as-published).

// Index loops mirror the subscripts of the formulas they check.
#![allow(clippy::needless_range_loop)]

mod common;

use common::*;
use mlp_engine::{Backprop, Case, Network, StepOptions, Trainer};

/// Runs exactly one step on sample 0 and returns (before, after).
fn one_step(
    case: Case,
    mode: Backprop,
    net: Network,
    data: &mlp_engine::Dataset,
    lr: f64,
) -> (Network, Network) {
    let mut cfg = config(case, net.hidden(), lr, 1);
    cfg.network.backprop = mode;
    let before = net.clone();
    let mut t = Trainer::new(&cfg, net, StepOptions::default());
    t.run_steps(data, 1);
    (before, t.finish())
}

/// Exact mode: eta = 1, so the change of each weight must equal minus the
/// derivative of the per-sample loss, taken numerically in f64.
///
/// Tolerance: the step runs in f32 with weights of magnitude <= 0.8, so the
/// difference after - before carries ~2 ulp(0.8) = 1.2e-7 of rounding, and the
/// f32 forward pass (vectorised tanh/sigmoid within 2e-7) perturbs each
/// gradient by a relative ~1e-5. A wrong derivative is off by a factor
/// (0.5 for the published tanh variant), far outside 1e-5 + 1e-3*|g|.
#[test]
fn exact_backprop_matches_finite_differences() {
    for case in Case::ALL {
        for seed in 0..4 {
            let (d, n, c) = (7, 5, 3);
            let data = random_dataset(d, c, 1, 0.8, 100 + seed);
            // Relu's kink: keep hidden pre-activations away from 0 by retrying seeds.
            let mut net_seed = seed;
            let net = loop {
                let net = random_network(d, n, c, 0.8, net_seed);
                let r = Reference::from_network(&net, case, Backprop::Exact);
                let (z, _, _) = r.forward(&dense(&data, 0));
                if z.iter().all(|v| v.abs() > 1e-3) {
                    break net;
                }
                net_seed += 1000;
            };
            let x = dense(&data, 0);
            let label = data.label(0) as usize;
            let (before, after) = one_step(case, Backprop::Exact, net, &data, 1.0);
            let r = Reference::from_network(&before, case, Backprop::Exact);
            let eps = 1e-6;
            let mut checked = 0;
            for j in 0..n {
                for p in 0..d {
                    let mut plus = r.clone();
                    plus.w1[j][p] += eps;
                    let mut minus = r.clone();
                    minus.w1[j][p] -= eps;
                    let g = (plus.loss(&x, label) - minus.loss(&x, label)) / (2.0 * eps);
                    let dw = after.w1()[p * n + j] as f64 - before.w1()[p * n + j] as f64;
                    assert!(
                        (dw + g).abs() <= 1e-5 + 1e-3 * g.abs(),
                        "{case} W1[{j}][{p}]: update {dw}, -dL/dw {}",
                        -g
                    );
                    checked += 1;
                }
            }
            for k in 0..c {
                for j in 0..n {
                    let mut plus = r.clone();
                    plus.w2[k][j] += eps;
                    let mut minus = r.clone();
                    minus.w2[k][j] -= eps;
                    let g = (plus.loss(&x, label) - minus.loss(&x, label)) / (2.0 * eps);
                    let dw = after.w2()[k * n + j] as f64 - before.w2()[k * n + j] as f64;
                    assert!(
                        (dw + g).abs() <= 1e-5 + 1e-3 * g.abs(),
                        "{case} W2[{k}][{j}]: update {dw}, -dL/dw {}",
                        -g
                    );
                    checked += 1;
                }
            }
            assert_eq!(checked, d * n + c * n);
        }
    }
}

/// As-published mode on a hand-sized example: 3 inputs, 2 hidden, 2 outputs.
/// The expected update is written out from the reference's table, term by term.
#[test]
fn as_published_deltas_follow_the_reference_table() {
    let x = [0.5f32, 0.0, 1.0];
    let data = mlp_engine::Dataset::from_dense(3, 2, &x, &[1]).unwrap();
    // W1 (study orientation, hidden x input) and W2 (output x hidden).
    let w1 = [[0.2, -0.4, 0.3], [-0.6, 0.1, 0.25]];
    let w2 = [[0.7, -0.3], [-0.5, 0.9]];
    let stored_w1: Vec<f32> = (0..3)
        .flat_map(|p| (0..2).map(move |j| w1[j][p] as f32))
        .collect();
    let stored_w2: Vec<f32> = w2.iter().flatten().map(|&v| v as f32).collect();
    let eta = 0.1;
    for case in Case::ALL {
        let net = Network::from_weights(3, 2, 2, stored_w1.clone(), stored_w2.clone()).unwrap();
        let (before, after) = one_step(case, Backprop::AsPublished, net, &data, eta);
        let xs = [0.5f64, 0.0, 1.0];
        // Forward by hand.
        let z: Vec<f64> = (0..2)
            .map(|j| (0..3).map(|p| w1[j][p] * xs[p]).sum())
            .collect();
        let (h, o, d): (Vec<f64>, Vec<f64>, [f64; 2]) = match case {
            Case::Tanh => {
                let h: Vec<f64> = z.iter().map(|v| v.tanh()).collect();
                let o = (0..2)
                    .map(|c| (w2[c][0] * h[0] + w2[c][1] * h[1]).tanh())
                    .collect();
                (h, o, [-1.0, 1.0])
            }
            Case::ReluSigmoid => {
                let h: Vec<f64> = z.iter().map(|v| v.max(0.0)).collect();
                let o = (0..2)
                    .map(|c| 1.0 / (1.0 + (-(w2[c][0] * h[0] + w2[c][1] * h[1])).exp()))
                    .collect();
                (h, o, [0.0, 1.0])
            }
        };
        // The table: case 1 uses 0.5(1-o^2) and 0.5(1-h^2); case 2 uses o(1-o) and 1.
        let delta_o: Vec<f64> = (0..2)
            .map(|c| {
                let e = d[c] - o[c];
                match case {
                    Case::Tanh => 0.5 * (1.0 - o[c] * o[c]) * e,
                    Case::ReluSigmoid => o[c] * (1.0 - o[c]) * e,
                }
            })
            .collect();
        let delta_h: Vec<f64> = (0..2)
            .map(|j| {
                let back = w2[0][j] * delta_o[0] + w2[1][j] * delta_o[1];
                match case {
                    Case::Tanh => 0.5 * (1.0 - h[j] * h[j]) * back,
                    Case::ReluSigmoid => back,
                }
            })
            .collect();
        if case == Case::ReluSigmoid {
            // The example is chosen so one hidden unit is off: exact relu' would be 0 there.
            assert!(z.iter().any(|&v| v < 0.0));
        }
        for j in 0..2 {
            for p in 0..3 {
                let want = eta * delta_h[j] * xs[p];
                let got = after.w1()[p * 2 + j] as f64 - before.w1()[p * 2 + j] as f64;
                assert!(
                    (got - want).abs() < 1e-6,
                    "{case} W1[{j}][{p}]: {got} vs {want}"
                );
            }
        }
        for c in 0..2 {
            for j in 0..2 {
                let want = eta * delta_o[c] * h[j];
                let got = after.w2()[c * 2 + j] as f64 - before.w2()[c * 2 + j] as f64;
                assert!(
                    (got - want).abs() < 1e-6,
                    "{case} W2[{c}][{j}]: {got} vs {want}"
                );
            }
        }
    }
}

/// Whole runs against the f64 reference of the plain formula, both cases and modes,
/// with and without L2 (the lazy scale must equal `(1 - eta*lambda) W` every step),
/// including a decay strong enough to force renormalisation many times.
#[test]
fn training_matches_the_plain_formula_reference() {
    let (d, n, c, rows) = (20, 9, 4, 30);
    let data = random_dataset(d, c, rows, 0.4, 7);
    for case in Case::ALL {
        for mode in [Backprop::Exact, Backprop::AsPublished] {
            for (lr, l2) in [(0.05, 0.0), (0.05, 0.01), (0.1, 5.0)] {
                let net = random_network(d, n, c, 0.3, 3);
                let mut reference = Reference::from_network(&net, case, mode);
                let mut cfg = config(case, n, lr, rows);
                cfg.network.backprop = mode;
                cfg.regularization.l2 = l2;
                let steps = 4 * rows;
                let mut t = Trainer::new(&cfg, net, StepOptions::default());
                t.run_steps(&data, steps);
                let trained = t.finish();
                for s in 0..steps {
                    let i = s % rows;
                    reference.step(&dense(&data, i), data.label(i) as usize, lr, l2);
                }
                let diff = max_diff(&trained, &reference);
                assert!(
                    diff < 2e-5,
                    "{case} {mode} lr={lr} l2={l2}: max diff {diff}"
                );
            }
        }
    }
}
