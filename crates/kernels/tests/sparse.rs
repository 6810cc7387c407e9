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

/// A batch of `masks.len()` rows over `inputs` inputs (row `r` lights input
/// `i` when `masks[r][i]`), as a `SparseSet`, and transposed: per-input
/// offsets, rows and values; `cut` rows start a second share whose offsets
/// are returned too.
struct Transposed {
    set: k::SparseSet,
    start: Vec<usize>,
    rows: Vec<u32>,
    vals: Vec<f32>,
    cut: Vec<usize>,
}

fn transposed(inputs: usize, masks: &[Vec<bool>], cut_at: usize, frac: f32) -> Transposed {
    let value = |r: usize, i: usize| ((r * 7 + i * 3) % 9) as f32 - 4.0 + frac;
    let mut set = k::SparseSet::new(inputs);
    for (r, mask) in masks.iter().enumerate() {
        let idx: Vec<u32> = (0..inputs as u32).filter(|&i| mask[i as usize]).collect();
        let vals: Vec<f32> = idx.iter().map(|&i| value(r, i as usize)).collect();
        set.push(&idx, &vals);
    }
    let (mut start, mut rows, mut vals, mut cut) = (vec![0], Vec::new(), Vec::new(), Vec::new());
    for i in 0..inputs {
        for (r, mask) in masks.iter().enumerate() {
            if r == cut_at {
                cut.push(rows.len());
            }
            if mask[i] {
                rows.push(r as u32);
                vals.push(value(r, i));
            }
        }
        if cut_at >= masks.len() {
            cut.push(rows.len());
        }
        start.push(rows.len());
    }
    Transposed {
        set,
        start,
        rows,
        vals,
        cut,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The forward product from the batch transposed is `sparse_gemm`'s rows
    /// bit for bit, whole and in two windows of rows, over widths that
    /// cross column blocks with any remainder; and the gradient by inputs is
    /// `sparse_gemv_t` of each input's entries bit for bit, for any run of inputs.
    #[test]
    fn products_by_inputs_are_the_row_kernels((inputs, cols, masks, cut, frac, seed) in (1usize..40, 0usize..=300)
        .prop_flat_map(|(m, n)| (Just(m), Just(n), vec(vec(any::<bool>(), m), 1..12), 0usize..12, any::<bool>(), 0u64..1000))) {
        let b = masks.len();
        let cut = cut.min(b);
        let t = transposed(inputs, &masks, cut, if frac { 0.37 } else { 0.0 });
        let a: Vec<f32> = (0..inputs * cols).map(|i| ((i as u64 * 13 + seed) % 9) as f32 - 4.21).collect();
        let d: Vec<f32> = (0..b * cols).map(|i| ((i as u64 * 11 + seed) % 7) as f32 - 3.13).collect();
        let ids: Vec<u32> = (0..b as u32).collect();
        for_each_path(|p| {
            let mut want = vec![f32::NAN; b * cols];
            k::sparse_gemm(&t.set, &ids, &a, cols, &mut want);
            let whole = k::BatchByInputs::new(&t.start[..inputs], &t.start[1..], &t.rows, &t.vals, 0..b);
            let mut z = vec![f32::NAN; b * cols];
            k::sparse_gemm_by_inputs(&whole, &a, cols, &mut z);
            assert_eq!(bits(&z), bits(&want), "{p}: whole batch");
            let first = k::BatchByInputs::new(&t.start[..inputs], &t.cut, &t.rows, &t.vals, 0..cut);
            let second = k::BatchByInputs::new(&t.cut, &t.start[1..], &t.rows, &t.vals, cut..b);
            let (mut z1, mut z2) = (vec![f32::NAN; cut * cols], vec![f32::NAN; (b - cut) * cols]);
            k::sparse_gemm_by_inputs(&first, &a, cols, &mut z1);
            k::sparse_gemm_by_inputs(&second, &a, cols, &mut z2);
            assert_eq!(bits(&z1), bits(&want[..cut * cols]), "{p}: first share");
            assert_eq!(bits(&z2), bits(&want[cut * cols..]), "{p}: second share");
            for p0 in [0, inputs / 3] {
                let run = p0..inputs;
                let mut g = vec![f32::NAN; run.len() * cols];
                k::sparse_gemv_t_by_inputs(&whole, run.clone(), &d, cols, &mut g);
                for (i, q) in run.enumerate() {
                    let (lo, hi) = (t.start[q], t.start[q + 1]);
                    let mut y = vec![f32::NAN; cols];
                    k::sparse_gemv_t(&d, cols, &t.rows[lo..hi], &t.vals[lo..hi], &mut y);
                    assert_eq!(bits(&g[i * cols..(i + 1) * cols]), bits(&y), "{p}: input {q}");
                }
            }
        });
    }
}

fn refused(f: impl FnOnce() + std::panic::UnwindSafe) -> bool {
    std::panic::catch_unwind(f).is_err()
}

/// A transposed batch the kernels cannot trust is refused before they run.
#[test]
fn batch_by_inputs_refuses_what_would_leave_its_buffers() {
    let start = [0usize, 2, 3];
    let rows = [0u32, 2, 1];
    let vals = [1.0f32; 3];
    assert!(!refused(move || {
        k::BatchByInputs::new(&start[..2], &start[1..], &rows, &vals, 0..3);
    }));
    // A row beyond the window, rows out of order, offsets past the entries.
    assert!(refused(move || {
        k::BatchByInputs::new(&start[..2], &start[1..], &rows, &vals, 0..2);
    }));
    assert!(refused(move || {
        k::BatchByInputs::new(&[0], &[2], &[2, 0], &[1.0, 1.0], 0..3);
    }));
    assert!(refused(move || {
        k::BatchByInputs::new(&[0], &[4], &rows, &vals, 0..3);
    }));
    assert!(refused(move || {
        let b = k::BatchByInputs::new(&start[..2], &start[1..], &rows, &vals, 0..3);
        k::sparse_gemm_by_inputs(&b, &[0.0; 8], 4, &mut [0.0; 8]);
    }));
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
