//! Running one configuration: epochs of online SGD, then the test metrics.

use crate::minibatch::{
    evaluate_network, step_batches, Distorter, Evaluated, FirstLayer, MinibatchTrainer, NetSpec,
};
use crate::step::StepState;
use crate::{
    Dataset, EngineError, EpochRecord, Evaluation, Metrics, Network, NoObserver, Observer,
    StepOptions, TrainConfig, TrainReport,
};
use std::ops::ControlFlow;

mod epochs;
mod session;

use epochs::{Epochs, StepEngine};
use session::EpochSpan;
pub use session::{check_run, Session, Snapshot};

/// Steps between observer calls: rare enough to cost nothing, often enough for a live bar.
const REPORT_EVERY: usize = 4096;

/// Trains `config` on `train` from its seeded initialisation and evaluates on `test`.
pub fn train(
    config: &TrainConfig,
    train: &Dataset,
    test: &Dataset,
) -> Result<TrainReport, EngineError> {
    train_with(
        config,
        train,
        test,
        None,
        StepOptions::default(),
        &mut NoObserver,
    )
    .map(|(report, _)| report)
}

/// Trains with explicit initial weights, step options and an observer; returns the network too.
pub fn train_with(
    config: &TrainConfig,
    train: &Dataset,
    test: &Dataset,
    init: Option<Network>,
    options: StepOptions,
    observer: &mut dyn Observer,
) -> Result<(TrainReport, Network), EngineError> {
    train_run(
        config,
        train,
        test,
        init,
        options,
        RunOptions::default(),
        observer,
    )
}

/// How a run may use the machine; none of it changes results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunOptions {
    /// Split each minibatch step over rayon's threads (results stay bit-identical).
    pub parallel: bool,
    /// How the minibatch engine's first layer multiplies by the inputs.
    pub first_layer: FirstLayer,
    /// Distort each batch's images on a second thread while the batch
    /// before it trains (for a run alone on the machine; results are the same).
    pub distort_ahead: bool,
}

/// The shape `config` trains on data of `inputs` and `classes`: every layer's width.
pub fn sizes_of(config: &TrainConfig, inputs: usize, classes: usize) -> Vec<usize> {
    config.network.hidden.sizes(inputs, classes)
}

/// The seeded initial network of `config` for data of `inputs` and `classes`.
pub fn initial_network(config: &TrainConfig, inputs: usize, classes: usize) -> Network {
    Network::init_layers(
        &sizes_of(config, inputs, classes),
        config.network.init,
        config.network.bias,
        config.run.seed,
    )
}

/// [`train_with`] with run options: the study's family on the online engine,
/// anything else on the minibatch engine.
pub fn train_run(
    config: &TrainConfig,
    train: &Dataset,
    test: &Dataset,
    init: Option<Network>,
    options: StepOptions,
    run: RunOptions,
    observer: &mut dyn Observer,
) -> Result<(TrainReport, Network), EngineError> {
    let mut session = Session::start(config, (train, test), init, options, run)?;
    session.run_to(config.run.epochs, false, observer)?;
    Ok(session.finish())
}

/// An evaluation's two figures for an epoch record.
fn figures(e: &Evaluation) -> (Option<f64>, Option<f64>) {
    (Some(e.error_pct()), Some(e.loss))
}

/// The record of finished epoch `epoch` from its summed loss and correct
/// count, with test (and validation) figures from `evaluate` when the
/// configuration evaluates at this epoch (every `eval_every`, and the last)
/// or when `pause` (a run stopping here to be judged, as successive halving does).
fn epoch_record(
    config: &TrainConfig,
    (epoch, pause): (usize, bool),
    (loss, correct): (f64, usize),
    train_seconds: f64,
    (test, validation): (&Dataset, Option<&Dataset>),
    evaluate: impl Fn(&Dataset) -> Evaluation,
) -> EpochRecord {
    let k = config.data.train_samples as f64;
    let mut record = EpochRecord {
        epoch,
        train_loss: loss / k,
        train_accuracy: correct as f64 / k,
        train_seconds,
        test_error_pct: None,
        test_loss: None,
        validation_error_pct: None,
        validation_loss: None,
    };
    let every = config.run.eval_every;
    if pause || every > 0 && (epoch.is_multiple_of(every) || epoch == config.run.epochs) {
        (record.test_error_pct, record.test_loss) = figures(&evaluate(test));
        if let Some(v) = validation {
            (record.validation_error_pct, record.validation_loss) = figures(&evaluate(v));
        }
    }
    record
}

/// The minibatch engine's steps: the trainer and, when it distorts a batch
/// ahead on a second thread, that thread's distorter.
struct MinibatchSteps {
    inner: MinibatchTrainer,
    ahead: Option<Distorter>,
    spec: NetSpec,
    batch: usize,
}

impl StepEngine for MinibatchSteps {
    fn epoch(
        &mut self,
        train: &Dataset,
        order: &[u32],
        epoch: usize,
        progress: &mut dyn FnMut(usize) -> ControlFlow<()>,
    ) -> ControlFlow<(), (f64, usize)> {
        let batch_ids: Vec<&[u32]> = order.chunks(self.batch).collect();
        let batches = batch_ids.len();
        let (mut loss, mut correct) = (0.0f64, 0usize);
        step_batches(
            &mut self.inner,
            self.ahead.as_mut(),
            train,
            &batch_ids,
            |j| (epoch - 1) as f64 + j as f64 / batches as f64,
            |j, out| {
                loss += out.loss;
                correct += out.correct;
                progress(batch_ids[j].len())
            },
        )?;
        ControlFlow::Continue((loss, correct))
    }

    fn evaluate(&self, data: &Dataset) -> Evaluation {
        evaluate_network(&self.inner.net, &self.spec, data)
    }
}

/// A minibatch run: its steps and its epochs.
struct MinibatchRun {
    epochs: Epochs,
    steps: MinibatchSteps,
}

impl MinibatchRun {
    fn new(config: &TrainConfig, net: Network, run: RunOptions) -> MinibatchRun {
        let inner = MinibatchTrainer::new(config, net, run.first_layer, run.parallel);
        MinibatchRun {
            epochs: Epochs::new(config),
            steps: MinibatchSteps {
                ahead: inner.distorter().filter(|_| run.distort_ahead).cloned(),
                inner,
                spec: NetSpec::of(config),
                batch: config.data.batch,
            },
        }
    }
}

fn assemble(
    config: &TrainConfig,
    history: Vec<EpochRecord>,
    eval: &Evaluation,
    train_seconds: f64,
    eval_seconds: f64,
) -> TrainReport {
    let epochs = history.len().max(1) as f64;
    // The epochs run: all of them, or fewer for a run stopped early.
    let steps = history.len() as u64 * config.data.train_samples as u64;
    TrainReport {
        config: config.clone(),
        metrics: Metrics {
            mean_train_loss: history.iter().map(|e| e.train_loss).sum::<f64>() / epochs,
            test_loss: eval.loss,
            misclassified: eval.misclassified,
            test_error_pct: eval.error_pct(),
            accuracy: eval.accuracy(),
            test_samples: eval.samples,
            final_train_loss: history.last().map_or(0.0, |e| e.train_loss),
            train_seconds,
            eval_seconds,
            steps,
            steps_per_second: if train_seconds > 0.0 {
                steps as f64 / train_seconds
            } else {
                0.0
            },
            validation_error_pct: None,
            validation_loss: None,
        },
        history,
        confusion: eval.confusion.clone(),
        block_samples: None,
        simd: crate::simd_name().to_string(),
        version: crate::VERSION.to_string(),
    }
}

/// The online engine's steps: one sample at a time, W1 updates fused or
/// held back in blocks as the step options say.
struct OnlineSteps {
    state: StepState,
    case: crate::Case,
}

impl StepEngine for OnlineSteps {
    fn epoch(
        &mut self,
        train: &Dataset,
        order: &[u32],
        _epoch: usize,
        progress: &mut dyn FnMut(usize) -> ControlFlow<()>,
    ) -> ControlFlow<(), (f64, usize)> {
        let k = order.len();
        let (mut loss, mut correct) = (0.0f64, 0usize);
        for chunk_start in (0..k).step_by(REPORT_EVERY) {
            let chunk_end = (chunk_start + REPORT_EVERY).min(k);
            for i in chunk_start..chunk_end {
                // The rest of the epoch: what fusing and deferring look ahead into.
                let out = self.state.step(train, &order[i..]);
                loss += out.loss;
                correct += out.correct as usize;
            }
            progress(chunk_end - chunk_start)?;
        }
        self.state.flush(train);
        ControlFlow::Continue((loss, correct))
    }

    fn evaluate(&self, data: &Dataset) -> Evaluation {
        let scales = [self.state.s1 as f32, self.state.s2 as f32];
        Evaluated {
            scales: &scales,
            ..Evaluated::study(&self.state.net, self.case)
        }
        .evaluate(data)
    }
}

/// A configuration's training on the online engine: weights, step buffers, sample order and clock.
pub struct Trainer {
    epochs: Epochs,
    steps: OnlineSteps,
}

impl Trainer {
    /// A trainer for `config` starting from `net`.
    pub fn new(config: &TrainConfig, net: Network, options: StepOptions) -> Trainer {
        let state = StepState::new(
            config.network.case,
            config.network.backprop,
            config.optimizer.lr,
            config.regularization.l2,
            net,
            options,
        );
        Trainer {
            epochs: Epochs::new(config),
            steps: OnlineSteps {
                state,
                case: config.network.case,
            },
        }
    }

    /// Runs every epoch; returns the per-epoch records.
    pub fn run(
        &mut self,
        train: &Dataset,
        test: &Dataset,
        observer: &mut dyn Observer,
    ) -> Result<Vec<EpochRecord>, EngineError> {
        self.run_validated(train, test, None, observer)
    }

    /// Runs every epoch, evaluating the validation split beside the test set.
    pub fn run_validated(
        &mut self,
        train: &Dataset,
        test: &Dataset,
        validation: Option<&Dataset>,
        observer: &mut dyn Observer,
    ) -> Result<Vec<EpochRecord>, EngineError> {
        let span = EpochSpan::whole(&self.epochs.config);
        let data = (train, test, validation);
        self.epochs.run_span(&mut self.steps, span, data, observer)
    }

    /// Runs `count` steps over the first `train_samples` samples in file order (for benchmarks).
    pub fn run_steps(&mut self, train: &Dataset, count: usize) -> f64 {
        let k = self
            .epochs
            .config
            .data
            .train_samples
            .min(train.len())
            .max(1);
        let order: Vec<u32> = (0..k as u32).collect();
        let mut loss = 0.0;
        let mut t = 0;
        while t < count {
            let start = t % k;
            let end = (start + (count - t)).min(k);
            for i in start..end {
                loss += self.steps.state.step(train, &order[i..end]).loss;
            }
            t += end - start;
        }
        self.steps.state.flush(train);
        loss
    }

    /// Evaluates the current weights without disturbing training.
    pub fn evaluate(&self, data: &Dataset) -> Evaluation {
        self.steps.evaluate(data)
    }

    /// Seconds spent in training steps so far.
    pub fn train_seconds(&self) -> f64 {
        self.epochs.train_seconds
    }

    /// Ends training and returns the network with its true weights.
    pub fn finish(mut self) -> Network {
        self.steps.state.normalise();
        self.steps.state.net
    }
}
