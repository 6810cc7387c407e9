//! Optimisers and learning-rate schedules as small composable parts (after optax).
//!
//! A [`Transform`] turns a gradient into an update in place, with its own
//! state; a [`Chain`] runs several in turn and applies the result to the
//! parameters. [`chain_for`] builds the chain a configuration names:
//! `sgd = [l2?] + lr`, `momentum = [l2?] + trace + lr`, `nesterov` likewise
//! with the look-ahead, `adam = [l2?] + adam + lr`, `adamw = adam + decayed
//! weights + lr`. The [`Schedule`] gives the learning rate each step.

mod schedule;
mod transform;

pub use crate::kinds::{OptimizerKind, ScheduleKind};
pub use schedule::Schedule;
pub use transform::{
    chain_for, AddDecayedWeights, Chain, ScaleByAdam, ScaleByLearningRate, StepContext, Trace,
    Transform,
};
