//! Networks, online and minibatch training, metrics and model files of MLPs on MNIST-format data.
//!
//! The study's family (784-N-10 networks without biases, online gradient
//! descent on MSE) runs on the online engine of the study's hot loop; any
//! other configuration (depth, biases, cross-entropy, minibatches, momentum
//! and Adam, schedules) on the [`minibatch`] engine, with [`optim`]'s
//! composable optimisers. [`Network`] holds the weights,
//! [`Dataset`] a read-only sparse copy of a data split that every
//! configuration of a sweep shares, and [`train`] runs one [`TrainConfig`] to
//! a [`TrainReport`]; [`model`] saves and loads them. Sweeps of many
//! configurations live in the `mlp-sweep` crate.
//! Reports and pictures live in the `mlp-report` crate, which reads these
//! results; this crate draws nothing.
#![deny(missing_docs)]

mod activation;
mod arch;
pub mod augment;
pub mod committee;
mod config;
mod data;
mod data_info;
mod dataset;
mod deferred;
mod error;
mod eval;
mod fields;
pub mod files;
mod gram;
mod kinds;
pub mod minibatch;
pub mod model;
mod network;
mod observer;
pub mod optim;
mod padded;
pub mod preprocess;
pub mod recipe;
mod report;
mod rows;
mod scaling;
mod step;
mod train;

pub use arch::{Activation, Init, Layers, Loss};
pub use config::{
    Backprop, Case, ConfigFields, DataConfig, LrDecay, NetworkConfig, Optimizer, OptimizerConfig,
    Regularization, RunConfig, ScheduleConfig, TrainConfig,
};
pub use data::{DataInfo, DataSpec, LoadedData};
pub use dataset::Dataset;
pub use error::{EngineError, ParseError};
pub use eval::{argmax, ClassFigures, Confusion, Evaluation};
pub use kinds::{OptimizerKind, ScheduleKind};
pub use minibatch::evaluate;
pub use network::Network;
pub use observer::{NoObserver, Observer};
pub use report::{EpochRecord, Metrics, TrainReport};
pub use rows::{ArrayRows, Rows, Values};
pub use scaling::{Scale, Scaling};
pub use step::{InputPath, StepOptions, W1Update, DEFERRED_SAMPLES, MAX_DEFERRED_SAMPLES};
pub use train::{
    check_run, initial_network, sizes_of, train, train_run, train_with, RunOptions, Session,
    Snapshot, Trainer,
};

/// The version of this engine, recorded in every result.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The SIMD path the kernels run on ("avx512f", "avx2+fma" or "portable").
pub fn simd_name() -> &'static str {
    mlp_kernels::simd_name()
}
