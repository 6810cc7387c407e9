//! The optimisers and learning-rate schedules a configuration picks from, by name.

use crate::arch::named_enum;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

named_enum!(
    /// Which optimiser updates the weights.
    Optimizer, "optimizer", {
        /// Plain gradient descent.
        #[default]
        Sgd = "sgd",
        /// Heavy-ball momentum (`v = mu v + g`, step `-lr v`, as PyTorch's SGD).
        Momentum = "momentum",
        /// Nesterov momentum (step `-lr (g + mu v)`).
        Nesterov = "nesterov",
        /// Adam (Kingma and Ba 2015) with bias correction.
        Adam = "adam",
        /// Adam with decoupled weight decay (Loshchilov and Hutter 2019).
        AdamW = "adamw",
    }
);

named_enum!(
    /// The shape of the learning rate's decay.
    ScheduleKind, "schedule", {
        /// The base rate throughout.
        #[default]
        Constant = "constant",
        /// Multiplied by `lr_decay` every `step_epochs` epochs.
        Step = "step",
        /// Multiplied by `lr_decay` after every epoch.
        Exponential = "exponential",
        /// Half a cosine from the base rate down to zero over the epochs after warm-up.
        Cosine = "cosine",
    }
);
