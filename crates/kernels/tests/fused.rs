//! The fused `sparse_ger_then_gemv_t` on every available SIMD path: equal to
//! the reference, and bit-identical to `sparse_ger` then `sparse_gemv_t`.
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
    fn fused_exact_vs_reference((alpha, delta, a, ui, uv, ai, av) in (dim(), dim()).prop_flat_map(|(m, n)| ((-4i32..=4).prop_map(|v| v as f32), ints(n), ints(m * n), subset(m), ints(m), subset(m), ints(m)))) {
        let (uv, av) = (&uv[..ui.len()], &av[..ai.len()]);
        let mut want_a = a.clone();
        let mut want_y = vec![0.0; delta.len()];
        r::sparse_ger_then_gemv_t(alpha, &ui, uv, &delta, &ai, av, &mut want_a, &mut want_y);
        for_each_path(|p| {
            let mut got_a = a.clone();
            let mut got_y = vec![f32::NAN; delta.len()];
            k::sparse_ger_then_gemv_t(alpha, &ui, uv, &delta, &ai, av, &mut got_a, &mut got_y);
            assert_eq!(got_a, want_a, "a {p}");
            assert_eq!(got_y, want_y, "y {p}");
        });
    }

    #[test]
    fn fused_bit_identical_to_unfused((alpha, delta, a, ui, uv, ai, av) in (dim(), dim()).prop_flat_map(|(m, n)| (-1.0f32..1.0, floats(n), floats(m * n), subset(m), floats(m), subset(m), floats(m)))) {
        let (uv, av) = (&uv[..ui.len()], &av[..ai.len()]);
        for_each_path(|p| {
            let mut a1 = a.clone();
            let mut y1 = vec![f32::NAN; delta.len()];
            k::sparse_ger(alpha, &ui, uv, &delta, &mut a1);
            k::sparse_gemv_t(&a1, delta.len(), &ai, av, &mut y1);
            let mut a2 = a.clone();
            let mut y2 = vec![f32::NAN; delta.len()];
            k::sparse_ger_then_gemv_t(alpha, &ui, uv, &delta, &ai, av, &mut a2, &mut y2);
            assert_eq!(bits(&a2), bits(&a1), "a {p}");
            assert_eq!(bits(&y2), bits(&y1), "y {p}");
        });
    }

    /// Many rows: crosses the fused kernel's 64-row chunks and update buffer
    /// (and, up to 70 columns, every remainder column block of every path).
    #[test]
    fn fused_many_rows((alpha, delta, a, ui, uv, ai, av) in (0usize..=300, 0usize..=70).prop_flat_map(|(m, n)| ((-4i32..=4).prop_map(|v| v as f32), ints(n), ints(m * n), subset(m), ints(m), subset(m), ints(m)))) {
        let (uv, av) = (&uv[..ui.len()], &av[..ai.len()]);
        let mut want_a = a.clone();
        let mut want_y = vec![0.0; delta.len()];
        r::sparse_ger_then_gemv_t(alpha, &ui, uv, &delta, &ai, av, &mut want_a, &mut want_y);
        for_each_path(|p| {
            let mut got_a = a.clone();
            let mut got_y = vec![f32::NAN; delta.len()];
            k::sparse_ger_then_gemv_t(alpha, &ui, uv, &delta, &ai, av, &mut got_a, &mut got_y);
            assert_eq!(got_a, want_a, "a {p}");
            assert_eq!(got_y, want_y, "y {p}");
        });
    }
}

#[test]
fn large_fused_bit_identical() {
    let mut g = common::Rng::new(12345);
    for cols in [300, 500, 1000] {
        let rows = 784;
        let a: Vec<f32> = (0..rows * cols).map(|_| g.float() * 0.1).collect();
        let ui = g.rows(rows, 150);
        let ai = g.rows(rows, 150);
        let uv: Vec<f32> = ui.iter().map(|_| g.float()).collect();
        let av: Vec<f32> = ai.iter().map(|_| g.float()).collect();
        let delta: Vec<f32> = (0..cols).map(|_| g.float()).collect();
        for_each_path(|p| {
            let mut a1 = a.clone();
            let mut y1 = vec![f32::NAN; cols];
            k::sparse_ger(-0.01, &ui, &uv, &delta, &mut a1);
            k::sparse_gemv_t(&a1, cols, &ai, &av, &mut y1);
            let mut a2 = a.clone();
            let mut y2 = vec![f32::NAN; cols];
            k::sparse_ger_then_gemv_t(-0.01, &ui, &uv, &delta, &ai, &av, &mut a2, &mut y2);
            assert!(bits(&a1) == bits(&a2), "a {p} {cols}");
            assert_eq!(bits(&y1), bits(&y2), "y {p} {cols}");
        });
    }
}

#[test]
#[should_panic(expected = "out of range")]
fn fused_out_of_range_acc_idx_panics() {
    let mut a = [0.0; 8];
    let mut y = [0.0; 2];
    k::sparse_ger_then_gemv_t(
        1.0,
        &[0],
        &[1.0],
        &[1.0, 1.0],
        &[3, 4],
        &[1.0, 1.0],
        &mut a,
        &mut y,
    );
}
