//! How long a slice of a sweep will train: measured on this build and machine, scaled by each configuration's cost.

use crate::plan::SweepPlan;
use crate::shard::cost;
use crate::SweepError;
use mlp_engine::Session;
use mlp_engine::{
    LoadedData, LrDecay, NoObserver, RunOptions, ScheduleConfig, StepOptions, TrainConfig,
};
use std::time::{Duration, Instant};

/// Samples a probe epoch trains on: a fraction of a second for any configuration.
const PROBE_SAMPLES: usize = 2_048;

/// Seconds per unit of [`cost`], measured by training the costliest
/// configuration of `plan` on a few thousand images for at least `budget`.
pub fn seconds_per_cost(
    plan: &SweepPlan,
    data: &LoadedData,
    step: StepOptions,
    budget: Duration,
) -> Result<f64, SweepError> {
    let Some(costliest) = plan
        .configs()
        .max_by(|a, b| per_step(a).total_cmp(&per_step(b)))
    else {
        return Ok(0.0);
    };
    let mut probe = costliest.clone();
    probe.data.train_samples = costliest
        .data
        .train_samples
        .min(PROBE_SAMPLES)
        .min(data.train.len());
    probe.data.validation = 0;
    probe.run.epochs = 1;
    probe.run.eval_every = 0;
    probe.schedule = ScheduleConfig {
        decay: LrDecay::Constant,
        warmup_epochs: 0,
    };
    let data_pair = (&data.train, &data.test);
    let (mut seconds, mut runs) = (0.0, 0u32);
    let start = Instant::now();
    while runs == 0 || start.elapsed() < budget {
        let mut session = Session::start(&probe, data_pair, None, step, RunOptions::default())?;
        let t = Instant::now();
        session.run_to(1, false, &mut NoObserver)?;
        seconds += t.elapsed().as_secs_f64();
        runs += 1;
    }
    Ok(seconds / (f64::from(runs) * cost(&probe)))
}

/// One configuration's cost per sample step.
fn per_step(c: &TrainConfig) -> f64 {
    cost(c) / c.steps().max(1) as f64
}

/// Estimated training seconds of `plan` on `threads` workers at `seconds_per_cost`:
/// the longer of its work shared out and its longest configuration.
pub fn plan_seconds(plan: &SweepPlan, threads: usize, seconds_per_cost: f64) -> f64 {
    let costs: Vec<f64> = plan.configs().map(cost).collect();
    let total: f64 = costs.iter().sum();
    let longest = costs.iter().copied().fold(0.0, f64::max);
    (total / threads.max(1) as f64).max(longest) * seconds_per_cost
}

/// Seconds the slowest of `slices` slices of `whole` takes on `threads`
/// workers, at the speed a short measurement on `data` finds here.
pub fn slowest_slice_seconds(
    whole: &SweepPlan,
    data: &LoadedData,
    step: StepOptions,
    slices: usize,
    threads: usize,
) -> Result<f64, SweepError> {
    let per_cost = seconds_per_cost(whole, data, step, std::time::Duration::from_millis(500))?;
    Ok((1..=slices)
        .map(|index| {
            let part = whole.clone().select(crate::Shard {
                index,
                count: slices,
            });
            plan_seconds(&part, threads, per_cost)
        })
        .fold(0.0, f64::max))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlp_engine::Case;

    #[test]
    fn a_plan_takes_its_work_shared_out_or_its_longest_run() {
        let c = TrainConfig::new(Case::ReluSigmoid);
        let plan = SweepPlan::from(vec![c.clone(), c.clone(), c.clone(), c.clone()]);
        let one = cost(&c);
        assert_eq!(plan_seconds(&plan, 2, 1.0), 2.0 * one);
        assert_eq!(plan_seconds(&plan, 8, 1.0), one);
        assert_eq!(plan_seconds(&plan, 1, 0.5), 2.0 * one);
    }
}
