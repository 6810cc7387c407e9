//! A read-only, sparse f32 copy of a data split, shared by every run of a sweep.

use crate::gram::Grams;
use crate::rows::Rows;
use crate::scaling::Scaling;
use crate::EngineError;

/// Samples as sparse rows (non-zero input indices and values) with labels.
///
/// An MNIST image has about 150 non-zero pixels of 784, so training touches
/// only those rows of the input-major W1. The lists are built once per
/// dataset, never per epoch.
#[derive(Debug, Clone)]
pub struct Dataset {
    classes: usize,
    /// The samples' non-zero pixels, checked and tiled once for the block pass.
    samples: mlp_kernels::SparseSet,
    labels: Vec<u8>,
    /// Input dot products of nearby samples, filled on first use.
    grams: Grams,
    /// `(rows, cols)` when samples are images.
    image: Option<(usize, usize)>,
}

impl Dataset {
    /// Builds a dataset from dense rows `x` (`labels.len()` rows of `inputs`
    /// values); rows of a square count of values are taken as square images.
    pub fn from_dense(
        inputs: usize,
        classes: usize,
        x: &[f32],
        labels: &[u8],
    ) -> Result<Dataset, EngineError> {
        if inputs == 0 || Some(x.len()) != inputs.checked_mul(labels.len()) {
            return Err(EngineError::Dataset(format!(
                "{} values do not make {} rows of {inputs}",
                x.len(),
                labels.len()
            )));
        }
        if let Some(&l) = labels.iter().find(|&&l| l as usize >= classes) {
            return Err(EngineError::Dataset(format!(
                "label {l} is not below the class count {classes}"
            )));
        }
        let mut ds = Dataset::with_capacity(inputs, classes, labels.len(), x.len());
        let side = (inputs as f64).sqrt().round() as usize;
        ds.image = (side * side == inputs).then_some((side, side));
        let mut scratch = (Vec::with_capacity(inputs), Vec::with_capacity(inputs));
        for (row, &label) in x.chunks_exact(inputs).zip(labels) {
            ds.push_dense(row.iter().copied(), label, &mut scratch);
        }
        Ok(ds)
    }

    /// Converts samples (a part of a data set, or arrays in memory) through
    /// `scaling` into `classes` classes.
    pub fn from_rows(
        part: &(impl Rows + ?Sized),
        classes: usize,
        scaling: &Scaling,
    ) -> Result<Dataset, EngineError> {
        let inputs = part.width();
        scaling.check_width(inputs)?;
        if classes > 256 {
            return Err(EngineError::Dataset(format!(
                "{classes} classes; at most 256 are supported"
            )));
        }
        let labels: Vec<u8> = part.labels().iter().map(|&l| l as u8).collect();
        let mut ds;
        match (part.bytes(), scaling) {
            (Some(bytes), Scaling::Pixel) => {
                // The IDX path: bytes straight from the file.
                let nnz = bytes.iter().filter(|&&b| b != 0).count();
                ds = Dataset::with_capacity(inputs, classes, part.len(), nnz);
                let mut scratch = (Vec::with_capacity(inputs), Vec::with_capacity(inputs));
                for (image, &label) in bytes.chunks_exact(inputs).zip(&labels) {
                    ds.push_dense(image.iter().map(|&b| b as f32 / 255.0), label, &mut scratch);
                }
            }
            _ => {
                ds = Dataset::with_capacity(inputs, classes, part.len(), part.len() * inputs);
                let (mut raw, mut row) = (vec![0.0f64; inputs], vec![0.0f32; inputs]);
                let mut scratch = (Vec::with_capacity(inputs), Vec::with_capacity(inputs));
                for (i, &label) in labels.iter().enumerate() {
                    part.row_into(i, &mut raw);
                    scaling.apply(&raw, &mut row);
                    ds.push_dense(row.iter().copied(), label, &mut scratch);
                }
            }
        }
        ds.image = part.image();
        Ok(ds)
    }

    fn with_capacity(inputs: usize, classes: usize, rows: usize, nnz: usize) -> Dataset {
        Dataset {
            classes,
            samples: mlp_kernels::SparseSet::with_capacity(inputs, rows, nnz),
            labels: Vec::with_capacity(rows),
            grams: Grams::new(rows),
            image: None,
        }
    }

    /// Appends a sample given densely: its non-zero values and their
    /// positions (`scratch` holds them on the way, so loading allocates once).
    fn push_dense(
        &mut self,
        values: impl Iterator<Item = f32>,
        label: u8,
        scratch: &mut (Vec<u32>, Vec<f32>),
    ) {
        let (idx, vals) = scratch;
        idx.clear();
        vals.clear();
        for (p, v) in values.enumerate() {
            if v != 0.0 {
                idx.push(p as u32);
                vals.push(v);
            }
        }
        self.samples.push(idx, vals);
        self.labels.push(label);
    }

    /// A copy of samples `start..len()` (the validation split held out at the end).
    ///
    /// # Panics
    /// If `start > len()`.
    pub fn tail(&self, start: usize) -> Dataset {
        assert!(start <= self.len(), "Dataset::tail: start past the end");
        let nnz: usize = (start..self.len()).map(|i| self.sample(i).0.len()).sum();
        let mut ds = Dataset::with_capacity(self.inputs(), self.classes, self.len() - start, nnz);
        ds.image = self.image;
        for i in start..self.len() {
            let (idx, vals) = self.sample(i);
            ds.samples.push(idx, vals);
            ds.labels.push(self.labels[i]);
        }
        ds
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when there are no samples.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// Input size (784 for MNIST).
    pub fn inputs(&self) -> usize {
        self.samples.dim()
    }

    /// `(rows, cols)` when samples are images (augmentation and pictures need them).
    pub fn image(&self) -> Option<(usize, usize)> {
        self.image
    }

    /// Number of classes (output units).
    pub fn classes(&self) -> usize {
        self.classes
    }

    /// The non-zero input indices (increasing) and values of sample `i`.
    #[inline]
    pub fn sample(&self, i: usize) -> (&[u32], &[f32]) {
        self.samples.get(i)
    }

    /// Every sample's non-zero pixels, as the sparse kernels take them.
    #[inline]
    pub(crate) fn samples(&self) -> &mlp_kernels::SparseSet {
        &self.samples
    }

    /// Sample `i` as the block pass takes it.
    #[inline]
    pub(crate) fn tiled(&self, i: usize) -> mlp_kernels::TiledSparse<'_> {
        self.samples.tiled(i)
    }

    /// Hints that sample `i` will be read soon (no effect on results).
    #[inline]
    pub(crate) fn prefetch(&self, i: usize) {
        self.samples.prefetch(i);
        self.grams.prefetch(i as u32);
    }

    /// `x_a . x_b` from the dataset's shared cache, when samples `a < b` lie in
    /// one aligned group; `None` otherwise.
    #[inline]
    pub(crate) fn pair_dot(&self, a: u32, b: u32) -> Option<f32> {
        self.grams.dot(&self.samples, a, b)
    }

    /// The label of sample `i`.
    #[inline]
    pub fn label(&self, i: usize) -> u8 {
        self.labels[i]
    }

    /// All labels.
    pub fn labels(&self) -> &[u8] {
        &self.labels
    }

    /// Writes sample `i` densely into `out` (length `inputs`).
    pub fn dense_into(&self, i: usize, out: &mut [f32]) {
        out.fill(0.0);
        let (idx, vals) = self.sample(i);
        for (&p, &v) in idx.iter().zip(vals) {
            out[p as usize] = v;
        }
    }

    /// Mean number of non-zero inputs per sample.
    pub fn mean_nonzeros(&self) -> f64 {
        if self.is_empty() {
            0.0
        } else {
            self.samples.entries() as f64 / self.len() as f64
        }
    }

    /// Bytes this copy holds.
    pub fn heap_bytes(&self) -> usize {
        self.samples.heap_bytes() + self.labels.len() + self.grams.heap_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gram::{gather_dot, GROUP};

    #[test]
    fn cached_dots_equal_direct_ones_and_only_within_a_group() {
        let (inputs, n) = (40, 2 * GROUP + 5);
        // Sparse-ish integer-valued rows, so every dot is exact.
        let x: Vec<f32> = (0..n * inputs)
            .map(|i| {
                if (i * 7) % 3 == 0 {
                    ((i * 13) % 5) as f32
                } else {
                    0.0
                }
            })
            .collect();
        let data = Dataset::from_dense(inputs, 2, &x, &vec![0; n]).unwrap();
        let mut dense = vec![0.0; inputs];
        for b in 0..n {
            data.dense_into(b, &mut dense);
            for a in 0..n {
                let got = data.pair_dot(a as u32, b as u32);
                if a < b && a / GROUP == b / GROUP {
                    let (ai, av) = data.sample(a);
                    let exact: f32 = (0..inputs)
                        .map(|p| x[a * inputs + p] * x[b * inputs + p])
                        .sum();
                    assert_eq!(got, Some(gather_dot(ai, av, &dense)), "{a} . {b}");
                    assert_eq!(got, Some(exact), "{a} . {b}");
                } else {
                    assert_eq!(got, None, "{a} . {b}");
                }
            }
        }
        // Every group is computed now: prefetching any sample's row of dots
        // (the short last group's too) stays inside its group.
        for b in 0..n {
            data.prefetch(b);
        }
    }
}
