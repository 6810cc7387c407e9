//! The report of a large sweep: its size and the time to write it. Builds
//! `--runs` synthetic records shaped as `docs/sweeps/lr-and-width.toml`'s
//! (784-N-10 relu-sigmoid, 12 epochs evaluated on validation and test each
//! epoch, successive halving stopping two thirds of the trials at epoch 2 and
//! two thirds of the rest at epoch 6, a 10x10 confusion matrix per run), then
//! writes the live page alone (what a running sweep rewrites) and the whole
//! report (Markdown, PNG plots, `results.csv`, the page), timing each.
//!
//! `cargo run --release -p mlp-benches --bin report-size -- --runs 1000 --rounds 5`

use mlp_engine::{Case, ConfigFields, EpochRecord, Metrics, TrainReport};
use mlp_sweep::RunRecord;
use rand::{Rng, SeedableRng};
use std::time::Instant;

/// Run `i` of the synthetic search: its fields drawn as the search draws them.
fn record(i: usize, rng: &mut rand_chacha::ChaCha8Rng) -> RunRecord {
    let hidden = [100usize, 300, 800][rng.random_range(0..3)];
    let lr = (0.002f64.ln() + rng.random::<f64>() * (0.2f64.ln() - 0.002f64.ln())).exp();
    let l2 = [0.0, 0.0001][rng.random_range(0..2)];
    let config = ConfigFields {
        hidden: hidden.into(),
        lr,
        l2,
        epochs: 12,
        eval_every: 1,
        seed: i as u64,
        ..ConfigFields::new(Case::ReluSigmoid)
    }
    .resolve()
    .expect("a valid configuration");
    // Best near lr = 0.03, better when wider, with noise.
    let floor = 1.6
        + 2.0 * (lr / 0.03).ln().powi(2) / 4.0
        + 300.0 / hidden as f64 * 0.3
        + rng.random::<f64>() * 0.3;
    let stopped_at = match i % 9 {
        0..=5 => Some(2),
        6 | 7 => Some(6),
        _ => None,
    };
    let epochs = stopped_at.unwrap_or(12);
    let history: Vec<EpochRecord> = (1..=epochs)
        .map(|e| {
            let decay = (-(e as f64) * 0.5).exp();
            EpochRecord {
                epoch: e,
                train_loss: 0.1 + decay,
                train_accuracy: 0.9 - 0.5 * decay,
                train_seconds: e as f64 * 4.0,
                test_error_pct: Some(floor + 40.0 * decay + 0.1),
                test_loss: Some(0.05 + decay),
                validation_error_pct: Some(floor + 40.0 * decay),
                validation_loss: Some(0.05 + decay),
            }
        })
        .collect();
    let last = history.last().expect("an epoch");
    let error = last.test_error_pct.unwrap_or(0.0);
    let misclassified = (error * 100.0).round() as usize;
    let mut confusion = vec![vec![0u64; 10]; 10];
    for (t, row) in confusion.iter_mut().enumerate() {
        for (p, cell) in row.iter_mut().enumerate() {
            *cell = if t == p {
                1000 - misclassified as u64 / 10
            } else {
                (misclassified / 90) as u64
            };
        }
    }
    let metrics = Metrics {
        mean_train_loss: 0.2,
        test_loss: last.test_loss.unwrap_or(0.0),
        misclassified,
        test_error_pct: error,
        accuracy: 1.0 - error / 100.0,
        test_samples: 10_000,
        final_train_loss: last.train_loss,
        train_seconds: last.train_seconds,
        eval_seconds: 0.3,
        steps: 50_000 * epochs as u64,
        steps_per_second: 12_500.0,
        validation_error_pct: last.validation_error_pct,
        validation_loss: last.validation_loss,
    };
    RunRecord {
        key: mlp_sweep::run_key(&config, Some(32)),
        report: TrainReport {
            config,
            metrics,
            history,
            confusion,
            block_samples: Some(32),
            simd: "avx2+fma".into(),
            version: mlp_engine::VERSION.into(),
        },
        data: Default::default(),
        dataset: None,
        finished_unix: 1_800_000_000,
        stopped_at_epoch: stopped_at,
    }
}

fn main() {
    let mut runs = 1000;
    let mut rounds = 5;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next().and_then(|v| v.parse().ok());
        match (a.as_str(), value) {
            ("--runs", Some(v)) => runs = v,
            ("--rounds", Some(v)) => rounds = v,
            _ => {
                eprintln!("usage: report-size [--runs N] [--rounds R]");
                std::process::exit(2);
            }
        }
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let records: Vec<RunRecord> = (0..runs).map(|i| record(i, &mut rng)).collect();
    let dir = std::env::temp_dir().join(format!("report-size-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a folder");
    let status = mlp_report::LiveStatus {
        done: runs,
        running: 2,
        left: 0,
    };
    let mut live = Vec::new();
    let mut whole = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        mlp_report::write_page(&records, Some("report-size"), &dir, Some(status))
            .expect("the live page");
        live.push(t.elapsed().as_secs_f64());
        let t = Instant::now();
        mlp_report::write_report(&records, Some("report-size"), &dir).expect("the report");
        whole.push(t.elapsed().as_secs_f64());
    }
    let size = |name: &str| std::fs::metadata(dir.join(name)).map_or(0, |m| m.len());
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let stopped = records
        .iter()
        .filter(|r| r.stopped_at_epoch.is_some())
        .count();
    println!("{runs} runs ({stopped} stopped by halving), {rounds} rounds, medians:");
    println!(
        "live page alone: {:.3} s, report.html {:.2} MB",
        median(&mut live),
        size("report.html") as f64 / 1e6
    );
    println!(
        "whole report (report.md, results.csv, PNG plots, report.html): {:.3} s, report.md {:.2} MB",
        median(&mut whole),
        size("report.md") as f64 / 1e6
    );
    let _ = std::fs::remove_dir_all(&dir);
}
