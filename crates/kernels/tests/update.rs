//! The fused optimiser step `update_params` on every available SIMD path,
//! bit for bit against `mlp_kernels::reference`.

mod common;

use common::*;
use mlp_kernels::{self as k, reference as r};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// The fused optimiser step equals the reference bit for bit on every
    /// path, for each moment, with and without L2 and decoupled decay, over
    /// three steps (state carried) and lengths with every tail.
    #[test]
    fn update_params_is_the_reference((n, kind, l2, decay, nesterov, seed) in (0usize..=40, 0usize..3, any::<bool>(), any::<bool>(), any::<bool>(), 0u64..1000)) {
        let moment = |t: i32| match kind {
            0 => k::Moment::None,
            1 => k::Moment::Trace { mu: 0.9, nesterov },
            _ => k::Moment::Adam {
                b1: 0.9,
                b2: 0.999,
                eps: 1e-8,
                c1: (1.0 / (1.0 - 0.9f64.powi(t))) as f32,
                c2: (1.0 / (1.0 - 0.999f64.powi(t))) as f32,
            },
        };
        let vals = |n: usize, salt: u64| -> Vec<f32> {
            (0..n).map(|i| {
                let h = (i as u64 * 2654435761 + seed * 97 + salt) % 2001;
                // Some exact zeros: dead ReLU units give them; some values
                // either side of Adam's gate.
                if h.is_multiple_of(7) { 0.0 }
                else if h.is_multiple_of(5) { (h as f32 - 1000.0) * 1e-20 }
                else { (h as f32 - 1000.0) / 700.0 }
            }).collect()
        };
        let w0 = vals(n, 1);
        let slots = moment(1).slots();
        for_each_path(|p| {
            let (mut w, mut want) = (w0.clone(), w0.clone());
            let (mut st, mut st_want) = (vec![0.0; slots * n], vec![0.0; slots * n]);
            for t in 1..=3 {
                let u = k::ParamUpdate {
                    l2: if l2 { 1e-3 } else { 0.0 },
                    moment: moment(t),
                    decay: if decay { 5e-4 } else { 0.0 },
                    lr: 0.05,
                };
                let g = vals(n, 10 + t as u64);
                k::update_params(&u, &mut w, &g, &mut st);
                r::update_params(&u, &mut want, &g, &mut st_want);
                assert_eq!(bits(&w), bits(&want), "{p}: step {t}");
                assert_eq!(bits(&st), bits(&st_want), "{p}: state at step {t}");
            }
        });
    }
}

/// Weights and moments sinking below f32's smallest normal are stored as
/// zero on every path, as the reference stores them; values at the smallest
/// normal and above, NaN included, are kept. Under Adam, a weight that only
/// decays reaches zero and stays there (no subnormal left to slow a pass).
#[test]
fn update_params_flushes_subnormal_weights_and_moments_on_every_path() {
    let tiny = f32::MIN_POSITIVE;
    let w0 = vec![
        tiny / 4.0,
        -tiny / 3.0,
        tiny,
        -tiny,
        0.0,
        -0.0,
        f32::NAN,
        1.0,
        1e-30,
        3e-38,
    ];
    let g = vec![0.0; w0.len()];
    let moments = [
        k::Moment::Trace {
            mu: 0.9,
            nesterov: true,
        },
        k::Moment::Adam {
            b1: 0.9,
            b2: 0.999,
            eps: 1e-8,
            c1: 10.0,
            c2: 1000.0,
        },
    ];
    for moment in moments {
        let u = k::ParamUpdate {
            l2: 1e-4,
            moment,
            decay: 0.0,
            lr: 0.001,
        };
        for_each_path(|p| {
            let (mut w, mut want) = (w0.clone(), w0.clone());
            let slots = moment.slots();
            let mut st = vec![tiny / 2.0; slots * w0.len()];
            let mut st_want = st.clone();
            k::update_params(&u, &mut w, &g, &mut st);
            r::update_params(&u, &mut want, &g, &mut st_want);
            assert_eq!(bits(&w), bits(&want), "{p}");
            assert_eq!(bits(&st), bits(&st_want), "{p}");
            for x in w.iter().chain(&st) {
                assert!(!x.is_subnormal(), "{p}: {x:e} stored");
            }
            assert_eq!(w[0].to_bits(), 0, "{p}: a subnormal weight is +0");
            assert!(w[6].is_nan() && w[7] != 0.0, "{p}");
        });
    }
    // Adam on a weight with no gradient but L2: it decays to zero in time.
    let u = |t: i32| k::ParamUpdate {
        l2: 1e-4,
        moment: k::Moment::Adam {
            b1: 0.9,
            b2: 0.999,
            eps: 1e-8,
            c1: (1.0 / (1.0 - 0.9f64.powi(t))) as f32,
            c2: (1.0 / (1.0 - 0.999f64.powi(t))) as f32,
        },
        decay: 0.0,
        lr: 0.001,
    };
    let (mut w, mut st) = (vec![0.05f32; 16], vec![0.0f32; 32]);
    let mut subnormal_seen = false;
    let mut at_rest = w.clone();
    for t in 1..=20_000 {
        k::update_params(&u(t), &mut w, &[0.0; 16], &mut st);
        subnormal_seen |= w.iter().chain(&st).any(|x| x.is_subnormal());
        if t == 19_000 {
            at_rest = w.clone();
        }
    }
    assert!(!subnormal_seen);
    assert!(w.iter().all(|&x| x.abs() < 1e-3), "{w:?}");
    // It comes to rest where every intermediate of its step is zero or
    // normal: each would otherwise cost a microcode assist on every step.
    assert_eq!(bits(&w), bits(&at_rest), "still moving");
    assert!(st[..16].iter().all(|&m| m == 0.0), "{st:?}");
    let gate = k::adam_gate(0.9, 0.999);
    for &x in &w {
        let g = 1e-4f32 * x;
        assert!(!g.is_subnormal(), "{g:e}");
        let g = k::gate_below(g, gate);
        for y in [0.1 * g, 0.001 * g, 0.001 * g * g] {
            assert!(!y.is_subnormal(), "{x:e}: {y:e}");
        }
    }
}

/// Adam's gate sits where a gradient's weighted square and first-moment
/// share stay normal, for the usual and extreme decays; below it a gradient
/// adds nothing to the moments on any path.
#[test]
fn adam_takes_no_gradient_too_small_to_square() {
    for (b1, b2) in [
        (0.9f32, 0.999f32),
        (0.0, 0.0),
        (0.99, 0.999_999),
        (0.5, 0.9),
    ] {
        let gate = k::adam_gate(b1, b2);
        for x in [gate, -gate, gate * 1.5] {
            for y in [(1.0 - b1) * x, (1.0 - b2) * x * x] {
                assert!(
                    y == 0.0 || !y.is_subnormal(),
                    "b1 {b1} b2 {b2}: {x:e} gives {y:e}"
                );
            }
        }
        // Far below f32's precision of any weight this gates.
        assert!(gate < 1e-15, "{gate:e}");
    }
    let u = k::ParamUpdate {
        l2: 0.0,
        moment: k::Moment::Adam {
            b1: 0.9,
            b2: 0.999,
            eps: 1e-8,
            c1: 10.0,
            c2: 1000.0,
        },
        decay: 0.0,
        lr: 0.001,
    };
    let gate = k::adam_gate(0.9, 0.999);
    let below = f32::from_bits(gate.to_bits() - 1);
    let g = [below, -below, gate, 0.0];
    for_each_path(|p| {
        let (mut w, mut st) = (vec![1.0f32; 4], vec![0.0f32; 8]);
        k::update_params(&u, &mut w, &g, &mut st);
        assert_eq!(&st[..2], &[0.0, 0.0], "{p}: m took a gated gradient");
        assert_eq!(&st[4..6], &[0.0, 0.0], "{p}: v took a gated gradient");
        assert!(st[2] > 0.0 && st[6] > 0.0, "{p}: the gate itself is taken");
        assert_eq!(w[0], 1.0, "{p}");
    });
}
