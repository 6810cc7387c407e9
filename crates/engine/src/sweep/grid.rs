//! A grid is the cross product of value lists; a sweep file is a list of grids.

use crate::{
    Activation, Backprop, Case, EngineError, Init, Layers, Loss, Optimizer, ScheduleKind,
    TrainConfig,
};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Lists of values whose cross product is a set of configurations.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    /// Network cases.
    #[serde(default = "default_cases")]
    pub case: Vec<Case>,
    /// Hidden widths (`300`, or `"500-300"` for two layers).
    #[serde(default = "default_hidden")]
    pub hidden: Vec<Layers>,
    /// Learning rates eta.
    #[serde(default = "default_lr")]
    pub lr: Vec<f64>,
    /// Training-set sizes K (first K images).
    #[serde(default = "default_samples")]
    pub train_samples: Vec<usize>,
    /// L2 coefficients lambda.
    #[serde(default = "default_l2")]
    pub l2: Vec<f64>,
    /// Epoch counts.
    #[serde(default = "default_epochs")]
    pub epochs: Vec<usize>,
    /// Backprop modes.
    #[serde(default = "default_backprop")]
    pub backprop: Vec<Backprop>,
    /// Seeds.
    #[serde(default = "default_seed")]
    pub seed: Vec<u64>,
    /// Shuffle each epoch.
    #[serde(default)]
    pub shuffle: bool,
    /// Evaluate the test set every this many epochs (0: only at the end).
    #[serde(default)]
    pub eval_every: usize,
    /// The axes beyond the study's: absent keeps the field at its default.
    #[serde(flatten)]
    pub general: GeneralAxes,
}

macro_rules! general_axes {
    ($($field:ident: $t:ty => |$c:ident, $v:ident| $set:expr),+ $(,)?) => {
        /// Value lists of the fields beyond the study's; each one given multiplies the grid.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        pub struct GeneralAxes {
            $(
                #[doc = concat!("Values of `", stringify!($field), "`.")]
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<Vec<$t>>,
            )+
        }

        impl GeneralAxes {
            /// Each configuration crossed with every given list, in declaration order.
            fn cross(&self, mut configs: Vec<TrainConfig>) -> Vec<TrainConfig> {
                $(
                    if let Some(list) = &self.$field {
                        configs = configs
                            .into_iter()
                            .flat_map(|c| {
                                list.iter().map(move |$v| {
                                    let mut $c = c.clone();
                                    $set;
                                    $c
                                })
                            })
                            .collect();
                    }
                )+
                configs
            }

            /// The name of the first given list that is empty.
            fn empty_list(&self) -> Option<&'static str> {
                $(
                    if self.$field.as_ref().is_some_and(Vec::is_empty) {
                        return Some(stringify!($field));
                    }
                )+
                None
            }
        }
    };
}

general_axes! {
    activation: Activation => |c, v| c.activation = Some(*v),
    loss: Loss => |c, v| c.loss = *v,
    bias: bool => |c, v| c.bias = *v,
    batch: usize => |c, v| c.batch = *v,
    optimizer: Optimizer => |c, v| c.optimizer = *v,
    momentum: f64 => |c, v| c.momentum = *v,
    beta1: f64 => |c, v| c.beta1 = *v,
    beta2: f64 => |c, v| c.beta2 = *v,
    eps: f64 => |c, v| c.eps = *v,
    weight_decay: f64 => |c, v| c.weight_decay = *v,
    schedule: ScheduleKind => |c, v| c.schedule = *v,
    lr_decay: f64 => |c, v| c.lr_decay = *v,
    step_epochs: usize => |c, v| c.step_epochs = *v,
    warmup_epochs: usize => |c, v| c.warmup_epochs = *v,
    init: Init => |c, v| c.init = *v,
    validation: usize => |c, v| c.validation = *v,
}

fn default_cases() -> Vec<Case> {
    Case::ALL.to_vec()
}
fn default_hidden() -> Vec<Layers> {
    vec![Layers::one(300)]
}
fn default_lr() -> Vec<f64> {
    vec![0.01]
}
fn default_samples() -> Vec<usize> {
    vec![60_000]
}
fn default_l2() -> Vec<f64> {
    vec![0.0]
}
fn default_epochs() -> Vec<usize> {
    vec![50]
}
fn default_backprop() -> Vec<Backprop> {
    vec![Backprop::Exact]
}
fn default_seed() -> Vec<u64> {
    vec![1]
}

impl Default for Grid {
    fn default() -> Self {
        Grid {
            case: default_cases(),
            hidden: default_hidden(),
            lr: default_lr(),
            train_samples: default_samples(),
            l2: default_l2(),
            epochs: default_epochs(),
            backprop: default_backprop(),
            seed: default_seed(),
            shuffle: false,
            eval_every: 0,
            general: GeneralAxes::default(),
        }
    }
}

impl Grid {
    /// Every configuration of the cross product, in a fixed nested order.
    pub fn expand(&self) -> Vec<TrainConfig> {
        let mut out = Vec::new();
        for &backprop in &self.backprop {
            for &case in &self.case {
                for &train_samples in &self.train_samples {
                    for hidden in &self.hidden {
                        for &lr in &self.lr {
                            for &l2 in &self.l2 {
                                for &epochs in &self.epochs {
                                    for &seed in &self.seed {
                                        out.push(TrainConfig {
                                            case,
                                            hidden: hidden.clone(),
                                            lr,
                                            epochs,
                                            train_samples,
                                            l2,
                                            backprop,
                                            seed,
                                            shuffle: self.shuffle,
                                            eval_every: self.eval_every,
                                            ..TrainConfig::new(case)
                                        });
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        self.general.cross(out)
    }

    /// Checks that no list is empty.
    pub fn validate(&self) -> Result<(), EngineError> {
        let lists = [
            ("case", self.case.is_empty()),
            ("hidden", self.hidden.is_empty()),
            ("lr", self.lr.is_empty()),
            ("train_samples", self.train_samples.is_empty()),
            ("l2", self.l2.is_empty()),
            ("epochs", self.epochs.is_empty()),
            ("backprop", self.backprop.is_empty()),
            ("seed", self.seed.is_empty()),
        ];
        for (field, empty) in lists {
            if empty {
                return Err(EngineError::config(field, "the list is empty"));
            }
        }
        if let Some(field) = self.general.empty_list() {
            return Err(EngineError::config(field, "the list is empty"));
        }
        Ok(())
    }
}

/// A TOML sweep file: `[[grid]]` tables, each a [`Grid`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepFile {
    /// The grids; their union is the sweep.
    pub grid: Vec<Grid>,
}

impl SweepFile {
    /// Parses sweep-file text; `path` names the file in errors.
    pub fn parse(text: &str, path: &Path) -> Result<SweepFile, EngineError> {
        let file: SweepFile = toml::from_str(text).map_err(|e| EngineError::Format {
            path: path.to_path_buf(),
            problem: e.message().to_string(),
        })?;
        if file.grid.is_empty() {
            return Err(EngineError::Format {
                path: path.to_path_buf(),
                problem: "no [[grid]] table".into(),
            });
        }
        for (i, g) in file.grid.iter().enumerate() {
            g.validate().map_err(|e| EngineError::Format {
                path: path.to_path_buf(),
                problem: format!("[[grid]] table {}: {e}", i + 1),
            })?;
        }
        Ok(file)
    }

    /// Reads and parses a sweep file.
    pub fn load(path: &Path) -> Result<SweepFile, EngineError> {
        let text = std::fs::read_to_string(path).map_err(|source| EngineError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        SweepFile::parse(&text, path)
    }

    /// The union of every grid's configurations, duplicates removed, first occurrence kept.
    pub fn expand(&self) -> Vec<TrainConfig> {
        dedup(self.grid.iter().flat_map(Grid::expand).collect())
    }
}

/// Removes repeated configurations, keeping the first of each.
pub(crate) fn dedup(configs: Vec<TrainConfig>) -> Vec<TrainConfig> {
    let mut seen = std::collections::HashSet::new();
    configs
        .into_iter()
        .filter(|c| seen.insert(super::config_key(c)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expansion_is_the_cross_product_in_order() {
        let g = Grid {
            case: vec![Case::Tanh, Case::ReluSigmoid],
            hidden: vec![300.into(), 500.into(), 1000.into()],
            lr: vec![0.01, 0.05, 0.09],
            train_samples: vec![1250, 60000],
            l2: vec![0.0, 0.001],
            backprop: vec![Backprop::Exact, Backprop::AsPublished],
            seed: vec![1, 2, 3],
            ..Grid::default()
        };
        let all = g.expand();
        assert_eq!(all.len(), 2 * 3 * 3 * 2 * 2 * 2 * 3);
        let keys: std::collections::HashSet<_> = all.iter().map(super::super::config_key).collect();
        assert_eq!(keys.len(), all.len(), "every configuration is distinct");
        assert_eq!(all[0].case, Case::Tanh);
        assert_eq!(
            (all[0].hidden.first(), all[0].lr, all[0].seed),
            (300, 0.01, 1)
        );
        assert_eq!(all[1].seed, 2);
        assert_eq!(all.last().unwrap().backprop, Backprop::AsPublished);
    }

    #[test]
    fn sweep_file_parses_grids_and_rejects_unknown_keys() {
        let text = r#"
            [[grid]]
            case = ["tanh"]
            hidden = [300, 500]
            lr = [0.01]
            train_samples = [1250]
            [[grid]]
            case = ["relu-sigmoid"]
            hidden = [300]
            backprop = ["exact", "as-published"]
            [[grid]]
            case = ["tanh"]
            hidden = [300]
            train_samples = [1250]
        "#;
        let f = SweepFile::parse(text, Path::new("s.toml")).unwrap();
        let all = f.expand();
        // 2 + 2, and the third grid repeats a configuration of the first.
        assert_eq!(all.len(), 4);
        let bad = SweepFile::parse("[[grid]]\nhiden = [3]\n", Path::new("s.toml"));
        assert!(matches!(bad, Err(EngineError::Format { .. })));
        let empty = SweepFile::parse("[[grid]]\nhidden = []\n", Path::new("s.toml"))
            .unwrap_err()
            .to_string();
        assert_eq!(
            empty,
            "s.toml: [[grid]] table 1: invalid hidden: the list is empty"
        );
    }
}
