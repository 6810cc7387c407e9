//! The study's published Tables 1-6 as data, and matching our records to their rows.

use crate::format::run_id;
use mlp_engine::{Backprop, Case};
use mlp_sweep::RunRecord;

/// Epochs of every published run.
pub const PUBLISHED_EPOCHS: usize = 50;

/// The study's approximate total compute for Tables 1-6, in seconds.
pub const STUDY_TOTAL_SECONDS: f64 = 45_000.0;

/// Which parameter(s) vary between the rows of a published table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Varying {
    /// Hidden units N and learning rate eta (Tables 1-4).
    HiddenAndRate,
    /// The number of training images K (Table 5).
    TrainSamples,
    /// The L2 coefficient lambda (Table 6).
    L2,
}

/// One published row: its configuration and its figures, as printed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PublishedRow {
    /// Hidden units N.
    pub hidden: usize,
    /// Learning rate eta.
    pub lr: f64,
    /// Training images used per epoch, K.
    pub train_samples: usize,
    /// L2 coefficient lambda (0 for none).
    pub l2: f64,
    /// Published training MSE.
    pub train_mse: f64,
    /// Published test MSE.
    pub test_mse: f64,
    /// Published misclassified test images.
    pub misclassified: usize,
    /// Published test error in percent, as printed.
    pub error_pct: f64,
    /// Published training time in seconds.
    pub seconds: f64,
    /// A remark on the row, when its printed figures are inconsistent.
    pub note: Option<&'static str>,
}

/// One published table.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PublishedTable {
    /// The study's table number, 1 to 6.
    pub number: u32,
    /// The table's title.
    pub title: &'static str,
    /// The network case the table trains.
    pub case: Case,
    /// The parameters the table holds fixed, in words.
    pub fixed: &'static str,
    /// The parameter(s) its rows vary.
    pub varying: Varying,
    /// Decimals the study printed its times with.
    pub time_decimals: usize,
    /// The rows, in the study's order.
    pub rows: &'static [PublishedRow],
}

/// The note on Table 3's inconsistent row.
pub const SIC_NOTE: &str = "as printed; 1234 misclassified is 12.34%";

#[allow(clippy::too_many_arguments)]
const fn row(
    hidden: usize,
    lr: f64,
    train_samples: usize,
    l2: f64,
    train_mse: f64,
    test_mse: f64,
    misclassified: usize,
    error_pct: f64,
    seconds: f64,
) -> PublishedRow {
    PublishedRow {
        hidden,
        lr,
        train_samples,
        l2,
        train_mse,
        test_mse,
        misclassified,
        error_pct,
        seconds,
        note: None,
    }
}

const K_SMALL: usize = 1250;
const K_ALL: usize = 60_000;

const TABLE_1: [PublishedRow; 9] = [
    row(300, 0.01, K_SMALL, 0.0, 0.2581, 0.4759, 1276, 12.76, 161.5),
    row(300, 0.05, K_SMALL, 0.0, 0.1774, 0.4272, 1162, 11.62, 147.2),
    row(300, 0.09, K_SMALL, 0.0, 0.1833, 0.4313, 1174, 11.74, 163.0),
    row(500, 0.01, K_SMALL, 0.0, 0.2511, 0.5013, 1340, 13.40, 341.2),
    row(500, 0.05, K_SMALL, 0.0, 0.2144, 0.4639, 1227, 12.27, 308.3),
    row(500, 0.09, K_SMALL, 0.0, 0.3608, 0.4557, 1142, 11.42, 312.3),
    row(1000, 0.01, K_SMALL, 0.0, 0.2407, 0.5161, 1365, 13.65, 939.7),
    row(1000, 0.05, K_SMALL, 0.0, 0.2669, 0.5657, 1477, 14.77, 948.1),
    row(1000, 0.09, K_SMALL, 0.0, 0.6350, 0.6534, 1505, 15.05, 953.6),
];

const TABLE_2: [PublishedRow; 3] = [
    row(300, 0.01, K_ALL, 0.0, 0.0533, 0.0796, 204, 2.04, 6975.3),
    row(300, 0.05, K_ALL, 0.0, 0.0956, 0.1067, 246, 2.46, 6993.8),
    row(300, 0.09, K_ALL, 0.0, 0.2102, 0.1895, 452, 4.52, 7036.8),
];

const TABLE_3: [PublishedRow; 9] = [
    row(300, 0.01, K_SMALL, 0.0, 0.1274, 0.1074, 1243, 12.43, 146.9),
    row(300, 0.05, K_SMALL, 0.0, 0.0442, 0.1148, 1340, 13.40, 137.5),
    row(300, 0.09, K_SMALL, 0.0, 0.0357, 0.1151, 1339, 13.39, 138.8),
    PublishedRow {
        note: Some(SIC_NOTE),
        ..row(500, 0.01, K_SMALL, 0.0, 0.1224, 0.1076, 1234, 13.4, 287.1)
    },
    row(500, 0.05, K_SMALL, 0.0, 0.0429, 0.1159, 1340, 13.40, 289.7),
    row(500, 0.09, K_SMALL, 0.0, 0.0344, 0.1181, 1349, 13.49, 307.2),
    row(
        1000, 0.01, K_SMALL, 0.0, 0.1129, 0.1067, 1242, 12.42, 1010.8,
    ),
    row(1000, 0.05, K_SMALL, 0.0, 0.0403, 0.1158, 1348, 13.48, 943.8),
    row(1000, 0.09, K_SMALL, 0.0, 0.0329, 0.1162, 1318, 13.18, 943.9),
];

const TABLE_4: [PublishedRow; 1] = [row(
    300, 0.01, K_ALL, 0.0, 0.0540, 0.0624, 707, 7.07, 7538.0,
)];

const TABLE_5: [PublishedRow; 3] = [
    row(1000, 0.01, 10, 0.0, 0.5941, 0.4826, 8629, 86.29, 6.44),
    row(1000, 0.01, 50, 0.0, 0.4720, 0.4341, 6620, 66.20, 32.28),
    row(1000, 0.01, 100, 0.0, 0.3593, 0.2965, 4285, 42.85, 70.83),
];

const TABLE_6: [PublishedRow; 2] = [
    row(1000, 0.01, 100, 0.01, 0.3881, 0.3215, 4419, 44.19, 103.5),
    row(1000, 0.01, 100, 0.001, 0.3646, 0.2991, 4253, 42.53, 105.5),
];

/// The study's six tables, in order.
pub const TABLES: [PublishedTable; 6] = [
    PublishedTable {
        number: 1,
        title: "Case 1 (tanh), first 1,250 training images",
        case: Case::Tanh,
        fixed: "K = 1,250, λ = 0, 50 epochs",
        varying: Varying::HiddenAndRate,
        time_decimals: 1,
        rows: &TABLE_1,
    },
    PublishedTable {
        number: 2,
        title: "Case 1 (tanh), all 60,000 training images",
        case: Case::Tanh,
        fixed: "K = 60,000, λ = 0, 50 epochs",
        varying: Varying::HiddenAndRate,
        time_decimals: 1,
        rows: &TABLE_2,
    },
    PublishedTable {
        number: 3,
        title: "Case 2 (relu/sigmoid), first 1,250 training images",
        case: Case::ReluSigmoid,
        fixed: "K = 1,250, λ = 0, 50 epochs",
        varying: Varying::HiddenAndRate,
        time_decimals: 1,
        rows: &TABLE_3,
    },
    PublishedTable {
        number: 4,
        title: "Case 2 (relu/sigmoid), all 60,000 training images",
        case: Case::ReluSigmoid,
        fixed: "K = 60,000, λ = 0, 50 epochs",
        varying: Varying::HiddenAndRate,
        time_decimals: 1,
        rows: &TABLE_4,
    },
    PublishedTable {
        number: 5,
        title: "Case 2 (relu/sigmoid), only the first K training images",
        case: Case::ReluSigmoid,
        fixed: "N = 1000, η = 0.01, λ = 0, 50 epochs",
        varying: Varying::TrainSamples,
        time_decimals: 2,
        rows: &TABLE_5,
    },
    PublishedTable {
        number: 6,
        title: "Case 2 (relu/sigmoid) with L2 weight decay",
        case: Case::ReluSigmoid,
        fixed: "N = 1000, η = 0.01, K = 100, 50 epochs",
        varying: Varying::L2,
        time_decimals: 1,
        rows: &TABLE_6,
    },
];

impl PublishedTable {
    /// Sum of the table's published training times, in seconds.
    pub fn total_seconds(&self) -> f64 {
        self.rows.iter().map(|r| r.seconds).sum()
    }
}

/// Sum of every published training time in Tables 1-6, in seconds.
pub fn published_total_seconds() -> f64 {
    TABLES.iter().map(PublishedTable::total_seconds).sum()
}

/// Our results for one published row in one backprop mode (means over runs).
#[derive(Debug, Clone, PartialEq)]
pub struct ModeMatch {
    /// The backprop mode of these records.
    pub backprop: Backprop,
    /// How many runs were averaged: distinct seeds, or block sizes of one seed.
    pub runs: usize,
    /// The keys of the records averaged, one per run.
    pub keys: Vec<String>,
    /// Mean training MSE.
    pub train_mse: f64,
    /// Mean test MSE.
    pub test_mse: f64,
    /// Mean misclassified test images.
    pub misclassified: f64,
    /// Mean test error in percent.
    pub error_pct: f64,
    /// Mean training seconds.
    pub seconds: f64,
}

fn same_f64(a: f64, b: f64) -> bool {
    a == b || (a - b).abs() <= 1e-9 * a.abs().max(b.abs())
}

/// True when `record` was run with exactly the published row's configuration.
///
/// Case, N, eta, K, lambda must agree, with 50 epochs in file order; seed,
/// backprop mode and evaluation interval may be anything.
pub fn record_matches(table: &PublishedTable, row: &PublishedRow, record: &RunRecord) -> bool {
    let c = &record.report.config;
    c.network.case == table.case
        && c.is_online_study()
        && c.network.hidden == row.hidden.into()
        && same_f64(c.optimizer.lr, row.lr)
        && c.data.train_samples == row.train_samples
        && same_f64(c.regularization.l2, row.l2)
        && c.run.epochs == PUBLISHED_EPOCHS
        && !c.data.shuffle
}

/// True when `record` matches a row of any published table.
pub fn is_published_config(record: &RunRecord) -> bool {
    TABLES
        .iter()
        .any(|t| t.rows.iter().any(|r| record_matches(t, r, record)))
}

/// Our results for a published row, one entry per backprop mode present (as-published first).
///
/// Several runs (seeds, block sizes) are averaged; a run recorded twice (e.g.
/// with another evaluation interval) counts once.
pub fn match_row(
    table: &PublishedTable,
    row: &PublishedRow,
    records: &[RunRecord],
) -> Vec<ModeMatch> {
    let mut out = Vec::new();
    for mode in [Backprop::AsPublished, Backprop::Exact] {
        let mut seen = Vec::new();
        let mut picked: Vec<&RunRecord> = Vec::new();
        for r in records {
            let c = &r.report.config;
            if c.network.backprop == mode
                && record_matches(table, row, r)
                && !seen.contains(&run_id(r))
            {
                seen.push(run_id(r));
                picked.push(r);
            }
        }
        if picked.is_empty() {
            continue;
        }
        let n = picked.len() as f64;
        let mean = |f: &dyn Fn(&RunRecord) -> f64| picked.iter().map(|r| f(r)).sum::<f64>() / n;
        out.push(ModeMatch {
            backprop: mode,
            runs: picked.len(),
            keys: picked.iter().map(|r| r.key.clone()).collect(),
            train_mse: mean(&|r| r.report.metrics.mean_train_loss),
            test_mse: mean(&|r| r.report.metrics.test_loss),
            misclassified: mean(&|r| r.report.metrics.misclassified as f64),
            error_pct: mean(&|r| r.report.metrics.test_error_pct),
            seconds: mean(&|r| r.report.metrics.train_seconds),
        });
    }
    out
}
