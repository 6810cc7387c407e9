//! `cargo xtask slurm-test`: a small real sweep through a real Slurm on this machine.
//!
//! As root on Debian: installs `slurm-wlm` and `munge` when missing, writes
//! a one-node `slurm.conf` for this host and a munge key, starts `munged`,
//! `slurmctld` and `slurmd`, and waits for the node to be idle. Then it
//! submits a sweep on the real MNIST as a 3-task array (`mlp sweep --slurm
//! --submit`), cancels one task while it runs, checks that `mlp sweep
//! --status` names it, resubmits it from that line, waits for the array, and
//! checks the merged results equal a single-process run of the same sweep,
//! configuration by configuration, bit for bit. Last, it stops the daemons
//! it started (by their process ids) and removes what it wrote.

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

/// Options of `cargo xtask slurm-test`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Keep the work folder (configuration, logs, results) for a look afterwards.
    #[arg(long)]
    keep: bool,
}

/// The sweep: six equal configurations of a few seconds each on real MNIST,
/// two per task, so that a task cancelled after its first result is cut in
/// the middle of its second.
const SWEEP: &[&str] = &[
    "--case",
    "relu-sigmoid",
    "--hidden",
    "300",
    "--lr",
    "0.02,0.04,0.06,0.08,0.1,0.12",
    "--epochs",
    "5",
];

/// An asynchronous halving search of 27 small trials on real MNIST, rungs
/// at 1, 3 and 9 epochs; `{MODE}` is `async` or `sync`.
const ASYNC_SEARCH: &str = r#"
name = "slurm-async"
validation = 2000

[[search]]
method = "random"
trials = 27
seed = 11
case = "relu-sigmoid"
hidden = { choice = [64, 128, 256] }
train_samples = 20000
epochs = 9
lr = { log_uniform = [0.002, 0.3] }

[search.halving]
min_epochs = 1
reduction = 3
mode = "{MODE}"
"#;

/// Best validation error of a sweep's finished trials, and the sample steps of all its records.
fn best_and_steps(records: &BTreeMap<String, serde_json::Value>) -> (f64, u64) {
    let best = records
        .values()
        .filter(|r| r["stopped_at_epoch"].is_null())
        .filter_map(|r| r["metrics"]["validation_error_pct"].as_f64())
        .fold(f64::INFINITY, f64::min);
    let steps = records
        .values()
        .map(|r| r["metrics"]["steps"].as_u64().unwrap_or(0))
        .sum();
    (best, steps)
}

/// The asynchronous search as a 4-task array of workers: one task is
/// cancelled while it holds a claim, the others when the array runs out of
/// time (all cancelled), then the unfinished work is resubmitted from
/// `--status`'s line; every trial must end exactly once, no claim be left,
/// the steps be under half of every trial to its end, and the best trial
/// be within 0.3 points of synchronous halving's best on the same search.
fn async_search(mlp: &Path, data: &Path, work: &Path) -> Result<()> {
    let file = work.join("async.toml");
    std::fs::write(&file, ASYNC_SEARCH.replace("{MODE}", "async"))?;
    let out = work.join("async");
    let said = run(Command::new(mlp)
        .current_dir(work)
        .env("MLP_LOCK", "file")
        .arg("sweep")
        .arg("--config")
        .arg(&file)
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(&out)
        .args([
            "--slurm",
            "--submit",
            "--shard-count",
            "4",
            "--cpus-per-task",
            "1",
        ]))?;
    eprint!("{said}");
    let script = std::fs::read_to_string(out.join("sweep.sbatch"))?;
    if !script.contains("--worker") {
        bail!("the array's tasks are not workers:\n{script}");
    }
    let job = submitted_job(&said)?;
    let assigned = out.join("checkpoints/asha/group-0/assigned");
    // Task 1's processes, once it runs; then one of its claims.
    let mut task_pids: Vec<String> = Vec::new();
    wait_until("task 1 holding a claim", Duration::from_secs(300), || {
        if task_pids.is_empty() {
            // Each array task is a job of its own id (%A), whose processes scontrol lists.
            let ids = run(Command::new("squeue").args(["-h", "-r", "-j", &job, "-o", "%K %A"]))
                .unwrap_or_default();
            let Some(id) = ids
                .lines()
                .find_map(|l| l.trim().strip_prefix("1 "))
                .map(|s| s.trim().to_string())
            else {
                return Ok(false);
            };
            task_pids = run(Command::new("scontrol").args(["listpids", &id]))
                .unwrap_or_default()
                .lines()
                .filter_map(|l| l.split_whitespace().next())
                .filter(|p| p.chars().all(|c| c.is_ascii_digit()))
                .map(str::to_string)
                .collect();
        }
        let Ok(dir) = std::fs::read_dir(&assigned) else {
            return Ok(false);
        };
        for e in dir.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "lock") {
                let text = std::fs::read_to_string(&p).unwrap_or_default();
                if task_pids
                    .iter()
                    .any(|pid| text.contains(&format!("pid={pid}\n")))
                {
                    return Ok(true);
                }
            }
        }
        Ok(false)
    })?;
    run(Command::new("scancel").arg(format!("{job}_1")))?;
    eprintln!("cancelled task {job}_1 while it held a claim");
    std::thread::sleep(Duration::from_secs(2));
    run(Command::new("scancel").arg(&job))?;
    eprintln!("cancelled the rest of the array, as a time limit would");
    wait_until(
        "the array to leave the queue",
        Duration::from_secs(300),
        || Ok(queue(&job)?.is_empty()),
    )?;
    let status = sweep_status(mlp, &out)?;
    if let Some(rerun) = status
        .lines()
        .find_map(|l| l.strip_prefix("rerun the unfinished work: "))
        .and_then(|l| l.split(" (").next())
    {
        let job2 = resubmit(work, rerun)?;
        eprintln!("resubmitted the unfinished work as job {job2}: {rerun}");
        wait_until(
            "the rerun to leave the queue",
            Duration::from_secs(600),
            || Ok(queue(&job2)?.is_empty()),
        )?;
        sweep_status(mlp, &out)?;
    } else {
        eprintln!("the other workers had finished the search before the array was cancelled");
    }
    let got = records(&out)?;
    if got.len() != 27 {
        bail!("{} of the 27 trials have a final record", got.len());
    }
    let mut left = Vec::new();
    for dir in [assigned.clone(), out.join("results")] {
        for e in std::fs::read_dir(&dir)?.flatten() {
            let name = e.file_name().to_string_lossy().to_string();
            if name.ends_with(".lock") || name.ends_with(".tmp") || name.ends_with(".takeover") {
                left.push(name);
            }
        }
    }
    if !left.is_empty() {
        bail!("claims left after the search: {left:?}");
    }
    let (best, steps) = best_and_steps(&got);
    let whole = 27 * 9 * 20000u64;
    eprintln!(
        "async: 27 trials each ended once; {steps} of {whole} sample steps ({:.0}%); best validation error {best:.2}%",
        100.0 * steps as f64 / whole as f64
    );
    if steps * 2 >= whole {
        bail!("asynchronous halving ran {steps} of {whole} sample steps, not under half");
    }
    let sync_file = work.join("sync.toml");
    std::fs::write(&sync_file, ASYNC_SEARCH.replace("{MODE}", "sync"))?;
    let sync_out = work.join("sync");
    run(Command::new(mlp)
        .arg("sweep")
        .arg("--config")
        .arg(&sync_file)
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(&sync_out)
        .args(["--quiet", "--no-report"]))?;
    let (sync_best, sync_steps) = best_and_steps(&records(&sync_out)?);
    eprintln!(
        "sync halving on the same search: {sync_steps} sample steps, best validation error {sync_best:.2}%"
    );
    if best > sync_best + 0.3 {
        bail!("the asynchronous search's best ({best:.2}%) is more than 0.3 points worse than synchronous halving's ({sync_best:.2}%)");
    }
    Ok(())
}

/// The job id `mlp sweep --submit` printed.
fn submitted_job(said: &str) -> Result<String> {
    Ok(said
        .lines()
        .find_map(|l| l.strip_prefix("submitted job "))
        .and_then(|l| l.split(';').next())
        .context("mlp sweep --submit printed no job id")?
        .to_string())
}

/// `mlp sweep --status OUT`, printed and returned.
fn sweep_status(mlp: &Path, out: &Path) -> Result<String> {
    let status = run(Command::new(mlp).arg("sweep").arg("--status").arg(out))?;
    eprint!("{status}");
    Ok(status)
}

/// Runs the `sbatch` line `--status` printed, with the lock files alone as
/// the array had them; returns the new job's id.
fn resubmit(work: &Path, line: &str) -> Result<String> {
    let said = run(Command::new("sh")
        .current_dir(work)
        .env("MLP_LOCK", "file")
        .args(["-c", line]))?;
    Ok(said
        .split_whitespace()
        .last()
        .context("sbatch printed no job id")?
        .to_string())
}

/// Runs a command, failing with its stderr when it fails; returns its stdout.
pub(crate) fn run(cmd: &mut Command) -> Result<String> {
    let out = cmd
        .output()
        .with_context(|| format!("cannot run {cmd:?}"))?;
    if !out.status.success() {
        bail!(
            "{cmd:?} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

pub(crate) fn found(program: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {program}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Installs slurm-wlm and munge with apt-get when a daemon is missing.
fn install() -> Result<()> {
    if ["slurmctld", "slurmd", "munged", "sbatch"]
        .iter()
        .all(|p| found(p))
    {
        return Ok(());
    }
    eprintln!("installing slurm-wlm and munge ...");
    let started = Instant::now();
    run(Command::new("apt-get").arg("update").arg("-q"))?;
    run(Command::new("apt-get")
        .args([
            "install",
            "-y",
            "-q",
            "--no-install-recommends",
            "slurm-wlm",
            "munge",
        ])
        .env("DEBIAN_FRONTEND", "noninteractive"))?;
    eprintln!("installed in {:.0} s", started.elapsed().as_secs_f64());
    Ok(())
}

/// Daemons started here, stopped by their process ids however the test ends.
struct Daemons {
    pid_files: Vec<PathBuf>,
    /// `slurm.conf` as it was, to put back.
    saved_conf: Option<(PathBuf, Option<Vec<u8>>)>,
    /// The munge key, when this test made it.
    made_key: Option<PathBuf>,
}

impl Drop for Daemons {
    fn drop(&mut self) {
        for pid_file in self.pid_files.iter().rev() {
            if let Ok(pid) = std::fs::read_to_string(pid_file) {
                let pid = pid.trim();
                if !pid.is_empty() {
                    let _ = Command::new("kill").arg(pid).status();
                    // Give it a moment to go, then make sure.
                    for _ in 0..50 {
                        let alive = Command::new("kill").args(["-0", pid]).output();
                        if !alive.is_ok_and(|o| o.status.success()) {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            }
        }
        if let Some(key) = self.made_key.take() {
            let _ = std::fs::remove_file(key);
        }
        if let Some((path, before)) = self.saved_conf.take() {
            let _ = match before {
                Some(bytes) => std::fs::write(&path, bytes),
                None => std::fs::remove_file(&path),
            };
        }
    }
}

/// The node line `slurmd -C` prints for this host.
fn node_line() -> Result<String> {
    let out = run(Command::new("slurmd").arg("-C"))?;
    out.lines()
        .find(|l| l.starts_with("NodeName="))
        .map(str::to_string)
        .context("slurmd -C printed no NodeName line")
}

/// Writes the configuration and starts munged, slurmctld and slurmd.
fn start(work: &Path) -> Result<(Daemons, String)> {
    let node = node_line()?;
    let host = node
        .split_whitespace()
        .next()
        .and_then(|w| w.strip_prefix("NodeName="))
        .context("no host name in the node line")?
        .to_string();
    let state = work.join("slurm");
    std::fs::create_dir_all(state.join("spool"))?;
    std::fs::create_dir_all(state.join("ctld"))?;
    let conf = format!(
        "ClusterName=mlptest\nSlurmctldHost={host}\nSlurmUser=root\nSlurmdUser=root\n\
         AuthType=auth/munge\nProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n\
         SelectType=select/cons_tres\nSelectTypeParameters=CR_Core\n\
         JobAcctGatherType=jobacct_gather/none\nSchedulerType=sched/backfill\nMpiDefault=none\n\
         ReturnToService=2\nStateSaveLocation={ctld}\nSlurmdSpoolDir={spool}\n\
         SlurmctldPidFile={dir}/slurmctld.pid\nSlurmdPidFile={dir}/slurmd.pid\n\
         SlurmctldLogFile={dir}/slurmctld.log\nSlurmdLogFile={dir}/slurmd.log\n\
         {node}\nPartitionName=test Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n",
        ctld = state.join("ctld").display(),
        spool = state.join("spool").display(),
        dir = state.display(),
    );
    let conf_path = PathBuf::from("/etc/slurm/slurm.conf");
    std::fs::create_dir_all("/etc/slurm")?;
    let before = std::fs::read(&conf_path).ok();
    let mut daemons = Daemons {
        pid_files: Vec::new(),
        saved_conf: Some((conf_path.clone(), before)),
        made_key: None,
    };
    std::fs::write(&conf_path, conf).context("cannot write /etc/slurm/slurm.conf")?;

    // munge: a key if there is none, its folders, then the daemon as root.
    let key = Path::new("/etc/munge/munge.key");
    if !key.exists() {
        std::fs::create_dir_all("/etc/munge")?;
        let mut bytes = vec![0u8; 1024];
        std::io::Read::read_exact(&mut std::fs::File::open("/dev/urandom")?, &mut bytes)?;
        std::fs::write(key, bytes)?;
        run(Command::new("chmod").args(["400", "/etc/munge/munge.key"]))?;
        daemons.made_key = Some(key.to_path_buf());
    }
    for dir in ["/run/munge", "/var/log/munge", "/var/lib/munge"] {
        std::fs::create_dir_all(dir)?;
    }
    let munge_pid = state.join("munged.pid");
    run(Command::new("munged")
        .arg("--force")
        .arg(format!("--pid-file={}", munge_pid.display())))?;
    daemons.pid_files.push(munge_pid);
    run(&mut Command::new("slurmctld"))?;
    daemons.pid_files.push(state.join("slurmctld.pid"));
    run(&mut Command::new("slurmd"))?;
    daemons.pid_files.push(state.join("slurmd.pid"));

    let started = Instant::now();
    loop {
        let states = run(Command::new("sinfo").args(["-h", "-o", "%T"])).unwrap_or_default();
        if states.lines().any(|l| l.trim() == "idle") {
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            bail!(
                "the node is not idle after 90 s (sinfo says {:?}); see {}",
                states.trim(),
                state.display()
            );
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    eprintln!(
        "slurm is up: node {host} idle after {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok((daemons, host))
}

/// Records of a sweep folder (every results file), each without its timings, by key.
fn records(out: &Path) -> Result<BTreeMap<String, serde_json::Value>> {
    let mut files = Vec::new();
    if out.join("results.jsonl").is_file() {
        files.push(out.join("results.jsonl"));
    }
    if let Ok(dir) = std::fs::read_dir(out.join("results")) {
        for e in dir {
            let path = e?.path();
            if path.extension().is_some_and(|x| x == "jsonl") {
                files.push(path);
            }
        }
    }
    let mut by_key = BTreeMap::new();
    for f in files {
        let text = std::fs::read_to_string(&f)?;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let mut v: serde_json::Value = serde_json::from_str(line)
                .with_context(|| format!("a bad line in {}", f.display()))?;
            let key = v["key"]
                .as_str()
                .context("a record without a key")?
                .to_string();
            let m = v["metrics"]
                .as_object_mut()
                .context("a record without metrics")?;
            for t in ["train_seconds", "eval_seconds", "steps_per_second"] {
                m.remove(t);
            }
            for e in v["history"].as_array_mut().context("no history")? {
                e.as_object_mut().map(|o| o.remove("train_seconds"));
            }
            v.as_object_mut().map(|o| o.remove("finished_unix"));
            if let Some(prev) = by_key.insert(key.clone(), v.clone()) {
                if prev != v {
                    bail!("{key} is in two results files with different figures");
                }
            }
        }
    }
    Ok(by_key)
}

/// States of the array's tasks still in the queue: task id to state.
fn queue(job: &str) -> Result<BTreeMap<String, String>> {
    let out = run(Command::new("squeue").args(["-h", "-r", "-j", job, "-o", "%K %T"]))
        .unwrap_or_default();
    Ok(out
        .lines()
        .filter_map(|l| l.split_once(' '))
        .map(|(t, s)| (t.trim().to_string(), s.trim().to_string()))
        .collect())
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> Result<bool>) -> Result<()> {
    let started = Instant::now();
    while !done()? {
        if started.elapsed() > limit {
            bail!("{what}: not after {} s", limit.as_secs());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

/// Runs the command.
pub fn run_test(args: Args) -> Result<()> {
    if run(Command::new("id").arg("-u"))?.trim() != "0" {
        bail!("cargo xtask slurm-test runs Slurm's daemons: run it as root");
    }
    let root = crate::workspace_root();
    let data = root.join("data").join("mnist");
    crate::download::ensure(&data).context("cannot get the MNIST data")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    run(Command::new(cargo).current_dir(&root).args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "mlp-cli",
    ]))?;
    let mlp = root.join("target").join("release").join("mlp");
    install()?;

    let work = tempfile::Builder::new()
        .prefix("mlp-slurm-test-")
        .tempdir()?;
    let work_path = work.path().to_path_buf();
    let outcome = (|| -> Result<()> {
        let (daemons, _host) = start(&work_path)?;
        let out = work_path.join("array");
        // The tasks lock their results files with lock files alone, as on a
        // cluster filesystem without flock (sbatch passes the environment on):
        // the cancelled task's lock is taken over by its rerun.
        let said = run(Command::new(&mlp)
            .current_dir(&work_path)
            .env("MLP_LOCK", "file")
            .arg("sweep")
            .args(SWEEP)
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(&out)
            .args([
                "--slurm",
                "--submit",
                "--shard-count",
                "3",
                "--cpus-per-task",
                "1",
            ]))?;
        eprint!("{said}");
        let script = std::fs::read_to_string(out.join("sweep.sbatch"))?;
        eprintln!(
            "--- {} ---\n{script}---",
            out.join("sweep.sbatch").display()
        );
        let job = submitted_job(&said)?;
        // Cancel task 1 once it has a result (mid-slice: it has two).
        let shard = out.join("results").join("shard-2-of-3.jsonl");
        wait_until(
            "task 1 finishing its first configuration",
            Duration::from_secs(300),
            || Ok(std::fs::read_to_string(&shard).is_ok_and(|t| t.lines().count() >= 1)),
        )?;
        run(Command::new("scancel").arg(format!("{job}_1")))?;
        eprintln!("cancelled task {job}_1 after its first configuration");
        wait_until(
            "the array to leave the queue",
            Duration::from_secs(600),
            || Ok(queue(&job)?.is_empty()),
        )?;
        let left_locked = out.join("results").join("shard-2-of-3.jsonl.lock").exists();
        let status = sweep_status(&mlp, &out)?;
        let rerun = status
            .lines()
            .find_map(|l| l.strip_prefix("rerun the unfinished shards: "))
            .context("--status names no unfinished task after the scancel")?;
        if !rerun.starts_with("sbatch --array=1 ") {
            bail!("--status should name task 1 alone: {rerun}");
        }
        let job2 = resubmit(&work_path, rerun)?;
        eprintln!("resubmitted task 1 as job {job2}");
        wait_until(
            "the rerun to leave the queue",
            Duration::from_secs(600),
            || Ok(queue(&job2)?.is_empty()),
        )?;
        let status = sweep_status(&mlp, &out)?;
        if !status.contains("every shard has finished") {
            bail!("the rerun did not finish its shard");
        }
        let left: Vec<String> = std::fs::read_dir(out.join("results"))?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|n| !n.ends_with(".jsonl"))
            .collect();
        if !left.is_empty() {
            bail!("the tasks left lock files behind: {left:?}");
        }
        match left_locked {
            true => eprintln!("the cancelled task left its lock file; its rerun took it over"),
            false => eprintln!("the cancelled task removed its lock file as it stopped"),
        }
        eprintln!("no lock file is left");

        let single = work_path.join("single");
        run(Command::new(&mlp)
            .arg("sweep")
            .args(SWEEP)
            .arg("--data")
            .arg(&data)
            .arg("--out")
            .arg(&single)
            .args(["--quiet", "--no-report"]))?;
        let (a, b) = (records(&out)?, records(&single)?);
        if a.len() != 6 || a != b {
            bail!(
                "the array's {} records differ from the single run's {}",
                a.len(),
                b.len()
            );
        }
        eprintln!("the array's 6 records equal a single process's, bit for bit");
        async_search(&mlp, &data, &work_path)?;
        drop(daemons);
        Ok(())
    })();
    if args.keep {
        eprintln!("kept {}", work.keep().display());
    }
    outcome
}
