//! Asynchronous successive halving through `mlp sweep`: workers in several
//! processes share one search through its folder, every trial ends exactly
//! once, and a killed worker's work is taken over.

mod common;

use common::write_data;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// Twelve trials of rates drawn over five decades; rungs at epochs 1 and 3,
/// then 9; the best third of each rung so far go on as workers come free.
const SEARCH: &str = r#"
name = "async-halving-test"
validation = 100

[[search]]
method = "random"
trials = 12
seed = 3
case = "relu-sigmoid"
hidden = 16
train_samples = 200
epochs = 9
eval_every = 3
lr = { log_uniform = [1e-5, 0.5] }

[search.halving]
min_epochs = 1
reduction = 3
mode = "async"
"#;

fn mlp_sweep(data: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut cmd = common::sweep_file_command(data, out, ("async.toml", SEARCH), extra);
    if !extra.contains(&"--threads") {
        cmd.args(["--threads", "1"]);
    }
    cmd
}

/// Every record in every results file of `out`, by key; a key twice fails.
fn records(out: &Path) -> BTreeMap<String, Value> {
    let mut files: Vec<_> = std::fs::read_dir(out.join("results"))
        .map(|d| d.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.push(out.join("results.jsonl"));
    let mut all = BTreeMap::new();
    for f in files
        .iter()
        .filter(|f| f.extension().is_some_and(|e| e == "jsonl"))
    {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        for line in text.lines() {
            let r: Value = serde_json::from_str(line).unwrap();
            let key = r["key"].as_str().unwrap().to_string();
            assert!(
                all.insert(key.clone(), r).is_none(),
                "{key} has two records"
            );
        }
    }
    all
}

/// Checks the search's end: twelve trials, each with one record; stopped
/// ones at a rung; the best learners finished; under half the steps; no
/// lock, temporary file or checkpoint left.
fn check_ended(out: &Path) {
    let all = records(out);
    assert_eq!(all.len(), 12, "{:?}", all.keys().collect::<Vec<_>>());
    let mut steps = 0;
    for r in all.values() {
        let epochs = r["history"].as_array().unwrap().len();
        match r["stopped_at_epoch"].as_u64() {
            Some(e) => assert!(e == 1 || e == 3, "stopped at {e}"),
            None => assert_eq!(epochs, 9),
        }
        steps += epochs * 200;
    }
    assert!(all.values().any(|r| r["stopped_at_epoch"].is_null()));
    let summary: Vec<String> = all
        .values()
        .map(|r| {
            format!(
                "lr {} stopped {} epochs {}",
                r["config"]["optimizer"]["lr"],
                r["stopped_at_epoch"],
                r["history"].as_array().unwrap().len()
            )
        })
        .collect();
    // Asynchronous promotions from small early sets run more than synchronous
    // halving would, but far from every trial to its end.
    assert!(
        steps * 4 < 3 * 12 * 9 * 200,
        "{steps} sample steps: {summary:#?}"
    );
    // Left behind: a trial's checkpoint, a lock, a gate or a temporary file.
    let mut left = Vec::new();
    let mut stack = vec![out.join("checkpoints")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if p.is_dir() {
                stack.push(p);
            } else if dir == out.join("checkpoints")
                || [".lock", ".tmp", ".takeover"]
                    .iter()
                    .any(|x| name.ends_with(x))
            {
                left.push(p);
            }
        }
    }
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn two_worker_processes_share_one_search_and_end_every_trial_once() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let out = dir.path().join("out");
    let workers: Vec<_> = (0..2)
        .map(|_| mlp_sweep(dir.path(), &out, &["--worker"]).spawn().unwrap())
        .collect();
    for w in workers {
        let o = w.wait_with_output().unwrap();
        assert!(o.status.success(), "{o:?}");
    }
    check_ended(&out);
    let files: Vec<_> = std::fs::read_dir(out.join("results")).unwrap().collect();
    assert!(!files.is_empty());
    // A worker started after the end finds nothing to do.
    let o = mlp_sweep(dir.path(), &out, &["--worker"]).output().unwrap();
    assert!(o.status.success(), "{o:?}");
    check_ended(&out);
}

#[test]
fn one_process_runs_an_async_search_alone() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let out = dir.path().join("out");
    let o = mlp_sweep(dir.path(), &out, &["--threads", "2"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    check_ended(&out);
}

#[test]
fn a_killed_workers_work_is_taken_over_by_the_next() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let out = dir.path().join("out");
    let mut first = mlp_sweep(dir.path(), &out, &["--worker"]).spawn().unwrap();
    // Kill it once it holds a trial at a rung and some work.
    let done = out
        .join("checkpoints")
        .join("asha")
        .join("group-0")
        .join("done");
    let start = std::time::Instant::now();
    // Finished records only: a record being written is a temporary file,
    // which a kill at that moment would leave behind.
    let finished = |d: std::fs::ReadDir| {
        d.filter(|e| {
            e.as_ref()
                .is_ok_and(|e| !e.file_name().to_string_lossy().ends_with(".tmp"))
        })
        .count()
    };
    while std::fs::read_dir(&done).map_or(0, finished) < 3 {
        assert!(
            start.elapsed().as_secs() < 60,
            "the first worker made no progress"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    first.kill().unwrap();
    first.wait().unwrap();
    let o = mlp_sweep(dir.path(), &out, &["--worker"]).output().unwrap();
    assert!(o.status.success(), "{o:?}");
    check_ended(&out);
}

#[test]
fn workers_are_refused_for_configurations_outside_async_searches() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let o = Command::new(assert_cmd::cargo::cargo_bin("mlp"))
        .args([
            "sweep", "--hidden", "8", "--lr", "0.1", "--worker", "--quiet", "--data",
        ])
        .arg(dir.path())
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("invalid --worker: workers share asynchronous halving searches"),
        "{err}"
    );
}
