//! The flat, written form of a configuration.

use super::{Backprop, Case};
use crate::arch::{Activation, Init, Layers, Loss};
use crate::augment::Augment;
use crate::kinds::{OptimizerKind, ScheduleKind};
use serde::{Deserialize, Serialize};

/// A configuration as files, flags, sweep axes and run keys spell it: one
/// flat field per knob, in which an optimiser's or schedule's parameters sit
/// beside the others'. [`ConfigFields::resolve`] makes the typed
/// [`super::TrainConfig`] of it, refusing parameters that the chosen optimiser or
/// schedule does not take.
///
/// The first fields are the study's; the rest default to the study's family
/// (one layer, no biases, MSE, online plain SGD at a constant rate) and are
/// left out of the serialised form at their defaults, so a study record reads
/// and keys exactly as before they existed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigFields {
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
    pub optimizer: OptimizerKind,
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
    /// Epochs of linear learning-rate warm-up from zero.
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
        pub(super) fn $get() -> $t {
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

impl ConfigFields {
    /// The study's defaults for `case`: N = 300, eta = 0.01, 50 epochs, 60,000 samples, exact.
    pub fn new(case: Case) -> Self {
        ConfigFields {
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
            optimizer: OptimizerKind::Sgd,
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
}
