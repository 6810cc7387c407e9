//! Measuring minibatch training steps: samples per second of a configuration
//! at each batch size, thread count and first-layer choice, in interleaved rounds.

use super::{interleaved, median, Timed};
use mlp_engine::minibatch::{BatchStepper, FirstLayer};
use mlp_engine::{initial_network, Dataset, TrainConfig};
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};

/// Samples stepped over: the first this many training images, reshuffled each pass.
const BENCH_SAMPLES: usize = 10_000;

/// Batches run before timing: caches warm and the weights off their initial values.
const WARM_BATCHES: usize = 30;

/// What the timed batches were: how many, how many went dense, their
/// samples and non-zero inputs.
#[derive(Debug, Clone, Copy, Default)]
struct StepCounts {
    batches: u64,
    dense_batches: u64,
    samples: u64,
    nonzeros: u64,
}

/// One minibatch configuration to time.
#[derive(Debug, Clone)]
pub struct MinibatchCase {
    /// What the table calls it (the recipe's name).
    pub name: String,
    /// The configuration, batch size included.
    pub config: TrainConfig,
    /// Threads of the run (1: everything on the calling thread).
    pub threads: usize,
    /// How the first layer multiplies by the inputs.
    pub first_layer: FirstLayer,
    /// Distort images on a second thread, a batch ahead (as `mlp train` does).
    pub distort_ahead: bool,
}

/// Speed of minibatch steps for one configuration, batch size, thread count and first layer.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MinibatchBench {
    /// The configuration's name (the recipe).
    pub name: String,
    /// Layer widths, inputs to classes, e.g. `[784, 800, 10]`.
    pub sizes: Vec<usize>,
    /// Samples per batch.
    pub batch: usize,
    /// Threads the steps ran on.
    pub threads: usize,
    /// First layer asked for: `auto`, `sparse` or `dense`.
    pub first_layer: String,
    /// Where the images were distorted: `ahead` (a second thread), `inline`
    /// (in the step), or `none` (the recipe does not distort).
    pub distort: String,
    /// Fraction of the timed batches that went through the dense first layer.
    pub dense_fraction: f64,
    /// Samples per second: the median over the rounds.
    pub samples_per_second: f64,
    /// Slowest round's samples per second.
    pub samples_per_second_min: f64,
    /// Fastest round's samples per second.
    pub samples_per_second_max: f64,
    /// Timed rounds behind the median.
    pub rounds: usize,
    /// Microseconds per batch (of the median).
    pub us_per_batch: f64,
    /// Mean non-zero inputs per sample as the first layer read them (after
    /// any distortion and input dropout).
    pub mean_nonzeros: f64,
    /// The SIMD path the kernels ran on.
    pub simd: String,
}

/// The first `samples` images of `data` with faint pixels (value 0.1) lit at
/// random (seeded) among the unlit ones until about `density` of all inputs
/// are non-zero: the digits unchanged, the batches as dense as augmented or
/// non-MNIST data may be. What `mlp bench --density` steps over, to find the
/// density from which the dense first layer wins. A `density` at or below the
/// data's own returns the images as they are.
pub fn with_density(data: &Dataset, samples: usize, density: f64, seed: u64) -> Dataset {
    let (inputs, n) = (data.inputs(), data.len().min(samples));
    let own = data.mean_nonzeros() / inputs as f64;
    // Each unlit pixel lights with this probability.
    let p = ((density - own) / (1.0 - own)).clamp(0.0, 1.0);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut x = vec![0.0f32; n * inputs];
    for (i, row) in x.chunks_exact_mut(inputs).enumerate() {
        data.dense_into(i, row);
        for v in row.iter_mut() {
            if *v == 0.0 && rand::Rng::random_bool(&mut rng, p) {
                *v = 0.1;
            }
        }
    }
    let labels: Vec<u8> = (0..n).map(|i| data.label(i)).collect();
    Dataset::from_dense(inputs, data.classes(), &x, &labels)
        .expect("rows of a dataset make a dataset")
}

/// The `FirstLayer` value as a bench table names it.
pub fn first_layer_name(f: FirstLayer) -> &'static str {
    match f {
        FirstLayer::Auto => "auto",
        FirstLayer::Sparse => "sparse",
        FirstLayer::Dense => "dense",
    }
}

/// One case's trainer and thread pool, kept between rounds.
struct BatchTimer {
    case: MinibatchCase,
    stepper: BatchStepper,
    pool: rayon::ThreadPool,
    order: Vec<u32>,
    /// Where in `order` the next batch starts.
    at: usize,
    rng: ChaCha8Rng,
    rates: Vec<f64>,
    counts: StepCounts,
}

impl BatchTimer {
    fn new(case: MinibatchCase, data: &Dataset) -> Result<BatchTimer, String> {
        let config = &case.config;
        let net = initial_network(config, data.inputs(), data.classes());
        let stepper = BatchStepper::new(
            config,
            net,
            case.first_layer,
            case.threads > 1,
            case.distort_ahead,
        );
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(case.threads.max(1))
            .build()
            .map_err(|e| format!("cannot start {} threads: {e}", case.threads))?;
        let mut t = BatchTimer {
            at: 0,
            order: (0..data.len().min(BENCH_SAMPLES) as u32).collect(),
            rng: ChaCha8Rng::seed_from_u64(config.run.seed),
            case,
            stepper,
            pool,
            rates: Vec::new(),
            counts: StepCounts::default(),
        };
        t.order.shuffle(&mut t.rng);
        t.batches(data, WARM_BATCHES);
        t.counts = StepCounts::default();
        Ok(t)
    }

    /// Runs `count` batches; returns the samples stepped.
    fn batches(&mut self, data: &Dataset, count: usize) -> usize {
        let batch = self.case.config.data.batch;
        let (stepper, order, rng, counts) = (
            &mut self.stepper,
            &mut self.order,
            &mut self.rng,
            &mut self.counts,
        );
        self.pool.install(|| {
            let mut samples = 0;
            let mut left = count;
            while left > 0 {
                // The batches left in this pass over the order, then a reshuffle.
                let pass = (order.len() - self.at) / batch;
                if pass == 0 {
                    order.shuffle(rng);
                    self.at = 0;
                    continue;
                }
                let n = pass.min(left);
                let ids: Vec<&[u32]> = order[self.at..self.at + n * batch].chunks(batch).collect();
                stepper.step(data, &ids, |out| {
                    counts.dense_batches += out.dense as u64;
                    counts.batches += 1;
                    counts.nonzeros += out.nonzeros as u64;
                    counts.samples += batch as u64;
                });
                self.at += n * batch;
                samples += n * batch;
                left -= n;
            }
            samples
        })
    }

    /// Times batches for about `budget` and records the rate.
    fn round(&mut self, data: &Dataset, budget: Duration) {
        let mut samples = 0usize;
        let mut chunk = 8usize;
        let start = Instant::now();
        while start.elapsed() < budget {
            samples += self.batches(data, chunk);
            chunk = (chunk * 2).min(256);
        }
        self.rates
            .push(samples as f64 / start.elapsed().as_secs_f64());
    }

    fn summary(&self) -> MinibatchBench {
        let c = &self.case;
        let samples_per_second = median(&self.rates);
        MinibatchBench {
            name: c.name.clone(),
            sizes: self.stepper.sizes().to_vec(),
            batch: c.config.data.batch,
            threads: c.threads,
            first_layer: first_layer_name(c.first_layer).to_string(),
            distort: self.stepper.distortion().to_string(),
            dense_fraction: self.counts.dense_batches as f64 / self.counts.batches.max(1) as f64,
            samples_per_second,
            samples_per_second_min: self.rates.iter().copied().fold(f64::INFINITY, f64::min),
            samples_per_second_max: self.rates.iter().copied().fold(0.0, f64::max),
            rounds: self.rates.len(),
            us_per_batch: 1e6 * c.config.data.batch as f64 / samples_per_second,
            mean_nonzeros: self.counts.nonzeros as f64 / self.counts.samples.max(1) as f64,
            simd: mlp_engine::simd_name().to_string(),
        }
    }
}

/// Times minibatch steps of every case over the first 10,000 samples of
/// `data` (reshuffled from each configuration's seed), `budget` per round, in
/// `rounds` rounds (at least one) that each visit every case in turn, so a
/// slow spell of a shared machine spreads over all of them. `done` sees each
/// result as its last round ends; results come back in the cases' order.
///
/// # Errors
/// When a case's configuration does not fit `data` or its threads cannot start.
pub fn bench_minibatch(
    cases: &[MinibatchCase],
    data: &Dataset,
    budget: Duration,
    rounds: usize,
    done: impl FnMut(&MinibatchBench),
) -> Result<Vec<MinibatchBench>, String> {
    let mut timers = Vec::with_capacity(cases.len());
    for case in cases {
        if case.config.data.batch == 0 || case.config.data.batch > data.len().min(BENCH_SAMPLES) {
            return Err(format!(
                "batch {} does not fit the {} samples a bench steps over",
                case.config.data.batch,
                data.len().min(BENCH_SAMPLES)
            ));
        }
        timers.push(BatchTimer::new(case.clone(), data)?);
    }
    Ok(interleaved(&mut timers, data, budget, rounds, done))
}

impl Timed for BatchTimer {
    type Figures = MinibatchBench;
    fn round(&mut self, data: &Dataset, budget: Duration) {
        BatchTimer::round(self, data, budget);
    }
    fn figures(&self, _data: &Dataset) -> MinibatchBench {
        self.summary()
    }
}
