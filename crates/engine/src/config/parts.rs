//! The typed configuration: a few named parts whose enums admit only valid
//! combinations (an optimiser carries its own parameters, a schedule its own).

use super::flat::ConfigFields;
use super::{Backprop, Case};
use crate::arch::{Activation, Init, Layers, Loss};
use crate::augment::{Augment, Distortion};
use serde::{Deserialize, Serialize};

/// Everything that defines one training run; equal configs give bit-identical results.
///
/// It is written and read as its flat [`ConfigFields`], so every file
/// written before keeps loading and keys as it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "ConfigFields", into = "ConfigFields")]
pub struct TrainConfig {
    /// The network's shape and how its derivatives are taken.
    pub network: NetworkConfig,
    /// How a gradient becomes a step.
    pub optimizer: OptimizerConfig,
    /// How the learning rate moves over the epochs.
    pub schedule: ScheduleConfig,
    /// Which samples training visits, how, and how many per step.
    pub data: DataConfig,
    /// Penalties and constraints against overfitting.
    pub regularization: Regularization,
    /// How long the run is, its seed and how often it is evaluated.
    pub run: RunConfig,
}

/// The network's shape and how its derivatives are taken.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkConfig {
    /// The study's case: the default hidden activation, and with MSE the output activation and targets.
    pub case: Case,
    /// Hidden widths, input side first (the study's N when one layer).
    pub hidden: Layers,
    /// The hidden layers' activation (`None`: the case's).
    pub activation: Option<Activation>,
    /// Whether every layer has biases.
    pub bias: bool,
    /// What training minimises.
    pub loss: Loss,
    /// How the weights start.
    pub init: Init,
    /// Exact or as-published derivatives.
    pub backprop: Backprop,
}

/// How a gradient becomes a step: the rate, the method and decoupled decay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OptimizerConfig {
    /// Learning rate eta (the schedule's base rate).
    pub lr: f64,
    /// The update rule, with its own parameters.
    pub method: Optimizer,
    /// Decoupled weight decay, applied after the method's scaling (AdamW's
    /// when the method is Adam); 0 for none.
    pub weight_decay: f64,
}

/// The update rule of an optimiser, each with its own parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Optimizer {
    /// Plain gradient descent.
    Sgd,
    /// Heavy-ball momentum (`v = mu v + g`, step `-lr v`, as PyTorch's SGD),
    /// or Nesterov's (step `-lr (g + mu v)`).
    Momentum {
        /// The velocity's decay mu.
        mu: f64,
        /// Nesterov's look-ahead form.
        nesterov: bool,
    },
    /// Adam (Kingma and Ba 2015) with bias correction.
    Adam {
        /// First-moment decay.
        beta1: f64,
        /// Second-moment decay.
        beta2: f64,
        /// The denominator's epsilon.
        eps: f64,
    },
}

/// How the learning rate moves over the epochs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScheduleConfig {
    /// The decay's shape after warm-up.
    pub decay: LrDecay,
    /// Epochs of linear warm-up from zero (the first step, at rate zero,
    /// fills the optimiser's moments and moves no weight).
    pub warmup_epochs: usize,
}

/// The shape of the learning rate's decay, each with its own parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum LrDecay {
    /// The base rate throughout.
    Constant,
    /// Multiplied by `factor` every `every` epochs.
    Step {
        /// The factor of each drop.
        factor: f64,
        /// Epochs between drops.
        every: usize,
    },
    /// Multiplied by `factor` after every epoch.
    Exponential {
        /// The factor of each epoch.
        factor: f64,
    },
    /// Half a cosine from the base rate down to zero over the epochs after warm-up.
    Cosine,
}

/// Which samples training visits, how, and how many per step.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DataConfig {
    /// How many of the first training images each epoch uses (the study's "batch_size").
    pub train_samples: usize,
    /// Hold out the last this many training images as a validation split (0: none).
    pub validation: usize,
    /// Visit the samples in a fresh seeded order each epoch instead of file order.
    pub shuffle: bool,
    /// Samples per gradient step (1: online).
    pub batch: usize,
    /// Distortions of the training images, drawn afresh for every sample and step.
    pub augment: Distortion,
}

/// Penalties and constraints against overfitting.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Regularization {
    /// L2 coefficient lambda, added to the weights' gradient (0 for none).
    pub l2: f64,
    /// Probability of dropping each input pixel in training (inverted dropout; 0: none).
    pub dropout_input: f64,
    /// Probability of dropping each hidden unit's output in training (0: none).
    pub dropout: f64,
    /// After each update, rescale every hidden unit's incoming weight vector
    /// whose norm exceeds this to it (0: no constraint).
    pub max_norm: f64,
}

/// How long the run is, its seed and how often it is evaluated.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RunConfig {
    /// Passes over the training samples.
    pub epochs: usize,
    /// Seed of the weight initialisation (and of the shuffle).
    pub seed: u64,
    /// Evaluate the test set every this many epochs (0 for only at the end).
    pub eval_every: usize,
}

impl TrainConfig {
    /// The study's defaults for `case`: N = 300, eta = 0.01, 50 epochs, 60,000 samples, exact.
    pub fn new(case: Case) -> Self {
        ConfigFields::new(case).into()
    }

    /// The flat, written form of this configuration.
    pub fn fields(&self) -> ConfigFields {
        self.clone().into()
    }

    /// The hidden layers' activation: the field, else the case's.
    pub fn hidden_activation(&self) -> Activation {
        self.network
            .activation
            .unwrap_or_else(|| self.network.case.hidden_activation())
    }

    /// True when this is the study's family (one layer, no biases, MSE, online
    /// plain SGD at a constant rate, the study's activations and
    /// initialisation), which the online engine trains; anything else is
    /// trained by the minibatch engine.
    pub fn is_online_study(&self) -> bool {
        let n = &self.network;
        let r = &self.regularization;
        n.hidden.depth() == 1
            && !n.bias
            && n.loss == Loss::Mse
            && n.init == Init::default()
            && n.activation.is_none_or(|a| a == n.case.hidden_activation())
            && self.data.batch == 1
            && self.data.augment.kind == Augment::None
            && self.optimizer.method == Optimizer::Sgd
            && self.optimizer.weight_decay == 0.0
            && self.schedule.decay == LrDecay::Constant
            && self.schedule.warmup_epochs == 0
            && r.dropout_input == 0.0
            && r.dropout == 0.0
            && r.max_norm == 0.0
    }

    /// `tag=value` for every field beyond the study's away from its default (the run key's tail).
    pub fn general_parts(&self) -> Vec<String> {
        self.fields().general_parts()
    }

    /// A short human label, e.g. `relu-sigmoid N=300 eta=0.01 K=1250`.
    pub fn label(&self) -> String {
        let n = &self.network;
        let mut s = format!(
            "{} N={} eta={} K={} E={}",
            n.case, n.hidden, self.optimizer.lr, self.data.train_samples, self.run.epochs
        );
        if self.regularization.l2 > 0.0 {
            s.push_str(&format!(" l2={}", self.regularization.l2));
        }
        if n.backprop != Backprop::Exact {
            s.push_str(&format!(" {}", n.backprop));
        }
        if self.data.shuffle {
            s.push_str(" shuffle");
        }
        for part in self.general_parts() {
            s.push(' ');
            s.push_str(&part);
        }
        s.push_str(&format!(" seed={}", self.run.seed));
        s
    }

    /// Sample steps this configuration runs (epochs x samples).
    pub fn steps(&self) -> u64 {
        self.run.epochs as u64 * self.data.train_samples as u64
    }
}
