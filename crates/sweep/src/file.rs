//! A sweep file: `[[grid]]` and `[[search]]` tables, checked, sized and planned.

use crate::grid::{Expansion, Grid};
use crate::plan::{HalvingGroup, SweepPlan};
use crate::search::Search;
use crate::SweepError;
use mlp_engine::{DataSpec, TrainConfig};
use serde::Deserialize;
use std::path::Path;

/// A TOML sweep file: `[[grid]]` and `[[search]]` tables, with an optional
/// title and a validation split for every table that does not set its own.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepFile {
    /// The sweep's title (`name = "..."`), for its report.
    pub name: Option<String>,
    /// The validation split of every table that does not set its own.
    pub validation: Option<usize>,
    /// The data the sweep runs on (`data = "PATH"` or a `[data]` table), when the file names them.
    pub data: Option<DataSpec>,
    /// The data's training samples, once known (not written to the file): a
    /// table that sets no `train_samples` and no recipe trains on all of them.
    pub training_rows: Option<usize>,
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
    data: Option<toml::Value>,
    #[serde(default)]
    grid: Vec<Grid>,
    #[serde(default)]
    search: Vec<toml::Table>,
}

impl SweepFile {
    /// Parses sweep-file text; `path` names the file in errors. A file that
    /// expands to more than `max_configurations` is refused before any
    /// configuration is made, naming its count and the lists that multiply to it.
    pub fn parse(
        text: &str,
        path: &Path,
        max_configurations: usize,
    ) -> Result<SweepFile, SweepError> {
        let bad = |problem: String| SweepError::Format {
            path: path.to_path_buf(),
            problem,
        };
        let raw: RawSweepFile = toml::from_str(text).map_err(|e| bad(e.message().to_string()))?;
        if raw.grid.is_empty() && raw.search.is_empty() {
            return Err(bad("no [[grid]] or [[search]] table".into()));
        }
        let mut tables = Vec::new();
        for (i, g) in raw.grid.iter().enumerate() {
            let g = g.held_out(raw.validation, None);
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
            let grids: Vec<Grid> = s
                .grids()
                .map_err(at)?
                .into_iter()
                .map(|g| g.held_out(raw.validation, None))
                .collect();
            for g in &grids {
                g.validate().map_err(|e| at(e.to_string()))?;
            }
            // A halved search's trials must be judgeable together: checked
            // on its own trials, without planning the whole file.
            if let Some(halving) = s.halving {
                let trials = grids.iter().flat_map(Grid::expand).collect();
                HalvingGroup { halving, trials }.check().map_err(at)?;
            }
        }
        let data = match raw.data {
            None => None,
            Some(toml::Value::String(path)) => Some(DataSpec {
                path: Some(path.into()),
                ..DataSpec::default()
            }),
            Some(table @ toml::Value::Table(_)) => Some(
                table
                    .try_into::<DataSpec>()
                    .map_err(|e| bad(format!("[data]: {}", e.message())))?,
            ),
            Some(other) => {
                return Err(bad(format!(
                    "data is a {}; give a path (data = \"PATH\") or a [data] table",
                    other.type_str()
                )))
            }
        };
        if let Some(d) = &data {
            d.check().map_err(|e| bad(format!("[data]: {e}")))?;
        }
        Ok(SweepFile {
            name: raw.name,
            validation: raw.validation,
            data,
            training_rows: None,
            grid: raw.grid,
            search,
        })
    }

    /// A file of these grids and nothing else.
    pub fn of_grids(name: Option<String>, grid: Vec<Grid>) -> SweepFile {
        SweepFile {
            name,
            validation: None,
            data: None,
            training_rows: None,
            grid,
            search: Vec::new(),
        }
    }

    /// The file as TOML text that parses back to the same plan.
    pub fn to_toml(&self) -> Result<String, SweepError> {
        let bad = |e: toml::ser::Error| SweepError::Format {
            path: "sweep.toml".into(),
            problem: e.to_string(),
        };
        let mut file = toml::Table::new();
        if let Some(name) = &self.name {
            file.insert("name".into(), toml::Value::String(name.clone()));
        }
        if let Some(v) = self.validation {
            file.insert("validation".into(), toml::Value::Integer(v as i64));
        }
        if let Some(data) = &self.data {
            file.insert("data".into(), toml::Value::try_from(data).map_err(bad)?);
        }
        if !self.grid.is_empty() {
            let grids = self
                .grid
                .iter()
                .map(toml::Value::try_from)
                .collect::<Result<Vec<_>, _>>()
                .map_err(bad)?;
            file.insert("grid".into(), toml::Value::Array(grids));
        }
        if !self.search.is_empty() {
            let searches = self
                .search
                .iter()
                .map(|s| toml::Value::Table(s.table().clone()))
                .collect();
            file.insert("search".into(), toml::Value::Array(searches));
        }
        toml::to_string(&file).map_err(bad)
    }

    /// Reads and parses a sweep file (see [`SweepFile::parse`]).
    pub fn load(path: &Path, max_configurations: usize) -> Result<SweepFile, SweepError> {
        let text = std::fs::read_to_string(path).map_err(|source| SweepError::Io {
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
                .flat_map(|g| g.held_out(self.validation, self.training_rows).expand())
                .collect()
        };
        let mut seen = std::collections::HashSet::new();
        let mut first = |configs: Vec<TrainConfig>| -> Vec<TrainConfig> {
            configs
                .into_iter()
                .filter(|c| seen.insert(crate::config_key(c)))
                .collect()
        };
        let grids = self
            .grid
            .iter()
            .flat_map(|g| g.held_out(self.validation, self.training_rows).expand());
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
) -> Result<(), SweepError> {
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
    Err(SweepError::TooManyConfigurations {
        file: Some(path.to_path_buf()),
        count,
        limit,
        tables: tables
            .into_iter()
            .map(|(name, e)| (if lone { String::new() } else { name }, e.lists))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::grid::GeneralAxes;
    use mlp_engine::{Backprop, Case, Optimizer};

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
        assert!(matches!(bad, Err(SweepError::Format { .. })));
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
        let simard = mlp_engine::recipe::recipe("simard-ce").unwrap().config();
        for c in &all[..2] {
            assert_eq!(c.network.hidden, simard.network.hidden);
            assert_eq!(
                (c.run.epochs, c.data.train_samples, c.data.validation),
                (simard.run.epochs, 50_000, 10_000)
            );
            assert!(c.data.shuffle && c.network.bias, "{c:?}");
            assert_eq!(c.data.batch, 64);
        }
        assert_eq!((all[0].optimizer.lr, all[1].optimizer.lr), (0.05, 0.1));
        assert_eq!(all[2].network.hidden.to_string(), "500-300");
        assert!(matches!(all[2].optimizer.method, Optimizer::Adam { .. }));
        // Without a recipe, the study grid's defaults and file order, as before.
        let study = Grid::default().expand();
        assert_eq!(study.len(), 2);
        assert!(study
            .iter()
            .all(|c| !c.data.shuffle && c.run.epochs == 50 && c.is_online_study()));
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

    /// A file written back as TOML plans exactly what it planned: grids of
    /// every kind of list, searches with halving, and the presets' grids.
    #[test]
    fn a_file_written_back_plans_the_same_configurations() {
        let text = r#"
name = "round trip"
validation = 500

[[grid]]
recipe = ["simard-ce"]
hidden = [800, "500-300"]
lr = [0.05, 0.1]
batch = [64, 128]
optimizer = ["adam"]
augment = ["elastic"]
shuffle = true

[[grid]]
case = ["tanh"]
hidden = [16]
backprop = ["exact", "as-published"]
epochs = [2]

[[search]]
method = "random"
trials = 6
seed = 3
case = "relu-sigmoid"
epochs = 9
eval_every = 1
hidden = { choice = [8, 16] }
lr = { log_uniform = [0.003, 0.3] }

[search.halving]
min_epochs = 1
reduction = 3
"#;
        let file = SweepFile::parse(text, Path::new("s.toml"), DEFAULT_MAX_CONFIGURATIONS).unwrap();
        let written = file.to_toml().unwrap();
        let back =
            SweepFile::parse(&written, Path::new("w.toml"), DEFAULT_MAX_CONFIGURATIONS).unwrap();
        assert_eq!(back.plan(), file.plan(), "{written}");
        assert_eq!(back.name, file.name);
        assert!(!file.plan().halving.is_empty());
        for preset in [crate::Preset::Study, crate::Preset::StudyFull] {
            let grids =
                preset.grids_with(&[Backprop::Exact, Backprop::AsPublished], &[1, 2], Some(5));
            let file = SweepFile::of_grids(Some(preset.name().into()), grids);
            let written = file.to_toml().unwrap();
            let back = SweepFile::parse(&written, Path::new("w.toml"), DEFAULT_MAX_CONFIGURATIONS)
                .unwrap();
            let mut want = preset.expand(&[Backprop::Exact, Backprop::AsPublished], &[1, 2]);
            want.iter_mut().for_each(|c| c.run.eval_every = 5);
            assert_eq!(back.plan().full, want, "{written}");
        }
    }
}
