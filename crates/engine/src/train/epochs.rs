//! The one epoch loop both step engines run under: the sample order of each
//! epoch, the clock, progress and stop requests, and each epoch's record.

use super::{epoch_record, EpochSpan, REPORT_EVERY};
use crate::{Dataset, EngineError, EpochRecord, Evaluation, Observer, TrainConfig};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use std::ops::ControlFlow;
use std::time::Instant;

/// What a step engine does for the shared loop: an epoch of steps over a
/// given order, and an evaluation of its current weights.
pub(crate) trait StepEngine {
    /// Trains one epoch (numbered from 1) over `order`, telling `progress`
    /// how many samples each stretch of steps took; a `Break` from
    /// `progress` ends the epoch at once. Returns the epoch's summed loss
    /// and count of correct predictions.
    fn epoch(
        &mut self,
        train: &Dataset,
        order: &[u32],
        epoch: usize,
        progress: &mut dyn FnMut(usize) -> ControlFlow<()>,
    ) -> ControlFlow<(), (f64, usize)>;

    /// The current weights evaluated on `data`, without disturbing training.
    fn evaluate(&self, data: &Dataset) -> Evaluation;
}

/// The order samples are visited in: file order, or, when the configuration
/// shuffles, the previous epoch's order shuffled by the seed's own random
/// stream (stream 1, so it never shares draws with initialisation).
#[derive(Debug, Clone)]
pub(crate) struct EpochOrder {
    shuffle: bool,
    rng: ChaCha8Rng,
    order: Vec<u32>,
}

impl EpochOrder {
    /// The order of `config` before its first epoch (file order).
    pub fn new(config: &TrainConfig) -> EpochOrder {
        let mut rng = ChaCha8Rng::seed_from_u64(config.run.seed);
        rng.set_stream(1);
        EpochOrder {
            shuffle: config.data.shuffle,
            rng,
            order: (0..config.data.train_samples as u32).collect(),
        }
    }

    /// The order of the next epoch.
    pub fn next(&mut self) -> &[u32] {
        if self.shuffle {
            self.order.shuffle(&mut self.rng);
        }
        &self.order
    }

    /// Brings the order and its random stream to where they stand after `epochs` epochs.
    pub fn replay(&mut self, epochs: usize) {
        for _ in 0..epochs {
            self.next();
        }
    }
}

/// A run's epochs so far: its configuration, its sample order and its clock.
#[derive(Debug, Clone)]
pub(crate) struct Epochs {
    pub config: TrainConfig,
    pub order: EpochOrder,
    /// Seconds spent in training steps (evaluation excluded).
    pub train_seconds: f64,
}

impl Epochs {
    /// The epochs of `config`, none run yet.
    pub fn new(config: &TrainConfig) -> Epochs {
        Epochs {
            config: config.clone(),
            order: EpochOrder::new(config),
            train_seconds: 0.0,
        }
    }

    /// Runs the epochs of `span` on `engine`, evaluating the validation
    /// split beside the test set when an epoch is evaluated. A stop request
    /// is honoured every [`REPORT_EVERY`] samples or so and after each epoch.
    pub fn run_span(
        &mut self,
        engine: &mut dyn StepEngine,
        span: EpochSpan,
        (train, test, validation): (&Dataset, &Dataset, Option<&Dataset>),
        observer: &mut dyn Observer,
    ) -> Result<Vec<EpochRecord>, EngineError> {
        let mut history = Vec::with_capacity(span.len());
        let mut steps_done = span.steps_before(self.config.data.train_samples);
        let mut since_report = 0usize;
        for epoch in span.epochs() {
            let order = self.order.next();
            let start = Instant::now();
            let mut progress = |n: usize| {
                steps_done += n as u64;
                since_report += n;
                if since_report < REPORT_EVERY {
                    return ControlFlow::Continue(());
                }
                since_report = 0;
                observer.steps_done(steps_done);
                match observer.should_stop() {
                    true => ControlFlow::Break(()),
                    false => ControlFlow::Continue(()),
                }
            };
            let ControlFlow::Continue((loss, correct)) =
                engine.epoch(train, order, epoch, &mut progress)
            else {
                return Err(EngineError::Interrupted);
            };
            observer.steps_done(steps_done);
            self.train_seconds += start.elapsed().as_secs_f64();
            let record = epoch_record(
                &self.config,
                (epoch, span.pauses_at(epoch)),
                (loss, correct),
                self.train_seconds,
                (test, validation),
                |d| engine.evaluate(d),
            );
            observer.epoch_done(&record);
            if observer.should_stop() {
                return Err(EngineError::Interrupted);
            }
            history.push(record);
        }
        Ok(history)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Case;
    use crate::ConfigFields;

    #[test]
    fn each_epoch_shuffles_the_last_ones_order_and_replay_lands_on_it() {
        let config = ConfigFields {
            shuffle: true,
            train_samples: 50,
            ..ConfigFields::new(Case::Tanh)
        }
        .resolve()
        .unwrap();
        let mut order = EpochOrder::new(&config);
        let first = order.next().to_vec();
        let second = order.next().to_vec();
        assert_ne!(first, second);
        let mut sorted = second.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<u32>>(), "a permutation");
        // The second epoch's order is the first's shuffled, not file order's.
        let mut fresh = EpochOrder::new(&config);
        fresh.next();
        let mut from_file = EpochOrder::new(&config);
        from_file.order = (0..50).collect();
        from_file.rng = fresh.rng.clone();
        assert_ne!(from_file.next(), &second[..]);
        let mut replayed = EpochOrder::new(&config);
        replayed.replay(2);
        assert_eq!(replayed.order, second);
        let unshuffled = ConfigFields {
            shuffle: false,
            ..config.fields()
        }
        .resolve()
        .unwrap();
        let mut file = EpochOrder::new(&unshuffled);
        file.next();
        assert_eq!(file.next(), &(0..50).collect::<Vec<u32>>()[..]);
    }
}
