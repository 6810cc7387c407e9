//! `cargo xtask fuzz`: every fuzz target of the data parsers (`fuzz/`), each
//! for a given number of seconds, with a summary of executions and findings.
//!
//! Needs a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`).
//! Each target's corpus lives in `fuzz/corpus/TARGET` (ignored by git) and
//! starts from the test fixtures of its format.

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;

/// The fuzz targets, with the extension of the fixtures that seed each corpus.
const TARGETS: &[(&str, &str)] = &[
    ("idx", "ubyte"),
    ("npy", "npy"),
    ("npz", "npz"),
    ("csv", "csv"),
];

/// Options of `cargo xtask fuzz`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Seconds to fuzz each target.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Targets to run (default: all of idx, npy, npz, csv).
    targets: Vec<String>,
}

/// What one target's run did.
struct Outcome {
    target: String,
    executions: u64,
    seconds: u64,
    corpus: usize,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let root = crate::workspace_root();
    let check = Command::new("cargo")
        .args(["+nightly", "fuzz", "--version"])
        .output()
        .context("cannot run cargo")?;
    if !check.status.success() {
        bail!("cargo fuzz needs a nightly toolchain and cargo-fuzz: run `rustup toolchain install nightly` and `cargo install cargo-fuzz`");
    }
    let targets: Vec<&str> = if args.targets.is_empty() {
        TARGETS.iter().map(|(t, _)| *t).collect()
    } else {
        for t in &args.targets {
            if !TARGETS.iter().any(|(name, _)| name == t) {
                bail!("unknown fuzz target '{t}' (known: idx, npy, npz, csv)");
            }
        }
        args.targets.iter().map(String::as_str).collect()
    };
    let mut outcomes = Vec::new();
    for target in targets {
        outcomes.push(fuzz(&root, target, args.seconds)?);
    }
    println!("target  seconds  executions  corpus  crashes");
    for o in &outcomes {
        println!(
            "{:<7} {:>7}  {:>10}  {:>6}  0",
            o.target, o.seconds, o.executions, o.corpus
        );
    }
    Ok(())
}

fn fuzz(root: &Path, target: &str, seconds: u64) -> Result<Outcome> {
    let corpus = root.join("fuzz/corpus").join(target);
    std::fs::create_dir_all(&corpus)
        .with_context(|| format!("cannot create {}", corpus.display()))?;
    seed(root, target, &corpus)?;
    eprintln!("fuzzing {target} for {seconds} s ...");
    let out = Command::new("cargo")
        .current_dir(root)
        .args(["+nightly", "fuzz", "run", target])
        .arg(&corpus)
        .args([
            "--",
            &format!("-max_total_time={seconds}"),
            "-print_final_stats=1",
        ])
        .output()
        .context("cannot run cargo fuzz")?;
    let log = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() {
        let tail: Vec<&str> = log.lines().rev().take(30).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        bail!(
            "fuzz target {target} failed (its input is saved under fuzz/artifacts/{target}):\n{}",
            tail.join("\n")
        );
    }
    let executions = log
        .lines()
        .find_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
        .and_then(|n| n.trim().parse().ok())
        .with_context(|| format!("fuzz target {target} printed no execution count"))?;
    let files = std::fs::read_dir(&corpus)
        .with_context(|| format!("cannot list {}", corpus.display()))?
        .count();
    Ok(Outcome {
        target: target.to_string(),
        executions,
        seconds,
        corpus: files,
    })
}

/// Copies the test fixtures of `target`'s format into an empty corpus.
fn seed(root: &Path, target: &str, corpus: &Path) -> Result<()> {
    let empty = std::fs::read_dir(corpus)?.next().is_none();
    if !empty {
        return Ok(());
    }
    let ext = TARGETS
        .iter()
        .find(|(t, _)| *t == target)
        .map(|(_, e)| *e)
        .unwrap_or(target);
    let fixtures = root.join("crates/mnist/tests/fixtures/numpy");
    let mut seeds = 0;
    if let Ok(dir) = std::fs::read_dir(&fixtures) {
        for entry in dir.flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == ext) {
                std::fs::copy(&path, corpus.join(entry.file_name()))?;
                seeds += 1;
            }
        }
    }
    if seeds == 0 {
        // A tiny valid file of the format, so libFuzzer starts from its shape.
        let seed: &[u8] = match target {
            "csv" => b"label,a,b\n1,2,3.5\ncat,-4,5e2\n",
            _ => &[0, 0, 8, 1, 0, 0, 0, 2, 7, 9],
        };
        std::fs::write(corpus.join("seed"), seed)?;
    }
    Ok(())
}
