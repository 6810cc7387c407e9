//! Dot products between the inputs of nearby samples, computed once per dataset.
//!
//! A deferred step corrects its forward product with `x_s . x_t` for each
//! earlier sample `s` of its block. Those dots depend on the data alone, and
//! with the study's fixed sample order every epoch (and every run over the
//! same data) asks for the same ones, so they are computed on first use, one
//! group of consecutive samples at a time, and kept.

use mlp_kernels::SparseSet;
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
    pub(crate) fn dot(&self, samples: &SparseSet, a: u32, b: u32) -> Option<f32> {
        let (a, b) = (a as usize, b as usize);
        if a >= b || a / GROUP != b / GROUP {
            return None;
        }
        let group = self.groups[b / GROUP].get_or_init(|| compute(samples, b / GROUP));
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
fn compute(samples: &SparseSet, g: usize) -> Box<[f32]> {
    let first = g * GROUP;
    let len = GROUP.min(samples.len() - first);
    let mut dots = vec![0.0f32; len * len.saturating_sub(1) / 2];
    let mut dense = vec![0.0f32; samples.dim()];
    for b in 1..len {
        let (bi, bv) = samples.get(first + b);
        for (&r, &v) in bi.iter().zip(bv) {
            dense[r as usize] = v;
        }
        for a in 0..b {
            let (ai, av) = samples.get(first + a);
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
