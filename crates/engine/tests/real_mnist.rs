//! On the real MNIST (set MNIST_DIR): Table 3's first row lands near the study's figure.

use mlp_engine::{Case, LoadedData, TrainConfig};

#[test]
fn relu_sigmoid_300_first_1250_images_is_near_the_study() {
    let Some(dir) = std::env::var_os("MNIST_DIR") else {
        eprintln!("skipping: MNIST_DIR not set (run `cargo xtask download` and set it)");
        return;
    };
    let data = LoadedData::open(std::path::Path::new(&dir)).unwrap();
    assert_eq!((data.train.len(), data.test.len()), (60_000, 10_000));
    let cfg = TrainConfig {
        hidden: 300,
        lr: 0.01,
        epochs: 50,
        train_samples: 1250,
        ..TrainConfig::new(Case::ReluSigmoid)
    };
    let report = mlp_engine::train(&cfg, &data.train, &data.test).unwrap();
    let err = report.metrics.test_error_pct;
    eprintln!(
        "relu-sigmoid N=300 eta=0.01 K=1250: train MSE {:.4}, test MSE {:.4}, error {err:.2}% (study 12.43%)",
        report.metrics.train_mse, report.metrics.test_mse
    );
    assert!((9.0..16.0).contains(&err), "test error {err}%");
    assert_eq!(report.metrics.test_samples, 10_000);
}
