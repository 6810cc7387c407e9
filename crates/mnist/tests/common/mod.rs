//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

use flate2::write::GzEncoder;
use flate2::Compression;

/// Deterministic pseudo-random images and labels (< `classes`).
pub fn sample(n: usize, rows: usize, cols: usize, classes: u8, seed: u32) -> (Vec<u8>, Vec<u8>) {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(1);
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    let images = (0..n * rows * cols).map(|_| next() as u8).collect();
    let labels = (0..n)
        .map(|_| (next() % u32::from(classes)) as u8)
        .collect();
    (images, labels)
}

/// Gzip-compresses `bytes`.
pub fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// Writes `bytes` to `dir/name`.
pub fn put(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}
