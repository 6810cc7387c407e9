//! Running one configuration: epochs of online SGD, then the test metrics.

use crate::eval::{evaluate_scaled, ScaledWeights};
use crate::step::StepState;
use crate::{
    Dataset, EngineError, EpochRecord, Evaluation, Metrics, Network, NoObserver, Observer,
    StepOptions, TrainConfig, TrainReport,
};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

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
    config.validate(train.len())?;
    if test.inputs() != train.inputs() || test.classes() != train.classes() {
        return Err(EngineError::Dataset(format!(
            "the training set has {} inputs and {} classes, the test set {} and {}",
            train.inputs(),
            train.classes(),
            test.inputs(),
            test.classes()
        )));
    }
    let (inputs, hidden, classes) = (train.inputs(), config.hidden, train.classes());
    let net = match init {
        Some(net) => {
            net.check_shape(inputs, hidden, classes)?;
            net
        }
        None => Network::init(inputs, hidden, classes, config.seed),
    };
    let mut trainer = Trainer::new(config, net, options);
    let history = trainer.run(train, test, observer)?;
    let train_seconds = trainer.train_seconds;
    let net = trainer.finish();

    let t = Instant::now();
    let eval = crate::evaluate(&net, config.case, test);
    let eval_seconds = t.elapsed().as_secs_f64();
    let mut report = assemble(config, history, &eval, train_seconds, eval_seconds);
    report.block_samples = options.block_samples();
    Ok((report, net))
}

fn assemble(
    config: &TrainConfig,
    history: Vec<EpochRecord>,
    eval: &Evaluation,
    train_seconds: f64,
    eval_seconds: f64,
) -> TrainReport {
    let epochs = history.len().max(1) as f64;
    let steps = config.steps();
    TrainReport {
        config: config.clone(),
        metrics: Metrics {
            train_mse: history.iter().map(|e| e.train_loss).sum::<f64>() / epochs,
            test_mse: eval.mse,
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
        let epochs = self.config.epochs;
        let k = self.config.train_samples;
        let mut history = Vec::with_capacity(epochs);
        let mut steps_done = 0u64;
        for epoch in 1..=epochs {
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
            let mut record = EpochRecord {
                epoch,
                train_loss: loss / k as f64,
                train_accuracy: correct as f64 / k as f64,
                train_seconds: self.train_seconds,
                test_error_pct: None,
                test_mse: None,
            };
            let every = self.config.eval_every;
            if every > 0 && (epoch % every == 0 || epoch == epochs) {
                let eval = self.evaluate(test);
                record.test_error_pct = Some(eval.error_pct());
                record.test_mse = Some(eval.mse);
            }
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
