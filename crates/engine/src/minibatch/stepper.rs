//! Batches stepped one after another outside any epoch, for measuring the
//! step's speed: the same trainer and distortion as a run, no schedule, no
//! evaluation.

use super::{step_batches, Distorter, FirstLayer, MinibatchTrainer};
use crate::{Dataset, Network, TrainConfig};
use std::ops::ControlFlow;

/// What the first layer did for one batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchWork {
    /// Whether it multiplied the dense batch (sgemm) rather than the non-zero inputs.
    pub dense: bool,
    /// Non-zero inputs it read (after distortion and input dropout).
    pub nonzeros: usize,
}

/// A configuration's minibatch steps, taken batch after batch at rate `lr`
/// of the configuration (no schedule), as a run takes them.
pub struct BatchStepper {
    trainer: MinibatchTrainer,
    ahead: Option<Distorter>,
}

impl BatchStepper {
    /// Steps of `config` from `net`; `parallel` splits each step over
    /// rayon's threads, `distort_ahead` distorts the next batch on a second
    /// thread while one trains (for configurations that distort).
    pub fn new(
        config: &TrainConfig,
        net: Network,
        first_layer: FirstLayer,
        parallel: bool,
        distort_ahead: bool,
    ) -> BatchStepper {
        let trainer = MinibatchTrainer::new(config, net, first_layer, parallel);
        let ahead = trainer.distorter().filter(|_| distort_ahead).cloned();
        BatchStepper { trainer, ahead }
    }

    /// Every layer's width, inputs first.
    pub fn sizes(&self) -> &[usize] {
        self.trainer.net.sizes()
    }

    /// How the configuration's images are distorted: `"ahead"` on a second
    /// thread, `"inline"` inside the step, or `"none"`.
    pub fn distortion(&self) -> &'static str {
        match (&self.ahead, self.trainer.distorter()) {
            (Some(_), _) => "ahead",
            (None, Some(_)) => "inline",
            (None, None) => "none",
        }
    }

    /// Steps `batches` of `data` in turn, telling `done` what each did.
    pub fn step(&mut self, data: &Dataset, batches: &[&[u32]], mut done: impl FnMut(BatchWork)) {
        // The position is past any warm-up, so every step moves the weights.
        let _ = step_batches(
            &mut self.trainer,
            self.ahead.as_mut(),
            data,
            batches,
            |_| 1.0,
            |_, out| {
                done(BatchWork {
                    dense: out.dense,
                    nonzeros: out.nonzeros,
                });
                ControlFlow::Continue(())
            },
        );
    }
}
