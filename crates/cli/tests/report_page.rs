//! `report.html`: live while `mlp sweep` runs, final when it ends; `mlp report --open`.

mod common;

use common::{mlp, write_data};
use std::path::Path;
use std::time::{Duration, Instant};

/// The data object of the page at `path`, when the page is there.
fn page_data(path: &Path) -> Option<serde_json::Value> {
    let page = std::fs::read_to_string(path).ok()?;
    let start = page.find(r#"id="report-data">"#)? + 17;
    let end = start + page[start..].find("</script>")?;
    // The file is replaced whole: a page read is always complete.
    Some(serde_json::from_str(&page[start..end]).expect("a whole page"))
}

#[test]
fn a_running_sweep_keeps_its_page_live_and_the_finished_sweep_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let out = dir.path().join("out");
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("mlp"))
        .args([
            "sweep",
            "--case",
            "relu-sigmoid",
            "--hidden",
            "64",
            "--epochs",
            "5000",
        ])
        .args([
            "--lr",
            "0.01,0.02,0.03,0.04,0.05,0.06",
            "--threads",
            "1",
            "--quiet",
        ])
        .arg("--data")
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let page = out.join("report.html");
    let started = Instant::now();
    let mut seen = Vec::new();
    while child.try_wait().unwrap().is_none() && started.elapsed() < Duration::from_secs(120) {
        if let Some(data) = page_data(&page) {
            if !data["live"].is_null() {
                seen.push(data);
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(child.wait().unwrap().success());
    let live: Vec<&serde_json::Value> = seen
        .iter()
        .filter(|d| d["live"]["done"].as_u64() > Some(0))
        .collect();
    assert!(
        !live.is_empty(),
        "no live page with a finished run among {} read",
        seen.len()
    );
    for d in &live {
        let s = &d["live"];
        let total = s["done"].as_u64().unwrap()
            + s["running"].as_u64().unwrap()
            + s["left"].as_u64().unwrap();
        assert_eq!(total, 6, "{s}");
        assert_eq!(
            d["runs"].as_array().unwrap().len() as u64,
            s["done"].as_u64().unwrap(),
            "{s}"
        );
        assert!(
            s["running"].as_u64().unwrap() <= 1,
            "one thread runs one at a time: {s}"
        );
    }
    let last = page_data(&page).unwrap();
    assert!(
        last["live"].is_null(),
        "the finished sweep's page is not live"
    );
    assert_eq!(last["runs"].as_array().unwrap().len(), 6);
    assert!(out.join("report.md").exists());
}

#[test]
fn report_open_hands_the_page_to_the_browser_or_says_there_is_none() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let out = dir.path().join("out");
    mlp()
        .args([
            "sweep",
            "--case",
            "tanh",
            "--hidden",
            "8",
            "--epochs",
            "1",
            "--lr",
            "0.01,0.1",
            "--quiet",
            "--no-report",
        ])
        .arg("--data")
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .assert()
        .success();
    let told = dir.path().join("told");
    let script = dir.path().join("browser.sh");
    std::fs::write(
        &script,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > {}\n", told.display()),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    mlp()
        .args(["report", "--quiet", "--open"])
        .arg(&out)
        .env("BROWSER", format!("{} %s", script.display()))
        .assert()
        .success();
    // The browser is started, not waited for.
    let started = Instant::now();
    while !told.exists() && started.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(100));
    let opened = std::fs::read_to_string(&told).unwrap();
    assert_eq!(Path::new(&opened), out.join("report.html"));
    // No browser at all: the report is written and the user told how to open it.
    let empty = tempfile::tempdir().unwrap();
    let done = mlp()
        .args(["report", "--quiet", "--open"])
        .arg(&out)
        .env("BROWSER", "no-such-browser")
        .env("PATH", empty.path())
        .output()
        .unwrap();
    assert!(done.status.success(), "{done:?}");
    let err = String::from_utf8_lossy(&done.stderr);
    assert!(
        err.contains("no browser could open") && err.contains("report.html"),
        "{err}"
    );
}
