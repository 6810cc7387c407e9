//! How runs are ranked, everywhere a sweep ranks them: successive halving at
//! a rung, the report's table and `ensemble --best`.

use crate::RunRecord;
use std::cmp::Ordering;

/// What a run is ranked by: an error, then a loss (errors tie often on a few
/// thousand images), then its key, so that the order never depends on the
/// order runs were found in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RankKey<'a> {
    /// Error in percent (validation error, where there is one).
    pub error_pct: f64,
    /// Loss on the same split.
    pub loss: f64,
    /// The run's key.
    pub key: &'a str,
}

impl RankKey<'_> {
    /// Best first: lower error, then lower loss, then key order.
    pub fn compare(&self, other: &RankKey<'_>) -> Ordering {
        self.error_pct
            .total_cmp(&other.error_pct)
            .then(self.loss.total_cmp(&other.loss))
            .then_with(|| self.key.cmp(other.key))
    }
}

/// `keys` best first, as positions into it.
pub fn rank(keys: &[RankKey<'_>]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| keys[a].compare(&keys[b]));
    order
}

/// `record`'s rank key by its final validation figures, when it has them.
pub fn by_validation(record: &RunRecord) -> Option<RankKey<'_>> {
    let m = &record.report.metrics;
    Some(RankKey {
        error_pct: m.validation_error_pct?,
        loss: m.validation_loss?,
        key: &record.key,
    })
}

/// The records best first by validation figures, or `None` when one of
/// them has none (a sweep without a validation split is not ranked by
/// test figures here: that would choose on the test set).
pub fn rank_by_validation(records: &[RunRecord]) -> Option<Vec<usize>> {
    let keys: Option<Vec<RankKey<'_>>> = records.iter().map(by_validation).collect();
    Some(rank(&keys?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_then_loss_then_key_decide_and_nan_ranks_last() {
        let k = |error_pct, loss, key| RankKey {
            error_pct,
            loss,
            key,
        };
        let keys = [
            k(2.0, 0.3, "b"),
            k(1.0, 0.9, "z"),
            k(2.0, 0.1, "c"),
            k(2.0, 0.1, "a"),
            k(f64::NAN, 0.0, "n"),
        ];
        assert_eq!(rank(&keys), vec![1, 3, 2, 0, 4]);
        // The order of the input never matters.
        let reversed: Vec<RankKey<'_>> = keys.iter().rev().copied().collect();
        fn names(ks: &[RankKey<'static>]) -> Vec<&'static str> {
            rank(ks).iter().map(|&i| ks[i].key).collect()
        }
        assert_eq!(names(&reversed), names(&keys));
    }
}
