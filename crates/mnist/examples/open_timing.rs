//! Prints how long `Mnist::open` takes on a dataset folder.
//!
//! Usage: `cargo run --release -p mnist-idx --example open_timing -- DIR` (or set `MNIST_DIR`).

use std::time::Instant;

fn main() {
    let dir = std::env::args_os()
        .nth(1)
        .or_else(|| std::env::var_os("MNIST_DIR"))
        .expect("usage: open_timing DIR (or set MNIST_DIR)");
    let t = Instant::now();
    let m = match mnist_idx::Mnist::open(&dir) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    };
    let open = t.elapsed();
    println!(
        "Mnist::open: {open:?} (train {} x {}x{}, test {}, mapped: {})",
        m.train.len(),
        m.train.rows(),
        m.train.cols(),
        m.test.len(),
        m.train.images_array().is_mapped()
    );
    let t = Instant::now();
    let checksum: u64 = m.train.image_bytes().iter().map(|&b| u64::from(b)).sum();
    println!(
        "touching all train pixels: {:?} (sum {checksum})",
        t.elapsed()
    );
    let t = Instant::now();
    for (name, hex) in m.sha256() {
        println!("{hex}  {name}");
    }
    println!("sha256 of all four files: {:?}", t.elapsed());
}
