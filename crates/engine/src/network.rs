//! The network's weights: two layers, no biases.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A two-layer network without biases.
///
/// `w1` is stored input-major (`inputs x hidden`: one contiguous row of
/// `hidden` weights per input pixel) so a sparse input touches contiguous
/// rows; `w2` is output-major (`outputs x hidden`). In the study's notation
/// `W1 = w1^T` and `W2 = w2`. The weights are private so that their lengths
/// always match the shape, which the training and evaluation kernels rely on.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    inputs: usize,
    hidden: usize,
    outputs: usize,
    /// Input-major first layer, `inputs x hidden`.
    w1: Vec<f32>,
    /// Output-major second layer, `outputs x hidden`.
    w2: Vec<f32>,
}

/// Half-width of the study's uniform initialisation.
pub const INIT_RANGE: f32 = 0.01;

impl Network {
    /// Every weight drawn from U(-0.01, 0.01) by ChaCha8 seeded with `seed`, W1 then W2.
    ///
    /// # Panics
    /// If a layer has more weights than memory can address.
    pub fn init(inputs: usize, hidden: usize, outputs: usize, seed: u64) -> Network {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut draw = |n: usize| -> Vec<f32> {
            (0..n)
                .map(|_| rng.random_range(-INIT_RANGE..INIT_RANGE))
                .collect()
        };
        let size = |a: usize, b: usize| a.checked_mul(b).expect("layer size overflows usize");
        let w1 = draw(size(inputs, hidden));
        let w2 = draw(size(outputs, hidden));
        Network {
            inputs,
            hidden,
            outputs,
            w1,
            w2,
        }
    }

    /// A network from given weights; `None` when the lengths do not match the shape.
    pub fn from_weights(
        inputs: usize,
        hidden: usize,
        outputs: usize,
        w1: Vec<f32>,
        w2: Vec<f32>,
    ) -> Option<Network> {
        let fits = Some(w1.len()) == inputs.checked_mul(hidden)
            && Some(w2.len()) == outputs.checked_mul(hidden);
        fits.then_some(Network {
            inputs,
            hidden,
            outputs,
            w1,
            w2,
        })
    }

    /// Input size.
    pub fn inputs(&self) -> usize {
        self.inputs
    }

    /// Hidden units N.
    pub fn hidden(&self) -> usize {
        self.hidden
    }

    /// Output units (classes).
    pub fn outputs(&self) -> usize {
        self.outputs
    }

    /// The first layer, input-major: `w1[p * hidden + j]` is pixel `p`'s weight to unit `j`.
    pub fn w1(&self) -> &[f32] {
        &self.w1
    }

    /// The second layer, output-major: `w2[k * hidden + j]` is unit `j`'s weight to output `k`.
    pub fn w2(&self) -> &[f32] {
        &self.w2
    }

    /// The first layer, to change in place (its length stays fixed).
    pub fn w1_mut(&mut self) -> &mut [f32] {
        &mut self.w1
    }

    /// The second layer, to change in place (its length stays fixed).
    pub fn w2_mut(&mut self) -> &mut [f32] {
        &mut self.w2
    }

    /// Both layers at once, to change in place.
    pub fn weights_mut(&mut self) -> (&mut [f32], &mut [f32]) {
        (&mut self.w1, &mut self.w2)
    }

    /// Checks that these weights can start a run of `inputs`-`hidden`-`outputs`.
    pub fn check_shape(
        &self,
        inputs: usize,
        hidden: usize,
        outputs: usize,
    ) -> Result<(), crate::EngineError> {
        let have = [self.inputs, self.hidden, self.outputs];
        let need = [inputs, hidden, outputs];
        if have == need {
            Ok(())
        } else {
            Err(crate::EngineError::InitShape {
                weights: have,
                needed: need,
            })
        }
    }
}
