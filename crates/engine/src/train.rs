//! Running one configuration: epochs of online SGD, then the test metrics.

use crate::eval::{evaluate_scaled, ScaledWeights};
use crate::minibatch::{
    evaluate_network, step_batches, Distorter, FirstLayer, MinibatchTrainer, NetSpec,
};
use crate::step::StepState;
use crate::{
    Dataset, EngineError, EpochRecord, Evaluation, Metrics, Network, NoObserver, Observer,
    StepOptions, TrainConfig, TrainReport,
};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::ops::ControlFlow;
use std::time::Instant;

mod session;

use session::EpochSpan;
pub use session::{Session, Snapshot};

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
    config.hidden.sizes(inputs, classes)
}

/// The seeded initial network of `config` for data of `inputs` and `classes`.
pub fn initial_network(config: &TrainConfig, inputs: usize, classes: usize) -> Network {
    Network::init_layers(
        &sizes_of(config, inputs, classes),
        config.init,
        config.bias,
        config.seed,
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
    session.run_to(config.epochs, false, observer)?;
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
    let k = config.train_samples as f64;
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
    let every = config.eval_every;
    if pause || every > 0 && (epoch.is_multiple_of(every) || epoch == config.epochs) {
        (record.test_error_pct, record.test_loss) = figures(&evaluate(test));
        if let Some(v) = validation {
            (record.validation_error_pct, record.validation_loss) = figures(&evaluate(v));
        }
    }
    record
}

/// A minibatch run: the trainer, the epoch order and the clock.
struct MinibatchRun {
    config: TrainConfig,
    inner: MinibatchTrainer,
    /// The distorter of the thread distorting ahead, when there is one.
    ahead: Option<Distorter>,
    spec: NetSpec,
    shuffle_rng: ChaCha8Rng,
    /// The sample order of the epoch last run (file order before the first).
    order: Vec<u32>,
    train_seconds: f64,
}

impl MinibatchRun {
    fn new(config: &TrainConfig, net: Network, run: RunOptions) -> MinibatchRun {
        let mut shuffle_rng = ChaCha8Rng::seed_from_u64(config.seed);
        shuffle_rng.set_stream(1);
        let inner = MinibatchTrainer::new(config, net, run.first_layer, run.parallel);
        MinibatchRun {
            config: config.clone(),
            ahead: inner.distorter().filter(|_| run.distort_ahead).cloned(),
            inner,
            spec: NetSpec::of(config),
            shuffle_rng,
            order: (0..config.train_samples as u32).collect(),
            train_seconds: 0.0,
        }
    }

    fn run_span(
        &mut self,
        span: EpochSpan,
        train: &Dataset,
        test: &Dataset,
        validation: Option<&Dataset>,
        observer: &mut dyn Observer,
    ) -> Result<Vec<EpochRecord>, EngineError> {
        let (k, batch) = (self.config.train_samples, self.config.batch);
        let mut order = std::mem::take(&mut self.order);
        let mut history = Vec::with_capacity(span.len());
        let batches = k.div_ceil(batch);
        let mut steps_done = span.steps_before(k);
        let mut since_report = 0usize;
        for epoch in span.epochs() {
            self.next_order(&mut order);
            let start = Instant::now();
            let (mut loss, mut correct) = (0.0f64, 0usize);
            let batch_ids: Vec<&[u32]> = order.chunks(batch).collect();
            let flow = step_batches(
                &mut self.inner,
                self.ahead.as_mut(),
                train,
                &batch_ids,
                |j| (epoch - 1) as f64 + j as f64 / batches as f64,
                |j, out| {
                    loss += out.loss;
                    correct += out.correct;
                    let n = batch_ids[j].len();
                    steps_done += n as u64;
                    since_report += n;
                    if since_report >= REPORT_EVERY {
                        since_report = 0;
                        observer.steps_done(steps_done);
                        if observer.should_stop() {
                            return ControlFlow::Break(());
                        }
                    }
                    ControlFlow::Continue(())
                },
            );
            if flow.is_break() {
                self.order = order;
                return Err(EngineError::Interrupted);
            }
            observer.steps_done(steps_done);
            self.train_seconds += start.elapsed().as_secs_f64();
            let record = epoch_record(
                &self.config,
                (epoch, span.pauses_at(epoch)),
                (loss, correct),
                self.train_seconds,
                (test, validation),
                |d| evaluate_network(&self.inner.net, &self.spec, d),
            );
            observer.epoch_done(&record);
            if observer.should_stop() {
                self.order = order;
                return Err(EngineError::Interrupted);
            }
            history.push(record);
        }
        self.order = order;
        Ok(history)
    }

    /// Reshuffles `order` for the next epoch when the configuration shuffles.
    ///
    /// Each epoch shuffles the order the last one left, so the order after
    /// `e` epochs is `e` shuffles from file order: what [`Self::replay`] redoes.
    fn next_order(&mut self, order: &mut [u32]) {
        if self.config.shuffle {
            order.shuffle(&mut self.shuffle_rng);
        }
    }

    /// Brings the sample order and its random stream to where they stand after `epochs` epochs.
    fn replay(&mut self, epochs: usize) {
        let mut order = std::mem::take(&mut self.order);
        for _ in 0..epochs {
            self.next_order(&mut order);
        }
        self.order = order;
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
    let steps = history.len() as u64 * config.train_samples as u64;
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

/// A configuration's training state: weights, step buffers and sample order.
pub struct Trainer {
    config: TrainConfig,
    state: StepState,
    shuffle_rng: ChaCha8Rng,
    train_seconds: f64,
}

impl Trainer {
    /// A trainer for `config` starting from `net`.
    pub fn new(config: &TrainConfig, net: Network, options: StepOptions) -> Trainer {
        let mut shuffle_rng = ChaCha8Rng::seed_from_u64(config.seed);
        // A separate stream, so shuffling never shares draws with initialisation.
        shuffle_rng.set_stream(1);
        Trainer {
            config: config.clone(),
            state: StepState::new(
                config.case,
                config.backprop,
                config.lr,
                config.l2,
                net,
                options,
            ),
            shuffle_rng,
            train_seconds: 0.0,
        }
    }

    fn epoch_order(&mut self) -> Vec<u32> {
        let mut order: Vec<u32> = (0..self.config.train_samples as u32).collect();
        if self.config.shuffle {
            order.shuffle(&mut self.shuffle_rng);
        }
        order
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
        let epochs = EpochSpan::whole(&self.config);
        self.run_span(epochs, train, test, validation, observer)
    }

    /// Runs the epochs of `span`, evaluating the validation split beside the test set.
    pub(crate) fn run_span(
        &mut self,
        span: EpochSpan,
        train: &Dataset,
        test: &Dataset,
        validation: Option<&Dataset>,
        observer: &mut dyn Observer,
    ) -> Result<Vec<EpochRecord>, EngineError> {
        let k = self.config.train_samples;
        let mut history = Vec::with_capacity(span.len());
        let mut steps_done = span.steps_before(k);
        for epoch in span.epochs() {
            let order = self.epoch_order();
            let start = Instant::now();
            let mut loss = 0.0f64;
            let mut correct = 0usize;
            for chunk_start in (0..k).step_by(REPORT_EVERY) {
                let chunk_end = (chunk_start + REPORT_EVERY).min(k);
                for i in chunk_start..chunk_end {
                    // The rest of the epoch: what fusing and deferring look ahead into.
                    let out = self.state.step(train, &order[i..]);
                    loss += out.loss;
                    correct += out.correct as usize;
                }
                steps_done += (chunk_end - chunk_start) as u64;
                observer.steps_done(steps_done);
                if observer.should_stop() {
                    return Err(EngineError::Interrupted);
                }
            }
            self.state.flush(train);
            self.train_seconds += start.elapsed().as_secs_f64();
            let record = epoch_record(
                &self.config,
                (epoch, span.pauses_at(epoch)),
                (loss, correct),
                self.train_seconds,
                (test, validation),
                |d| self.evaluate(d),
            );
            observer.epoch_done(&record);
            history.push(record);
        }
        Ok(history)
    }

    /// Runs `count` steps over the first `train_samples` samples in file order (for benchmarks).
    pub fn run_steps(&mut self, train: &Dataset, count: usize) -> f64 {
        let k = self.config.train_samples.min(train.len()).max(1);
        let order: Vec<u32> = (0..k as u32).collect();
        let mut loss = 0.0;
        let mut t = 0;
        while t < count {
            let start = t % k;
            let end = (start + (count - t)).min(k);
            for i in start..end {
                loss += self.state.step(train, &order[i..end]).loss;
            }
            t += end - start;
        }
        self.state.flush(train);
        loss
    }

    /// Evaluates the current weights without disturbing training.
    pub fn evaluate(&self, data: &Dataset) -> Evaluation {
        let weights = ScaledWeights {
            net: &self.state.net,
            s1: self.state.s1 as f32,
            s2: self.state.s2 as f32,
        };
        evaluate_scaled(&weights, self.config.case, data)
    }

    /// Seconds spent in training steps so far.
    pub fn train_seconds(&self) -> f64 {
        self.train_seconds
    }

    /// Ends training and returns the network with its true weights.
    pub fn finish(mut self) -> Network {
        self.state.normalise();
        self.state.net
    }
}
