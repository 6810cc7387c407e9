//! A batch's training images distorted: each image from the seed, the step
//! and its row in the batch, so the same batch comes out the same whether it
//! is distorted inline, in parallel parts, or ahead on another thread.

use super::PART_ROWS;
use crate::augment::{image_rng, Distortion, Scratch};
use crate::{Dataset, TrainConfig};
use mlp_kernels::SparseSet;
use rayon::prelude::*;

/// Distorts batches of one run's training images.
#[derive(Debug, Clone)]
pub(crate) struct Distorter {
    distortion: Distortion,
    /// Side of the square images.
    side: usize,
    seed: u64,
    /// Per part of a batch: a distortion's scratch and the images before
    /// distortion (`PART_ROWS x inputs`).
    parts: Vec<(Scratch, Vec<f32>)>,
}

impl Distorter {
    /// The distorter of `config`'s batches of `inputs`-pixel images, or
    /// `None` when it asks for no distortion.
    ///
    /// # Panics
    /// If it asks for one and `inputs` is not a square.
    pub(crate) fn of(config: &TrainConfig, inputs: usize) -> Option<Distorter> {
        if config.data.augment.kind == crate::augment::Augment::None {
            return None;
        }
        let side = (inputs as f64).sqrt().round() as usize;
        assert_eq!(side * side, inputs, "distortions need square images");
        let parts = config.data.batch.div_ceil(PART_ROWS);
        Some(Distorter {
            distortion: config.data.augment,
            side,
            seed: config.run.seed,
            parts: vec![(Scratch::default(), vec![0.0; PART_ROWS * inputs]); parts],
        })
    }

    /// Writes into `out` (`ids.len() x inputs`) the images `ids` of `data`
    /// as step `step` distorts them, in parallel over the batch's parts
    /// when `parallel` (inside the caller's rayon pool).
    pub(crate) fn distort(
        &mut self,
        data: &Dataset,
        ids: &[u32],
        step: u64,
        out: &mut [f32],
        parallel: bool,
    ) {
        let d0 = self.side * self.side;
        let (dist, side, seed) = (self.distortion, self.side, self.seed);
        let one_part = |p: usize, out: &mut [f32], (scratch, src): &mut (Scratch, Vec<f32>)| {
            for (k, out) in out.chunks_exact_mut(d0).enumerate() {
                let r = p * PART_ROWS + k;
                let src = &mut src[k * d0..(k + 1) * d0];
                data.dense_into(ids[r] as usize, src);
                dist.apply(&mut image_rng(seed, step, r), src, side, scratch, out);
            }
        };
        let out = &mut out[..ids.len() * d0];
        if parallel {
            out.par_chunks_mut(PART_ROWS * d0)
                .zip(self.parts.par_iter_mut())
                .enumerate()
                .for_each(|(p, (out, part))| one_part(p, out, part));
        } else {
            // A plain loop: a parallel iterator would hand the work to a rayon
            // pool even at one task, and the thread distorting ahead has none.
            for (p, (out, part)) in out
                .chunks_mut(PART_ROWS * d0)
                .zip(self.parts.iter_mut())
                .enumerate()
            {
                one_part(p, out, part);
            }
        }
    }

    /// The batch `ids` of `data` as step `step` distorts it, as sparse rows
    /// into `out` (cleared first), by way of the dense `images` (`ids.len()
    /// x inputs`); in parallel over the batch's parts when `parallel`.
    pub(crate) fn distort_batch(
        &mut self,
        data: &Dataset,
        ids: &[u32],
        step: u64,
        parallel: bool,
        images: &mut [f32],
        out: &mut SparseSet,
    ) {
        self.distort(data, ids, step, images, parallel);
        out.clear();
        let d0 = self.side * self.side;
        for row in images[..ids.len() * d0].chunks_exact(d0) {
            out.push_dense(row);
        }
    }
}
