//! The flags of the configuration fields beyond the study's, for `mlp train`
//! (one value each) and `mlp sweep` (comma-separated lists).

use clap::Args as ClapArgs;
use mlp_engine::augment::Augment;
use mlp_engine::{Activation, Init, Loss, Optimizer, ScheduleKind, TrainConfig};
use mlp_sweep::GeneralAxes;

/// One value per field; an absent flag keeps the recipe's value.
#[derive(ClapArgs, Debug, Default)]
pub struct GeneralFlags {
    /// Hidden layers' activation: relu, tanh or sigmoid (default: the case's).
    #[arg(long)]
    activation: Option<Activation>,
    /// Loss: mse (the case's outputs and targets) or cross-entropy (softmax outputs).
    #[arg(long)]
    loss: Option<Loss>,
    /// Give every layer biases.
    #[arg(long, overrides_with = "no_bias")]
    bias: bool,
    /// No biases (the study's networks).
    #[arg(long)]
    no_bias: bool,
    /// Samples per gradient step (1: online); the gradient is their mean.
    #[arg(long, value_name = "B")]
    batch: Option<usize>,
    /// Optimiser: sgd, momentum, nesterov, adam or adamw.
    #[arg(long)]
    optimizer: Option<Optimizer>,
    /// Momentum of momentum and nesterov.
    #[arg(long, value_name = "MU", allow_negative_numbers = true)]
    momentum: Option<f64>,
    /// Adam's first-moment decay.
    #[arg(long, allow_negative_numbers = true)]
    beta1: Option<f64>,
    /// Adam's second-moment decay.
    #[arg(long, allow_negative_numbers = true)]
    beta2: Option<f64>,
    /// Adam's epsilon.
    #[arg(long, allow_negative_numbers = true)]
    eps: Option<f64>,
    /// Decoupled weight decay (applied after the optimiser's scaling, as AdamW's).
    #[arg(long, value_name = "WD", allow_negative_numbers = true)]
    weight_decay: Option<f64>,
    /// Learning-rate schedule: constant, step, exponential or cosine.
    #[arg(long)]
    schedule: Option<ScheduleKind>,
    /// Factor of the step and exponential schedules.
    #[arg(long, allow_negative_numbers = true)]
    lr_decay: Option<f64>,
    /// Epochs between the step schedule's drops.
    #[arg(long, value_name = "E")]
    step_epochs: Option<usize>,
    /// Epochs of linear learning-rate warm-up from zero.
    #[arg(long, value_name = "E")]
    warmup_epochs: Option<usize>,
    /// Weight initialisation: uniform:A, glorot or he.
    #[arg(long)]
    init: Option<Init>,
    /// Hold out the last K training images as a validation split, evaluated beside the test set.
    #[arg(long, value_name = "K")]
    validation: Option<usize>,
    /// Drop each input pixel with probability P in training (inverted dropout).
    #[arg(long, value_name = "P", allow_negative_numbers = true)]
    dropout_input: Option<f64>,
    /// Drop each hidden unit's output with probability P in training.
    #[arg(long, value_name = "P", allow_negative_numbers = true)]
    dropout: Option<f64>,
    /// After each update, rescale hidden units' incoming weight vectors longer than C to C.
    #[arg(long, value_name = "C", allow_negative_numbers = true)]
    max_norm: Option<f64>,
    /// Distort the training images: none, affine, elastic or affine+elastic.
    #[arg(long)]
    augment: Option<Augment>,
    /// Affine rotation range, +- degrees (default 10).
    #[arg(long, value_name = "DEG", allow_negative_numbers = true)]
    rotate: Option<f64>,
    /// Affine scale range, 1 +- S (default 0.1).
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    scale: Option<f64>,
    /// Affine shear range, +- S (default 0.1).
    #[arg(long, value_name = "S", allow_negative_numbers = true)]
    shear: Option<f64>,
    /// Affine shift range, +- pixels per axis (default 2).
    #[arg(long, value_name = "PX", allow_negative_numbers = true)]
    translate: Option<f64>,
    /// Width of the Gaussian smoothing the elastic field, pixels (default 4, as Simard's).
    #[arg(long, value_name = "PX", allow_negative_numbers = true)]
    elastic_sigma: Option<f64>,
    /// Scale of the smoothed elastic field, pixels (default 34, as Simard's).
    #[arg(long, value_name = "PX", allow_negative_numbers = true)]
    elastic_alpha: Option<f64>,
}

impl GeneralFlags {
    /// Sets every field a flag gave.
    pub fn apply(&self, c: &mut TrainConfig) {
        macro_rules! set {
            ($($f:ident),+) => { $( if let Some(v) = self.$f { c.$f = v; } )+ };
        }
        set!(
            loss,
            batch,
            optimizer,
            momentum,
            beta1,
            beta2,
            eps,
            weight_decay,
            schedule,
            lr_decay,
            step_epochs,
            warmup_epochs,
            init,
            validation,
            dropout_input,
            dropout,
            max_norm,
            augment,
            rotate,
            scale,
            shear,
            translate,
            elastic_sigma,
            elastic_alpha
        );
        if let Some(a) = self.activation {
            c.activation = Some(a);
        }
        if self.bias {
            c.bias = true;
        }
        if self.no_bias {
            c.bias = false;
        }
    }
}

/// Comma-separated lists; each one given multiplies the grid.
#[derive(ClapArgs, Debug, Default)]
pub struct GeneralAxisFlags {
    /// Hidden activations, comma-separated.
    #[arg(long, value_delimiter = ',')]
    activation: Vec<Activation>,
    /// Losses, comma-separated.
    #[arg(long, value_delimiter = ',')]
    loss: Vec<Loss>,
    /// With and without biases: true, false or both (true,false).
    #[arg(long, value_delimiter = ',', value_name = "BOOL")]
    bias: Vec<bool>,
    /// Batch sizes, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "B")]
    batch: Vec<usize>,
    /// Optimisers, comma-separated.
    #[arg(long, value_delimiter = ',')]
    optimizer: Vec<Optimizer>,
    /// Momenta, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "MU")]
    momentum: Vec<f64>,
    /// Adam first-moment decays, comma-separated.
    #[arg(long, value_delimiter = ',')]
    beta1: Vec<f64>,
    /// Adam second-moment decays, comma-separated.
    #[arg(long, value_delimiter = ',')]
    beta2: Vec<f64>,
    /// Adam epsilons, comma-separated.
    #[arg(long, value_delimiter = ',')]
    eps: Vec<f64>,
    /// Decoupled weight decays, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "WD")]
    weight_decay: Vec<f64>,
    /// Schedules, comma-separated.
    #[arg(long, value_delimiter = ',')]
    schedule: Vec<ScheduleKind>,
    /// Schedule decay factors, comma-separated.
    #[arg(long, value_delimiter = ',')]
    lr_decay: Vec<f64>,
    /// Epochs between step-schedule drops, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "E")]
    step_epochs: Vec<usize>,
    /// Warm-up epochs, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "E")]
    warmup_epochs: Vec<usize>,
    /// Initialisations, comma-separated.
    #[arg(long, value_delimiter = ',')]
    init: Vec<Init>,
    /// Validation split sizes, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "K")]
    validation: Vec<usize>,
    /// Input dropout probabilities, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "P")]
    dropout_input: Vec<f64>,
    /// Hidden dropout probabilities, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "P")]
    dropout: Vec<f64>,
    /// Max-norm constraints, comma-separated (0: none).
    #[arg(long, value_delimiter = ',', value_name = "C")]
    max_norm: Vec<f64>,
    /// Distortions, comma-separated.
    #[arg(long, value_delimiter = ',')]
    augment: Vec<Augment>,
    /// Rotation ranges (degrees), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "DEG")]
    rotate: Vec<f64>,
    /// Scale ranges, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "S")]
    scale: Vec<f64>,
    /// Shear ranges, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "S")]
    shear: Vec<f64>,
    /// Shift ranges (pixels), comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "PX")]
    translate: Vec<f64>,
    /// Elastic smoothing widths, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "PX")]
    elastic_sigma: Vec<f64>,
    /// Elastic scales, comma-separated.
    #[arg(long, value_delimiter = ',', value_name = "PX")]
    elastic_alpha: Vec<f64>,
}

impl GeneralAxisFlags {
    /// The lists as the engine's grid axes (an absent flag is no axis).
    pub fn axes(&self) -> GeneralAxes {
        fn some<T: Clone>(v: &[T]) -> Option<Vec<T>> {
            (!v.is_empty()).then(|| v.to_vec())
        }
        GeneralAxes {
            activation: some(&self.activation),
            loss: some(&self.loss),
            bias: some(&self.bias),
            batch: some(&self.batch),
            optimizer: some(&self.optimizer),
            momentum: some(&self.momentum),
            beta1: some(&self.beta1),
            beta2: some(&self.beta2),
            eps: some(&self.eps),
            weight_decay: some(&self.weight_decay),
            schedule: some(&self.schedule),
            lr_decay: some(&self.lr_decay),
            step_epochs: some(&self.step_epochs),
            warmup_epochs: some(&self.warmup_epochs),
            init: some(&self.init),
            validation: some(&self.validation),
            dropout_input: some(&self.dropout_input),
            dropout: some(&self.dropout),
            max_norm: some(&self.max_norm),
            augment: some(&self.augment),
            rotate: some(&self.rotate),
            scale: some(&self.scale),
            shear: some(&self.shear),
            translate: some(&self.translate),
            elastic_sigma: some(&self.elastic_sigma),
            elastic_alpha: some(&self.elastic_alpha),
        }
    }

    /// True when any list was given.
    pub fn any(&self) -> bool {
        self.axes() != GeneralAxes::default()
    }
}
