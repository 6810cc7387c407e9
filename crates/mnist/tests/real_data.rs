//! Checks against the real MNIST files.
//!
//! `MNIST_DIR` must point at a folder with the four raw files, `MNIST_GZ_DIR`
//! at a folder with the four `.gz` files. The tests are ignored unless asked
//! for (`cargo test -- --include-ignored`, which `cargo xtask test` runs with
//! both variables set); asked for without their variable, they fail naming it.

use std::time::Instant;

use mnist_idx::Mnist;

fn check(var: &str, mapped: bool) {
    let dir = std::env::var_os(var).unwrap_or_else(|| {
        panic!("{var} is not set: point it at a folder with the four MNIST files, or run `cargo xtask test`")
    });
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
    for ((name, got), want) in sums.iter().zip(mnist_idx::MNIST_SHA256) {
        assert!(name.starts_with(want.name), "{name} vs {}", want.name);
        assert_eq!(got, want.sha256, "{name}");
    }
}

#[test]
#[ignore = "needs MNIST_DIR (the four raw MNIST files)"]
fn real_mnist_raw() {
    check("MNIST_DIR", true);
}

#[test]
#[ignore = "needs MNIST_GZ_DIR (the four gzip'd MNIST files)"]
fn real_mnist_gz() {
    check("MNIST_GZ_DIR", false);
}

/// MNIST's test set written as a CSV in Kaggle's layout (a `label` column,
/// then 784 pixel columns) reads back as its pixels and labels exactly.
#[test]
#[ignore = "needs MNIST_DIR (the four raw MNIST files)"]
fn mnist_as_csv_reads_as_its_idx_files() {
    let dir = std::env::var_os("MNIST_DIR").unwrap_or_else(|| {
        panic!("MNIST_DIR is not set: point it at a folder with the four MNIST files, or run `cargo xtask test`")
    });
    let m = Mnist::open(&dir).unwrap_or_else(|e| panic!("{e}"));
    let s = &m.test;
    let mut text = String::from("label");
    for p in 0..s.pixels() {
        text.push_str(&format!(",pixel{p}"));
    }
    text.push('\n');
    for i in 0..s.len() {
        text.push_str(&s.label(i).to_string());
        for v in s.image(i) {
            text.push_str(&format!(",{v}"));
        }
        text.push('\n');
    }
    let t = mnist_idx::CsvTable::parse(text.as_bytes(), std::path::Path::new("mnist.csv"), None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((t.rows(), t.cols()), (s.len(), 784));
    let pixels: Vec<f32> = s.image_bytes().iter().map(|&v| f32::from(v)).collect();
    assert!(t.features() == &pixels[..], "the pixels differ");
    let classes = t.classes().unwrap();
    assert_eq!(
        classes.names,
        (0..10).map(|d| d.to_string()).collect::<Vec<_>>()
    );
    let labels: Vec<u8> = t
        .class_indices(&classes)
        .unwrap()
        .iter()
        .map(|&c| c as u8)
        .collect();
    assert_eq!(labels, s.labels());
}
