//! Measuring steps: the online step against the machine's own streaming
//! bandwidth, minibatch steps in samples per second.

mod minibatch;

pub use minibatch::{
    bench_minibatch, first_layer_name, with_density, MinibatchBench, MinibatchCase,
};

use mlp_engine::{Case, Dataset, InputPath, Network, StepOptions, TrainConfig, Trainer, W1Update};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// Single-thread speed of the online step for one case and hidden size.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StepBench {
    /// The network case.
    pub case: Case,
    /// Hidden units N.
    pub hidden: usize,
    /// When W1 updates were applied: `immediate`, `fused` or `deferred`.
    pub w1_update: String,
    /// Steps per block when W1 updates were deferred.
    pub block_samples: Option<usize>,
    /// Whether the input layer multiplied the dense input instead of the non-zero pixels.
    pub dense_input: bool,
    /// Sample steps per second, one thread: the median over the rounds.
    pub steps_per_second: f64,
    /// Slowest round's steps per second.
    pub steps_per_second_min: f64,
    /// Fastest round's steps per second.
    pub steps_per_second_max: f64,
    /// Timed rounds behind the median.
    pub rounds: usize,
    /// Microseconds per step (of the median).
    pub us_per_step: f64,
    /// The SIMD path the kernels ran on.
    pub simd: String,
    /// Mean non-zero inputs per sample of the data stepped over.
    pub mean_nonzeros: f64,
    /// Bytes of W1 an online step touches: the rows read for the forward, read and written for the update.
    pub w1_bytes_per_step: f64,
    /// Bytes of W1 this implementation loads and stores per step: fusing reads a
    /// row both samples use once, deferring loads and stores each row once per block.
    pub w1_bytes_moved_per_step: f64,
    /// Achieved W1 traffic in GB/s.
    pub achieved_gbps: f64,
    /// Size of W1 in bytes: the working set the bandwidth is measured at.
    pub working_set_bytes: usize,
    /// Measured read+write streaming bandwidth at that working-set size, GB/s.
    pub stream_gbps: f64,
    /// Achieved traffic as a fraction of the measured bandwidth.
    pub bandwidth_fraction: f64,
    /// Steps per second if a step did nothing but its W1 multiply-adds (forward
    /// and update, 2 x non-zero pixels x N) at the rate the sparse row loop
    /// reaches with every row already in L1: a ceiling no W1 schedule can pass.
    pub l1_ceiling_steps_per_second: f64,
}

/// A trainer of `case` at `hidden` over the first 10,000 samples of `data`
/// (seed 1), after 2,000 steps: caches and branch predictors warm, and the
/// weights away from their initial zero-ish state. What step benchmarks time.
pub fn warmed_trainer(case: Case, hidden: usize, data: &Dataset, options: StepOptions) -> Trainer {
    let mut config = TrainConfig::new(case);
    config.network.hidden = hidden.into();
    config.data.train_samples = data.len().min(10_000);
    let net = Network::init(data.inputs(), hidden, data.classes(), 1);
    let mut trainer = Trainer::new(&config, net, options);
    trainer.run_steps(data, 2_000.min(config.data.train_samples));
    trainer
}

/// One configuration's trainer, warmed up and kept between timed rounds.
struct StepTimer {
    case: Case,
    hidden: usize,
    options: StepOptions,
    trainer: Trainer,
    rates: Vec<f64>,
}

impl StepTimer {
    fn new(case: Case, hidden: usize, data: &Dataset, options: StepOptions) -> StepTimer {
        StepTimer {
            case,
            hidden,
            options,
            trainer: warmed_trainer(case, hidden, data, options),
            rates: Vec::new(),
        }
    }

    /// Times steps for about `budget` and records the rate.
    fn round(&mut self, data: &Dataset, budget: Duration) {
        let mut steps = 0usize;
        let mut chunk = 1_000usize;
        let start = Instant::now();
        while start.elapsed() < budget {
            self.trainer.run_steps(data, chunk);
            steps += chunk;
            chunk = (chunk * 2).min(50_000);
        }
        self.rates
            .push(steps as f64 / start.elapsed().as_secs_f64());
    }
}

/// Median of a non-empty list.
fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// Times online steps of every case x hidden size x step options over
/// `data`, `budget` per round, in `rounds` rounds (at least one) that each
/// visit every configuration in turn, so a slow spell of a shared machine
/// spreads over all of them instead of biasing one; comparing options in one
/// run this way is what makes their ratio trustworthy. `done` sees each result
/// as its last round ends; the results come back in the same order (options
/// innermost).
pub fn bench_steps(
    cases: &[Case],
    hiddens: &[usize],
    data: &Dataset,
    budget: Duration,
    options: &[StepOptions],
    rounds: usize,
    done: impl FnMut(&StepBench),
) -> Vec<StepBench> {
    let mut timers: Vec<StepTimer> = Vec::new();
    for &case in cases {
        for &hidden in hiddens {
            for &o in options {
                timers.push(StepTimer::new(case, hidden, data, o));
            }
        }
    }
    interleaved(&mut timers, data, budget, rounds, done)
}

/// One configuration a bench times in rounds, kept between them.
trait Timed {
    /// What the bench reports of it.
    type Figures;
    /// Times it for about `budget` and records the rate.
    fn round(&mut self, data: &Dataset, budget: Duration);
    /// Its figures from the rounds so far.
    fn figures(&self, data: &Dataset) -> Self::Figures;
}

/// `rounds` rounds (at least one), each visiting every timer in turn; `done`
/// sees each timer's figures as its last round ends, in the timers' order.
fn interleaved<T: Timed>(
    timers: &mut [T],
    data: &Dataset,
    budget: Duration,
    rounds: usize,
    mut done: impl FnMut(&T::Figures),
) -> Vec<T::Figures> {
    for _ in 1..rounds.max(1) {
        for t in timers.iter_mut() {
            t.round(data, budget);
        }
    }
    let mut results = Vec::with_capacity(timers.len());
    for t in timers.iter_mut() {
        t.round(data, budget);
        let r = t.figures(data);
        done(&r);
        results.push(r);
    }
    results
}

impl Timed for StepTimer {
    type Figures = StepBench;
    fn round(&mut self, data: &Dataset, budget: Duration) {
        StepTimer::round(self, data, budget);
    }
    fn figures(&self, data: &Dataset) -> StepBench {
        summarize(self, data)
    }
}

/// A configuration's figures from its timed rounds and this machine's bandwidths.
fn summarize(t: &StepTimer, data: &Dataset) -> StepBench {
    let (hidden, options) = (t.hidden, t.options);
    let steps_per_second = median(&t.rates);
    let nnz = data.mean_nonzeros();
    let w1_bytes_per_step = 3.0 * nnz * hidden as f64 * 4.0;
    let k = data.len().min(10_000);
    let w1_bytes_moved_per_step = rows_moved_per_step(data, k, options) * hidden as f64 * 4.0;
    let working_set_bytes = data.inputs() * hidden * 4;
    let stream_gbps = stream_bandwidth(working_set_bytes, Duration::from_millis(300));
    let achieved_gbps = w1_bytes_per_step * steps_per_second / 1e9;
    let l1_ceiling_steps_per_second =
        l1_row_loop_rate(Duration::from_millis(300)) / (2.0 * nnz * hidden as f64);
    let (w1_update, block_samples) = match options.w1_update {
        // The dense path updates W1 after every step whatever was asked.
        _ if options.input == InputPath::Dense => ("immediate", None),
        W1Update::Immediate => ("immediate", None),
        W1Update::Fused => ("fused", None),
        W1Update::Deferred { samples } => ("deferred", Some(samples)),
    };
    StepBench {
        case: t.case,
        hidden,
        w1_update: w1_update.to_string(),
        block_samples,
        dense_input: options.input == InputPath::Dense,
        steps_per_second,
        steps_per_second_min: t.rates.iter().copied().fold(f64::INFINITY, f64::min),
        steps_per_second_max: t.rates.iter().copied().fold(0.0, f64::max),
        rounds: t.rates.len(),
        us_per_step: 1e6 / steps_per_second,
        simd: mlp_engine::simd_name().to_string(),
        mean_nonzeros: nnz,
        w1_bytes_per_step,
        w1_bytes_moved_per_step,
        achieved_gbps,
        working_set_bytes,
        stream_gbps,
        bandwidth_fraction: achieved_gbps / stream_gbps,
        l1_ceiling_steps_per_second,
    }
}

/// Mean W1 rows loaded plus rows stored per step over the first `k` samples in order.
fn rows_moved_per_step(data: &Dataset, k: usize, options: StepOptions) -> f64 {
    let k = k.min(4096);
    if k == 0 {
        return 0.0;
    }
    let rows = |i: usize| data.sample(i % k).0;
    let union = |a: &mut Vec<u32>| {
        a.sort_unstable();
        a.dedup();
        a.len()
    };
    let block = match (options.input, options.w1_update) {
        (InputPath::Dense, _) => return 3.0 * data.inputs() as f64,
        (InputPath::Sparse, W1Update::Immediate) => {
            return (0..k).map(|i| 3 * rows(i).len()).sum::<usize>() as f64 / k as f64;
        }
        (InputPath::Sparse, W1Update::Fused) => 1,
        (InputPath::Sparse, W1Update::Deferred { samples }) => samples.max(1),
    };
    // A pass loads the union of the held-back block's rows and the next
    // block's, and stores the held-back block's rows.
    let mut moved = 0usize;
    let mut start = 0;
    while start < k {
        let (mut upd, mut all) = (Vec::new(), Vec::new());
        for i in start..start + block {
            upd.extend_from_slice(rows(i));
            all.extend_from_slice(rows(i));
            all.extend_from_slice(rows(i + block));
        }
        moved += union(&mut upd) + union(&mut all);
        start += block;
    }
    moved as f64 / start as f64
}

/// Multiply-adds per second of the sparse row loop (`sparse_gemv_t`) with
/// every row in L1: 64 aligned rows of one 64-float column block (16 KiB, the
/// unit the deferred pass works on), the best of repeated runs. The rate per
/// multiply-add does not depend on N, since wider rows are more such blocks.
pub fn l1_row_loop_rate(budget: Duration) -> f64 {
    const ROWS: usize = 64;
    const COLS: usize = 64;
    let src: Vec<f32> = (0..ROWS * COLS).map(|i| (i % 7) as f32 * 1e-3).collect();
    // The rows on a cache-line boundary, as the engine stores W1's.
    let mut buf = vec![0.0f32; ROWS * COLS + 16];
    let start = (16 - (buf.as_ptr() as usize % 64) / 4) % 16;
    buf[start..start + ROWS * COLS].copy_from_slice(&src);
    let a = &buf[start..start + ROWS * COLS];
    let idx: Vec<u32> = (0..ROWS as u32).collect();
    let vals = vec![0.5f32; ROWS];
    let mut y = vec![0.0f32; COLS];
    let calls = 1000;
    let mut best = f64::INFINITY;
    let start = Instant::now();
    while start.elapsed() < budget {
        let t = Instant::now();
        for _ in 0..calls {
            mlp_kernels::sparse_gemv_t(std::hint::black_box(a), COLS, &idx, &vals, &mut y);
        }
        best = best.min(t.elapsed().as_secs_f64());
    }
    std::hint::black_box(&y);
    (calls * ROWS * COLS) as f64 / best
}

/// Read+write streaming bandwidth (GB/s) over a buffer of `bytes`, the best of repeated passes.
///
/// Each pass scales the buffer in place with the same SIMD kernels training
/// uses, so the figure is what this core can move at this working-set size.
pub fn stream_bandwidth(bytes: usize, budget: Duration) -> f64 {
    let mut buf = vec![1.0f32; (bytes / 4).max(16)];
    let moved = 2.0 * (buf.len() * 4) as f64;
    let mut best = f64::INFINITY;
    let start = Instant::now();
    let mut alpha = 1.000_001f32;
    while start.elapsed() < budget {
        let t = Instant::now();
        mlp_kernels::scale(alpha, &mut buf);
        best = best.min(t.elapsed().as_secs_f64());
        // Alternate so values stay bounded and the work cannot be elided.
        alpha = 1.0 / alpha;
    }
    std::hint::black_box(&buf);
    moved / best / 1e9
}

#[cfg(test)]
mod tests {
    use super::median;

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[3.0]), 3.0);
        assert_eq!(median(&[5.0, 1.0, 3.0]), 3.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
    }
}
