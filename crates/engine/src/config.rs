//! What one training run is: the study's cases, backprop modes and knobs.

use crate::arch::{Activation, Init, Layers, Loss};
use crate::augment::{Augment, Distortion};
use crate::kinds::{Optimizer, ScheduleKind};
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

/// Everything that defines one training run; equal configs give bit-identical results.
///
/// The first fields are the study's; the rest default to the study's family
/// (one layer, no biases, MSE, online plain SGD at a constant rate) and are
/// left out of the serialised form at their defaults, so a study record reads
/// and keys exactly as before they existed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The study's case: the default hidden activation, and with MSE the output activation and targets.
    pub case: Case,
    /// Hidden widths, input side first (the study's N when one layer).
    pub hidden: Layers,
    /// Learning rate eta (the schedule's base rate).
    pub lr: f64,
    /// Passes over the training samples.
    pub epochs: usize,
    /// How many of the first training images each epoch uses (the study's "batch_size").
    pub train_samples: usize,
    /// L2 coefficient lambda, added to the weights' gradient (0 for none).
    pub l2: f64,
    /// Exact or as-published derivatives.
    pub backprop: Backprop,
    /// Seed of the weight initialisation (and of the shuffle).
    pub seed: u64,
    /// Visit the samples in a fresh seeded order each epoch instead of file order.
    pub shuffle: bool,
    /// Evaluate the test set every this many epochs (0 for only at the end).
    pub eval_every: usize,
    /// The hidden layers' activation (default: the case's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation: Option<Activation>,
    /// What training minimises.
    #[serde(default, skip_serializing_if = "is_default")]
    pub loss: Loss,
    /// Whether every layer has biases.
    #[serde(default, skip_serializing_if = "is_default")]
    pub bias: bool,
    /// Samples per gradient step (1: online).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub batch: usize,
    /// The optimiser.
    #[serde(default, skip_serializing_if = "is_default")]
    pub optimizer: Optimizer,
    /// Momentum mu of `momentum` and `nesterov`.
    #[serde(
        default = "default_momentum",
        skip_serializing_if = "is_default_momentum"
    )]
    pub momentum: f64,
    /// Adam's first-moment decay.
    #[serde(default = "default_beta1", skip_serializing_if = "is_default_beta1")]
    pub beta1: f64,
    /// Adam's second-moment decay.
    #[serde(default = "default_beta2", skip_serializing_if = "is_default_beta2")]
    pub beta2: f64,
    /// Adam's epsilon.
    #[serde(default = "default_eps", skip_serializing_if = "is_default_eps")]
    pub eps: f64,
    /// Decoupled weight decay (after the optimiser's scaling, as AdamW's).
    #[serde(default, skip_serializing_if = "is_default")]
    pub weight_decay: f64,
    /// The learning-rate schedule's shape.
    #[serde(default, skip_serializing_if = "is_default")]
    pub schedule: ScheduleKind,
    /// Factor of the `step` and `exponential` schedules.
    #[serde(
        default = "default_lr_decay",
        skip_serializing_if = "is_default_lr_decay"
    )]
    pub lr_decay: f64,
    /// Epochs between the `step` schedule's drops.
    #[serde(
        default = "default_step_epochs",
        skip_serializing_if = "is_default_step_epochs"
    )]
    pub step_epochs: usize,
    /// Epochs of linear learning-rate warm-up from zero (the first step, at
    /// rate zero, fills the optimiser's moments and moves no weight).
    #[serde(default, skip_serializing_if = "is_default")]
    pub warmup_epochs: usize,
    /// How the weights start.
    #[serde(default, skip_serializing_if = "is_default")]
    pub init: Init,
    /// Hold out the last this many training images as a validation split (0: none).
    #[serde(default, skip_serializing_if = "is_default")]
    pub validation: usize,
    /// Probability of dropping each input pixel in training (inverted dropout; 0: none).
    #[serde(default, skip_serializing_if = "is_default")]
    pub dropout_input: f64,
    /// Probability of dropping each hidden unit's output in training (0: none).
    #[serde(default, skip_serializing_if = "is_default")]
    pub dropout: f64,
    /// After each update, rescale every hidden unit's incoming weight vector
    /// whose norm exceeds this to it (0: no constraint).
    #[serde(default, skip_serializing_if = "is_default")]
    pub max_norm: f64,
    /// Distortions of the training images, drawn afresh for every sample and step.
    #[serde(default, skip_serializing_if = "is_default")]
    pub augment: Augment,
    /// Affine rotation range, +- degrees.
    #[serde(default = "default_rotate", skip_serializing_if = "is_default_rotate")]
    pub rotate: f64,
    /// Affine scale range, 1 +- this.
    #[serde(default = "default_scale", skip_serializing_if = "is_default_scale")]
    pub scale: f64,
    /// Affine shear range, +- this.
    #[serde(default = "default_shear", skip_serializing_if = "is_default_shear")]
    pub shear: f64,
    /// Affine shift range, +- pixels per axis.
    #[serde(
        default = "default_translate",
        skip_serializing_if = "is_default_translate"
    )]
    pub translate: f64,
    /// Width in pixels of the Gaussian smoothing the elastic field.
    #[serde(
        default = "default_elastic_sigma",
        skip_serializing_if = "is_default_elastic_sigma"
    )]
    pub elastic_sigma: f64,
    /// Scale in pixels of the smoothed elastic field.
    #[serde(
        default = "default_elastic_alpha",
        skip_serializing_if = "is_default_elastic_alpha"
    )]
    pub elastic_alpha: f64,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}
fn one() -> usize {
    1
}
fn is_one(v: &usize) -> bool {
    *v == 1
}
macro_rules! default_value {
    ($get:ident, $is:ident, $t:ty, $v:expr) => {
        fn $get() -> $t {
            $v
        }
        fn $is(v: &$t) -> bool {
            *v == $v
        }
    };
}
default_value!(default_momentum, is_default_momentum, f64, 0.9);
default_value!(default_beta1, is_default_beta1, f64, 0.9);
default_value!(default_beta2, is_default_beta2, f64, 0.999);
default_value!(default_eps, is_default_eps, f64, 1e-8);
default_value!(default_lr_decay, is_default_lr_decay, f64, 0.1);
default_value!(default_step_epochs, is_default_step_epochs, usize, 10);
default_value!(default_rotate, is_default_rotate, f64, 10.0);
default_value!(default_scale, is_default_scale, f64, 0.1);
default_value!(default_shear, is_default_shear, f64, 0.1);
default_value!(default_translate, is_default_translate, f64, 2.0);
// Simard et al. 2003's elastic distortion: sigma 4, alpha 34.
default_value!(default_elastic_sigma, is_default_elastic_sigma, f64, 4.0);
default_value!(default_elastic_alpha, is_default_elastic_alpha, f64, 34.0);

impl TrainConfig {
    /// The study's defaults for `case`: N = 300, eta = 0.01, 50 epochs, 60,000 samples, exact.
    pub fn new(case: Case) -> Self {
        TrainConfig {
            case,
            hidden: Layers::one(300),
            lr: 0.01,
            epochs: 50,
            train_samples: 60_000,
            l2: 0.0,
            backprop: Backprop::Exact,
            seed: 1,
            shuffle: false,
            eval_every: 0,
            activation: None,
            loss: Loss::Mse,
            bias: false,
            batch: 1,
            optimizer: Optimizer::Sgd,
            momentum: default_momentum(),
            beta1: default_beta1(),
            beta2: default_beta2(),
            eps: default_eps(),
            weight_decay: 0.0,
            schedule: ScheduleKind::Constant,
            lr_decay: default_lr_decay(),
            step_epochs: default_step_epochs(),
            warmup_epochs: 0,
            init: Init::default(),
            validation: 0,
            dropout_input: 0.0,
            dropout: 0.0,
            max_norm: 0.0,
            augment: Augment::None,
            rotate: default_rotate(),
            scale: default_scale(),
            shear: default_shear(),
            translate: default_translate(),
            elastic_sigma: default_elastic_sigma(),
            elastic_alpha: default_elastic_alpha(),
        }
    }

    /// The distortions of the training images this configuration asks for.
    pub fn distortion(&self) -> Distortion {
        Distortion {
            kind: self.augment,
            rotate: self.rotate,
            scale: self.scale,
            shear: self.shear,
            translate: self.translate,
            elastic_sigma: self.elastic_sigma,
            elastic_alpha: self.elastic_alpha,
        }
    }

    /// The hidden layers' activation: the field, else the case's.
    pub fn hidden_activation(&self) -> Activation {
        self.activation.unwrap_or(match self.case {
            Case::Tanh => Activation::Tanh,
            Case::ReluSigmoid => Activation::Relu,
        })
    }

    /// True when this is the study's family (one layer, no biases, MSE, online
    /// plain SGD at a constant rate, the study's activations and
    /// initialisation), which the online engine trains; anything else is
    /// trained by the minibatch engine.
    pub fn is_online_study(&self) -> bool {
        self.hidden.depth() == 1
            && !self.bias
            && self.loss == Loss::Mse
            && self.batch == 1
            && self.optimizer == Optimizer::Sgd
            && self.weight_decay == 0.0
            && self.schedule == ScheduleKind::Constant
            && self.warmup_epochs == 0
            && self.init == Init::default()
            && self.dropout_input == 0.0
            && self.dropout == 0.0
            && self.max_norm == 0.0
            && self.augment == Augment::None
            && self
                .activation
                .is_none_or(|a| a == TrainConfig::new(self.case).hidden_activation())
    }

    /// Checks every field against the ranges the engine accepts.
    pub fn validate(&self, available_samples: usize) -> Result<(), crate::EngineError> {
        use crate::EngineError as E;
        // Layers cannot hold a zero width; a deserialised one went through the same check.
        if self.hidden.widths().contains(&0) {
            return Err(E::config("hidden", "every width must be at least 1"));
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
        let usable = available_samples.saturating_sub(self.validation);
        if self.validation > 0 && self.validation >= available_samples {
            return Err(E::config(
                "validation",
                format!(
                    "{} leaves none of the {available_samples} training images to train on",
                    self.validation
                ),
            ));
        }
        if self.train_samples > usable {
            return Err(E::config(
                "train_samples",
                if self.validation > 0 {
                    format!(
                        "{} is more than the {usable} training images left after holding out {} for validation",
                        self.train_samples, self.validation
                    )
                } else {
                    format!(
                        "{} is more than the {available_samples} training images available",
                        self.train_samples
                    )
                },
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
        self.validate_general()
    }

    fn validate_general(&self) -> Result<(), crate::EngineError> {
        use crate::EngineError as E;
        if self.batch == 0 {
            return Err(E::config("batch", "must be at least 1"));
        }
        if self.batch > self.train_samples {
            return Err(E::config(
                "batch",
                format!(
                    "{} is more than the {} training samples",
                    self.batch, self.train_samples
                ),
            ));
        }
        let unit = |field: &'static str, v: f64| -> Result<(), crate::EngineError> {
            if (0.0..1.0).contains(&v) {
                Ok(())
            } else {
                Err(E::config(field, format!("must be in [0, 1), got {v}")))
            }
        };
        unit("momentum", self.momentum)?;
        unit("beta1", self.beta1)?;
        unit("beta2", self.beta2)?;
        // An optimiser's parameter given to another optimiser would be
        // silently ignored: say so instead.
        let with_momentum = matches!(self.optimizer, Optimizer::Momentum | Optimizer::Nesterov);
        let adam = matches!(self.optimizer, Optimizer::Adam | Optimizer::AdamW);
        if !with_momentum && self.momentum != default_momentum() {
            return Err(E::config(
                "momentum",
                format!(
                    "applies to the momentum and nesterov optimisers, not {}",
                    self.optimizer
                ),
            ));
        }
        let adams = [
            ("beta1", self.beta1 != default_beta1()),
            ("beta2", self.beta2 != default_beta2()),
            ("eps", self.eps != default_eps()),
        ];
        if let Some((field, _)) = adams.iter().find(|(_, given)| *given && !adam) {
            return Err(E::config(
                field,
                format!(
                    "applies to the adam and adamw optimisers, not {}",
                    self.optimizer
                ),
            ));
        }
        if !(self.eps.is_finite() && self.eps > 0.0) {
            return Err(E::config(
                "eps",
                format!("must be a positive finite number, got {}", self.eps),
            ));
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(E::config(
                "weight_decay",
                format!("must be a finite number >= 0, got {}", self.weight_decay),
            ));
        }
        if !(self.lr_decay.is_finite() && self.lr_decay > 0.0 && self.lr_decay <= 1.0) {
            return Err(E::config(
                "lr_decay",
                format!("must be in (0, 1], got {}", self.lr_decay),
            ));
        }
        if self.step_epochs == 0 {
            return Err(E::config("step_epochs", "must be at least 1"));
        }
        for (field, p) in [
            ("dropout_input", self.dropout_input),
            ("dropout", self.dropout),
        ] {
            if !(p.is_finite() && (0.0..1.0).contains(&p)) {
                return Err(E::config(field, format!("must be in [0, 1), got {p}")));
            }
        }
        for (field, v) in [
            ("rotate", self.rotate),
            ("scale", self.scale),
            ("shear", self.shear),
            ("translate", self.translate),
            ("elastic_alpha", self.elastic_alpha),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(E::config(
                    field,
                    format!("must be a finite number >= 0, got {v}"),
                ));
            }
        }
        if self.scale >= 1.0 {
            return Err(E::config(
                "scale",
                format!("must be below 1 (a factor of 1 +- it), got {}", self.scale),
            ));
        }
        if !(self.elastic_sigma.is_finite()
            && self.elastic_sigma > 0.0
            && self.elastic_sigma <= 100.0)
        {
            return Err(E::config(
                "elastic_sigma",
                format!("must be in (0, 100] pixels, got {}", self.elastic_sigma),
            ));
        }
        if !(self.max_norm.is_finite() && self.max_norm >= 0.0) {
            return Err(E::config(
                "max_norm",
                format!(
                    "must be a finite number >= 0 (0: none), got {}",
                    self.max_norm
                ),
            ));
        }
        if self.warmup_epochs >= self.epochs && self.warmup_epochs > 0 {
            return Err(E::config(
                "warmup_epochs",
                format!(
                    "{} leaves none of the {} epochs after warm-up",
                    self.warmup_epochs, self.epochs
                ),
            ));
        }
        if self.backprop == Backprop::AsPublished && !self.is_online_study() {
            return Err(E::config(
                "backprop",
                "as-published derivatives exist only for the study's family (one layer, no biases, MSE, online SGD)",
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
        for part in self.general_parts() {
            s.push(' ');
            s.push_str(&part);
        }
        s.push_str(&format!(" seed={}", self.seed));
        s
    }

    /// Sample steps this configuration runs (epochs x samples).
    pub fn steps(&self) -> u64 {
        self.epochs as u64 * self.train_samples as u64
    }
}

#[cfg(test)]
mod optimiser_parameter_tests {
    use super::*;

    /// A parameter of one optimiser given to another is refused by name, not ignored.
    #[test]
    fn an_optimisers_parameter_given_to_another_is_refused() {
        let base = TrainConfig {
            hidden: 8.into(),
            batch: 8,
            train_samples: 100,
            ..TrainConfig::new(Case::ReluSigmoid)
        };
        let cases = [
            (
                Optimizer::Adam,
                "momentum",
                TrainConfig {
                    momentum: 0.5,
                    ..base.clone()
                },
            ),
            (
                Optimizer::Sgd,
                "momentum",
                TrainConfig {
                    momentum: 0.5,
                    ..base.clone()
                },
            ),
            (
                Optimizer::Nesterov,
                "beta1",
                TrainConfig {
                    beta1: 0.8,
                    ..base.clone()
                },
            ),
            (
                Optimizer::Momentum,
                "eps",
                TrainConfig {
                    eps: 1e-6,
                    ..base.clone()
                },
            ),
        ];
        for (optimizer, field, c) in cases {
            let c = TrainConfig { optimizer, ..c };
            let err = c.validate(1000).unwrap_err().to_string();
            assert!(
                err.contains(field) && err.contains(&optimizer.to_string()),
                "{err}"
            );
        }
        for (optimizer, c) in [
            (
                Optimizer::Nesterov,
                TrainConfig {
                    momentum: 0.5,
                    ..base.clone()
                },
            ),
            (
                Optimizer::AdamW,
                TrainConfig {
                    beta1: 0.8,
                    eps: 1e-6,
                    ..base.clone()
                },
            ),
        ] {
            TrainConfig { optimizer, ..c }.validate(1000).unwrap();
        }
    }
}
