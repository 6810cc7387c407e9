//! Activations, their derivatives and bias + activation on every available
//! SIMD path: against `mlp_kernels::reference`, the accuracy of tanh and
//! sigmoid over the whole f32 range, and special values.
//!
//! Integer-valued inputs (small ints) make every f32 sum exact, so those tests
//! demand `==`; outputs are pre-filled with NaN to prove every element is written.
//! Each test runs on every SIMD path the CPU has (see `common`).

mod common;

use common::*;
use mlp_kernels::{self as k, reference as r};
use proptest::collection::vec;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Bias and activation in one pass give the bits of a bias `axpy` per row
    /// then the activation, for each activation, width (every tail) and row count.
    #[test]
    fn bias_activate_is_axpy_then_the_activation((width, _rows, z, b) in (0usize..=40, 1usize..4).prop_flat_map(|(w, r)| (Just(w), Just(r), floats(w * r), floats(w)))) {
        for_each_path(|p| {
            for f in [k::Activation::Relu, k::Activation::Tanh, k::Activation::Sigmoid] {
                let (mut got_z, mut got_a) = (z.clone(), vec![f32::NAN; z.len()]);
                k::bias_activate(f, &b, &mut got_z, &mut got_a);
                let mut want_z = z.clone();
                if width > 0 {
                    for row in want_z.chunks_exact_mut(width) {
                        k::axpy(1.0, &b, row);
                    }
                }
                let mut want_a = vec![0.0; z.len()];
                match f {
                    k::Activation::Relu => k::relu(&want_z, &mut want_a),
                    k::Activation::Tanh => k::tanh(&want_z, &mut want_a),
                    k::Activation::Sigmoid => k::sigmoid(&want_z, &mut want_a),
                }
                assert_eq!(bits(&got_z), bits(&want_z), "{p} {f:?}");
                assert_eq!(bits(&got_a), bits(&want_a), "{p} {f:?}");
            }
        });
    }

    #[test]
    fn activations_match_reference_and_inplace(x in dim().prop_flat_map(|n| vec(-20.0f32..20.0, n))) {
        let n = x.len();
        let (mut wt, mut ws, mut wr) = (vec![0.0; n], vec![0.0; n], vec![0.0; n]);
        r::tanh(&x, &mut wt);
        r::sigmoid(&x, &mut ws);
        r::relu(&x, &mut wr);
        for_each_path(|p| {
            let mut y = vec![f32::NAN; n];
            k::tanh(&x, &mut y);
            for (g, w) in y.iter().zip(&wt) {
                assert!((g - w).abs() <= 3e-7, "tanh {p}: {g} vs {w}");
            }
            let mut z = x.clone();
            k::tanh_inplace(&mut z);
            assert_eq!(bits(&z), bits(&y), "tanh_inplace {p}");

            let mut y = vec![f32::NAN; n];
            k::sigmoid(&x, &mut y);
            for (g, w) in y.iter().zip(&ws) {
                assert!((g - w).abs() <= 3e-7, "sigmoid {p}: {g} vs {w}");
            }
            let mut z = x.clone();
            k::sigmoid_inplace(&mut z);
            assert_eq!(bits(&z), bits(&y), "sigmoid_inplace {p}");

            let mut y = vec![f32::NAN; n];
            k::relu(&x, &mut y);
            assert_eq!(bits(&y), bits(&wr), "relu {p}");
            let mut z = x.clone();
            k::relu_inplace(&mut z);
            assert_eq!(bits(&z), bits(&wr), "relu_inplace {p}");
        });
    }

    #[test]
    fn derivative_kernels_bit_exact((y, g, z, factor) in dim().prop_flat_map(|n| (vec(-1.0f32..1.0, n), floats(n), floats(n), 0.5f32..2.0))) {
        let mut wt = g.clone();
        r::mul_tanh_deriv(&y, factor, &mut wt);
        let mut ws = g.clone();
        r::mul_sigmoid_deriv(&y, &mut ws);
        let mut wr = g.clone();
        r::mul_relu_deriv(&z, &mut wr);
        for_each_path(|p| {
            let mut got = g.clone();
            k::mul_tanh_deriv(&y, factor, &mut got);
            assert_eq!(bits(&got), bits(&wt), "tanh' {p}");
            let mut got = g.clone();
            k::mul_sigmoid_deriv(&y, &mut got);
            assert_eq!(bits(&got), bits(&ws), "sigmoid' {p}");
            let mut got = g.clone();
            k::mul_relu_deriv(&z, &mut got);
            assert_eq!(bits(&got), bits(&wr), "relu' {p}");
        });
    }
}

/// Inputs for the accuracy sweep: dense grid on [-100, 100], every binade, specials.
fn sweep_points() -> Vec<f32> {
    let mut xs = Vec::new();
    let n = 400_000;
    for i in 0..=n {
        xs.push(-100.0 + 200.0 * i as f32 / n as f32);
    }
    for i in 0..=200_000 {
        xs.push(-10.0 + 20.0 * i as f32 / 200_000.0);
    }
    // Every binade from subnormal to f32::MAX, both signs, a few mantissas each.
    for e in 0..255u32 {
        for m in [0u32, 1, 0x12_3456, 0x40_0000, 0x7f_ffff] {
            let v = f32::from_bits((e << 23) | m);
            xs.push(v);
            xs.push(-v);
        }
    }
    xs.extend([
        0.0,
        -0.0,
        f32::INFINITY,
        f32::NEG_INFINITY,
        f32::MAX,
        f32::MIN,
        f32::MIN_POSITIVE,
        -f32::MIN_POSITIVE,
        f32::from_bits(1),
        -f32::from_bits(1),
        0.55,
        -0.55,
        0.549_999_95,
        87.3,
        -87.3,
        -87.300_01,
        9.0,
        -9.0,
    ]);
    xs
}

#[test]
fn tanh_sigmoid_accuracy() {
    let xs = sweep_points();
    let mut y = vec![0.0; xs.len()];
    for_each_path(|p| {
        k::tanh(&xs, &mut y);
        let (mut abs_t, mut rel_t) = (0.0f64, 0.0f64);
        for (&x, &got) in xs.iter().zip(&y) {
            let want = (x as f64).tanh();
            let err = (got as f64 - want).abs();
            abs_t = abs_t.max(err);
            if want != 0.0 {
                rel_t = rel_t.max(err / want.abs());
            } else {
                assert_eq!(got, 0.0, "tanh({x}) {p}");
            }
        }
        k::sigmoid(&xs, &mut y);
        let (mut abs_s, mut rel_s) = (0.0f64, 0.0f64);
        for (&x, &got) in xs.iter().zip(&y) {
            let want = 1.0 / (1.0 + (-(x as f64)).exp());
            let err = (got as f64 - want).abs();
            abs_s = abs_s.max(err);
            if x >= -87.0 {
                rel_s = rel_s.max(err / want);
            } else {
                assert!(err < 1e-37, "sigmoid({x}) = {got} {p}");
            }
        }
        eprintln!("{p}: tanh max abs {abs_t:.3e} rel {rel_t:.3e}; sigmoid max abs {abs_s:.3e} rel(x>=-87) {rel_s:.3e}");
        assert!(
            abs_t <= 2e-7 && rel_t <= 1e-6,
            "{p}: tanh abs {abs_t:e} rel {rel_t:e}"
        );
        assert!(
            abs_s <= 2e-7 && rel_s <= 1e-6,
            "{p}: sigmoid abs {abs_s:e} rel {rel_s:e}"
        );
    });
}

#[test]
fn activation_special_values() {
    let xs = [
        f32::INFINITY,
        f32::NEG_INFINITY,
        0.0,
        -0.0,
        9.5,
        -9.5,
        200.0,
        -200.0,
    ];
    for_each_path(|p| {
        let mut y = [0.0; 8];
        k::tanh(&xs, &mut y);
        assert_eq!(y, [1.0, -1.0, 0.0, 0.0, 1.0, -1.0, 1.0, -1.0], "tanh {p}");
        assert!(y[3].is_sign_negative(), "tanh(-0) keeps sign {p}");
        k::sigmoid(&xs, &mut y);
        assert_eq!(y, [1.0, 0.0, 0.5, 0.5, y[4], y[5], 1.0, 0.0], "sigmoid {p}");
        let mut n = [f32::NAN; 3];
        k::tanh_inplace(&mut n);
        assert!(n.iter().all(|v| v.is_nan()), "tanh(NaN) {p}");
        let mut n = [f32::NAN; 3];
        k::sigmoid_inplace(&mut n);
        assert!(n.iter().all(|v| v.is_nan()), "sigmoid(NaN) {p}");
        let mut n = [f32::NAN, -0.0, -1.0];
        k::relu_inplace(&mut n);
        assert_eq!(bits(&n), bits(&[0.0, 0.0, 0.0]), "relu specials {p}");
    });
}
