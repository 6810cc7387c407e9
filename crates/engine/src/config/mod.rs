//! What one training run is: the typed configuration, its flat written
//! form, and the study's cases and backprop modes.

mod convert;
mod flat;
mod parts;
mod validate;

pub use flat::ConfigFields;
pub use parts::{
    DataConfig, LrDecay, NetworkConfig, Optimizer, OptimizerConfig, Regularization, RunConfig,
    ScheduleConfig, TrainConfig,
};

use crate::arch::Activation;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// One of the study's two network cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Case {
    /// Case 1: tanh hidden and output, targets -1/+1.
    #[serde(rename = "tanh")]
    Tanh,
    /// Case 2: relu hidden, sigmoid output, targets 0/1.
    #[serde(rename = "relu-sigmoid")]
    ReluSigmoid,
}

impl Case {
    /// Every case, in the study's order.
    pub const ALL: [Case; 2] = [Case::Tanh, Case::ReluSigmoid];

    /// The command-line name of the case.
    pub fn name(self) -> &'static str {
        match self {
            Case::Tanh => "tanh",
            Case::ReluSigmoid => "relu-sigmoid",
        }
    }

    /// The study's case number (1 or 2).
    pub fn number(self) -> u32 {
        match self {
            Case::Tanh => 1,
            Case::ReluSigmoid => 2,
        }
    }

    /// The target value for a wrong class and for the right class.
    pub fn targets(self) -> (f32, f32) {
        match self {
            Case::Tanh => (-1.0, 1.0),
            Case::ReluSigmoid => (0.0, 1.0),
        }
    }

    /// The hidden layers' activation when a configuration names none.
    pub fn hidden_activation(self) -> Activation {
        match self {
            Case::Tanh => Activation::Tanh,
            Case::ReluSigmoid => Activation::Relu,
        }
    }

    /// Names of the hidden and output activations.
    pub fn activations(self) -> (&'static str, &'static str) {
        match self {
            Case::Tanh => ("tanh", "tanh"),
            Case::ReluSigmoid => ("relu", "sigmoid"),
        }
    }
}

impl fmt::Display for Case {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Case {
    type Err = crate::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "tanh" | "1" => Ok(Case::Tanh),
            "relu-sigmoid" | "relu_sigmoid" | "2" => Ok(Case::ReluSigmoid),
            _ => Err(crate::ParseError(format!(
                "unknown case '{s}' (expected tanh or relu-sigmoid)"
            ))),
        }
    }
}

/// Which derivatives backprop uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Backprop {
    /// The exact derivatives of the network's activations.
    #[serde(rename = "exact")]
    Exact,
    /// The study's published (defective) derivatives, replayed.
    #[serde(rename = "as-published")]
    AsPublished,
}

impl Backprop {
    /// The command-line name of the mode.
    pub fn name(self) -> &'static str {
        match self {
            Backprop::Exact => "exact",
            Backprop::AsPublished => "as-published",
        }
    }
}

impl fmt::Display for Backprop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Backprop {
    type Err = crate::ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "exact" => Ok(Backprop::Exact),
            "as-published" | "published" => Ok(Backprop::AsPublished),
            _ => Err(crate::ParseError(format!(
                "unknown backprop mode '{s}' (expected exact or as-published)"
            ))),
        }
    }
}
