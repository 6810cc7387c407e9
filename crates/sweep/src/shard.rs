//! Splitting a sweep into disjoint, deterministic slices for separate machines.

use mlp_engine::TrainConfig;
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
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let err = || format!("'{s}' is not K/N with 1 <= K <= N (e.g. 2/3)");
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

/// The shard of a process started by a scheduler: Slurm's job arrays
/// (`SLURM_ARRAY_TASK_ID`, with `SLURM_ARRAY_TASK_COUNT` or `_MIN`/`_MAX`)
/// or a Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`, which needs
/// `shard_count`). With `shard_count`, a Slurm task id is the 0-based
/// shard (so a rerun of some tasks, whose array is smaller, still finds its
/// slice); without, the array's own count and lowest id place it. Returns
/// `None` when no scheduler variable is set, else the shard and where it came from.
pub fn shard_from_environment(
    shard_count: Option<usize>,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(Shard, String)>, String> {
    let number = |name: &str| -> Result<Option<usize>, String> {
        match var(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<usize>()
                .map(Some)
                .map_err(|_| format!("{name}={v} is not a whole number")),
        }
    };
    let place =
        |id: usize, count: usize, from: String| -> Result<Option<(Shard, String)>, String> {
            if count == 0 || id >= count {
                return Err(format!("{from} is not below the shard count {count}"));
            }
            let shard = Shard {
                index: id + 1,
                count,
            };
            Ok(Some((shard, from)))
        };
    if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
        if let Some(count) = shard_count {
            return place(
                id,
                count,
                format!("SLURM_ARRAY_TASK_ID={id} of --shard-count {count}"),
            );
        }
        if let Some(count) = number("SLURM_ARRAY_TASK_COUNT")? {
            let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let from = format!("SLURM_ARRAY_TASK_ID={id} of SLURM_ARRAY_TASK_COUNT={count}");
            return place(
                id.checked_sub(min)
                    .ok_or(format!("{from} is below SLURM_ARRAY_TASK_MIN={min}"))?,
                count,
                from,
            );
        }
        return match (number("SLURM_ARRAY_TASK_MIN")?, number("SLURM_ARRAY_TASK_MAX")?) {
            (Some(min), Some(max)) if min <= id && id <= max => place(
                id - min,
                max - min + 1,
                format!("SLURM_ARRAY_TASK_ID={id} in {min}..={max}"),
            ),
            _ => Err(format!(
                "SLURM_ARRAY_TASK_ID={id} is set without SLURM_ARRAY_TASK_COUNT or a MIN/MAX around it: give --shard-count N"
            )),
        };
    }
    if let Some(index) = number("JOB_COMPLETION_INDEX")? {
        let Some(count) = shard_count else {
            return Err(format!(
                "JOB_COMPLETION_INDEX={index} is set: give --shard-count N (the Indexed Job's completions)"
            ));
        };
        return place(
            index,
            count,
            format!("JOB_COMPLETION_INDEX={index} of --shard-count {count}"),
        );
    }
    Ok(None)
}

/// Orders configurations longest first (by step cost), ties by their key, so the
/// order depends only on the set of configurations.
pub fn schedule_order(configs: &mut [TrainConfig]) {
    configs.sort_by(|a, b| {
        cost(b)
            .total_cmp(&cost(a))
            .then_with(|| crate::config_key(a).cmp(&crate::config_key(b)))
    });
}

/// Relative work of a configuration: steps times the weights each step moves.
pub fn cost(c: &TrainConfig) -> f64 {
    // ~150 of 784 input rows plus the output layer, per hidden unit; tanh's
    // activation costs about as much again as relu's at these sizes.
    // Deeper layers are dense: their full products, shared by a batch.
    let w = c.hidden.widths();
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
    fn schedulers_environments_give_the_shard_and_say_where_from() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        type Pairs = &'static [(&'static str, &'static str)];
        let shard = |count: Option<usize>, pairs: Pairs| shard_from_environment(count, &env(pairs));
        assert_eq!(shard(None, &[]), Ok(None));
        let (s, from) = shard(
            None,
            &[
                ("SLURM_ARRAY_TASK_ID", "1"),
                ("SLURM_ARRAY_TASK_COUNT", "3"),
            ],
        )
        .unwrap()
        .unwrap();
        assert_eq!(s, Shard { index: 2, count: 3 });
        assert!(from.contains("SLURM_ARRAY_TASK_ID=1"), "{from}");
        // A rerun of task 4 alone: its array says 4..=4, --shard-count says 5.
        let rerun: Pairs = &[
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "1"),
            ("SLURM_ARRAY_TASK_MIN", "4"),
            ("SLURM_ARRAY_TASK_MAX", "4"),
        ];
        let (s, _) = shard(Some(5), rerun).unwrap().unwrap();
        assert_eq!(s, Shard { index: 5, count: 5 });
        let (s, _) = shard(
            None,
            &[
                ("SLURM_ARRAY_TASK_ID", "7"),
                ("SLURM_ARRAY_TASK_MIN", "5"),
                ("SLURM_ARRAY_TASK_MAX", "8"),
            ],
        )
        .unwrap()
        .unwrap();
        assert_eq!(s, Shard { index: 3, count: 4 });
        let (s, _) = shard(Some(4), &[("JOB_COMPLETION_INDEX", "0")])
            .unwrap()
            .unwrap();
        assert_eq!(s, Shard { index: 1, count: 4 });
        assert!(shard(None, &[("JOB_COMPLETION_INDEX", "0")])
            .unwrap_err()
            .contains("--shard-count"));
        assert!(shard(Some(2), &[("SLURM_ARRAY_TASK_ID", "2")])
            .unwrap_err()
            .contains("below"));
        assert!(shard(None, &[("SLURM_ARRAY_TASK_ID", "x")])
            .unwrap_err()
            .contains("whole number"));
        assert!(shard(None, &[("SLURM_ARRAY_TASK_ID", "0")])
            .unwrap_err()
            .contains("--shard-count"));
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
        assert_eq!(a[0].train_samples, 60_000);
        assert!(cost(&a[0]) >= cost(a.last().unwrap()));
    }
}
