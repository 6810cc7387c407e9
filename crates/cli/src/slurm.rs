//! `mlp sweep --slurm`: a ready job-array script for the sweep, and `--submit` to hand it to sbatch.

use crate::exit::{from_engine, from_sweep, UsageError};
use anyhow::Context;
use mlp_engine::{LoadedData, StepOptions};
use mlp_sweep::{estimate, Shard, SweepPlan};
use std::path::Path;
use std::time::Duration;

/// Array tasks at most: Slurm's default MaxArraySize is 1001.
pub const MAX_TASKS: usize = 1000;

/// What the script asks of Slurm.
#[derive(Debug, Clone)]
pub struct ArraySpec {
    /// Array tasks, one slice each.
    pub tasks: usize,
    /// Tasks running at once (`%K`), when capped.
    pub max_parallel: Option<usize>,
    /// CPUs (and sweep threads) per task.
    pub cpus_per_task: usize,
    /// `--time`, as given, or estimated when `None`.
    pub time: Option<String>,
    /// `--partition`, passed through.
    pub partition: Option<String>,
    /// `--account`, passed through.
    pub account: Option<String>,
}

/// Flags of `mlp sweep` that only shape the script, and whether each takes a value.
const SCRIPT_FLAGS: &[(&str, bool)] = &[
    ("--slurm", false),
    ("--submit", false),
    ("--resume", false),
    ("--quiet", false),
    ("--shard-count", true),
    ("--max-parallel", true),
    ("--cpus-per-task", true),
    ("--time", true),
    ("--partition", true),
    ("--account", true),
    ("--threads", true),
];

/// The `mlp sweep` arguments of this process without the script's own flags.
fn sweep_arguments(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip_value = false;
    for a in args {
        if skip_value {
            skip_value = false;
            continue;
        }
        let name = a.split('=').next().unwrap_or(a);
        match SCRIPT_FLAGS.iter().find(|(f, _)| *f == name) {
            Some((_, takes_value)) => skip_value = *takes_value && !a.contains('='),
            None => out.push(a.clone()),
        }
    }
    out
}

/// A word for bash: quoted unless plainly safe.
fn shell_word(s: &str) -> String {
    let safe = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c));
    if safe {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// `seconds` as Slurm's `D-HH:MM:SS`, rounded up to whole minutes.
pub fn slurm_time(seconds: f64) -> String {
    let minutes = (seconds / 60.0).ceil().max(1.0) as u64;
    let (days, rest) = (minutes / (24 * 60), minutes % (24 * 60));
    format!("{days}-{:02}:{:02}:00", rest / 60, rest % 60)
}

/// The job-array script running `plan` as `spec.tasks` slices into `out`.
pub fn script(
    spec: &ArraySpec,
    time: &str,
    (exe, cwd): (&Path, &Path),
    sweep_args: &[String],
    out: &Path,
) -> String {
    let mut s = String::from("#!/bin/bash\n# Written by `mlp sweep --slurm`; rerun unfinished tasks with the line `mlp sweep --status` prints.\n");
    s.push_str("#SBATCH --job-name=mlp-sweep\n");
    let cap = spec.max_parallel.map_or(String::new(), |k| format!("%{k}"));
    s.push_str(&format!("#SBATCH --array=0-{}{cap}\n", spec.tasks - 1));
    s.push_str(&format!("#SBATCH --cpus-per-task={}\n", spec.cpus_per_task));
    s.push_str(&format!("#SBATCH --time={time}\n"));
    s.push_str(&format!("#SBATCH --chdir={}\n", cwd.display()));
    s.push_str(&format!(
        "#SBATCH --output={}\n",
        out.join("logs").join("task-%a.out").display()
    ));
    if let Some(p) = &spec.partition {
        s.push_str(&format!("#SBATCH --partition={p}\n"));
    }
    if let Some(a) = &spec.account {
        s.push_str(&format!("#SBATCH --account={a}\n"));
    }
    let mut line = vec![shell_word(&exe.display().to_string()), "sweep".to_string()];
    line.extend(sweep_args.iter().map(|a| shell_word(a)));
    line.push(format!("--shard-count {}", spec.tasks));
    line.push(format!("--threads {}", spec.cpus_per_task));
    line.push("--resume --quiet".into());
    s.push_str(&format!("exec {}\n", line.join(" ")));
    s
}

/// Writes `OUT/sweep.sbatch` for `whole` and returns its path and the time asked for.
pub fn write_script(
    spec: &ArraySpec,
    whole: &SweepPlan,
    data: &LoadedData,
    step: StepOptions,
    out: &Path,
) -> anyhow::Result<(std::path::PathBuf, String, Option<f64>)> {
    let (time, estimate) = match &spec.time {
        Some(t) => (t.clone(), None),
        None => {
            let per_cost =
                estimate::seconds_per_cost(whole, data, step, Duration::from_millis(500))
                    .map_err(from_sweep)?;
            let slowest = (1..=spec.tasks)
                .map(|index| {
                    let part = whole.clone().select(Shard {
                        index,
                        count: spec.tasks,
                    });
                    estimate::plan_seconds(&part, spec.cpus_per_task, per_cost)
                })
                .fold(0.0, f64::max);
            // Half again for a slower or busier node, and minutes to load data and evaluate.
            let asked = slowest * 1.5 + 300.0;
            (slurm_time(asked), Some(slowest))
        }
    };
    let exe = std::env::current_exe().context("cannot find this mlp binary's path")?;
    let cwd = std::env::current_dir().context("cannot read the working folder")?;
    let args: Vec<String> = std::env::args().skip(2).collect();
    let text = script(spec, &time, (&exe, &cwd), &sweep_arguments(&args), out);
    std::fs::create_dir_all(out.join("logs"))
        .with_context(|| format!("cannot create {}", out.join("logs").display()))?;
    let path = out.join("sweep.sbatch");
    mlp_engine::files::write_atomic(&path, text.as_bytes()).map_err(from_engine)?;
    Ok((path, time, estimate))
}

/// Runs `sbatch FILE` and returns the job id it printed.
pub fn submit(path: &Path) -> anyhow::Result<String> {
    let run = std::process::Command::new("sbatch")
        .arg(path)
        .output()
        .map_err(|e| {
            UsageError(format!(
                "invalid --submit: cannot run sbatch ({e}); is Slurm installed here?"
            ))
        })?;
    let said = String::from_utf8_lossy(&run.stdout);
    if !run.status.success() {
        anyhow::bail!(
            "sbatch {} failed: {}",
            path.display(),
            String::from_utf8_lossy(&run.stderr).trim()
        );
    }
    said.split_whitespace()
        .last()
        .filter(|id| id.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .with_context(|| format!("sbatch printed no job id: {}", said.trim()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_drops_its_own_flags_and_adds_the_arrays() {
        let args: Vec<String> = [
            "--config",
            "s.toml",
            "--slurm",
            "--max-parallel",
            "4",
            "--out",
            "runs/a b",
            "--time=1:00:00",
            "--resume",
            "--submit",
            "--threads",
            "3",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        assert_eq!(
            sweep_arguments(&args),
            ["--config", "s.toml", "--out", "runs/a b"]
        );
        let spec = ArraySpec {
            tasks: 24,
            max_parallel: Some(4),
            cpus_per_task: 2,
            time: None,
            partition: Some("short".into()),
            account: None,
        };
        let text = script(
            &spec,
            "0-00:17:00",
            (Path::new("/opt/mlp"), Path::new("/home/u")),
            &sweep_arguments(&args),
            Path::new("runs/a b"),
        );
        assert!(text.contains("#SBATCH --array=0-23%4\n"), "{text}");
        assert!(text.contains("#SBATCH --cpus-per-task=2\n"));
        assert!(text.contains("#SBATCH --time=0-00:17:00\n"));
        assert!(text.contains("#SBATCH --partition=short\n"));
        assert!(!text.contains("--account"));
        assert!(text.ends_with(
            "exec /opt/mlp sweep --config s.toml --out 'runs/a b' --shard-count 24 --threads 2 --resume --quiet\n"
        ), "{text}");
        assert_eq!(slurm_time(61.0), "0-00:02:00");
        assert_eq!(slurm_time(90_000.0), "1-01:00:00");
    }
}
