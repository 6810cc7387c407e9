//! The minibatch kernels (checked sgemm, softmax cross-entropy) against `mlp_kernels::reference`.
//!
//! sgemm runs matrixmultiply's own kernels (it picks its instruction set
//! itself), so these tests compare with the f64 reference within a bound of
//! the f32 rounding of a k-term sum, and check the property training relies
//! on: a row block of C computed alone is bit-identical to the whole product.

use mlp_kernels::{self as k, reference as r, MatRef};
use proptest::prelude::*;

fn values(n: usize, seed: u64) -> Vec<f32> {
    mlp_testkit::Rng::new(seed).floats(n, 1.0)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Every layout the engine uses (A, A^T, B, B^T) on shapes that are no
    /// multiple of any kernel width; beta 0 ignores NaN in C, beta 1 adds.
    #[test]
    fn gemm_matches_the_reference(m in 1usize..37, kk in 0usize..45, n in 1usize..29,
                                  ta: bool, tb: bool, beta_one: bool, seed in 0u64..1000) {
        let a_data = values(m * kk, seed);
        let b_data = values(kk * n, seed + 1);
        let a = if ta { MatRef::new(&a_data, kk, m).t() } else { MatRef::new(&a_data, m, kk) };
        let b = if tb { MatRef::new(&b_data, n, kk).t() } else { MatRef::new(&b_data, kk, n) };
        let beta = if beta_one { 1.0 } else { 0.0 };
        let start = if beta_one { values(m * n, seed + 2) } else { vec![f32::NAN; m * n] };
        let (mut got, mut want) = (start.clone(), start);
        k::gemm(a, b, beta, &mut got);
        r::gemm(a, b, beta, &mut want);
        let bound = 1e-6 * (kk as f32 + 2.0);
        for (g, w) in got.iter().zip(&want) {
            prop_assert!((g - w).abs() <= bound, "got {g}, want {w}, bound {bound}");
        }
    }

    /// Rows of C computed in separate calls equal the whole product bit for
    /// bit, the property that makes a minibatch split over threads exact.
    #[test]
    fn gemm_row_blocks_are_bit_identical(m in 2usize..40, kk in 1usize..300, n in 1usize..40,
                                         split in 1usize..39, seed in 0u64..1000) {
        let split = split.min(m - 1);
        let a_data = values(m * kk, seed);
        let b_data = values(kk * n, seed + 1);
        let b = MatRef::new(&b_data, n, kk).t();
        let mut whole = vec![0.0; m * n];
        k::gemm(MatRef::new(&a_data, m, kk), b, 0.0, &mut whole);
        let mut parts = vec![0.0; m * n];
        let (top, bottom) = parts.split_at_mut(split * n);
        k::gemm(MatRef::new(&a_data[..split * kk], split, kk), b, 0.0, top);
        k::gemm(MatRef::new(&a_data[split * kk..], m - split, kk), b, 0.0, bottom);
        prop_assert_eq!(
            whole.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            parts.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }

    #[test]
    fn softmax_cross_entropy_matches_the_reference(z in prop::collection::vec(-30.0f32..30.0, 1..23),
                                                    label_pick in 0usize..1000) {
        let label = label_pick % z.len();
        let mut got = z.clone();
        let loss = k::softmax_cross_entropy(&mut got, label);
        let (want, want_loss) = r::softmax_cross_entropy(&z, label);
        for (g, w) in got.iter().zip(&want) {
            prop_assert!((*g as f64 - w).abs() <= 1e-6, "{g} vs {w}");
        }
        prop_assert!((loss as f64 - want_loss).abs() <= 1e-5 * (1.0 + want_loss.abs()));
        // The gradient of a softmax sums to zero.
        prop_assert!(got.iter().map(|&v| v as f64).sum::<f64>().abs() < 1e-5);
    }
}

#[test]
fn softmax_cross_entropy_survives_huge_logits() {
    let mut z = [1e30f32, -1e30, 0.0];
    let loss = k::softmax_cross_entropy(&mut z, 1);
    assert!(loss.is_finite() && loss > 1e29, "loss {loss}");
    assert_eq!(z, [1.0, -1.0, 0.0]);
    let mut p = [1000.0f32, 1000.0];
    k::softmax(&mut p);
    assert_eq!(p, [0.5, 0.5]);
}

#[test]
#[should_panic(expected = "gemm: a.cols() != b.rows()")]
fn gemm_rejects_mismatched_shapes() {
    let mut c = [0.0; 4];
    k::gemm(
        MatRef::new(&[0.0; 6], 2, 3),
        MatRef::new(&[0.0; 4], 2, 2),
        0.0,
        &mut c,
    );
}

#[test]
#[should_panic(expected = "does not fit")]
fn views_past_the_slice_panic() {
    let _ = MatRef::strided(&[0.0; 10], 3, 3, 4, 1);
}
