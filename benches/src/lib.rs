//! Measuring `mlp`'s steps: the online step against the machine's streaming
//! bandwidth and the minibatch step in samples per second (what `mlp bench`
//! prints), beside the criterion benchmarks of `benches/`.
#![deny(missing_docs)]

pub mod measure;
