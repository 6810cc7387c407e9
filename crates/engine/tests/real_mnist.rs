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

/// MNIST written by the test helpers as a `.npz` (stored and deflated), a
/// `.npy` folder and two CSV tables (read with `--scale pixel`) gives the
/// very samples of the IDX files, and so the same training, bit for bit.
#[test]
#[ignore = "needs MNIST_DIR (the four raw MNIST files)"]
fn mnist_in_every_format_trains_as_its_idx_files() {
    use mlp_engine::{DataSpec, Scale};
    let dir = std::env::var_os("MNIST_DIR").unwrap_or_else(|| {
        panic!("MNIST_DIR is not set: point it at the MNIST folder, or run `cargo xtask test`")
    });
    let idx = LoadedData::open(std::path::Path::new(&dir)).unwrap();
    let files = mnist_idx::Mnist::open(&dir).unwrap();
    let split = |s: &mnist_idx::Split| mlp_testkit::Split {
        images: s.image_bytes().to_vec(),
        labels: s.labels().to_vec(),
    };
    let (train, test) = (split(&files.train), split(&files.test));
    let arrays = mlp_testkit::keras_arrays(&train, &test, 28, 28);
    let out = tempfile::tempdir().unwrap();
    let at = |name: &str| out.path().join(name);
    std::fs::write(at("stored.npz"), mnist_idx::write::npz(&arrays, false)).unwrap();
    std::fs::write(at("deflated.npz"), mnist_idx::write::npz(&arrays, true)).unwrap();
    std::fs::create_dir(at("npy")).unwrap();
    for (name, bytes) in &arrays {
        std::fs::write(at("npy").join(format!("{name}.npy")), bytes).unwrap();
    }
    std::fs::write(at("train.csv"), mlp_testkit::csv_text(&train, 784)).unwrap();
    std::fs::write(at("test.csv"), mlp_testkit::csv_text(&test, 784)).unwrap();
    let cfg = ConfigFields {
        hidden: 100.into(),
        lr: 0.01,
        epochs: 1,
        train_samples: 5000,
        ..ConfigFields::new(Case::Tanh)
    }
    .resolve()
    .unwrap();
    let weights = |data: &LoadedData| {
        let (_, net) = mlp_engine::train_run(
            &cfg,
            &data.train,
            &data.test,
            None,
            Default::default(),
            Default::default(),
            &mut mlp_engine::NoObserver,
        )
        .unwrap();
        mlp_testkit::bits(net.w1())
    };
    let expected = weights(&idx);
    let specs = [
        ("stored.npz", None, None),
        ("deflated.npz", None, None),
        ("npy", None, None),
        ("train.csv", Some(at("test.csv")), Some(Scale::Pixel)),
    ];
    for (name, test_data, scale) in specs {
        let data = DataSpec {
            path: Some(at(name)),
            test_data,
            scale,
            ..DataSpec::default()
        }
        .open()
        .unwrap();
        for (a, b) in [(&idx.train, &data.train), (&idx.test, &data.test)] {
            assert_eq!((a.len(), a.labels()), (b.len(), b.labels()), "{name}");
            for i in 0..a.len() {
                let (x, y) = (a.sample(i), b.sample(i));
                assert!(x.0 == y.0 && x.1 == y.1, "{name}: sample {i}");
            }
        }
        assert_eq!(weights(&data), expected, "{name}");
    }
}
