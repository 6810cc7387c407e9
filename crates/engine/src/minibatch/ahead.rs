//! Distorting the next batch on a second thread while this one trains, so
//! that augmentation costs a run alone on the machine little time.

use super::distort::Distorter;
use super::trainer::{BatchOutcome, MinibatchTrainer};
use crate::Dataset;
use mlp_kernels::SparseSet;
use std::ops::ControlFlow;
use std::sync::mpsc;

/// Batches of distorted images in flight: one training, one being distorted.
const BUFFERS: usize = 2;

/// Steps `trainer` through `batches` in order, batch `j` at `position(j)`
/// epochs into training, calling `done(j, outcome)` after each and stopping
/// when it breaks.
///
/// With `ahead`, a second thread distorts each batch's images while the
/// batch before it trains. Each image depends only on the seed, the step and
/// its row, so the images, and the results, are those of distorting inline.
pub(crate) fn step_batches(
    trainer: &mut MinibatchTrainer,
    ahead: Option<&mut Distorter>,
    data: &Dataset,
    batches: &[&[u32]],
    position: impl Fn(usize) -> f64,
    mut done: impl FnMut(usize, BatchOutcome) -> ControlFlow<()>,
) -> ControlFlow<()> {
    let Some(distorter) = ahead else {
        for (j, ids) in batches.iter().enumerate() {
            let out = trainer.step(data, ids, position(j));
            done(j, out)?;
        }
        return ControlFlow::Continue(());
    };
    let first_step = trainer.steps_taken() + 1;
    let (rows, inputs) = (
        batches.iter().map(|b| b.len()).max().unwrap_or(0),
        data.inputs(),
    );
    std::thread::scope(|scope| {
        let (full_tx, full_rx) = mpsc::sync_channel::<SparseSet>(BUFFERS);
        let (free_tx, free_rx) = mpsc::channel::<SparseSet>();
        for _ in 0..BUFFERS {
            let set = SparseSet::with_capacity(inputs, rows, rows * inputs);
            free_tx.send(set).expect("the receiver is here");
        }
        scope.spawn(move || {
            let mut images = vec![0.0; rows * inputs];
            for (j, ids) in batches.iter().enumerate() {
                // Either channel closes when training stops early: stop too.
                let Ok(mut set) = free_rx.recv() else {
                    return;
                };
                let step = first_step + j as u64;
                distorter.distort_batch(data, ids, step, false, &mut images, &mut set);
                if full_tx.send(set).is_err() {
                    return;
                }
            }
        });
        for (j, ids) in batches.iter().enumerate() {
            let images = full_rx
                .recv()
                .expect("the distorting thread sends every batch unless it panicked");
            let out = trainer.step_with(data, ids, position(j), Some(&images));
            // After the last batch the thread is gone and the buffer is not needed.
            let _ = free_tx.send(images);
            done(j, out)?;
        }
        ControlFlow::Continue(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::augment::Augment;
    use crate::minibatch::FirstLayer;
    use crate::ConfigFields;
    use crate::{initial_network, recipe, Dataset, TrainConfig};

    fn digits(n: usize) -> Dataset {
        // Square 8x8 "images" with a few lit pixels each, labels 0..3.
        let x: Vec<f32> = (0..n * 64)
            .map(|i| {
                if (i * 7 + i / 64) % 5 == 0 {
                    ((i % 13) as f32) / 13.0
                } else {
                    0.0
                }
            })
            .collect();
        let y: Vec<u8> = (0..n).map(|i| (i % 4) as u8).collect();
        Dataset::from_dense(64, 4, &x, &y).unwrap()
    }

    fn config() -> TrainConfig {
        ConfigFields {
            hidden: 16.into(),
            batch: 10,
            train_samples: 95,
            augment: Augment::AffineElastic,
            elastic_sigma: 1.5,
            elastic_alpha: 3.0,
            translate: 1.0,
            dropout_input: 0.2,
            ..(recipe::recipe("simard-plain").unwrap().config()).fields()
        }
        .resolve()
        .unwrap()
    }

    /// Distorting ahead on a second thread gives the weights of distorting
    /// inline, bit for bit, over two passes with a short last batch.
    #[test]
    fn distorting_ahead_equals_distorting_inline() {
        let (data, cfg) = (digits(95), config());
        let net = initial_network(&cfg, 64, 4);
        let order: Vec<u32> = (0..95).rev().collect();
        let batches: Vec<&[u32]> = order.chunks(cfg.data.batch).collect();
        let run = |ahead: bool| {
            let mut t = MinibatchTrainer::new(&cfg, net.clone(), FirstLayer::Auto, false);
            let mut d = Distorter::of(&cfg, 64).unwrap();
            let mut losses = Vec::new();
            for _ in 0..2 {
                let flow = step_batches(
                    &mut t,
                    ahead.then_some(&mut d),
                    &data,
                    &batches,
                    |j| j as f64 / 10.0,
                    |_, out| {
                        losses.push(out.loss.to_bits());
                        ControlFlow::Continue(())
                    },
                );
                assert!(flow.is_continue());
            }
            (t.net.clone(), losses)
        };
        let (inline, ahead) = (run(false), run(true));
        assert_eq!(inline.1.len(), 20);
        assert_eq!(inline.1, ahead.1);
        assert!(inline.0 == ahead.0, "weights differ");
        assert!(inline.0 != net, "training changed nothing");
    }

    /// Breaking out of the steps stops the distorting thread and returns at once.
    #[test]
    fn a_break_stops_after_that_batch() {
        let (data, cfg) = (digits(95), config());
        let mut t =
            MinibatchTrainer::new(&cfg, initial_network(&cfg, 64, 4), FirstLayer::Auto, false);
        let mut d = Distorter::of(&cfg, 64).unwrap();
        let order: Vec<u32> = (0..95).collect();
        let batches: Vec<&[u32]> = order.chunks(cfg.data.batch).collect();
        let mut seen = 0;
        let flow = step_batches(
            &mut t,
            Some(&mut d),
            &data,
            &batches,
            |_| 0.0,
            |j, _| {
                seen += 1;
                if j == 3 {
                    ControlFlow::Break(())
                } else {
                    ControlFlow::Continue(())
                }
            },
        );
        assert!(flow.is_break());
        assert_eq!((seen, t.steps_taken()), (4, 4));
    }
}
