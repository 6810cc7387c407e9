//! Criterion benchmarks for kernels and training steps (see benches/).
