//! Tests of the study report on hand-built records.

use super::published::{match_row, record_matches, Varying, TABLES};
use super::*;
use crate::format::{case_title, fmt_mse, fmt_secs, speedup, thousands};
use mlp_engine::{Case, ConfigFields, EpochRecord, Metrics, TrainReport};
use mlp_sweep::{run_key, RunRecord};
use mnist_idx::MNIST_SHA256;
use std::collections::BTreeMap;

/// A synthetic record; `eval` adds a test error to every epoch's history.
#[allow(clippy::too_many_arguments)]
pub(crate) fn record(
    case: Case,
    hidden: usize,
    lr: f64,
    k: usize,
    l2: f64,
    mode: Backprop,
    seed: u64,
    error_pct: f64,
    epochs: usize,
    eval: bool,
) -> RunRecord {
    let config = ConfigFields {
        case,
        hidden: hidden.into(),
        lr,
        epochs,
        train_samples: k,
        l2,
        backprop: mode,
        seed,
        shuffle: false,
        eval_every: usize::from(eval),
        ..ConfigFields::new(case)
    }
    .resolve()
    .unwrap();
    let start = if case == Case::Tanh { 0.9 } else { 0.45 };
    let rate = 0.05 + lr * 2.0 + hidden as f64 / 20_000.0;
    let history: Vec<EpochRecord> = (1..=epochs)
        .map(|e| {
            let decay = (-(e as f64) * rate).exp();
            EpochRecord {
                epoch: e,
                train_loss: start * (0.1 + 0.9 * decay),
                train_accuracy: 1.0 - 0.9 * decay,
                train_seconds: e as f64 * 0.01,
                test_error_pct: eval.then_some(error_pct + 60.0 * decay),
                test_loss: eval.then_some(0.1 + decay),
                validation_error_pct: None,
                validation_loss: None,
            }
        })
        .collect();
    let misclassified = (error_pct * 100.0).round() as usize;
    let mut confusion = vec![vec![0u64; 10]; 10];
    let counts = [980u64, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009];
    // Spread the errors unevenly, as a real network does (a few confusions dominate).
    let weight = |i: usize, j: usize| {
        ((i * 7 + j * 3 + i * j) % 11) as u64 + u64::from((i + j) % 4 == 1) * 12
    };
    let total_weight: u64 = (0..10)
        .flat_map(|i| (0..10).filter(move |&j| j != i).map(move |j| weight(i, j)))
        .sum();
    for (i, &n) in counts.iter().enumerate() {
        let mut wrong_i = 0;
        for j in (0..10).filter(|&j| j != i) {
            let v = (misclassified as u64 * weight(i, j) / total_weight).min(n / 9);
            confusion[i][j] = v;
            wrong_i += v;
        }
        confusion[i][i] = n - wrong_i;
    }
    let train_seconds = k as f64 * epochs as f64 * hidden as f64 * 2e-8 + 0.01;
    let metrics = Metrics {
        mean_train_loss: history.iter().map(|h| h.train_loss).sum::<f64>() / epochs as f64,
        test_loss: 0.05 + error_pct / 200.0,
        misclassified,
        test_error_pct: misclassified as f64 / 100.0,
        accuracy: 1.0 - misclassified as f64 / 10_000.0,
        test_samples: 10_000,
        final_train_loss: history.last().map_or(0.0, |h| h.train_loss),
        train_seconds,
        eval_seconds: 0.05,
        steps: (k * epochs) as u64,
        steps_per_second: (k * epochs) as f64 / train_seconds,
        validation_error_pct: None,
        validation_loss: None,
    };
    // Two of the four files, as the runs of a real sweep record them.
    let data: BTreeMap<String, String> = [MNIST_SHA256[0], MNIST_SHA256[3]]
        .iter()
        .map(|f| (f.name.to_string(), f.sha256.to_string()))
        .collect();
    RunRecord {
        key: run_key(&config, Some(32)),
        report: TrainReport {
            config,
            metrics,
            history,
            confusion,
            block_samples: Some(32),
            simd: "avx2+fma".into(),
            version: mlp_engine::VERSION.into(),
        },
        data,
        dataset: None,
        finished_unix: 1_700_000_000,
        stopped_at_epoch: None,
    }
}

/// Every published configuration in both modes, plus the appendix's L2 runs and a few full-data runs.
pub(crate) fn study_records() -> Vec<RunRecord> {
    let mut out = Vec::new();
    for t in &TABLES {
        for row in t.rows {
            for mode in [Backprop::AsPublished, Backprop::Exact] {
                let err = match mode {
                    Backprop::AsPublished => row.error_pct + 0.1,
                    Backprop::Exact => row.error_pct * 0.6,
                };
                out.push(record(
                    t.case,
                    row.hidden,
                    row.lr,
                    row.train_samples,
                    row.l2,
                    mode,
                    1,
                    err,
                    50,
                    false,
                ));
            }
        }
    }
    for n in [300, 1000] {
        out.push(record(
            Case::ReluSigmoid,
            n,
            0.01,
            1250,
            0.001,
            Backprop::Exact,
            1,
            11.0,
            50,
            false,
        ));
    }
    for n in [500, 1000] {
        for lr in [0.01, 0.05] {
            out.push(record(
                Case::ReluSigmoid,
                n,
                lr,
                60_000,
                0.0,
                Backprop::Exact,
                1,
                1.5 + lr * 10.0,
                8,
                true,
            ));
        }
    }
    out
}

fn png_size(path: &Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert!(bytes.len() > 100, "{} is too small", path.display());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", path.display());
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |i: usize| u32::from_be_bytes(bytes[i..i + 4].try_into().unwrap());
    (be(16), be(20))
}

#[test]
fn published_tables_have_the_studys_rows() {
    let counts: Vec<usize> = TABLES.iter().map(|t| t.rows.len()).collect();
    assert_eq!(counts, [9, 3, 9, 1, 3, 2]);
    let numbers: Vec<u32> = TABLES.iter().map(|t| t.number).collect();
    assert_eq!(numbers, [1, 2, 3, 4, 5, 6]);
    let t1 = &TABLES[0];
    assert_eq!(t1.case, Case::Tanh);
    assert_eq!((t1.rows[0].hidden, t1.rows[0].lr), (300, 0.01));
    assert_eq!(t1.rows[0].misclassified, 1276);
    assert_eq!(t1.rows[0].error_pct, 12.76);
    assert_eq!(t1.rows[0].seconds, 161.5);
    assert_eq!(t1.rows[8].train_mse, 0.6350);
    assert_eq!(TABLES[1].rows[0].train_samples, 60_000);
    assert_eq!(TABLES[1].rows[2].seconds, 7036.8);
    let sic = &TABLES[2].rows[3];
    assert_eq!((sic.hidden, sic.lr), (500, 0.01));
    assert_eq!((sic.misclassified, sic.error_pct), (1234, 13.4));
    assert!(sic.note.unwrap().contains("12.34%"));
    assert_eq!(
        TABLES[2].rows.iter().filter(|r| r.note.is_some()).count(),
        1
    );
    assert_eq!(TABLES[3].rows[0].seconds, 7538.0);
    assert_eq!(TABLES[4].varying, Varying::TrainSamples);
    let ks: Vec<usize> = TABLES[4].rows.iter().map(|r| r.train_samples).collect();
    assert_eq!(ks, [10, 50, 100]);
    assert_eq!(TABLES[4].rows[0].seconds, 6.44);
    assert_eq!(TABLES[5].varying, Varying::L2);
    assert_eq!(TABLES[5].rows[1].l2, 0.001);
    assert_eq!(TABLES[5].rows[1].misclassified, 4253);
    assert!(TABLES[5]
        .rows
        .iter()
        .all(|r| r.hidden == 1000 && r.train_samples == 100));
    // Every row but the sic one is internally consistent.
    for t in &TABLES {
        for r in t.rows.iter().filter(|r| r.note.is_none()) {
            assert!((r.misclassified as f64 / 100.0 - r.error_pct).abs() < 1e-9);
        }
    }
    let total = super::published::published_total_seconds();
    assert!((37_000.0..38_000.0).contains(&total), "{total}");
}

#[test]
fn matcher_finds_the_right_records_per_mode_and_averages_seeds() {
    let t3 = &TABLES[2];
    let row = &t3.rows[4]; // N = 500, eta = 0.05
    let mut records = study_records();
    records.push(record(
        Case::ReluSigmoid,
        500,
        0.05,
        1250,
        0.0,
        Backprop::Exact,
        2,
        10.0,
        50,
        false,
    ));
    let m = match_row(t3, row, &records);
    assert_eq!(m.len(), 2);
    assert_eq!(m[0].backprop, Backprop::AsPublished);
    assert_eq!(m[0].runs, 1);
    assert!((m[0].error_pct - 13.50).abs() < 1e-9);
    assert_eq!(m[1].backprop, Backprop::Exact);
    assert_eq!(m[1].runs, 2);
    let exact_seed1 = (13.40f64 * 0.6 * 100.0).round() / 100.0;
    assert!((m[1].error_pct - (exact_seed1 + 10.0) / 2.0).abs() < 1e-9);
    for k in &m[1].keys {
        assert!(k.contains("N=500") && k.contains("lr=0.05") && k.contains("exact"));
    }
    // Table 6's rows are told apart by lambda alone.
    let t6 = &TABLES[5];
    let m6 = match_row(t6, &t6.rows[0], &records);
    assert_eq!(m6.len(), 2);
    assert!(m6
        .iter()
        .all(|m| m.keys.iter().all(|k| k.contains("l2=0.01"))));
}

#[test]
fn mismatched_configs_are_not_matched() {
    let t1 = &TABLES[0];
    let row = &t1.rows[0]; // tanh, N = 300, eta = 0.01, K = 1250
    let good = record(
        Case::Tanh,
        300,
        0.01,
        1250,
        0.0,
        Backprop::Exact,
        1,
        5.0,
        50,
        false,
    );
    assert!(record_matches(t1, row, &good));
    let mut bad = Vec::new();
    let mut r = good.clone();
    r.report.config.network.case = Case::ReluSigmoid;
    bad.push(r);
    let mut r = good.clone();
    r.report.config.network.hidden = 500.into();
    bad.push(r);
    let mut r = good.clone();
    r.report.config.optimizer.lr = 0.05;
    bad.push(r);
    let mut r = good.clone();
    r.report.config.data.train_samples = 60_000;
    bad.push(r);
    let mut r = good.clone();
    r.report.config.regularization.l2 = 0.001;
    bad.push(r);
    let mut r = good.clone();
    r.report.config.run.epochs = 10;
    bad.push(r);
    let mut r = good.clone();
    r.report.config.data.shuffle = true;
    bad.push(r);
    for r in &bad {
        assert!(!record_matches(t1, row, r), "{}", r.report.config.label());
    }
    assert!(match_row(t1, row, &bad).is_empty());
    assert!(summary_table(&bad).lines().nth(1).unwrap().ends_with('-'));
}

#[test]
fn write_report_writes_markdown_and_pngs() {
    let dir = tempfile::tempdir().unwrap();
    let records = study_records();
    let files = write_report(&records, dir.path()).unwrap();
    assert_eq!(files.report, dir.path().join("report.md"));
    let md = std::fs::read_to_string(&files.report).unwrap();
    for t in &TABLES {
        assert!(
            md.contains(&format!("### Table {}: {}", t.number, t.title)),
            "missing table {}",
            t.number
        );
        for r in t.rows {
            assert!(md.contains(&format!("| {} |", r.misclassified)));
            assert!(md.contains(&format!("{:.4}", r.train_mse)));
            assert!(md.contains(&format!("{:.4}", r.test_mse)));
            assert!(md.contains(&format!("{:.*}", t.time_decimals, r.seconds)));
        }
    }
    assert!(md.contains("| 12.76% |"));
    assert!(md.contains("13.4% (sic)"));
    assert!(md.contains("1234 misclassified is 12.34%"));
    assert!(md.contains("| 6.44 |"));
    assert!(md.contains("ours, as-published"));
    assert!(md.contains("ours, exact"));
    assert!(md.contains("45,000"));
    assert!(md.contains("MNIST, as in the reference"));
    assert!(md.contains("## Other runs"));
    assert!(md.contains("60,000 | 0 | 8 |"));
    assert!(!md.contains("ours: not run"));

    let kinds = ["loss-", "test-error-", "heatmap-", "confusion-best"];
    for k in kinds {
        assert!(
            files
                .plots
                .iter()
                .any(|p| p.file_name().unwrap().to_string_lossy().starts_with(k)),
            "no {k} plot"
        );
    }
    for p in &files.plots {
        assert!(p.starts_with(dir.path().join("plots")));
        let name = p.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            md.contains(&format!("](plots/{name})")),
            "{name} not embedded"
        );
        let expected = if name.starts_with("confusion") {
            crate::plot::CONFUSION_SIZE
        } else {
            crate::plot::PLOT_SIZE
        };
        assert_eq!(png_size(p), expected, "{name}");
    }
    // No temporary files are left behind.
    for dir in [dir.path().to_path_buf(), dir.path().join("plots")] {
        for e in std::fs::read_dir(dir).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            assert!(!name.starts_with('.'), "left over: {name}");
        }
    }
    // The best network is the lowest-error one.
    let best = crate::plot::best_record(&records).unwrap();
    let min = records
        .iter()
        .map(|r| r.report.metrics.test_error_pct)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best.report.metrics.test_error_pct, min);

    // A demo copy to look at, when asked for.
    if let Ok(demo) = std::env::var("MLP_REPORT_DEMO_DIR") {
        write_report(&records, Path::new(&demo)).unwrap();
    }
}

#[test]
fn write_report_handles_no_records_and_unpublished_only() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_report(&[], dir.path()).unwrap();
    assert!(files.plots.is_empty());
    let md = std::fs::read_to_string(&files.report).unwrap();
    assert!(md.contains("ours: not run"));
    assert!(md.contains("### Table 6"));

    let odd = vec![record(
        Case::Tanh,
        64,
        0.2,
        500,
        0.0,
        Backprop::Exact,
        3,
        20.0,
        3,
        false,
    )];
    let files = write_report(&odd, dir.path()).unwrap();
    let md = std::fs::read_to_string(&files.report).unwrap();
    assert!(md.contains("| exact | 64 | 0.2 | 500 | 0 | 3 | file | 3 |"));
    assert_eq!(files.plots.len(), 3); // loss, heat map, confusion
    if let Ok(demo) = std::env::var("MLP_REPORT_DEMO_DIR") {
        write_report(&odd, &Path::new(&demo).join("single")).unwrap();
    }
}

#[test]
fn summary_table_lists_every_published_row() {
    let records = study_records();
    let s = summary_table(&records);
    let lines: Vec<&str> = s.lines().collect();
    assert_eq!(lines.len(), 1 + 27);
    assert!(lines[0].contains("published") && lines[0].contains("as-published"));
    assert!(lines[0].contains("exact"));
    assert!(lines[1].contains("tanh N=300 eta=0.01 K=1250") && lines[1].contains("12.76%"));
    assert!(s.contains("13.40% (sic)"));
    assert!(lines[27].contains("l2=0.001"));
}

#[test]
fn number_formats_follow_the_study() {
    assert_eq!(thousands(60_000), "60,000");
    assert_eq!(thousands(1250), "1,250");
    assert_eq!(thousands(10), "10");
    assert_eq!(fmt_mse(0.25814), "0.2581");
    assert_eq!(fmt_pct(12.756), "12.76%");
    assert_eq!(fmt_secs(6.444), "6.44");
    assert_eq!(fmt_secs(161.54), "161.5");
    assert_eq!(speedup(161.5, 0.5), "×323");
    assert_eq!(speedup(10.0, 4.0), "×2.5");
    assert_eq!(speedup(10.0, 0.0), "—");
    assert_eq!(case_title(Case::ReluSigmoid), "case 2 (relu/sigmoid)");
}
