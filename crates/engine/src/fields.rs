//! The configuration's fields beyond the study's, listed once.
//!
//! [`general_fields!`](crate::general_fields) hands the list to a macro of
//! the caller's, which makes from it what that caller needs: the run key's
//! parts (here), the sweep's axes (`mlp-sweep`), the command-line flags
//! (`mlp-cli`) and the report's columns (`mlp-report`). A new field is one
//! entry here, one field of [`crate::ConfigFields`] and its place in a part of
//! the typed [`crate::TrainConfig`].

use crate::augment::Augment;
use crate::{Activation, ConfigFields, EngineError, Init, Loss, OptimizerKind, ScheduleKind};

/// Passes the fields beyond the study's, in the run key's order, to
/// `$callback!`. Each entry is
/// `field: Type = |config, value| how to set it, "key tag", "VALUE_NAME",
/// [extra flag attributes for one value], "help for one value", "help for a list";`
/// where `Type` is one value as a flag, a sweep file or a grid takes it.
#[macro_export]
macro_rules! general_fields {
    ($callback:path) => {
        $callback! {
            activation: $crate::Activation = |c, v| c.activation = Some(v), "act", "ACT", [],
                "Hidden layers' activation: relu, tanh or sigmoid (default: the case's)",
                "Hidden activations, comma-separated";
            loss: $crate::Loss = |c, v| c.loss = v, "loss", "LOSS", [],
                "Loss: mse (the case's outputs and targets) or cross-entropy (softmax outputs)",
                "Losses, comma-separated";
            bias: bool = |c, v| c.bias = v, "bias", "BOOL",
                [, num_args = 0..=1, default_missing_value = "true"],
                "Give every layer biases (`--bias` alone is `--bias true`)",
                "With and without biases: true, false or both (true,false)";
            batch: usize = |c, v| c.batch = v, "B", "B", [],
                "Samples per gradient step (1: online); the gradient is their mean",
                "Batch sizes, comma-separated";
            optimizer: $crate::OptimizerKind = |c, v| c.optimizer = v, "opt", "OPT", [],
                "Optimiser: sgd, momentum, nesterov, adam or adamw",
                "Optimisers, comma-separated";
            momentum: f64 = |c, v| c.momentum = v, "mu", "MU", [],
                "Momentum of momentum and nesterov",
                "Momenta, comma-separated";
            beta1: f64 = |c, v| c.beta1 = v, "beta1", "BETA1", [],
                "Adam's first-moment decay",
                "Adam first-moment decays, comma-separated";
            beta2: f64 = |c, v| c.beta2 = v, "beta2", "BETA2", [],
                "Adam's second-moment decay",
                "Adam second-moment decays, comma-separated";
            eps: f64 = |c, v| c.eps = v, "eps", "EPS", [],
                "Adam's epsilon",
                "Adam epsilons, comma-separated";
            weight_decay: f64 = |c, v| c.weight_decay = v, "wd", "WD", [],
                "Decoupled weight decay (applied after the optimiser's scaling, as AdamW's)",
                "Decoupled weight decays, comma-separated";
            schedule: $crate::ScheduleKind = |c, v| c.schedule = v, "sched", "SCHEDULE", [],
                "Learning-rate schedule: constant, step, exponential or cosine",
                "Schedules, comma-separated";
            lr_decay: f64 = |c, v| c.lr_decay = v, "decay", "FACTOR", [],
                "Factor of the step and exponential schedules",
                "Schedule decay factors, comma-separated";
            step_epochs: usize = |c, v| c.step_epochs = v, "step_epochs", "E", [],
                "Epochs between the step schedule's drops",
                "Epochs between step-schedule drops, comma-separated";
            warmup_epochs: usize = |c, v| c.warmup_epochs = v, "warmup", "E", [],
                "Epochs of linear learning-rate warm-up from zero",
                "Warm-up epochs, comma-separated";
            init: $crate::Init = |c, v| c.init = v, "init", "INIT", [],
                "Weight initialisation: uniform:A, glorot or he",
                "Initialisations, comma-separated";
            validation: usize = |c, v| c.validation = v, "val", "K", [],
                "Hold out the last K training images as a validation split, evaluated beside the test set",
                "Validation split sizes, comma-separated";
            dropout_input: f64 = |c, v| c.dropout_input = v, "drop_in", "P", [],
                "Drop each input pixel with probability P in training (inverted dropout)",
                "Input dropout probabilities, comma-separated";
            dropout: f64 = |c, v| c.dropout = v, "drop", "P", [],
                "Drop each hidden unit's output with probability P in training",
                "Hidden dropout probabilities, comma-separated";
            max_norm: f64 = |c, v| c.max_norm = v, "max_norm", "C", [],
                "After each update, rescale hidden units' incoming weight vectors longer than C to C",
                "Max-norm constraints, comma-separated (0: none)";
            augment: $crate::augment::Augment = |c, v| c.augment = v, "aug", "KIND", [],
                "Distort the training images: none, affine, elastic or affine+elastic",
                "Distortions, comma-separated";
            rotate: f64 = |c, v| c.rotate = v, "rot", "DEG", [],
                "Affine rotation range, +- degrees (default 10)",
                "Rotation ranges (degrees), comma-separated";
            scale: f64 = |c, v| c.scale = v, "scale", "S", [],
                "Affine scale range, 1 +- S (default 0.1)",
                "Scale ranges, comma-separated";
            shear: f64 = |c, v| c.shear = v, "shear", "S", [],
                "Affine shear range, +- S (default 0.1)",
                "Shear ranges, comma-separated";
            translate: f64 = |c, v| c.translate = v, "shift", "PX", [],
                "Affine shift range, +- pixels per axis (default 2)",
                "Shift ranges (pixels), comma-separated";
            elastic_sigma: f64 = |c, v| c.elastic_sigma = v, "sigma", "PX", [],
                "Width of the Gaussian smoothing the elastic field, pixels (default 4, as Simard's)",
                "Elastic smoothing widths, comma-separated";
            elastic_alpha: f64 = |c, v| c.elastic_alpha = v, "alpha", "PX", [],
                "Scale of the smoothed elastic field, pixels (default 34, as Simard's)",
                "Elastic scales, comma-separated";
        }
    };
}

/// How a field's value reads in a run key: `tag=value`, or the tag alone for a switch.
pub trait KeyPart {
    /// The key part of this value under `tag`.
    fn key_part(&self, tag: &str) -> String;
}

macro_rules! shown_as_is {
    ($($t:ty),+) => {
        $(impl KeyPart for $t {
            fn key_part(&self, tag: &str) -> String {
                format!("{tag}={self}")
            }
        })+
    };
}

shown_as_is!(f64, usize, Loss, OptimizerKind, ScheduleKind, Init, Augment);

impl KeyPart for bool {
    fn key_part(&self, tag: &str) -> String {
        match self {
            true => tag.to_string(),
            false => format!("{tag}=false"),
        }
    }
}

impl KeyPart for Option<Activation> {
    fn key_part(&self, tag: &str) -> String {
        match self {
            Some(a) => format!("{tag}={a}"),
            None => format!("{tag}=default"),
        }
    }
}

macro_rules! key_parts {
    ($($field:ident: $ty:ty = |$c:ident, $v:ident| $set:expr, $tag:literal, $value_name:literal,
        [$($arg:tt)*], $help:literal, $list_help:literal;)+) => {
        impl ConfigFields {
            /// `tag=value` for every field beyond the study's that is not at
            /// its default, in the table's order (the run key's tail).
            pub fn general_parts(&self) -> Vec<String> {
                let d = ConfigFields::new(self.case);
                let mut out = Vec::new();
                $(
                    if self.$field != d.$field {
                        out.push(KeyPart::key_part(&self.$field, $tag));
                    }
                )+
                out
            }

            /// Names of the fields beyond the study's, in the table's order.
            pub const GENERAL_FIELDS: &'static [&'static str] = &[$(stringify!($field)),+];
        }
    };
}

general_fields!(key_parts);

/// Parses `text` as a value of `T` for `field`, naming the field when it is not one.
fn parse_as<T: std::str::FromStr>(field: &'static str, text: &str) -> Result<T, EngineError>
where
    T::Err: std::fmt::Display,
{
    text.trim()
        .parse()
        .map_err(|e| EngineError::config(field, format!("'{text}': {e}")))
}

macro_rules! set_by_name {
    ($($field:ident: $ty:ty = |$c:ident, $v:ident| $set:expr, $tag:literal, $value_name:literal,
        [$($arg:tt)*], $help:literal, $list_help:literal;)+) => {
        impl ConfigFields {
            /// Every field by name: the study's, then those beyond it in the table's order.
            pub const FIELDS: &'static [&'static str] = &[
                "case", "hidden", "lr", "epochs", "train_samples", "l2", "backprop", "seed",
                "shuffle", "eval_every", $(stringify!($field)),+
            ];

            /// Sets the field `name` from its text, as a flag or a sweep file
            /// spells it (`hidden` = "500-300", `bias` = "true"). Only the
            /// value's form is checked here; ranges are checked by
            /// [`ConfigFields::resolve`] and [`crate::TrainConfig::validate`].
            pub fn set_by_name(&mut self, name: &str, text: &str) -> Result<(), EngineError> {
                match name {
                    "case" => self.case = parse_as("case", text)?,
                    "hidden" => self.hidden = parse_as("hidden", text)?,
                    "lr" => self.lr = parse_as("lr", text)?,
                    "epochs" => self.epochs = parse_as("epochs", text)?,
                    "train_samples" => self.train_samples = parse_as("train_samples", text)?,
                    "l2" => self.l2 = parse_as("l2", text)?,
                    "backprop" => self.backprop = parse_as("backprop", text)?,
                    "seed" => self.seed = parse_as("seed", text)?,
                    "shuffle" => self.shuffle = parse_as("shuffle", text)?,
                    "eval_every" => self.eval_every = parse_as("eval_every", text)?,
                    $(
                        stringify!($field) => {
                            let value: $ty = parse_as(stringify!($field), text)?;
                            let set = |$c: &mut ConfigFields, $v: $ty| $set;
                            set(self, value);
                        }
                    )+
                    _ => {
                        return Err(EngineError::config(
                            "field",
                            format!("unknown field '{name}'{}", suggest(name)),
                        ))
                    }
                }
                Ok(())
            }

            /// Every field's value by name, in [`ConfigFields::FIELDS`]' order, as its flat form writes it.
            pub fn named_values(&self) -> Vec<(&'static str, serde_json::Value)> {
                let value = |v: serde_json::Result<serde_json::Value>| v.unwrap_or(serde_json::Value::Null);
                vec![
                    ("case", value(serde_json::to_value(self.case))),
                    ("hidden", value(serde_json::to_value(&self.hidden))),
                    ("lr", value(serde_json::to_value(self.lr))),
                    ("epochs", value(serde_json::to_value(self.epochs))),
                    ("train_samples", value(serde_json::to_value(self.train_samples))),
                    ("l2", value(serde_json::to_value(self.l2))),
                    ("backprop", value(serde_json::to_value(self.backprop))),
                    ("seed", value(serde_json::to_value(self.seed))),
                    ("shuffle", value(serde_json::to_value(self.shuffle))),
                    ("eval_every", value(serde_json::to_value(self.eval_every))),
                    $( (stringify!($field), value(serde_json::to_value(&self.$field))), )+
                ]
            }
        }
    };
}

general_fields!(set_by_name);

/// "; did you mean X?" for the field nearest `name`, when one is near.
fn suggest(name: &str) -> String {
    let near = ConfigFields::FIELDS
        .iter()
        .map(|f| (edit_distance(name, f), *f))
        .min()
        .filter(|&(d, f)| d <= 2.max(f.len() / 3));
    match near {
        Some((_, f)) => format!("; did you mean '{f}'?"),
        None => String::new(),
    }
}

/// Levenshtein distance between two short names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diag = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let next = (diag + usize::from(ca != cb))
                .min(row[j] + 1)
                .min(row[j + 1] + 1);
            diag = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use crate::augment::Augment;
    use crate::{Activation, Case, ConfigFields, Init, Loss, OptimizerKind, ScheduleKind};

    /// Every field away from its default: the key's tail as runs have
    /// always been keyed, so that sweeps recognise their finished runs.
    #[test]
    fn every_general_field_keys_as_before() {
        let c = ConfigFields {
            activation: Some(Activation::Sigmoid),
            loss: Loss::CrossEntropy,
            bias: true,
            batch: 64,
            optimizer: OptimizerKind::Nesterov,
            momentum: 0.95,
            beta1: 0.8,
            beta2: 0.99,
            eps: 1e-6,
            weight_decay: 1e-4,
            schedule: ScheduleKind::Cosine,
            lr_decay: 0.5,
            step_epochs: 3,
            warmup_epochs: 1,
            init: Init::He,
            validation: 10_000,
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
            ..ConfigFields::new(Case::Tanh)
        };
        assert_eq!(
            c.general_parts().join("|"),
            "act=sigmoid|loss=cross-entropy|bias|B=64|opt=nesterov|mu=0.95|beta1=0.8|beta2=0.99|eps=0.000001|wd=0.0001|sched=cosine|decay=0.5|step_epochs=3|warmup=1|init=he|val=10000|drop_in=0.2|drop=0.5|max_norm=3.5|aug=elastic|rot=5|scale=0.2|shear=0.3|shift=1|sigma=6|alpha=30"
        );
        assert!(ConfigFields::new(Case::Tanh).general_parts().is_empty());
        assert_eq!(ConfigFields::GENERAL_FIELDS.len(), 26);
    }

    /// Every field is settable by name from its text, bad text names the
    /// field, and an unknown name suggests the nearest.
    #[test]
    fn every_field_is_set_by_name_from_text() {
        let mut c = ConfigFields::new(Case::Tanh);
        for &name in ConfigFields::FIELDS {
            let before = c.clone();
            let text = match name {
                "case" => "relu-sigmoid",
                "hidden" => "500-300",
                "backprop" => "as-published",
                "shuffle" | "bias" => "true",
                "activation" => "sigmoid",
                "loss" => "cross-entropy",
                "optimizer" => "adam",
                "schedule" => "cosine",
                "init" => "he",
                "augment" => "elastic",
                _ => "7",
            };
            c.set_by_name(name, text).unwrap();
            assert_ne!(c, before, "{name} was not set by '{text}'");
        }
        assert_eq!(c.hidden.to_string(), "500-300");
        let names: Vec<&str> = c.named_values().iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ConfigFields::FIELDS);
        assert!(c
            .named_values()
            .contains(&("hidden", serde_json::json!("500-300"))));
        let err = c.set_by_name("lr", "fast").unwrap_err().to_string();
        assert!(err.starts_with("invalid lr: 'fast': "), "{err}");
        let err = c.set_by_name("epoch", "3").unwrap_err().to_string();
        assert_eq!(
            err,
            "invalid field: unknown field 'epoch'; did you mean 'epochs'?"
        );
        let err = c.set_by_name("zzzzzz", "3").unwrap_err().to_string();
        assert_eq!(err, "invalid field: unknown field 'zzzzzz'");
    }
}
