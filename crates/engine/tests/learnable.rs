//! A small learnable problem, written as IDX files, is learned by both cases.

use mlp_engine::{Case, ConfigFields, LoadedData};

/// Ten classes of 8x8 images: each a fixed random prototype plus pixel noise.
fn write_problem(dir: &std::path::Path) {
    mlp_testkit::Digits {
        train: 600,
        test: 300,
        seed: 5,
        ..mlp_testkit::Digits::default()
    }
    .write_idx(dir);
}

#[test]
fn both_cases_learn_a_synthetic_problem() {
    let dir = tempfile::tempdir().unwrap();
    write_problem(dir.path());
    let data = LoadedData::open(dir.path()).unwrap();
    assert_eq!(data.train.inputs(), 64);
    for case in Case::ALL {
        let cfg = ConfigFields {
            hidden: 32.into(),
            lr: 0.05,
            epochs: 15,
            train_samples: 600,
            ..ConfigFields::new(case)
        }
        .resolve()
        .unwrap();
        let report = mlp_engine::train(&cfg, &data.train, &data.test).unwrap();
        assert!(
            report.metrics.accuracy > 0.95,
            "{case}: accuracy {}",
            report.metrics.accuracy
        );
        assert_eq!(report.history.len(), 15);
        // Learning shows: the last epoch's loss is well below the first's.
        assert!(report.history[14].train_loss < 0.5 * report.history[0].train_loss);
        let total: u64 = report.confusion.iter().flatten().sum();
        assert_eq!(total, 300);
    }
}

/// Every recipe, at the problem's scale (its own width, rate and the rest
/// kept; the net narrowed, a hundred images held out, fewer epochs, an
/// elastic field of sub-pixel moves), learns it.
#[test]
fn every_recipe_learns_a_synthetic_problem() {
    let dir = tempfile::tempdir().unwrap();
    write_problem(dir.path());
    let data = LoadedData::open(dir.path()).unwrap();
    for r in mlp_engine::recipe::RECIPES {
        let mut cfg = r.config();
        let widths: Vec<usize> = cfg
            .network
            .hidden
            .widths()
            .iter()
            .map(|w| (w / 16).max(8))
            .collect();
        cfg.network.hidden = mlp_engine::Layers::new(widths).unwrap();
        cfg.run.epochs = 15;
        cfg.data.validation = if cfg.data.validation > 0 { 100 } else { 0 };
        cfg.data.train_samples = 600 - cfg.data.validation;
        cfg.data.batch = cfg.data.batch.min(32);
        cfg.run.eval_every = 5;
        if cfg.is_online_study() {
            cfg.optimizer.lr = 0.05;
        }
        // The prototypes are random pixels, with no strokes a displacement
        // could bend and keep: distortions stay within a fraction of a pixel.
        cfg.data.augment.elastic_sigma = 2.0;
        cfg.data.augment.elastic_alpha = 2.0;
        let report = mlp_engine::train(&cfg, &data.train, &data.test).unwrap();
        assert!(
            report.metrics.accuracy > 0.95,
            "{}: accuracy {}",
            r.name,
            report.metrics.accuracy
        );
        assert_eq!(
            report.metrics.validation_error_pct.is_some(),
            cfg.data.validation > 0,
            "{}: a validation split is reported exactly when held out",
            r.name
        );
        let last = report.history.last().unwrap();
        assert_eq!(last.validation_error_pct.is_some(), cfg.data.validation > 0);
    }
}
