//! `mlp bench`: the JSON fields scripts rely on, and usage errors.

mod common;

use common::{mlp, write_data};

#[test]
fn bench_json_lists_each_case_and_size_with_its_traffic() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let mut moved = Vec::new();
    for update in ["deferred", "fused", "immediate"] {
        let out = mlp()
            .args(["bench", "--json", "--seconds", "0.05", "--hidden", "8,16"])
            .args(["--case", "tanh,relu-sigmoid", "--w1-update", update])
            .arg("--data")
            .arg(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
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
fn bad_bench_flags_are_usage_errors() {
    common::usage_error("bench", &["--block-samples", "0"], "--block-samples");
    common::usage_error("bench", &["--seconds", "0"], "--seconds");
    common::usage_error("bench", &["--hidden", "0"], "--hidden");
    common::usage_error("bench", &["--w1-update", "later"], "--w1-update");
}
