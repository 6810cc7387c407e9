//! What one training run is: the study's cases, backprop modes and knobs.

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
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "tanh" | "1" => Ok(Case::Tanh),
            "relu-sigmoid" | "relu_sigmoid" | "2" => Ok(Case::ReluSigmoid),
            _ => Err(format!(
                "unknown case '{s}' (expected tanh or relu-sigmoid)"
            )),
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
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "exact" => Ok(Backprop::Exact),
            "as-published" | "published" => Ok(Backprop::AsPublished),
            _ => Err(format!(
                "unknown backprop mode '{s}' (expected exact or as-published)"
            )),
        }
    }
}

/// Everything that defines one training run; equal configs give bit-identical results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// Activations and target encoding.
    pub case: Case,
    /// Hidden units N.
    pub hidden: usize,
    /// Learning rate eta.
    pub lr: f64,
    /// Passes over the training samples.
    pub epochs: usize,
    /// How many of the first training images each epoch uses (the study's "batch_size").
    pub train_samples: usize,
    /// L2 decay coefficient lambda (0 for none).
    pub l2: f64,
    /// Exact or as-published derivatives.
    pub backprop: Backprop,
    /// Seed of the weight initialisation (and of the shuffle).
    pub seed: u64,
    /// Visit the samples in a fresh seeded order each epoch instead of file order.
    pub shuffle: bool,
    /// Evaluate the test set every this many epochs (0 for only at the end).
    pub eval_every: usize,
}

impl TrainConfig {
    /// The study's defaults for `case`: N = 300, eta = 0.01, 50 epochs, 60,000 samples, exact.
    pub fn new(case: Case) -> Self {
        TrainConfig {
            case,
            hidden: 300,
            lr: 0.01,
            epochs: 50,
            train_samples: 60_000,
            l2: 0.0,
            backprop: Backprop::Exact,
            seed: 1,
            shuffle: false,
            eval_every: 0,
        }
    }

    /// Checks every field against the ranges the engine accepts.
    pub fn validate(&self, available_samples: usize) -> Result<(), crate::EngineError> {
        use crate::EngineError as E;
        if self.hidden == 0 {
            return Err(E::config("hidden", "must be at least 1"));
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return Err(E::config(
                "lr",
                format!("must be a positive finite number, got {}", self.lr),
            ));
        }
        if self.epochs == 0 {
            return Err(E::config("epochs", "must be at least 1"));
        }
        if self.train_samples == 0 {
            return Err(E::config("train_samples", "must be at least 1"));
        }
        if self.train_samples > available_samples {
            return Err(E::config(
                "train_samples",
                format!(
                    "{} is more than the {available_samples} training images available",
                    self.train_samples
                ),
            ));
        }
        if !(self.l2.is_finite() && self.l2 >= 0.0) || self.l2 * self.lr >= 1.0 {
            return Err(E::config(
                "l2",
                format!(
                    "must be a finite number >= 0 with lr*l2 < 1, got {}",
                    self.l2
                ),
            ));
        }
        Ok(())
    }

    /// A short human label, e.g. `relu-sigmoid N=300 eta=0.01 K=1250`.
    pub fn label(&self) -> String {
        let mut s = format!(
            "{} N={} eta={} K={} E={}",
            self.case, self.hidden, self.lr, self.train_samples, self.epochs
        );
        if self.l2 > 0.0 {
            s.push_str(&format!(" l2={}", self.l2));
        }
        if self.backprop != Backprop::Exact {
            s.push_str(&format!(" {}", self.backprop));
        }
        if self.shuffle {
            s.push_str(" shuffle");
        }
        s.push_str(&format!(" seed={}", self.seed));
        s
    }

    /// Sample steps this configuration runs (epochs x samples).
    pub fn steps(&self) -> u64 {
        self.epochs as u64 * self.train_samples as u64
    }
}
