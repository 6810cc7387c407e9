//! Running a sweep: configurations in parallel, each on one thread, results as they finish.

use super::halving::{run_group, GroupOutcome};
use super::models::model_file_name;
use super::plan::SweepPlan;
use super::results::{run_key, ResultsFile, RunRecord};
use super::shard::schedule_order;
use crate::model::{Model, Stage};
use crate::train::Session;
use crate::{
    EngineError, LoadedData, Network, Observer, RunOptions, StepOptions, TrainConfig, TrainReport,
};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
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
    /// Other results files of the sweep (other shards'), read when resuming:
    /// what they hold is done.
    pub other_results: Vec<PathBuf>,
    /// Skip configurations already in the results file instead of refusing to start.
    pub resume: bool,
    /// How each configuration's steps run (the block size of held-back updates).
    pub step: StepOptions,
    /// Keep every finished configuration's model in this folder, named by its key.
    pub save_models: Option<PathBuf>,
    /// The folder where halving trials wait between rungs.
    pub checkpoints: PathBuf,
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
    /// A configuration began (or went on) on a worker.
    Started {
        /// Its position in the run order.
        slot: usize,
        /// The configuration.
        config: &'a TrainConfig,
        /// Steps it had done before (when it goes on from a halving rung).
        steps_done: u64,
    },
    /// A running configuration made progress.
    Progress {
        /// Its position in the run order.
        slot: usize,
        /// Steps it has done.
        steps: u64,
    },
    /// A halving trial reached a rung and waits, saved, for the others to be judged.
    Paused {
        /// Its position in the run order.
        slot: usize,
        /// The rung's epoch.
        epoch: usize,
    },
    /// Successive halving judged a rung.
    Judged {
        /// The rung's epoch.
        epoch: usize,
        /// Trials that go on.
        kept: usize,
        /// Trials stopped here.
        stopped: usize,
    },
    /// A configuration finished (or was stopped by halving) and its record is on disk.
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
    /// Sample steps successive halving did not run, against every trial of its groups run to the end.
    pub steps_saved: u64,
    /// Sample steps of every halving trial run to the end.
    pub steps_unhalved: u64,
}

/// Reports one configuration's progress and passes on the stop request.
pub(super) struct Worker<'a> {
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

/// A sweep under way: the data, the results file and the workers, shared by its jobs.
pub(super) struct Sweep<'a> {
    pub data: &'a LoadedData,
    pub options: &'a SweepOptions,
    pub events: &'a (dyn Fn(SweepEvent<'_>) + Sync),
    stop: &'a AtomicBool,
    file: Mutex<ResultsFile>,
    checksums: BTreeMap<String, String>,
    pool: rayon::ThreadPool,
}

/// What a job did.
pub(super) enum Job {
    /// It ran to its end.
    Done,
    /// The sweep was asked to stop before it ended.
    Interrupted,
}

impl Sweep<'_> {
    /// The results key of `config` in this sweep.
    pub fn key(&self, config: &TrainConfig) -> String {
        run_key(config, self.options.step.block_samples())
    }

    /// The observer of the configuration in `slot`.
    pub fn worker(&self, slot: usize) -> Worker<'_> {
        Worker {
            slot,
            events: self.events,
            stop: self.stop,
        }
    }

    /// True when the sweep was asked to stop.
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Runs `job(0)` .. `job(count - 1)` on the workers, in that order as
    /// workers come free; the first error stops the rest and is returned.
    /// Returns how many jobs ran to their end.
    pub fn each(
        &self,
        count: usize,
        job: &(dyn Fn(usize) -> Result<Job, EngineError> + Sync),
    ) -> Result<usize, EngineError> {
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let failure: Mutex<Option<EngineError>> = Mutex::new(None);
        self.pool.scope(|scope| {
            for _ in 0..self.options.threads.max(1) {
                scope.spawn(|_| loop {
                    if self.stopping() {
                        return;
                    }
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        return;
                    }
                    match job(i) {
                        Ok(Job::Done) => {
                            done.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(Job::Interrupted) => return,
                        Err(e) => {
                            self.stop.store(true, Ordering::Relaxed);
                            failure.lock().unwrap().get_or_insert(e);
                            return;
                        }
                    }
                });
            }
        });
        match failure.into_inner().unwrap() {
            Some(e) => Err(e),
            None => Ok(done.into_inner()),
        }
    }

    /// A fresh session of `config`, or one going on from `snapshot`.
    pub fn session(
        &self,
        config: &TrainConfig,
        snapshot: Option<crate::train::Snapshot>,
    ) -> Result<Session<'_>, EngineError> {
        let data = (&self.data.train, &self.data.test);
        let (step, run) = (self.options.step, RunOptions::default());
        match snapshot {
            Some(s) => Session::resume(config, data, s, step, run),
            None => Session::start(config, data, None, step, run),
        }
    }

    /// Ends `session`: its model saved when asked, then its record appended.
    pub fn finish(&self, slot: usize, session: Session<'_>) -> Result<(), EngineError> {
        let key = self.key(session.config());
        let (report, net) = session.finish();
        // The model before its record, so that a record always has its model.
        if let Some(dir) = &self.options.save_models {
            save_model(dir, &key, self.data, &report, net)?;
        }
        self.append(slot, key, report, None)
    }

    /// Appends the record of `report` (stopped by halving at `stopped_at_epoch`, if it was).
    pub fn append(
        &self,
        slot: usize,
        key: String,
        report: TrainReport,
        stopped_at_epoch: Option<usize>,
    ) -> Result<(), EngineError> {
        let record = RunRecord {
            key,
            report,
            data: self.checksums.clone(),
            finished_unix: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
            stopped_at_epoch,
        };
        self.file.lock().unwrap().append(&record)?;
        (self.events)(SweepEvent::Finished {
            slot,
            record: &record,
        });
        Ok(())
    }
}

/// Writes a finished run's model into `dir` under the name of its key.
pub(super) fn save_model(
    dir: &Path,
    key: &str,
    data: &LoadedData,
    report: &TrainReport,
    network: Network,
) -> Result<(), EngineError> {
    std::fs::create_dir_all(dir).map_err(|source| EngineError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let model = Model {
        network,
        stage: Stage::Trained,
        config: report.config.clone(),
        rows: data.files.train.rows(),
        cols: data.files.train.cols(),
        data_sha256: data.files.sha256(),
        metrics: Some(report.metrics.clone()),
        block_samples: report.block_samples,
        tool_version: crate::VERSION.to_string(),
    };
    crate::model::save(&dir.join(model_file_name(key)), &model)
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
) -> Result<SweepSummary, EngineError> {
    for c in plan.configs() {
        c.validate(data.train.len())?;
    }
    let (file, existing) = ResultsFile::open(&options.results, options.resume)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads.max(1))
        .build()
        .map_err(|e| EngineError::Threads {
            threads: options.threads,
            problem: e.to_string(),
        })?;
    let sweep = Sweep {
        data,
        options,
        events,
        stop,
        file: Mutex::new(file),
        checksums: data.files.sha256().into_iter().collect(),
        pool,
    };
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
                .map(super::plan::HalvingGroup::planned_steps)
                .sum::<u64>(),
    });

    let job = |slot: usize| -> Result<Job, EngineError> {
        let config = &configs[slot];
        events(SweepEvent::Started {
            slot,
            config,
            steps_done: 0,
        });
        let mut session = sweep.session(config, None)?;
        match session.run_to(config.epochs, false, &mut sweep.worker(slot)) {
            Ok(()) => {}
            Err(EngineError::Interrupted) => return Ok(Job::Interrupted),
            Err(e) => return Err(e),
        }
        sweep.finish(slot, session)?;
        Ok(Job::Done)
    };
    summary.finished = sweep.each(configs.len(), &job)?;
    let mut interrupted = summary.finished < configs.len();
    let mut base = configs.len();
    for group in &plan.halving {
        if interrupted || sweep.stopping() {
            interrupted = true;
            break;
        }
        let GroupOutcome {
            finished,
            complete,
            steps_saved,
            steps_unhalved,
        } = run_group(&sweep, group, base, &done)?;
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
