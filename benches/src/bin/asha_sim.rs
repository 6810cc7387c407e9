//! Asynchronous halving at cluster scale on one machine: the real
//! coordination code (`mlp_sweep::asha::Board`) driven by worker processes
//! whose trials are synthetic learning curves and whose steps sleep; a share
//! of the workers is killed (SIGKILL) at random moments. It measures the
//! decisions per second the filesystem sustains and the time workers wait
//! for work, and checks that no work is lost or done twice.
//!
//! `cargo run --release -p mlp-benches --bin asha-sim -- --trials 1000 --workers 100 --kill 10`

use mlp_sweep::asha::{Board, RungScore, TrialRunner};
use mlp_sweep::lock::LockTiming;
use mlp_sweep::SweepError;
use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// What a run is asked for.
struct Options {
    trials: usize,
    workers: usize,
    kill: usize,
    epoch_ms: u64,
    grace_ms: u64,
    out: PathBuf,
}

fn parse() -> Result<(Options, Option<PathBuf>), String> {
    let mut o = Options {
        trials: 1000,
        workers: 100,
        kill: 10,
        epoch_ms: 20,
        grace_ms: 2000,
        out: std::env::temp_dir().join(format!("asha-sim-{}", std::process::id())),
    };
    let mut worker = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
        let number = |name: &str, v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("invalid {name}: '{v}' is not a whole number"))
        };
        match a.as_str() {
            "--trials" => o.trials = number("--trials", value("--trials")?)? as usize,
            "--workers" => o.workers = number("--workers", value("--workers")?)? as usize,
            "--kill" => o.kill = number("--kill", value("--kill")?)? as usize,
            "--epoch-ms" => o.epoch_ms = number("--epoch-ms", value("--epoch-ms")?)?,
            "--grace-ms" => o.grace_ms = number("--grace-ms", value("--grace-ms")?)?,
            "--out" => o.out = PathBuf::from(value("--out")?),
            "--worker" => worker = Some(PathBuf::from(value("--worker")?)),
            other => return Err(format!("unknown argument {other}; see the file's header")),
        }
    }
    if o.trials == 0 || o.workers == 0 || o.kill > o.workers {
        return Err(
            "give --trials and --workers of at least 1, and --kill at most --workers".into(),
        );
    }
    Ok((o, worker))
}

/// Trial `t`'s error at `epoch`: a floor of its own, approached as epochs grow.
fn error(trials: usize, t: usize, epoch: usize) -> f64 {
    let floor = ((t * 7919) % trials) as f64 / trials as f64 * 10.0;
    floor + 50.0 / epoch as f64
}

/// Synthetic trials whose state lives in files, as a checkpoint would.
struct Synthetic {
    dir: PathBuf,
    keys: Vec<String>,
    last: usize,
    epoch_ms: u64,
    log: std::sync::Mutex<fs::File>,
}

impl Synthetic {
    fn reached(&self, t: usize) -> usize {
        fs::read_to_string(self.dir.join("trials").join(t.to_string()))
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(0)
    }

    fn has_record(&self, t: usize) -> bool {
        let Ok(entries) = fs::read_dir(self.dir.join("records")) else {
            return false;
        };
        entries.flatten().any(|e| {
            fs::read_to_string(e.path()).is_ok_and(|text| {
                text.lines()
                    .any(|l| l.split_whitespace().next() == Some(&t.to_string()))
            })
        })
    }

    fn record(&self, line: String) {
        let mut f = self.log.lock().unwrap();
        let _ = writeln!(f, "{line}");
        let _ = f.sync_data();
    }
}

impl TrialRunner for Synthetic {
    fn keys(&self) -> &[String] {
        &self.keys
    }

    fn run_to(&self, trial: usize, epoch: usize) -> Result<RungScore, SweepError> {
        let from = self.reached(trial);
        std::thread::sleep(Duration::from_millis(self.epoch_ms * (epoch - from) as u64));
        let path = self.dir.join("trials").join(trial.to_string());
        fs::write(&path, epoch.to_string()).map_err(|source| SweepError::Io { path, source })?;
        // Every piece of training, so that work done twice shows.
        let runs = self
            .dir
            .join("runs")
            .join(format!("{}.log", std::process::id()));
        let mut f = fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&runs)
            .map_err(|source| SweepError::Io { path: runs, source })?;
        let _ = writeln!(f, "{trial} {from} {epoch}");
        if epoch == self.last && !self.has_record(trial) {
            self.record(format!("{trial} {epoch} finished"));
        }
        Ok(RungScore {
            error_pct: error(self.keys.len(), trial, epoch),
            loss: 0.0,
        })
    }

    fn stop_at(&self, trial: usize, epoch: usize) -> Result<(), SweepError> {
        if !self.has_record(trial) {
            self.record(format!("{trial} {epoch} stopped"));
        }
        Ok(())
    }
}

const RUNGS: [usize; 3] = [1, 3, 9];

fn timing(grace_ms: u64) -> LockTiming {
    LockTiming::with_grace(Duration::from_millis(grace_ms))
}

/// One worker process: joins the board and works until the search has ended.
fn work(o: &Options, dir: &Path) -> Result<(), String> {
    let log = dir
        .join("records")
        .join(format!("{}.log", std::process::id()));
    let runner = Synthetic {
        dir: dir.to_path_buf(),
        keys: (0..o.trials).map(|t| format!("trial-{t:04}")).collect(),
        last: RUNGS[2],
        epoch_ms: o.epoch_ms,
        log: std::sync::Mutex::new(
            fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&log)
                .map_err(|e| format!("{}: {e}", log.display()))?,
        ),
    };
    let started = Instant::now();
    let board = Board::new(
        &dir.join("board"),
        RUNGS.to_vec(),
        3,
        timing(o.grace_ms),
        &runner,
    )
    .map_err(|e| e.to_string())?;
    let s = board.work().map_err(|e| e.to_string())?;
    let stats = dir.join("stats").join(std::process::id().to_string());
    fs::write(
        &stats,
        format!(
            "{} {} {} {:.3}",
            s.done,
            s.taken_over,
            s.waits,
            started.elapsed().as_secs_f64()
        ),
    )
    .map_err(|e| format!("{}: {e}", stats.display()))
}

fn main() {
    let (o, worker) = match parse() {
        Ok(x) => x,
        Err(e) => {
            eprintln!("asha-sim: {e}");
            std::process::exit(2);
        }
    };
    if let Some(dir) = worker {
        if let Err(e) = work(&o, &dir) {
            eprintln!("asha-sim worker: {e}");
            std::process::exit(1);
        }
        return;
    }
    if let Err(e) = drive(&o) {
        eprintln!("asha-sim: {e}");
        std::process::exit(1);
    }
}

/// Starts the workers, kills some, waits, and checks and measures the outcome.
fn drive(o: &Options) -> Result<(), String> {
    let dir = &o.out;
    let _ = fs::remove_dir_all(dir);
    for sub in ["trials", "records", "runs", "stats"] {
        fs::create_dir_all(dir.join(sub)).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let started = Instant::now();
    let spawn = || -> Result<Child, String> {
        Command::new(&exe)
            .args(["--trials", &o.trials.to_string()])
            .args(["--epoch-ms", &o.epoch_ms.to_string()])
            .args(["--grace-ms", &o.grace_ms.to_string()])
            .arg("--worker")
            .arg(dir)
            .spawn()
            .map_err(|e| format!("cannot start a worker: {e}"))
    };
    let mut children: Vec<Child> = (0..o.workers).map(|_| spawn()).collect::<Result<_, _>>()?;
    // Kill `kill` workers while they hold work, at moments spread over the
    // run: each time the decisions made pass another share of those expected.
    let assigned = dir.join("board").join("assigned");
    let expected_decisions = o.trials * 2;
    let mut killed = 0;
    while killed < o.kill && !children.is_empty() {
        let made = fs::read_dir(&assigned).map_or(0, |d| {
            d.flatten()
                .filter(|e| !e.file_name().to_string_lossy().contains('.'))
                .count()
        });
        if made < expected_decisions * (killed + 1) / (o.kill + 1) {
            // Looked at seldom: the driver's own reads must not slow the workers.
            std::thread::sleep(Duration::from_millis(250));
            continue;
        }
        let holders: Vec<u32> = fs::read_dir(&assigned)
            .map(|d| {
                d.flatten()
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".lock"))
                    .filter_map(|e| fs::read_to_string(e.path()).ok())
                    .filter_map(|t| t.lines().find_map(|l| l.strip_prefix("pid=")?.parse().ok()))
                    .collect()
            })
            .unwrap_or_default();
        let Some(i) = children.iter().position(|c| holders.contains(&c.id())) else {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        let mut child = children.swap_remove(i);
        let _ = child.kill();
        let _ = child.wait();
        killed += 1;
    }
    for mut c in children {
        let status = c.wait().map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("a worker failed: {status}"));
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    check_and_report(o, dir, killed, elapsed)
}

fn check_and_report(o: &Options, dir: &Path, killed: usize, elapsed: f64) -> Result<(), String> {
    // Every trial ends exactly once.
    let mut ends: BTreeMap<usize, usize> = BTreeMap::new();
    for e in fs::read_dir(dir.join("records"))
        .map_err(|e| e.to_string())?
        .flatten()
    {
        for line in fs::read_to_string(e.path()).unwrap_or_default().lines() {
            if let Some(t) = line.split_whitespace().next().and_then(|t| t.parse().ok()) {
                *ends.entry(t).or_default() += 1;
            }
        }
    }
    let missing = (0..o.trials).filter(|t| !ends.contains_key(t)).count();
    let twice = ends.values().filter(|&&n| n > 1).count();
    // Pieces of training run more than once (a killed worker's, redone).
    let mut pieces: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    let mut epochs = 0usize;
    for e in fs::read_dir(dir.join("runs"))
        .map_err(|e| e.to_string())?
        .flatten()
    {
        for line in fs::read_to_string(e.path()).unwrap_or_default().lines() {
            let v: Vec<usize> = line
                .split_whitespace()
                .filter_map(|x| x.parse().ok())
                .collect();
            if let [t, from, to] = v[..] {
                *pieces.entry((t, to)).or_default() += 1;
                epochs += to - from;
            }
        }
    }
    let redone = pieces.values().filter(|&&n| n > 1).count();
    let board = dir.join("board").join("assigned");
    let mut decisions = 0;
    let mut claims_left = 0;
    for e in fs::read_dir(&board).map_err(|e| e.to_string())?.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        if name.ends_with(".lock") {
            claims_left += 1;
        } else if name.starts_with('r') && !name.contains('.') {
            decisions += 1;
        }
    }
    let (mut waits, mut worker_seconds, mut survivors, mut taken) = (0usize, 0.0, 0usize, 0usize);
    for e in fs::read_dir(dir.join("stats"))
        .map_err(|e| e.to_string())?
        .flatten()
    {
        let text = fs::read_to_string(e.path()).unwrap_or_default();
        let v: Vec<f64> = text
            .split_whitespace()
            .filter_map(|x| x.parse().ok())
            .collect();
        if let [_, t, w, s] = v[..] {
            taken += t as usize;
            waits += w as usize;
            worker_seconds += s;
            survivors += 1;
        }
    }
    let poll = (timing(o.grace_ms).beat / 2).max(Duration::from_millis(5));
    let waited = waits as f64 * poll.as_secs_f64();
    let whole = o.trials * RUNGS[2];
    println!(
        "{} trials, {} workers ({killed} killed), rungs {:?}, reduction 3, {} ms per epoch, grace {} ms",
        o.trials, o.workers, RUNGS, o.epoch_ms, o.grace_ms
    );
    println!(
        "wall time {elapsed:.1} s; {decisions} decisions: {:.0} per second",
        decisions as f64 / elapsed
    );
    println!(
        "epochs run {epochs} of {whole} ({:.0}%); work taken over from killed workers: {taken}; pieces of training run twice: {redone}",
        100.0 * epochs as f64 / whole as f64
    );
    println!(
        "workers waiting for work: {waited:.1} s of {worker_seconds:.1} worker-seconds ({:.1}%), {:.2} s per surviving worker",
        100.0 * waited / worker_seconds.max(1e-9),
        waited / survivors.max(1) as f64
    );
    println!("trials without a final record: {missing}; with two or more: {twice}; claims left: {claims_left}");
    if missing > 0 || twice > 0 || claims_left > 0 {
        return Err("work was lost, done twice, or left claimed".into());
    }
    let _ = fs::remove_dir_all(dir);
    Ok(())
}
