//! A run paused at an epoch, saved as a checkpoint file and reloaded, goes on
//! to exactly the run that never paused, bit for bit.

use mlp_engine::augment::Augment;
use mlp_engine::{
    Activation, Case, ConfigFields, Dataset, Loss, Network, NoObserver, OptimizerKind, RunOptions,
    ScheduleKind, Session, StepOptions, TrainConfig, TrainReport,
};
use mlp_sweep::Checkpoint;

/// `rows` 8x8 images of 4 classes, each class a noisy prototype.
fn digits(rows: usize, seed: u64) -> Dataset {
    let (train, _) = mlp_testkit::Digits {
        classes: 4,
        train: rows,
        test: 0,
        seed,
        ..mlp_testkit::Digits::default()
    }
    .splits();
    Dataset::from_dense(64, 4, &train.dense(), &train.labels).unwrap()
}

/// Everything but timings: the figures a paused run must repeat.
fn figures(r: &TrainReport) -> Vec<u64> {
    let m = &r.metrics;
    let mut f = vec![
        m.test_loss.to_bits(),
        m.misclassified as u64,
        m.mean_train_loss.to_bits(),
        m.validation_error_pct.unwrap_or(-1.0).to_bits(),
        m.validation_loss.unwrap_or(-1.0).to_bits(),
        m.steps,
    ];
    f.extend(r.history.iter().map(|e| e.train_loss.to_bits()));
    f
}

fn bits(net: &Network) -> Vec<u32> {
    (0..net.layers())
        .flat_map(|l| {
            let b = net.bias(l).unwrap_or(&[]);
            net.weight(l).iter().chain(b).map(|x| x.to_bits())
        })
        .collect()
}

/// Pauses `config` after `pause` epochs, saves and reloads it through a
/// checkpoint file, goes on to the end, and checks it matches the run
/// that never paused, bit for bit.
fn pausing_changes_nothing(config: &TrainConfig, pause: usize) {
    let (train, test) = (digits(120, 1), digits(40, 2));
    let data = (&train, &test);
    let (step, run) = (StepOptions::default(), RunOptions::default());
    let mut whole = Session::start(config, data, None, step, run).unwrap();
    whole
        .run_to(config.run.epochs, false, &mut NoObserver)
        .unwrap();
    let (whole, whole_net) = whole.finish();

    let mut first = Session::start(config, data, None, step, run).unwrap();
    first.run_to(pause, true, &mut NoObserver).unwrap();
    assert_eq!(first.epochs_done(), pause);
    let paused = first.report();
    assert!(paused.history[pause - 1].validation_error_pct.is_some());
    assert_eq!(
        paused.metrics.steps,
        (pause * config.data.train_samples) as u64
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trial.snapshot");
    let checkpoint = Checkpoint {
        key: "trial".into(),
        report: paused,
        snapshot: first.snapshot(),
    };
    checkpoint.save(&path).unwrap();
    drop(first);
    let loaded = Checkpoint::load(&path).unwrap();
    assert_eq!(loaded, checkpoint);

    let mut rest = Session::resume(config, data, loaded.snapshot, step, run).unwrap();
    rest.run_to(config.run.epochs, false, &mut NoObserver)
        .unwrap();
    let (resumed, resumed_net) = rest.finish();
    assert_eq!(bits(&resumed_net), bits(&whole_net));
    assert_eq!(figures(&resumed), figures(&whole));
}

#[test]
fn a_paused_minibatch_run_with_momentum_dropout_and_distortions_goes_on_exactly() {
    let config = ConfigFields {
        hidden: "12-8".parse().unwrap(),
        activation: Some(Activation::Relu),
        loss: Loss::CrossEntropy,
        bias: true,
        batch: 16,
        optimizer: OptimizerKind::Nesterov,
        momentum: 0.9,
        lr: 0.05,
        schedule: ScheduleKind::Cosine,
        dropout: 0.2,
        dropout_input: 0.1,
        augment: Augment::Elastic,
        elastic_sigma: 2.0,
        elastic_alpha: 2.0,
        shuffle: true,
        epochs: 6,
        train_samples: 100,
        validation: 20,
        ..ConfigFields::new(Case::ReluSigmoid)
    }
    .resolve()
    .unwrap();
    pausing_changes_nothing(&config, 2);
    let adam = ConfigFields {
        optimizer: OptimizerKind::Adam,
        lr: 1e-3,
        augment: Augment::None,
        ..config.fields()
    }
    .resolve()
    .unwrap();
    pausing_changes_nothing(&adam, 5);
}

#[test]
fn a_paused_study_run_with_l2_and_shuffling_goes_on_exactly() {
    let config = ConfigFields {
        hidden: 16.into(),
        lr: 0.05,
        l2: 1e-3,
        shuffle: true,
        epochs: 5,
        train_samples: 100,
        validation: 20,
        ..ConfigFields::new(Case::Tanh)
    }
    .resolve()
    .unwrap();
    pausing_changes_nothing(&config, 2);
}
