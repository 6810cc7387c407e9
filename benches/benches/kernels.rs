//! Criterion benchmarks for `mlp-kernels` at hidden sizes N = 300, 500, 1000.
//!
//! Sparse inputs mimic MNIST: ~150 of 784 pixels set, drawn from the central
//! 20x20 window (so two consecutive samples overlap like real digits do).
//! `Throughput::Bytes` counts weight bytes moved (reads + writes); activations
//! report elements. Sparse kernels and the fused kernel are also measured on
//! every available SIMD path; the rest run on the active path only.

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use mlp_kernels as k;
use mlp_testkit::Rng;

const INPUTS: usize = 784;
const OUTPUTS: usize = 10;
const SIZES: [usize; 3] = [300, 500, 1000];

/// A digit-like sparse sample: ~150 pixels of the central 20x20 window, values in (0, 1].
fn sample(g: &mut Rng) -> (Vec<u32>, Vec<f32>) {
    let idx: Vec<u32> = (0..INPUTS as u32)
        .filter(|&p| {
            let (r, c) = (p / 28, p % 28);
            (4..24).contains(&r) && (4..24).contains(&c) && g.below(8) < 3
        })
        .collect();
    let vals = idx.iter().map(|_| g.unit().max(1e-3)).collect();
    (idx, vals)
}

fn union_len(a: &[u32], b: &[u32]) -> usize {
    a.len() + b.iter().filter(|i| a.binary_search(i).is_err()).count()
}

fn sparse(c: &mut Criterion) {
    let mut g = Rng::new(0x2545_f491_4f6c_dd1d);
    let (ui, uv) = sample(&mut g);
    let (ai, av) = sample(&mut g);
    let paths = k::available_paths();
    eprintln!(
        "active SIMD path: {} (available: {paths:?}); upd rows {}, acc rows {}, union {}",
        k::simd_name(),
        ui.len(),
        ai.len(),
        union_len(&ui, &ai)
    );
    for n in SIZES {
        let mut w1 = g.floats(INPUTS * n, 0.05);
        let delta = g.floats(n, 0.1);
        let mut y = vec![0.0f32; n];
        let row_bytes = (n * 4) as u64;

        let mut grp = c.benchmark_group(format!("sparse_gemv_t/N={n}"));
        grp.throughput(Throughput::Bytes(ai.len() as u64 * row_bytes));
        for &p in &paths {
            grp.bench_function(BenchmarkId::from_parameter(p), |b| {
                k::with_path(p, || {
                    b.iter(|| k::sparse_gemv_t(black_box(&w1), n, &ai, &av, &mut y))
                });
            });
        }
        grp.finish();

        let mut grp = c.benchmark_group(format!("sparse_ger/N={n}"));
        grp.throughput(Throughput::Bytes(2 * ui.len() as u64 * row_bytes));
        for &p in &paths {
            grp.bench_function(BenchmarkId::from_parameter(p), |b| {
                k::with_path(p, || {
                    // alpha = 0 keeps the weights stable across iterations; same work.
                    b.iter(|| k::sparse_ger(black_box(0.0), &ui, &uv, &delta, &mut w1))
                });
            });
        }
        grp.finish();

        // Fused: reads the union once, writes the update rows.
        let mut grp = c.benchmark_group(format!("sparse_ger_then_gemv_t/N={n}"));
        grp.throughput(Throughput::Bytes(
            (union_len(&ui, &ai) + ui.len()) as u64 * row_bytes,
        ));
        for &p in &paths {
            grp.bench_function(BenchmarkId::from_parameter(p), |b| {
                k::with_path(p, || {
                    b.iter(|| {
                        k::sparse_ger_then_gemv_t(
                            black_box(0.0),
                            &ui,
                            &uv,
                            &delta,
                            &ai,
                            &av,
                            &mut w1,
                            &mut y,
                        )
                    })
                });
            });
        }
        grp.finish();

        // The unfused pair the fused kernel replaces (active path), same byte count as its parts.
        let mut grp = c.benchmark_group(format!("unfused_ger_gemv_t/N={n}"));
        grp.throughput(Throughput::Bytes(
            (2 * ui.len() + ai.len()) as u64 * row_bytes,
        ));
        grp.bench_function(BenchmarkId::from_parameter(k::simd_name()), |b| {
            b.iter(|| {
                k::sparse_ger(black_box(0.0), &ui, &uv, &delta, &mut w1);
                k::sparse_gemv_t(&w1, n, &ai, &av, &mut y);
            })
        });
        grp.finish();
    }
}

/// One block pass at the engine's block size: its held-back updates and as
/// many reads of digit-like samples, per path.
/// Bytes: the logical traffic of the steps it replaces (3 x rows x N x 4 each).
fn block(c: &mut Criterion) {
    const SLOTS: usize = mlp_engine::DEFERRED_SAMPLES;
    let mut g = Rng::new(0x0bad_cafe_1234_5678);
    let mut set = k::SparseSet::new(INPUTS);
    for _ in 0..2 * SLOTS {
        let (i, v) = sample(&mut g);
        set.push(&i, &v);
    }
    let updates: Vec<k::TiledSparse> = (0..SLOTS).map(|i| set.tiled(i)).collect();
    let reads: Vec<k::TiledSparse> = (SLOTS..2 * SLOTS).map(|i| set.tiled(i)).collect();
    let rows = set.entries();
    let alphas = vec![0.0f32; SLOTS];
    for n in SIZES {
        let mut w1 = g.floats(INPUTS * n, 0.05);
        let deltas = g.floats(SLOTS * n, 0.1);
        let mut z = vec![0.0f32; SLOTS * n];
        let mut grp = c.benchmark_group(format!("block_pass_{SLOTS}/N={n}"));
        grp.throughput(Throughput::Bytes(
            (rows as f64 * 1.5) as u64 * (n * 4) as u64,
        ));
        for p in k::available_paths() {
            grp.bench_function(BenchmarkId::from_parameter(p), |b| {
                k::with_path(p, || {
                    b.iter(|| {
                        k::block_pass(
                            &updates,
                            black_box(&alphas),
                            &deltas,
                            &reads,
                            n,
                            &mut w1,
                            &mut z,
                        )
                    })
                });
            });
        }
        grp.finish();
    }
}

fn dense(c: &mut Criterion) {
    let mut g = Rng::new(0x9e37_79b9_7f4a_7c15);
    let p = k::simd_name();
    for n in SIZES {
        let w1 = g.floats(INPUTS * n, 0.05);
        let mut w2 = g.floats(OUTPUTS * n, 0.05);
        let x784 = g.floats(INPUTS, 1.0);
        let h = g.floats(n, 1.0);
        let mut hn = vec![0.0f32; n];
        let mut out = vec![0.0f32; OUTPUTS];
        let d_out = g.floats(OUTPUTS, 0.1);
        let nb = (n * 4) as u64;

        let mut grp = c.benchmark_group(format!("dense/N={n}"));
        grp.throughput(Throughput::Bytes(INPUTS as u64 * nb));
        grp.bench_function(BenchmarkId::new("gemv_t_784xN", p), |b| {
            b.iter(|| k::gemv_t(black_box(&w1), n, &x784, &mut hn))
        });
        grp.throughput(Throughput::Bytes(OUTPUTS as u64 * nb));
        grp.bench_function(BenchmarkId::new("gemv_10xN", p), |b| {
            b.iter(|| k::gemv(black_box(&w2), n, &h, &mut out))
        });
        grp.bench_function(BenchmarkId::new("gemv_t_10xN", p), |b| {
            b.iter(|| k::gemv_t(black_box(&w2), n, &d_out, &mut hn))
        });
        grp.throughput(Throughput::Bytes(2 * OUTPUTS as u64 * nb));
        grp.bench_function(BenchmarkId::new("ger_10xN", p), |b| {
            b.iter(|| k::ger(black_box(0.0), &d_out, &h, &mut w2))
        });
        grp.throughput(Throughput::Bytes(2 * nb));
        grp.bench_function(BenchmarkId::new("dot", p), |b| {
            b.iter(|| k::dot(black_box(&h), &hn))
        });
        grp.throughput(Throughput::Bytes(3 * nb));
        grp.bench_function(BenchmarkId::new("axpy", p), |b| {
            b.iter(|| k::axpy(black_box(0.0), &h, &mut hn))
        });
        // A deferred step's in-block corrections: half a block of earlier
        // deltas added to one product, as one kernel and as an axpy per row.
        let rows = mlp_engine::DEFERRED_SAMPLES / 2;
        let deltas = g.floats(rows * n, 0.1);
        let idx: Vec<u32> = (0..rows as u32).collect();
        let coeffs = vec![0.0f32; rows];
        grp.throughput(Throughput::Bytes((rows as u64 + 2) * nb));
        grp.bench_function(
            BenchmarkId::new(format!("add_scaled_rows_{rows}"), p),
            |b| b.iter(|| k::add_scaled_rows(black_box(&deltas), n, &idx, &coeffs, &mut hn)),
        );
        grp.throughput(Throughput::Bytes(3 * rows as u64 * nb));
        grp.bench_function(BenchmarkId::new(format!("axpy_x{rows}"), p), |b| {
            b.iter(|| {
                for (row, &a) in black_box(&deltas).chunks_exact(n).zip(&coeffs) {
                    k::axpy(a, row, &mut hn);
                }
            })
        });
        grp.finish();
    }
}

fn activations(c: &mut Criterion) {
    let mut g = Rng::new(7);
    let p = k::simd_name();
    for n in SIZES {
        let x = g.floats(n, 4.0);
        let mut y = vec![0.0f32; n];
        let mut gr = g.floats(n, 1.0);
        let mut grp = c.benchmark_group(format!("activation/N={n}"));
        grp.throughput(Throughput::Elements(n as u64));
        grp.bench_function(BenchmarkId::new("tanh", p), |b| {
            b.iter(|| k::tanh(black_box(&x), &mut y))
        });
        grp.bench_function(BenchmarkId::new("sigmoid", p), |b| {
            b.iter(|| k::sigmoid(black_box(&x), &mut y))
        });
        grp.bench_function(BenchmarkId::new("relu", p), |b| {
            b.iter(|| k::relu(black_box(&x), &mut y))
        });
        grp.bench_function(BenchmarkId::new("mul_tanh_deriv", p), |b| {
            b.iter(|| k::mul_tanh_deriv(black_box(&y), 1.0, &mut gr))
        });
        grp.finish();
    }
}

criterion_group!(benches, sparse, block, dense, activations);
criterion_main!(benches);
