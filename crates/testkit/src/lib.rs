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
