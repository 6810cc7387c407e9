//! The network's weights: any number of layers, with or without biases.

use crate::arch::Init;
use mlp_kernels::AlignedVec;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A fully connected network: `sizes[0]` inputs, hidden layers, `sizes[last]` outputs.
///
/// Layer 0's weights are stored input-major (`inputs x width`: one
/// contiguous row of weights per input pixel), so a sparse input touches
/// contiguous rows; every later layer is output-major (`outputs x inputs` of
/// that layer, one row per unit). With one hidden layer, `w1` and `w2` are the
/// study's `W1^T` and `W2`. The fields are private so that every length
/// always matches the shape, which the training and evaluation kernels rely on.
#[derive(Debug, Clone, PartialEq)]
pub struct Network {
    sizes: Vec<usize>,
    /// On cache-line boundaries, so that the kernels' vector loads of a row
    /// whose length is a multiple of 16 never span two lines.
    weights: Vec<AlignedVec>,
    /// Empty for a network without biases, else one vector per layer.
    biases: Vec<Vec<f32>>,
}

fn size(a: usize, b: usize) -> usize {
    a.checked_mul(b).expect("layer size overflows usize")
}

impl Network {
    /// The study's network: every weight from U(-0.01, 0.01) by ChaCha8 seeded with `seed`, W1 then W2.
    ///
    /// # Panics
    /// If a layer has more weights than memory can address.
    pub fn init(inputs: usize, hidden: usize, outputs: usize, seed: u64) -> Network {
        Network::init_layers(&[inputs, hidden, outputs], Init::default(), false, seed)
    }

    /// A network of `sizes` (inputs, hidden widths, outputs) with weights drawn
    /// by `init` from ChaCha8 seeded with `seed`, layer by layer in storage
    /// order, and zero biases when `bias`.
    ///
    /// # Panics
    /// If `sizes` has fewer than two entries or a layer has more weights than memory can address.
    pub fn init_layers(sizes: &[usize], init: Init, bias: bool, seed: u64) -> Network {
        assert!(sizes.len() >= 2, "a network needs inputs and outputs");
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let weights = sizes
            .windows(2)
            .map(|w| {
                let a = init.half_width(w[0], w[1]);
                let mut w = AlignedVec::zeros(size(w[0], w[1]));
                w.iter_mut().for_each(|x| *x = rng.random_range(-a..a));
                w
            })
            .collect();
        let biases = if bias {
            sizes[1..].iter().map(|&n| vec![0.0; n]).collect()
        } else {
            Vec::new()
        };
        Network {
            sizes: sizes.to_vec(),
            weights,
            biases,
        }
    }

    /// The study's network from given weights; `None` when the lengths do not match the shape.
    pub fn from_weights(
        inputs: usize,
        hidden: usize,
        outputs: usize,
        w1: Vec<f32>,
        w2: Vec<f32>,
    ) -> Option<Network> {
        Network::from_layers(vec![inputs, hidden, outputs], vec![w1, w2], Vec::new())
    }

    /// A network from every layer's weights and (empty, or one per layer) biases;
    /// `None` when a length does not match `sizes`.
    pub fn from_layers(
        sizes: Vec<usize>,
        weights: Vec<Vec<f32>>,
        biases: Vec<Vec<f32>>,
    ) -> Option<Network> {
        let layers = sizes.len().checked_sub(1)?;
        let fits = layers >= 1
            && weights.len() == layers
            && weights
                .iter()
                .zip(sizes.windows(2))
                .all(|(w, s)| Some(w.len()) == s[0].checked_mul(s[1]))
            && (biases.is_empty()
                || (biases.len() == layers
                    && biases.iter().zip(&sizes[1..]).all(|(b, &n)| b.len() == n)));
        fits.then(|| Network {
            sizes,
            weights: weights.into_iter().map(AlignedVec::from).collect(),
            biases,
        })
    }

    /// Input size.
    pub fn inputs(&self) -> usize {
        self.sizes[0]
    }

    /// The first hidden layer's width (the study's N).
    pub fn hidden(&self) -> usize {
        self.sizes[1]
    }

    /// Output units (classes).
    pub fn outputs(&self) -> usize {
        *self.sizes.last().expect("at least two sizes")
    }

    /// Every layer's width, inputs first.
    pub fn sizes(&self) -> &[usize] {
        &self.sizes
    }

    /// Weight layers (hidden layers + 1).
    pub fn layers(&self) -> usize {
        self.weights.len()
    }

    /// True when the layers have biases.
    pub fn has_bias(&self) -> bool {
        !self.biases.is_empty()
    }

    /// True for the study's shape: one hidden layer, no biases.
    pub fn is_study_shape(&self) -> bool {
        self.layers() == 2 && !self.has_bias()
    }

    /// Layer `l`'s weights (layer 0 input-major, later layers output-major).
    pub fn weight(&self, l: usize) -> &[f32] {
        &self.weights[l]
    }

    /// Layer `l`'s biases, when the network has them.
    pub fn bias(&self, l: usize) -> Option<&[f32]> {
        self.biases.get(l).map(Vec::as_slice)
    }

    /// Layer `l`'s weights and biases (empty when none), to change in place (lengths stay fixed).
    pub fn layer_mut(&mut self, l: usize) -> (&mut [f32], &mut [f32]) {
        let b = match self.biases.get_mut(l) {
            Some(b) => b.as_mut_slice(),
            None => &mut [],
        };
        (&mut self.weights[l], b)
    }

    /// The first layer, input-major: `w1[p * hidden + j]` is pixel `p`'s weight to unit `j`.
    pub fn w1(&self) -> &[f32] {
        &self.weights[0]
    }

    /// The second layer, output-major: `w2[k * hidden + j]` is unit `j`'s weight to unit `k` of the next layer.
    pub fn w2(&self) -> &[f32] {
        &self.weights[1]
    }

    /// The first layer, to change in place (its length stays fixed).
    pub fn w1_mut(&mut self) -> &mut [f32] {
        &mut self.weights[0]
    }

    /// The second layer, to change in place (its length stays fixed).
    pub fn w2_mut(&mut self) -> &mut [f32] {
        &mut self.weights[1]
    }

    /// The first two layers at once, to change in place.
    pub fn weights_mut(&mut self) -> (&mut [f32], &mut [f32]) {
        let (a, b) = self.weights.split_at_mut(1);
        (&mut a[0], &mut b[0])
    }

    /// Checks that these weights can start a run of `sizes` (with biases or not).
    pub fn check_sizes(&self, sizes: &[usize], bias: bool) -> Result<(), crate::EngineError> {
        if self.sizes == sizes && self.has_bias() == bias {
            Ok(())
        } else {
            Err(crate::EngineError::InitShape {
                weights: self.describe(),
                needed: describe(sizes, bias),
            })
        }
    }

    /// Checks that these weights can start a study run of `inputs`-`hidden`-`outputs`.
    pub fn check_shape(
        &self,
        inputs: usize,
        hidden: usize,
        outputs: usize,
    ) -> Result<(), crate::EngineError> {
        self.check_sizes(&[inputs, hidden, outputs], false)
    }

    /// The shape as text, e.g. `784-500-300-10 with biases`.
    pub fn describe(&self) -> String {
        describe(&self.sizes, self.has_bias())
    }
}

fn describe(sizes: &[usize], bias: bool) -> String {
    let parts: Vec<String> = sizes.iter().map(|s| s.to_string()).collect();
    format!(
        "{}{}",
        parts.join("-"),
        if bias { " with biases" } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_study_init_is_the_first_draws_of_the_general_one() {
        let study = Network::init(7, 5, 3, 9);
        let general = Network::init_layers(&[7, 5, 3], Init::Uniform(0.01), false, 9);
        assert_eq!(study, general);
        let deep = Network::init_layers(&[7, 5, 4, 3], Init::He, true, 9);
        assert_eq!(deep.layers(), 3);
        assert_eq!(deep.weight(1).len(), 20);
        assert_eq!(deep.bias(2), Some(&[0.0; 3][..]));
        let bound = (6.0f32 / 7.0).sqrt();
        assert!(deep.w1().iter().all(|w| w.abs() <= bound));
        assert!(deep.w1().iter().any(|w| w.abs() > 0.5 * bound));
    }

    #[test]
    fn mismatched_lengths_are_refused() {
        assert!(
            Network::from_layers(vec![2, 3, 1], vec![vec![0.0; 6], vec![0.0; 3]], vec![]).is_some()
        );
        assert!(
            Network::from_layers(vec![2, 3, 1], vec![vec![0.0; 6], vec![0.0; 2]], vec![]).is_none()
        );
        assert!(Network::from_layers(
            vec![2, 3, 1],
            vec![vec![0.0; 6], vec![0.0; 3]],
            vec![vec![0.0; 3]]
        )
        .is_none());
        assert!(Network::from_layers(vec![2], vec![], vec![]).is_none());
    }
}
