//! Files written by an earlier `mlp` stay readable: results files resume,
//! checkpoints go on, reports merge and model files evaluate to the figures
//! they were saved with.
//!
//! `tests/fixtures/format-2026-12-03/` was written by `mlp` as of that date, on
//! the data `common::write_data` makes: a halving search run to its end with
//! `--save-models` (`sweep/`), the same search killed while its first rung's
//! checkpoints were being written (`killed/`), a grid of minibatch runs with
//! cross-entropy, Adam and Nesterov (`grid/`), and two models saved by
//! `mlp train --save` (the study's online engine, and a minibatch network
//! with biases, dropout and cross-entropy).

mod common;

use common::{mlp, results, write_data};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A copy of the fixture folder and the data it was written on.
fn fixture() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/format-2026-12-03");
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("fixture");
    copy_tree(&src, &copy);
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    write_data(&data);
    (dir, copy, data)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_tree(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).unwrap();
        }
    }
}

/// `mlp sweep --config search.toml` of the fixture into `out`, resumed.
fn resume_search(copy: &Path, data: &Path, out: &Path) -> String {
    let run = mlp()
        .arg("sweep")
        .arg("--config")
        .arg(copy.join("search.toml"))
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(["--threads", "1", "--resume", "--quiet", "--no-report"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr).to_string();
    assert!(run.status.success(), "{err}");
    err
}

/// `records` with the loss fields of earlier files under today's names.
fn with_earlier_names(records: Vec<(String, Value)>) -> Vec<(String, Value)> {
    fn rename(v: &mut Value) {
        match v {
            Value::Object(map) => {
                for (old, new) in [("test_mse", "test_loss"), ("train_mse", "mean_train_loss")] {
                    if let Some(x) = map.remove(old) {
                        map.insert(new.to_string(), x);
                    }
                }
                map.values_mut().for_each(rename);
            }
            Value::Array(items) => items.iter_mut().for_each(rename),
            _ => {}
        }
    }
    records
        .into_iter()
        .map(|(k, mut v)| {
            rename(&mut v);
            (k, v)
        })
        .collect()
}

#[test]
fn results_written_earlier_are_the_same_sweep_and_resume() {
    let (_dir, copy, data) = fixture();
    // The data of this test are the fixture's: every record names their checksums.
    let first: Value = serde_json::from_str(
        std::fs::read_to_string(copy.join("sweep/results.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let files = mnist_idx::Mnist::open(&data).unwrap();
    for (name, sum) in files.sha256() {
        assert_eq!(first["data"][&name].as_str(), Some(sum.as_str()), "{name}");
    }

    let err = resume_search(&copy, &data, &copy.join("sweep"));
    assert!(
        err.contains("0 configurations finished now, 9 already done"),
        "{err}"
    );
    // Killed mid-rung: goes on from the earlier checkpoints to the earlier records.
    let killed = copy.join("killed");
    let waiting = std::fs::read_dir(killed.join("checkpoints"))
        .unwrap()
        .count();
    assert!(waiting >= 4, "{waiting} checkpoints");
    let err = resume_search(&copy, &data, &killed);
    assert!(err.contains("9 configurations finished now"), "{err}");
    // The records written now name their losses by kind; the earlier ones by `mse`.
    assert_eq!(
        results(&killed.join("results.jsonl")),
        with_earlier_names(results(&copy.join("sweep/results.jsonl")))
    );

    // A grid of minibatch runs: recognised, reported, and its best trials' models vote.
    let grid = mlp()
        .args([
            "sweep",
            "--hidden",
            "8,12",
            "--loss",
            "cross-entropy",
            "--bias",
            "true",
            "--batch",
            "16",
            "--optimizer",
            "adam,nesterov",
            "--lr",
            "0.01",
            "--epochs",
            "2",
            "--train-samples",
            "200",
            "--validation",
            "50",
            "--resume",
            "--quiet",
            "--no-report",
            "--data",
        ])
        .arg(&data)
        .arg("--out")
        .arg(copy.join("grid"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&grid.stderr);
    assert!(grid.status.success(), "{err}");
    assert!(
        err.contains("0 configurations finished now, 8 already done"),
        "{err}"
    );
    let report = mlp()
        .arg("report")
        .arg(copy.join("grid"))
        .arg(copy.join("sweep"))
        .arg("--out")
        .arg(copy.join("merged"))
        .output()
        .unwrap();
    assert!(report.status.success(), "{report:?}");
    assert!(copy.join("merged/report.md").is_file());
    let committee = mlp()
        .args(["ensemble", "--json", "--best", "3", "--from"])
        .arg(copy.join("sweep"))
        .arg("--data")
        .arg(&data)
        .output()
        .unwrap();
    assert!(committee.status.success(), "{committee:?}");
}

#[test]
fn models_written_earlier_evaluate_to_the_figures_they_were_saved_with() {
    let (_dir, copy, data) = fixture();
    for name in ["study.safetensors", "minibatch.safetensors"] {
        let run = mlp()
            .args(["eval", "--json", "--model"])
            .arg(copy.join(name))
            .arg("--data")
            .arg(&data)
            .output()
            .unwrap();
        assert!(run.status.success(), "{name}: {run:?}");
        let v: Value = serde_json::from_slice(&run.stdout).unwrap();
        let saved = &v["training_metrics"];
        assert_eq!(v["error_pct"], saved["test_error_pct"], "{name}");
        assert_eq!(v["misclassified"], saved["misclassified"], "{name}");
    }
}
