//! Sweeps: grids and searches of configurations, presets, shards, result
//! files, time estimates and the parallel runner.

mod checkpoint;
pub mod estimate;
mod grid;
mod halving;
mod models;
mod plan;
mod preset;
mod results;
mod runner;
mod search;
mod shard;

pub use checkpoint::{checkpoint_path, Checkpoint};
pub use grid::{Expansion, GeneralAxes, Grid, SweepFile, DEFAULT_MAX_CONFIGURATIONS};
pub use models::{model_file_name, model_path};
pub use plan::{HalvingGroup, SweepPlan};
pub use preset::Preset;
pub use results::{
    config_key, merge, merge_noting, results_files, results_path, run_key, shard_results_path,
    sweep_folder, Merged, ReadOutcome, ResultsFile, RunRecord, SweepMeta,
};
pub use runner::{run_sweep, SweepEvent, SweepOptions, SweepSummary};
pub use search::{Distribution, Halving, Method, Search};
pub use shard::{cost, schedule_order, shard_from_environment, Shard};
