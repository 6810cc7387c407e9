//! Search tables of a sweep file: configurations drawn from distributions
//! over any field a grid takes, from a seed, so that a file gives the same
//! trials on every machine.
//!
//! A `[[search]]` table holds the same keys as a `[[grid]]` table. A key's
//! value is either fixed (as a grid would take it; a list multiplies every
//! trial, as in a grid) or a distribution: `{ choice = [...] }`, `{ uniform
//! = [a, b] }`, `{ log_uniform = [a, b] }` or `{ int_uniform = [a, b] }`.
//! `method = "random"` draws `trials` configurations; `method = "grid"`
//! takes the cross product of the choices instead.

use crate::grid::{Expansion, Grid};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Deserialize;
use toml::{Table, Value};

/// Grid keys that take one value, not a list.
const SCALAR_KEYS: &[&str] = &["shuffle", "eval_every"];

/// Significant digits a drawn real keeps: the value as results and
/// reports print it, and the same on every machine whatever its libm's
/// last bit of `ln` and `exp`.
const DIGITS: usize = 4;

/// How a search table picks its configurations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `trials` independent draws from the distributions.
    Random,
    /// The cross product of every `choice`.
    Grid,
}

/// The distribution one field's values come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Distribution {
    /// One of the values, each as likely.
    Choice(Vec<Value>),
    /// A real uniform in `[a, b)`.
    Uniform(f64, f64),
    /// A real whose logarithm is uniform in `[ln a, ln b)`.
    LogUniform(f64, f64),
    /// An integer uniform in `a..=b`.
    IntUniform(i64, i64),
}

/// Successive halving's rungs: the epochs of the first, and the fraction kept at each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Halving {
    /// Epochs every trial trains before the first cut.
    pub min_epochs: usize,
    /// Keep the best `1 / reduction` at each rung; rungs grow by this factor.
    pub reduction: usize,
    /// Rungs judged when every trial reached them, or promotions as workers come free.
    #[serde(default)]
    pub mode: HalvingMode,
}

/// How successive halving judges its rungs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HalvingMode {
    /// A rung is judged once every trial has reached it: deterministic.
    #[default]
    Sync,
    /// ASHA: a free worker promotes a trial in the best `1 / reduction` of
    /// its rung's trials so far, else starts a new one; depends on timing.
    Async,
}

impl Halving {
    /// The epochs at which trials of `epochs` are judged: `min_epochs` times
    /// each power of `reduction` below `epochs`, then `epochs` itself.
    pub fn rungs(&self, epochs: usize) -> Vec<usize> {
        let mut rungs = Vec::new();
        let mut r = self.min_epochs.max(1);
        while r < epochs {
            rungs.push(r);
            r = r.saturating_mul(self.reduction.max(2));
        }
        rungs.push(epochs);
        rungs
    }

    /// Trials that go on from a rung `alive` reached: the best `1 / reduction`, at least one.
    pub fn kept(&self, alive: usize) -> usize {
        (alive / self.reduction.max(2)).max(1)
    }
}

/// One `[[search]]` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Search {
    /// Random draws or the cross product of choices.
    pub method: Method,
    /// Configurations a random search draws.
    pub trials: usize,
    /// The seed of the draws.
    pub seed: u64,
    /// Successive halving, when the table asks for it.
    pub halving: Option<Halving>,
    /// Keys every trial takes as written.
    fixed: Table,
    /// The table as written, for a sweep file written back.
    table: Table,
    /// Keys drawn for each trial, in key order.
    drawn: Vec<(String, Distribution)>,
}

/// `x` rounded to [`DIGITS`] significant digits.
fn round_digits(x: f64) -> f64 {
    format!("{x:.prec$e}", prec = DIGITS - 1)
        .parse()
        .expect("a formatted float parses")
}

/// A number of a TOML value (integers read as reals).
fn real(v: &Value) -> Option<f64> {
    match v {
        Value::Float(f) => Some(*f),
        Value::Integer(i) => Some(*i as f64),
        _ => None,
    }
}

/// The two bounds of `name = [a, b]`.
fn bounds(name: &str, v: &Value) -> Result<(f64, f64), String> {
    match v
        .as_array()
        .map(|a| a.iter().map(real).collect::<Option<Vec<f64>>>())
    {
        Some(Some(b)) if b.len() == 2 => Ok((b[0], b[1])),
        _ => Err(format!("{name} takes two numbers [low, high]")),
    }
}

impl Distribution {
    /// The distribution a key's value describes, `None` for a fixed value.
    fn of(key: &str, value: &Value) -> Result<Option<Distribution>, String> {
        let Some(table) = value.as_table() else {
            return Ok(None);
        };
        let (kind, arg) = match table.iter().next() {
            Some(entry) if table.len() == 1 => entry,
            _ => {
                return Err(format!(
                    "{key}: a distribution is one of {{ choice = [...] }}, {{ uniform = [a, b] }}, {{ log_uniform = [a, b] }}, {{ int_uniform = [a, b] }}"
                ))
            }
        };
        let d = match kind.as_str() {
            "choice" => match arg.as_array() {
                Some(values) if !values.is_empty() => Distribution::Choice(values.clone()),
                _ => return Err(format!("{key}: choice takes a non-empty list")),
            },
            "uniform" => {
                let (a, b) = bounds("uniform", arg).map_err(|e| format!("{key}: {e}"))?;
                if !(a < b && a.is_finite() && b.is_finite()) {
                    return Err(format!("{key}: uniform needs low < high, got [{a}, {b}]"));
                }
                Distribution::Uniform(a, b)
            }
            "log_uniform" => {
                let (a, b) = bounds("log_uniform", arg).map_err(|e| format!("{key}: {e}"))?;
                if !(0.0 < a && a < b && b.is_finite()) {
                    return Err(format!(
                        "{key}: log_uniform needs 0 < low < high, got [{a}, {b}]"
                    ));
                }
                Distribution::LogUniform(a, b)
            }
            "int_uniform" => match arg.as_array().map(|a| a.as_slice()) {
                Some([Value::Integer(a), Value::Integer(b)]) if a <= b => {
                    Distribution::IntUniform(*a, *b)
                }
                _ => {
                    return Err(format!(
                        "{key}: int_uniform takes two integers [low, high], low <= high"
                    ))
                }
            },
            other => {
                return Err(format!(
                    "{key}: unknown distribution '{other}' (expected choice, uniform, log_uniform or int_uniform)"
                ))
            }
        };
        Ok(Some(d))
    }

    /// One value drawn from `rng`.
    fn draw(&self, rng: &mut ChaCha8Rng) -> Value {
        match self {
            Distribution::Choice(values) => values[rng.random_range(0..values.len())].clone(),
            Distribution::Uniform(a, b) => Value::Float(round_digits(rng.random_range(*a..*b))),
            Distribution::LogUniform(a, b) => {
                Value::Float(round_digits(rng.random_range(a.ln()..b.ln()).exp()))
            }
            Distribution::IntUniform(a, b) => Value::Integer(rng.random_range(*a..=*b)),
        }
    }
}

/// `value` as a grid table takes it under `key`: a list, unless the key is
/// a scalar one or the value is a list already.
fn as_grid_value(key: &str, value: Value) -> Value {
    if SCALAR_KEYS.contains(&key) || value.is_array() {
        value
    } else {
        Value::Array(vec![value])
    }
}

impl Search {
    /// The search a `[[search]]` table describes.
    pub(crate) fn parse(table: &Table) -> Result<Search, String> {
        let mut fixed = Table::new();
        let mut drawn = Vec::new();
        let (mut method, mut trials, mut seed, mut halving) = (None, None, 0u64, None);
        for (key, value) in table {
            match key.as_str() {
                "method" => {
                    method = Some(match value.as_str() {
                        Some("random") => Method::Random,
                        Some("grid") => Method::Grid,
                        _ => return Err("method: expected \"random\" or \"grid\"".into()),
                    })
                }
                "trials" => match value.as_integer() {
                    Some(t) if t >= 1 => trials = Some(t as usize),
                    _ => return Err("trials: expected a whole number, at least 1".into()),
                },
                "seed" => match value.as_integer() {
                    Some(s) if s >= 0 => seed = s as u64,
                    _ => return Err("seed: expected a whole number, at least 0".into()),
                },
                "halving" => {
                    let h: Halving = value
                        .clone()
                        .try_into()
                        .map_err(|e: toml::de::Error| format!("halving: {}", e.message()))?;
                    if h.min_epochs == 0 || h.reduction < 2 {
                        return Err(
                            "halving: min_epochs must be at least 1 and reduction at least 2"
                                .into(),
                        );
                    }
                    halving = Some(h);
                }
                _ => match Distribution::of(key, value)? {
                    Some(d) => drawn.push((key.clone(), d)),
                    None => {
                        fixed.insert(key.clone(), value.clone());
                    }
                },
            }
        }
        let method = method.unwrap_or(Method::Random);
        let trials = match (method, trials) {
            (Method::Random, Some(t)) => t,
            (Method::Random, None) => return Err("trials: a random search needs trials = N".into()),
            (Method::Grid, _) => 0,
        };
        if method == Method::Grid {
            if let Some((key, _)) = drawn
                .iter()
                .find(|(_, d)| !matches!(d, Distribution::Choice(_)))
            {
                return Err(format!(
                    "{key}: a grid search takes only choice lists (use method = \"random\" to draw from ranges)"
                ));
            }
        }
        let search = Search {
            table: table.clone(),
            method,
            trials,
            seed,
            halving,
            fixed,
            drawn,
        };
        // Every trial takes the same keys: report a bad one now, by name.
        search.grid_of(search.first_values())?;
        Ok(search)
    }

    /// The table as written.
    pub fn table(&self) -> &Table {
        &self.table
    }

    /// The drawn values of each trial, in trial order: trial `t` draws from
    /// its own stream of the seed, so trial `t` is the same whatever
    /// `trials` is.
    pub fn draws(&self) -> Vec<Vec<(String, Value)>> {
        match self.method {
            Method::Random => (0..self.trials).map(|t| self.draw_trial(t)).collect(),
            Method::Grid => vec![self.first_values()],
        }
    }

    /// The values random trial `t` draws.
    fn draw_trial(&self, t: usize) -> Vec<(String, Value)> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(t as u64);
        self.drawn
            .iter()
            .map(|(k, d)| (k.clone(), d.draw(&mut rng)))
            .collect()
    }

    /// The first trial's drawn values; for a grid search, every choice as its grid list.
    fn first_values(&self) -> Vec<(String, Value)> {
        match self.method {
            Method::Random => self.draw_trial(0),
            Method::Grid => self
                .drawn
                .iter()
                .map(|(k, d)| match d {
                    Distribution::Choice(values) => (k.clone(), Value::Array(values.clone())),
                    _ => unreachable!("parse admits only choices in a grid search"),
                })
                .collect(),
        }
    }

    /// The grid of one trial: the fixed keys and its drawn `values`.
    fn grid_of(&self, values: Vec<(String, Value)>) -> Result<Grid, String> {
        let mut table = Table::new();
        for (k, v) in self
            .fixed
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .chain(values)
        {
            let v = as_grid_value(&k, v);
            table.insert(k, v);
        }
        Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| e.message().to_string())
    }

    /// One grid per trial: the fixed keys and the trial's draws (checked by
    /// [`Grid::validate`] where the sweep file holds it).
    pub(crate) fn grids(&self) -> Result<Vec<Grid>, String> {
        self.draws()
            .into_iter()
            .map(|values| self.grid_of(values))
            .collect()
    }

    /// How many configurations the search makes, found without drawing
    /// every trial (unless a choice holds lists, whose lengths then vary
    /// from trial to trial and are counted one by one).
    pub(crate) fn expansion(&self) -> Result<Expansion, String> {
        let first = self.first_values();
        let whole = self.grid_of(first.clone())?.expansion();
        if self.method == Method::Grid {
            return Ok(whole);
        }
        // A trial's drawn values multiply it only when they are lists.
        let drawn_product = |values: &[(String, Value)]| -> u128 {
            values
                .iter()
                .map(|(_, v)| v.as_array().map_or(1, |a| a.len() as u128))
                .product()
        };
        let per_fixed = whole.count / drawn_product(&first).max(1);
        let lists_drawn = self.drawn.iter().any(|(_, d)| match d {
            Distribution::Choice(values) => values.iter().any(Value::is_array),
            _ => false,
        });
        let count = if lists_drawn {
            (0..self.trials).fold(0u128, |sum, t| {
                sum.saturating_add(per_fixed.saturating_mul(drawn_product(&self.draw_trial(t))))
            })
        } else {
            per_fixed.saturating_mul(self.trials as u128)
        };
        let mut lists = vec![("trials", self.trials as u128)];
        lists.extend(
            whole
                .lists
                .into_iter()
                .filter(|(name, _)| !self.drawn.iter().any(|(k, _)| k == name)),
        );
        lists.retain(|&(_, len)| len > 1);
        Ok(Expansion { count, lists })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SweepFile, DEFAULT_MAX_CONFIGURATIONS};
    use mlp_engine::Case;
    use std::path::Path;

    /// The issue's file, its halving table left out.
    const FILE: &str = r#"
name = "lr-and-width"
validation = 10000

[[search]]
method = "random"
trials = 24
seed = 7
case = "relu-sigmoid"
epochs = 12
eval_every = 1
hidden = { choice = [100, 300, 800] }
lr = { log_uniform = [0.002, 0.2] }
l2 = { choice = [0.0, 0.0001] }
"#;

    fn parse(text: &str) -> Result<SweepFile, String> {
        SweepFile::parse(text, Path::new("s.toml"), DEFAULT_MAX_CONFIGURATIONS)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_random_search_draws_the_same_trials_in_range_every_time() {
        let f = parse(FILE).unwrap();
        assert_eq!(f.name.as_deref(), Some("lr-and-width"));
        let trials = f.expand();
        assert_eq!(trials.len(), 24, "24 distinct trials");
        assert_eq!(trials, parse(FILE).unwrap().expand());
        for c in &trials {
            assert_eq!(c.network.case, Case::ReluSigmoid);
            assert_eq!((c.run.epochs, c.run.eval_every), (12, 1));
            assert_eq!((c.data.validation, c.data.train_samples), (10_000, 50_000));
            assert!(
                [100, 300, 800].contains(&c.network.hidden.widths()[0]),
                "{}",
                c.network.hidden
            );
            assert!(
                (0.002..0.2).contains(&c.optimizer.lr),
                "lr {}",
                c.optimizer.lr
            );
            assert!(c.regularization.l2 == 0.0 || c.regularization.l2 == 1e-4);
            c.validate(60_000).unwrap();
        }
        // The draws differ from trial to trial, and use both ends of the range.
        let lrs: Vec<f64> = trials.iter().map(|c| c.optimizer.lr).collect();
        assert!(lrs.iter().any(|&l| l < 0.02) && lrs.iter().any(|&l| l > 0.02));
        // Another seed, other trials; fewer trials, the same first ones.
        let other = parse(&FILE.replace("seed = 7", "seed = 8"))
            .unwrap()
            .expand();
        assert_ne!(other, trials);
        let five = parse(&FILE.replace("trials = 24", "trials = 5"))
            .unwrap()
            .expand();
        assert_eq!(five[..], trials[..5]);
    }

    #[test]
    fn log_uniform_draws_are_uniform_in_the_logarithm() {
        let d = Distribution::LogUniform(0.001, 1.0);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let draws: Vec<f64> = (0..4000)
            .map(|_| d.draw(&mut rng).as_float().unwrap())
            .collect();
        // A third of the log range per decade.
        for (lo, hi) in [(0.001, 0.01), (0.01, 0.1), (0.1, 1.0)] {
            let share = draws.iter().filter(|&&x| lo <= x && x < hi).count() as f64 / 4000.0;
            assert!((share - 1.0 / 3.0).abs() < 0.03, "[{lo}, {hi}): {share}");
        }
        assert!(draws.iter().all(|&x| (0.001..=1.0).contains(&x)));
        let ints = Distribution::IntUniform(2, 4);
        let mut seen = [0; 3];
        for _ in 0..300 {
            seen[(ints.draw(&mut rng).as_integer().unwrap() - 2) as usize] += 1;
        }
        assert!(seen.iter().all(|&n| n > 60), "{seen:?}");
    }

    #[test]
    fn a_grid_search_crosses_its_choices_and_mixes_with_grid_tables() {
        let text = r#"
[[grid]]
case = ["tanh"]
hidden = [300]
epochs = [1]

[[search]]
method = "grid"
case = "tanh"
epochs = 1
hidden = { choice = [300, 500] }
lr = { choice = [0.01, 0.05] }
"#;
        let configs = parse(text).unwrap().expand();
        // The grid's one configuration is also the search's first: kept once.
        assert_eq!(configs.len(), 4);
        let pairs: Vec<(usize, f64)> = configs
            .iter()
            .map(|c| (c.network.hidden.widths()[0], c.optimizer.lr))
            .collect();
        for p in [(300, 0.01), (300, 0.05), (500, 0.01), (500, 0.05)] {
            assert!(pairs.contains(&p), "{p:?} missing from {pairs:?}");
        }
    }

    #[test]
    fn bad_search_tables_are_named_errors() {
        let cases = [
            ("lr = { normal = [0, 1] }", "unknown distribution 'normal'"),
            ("lr = { uniform = [0.2, 0.1] }", "low < high"),
            ("lr = { log_uniform = [0, 0.1] }", "0 < low"),
            ("epochs = { int_uniform = [3.5, 4] }", "two integers"),
            ("hidden = { choice = [] }", "non-empty"),
            ("hiden = { choice = [3] }", "hiden"),
            (
                "lr = { uniform = [0.1, 0.2], choice = [1] }",
                "a distribution is one of",
            ),
        ];
        for (line, want) in cases {
            let text = format!("[[search]]\ntrials = 3\ncase = \"tanh\"\n{line}\n");
            let err = parse(&text).unwrap_err();
            assert!(
                err.contains(want) && err.contains("[[search]] table 1"),
                "{line}: {err}"
            );
        }
        let err =
            parse("[[search]]\ncase = \"tanh\"\nlr = { uniform = [0.1, 0.2] }\n").unwrap_err();
        assert!(err.contains("trials"), "{err}");
        let grid = "[[search]]\nmethod = \"grid\"\nlr = { uniform = [0.1, 0.2] }\n";
        assert!(parse(grid).unwrap_err().contains("only choice"));
        let halving = format!("{FILE}\n[search.halving]\nmin_epochs = 12\nreduction = 3\n");
        assert!(parse(&halving).unwrap_err().contains("min_epochs (12)"));
        let unjudged = format!("{FILE}\n[search.halving]\nmin_epochs = 2\nreduction = 3\n")
            .replace("validation = 10000\n", "");
        assert!(parse(&unjudged).unwrap_err().contains("validation"));
        let mixed = format!("{FILE}\n[search.halving]\nmin_epochs = 2\nreduction = 3\n")
            .replace("epochs = 12", "epochs = { choice = [6, 12] }");
        assert!(parse(&mixed).unwrap_err().contains("one epochs value"));
        let mode =
            format!("{FILE}\n[search.halving]\nmin_epochs = 2\nreduction = 3\nmode = \"eager\"\n");
        let err = parse(&mode).unwrap_err();
        assert!(err.contains("halving: unknown variant `eager`"), "{err}");
        assert!(parse("name = \"x\"\n")
            .unwrap_err()
            .contains("no [[grid]] or [[search]]"));
    }

    #[test]
    fn async_mode_is_read_and_written_back() {
        let text =
            format!("{FILE}\n[search.halving]\nmin_epochs = 2\nreduction = 3\nmode = \"async\"\n");
        let f = parse(&text).unwrap();
        assert_eq!(f.plan().halving[0].halving.mode, HalvingMode::Async);
        let again = parse(&f.to_toml().unwrap()).unwrap();
        assert_eq!(again.plan().halving[0].halving.mode, HalvingMode::Async);
        let sync = format!("{FILE}\n[search.halving]\nmin_epochs = 2\nreduction = 3\n");
        assert_eq!(
            parse(&sync).unwrap().plan().halving[0].halving.mode,
            HalvingMode::Sync
        );
    }

    #[test]
    fn the_issues_file_halves_its_24_trials_at_epochs_2_and_6() {
        // The copy in docs/ that the README points to is this file, with its halving table.
        let text = include_str!("../../../docs/sweeps/lr-and-width.toml");
        let f = parse(text).unwrap();
        let plan = f.plan();
        assert!(plan.full.is_empty());
        assert_eq!(plan.halving.len(), 1);
        let group = &plan.halving[0];
        assert_eq!(
            group.halving,
            Halving {
                min_epochs: 2,
                reduction: 3,
                mode: HalvingMode::Sync,
            }
        );
        // The same trials as the file without halving, in the same order.
        assert_eq!(group.trials, parse(FILE).unwrap().expand());
        assert_eq!(group.rungs(), vec![2, 6, 12]);
        assert_eq!(group.alive_per_rung(), vec![24, 8, 2]);
    }

    #[test]
    fn drawn_reals_keep_four_significant_digits() {
        assert_eq!(round_digits(0.0123456), 0.01235);
        assert_eq!(round_digits(123.456), 123.5);
        let f = parse(FILE).unwrap().expand();
        for c in f {
            assert_eq!(round_digits(c.optimizer.lr), c.optimizer.lr);
        }
    }
}
