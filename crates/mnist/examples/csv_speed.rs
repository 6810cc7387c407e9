//! How fast a CSV table loads: writes MNIST's training set as a CSV (Kaggle's
//! layout: a `label` column, then 784 pixel columns) unless it exists, then
//! parses it `ROUNDS` times and prints the megabytes per second of each.
//!
//! `cargo run --release -p mnist-idx --example csv_speed -- data/mnist /tmp/mnist_train.csv [ROUNDS]`

use std::io::Write;
use std::path::Path;
use std::time::Instant;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, csv, rest @ ..] = &args[..] else {
        return Err("usage: csv_speed MNIST_DIR OUT.csv [ROUNDS]".into());
    };
    let rounds: usize = rest.first().map_or(Ok(5), |r| r.parse())?;
    let csv = Path::new(csv);
    if !csv.exists() {
        let mnist = mnist_idx::Mnist::open(dir)?;
        let train = &mnist.train;
        let mut out = std::io::BufWriter::new(std::fs::File::create(csv)?);
        let names: Vec<String> = (0..train.pixels()).map(|p| format!("pixel{p}")).collect();
        writeln!(out, "label,{}", names.join(","))?;
        for i in 0..train.len() {
            let cells: Vec<String> = train.image(i).iter().map(u8::to_string).collect();
            writeln!(out, "{},{}", train.label(i), cells.join(","))?;
        }
        out.flush()?;
    }
    let megabytes = std::fs::metadata(csv)?.len() as f64 / 1e6;
    for round in 1..=rounds {
        let start = Instant::now();
        let table = mnist_idx::CsvTable::open(csv, None)?;
        let seconds = start.elapsed().as_secs_f64();
        println!(
            "round {round}: {} rows x {} features, {megabytes:.1} MB in {seconds:.3} s: {:.0} MB/s",
            table.rows(),
            table.cols(),
            megabytes / seconds
        );
    }
    Ok(())
}
