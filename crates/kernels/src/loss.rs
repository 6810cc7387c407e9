//! The softmax output with its cross-entropy gradient, fused in one pass per row.

/// Turns logits `z` into `softmax(z) - onehot(label)` (the cross-entropy
/// gradient with respect to the logits) and returns the loss `-ln softmax(z)[label]`.
///
/// The maximum is subtracted first, so large logits never overflow; the loss
/// is computed as `ln(sum) - (z[label] - max)`, finite even when the label's
/// probability rounds to zero.
///
/// # Panics
/// If `label >= z.len()`.
pub fn softmax_cross_entropy(z: &mut [f32], label: usize) -> f32 {
    assert!(label < z.len(), "softmax_cross_entropy: label out of range");
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let shifted_label = z[label] - max;
    let mut sum = 0.0f32;
    for v in z.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    let inv = 1.0 / sum;
    for v in z.iter_mut() {
        *v *= inv;
    }
    z[label] -= 1.0;
    sum.ln() - shifted_label
}

/// Turns logits `z` into `softmax(z)` in place (for evaluation and prediction).
pub fn softmax(z: &mut [f32]) {
    let max = z.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0f32;
    for v in z.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    let inv = 1.0 / sum;
    for v in z.iter_mut() {
        *v *= inv;
    }
}
