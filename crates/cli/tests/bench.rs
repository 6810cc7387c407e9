//! `mlp bench`: the JSON fields scripts rely on, and usage errors.

mod common;

use common::json_on_data;
use serde_json::Value;

/// `mlp bench --json` of tanh at N = 8 with short rounds, plus `extra` flags.
fn quick_bench(extra: &[&str]) -> Value {
    let mut args = vec![
        "bench",
        "--json",
        "--seconds",
        "0.02",
        "--hidden",
        "8",
        "--case",
        "tanh",
    ];
    args.extend_from_slice(extra);
    json_on_data(&args)
}

#[test]
fn bench_json_lists_each_case_and_size_with_its_traffic() {
    let mut moved = Vec::new();
    for update in ["deferred", "fused", "immediate"] {
        let v = json_on_data(&[
            "bench",
            "--json",
            "--seconds",
            "0.05",
            "--hidden",
            "8,16",
            "--case",
            "tanh,relu-sigmoid",
            "--w1-update",
            update,
        ]);
        let list = v.as_array().unwrap();
        assert_eq!(list.len(), 4);
        let keys: Vec<(String, u64)> = list
            .iter()
            .map(|r| {
                assert!(r["steps_per_second"].as_f64().unwrap() > 0.0);
                let simd = r["simd"].as_str().unwrap();
                assert!(
                    ["avx512f", "avx2+fma", "portable"].contains(&simd),
                    "{simd}"
                );
                let (logical, m) = (
                    r["w1_bytes_per_step"].as_f64().unwrap(),
                    r["w1_bytes_moved_per_step"].as_f64().unwrap(),
                );
                assert!(
                    m > 0.0 && m <= logical * 1.0001,
                    "{update}: {m} > {logical}"
                );
                (
                    r["case"].as_str().unwrap().to_string(),
                    r["hidden"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            keys,
            [
                ("tanh".to_string(), 8),
                ("tanh".to_string(), 16),
                ("relu-sigmoid".to_string(), 8),
                ("relu-sigmoid".to_string(), 16)
            ]
        );
        moved.push(list[0]["w1_bytes_moved_per_step"].as_f64().unwrap());
    }
    // Deferring moves less than fusing, which moves less than updating at once.
    assert!(moved[0] < moved[1] && moved[1] < moved[2], "{moved:?}");
}

#[test]
fn bench_rounds_report_the_median_between_the_slowest_and_fastest() {
    let v = quick_bench(&["--rounds", "3"]);
    let r = &v.as_array().unwrap()[0];
    assert_eq!(r["rounds"].as_u64(), Some(3));
    let (lo, med, hi) = (
        r["steps_per_second_min"].as_f64().unwrap(),
        r["steps_per_second"].as_f64().unwrap(),
        r["steps_per_second_max"].as_f64().unwrap(),
    );
    assert!(0.0 < lo && lo <= med && med <= hi, "{lo} {med} {hi}");
    let us = r["us_per_step"].as_f64().unwrap();
    assert!((us * med / 1e6 - 1.0).abs() < 1e-9, "{us} us vs {med}/s");
}

#[test]
fn bench_compares_update_modes_and_block_sizes_in_one_run() {
    let v = quick_bench(&[
        "--rounds",
        "2",
        "--w1-update",
        "fused,deferred",
        "--block-samples",
        "4,16,4",
    ]);
    let rows: Vec<(String, Option<u64>, f64)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            assert_eq!(r["rounds"].as_u64(), Some(2));
            assert_eq!(r["dense_input"].as_bool(), Some(false));
            (
                r["w1_update"].as_str().unwrap().to_string(),
                r["block_samples"].as_u64(),
                r["w1_bytes_moved_per_step"].as_f64().unwrap(),
            )
        })
        .collect();
    let modes: Vec<(&str, Option<u64>)> = rows.iter().map(|r| (r.0.as_str(), r.1)).collect();
    // Options in the order given, a repeated block size measured once.
    assert_eq!(
        modes,
        [
            ("fused", None),
            ("deferred", Some(4)),
            ("deferred", Some(16))
        ]
    );
    // Larger blocks move each touched row fewer times per step.
    assert!(rows[2].2 < rows[1].2 && rows[1].2 < rows[0].2, "{rows:?}");
}

#[test]
fn dense_bench_reports_immediate_updates() {
    let v = quick_bench(&["--rounds", "1", "--dense"]);
    let r = &v.as_array().unwrap()[0];
    assert_eq!(r["dense_input"].as_bool(), Some(true));
    assert_eq!(r["w1_update"].as_str(), Some("immediate"));
    assert!(r["block_samples"].is_null());
}

#[test]
fn bad_bench_flags_are_usage_errors() {
    common::usage_error("bench", &["--rounds", "0"], "--rounds");
    common::usage_error("bench", &["--block-samples", "0"], "--block-samples");
    common::usage_error("bench", &["--block-samples", "16,33"], "--block-samples");
    common::usage_error("bench", &["--seconds", "0"], "--seconds");
    common::usage_error("bench", &["--hidden", "0"], "--hidden");
    common::usage_error("bench", &["--w1-update", "later"], "--w1-update");
}

#[test]
fn recipe_bench_lists_every_batch_thread_count_first_layer_and_density() {
    let v = json_on_data(&[
        "bench",
        "--json",
        "--recipe",
        "simard-plain",
        "--batch",
        "8,16",
        "--threads",
        "1,2",
        "--first-layer",
        "sparse,dense",
        "--density",
        "0.9",
        "--seconds",
        "0.02",
        "--rounds",
        "1",
    ]);
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 2 * 2 * 2 * 2, "{v}");
    let mut seen = Vec::new();
    for r in list {
        assert_eq!(r["name"].as_str(), Some("simard-plain"));
        assert_eq!(r["sizes"], serde_json::json!([64, 800, 10]));
        assert!(r["samples_per_second"].as_f64().unwrap() > 0.0, "{r}");
        let first = r["first_layer"].as_str().unwrap().to_string();
        let dense = r["dense_fraction"].as_f64().unwrap();
        assert_eq!(dense, if first == "dense" { 1.0 } else { 0.0 }, "{r}");
        seen.push((
            r["batch"].as_u64().unwrap(),
            r["threads"].as_u64().unwrap(),
            first,
            r["mean_nonzeros"].as_f64().unwrap(),
        ));
    }
    // Batches outermost, then threads, then the first layer; the densified
    // data after the data as it is, and denser.
    assert_eq!((seen[0].0, seen[0].1, seen[0].2.as_str()), (8, 1, "sparse"));
    assert_eq!((seen[3].0, seen[3].1, seen[3].2.as_str()), (8, 2, "dense"));
    assert_eq!(seen[4].0, 16);
    let (own, densified) = (seen[0].3, seen[8].3);
    assert!(
        densified > 0.85 * 64.0 && densified > own,
        "{own} -> {densified}"
    );
}

#[test]
fn recipe_bench_times_each_optimiser_asked_for() {
    let v = json_on_data(&[
        "bench",
        "--json",
        "--recipe",
        "simard-plain",
        "--optimizer",
        "nesterov,adam",
        "--batch",
        "8",
        "--seconds",
        "0.02",
        "--rounds",
        "1",
    ]);
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    // The recipe's own optimiser keeps its name; another is named beside it.
    assert_eq!(names, ["simard-plain", "simard-plain+adam"]);
    common::usage_error(
        "bench",
        &["--recipe", "simard-plain", "--optimizer", "lbfgs"],
        "--optimizer",
    );
}

#[test]
fn bad_recipe_bench_flags_are_usage_errors() {
    common::usage_error("bench", &["--recipe", "no-such"], "--recipe");
    common::usage_error("bench", &["--recipe", "study-tanh"], "--recipe");
    common::usage_error(
        "bench",
        &["--recipe", "simard-plain", "--batch", "0"],
        "--batch",
    );
    common::usage_error(
        "bench",
        &["--recipe", "simard-plain", "--threads", "0"],
        "--threads",
    );
    common::usage_error(
        "bench",
        &["--recipe", "simard-plain", "--density", "0"],
        "--density",
    );
    common::usage_error(
        "bench",
        &["--recipe", "simard-plain", "--density", "1.5"],
        "--density",
    );
}
