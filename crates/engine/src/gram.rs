//! Dot products between the inputs of nearby samples, computed once per dataset.
//!
//! A deferred step corrects its forward product with `x_s . x_t` for each
//! earlier sample `s` of its block. Those dots depend on the data alone, and
//! with the study's fixed sample order every epoch (and every run over the
//! same data) asks for the same ones, so they are computed on first use, one
//! group of consecutive samples at a time, and kept.

use crate::Dataset;
use std::sync::OnceLock;

/// Consecutive samples per group: any block of up to this many consecutive
/// samples that starts at a multiple of its own size lies inside one group.
pub(crate) const GROUP: usize = mlp_kernels::MAX_SLOTS;

/// Per group, `x_a . x_b` for `a < b`: row `b` (offset `b (b - 1) / 2`) holds `a = 0..b`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Grams {
    groups: Vec<OnceLock<Box<[f32]>>>,
}

impl Grams {
    /// An empty cache for `samples` samples.
    pub(crate) fn new(samples: usize) -> Grams {
        Grams {
            groups: (0..samples.div_ceil(GROUP))
                .map(|_| OnceLock::new())
                .collect(),
        }
    }

    /// `x_a . x_b` as [`gather_dot`] of `a`'s entries against `b`'s dense input,
    /// when `a < b` share a group; `None` otherwise.
    #[inline]
    pub(crate) fn dot(&self, data: &Dataset, a: u32, b: u32) -> Option<f32> {
        let (a, b) = (a as usize, b as usize);
        if a >= b || a / GROUP != b / GROUP {
            return None;
        }
        let group = self.groups[b / GROUP].get_or_init(|| compute(data, b / GROUP));
        let (a, b) = (a % GROUP, b % GROUP);
        Some(group[b * (b - 1) / 2 + a])
    }

    /// Hints that sample `b`'s dots with its group's earlier samples will be
    /// read soon (when its group is computed; no effect on results).
    #[inline]
    pub(crate) fn prefetch(&self, b: u32) {
        let b = b as usize;
        if let Some(group) = self.groups.get(b / GROUP).and_then(OnceLock::get) {
            let r = b % GROUP;
            let row = r * r.saturating_sub(1) / 2;
            mlp_kernels::prefetch(&group[row..row + r]);
        }
    }

    /// Bytes of the groups computed so far.
    pub(crate) fn heap_bytes(&self) -> usize {
        let filled: usize = self
            .groups
            .iter()
            .filter_map(OnceLock::get)
            .map(|g| g.len() * 4)
            .sum();
        filled + self.groups.len() * std::mem::size_of::<OnceLock<Box<[f32]>>>()
    }
}

/// The triangle of group `g`'s dots.
fn compute(data: &Dataset, g: usize) -> Box<[f32]> {
    let first = g * GROUP;
    let len = GROUP.min(data.len() - first);
    let mut dots = vec![0.0f32; len * len.saturating_sub(1) / 2];
    let mut dense = vec![0.0f32; data.inputs()];
    for b in 1..len {
        let (bi, bv) = data.sample(first + b);
        for (&r, &v) in bi.iter().zip(bv) {
            dense[r as usize] = v;
        }
        for a in 0..b {
            let (ai, av) = data.sample(first + a);
            dots[b * (b - 1) / 2 + a] = gather_dot(ai, av, &dense);
        }
        for &r in bi {
            dense[r as usize] = 0.0;
        }
    }
    dots.into_boxed_slice()
}

/// `sum_k vals[k] * dense[idx[k]]`, with four partial sums so the adds overlap.
#[inline]
pub(crate) fn gather_dot(idx: &[u32], vals: &[f32], dense: &[f32]) -> f32 {
    let mut acc = [0.0f32; 4];
    let (ic, vc) = (idx.chunks_exact(4), vals.chunks_exact(4));
    let (ir, vr) = (ic.remainder(), vc.remainder());
    for (i4, v4) in ic.zip(vc) {
        for j in 0..4 {
            acc[j] += v4[j] * dense[i4[j] as usize];
        }
    }
    for (&i, &v) in ir.iter().zip(vr) {
        acc[0] += v * dense[i as usize];
    }
    (acc[0] + acc[1]) + (acc[2] + acc[3])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cached_dots_equal_direct_ones_and_only_within_a_group() {
        let (inputs, n) = (40, 2 * GROUP + 5);
        // Sparse-ish integer-valued rows, so every dot is exact.
        let x: Vec<f32> = (0..n * inputs)
            .map(|i| {
                if (i * 7) % 3 == 0 {
                    ((i * 13) % 5) as f32
                } else {
                    0.0
                }
            })
            .collect();
        let data = Dataset::from_dense(inputs, 2, &x, &vec![0; n]).unwrap();
        let mut dense = vec![0.0; inputs];
        for b in 0..n {
            data.dense_into(b, &mut dense);
            for a in 0..n {
                let got = data.pair_dot(a as u32, b as u32);
                if a < b && a / GROUP == b / GROUP {
                    let (ai, av) = data.sample(a);
                    let exact: f32 = (0..inputs)
                        .map(|p| x[a * inputs + p] * x[b * inputs + p])
                        .sum();
                    assert_eq!(got, Some(gather_dot(ai, av, &dense)), "{a} . {b}");
                    assert_eq!(got, Some(exact), "{a} . {b}");
                } else {
                    assert_eq!(got, None, "{a} . {b}");
                }
            }
        }
        // Every group is computed now: prefetching any sample's row of dots
        // (the short last group's too) stays inside its group.
        for b in 0..n {
            data.prefetch(b);
        }
    }
}
