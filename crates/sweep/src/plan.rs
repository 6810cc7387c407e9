//! What a sweep runs: configurations trained to the end, and groups of trials under successive halving.

use crate::search::Halving;
use crate::shard::{schedule_order, Shard};
use mlp_engine::TrainConfig;

/// Trials of one search judged together by successive halving.
#[derive(Debug, Clone, PartialEq)]
pub struct HalvingGroup {
    /// The rungs and the fraction kept at each.
    pub halving: Halving,
    /// The trials, in the search's order.
    pub trials: Vec<TrainConfig>,
}

impl HalvingGroup {
    /// The epochs every trial shares (its rungs end there).
    pub fn epochs(&self) -> usize {
        self.trials.first().map_or(0, |c| c.run.epochs)
    }

    /// The epochs at which trials are judged, the last being every trial's end.
    pub fn rungs(&self) -> Vec<usize> {
        self.halving.rungs(self.epochs())
    }

    /// Trials alive at each rung: all at the first, then the best `1 / reduction` of the last.
    pub fn alive_per_rung(&self) -> Vec<usize> {
        let mut alive = Vec::new();
        let mut n = self.trials.len();
        for _ in self.rungs() {
            alive.push(n);
            n = self.halving.kept(n);
        }
        alive
    }

    /// Sample steps the group runs when halving goes as planned (from scratch).
    pub fn planned_steps(&self) -> u64 {
        let per_epoch = self
            .trials
            .first()
            .map_or(0, |c| c.data.train_samples as u64);
        let mut before = 0;
        let mut steps = 0;
        for (rung, alive) in self.rungs().into_iter().zip(self.alive_per_rung()) {
            steps += alive as u64 * (rung - before) as u64 * per_epoch;
            before = rung;
        }
        steps
    }

    /// Why the group cannot be halved, if it cannot: its trials must share
    /// their epochs and train samples, have a validation split to be judged
    /// on, and reach the first rung before their end.
    pub(crate) fn check(&self) -> Result<(), String> {
        let Some(first) = self.trials.first() else {
            return Ok(());
        };
        if let Some(c) = self
            .trials
            .iter()
            .find(|c| c.run.epochs != first.run.epochs)
        {
            return Err(format!(
                "successive halving needs one epochs value for every trial, and this search has {} and {}",
                first.run.epochs, c.run.epochs
            ));
        }
        if let Some(c) = self
            .trials
            .iter()
            .find(|c| c.data.train_samples != first.data.train_samples)
        {
            return Err(format!(
                "successive halving needs one train_samples value for every trial, and this search has {} and {}",
                first.data.train_samples, c.data.train_samples
            ));
        }
        if self.trials.iter().any(|c| c.data.validation == 0) {
            return Err(
                "successive halving ranks trials by validation error: set validation = K (for the file or in the table)"
                    .into(),
            );
        }
        if self.halving.min_epochs >= first.run.epochs {
            return Err(format!(
                "halving: min_epochs ({}) must be below the trials' epochs ({})",
                self.halving.min_epochs, first.run.epochs
            ));
        }
        Ok(())
    }
}

/// Everything one sweep runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SweepPlan {
    /// Configurations each trained to its last epoch.
    pub full: Vec<TrainConfig>,
    /// Groups of trials under successive halving.
    pub halving: Vec<HalvingGroup>,
}

impl From<Vec<TrainConfig>> for SweepPlan {
    fn from(full: Vec<TrainConfig>) -> SweepPlan {
        SweepPlan {
            full,
            halving: Vec::new(),
        }
    }
}

impl SweepPlan {
    /// Every configuration: the full ones, then each group's trials.
    pub fn configs(&self) -> impl Iterator<Item = &TrainConfig> {
        self.full
            .iter()
            .chain(self.halving.iter().flat_map(|g| &g.trials))
    }

    /// Number of configurations.
    pub fn len(&self) -> usize {
        self.configs().count()
    }

    /// True when the plan runs nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// This shard's part: its round-robin share of the full configurations
    /// (longest first), and every `count`-th halving group whole, since a
    /// group's trials are judged together.
    pub fn select(mut self, shard: Shard) -> SweepPlan {
        schedule_order(&mut self.full);
        SweepPlan {
            full: shard.select(self.full),
            halving: self
                .halving
                .into_iter()
                .enumerate()
                .filter(|(i, _)| i % shard.count == shard.index - 1)
                .map(|(_, g)| g)
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HalvingMode;
    use mlp_engine::Case;

    fn group(trials: usize, epochs: usize, halving: Halving) -> HalvingGroup {
        let mut c = TrainConfig::new(Case::ReluSigmoid);
        c.run.epochs = epochs;
        c.data.train_samples = 100;
        c.data.validation = 10;
        HalvingGroup {
            halving,
            trials: (0..trials as u64)
                .map(|s| {
                    let mut t = c.clone();
                    t.run.seed = s;
                    t
                })
                .collect(),
        }
    }

    #[test]
    fn the_issues_search_has_rungs_2_6_12_with_24_8_2_alive() {
        let g = group(
            24,
            12,
            Halving {
                min_epochs: 2,
                reduction: 3,
                mode: HalvingMode::Sync,
            },
        );
        assert_eq!(g.rungs(), vec![2, 6, 12]);
        assert_eq!(g.alive_per_rung(), vec![24, 8, 2]);
        // 24 x 2 + 8 x 4 + 2 x 6 epochs of 100 samples.
        assert_eq!(g.planned_steps(), (48 + 32 + 12) * 100);
        g.check().unwrap();
    }

    #[test]
    fn groups_that_cannot_be_halved_say_why() {
        let mut g = group(
            4,
            12,
            Halving {
                min_epochs: 2,
                reduction: 2,
                mode: HalvingMode::Sync,
            },
        );
        g.trials[1].run.epochs = 10;
        assert!(g.check().unwrap_err().contains("one epochs value"));
        let mut g = group(
            4,
            12,
            Halving {
                min_epochs: 2,
                reduction: 2,
                mode: HalvingMode::Sync,
            },
        );
        g.trials[3].data.validation = 0;
        assert!(g.check().unwrap_err().contains("validation"));
        let g = group(
            4,
            2,
            Halving {
                min_epochs: 2,
                reduction: 2,
                mode: HalvingMode::Sync,
            },
        );
        assert!(g.check().unwrap_err().contains("min_epochs"));
    }
}
