//! Sweeps of MLP trainings: plans (grids, searches, successive halving,
//! presets), the parallel runner, result files, shards, checkpoints and time
//! estimates. Each configuration is trained by `mlp-engine`; this crate
//! decides which, in what order, and keeps what finished.
#![deny(missing_docs)]

pub mod asha;
mod async_halving;
mod checkpoint;
mod context;
mod error;
pub mod estimate;
mod file;
mod grid;
mod halving;
mod key;
pub mod lock;
mod models;
mod plan;
mod preset;
pub mod rank;
mod results;
mod runner;
pub mod scheduler;
mod search;
mod shard;

pub use async_halving::{promotions, statuses};
pub use checkpoint::{checkpoint_path, Checkpoint};
pub use context::{SweepEvent, SweepOptions};
pub use error::SweepError;
pub use file::{SweepFile, DEFAULT_MAX_CONFIGURATIONS};
pub use grid::{Expansion, GeneralAxes, Grid};
pub use key::{config_key, run_key};
pub use models::{model_file_name, model_path};
pub use plan::{HalvingGroup, SweepPlan};
pub use preset::Preset;
pub use results::{
    merge, merge_noting, results_files, results_path, shard_results_path, sweep_folder,
    worker_results_path, Merged, ReadOutcome, ResultsFile, RunRecord, SweepMeta,
};
pub use runner::{check_folder_data, check_plan, check_same_data, run_sweep, SweepSummary};
pub use search::{Distribution, Halving, HalvingMode, Method, Search};
pub use shard::{cost, schedule_order, Shard};
