//! How a caller watches (and stops) a training run.

use crate::EpochRecord;

/// Receives progress from a training run; every method has a default that does nothing.
pub trait Observer {
    /// Called after each epoch with its record.
    fn epoch_done(&mut self, _record: &EpochRecord) {}
    /// Called every few thousand steps with the number of steps done so far.
    fn steps_done(&mut self, _steps: u64) {}
    /// Polled between chunks of steps; returning true stops the run.
    fn should_stop(&self) -> bool {
        false
    }
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoObserver;

impl Observer for NoObserver {}
