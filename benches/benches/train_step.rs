//! One full online training step per case and N: sparse vs dense; W1 updates
//! deferred per block, fused with the next forward, or immediate.
//!
//! Steps run over the real MNIST training images when `MNIST_DIR` is set (a
//! folder that cannot be read stops the bench), otherwise over synthetic
//! images with MNIST's density (~19% non-zero).
//! Throughput is the W1 traffic of a step: the touched rows read for the
//! forward, read and written for the update.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mlp_benches::measure::warmed_trainer;
use mlp_engine::{Case, Dataset, InputPath, LoadedData, StepOptions, W1Update, DEFERRED_SAMPLES};
use std::hint::black_box;

fn data() -> Dataset {
    if let Some(dir) = std::env::var_os("MNIST_DIR") {
        let dir = std::path::Path::new(&dir);
        match LoadedData::open(dir) {
            Ok(d) => {
                eprintln!(
                    "stepping over the MNIST training images in {}",
                    dir.display()
                );
                return d.train;
            }
            // Timing synthetic data instead would pass it off as MNIST's figures.
            Err(e) => {
                eprintln!("error: MNIST_DIR={} cannot be read: {e}", dir.display());
                std::process::exit(1);
            }
        }
    }
    eprintln!("MNIST_DIR is not set: stepping over synthetic digits of MNIST's density");
    // Deterministic synthetic digits: a blob of ~150 lit pixels per image.
    let (n, d) = (4096usize, 784usize);
    let mut x = vec![0.0f32; n * d];
    let mut rng = mlp_testkit::Rng::new(7);
    for row in x.chunks_exact_mut(d) {
        for v in row.iter_mut() {
            if rng.below(100) < 19 {
                *v = (rng.below(255) + 1) as f32 / 255.0;
            }
        }
    }
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    Dataset::from_dense(d, 10, &x, &labels).unwrap()
}

fn steps(c: &mut Criterion) {
    let data = data();
    let nnz = data.mean_nonzeros();
    let variants = [
        (
            "sparse-deferred",
            StepOptions {
                input: InputPath::Sparse,
                w1_update: W1Update::Deferred {
                    samples: DEFERRED_SAMPLES,
                },
            },
        ),
        (
            "sparse-fused",
            StepOptions {
                input: InputPath::Sparse,
                w1_update: W1Update::Fused,
            },
        ),
        (
            "sparse-immediate",
            StepOptions {
                input: InputPath::Sparse,
                w1_update: W1Update::Immediate,
            },
        ),
        (
            "dense",
            StepOptions {
                input: InputPath::Dense,
                w1_update: W1Update::Immediate,
            },
        ),
    ];
    for case in Case::ALL {
        let mut group = c.benchmark_group(format!("step/{}", case.name()));
        for hidden in [300usize, 500, 1000] {
            for (name, options) in variants {
                let mut trainer = warmed_trainer(case, hidden, &data, options);
                // 100 steps per iteration so the per-call overhead stays out of the figure.
                group.throughput(Throughput::Bytes(
                    (100.0 * 3.0 * nnz * hidden as f64 * 4.0) as u64,
                ));
                group.bench_function(BenchmarkId::new(name, hidden), |b| {
                    b.iter(|| black_box(trainer.run_steps(&data, 100)))
                });
            }
        }
        group.finish();
    }
}

criterion_group!(benches, steps);
criterion_main!(benches);
