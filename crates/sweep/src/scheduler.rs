//! What a cluster scheduler tells a sweep and what a sweep hands it: the
//! shard and threads of a task from its environment, and the Slurm job-array
//! script that runs a resolved sweep file as slices.

use crate::{Shard, SweepError};
use std::path::{Path, PathBuf};

/// Array tasks at most: Slurm's default MaxArraySize is 1001.
pub const MAX_TASKS: usize = 1000;

/// The shard of a process started by a scheduler: Slurm's job arrays
/// (`SLURM_ARRAY_TASK_ID`, with `SLURM_ARRAY_TASK_COUNT` or `_MIN`/`_MAX`)
/// or a Kubernetes Indexed Job (`JOB_COMPLETION_INDEX`, which needs
/// `shard_count`). With `shard_count`, a Slurm task id is the 0-based
/// shard (so a rerun of some tasks, whose array is smaller, still finds its
/// slice); without, the array's own count and lowest id place it. Returns
/// `None` when no scheduler variable is set, else the shard and where it came from.
pub fn shard_from_environment(
    shard_count: Option<usize>,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<(Shard, String)>, String> {
    let number = |name: &str| -> Result<Option<usize>, String> {
        match var(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse::<usize>()
                .map(Some)
                .map_err(|_| format!("{name}={v} is not a whole number")),
        }
    };
    let place =
        |id: usize, count: usize, from: String| -> Result<Option<(Shard, String)>, String> {
            if count == 0 || id >= count {
                return Err(format!("{from} is not below the shard count {count}"));
            }
            let shard = Shard {
                index: id + 1,
                count,
            };
            Ok(Some((shard, from)))
        };
    if let Some(id) = number("SLURM_ARRAY_TASK_ID")? {
        if let Some(count) = shard_count {
            return place(
                id,
                count,
                format!("SLURM_ARRAY_TASK_ID={id} of a shard count of {count}"),
            );
        }
        if let Some(count) = number("SLURM_ARRAY_TASK_COUNT")? {
            let min = number("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let from = format!("SLURM_ARRAY_TASK_ID={id} of SLURM_ARRAY_TASK_COUNT={count}");
            return place(
                id.checked_sub(min)
                    .ok_or(format!("{from} is below SLURM_ARRAY_TASK_MIN={min}"))?,
                count,
                from,
            );
        }
        return match (number("SLURM_ARRAY_TASK_MIN")?, number("SLURM_ARRAY_TASK_MAX")?) {
            (Some(min), Some(max)) if min <= id && id <= max => place(
                id - min,
                max - min + 1,
                format!("SLURM_ARRAY_TASK_ID={id} in {min}..={max}"),
            ),
            _ => Err(format!(
                "SLURM_ARRAY_TASK_ID={id} is set without SLURM_ARRAY_TASK_COUNT or a MIN/MAX around it, so the shard count must be given"
            )),
        };
    }
    if let Some(index) = number("JOB_COMPLETION_INDEX")? {
        let Some(count) = shard_count else {
            return Err(format!(
                "JOB_COMPLETION_INDEX={index} is set, so the shard count must be given (the Indexed Job's completions)"
            ));
        };
        return place(
            index,
            count,
            format!("JOB_COMPLETION_INDEX={index} of a shard count of {count}"),
        );
    }
    Ok(None)
}

/// The threads a scheduler gave this task (`SLURM_CPUS_PER_TASK`), when it says.
pub fn threads_from_environment(
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<usize>, String> {
    match var("SLURM_CPUS_PER_TASK") {
        None => Ok(None),
        Some(v) => match v.trim().parse::<usize>() {
            Ok(n) if n > 0 => Ok(Some(n)),
            _ => Err(format!("SLURM_CPUS_PER_TASK={v} is not a thread count")),
        },
    }
}

/// What the job array asks of Slurm.
#[derive(Debug, Clone)]
pub struct ArraySpec {
    /// Array tasks, one slice each.
    pub tasks: usize,
    /// Tasks running at once (`%K`), when capped.
    pub max_parallel: Option<usize>,
    /// CPUs (and sweep threads) per task.
    pub cpus_per_task: usize,
    /// Slurm's time limit of each task (`D-HH:MM:SS`).
    pub time: String,
    /// The partition to run in.
    pub partition: Option<String>,
    /// The account to charge.
    pub account: Option<String>,
}

/// What every task of the array runs: `mlp sweep` on the resolved sweep file.
#[derive(Debug, Clone)]
pub struct TaskCommand {
    /// The `mlp` binary.
    pub exe: PathBuf,
    /// The resolved sweep file (every configuration of the sweep).
    pub config: PathBuf,
    /// The data the sweep reads.
    pub data: PathBuf,
    /// The sweep's folder.
    pub out: PathBuf,
    /// Samples per block of held-back W1 updates (part of every run's key).
    pub block_samples: usize,
    /// Keep every finished configuration's model.
    pub save_models: bool,
    /// The most configurations the sweep file may expand to.
    pub max_configurations: usize,
    /// Every task a worker of the sweep's asynchronous searches (`--worker`), not a slice.
    pub worker: bool,
}

impl TaskCommand {
    /// The command line of a task, as shell words, for an array of `spec.tasks` slices.
    fn words(&self, spec: &ArraySpec) -> Vec<String> {
        let path = |p: &Path| shell_word(&p.display().to_string());
        let mut line = vec![path(&self.exe), "sweep".into(), "--config".into()];
        line.push(path(&self.config));
        line.extend([
            "--data".into(),
            path(&self.data),
            "--out".into(),
            path(&self.out),
        ]);
        line.push(format!("--block-samples {}", self.block_samples));
        line.push(format!("--max-configurations {}", self.max_configurations));
        if self.save_models {
            line.push("--save-models".into());
        }
        if !self.worker {
            line.push(format!("--shard-count {}", spec.tasks));
        }
        line.push(format!("--threads {}", spec.cpus_per_task));
        line.push(match self.worker {
            true => "--worker --quiet".into(),
            false => "--resume --quiet".into(),
        });
        line
    }
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

/// The job-array script running `task` as `spec.tasks` slices from the folder `cwd`.
pub fn script(spec: &ArraySpec, task: &TaskCommand, cwd: &Path) -> String {
    let mut s = String::from("#!/bin/bash\n# Written by `mlp sweep --slurm`; rerun unfinished tasks with the line `mlp sweep --status` prints.\n");
    s.push_str("#SBATCH --job-name=mlp-sweep\n");
    let cap = spec.max_parallel.map_or(String::new(), |k| format!("%{k}"));
    s.push_str(&format!("#SBATCH --array=0-{}{cap}\n", spec.tasks - 1));
    s.push_str(&format!("#SBATCH --cpus-per-task={}\n", spec.cpus_per_task));
    s.push_str(&format!("#SBATCH --time={}\n", spec.time));
    s.push_str(&format!("#SBATCH --chdir={}\n", cwd.display()));
    s.push_str(&format!(
        "#SBATCH --output={}\n",
        task.out.join("logs").join("task-%a.out").display()
    ));
    if let Some(p) = &spec.partition {
        s.push_str(&format!("#SBATCH --partition={p}\n"));
    }
    if let Some(a) = &spec.account {
        s.push_str(&format!("#SBATCH --account={a}\n"));
    }
    s.push_str(&format!("exec {}\n", task.words(spec).join(" ")));
    s
}

/// Runs `sbatch FILE` and returns the job id it printed.
pub fn submit(path: &Path) -> Result<String, SweepError> {
    let run = std::process::Command::new("sbatch")
        .arg(path)
        .output()
        .map_err(|e| SweepError::NoScheduler {
            problem: format!("cannot run sbatch ({e}); is Slurm installed here?"),
        })?;
    let said = String::from_utf8_lossy(&run.stdout);
    if !run.status.success() {
        return Err(SweepError::Scheduler {
            problem: format!(
                "sbatch {} failed: {}",
                path.display(),
                String::from_utf8_lossy(&run.stderr).trim()
            ),
        });
    }
    said.split_whitespace()
        .last()
        .filter(|id| id.chars().all(|c| c.is_ascii_digit()))
        .map(str::to_string)
        .ok_or_else(|| SweepError::Scheduler {
            problem: format!("sbatch printed no job id: {}", said.trim()),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedulers_environments_give_the_shard_and_say_where_from() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        type Pairs = &'static [(&'static str, &'static str)];
        let shard = |count: Option<usize>, pairs: Pairs| shard_from_environment(count, &env(pairs));
        assert_eq!(shard(None, &[]), Ok(None));
        let (s, from) = shard(
            None,
            &[
                ("SLURM_ARRAY_TASK_ID", "1"),
                ("SLURM_ARRAY_TASK_COUNT", "3"),
            ],
        )
        .unwrap()
        .unwrap();
        assert_eq!(s, Shard { index: 2, count: 3 });
        assert!(from.contains("SLURM_ARRAY_TASK_ID=1"), "{from}");
        // A rerun of task 4 alone: its array says 4..=4, --shard-count says 5.
        let rerun: Pairs = &[
            ("SLURM_ARRAY_TASK_ID", "4"),
            ("SLURM_ARRAY_TASK_COUNT", "1"),
            ("SLURM_ARRAY_TASK_MIN", "4"),
            ("SLURM_ARRAY_TASK_MAX", "4"),
        ];
        let (s, _) = shard(Some(5), rerun).unwrap().unwrap();
        assert_eq!(s, Shard { index: 5, count: 5 });
        let (s, _) = shard(
            None,
            &[
                ("SLURM_ARRAY_TASK_ID", "7"),
                ("SLURM_ARRAY_TASK_MIN", "5"),
                ("SLURM_ARRAY_TASK_MAX", "8"),
            ],
        )
        .unwrap()
        .unwrap();
        assert_eq!(s, Shard { index: 3, count: 4 });
        let (s, _) = shard(Some(4), &[("JOB_COMPLETION_INDEX", "0")])
            .unwrap()
            .unwrap();
        assert_eq!(s, Shard { index: 1, count: 4 });
        assert!(shard(None, &[("JOB_COMPLETION_INDEX", "0")])
            .unwrap_err()
            .contains("shard count must be given"));
        assert!(shard(Some(2), &[("SLURM_ARRAY_TASK_ID", "2")])
            .unwrap_err()
            .contains("below"));
        assert!(shard(None, &[("SLURM_ARRAY_TASK_ID", "x")])
            .unwrap_err()
            .contains("whole number"));
        assert!(shard(None, &[("SLURM_ARRAY_TASK_ID", "0")])
            .unwrap_err()
            .contains("shard count must be given"));
    }

    #[test]
    fn the_script_runs_the_resolved_sweep_file_as_an_array() {
        let spec = ArraySpec {
            tasks: 24,
            max_parallel: Some(4),
            cpus_per_task: 2,
            time: "0-00:17:00".into(),
            partition: Some("short".into()),
            account: None,
        };
        let task = TaskCommand {
            exe: "/opt/mlp".into(),
            config: "runs/a b/sweep.toml".into(),
            data: "data/mnist".into(),
            out: "runs/a b".into(),
            block_samples: 32,
            save_models: true,
            max_configurations: 1_000_000,
            worker: false,
        };
        let workers = script(
            &spec,
            &TaskCommand {
                worker: true,
                ..task.clone()
            },
            Path::new("/home/u"),
        );
        assert!(
            workers.ends_with("--save-models --threads 2 --worker --quiet\n"),
            "{workers}"
        );
        let text = script(&spec, &task, Path::new("/home/u"));
        assert!(text.contains("#SBATCH --array=0-23%4\n"), "{text}");
        assert!(text.contains("#SBATCH --cpus-per-task=2\n"));
        assert!(text.contains("#SBATCH --time=0-00:17:00\n"));
        assert!(text.contains("#SBATCH --chdir=/home/u\n"));
        assert!(text.contains("#SBATCH --output=runs/a b/logs/task-%a.out\n"));
        assert!(text.contains("#SBATCH --partition=short\n"));
        assert!(!text.contains("--account"));
        assert!(text.ends_with(
            "exec /opt/mlp sweep --config 'runs/a b/sweep.toml' --data data/mnist --out 'runs/a b' --block-samples 32 --max-configurations 1000000 --save-models --shard-count 24 --threads 2 --resume --quiet\n"
        ), "{text}");
        assert_eq!(slurm_time(61.0), "0-00:02:00");
        assert_eq!(slurm_time(90_000.0), "1-01:00:00");
    }

    #[test]
    fn slurms_cpus_are_the_threads_and_nonsense_is_named() {
        let env = |v: Option<&'static str>| {
            move |k: &str| {
                (k == "SLURM_CPUS_PER_TASK")
                    .then_some(v)
                    .flatten()
                    .map(String::from)
            }
        };
        assert_eq!(threads_from_environment(&env(None)), Ok(None));
        assert_eq!(threads_from_environment(&env(Some("4"))), Ok(Some(4)));
        assert!(threads_from_environment(&env(Some("0")))
            .unwrap_err()
            .contains("SLURM_CPUS_PER_TASK=0"));
    }
}
