//! The deferred block pass (held-back sparse updates, then sparse reads) on
//! every available SIMD path: equal to the reference, bit-identical to the
//! kernels one slot at a time, and its slot and length checks.
//!
//! Integer-valued inputs (small ints) make every f32 sum exact, so those tests
//! demand `==`; outputs are pre-filled with NaN to prove every element is written.
//! Each test runs on every SIMD path the CPU has (see `common`).

mod common;

use common::*;
use mlp_kernels::{self as k, reference as r};
use proptest::collection::vec;
use proptest::prelude::*;

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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

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
}

/// A full-size pass (784 rows, MNIST-like density, up to the slot limit) equals the reference.
#[test]
fn large_block_pass_exact() {
    let mut g = common::Rng::new(0x5151_aaaa_0101_7777);
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
