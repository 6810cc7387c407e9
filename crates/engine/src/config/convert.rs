//! Between the flat, written form of a configuration and the typed one.

use super::flat::{
    default_beta1, default_beta2, default_eps, default_lr_decay, default_momentum,
    default_step_epochs, ConfigFields,
};
use super::parts::{
    DataConfig, LrDecay, NetworkConfig, Optimizer, OptimizerConfig, Regularization, RunConfig,
    ScheduleConfig, TrainConfig,
};
use crate::augment::Distortion;
use crate::kinds::{OptimizerKind, ScheduleKind};
use crate::EngineError;

impl ConfigFields {
    /// The typed configuration, refusing a parameter that the chosen
    /// optimiser or schedule does not take (it would be silently ignored).
    pub fn resolve(self) -> Result<TrainConfig, EngineError> {
        let with_momentum = matches!(
            self.optimizer,
            OptimizerKind::Momentum | OptimizerKind::Nesterov
        );
        let adam = matches!(self.optimizer, OptimizerKind::Adam | OptimizerKind::AdamW);
        let foreign = [
            (
                "momentum",
                !with_momentum && self.momentum != default_momentum(),
                "the momentum and nesterov optimisers",
            ),
            (
                "beta1",
                !adam && self.beta1 != default_beta1(),
                "the adam and adamw optimisers",
            ),
            (
                "beta2",
                !adam && self.beta2 != default_beta2(),
                "the adam and adamw optimisers",
            ),
            (
                "eps",
                !adam && self.eps != default_eps(),
                "the adam and adamw optimisers",
            ),
        ];
        if let Some((field, _, owners)) = foreign.iter().find(|(_, given, _)| *given) {
            return Err(EngineError::config(
                field,
                format!("applies to {owners}, not {}", self.optimizer),
            ));
        }
        let decays = matches!(
            self.schedule,
            ScheduleKind::Step | ScheduleKind::Exponential
        );
        if !decays && self.lr_decay != default_lr_decay() {
            return Err(EngineError::config(
                "lr_decay",
                format!(
                    "applies to the step and exponential schedules, not {}",
                    self.schedule
                ),
            ));
        }
        if self.schedule != ScheduleKind::Step && self.step_epochs != default_step_epochs() {
            return Err(EngineError::config(
                "step_epochs",
                format!("applies to the step schedule, not {}", self.schedule),
            ));
        }
        Ok(self.into())
    }
}

/// Reads leniently, as files written before parameters were checked may
/// hold one that their optimiser or schedule ignored: it is dropped.
impl From<ConfigFields> for TrainConfig {
    fn from(f: ConfigFields) -> Self {
        let method = match f.optimizer {
            OptimizerKind::Sgd => Optimizer::Sgd,
            OptimizerKind::Momentum => Optimizer::Momentum {
                mu: f.momentum,
                nesterov: false,
            },
            OptimizerKind::Nesterov => Optimizer::Momentum {
                mu: f.momentum,
                nesterov: true,
            },
            OptimizerKind::Adam | OptimizerKind::AdamW => Optimizer::Adam {
                beta1: f.beta1,
                beta2: f.beta2,
                eps: f.eps,
            },
        };
        let decay = match f.schedule {
            ScheduleKind::Constant => LrDecay::Constant,
            ScheduleKind::Step => LrDecay::Step {
                factor: f.lr_decay,
                every: f.step_epochs,
            },
            ScheduleKind::Exponential => LrDecay::Exponential { factor: f.lr_decay },
            ScheduleKind::Cosine => LrDecay::Cosine,
        };
        TrainConfig {
            network: NetworkConfig {
                case: f.case,
                hidden: f.hidden,
                activation: f.activation,
                bias: f.bias,
                loss: f.loss,
                init: f.init,
                backprop: f.backprop,
            },
            optimizer: OptimizerConfig {
                lr: f.lr,
                method,
                weight_decay: f.weight_decay,
            },
            schedule: ScheduleConfig {
                decay,
                warmup_epochs: f.warmup_epochs,
            },
            data: DataConfig {
                train_samples: f.train_samples,
                validation: f.validation,
                shuffle: f.shuffle,
                batch: f.batch,
                augment: Distortion {
                    kind: f.augment,
                    rotate: f.rotate,
                    scale: f.scale,
                    shear: f.shear,
                    translate: f.translate,
                    elastic_sigma: f.elastic_sigma,
                    elastic_alpha: f.elastic_alpha,
                },
            },
            regularization: Regularization {
                l2: f.l2,
                dropout_input: f.dropout_input,
                dropout: f.dropout,
                max_norm: f.max_norm,
            },
            run: RunConfig {
                epochs: f.epochs,
                seed: f.seed,
                eval_every: f.eval_every,
            },
        }
    }
}

/// Writes every parameter the typed form does not hold at its default, so
/// that a configuration keys and serialises as its flat form always has;
/// Adam with decoupled decay is written `adam` (`adamw` is its other name).
impl From<TrainConfig> for ConfigFields {
    fn from(t: TrainConfig) -> Self {
        let mut f = ConfigFields::new(t.network.case);
        let TrainConfig {
            network,
            optimizer,
            schedule,
            data,
            regularization,
            run,
        } = t;
        f.hidden = network.hidden;
        f.activation = network.activation;
        f.bias = network.bias;
        f.loss = network.loss;
        f.init = network.init;
        f.backprop = network.backprop;
        f.lr = optimizer.lr;
        f.weight_decay = optimizer.weight_decay;
        match optimizer.method {
            Optimizer::Sgd => f.optimizer = OptimizerKind::Sgd,
            Optimizer::Momentum { mu, nesterov } => {
                f.optimizer = if nesterov {
                    OptimizerKind::Nesterov
                } else {
                    OptimizerKind::Momentum
                };
                f.momentum = mu;
            }
            Optimizer::Adam { beta1, beta2, eps } => {
                f.optimizer = OptimizerKind::Adam;
                f.beta1 = beta1;
                f.beta2 = beta2;
                f.eps = eps;
            }
        }
        match schedule.decay {
            LrDecay::Constant => f.schedule = ScheduleKind::Constant,
            LrDecay::Step { factor, every } => {
                f.schedule = ScheduleKind::Step;
                f.lr_decay = factor;
                f.step_epochs = every;
            }
            LrDecay::Exponential { factor } => {
                f.schedule = ScheduleKind::Exponential;
                f.lr_decay = factor;
            }
            LrDecay::Cosine => f.schedule = ScheduleKind::Cosine,
        }
        f.warmup_epochs = schedule.warmup_epochs;
        f.train_samples = data.train_samples;
        f.validation = data.validation;
        f.shuffle = data.shuffle;
        f.batch = data.batch;
        let Distortion {
            kind,
            rotate,
            scale,
            shear,
            translate,
            elastic_sigma,
            elastic_alpha,
        } = data.augment;
        f.augment = kind;
        f.rotate = rotate;
        f.scale = scale;
        f.shear = shear;
        f.translate = translate;
        f.elastic_sigma = elastic_sigma;
        f.elastic_alpha = elastic_alpha;
        f.l2 = regularization.l2;
        f.dropout_input = regularization.dropout_input;
        f.dropout = regularization.dropout;
        f.max_norm = regularization.max_norm;
        f.epochs = run.epochs;
        f.seed = run.seed;
        f.eval_every = run.eval_every;
        f
    }
}
