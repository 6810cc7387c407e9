//! Helpers for the CLI tests: a small synthetic IDX dataset and the binary.
#![allow(dead_code)]

use assert_cmd::Command;
use std::path::Path;

/// Writes a small learnable 10-class problem (8x8 images) as IDX files into `dir`.
pub fn write_data(dir: &Path) {
    mlp_testkit::Digits::default().write_idx(dir);
}

/// Runs `mlp ARGS --data <synthetic data>` and returns what it did.
pub fn on_data(args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    mlp()
        .args(args)
        .arg("--data")
        .arg(dir.path())
        .output()
        .unwrap()
}

/// Asserts `mlp SUBCOMMAND ARGS --data <synthetic>` is a usage error: exit 2,
/// stderr naming `flag`, no panic, nothing on stdout.
pub fn usage_error(subcommand: &str, args: &[&str], flag: &str) {
    let out = on_data(&[&[subcommand], args].concat());
    assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(flag),
        "{args:?}: stderr does not name {flag}: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.stdout.is_empty());
}

/// Runs `mlp ARGS --data <synthetic data>`, asserts it succeeded, and parses its stdout as JSON.
pub fn json_on_data(args: &[&str]) -> serde_json::Value {
    let out = on_data(args);
    assert!(out.status.success(), "{args:?}: {out:?}");
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The `mlp` binary.
pub fn mlp() -> Command {
    Command::cargo_bin("mlp").unwrap()
}

/// Reads results.jsonl as (key, metrics without timings) pairs, sorted by key.
pub fn results(path: &Path) -> Vec<(String, serde_json::Value)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out: Vec<(String, serde_json::Value)> = text
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let mut m = v["metrics"].clone();
            for k in ["train_seconds", "eval_seconds", "steps_per_second"] {
                m.as_object_mut().unwrap().remove(k);
            }
            let mut h = v["history"].clone();
            for e in h.as_array_mut().unwrap() {
                e.as_object_mut().unwrap().remove("train_seconds");
            }
            (
                v["key"].as_str().unwrap().to_string(),
                serde_json::json!({"m": m, "h": h, "c": v["confusion"]}),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Runs `mlp` with `args`, expecting success; returns stdout.
pub fn ok(args: &[&str]) -> String {
    let out = mlp().args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// Runs `mlp` with `args`, expecting exit `code` and one stderr line containing each of `needles`.
pub fn fails(args: &[&str], code: i32, needles: &[&str]) -> String {
    let out = mlp().args(args).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: stderr lacks {n:?}: {err}");
    }
    err
}

/// `mlp sweep --config FILE` (the sweep file `text`, written beside the data
/// as `name`) on `data` into `out`, quiet and without a report; a process of
/// its own, to be spawned or killed.
pub fn sweep_file_command(
    data: &Path,
    out: &Path,
    (name, text): (&str, &str),
    extra: &[&str],
) -> std::process::Command {
    let file = data.join(name);
    std::fs::write(&file, text).unwrap();
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("mlp"));
    cmd.arg("sweep")
        .arg("--config")
        .arg(&file)
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(["--quiet", "--no-report"])
        .args(extra);
    cmd
}
