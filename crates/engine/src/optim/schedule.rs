//! The learning rate over training: a base rate, a decay shape and a warm-up.

use crate::kinds::ScheduleKind;
use crate::TrainConfig;

/// A learning-rate schedule, evaluated at a position in epochs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    /// The base rate.
    pub base: f64,
    /// The decay shape.
    pub kind: ScheduleKind,
    /// Factor of `step` and `exponential`.
    pub decay: f64,
    /// Epochs between the `step` schedule's drops.
    pub step_epochs: usize,
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
            base: config.lr,
            kind: config.schedule,
            decay: config.lr_decay,
            step_epochs: config.step_epochs.max(1),
            warmup_epochs: config.warmup_epochs,
            epochs: config.epochs,
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
        match self.kind {
            ScheduleKind::Constant => self.base,
            ScheduleKind::Step => {
                self.base
                    * self
                        .decay
                        .powi((t / self.step_epochs as f64).floor() as i32)
            }
            ScheduleKind::Exponential => self.base * self.decay.powi(t.floor() as i32),
            ScheduleKind::Cosine => {
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

    fn schedule(kind: ScheduleKind, warmup: usize) -> Schedule {
        Schedule {
            base: 0.1,
            kind,
            decay: 0.5,
            step_epochs: 2,
            warmup_epochs: warmup,
            epochs: 10,
        }
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} vs {b}");
    }

    #[test]
    fn each_shape_at_hand_computed_points() {
        let c = schedule(ScheduleKind::Constant, 0);
        close(c.rate(0.0), 0.1);
        close(c.rate(9.9), 0.1);
        let s = schedule(ScheduleKind::Step, 0);
        close(s.rate(1.99), 0.1);
        close(s.rate(2.0), 0.05);
        close(s.rate(5.0), 0.025);
        let e = schedule(ScheduleKind::Exponential, 0);
        close(e.rate(0.5), 0.1);
        close(e.rate(1.0), 0.05);
        close(e.rate(3.2), 0.0125);
        let k = schedule(ScheduleKind::Cosine, 0);
        close(k.rate(0.0), 0.1);
        close(k.rate(5.0), 0.05);
        close(k.rate(10.0), 0.0);
    }

    #[test]
    fn warmups_first_step_has_rate_zero_and_the_next_do_not() {
        let k = schedule(ScheduleKind::Cosine, 2);
        assert_eq!(k.rate(0.0), 0.0);
        // The second of 100 steps per epoch, two epochs of warm-up: 1/200 of the base.
        close(k.rate(0.01), 0.1 / 200.0);
        assert_eq!(schedule(ScheduleKind::Cosine, 0).rate(0.0), 0.1);
    }

    #[test]
    fn warmup_ramps_then_hands_over() {
        let k = schedule(ScheduleKind::Cosine, 2);
        close(k.rate(0.5), 0.025);
        close(k.rate(1.0), 0.05);
        close(k.rate(2.0), 0.1);
        // The cosine spans the 8 epochs after warm-up: halfway at epoch 6.
        close(k.rate(6.0), 0.05);
        let s = schedule(ScheduleKind::Step, 1);
        close(s.rate(1.0), 0.1);
        close(s.rate(3.0), 0.05);
    }
}
