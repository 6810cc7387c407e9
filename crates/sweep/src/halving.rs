//! Successive halving: every trial trains to a rung, the best `1 / reduction`
//! by validation error go on to the next, the rest stop there.
//!
//! A rung is judged only once every trial alive at it has reached it, so the
//! outcome depends on the trials alone, never on the thread count or on
//! which finished first. A trial waiting at a rung is a checkpoint on disk;
//! a stopped or finished one is a record in the results file: whatever kills
//! the sweep, its rerun finds every trial where it was and goes on from there.

use crate::checkpoint::{checkpoint_path, Checkpoint};
use crate::context::{save_model, Job, Sweep, SweepEvent};
use crate::plan::HalvingGroup;
use crate::rank::{rank, RankKey};
use crate::results::RunRecord;
use crate::SweepError;
use mlp_engine::{EngineError, EpochRecord};
use std::collections::HashMap;
use std::path::Path;

/// What running one group did.
pub(super) struct GroupOutcome {
    /// Records this invocation wrote (trials stopped or finished).
    pub finished: usize,
    /// True when every trial has its record.
    pub complete: bool,
    /// Sample steps not run thanks to halving (of trials stopped by now).
    pub steps_saved: u64,
    /// Sample steps of every trial run to its end.
    pub steps_unhalved: u64,
}

/// Where a trial stands.
#[derive(Debug, Clone)]
enum Standing {
    /// Not started.
    Fresh,
    /// Waiting at a rung, as a checkpoint, after this many epochs.
    Paused(usize, Vec<EpochRecord>),
    /// Stopped by halving at this epoch (a record).
    Stopped(usize, Vec<EpochRecord>),
    /// Trained to its end (a record).
    Finished(Vec<EpochRecord>),
}

impl Standing {
    /// True when the trial has trained to at least `epoch`.
    fn reached(&self, epoch: usize) -> bool {
        match self {
            Standing::Fresh => false,
            Standing::Paused(e, _) | Standing::Stopped(e, _) => *e >= epoch,
            Standing::Finished(_) => true,
        }
    }

    fn history(&self) -> &[EpochRecord] {
        match self {
            Standing::Fresh => &[],
            Standing::Paused(_, h) | Standing::Stopped(_, h) | Standing::Finished(h) => h,
        }
    }

    fn of_record(r: &RunRecord) -> Standing {
        let history = r.report.history.clone();
        match r.stopped_at_epoch {
            Some(e) => Standing::Stopped(e, history),
            None => Standing::Finished(history),
        }
    }
}

/// Removes a checkpoint that is no longer needed; one already gone is fine.
pub(super) fn remove(path: &Path) -> Result<(), SweepError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(source) => Err(SweepError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// The figures halving ranks a trial by at `epoch`: validation error, then
/// validation loss (errors tie often on a few thousand images).
fn judged_at(history: &[EpochRecord], epoch: usize, key: &str) -> Result<(f64, f64), SweepError> {
    let record = history
        .get(epoch.wrapping_sub(1))
        .filter(|r| r.epoch == epoch);
    match record.and_then(|r| Some((r.validation_error_pct?, r.validation_loss?))) {
        Some(figures) => Ok(figures),
        None => Err(SweepError::Inconsistent {
            problem: format!(
            "successive halving cannot rank {key}: its results have no validation figures at epoch {epoch}"
            ),
        }),
    }
}

/// Runs `group`'s trials (slots `base..`) rung by rung, going on from `done` records and saved checkpoints.
pub(super) fn run_group(
    sweep: &Sweep<'_>,
    group: &HalvingGroup,
    base: usize,
    done: &HashMap<String, RunRecord>,
) -> Result<GroupOutcome, SweepError> {
    let dir = &sweep.options.checkpoints;
    let keys: Vec<String> = group.trials.iter().map(|c| sweep.key(c)).collect();
    let mut standing = Vec::with_capacity(keys.len());
    for key in &keys {
        let path = checkpoint_path(dir, key);
        standing.push(match done.get(key) {
            Some(r) => {
                // A record makes its checkpoint stale (a kill between the two writes).
                remove(&path)?;
                Standing::of_record(r)
            }
            None if path.exists() => {
                let c = Checkpoint::load(&path)?;
                Standing::Paused(c.snapshot.history.len(), c.report.history)
            }
            None => Standing::Fresh,
        });
    }
    let mut outcome = GroupOutcome {
        finished: 0,
        complete: false,
        steps_saved: 0,
        steps_unhalved: group
            .trials
            .iter()
            .map(mlp_engine::TrainConfig::steps)
            .sum(),
    };
    let rungs = group.rungs();
    let mut alive: Vec<usize> = (0..keys.len()).collect();
    for (r, &rung) in rungs.iter().enumerate() {
        let last = r + 1 == rungs.len();
        let todo: Vec<usize> = alive
            .iter()
            .copied()
            .filter(|&i| !standing[i].reached(rung))
            .collect();
        let starts: Vec<Standing> = todo.iter().map(|&i| standing[i].clone()).collect();
        let job = |j: usize| -> Result<Job, SweepError> {
            let (i, slot) = (todo[j], base + todo[j]);
            let (config, key) = (&group.trials[i], &keys[i]);
            let path = checkpoint_path(dir, key);
            let snapshot = match &starts[j] {
                Standing::Paused(..) => Some(Checkpoint::load(&path)?.snapshot),
                _ => None,
            };
            let steps_done = snapshot
                .as_ref()
                .map_or(0, |s| (s.history.len() * config.data.train_samples) as u64);
            (sweep.events)(SweepEvent::Started {
                slot,
                config,
                steps_done,
            });
            let mut session = sweep.session(config, snapshot)?;
            match session.run_to(rung, !last, &mut sweep.worker(slot)) {
                Ok(()) => {}
                Err(EngineError::Interrupted) => return Ok(Job::Interrupted),
                Err(e) => return Err(e.into()),
            }
            if last {
                sweep.finish(slot, session)?;
                remove(&path)?;
            } else {
                let checkpoint = Checkpoint {
                    key: key.clone(),
                    report: session.report(),
                    snapshot: session.snapshot(),
                };
                checkpoint.save(&path)?;
                (sweep.events)(SweepEvent::Paused { slot, epoch: rung });
            }
            Ok(Job::Done)
        };
        let ran = sweep.each(todo.len(), &job)?;
        if last {
            outcome.finished += ran;
        }
        if ran < todo.len() {
            return Ok(outcome);
        }
        if last {
            break;
        }
        // Every trial alive here has reached the rung: read back how each stands.
        for &i in &todo {
            let c = Checkpoint::load(&checkpoint_path(dir, &keys[i]))?;
            standing[i] = Standing::Paused(rung, c.report.history);
        }
        let mut figures = Vec::with_capacity(alive.len());
        for &i in &alive {
            let (error_pct, loss) = judged_at(standing[i].history(), rung, &keys[i])?;
            figures.push(RankKey {
                error_pct,
                loss,
                key: &keys[i],
            });
        }
        let ranked: Vec<usize> = rank(&figures).into_iter().map(|j| alive[j]).collect();
        let kept = group.halving.kept(alive.len());
        for &i in &ranked[kept..] {
            match &standing[i] {
                Standing::Stopped(e, _) if *e == rung => {}
                Standing::Paused(e, _) if *e == rung => {
                    let path = checkpoint_path(dir, &keys[i]);
                    let c = Checkpoint::load(&path)?;
                    // A stopped trial's model too: a committee may want it.
                    if let Some(models) = &sweep.options.save_models {
                        let session = sweep.session(&group.trials[i], Some(c.snapshot.clone()))?;
                        let net = session.into_network();
                        save_model(models, &keys[i], sweep.data, &c.report, net)?;
                    }
                    sweep.append(base + i, keys[i].clone(), c.report, Some(rung))?;
                    remove(&path)?;
                    standing[i] = Standing::Stopped(rung, c.snapshot.history);
                    outcome.finished += 1;
                }
                _ => {
                    return Err(SweepError::Inconsistent {
                        problem: format!(
                        "successive halving stops {} at epoch {rung}, but its results say it went on",
                        keys[i]
                    ),
                    })
                }
            }
        }
        (sweep.events)(SweepEvent::Judged {
            epoch: rung,
            kept,
            stopped: alive.len() - kept,
        });
        let mut next: Vec<usize> = ranked[..kept].to_vec();
        // A trial kept here may have been stopped at a later rung by an
        // earlier run of this sweep (a resume replays every rung); only a
        // stop at this rung or before contradicts the ranking.
        if let Some(&i) = next
            .iter()
            .find(|&&i| matches!(standing[i], Standing::Stopped(e, _) if e <= rung))
        {
            return Err(SweepError::Inconsistent {
                problem: format!(
                    "successive halving keeps {} at epoch {rung}, but its results say it stopped",
                    keys[i]
                ),
            });
        }
        next.sort_unstable();
        alive = next;
    }
    outcome.complete = true;
    let epochs = group.epochs();
    for (s, c) in standing.iter().zip(&group.trials) {
        if let Standing::Stopped(e, _) = s {
            outcome.steps_saved += ((epochs - e) * c.data.train_samples) as u64;
        }
    }
    Ok(outcome)
}
