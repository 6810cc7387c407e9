//! Errors a sweep reports.
//!
//! They name what the sweep knows (a file, a field, a configuration's key);
//! a front end maps those to its own words, such as command-line flags.

use mlp_engine::EngineError;
use std::path::PathBuf;

/// Something that stops a sweep from being planned, run or read back.
#[derive(Debug, thiserror::Error)]
pub enum SweepError {
    /// A configuration could not be trained, or its data not read.
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A value of a sweep's table is out of range.
    #[error("invalid {field}: {problem}")]
    Config {
        /// The offending field, named as in a sweep file.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
    /// A results file already holds results and resuming it was not asked for.
    #[error("{} already holds results", path.display())]
    ResultsExist {
        /// The results file.
        path: PathBuf,
    },
    /// Another process holds the lock of a results file.
    #[error("{} is being written by another mlp process{}; let it finish (or stop it) before running this shard again", path.display(), holder.as_ref().map_or(String::new(), |h| format!(" ({h}; its lock is taken over after {grace_secs:.0} s without one)")))]
    Locked {
        /// The results file.
        path: PathBuf,
        /// Who holds its lock file, when that lock (not `flock`) refused.
        holder: Option<String>,
        /// Seconds without a heartbeat after which the lock is taken over.
        grace_secs: f64,
    },
    /// The worker threads could not be started.
    #[error("cannot start {threads} worker threads: {problem}")]
    Threads {
        /// Threads asked for.
        threads: usize,
        /// Why they could not start.
        problem: String,
    },
    /// A file of the sweep could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A file of the sweep (a sweep file, results, a checkpoint) could not be understood.
    #[error("{}: {problem}", path.display())]
    Format {
        /// The file involved.
        path: PathBuf,
        /// What is wrong with it.
        problem: String,
    },
    /// What the sweep's folder holds contradicts its plan.
    #[error("{problem}; run the sweep into a new folder")]
    Inconsistent {
        /// What contradicts what.
        problem: String,
    },
    /// The cluster scheduler could not be reached.
    #[error("{problem}")]
    NoScheduler {
        /// What failed.
        problem: String,
    },
    /// The cluster scheduler refused the work or answered what cannot be read.
    #[error("{problem}")]
    Scheduler {
        /// What it said.
        problem: String,
    },
    /// A sweep expands to more configurations than it may.
    #[error("{} expands to {count} configurations ({}), more than the limit of {limit}", file.as_ref().map_or("the grid".into(), |p| p.display().to_string()), tables_text(tables))]
    TooManyConfigurations {
        /// The sweep file, or `None` for a grid given directly.
        file: Option<PathBuf>,
        /// Configurations it expands to (saturating).
        count: u128,
        /// The most it may expand to.
        limit: usize,
        /// Each table of more than one configuration (its name, empty for a
        /// lone grid) and its lists longer than one value, with their lengths.
        tables: Vec<(String, Vec<(&'static str, u128)>)>,
    },
}

impl SweepError {
    /// A sweep-table error for `field`.
    pub fn config(field: &'static str, problem: impl Into<String>) -> Self {
        SweepError::Config {
            field,
            problem: problem.into(),
        }
    }
}

/// Lists and their lengths as `lr 100 x hidden 100`.
pub(crate) fn lists_text(lists: &[(&str, u128)]) -> String {
    if lists.is_empty() {
        return "no list of more than one value".into();
    }
    let parts: Vec<String> = lists
        .iter()
        .map(|(name, len)| format!("{name} {len}"))
        .collect();
    parts.join(" x ")
}

/// Tables and their lists as `[[grid]] table 1: lr 100 x seed 3; [[search]] table 1: trials 50`.
fn tables_text(tables: &[(String, Vec<(&'static str, u128)>)]) -> String {
    let parts: Vec<String> = tables
        .iter()
        .map(|(name, lists)| match name.is_empty() {
            true => lists_text(lists),
            false => format!("{name}: {}", lists_text(lists)),
        })
        .collect();
    parts.join("; ")
}
