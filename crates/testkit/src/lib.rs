//! What the workspace's tests share: one small deterministic generator
//! ([`Rng`]), one learnable synthetic image set ([`Digits`]), and bit-exact
//! comparison of floats ([`bits`]). Tests only; nothing here ships.
#![deny(missing_docs)]

use std::path::Path;

/// A 64-bit linear congruential generator (Knuth's MMIX constants): small,
/// deterministic on every machine, and good enough for test data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64-bit state.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0
    }

    /// The next 31 high bits of the state (the low bits of an LCG are weak).
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 33) as u32
    }

    /// A whole number in `0..n`.
    pub fn below(&mut self, n: u32) -> u32 {
        self.next_u32() % n
    }

    /// A float in `[0, 1)` with 24 random bits.
    pub fn unit(&mut self) -> f32 {
        (self.next_u64() >> 40) as f32 / (1u64 << 24) as f32
    }

    /// A float in `[-1, 1)`.
    pub fn float(&mut self) -> f32 {
        self.unit() * 2.0 - 1.0
    }

    /// A small integer in `-4..=4`, as a float: sums of them are exact.
    pub fn int(&mut self) -> f32 {
        self.below(9) as f32 - 4.0
    }

    /// `n` floats in `[-scale, scale)`.
    pub fn floats(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| self.float() * scale).collect()
    }

    /// About `k` of `0..n`, strictly increasing.
    pub fn rows(&mut self, n: usize, k: usize) -> Vec<u32> {
        (0..n as u32)
            .filter(|_| self.next_u64() % n as u64 <= k as u64)
            .collect()
    }
}

/// The bit patterns of `v`, to compare floats bit for bit (NaN included).
pub fn bits(v: &[f32]) -> Vec<u32> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// A learnable image set: each class a random prototype of lit pixels, each
/// image its class's prototype with some pixels flipped. Every field is
/// public, so a test states what it needs and takes the rest as default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digits {
    /// Image height.
    pub rows: usize,
    /// Image width.
    pub cols: usize,
    /// Classes (at most 256).
    pub classes: usize,
    /// Training images.
    pub train: usize,
    /// Test images.
    pub test: usize,
    /// The generator's seed.
    pub seed: u64,
    /// One prototype pixel in this many is lit.
    pub lit_one_in: u32,
    /// One image pixel in this many is flipped.
    pub flip_one_in: u32,
}

impl Default for Digits {
    /// Ten classes of 8x8 images, 300 for training and 100 for test.
    fn default() -> Digits {
        Digits {
            rows: 8,
            cols: 8,
            classes: 10,
            train: 300,
            test: 100,
            seed: 12345,
            lit_one_in: 3,
            flip_one_in: 10,
        }
    }
}

/// One split: pixels (row-major, image after image) and labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    /// `count x rows x cols` bytes.
    pub images: Vec<u8>,
    /// One label per image.
    pub labels: Vec<u8>,
}

impl Split {
    /// The images as floats in `[0, 1]` (`pixel / 255`), as training reads them.
    pub fn dense(&self) -> Vec<f32> {
        self.images.iter().map(|&p| f32::from(p) / 255.0).collect()
    }
}

impl Digits {
    /// The training and test splits.
    pub fn splits(&self) -> (Split, Split) {
        let mut rng = Rng::new(self.seed);
        let pixels = self.rows * self.cols;
        let prototypes: Vec<Vec<u8>> = (0..self.classes)
            .map(|_| {
                (0..pixels)
                    .map(|_| {
                        if rng.below(self.lit_one_in) == 0 {
                            255
                        } else {
                            0
                        }
                    })
                    .collect()
            })
            .collect();
        let mut split = |count: usize| {
            let mut images = Vec::with_capacity(count * pixels);
            let mut labels = Vec::with_capacity(count);
            for _ in 0..count {
                let label = rng.below(self.classes as u32) as usize;
                for &p in &prototypes[label] {
                    let flip = rng.below(self.flip_one_in) == 0;
                    images.push(if flip { 255 - p } else { p });
                }
                labels.push(label as u8);
            }
            Split { images, labels }
        };
        let train = split(self.train);
        let test = split(self.test);
        (train, test)
    }

    /// Writes both splits into `dir` as the four MNIST-named IDX files.
    pub fn write_idx(&self, dir: &Path) {
        let (train, test) = self.splits();
        for (prefix, s) in [("train", train), ("t10k", test)] {
            mnist_idx::write::write_split(dir, prefix, &s.images, self.rows, self.cols, &s.labels)
                .expect("the test folder is writable");
        }
    }
}

/// The four arrays of a train and test pair of `rows x cols` images, as
/// `.npy` files' bytes under Keras' names (`x_train` as `uint8` of shape
/// `(N, rows, cols)`, `y_train` as `uint8`, and the same for the test split).
pub fn keras_arrays(
    train: &Split,
    test: &Split,
    rows: usize,
    cols: usize,
) -> Vec<(&'static str, Vec<u8>)> {
    let npy = |dims: &[usize], body: &[u8]| {
        mnist_idx::write::npy(mnist_idx::NpyType::U8, false, false, dims, body)
    };
    vec![
        (
            "x_train",
            npy(&[train.labels.len(), rows, cols], &train.images),
        ),
        ("y_train", npy(&[train.labels.len()], &train.labels)),
        (
            "x_test",
            npy(&[test.labels.len(), rows, cols], &test.images),
        ),
        ("y_test", npy(&[test.labels.len()], &test.labels)),
    ]
}

/// A split as CSV text, as Kaggle's digit data is: a header `label,pixel0,...`
/// and one row per image, its label first.
pub fn csv_text(split: &Split, pixels: usize) -> String {
    use std::fmt::Write as _;
    let mut out = String::from("label");
    for p in 0..pixels {
        let _ = write!(out, ",pixel{p}");
    }
    out.push('\n');
    for (image, label) in split.images.chunks_exact(pixels).zip(&split.labels) {
        let _ = write!(out, "{label}");
        for v in image {
            let _ = write!(out, ",{v}");
        }
        out.push('\n');
    }
    out
}

/// A CSV table of `rows` samples of three classes named by words (`alpha`,
/// `beta`, `gamma`, in the column `species`), told apart by two features a
/// thousandth in size (`width`, `height`), among three features of noise in
/// the thousands and a constant: learnable only once each feature is standardised.
pub fn tabular_csv(rows: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut text = String::from("width,height,noise_a,noise_b,noise_c,constant,species\n");
    let names = ["gamma", "alpha", "beta"];
    let gauss = |rng: &mut Rng| (0..4).map(|_| rng.unit()).sum::<f32>() - 2.0;
    for _ in 0..rows {
        let c = rng.below(3) as usize;
        let width = 1e-3 * (c as f32 + 0.2 * gauss(&mut rng));
        let height = 1e-3 * ((c % 2) as f32 + 0.2 * gauss(&mut rng));
        let noise: Vec<String> = (0..3)
            .map(|_| format!("{}", 5000.0 + 1000.0 * rng.unit()))
            .collect();
        text.push_str(&format!(
            "{width},{height},{},7.5,{}\n",
            noise.join(","),
            names[c]
        ));
    }
    text
}

impl Digits {
    /// Writes both splits as a `.npz` archive in Keras' layout (deflated when `compressed`).
    pub fn write_npz(&self, path: &Path, compressed: bool) {
        let (train, test) = self.splits();
        let arrays = keras_arrays(&train, &test, self.rows, self.cols);
        std::fs::write(path, mnist_idx::write::npz(&arrays, compressed))
            .expect("the test folder is writable");
    }

    /// Writes both splits into `dir` as `x_train.npy`, `y_train.npy`, `x_test.npy` and `y_test.npy`.
    pub fn write_npy(&self, dir: &Path) {
        let (train, test) = self.splits();
        for (name, bytes) in keras_arrays(&train, &test, self.rows, self.cols) {
            std::fs::write(dir.join(format!("{name}.npy")), bytes)
                .expect("the test folder is writable");
        }
    }

    /// Writes the splits as two CSV tables (see [`csv_text`]).
    pub fn write_csv(&self, train_path: &Path, test_path: &Path) {
        let (train, test) = self.splits();
        let pixels = self.rows * self.cols;
        for (path, split) in [(train_path, &train), (test_path, &test)] {
            std::fs::write(path, csv_text(split, pixels)).expect("the test folder is writable");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_digits_and_another_does_not() {
        let d = Digits::default();
        assert_eq!(d.splits(), d.splits());
        let other = Digits { seed: 7, ..d };
        assert_ne!(other.splits().0, d.splits().0);
        let (train, test) = d.splits();
        assert_eq!(train.images.len(), 300 * 64);
        assert_eq!(test.labels.len(), 100);
        assert!(train.labels.iter().all(|&l| l < 10));
        // Every class appears, and about a third of a prototype's pixels are lit.
        for class in 0..10u8 {
            assert!(train.labels.contains(&class), "class {class}");
        }
        let lit =
            train.images.iter().filter(|&&p| p == 255).count() as f64 / train.images.len() as f64;
        assert!((0.25..0.45).contains(&lit), "{lit}");
    }

    #[test]
    fn floats_stay_in_their_ranges_and_bits_tell_zeros_apart() {
        let mut rng = Rng::new(1);
        for _ in 0..1000 {
            let (u, f, i) = (rng.unit(), rng.float(), rng.int());
            assert!((0.0..1.0).contains(&u) && (-1.0..1.0).contains(&f));
            assert!((-4.0..=4.0).contains(&i) && i.fract() == 0.0);
        }
        assert_ne!(bits(&[0.0]), bits(&[-0.0]));
        let rows = rng.rows(100, 10);
        assert!(rows.windows(2).all(|w| w[0] < w[1]));
    }
}
