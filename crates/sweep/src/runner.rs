//! Running a sweep: configurations in parallel, each on one thread, results as they finish.

use crate::context::{Job, Sweep, SweepEvent, SweepOptions};
use crate::halving::{run_group, GroupOutcome};
use crate::plan::SweepPlan;
use crate::results::{ResultsFile, RunRecord};
use crate::search::HalvingMode;
use crate::shard::schedule_order;
use crate::SweepError;
use mlp_engine::{EngineError, LoadedData, TrainConfig};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::AtomicBool;

/// The outcome of a sweep invocation.
#[derive(Debug, Default)]
pub struct SweepSummary {
    /// Configurations found already done.
    pub already_done: usize,
    /// Configurations finished by this invocation.
    pub finished: usize,
    /// Configurations not run because the sweep was stopped.
    pub not_run: usize,
    /// True when the sweep was stopped before the end.
    pub interrupted: bool,
    /// True when the results file ended in a torn line that was dropped.
    pub dropped_torn_line: bool,
    /// Sample steps successive halving did not run, against every trial of its groups run to the end.
    pub steps_saved: u64,
    /// Sample steps of every halving trial run to the end.
    pub steps_unhalved: u64,
}

/// Checks that every configuration of `plan` can run on `data`: its
/// ranges, and images where its distortions need them.
pub fn check_plan(plan: &SweepPlan, data: &LoadedData) -> Result<(), SweepError> {
    for c in plan.configs() {
        mlp_engine::check_run(c, &data.train, &data.test)?;
    }
    Ok(())
}

/// Checks that `records` were trained on `data` as it is opened now: the
/// same bytes (whatever the files' names) and, where records say, the same
/// format, shapes, classes, scaling, test table and held-out rows.
pub fn check_same_data<'r>(
    records: impl IntoIterator<Item = &'r RunRecord>,
    data: &LoadedData,
) -> Result<(), SweepError> {
    let sums = |m: &mut dyn Iterator<Item = &String>| {
        let mut v: Vec<String> = m.cloned().collect();
        v.sort();
        v
    };
    let here = sums(&mut data.checksums().iter().map(|(_, h)| h));
    let mut info = data.info();
    info.path.clear();
    for r in records {
        let same_bytes = r.data.is_empty() || sums(&mut r.data.values()) == here;
        let same_setup = r.dataset.as_ref().is_none_or(|d| {
            let mut d = d.clone();
            d.path.clear();
            d == info
        });
        if !(same_bytes && same_setup) {
            let names = r.data.keys().cloned().collect::<Vec<_>>().join(", ");
            let what = if same_bytes {
                format!("the same files ({names}) opened otherwise (scaling, test rows, label column or classes)")
            } else {
                format!("other files ({names})")
            };
            return Err(SweepError::Inconsistent {
                problem: format!(
                    "the folder's results were trained on other data than {}: run {} read {what}",
                    data.info().path,
                    r.key
                ),
            });
        }
    }
    Ok(())
}

/// [`check_same_data`] over every results file of the sweep folder `out`.
pub fn check_folder_data(out: &Path, data: &LoadedData) -> Result<(), SweepError> {
    for path in crate::results_files(out)? {
        check_same_data(&ResultsFile::read(&path)?.records, data)?;
    }
    Ok(())
}

/// Runs everything in `plan` not already in the results file: the full
/// configurations longest first, then each halving group rung by rung, on
/// `threads` workers.
///
/// Each configuration trains on a single thread from its own seed, and
/// halving judges a rung only when every trial has reached it, so the
/// results do not depend on the thread count or on the order runs finish in.
pub fn run_sweep(
    mut plan: SweepPlan,
    data: &LoadedData,
    options: &SweepOptions,
    events: &(dyn Fn(SweepEvent<'_>) + Sync),
    stop: &AtomicBool,
) -> Result<SweepSummary, SweepError> {
    check_plan(&plan, data)?;
    let (file, existing) = ResultsFile::open(&options.results, options.resume)?;
    let sweep = Sweep::new(data, options, events, stop, file)?;
    let mut done: HashMap<String, RunRecord> = HashMap::new();
    if options.resume {
        for path in options
            .other_results
            .iter()
            .filter(|p| **p != options.results)
        {
            // Another shard may be writing it: its torn last line is simply not done yet.
            for r in ResultsFile::read(path)?.records {
                done.insert(r.key.clone(), r);
            }
        }
    }
    // This file's own records win over a copy elsewhere.
    done.extend(existing.records.into_iter().map(|r| (r.key.clone(), r)));
    check_same_data(done.values(), data)?;
    let mut configs = std::mem::take(&mut plan.full);
    let before = configs.len();
    configs.retain(|c| !done.contains_key(&sweep.key(c)));
    schedule_order(&mut configs);
    let halving_done = plan
        .halving
        .iter()
        .flat_map(|g| &g.trials)
        .filter(|c| done.contains_key(&sweep.key(c)))
        .count();
    let halving_total: usize = plan.halving.iter().map(|g| g.trials.len()).sum();
    let mut summary = SweepSummary {
        already_done: before - configs.len() + halving_done,
        dropped_torn_line: existing.torn_tail,
        ..SweepSummary::default()
    };
    let to_run = configs.len() + halving_total - halving_done;
    events(SweepEvent::Planned {
        to_run,
        already_done: summary.already_done,
        total_steps: configs.iter().map(TrainConfig::steps).sum::<u64>()
            + plan
                .halving
                .iter()
                .map(crate::plan::HalvingGroup::planned_steps)
                .sum::<u64>(),
    });

    let job = |slot: usize| -> Result<Job, SweepError> {
        let config = &configs[slot];
        events(SweepEvent::Started {
            slot,
            config,
            steps_done: 0,
        });
        let mut session = sweep.session(config, None)?;
        match session.run_to(config.run.epochs, false, &mut sweep.worker(slot)) {
            Ok(()) => {}
            Err(EngineError::Interrupted) => return Ok(Job::Interrupted),
            Err(e) => return Err(e.into()),
        }
        sweep.finish(slot, session)?;
        Ok(Job::Done)
    };
    summary.finished = sweep.each(configs.len(), &job)?;
    let mut interrupted = summary.finished < configs.len();
    let mut base = configs.len();
    for (index, group) in plan.halving.iter().enumerate() {
        if interrupted || sweep.stopping() {
            interrupted = true;
            break;
        }
        let GroupOutcome {
            finished,
            complete,
            steps_saved,
            steps_unhalved,
        } = match group.halving.mode {
            HalvingMode::Sync => run_group(&sweep, group, base, &done)?,
            HalvingMode::Async => crate::async_halving::run_group(&sweep, group, (index, base))?,
        };
        summary.finished += finished;
        summary.steps_saved += steps_saved;
        summary.steps_unhalved += steps_unhalved;
        interrupted |= !complete;
        base += group.trials.len();
    }
    summary.not_run = to_run - summary.finished;
    summary.interrupted = interrupted;
    Ok(summary)
}
