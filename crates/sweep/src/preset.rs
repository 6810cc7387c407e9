//! Named sweeps: the study as published, and the grid it never finished.

use crate::grid::{dedup, Grid};
use mlp_engine::{Backprop, Case, TrainConfig};
use std::str::FromStr;

/// A named sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// Exactly the runs behind the study's Tables 1-6, plus its appendix's L2 runs.
    Study,
    /// All 18 networks (2 cases x 3 N x 3 eta) on all 60,000 images.
    StudyFull,
}

impl FromStr for Preset {
    type Err = mlp_engine::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "study" => Ok(Preset::Study),
            "study-full" => Ok(Preset::StudyFull),
            _ => Err(mlp_engine::ParseError(format!(
                "unknown preset '{s}' (expected study or study-full)"
            ))),
        }
    }
}

const SIZES: [usize; 3] = [300, 500, 1000];
const RATES: [f64; 3] = [0.01, 0.05, 0.09];

fn grid(case: Case, hidden: &[usize], lr: &[f64], k: &[usize], l2: &[f64]) -> Grid {
    Grid {
        case: Some(vec![case]),
        hidden: Some(hidden.iter().map(|&h| h.into()).collect()),
        lr: Some(lr.to_vec()),
        train_samples: Some(k.to_vec()),
        l2: Some(l2.to_vec()),
        ..Grid::default()
    }
}

impl Preset {
    /// The preset's name.
    pub fn name(self) -> &'static str {
        match self {
            Preset::Study => "study",
            Preset::StudyFull => "study-full",
        }
    }

    /// The grids of the preset, one per published table (backprop and seed left to the caller).
    pub fn grids(self) -> Vec<Grid> {
        use Case::{ReluSigmoid as R, Tanh as T};
        match self {
            Preset::Study => vec![
                // Table 1: case 1, first 1,250 images.
                grid(T, &SIZES, &RATES, &[1250], &[0.0]),
                // Table 2: case 1, all images, N = 300.
                grid(T, &[300], &RATES, &[60_000], &[0.0]),
                // Table 3: case 2, first 1,250 images.
                grid(R, &SIZES, &RATES, &[1250], &[0.0]),
                // Table 4: case 2, all images, N = 300, eta = 0.01.
                grid(R, &[300], &[0.01], &[60_000], &[0.0]),
                // Table 5: case 2, N = 1000, eta = 0.01, first K images.
                grid(R, &[1000], &[0.01], &[10, 50, 100], &[0.0]),
                // Table 6: case 2 with L2, N = 1000, eta = 0.01, K = 100.
                grid(R, &[1000], &[0.01], &[100], &[0.01, 0.001]),
                // The appendix's unpublished L2 runs: lambda = 0.001 at N = 300 and 1000.
                grid(R, &[300, 1000], &[0.01], &[1250], &[0.001]),
            ],
            Preset::StudyFull => vec![
                grid(T, &SIZES, &RATES, &[60_000], &[0.0]),
                grid(R, &SIZES, &RATES, &[60_000], &[0.0]),
            ],
        }
    }

    /// The preset's grids for the given backprop modes and seeds, each
    /// evaluating the test set every `eval_every` epochs when given.
    pub fn grids_with(
        self,
        backprop: &[Backprop],
        seeds: &[u64],
        eval_every: Option<usize>,
    ) -> Vec<Grid> {
        self.grids()
            .into_iter()
            .map(|g| Grid {
                backprop: Some(backprop.to_vec()),
                seed: Some(seeds.to_vec()),
                eval_every: eval_every.or(g.eval_every),
                ..g
            })
            .collect()
    }

    /// The preset's configurations for the given backprop modes and seeds.
    pub fn expand(self, backprop: &[Backprop], seeds: &[u64]) -> Vec<TrainConfig> {
        let configs = self
            .grids_with(backprop, seeds, None)
            .iter()
            .flat_map(Grid::expand)
            .collect();
        dedup(configs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(cs: &[TrainConfig], case: Case, n: usize, lr: f64, k: usize, l2: f64) -> bool {
        cs.iter().any(|c| {
            c.network.case == case
                && c.network.hidden == n.into()
                && c.optimizer.lr == lr
                && c.data.train_samples == k
                && c.regularization.l2 == l2
        })
    }

    #[test]
    fn study_preset_is_exactly_the_reference_runs() {
        let cs = Preset::Study.expand(&[Backprop::Exact], &[1]);
        // Tables 1 (9) + 2 (3) + 3 (9) + 4 (1) + 5 (3) + 6 (2) + appendix (2).
        assert_eq!(cs.len(), 29);
        assert!(cs
            .iter()
            .all(|c| c.run.epochs == 50 && c.network.backprop == Backprop::Exact));
        for n in SIZES {
            for lr in RATES {
                assert!(has(&cs, Case::Tanh, n, lr, 1250, 0.0));
                assert!(has(&cs, Case::ReluSigmoid, n, lr, 1250, 0.0));
            }
        }
        for lr in RATES {
            assert!(has(&cs, Case::Tanh, 300, lr, 60_000, 0.0));
        }
        assert!(!has(&cs, Case::Tanh, 500, 0.01, 60_000, 0.0));
        assert!(has(&cs, Case::ReluSigmoid, 300, 0.01, 60_000, 0.0));
        assert!(!has(&cs, Case::ReluSigmoid, 300, 0.05, 60_000, 0.0));
        for k in [10, 50, 100] {
            assert!(has(&cs, Case::ReluSigmoid, 1000, 0.01, k, 0.0));
        }
        for l2 in [0.01, 0.001] {
            assert!(has(&cs, Case::ReluSigmoid, 1000, 0.01, 100, l2));
        }
        assert!(has(&cs, Case::ReluSigmoid, 300, 0.01, 1250, 0.001));
        assert!(has(&cs, Case::ReluSigmoid, 1000, 0.01, 1250, 0.001));
        let both = Preset::Study.expand(&[Backprop::Exact, Backprop::AsPublished], &[1]);
        assert_eq!(both.len(), 58);
    }

    #[test]
    fn study_full_is_the_18_network_grid_on_all_images() {
        let cs = Preset::StudyFull.expand(&[Backprop::Exact], &[1]);
        assert_eq!(cs.len(), 18);
        assert!(cs
            .iter()
            .all(|c| c.data.train_samples == 60_000 && c.regularization.l2 == 0.0));
    }
}
