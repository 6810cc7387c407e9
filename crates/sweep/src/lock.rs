//! Locks that hold on cluster filesystems: a lock file made by `link`,
//! naming its owner's host and pid, kept fresh by a heartbeat, and taken
//! over once stale.
//!
//! `flock` is node-local or unsupported on several cluster filesystems, so
//! it protects nothing where two nodes share a folder. Creating a file by
//! hard-linking a complete temporary file is atomic on local disks and on
//! NFS alike (the classic NFS-safe lock file), and the lock is whole from
//! its first moment. The owner touches the file every `beat`; a lock whose
//! file was not touched for `grace`, or whose owner is a dead process on
//! this host, is stale, and is taken over under a second lock file that
//! lets one taker at a time in, so that of several takers exactly one gets it.

use crate::SweepError;
use std::fs::{self, File};
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

/// How long a lock lives without a heartbeat, and how often its owner beats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockTiming {
    /// A lock whose file was not touched for this long is stale.
    pub grace: Duration,
    /// How often the owner touches its lock file.
    pub beat: Duration,
}

impl LockTiming {
    /// The grace period when `MLP_LOCK_GRACE_SECS` does not set one.
    pub const DEFAULT_GRACE: Duration = Duration::from_secs(60);

    /// `grace`, with a heartbeat four times within it.
    pub fn with_grace(grace: Duration) -> LockTiming {
        LockTiming {
            grace,
            beat: grace / 4,
        }
    }

    /// The timing `MLP_LOCK_GRACE_SECS` sets (seconds, fractions allowed), else the default.
    pub fn from_env() -> LockTiming {
        let grace = std::env::var("MLP_LOCK_GRACE_SECS")
            .ok()
            .and_then(|s| s.trim().parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .map_or(LockTiming::DEFAULT_GRACE, Duration::from_secs_f64);
        LockTiming::with_grace(grace)
    }
}

/// Which locks guard a results file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    /// `flock` and a lock file: a dead process's `flock` goes at once, and
    /// the lock file holds where `flock` is node-local or unsupported.
    Both,
    /// The lock file alone (`MLP_LOCK=file`), as on a filesystem without `flock`.
    FileOnly,
}

impl LockMode {
    /// `MLP_LOCK=file` forces the lock file alone; anything else takes both.
    pub fn from_env() -> LockMode {
        match std::env::var("MLP_LOCK").as_deref() {
            Ok("file") => LockMode::FileOnly,
            _ => LockMode::Both,
        }
    }
}

/// Who holds a lock, as its file says.
#[derive(Debug, Clone, PartialEq)]
pub struct Holder {
    /// The owner's host name.
    pub host: String,
    /// The owner's process id.
    pub pid: u32,
    /// What makes this owner's file its own.
    nonce: String,
    /// Seconds since its last heartbeat.
    pub idle_secs: f64,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "host {}, pid {}, last heartbeat {:.0} s ago",
            self.host, self.pid, self.idle_secs
        )
    }
}

/// A lock this process holds; dropping it releases it.
#[derive(Debug)]
pub struct FileLock {
    path: PathBuf,
    nonce: String,
    stop: Arc<AtomicBool>,
    lost: Arc<AtomicBool>,
    heart: Option<JoinHandle<()>>,
}

/// This machine's host name.
pub fn host_name() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// False only when `pid` is known not to run on this machine.
fn alive_here(pid: u32) -> bool {
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// A name no other lock attempt uses: host, pid, time and a counter.
fn fresh_nonce() -> String {
    static COUNT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!(
        "{}-{}-{nanos}-{}",
        host_name(),
        std::process::id(),
        COUNT.fetch_add(1, Ordering::Relaxed)
    )
}

fn io_error(path: &Path) -> impl Fn(std::io::Error) -> SweepError + '_ {
    move |source| SweepError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The holder the lock file at `path` names, when there is one.
pub fn holder_of(path: &Path) -> Result<Option<Holder>, SweepError> {
    read_holder(path)
}

/// The holder a lock file names, and how long it has been idle; `None`
/// when there is no such file (any more).
fn read_holder(path: &Path) -> Result<Option<Holder>, SweepError> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path)(e)),
    };
    let modified = match fs::metadata(path).and_then(|m| m.modified()) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io_error(path)(e)),
    };
    // A clock behind the file server's makes the age negative: not idle.
    let idle_secs = SystemTime::now()
        .duration_since(modified)
        .map_or(0.0, |d| d.as_secs_f64());
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
            .map(str::to_string)
    };
    Ok(Some(Holder {
        host: field("host").unwrap_or_else(|| "unknown".into()),
        pid: field("pid").and_then(|p| p.parse().ok()).unwrap_or(0),
        nonce: field("nonce").unwrap_or_default(),
        idle_secs,
    }))
}

impl Holder {
    /// True when the lock may be taken over: idle past the grace period, or
    /// held by a process of this host that no longer runs.
    pub fn is_stale(&self, timing: &LockTiming, here: &str) -> bool {
        self.idle_secs > timing.grace.as_secs_f64()
            || (self.host == here && self.pid != 0 && !alive_here(self.pid))
    }
}

impl FileLock {
    /// Takes the lock at `path`, taking over a stale one; `Err(holder)`
    /// when another owner holds it.
    pub fn try_take(
        path: &Path,
        timing: LockTiming,
    ) -> Result<Result<FileLock, Holder>, SweepError> {
        let here = host_name();
        let nonce = fresh_nonce();
        // Again while the file comes and goes (other takers at it): a stale
        // lock removed on one pass leaves the way clear on the next.
        for _ in 0..8 {
            if create(path, &here, &nonce)? {
                return Ok(Ok(FileLock::started(path, nonce, timing)));
            }
            let Some(holder) = read_holder(path)? else {
                continue;
            };
            if !holder.is_stale(&timing, &here) {
                return Ok(Err(holder));
            }
            return match take_over(path, &holder, (&here, &nonce, &timing))? {
                Ok(()) => Ok(Ok(FileLock::started(path, nonce, timing))),
                Err(owner) => Ok(Err(owner)),
            };
        }
        // Still changing hands: another taker has it, for this attempt.
        Ok(Err(read_holder(path)?.unwrap_or(Holder {
            host: "unknown".into(),
            pid: 0,
            nonce: String::new(),
            idle_secs: 0.0,
        })))
    }

    fn started(path: &Path, nonce: String, timing: LockTiming) -> FileLock {
        let stop = Arc::new(AtomicBool::new(false));
        let lost = Arc::new(AtomicBool::new(false));
        let heart = {
            let (path, nonce, stop, lost) = (
                path.to_path_buf(),
                nonce.clone(),
                stop.clone(),
                lost.clone(),
            );
            std::thread::Builder::new()
                .name("mlp-lock-heartbeat".into())
                .spawn(move || heartbeat(&path, &nonce, timing.beat, &stop, &lost))
                .ok()
        };
        FileLock {
            path: path.to_path_buf(),
            nonce,
            stop,
            lost,
            heart,
        }
    }

    /// True once the lock file is gone or another owner's (taken over while
    /// this process stalled past the grace period).
    pub fn lost(&self) -> bool {
        self.lost.load(Ordering::SeqCst)
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Creates the lock file whole, or finds it there; true when created.
fn create(path: &Path, host: &str, nonce: &str) -> Result<bool, SweepError> {
    let tmp = path.with_file_name(format!(
        "{}.{nonce}.tmp",
        path.file_name()
            .map_or("lock".into(), |n| n.to_string_lossy())
    ));
    let body = format!("host={host}\npid={}\nnonce={nonce}\n", std::process::id());
    fs::write(&tmp, body).map_err(io_error(&tmp))?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(io_error(path)(e)),
    }
}

/// Removes the stale lock of `holder` at `path` and takes it, under a
/// second lock file (`PATH.takeover`) that lets one taker at a time in, so
/// that a lock renewed meanwhile is never removed. Returns the owner that
/// holds the lock when this taker does not get it.
fn take_over(
    path: &Path,
    holder: &Holder,
    (here, nonce, timing): (&str, &str, &LockTiming),
) -> Result<Result<(), Holder>, SweepError> {
    let gate = path.with_file_name(format!(
        "{}.takeover",
        path.file_name()
            .map_or("lock".into(), |n| n.to_string_lossy())
    ));
    if !create(&gate, here, nonce)? {
        // Another taker is at it; a gate left by a taker that died is cleared.
        if let Some(g) = read_holder(&gate)? {
            if g.is_stale(timing, here) {
                let _ = fs::remove_file(&gate);
            }
        }
        return Ok(Err(holder.clone()));
    }
    let outcome = (|| {
        match read_holder(path)? {
            Some(now) if now.nonce != holder.nonce => return Ok(Err(now)),
            Some(_) => match fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(io_error(path)(e)),
            },
            None => {}
        }
        if create(path, here, nonce)? {
            return Ok(Ok(()));
        }
        // A new owner came in the moment the file was gone.
        Ok(Err(read_holder(path)?.unwrap_or_else(|| holder.clone())))
    })();
    let _ = fs::remove_file(&gate);
    outcome
}

/// Touches the lock file every `beat` while it is this owner's; marks it
/// lost when it is not.
fn heartbeat(path: &Path, nonce: &str, beat: Duration, stop: &AtomicBool, lost: &AtomicBool) {
    let step = Duration::from_millis(20).min(beat);
    let mut since = Duration::ZERO;
    while !stop.load(Ordering::SeqCst) {
        std::thread::sleep(step);
        since += step;
        if since < beat {
            continue;
        }
        since = Duration::ZERO;
        let ours = matches!(read_holder(path), Ok(Some(h)) if h.nonce == nonce);
        let touched = ours
            && File::options()
                .write(true)
                .open(path)
                .and_then(|f| f.set_modified(SystemTime::now()))
                .is_ok();
        if !touched {
            lost.store(true, Ordering::SeqCst);
            return;
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(heart) = self.heart.take() {
            let _ = heart.join();
        }
        // Only this owner's file: one taken over meanwhile is the new owner's.
        if matches!(read_holder(&self.path), Ok(Some(h)) if h.nonce == self.nonce) {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quick() -> LockTiming {
        LockTiming {
            grace: Duration::from_millis(400),
            beat: Duration::from_millis(50),
        }
    }

    fn foreign(path: &Path, host: &str, pid: u32, idle: Duration) {
        fs::write(
            path,
            format!("host={host}\npid={pid}\nnonce=n-{host}-{pid}\n"),
        )
        .unwrap();
        let f = File::options().write(true).open(path).unwrap();
        f.set_modified(SystemTime::now() - idle).unwrap();
    }

    #[test]
    fn a_held_lock_refuses_a_second_taker_and_goes_with_its_owner() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.jsonl.lock");
        let lock = FileLock::try_take(&path, quick()).unwrap().unwrap();
        let holder = FileLock::try_take(&path, quick()).unwrap().unwrap_err();
        assert_eq!(
            (holder.host.as_str(), holder.pid),
            (host_name().as_str(), std::process::id())
        );
        // Heartbeats keep it fresh past the grace period.
        std::thread::sleep(Duration::from_millis(900));
        assert!(FileLock::try_take(&path, quick()).unwrap().is_err());
        assert!(!lock.lost());
        drop(lock);
        assert!(!path.exists());
        assert!(FileLock::try_take(&path, quick()).unwrap().is_ok());
        // Nothing left beside it but the lock.
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 0);
    }

    #[test]
    fn a_lock_idle_past_its_grace_is_taken_over_and_a_fresh_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.lock");
        foreign(&path, "node-17", 4242, Duration::from_millis(100));
        let holder = FileLock::try_take(&path, quick()).unwrap().unwrap_err();
        assert_eq!((holder.host.as_str(), holder.pid), ("node-17", 4242));
        assert!(holder
            .to_string()
            .starts_with("host node-17, pid 4242, last heartbeat"));
        foreign(&path, "node-17", 4242, Duration::from_secs(5));
        let lock = FileLock::try_take(&path, quick()).unwrap().unwrap();
        assert!(fs::read_to_string(&path)
            .unwrap()
            .contains(&format!("pid={}", std::process::id())));
        drop(lock);
    }

    #[test]
    fn a_dead_process_of_this_host_loses_its_lock_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.lock");
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        foreign(&path, &host_name(), pid, Duration::ZERO);
        assert!(
            FileLock::try_take(&path, LockTiming::with_grace(Duration::from_secs(3600)))
                .unwrap()
                .is_ok()
        );
    }

    #[test]
    fn of_many_takers_of_a_stale_lock_exactly_one_wins() {
        for round in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("l.lock");
            foreign(&path, "gone", 7, Duration::from_secs(10));
            let barrier = std::sync::Barrier::new(8);
            let won: Vec<Option<FileLock>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..8)
                    .map(|_| {
                        s.spawn(|| {
                            barrier.wait();
                            FileLock::try_take(&path, quick()).unwrap().ok()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            let winners = won.iter().filter(|w| w.is_some()).count();
            assert_eq!(winners, 1, "round {round}: {winners} owners");
            let owner = won.iter().flatten().next().unwrap();
            assert!(fs::read_to_string(&path).unwrap().contains(&owner.nonce));
        }
    }

    #[test]
    fn an_owner_whose_lock_was_taken_over_knows_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.lock");
        let lock = FileLock::try_take(&path, quick()).unwrap().unwrap();
        // Another node judged it stale and took it over.
        fs::remove_file(&path).unwrap();
        foreign(&path, "node-2", 9, Duration::ZERO);
        std::thread::sleep(Duration::from_millis(300));
        assert!(lock.lost());
        drop(lock);
        assert!(
            path.exists(),
            "dropping a lost lock removed its new owner's file"
        );
    }
}
