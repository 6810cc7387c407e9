//! Inverted-dropout masks drawn from the seed: a pure function of the run's
//! seed, the step, the layer, the row of the batch and the unit, so a run is
//! bit-identical whatever the thread count and the order tasks run in.

/// The splitmix64 step: a bijective mix of 64 bits.
#[inline]
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// Bits of the uniform draw compared against the drop probability.
const BITS: u32 = 24;

/// Which units of a layer training drops, and the scale of the kept ones.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Dropout {
    key: u64,
    /// A unit is dropped when its 24-bit draw is below this.
    threshold: u32,
    /// `1 / (1 - p)`: kept outputs are scaled so their expectation is unchanged.
    pub scale: f32,
}

impl Dropout {
    /// Drops with probability `p` (in `[0, 1)`), or `None` when `p` is 0.
    /// `stream` separates the input's masks from the hidden layers'.
    pub(crate) fn new(seed: u64, stream: u64, p: f64) -> Option<Dropout> {
        (p > 0.0).then(|| Dropout {
            key: mix(mix(seed) ^ stream),
            threshold: (p * (1u64 << BITS) as f64).round() as u32,
            scale: (1.0 / (1.0 - p)) as f32,
        })
    }

    /// The key of one row's mask at `step` in `layer`.
    #[inline]
    fn row_key(&self, step: u64, layer: usize, row: usize) -> u64 {
        mix(self.key ^ mix(step ^ mix(((layer as u64) << 40) ^ row as u64)))
    }

    /// Whether `unit` of the row with key `key` is kept.
    #[inline]
    fn kept(&self, key: u64, unit: u64) -> bool {
        (mix(key ^ unit.wrapping_mul(0xD1B5_4A32_D192_ED03)) >> (64 - BITS)) as u32
            >= self.threshold
    }

    /// Row `row`'s mask of `layer` at `step`: `m[j]` is 0 (dropped) or `scale`.
    pub(crate) fn fill(&self, step: u64, layer: usize, row: usize, m: &mut [f32]) {
        let key = self.row_key(step, layer, row);
        for (j, v) in m.iter_mut().enumerate() {
            *v = if self.kept(key, j as u64) {
                self.scale
            } else {
                0.0
            };
        }
    }

    /// The sparse input `(idx, vals)` with its dropped entries removed and the
    /// kept ones scaled, appended to `out_idx` and `out_vals`; the units are
    /// the inputs' indices, so it drops what [`Dropout::fill`] over the dense
    /// row would.
    pub(crate) fn sparse(
        &self,
        step: u64,
        row: usize,
        (idx, vals): (&[u32], &[f32]),
        out_idx: &mut Vec<u32>,
        out_vals: &mut Vec<f32>,
    ) {
        let key = self.row_key(step, 0, row);
        for (&p, &v) in idx.iter().zip(vals) {
            if self.kept(key, p as u64) {
                out_idx.push(p);
                out_vals.push(v * self.scale);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Dropout;

    #[test]
    fn masks_keep_about_one_minus_p_scaled_and_differ_by_step_layer_and_row() {
        let d = Dropout::new(7, 1, 0.3).unwrap();
        let mut m = vec![0.0f32; 20_000];
        d.fill(1, 1, 0, &mut m);
        let kept = m.iter().filter(|&&v| v != 0.0).count() as f64 / m.len() as f64;
        assert!((kept - 0.7).abs() < 0.02, "{kept}");
        assert!(m.iter().all(|&v| v == 0.0 || v == d.scale));
        assert!((d.scale - 1.0 / 0.7).abs() < 1e-6);
        let mut again = vec![0.0f32; m.len()];
        d.fill(1, 1, 0, &mut again);
        assert_eq!(m, again, "a mask is a function of its coordinates");
        for (step, layer, row) in [(2, 1, 0), (1, 2, 0), (1, 1, 1)] {
            d.fill(step, layer, row, &mut again);
            assert_ne!(m, again, "{step} {layer} {row}");
        }
        assert!(Dropout::new(7, 1, 0.0).is_none());
    }

    #[test]
    fn the_sparse_input_mask_is_the_dense_one() {
        let d = Dropout::new(3, 0, 0.5).unwrap();
        let idx: Vec<u32> = (0..300).step_by(3).collect();
        let vals: Vec<f32> = idx.iter().map(|&i| i as f32 + 1.0).collect();
        let (mut oi, mut ov) = (Vec::new(), Vec::new());
        d.sparse(4, 2, (&idx, &vals), &mut oi, &mut ov);
        let mut m = vec![0.0f32; 300];
        d.fill(4, 0, 2, &mut m);
        let want: Vec<u32> = idx
            .iter()
            .copied()
            .filter(|&p| m[p as usize] != 0.0)
            .collect();
        assert_eq!(oi, want);
        for (&p, &v) in oi.iter().zip(&ov) {
            assert_eq!(v, (p as f32 + 1.0) * d.scale);
        }
    }
}
