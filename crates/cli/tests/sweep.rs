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

/// `mlp sweep` of the grid on `data` into `out`, quiet and without a report.
fn sweep_command(data: &Path, out: &Path, extra: &[&str]) -> assert_cmd::Command {
    let mut cmd = mlp();
    cmd.arg("sweep")
        .args(GRID)
        .arg("--data")
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(["--quiet", "--no-report"])
        .args(extra);
    cmd
}

fn sweep(data: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    sweep_command(data, out, extra).output().unwrap()
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
    // Three shards into one folder, each into a file of its own: by flag,
    // from a Slurm array's environment, from a Kubernetes Indexed Job's.
    let out = dir.path().join("sharded");
    let first = sweep(dir.path(), &out, &["--shard", "1/3"]);
    assert!(first.status.success(), "{first:?}");
    let slurm = sweep_command(dir.path(), &out, &[])
        .env("SLURM_ARRAY_TASK_ID", "1")
        .env("SLURM_ARRAY_TASK_COUNT", "3")
        .env("SLURM_CPUS_PER_TASK", "1")
        .output()
        .unwrap();
    assert!(slurm.status.success(), "{slurm:?}");
    let said = String::from_utf8_lossy(&slurm.stderr);
    assert!(
        said.contains("shard 2/3 (from SLURM_ARRAY_TASK_ID=1 of SLURM_ARRAY_TASK_COUNT=3)")
            && said.contains("1 threads"),
        "{said}"
    );
    // Two of three shards ran: --status names the third.
    let status = mlp()
        .arg("sweep")
        .arg("--status")
        .arg(&out)
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let table = String::from_utf8_lossy(&status.stdout);
    let per_shard = CONFIGS.div_ceil(3);
    assert!(
        table.contains(&format!(
            "1/3       {per_shard:>6} {per_shard:>6}  finished"
        )),
        "{table}"
    );
    assert!(table.contains("3/3"), "{table}");
    assert!(table.contains("not started"), "{table}");
    assert!(table.contains("--resume and --shard 3/3"), "{table}");
    let k8s = sweep_command(dir.path(), &out, &["--shard-count", "3"])
        .env("JOB_COMPLETION_INDEX", "2")
        .output()
        .unwrap();
    assert!(k8s.status.success(), "{k8s:?}");
    let mut union = Vec::new();
    for k in 1..=3 {
        let part = results(&out.join(format!("results/shard-{k}-of-3.jsonl")));
        assert!(!part.is_empty());
        union.extend(part);
    }
    assert!(!out.join("results.jsonl").exists());
    union.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(union, results(&whole.join("results.jsonl")));
    // `mlp report OUT` reads every shard's file.
    let o = mlp()
        .arg("report")
        .arg(&out)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    assert!(out.join("report.md").exists());
    // A shard given twice is one configuration once, not a conflict.
    let one = out.join("results/shard-1-of-3.jsonl");
    let o = mlp()
        .arg("report")
        .arg(&one)
        .arg(&one)
        .arg("--out")
        .arg(dir.path().join("merged"))
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    // Resuming one shard reads the others, and finds nothing left to do.
    let again = sweep(dir.path(), &out, &["--shard", "3/3", "--resume"]);
    assert!(again.status.success(), "{again:?}");
    assert!(String::from_utf8_lossy(&again.stderr).contains("0 configurations finished now"));
}

#[test]
fn a_second_process_on_the_same_results_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir_all(out.join("results")).unwrap();
    let held = std::fs::File::create(out.join("results/shard-1-of-2.jsonl")).unwrap();
    held.try_lock().unwrap();
    let o = sweep(dir.path(), &out, &["--shard", "1/2", "--resume"]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("shard-1-of-2.jsonl is being written by another mlp process"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // The other shard has its own file, and runs.
    assert!(sweep(dir.path(), &out, &["--shard", "2/2"])
        .status
        .success());
    drop(held);
}

/// A lock file as another node's process leaves it, last touched `idle` ago.
fn foreign_lock(path: &Path, idle: std::time::Duration) {
    std::fs::write(path, "host=node-17\npid=4242\nnonce=node-17-4242\n").unwrap();
    let f = std::fs::File::options().write(true).open(path).unwrap();
    f.set_modified(std::time::SystemTime::now() - idle).unwrap();
}

/// Where `flock` protects nothing (`MLP_LOCK=file` forces this path): the
/// lock file of a live process on another node refuses a second writer,
/// naming it, and one idle past its grace period is taken over.
#[test]
fn the_lock_file_alone_refuses_a_live_writer_and_takes_over_a_stale_one() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let lock = out.join("results.jsonl.lock");
    let run = || {
        sweep_command(dir.path(), &out, &["--resume"])
            .env("MLP_LOCK", "file")
            .env("MLP_LOCK_GRACE_SECS", "30")
            .output()
            .unwrap()
    };
    foreign_lock(&lock, std::time::Duration::from_secs(2));
    let o = run();
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("results.jsonl is being written by another mlp process (host node-17, pid 4242, last heartbeat"),
        "{err}"
    );
    assert!(err.contains("taken over after 30 s without one"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        !out.join("results.jsonl").exists()
            || std::fs::read(out.join("results.jsonl")).unwrap().is_empty()
    );
    foreign_lock(&lock, std::time::Duration::from_secs(60));
    let o = run();
    assert!(o.status.success(), "{o:?}");
    assert!(!lock.exists(), "the lock file outlived its sweep");
    let records = std::fs::read_to_string(out.join("results.jsonl")).unwrap();
    assert_eq!(records.lines().count(), CONFIGS);
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

/// A sweep file of a two-field grid with a validation split.
const TWO_AXIS_GRID: &str = r#"
name = "width-and-rate"
validation = 100

[[grid]]
case = ["relu-sigmoid"]
hidden = [8, 16]
lr = [0.02, 0.1]
train_samples = [200]
epochs = [3]
eval_every = 1
"#;

#[test]
fn a_grid_of_the_users_own_gets_the_general_report_and_saved_models_make_a_committee() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let file = dir.path().join("grid.toml");
    std::fs::write(&file, TWO_AXIS_GRID).unwrap();
    let out = dir.path().join("out");
    let run = mlp()
        .arg("sweep")
        .arg("--config")
        .arg(&file)
        .arg("--data")
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .args(["--quiet", "--save-models"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.starts_with("# width-and-rate\n"), "{md}");
    assert!(md.contains("Fields that vary: `hidden`, `lr`"));
    assert!(md.contains("ranked by validation error"));
    assert!(!md.contains("Table 1"));
    assert!(out.join("plots/heatmap-hidden-lr.png").is_file());
    let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 4);
    assert_eq!(std::fs::read_dir(out.join("models")).unwrap().count(), 4);

    // `mlp report OUT/results.jsonl` writes the same report again, title included.
    std::fs::remove_file(out.join("report.md")).unwrap();
    let again = mlp()
        .arg("report")
        .arg(out.join("results.jsonl"))
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(again.status.success(), "{again:?}");
    assert_eq!(std::fs::read_to_string(out.join("report.md")).unwrap(), md);

    let committee = |extra: &[&str]| -> serde_json::Value {
        let run = mlp()
            .args(["ensemble", "--json", "--from"])
            .arg(&out)
            .arg("--data")
            .arg(dir.path())
            .args(extra)
            .output()
            .unwrap();
        assert!(run.status.success(), "{run:?}");
        serde_json::from_slice(&run.stdout).unwrap()
    };
    let three = committee(&["--best", "3"]);
    let members = three["members"].as_array().unwrap();
    assert_eq!(members.len(), 3);
    // The members are the three lowest validation errors, best first.
    let mut by_validation: Vec<(f64, String)> = std::fs::read_to_string(out.join("results.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let key = v["key"].as_str().unwrap().to_string();
            (v["metrics"]["validation_error_pct"].as_f64().unwrap(), key)
        })
        .collect();
    by_validation.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    for (m, (_, key)) in members.iter().zip(&by_validation) {
        let file = mlp_sweep::model_file_name(key);
        assert!(
            m["model"].as_str().unwrap().ends_with(&file),
            "{m} is not {key}"
        );
    }
    assert!(three["committee"]["error_pct"].as_f64().is_some());
    assert_eq!(committee(&[])["members"].as_array().unwrap().len(), 4);
    let too_many = mlp()
        .args(["ensemble", "--from"])
        .arg(&out)
        .arg("--data")
        .arg(dir.path())
        .args(["--best", "5"])
        .output()
        .unwrap();
    assert_eq!(too_many.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&too_many.stderr).contains("--best"));
}

#[test]
fn slurm_writes_a_job_array_script_and_status_names_every_task_to_run() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let out = dir.path().join("array");
    let o = sweep(
        dir.path(),
        &out,
        &[
            "--slurm",
            "--shard-count",
            "3",
            "--max-parallel",
            "2",
            "--partition",
            "short",
        ],
    );
    assert!(o.status.success(), "{o:?}");
    let script = std::fs::read_to_string(out.join("sweep.sbatch")).unwrap();
    assert!(script.starts_with("#!/bin/bash\n"));
    assert!(script.contains("#SBATCH --array=0-2%2\n"), "{script}");
    assert!(script.contains("#SBATCH --cpus-per-task=1\n"));
    assert!(script.contains("#SBATCH --partition=short\n"));
    let time = script
        .lines()
        .find_map(|l| l.strip_prefix("#SBATCH --time="))
        .unwrap();
    let minutes: Vec<u64> = time.split(['-', ':']).map(|p| p.parse().unwrap()).collect();
    assert_eq!(minutes.len(), 4, "{time}");
    assert!(
        minutes[2] >= 5 || minutes[1] > 0,
        "at least the five minutes' margin: {time}"
    );
    let exec = script.lines().last().unwrap();
    let resolved = out.join("sweep.toml");
    assert!(
        exec.contains(&format!(" sweep --config {} ", resolved.display())),
        "{exec}"
    );
    assert!(
        exec.ends_with("--shard-count 3 --threads 1 --resume --quiet"),
        "{exec}"
    );
    assert!(!exec.contains("--slurm") && !exec.contains("--max-parallel"));
    // The resolved file is the whole sweep: its tasks get the same slices as the flags did.
    let again = dir.path().join("again");
    let o = mlp()
        .args([
            "sweep",
            "--slurm",
            "--shard-count",
            "3",
            "--time",
            "1:00:00",
            "--config",
        ])
        .arg(&resolved)
        .arg("--data")
        .arg(dir.path())
        .arg("--out")
        .arg(&again)
        .output()
        .unwrap();
    assert!(o.status.success(), "{o:?}");
    let keys = |d: &Path| -> serde_json::Value {
        serde_json::from_slice::<serde_json::Value>(&std::fs::read(d.join("sweep.json")).unwrap())
            .unwrap()["shard_keys"]
            .clone()
    };
    assert_eq!(keys(&again), keys(&out));
    assert_eq!(keys(&out).as_array().unwrap().len(), 3);
    assert_eq!(
        keys(&out)
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k.as_array().unwrap().len())
            .sum::<usize>(),
        CONFIGS
    );
    assert!(
        !out.join("results.jsonl").exists(),
        "--slurm trains nothing here"
    );
    let status = mlp()
        .arg("sweep")
        .arg("--status")
        .arg(&out)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&status.stdout);
    assert_eq!(table.matches("not started").count(), 3, "{table}");
    assert!(
        table.contains(&format!(
            "sbatch --array=0,1,2 {}",
            out.join("sweep.sbatch").display()
        )),
        "{table}"
    );
}

/// A sweep file of four lists of 100 values (10^8 configurations), as a typo makes.
fn hundred_million_file(dir: &Path) -> std::path::PathBuf {
    let list =
        |f: &dyn Fn(usize) -> String| -> String { (0..100).map(f).collect::<Vec<_>>().join(", ") };
    let text = format!(
        "[[grid]]\ncase = [\"tanh\"]\nlr = [{}]\nhidden = [{}]\nl2 = [{}]\nseed = [{}]\n",
        list(&|i| format!("0.{:03}", i + 1)),
        list(&|i| (10 + i).to_string()),
        list(&|i| format!("{i}e-6")),
        list(&|i| i.to_string()),
    );
    let path = dir.join("huge.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// A sweep far beyond the limit is refused at once, with one line naming its
/// count and the lists that multiply to it, before it plans a single
/// configuration: it runs here in 1 GB of address space.
#[test]
fn a_grid_beyond_the_limit_is_refused_at_once_naming_its_lists() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let file = hundred_million_file(dir.path());
    let out = dir.path().join("out");
    let run = std::process::Command::new("sh")
        .arg("-c")
        .arg("ulimit -v 1000000 && exec \"$0\" \"$@\"")
        .arg(assert_cmd::cargo::cargo_bin("mlp"))
        .args(["sweep", "--config"])
        .arg(&file)
        .arg("--data")
        .arg(dir.path())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    for part in [
        "huge.toml expands to 100000000 configurations",
        "hidden 100 x lr 100 x l2 100 x seed 100",
        "more than --max-configurations (1000000)",
    ] {
        assert!(err.contains(part), "{part} missing from {err}");
    }
    assert!(!out.exists(), "a refused sweep wrote {}", out.display());

    // The limit is the user's: below a grid of flags it refuses naming the flags, at it the grid runs.
    let flags = [
        "sweep",
        "--case",
        "tanh",
        "--hidden",
        "4",
        "--lr",
        "0.01,0.02,0.03",
        "--seed",
        "1,2",
        "--train-samples",
        "20",
        "--epochs",
        "1",
        "--quiet",
        "--no-report",
        "--out",
    ];
    let small = dir.path().join("small");
    let refused = mlp()
        .args(flags)
        .arg(&small)
        .args(["--max-configurations", "5", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the command line expands to 6 configurations (--lr 3 x --seed 2)"),
        "{err}"
    );
    let ran = mlp()
        .args(flags)
        .arg(&small)
        .args(["--max-configurations", "6", "--data"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(ran.status.success(), "{ran:?}");
    assert_eq!(results(&small.join("results.jsonl")).len(), 6);
}

/// The plan's size comes first, before the data is read.
#[test]
fn a_sweep_says_how_many_configurations_it_plans_before_reading_data() {
    let dir = tempfile::tempdir().unwrap();
    let run = mlp()
        .args([
            "sweep",
            "--case",
            "tanh",
            "--lr",
            "0.01,0.02",
            "--seed",
            "1,2,3",
            "--data",
        ])
        .arg(dir.path().join("missing"))
        .arg("--out")
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{err}");
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines[0], "plan: 6 configurations", "{err}");
    assert!(lines[1].contains("missing"), "{err}");
}
