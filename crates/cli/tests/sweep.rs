//! `mlp sweep` and `mlp report`: determinism across threads, shards, resume, torn lines, merging.

mod common;

use common::{mlp, results, write_data};
use std::path::Path;

const GRID: &[&str] = &[
    "--case",
    "tanh,relu-sigmoid",
    "--hidden",
    "8,16",
    "--lr",
    "0.05,0.09",
    "--train-samples",
    "100,300",
    "--epochs",
    "3",
    "--backprop",
    "exact,as-published",
];
const CONFIGS: usize = 2 * 2 * 2 * 2 * 2;

fn sweep(data: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    mlp()
        .arg("sweep")
        .args(GRID)
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(["--quiet", "--no-report"])
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn thread_count_does_not_change_any_metric() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let one = dir.path().join("t1");
    let two = dir.path().join("t2");
    assert!(sweep(dir.path(), &one, &["--threads", "1"])
        .status
        .success());
    assert!(sweep(dir.path(), &two, &["--threads", "2"])
        .status
        .success());
    let a = results(&one.join("results.jsonl"));
    let b = results(&two.join("results.jsonl"));
    assert_eq!(a.len(), CONFIGS);
    assert_eq!(a, b);
}

#[test]
fn shards_are_disjoint_and_cover_the_grid() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let whole = dir.path().join("whole");
    assert!(sweep(dir.path(), &whole, &[]).status.success());
    let mut union = Vec::new();
    let mut files = Vec::new();
    for k in 1..=3 {
        let out = dir.path().join(format!("shard{k}"));
        let o = sweep(dir.path(), &out, &["--shard", &format!("{k}/3")]);
        assert!(o.status.success(), "{o:?}");
        let part = results(&out.join("results.jsonl"));
        assert!(!part.is_empty());
        union.extend(part);
        files.push(out.join("results.jsonl"));
    }
    union.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(union, results(&whole.join("results.jsonl")));
    // The shards merge into one report.
    let report_dir = dir.path().join("merged");
    let o = mlp()
        .arg("report")
        .args(&files)
        .arg("--out")
        .arg(&report_dir)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    assert!(report_dir.join("report.md").exists());
    // A shard given twice is one configuration once, not a conflict.
    let o = mlp()
        .arg("report")
        .arg(&files[0])
        .arg(&files[0])
        .arg("--out")
        .arg(&report_dir)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
}

#[test]
fn resume_after_a_torn_line_loses_nothing_and_matches_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let whole = dir.path().join("whole");
    assert!(sweep(dir.path(), &whole, &[]).status.success());
    let full = std::fs::read_to_string(whole.join("results.jsonl")).unwrap();

    // What a hard kill leaves: some whole lines, then half of the next.
    let cut = dir.path().join("cut");
    std::fs::create_dir_all(&cut).unwrap();
    let lines: Vec<&str> = full.lines().collect();
    let mut partial: String = lines[..5].iter().map(|l| format!("{l}\n")).collect();
    partial.push_str(&lines[5][..lines[5].len() / 2]);
    std::fs::write(cut.join("results.jsonl"), &partial).unwrap();

    // Without --resume an existing file is refused, untouched.
    let o = sweep(dir.path(), &cut, &[]);
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert_eq!(
        std::fs::read_to_string(cut.join("results.jsonl")).unwrap(),
        partial
    );

    let o = sweep(dir.path(), &cut, &["--resume"]);
    assert!(o.status.success(), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("5 already done"), "{err}");
    assert_eq!(
        results(&cut.join("results.jsonl")),
        results(&whole.join("results.jsonl"))
    );

    // Resuming a finished sweep runs nothing and changes nothing.
    let before = std::fs::read_to_string(cut.join("results.jsonl")).unwrap();
    assert!(sweep(dir.path(), &cut, &["--resume"]).status.success());
    assert_eq!(
        std::fs::read_to_string(cut.join("results.jsonl")).unwrap(),
        before
    );
}

#[test]
fn conflicting_results_are_an_error_when_merging() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let a = dir.path().join("a");
    assert!(sweep(dir.path(), &a, &[]).status.success());
    let text = std::fs::read_to_string(a.join("results.jsonl")).unwrap();
    let first = text.lines().next().unwrap();
    let mut v: serde_json::Value = serde_json::from_str(first).unwrap();
    v["metrics"]["misclassified"] =
        serde_json::json!(v["metrics"]["misclassified"].as_u64().unwrap() + 1);
    let b = dir.path().join("b.jsonl");
    std::fs::write(&b, format!("{v}\n")).unwrap();
    let o = mlp()
        .arg("report")
        .arg(a.join("results.jsonl"))
        .arg(&b)
        .arg("--quiet")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("conflicts"));
}

#[test]
fn sweep_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    for (args, flag) in [
        (vec!["--shard", "4/3"], "--shard"),
        (vec!["--threads", "0"], "--threads"),
        (vec!["--preset", "nope"], "--preset"),
        (vec!["--hidden", "0"], "--hidden"),
        (vec!["--preset", "study", "--hidden", "5"], "--hidden"),
        (vec!["--block-samples", "0"], "--block-samples"),
        (vec!["--recipe", "nope"], "--recipe"),
        (
            vec!["--preset", "study", "--recipe", "simard-ce"],
            "--recipe",
        ),
    ] {
        let o = mlp()
            .arg("sweep")
            .args(&args)
            .arg("--data")
            .arg(dir.path())
            .arg("--out")
            .arg(dir.path().join("o"))
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{args:?}: {o:?}");
        assert!(
            String::from_utf8_lossy(&o.stderr).contains(flag),
            "{args:?}"
        );
    }
}

/// `mlp sweep` of one small configuration on `data` into `out`, with `extra` flags.
fn one_config_sweep(data: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    mlp()
        .args(["sweep", "--case", "tanh", "--hidden", "8", "--lr", "0.05"])
        .args(["--train-samples", "100", "--epochs", "2", "--quiet"])
        .args(["--no-report", "--data"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// Each record says the block size it ran with and its key holds it, so a
/// sweep resumed with another `--block-samples` runs its configurations again
/// instead of counting results of another block size as its own.
#[test]
fn results_record_the_block_size_and_a_resume_never_mixes_sizes() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let out = dir.path().join("o");
    let run = |extra: &[&str]| {
        let o = one_config_sweep(dir.path(), &out, &[&["--resume"], extra].concat());
        assert!(o.status.success(), "{o:?}");
        String::from_utf8_lossy(&o.stderr).to_string()
    };
    let records = || -> Vec<serde_json::Value> {
        std::fs::read_to_string(out.join("results.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    run(&["--block-samples", "16"]);
    let first = records();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0]["block_samples"], 16);
    assert!(first[0]["key"].as_str().unwrap().ends_with("|block=16"));
    let err = run(&[]);
    assert!(
        err.contains("1 configurations finished now, 0 already done"),
        "{err}"
    );
    let both = records();
    assert_eq!(both.len(), 2);
    assert_eq!(both[1]["block_samples"], mlp_engine::DEFERRED_SAMPLES);
    let err = run(&["--block-samples", "16"]);
    assert!(
        err.contains("0 configurations finished now, 1 already done"),
        "{err}"
    );
    assert_eq!(records().len(), 2);
}

/// A results file from before the block size was recorded is not resumed
/// (its configurations would run again beside the old ones): one line says so.
#[test]
fn results_without_block_sizes_are_not_resumed() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let out = dir.path().join("o");
    let o = one_config_sweep(dir.path(), &out, &[]);
    assert!(o.status.success(), "{o:?}");
    // What an earlier mlp wrote: the same record without the block size.
    let path = out.join("results.jsonl");
    let mut v: serde_json::Value =
        serde_json::from_str(std::fs::read_to_string(&path).unwrap().trim()).unwrap();
    let key = v["key"]
        .as_str()
        .unwrap()
        .split("|block=")
        .next()
        .unwrap()
        .to_string();
    v["key"] = serde_json::json!(key);
    v.as_object_mut().unwrap().remove("block_samples");
    std::fs::write(&path, format!("{v}\n")).unwrap();
    let o = one_config_sweep(dir.path(), &out, &["--resume"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(
        err.contains("results.jsonl") && err.contains("block size"),
        "{err}"
    );
}

/// `--recipe` starts each configuration from the recipe: its loss, biases,
/// optimiser and shuffling, with the given lists crossing it; `--no-shuffle`
/// overrides the recipe's shuffling.
#[test]
fn recipe_sweeps_start_from_the_recipe() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let records = |out: &Path, extra: &[&str]| -> Vec<serde_json::Value> {
        let o = mlp()
            .args([
                "sweep",
                "--recipe",
                "simard-ce",
                "--hidden",
                "8",
                "--epochs",
                "2",
            ])
            .args([
                "--train-samples",
                "200",
                "--validation",
                "50",
                "--batch",
                "16,32",
            ])
            .args(["--quiet", "--no-report", "--data"])
            .arg(dir.path())
            .arg("--out")
            .arg(out)
            .args(extra)
            .output()
            .unwrap();
        assert!(o.status.success(), "{o:?}");
        std::fs::read_to_string(out.join("results.jsonl"))
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let rs = records(&dir.path().join("a"), &[]);
    assert_eq!(rs.len(), 2);
    let mut batches: Vec<u64> = rs
        .iter()
        .map(|r| r["config"]["batch"].as_u64().unwrap())
        .collect();
    batches.sort_unstable();
    assert_eq!(batches, [16, 32]);
    for r in &rs {
        let c = &r["config"];
        assert_eq!(c["loss"], "cross-entropy", "{r}");
        assert_eq!(
            (c["bias"].as_bool(), c["shuffle"].as_bool()),
            (Some(true), Some(true))
        );
        assert_eq!(c["optimizer"], "nesterov");
        assert!(
            r["metrics"]["validation_error_pct"].as_f64().is_some(),
            "{r}"
        );
    }
    let rs = records(&dir.path().join("b"), &["--no-shuffle"]);
    assert!(rs
        .iter()
        .all(|r| r["config"]["shuffle"].as_bool() == Some(false)));
}
