//! Progress bars that vanish when stderr is not a terminal or output is quiet.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mlp_engine::{EpochRecord, Observer};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// A bar over one run's steps, showing the epoch and its loss.
pub struct TrainProgress {
    bar: ProgressBar,
    steps_per_epoch: u64,
    epochs: usize,
    stop: Arc<AtomicBool>,
}

/// Sample steps per second, whole numbers.
fn rate(state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = write!(w, "{:.0} steps/s", state.per_sec());
}

/// True when progress should be drawn: stderr is a terminal and not quiet.
pub fn visible(quiet: bool) -> bool {
    !quiet && std::io::stderr().is_terminal()
}

impl TrainProgress {
    /// A bar for `epochs` epochs of `steps_per_epoch` steps; hidden unless `show`.
    pub fn new(epochs: usize, steps_per_epoch: u64, show: bool, stop: Arc<AtomicBool>) -> Self {
        let bar = ProgressBar::with_draw_target(
            Some(epochs as u64 * steps_per_epoch),
            if show {
                ProgressDrawTarget::stderr()
            } else {
                ProgressDrawTarget::hidden()
            },
        );
        bar.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {percent:>3}% {rate} ETA {eta} {msg}",
            )
            .expect("valid template")
            .with_key("rate", rate)
            .progress_chars("=> "),
        );
        bar.set_prefix(format!("epoch 1/{epochs}"));
        TrainProgress {
            bar,
            steps_per_epoch,
            epochs,
            stop,
        }
    }

    /// Removes the bar from the terminal.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

impl Observer for TrainProgress {
    fn epoch_done(&mut self, record: &EpochRecord) {
        let next = (record.epoch + 1).min(self.epochs);
        self.bar.set_prefix(format!("epoch {next}/{}", self.epochs));
        let mut msg = format!("loss {:.4}", record.train_loss);
        if let Some(err) = record.test_error_pct {
            msg.push_str(&format!(" test err {err:.2}%"));
        }
        self.bar.set_message(msg);
        self.bar
            .set_position(record.epoch as u64 * self.steps_per_epoch);
    }

    fn steps_done(&mut self, steps: u64) {
        self.bar.set_position(steps);
    }

    fn should_stop(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }
}

/// A sweep's display: an overall bar and a line per running configuration,
/// or plain log lines when stderr is not a terminal.
pub struct SweepProgress {
    bars: Option<indicatif::MultiProgress>,
    overall: ProgressBar,
    running: std::sync::Mutex<std::collections::HashMap<usize, (ProgressBar, String)>>,
    done: std::sync::atomic::AtomicUsize,
    total_configs: std::sync::atomic::AtomicUsize,
    quiet: bool,
}

impl SweepProgress {
    /// Bars when `show`, log lines otherwise (none when `quiet`).
    pub fn new(show: bool, quiet: bool, configs: usize) -> SweepProgress {
        let bars = show.then(indicatif::MultiProgress::new);
        let overall = match &bars {
            Some(m) => m.add(ProgressBar::new(0)),
            None => ProgressBar::hidden(),
        };
        overall.set_style(
            ProgressStyle::with_template(
                "{prefix} [{bar:30}] {percent:>3}% {rate} ETA {eta} {msg}",
            )
            .expect("valid template")
            .with_key("rate", rate)
            .progress_chars("=> "),
        );
        SweepProgress {
            bars,
            overall,
            running: Default::default(),
            done: Default::default(),
            total_configs: configs.into(),
            quiet,
        }
    }

    fn log(&self, line: String) {
        if self.bars.is_none() && !self.quiet {
            eprintln!("{line}");
        }
    }

    /// Updates the display for one runner event.
    pub fn event(&self, event: mlp_sweep::SweepEvent<'_>) {
        use mlp_sweep::SweepEvent as E;
        match event {
            E::Planned {
                to_run,
                already_done,
                total_steps,
            } => {
                self.total_configs.store(to_run, Ordering::Relaxed);
                self.overall.set_length(total_steps);
                self.overall.set_prefix(format!("0/{to_run} configs"));
                self.log(format!(
                    "sweep: {to_run} configurations to run ({already_done} already done), {total_steps} sample steps"
                ));
            }
            E::Started {
                slot,
                config,
                steps_done,
            } => {
                let label = config.label();
                if let Some(m) = &self.bars {
                    let bar = m.add(ProgressBar::new(config.steps()));
                    bar.set_position(steps_done);
                    bar.set_style(
                        ProgressStyle::with_template("  {msg:50} [{bar:20}] {percent:>3}%")
                            .expect("valid template")
                            .progress_chars("=> "),
                    );
                    bar.set_message(label.clone());
                    self.running.lock().unwrap().insert(slot, (bar, label));
                } else {
                    let bar = ProgressBar::hidden();
                    bar.set_position(steps_done);
                    self.running
                        .lock()
                        .unwrap()
                        .insert(slot, (bar, label.clone()));
                    self.log(format!("start  {label}"));
                }
            }
            E::Progress { slot, steps } => {
                if let Some((bar, _)) = self.running.lock().unwrap().get(&slot) {
                    let delta = steps.saturating_sub(bar.position());
                    bar.set_position(steps);
                    self.overall.inc(delta);
                }
            }
            E::Paused { slot, epoch } => {
                if let Some((bar, label)) = self.running.lock().unwrap().remove(&slot) {
                    bar.finish_and_clear();
                    if let Some(m) = &self.bars {
                        m.remove(&bar);
                    }
                    self.log(format!("rung   {label}: epoch {epoch}, waits to be judged"));
                }
            }
            E::Judged {
                epoch,
                kept,
                stopped,
            } => {
                let line = format!("halving at epoch {epoch}: {kept} go on, {stopped} stop");
                match &self.bars {
                    Some(m) => {
                        let _ = m.println(line);
                    }
                    None => self.log(line),
                }
            }
            E::Finished { slot, record } => {
                let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
                let total = self.total_configs.load(Ordering::Relaxed);
                self.overall.set_prefix(format!("{done}/{total} configs"));
                if let Some((bar, label)) = self.running.lock().unwrap().remove(&slot) {
                    self.overall
                        .inc(record.report.config.steps().saturating_sub(bar.position()));
                    bar.finish_and_clear();
                    if let Some(m) = &self.bars {
                        m.remove(&bar);
                    }
                    let m = &record.report.metrics;
                    self.log(format!(
                        "[{done}/{total}] done {label}: error {:.2}%, test {} {:.4}, {:.1} s",
                        m.test_error_pct,
                        record.report.config.network.loss.label(),
                        m.test_loss,
                        m.train_seconds
                    ));
                } else if let Some(epoch) = record.stopped_at_epoch {
                    let v = record
                        .report
                        .metrics
                        .validation_error_pct
                        .unwrap_or(f64::NAN);
                    self.log(format!(
                        "[{done}/{total}] stopped at epoch {epoch} {}: validation error {v:.2}%",
                        record.report.config.label()
                    ));
                }
            }
        }
    }

    /// Clears the bars.
    pub fn finish(&self) {
        self.overall.finish_and_clear();
        for (bar, _) in self.running.lock().unwrap().values() {
            bar.finish_and_clear();
        }
    }
}
