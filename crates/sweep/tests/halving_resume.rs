//! A halving search stopped at any point where its files change goes on, when
//! resumed, to the records an uninterrupted run writes, trial by trial.
//!
//! The "kill" is a panic raised by the event callback right after a file
//! changed (a checkpoint saved, a record appended): with one worker nothing
//! else runs after it, so the folder is left exactly as a SIGKILL at that
//! point would leave it.

use mlp_engine::{LoadedData, StepOptions};
use mlp_sweep::{run_sweep, SweepEvent, SweepFile, SweepOptions, DEFAULT_MAX_CONFIGURATIONS};
use serde_json::Value;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Once;

/// Nine trials, rungs at epochs 1 and 3, then 9: three rungs, a third kept at each.
const SEARCH: &str = r#"
name = "kill-halving"
validation = 60

[[search]]
method = "random"
trials = 9
seed = 11
case = "relu-sigmoid"
epochs = 9
train_samples = 180
eval_every = 1
hidden = { choice = [8, 16, 32] }
lr = { log_uniform = [0.003, 0.3] }

[search.halving]
min_epochs = 1
reduction = 3
"#;

/// The payload of the panic that stands for a kill.
const KILL: &str = "killed by the test at a file change";

/// Keeps the test's own panics (the kills) off stderr; others print as usual.
fn quiet_kills() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if info.payload().downcast_ref::<&str>() != Some(&KILL) {
                default(info);
            }
        }));
    });
}

/// Runs the search into `out` on `threads` workers; with `kill_after`, the
/// run dies right after that many file changes. Returns the file changes seen.
fn run(
    data: &LoadedData,
    out: &Path,
    threads: usize,
    resume: bool,
    kill_after: Option<usize>,
) -> usize {
    let file = SweepFile::parse(SEARCH, Path::new("s.toml"), DEFAULT_MAX_CONFIGURATIONS).unwrap();
    let options = SweepOptions {
        threads,
        results: out.join("results.jsonl"),
        other_results: Vec::new(),
        resume,
        step: StepOptions::default(),
        save_models: None,
        checkpoints: out.join("checkpoints"),
    };
    let changes = AtomicUsize::new(0);
    let events = |e: SweepEvent<'_>| {
        if matches!(e, SweepEvent::Paused { .. } | SweepEvent::Finished { .. }) {
            let n = changes.fetch_add(1, Ordering::SeqCst) + 1;
            if Some(n) == kill_after {
                std::panic::panic_any(KILL);
            }
        }
    };
    let stop = AtomicBool::new(false);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        run_sweep(file.plan(), data, &options, &events, &stop)
    }));
    match outcome {
        Ok(summary) => {
            let summary = summary.unwrap_or_else(|e| panic!("kill after {kill_after:?}: {e}"));
            assert!(!summary.interrupted);
            assert!(kill_after.is_none_or(|k| k > changes.load(Ordering::SeqCst)));
        }
        Err(payload) => assert_eq!(payload.downcast_ref::<&str>(), Some(&KILL)),
    }
    changes.into_inner()
}

/// Every record as (key, the record without its clocks), sorted by key.
fn records(out: &Path) -> Vec<(String, Value)> {
    let text = std::fs::read_to_string(out.join("results.jsonl")).unwrap();
    let mut out: Vec<(String, Value)> = text
        .lines()
        .map(|line| {
            let mut v: Value = serde_json::from_str(line).unwrap();
            let o = v.as_object_mut().unwrap();
            o.remove("finished_unix");
            for k in ["train_seconds", "eval_seconds", "steps_per_second"] {
                o["metrics"].as_object_mut().unwrap().remove(k);
            }
            for e in o["history"].as_array_mut().unwrap() {
                e.as_object_mut().unwrap().remove("train_seconds");
            }
            (v["key"].as_str().unwrap().to_string(), v)
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Checkpoints left in `out`.
fn checkpoints(out: &Path) -> usize {
    std::fs::read_dir(out.join("checkpoints")).map_or(0, |d| d.count())
}

#[test]
fn a_halving_search_killed_after_any_file_change_resumes_to_the_uninterrupted_records() {
    quiet_kills();
    let dir = tempfile::tempdir().unwrap();
    mlp_testkit::Digits::default().write_idx(dir.path());
    let data = LoadedData::open(dir.path()).unwrap();

    let whole = dir.path().join("whole");
    let changes = run(&data, &whole, 1, false, None);
    let want = records(&whole);
    // 9 checkpoints at rung 1, 6 stops, 3 checkpoints at rung 3, 2 stops, 1 finished.
    assert_eq!(changes, 9 + 6 + 3 + 2 + 1);
    assert_eq!(want.len(), 9);
    let stops: Vec<Option<u64>> = want
        .iter()
        .map(|(_, v)| v["stopped_at_epoch"].as_u64())
        .collect();
    assert_eq!(stops.iter().filter(|s| **s == Some(1)).count(), 6);
    assert_eq!(stops.iter().filter(|s| **s == Some(3)).count(), 2);
    assert_eq!(checkpoints(&whole), 0);

    // A finished search resumed (a rerun to refresh its report): nothing to do, nothing changes.
    assert_eq!(run(&data, &whole, 2, true, None), 0);
    assert_eq!(records(&whole), want);

    for kill in 1..=changes {
        let out = dir.path().join(format!("killed-{kill}"));
        run(&data, &out, 1, false, Some(kill));
        let left = records(&out).len();
        // Resumed on two workers: the outcome depends on neither.
        run(&data, &out, 2, true, None);
        assert_eq!(
            records(&out),
            want,
            "killed after file change {kill} ({left} records)"
        );
        assert_eq!(checkpoints(&out), 0, "killed after file change {kill}");
        // And once more, as a resubmitted task would.
        assert_eq!(run(&data, &out, 1, true, None), 0);
        assert_eq!(records(&out), want);
    }
}
