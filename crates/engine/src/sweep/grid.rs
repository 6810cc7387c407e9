//! A grid is the cross product of value lists; a sweep file is a list of grids.

use super::plan::{HalvingGroup, SweepPlan};
use super::search::Search;
use crate::augment::Augment;
use crate::recipe::{recipe, unknown_recipe};
use crate::{
    Activation, Backprop, Case, EngineError, Init, Layers, Loss, Optimizer, ScheduleKind,
    TrainConfig,
};
use serde::{Deserialize, Serialize};
use std::path::Path;

/// Lists of values whose cross product is a set of configurations.
///
/// Each configuration starts from a recipe (`recipe`, crossed with the
/// rest) or, without one, from the study's case; a study field's list left
/// out keeps the recipe's value, or the study grid's default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grid {
    /// Recipes the configurations start from (see `mlp train --list-recipes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipe: Vec<String>,
    /// Network cases (default: both, without a recipe).
    #[serde(default)]
    pub case: Option<Vec<Case>>,
    /// Hidden widths (`300`, or `"500-300"` for two layers).
    #[serde(default)]
    pub hidden: Option<Vec<Layers>>,
    /// Learning rates eta.
    #[serde(default)]
    pub lr: Option<Vec<f64>>,
    /// Training-set sizes K (first K images).
    #[serde(default)]
    pub train_samples: Option<Vec<usize>>,
    /// L2 coefficients lambda.
    #[serde(default)]
    pub l2: Option<Vec<f64>>,
    /// Epoch counts.
    #[serde(default)]
    pub epochs: Option<Vec<usize>>,
    /// Backprop modes.
    #[serde(default)]
    pub backprop: Option<Vec<Backprop>>,
    /// Seeds.
    #[serde(default)]
    pub seed: Option<Vec<u64>>,
    /// Shuffle each epoch (default: the recipe's; without one, file order).
    #[serde(default)]
    pub shuffle: Option<bool>,
    /// Evaluate the test set every this many epochs (0: only at the end;
    /// default: the recipe's, or 0).
    #[serde(default)]
    pub eval_every: Option<usize>,
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

            /// The name and length of each given list.
            fn lengths(&self) -> Vec<(&'static str, usize)> {
                let mut out = Vec::new();
                $(
                    if let Some(list) = &self.$field {
                        out.push((stringify!($field), list.len()));
                    }
                )+
                out
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
    dropout_input: f64 => |c, v| c.dropout_input = *v,
    dropout: f64 => |c, v| c.dropout = *v,
    max_norm: f64 => |c, v| c.max_norm = *v,
    augment: Augment => |c, v| c.augment = *v,
    rotate: f64 => |c, v| c.rotate = *v,
    scale: f64 => |c, v| c.scale = *v,
    shear: f64 => |c, v| c.shear = *v,
    translate: f64 => |c, v| c.translate = *v,
    elastic_sigma: f64 => |c, v| c.elastic_sigma = *v,
    elastic_alpha: f64 => |c, v| c.elastic_alpha = *v,
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

/// How many configurations a table expands to, and the lists that multiply to it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansion {
    /// Configurations, repeated ones included (saturating at `u128::MAX`).
    pub count: u128,
    /// Each list longer than one value, by field name, with its length, in expansion order.
    pub lists: Vec<(&'static str, u128)>,
}

impl Expansion {
    /// The expansion of lists of these lengths: their product.
    pub fn of(lengths: impl IntoIterator<Item = (&'static str, u128)>) -> Expansion {
        let mut e = Expansion {
            count: 1,
            lists: Vec::new(),
        };
        for (name, len) in lengths {
            e.count = e.count.saturating_mul(len);
            if len > 1 {
                e.lists.push((name, len));
            }
        }
        e
    }
}

impl std::fmt::Display for Expansion {
    /// The lists and their lengths, as `lr 100 x hidden 100`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::error::lists_text(&self.lists))
    }
}

impl Grid {
    /// How many configurations [`Grid::expand`] makes, found without making them.
    pub fn expansion(&self) -> Expansion {
        let len = |given: Option<usize>| given.unwrap_or(1) as u128;
        let mut lengths: Vec<(&'static str, u128)> = Vec::new();
        if self.recipe.is_empty() {
            let cases = self.case.as_ref().map_or(Case::ALL.len(), Vec::len);
            lengths.push(("case", cases as u128));
        } else {
            lengths.push(("recipe", self.recipe.len() as u128));
            lengths.push(("case", len(self.case.as_ref().map(Vec::len))));
        }
        lengths.extend([
            ("backprop", len(self.backprop.as_ref().map(Vec::len))),
            (
                "train_samples",
                len(self.train_samples.as_ref().map(Vec::len)),
            ),
            ("hidden", len(self.hidden.as_ref().map(Vec::len))),
            ("lr", len(self.lr.as_ref().map(Vec::len))),
            ("l2", len(self.l2.as_ref().map(Vec::len))),
            ("epochs", len(self.epochs.as_ref().map(Vec::len))),
            ("seed", len(self.seed.as_ref().map(Vec::len))),
        ]);
        lengths.extend(
            self.general
                .lengths()
                .into_iter()
                .map(|(name, n)| (name, n as u128)),
        );
        Expansion::of(lengths)
    }

    /// Refuses a grid of more than `limit` configurations, naming its lists.
    pub fn check_size(&self, limit: usize) -> Result<(), EngineError> {
        let e = self.expansion();
        if e.count > limit as u128 {
            return Err(EngineError::TooManyConfigurations {
                file: None,
                count: e.count,
                limit,
                tables: vec![(String::new(), e.lists)],
            });
        }
        Ok(())
    }

    /// Every configuration of the cross product, in a fixed nested order.
    ///
    /// # Panics
    /// If a recipe is unknown (which [`Grid::validate`] reports as an error).
    pub fn expand(&self) -> Vec<TrainConfig> {
        // The bases: each recipe (crossed with the given cases), or the study's cases.
        let bases: Vec<(TrainConfig, bool)> = if self.recipe.is_empty() {
            self.case
                .clone()
                .unwrap_or_else(default_cases)
                .into_iter()
                .map(|case| (TrainConfig::new(case), false))
                .collect()
        } else {
            let mut out = Vec::new();
            for name in &self.recipe {
                let base = recipe(name).expect("recipes checked by validate").config();
                match &self.case {
                    None => out.push((base, true)),
                    Some(cases) => out.extend(cases.iter().map(|&case| {
                        (
                            TrainConfig {
                                case,
                                ..base.clone()
                            },
                            true,
                        )
                    })),
                }
            }
            out
        };
        let mut out = Vec::new();
        // A list given, or the recipe's value, or the study grid's default.
        fn list<T: Clone>(
            given: &Option<Vec<T>>,
            from_recipe: bool,
            base: T,
            default: Vec<T>,
        ) -> Vec<T> {
            match given {
                Some(list) => list.clone(),
                None if from_recipe => vec![base],
                None => default,
            }
        }
        let backprop_default = default_backprop();
        for (base, from_recipe) in &bases {
            let backprops = list(
                &self.backprop,
                *from_recipe,
                base.backprop,
                backprop_default.clone(),
            );
            let samples = list(
                &self.train_samples,
                *from_recipe,
                base.train_samples,
                default_samples(),
            );
            let hiddens = list(
                &self.hidden,
                *from_recipe,
                base.hidden.clone(),
                default_hidden(),
            );
            let lrs = list(&self.lr, *from_recipe, base.lr, default_lr());
            let l2s = list(&self.l2, *from_recipe, base.l2, default_l2());
            let epochs_list = list(&self.epochs, *from_recipe, base.epochs, default_epochs());
            let seeds = list(&self.seed, *from_recipe, base.seed, default_seed());
            let shuffle = self.shuffle.unwrap_or(*from_recipe && base.shuffle);
            let eval_every =
                self.eval_every
                    .unwrap_or(if *from_recipe { base.eval_every } else { 0 });
            for &backprop in &backprops {
                for &train_samples in &samples {
                    for hidden in &hiddens {
                        for &lr in &lrs {
                            for &l2 in &l2s {
                                for &epochs in &epochs_list {
                                    for &seed in &seeds {
                                        out.push(TrainConfig {
                                            hidden: hidden.clone(),
                                            lr,
                                            epochs,
                                            train_samples,
                                            l2,
                                            backprop,
                                            seed,
                                            shuffle,
                                            eval_every,
                                            ..base.clone()
                                        });
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        // Backprop modes outermost (a stable sort keeps the rest in order).
        if let Some(modes) = &self.backprop {
            out.sort_by_key(|c| modes.iter().position(|&m| m == c.backprop));
        }
        self.general.cross(out)
    }

    /// The grid holding out the last `validation` training images (when
    /// given) in every configuration that does not set its own split; a
    /// study grid without `train_samples` then trains on the MNIST images left.
    fn held_out(&self, validation: Option<usize>) -> Grid {
        let mut g = self.clone();
        if let (Some(v), None) = (validation, &g.general.validation) {
            g.general.validation = Some(vec![v]);
            if g.train_samples.is_none() && g.recipe.is_empty() {
                g.train_samples = Some(vec![MNIST_TRAIN.saturating_sub(v)]);
            }
        }
        g
    }

    /// Checks that every recipe is known and no given list is empty.
    pub fn validate(&self) -> Result<(), EngineError> {
        if let Some(name) = self.recipe.iter().find(|n| recipe(n).is_none()) {
            return Err(EngineError::config("recipe", unknown_recipe(name)));
        }
        let lists = [
            ("case", self.case.as_ref().is_some_and(Vec::is_empty)),
            ("hidden", self.hidden.as_ref().is_some_and(Vec::is_empty)),
            ("lr", self.lr.as_ref().is_some_and(Vec::is_empty)),
            (
                "train_samples",
                self.train_samples.as_ref().is_some_and(Vec::is_empty),
            ),
            ("l2", self.l2.as_ref().is_some_and(Vec::is_empty)),
            ("epochs", self.epochs.as_ref().is_some_and(Vec::is_empty)),
            (
                "backprop",
                self.backprop.as_ref().is_some_and(Vec::is_empty),
            ),
            ("seed", self.seed.as_ref().is_some_and(Vec::is_empty)),
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

/// A TOML sweep file: `[[grid]]` and `[[search]]` tables, with an optional
/// title and a validation split for every table that does not set its own.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepFile {
    /// The sweep's title (`name = "..."`), for its report.
    pub name: Option<String>,
    /// The validation split of every table that does not set its own.
    pub validation: Option<usize>,
    /// The grids, as written.
    pub grid: Vec<Grid>,
    /// The searches.
    pub search: Vec<Search>,
}

/// The file as written, before its tables are checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweepFile {
    name: Option<String>,
    validation: Option<usize>,
    #[serde(default)]
    grid: Vec<Grid>,
    #[serde(default)]
    search: Vec<toml::Table>,
}

/// Training images MNIST has: what a study grid without `train_samples`
/// trains on, less any validation split.
const MNIST_TRAIN: usize = 60_000;

impl SweepFile {
    /// Parses sweep-file text; `path` names the file in errors. A file that
    /// expands to more than `max_configurations` is refused before any
    /// configuration is made, naming its count and the lists that multiply to it.
    pub fn parse(
        text: &str,
        path: &Path,
        max_configurations: usize,
    ) -> Result<SweepFile, EngineError> {
        let bad = |problem: String| EngineError::Format {
            path: path.to_path_buf(),
            problem,
        };
        let raw: RawSweepFile = toml::from_str(text).map_err(|e| bad(e.message().to_string()))?;
        if raw.grid.is_empty() && raw.search.is_empty() {
            return Err(bad("no [[grid]] or [[search]] table".into()));
        }
        let mut tables = Vec::new();
        for (i, g) in raw.grid.iter().enumerate() {
            let g = g.held_out(raw.validation);
            g.validate()
                .map_err(|e| bad(format!("[[grid]] table {}: {e}", i + 1)))?;
            tables.push((format!("[[grid]] table {}", i + 1), g.expansion()));
        }
        let mut search = Vec::with_capacity(raw.search.len());
        for (i, table) in raw.search.iter().enumerate() {
            let at = |e: String| bad(format!("[[search]] table {}: {e}", i + 1));
            let s = Search::parse(table).map_err(at)?;
            tables.push((
                format!("[[search]] table {}", i + 1),
                s.expansion().map_err(at)?,
            ));
            search.push(s);
        }
        check_size(path, tables, max_configurations)?;
        for (i, s) in search.iter().enumerate() {
            let at = |e: String| bad(format!("[[search]] table {}: {e}", i + 1));
            for g in s.grids().map_err(at)? {
                g.held_out(raw.validation)
                    .validate()
                    .map_err(|e| at(e.to_string()))?;
            }
        }
        let file = SweepFile {
            name: raw.name,
            validation: raw.validation,
            grid: raw.grid,
            search,
        };
        let plan = file.plan();
        let halved = file
            .search
            .iter()
            .enumerate()
            .filter(|(_, s)| s.halving.is_some());
        for ((i, _), group) in halved.zip(&plan.halving) {
            group
                .check()
                .map_err(|e| bad(format!("[[search]] table {}: {e}", i + 1)))?;
        }
        Ok(file)
    }

    /// Reads and parses a sweep file (see [`SweepFile::parse`]).
    pub fn load(path: &Path, max_configurations: usize) -> Result<SweepFile, EngineError> {
        let text = std::fs::read_to_string(path).map_err(|source| EngineError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        SweepFile::parse(&text, path, max_configurations)
    }

    /// The union of every table's configurations (grids first, then
    /// searches, each in file order, with the file's validation split),
    /// duplicates removed, first occurrence kept.
    pub fn expand(&self) -> Vec<TrainConfig> {
        self.plan().configs().cloned().collect()
    }

    /// What the file runs: the grids' and plain searches' configurations to
    /// their end, and each halving search's trials as a group, every
    /// configuration once (where it first appears: grids, then searches in file order).
    pub fn plan(&self) -> SweepPlan {
        let tables = |halved: bool| {
            self.search
                .iter()
                .filter(move |s| s.halving.is_some() == halved)
        };
        let trials = |s: &Search| -> Vec<TrainConfig> {
            s.grids()
                .expect("checked by parse")
                .into_iter()
                .flat_map(|g| g.held_out(self.validation).expand())
                .collect()
        };
        let mut seen = std::collections::HashSet::new();
        let mut first = |configs: Vec<TrainConfig>| -> Vec<TrainConfig> {
            configs
                .into_iter()
                .filter(|c| seen.insert(super::config_key(c)))
                .collect()
        };
        let grids = self
            .grid
            .iter()
            .flat_map(|g| g.held_out(self.validation).expand());
        let plain = tables(false).flat_map(trials);
        let full = first(grids.chain(plain).collect());
        let halving = tables(true)
            .map(|s| HalvingGroup {
                halving: s.halving.expect("a halved table"),
                trials: first(trials(s)),
            })
            .collect();
        SweepPlan { full, halving }
    }
}

/// Configurations a sweep may expand to unless its user raises the limit:
/// far more than any machine runs, far fewer than exhaust its memory.
pub const DEFAULT_MAX_CONFIGURATIONS: usize = 1_000_000;

/// Tables a refusal names, largest first: enough to find the typo.
const TABLES_NAMED: usize = 4;

/// Refuses the file at `path` when its `tables` expand to more than `limit` configurations.
fn check_size(
    path: &Path,
    mut tables: Vec<(String, Expansion)>,
    limit: usize,
) -> Result<(), EngineError> {
    let count = tables
        .iter()
        .fold(0u128, |sum, (_, e)| sum.saturating_add(e.count));
    if count <= limit as u128 {
        return Ok(());
    }
    tables.retain(|(_, e)| !e.lists.is_empty());
    tables.sort_by_key(|t| std::cmp::Reverse(t.1.count));
    tables.truncate(TABLES_NAMED);
    let lone = tables.len() == 1;
    Err(EngineError::TooManyConfigurations {
        file: Some(path.to_path_buf()),
        count,
        limit,
        tables: tables
            .into_iter()
            .map(|(name, e)| (if lone { String::new() } else { name }, e.lists))
            .collect(),
    })
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
            case: Some(vec![Case::Tanh, Case::ReluSigmoid]),
            hidden: Some(vec![300.into(), 500.into(), 1000.into()]),
            lr: Some(vec![0.01, 0.05, 0.09]),
            train_samples: Some(vec![1250, 60000]),
            l2: Some(vec![0.0, 0.001]),
            backprop: Some(vec![Backprop::Exact, Backprop::AsPublished]),
            seed: Some(vec![1, 2, 3]),
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
        let f = SweepFile::parse(text, Path::new("s.toml"), DEFAULT_MAX_CONFIGURATIONS).unwrap();
        let all = f.expand();
        // 2 + 2, and the third grid repeats a configuration of the first.
        assert_eq!(all.len(), 4);
        let bad = SweepFile::parse(
            "[[grid]]\nhiden = [3]\n",
            Path::new("s.toml"),
            DEFAULT_MAX_CONFIGURATIONS,
        );
        assert!(matches!(bad, Err(EngineError::Format { .. })));
        let empty = SweepFile::parse(
            "[[grid]]\nhidden = []\n",
            Path::new("s.toml"),
            DEFAULT_MAX_CONFIGURATIONS,
        )
        .unwrap_err()
        .to_string();
        assert_eq!(
            empty,
            "s.toml: [[grid]] table 1: invalid hidden: the list is empty"
        );
    }

    /// A recipe grid starts from the recipe: lists left out keep its values
    /// (not the study grid's defaults), given ones cross it, and unknown
    /// recipes are refused by name.
    #[test]
    fn recipe_grids_start_from_the_recipe() {
        let text = r#"
            [[grid]]
            recipe = ["simard-ce", "hinton-softmax"]
            lr = [0.05, 0.1]
            batch = [64]
        "#;
        let all = SweepFile::parse(text, Path::new("s.toml"), DEFAULT_MAX_CONFIGURATIONS)
            .unwrap()
            .expand();
        assert_eq!(all.len(), 4);
        let simard = crate::recipe::recipe("simard-ce").unwrap().config();
        for c in &all[..2] {
            assert_eq!(c.hidden, simard.hidden);
            assert_eq!(
                (c.epochs, c.train_samples, c.validation),
                (simard.epochs, 50_000, 10_000)
            );
            assert!(c.shuffle && c.bias, "{c:?}");
            assert_eq!(c.batch, 64);
        }
        assert_eq!((all[0].lr, all[1].lr), (0.05, 0.1));
        assert_eq!(all[2].hidden.to_string(), "500-300");
        assert_eq!(all[2].optimizer, Optimizer::AdamW);
        // Without a recipe, the study grid's defaults and file order, as before.
        let study = Grid::default().expand();
        assert_eq!(study.len(), 2);
        assert!(study
            .iter()
            .all(|c| !c.shuffle && c.epochs == 50 && c.is_online_study()));
        let bad = SweepFile::parse(
            "[[grid]]\nrecipe = [\"nope\"]\n",
            Path::new("s.toml"),
            DEFAULT_MAX_CONFIGURATIONS,
        )
        .unwrap_err()
        .to_string();
        assert!(bad.contains("unknown recipe 'nope'"), "{bad}");
    }

    /// The count found without expanding is the count expanding makes, for
    /// grids with and without recipes, study and general lists, and searches
    /// of both methods (a random one whose choices hold lists of varying length too).
    #[test]
    fn an_expansion_counts_what_expanding_makes_without_making_it() {
        let grids = [
            Grid::default(),
            Grid {
                lr: Some(vec![0.1, 0.2, 0.3]),
                seed: Some(vec![1, 2]),
                general: GeneralAxes {
                    batch: Some(vec![1, 32]),
                    dropout: Some(vec![0.0, 0.1, 0.2]),
                    ..GeneralAxes::default()
                },
                ..Grid::default()
            },
            Grid {
                recipe: vec!["simard-ce".into(), "hinton-softmax".into()],
                case: Some(vec![Case::Tanh, Case::ReluSigmoid]),
                l2: Some(vec![0.0, 1e-4]),
                ..Grid::default()
            },
            Grid {
                recipe: vec!["simard-ce".into()],
                epochs: Some(vec![1, 2, 3, 4]),
                backprop: Some(vec![Backprop::Exact, Backprop::AsPublished]),
                ..Grid::default()
            },
        ];
        for g in &grids {
            let e = g.expansion();
            assert_eq!(e.count, g.expand().len() as u128, "{g:?}");
            let product: u128 = e.lists.iter().map(|(_, n)| n).product();
            assert_eq!(product, e.count, "{e}");
        }
        assert_eq!(
            grids[1].expansion().to_string(),
            "case 2 x lr 3 x seed 2 x batch 2 x dropout 3"
        );

        let searches = [
            "[[search]]\ntrials = 7\ncase = \"tanh\"\nl2 = [0.0, 0.1]\nlr = { log_uniform = [0.001, 0.1] }\n",
            "[[search]]\nmethod = \"grid\"\ncase = \"tanh\"\nseed = 3\nhidden = { choice = [4, 8, 16] }\nlr = { choice = [0.1, 0.2] }\n",
            "[[search]]\ntrials = 9\ncase = \"tanh\"\nlr = { choice = [[0.1, 0.2], [0.3], [0.4, 0.5, 0.6]] }\n",
        ];
        for text in searches {
            let table: toml::Table = toml::from_str(text).unwrap();
            let s = Search::parse(
                &table.get("search").unwrap().as_array().unwrap()[0]
                    .as_table()
                    .unwrap()
                    .clone(),
            )
            .unwrap();
            let made: usize = s.grids().unwrap().iter().map(|g| g.expand().len()).sum();
            assert_eq!(s.expansion().unwrap().count, made as u128, "{text}");
        }
    }

    /// A file over the limit is refused by its count and lists, largest table first.
    #[test]
    fn a_file_over_the_limit_names_its_count_and_its_largest_tables() {
        let text = "[[grid]]\ncase = [\"tanh\"]\nlr = [0.1, 0.2]\n[[grid]]\ncase = [\"tanh\"]\nhidden = [1, 2, 3]\nseed = [1, 2, 3]\n";
        let err = SweepFile::parse(text, Path::new("s.toml"), 10)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "s.toml expands to 11 configurations ([[grid]] table 2: hidden 3 x seed 3; [[grid]] table 1: lr 2), more than the limit of 10"
        );
        assert_eq!(
            SweepFile::parse(text, Path::new("s.toml"), 11)
                .unwrap()
                .expand()
                .len(),
            11
        );
    }
}
