//! The axes of a sweep: the configuration fields whose values differ between its runs.

use mlp_engine::{ConfigFields, TrainConfig};
use serde::Serialize;

/// One run's value of a field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Level {
    /// A number.
    Num(f64),
    /// A name (an enum, a list of widths, a flag).
    Text(String),
}

impl Level {
    /// As written in tables and on axes.
    pub fn label(&self) -> String {
        match self {
            Level::Num(v) => format!("{v}"),
            Level::Text(s) => s.clone(),
        }
    }

    fn num(&self) -> Option<f64> {
        match self {
            Level::Num(v) => Some(*v),
            Level::Text(_) => None,
        }
    }
}

/// How an axis places its values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Scale {
    /// A few distinct values, each its own position, in order.
    Levels(Vec<Level>),
    /// Many numbers, on a linear axis.
    Linear,
    /// Many positive rates or coefficients, on a logarithmic axis.
    Log,
}

/// A field that varies, with every run's value in the order of the runs given.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Axis {
    /// The field's name, as sweep files and results spell it.
    pub name: &'static str,
    /// Each run's value.
    pub values: Vec<Level>,
    /// How to place the values.
    pub scale: Scale,
}

/// At most this many distinct numbers are shown as levels rather than on a scale.
const MAX_LEVELS: usize = 6;

/// Fields drawn on a log scale when they take many values: rates and coefficients.
const LOG_FIELDS: &[&str] = &["lr", "l2", "weight_decay", "eps", "lr_decay"];

fn text(v: impl Serialize) -> Level {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => Level::Text(s),
        Ok(serde_json::Value::Null) => Level::Text("default".into()),
        Ok(other) => Level::Text(other.to_string()),
        Err(_) => Level::Text("?".into()),
    }
}

/// A field's name and how a configuration's value of it reads, from its flat form.
type Field = (&'static str, fn(&ConfigFields) -> Level);

/// A field's value as a report level: a number placed on a scale, or text.
trait AsLevel {
    fn level(&self) -> Level;
}

impl AsLevel for f64 {
    fn level(&self) -> Level {
        Level::Num(*self)
    }
}

impl AsLevel for usize {
    fn level(&self) -> Level {
        Level::Num(*self as f64)
    }
}

macro_rules! text_levels {
    ($($t:ty),+) => {
        $(impl AsLevel for $t {
            fn level(&self) -> Level {
                text(self)
            }
        })+
    };
}

text_levels!(
    bool,
    Option<mlp_engine::Activation>,
    mlp_engine::Loss,
    mlp_engine::OptimizerKind,
    mlp_engine::ScheduleKind,
    mlp_engine::Init,
    mlp_engine::augment::Augment
);

/// The fields of the engine's table, each with how a run's value reads.
macro_rules! general_levels {
    ($($field:ident: $ty:ty = |$c:ident, $v:ident| $set:expr, $tag:literal, $value_name:literal,
        [$($arg:tt)*], $help:literal, $list_help:literal;)+) => {
        /// The fields beyond the study's, in the table's order.
        const GENERAL: &[Field] = &[$((stringify!($field), |c| AsLevel::level(&c.$field))),+];
    };
}

mlp_engine::general_fields!(general_levels);

/// The study's fields before the others and after them, in the order reports list them.
const STUDY_FIRST: &[Field] = &[
    ("case", |c| Level::Text(c.case.name().into())),
    ("hidden", |c| Level::Text(c.hidden.to_string())),
    ("lr", |c| Level::Num(c.lr)),
    ("l2", |c| Level::Num(c.l2)),
];
const STUDY_LAST: &[Field] = &[
    ("train_samples", |c| Level::Num(c.train_samples as f64)),
    ("epochs", |c| Level::Num(c.epochs as f64)),
    ("backprop", |c| Level::Text(c.backprop.name().into())),
    ("shuffle", |c| text(c.shuffle)),
    ("eval_every", |c| Level::Num(c.eval_every as f64)),
    ("seed", |c| Level::Num(c.seed as f64)),
];

/// Every field of a configuration a sweep can vary, in the order reports list them.
fn fields() -> impl Iterator<Item = &'static Field> {
    STUDY_FIRST.iter().chain(GENERAL).chain(STUDY_LAST)
}

/// `a` against `b` with runs of digits compared as numbers, so widths
/// (`8`, `16`, `500-300`) sort as a reader expects.
fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    fn chunks(s: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        for (i, c) in s.char_indices().skip(1) {
            let prev = s[..i]
                .chars()
                .next_back()
                .is_some_and(|p| p.is_ascii_digit());
            if prev != c.is_ascii_digit() {
                out.push((prev, &s[start..i]));
                start = i;
            }
        }
        if start < s.len() {
            out.push((
                s[start..].starts_with(|c: char| c.is_ascii_digit()),
                &s[start..],
            ));
        }
        out
    }
    let (x, y) = (chunks(a), chunks(b));
    for (p, q) in x.iter().zip(&y) {
        let order = match (p, q) {
            ((true, m), (true, n)) => {
                let trim = |d: &str| d.trim_start_matches('0').len();
                trim(m)
                    .cmp(&trim(n))
                    .then_with(|| m.trim_start_matches('0').cmp(n.trim_start_matches('0')))
            }
            ((_, m), (_, n)) => m.cmp(n),
        };
        if order != std::cmp::Ordering::Equal {
            return order;
        }
    }
    x.len().cmp(&y.len()).then_with(|| a.cmp(b))
}

/// Sorts levels: numbers by value, names in natural order, numbers first.
fn sort_levels(levels: &mut [Level]) {
    levels.sort_by(|a, b| match (a, b) {
        (Level::Num(x), Level::Num(y)) => x.total_cmp(y),
        (Level::Text(x), Level::Text(y)) => natural_cmp(x, y),
        (Level::Num(_), Level::Text(_)) => std::cmp::Ordering::Less,
        (Level::Text(_), Level::Num(_)) => std::cmp::Ordering::Greater,
    });
}

/// The fields that differ between `configs`, each with every configuration's value.
pub(crate) fn varied_axes(configs: &[&TrainConfig]) -> Vec<Axis> {
    let flat: Vec<ConfigFields> = configs.iter().map(|c| c.fields()).collect();
    let mut axes = Vec::new();
    for &(name, get) in fields() {
        let values: Vec<Level> = flat.iter().map(get).collect();
        let mut distinct = values.clone();
        sort_levels(&mut distinct);
        distinct.dedup();
        if distinct.len() < 2 {
            continue;
        }
        let numbers: Option<Vec<f64>> = distinct.iter().map(Level::num).collect();
        let scale = match numbers {
            Some(n) if distinct.len() > MAX_LEVELS => {
                let positive = n.iter().all(|&v| v > 0.0);
                // Sorted: the span is the last over the first.
                let decades = positive && n[n.len() - 1] / n[0] >= 100.0;
                if positive && (LOG_FIELDS.contains(&name) || decades) {
                    Scale::Log
                } else {
                    Scale::Linear
                }
            }
            _ => Scale::Levels(distinct),
        };
        axes.push(Axis {
            name,
            values,
            scale,
        });
    }
    axes
}

impl Axis {
    /// Where run `i`'s value sits along the axis, from 0 to 1.
    pub fn position(&self, i: usize) -> f64 {
        let v = &self.values[i];
        match &self.scale {
            Scale::Levels(levels) => {
                let at = levels.iter().position(|l| l == v).unwrap_or(0);
                if levels.len() > 1 {
                    at as f64 / (levels.len() - 1) as f64
                } else {
                    0.5
                }
            }
            Scale::Linear | Scale::Log => self.place(v.num().unwrap_or(self.range().0)),
        }
    }

    /// Where the number `x` sits along a numeric axis, from 0 to 1 (by its
    /// logarithm on a log axis).
    pub fn place(&self, x: f64) -> f64 {
        let f = |x: f64| if self.scale == Scale::Log { x.ln() } else { x };
        let (lo, hi) = self.range();
        if hi > lo {
            (f(x) - f(lo)) / (f(hi) - f(lo))
        } else {
            0.5
        }
    }

    /// Labelled ticks along the axis, each at its place from 0 to 1: every
    /// level (every few of many), round steps of a linear axis, and 1, 2 and
    /// 5 times each power of ten on a log axis.
    pub fn ticks(&self) -> Vec<(f64, String)> {
        match &self.scale {
            Scale::Levels(levels) => {
                let n = levels.len().max(2) - 1;
                let every = levels.len().div_ceil(12);
                levels
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i % every == 0)
                    .map(|(i, l)| (i as f64 / n as f64, l.label()))
                    .collect()
            }
            Scale::Log => {
                let (lo, hi) = self.range();
                let mut out = Vec::new();
                let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
                for k in first..=last {
                    for m in [1.0, 2.0, 5.0] {
                        let t: f64 = format!("{m}e{k}").parse().unwrap_or(f64::NAN);
                        if t >= lo * (1.0 - 1e-9) && t <= hi * (1.0 + 1e-9) {
                            out.push((self.place(t), format!("{t}")));
                        }
                    }
                }
                if out.len() < 2 {
                    out = vec![(0.0, short(lo)), (1.0, short(hi))];
                }
                out
            }
            Scale::Linear => {
                let (lo, hi) = self.range();
                if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
                    return vec![(0.5, short(lo))];
                }
                let raw = (hi - lo) / 5.0;
                let magnitude = 10f64.powf(raw.log10().floor());
                let step = [1.0, 2.0, 5.0, 10.0]
                    .iter()
                    .map(|m| m * magnitude)
                    .find(|s| *s >= raw)
                    .unwrap_or(raw);
                let mut out = Vec::new();
                let mut k = (lo / step).ceil();
                while k * step <= hi + step * 1e-9 {
                    let t = k * step;
                    out.push((self.place(t), short(t)));
                    k += 1.0;
                }
                out
            }
        }
    }

    /// The smallest and largest number on a numeric axis.
    pub fn range(&self) -> (f64, f64) {
        let nums = self.values.iter().filter_map(Level::num);
        nums.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        })
    }

    /// Up to `bins` groups of the runs' values: levels as they are, numbers in
    /// equal bins (equal in the logarithm on a log axis). Returns each group's
    /// label and each run's group.
    pub fn binned(&self, bins: usize) -> (Vec<String>, Vec<usize>) {
        match &self.scale {
            Scale::Levels(levels) => (
                levels.iter().map(Level::label).collect(),
                (0..self.values.len())
                    .map(|i| {
                        levels
                            .iter()
                            .position(|l| *l == self.values[i])
                            .unwrap_or(0)
                    })
                    .collect(),
            ),
            Scale::Linear | Scale::Log => {
                let (lo, hi) = self.range();
                let log = self.scale == Scale::Log;
                let edge = |k: usize| {
                    let t = k as f64 / bins as f64;
                    if log {
                        (lo.ln() + t * (hi.ln() - lo.ln())).exp()
                    } else {
                        lo + t * (hi - lo)
                    }
                };
                let labels = (0..bins)
                    .map(|k| format!("{}-{}", short(edge(k)), short(edge(k + 1))))
                    .collect();
                let groups = (0..self.values.len())
                    .map(|i| ((self.position(i) * bins as f64) as usize).min(bins - 1))
                    .collect();
                (labels, groups)
            }
        }
    }
}

/// A bin edge with three significant digits.
fn short(x: f64) -> String {
    let s = format!("{x:.2e}");
    match s.parse::<f64>() {
        Ok(v) => format!("{v}"),
        Err(_) => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlp_engine::Case;

    #[test]
    fn only_fields_that_differ_are_axes_and_many_rates_go_on_a_log_scale() {
        let base = TrainConfig::new(Case::ReluSigmoid);
        let configs: Vec<TrainConfig> = (0..8)
            .map(|i| {
                ConfigFields {
                    lr: 0.001 * 2f64.powi(i),
                    hidden: if i % 2 == 0 { 100.into() } else { 300.into() },
                    ..base.fields()
                }
                .resolve()
                .unwrap()
            })
            .collect();
        let refs: Vec<&TrainConfig> = configs.iter().collect();
        let axes = varied_axes(&refs);
        let names: Vec<&str> = axes.iter().map(|a| a.name).collect();
        assert_eq!(names, ["hidden", "lr"]);
        assert!(matches!(axes[0].scale, Scale::Levels(ref l) if l.len() == 2));
        assert_eq!(axes[1].scale, Scale::Log);
        assert_eq!(axes[1].position(0), 0.0);
        assert_eq!(axes[1].position(7), 1.0);
        let ticks: Vec<String> = axes[1].ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(
            ticks,
            ["0.001", "0.002", "0.005", "0.01", "0.02", "0.05", "0.1"]
        );
        assert_eq!(axes[1].ticks()[0].0, 0.0);
        let (labels, groups) = axes[1].binned(4);
        assert_eq!(labels.len(), 4);
        assert_eq!(groups, [0, 0, 1, 1, 2, 2, 3, 3]);
    }

    /// The axes of relu-sigmoid runs on each of `sizes` training images.
    fn train_sample_axes(sizes: &[usize]) -> Vec<Axis> {
        let base = TrainConfig::new(Case::ReluSigmoid);
        let configs: Vec<TrainConfig> = sizes
            .iter()
            .map(|&k| {
                ConfigFields {
                    train_samples: k,
                    ..base.fields()
                }
                .resolve()
                .unwrap()
            })
            .collect();
        varied_axes(&configs.iter().collect::<Vec<_>>())
    }

    #[test]
    fn any_positive_field_spanning_two_decades_goes_on_a_log_scale_with_round_ticks() {
        let axes = train_sample_axes(&[100, 200, 500, 1000, 2000, 5000, 10000, 20000]);
        assert_eq!(axes[0].name, "train_samples");
        assert_eq!(axes[0].scale, Scale::Log);
        let ticks = axes[0].ticks();
        let labels: Vec<&str> = ticks.iter().map(|t| t.1.as_str()).collect();
        assert_eq!(
            labels,
            ["100", "200", "500", "1000", "2000", "5000", "10000", "20000"]
        );
        // Equal ratios, equal steps.
        assert!(((ticks[3].0 - ticks[0].0) - (ticks[6].0 - ticks[3].0)).abs() < 1e-12);
        // A span under two decades stays linear.
        let near: Vec<usize> = (0..8).map(|i| 1000 + 500 * i).collect();
        assert_eq!(train_sample_axes(&near)[0].scale, Scale::Linear);
    }

    #[test]
    fn widths_sort_as_numbers() {
        let mut levels: Vec<Level> = ["16", "8", "500-300", "128", "64-32", "a"]
            .iter()
            .map(|s| Level::Text(s.to_string()))
            .collect();
        sort_levels(&mut levels);
        let sorted: Vec<String> = levels.iter().map(Level::label).collect();
        assert_eq!(sorted, ["8", "16", "64-32", "128", "500-300", "a"]);
    }
}
