//! Every data format reaches training the same way: the same bytes as IDX,
//! `.npz`, `.npy` or CSV train bit-identically, and tables are scaled as
//! asked, with the scaling fitted on the training part and kept in the model.

use mlp_engine::model::{self, Stage};
use mlp_engine::{Case, ConfigFields, DataSpec, LoadedData, Scale, Scaling, TrainConfig};
use mlp_testkit::{bits, Digits};
use std::path::{Path, PathBuf};

fn digits() -> Digits {
    Digits {
        train: 300,
        test: 100,
        seed: 9,
        ..Digits::default()
    }
}

/// The same digits as an IDX folder, `.npz` archives (stored and deflated),
/// a `.npy` folder and two CSV tables.
fn every_format(dir: &Path) -> Vec<(&'static str, DataSpec)> {
    let d = digits();
    let idx = dir.join("idx");
    let npy = dir.join("npy");
    std::fs::create_dir_all(&idx).unwrap();
    std::fs::create_dir_all(&npy).unwrap();
    d.write_idx(&idx);
    d.write_npy(&npy);
    d.write_npz(&dir.join("stored.npz"), false);
    d.write_npz(&dir.join("deflated.npz"), true);
    d.write_csv(&dir.join("train.csv"), &dir.join("test.csv"));
    let spec = |path: PathBuf| DataSpec {
        path: Some(path),
        ..DataSpec::default()
    };
    vec![
        ("idx", spec(idx)),
        ("npy", spec(npy)),
        ("npz", spec(dir.join("stored.npz"))),
        ("npz deflated", spec(dir.join("deflated.npz"))),
        (
            "csv --scale pixel",
            DataSpec {
                test_data: Some(dir.join("test.csv")),
                scale: Some(Scale::Pixel),
                ..spec(dir.join("train.csv"))
            },
        ),
    ]
}

fn configs() -> Vec<TrainConfig> {
    let study = ConfigFields {
        hidden: 16.into(),
        lr: 0.05,
        epochs: 2,
        train_samples: 300,
        ..ConfigFields::new(Case::Tanh)
    };
    let minibatch = ConfigFields {
        batch: 16,
        shuffle: true,
        bias: true,
        ..study.clone()
    };
    [study, minibatch]
        .into_iter()
        .map(|f| f.resolve().unwrap())
        .collect()
}

#[test]
fn the_same_bytes_train_bit_identically_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let formats = every_format(dir.path());
    let reference = formats[0].1.open().unwrap();
    assert_eq!(reference.scaling, Scaling::Pixel);
    assert_eq!(reference.image(), Some((8, 8)));
    let runs = |data: &LoadedData| -> Vec<(Vec<u32>, f64)> {
        configs()
            .iter()
            .map(|c| {
                let (report, net) = mlp_engine::train_run(
                    c,
                    &data.train,
                    &data.test,
                    None,
                    Default::default(),
                    Default::default(),
                    &mut mlp_engine::NoObserver,
                )
                .unwrap();
                let weights: Vec<u32> = (0..net.layers())
                    .flat_map(|l| bits(net.weight(l)))
                    .collect();
                (weights, report.metrics.test_loss)
            })
            .collect()
    };
    let expected = runs(&reference);
    for (name, spec) in &formats[1..] {
        let data = spec.open().unwrap();
        assert_eq!(data.scaling, Scaling::Pixel, "{name}");
        assert_eq!(data.train.labels(), reference.train.labels(), "{name}");
        for i in 0..reference.train.len() {
            let (a, b) = (reference.train.sample(i), data.train.sample(i));
            assert!(a.0 == b.0 && bits(a.1) == bits(b.1), "{name}: sample {i}");
        }
        assert_eq!(data.source.classes, reference.source.classes, "{name}");
        assert_eq!(runs(&data), expected, "{name}");
    }
    // A CSV table holds features, not images: its samples are 64 values.
    let csv = formats[4].1.open().unwrap();
    assert_eq!((csv.image(), csv.train.inputs()), (None, 64));
    assert!(csv.info().summary().contains("(csv)"));
}

fn tabular_csv(path: &Path, rows: usize) {
    std::fs::write(path, mlp_testkit::tabular_csv(rows, 4)).unwrap();
}

fn tabular_config() -> TrainConfig {
    ConfigFields {
        hidden: 16.into(),
        lr: 0.02,
        epochs: 15,
        train_samples: 600,
        shuffle: true,
        ..ConfigFields::new(Case::Tanh)
    }
    .resolve()
    .unwrap()
}

#[test]
fn a_table_of_unlike_scales_is_learned_only_when_standardised() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("table.csv");
    tabular_csv(&path, 800);
    let config = tabular_config();
    let mut accuracy = Vec::new();
    for scale in Scale::ALL {
        let spec = DataSpec {
            path: Some(path.clone()),
            label_column: Some("species".into()),
            test_fraction: Some(0.25),
            scale: Some(scale),
            ..DataSpec::default()
        };
        let data = spec.open().unwrap();
        assert_eq!((data.train.len(), data.test.len()), (600, 200));
        assert_eq!(data.source.classes.names, ["alpha", "beta", "gamma"]);
        let report = mlp_engine::train(&config, &data.train, &data.test).unwrap();
        accuracy.push((scale, report.metrics.accuracy));
    }
    eprintln!("accuracy {accuracy:?}");
    for &(scale, a) in &accuracy {
        if scale == Scale::Standardize {
            assert!(a > 0.95, "{accuracy:?}");
        } else {
            assert!(a < 0.95, "{accuracy:?}");
        }
    }
}

#[test]
fn standardisation_is_fitted_on_the_training_rows_and_kept_in_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("table.csv");
    tabular_csv(&path, 400);
    let spec = DataSpec {
        path: Some(path.clone()),
        label_column: Some("6".into()),
        split_seed: Some(3),
        ..DataSpec::default()
    };
    let data = spec.open().unwrap();
    // Floats default to standardisation; a fifth of the rows are held out.
    let Scaling::Standardize { mean, std } = &data.scaling else {
        panic!("{:?}", data.scaling)
    };
    assert_eq!((data.train.len(), data.test.len()), (320, 80));
    let mut raw = vec![0.0; 6];
    let mut sum = 0.0;
    for i in 0..data.source.train.len() {
        data.source.train.row_into(i, &mut raw);
        sum += raw[0];
    }
    assert!(
        (mean[0] - sum / 320.0).abs() < 1e-15,
        "{} vs {}",
        mean[0],
        sum / 320.0
    );
    assert_eq!((mean[5], std[5]), (7.5, 0.0));
    // The constant feature becomes 0 in every sample.
    for i in 0..data.train.len() {
        assert!(!data.train.sample(i).0.contains(&5));
    }
    let config = TrainConfig {
        run: mlp_engine::RunConfig {
            epochs: 3,
            ..tabular_config().run
        },
        data: mlp_engine::DataConfig {
            train_samples: 320,
            ..tabular_config().data
        },
        ..tabular_config()
    };
    let (report, net) = mlp_engine::train_run(
        &config,
        &data.train,
        &data.test,
        None,
        Default::default(),
        Default::default(),
        &mut mlp_engine::NoObserver,
    )
    .unwrap();
    let file = dir.path().join("m.safetensors");
    let m = data.model(
        net,
        Stage::Trained,
        config,
        Some(report.metrics.clone()),
        None,
    );
    model::save(&file, &m).unwrap();
    let back = model::load(&file).unwrap();
    assert_eq!(back, m);
    assert_eq!(back.class_names(), ["alpha", "beta", "gamma"]);
    assert!(!back.takes_images());
    // Reopened for the model (no options given), the same test rows, scaled
    // the same way, give the run's figures.
    let again = DataSpec {
        path: Some(path),
        ..DataSpec::default()
    }
    .open_for(&back)
    .unwrap();
    let eval = back.evaluate(&again.test);
    assert_eq!(eval.misclassified, report.metrics.misclassified);
    assert_eq!(eval.loss.to_bits(), report.metrics.test_loss.to_bits());
}

/// Standardised features are nearly all non-zero: the minibatch engine
/// multiplies such batches densely (sgemm), as it does any dense batch.
#[test]
fn dense_feature_data_takes_the_dense_first_layer() {
    use mlp_engine::minibatch::{BatchStepper, FirstLayer};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("table.csv");
    tabular_csv(&path, 200);
    let data = DataSpec {
        path: Some(path),
        label_column: Some("species".into()),
        ..DataSpec::default()
    }
    .open()
    .unwrap();
    let config = ConfigFields {
        batch: 32,
        bias: true,
        ..ConfigFields::new(Case::Tanh)
    }
    .resolve()
    .unwrap();
    let net = mlp_engine::initial_network(&config, data.train.inputs(), data.train.classes());
    let mut stepper = BatchStepper::new(&config, net, FirstLayer::Auto, false, false);
    let ids: Vec<u32> = (0..32).collect();
    let mut work = Vec::new();
    stepper.step(&data.train, &[&ids], |w| work.push(w));
    // Five of six features are non-zero in every row (the constant one is 0).
    assert_eq!(work.len(), 1);
    assert!(work[0].dense, "{work:?}");
    assert_eq!(work[0].nonzeros, 32 * 5);
}
