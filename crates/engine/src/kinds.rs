//! The optimisers and learning-rate schedules a configuration picks from, by name.

use crate::arch::named_enum;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

named_enum!(
    /// An optimiser's name, as flags, sweep axes and files give it.
    OptimizerKind, "optimizer", {
        /// Plain gradient descent.
        #[default]
        Sgd = "sgd",
        /// Heavy-ball momentum (`v = mu v + g`, step `-lr v`, as PyTorch's SGD).
        Momentum = "momentum",
        /// Nesterov momentum (step `-lr (g + mu v)`).
        Nesterov = "nesterov",
        /// Adam (Kingma and Ba 2015) with bias correction.
        Adam = "adam",
        /// Adam's other name, from AdamW (Loshchilov and Hutter 2019): its
        /// decoupled decay is `weight_decay`, which every optimiser takes.
        AdamW = "adamw",
    }
);

named_enum!(
    /// A learning-rate schedule's name, as flags, sweep axes and files give it.
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
