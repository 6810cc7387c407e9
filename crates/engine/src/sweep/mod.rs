//! Sweeps: grids and searches of configurations, presets, shards, result files and the parallel runner.

mod grid;
mod preset;
mod results;
mod runner;
mod search;
mod shard;

pub use grid::{GeneralAxes, Grid, SweepFile};
pub use preset::Preset;
pub use results::{config_key, merge, run_key, ReadOutcome, ResultsFile, RunRecord};
pub use runner::{run_sweep, SweepEvent, SweepOptions, SweepSummary};
pub use search::{Distribution, Halving, Method, Search};
pub use shard::{cost, schedule_order, Shard};
