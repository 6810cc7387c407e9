//! The forward activations and backprop derivatives of each case and mode.

use crate::{Backprop, Case};
use mlp_kernels as k;

/// Hidden activation in place: `z` (pre-activation) to `h`.
#[inline]
pub(crate) fn hidden_forward(case: Case, z: &[f32], h: &mut [f32]) {
    match case {
        Case::Tanh => k::tanh(z, h),
        Case::ReluSigmoid => k::relu(z, h),
    }
}

/// Output activation in place.
#[inline]
pub(crate) fn output_forward(case: Case, o: &mut [f32]) {
    match case {
        Case::Tanh => k::tanh_inplace(o),
        Case::ReluSigmoid => k::sigmoid_inplace(o),
    }
}

/// Output delta factor f2'(o) for one output, as the mode defines it.
#[inline]
pub(crate) fn output_derivative(case: Case, mode: Backprop, o: f32) -> f32 {
    match (case, mode) {
        (Case::Tanh, Backprop::Exact) => 1.0 - o * o,
        // The study used the bipolar sigmoid's derivative on tanh outputs.
        (Case::Tanh, Backprop::AsPublished) => 0.5 * (1.0 - o * o),
        (Case::ReluSigmoid, _) => o * (1.0 - o),
    }
}

/// Turns the back-propagated gradient `g = W2^T delta_o` into delta_h in place.
///
/// Returns false when delta_h is known to be all zero, so the W1 update can be skipped.
#[inline]
pub(crate) fn hidden_backward(
    case: Case,
    mode: Backprop,
    z: &[f32],
    h: &[f32],
    g: &mut [f32],
) -> bool {
    match (case, mode) {
        (Case::Tanh, Backprop::Exact) => k::mul_tanh_deriv(h, 1.0, g),
        (Case::Tanh, Backprop::AsPublished) => k::mul_tanh_deriv(h, 0.5, g),
        (Case::ReluSigmoid, Backprop::Exact) => {
            k::mul_relu_deriv(z, g);
            // With every hidden unit off, the W1 update adds nothing.
            return h.iter().any(|&v| v > 0.0);
        }
        // The study took relu's derivative of the relu output with x >= 0 -> 1:
        // always 1, so the error passes back as through the identity.
        (Case::ReluSigmoid, Backprop::AsPublished) => {}
    }
    true
}
