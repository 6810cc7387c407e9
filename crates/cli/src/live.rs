//! The live report of a running sweep: `report.html` rewritten, whole, by a
//! thread of its own after runs finish (at most every [`MIN_INTERVAL`]),
//! from the sweep's results file, so the page a browser reloads shows what
//! is done, running and left.

use mlp_report::LiveStatus;
use mlp_sweep::SweepEvent;
use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The page is rewritten at most this often.
const MIN_INTERVAL: Duration = Duration::from_secs(2);
/// ... and at least this often while the sweep runs, so the page knows it is not stale.
const MAX_INTERVAL: Duration = Duration::from_secs(60);

/// Where the sweep stands, as its events tell.
#[derive(Default)]
struct Standing {
    total: usize,
    done: usize,
    running: HashSet<usize>,
    /// Runs finished since the page was last written.
    fresh: usize,
    ended: bool,
}

impl Standing {
    fn status(&self) -> LiveStatus {
        LiveStatus {
            done: self.done,
            running: self.running.len(),
            left: self.total.saturating_sub(self.done + self.running.len()),
        }
    }
}

/// The writer thread and what it is told.
pub struct LiveReport {
    shared: Arc<(Mutex<Standing>, Condvar)>,
    thread: Option<JoinHandle<()>>,
    page: Page,
}

/// Where the page goes and what it reads.
#[derive(Clone)]
pub struct Page {
    /// The sweep's folder, where report.html goes.
    pub out: PathBuf,
    /// The results file the sweep appends to.
    pub results: PathBuf,
    /// The sweep's title.
    pub name: Option<String>,
}

impl LiveReport {
    /// Starts rewriting `page`.
    pub fn start(page: Page) -> LiveReport {
        let shared = Arc::new((Mutex::new(Standing::default()), Condvar::new()));
        let thread = {
            let shared = shared.clone();
            let page = page.clone();
            std::thread::spawn(move || writer(&shared, &page))
        };
        LiveReport {
            shared,
            thread: Some(thread),
            page,
        }
    }

    /// Takes in one of the sweep's events.
    pub fn event(&self, event: &SweepEvent<'_>) {
        let (lock, wake) = &*self.shared;
        let mut s = lock.lock().unwrap_or_else(|e| e.into_inner());
        match *event {
            SweepEvent::Planned {
                to_run,
                already_done,
                ..
            } => {
                s.total = to_run + already_done;
                s.done = already_done;
                s.fresh += 1;
                wake.notify_one();
            }
            SweepEvent::Started { slot, .. } => {
                s.running.insert(slot);
            }
            SweepEvent::Paused { slot, .. } => {
                s.running.remove(&slot);
            }
            SweepEvent::Finished { slot, .. } => {
                s.running.remove(&slot);
                s.done += 1;
                s.fresh += 1;
                wake.notify_one();
            }
            SweepEvent::Progress { .. } | SweepEvent::Judged { .. } => {}
        }
    }

    /// Stops the writer; with `final_page`, writes the page once more as a
    /// finished sweep's (for a sweep that ends without its full report).
    pub fn finish(mut self, final_page: bool) {
        {
            let (lock, wake) = &*self.shared;
            lock.lock().unwrap_or_else(|e| e.into_inner()).ended = true;
            wake.notify_one();
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        if final_page {
            write(&self.page, None);
        }
    }
}

/// Rewrites the page as the sweep goes on, until it has ended.
fn writer(shared: &(Mutex<Standing>, Condvar), page: &Page) {
    let (lock, wake) = shared;
    let mut last: Option<Instant> = None;
    loop {
        let status = {
            let mut s = lock.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if s.ended {
                    return;
                }
                let since = last.map_or(MIN_INTERVAL, |t| t.elapsed());
                if (s.fresh > 0 && since >= MIN_INTERVAL) || since >= MAX_INTERVAL {
                    break;
                }
                let wait = if s.fresh > 0 {
                    MIN_INTERVAL.saturating_sub(since)
                } else {
                    MAX_INTERVAL.saturating_sub(since)
                };
                s = wake
                    .wait_timeout(s, wait.max(Duration::from_millis(10)))
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            s.fresh = 0;
            s.status()
        };
        write(page, Some(status));
        last = Some(Instant::now());
    }
}

/// Writes the page from the results file: live with `status` (its count
/// of runs done taken from the file itself), else as a finished sweep's. A
/// failure is noted, not fatal: the sweep matters more than its page.
pub fn write(page: &Page, status: Option<LiveStatus>) {
    let written = mlp_sweep::merge_noting(std::slice::from_ref(&page.results))
        .map_err(|e| e.to_string())
        .and_then(|merged| {
            let status = status.map(|s| {
                let done = merged.records.len();
                LiveStatus {
                    done,
                    running: s.running,
                    left: (s.done + s.running + s.left).saturating_sub(done + s.running),
                }
            });
            let name = page.name.as_deref();
            mlp_report::write_page(&merged.records, name, &page.out, status)
                .map_err(|e| e.to_string())
        });
    if let Err(e) = written {
        eprintln!("note: the live report was not updated: {e}");
    }
}
