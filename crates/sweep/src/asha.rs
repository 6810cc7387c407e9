//! Asynchronous successive halving (ASHA, Li et al., MLSys 2020) run by any
//! number of workers that coordinate only through files in one folder.
//!
//! A worker that is free looks, in this order, for work a dead worker left
//! (assigned, not done, its lock stale), for a trial waiting at a rung
//! that is in the best `1 / reduction` of the trials that rung has
//! completed so far (a promotion), and for the next trial not yet started.
//! Each piece of work is assigned by creating its file exclusively, so two
//! workers never take the same; the worker holds its lock file (a
//! heartbeat, [`crate::lock`]) while it works, and a lock gone stale hands
//! the work to another worker, which goes on from the trial's last rung.
//! When every trial has started, nothing runs and nothing can be promoted,
//! each trial waiting at a rung ends there. Which trial is promoted depends
//! on what had finished when a worker looked: the outcome depends on
//! timing, and every promotion is kept with the figures it was based on.

use crate::lock::{FileLock, LockTiming};
use crate::rank::{rank, RankKey};
use crate::SweepError;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a trial scored when it reached a rung.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RungScore {
    /// Validation error, percent.
    pub error_pct: f64,
    /// Validation loss.
    pub loss: f64,
}

/// Runs the trials of one search; workers call it from many threads and processes.
pub trait TrialRunner: Sync {
    /// Each trial's key (its identity in records and files), in plan order.
    fn keys(&self) -> &[String];
    /// Trains trial `trial` to `epoch`, from its last checkpoint when it has
    /// one, leaving a checkpoint at `epoch` (or, at the last rung, its
    /// finished record); returns its figures at `epoch`.
    fn run_to(&self, trial: usize, epoch: usize) -> Result<RungScore, SweepError>;
    /// Writes the final record of a trial stopped at `epoch` from its
    /// checkpoint there, unless its final record is already written.
    fn stop_at(&self, trial: usize, epoch: usize) -> Result<(), SweepError>;
    /// True when the worker should leave (the sweep was asked to stop).
    fn stopping(&self) -> bool {
        false
    }
}

/// The board's rungs and trials, written when it is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardShape {
    /// Epochs of each rung, the last every trial's end.
    pub rungs: Vec<usize>,
    /// The best `1 / reduction` of a rung go on.
    pub reduction: usize,
    /// Trials in all.
    pub trials: usize,
}

/// Where a board stands, for `mlp sweep --status`.
#[derive(Debug, Clone, PartialEq)]
pub struct BoardStatus {
    /// The board's shape.
    pub shape: BoardShape,
    /// Per rung: trials that reached it, trials training towards it now,
    /// trials waiting at it (reached, not yet promoted or stopped), and
    /// trials stopped at it.
    pub rungs: Vec<RungStatus>,
    /// Trials not started yet.
    pub not_started: usize,
    /// Trials ended (finished or stopped).
    pub ended: usize,
    /// The live workers holding work: `host:pid` and seconds since their heartbeat.
    pub workers: Vec<(String, f64)>,
    /// Work whose lock is stale (its worker stopped): taken over by the next free worker.
    pub stale: usize,
    /// Work taken over so far, each from whom.
    pub taken_over: Vec<String>,
}

/// One rung's trials.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RungStatus {
    /// The rung's epochs.
    pub epoch: usize,
    /// Trials that reached it.
    pub reached: usize,
    /// Trials training towards it now.
    pub running: usize,
    /// Trials waiting at it.
    pub waiting: usize,
    /// Trials stopped at it.
    pub stopped: usize,
}

/// A promotion and what it was based on, kept for the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Promotion {
    /// The trial promoted.
    pub key: String,
    /// The epoch of the rung it was promoted from.
    pub from_epoch: usize,
    /// Its place among the rung's completed trials, from 1.
    pub place: usize,
    /// How many trials had completed the rung then.
    pub completed: usize,
    /// How many of them could go on (`completed / reduction`).
    pub kept: usize,
    /// Its figures at the rung.
    pub score: RungScore,
    /// Host and process of the worker that decided it.
    pub worker: String,
}

/// One worker's view of the folder and its timing.
pub struct Board<'r> {
    dir: PathBuf,
    /// Outcomes read so far: a done file never changes, so each is read once.
    known: std::sync::Mutex<BTreeMap<Work, Outcome>>,
    rungs: Vec<usize>,
    reduction: usize,
    timing: LockTiming,
    poll: Duration,
    runner: &'r dyn TrialRunner,
}

/// What a worker did, for its summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerSummary {
    /// Pieces of work run to their end (rungs reached, trials stopped).
    pub done: usize,
    /// Of those, work that a stopped worker had left.
    pub taken_over: usize,
    /// Polls that found no work yet.
    pub waits: usize,
    /// True when it left because the sweep was asked to stop.
    pub interrupted: bool,
}

/// A piece of work: trial `trial` from the rung before `rung` (index) on
/// to `rung`, or ended at the rung before (a stop). Either is decided by
/// creating this slot's file, so a trial is promoted or stopped, never both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Work {
    rung: usize,
    trial: usize,
}

impl Work {
    fn name(self) -> String {
        format!("r{}-t{}", self.rung, self.trial)
    }
}

/// What a piece of work came to.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Outcome {
    /// The trial reached the rung with these figures.
    Reached(RungScore),
    /// The trial ended at the epoch of the rung before.
    Stopped(usize),
}

/// What a slot's file says was decided.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Decision {
    /// The trial's first rung.
    Start,
    /// The trial goes on, as this promotion says.
    Promote(Promotion),
    /// The trial ends at the rung before.
    Stop,
}

/// What the folder says, read in one pass.
#[derive(Default)]
struct State {
    /// Slots decided (their files exist).
    assigned: BTreeSet<Work>,
    /// Slots whose lock file exists.
    locked: BTreeSet<Work>,
    /// Slots done, with what they came to.
    done: BTreeMap<Work, Outcome>,
}

impl State {
    /// Each trial that completed rung `rung` and its figures there.
    fn scores(&self, rung: usize) -> Vec<(usize, RungScore)> {
        self.done
            .iter()
            .filter_map(|(w, o)| match o {
                Outcome::Reached(s) if w.rung == rung => Some((w.trial, *s)),
                _ => None,
            })
            .collect()
    }

    /// The last rung trial `trial` reached, and whether it has ended.
    fn standing(&self, trial: usize, rungs: usize) -> (Option<usize>, bool) {
        let mut reached = None;
        for rung in 0..rungs {
            match self.done.get(&Work { rung, trial }) {
                Some(Outcome::Reached(_)) => reached = Some(rung),
                Some(Outcome::Stopped(_)) => return (reached, true),
                None => break,
            }
        }
        (reached, reached == Some(rungs - 1))
    }
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> SweepError + '_ {
    move |source| SweepError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Writes `text` to `path` whole, or finds `path` there (false): a
/// complete temporary file hard-linked into place, atomic on NFS too.
fn create_exclusive(path: &Path, text: &str) -> Result<bool, SweepError> {
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let tmp = path.with_file_name(format!(
        "{}.{}-{}-{}.tmp",
        path.file_name()
            .map_or("work".into(), |n| n.to_string_lossy()),
        crate::lock::host_name(),
        std::process::id(),
        COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    ));
    fs::write(&tmp, text).map_err(io(&tmp))?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(io(path)(e)),
    }
}

impl<'r> Board<'r> {
    /// The board of the search in `dir` with trials judged at `rungs` (epochs,
    /// the last every trial's end), keeping the best `1 / reduction`.
    pub fn new(
        dir: &Path,
        rungs: Vec<usize>,
        reduction: usize,
        timing: LockTiming,
        runner: &'r dyn TrialRunner,
    ) -> Result<Board<'r>, SweepError> {
        for sub in ["assigned", "done", "taken"] {
            fs::create_dir_all(dir.join(sub)).map_err(io(dir))?;
        }
        // What --status needs to read the board without the sweep file.
        let shape = BoardShape {
            rungs: rungs.clone(),
            reduction,
            trials: runner.keys().len(),
        };
        let path = dir.join("board.json");
        if !path.exists() {
            let text = serde_json::to_string(&shape).unwrap_or_default();
            mlp_engine::files::write_atomic(&path, text.as_bytes())?;
        }
        Ok(Board {
            dir: dir.to_path_buf(),
            known: std::sync::Mutex::new(BTreeMap::new()),
            rungs,
            reduction: reduction.max(2),
            timing,
            poll: (timing.beat / 2).max(Duration::from_millis(5)),
            runner,
        })
    }

    fn assigned_path(&self, w: Work) -> PathBuf {
        self.dir.join("assigned").join(w.name())
    }

    fn lock_path(&self, w: Work) -> PathBuf {
        self.dir.join("assigned").join(format!("{}.lock", w.name()))
    }

    fn done_path(&self, w: Work) -> PathBuf {
        self.dir.join("done").join(format!("{}.json", w.name()))
    }

    fn parse(name: &str) -> Option<Work> {
        let (r, t) = name.strip_prefix('r')?.split_once("-t")?;
        Some(Work {
            rung: r.parse().ok()?,
            trial: t.parse().ok()?,
        })
    }

    fn scan(&self) -> Result<State, SweepError> {
        let mut known = self.known.lock().unwrap_or_else(|e| e.into_inner());
        scan_with(&self.dir, &mut known)
    }

    /// The promotion a free worker may make now: the best trial of the
    /// highest rung that is in the top `completed / reduction` of it and not yet promoted.
    fn promotion(&self, state: &State) -> Option<Promotion> {
        let keys = self.runner.keys();
        for rung in (0..self.rungs.len().saturating_sub(1)).rev() {
            let completed = state.scores(rung);
            let kept = completed.len() / self.reduction;
            let ranks: Vec<RankKey<'_>> = completed
                .iter()
                .map(|(t, s)| RankKey {
                    error_pct: s.error_pct,
                    loss: s.loss,
                    key: &keys[*t],
                })
                .collect();
            for (place, &i) in rank(&ranks).iter().take(kept).enumerate() {
                let (trial, score) = completed[i];
                if !state.assigned.contains(&Work {
                    rung: rung + 1,
                    trial,
                }) {
                    return Some(Promotion {
                        key: keys[trial].clone(),
                        from_epoch: self.rungs[rung],
                        place: place + 1,
                        completed: completed.len(),
                        kept,
                        score,
                        worker: format!("{}:{}", crate::lock::host_name(), std::process::id()),
                    });
                }
            }
        }
        None
    }

    /// Runs work until the search has ended: every trial finished or stopped at a rung.
    pub fn work(&self) -> Result<WorkerSummary, SweepError> {
        let mut summary = WorkerSummary::default();
        let (trials, rungs) = (self.runner.keys().len(), self.rungs.len());
        loop {
            if self.runner.stopping() {
                summary.interrupted = true;
                return Ok(summary);
            }
            let state = self.scan()?;
            let standing: Vec<(Option<usize>, bool)> =
                (0..trials).map(|t| state.standing(t, rungs)).collect();
            if standing.iter().all(|&(_, ended)| ended) {
                return Ok(summary);
            }
            // Work a stopped worker left; a live lock is work running.
            let mut running = false;
            let mut took = false;
            let here = crate::lock::host_name();
            for &w in state.assigned.union(&state.locked) {
                // A live lock is read, not written to: taking is tried only when it is stale or gone.
                let holder = match state.locked.contains(&w) {
                    true => crate::lock::holder_of(&self.lock_path(w))?,
                    false => None,
                };
                if holder
                    .as_ref()
                    .is_some_and(|h| !h.is_stale(&self.timing, &here))
                {
                    running |= !state.done.contains_key(&w);
                    continue;
                }
                if state.done.contains_key(&w) {
                    if holder.is_some() {
                        // Done by a worker that stopped before letting go: its lock goes now.
                        drop(FileLock::try_take(&self.lock_path(w), self.timing)?);
                    }
                    continue;
                }
                match FileLock::try_take(&self.lock_path(w), self.timing)? {
                    Ok(lock) if state.assigned.contains(&w) => {
                        // Kept for --status: whose work was taken over.
                        let from =
                            holder.map_or("a worker that left no lock".into(), |h| h.to_string());
                        let mark = self.dir.join("taken").join(format!(
                            "{}.{}-{}-{}",
                            w.name(),
                            crate::lock::host_name(),
                            std::process::id(),
                            summary.taken_over
                        ));
                        mlp_engine::files::write_atomic(&mark, from.as_bytes())?;
                        if self.run(w, lock)? {
                            summary.done += 1;
                            summary.taken_over += 1;
                        }
                        took = true;
                        break;
                    }
                    // A lock its worker left before deciding anything: gone with `lock`.
                    Ok(_) => {}
                    Err(_) => running = true,
                }
            }
            if took {
                continue;
            }
            if let Some(p) = self.promotion(&state) {
                let trial = self
                    .runner
                    .keys()
                    .iter()
                    .position(|k| *k == p.key)
                    .unwrap_or(0);
                let rung = self
                    .rungs
                    .iter()
                    .position(|&e| e == p.from_epoch)
                    .unwrap_or(0)
                    + 1;
                self.decide(Work { rung, trial }, &Decision::Promote(p), &mut summary)?;
                continue;
            }
            if let Some(trial) =
                (0..trials).find(|&t| !state.assigned.contains(&Work { rung: 0, trial: t }))
            {
                self.decide(Work { rung: 0, trial }, &Decision::Start, &mut summary)?;
                continue;
            }
            if !running {
                // Nothing runs and nothing can go on: each waiting trial ends where it is.
                let waiting = (0..trials).find_map(|t| match standing[t] {
                    (Some(r), false) => Some(Work {
                        rung: r + 1,
                        trial: t,
                    }),
                    _ => None,
                });
                if let Some(w) = waiting {
                    self.decide(w, &Decision::Stop, &mut summary)?;
                    continue;
                }
            }
            summary.waits += 1;
            std::thread::sleep(self.poll);
        }
    }

    /// Decides slot `w` (its file created exclusively) and does it; nothing
    /// when another worker decided it first.
    fn decide(
        &self,
        w: Work,
        decision: &Decision,
        summary: &mut WorkerSummary,
    ) -> Result<(), SweepError> {
        // The lock first: a decided slot without a live lock reads as left by a dead worker.
        let lock = match FileLock::try_take(&self.lock_path(w), self.timing)? {
            Ok(lock) => lock,
            Err(_) => return Ok(()),
        };
        let text = serde_json::to_string(decision).unwrap_or_default();
        if create_exclusive(&self.assigned_path(w), &text)? && self.run(w, lock)? {
            summary.done += 1;
        }
        Ok(())
    }

    /// Does slot `w` under `lock`, as its file decided, then marks it done;
    /// false when it was done already or its lock was lost meanwhile.
    fn run(&self, w: Work, lock: FileLock) -> Result<bool, SweepError> {
        if self.done_path(w).exists() {
            return Ok(false);
        }
        let path = self.assigned_path(w);
        let text = fs::read_to_string(&path).map_err(io(&path))?;
        let decision: Decision = serde_json::from_str(&text).map_err(|e| SweepError::Format {
            path: path.clone(),
            problem: e.to_string(),
        })?;
        let outcome = match decision {
            Decision::Stop => {
                let epoch = self.rungs[w.rung - 1];
                self.runner.stop_at(w.trial, epoch)?;
                Outcome::Stopped(epoch)
            }
            Decision::Start | Decision::Promote(_) => {
                Outcome::Reached(self.runner.run_to(w.trial, self.rungs[w.rung])?)
            }
        };
        if lock.lost() {
            // Taken over while this worker stalled: the new owner does it.
            return Ok(false);
        }
        let text = serde_json::to_string(&outcome).unwrap_or_default();
        mlp_engine::files::write_atomic(&self.done_path(w), text.as_bytes())?;
        drop(lock);
        Ok(true)
    }

    /// Every promotion made so far, with its figures.
    pub fn promotions(&self) -> Result<Vec<Promotion>, SweepError> {
        promotions_in(&self.dir)
    }
}

/// What the board in `dir` says, read in one pass.
fn scan_dir(dir: &Path) -> Result<State, SweepError> {
    scan_with(dir, &mut BTreeMap::new())
}

/// What the board in `dir` says, with the outcomes already `known` not read again.
fn scan_with(dir: &Path, known: &mut BTreeMap<Work, Outcome>) -> Result<State, SweepError> {
    let mut state = State::default();
    let assigned = dir.join("assigned");
    for entry in fs::read_dir(&assigned).map_err(io(&assigned))? {
        let name = entry.map_err(io(&assigned))?.file_name();
        let name = name.to_string_lossy();
        if let Some(w) = name.strip_suffix(".lock").and_then(Board::parse) {
            state.locked.insert(w);
        } else if let Some(w) = Board::parse(&name) {
            state.assigned.insert(w);
        }
    }
    let done = dir.join("done");
    for entry in fs::read_dir(&done).map_err(io(&done))? {
        let path = entry.map_err(io(&done))?.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        let Some(w) = name.strip_suffix(".json").and_then(Board::parse) else {
            continue;
        };
        if let Some(&outcome) = known.get(&w) {
            state.done.insert(w, outcome);
            continue;
        }
        let text = fs::read_to_string(&path).map_err(io(&path))?;
        let outcome: Outcome = serde_json::from_str(&text).map_err(|e| SweepError::Format {
            path: path.clone(),
            problem: e.to_string(),
        })?;
        known.insert(w, outcome);
        state.done.insert(w, outcome);
    }
    Ok(state)
}

/// Where the board in `dir` stands, read from its files alone; `None` when there is none.
pub fn status(dir: &Path, timing: LockTiming) -> Result<Option<BoardStatus>, SweepError> {
    let path = dir.join("board.json");
    let text = match fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(&path)(e)),
    };
    let shape: BoardShape = serde_json::from_str(&text).map_err(|e| SweepError::Format {
        path: path.clone(),
        problem: e.to_string(),
    })?;
    let state = scan_dir(dir)?;
    let n = shape.rungs.len();
    let mut rungs: Vec<RungStatus> = shape
        .rungs
        .iter()
        .map(|&epoch| RungStatus {
            epoch,
            ..RungStatus::default()
        })
        .collect();
    let (mut not_started, mut ended) = (0, 0);
    for t in 0..shape.trials {
        let (reached, over) = state.standing(t, n);
        if let Some(r) = reached {
            for rung in rungs.iter_mut().take(r + 1) {
                rung.reached += 1;
            }
        }
        if over {
            ended += 1;
            if let Some(r) = reached.filter(|&r| r + 1 < n) {
                rungs[r].stopped += 1;
            }
            continue;
        }
        let next = reached.map_or(0, |r| r + 1);
        match (
            reached,
            state.assigned.contains(&Work {
                rung: next,
                trial: t,
            }),
        ) {
            (_, true) => rungs[next].running += 1,
            (Some(r), false) => rungs[r].waiting += 1,
            (None, false) => not_started += 1,
        }
    }
    let here = crate::lock::host_name();
    let (mut workers, mut stale) = (BTreeMap::new(), 0);
    for &w in &state.locked {
        if state.done.contains_key(&w) {
            continue;
        }
        if let Some(h) =
            crate::lock::holder_of(&dir.join("assigned").join(format!("{}.lock", w.name())))?
        {
            if h.is_stale(&timing, &here) {
                stale += 1;
            } else {
                let idle: &mut f64 = workers
                    .entry(format!("{}:{}", h.host, h.pid))
                    .or_insert(f64::MAX);
                *idle = idle.min(h.idle_secs);
            }
        }
    }
    let taken_dir = dir.join("taken");
    let mut taken_over = Vec::new();
    if let Ok(entries) = fs::read_dir(&taken_dir) {
        for e in entries.flatten() {
            taken_over.push(fs::read_to_string(e.path()).unwrap_or_default());
        }
    }
    taken_over.sort();
    Ok(Some(BoardStatus {
        shape,
        rungs,
        not_started,
        ended,
        workers: workers.into_iter().collect(),
        stale,
        taken_over,
    }))
}

/// Every promotion of the board in `dir` (none when it has no board), by rung, then key.
pub fn promotions_in(dir: &Path) -> Result<Vec<Promotion>, SweepError> {
    let mut out = Vec::new();
    let dir = dir.join("assigned");
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io(&dir)(e)),
    };
    for entry in entries {
        let path = entry.map_err(io(&dir))?.path();
        let name = path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .to_string();
        if Board::parse(&name).is_some() {
            let text = fs::read_to_string(&path).map_err(io(&path))?;
            if let Ok(Decision::Promote(p)) = serde_json::from_str(&text) {
                out.push(p);
            }
        }
    }
    out.sort_by(|a, b| (a.from_epoch, &a.key).cmp(&(b.from_epoch, &b.key)));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;

    /// Trials with synthetic learning curves: trial `t`'s error falls with
    /// epochs towards a floor of its own. Calls numbered in `crash_at`
    /// panic half way, as a worker killed mid-work.
    struct Synthetic {
        keys: Vec<String>,
        floors: Vec<f64>,
        last: usize,
        reached: Mutex<HashMap<usize, usize>>,
        records: Mutex<Vec<(usize, usize, bool)>>,
        steps: AtomicUsize,
        calls: AtomicUsize,
        crash_at: Vec<usize>,
    }

    impl Synthetic {
        fn new(trials: usize, last: usize, crash_at: Vec<usize>) -> Synthetic {
            Synthetic {
                keys: (0..trials).map(|t| format!("trial-{t:03}")).collect(),
                floors: (0..trials).map(|t| ((t * 37) % trials) as f64).collect(),
                last,
                reached: Mutex::new(HashMap::new()),
                records: Mutex::new(Vec::new()),
                steps: AtomicUsize::new(0),
                calls: AtomicUsize::new(0),
                crash_at,
            }
        }

        fn error(&self, trial: usize, epoch: usize) -> f64 {
            self.floors[trial] + 100.0 / epoch as f64
        }
    }

    impl TrialRunner for Synthetic {
        fn keys(&self) -> &[String] {
            &self.keys
        }

        fn run_to(&self, trial: usize, epoch: usize) -> Result<RungScore, SweepError> {
            let from = self
                .reached
                .lock()
                .unwrap()
                .get(&trial)
                .copied()
                .unwrap_or(0);
            let call = self.calls.fetch_add(1, Ordering::SeqCst);
            self.steps.fetch_add(epoch - from, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis((epoch - from) as u64));
            if self.crash_at.contains(&call) {
                panic!("worker killed in call {call}");
            }
            self.reached.lock().unwrap().insert(trial, epoch);
            if epoch == self.last {
                let mut records = self.records.lock().unwrap();
                if !records.iter().any(|r| r.0 == trial) {
                    records.push((trial, epoch, false));
                }
            }
            Ok(RungScore {
                error_pct: self.error(trial, epoch),
                loss: 0.0,
            })
        }

        fn stop_at(&self, trial: usize, epoch: usize) -> Result<(), SweepError> {
            let mut records = self.records.lock().unwrap();
            if !records.iter().any(|r| r.0 == trial) {
                records.push((trial, epoch, true));
            }
            Ok(())
        }
    }

    /// The records, after checking that each of `trials` trials has exactly one.
    fn ended_once(runner: &Synthetic, trials: usize) -> Vec<(usize, usize, bool)> {
        let records = runner.records.lock().unwrap().clone();
        let mut ended: Vec<usize> = records.iter().map(|r| r.0).collect();
        ended.sort_unstable();
        assert_eq!(
            ended,
            (0..trials).collect::<Vec<_>>(),
            "each trial ends exactly once"
        );
        records
    }

    fn timing() -> LockTiming {
        LockTiming {
            grace: Duration::from_millis(300),
            beat: Duration::from_millis(40),
        }
    }

    /// Runs `workers` threads on one board; a worker that panics is replaced
    /// by nothing (its work is left to the others). Returns the deaths.
    fn run(dir: &Path, runner: &Synthetic, workers: usize) -> usize {
        let rungs = vec![1, 3, 9];
        let deaths = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| {
                    let board = Board::new(dir, rungs.clone(), 3, timing(), runner).unwrap();
                    let outcome =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| board.work()));
                    match outcome {
                        Ok(r) => {
                            r.unwrap();
                        }
                        Err(_) => {
                            deaths.fetch_add(1, Ordering::SeqCst);
                        }
                    }
                });
            }
        });
        deaths.into_inner()
    }

    #[test]
    fn every_trial_ends_once_and_promotions_keep_the_best_third() {
        let dir = tempfile::tempdir().unwrap();
        let runner = Synthetic::new(27, 9, vec![]);
        assert_eq!(run(dir.path(), &runner, 4), 0);
        let records = ended_once(&runner, 27);
        let finished: Vec<usize> = records.iter().filter(|r| !r.2).map(|r| r.0).collect();
        assert!(!finished.is_empty() && finished.len() <= 9, "{finished:?}");
        // The best trial (floor 0) always goes to the end.
        assert!(finished.contains(&0));
        let steps = runner.steps.load(Ordering::SeqCst);
        assert!(steps * 2 < 27 * 9, "{steps} steps of {}", 27 * 9);
        let board = Board::new(dir.path(), vec![1, 3, 9], 3, timing(), &runner).unwrap();
        let promotions = board.promotions().unwrap();
        assert!(!promotions.is_empty());
        for p in &promotions {
            assert!(p.place <= p.kept && p.kept == p.completed / 3, "{p:?}");
        }
        let leftovers: Vec<String> = fs::read_dir(dir.path().join("assigned"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
            .filter(|n| Board::parse(n).is_none())
            .collect();
        assert!(
            leftovers.is_empty(),
            "claims or temporary files left: {leftovers:?}"
        );
    }

    #[test]
    fn work_left_by_killed_workers_is_taken_over_from_the_last_rung() {
        let dir = tempfile::tempdir().unwrap();
        let runner = Synthetic::new(27, 9, vec![3, 11, 20]);
        let deaths = run(dir.path(), &runner, 6);
        assert_eq!(deaths, 3);
        let records = ended_once(&runner, 27);
        assert!(records.iter().any(|r| r.0 == 0 && !r.2));
    }

    #[test]
    fn one_worker_decides_the_same_way_every_time() {
        let outcome = || {
            let dir = tempfile::tempdir().unwrap();
            let runner = Synthetic::new(20, 9, vec![]);
            run(dir.path(), &runner, 1);
            let mut records = runner.records.lock().unwrap().clone();
            records.sort_unstable();
            records
        };
        assert_eq!(outcome(), outcome());
    }
}
