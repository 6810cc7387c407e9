//! The results file: one JSON object per finished configuration, appended and synced.

use crate::lock::{FileLock, LockMode, LockTiming};
use crate::SweepError;
use mlp_engine::{DataInfo, TrainReport};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One line of `results.jsonl`: a finished configuration and its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    /// The run's identity, see [`crate::run_key`].
    pub key: String,
    /// Configuration, metrics, history, confusion matrix, SIMD path, version.
    #[serde(flatten)]
    pub report: TrainReport,
    /// SHA-256 of each data file the run read.
    pub data: BTreeMap<String, String>,
    /// What the data set was: path, format, shapes, classes, scaling (absent in earlier records).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset: Option<DataInfo>,
    /// Seconds since the Unix epoch when the run finished.
    pub finished_unix: u64,
    /// The epoch at which successive halving stopped this trial, when it did:
    /// the record then holds the run up to that epoch only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped_at_epoch: Option<usize>,
}

/// The results file of a sweep written into `out`.
pub fn results_path(out: &Path) -> PathBuf {
    out.join("results.jsonl")
}

/// What a sweep folder says about its sweep beside the results: its title.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SweepMeta {
    /// The sweep file's `name`, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The results key of every configuration of each shard (one list for
    /// an unsharded sweep), for `mlp sweep --status`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shard_keys: Vec<Vec<String>>,
}

impl SweepMeta {
    /// The meta of a sweep titled `name` running `whole` in `count` shards
    /// with steps run as `step` says (each shard's keys, for `--status`).
    pub fn of_plan(
        name: Option<String>,
        whole: &crate::SweepPlan,
        count: usize,
        step: mlp_engine::StepOptions,
    ) -> SweepMeta {
        let shard_keys = (1..=count)
            .map(|index| {
                let part = whole.clone().select(crate::Shard { index, count });
                let keys = part
                    .configs()
                    .map(|c| crate::run_key(c, step.block_samples()));
                keys.collect()
            })
            .collect();
        SweepMeta { name, shard_keys }
    }

    /// `OUT/sweep.json`.
    pub fn path(out: &Path) -> PathBuf {
        out.join("sweep.json")
    }

    /// Writes `OUT/sweep.json` whole.
    pub fn save(&self, out: &Path) -> Result<(), SweepError> {
        let path = SweepMeta::path(out);
        let text = serde_json::to_vec_pretty(self).map_err(|e| SweepError::Format {
            path: path.clone(),
            problem: e.to_string(),
        })?;
        Ok(mlp_engine::files::write_atomic(&path, &text)?)
    }

    /// Reads `OUT/sweep.json`; a folder without one describes a sweep without a title.
    pub fn load(out: &Path) -> Result<SweepMeta, SweepError> {
        let path = SweepMeta::path(out);
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| SweepError::Format {
                path,
                problem: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SweepMeta::default()),
            Err(source) => Err(SweepError::Io { path, source }),
        }
    }
}

/// The results file `shard` of a sweep in `out` appends to: `results.jsonl`
/// for the whole sweep, `results/shard-K-of-N.jsonl` for one of N slices,
/// so that no two processes ever append to one file.
pub fn shard_results_path(out: &Path, shard: crate::Shard) -> PathBuf {
    if shard.count <= 1 {
        results_path(out)
    } else {
        out.join("results")
            .join(format!("shard-{}-of-{}.jsonl", shard.index, shard.count))
    }
}

/// The results file of one worker of an asynchronous search in `out`:
/// `OUT/results/worker-HOST-PID.jsonl`, so that no two processes append to one file.
pub fn worker_results_path(out: &Path) -> PathBuf {
    out.join("results").join(format!(
        "worker-{}-{}.jsonl",
        crate::lock::host_name(),
        std::process::id()
    ))
}

/// The sweep folder a results file belongs to: its folder, or for a shard's
/// file (`OUT/results/shard-K-of-N.jsonl`) the one above.
pub fn sweep_folder(results_file: &Path) -> PathBuf {
    let parent = results_file.parent().unwrap_or(Path::new("."));
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    match (parent.file_name(), parent.parent()) {
        (Some(name), Some(up)) if name == "results" && up.join("results").is_dir() => {
            if up.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                up.to_path_buf()
            }
        }
        _ => parent.to_path_buf(),
    }
}

/// Every results file of the sweep in folder `out`: `results.jsonl` and
/// `results/*.jsonl`, those that exist, in name order.
pub fn results_files(out: &Path) -> Result<Vec<PathBuf>, SweepError> {
    let mut files = Vec::new();
    let whole = results_path(out);
    match std::fs::metadata(&whole) {
        Ok(_) => files.push(whole),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(source) => {
            return Err(SweepError::Io {
                path: whole,
                source,
            })
        }
    }
    let dir = out.join("results");
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(files),
        Err(source) => return Err(SweepError::Io { path: dir, source }),
    };
    let mut shards = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|source| SweepError::Io {
                path: dir.clone(),
                source,
            })?
            .path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            shards.push(path);
        }
    }
    shards.sort();
    files.extend(shards);
    Ok(files)
}

/// What reading a results file found.
#[derive(Debug, Default)]
pub struct ReadOutcome {
    /// Every complete record, in file order.
    pub records: Vec<RunRecord>,
    /// Bytes of the file up to the end of the last complete record.
    pub valid_len: u64,
    /// True when an incomplete last line (from a hard kill) was ignored.
    pub torn_tail: bool,
    /// True when the last record is whole but lacks its newline.
    pub missing_newline: bool,
}

/// An open `results.jsonl`, appended to one synced line at a time.
pub struct ResultsFile {
    path: PathBuf,
    file: File,
    /// The lock file beside it, released when the results file is dropped.
    _lock: crate::lock::FileLock,
}

impl ResultsFile {
    /// Reads every complete record of `path`; a torn last line is ignored, other bad lines are errors.
    pub fn read(path: &Path) -> Result<ReadOutcome, SweepError> {
        let bytes = std::fs::read(path).map_err(|source| SweepError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut out = ReadOutcome::default();
        let mut start = 0usize;
        let mut line_no = 0usize;
        while start < bytes.len() {
            line_no += 1;
            let (end, complete) = match bytes[start..].iter().position(|&b| b == b'\n') {
                Some(p) => (start + p, true),
                None => (bytes.len(), false),
            };
            let line = &bytes[start..end];
            let next = if complete { end + 1 } else { end };
            if line.iter().all(u8::is_ascii_whitespace) {
                start = next;
                if complete {
                    out.valid_len = next as u64;
                }
                continue;
            }
            match serde_json::from_slice::<RunRecord>(line) {
                Ok(mut rec) => {
                    rec.key = crate::key::current_spelling(&rec.key);
                    out.records.push(rec);
                    out.valid_len = next as u64;
                    // A whole record that lost only its newline is kept; the newline is restored on append.
                    out.missing_newline = !complete;
                }
                // An incomplete last line is what a hard kill mid-write leaves: ignore it.
                Err(_) if !complete => out.torn_tail = true,
                Err(e) => {
                    return Err(SweepError::Format {
                        path: path.to_path_buf(),
                        problem: format!("line {line_no} is not a result record: {e}"),
                    })
                }
            }
            start = next;
        }
        Ok(out)
    }

    /// Opens `path` for appending; existing complete records are returned, a torn tail is cut off.
    ///
    /// Without `resume`, an existing non-empty file is an error rather than
    /// silently mixed into. One process writes it at a time: it holds
    /// `flock` on the file (unless `MLP_LOCK=file`) and the lock file
    /// `PATH.lock` (see [`crate::lock`]), whose timing `MLP_LOCK_GRACE_SECS` sets.
    pub fn open(path: &Path, resume: bool) -> Result<(ResultsFile, ReadOutcome), SweepError> {
        ResultsFile::open_locked(path, resume, LockMode::from_env(), LockTiming::from_env())
    }

    /// [`ResultsFile::open`] with the locks and their timing given.
    pub fn open_locked(
        path: &Path,
        resume: bool,
        mode: LockMode,
        timing: LockTiming,
    ) -> Result<(ResultsFile, ReadOutcome), SweepError> {
        let io = |source| SweepError::Io {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| SweepError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        // One writer per file: flock goes with the process however it ends,
        // where the filesystem keeps it; the lock file holds across nodes.
        let locked = |holder: Option<String>| SweepError::Locked {
            path: path.to_path_buf(),
            holder,
            grace_secs: timing.grace.as_secs_f64(),
        };
        if mode == LockMode::Both {
            match file.try_lock() {
                Ok(()) => {}
                Err(std::fs::TryLockError::WouldBlock) => return Err(locked(None)),
                // Unsupported here: the lock file alone guards it.
                Err(std::fs::TryLockError::Error(_)) => {}
            }
        }
        let mut lock_path = path.as_os_str().to_owned();
        lock_path.push(".lock");
        let lock = match FileLock::try_take(Path::new(&lock_path), timing)? {
            Ok(lock) => lock,
            Err(holder) => return Err(locked(Some(holder.to_string()))),
        };
        let existing = match file.metadata().map_err(io)?.len() {
            0 => ReadOutcome::default(),
            _ if !resume => {
                return Err(SweepError::ResultsExist {
                    path: path.to_path_buf(),
                })
            }
            _ => {
                let read = ResultsFile::read(path)?;
                // Keys before the block size was recorded lack it: resuming
                // would run those configurations again beside them.
                let unkeyed = read
                    .records
                    .iter()
                    .filter(|r| !r.key.contains("|block="))
                    .count();
                if unkeyed > 0 {
                    return Err(SweepError::Format {
                        path: path.to_path_buf(),
                        problem: format!(
                            "{unkeyed} of its results come from an earlier mlp that did not record their block size, so they cannot be resumed; run the sweep into a new folder, or move this file away to start over"
                        ),
                    });
                }
                read
            }
        };
        // Cut a torn tail so the next record starts on a line of its own.
        file.set_len(existing.valid_len).map_err(io)?;
        if existing.missing_newline {
            file.write_all(b"\n").map_err(io)?;
        }
        Ok((
            ResultsFile {
                path: path.to_path_buf(),
                file,
                _lock: lock,
            },
            existing,
        ))
    }

    /// Appends one record as a line, flushed and synced before returning.
    pub fn append(&mut self, record: &RunRecord) -> Result<(), SweepError> {
        let mut line = serde_json::to_vec(record).map_err(|e| SweepError::Format {
            path: self.path.clone(),
            problem: e.to_string(),
        })?;
        line.push(b'\n');
        let io = |source| SweepError::Io {
            path: self.path.clone(),
            source,
        };
        // One write per line: a crash leaves at most one torn line, at the end.
        self.file.write_all(&line).map_err(io)?;
        self.file.flush().map_err(io)?;
        self.file.sync_data().map_err(io)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Merges result files: a configuration present twice is kept once; differing metrics are an error.
pub fn merge(paths: &[PathBuf]) -> Result<Vec<RunRecord>, SweepError> {
    merge_noting(paths).map(|m| m.records)
}

/// Result files merged, and what was found twice.
#[derive(Debug, Default)]
pub struct Merged {
    /// Every configuration once, in the order first seen.
    pub records: Vec<RunRecord>,
    /// Keys of configurations found more than once (with the same figures), once each.
    pub repeated: Vec<String>,
}

/// [`merge`], noting the configurations present more than once.
pub fn merge_noting(paths: &[PathBuf]) -> Result<Merged, SweepError> {
    let mut repeated = Vec::new();
    let mut by_key: BTreeMap<String, (RunRecord, PathBuf)> = BTreeMap::new();
    let mut order = Vec::new();
    for path in paths {
        for rec in ResultsFile::read(path)?.records {
            match by_key.get(&rec.key) {
                Some((prev, prev_path)) => {
                    if prev.report.metrics.without_timings() != rec.report.metrics.without_timings()
                    {
                        return Err(SweepError::Format {
                            path: path.clone(),
                            problem: format!(
                                "configuration {} conflicts with {}: same configuration, different metrics",
                                rec.key,
                                prev_path.display()
                            ),
                        });
                    }
                    if !repeated.contains(&rec.key) {
                        repeated.push(rec.key.clone());
                    }
                }
                None => {
                    order.push(rec.key.clone());
                    by_key.insert(rec.key.clone(), (rec, path.clone()));
                }
            }
        }
    }
    let records = order
        .into_iter()
        .filter_map(|k| by_key.remove(&k).map(|(r, _)| r))
        .collect();
    Ok(Merged { records, repeated })
}
