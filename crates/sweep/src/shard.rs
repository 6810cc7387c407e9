//! Splitting a sweep into disjoint, deterministic slices for separate machines.

use mlp_engine::TrainConfig;
use std::cmp::Reverse;
use std::str::FromStr;

/// The K-th of N slices of a sweep (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// This slice, 1..=count.
    pub index: usize,
    /// Number of slices.
    pub count: usize,
}

impl FromStr for Shard {
    type Err = mlp_engine::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err =
            || mlp_engine::ParseError(format!("'{s}' is not K/N with 1 <= K <= N (e.g. 2/3)"));
        let (k, n) = s.split_once('/').ok_or_else(err)?;
        let index: usize = k.trim().parse().map_err(|_| err())?;
        let count: usize = n.trim().parse().map_err(|_| err())?;
        if index == 0 || count == 0 || index > count {
            return Err(err());
        }
        Ok(Shard { index, count })
    }
}

impl Shard {
    /// The whole sweep as one slice.
    pub const ALL: Shard = Shard { index: 1, count: 1 };

    /// This slice of `configs`, which must be in schedule order (longest first).
    ///
    /// Dealing round-robin over the longest-first order gives every slice a
    /// similar share of the work, and depends only on the grid.
    pub fn select(self, configs: Vec<TrainConfig>) -> Vec<TrainConfig> {
        configs
            .into_iter()
            .enumerate()
            .filter(|(i, _)| i % self.count == self.index - 1)
            .map(|(_, c)| c)
            .collect()
    }
}

/// Orders configurations longest first (by step cost), ties by their key, so the
/// order depends only on the set of configurations.
pub fn schedule_order(configs: &mut [TrainConfig]) {
    // Costs are positive, so their bit patterns order as the numbers do;
    // each configuration's cost and key are computed once, not per comparison.
    configs.sort_by_cached_key(|c| (Reverse(cost(c).to_bits()), crate::config_key(c)));
}

/// Relative work of a configuration: steps times the weights each step moves.
pub fn cost(c: &TrainConfig) -> f64 {
    // ~150 of 784 input rows plus the output layer, per hidden unit; tanh's
    // activation costs about as much again as relu's at these sizes.
    // Deeper layers are dense: their full products, shared by a batch.
    let w = c.network.hidden.widths();
    let dense: usize = w.windows(2).map(|p| p[0] * p[1]).sum::<usize>() + w[w.len() - 1] * 10;
    let per_step = w[0] as f64 * 160.0 + dense as f64;
    c.steps() as f64 * per_step
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{config_key, Preset};
    use mlp_engine::Backprop;

    #[test]
    fn parses_and_rejects() {
        assert_eq!("2/3".parse::<Shard>(), Ok(Shard { index: 2, count: 3 }));
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", ""] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }

    #[test]
    fn shards_partition_the_grid() {
        let mut all = Preset::Study.expand(&[Backprop::Exact, Backprop::AsPublished], &[1, 2]);
        schedule_order(&mut all);
        let mut seen = std::collections::HashMap::new();
        for k in 1..=3 {
            for c in (Shard { index: k, count: 3 }).select(all.clone()) {
                *seen.entry(config_key(&c)).or_insert(0) += 1;
            }
        }
        assert_eq!(seen.len(), all.len());
        assert!(seen.values().all(|&n| n == 1));
    }

    #[test]
    fn schedule_puts_the_longest_first_and_is_order_independent() {
        let mut a = Preset::Study.expand(&[Backprop::Exact], &[1]);
        let mut b = a.clone();
        b.reverse();
        schedule_order(&mut a);
        schedule_order(&mut b);
        assert_eq!(a, b);
        assert_eq!(a[0].data.train_samples, 60_000);
        assert!(cost(&a[0]) >= cost(a.last().unwrap()));
    }
}
