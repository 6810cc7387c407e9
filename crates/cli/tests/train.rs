//! `mlp train`: usage errors, missing data, and the JSON scripts rely on.

mod common;

use common::{json_on_data, mlp, write_data};

fn usage_error(args: &[&str], flag: &str) {
    common::usage_error("train", args, flag);
}

#[test]
fn bad_flags_are_usage_errors_naming_the_flag() {
    usage_error(&["--hidden", "0"], "--hidden");
    usage_error(&["--lr", "-0.5"], "--lr");
    usage_error(&["--lr", "NaN"], "--lr");
    usage_error(&["--lr", "inf"], "--lr");
    usage_error(&["--epochs", "0"], "--epochs");
    usage_error(&["--train-samples", "301"], "--train-samples");
    usage_error(&["--train-samples", "0"], "--train-samples");
    usage_error(&["--case", "sigmoid"], "--case");
    usage_error(&["--backprop", "approx"], "--backprop");
    usage_error(&["--l2", "-1"], "--l2");
    usage_error(&["--block-samples", "0"], "--block-samples");
    usage_error(&["--block-samples", "33"], "--block-samples");
    usage_error(&["--dropout", "1"], "--dropout");
    usage_error(&["--dropout-input", "-0.1"], "--dropout-input");
    usage_error(&["--max-norm", "-1"], "--max-norm");
    usage_error(&["--augment", "twist"], "--augment");
    usage_error(
        &["--augment", "affine", "--affine-scale", "1"],
        "--affine-scale",
    );
    usage_error(
        &["--augment", "elastic", "--elastic-sigma", "0"],
        "--elastic-sigma",
    );
    usage_error(&["--rotate", "-5"], "--rotate");
}

/// A parameter the chosen optimiser or schedule does not take is refused by
/// its flag, in `train` and in a `sweep` grid, instead of being ignored.
#[test]
fn a_parameter_without_its_optimiser_or_schedule_is_a_usage_error() {
    let cases: [(&[&str], &str); 4] = [
        (&["--optimizer", "adam", "--momentum", "0.5"], "--momentum"),
        (&["--optimizer", "nesterov", "--beta1", "0.8"], "--beta1"),
        (&["--schedule", "cosine", "--lr-decay", "0.5"], "--lr-decay"),
        (
            &["--schedule", "exponential", "--step-epochs", "3"],
            "--step-epochs",
        ),
    ];
    for (args, flag) in cases {
        usage_error(&[&["--batch", "10"], args].concat(), flag);
        common::usage_error("sweep", &[&["--batch", "10"], args].concat(), flag);
    }
    common::usage_error(
        "sweep",
        &["--optimizer", "momentum,adam", "--momentum", "0.5"],
        "--momentum",
    );
}

/// Dropout and max-norm are recorded in the report and change the run; the
/// same flags give the same figures again.
#[test]
fn dropout_and_max_norm_train_and_are_recorded() {
    let run = |extra: &[&str]| {
        let mut args = vec![
            "train",
            "--json",
            "--quiet",
            "--recipe",
            "simard-plain",
            "--hidden",
            "16-8",
            "--epochs",
            "3",
            "--train-samples",
            "200",
            "--validation",
            "50",
            "--batch",
            "20",
        ];
        args.extend_from_slice(extra);
        json_on_data(&args)
    };
    let plain = run(&[]);
    let flags = [
        "--dropout-input",
        "0.2",
        "--dropout",
        "0.5",
        "--max-norm",
        "2",
    ];
    let dropped = run(&flags);
    let c = &dropped["config"];
    assert_eq!(
        (
            c["dropout_input"].as_f64(),
            c["dropout"].as_f64(),
            c["max_norm"].as_f64()
        ),
        (Some(0.2), Some(0.5), Some(2.0))
    );
    assert!(
        plain["config"].get("dropout").is_none(),
        "defaults are not written"
    );
    let loss = |v: &serde_json::Value| v["metrics"]["final_train_loss"].as_f64().unwrap();
    assert_ne!(loss(&plain), loss(&dropped));
    assert_eq!(loss(&run(&flags)), loss(&dropped));
    let elastic = run(&["--augment", "affine+elastic", "--elastic-sigma", "2"]);
    assert_eq!(elastic["config"]["augment"], "affine+elastic");
    assert_eq!(elastic["config"]["elastic_sigma"].as_f64(), Some(2.0));
    assert_ne!(loss(&elastic), loss(&plain));
}

#[test]
fn missing_data_says_how_to_get_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = mlp()
        .args(["train", "--quiet", "--data"])
        .arg(dir.path().join("nowhere"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cargo xtask download"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "one line: {err}");
}

#[test]
fn json_output_has_the_documented_keys() {
    let v = json_on_data(&[
        "train",
        "--json",
        "--quiet",
        "--case",
        "tanh",
        "--hidden",
        "16",
        "--lr",
        "0.05",
        "--epochs",
        "4",
        "--train-samples",
        "200",
        "--eval-every",
        "2",
    ]);
    assert_eq!(v["config"]["case"], "tanh");
    assert_eq!(v["config"]["hidden"], 16);
    assert_eq!(v["config"]["train_samples"], 200);
    assert_eq!(v["block_samples"], mlp_engine::DEFERRED_SAMPLES);
    let m = &v["metrics"];
    for key in [
        "mean_train_loss",
        "test_loss",
        "misclassified",
        "test_error_pct",
        "accuracy",
        "train_seconds",
    ] {
        assert!(m[key].is_number(), "metrics.{key} missing: {m}");
    }
    let history = v["history"].as_array().unwrap();
    assert_eq!(history.len(), 4);
    assert!(history[1]["test_error_pct"].is_number());
    assert!(history[0].get("test_error_pct").is_none());
    // The study's training MSE is the mean of the epoch means.
    let mean: f64 = history
        .iter()
        .map(|e| e["train_loss"].as_f64().unwrap())
        .sum::<f64>()
        / 4.0;
    assert!((mean - m["mean_train_loss"].as_f64().unwrap()).abs() < 1e-12);
    let err = m["test_error_pct"].as_f64().unwrap();
    let acc = m["accuracy"].as_f64().unwrap();
    assert!((err / 100.0 + acc - 1.0).abs() < 1e-12);
}

#[test]
fn table_output_has_the_study_columns() {
    let dir = tempfile::tempdir().unwrap();
    write_data(dir.path());
    let out = mlp()
        .args([
            "train",
            "--hidden",
            "8",
            "--epochs",
            "2",
            "--train-samples",
            "50",
        ])
        .arg("--data")
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    for col in [
        "N",
        "eta",
        "train MSE",
        "test MSE",
        "misclassified",
        "error",
        "time (s)",
    ] {
        assert!(text.contains(col), "{col} missing: {text}");
    }
}

/// Every field of the engine's table is a flag of `mlp train` (one value)
/// and of `mlp sweep` (a list), from that one table.
#[test]
fn every_general_field_is_a_flag_of_train_and_sweep() {
    for command in ["train", "sweep"] {
        let help = common::mlp().args([command, "--help"]).output().unwrap();
        let text = String::from_utf8_lossy(&help.stdout);
        for field in mlp_engine::ConfigFields::GENERAL_FIELDS {
            let flag = format!("--{} ", field.replace('_', "-"));
            assert!(text.contains(&flag), "mlp {command} has no {flag}");
        }
    }
}
