//! What a training run reports: the study's metrics, history and timings.

use crate::TrainConfig;
use serde::{Deserialize, Serialize};

/// One epoch's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// Epoch number, from 1.
    pub epoch: usize,
    /// Mean per-sample loss over the epoch, each taken before its sample's update.
    pub train_loss: f64,
    /// Fraction of the epoch's samples classified correctly before their update.
    pub train_accuracy: f64,
    /// Training seconds so far (evaluation excluded).
    pub train_seconds: f64,
    /// Test error in percent after this epoch, when evaluated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_error_pct: Option<f64>,
    /// Test loss after this epoch, when evaluated: per sample, of the
    /// configuration's kind (`config.network.loss`: MSE or cross-entropy). Records
    /// written before it was named by its kind call it `test_mse`.
    #[serde(default, skip_serializing_if = "Option::is_none", alias = "test_mse")]
    pub test_loss: Option<f64>,
    /// Validation error in percent after this epoch, when evaluated with a validation split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_error_pct: Option<f64>,
    /// Validation loss after this epoch, when evaluated with a validation split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_loss: Option<f64>,
}

/// The study's metrics and ours for a finished run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Mean over epochs of each epoch's mean training loss (the study's
    /// "training MSE" for its MSE runs; `train_mse` in earlier records).
    #[serde(alias = "train_mse")]
    pub mean_train_loss: f64,
    /// Mean per-sample loss on the test set after training, of the
    /// configuration's kind (`test_mse` in earlier records).
    #[serde(alias = "test_mse")]
    pub test_loss: f64,
    /// Misclassified test samples.
    pub misclassified: usize,
    /// Misclassified test samples in percent.
    pub test_error_pct: f64,
    /// Fraction of test samples classified correctly.
    pub accuracy: f64,
    /// Test samples evaluated.
    pub test_samples: usize,
    /// The last epoch's mean training loss.
    pub final_train_loss: f64,
    /// Wall-clock seconds of the training loop (evaluation excluded).
    pub train_seconds: f64,
    /// Wall-clock seconds of the final test evaluation.
    pub eval_seconds: f64,
    /// Sample steps run.
    pub steps: u64,
    /// Sample steps per second of training time.
    pub steps_per_second: f64,
    /// Validation error in percent after training, with a validation split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_error_pct: Option<f64>,
    /// Validation loss after training, with a validation split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_loss: Option<f64>,
}

/// Everything one run produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// The configuration that was run.
    pub config: TrainConfig,
    /// Final metrics.
    pub metrics: Metrics,
    /// Per-epoch figures.
    pub history: Vec<EpochRecord>,
    /// Test confusion matrix, `[true][predicted]`.
    pub confusion: Vec<Vec<u64>>,
    /// Steps per block of held-back W1 updates (see [`crate::W1Update::Deferred`]),
    /// or `None` when every step updated W1 at once. It changes results at the
    /// rounding level, so runs compare bit for bit only at equal block sizes.
    /// Records written before it was recorded have `None`.
    #[serde(default)]
    pub block_samples: Option<usize>,
    /// The SIMD path the kernels ran on.
    pub simd: String,
    /// The engine version.
    pub version: String,
}

impl Metrics {
    /// The metrics with timings zeroed, for comparing runs bit for bit.
    pub fn without_timings(&self) -> Metrics {
        Metrics {
            train_seconds: 0.0,
            eval_seconds: 0.0,
            steps_per_second: 0.0,
            ..self.clone()
        }
    }
}
