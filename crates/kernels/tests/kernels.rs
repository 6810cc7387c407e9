//! Every kernel on every available SIMD path against `mlp_kernels::reference`.
//!
//! Integer-valued inputs (small ints) make every f32 sum exact, so those tests
//! demand `==`; outputs are pre-filled with NaN to prove every element is written.
//!
//! Each test prints (past libtest's capture, so it shows in `cargo test`'s
//! output) which paths it ran on and which it skipped because the CPU lacks
//! them. With `MLP_REQUIRE_SIMD=avx2+fma,portable`, `required_simd_paths_run_here`
//! fails when a named path cannot run here, so CI notices a machine that
//! skipped one.

use mlp_kernels::{self as k, reference as r};
use proptest::collection::vec;
use proptest::prelude::*;
use std::collections::HashSet;
use std::io::Write;
use std::sync::Mutex;

/// The paths `MLP_REQUIRE_SIMD` names (comma-separated canonical names).
fn required_paths() -> Vec<String> {
    std::env::var("MLP_REQUIRE_SIMD")
        .unwrap_or_default()
        .split(',')
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Panics unless every path `MLP_REQUIRE_SIMD` names is known and runs on this CPU.
fn check_required_paths(available: &[&str]) {
    for p in required_paths() {
        assert!(
            k::all_paths().contains(&p.as_str()),
            "MLP_REQUIRE_SIMD names '{p}', which is not a path of this build (paths: {})",
            k::all_paths().join(", ")
        );
        assert!(
            available.contains(&p.as_str()),
            "MLP_REQUIRE_SIMD requires path {p}, but this CPU lacks it, so its kernels were not tested (this CPU has: {})",
            available.join(", ")
        );
    }
}

/// Writes, once per test (libtest names each test's thread after it), the
/// paths the test runs on and the ones it skips.
fn report_paths_once(available: &[&str]) {
    static REPORTED: Mutex<Option<HashSet<String>>> = Mutex::new(None);
    let test = std::thread::current()
        .name()
        .unwrap_or("unnamed test")
        .to_string();
    let mut reported = REPORTED.lock().unwrap_or_else(|e| e.into_inner());
    if !reported
        .get_or_insert_with(HashSet::new)
        .insert(test.clone())
    {
        return;
    }
    let skipped: Vec<&str> = k::all_paths()
        .iter()
        .copied()
        .filter(|p| !available.contains(p))
        .collect();
    let skipped = if skipped.is_empty() {
        "none".to_string()
    } else {
        format!("{} (this CPU lacks them)", skipped.join(", "))
    };
    // Straight to the process's stderr: libtest captures `eprintln!` of passing tests.
    let _ = writeln!(
        std::io::stderr().lock(),
        "simd paths of {test}: tested {}; skipped {skipped}",
        available.join(", ")
    );
}

/// Runs `f` once per SIMD path this CPU supports, with kernels forced to that
/// path, and reports the paths tested and skipped.
fn for_each_path(mut f: impl FnMut(&'static str)) {
    let available = k::available_paths();
    report_paths_once(&available);
    for p in available {
        k::with_path(p, || {
            assert_eq!(k::simd_name(), p);
            f(p)
        })
        .expect("available path must be usable");
    }
}

/// Small-integer-valued floats in -4..=4.
fn ints(n: usize) -> impl Strategy<Value = Vec<f32>> {
    vec((-4i32..=4).prop_map(|v| v as f32), n)
}

/// Non-integer floats in [-2, 2).
fn floats(n: usize) -> impl Strategy<Value = Vec<f32>> {
    vec(-2.0f32..2.0, n)
}

/// A random strictly increasing subset of `0..rows`.
fn subset(rows: usize) -> impl Strategy<Value = Vec<u32>> {
    vec(any::<bool>(), rows).prop_map(|m| {
        m.iter()
            .enumerate()
            .filter(|(_, &b)| b)
            .map(|(i, _)| i as u32)
            .collect()
    })
}

/// Lengths up to 140: every tail and every remainder block of full vectors,
/// also in the 16-lane shape (8 vectors of 16 per `gemv_t` block = 128).
fn dim() -> impl Strategy<Value = usize> {
    0usize..=140
}

fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// A generated update slot: `(idx, vals, alpha, delta)`.
type UpdateSlot = (Vec<u32>, Vec<f32>, f32, Vec<f32>);

/// A block pass's inputs from generated update `(idx, vals, alpha, delta)` and
/// read `(idx, vals)` slots: every vector in one [`k::SparseSet`] of length
/// `rows` (updates first, values cut to their index lists' lengths), the
/// scales and the deltas.
fn block_slots(
    rows: usize,
    upd: &[UpdateSlot],
    reads: &[(Vec<u32>, Vec<f32>)],
) -> (k::SparseSet, Vec<f32>, Vec<f32>) {
    let mut set = k::SparseSet::new(rows);
    for (i, v, _, _) in upd {
        set.push(i, &v[..i.len()]);
    }
    for (i, v) in reads {
        set.push(i, &v[..i.len()]);
    }
    let alphas = upd.iter().map(|u| u.2).collect();
    let deltas = upd.iter().flat_map(|u| u.3.clone()).collect();
    (set, alphas, deltas)
}

/// Vectors `range` of `set`, as the block pass takes them and as plain lists.
fn slots_of(
    set: &k::SparseSet,
    range: std::ops::Range<usize>,
) -> (Vec<k::TiledSparse<'_>>, Vec<k::Sparse<'_>>) {
    range.map(|i| (set.tiled(i), set.get(i))).unzip()
}

/// Tolerance for a float sum of `terms` products of magnitude <= `mag`.
fn tol(terms: usize, mag: f32) -> f32 {
    1e-6 * (terms as f32 + 1.0) * mag + 1e-6
}

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

    /// Column convolution equals the reference bit for bit on every path,
    /// for widths with every tail, blocks of several vectors, and more taps
    /// than rows (edges on both sides at once).
    #[test]
    fn convolve_columns_is_the_reference((rows, cols, half, src, seed) in (1usize..=30, 1usize..=70, 0usize..=12).prop_flat_map(|(r, c, h)| (Just(r), Just(c), Just(h), floats(r * c), 0u64..1000))) {
        let taps: Vec<f32> = (0..2 * half + 1)
            .map(|i| ((i as u64 * 7919 + seed) % 101) as f32 / 101.0 - 0.3)
            .collect();
        let mut want = vec![f32::NAN; src.len()];
        k::reference::convolve_columns(&taps, &src, cols, &mut want);
        for_each_path(|p| {
            let mut got = vec![f32::NAN; src.len()];
            k::convolve_columns(&taps, &src, cols, &mut got);
            assert_eq!(bits(&got), bits(&want), "{p} {rows}x{cols}, {} taps", taps.len());
        });
    }

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
                // Some exact zeros: dead ReLU units give them.
                if h.is_multiple_of(7) { 0.0 } else { (h as f32 - 1000.0) / 700.0 }
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

    /// Held-back updates then reads in one pass equal the reference, exactly;
    /// `m` up to 150 rows crosses the pass's 64-row tiles, `n` up to 70 columns
    /// every remainder column block of every path.
    #[test]
    fn block_pass_exact_vs_reference((rows, cols, a, upd, reads) in (0usize..=150, 0usize..=70, 0usize..=6, 0usize..=6).prop_flat_map(|(m, n, nu, na)| (Just(m), Just(n), ints(m * n), vec((subset(m), ints(m), (-4i32..=4).prop_map(|v| v as f32), ints(n)), nu), vec((subset(m), ints(m)), na)))) {
        let (set, alphas, deltas) = block_slots(rows, &upd, &reads);
        let (tu, updates) = slots_of(&set, 0..upd.len());
        let (tr, rd) = slots_of(&set, upd.len()..set.len());
        let mut want_a = a.clone();
        let mut want_z = vec![0.0; rd.len() * cols];
        r::block_pass(&updates, &alphas, &deltas, &rd, cols, &mut want_a, &mut want_z);
        for_each_path(|p| {
            let mut got_a = a.clone();
            let mut got_z = vec![f32::NAN; rd.len() * cols];
            k::block_pass(&tu, &alphas, &deltas, &tr, cols, &mut got_a, &mut got_z);
            assert_eq!(got_a, want_a, "a {p}");
            assert_eq!(got_z, want_z, "z {p}");
        });
    }

    /// With float inputs the pass is bit-identical to `sparse_ger` per update
    /// slot then `sparse_gemv_t` per read slot on the same path.
    #[test]
    fn block_pass_bit_identical_to_one_at_a_time((rows, cols, a, upd, reads) in (0usize..=150, 0usize..=70, 0usize..=6, 0usize..=6).prop_flat_map(|(m, n, nu, na)| (Just(m), Just(n), floats(m * n), vec((subset(m), floats(m), -1.0f32..1.0, floats(n)), nu), vec((subset(m), floats(m)), na)))) {
        let (set, alphas, deltas) = block_slots(rows, &upd, &reads);
        let (tu, updates) = slots_of(&set, 0..upd.len());
        let (tr, rd) = slots_of(&set, upd.len()..set.len());
        for_each_path(|p| {
            let mut a1 = a.clone();
            let mut z1 = vec![f32::NAN; rd.len() * cols];
            for (q, (&(i, v), &al)) in updates.iter().zip(&alphas).enumerate() {
                k::sparse_ger(al, i, v, &deltas[q * cols..(q + 1) * cols], &mut a1);
            }
            for (t, &(i, v)) in rd.iter().enumerate() {
                k::sparse_gemv_t(&a1, cols, i, v, &mut z1[t * cols..(t + 1) * cols]);
            }
            let mut a2 = a.clone();
            let mut z2 = vec![f32::NAN; rd.len() * cols];
            k::block_pass(&tu, &alphas, &deltas, &tr, cols, &mut a2, &mut z2);
            assert_eq!(bits(&a2), bits(&a1), "a {p}");
            assert_eq!(bits(&z2), bits(&z1), "z {p}");
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

/// Deterministic xorshift generator for the large-shape tests.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn int(&mut self) -> f32 {
        (self.next() % 9) as f32 - 4.0
    }
    fn float(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32 * 2.0 - 1.0
    }
    /// ~`k` of `n` rows, strictly increasing.
    fn rows(&mut self, n: usize, k: usize) -> Vec<u32> {
        (0..n as u32)
            .filter(|_| self.next() % n as u64 <= k as u64)
            .collect()
    }
}

#[test]
fn large_shapes_exact() {
    let mut g = Rng(0x9e37_79b9_7f4a_7c15);
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
fn large_fused_bit_identical() {
    let mut g = Rng(12345);
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

/// A full-size pass (784 rows, MNIST-like density, up to the slot limit) equals the reference.
#[test]
fn large_block_pass_exact() {
    let mut g = Rng(0x5151_aaaa_0101_7777);
    for (cols, slots) in [(300, 16), (1000, 5), (1001, k::MAX_SLOTS)] {
        let rows = 784;
        let a: Vec<f32> = (0..rows * cols).map(|_| g.int()).collect();
        let mut set = k::SparseSet::new(rows);
        for _ in 0..2 * slots {
            let i = g.rows(rows, 150);
            let v: Vec<f32> = i.iter().map(|_| g.int()).collect();
            set.push(&i, &v);
        }
        let (tu, updates) = slots_of(&set, 0..slots);
        let (tr, reads) = slots_of(&set, slots..2 * slots);
        let alphas: Vec<f32> = (0..slots).map(|_| g.int()).collect();
        let deltas: Vec<f32> = (0..slots * cols).map(|_| g.int()).collect();
        let mut want_a = a.clone();
        let mut want_z = vec![0.0; slots * cols];
        r::block_pass(
            &updates,
            &alphas,
            &deltas,
            &reads,
            cols,
            &mut want_a,
            &mut want_z,
        );
        for_each_path(|p| {
            let mut got_a = a.clone();
            let mut got_z = vec![f32::NAN; slots * cols];
            k::block_pass(&tu, &alphas, &deltas, &tr, cols, &mut got_a, &mut got_z);
            assert!(got_a == want_a, "a {p} {cols}");
            assert!(got_z == want_z, "z {p} {cols}");
        });
    }
}

#[test]
#[should_panic(expected = "more than")]
fn block_pass_rejects_too_many_slots() {
    let mut set = k::SparseSet::new(2);
    set.push(&[0], &[1.0]);
    let reads = vec![set.tiled(0); k::MAX_SLOTS + 1];
    let mut a = vec![0.0; 8];
    let mut z = vec![0.0; 4 * (k::MAX_SLOTS + 1)];
    k::block_pass(&[], &[], &[], &reads, 4, &mut a, &mut z);
}

#[test]
#[should_panic(expected = "index past")]
fn block_pass_rejects_vectors_longer_than_the_matrix() {
    let mut set = k::SparseSet::new(3);
    set.push(&[2], &[1.0]);
    let mut a = vec![0.0; 8];
    let mut z = vec![0.0; 4];
    k::block_pass(&[], &[], &[], &[set.tiled(0)], 4, &mut a, &mut z);
}

/// Shorter vectors than the matrix has rows, and the empty vector, are fine.
#[test]
fn block_pass_takes_short_and_empty_vectors() {
    let mut set = k::SparseSet::new(70);
    set.push(&[1, 66, 69], &[1.0, 2.0, 3.0]);
    let (rows, cols) = (200, 3);
    let a: Vec<f32> = (0..rows * cols).map(|i| i as f32).collect();
    let deltas = [1.0, 2.0, 4.0, 8.0, 8.0, 8.0];
    let (upd, rd) = ([set.tiled(0), k::TiledSparse::EMPTY], [set.tiled(0)]);
    let mut want_a = a.clone();
    let mut want_z = vec![0.0; cols];
    r::block_pass(
        &[set.get(0), (&[], &[])],
        &[1.0, 1.0],
        &deltas,
        &[set.get(0)],
        cols,
        &mut want_a,
        &mut want_z,
    );
    for_each_path(|p| {
        let mut got_a = a.clone();
        let mut got_z = vec![f32::NAN; cols];
        k::block_pass(
            &upd,
            &[1.0, 1.0],
            &deltas,
            &rd,
            cols,
            &mut got_a,
            &mut got_z,
        );
        assert_eq!(got_a, want_a, "a {p}");
        assert_eq!(got_z, want_z, "z {p}");
    });
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

/// Outside proptest, so that a missing path is one plain failure, not a
/// shrunk property case saved as a regression.
#[test]
fn required_simd_paths_run_here() {
    check_required_paths(&k::available_paths());
}

#[test]
fn dispatch_api() {
    let paths = k::available_paths();
    assert!(paths.contains(&"portable") && paths.contains(&"portable16"));
    assert!(paths.iter().all(|p| k::all_paths().contains(p)));
    assert_eq!(k::all_paths().last(), Some(&"portable16"));
    // Detection never picks the test shape unless asked to.
    if std::env::var_os("MLP_SIMD").is_none() {
        assert_ne!(k::simd_name(), "portable16");
    }
    assert!(paths.contains(&k::simd_name()));
    assert!(k::with_path("no-such-isa", || ()).is_none());
    let outer = k::simd_name();
    let inner = k::with_path("portable", || {
        let nested = k::with_path(paths[0], k::simd_name).unwrap();
        assert_eq!(nested, paths[0]);
        k::simd_name()
    });
    assert_eq!(inner, Some("portable"));
    assert_eq!(k::simd_name(), outer, "override restored");
    // Restored after a panic too.
    let _ = std::panic::catch_unwind(|| k::with_path("portable", || panic!("boom")));
    assert_eq!(k::simd_name(), outer);
    eprintln!("available: {paths:?}, active: {outer}");
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

#[test]
#[should_panic(expected = "add_scaled_rows: y.len() > stride")]
fn add_scaled_rows_wider_than_stride_panics() {
    let mut y = [0.0; 4];
    k::add_scaled_rows(&[0.0; 6], 3, &[1], &[1.0], &mut y);
}
