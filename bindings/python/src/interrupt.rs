//! Long work on a thread of its own, with the GIL released and Ctrl-C watched.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// How often the calling thread looks for a signal while the work runs.
const POLL: Duration = Duration::from_millis(20);

/// Runs `work` on a new thread while the calling thread, without the GIL,
/// checks for signals: a signal's exception (`KeyboardInterrupt` on
/// Ctrl-C) sets the flag `work` is given, and is raised once `work` has
/// returned (the work stops at its next check, within a fraction of a second).
pub fn run_interruptible<R: Send>(
    py: Python<'_>,
    work: impl FnOnce(&AtomicBool) -> R + Send,
) -> PyResult<R> {
    match run_watching(py, work)? {
        (_, Some(signal)) => Err(signal),
        (r, None) => Ok(r),
    }
}

/// As [`run_interruptible`], but gives back what `work` returned beside
/// the signal's exception, for a caller that words its own.
pub fn run_watching<R: Send>(
    py: Python<'_>,
    work: impl FnOnce(&AtomicBool) -> R + Send,
) -> PyResult<(R, Option<PyErr>)> {
    let stop = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let stop = &stop;
        let handle = scope.spawn(move || work(stop));
        let mut signal: Option<PyErr> = None;
        while !handle.is_finished() {
            py.detach(|| std::thread::sleep(POLL));
            if signal.is_none() {
                if let Err(e) = py.check_signals() {
                    stop.store(true, Ordering::SeqCst);
                    signal = Some(e);
                }
            }
        }
        let outcome = handle.join();
        match outcome {
            Ok(r) => Ok((r, signal)),
            Err(panic) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown".into());
                Err(PyRuntimeError::new_err(format!(
                    "mlp_sweep: internal error (a bug; please report it): {what}"
                )))
            }
        }
    })
}
