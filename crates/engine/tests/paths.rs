//! Sparse, dense, fused and unfused paths agree; seeds are reproducible.

mod common;

use common::*;
use mlp_engine::{Backprop, Case, InputPath, Network, StepOptions, Trainer};

fn run(case: Case, l2: f64, options: StepOptions, steps: usize) -> Network {
    let data = random_dataset(60, 5, 25, 0.2, 11);
    let mut cfg = config(case, 13, 0.05, 25);
    cfg.l2 = l2;
    let net = Network::init(60, 13, 5, 42);
    let mut t = Trainer::new(&cfg, net, options);
    t.run_steps(&data, steps);
    t.finish()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Sparse and dense give the same weights after 100 steps. The sums visit the
/// same rows in the same order (the dense path adds exact zeros too), so they
/// agree to rounding; 1e-6 on weights of magnitude ~0.1 allows a few ulps.
#[test]
fn sparse_and_dense_paths_agree_after_100_steps() {
    for case in Case::ALL {
        for l2 in [0.0, 0.01] {
            let sparse = run(
                case,
                l2,
                StepOptions {
                    input: InputPath::Sparse,
                    fused: false,
                },
                100,
            );
            let dense = run(
                case,
                l2,
                StepOptions {
                    input: InputPath::Dense,
                    fused: false,
                },
                100,
            );
            let initial = Network::init(60, 13, 5, 42);
            assert!(
                max_abs_diff(&sparse.w1, &initial.w1) > 1e-4,
                "training changed nothing"
            );
            let d1 = max_abs_diff(&sparse.w1, &dense.w1);
            let d2 = max_abs_diff(&sparse.w2, &dense.w2);
            assert!(d1 <= 1e-6 && d2 <= 1e-6, "{case} l2={l2}: w1 {d1}, w2 {d2}");
        }
    }
}

/// Fusing a step's W1 update with the next forward changes no operation's order,
/// so the weights are bit-identical to the unfused sequence.
#[test]
fn fused_and_unfused_are_bit_identical() {
    for case in Case::ALL {
        for l2 in [0.0, 0.01] {
            let fused = run(
                case,
                l2,
                StepOptions {
                    input: InputPath::Sparse,
                    fused: true,
                },
                100,
            );
            let plain = run(
                case,
                l2,
                StepOptions {
                    input: InputPath::Sparse,
                    fused: false,
                },
                100,
            );
            assert_eq!(fused, plain, "{case} l2={l2}");
        }
    }
}

#[test]
fn same_seed_gives_bit_identical_runs_and_different_seeds_differ() {
    let train = random_dataset(40, 4, 50, 0.3, 1);
    let test = random_dataset(40, 4, 20, 0.3, 2);
    for case in Case::ALL {
        for shuffle in [false, true] {
            let mut cfg = config(case, 16, 0.05, 50);
            cfg.epochs = 3;
            cfg.shuffle = shuffle;
            cfg.eval_every = 1;
            cfg.backprop = Backprop::Exact;
            let go = |cfg: &mlp_engine::TrainConfig| {
                mlp_engine::train_with(
                    cfg,
                    &train,
                    &test,
                    None,
                    StepOptions::default(),
                    &mut mlp_engine::NoObserver,
                )
                .unwrap()
            };
            let (a, na) = go(&cfg);
            let (b, nb) = go(&cfg);
            assert_eq!(na, nb);
            assert_eq!(a.metrics.without_timings(), b.metrics.without_timings());
            assert_eq!(a.confusion, b.confusion);
            let losses = |r: &mlp_engine::TrainReport| {
                r.history
                    .iter()
                    .map(|e| e.train_loss.to_bits())
                    .collect::<Vec<_>>()
            };
            assert_eq!(losses(&a), losses(&b));
            cfg.seed += 1;
            let (_, nc) = go(&cfg);
            assert_ne!(na, nc, "a different seed must give different weights");
        }
    }
}

#[test]
fn shuffle_changes_the_result_and_file_order_is_the_default() {
    let train = random_dataset(40, 4, 50, 0.3, 1);
    let test = random_dataset(40, 4, 20, 0.3, 2);
    let mut cfg = config(Case::Tanh, 16, 0.05, 50);
    cfg.epochs = 2;
    let plain = mlp_engine::train(&cfg, &train, &test).unwrap();
    cfg.shuffle = true;
    let shuffled = mlp_engine::train(&cfg, &train, &test).unwrap();
    assert_ne!(plain.metrics.train_mse, shuffled.metrics.train_mse);
}
