//! Checks against the real MNIST files when available.
//!
//! `MNIST_DIR` must point at a folder with the four raw files; `MNIST_GZ_DIR` (optional)
//! at a folder with the four `.gz` files. Each test is skipped when its variable is unset.

use std::time::Instant;

use mnist_idx::Mnist;

/// SHA-256 of the standard uncompressed MNIST files, in `Mnist::sha256` order.
const DIGESTS: [&str; 4] = [
    "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
];

fn check(var: &str, mapped: bool) {
    let Some(dir) = std::env::var_os(var) else {
        println!("skipping: {var} not set");
        return;
    };
    let t = Instant::now();
    let m = Mnist::open(&dir).unwrap_or_else(|e| panic!("{e}"));
    println!("{var}: Mnist::open took {:?}", t.elapsed());
    assert_eq!((m.train.len(), m.test.len()), (60_000, 10_000));
    for s in [&m.train, &m.test] {
        assert_eq!((s.rows(), s.cols(), s.pixels()), (28, 28, 784));
        assert!(s.labels().iter().all(|&l| l < 10));
        assert_eq!(s.image_bytes().len(), s.len() * 784);
        assert_eq!(s.images_array().is_mapped(), mapped);
    }
    assert_eq!(m.train.label(0), 5);
    assert_eq!(m.test.label(0), 7);
    // Every class occurs in both splits.
    for s in [&m.train, &m.test] {
        let mut seen = [false; 10];
        s.labels().iter().for_each(|&l| seen[usize::from(l)] = true);
        assert!(seen.iter().all(|&b| b));
    }
    let t = Instant::now();
    let sums = m.sha256();
    println!("{var}: sha256 took {:?}", t.elapsed());
    for ((_, got), want) in sums.iter().zip(DIGESTS) {
        assert_eq!(got, want);
    }
}

#[test]
fn real_mnist_raw() {
    check("MNIST_DIR", true);
}

#[test]
fn real_mnist_gz() {
    check("MNIST_GZ_DIR", false);
}
