//! What the page's script reads: the runs, the fields that vary, the
//! importance shares and the best run's confusion matrix, as one JSON object.

use crate::sweep::axes::{Level, Scale};
use crate::sweep::Judged;
use serde::Serialize;

/// A varied field as the page places it.
#[derive(Serialize)]
pub(crate) struct Field {
    /// The field's name, as sweep files spell it.
    name: &'static str,
    /// `levels`, `linear` or `log`.
    scale: &'static str,
    /// For `levels`: each level's label, in order; runs hold indices into it.
    #[serde(skip_serializing_if = "Option::is_none")]
    levels: Option<Vec<String>>,
}

/// One run's row.
#[derive(Serialize)]
pub(crate) struct Run {
    /// The run's results key.
    key: String,
    /// The run by its varied fields.
    label: String,
    /// Place in the ranking, from 1.
    rank: usize,
    /// Each varied field's value: an index into its levels, or the number.
    v: Vec<f64>,
    /// The ranking error, in percent.
    err: Option<f64>,
    /// The test error, in percent.
    test: f64,
    /// The validation error, in percent, when held out.
    val: Option<f64>,
    /// The epoch halving stopped it at.
    stopped: Option<usize>,
    /// Epochs trained.
    epochs: usize,
    /// Training seconds.
    secs: f64,
    /// The ranking error after each evaluated epoch: epochs, then errors.
    curve: (Vec<usize>, Vec<f64>),
}

/// The best run's confusion matrix.
#[derive(Serialize)]
pub(crate) struct Confusion {
    /// What the plot is titled.
    heading: String,
    /// Class names, in the matrix's order.
    classes: Vec<String>,
    /// Counts, `[true][predicted]`.
    counts: Vec<Vec<u64>>,
}

/// A field's share of the ranking error's variance.
#[derive(Serialize)]
pub(crate) struct Share {
    /// The field.
    name: &'static str,
    /// Its share, 0 to 1.
    share: f64,
}

/// Where a sweep that is still running stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LiveStatus {
    /// Runs finished, in this process or already on disk.
    pub done: usize,
    /// Runs training now.
    pub running: usize,
    /// Runs not started, or waiting for a halving rung to be judged.
    pub left: usize,
}

/// Everything the page draws.
#[derive(Serialize)]
pub(crate) struct Payload {
    title: String,
    /// What ranks the runs: `validation error` or `test error`.
    what: &'static str,
    /// Seconds since the Unix epoch when the live page was written, or when
    /// the last run of a finished report finished.
    written: u64,
    /// Set while the sweep runs: the page reloads itself.
    live: Option<LiveStatus>,
    fields: Vec<Field>,
    runs: Vec<Run>,
    /// Shares of each varied field, largest first, with the number of runs they were computed over.
    importance: Option<(Vec<Share>, usize)>,
    confusion: Option<Confusion>,
}

/// Four decimals are more than any figure on the page shows.
fn round(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(round(x))
}

impl Payload {
    /// The payload of `judged`'s runs, titled `title`.
    pub(crate) fn new(title: &str, judged: &Judged<'_>, live: Option<LiveStatus>) -> Payload {
        let fields = judged
            .axes
            .iter()
            .map(|a| match &a.scale {
                Scale::Levels(levels) => Field {
                    name: a.name,
                    scale: "levels",
                    levels: Some(levels.iter().map(Level::label).collect()),
                },
                Scale::Linear => Field {
                    name: a.name,
                    scale: "linear",
                    levels: None,
                },
                Scale::Log => Field {
                    name: a.name,
                    scale: "log",
                    levels: None,
                },
            })
            .collect();
        let mut rank = vec![0; judged.len()];
        for (place, &i) in judged.order.iter().enumerate() {
            rank[i] = place + 1;
        }
        let runs = (0..judged.len())
            .map(|i| {
                let r = &judged.records[i];
                let m = &r.report.metrics;
                let v = judged
                    .axes
                    .iter()
                    .map(|a| match (&a.scale, &a.values[i]) {
                        (Scale::Levels(levels), value) => {
                            levels.iter().position(|l| l == value).unwrap_or(0) as f64
                        }
                        (_, Level::Num(x)) => *x,
                        (_, Level::Text(_)) => f64::NAN,
                    })
                    .collect();
                let points = r.report.history.iter().filter_map(|e| {
                    let y = if judged.by_validation {
                        e.validation_error_pct
                    } else {
                        e.test_error_pct
                    };
                    y.map(|y| (e.epoch, round(y)))
                });
                Run {
                    key: r.key.clone(),
                    label: judged.legend(i),
                    rank: rank[i],
                    v,
                    err: finite(judged.error(i)),
                    test: round(m.test_error_pct),
                    val: m.validation_error_pct.map(round),
                    stopped: r.stopped_at_epoch,
                    epochs: r.report.history.len(),
                    secs: round(m.train_seconds),
                    curve: points.unzip(),
                }
            })
            .collect();
        let importance = crate::sweep::importance_shares(judged).map(|(shares, runs)| {
            let mut named: Vec<Share> = judged
                .axes
                .iter()
                .zip(shares)
                .map(|(a, share)| Share {
                    name: a.name,
                    share: round(share),
                })
                .collect();
            named.sort_by(|a, b| b.share.total_cmp(&a.share));
            (named, runs)
        });
        let confusion = judged
            .best()
            .filter(|r| !r.report.confusion.is_empty())
            .map(|best| {
                let n = best.report.confusion.len();
                let classes = match &best.dataset {
                    Some(d) if d.classes.len() == n => d.classes.clone(),
                    _ => (0..n).map(|c| c.to_string()).collect(),
                };
                Confusion {
                    heading: format!(
                        "Confusion matrix of the best run by {} ({}): {:.2}% test error",
                        judged.what(),
                        judged.legend(
                            judged
                                .records
                                .iter()
                                .position(|r| std::ptr::eq(r, best))
                                .unwrap_or(0)
                        ),
                        best.report.metrics.test_error_pct
                    ),
                    classes,
                    counts: best.report.confusion.clone(),
                }
            });
        Payload {
            title: title.to_string(),
            what: judged.what(),
            // A live page is as new as its writing; a finished report says
            // when its last run finished, so the same runs give the same page.
            written: match live {
                Some(_) => std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs()),
                None => judged
                    .records
                    .iter()
                    .map(|r| r.finished_unix)
                    .max()
                    .unwrap_or(0),
            },
            live,
            fields,
            runs,
            importance,
            confusion,
        }
    }
}
