//! A run that can pause at an epoch, be saved, and go on later as if it never stopped.

use super::epochs::StepEngine;
use super::{assemble, initial_network, sizes_of, MinibatchRun, RunOptions, Trainer};
use crate::{
    Dataset, EngineError, EpochRecord, Evaluation, Network, Observer, StepOptions, TrainConfig,
    TrainReport,
};
use std::ops::RangeInclusive;
use std::time::Instant;

/// The epochs one call runs, and whether the last is a pause to be judged at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct EpochSpan {
    /// First epoch to run, from 1.
    pub first: usize,
    /// Last epoch to run.
    pub last: usize,
    /// Evaluate after the last epoch even when the configuration would not.
    pub pause: bool,
}

impl EpochSpan {
    /// Every epoch of `config`, without a pause.
    pub fn whole(config: &TrainConfig) -> EpochSpan {
        EpochSpan {
            first: 1,
            last: config.run.epochs,
            pause: false,
        }
    }

    /// The epoch numbers.
    pub fn epochs(&self) -> RangeInclusive<usize> {
        self.first..=self.last
    }

    /// Epochs in the span.
    pub fn len(&self) -> usize {
        (self.last + 1).saturating_sub(self.first)
    }

    /// Sample steps taken before the span, at `samples` per epoch.
    pub fn steps_before(&self, samples: usize) -> u64 {
        (self.first as u64 - 1) * samples as u64
    }

    /// True when `epoch` is the span's pause.
    pub fn pauses_at(&self, epoch: usize) -> bool {
        self.pause && epoch == self.last
    }
}

/// Everything a paused run needs to go on exactly as if it had not stopped.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The epochs run so far.
    pub history: Vec<EpochRecord>,
    /// Training seconds so far.
    pub train_seconds: f64,
    /// The weights as the engine stores them (see `scales`).
    pub network: Network,
    /// The online engine's layer scales (true weights = scale x stored); 1 otherwise.
    pub scales: [f64; 2],
    /// The optimiser's state: each layer's weights', then each layer's biases' (minibatch engine).
    pub optimiser: Vec<Vec<f32>>,
    /// Minibatch steps taken (what dropout masks and distortions are drawn from).
    pub steps_taken: u64,
}

/// Boxed, since a session moves and one engine's state is large.
enum Engine {
    Online(Box<Trainer>),
    Minibatch(Box<MinibatchRun>),
}

/// One configuration's training, a span of epochs at a time.
///
/// After an error (an interrupt mid-epoch included) the session stands
/// inside an epoch: drop it, and go on from the last snapshot.
pub struct Session<'d> {
    config: TrainConfig,
    train: &'d Dataset,
    test: &'d Dataset,
    validation: Option<Dataset>,
    options: StepOptions,
    engine: Engine,
    history: Vec<EpochRecord>,
}

/// Checks that `train` and `test` fit each other and `config`.
/// Checks that `config` can train on `train` and be judged on `test`: its
/// ranges, the two sets' widths and classes, and images where distortions need them.
pub fn check_run(config: &TrainConfig, train: &Dataset, test: &Dataset) -> Result<(), EngineError> {
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
    if config.data.augment.kind != crate::augment::Augment::None {
        match train.image() {
            Some((rows, cols)) if rows == cols => {}
            Some((rows, cols)) => {
                return Err(EngineError::config(
                    "augment",
                    format!("distortions need square images; the data's are {rows}x{cols}"),
                ))
            }
            None => {
                return Err(EngineError::config(
                    "augment",
                    format!(
                        "distortions need images; the data are {} features per sample, not images",
                        train.inputs()
                    ),
                ))
            }
        }
    }
    Ok(())
}

/// The report of a run of `config` with `history` so far, its weights judged by `judge` on test (and validation).
fn judged_report(
    config: &TrainConfig,
    (history, train_seconds): (Vec<EpochRecord>, f64),
    (test, validation): (&Dataset, Option<&Dataset>),
    judge: impl Fn(&Dataset) -> Evaluation,
    block_samples: Option<usize>,
) -> TrainReport {
    let t = Instant::now();
    let eval = judge(test);
    let eval_seconds = t.elapsed().as_secs_f64();
    let mut report = assemble(config, history, &eval, train_seconds, eval_seconds);
    if let Some(v) = validation {
        let v = judge(v);
        report.metrics.validation_error_pct = Some(v.error_pct());
        report.metrics.validation_loss = Some(v.loss);
    }
    report.block_samples = block_samples;
    report
}

impl<'d> Session<'d> {
    /// A session of `config` before its first epoch, from `init` or its seeded initialisation.
    pub fn start(
        config: &TrainConfig,
        (train, test): (&'d Dataset, &'d Dataset),
        init: Option<Network>,
        options: StepOptions,
        run: RunOptions,
    ) -> Result<Session<'d>, EngineError> {
        check_run(config, train, test)?;
        let (inputs, classes) = (train.inputs(), train.classes());
        let net = match init {
            Some(net) => {
                net.check_sizes(&sizes_of(config, inputs, classes), config.network.bias)?;
                net
            }
            None => initial_network(config, inputs, classes),
        };
        let engine = if config.is_online_study() {
            Engine::Online(Box::new(Trainer::new(config, net, options)))
        } else {
            Engine::Minibatch(Box::new(MinibatchRun::new(config, net, run)))
        };
        Ok(Session {
            config: config.clone(),
            train,
            test,
            validation: (config.data.validation > 0)
                .then(|| train.tail(train.len() - config.data.validation)),
            options,
            engine,
            history: Vec::new(),
        })
    }

    /// A session of `config` going on from `snapshot`, as the run that took it would have.
    pub fn resume(
        config: &TrainConfig,
        data: (&'d Dataset, &'d Dataset),
        snapshot: Snapshot,
        options: StepOptions,
        run: RunOptions,
    ) -> Result<Session<'d>, EngineError> {
        let bad = |problem: &str| {
            EngineError::Dataset(format!(
                "the saved run does not fit its configuration: {problem}"
            ))
        };
        if snapshot.history.len() > config.run.epochs {
            return Err(bad("it ran more epochs than the configuration has"));
        }
        let done = snapshot.history.len();
        let mut session = Session::start(config, data, Some(snapshot.network), options, run)?;
        match &mut session.engine {
            Engine::Online(t) => {
                t.steps.state.s1 = snapshot.scales[0];
                t.steps.state.s2 = snapshot.scales[1];
                t.epochs.order.replay(done);
                t.epochs.train_seconds = snapshot.train_seconds;
            }
            Engine::Minibatch(m) => {
                m.steps
                    .inner
                    .restore(snapshot.optimiser, snapshot.steps_taken)
                    .map_err(|p| bad(&p))?;
                m.epochs.order.replay(done);
                m.epochs.train_seconds = snapshot.train_seconds;
            }
        }
        session.history = snapshot.history;
        Ok(session)
    }

    /// Epochs run so far.
    pub fn epochs_done(&self) -> usize {
        self.history.len()
    }

    /// The configuration being trained.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// Runs epochs up to `epoch` (at most the configuration's); with `pause`,
    /// the last of them is evaluated on test and validation whatever `eval_every` says.
    pub fn run_to(
        &mut self,
        epoch: usize,
        pause: bool,
        observer: &mut dyn Observer,
    ) -> Result<(), EngineError> {
        let span = EpochSpan {
            first: self.history.len() + 1,
            last: epoch.min(self.config.run.epochs),
            pause,
        };
        if span.len() == 0 {
            return Ok(());
        }
        let (train, test, validation) = (self.train, self.test, self.validation.as_ref());
        let data = (train, test, validation);
        let records = match &mut self.engine {
            Engine::Online(t) => t.epochs.run_span(&mut t.steps, span, data, observer)?,
            Engine::Minibatch(m) => m.epochs.run_span(&mut m.steps, span, data, observer)?,
        };
        self.history.extend(records);
        Ok(())
    }

    fn train_seconds(&self) -> f64 {
        match &self.engine {
            Engine::Online(t) => t.epochs.train_seconds,
            Engine::Minibatch(m) => m.epochs.train_seconds,
        }
    }

    /// The report of the run so far, judged by the current weights.
    pub fn report(&self) -> TrainReport {
        let judge = |data: &Dataset| match &self.engine {
            Engine::Online(t) => t.evaluate(data),
            Engine::Minibatch(m) => m.steps.evaluate(data),
        };
        let block = match self.engine {
            Engine::Online(_) => self.options.block_samples(),
            Engine::Minibatch(_) => None,
        };
        let data = (self.test, self.validation.as_ref());
        let (history, seconds) = (self.history.clone(), self.train_seconds());
        judged_report(&self.config, (history, seconds), data, judge, block)
    }

    /// Ends the run: its report and its network with true weights.
    pub fn finish(self) -> (TrainReport, Network) {
        let seconds = self.train_seconds();
        let data = (self.test, self.validation.as_ref());
        match self.engine {
            Engine::Online(t) => {
                let net = t.finish();
                let judge = |d: &Dataset| crate::evaluate(&net, self.config.network.case, d);
                let block = self.options.block_samples();
                let report =
                    judged_report(&self.config, (self.history, seconds), data, judge, block);
                (report, net)
            }
            Engine::Minibatch(m) => {
                let judge = |d: &Dataset| m.steps.evaluate(d);
                let report =
                    judged_report(&self.config, (self.history, seconds), data, judge, None);
                (report, m.steps.inner.net)
            }
        }
    }

    /// Ends the run without judging it: its network with true weights.
    pub fn into_network(self) -> Network {
        match self.engine {
            Engine::Online(t) => t.finish(),
            Engine::Minibatch(m) => m.steps.inner.net,
        }
    }

    /// What it takes to go on from here later (taken between epochs).
    pub fn snapshot(&self) -> Snapshot {
        let (network, scales, optimiser, steps_taken) = match &self.engine {
            Engine::Online(t) => {
                let s = &t.steps.state;
                (s.net.clone(), [s.s1, s.s2], Vec::new(), 0)
            }
            Engine::Minibatch(m) => (
                m.steps.inner.net.clone(),
                [1.0, 1.0],
                m.steps.inner.optimiser_state(),
                m.steps.inner.steps_taken(),
            ),
        };
        Snapshot {
            history: self.history.clone(),
            train_seconds: self.train_seconds(),
            network,
            scales,
            optimiser,
            steps_taken,
        }
    }
}
