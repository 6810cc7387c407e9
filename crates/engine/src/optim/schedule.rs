//! The learning rate over training: a base rate, a decay shape and a warm-up.

use crate::{LrDecay, TrainConfig};

/// A learning-rate schedule, evaluated at a position in epochs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// The base rate.
    pub base: f64,
    /// The decay's shape and parameters.
    pub decay: LrDecay,
    /// Epochs of linear warm-up from zero to the base rate: the very first
    /// step's rate is zero, so it moves no weight and only fills the
    /// optimiser's moments (momentum, Adam's averages) with its gradient.
    pub warmup_epochs: usize,
    /// All epochs of the run (the cosine's horizon ends there).
    pub epochs: usize,
}

impl Schedule {
    /// The schedule `config` names.
    pub fn of(config: &TrainConfig) -> Schedule {
        Schedule {
            base: config.optimizer.lr,
            decay: config.schedule.decay,
            warmup_epochs: config.schedule.warmup_epochs,
            epochs: config.run.epochs,
        }
    }

    /// The rate at `position` epochs into training (e.g. 2.5 is halfway through the third).
    pub fn rate(&self, position: f64) -> f64 {
        let warm = self.warmup_epochs as f64;
        if position < warm {
            // Linear from zero at the first step (position 0).
            return self.base * (position / warm).max(0.0);
        }
        let t = position - warm;
        match self.decay {
            LrDecay::Constant => self.base,
            LrDecay::Step { factor, every } => {
                self.base * factor.powi((t / every.max(1) as f64).floor() as i32)
            }
            LrDecay::Exponential { factor } => self.base * factor.powi(t.floor() as i32),
            LrDecay::Cosine => {
                let span = (self.epochs as f64 - warm).max(f64::MIN_POSITIVE);
                let frac = (t / span).clamp(0.0, 1.0);
                0.5 * self.base * (1.0 + (std::f64::consts::PI * frac).cos())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STEP: LrDecay = LrDecay::Step {
        factor: 0.5,
        every: 2,
    };
    const EXPONENTIAL: LrDecay = LrDecay::Exponential { factor: 0.5 };

    fn schedule(decay: LrDecay, warmup: usize) -> Schedule {
        Schedule {
            base: 0.1,
            decay,
            warmup_epochs: warmup,
            epochs: 10,
        }
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }

    #[test]
    fn each_shape_at_hand_computed_points() {
        let c = schedule(LrDecay::Constant, 0);
        close(c.rate(0.0), 0.1);
        close(c.rate(9.9), 0.1);
        let s = schedule(STEP, 0);
        close(s.rate(1.99), 0.1);
        close(s.rate(2.0), 0.05);
        close(s.rate(5.0), 0.025);
        let e = schedule(EXPONENTIAL, 0);
        close(e.rate(0.5), 0.1);
        close(e.rate(1.0), 0.05);
        close(e.rate(3.2), 0.0125);
        let k = schedule(LrDecay::Cosine, 0);
        close(k.rate(0.0), 0.1);
        close(k.rate(5.0), 0.05);
        close(k.rate(10.0), 0.0);
    }

    #[test]
    fn warmups_first_step_has_rate_zero_and_the_next_do_not() {
        let k = schedule(LrDecay::Cosine, 2);
        assert_eq!(k.rate(0.0), 0.0);
        // The second of 100 steps per epoch, two epochs of warm-up: 1/200 of the base.
        close(k.rate(0.01), 0.1 / 200.0);
        assert_eq!(schedule(LrDecay::Cosine, 0).rate(0.0), 0.1);
    }

    #[test]
    fn warmup_ramps_then_hands_over() {
        let k = schedule(LrDecay::Cosine, 2);
        close(k.rate(0.5), 0.025);
        close(k.rate(1.0), 0.05);
        close(k.rate(2.0), 0.1);
        // The cosine spans the 8 epochs after warm-up: halfway at epoch 6.
        close(k.rate(6.0), 0.05);
        let s = schedule(STEP, 1);
        close(s.rate(1.0), 0.1);
        close(s.rate(3.0), 0.05);
    }
}
