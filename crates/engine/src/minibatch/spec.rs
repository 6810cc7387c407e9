//! What a network computes, apart from its weights: activations and the output head.

use crate::arch::{Activation, Loss};
use crate::{Case, TrainConfig};
use mlp_kernels as k;

/// The output units' activation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// tanh outputs against targets -1/+1 (the study's case 1).
    Tanh,
    /// Sigmoid outputs against targets 0/1 (the study's case 2).
    Sigmoid,
    /// Softmax probabilities against the label (cross-entropy).
    Softmax,
}

/// Everything of a network but its weights: the hidden activation and the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetSpec {
    /// The hidden layers' activation.
    pub activation: Activation,
    /// The output units' activation (and so the loss).
    pub output: Output,
}

impl NetSpec {
    /// The spec `config` names: MSE keeps the case's output and targets, cross-entropy a softmax.
    pub fn of(config: &TrainConfig) -> NetSpec {
        NetSpec {
            activation: config.hidden_activation(),
            output: match (config.network.loss, config.network.case) {
                (Loss::CrossEntropy, _) => Output::Softmax,
                (Loss::Mse, Case::Tanh) => Output::Tanh,
                (Loss::Mse, Case::ReluSigmoid) => Output::Sigmoid,
            },
        }
    }

    /// The spec of the study's `case`: its activations, MSE against its targets.
    pub fn study(case: Case) -> NetSpec {
        NetSpec {
            activation: case.hidden_activation(),
            output: match case {
                Case::Tanh => Output::Tanh,
                Case::ReluSigmoid => Output::Sigmoid,
            },
        }
    }

    /// Targets of a wrong and of the right class under MSE.
    fn targets(&self) -> (f32, f32) {
        match self.output {
            Output::Tanh => (-1.0, 1.0),
            _ => (0.0, 1.0),
        }
    }

    /// `a = f(z)` for a hidden layer.
    #[inline]
    pub(crate) fn activate(&self, z: &[f32], a: &mut [f32]) {
        match self.activation {
            Activation::Relu => k::relu(z, a),
            Activation::Tanh => k::tanh(z, a),
            Activation::Sigmoid => k::sigmoid(z, a),
        }
    }

    /// `z += bias` per row (when there is one) and `a = f(z)` for a hidden
    /// layer, in one pass when there is a bias.
    #[inline]
    pub(crate) fn bias_activate(&self, bias: Option<&[f32]>, z: &mut [f32], a: &mut [f32]) {
        match bias {
            Some(b) => {
                let f = match self.activation {
                    Activation::Relu => k::Activation::Relu,
                    Activation::Tanh => k::Activation::Tanh,
                    Activation::Sigmoid => k::Activation::Sigmoid,
                };
                k::bias_activate(f, b, z, a);
            }
            None => self.activate(z, a),
        }
    }

    /// `g *= f'(z)` for a hidden layer, from its pre-activation `z` or activation `a`.
    #[inline]
    pub(crate) fn mul_derivative(&self, z: &[f32], a: &[f32], g: &mut [f32]) {
        match self.activation {
            Activation::Relu => k::mul_relu_deriv(z, g),
            Activation::Tanh => k::mul_tanh_deriv(a, 1.0, g),
            Activation::Sigmoid => k::mul_sigmoid_deriv(a, g),
        }
    }

    /// Turns one row of logits into outputs in place (probabilities for softmax).
    pub(crate) fn outputs(&self, z: &mut [f32]) {
        match self.output {
            Output::Tanh => k::tanh_inplace(z),
            Output::Sigmoid => k::sigmoid_inplace(z),
            Output::Softmax => k::softmax(z),
        }
    }

    /// The loss of one row of outputs (from [`NetSpec::outputs`]) against `label`.
    pub(crate) fn loss_of_outputs(&self, o: &[f32], label: usize) -> f64 {
        match self.output {
            Output::Softmax => -(o[label].max(f32::MIN_POSITIVE) as f64).ln(),
            _ => {
                let (lo, hi) = self.targets();
                o.iter()
                    .enumerate()
                    .map(|(c, &v)| {
                        let e = (if c == label { hi } else { lo } - v) as f64;
                        0.5 * e * e
                    })
                    .sum()
            }
        }
    }

    /// Adds the loss of one row of outputs against `label` to `total`, term
    /// by term under MSE (the order the study's evaluation has always summed in).
    pub(crate) fn add_loss_terms(&self, total: &mut f64, o: &[f32], label: usize) {
        match self.output {
            Output::Softmax => *total += self.loss_of_outputs(o, label),
            _ => {
                let (lo, hi) = self.targets();
                for (c, &v) in o.iter().enumerate() {
                    let e = (if c == label { hi } else { lo } - v) as f64;
                    *total += 0.5 * e * e;
                }
            }
        }
    }

    /// Turns one row of logits into `scale` times the loss gradient with
    /// respect to them, in place; returns the loss and the predicted class.
    #[inline]
    pub(crate) fn loss_gradient(&self, z: &mut [f32], label: usize, scale: f32) -> (f64, usize) {
        match self.output {
            Output::Softmax => {
                let predicted = crate::argmax(z);
                let loss = k::softmax_cross_entropy(z, label) as f64;
                k::scale(scale, z);
                (loss, predicted)
            }
            Output::Tanh | Output::Sigmoid => {
                self.outputs(z);
                let predicted = crate::argmax(z);
                let (lo, hi) = self.targets();
                let mut loss = 0.0f64;
                for (c, o) in z.iter_mut().enumerate() {
                    let e = (if c == label { hi } else { lo }) - *o;
                    loss += 0.5 * (e as f64) * (e as f64);
                    let slope = match self.output {
                        Output::Tanh => 1.0 - *o * *o,
                        _ => *o * (1.0 - *o),
                    };
                    // d(0.5 e^2)/dz = -e f'(z).
                    *o = -e * slope * scale;
                }
                (loss, predicted)
            }
        }
    }
}
