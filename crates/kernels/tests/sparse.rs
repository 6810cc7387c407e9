//! Sparse-row kernels (`sparse_gemv_t`, `sparse_ger`, `add_scaled_rows`,
//! `sparse_gemm`) and `SparseSet` on every available SIMD path against
//! `mlp_kernels::reference`, full-size shapes, and their index checks.
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

    #[test]
    fn sparse_gemv_t_exact((cols, a, idx, vals) in (dim(), dim()).prop_flat_map(|(m, n)| (Just(n), ints(m * n), subset(m), ints(m)))) {
        let vals = &vals[..idx.len()];
        let mut want = vec![0.0; cols];
        r::sparse_gemv_t(&a, cols, &idx, vals, &mut want);
        for_each_path(|p| {
            let mut y = vec![f32::NAN; cols];
            k::sparse_gemv_t(&a, cols, &idx, vals, &mut y);
            assert_eq!(y, want, "{p}");
        });
    }

    /// Any column panel of the product equals those columns of the whole, bit for bit.
    #[test]
    fn sparse_gemv_t_cols_is_the_panel_of_the_whole((cols, a, idx, vals, c0, w) in (dim(), dim()).prop_flat_map(|(m, n)| (Just(n), floats(m * n), subset(m), floats(m), 0..=n, 0..=n))) {
        let vals = &vals[..idx.len()];
        let width = w.min(cols - c0);
        let mut whole = vec![0.0; cols];
        r::sparse_gemv_t(&a, cols, &idx, vals, &mut whole);
        for_each_path(|p| {
            let mut all = vec![f32::NAN; cols];
            k::sparse_gemv_t(&a, cols, &idx, vals, &mut all);
            let mut y = vec![f32::NAN; width];
            k::sparse_gemv_t_cols(&a, cols, c0, &idx, vals, &mut y);
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&y), bits(&all[c0..c0 + width]), "{p}");
            let close = y.iter().zip(&whole[c0..c0 + width]).all(|(g, w)| (g - w).abs() <= tol(idx.len(), 4.0));
            assert!(close, "{p}: against the reference");
        });
    }

    #[test]
    fn sparse_gemv_t_float((cols, a, idx, vals) in (dim(), dim()).prop_flat_map(|(m, n)| (Just(n), floats(m * n), subset(m), floats(m)))) {
        let vals = &vals[..idx.len()];
        let mut want = vec![0.0; cols];
        r::sparse_gemv_t(&a, cols, &idx, vals, &mut want);
        for_each_path(|p| {
            let mut y = vec![f32::NAN; cols];
            k::sparse_gemv_t(&a, cols, &idx, vals, &mut y);
            for (g, w) in y.iter().zip(&want) {
                assert!((g - w).abs() <= tol(idx.len(), 4.0), "{p}: {g} vs {w}");
            }
        });
    }

    #[test]
    fn sparse_ger_exact((alpha, delta, a, idx, vals) in (dim(), dim()).prop_flat_map(|(m, n)| ((-4i32..=4).prop_map(|v| v as f32), ints(n), ints(m * n), subset(m), ints(m)))) {
        let vals = &vals[..idx.len()];
        let mut want = a.clone();
        r::sparse_ger(alpha, &idx, vals, &delta, &mut want);
        for_each_path(|p| {
            let mut got = a.clone();
            k::sparse_ger(alpha, &idx, vals, &delta, &mut got);
            assert_eq!(got, want, "{p}");
        });
    }

    #[test]
    fn add_scaled_rows_exact((stride, width, a, idx, vals, y) in (dim(), dim()).prop_flat_map(|(m, n)| (Just(n), 0..=n, ints(m * n), subset(m), ints(m), ints(n)))) {
        let (vals, y) = (&vals[..idx.len()], &y[..width]);
        let mut want = y.to_vec();
        r::add_scaled_rows(&a, stride, &idx, vals, &mut want);
        for_each_path(|p| {
            let mut got = y.to_vec();
            k::add_scaled_rows(&a, stride, &idx, vals, &mut got);
            assert_eq!(got, want, "{p}");
        });
    }

    #[test]
    fn add_scaled_rows_bit_identical_to_axpy_per_row((stride, width, a, idx, vals, y) in (dim(), dim()).prop_flat_map(|(m, n)| (Just(n), 0..=n, floats(m * n), subset(m), floats(m), floats(n)))) {
        let (vals, y) = (&vals[..idx.len()], &y[..width]);
        for_each_path(|p| {
            let mut want = y.to_vec();
            for (&r, &v) in idx.iter().zip(vals) {
                k::axpy(v, &a[r as usize * stride..][..width], &mut want);
            }
            let mut got = y.to_vec();
            k::add_scaled_rows(&a, stride, &idx, vals, &mut got);
            assert_eq!(bits(&got), bits(&want), "{p}");
        });
    }

    /// A dense row pushed gives the set its non-zero entries pushed give
    /// (offsets and tile starts included), over dims across several tiles.
    #[test]
    fn push_dense_is_push_of_the_non_zeros((dim, rows) in (1usize..300, 1usize..4).prop_flat_map(|(d, r)| (Just(d), vec(ints(d), r)))) {
        let (mut want, mut got) = (k::SparseSet::new(dim), k::SparseSet::new(dim));
        for row in &rows {
            let (idx, vals): (Vec<u32>, Vec<f32>) = row
                .iter()
                .enumerate()
                .filter(|(_, &v)| v != 0.0)
                .map(|(i, &v)| (i as u32, v))
                .unzip();
            want.push(&idx, &vals);
            got.push_dense(row);
        }
        prop_assert_eq!(got, want);
    }

    /// Rows of `sparse_gemm` are `sparse_gemv_t` of their vectors, bit for
    /// bit, over widths that cross a column panel (128) with any remainder,
    /// ids repeated and out of order; with small integers, exactly the reference.
    #[test]
    fn sparse_gemm_rows_are_sparse_gemv_t((rows, cols, masks, ids, ints_a, seed) in (1usize..40, 0usize..=300)
        .prop_flat_map(|(m, n)| (Just(m), Just(n), vec(vec(any::<bool>(), m), 1..5), vec(0u32..8, 0..7), any::<bool>(), 0u64..1000))) {
        let mut set = k::SparseSet::new(rows);
        for (v, mask) in masks.iter().enumerate() {
            let idx: Vec<u32> = (0..rows as u32).filter(|&i| mask[i as usize]).collect();
            let vals: Vec<f32> = idx.iter().map(|&i| ((i as u64 * 7 + v as u64 + seed) % 9) as f32 - 4.0 + if ints_a { 0.0 } else { 0.37 }).collect();
            set.push(&idx, &vals);
        }
        let ids: Vec<u32> = ids.iter().map(|&i| i % set.len() as u32).collect();
        let a: Vec<f32> = (0..rows * cols).map(|i| ((i as u64 * 13 + seed) % 9) as f32 - 4.0 + if ints_a { 0.0 } else { 0.21 }).collect();
        let mut want = vec![0.0; ids.len() * cols];
        r::sparse_gemm(&set, &ids, &a, cols, &mut want);
        for_each_path(|p| {
            let mut z = vec![f32::NAN; ids.len() * cols];
            k::sparse_gemm(&set, &ids, &a, cols, &mut z);
            for (r, &i) in ids.iter().enumerate() {
                let (idx, vals) = set.get(i as usize);
                let mut y = vec![f32::NAN; cols];
                k::sparse_gemv_t(&a, cols, idx, vals, &mut y);
                assert_eq!(bits(&z[r * cols..(r + 1) * cols]), bits(&y), "{p}: row {r}");
            }
            if ints_a {
                assert_eq!(z, want, "{p}");
            }
        });
    }
}

#[test]
fn large_shapes_exact() {
    let mut g = common::Rng::new(0x9e37_79b9_7f4a_7c15);
    for cols in [300, 500, 1000, 1001] {
        let rows = 784;
        let a: Vec<f32> = (0..rows * cols).map(|_| g.int()).collect();
        let ui = g.rows(rows, 150);
        let ai = g.rows(rows, 150);
        let uv: Vec<f32> = ui.iter().map(|_| g.int()).collect();
        let av: Vec<f32> = ai.iter().map(|_| g.int()).collect();
        let delta: Vec<f32> = (0..cols).map(|_| g.int()).collect();
        let xr: Vec<f32> = (0..rows).map(|_| g.int()).collect();
        let xc: Vec<f32> = (0..cols).map(|_| g.int()).collect();

        let mut want_y = vec![0.0; cols];
        r::sparse_gemv_t(&a, cols, &ai, &av, &mut want_y);
        let mut want_a = a.clone();
        r::sparse_ger(-2.0, &ui, &uv, &delta, &mut want_a);
        let mut want_fa = a.clone();
        let mut want_fy = vec![0.0; cols];
        r::sparse_ger_then_gemv_t(-2.0, &ui, &uv, &delta, &ai, &av, &mut want_fa, &mut want_fy);
        let mut want_t = vec![0.0; cols];
        r::gemv_t(&a, cols, &xr, &mut want_t);
        let w2 = &a[..10 * cols];
        let mut want_g = vec![0.0; 10];
        r::gemv(w2, cols, &xc, &mut want_g);
        let mut want_ger = w2.to_vec();
        r::ger(
            3.0,
            &want_g[..10].iter().map(|v| v.signum()).collect::<Vec<_>>(),
            &xc,
            &mut want_ger,
        );

        for_each_path(|p| {
            let mut y = vec![f32::NAN; cols];
            k::sparse_gemv_t(&a, cols, &ai, &av, &mut y);
            assert_eq!(y, want_y, "sparse_gemv_t {p} {cols}");
            let mut a2 = a.clone();
            k::sparse_ger(-2.0, &ui, &uv, &delta, &mut a2);
            assert!(a2 == want_a, "sparse_ger {p} {cols}");
            let mut a3 = a.clone();
            let mut y3 = vec![f32::NAN; cols];
            k::sparse_ger_then_gemv_t(-2.0, &ui, &uv, &delta, &ai, &av, &mut a3, &mut y3);
            assert!(a3 == want_fa, "fused a {p} {cols}");
            assert_eq!(y3, want_fy, "fused y {p} {cols}");
            let mut y = vec![f32::NAN; cols];
            k::gemv_t(&a, cols, &xr, &mut y);
            assert_eq!(y, want_t, "gemv_t {p} {cols}");
            let mut y = vec![f32::NAN; 10];
            k::gemv(w2, cols, &xc, &mut y);
            assert_eq!(y, want_g, "gemv {p} {cols}");
            let mut a4 = w2.to_vec();
            k::ger(
                3.0,
                &want_g.iter().map(|v| v.signum()).collect::<Vec<_>>(),
                &xc,
                &mut a4,
            );
            assert!(a4 == want_ger, "ger {p} {cols}");
        });
    }
}

#[test]
#[should_panic(expected = "strictly increasing")]
fn unsorted_idx_panics() {
    let mut y = [0.0; 2];
    k::sparse_gemv_t(&[0.0; 8], 2, &[2, 1], &[1.0, 1.0], &mut y);
}

#[test]
#[should_panic(expected = "out of range")]
fn out_of_range_idx_panics() {
    let mut a = [0.0; 8];
    k::sparse_ger(1.0, &[1, 4], &[1.0, 1.0], &[1.0, 1.0], &mut a);
}

#[test]
#[should_panic(expected = "add_scaled_rows: y.len() > stride")]
fn add_scaled_rows_wider_than_stride_panics() {
    let mut y = [0.0; 4];
    k::add_scaled_rows(&[0.0; 6], 3, &[1], &[1.0], &mut y);
}
