//! A halving group run asynchronously: this process's workers join the
//! group's board ([`crate::asha`]) beside any other process's on the same
//! folder, training trials from their checkpoints and appending final
//! records to this process's results file.

use crate::asha::{Board, RungScore, TrialRunner};
use crate::checkpoint::{checkpoint_path, Checkpoint};
use crate::context::{save_model, Job, Sweep};
use crate::halving::GroupOutcome;
use crate::lock::LockTiming;
use crate::plan::HalvingGroup;
use crate::results::{results_files, ResultsFile, RunRecord};
use crate::SweepError;
use mlp_engine::EngineError;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Every promotion of every asynchronous group of the sweep whose
/// checkpoints are in `checkpoints`, for its report.
pub fn promotions(checkpoints: &Path) -> Result<Vec<crate::asha::Promotion>, SweepError> {
    let mut all = Vec::new();
    for group in 0.. {
        let dir = board_dir(checkpoints, group);
        if !dir.exists() {
            break;
        }
        all.extend(crate::asha::promotions_in(&dir)?);
    }
    Ok(all)
}

/// Where each asynchronous group of the sweep in `out` stands, by group number.
pub fn statuses(out: &Path) -> Result<Vec<(usize, crate::asha::BoardStatus)>, SweepError> {
    let checkpoints = out.join("checkpoints");
    let mut all = Vec::new();
    for group in 0.. {
        let dir = board_dir(&checkpoints, group);
        if !dir.exists() {
            break;
        }
        if let Some(s) = crate::asha::status(&dir, LockTiming::from_env())? {
            all.push((group, s));
        }
    }
    Ok(all)
}

/// The group's folder of claims and decisions, beside its checkpoints.
pub fn board_dir(checkpoints: &Path, group: usize) -> PathBuf {
    checkpoints.join("asha").join(format!("group-{group}"))
}

/// The group's trials, trained through this sweep.
struct Trials<'s, 'a> {
    sweep: &'s Sweep<'a>,
    group: &'s HalvingGroup,
    base: usize,
    keys: Vec<String>,
    out: PathBuf,
    finished: AtomicUsize,
}

impl Trials<'_, '_> {
    /// The final record of trial `trial` in any results file of the sweep, when written.
    fn record(&self, trial: usize) -> Result<Option<RunRecord>, SweepError> {
        for path in results_files(&self.out)? {
            if let Some(r) = ResultsFile::read(&path)?
                .records
                .into_iter()
                .find(|r| r.key == self.keys[trial])
            {
                return Ok(Some(r));
            }
        }
        Ok(None)
    }

    fn figures(
        history: &[mlp_engine::EpochRecord],
        epoch: usize,
        key: &str,
    ) -> Result<RungScore, SweepError> {
        let r = history
            .get(epoch.wrapping_sub(1))
            .filter(|r| r.epoch == epoch);
        match r.and_then(|r| Some((r.validation_error_pct?, r.validation_loss?))) {
            Some((error_pct, loss)) => Ok(RungScore { error_pct, loss }),
            None => Err(SweepError::Inconsistent {
                problem: format!("asynchronous halving cannot rank {key}: it has no validation figures at epoch {epoch}"),
            }),
        }
    }
}

/// A finished trial's validation figures.
fn final_figures(m: &mlp_engine::Metrics, key: &str) -> Result<RungScore, SweepError> {
    match (m.validation_error_pct, m.validation_loss) {
        (Some(error_pct), Some(loss)) => Ok(RungScore { error_pct, loss }),
        _ => Err(SweepError::Inconsistent {
            problem: format!(
                "asynchronous halving cannot rank {key}: it has no validation figures"
            ),
        }),
    }
}

impl TrialRunner for Trials<'_, '_> {
    fn keys(&self) -> &[String] {
        &self.keys
    }

    fn run_to(&self, trial: usize, epoch: usize) -> Result<RungScore, SweepError> {
        let (config, key) = (&self.group.trials[trial], &self.keys[trial]);
        let last = epoch >= config.run.epochs;
        if last {
            // Its record written by a worker that stopped before saying so.
            if let Some(r) = self.record(trial)? {
                return final_figures(&r.report.metrics, key);
            }
        }
        let path = checkpoint_path(&self.sweep.options.checkpoints, key);
        let snapshot = match path.exists() {
            true => Some(Checkpoint::load(&path)?.snapshot),
            false => None,
        };
        let slot = self.base + trial;
        let steps_done = snapshot
            .as_ref()
            .map_or(0, |s| (s.history.len() * config.data.train_samples) as u64);
        (self.sweep.events)(crate::SweepEvent::Started {
            slot,
            config,
            steps_done,
        });
        let mut session = self.sweep.session(config, snapshot)?;
        session.run_to(epoch, !last, &mut self.sweep.worker(slot))?;
        if last {
            let score = final_figures(&session.report().metrics, key)?;
            self.sweep.finish(slot, session)?;
            self.finished.fetch_add(1, Ordering::SeqCst);
            crate::halving::remove(&path)?;
            return Ok(score);
        }
        let checkpoint = Checkpoint {
            key: key.clone(),
            report: session.report(),
            snapshot: session.snapshot(),
        };
        let score = Trials::figures(&checkpoint.report.history, epoch, key)?;
        checkpoint.save(&path)?;
        (self.sweep.events)(crate::SweepEvent::Paused { slot, epoch });
        Ok(score)
    }

    fn stop_at(&self, trial: usize, epoch: usize) -> Result<(), SweepError> {
        let key = &self.keys[trial];
        let path = checkpoint_path(&self.sweep.options.checkpoints, key);
        if self.record(trial)?.is_some() {
            return crate::halving::remove(&path);
        }
        let c = Checkpoint::load(&path)?;
        if let Some(models) = &self.sweep.options.save_models {
            let session = self
                .sweep
                .session(&self.group.trials[trial], Some(c.snapshot.clone()))?;
            save_model(
                models,
                key,
                self.sweep.data,
                &c.report,
                session.into_network(),
            )?;
        }
        self.sweep
            .append(self.base + trial, key.clone(), c.report, Some(epoch))?;
        self.finished.fetch_add(1, Ordering::SeqCst);
        crate::halving::remove(&path)
    }

    fn stopping(&self) -> bool {
        self.sweep.stopping()
    }
}

/// Removes the lock files of results files whose workers stopped without
/// letting go (killed, preempted): no worker will open those files again.
fn clear_stale_locks(results: &Path, timing: LockTiming) -> Result<(), SweepError> {
    let Ok(entries) = std::fs::read_dir(results) else {
        return Ok(());
    };
    for e in entries.flatten() {
        let path = e.path();
        if path.extension().is_some_and(|x| x == "lock") {
            // A stale lock is taken over and let go; a live one is left alone.
            drop(crate::lock::FileLock::try_take(&path, timing)?);
        }
    }
    Ok(())
}

/// Runs `group` (trials in slots `base..`, the sweep's `index`-th group)
/// asynchronously on this process's workers until every trial has ended
/// or the sweep is stopped.
pub(super) fn run_group(
    sweep: &Sweep<'_>,
    group: &HalvingGroup,
    (index, base): (usize, usize),
) -> Result<GroupOutcome, SweepError> {
    let checkpoints = &sweep.options.checkpoints;
    let out = checkpoints
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let trials = Trials {
        sweep,
        group,
        base,
        keys: group.trials.iter().map(|c| sweep.key(c)).collect(),
        out: out.clone(),
        finished: AtomicUsize::new(0),
    };
    let dir = board_dir(checkpoints, index);
    let rungs = group.rungs();
    let timing = LockTiming::from_env();
    let job = |_: usize| -> Result<Job, SweepError> {
        let board = Board::new(
            &dir,
            rungs.clone(),
            group.halving.reduction,
            timing,
            &trials,
        )?;
        match board.work() {
            Ok(s) if s.interrupted => Ok(Job::Interrupted),
            Ok(_) => Ok(Job::Done),
            Err(SweepError::Engine(EngineError::Interrupted)) => Ok(Job::Interrupted),
            Err(e) => Err(e),
        }
    };
    let workers = sweep.options.threads.max(1);
    let done = sweep.each(workers, &job)?;
    clear_stale_locks(&out.join("results"), timing)?;
    let epochs = group.epochs();
    let mut outcome = GroupOutcome {
        finished: trials.finished.load(Ordering::SeqCst),
        complete: done == workers,
        steps_saved: 0,
        steps_unhalved: group
            .trials
            .iter()
            .map(mlp_engine::TrainConfig::steps)
            .sum(),
    };
    if outcome.complete {
        for (t, c) in group.trials.iter().enumerate() {
            if let Some(e) = trials.record(t)?.and_then(|r| r.stopped_at_epoch) {
                outcome.steps_saved += ((epochs - e) * c.data.train_samples) as u64;
            }
        }
    }
    Ok(outcome)
}
