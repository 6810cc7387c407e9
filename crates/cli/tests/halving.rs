//! Successive halving through `mlp sweep`: the right trials stop, the outcome
//! does not depend on threads, and a sweep killed mid-rung goes on from its checkpoints.

mod common;

use common::{results, write_data};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

/// Nine trials: six whose rate is too small to learn anything in a few
/// epochs, three that learn. Rungs at epochs 1 and 3, then 9; a third go on.
const SEARCH: &str = r#"
name = "halving-test"
validation = 100

[[search]]
method = "grid"
case = "relu-sigmoid"
hidden = [16]
train_samples = 200
epochs = 9
eval_every = 3
lr = { choice = [1e-6, 2e-6, 3e-6, 4e-6, 5e-6, 6e-6, 0.05, 0.1, 0.2] }

[search.halving]
min_epochs = 1
reduction = 3
"#;

fn mlp_sweep(data: &Path, out: &Path, extra: &[&str]) -> Command {
    common::sweep_file_command(data, out, ("search.toml", SEARCH), extra)
}

fn sweep(data: &Path, out: &Path, extra: &[&str]) -> String {
    let run = mlp_sweep(data, out, extra).output().unwrap();
    let err = String::from_utf8_lossy(&run.stderr).to_string();
    assert!(run.status.success(), "{err}");
    err
}

/// Every record of `out`: key to (lr, stopped_at_epoch, epochs in its history).
fn standings(out: &Path) -> BTreeMap<String, (f64, Option<u64>, usize)> {
    std::fs::read_to_string(out.join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (
                v["key"].as_str().unwrap().to_string(),
                (
                    v["config"]["lr"].as_f64().unwrap(),
                    v["stopped_at_epoch"].as_u64(),
                    v["history"].as_array().unwrap().len(),
                ),
            )
        })
        .collect()
}

#[test]
fn halving_stops_the_trials_that_cannot_learn_first_and_saves_their_steps() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let out = dir.path().join("two");
    let err = sweep(dir.path(), &out, &["--threads", "2", "--save-models"]);
    let s = standings(&out);
    assert_eq!(s.len(), 9, "every trial is a record");
    for (lr, stopped, epochs) in s.values() {
        match stopped {
            Some(1) => assert!(*lr < 1e-5, "a learning trial stopped at the first rung"),
            Some(3) => assert!(
                *lr > 1e-3,
                "a trial that cannot learn reached the second rung"
            ),
            None => assert!(*lr > 1e-3),
            Some(e) => panic!("stopped at {e}, not a rung"),
        }
        assert_eq!(*epochs, stopped.map_or(9, |e| e as usize));
    }
    let count = |want: Option<u64>| s.values().filter(|v| v.1 == want).count();
    assert_eq!((count(Some(1)), count(Some(3)), count(None)), (6, 2, 1));
    // 9 trials x 9 epochs of 200 samples, against 9 x 1 + 3 x 2 + 1 x 6 epochs run.
    assert!(
        err.contains(
            "ran 4200 of the 16200 sample steps of every trial to its end, saving 12000 (74%)"
        ),
        "{err}"
    );
    assert!(
        !out.join("checkpoints").exists()
            || std::fs::read_dir(out.join("checkpoints")).unwrap().count() == 0,
        "checkpoints outlive their trials"
    );

    // Every trial has its model, stopped ones where they stopped: a committee of the best three.
    assert_eq!(std::fs::read_dir(out.join("models")).unwrap().count(), 9);
    let committee = Command::new(assert_cmd::cargo::cargo_bin("mlp"))
        .args(["ensemble", "--json", "--best", "3", "--from"])
        .arg(&out)
        .arg("--data")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(committee.status.success(), "{committee:?}");
    let committee: Value = serde_json::from_slice(&committee.stdout).unwrap();
    assert_eq!(committee["members"].as_array().unwrap().len(), 3);
    assert!(committee["committee"]["error_pct"].as_f64().unwrap() < 50.0);

    // Resumed once finished (a resubmitted task, a rerun for the report):
    // every rung replays from the records, and nothing changes.
    let records = std::fs::read_to_string(out.join("results.jsonl")).unwrap();
    let again = sweep(dir.path(), &out, &["--threads", "2", "--resume"]);
    assert!(
        again.contains("0 configurations finished now, 9 already done"),
        "{again}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join("results.jsonl")).unwrap(),
        records
    );

    let one = dir.path().join("one");
    sweep(dir.path(), &one, &["--threads", "1"]);
    assert_eq!(standings(&one), s);
    assert_eq!(
        results(&one.join("results.jsonl")),
        results(&out.join("results.jsonl"))
    );
}

/// The key and the history's training seconds of every checkpoint in `dir` (none when it is missing).
fn checkpoint_clocks(dir: &Path) -> Vec<(String, Vec<f64>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .map(|e| e.unwrap().path())
        // A kill mid-write leaves the temporary file of an atomic write.
        .filter(|p| p.extension().is_some_and(|e| e == "snapshot"))
        .map(|path| {
            let bytes = std::fs::read(path).unwrap();
            assert_eq!(&bytes[..8], b"MLPSNAP1");
            let len = u64::from_le_bytes(bytes[8..16].try_into().unwrap()) as usize;
            let header: Value = serde_json::from_slice(&bytes[16..16 + len]).unwrap();
            let clocks = header["report"]["history"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["train_seconds"].as_f64().unwrap())
                .collect();
            (header["key"].as_str().unwrap().to_string(), clocks)
        })
        .collect()
}

#[test]
fn a_sweep_killed_by_sigkill_goes_on_from_its_checkpoints_to_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let whole = dir.path().join("whole");
    sweep(dir.path(), &whole, &["--threads", "1"]);
    let want = results(&whole.join("results.jsonl"));
    let want_standings = standings(&whole);

    // Killed as soon as the first rung's checkpoints appear, and once they are all written.
    for waiting in [1, 9] {
        let out = dir.path().join(format!("killed-{waiting}"));
        let mut child = mlp_sweep(dir.path(), &out, &["--threads", "1"])
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let checkpoints = out.join("checkpoints");
        let count = || std::fs::read_dir(&checkpoints).map_or(0, |d| d.count());
        while count() < waiting && child.try_wait().unwrap().is_none() {
            std::thread::sleep(std::time::Duration::from_micros(200));
        }
        child.kill().unwrap(); // SIGKILL, wherever the sweep is
        child.wait().unwrap();
        let clocks = checkpoint_clocks(&checkpoints);

        sweep(dir.path(), &out, &["--threads", "1", "--resume"]);
        assert_eq!(
            results(&out.join("results.jsonl")),
            want,
            "killed at {waiting}"
        );
        assert_eq!(standings(&out), want_standings);
        // A trial that was waiting at a rung went on from its checkpoint:
        // the epochs before it keep the clock of the killed process.
        let records: BTreeMap<String, Value> = std::fs::read_to_string(out.join("results.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                let v: Value = serde_json::from_str(l).unwrap();
                (v["key"].as_str().unwrap().to_string(), v)
            })
            .collect();
        for (key, before) in clocks {
            let history = records[&key]["history"].as_array().unwrap();
            for (epoch, seconds) in before.iter().enumerate() {
                assert_eq!(history[epoch]["train_seconds"].as_f64(), Some(*seconds));
            }
        }
    }
}
