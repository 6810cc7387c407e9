//! A sweep under way: its options, the events it reports, and the state its
//! workers share (the data, the results file, the thread pool).

use crate::key::run_key;
use crate::models::model_file_name;
use crate::results::{ResultsFile, RunRecord};
use crate::SweepError;
use mlp_engine::model::Stage;
use mlp_engine::Session;
use mlp_engine::{
    DataInfo, LoadedData, Network, Observer, RunOptions, StepOptions, TrainConfig, TrainReport,
};
use std::collections::BTreeMap;
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
    info: DataInfo,
    pool: rayon::ThreadPool,
}

/// What a job did.
pub(super) enum Job {
    /// It ran to its end.
    Done,
    /// The sweep was asked to stop before it ended.
    Interrupted,
}

impl<'a> Sweep<'a> {
    /// A sweep of `data` appending to `file`, with its workers started.
    pub fn new(
        data: &'a LoadedData,
        options: &'a SweepOptions,
        events: &'a (dyn Fn(SweepEvent<'_>) + Sync),
        stop: &'a AtomicBool,
        file: ResultsFile,
    ) -> Result<Sweep<'a>, SweepError> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(options.threads.max(1))
            .build()
            .map_err(|e| SweepError::Threads {
                threads: options.threads,
                problem: e.to_string(),
            })?;
        Ok(Sweep {
            data,
            options,
            events,
            stop,
            file: Mutex::new(file),
            checksums: data.checksums().into_iter().collect(),
            info: data.info(),
            pool,
        })
    }
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
        job: &(dyn Fn(usize) -> Result<Job, SweepError> + Sync),
    ) -> Result<usize, SweepError> {
        let next = AtomicUsize::new(0);
        let done = AtomicUsize::new(0);
        let failure: Mutex<Option<SweepError>> = Mutex::new(None);
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
        snapshot: Option<mlp_engine::Snapshot>,
    ) -> Result<Session<'_>, SweepError> {
        let data = (&self.data.train, &self.data.test);
        let (step, run) = (self.options.step, RunOptions::default());
        let session = match snapshot {
            Some(s) => Session::resume(config, data, s, step, run),
            None => Session::start(config, data, None, step, run),
        };
        Ok(session?)
    }

    /// Ends `session`: its model saved when asked, then its record appended.
    pub fn finish(&self, slot: usize, session: Session<'_>) -> Result<(), SweepError> {
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
    ) -> Result<(), SweepError> {
        let record = RunRecord {
            key,
            report,
            data: self.checksums.clone(),
            dataset: Some(self.info.clone()),
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
) -> Result<(), SweepError> {
    std::fs::create_dir_all(dir).map_err(|source| SweepError::Io {
        path: dir.to_path_buf(),
        source,
    })?;
    let model = data.model(
        network,
        Stage::Trained,
        report.config.clone(),
        Some(report.metrics.clone()),
        report.block_samples,
    );
    Ok(mlp_engine::model::save(
        &dir.join(model_file_name(key)),
        &model,
    )?)
}
