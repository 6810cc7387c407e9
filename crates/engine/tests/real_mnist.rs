//! On the real MNIST (in `MNIST_DIR`): Table 3's first row lands near the study's figure.
//!
//! Ignored unless asked for (`cargo test -- --include-ignored`, as `cargo
//! xtask test` runs it); asked for without `MNIST_DIR`, it fails naming it.

use mlp_engine::{Case, ConfigFields, LoadedData};

#[test]
#[ignore = "needs MNIST_DIR (the four raw MNIST files)"]
fn relu_sigmoid_300_first_1250_images_is_near_the_study() {
    let dir = std::env::var_os("MNIST_DIR").unwrap_or_else(|| {
        panic!("MNIST_DIR is not set: point it at the MNIST folder, or run `cargo xtask test`")
    });
    let data = LoadedData::open(std::path::Path::new(&dir)).unwrap();
    assert_eq!((data.train.len(), data.test.len()), (60_000, 10_000));
    let cfg = ConfigFields {
        hidden: 300.into(),
        lr: 0.01,
        epochs: 50,
        train_samples: 1250,
        ..ConfigFields::new(Case::ReluSigmoid)
    }
    .resolve()
    .unwrap();
    let report = mlp_engine::train(&cfg, &data.train, &data.test).unwrap();
    let err = report.metrics.test_error_pct;
    eprintln!(
        "relu-sigmoid N=300 eta=0.01 K=1250: train MSE {:.4}, test MSE {:.4}, error {err:.2}% (study 12.43%)",
        report.metrics.mean_train_loss, report.metrics.test_loss
    );
    assert!((9.0..16.0).contains(&err), "test error {err}%");
    assert_eq!(report.metrics.test_samples, 10_000);
}
