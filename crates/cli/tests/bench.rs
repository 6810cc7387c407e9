//! `mlp bench`: the JSON fields scripts rely on, and usage errors.

mod common;

use common::json_on_data;

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
    let v = json_on_data(&[
        "bench",
        "--json",
        "--seconds",
        "0.02",
        "--rounds",
        "3",
        "--hidden",
        "8",
        "--case",
        "tanh",
    ]);
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
fn bad_bench_flags_are_usage_errors() {
    common::usage_error("bench", &["--rounds", "0"], "--rounds");
    common::usage_error("bench", &["--block-samples", "0"], "--block-samples");
    common::usage_error("bench", &["--seconds", "0"], "--seconds");
    common::usage_error("bench", &["--hidden", "0"], "--hidden");
    common::usage_error("bench", &["--w1-update", "later"], "--w1-update");
}
