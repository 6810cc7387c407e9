//! Tests of the general sweep report on hand-built records.

use super::*;
use crate::study::tests::record;
use mlp_engine::{Backprop, Case};
use mlp_sweep::run_key;

/// A 12-epoch relu-sigmoid run of `hidden` units at `lr` with a 10,000-image
/// validation split and `error` percent test error.
fn validated(hidden: usize, lr: f64, error: f64) -> RunRecord {
    let mut r = record(
        Case::ReluSigmoid,
        hidden,
        lr,
        50_000,
        0.0,
        Backprop::Exact,
        1,
        error,
        12,
        true,
    );
    r.report.config.data.validation = 10_000;
    r.key = run_key(&r.report.config, Some(32));
    r
}

/// A hidden x lr grid with a validation split; error falls with width and
/// is lowest at the middle rate, so the ranking is known.
pub(crate) fn grid() -> Vec<RunRecord> {
    let mut out = Vec::new();
    for hidden in [100usize, 300] {
        for lr in [0.01, 0.05, 0.2] {
            let error = 3.0 - hidden as f64 / 200.0 + (lr - 0.05f64).abs() * 10.0;
            let mut r = validated(hidden, lr, error);
            r.report.metrics.validation_error_pct = Some(error + 0.1);
            r.report.metrics.validation_loss = Some(0.05 + error / 200.0);
            for e in &mut r.report.history {
                e.validation_error_pct = e.test_error_pct.map(|t| t + 0.1);
            }
            out.push(r);
        }
    }
    out
}

#[test]
fn a_two_axis_grid_names_both_axes_ranks_by_validation_and_draws_the_heat_map() {
    let records = grid();
    let dir = tempfile::tempdir().unwrap();
    let files = write_sweep_report(&records, None, dir.path()).unwrap();
    let md = std::fs::read_to_string(&files.report).unwrap();
    assert!(md.starts_with("# A sweep over hidden, lr\n"), "{md}");
    assert!(md.contains("Fields that vary: `hidden`, `lr`"));
    assert!(md.contains("| rank | `hidden` | `lr` | validation error | test error |"));
    // Best: the widest net at the middle rate.
    assert!(
        md.contains("| 1 | 300 | 0.05 | 1.60% | 1.50% | 12 |"),
        "{md}"
    );
    assert!(md.contains("ranked by validation error"));
    assert!(
        !md.contains("Table 1"),
        "the study's tables appear only for its rows"
    );
    assert!(md.contains("(plots/heatmap-hidden-lr.png)"));
    for name in [
        "heatmap-hidden-lr.png",
        "error-by-hidden.png",
        "error-by-lr.png",
        "parallel.png",
        "curves.png",
        "confusion-best.png",
    ] {
        let path = dir.path().join("plots").join(name);
        assert!(files.plots.contains(&path), "{name} not listed");
        assert!(
            std::fs::metadata(&path).unwrap().len() > 1000,
            "{name} is empty"
        );
    }
    let csv = std::fs::read_to_string(dir.path().join("results.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + records.len());
    assert!(lines[0].starts_with("rank,hidden,lr,validation_error_pct,"));
    assert!(lines[1].starts_with("1,300,0.05,1.6"), "{}", lines[1]);
    // Keys hold commas? No: but quoting must keep a field whole if they did.
    assert_eq!(table_field_count(lines[1]), table_field_count(lines[0]));
    if let Ok(demo) = std::env::var("MLP_REPORT_DEMO_DIR") {
        write_sweep_report(&records, Some("demo grid"), Path::new(&demo)).unwrap();
    }
}

/// Fields of one CSV line, quotes respected.
fn table_field_count(line: &str) -> usize {
    let mut quoted = false;
    1 + line
        .chars()
        .filter(|&c| {
            if c == '"' {
                quoted = !quoted;
            }
            c == ',' && !quoted
        })
        .count()
}

#[test]
fn stopped_trials_are_marked_and_their_saved_steps_counted() {
    let mut records = grid();
    // Halving stopped the two worst at epoch 4 of 12.
    for r in records
        .iter_mut()
        .filter(|r| r.report.config.network.hidden.first() == 100)
        .take(2)
    {
        r.stopped_at_epoch = Some(4);
        r.report.history.truncate(4);
        r.report.metrics.steps = 4 * 50_000;
    }
    let dir = tempfile::tempdir().unwrap();
    write_sweep_report(&records, Some("halved"), dir.path()).unwrap();
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    assert!(md.starts_with("# halved\n"));
    assert!(md.contains("(2 stopped early by successive halving)"));
    assert!(md.contains("| 4 (stopped) |"));
    // 6 runs x 12 epochs x 50,000 in all; the two stopped ones skipped 8 epochs each.
    assert!(
        md.contains("successive halving saved 800,000 (22%)"),
        "{md}"
    );
    assert_eq!(sweep_steps(&records), (2_800_000, 800_000));
    let summary = sweep_summary(&records);
    assert!(
        summary
            .lines()
            .nth(1)
            .unwrap()
            .contains("hidden=300 lr=0.05"),
        "{summary}"
    );
}

#[test]
fn a_sweep_without_a_name_or_varied_fields_still_has_a_title() {
    let one = vec![grid().remove(0)];
    assert_eq!(sweep_title(&one, None), "A sweep of one configuration");
    assert_eq!(sweep_title(&one, Some("mine")), "mine");
}

#[test]
fn equal_validation_errors_are_ranked_by_validation_loss_never_by_test() {
    let mut records = grid();
    // The two best tie on validation error; the one with the lower test error has the higher validation loss.
    let (order, _) = table::ranked(&records);
    let (a, b) = (order[0], order[1]);
    let v = records[a].report.metrics.validation_error_pct;
    records[b].report.metrics.validation_error_pct = v;
    records[a].report.metrics.validation_loss = Some(0.9);
    records[b].report.metrics.validation_loss = Some(0.1);
    assert!(records[a].report.metrics.test_error_pct < records[b].report.metrics.test_error_pct);
    let (order, by_validation) = table::ranked(&records);
    assert!(by_validation);
    assert_eq!(&order[..2], &[b, a]);
}

/// A sweep whose validation error depends on the rate alone gives the rate
/// the importance; one of fewer than eight finished runs has no such section.
#[test]
fn the_report_names_the_field_that_explains_the_error() {
    let mut records = Vec::new();
    for lr in [0.001f64, 0.003, 0.01, 0.03, 0.1, 0.3] {
        for hidden in [100usize, 300] {
            let error = 2.0 + (lr.ln() + 4.0).powi(2) / 2.0;
            let mut r = validated(hidden, lr, error);
            r.report.metrics.validation_error_pct = Some(error);
            r.report.metrics.validation_loss = Some(error / 100.0);
            records.push(r);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let files = write_sweep_report(&records, None, dir.path()).unwrap();
    let md = std::fs::read_to_string(&files.report).unwrap();
    let section = md
        .split("## Hyperparameter importance")
        .nth(1)
        .expect("an importance section");
    let rows: Vec<&str> = section.lines().filter(|l| l.starts_with("| `")).collect();
    assert!(rows[0].starts_with("| `lr` | "), "{section}");
    let share: f64 = rows[0]
        .split('|')
        .nth(2)
        .unwrap()
        .trim()
        .trim_end_matches('%')
        .parse()
        .unwrap();
    assert!(share >= 90.0, "{section}");
    let few = write_sweep_report(&records[..6], None, dir.path()).unwrap();
    assert!(!std::fs::read_to_string(&few.report)
        .unwrap()
        .contains("## Hyperparameter importance"));
}
