//! The ranges the engine accepts for each part of a configuration.

use super::parts::{LrDecay, Optimizer, TrainConfig};
use super::Backprop;
use crate::EngineError as E;

impl TrainConfig {
    /// Checks every field against the ranges the engine accepts, with
    /// `available_samples` training images in the data.
    pub fn validate(&self, available_samples: usize) -> Result<(), E> {
        self.validate_data(available_samples)?;
        self.validate_optimizer()?;
        self.validate_schedule()?;
        self.validate_regularization()?;
        self.validate_augment()?;
        // Layers cannot hold a zero width; a deserialised one went through the same check.
        if self.network.hidden.widths().contains(&0) {
            return Err(E::config("hidden", "every width must be at least 1"));
        }
        if self.run.epochs == 0 {
            return Err(E::config("epochs", "must be at least 1"));
        }
        if self.network.backprop == Backprop::AsPublished && !self.is_online_study() {
            return Err(E::config(
                "backprop",
                "as-published derivatives exist only for the study's family (one layer, no biases, MSE, online SGD)",
            ));
        }
        Ok(())
    }

    fn validate_data(&self, available: usize) -> Result<(), E> {
        let d = &self.data;
        if d.train_samples == 0 {
            return Err(E::config("train_samples", "must be at least 1"));
        }
        let usable = available.saturating_sub(d.validation);
        if d.validation > 0 && d.validation >= available {
            return Err(E::config(
                "validation",
                format!(
                    "{} leaves none of the {available} training images to train on",
                    d.validation
                ),
            ));
        }
        if d.train_samples > usable {
            return Err(E::config(
                "train_samples",
                if d.validation > 0 {
                    format!(
                        "{} is more than the {usable} training images left after holding out {} for validation",
                        d.train_samples, d.validation
                    )
                } else {
                    format!(
                        "{} is more than the {available} training images available",
                        d.train_samples
                    )
                },
            ));
        }
        if d.batch == 0 {
            return Err(E::config("batch", "must be at least 1"));
        }
        if d.batch > d.train_samples {
            return Err(E::config(
                "batch",
                format!(
                    "{} is more than the {} training samples",
                    d.batch, d.train_samples
                ),
            ));
        }
        Ok(())
    }

    fn validate_optimizer(&self) -> Result<(), E> {
        let o = &self.optimizer;
        if !(o.lr.is_finite() && o.lr > 0.0) {
            return Err(E::config(
                "lr",
                format!("must be a positive finite number, got {}", o.lr),
            ));
        }
        let unit = |field: &'static str, v: f64| -> Result<(), E> {
            if (0.0..1.0).contains(&v) {
                Ok(())
            } else {
                Err(E::config(field, format!("must be in [0, 1), got {v}")))
            }
        };
        match o.method {
            Optimizer::Sgd => {}
            Optimizer::Momentum { mu, .. } => unit("momentum", mu)?,
            Optimizer::Adam { beta1, beta2, eps } => {
                unit("beta1", beta1)?;
                unit("beta2", beta2)?;
                if !(eps.is_finite() && eps > 0.0) {
                    return Err(E::config(
                        "eps",
                        format!("must be a positive finite number, got {eps}"),
                    ));
                }
            }
        }
        if !(o.weight_decay.is_finite() && o.weight_decay >= 0.0) {
            return Err(E::config(
                "weight_decay",
                format!("must be a finite number >= 0, got {}", o.weight_decay),
            ));
        }
        Ok(())
    }

    fn validate_schedule(&self) -> Result<(), E> {
        match self.schedule.decay {
            LrDecay::Step { factor, .. } | LrDecay::Exponential { factor }
                if !(factor.is_finite() && factor > 0.0 && factor <= 1.0) =>
            {
                return Err(E::config(
                    "lr_decay",
                    format!("must be in (0, 1], got {factor}"),
                ));
            }
            LrDecay::Step { every: 0, .. } => {
                return Err(E::config("step_epochs", "must be at least 1"));
            }
            _ => {}
        }
        let warmup = self.schedule.warmup_epochs;
        if warmup > 0 && warmup >= self.run.epochs {
            return Err(E::config(
                "warmup_epochs",
                format!(
                    "{warmup} leaves none of the {} epochs after warm-up",
                    self.run.epochs
                ),
            ));
        }
        Ok(())
    }

    fn validate_regularization(&self) -> Result<(), E> {
        let r = &self.regularization;
        if !(r.l2.is_finite() && r.l2 >= 0.0) || r.l2 * self.optimizer.lr >= 1.0 {
            return Err(E::config(
                "l2",
                format!("must be a finite number >= 0 with lr*l2 < 1, got {}", r.l2),
            ));
        }
        for (field, p) in [("dropout_input", r.dropout_input), ("dropout", r.dropout)] {
            if !(p.is_finite() && (0.0..1.0).contains(&p)) {
                return Err(E::config(field, format!("must be in [0, 1), got {p}")));
            }
        }
        if !(r.max_norm.is_finite() && r.max_norm >= 0.0) {
            return Err(E::config(
                "max_norm",
                format!("must be a finite number >= 0 (0: none), got {}", r.max_norm),
            ));
        }
        Ok(())
    }

    fn validate_augment(&self) -> Result<(), E> {
        let a = &self.data.augment;
        for (field, v) in [
            ("rotate", a.rotate),
            ("scale", a.scale),
            ("shear", a.shear),
            ("translate", a.translate),
            ("elastic_alpha", a.elastic_alpha),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(E::config(
                    field,
                    format!("must be a finite number >= 0, got {v}"),
                ));
            }
        }
        if a.scale >= 1.0 {
            return Err(E::config(
                "scale",
                format!("must be below 1 (a factor of 1 +- it), got {}", a.scale),
            ));
        }
        if !(a.elastic_sigma.is_finite() && a.elastic_sigma > 0.0 && a.elastic_sigma <= 100.0) {
            return Err(E::config(
                "elastic_sigma",
                format!("must be in (0, 100] pixels, got {}", a.elastic_sigma),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::config::ConfigFields;
    use crate::kinds::{OptimizerKind, ScheduleKind};
    use crate::{Case, Optimizer, TrainConfig};

    fn base() -> ConfigFields {
        ConfigFields {
            hidden: 8.into(),
            batch: 8,
            train_samples: 100,
            ..ConfigFields::new(Case::ReluSigmoid)
        }
    }

    /// A parameter of one optimiser or schedule given to another is refused by name, not ignored.
    #[test]
    fn a_parameter_given_to_an_optimiser_or_schedule_without_it_is_refused() {
        let cases = [
            (
                "momentum",
                ConfigFields {
                    optimizer: OptimizerKind::Adam,
                    momentum: 0.5,
                    ..base()
                },
            ),
            (
                "momentum",
                ConfigFields {
                    momentum: 0.5,
                    ..base()
                },
            ),
            (
                "beta1",
                ConfigFields {
                    optimizer: OptimizerKind::Nesterov,
                    beta1: 0.8,
                    ..base()
                },
            ),
            (
                "eps",
                ConfigFields {
                    optimizer: OptimizerKind::Momentum,
                    eps: 1e-6,
                    ..base()
                },
            ),
            (
                "lr_decay",
                ConfigFields {
                    schedule: ScheduleKind::Cosine,
                    lr_decay: 0.5,
                    ..base()
                },
            ),
            (
                "step_epochs",
                ConfigFields {
                    schedule: ScheduleKind::Exponential,
                    step_epochs: 3,
                    ..base()
                },
            ),
        ];
        for (field, c) in cases {
            let owner = if field == "lr_decay" || field == "step_epochs" {
                c.schedule.to_string()
            } else {
                c.optimizer.to_string()
            };
            let err = c.resolve().unwrap_err().to_string();
            assert!(err.contains(field) && err.contains(&owner), "{err}");
        }
        let nesterov = ConfigFields {
            optimizer: OptimizerKind::Nesterov,
            momentum: 0.5,
            ..base()
        }
        .resolve()
        .unwrap();
        assert_eq!(
            nesterov.optimizer.method,
            Optimizer::Momentum {
                mu: 0.5,
                nesterov: true
            }
        );
        let adamw = ConfigFields {
            optimizer: OptimizerKind::AdamW,
            beta1: 0.8,
            eps: 1e-6,
            weight_decay: 1e-4,
            ..base()
        }
        .resolve()
        .unwrap();
        assert_eq!(
            adamw.optimizer.method,
            Optimizer::Adam {
                beta1: 0.8,
                beta2: 0.999,
                eps: 1e-6
            }
        );
        adamw.validate(1000).unwrap();
    }

    /// `adamw` is Adam with decoupled decay: it reads as Adam and is written `adam`.
    #[test]
    fn adamw_reads_as_adam_and_writes_adam() {
        let adamw = ConfigFields {
            optimizer: OptimizerKind::AdamW,
            weight_decay: 1e-4,
            ..base()
        };
        let adam = ConfigFields {
            optimizer: OptimizerKind::Adam,
            ..adamw.clone()
        };
        let typed = adamw.resolve().unwrap();
        assert_eq!(typed, adam.clone().resolve().unwrap());
        assert_eq!(typed.fields(), adam);
    }

    /// Reading is lenient: a file written before parameters were checked keeps loading.
    #[test]
    fn a_file_with_an_ignored_parameter_still_reads() {
        let text = r#"{"case":"relu-sigmoid","hidden":8,"lr":0.01,"epochs":2,"train_samples":100,"l2":0.0,"backprop":"exact","seed":1,"shuffle":false,"eval_every":0,"batch":8,"optimizer":"adam","momentum":0.5}"#;
        let c: TrainConfig = serde_json::from_str(text).unwrap();
        assert!(matches!(c.optimizer.method, Optimizer::Adam { .. }));
        assert_eq!(c.fields().momentum, ConfigFields::new(Case::Tanh).momentum);
    }

    /// Every field round-trips between the typed and the flat form.
    #[test]
    fn the_typed_and_flat_forms_round_trip() {
        use crate::augment::Augment;
        use crate::{Activation, Init, Loss};
        let f = ConfigFields {
            activation: Some(Activation::Sigmoid),
            loss: Loss::CrossEntropy,
            bias: true,
            optimizer: OptimizerKind::Nesterov,
            momentum: 0.95,
            weight_decay: 1e-4,
            schedule: ScheduleKind::Step,
            lr_decay: 0.5,
            step_epochs: 3,
            warmup_epochs: 1,
            init: Init::He,
            validation: 10,
            dropout_input: 0.2,
            dropout: 0.5,
            max_norm: 3.5,
            augment: Augment::Elastic,
            rotate: 5.0,
            scale: 0.2,
            shear: 0.3,
            translate: 1.0,
            elastic_sigma: 6.0,
            elastic_alpha: 30.0,
            l2: 1e-5,
            shuffle: true,
            eval_every: 2,
            seed: 7,
            epochs: 4,
            ..base()
        };
        let typed = f.clone().resolve().unwrap();
        assert_eq!(typed.fields(), f);
        let text = serde_json::to_string(&typed).unwrap();
        assert_eq!(text, serde_json::to_string(&f).unwrap());
        assert_eq!(serde_json::from_str::<TrainConfig>(&text).unwrap(), typed);
    }
}
