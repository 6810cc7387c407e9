//! Minibatch training of any fully connected network: depth, biases, losses,
//! optimisers and schedules beyond the study's family.
//!
//! A batch is cut into parts of [`PART_ROWS`] rows, fixed by the batch alone.
//! Each part's forward pass and its deltas down to the first layer are one
//! task (rows never meet there); each layer's weight gradient and update are
//! tasks over fixed blocks of that layer's rows, each summing the parts in
//! order. Tasks run on rayon's threads when the run is allowed several, one
//! after the other otherwise, and compute the same values either way, so
//! results are bit-identical whatever the thread count.
//!
//! The first layer reads only the non-zero inputs of a sparse batch (forward
//! `X W1` row by row over lit pixels, the gradient `X^T dZ` pixel by pixel
//! over the samples that light it); a batch denser than [`DENSE_FROM`] goes
//! through sgemm instead.

mod ahead;
mod distort;
mod dropout;
mod evaluate;
mod forward;
mod spec;
mod stepper;
#[cfg(test)]
mod tests;
mod trainer;

pub(crate) use ahead::step_batches;
pub(crate) use distort::Distorter;
pub(crate) use dropout::Dropout;
pub use evaluate::{evaluate, evaluate_network, outputs_of, scores, Evaluated, RowForm};
pub(crate) use forward::{
    apply_masks, first_layer, forward, upper_layers, Inputs, RowBuffers, RowMasks,
};
pub use spec::{NetSpec, Output};
pub use stepper::{BatchStepper, BatchWork};
pub(crate) use trainer::MinibatchTrainer;
pub use trainer::{FirstLayer, DENSE_FROM};

/// Rows per part of a batch: the unit of the forward and delta tasks.
pub const PART_ROWS: usize = 8;
