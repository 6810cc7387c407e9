//! Dense kernels (`dot`, `axpy`, `scale`, `gemv`, `gemv_t`, `ger`) on every
//! available SIMD path against `mlp_kernels::reference`, and their length checks.
//!
//! Integer-valued inputs (small ints) make every f32 sum exact, so those tests
//! demand `==`; outputs are pre-filled with NaN to prove every element is written.
//! Each test runs on every SIMD path the CPU has (see `common`).

mod common;

use common::*;
use mlp_kernels::{self as k, reference as r};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn dot_exact((a, b) in dim().prop_flat_map(|n| (ints(n), ints(n)))) {
        let want = r::dot(&a, &b);
        for_each_path(|p| assert_eq!(k::dot(&a, &b), want, "{p}"));
    }

    #[test]
    fn dot_float((a, b) in dim().prop_flat_map(|n| (floats(n), floats(n)))) {
        let want = r::dot(&a, &b);
        for_each_path(|p| {
            let got = k::dot(&a, &b);
            assert!((got - want).abs() <= tol(a.len(), 4.0), "{p}: {got} vs {want}");
        });
    }

    #[test]
    fn axpy_scale_exact((alpha, x, y) in dim().prop_flat_map(|n| ((-4i32..=4).prop_map(|v| v as f32), ints(n), ints(n)))) {
        let mut want = y.clone();
        r::axpy(alpha, &x, &mut want);
        let mut want_s = y.clone();
        r::scale(alpha, &mut want_s);
        for_each_path(|p| {
            let mut got = y.clone();
            k::axpy(alpha, &x, &mut got);
            assert_eq!(got, want, "axpy {p}");
            let mut got = y.clone();
            k::scale(alpha, &mut got);
            assert_eq!(bits(&got), bits(&want_s), "scale {p}");
        });
    }

    #[test]
    fn scale_float_bitexact((alpha, x) in dim().prop_flat_map(|n| (-2.0f32..2.0, floats(n)))) {
        let mut want = x.clone();
        r::scale(alpha, &mut want);
        for_each_path(|p| {
            let mut got = x.clone();
            k::scale(alpha, &mut got);
            assert_eq!(bits(&got), bits(&want), "{p}");
        });
    }

    #[test]
    fn gemv_exact((rows, cols, a, x) in (dim(), dim()).prop_flat_map(|(m, n)| (Just(m), Just(n), ints(m * n), ints(n)))) {
        let mut want = vec![0.0; rows];
        r::gemv(&a, cols, &x, &mut want);
        for_each_path(|p| {
            let mut y = vec![f32::NAN; rows];
            k::gemv(&a, cols, &x, &mut y);
            assert_eq!(y, want, "{p}");
        });
    }

    #[test]
    fn gemv_t_exact((rows, cols, a, x) in (dim(), dim()).prop_flat_map(|(m, n)| (Just(m), Just(n), ints(m * n), ints(m)))) {
        let mut want = vec![0.0; cols];
        r::gemv_t(&a, cols, &x, &mut want);
        for_each_path(|p| {
            let mut y = vec![f32::NAN; cols];
            k::gemv_t(&a, cols, &x, &mut y);
            assert_eq!(y, want, "{p}");
        });
        let _ = rows;
    }

    #[test]
    fn gemv_gemv_t_float((rows, cols, a, x, xt) in (dim(), dim()).prop_flat_map(|(m, n)| (Just(m), Just(n), floats(m * n), floats(n), floats(m)))) {
        let mut want = vec![0.0; rows];
        r::gemv(&a, cols, &x, &mut want);
        let mut want_t = vec![0.0; cols];
        r::gemv_t(&a, cols, &xt, &mut want_t);
        for_each_path(|p| {
            let mut y = vec![f32::NAN; rows];
            k::gemv(&a, cols, &x, &mut y);
            for (g, w) in y.iter().zip(&want) {
                assert!((g - w).abs() <= tol(cols, 4.0), "gemv {p}: {g} vs {w}");
            }
            let mut y = vec![f32::NAN; cols];
            k::gemv_t(&a, cols, &xt, &mut y);
            for (g, w) in y.iter().zip(&want_t) {
                assert!((g - w).abs() <= tol(rows, 4.0), "gemv_t {p}: {g} vs {w}");
            }
        });
    }

    #[test]
    fn ger_exact((alpha, x, y, a) in (dim(), dim()).prop_flat_map(|(m, n)| ((-4i32..=4).prop_map(|v| v as f32), ints(m), ints(n), ints(m * n)))) {
        let mut want = a.clone();
        r::ger(alpha, &x, &y, &mut want);
        for_each_path(|p| {
            let mut got = a.clone();
            k::ger(alpha, &x, &y, &mut got);
            assert_eq!(got, want, "{p}");
        });
    }
}

#[test]
#[should_panic(expected = "length mismatch")]
fn dot_len_mismatch_panics() {
    k::dot(&[1.0, 2.0], &[1.0]);
}

#[test]
#[should_panic(expected = "gemv_t")]
fn gemv_t_shape_mismatch_panics() {
    let mut y = [0.0; 3];
    k::gemv_t(&[0.0; 7], 3, &[1.0, 2.0], &mut y);
}
