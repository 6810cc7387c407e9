//! The minibatch step's kernels beside the ceilings of this machine, each
//! measured here, interleaved round by round:
//!
//! - register FMAs: independent multiply-adds with no memory operand, and
//!   Adam's square root and divide per float;
//! - the sparse row loop (`sparse_gemv_t`: `y = sum_k v_k A[i_k, :]`, 800
//!   columns, 150 rows a call) with the rows it reads in L1 (10 rows), in L2
//!   (400 rows, 1.3 MB) and beyond (8,000 rows, 26 MB);
//! - a streaming copy (64 MB to 64 MB) and a streaming read-modify-write of
//!   two arrays (what a momentum pass does per parameter);
//! - the step's own kernels on a 784x800 W1 and 64 rows of 150 lit pixels:
//!   the forward product row by row (`sparse_gemm`, from aligned buffers and
//!   from plain vectors) and from the batch transposed
//!   (`sparse_gemm_by_inputs`, the step's), the weight gradient per pixel
//!   (`sparse_gemv_t`) and by blocks of pixels (`sparse_gemv_t_by_inputs`,
//!   the step's), and the optimiser pass `update_params` (Nesterov momentum,
//!   and Adam) over W1.
//!
//! Buffers are `AlignedVec`s, as the trainer keeps them.
//!
//! Multiply-adds are counted as GMAC/s, passes over memory as GB/s of bytes
//! read plus written.
//!
//! `cargo run --release -p mlp-benches --bin ceilings -- --seconds 0.5 --rounds 5`

use mlp_kernels::{AlignedVec, Moment, ParamUpdate, SparseSet};
use rand::{Rng, SeedableRng};
use std::hint::black_box;
use std::time::Instant;

/// Hidden units of the step's first layer, the columns of every row loop.
const COLS: usize = 800;
/// Input pixels: rows of W1.
const PIXELS: usize = 784;
/// Lit pixels a row of the batch has (MNIST's mean is about 150).
const LIT: usize = 150;
/// Rows of the batch.
const BATCH: usize = 64;

/// One measurement: a name, what it counts, and a closure doing one unit of
/// work and returning how many of its units (MACs or bytes) it did.
struct Probe<'a> {
    name: &'static str,
    unit: &'static str,
    run: Box<dyn FnMut() -> u64 + 'a>,
}

/// Runs `probe` for `seconds`; its rate in units per second.
fn rate(probe: &mut Probe<'_>, seconds: f64) -> f64 {
    let started = Instant::now();
    let mut done = 0u64;
    while started.elapsed().as_secs_f64() < seconds {
        done += (probe.run)();
    }
    done as f64 / started.elapsed().as_secs_f64()
}

/// `n` sorted distinct indices below `below`.
fn lit(rng: &mut rand_chacha::ChaCha8Rng, n: usize, below: usize) -> Vec<u32> {
    let mut picked = rand::seq::index::sample(rng, below, n.min(below)).into_vec();
    picked.sort_unstable();
    picked.into_iter().map(|i| i as u32).collect()
}

/// `n` values in [0.1, 1), on a cache-line boundary as the trainer keeps its buffers.
fn values(rng: &mut rand_chacha::ChaCha8Rng, n: usize) -> AlignedVec {
    let v: Vec<f32> = (0..n).map(|_| rng.random_range(0.1f32..1.0)).collect();
    AlignedVec::from(v)
}

/// Register FMAs: 12 independent accumulators, so latency never stalls the
/// two FMA ports; `iterations` rounds of 12 vector FMAs.
#[cfg(target_arch = "x86_64")]
mod registers {
    use std::arch::x86_64::*;

    /// The sum of every lane of `acc`, so that no chain is optimised away.
    #[target_feature(enable = "avx512f")]
    fn sum512(acc: &[__m512]) -> f32 {
        let mut sum = _mm512_setzero_ps();
        for &a in acc {
            sum = _mm512_add_ps(sum, a);
        }
        _mm512_reduce_add_ps(sum)
    }

    /// # Safety
    /// The CPU has AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn fma512(iterations: u64) -> f32 {
        let b = _mm512_set1_ps(0.999_999);
        let c = _mm512_set1_ps(1e-7);
        let mut acc = [_mm512_set1_ps(1.0); 12];
        for _ in 0..iterations {
            for a in acc.iter_mut() {
                *a = _mm512_fmadd_ps(*a, b, c);
            }
        }
        sum512(&acc)
    }

    /// Adam's per-float divider work, `x = n / (sqrt(x) + eps)`, in 8
    /// independent chains: many more than the divider's latency covers.
    ///
    /// # Safety
    /// The CPU has AVX-512F.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn sqrt_div512(iterations: u64) -> f32 {
        let n = _mm512_set1_ps(1.5);
        let eps = _mm512_set1_ps(1e-8);
        let mut acc = [_mm512_set1_ps(2.0); 8];
        for _ in 0..iterations {
            for a in acc.iter_mut() {
                *a = _mm512_div_ps(n, _mm512_add_ps(_mm512_sqrt_ps(*a), eps));
            }
        }
        sum512(&acc)
    }

    /// # Safety
    /// The CPU has AVX2 and FMA.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn fma256(iterations: u64) -> f32 {
        let b = _mm256_set1_ps(0.999_999);
        let c = _mm256_set1_ps(1e-7);
        let mut acc = [_mm256_set1_ps(1.0); 12];
        for _ in 0..iterations {
            for a in acc.iter_mut() {
                *a = _mm256_fmadd_ps(*a, b, c);
            }
        }
        let mut sum = _mm256_setzero_ps();
        for a in acc {
            sum = _mm256_add_ps(sum, a);
        }
        let mut lanes = [0f32; 8];
        // SAFETY: `lanes` holds 8 floats, one 256-bit store.
        unsafe { _mm256_storeu_ps(lanes.as_mut_ptr(), sum) };
        lanes.iter().sum()
    }
}

/// The register-FMA probes this CPU can run.
fn register_probes<'a>() -> Vec<Probe<'a>> {
    let mut out = Vec::new();
    #[cfg(target_arch = "x86_64")]
    {
        const ITER: u64 = 100_000;
        if is_x86_feature_detected!("avx512f") {
            out.push(Probe {
                name: "register FMAs, AVX-512",
                unit: "GMAC/s",
                run: Box::new(|| {
                    // SAFETY: AVX-512F was detected above.
                    black_box(unsafe { registers::fma512(ITER) });
                    ITER * 12 * 16
                }),
            });
            out.push(Probe {
                name: "register square root and divide (Adam's per float), AVX-512",
                unit: "G floats/s",
                run: Box::new(|| {
                    // SAFETY: AVX-512F was detected above.
                    black_box(unsafe { registers::sqrt_div512(ITER / 10) });
                    ITER / 10 * 8 * 16
                }),
            });
        }
        if is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma") {
            out.push(Probe {
                name: "register FMAs, AVX2",
                unit: "GMAC/s",
                run: Box::new(|| {
                    // SAFETY: AVX2 and FMA were detected above.
                    black_box(unsafe { registers::fma256(ITER) });
                    ITER * 12 * 8
                }),
            });
        }
    }
    out
}

fn main() {
    let mut seconds = 0.5;
    let mut rounds = 5usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match (a.as_str(), args.next()) {
            ("--seconds", Some(v)) if v.parse::<f64>().is_ok() => {
                seconds = v.parse().unwrap_or(0.5)
            }
            ("--rounds", Some(v)) if v.parse::<usize>().is_ok() => rounds = v.parse().unwrap_or(5),
            _ => {
                eprintln!("usage: ceilings [--seconds S] [--rounds R]");
                std::process::exit(2);
            }
        }
    }
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);

    // The row loop over matrices whose rows sit in L1, in L2, and beyond.
    let tables: Vec<(usize, AlignedVec)> = [10usize, 400, 8000]
        .iter()
        .map(|&rows| (rows, values(&mut rng, rows * COLS)))
        .collect();
    let calls: Vec<Vec<(Vec<u32>, Vec<f32>)>> = tables
        .iter()
        .map(|(rows, _)| {
            (0..64)
                .map(|_| {
                    let n = LIT.min(*rows);
                    (lit(&mut rng, n, *rows), values(&mut rng, n).to_vec())
                })
                .collect()
        })
        .collect();

    // The step's data: W1, a batch of lit pixels, its transposed lists, deltas.
    let w1 = values(&mut rng, PIXELS * COLS);
    let mut set = SparseSet::new(PIXELS);
    let mut by_pixel: Vec<(Vec<u32>, Vec<f32>)> = vec![(Vec::new(), Vec::new()); PIXELS];
    for r in 0..BATCH {
        let idx = lit(&mut rng, LIT, PIXELS);
        let vals = values(&mut rng, LIT);
        for (&p, &v) in idx.iter().zip(vals.iter()) {
            by_pixel[p as usize].0.push(r as u32);
            by_pixel[p as usize].1.push(v);
        }
        set.push(&idx, &vals);
    }
    let ids: Vec<u32> = (0..BATCH as u32).collect();
    let deltas = values(&mut rng, BATCH * COLS);
    let macs = (BATCH * LIT * COLS) as u64;

    let big = 16 << 20; // floats: 64 MB
    let src = vec![1f32; big];
    let mut dst = vec![0f32; big];
    let mut a = vec![1f32; big];
    let b = vec![0.5f32; big];
    let mut z = AlignedVec::zeros(BATCH * COLS);
    let mut grad = AlignedVec::zeros(PIXELS * COLS);
    let mut w = w1.clone();
    let mut trace = AlignedVec::zeros(PIXELS * COLS);
    let mut adam = AlignedVec::zeros(2 * PIXELS * COLS);
    let g = values(&mut rng, PIXELS * COLS);
    let nesterov = ParamUpdate {
        l2: 1e-4,
        moment: Moment::Trace {
            mu: 0.9,
            nesterov: true,
        },
        decay: 0.0,
        lr: 1e-3,
    };
    let adam_step = ParamUpdate {
        l2: 0.0,
        moment: Moment::Adam {
            b1: 0.9,
            b2: 0.999,
            eps: 1e-8,
            c1: 1.0 / (1.0 - 0.9f32.powi(10)),
            c2: 1.0 / (1.0 - 0.999f32.powi(10)),
        },
        decay: 0.0,
        lr: 1e-3,
    };
    let floats = (PIXELS * COLS) as u64;
    let mut w_adam = w1.clone();
    let mut w_tiny = w1.clone();
    // Moments of weights whose gradients have faded: subnormal floats.
    let mut adam_tiny = AlignedVec::from(vec![1e-39f32; 2 * PIXELS * COLS]);
    let g_tiny = AlignedVec::from(vec![1e-30f32; PIXELS * COLS]);
    let mut grad_panels = AlignedVec::zeros(PIXELS * COLS);
    let mut start = vec![0usize];
    let (mut by_rows, mut by_vals) = (Vec::new(), Vec::new());
    for (rows, vals) in &by_pixel {
        by_rows.extend_from_slice(rows);
        by_vals.extend_from_slice(vals);
        start.push(by_rows.len());
    }
    let mut z_by = AlignedVec::zeros(BATCH * COLS);
    // W1 and Z as plain vectors, wherever the allocator puts them.
    let w1_vec = w1.to_vec();
    let mut z_vec = vec![0f32; BATCH * COLS];
    let misaligned = w1_vec.as_ptr() as usize % 64;
    let mut probes = register_probes();
    for ((rows, table), calls) in tables.iter().zip(&calls) {
        let name = match rows {
            10 => "row loop, rows in L1 (10 rows, 32 KB)",
            400 => "row loop, rows in L2 (400 rows, 1.3 MB)",
            _ => "row loop, rows beyond L2 (8,000 rows, 26 MB)",
        };
        let y = std::cell::RefCell::new(vec![0f32; COLS]);
        probes.push(Probe {
            name,
            unit: "GMAC/s",
            run: Box::new(move || {
                let mut y = y.borrow_mut();
                let mut n = 0;
                for (idx, vals) in calls {
                    mlp_kernels::sparse_gemv_t(table, COLS, idx, vals, &mut y);
                    n += idx.len() * COLS;
                }
                black_box(&y);
                n as u64
            }),
        });
    }
    probes.push(Probe {
        name: "streaming copy (64 MB)",
        unit: "GB/s",
        run: Box::new(|| {
            dst.copy_from_slice(&src);
            black_box(&dst);
            8 * big as u64
        }),
    });
    probes.push(Probe {
        name: "streaming a = 0.9 a + b (64 MB each)",
        unit: "GB/s",
        run: Box::new(|| {
            for (x, y) in a.iter_mut().zip(&b) {
                *x = 0.9 * *x + *y;
            }
            black_box(&a);
            12 * big as u64
        }),
    });
    probes.push(Probe {
        name: "step: forward sparse_gemm (64 rows, 784x800 W1)",
        unit: "GMAC/s",
        run: Box::new(|| {
            mlp_kernels::sparse_gemm(&set, &ids, &w1, COLS, &mut z);
            black_box(&z);
            macs
        }),
    });
    probes.push(Probe {
        name: "step: forward sparse_gemm_by_inputs (the batch transposed), as the step runs it",
        unit: "GMAC/s",
        run: Box::new(|| {
            let (from, to) = (&start[..PIXELS], &start[1..]);
            let batch = mlp_kernels::BatchByInputs::new(from, to, &by_rows, &by_vals, 0..BATCH);
            mlp_kernels::sparse_gemm_by_inputs(&batch, &w1, COLS, &mut z_by);
            black_box(&z_by);
            macs
        }),
    });
    let vec_name = format!(
        "step: forward sparse_gemm, W1 and Z as Vec<f32> (W1 {misaligned} bytes past a line)"
    );
    probes.push(Probe {
        name: Box::leak(vec_name.into_boxed_str()),
        unit: "GMAC/s",
        run: Box::new(|| {
            mlp_kernels::sparse_gemm(&set, &ids, &w1_vec, COLS, &mut z_vec);
            black_box(&z_vec);
            macs
        }),
    });
    probes.push(Probe {
        name: "step: gradient, sparse_gemv_t per pixel",
        unit: "GMAC/s",
        run: Box::new(|| {
            for (p, (rows, vals)) in by_pixel.iter().enumerate() {
                mlp_kernels::sparse_gemv_t(
                    &deltas,
                    COLS,
                    rows,
                    vals,
                    &mut grad[p * COLS..(p + 1) * COLS],
                );
            }
            black_box(&grad);
            macs
        }),
    });
    probes.push(Probe {
        name: "step: gradient, sparse_gemv_t_by_inputs, 20 pixels a call",
        unit: "GMAC/s",
        run: Box::new(|| {
            let (from, to) = (&start[..PIXELS], &start[1..]);
            let batch = mlp_kernels::BatchByInputs::new(from, to, &by_rows, &by_vals, 0..BATCH);
            for (b, block) in grad_panels.chunks_mut(20 * COLS).enumerate() {
                let p0 = b * 20;
                let inputs = p0..p0 + block.len() / COLS;
                mlp_kernels::sparse_gemv_t_by_inputs(&batch, inputs, &deltas, COLS, block);
            }
            black_box(&grad_panels);
            macs
        }),
    });
    probes.push(Probe {
        name: "step: update_params, Nesterov over W1 (2.5 MB)",
        unit: "GB/s",
        // w and its trace read and written, g read.
        run: Box::new(|| {
            mlp_kernels::update_params(&nesterov, &mut w, &g, &mut trace);
            20 * floats
        }),
    });
    probes.push(Probe {
        name: "step: update_params, Adam over W1 (2.5 MB)",
        unit: "GB/s",
        // w and both moments read and written, g read.
        run: Box::new(|| {
            mlp_kernels::update_params(&adam_step, &mut w_adam, &g, &mut adam);
            28 * floats
        }),
    });

    probes.push(Probe {
        name: "step: update_params, Adam, faded gradients (subnormal moments)",
        unit: "GB/s",
        run: Box::new(|| {
            mlp_kernels::update_params(&adam_step, &mut w_tiny, &g_tiny, &mut adam_tiny);
            28 * floats
        }),
    });

    let mut results: Vec<Vec<f64>> = vec![Vec::new(); probes.len()];
    for _ in 0..rounds {
        for (p, r) in probes.iter_mut().zip(results.iter_mut()) {
            r.push(rate(p, seconds) / 1e9);
        }
    }
    println!(
        "SIMD path {}; {rounds} rounds of {seconds} s each, interleaved; median (min-max)",
        mlp_kernels::simd_name()
    );
    for (p, mut r) in probes.iter().zip(results) {
        r.sort_by(f64::total_cmp);
        println!(
            "| {} | {:.1} {} | {:.1}-{:.1} |",
            p.name,
            r[r.len() / 2],
            p.unit,
            r[0],
            r[r.len() - 1]
        );
    }
}
