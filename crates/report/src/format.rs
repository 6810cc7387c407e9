//! How the reports write cases, modes and numbers.

use mlp_engine::{Backprop, Case, TrainConfig};
use mlp_sweep::RunRecord;
use std::cmp::Ordering;

/// `case 1 (tanh)` or `case 2 (relu/sigmoid)`.
pub(crate) fn case_title(case: Case) -> String {
    let (hidden, output) = case.activations();
    if hidden == output {
        format!("case {} ({hidden})", case.number())
    } else {
        format!("case {} ({hidden}/{output})", case.number())
    }
}

/// `exact backprop` or `as-published backprop`.
pub(crate) fn mode_title(mode: Backprop) -> String {
    format!("{} backprop", mode.name())
}

pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `60000` as `60,000`.
pub(crate) fn thousands(n: usize) -> String {
    let s = n.to_string();
    // Digits before the first comma: 1 to 3.
    let head = (s.len() - 1) % 3 + 1;
    let mut out = s[..head].to_string();
    for group in s.as_bytes()[head..].chunks(3) {
        out.push(',');
        out.extend(group.iter().map(|&b| b as char));
    }
    out
}

/// A rate or coefficient as written (`0.01`).
pub(crate) fn fmt_lr(v: f64) -> String {
    format!("{v}")
}

/// An MSE with the study's 4 decimals.
pub(crate) fn fmt_mse(v: f64) -> String {
    format!("{v:.4}")
}

/// A percentage with the study's 2 decimals.
pub(crate) fn fmt_pct(v: f64) -> String {
    format!("{v:.2}%")
}

/// Seconds: 2 decimals below 10 s, 1 above.
pub(crate) fn fmt_secs(v: f64) -> String {
    if v.abs() < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

/// How many times faster `ours` was than `theirs`, e.g. `×174`.
pub(crate) fn speedup(theirs: f64, ours: f64) -> String {
    if !(ours > 0.0 && theirs.is_finite()) {
        return "—".into();
    }
    let r = theirs / ours;
    if r >= 10.0 {
        format!("×{}", thousands(r.round() as usize))
    } else {
        format!("×{r:.1}")
    }
}

/// The order runs are listed in: by configuration, then block size.
pub(crate) fn by_run(a: &RunRecord, b: &RunRecord) -> Ordering {
    by_config(&a.report.config, &b.report.config)
        .then(a.report.block_samples.cmp(&b.report.block_samples))
}

/// The order configurations are listed in: case, backprop mode, K, N, eta,
/// lambda, epochs, sample order, seed.
fn by_config(a: &TrainConfig, b: &TrainConfig) -> Ordering {
    a.network
        .case
        .cmp(&b.network.case)
        .then(a.network.backprop.cmp(&b.network.backprop))
        .then(a.data.train_samples.cmp(&b.data.train_samples))
        .then(a.network.hidden.cmp(&b.network.hidden))
        .then(a.optimizer.lr.total_cmp(&b.optimizer.lr))
        .then(a.regularization.l2.total_cmp(&b.regularization.l2))
        .then(a.run.epochs.cmp(&b.run.epochs))
        .then(a.data.shuffle.cmp(&b.data.shuffle))
        .then(a.run.seed.cmp(&b.run.seed))
}

/// What tells two runs of one configuration apart when they are averaged:
/// the seed, and the block size of held-back updates (which moves results at
/// the rounding level). Two records with the same of both (another
/// evaluation interval, say) are one run.
pub(crate) fn run_id(r: &RunRecord) -> (u64, Option<usize>) {
    (r.report.config.run.seed, r.report.block_samples)
}
