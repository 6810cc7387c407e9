//! Running a sweep: configurations in parallel, each on one thread, results as they finish.

use super::results::{run_key, ResultsFile, RunRecord};
use super::shard::schedule_order;
use crate::{train_with, EngineError, LoadedData, Observer, StepOptions, TrainConfig, TrainReport};
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// How a sweep runs.
#[derive(Debug, Clone)]
pub struct SweepOptions {
    /// Worker threads (configurations trained at once).
    pub threads: usize,
    /// The results file to append to.
    pub results: PathBuf,
    /// Skip configurations already in the results file instead of refusing to start.
    pub resume: bool,
    /// How each configuration's steps run (the block size of held-back updates).
    pub step: StepOptions,
}

/// What the runner tells its caller as it goes.
#[derive(Debug)]
pub enum SweepEvent<'a> {
    /// The plan: configurations to run now, and how many were already done.
    Planned {
        /// Configurations this invocation will run.
        to_run: usize,
        /// Configurations skipped because the results file has them.
        already_done: usize,
        /// Total sample steps to run.
        total_steps: u64,
    },
    /// A configuration began on a worker.
    Started {
        /// Its position in the run order.
        slot: usize,
        /// The configuration.
        config: &'a TrainConfig,
    },
    /// A running configuration made progress.
    Progress {
        /// Its position in the run order.
        slot: usize,
        /// Steps it has done.
        steps: u64,
    },
    /// A configuration finished and its record is on disk.
    Finished {
        /// Its position in the run order.
        slot: usize,
        /// The record written.
        record: &'a RunRecord,
    },
}

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
}

struct Worker<'a> {
    slot: usize,
    events: &'a (dyn Fn(SweepEvent<'_>) + Sync),
    stop: &'a AtomicBool,
}

impl Observer for Worker<'_> {
    fn steps_done(&mut self, steps: u64) {
        (self.events)(SweepEvent::Progress {
            slot: self.slot,
            steps,
        });
    }
    fn should_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// Runs every configuration not already in the results file, longest first, on `threads` workers.
///
/// Each configuration trains on a single thread from its own seed, so the
/// results do not depend on the thread count or on the order runs finish in.
pub fn run_sweep(
    mut configs: Vec<TrainConfig>,
    data: &LoadedData,
    options: &SweepOptions,
    events: &(dyn Fn(SweepEvent<'_>) + Sync),
    stop: &AtomicBool,
) -> Result<SweepSummary, EngineError> {
    for c in &configs {
        c.validate(data.train.len())?;
    }
    let (file, existing) = ResultsFile::open(&options.results, options.resume)?;
    let done: HashSet<String> = existing.records.iter().map(|r| r.key.clone()).collect();
    let block_samples = options.step.block_samples();
    let before = configs.len();
    configs.retain(|c| !done.contains(&run_key(c, block_samples)));
    schedule_order(&mut configs);
    let mut summary = SweepSummary {
        already_done: before - configs.len(),
        dropped_torn_line: existing.torn_tail,
        ..SweepSummary::default()
    };
    events(SweepEvent::Planned {
        to_run: configs.len(),
        already_done: summary.already_done,
        total_steps: configs.iter().map(TrainConfig::steps).sum(),
    });
    let checksums: BTreeMap<String, String> = data.files.sha256().into_iter().collect();

    let file = Mutex::new(file);
    let next = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let failure: Mutex<Option<EngineError>> = Mutex::new(None);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.max(1))
        .build()
        .map_err(|e| EngineError::Threads {
            threads: options.threads,
            problem: e.to_string(),
        })?;
    pool.scope(|scope| {
        for _ in 0..options.threads.max(1) {
            scope.spawn(|_| loop {
                if stop.load(Ordering::Relaxed) {
                    return;
                }
                let slot = next.fetch_add(1, Ordering::Relaxed);
                let Some(config) = configs.get(slot) else {
                    return;
                };
                events(SweepEvent::Started { slot, config });
                let mut worker = Worker { slot, events, stop };
                let outcome = train_with(
                    config,
                    &data.train,
                    &data.test,
                    None,
                    options.step,
                    &mut worker,
                );
                let report: TrainReport = match outcome {
                    Ok((report, _)) => report,
                    Err(EngineError::Interrupted) => return,
                    Err(e) => {
                        stop.store(true, Ordering::Relaxed);
                        failure.lock().unwrap().get_or_insert(e);
                        return;
                    }
                };
                let record = RunRecord {
                    key: run_key(config, block_samples),
                    report,
                    data: checksums.clone(),
                    finished_unix: SystemTime::now()
                        .duration_since(UNIX_EPOCH)
                        .map_or(0, |d| d.as_secs()),
                };
                let written = file.lock().unwrap().append(&record);
                match written {
                    Ok(()) => {
                        finished.fetch_add(1, Ordering::Relaxed);
                        events(SweepEvent::Finished {
                            slot,
                            record: &record,
                        });
                    }
                    Err(e) => {
                        stop.store(true, Ordering::Relaxed);
                        failure.lock().unwrap().get_or_insert(e);
                        return;
                    }
                }
            });
        }
    });
    if let Some(e) = failure.into_inner().unwrap() {
        return Err(e);
    }
    summary.finished = finished.into_inner();
    summary.not_run = configs.len() - summary.finished;
    summary.interrupted = summary.not_run > 0;
    Ok(summary)
}
