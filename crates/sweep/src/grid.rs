//! A grid: the cross product of value lists, and how many configurations it makes.

use crate::SweepError;
use mlp_engine::recipe::{recipe, unknown_recipe};
use mlp_engine::{Backprop, Case, ConfigFields, Layers, TrainConfig};
use serde::{Deserialize, Serialize};

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

/// Makes [`GeneralAxes`] from the engine's table of fields beyond the study's.
macro_rules! general_axes {
    ($($field:ident: $ty:ty = |$c:ident, $v:ident| $set:expr, $tag:literal, $value_name:literal,
        [$($arg:tt)*], $help:literal, $list_help:literal;)+) => {
        /// Value lists of the fields beyond the study's; each one given multiplies the grid.
        #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
        pub struct GeneralAxes {
            $(
                #[doc = $list_help]
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $field: Option<Vec<$ty>>,
            )+
        }

        impl GeneralAxes {
            /// Each configuration crossed with every given list, in the table's order.
            fn cross(&self, mut configs: Vec<ConfigFields>) -> Vec<ConfigFields> {
                $(
                    if let Some(list) = &self.$field {
                        let set = |$c: &mut ConfigFields, $v: $ty| $set;
                        configs = configs
                            .into_iter()
                            .flat_map(|c| {
                                list.iter().map(move |v| {
                                    let mut c = c.clone();
                                    set(&mut c, v.clone());
                                    c
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

mlp_engine::general_fields!(general_axes);

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
    pub fn check_size(&self, limit: usize) -> Result<(), SweepError> {
        let e = self.expansion();
        if e.count > limit as u128 {
            return Err(SweepError::TooManyConfigurations {
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
    /// A parameter crossed with an optimiser or schedule that does not take
    /// it, which [`Grid::validate`] also reports, is dropped here.
    pub fn expand(&self) -> Vec<TrainConfig> {
        self.expand_fields().into_iter().map(Into::into).collect()
    }

    /// The bases the lists cross: each recipe (crossed with the given
    /// cases), or the study's cases; and whether they come from a recipe.
    fn bases(&self) -> Vec<(ConfigFields, bool)> {
        if self.recipe.is_empty() {
            return self
                .case
                .clone()
                .unwrap_or_else(default_cases)
                .into_iter()
                .map(|case| (ConfigFields::new(case), false))
                .collect();
        }
        let mut out = Vec::new();
        for name in &self.recipe {
            let base = recipe(name)
                .expect("recipes checked by validate")
                .config()
                .fields();
            match &self.case {
                None => out.push((base, true)),
                Some(cases) => out.extend(cases.iter().map(|&case| {
                    (
                        ConfigFields {
                            case,
                            ..base.clone()
                        },
                        true,
                    )
                })),
            }
        }
        out
    }

    /// The cross product in its flat form, in [`Grid::expand`]'s order.
    fn expand_fields(&self) -> Vec<ConfigFields> {
        let bases = self.bases();
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
                                        out.push(ConfigFields {
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
    /// grid without `train_samples` or a recipe then trains on the images
    /// left of the data's `rows` training samples (MNIST's when not known).
    pub(crate) fn held_out(&self, validation: Option<usize>, rows: Option<usize>) -> Grid {
        let mut g = self.clone();
        let open = g.train_samples.is_none() && g.recipe.is_empty();
        if let (Some(v), None) = (validation, &g.general.validation) {
            g.general.validation = Some(vec![v]);
            if open {
                g.train_samples = Some(vec![rows.unwrap_or(MNIST_TRAIN).saturating_sub(v)]);
            }
        } else if let (Some(rows), true) = (rows, open) {
            let v = match g.general.validation.as_deref() {
                Some([v]) => *v,
                _ => 0,
            };
            g.train_samples = Some(vec![rows.saturating_sub(v)]);
        }
        g
    }

    /// Checks that every recipe is known, no given list is empty, and no
    /// optimiser or schedule is crossed with a parameter it does not take.
    pub fn validate(&self) -> Result<(), SweepError> {
        if let Some(name) = self.recipe.iter().find(|n| recipe(n).is_none()) {
            return Err(SweepError::config("recipe", unknown_recipe(name)));
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
                return Err(SweepError::config(field, "the list is empty"));
            }
        }
        if let Some(field) = self.general.empty_list() {
            return Err(SweepError::config(field, "the list is empty"));
        }
        self.check_parameters()
    }

    /// Crosses each base with only the optimiser and schedule lists and
    /// their parameters' (a small product whatever the grid's size) and
    /// resolves every combination.
    fn check_parameters(&self) -> Result<(), SweepError> {
        let g = &self.general;
        let governed = GeneralAxes {
            optimizer: g.optimizer.clone(),
            momentum: g.momentum.clone(),
            beta1: g.beta1.clone(),
            beta2: g.beta2.clone(),
            eps: g.eps.clone(),
            schedule: g.schedule.clone(),
            lr_decay: g.lr_decay.clone(),
            step_epochs: g.step_epochs.clone(),
            ..GeneralAxes::default()
        };
        let bases = self.bases().into_iter().map(|(base, _)| base).collect();
        for c in governed.cross(bases) {
            c.resolve()?;
        }
        Ok(())
    }
}

/// Training images MNIST has: what a study grid without `train_samples`
/// trains on, less any validation split.
const MNIST_TRAIN: usize = 60_000;

/// Removes repeated configurations, keeping the first of each.
pub(crate) fn dedup(configs: Vec<TrainConfig>) -> Vec<TrainConfig> {
    let mut seen = std::collections::HashSet::new();
    configs
        .into_iter()
        .filter(|c| seen.insert(crate::config_key(c)))
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
        let keys: std::collections::HashSet<_> = all.iter().map(crate::config_key).collect();
        assert_eq!(keys.len(), all.len(), "every configuration is distinct");
        assert_eq!(all[0].network.case, Case::Tanh);
        assert_eq!(
            (
                all[0].network.hidden.first(),
                all[0].optimizer.lr,
                all[0].run.seed
            ),
            (300, 0.01, 1)
        );
        assert_eq!(all[1].run.seed, 2);
        assert_eq!(all.last().unwrap().network.backprop, Backprop::AsPublished);
    }
}
