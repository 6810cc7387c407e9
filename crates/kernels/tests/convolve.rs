//! The column convolution `convolve_columns` on every available SIMD path,
//! bit for bit against `mlp_kernels::reference`.

mod common;

use common::*;
use mlp_kernels as k;
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

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
}
