//! The forward pass over a block of rows, shared by training and evaluation.

use super::NetSpec;
use crate::{Dataset, Network};
use mlp_kernels::{self as k, MatRef};

/// Pre-activations and activations of every layer for up to `capacity` rows.
#[derive(Debug, Clone)]
pub(crate) struct RowBuffers {
    /// `z[l]`: rows x width of layer `l`, biases added (the last layer's are the logits).
    pub z: Vec<Vec<f32>>,
    /// `a[l] = f(z[l])` for the hidden layers (the last entry stays empty).
    pub a: Vec<Vec<f32>>,
    capacity: usize,
}

impl RowBuffers {
    /// Buffers for a network of `sizes` and up to `capacity` rows.
    pub fn new(sizes: &[usize], capacity: usize) -> RowBuffers {
        let layers = sizes.len() - 1;
        let z = sizes[1..]
            .iter()
            .map(|&w| vec![0.0; w * capacity])
            .collect();
        let a = (0..layers)
            .map(|l| {
                if l + 1 < layers {
                    vec![0.0; sizes[l + 1] * capacity]
                } else {
                    Vec::new()
                }
            })
            .collect();
        RowBuffers { z, a, capacity }
    }
}

/// Where the first layer's inputs come from.
#[derive(Clone, Copy)]
pub(crate) enum Inputs<'a> {
    /// Sparse samples `ids` of `data`: only their non-zero pixels' rows of W1 are read.
    Sparse { data: &'a Dataset, ids: &'a [u32] },
    /// Dense rows, `rows x inputs`.
    Dense { x: &'a [f32] },
}

/// Adds `bias` to every row of `z` (`rows x bias.len()`), when there is one.
fn add_bias(z: &mut [f32], bias: Option<&[f32]>) {
    if let Some(b) = bias {
        for row in z.chunks_exact_mut(b.len()) {
            k::axpy(1.0, b, row);
        }
    }
}

/// Runs `rows` inputs through every layer of `net` into `buf` (logits in the last `z`).
///
/// # Panics
/// If `rows` exceeds the buffers' capacity or the inputs do not match the network.
pub(crate) fn forward(
    net: &Network,
    spec: &NetSpec,
    inputs: Inputs<'_>,
    rows: usize,
    buf: &mut RowBuffers,
) {
    assert!(
        rows <= buf.capacity,
        "forward: more rows than the buffers hold"
    );
    let sizes = net.sizes();
    let (d0, d1) = (sizes[0], sizes[1]);
    let z0 = &mut buf.z[0][..rows * d1];
    match inputs {
        Inputs::Sparse { data, ids } => {
            assert_eq!(ids.len(), rows, "forward: ids and rows differ");
            for (zr, &i) in z0.chunks_exact_mut(d1).zip(ids) {
                let (idx, vals) = data.sample(i as usize);
                k::sparse_gemv_t(net.w1(), d1, idx, vals, zr);
            }
        }
        Inputs::Dense { x } => {
            k::gemm(
                MatRef::new(x, rows, d0),
                MatRef::new(net.w1(), d0, d1),
                0.0,
                z0,
            );
        }
    }
    let layers = net.layers();
    for l in 0..layers {
        let (width, fan_in) = (sizes[l + 1], sizes[l]);
        if l > 0 {
            let (before, after) = buf.a.split_at(l);
            let _ = after;
            let input = &before[l - 1][..rows * fan_in];
            k::gemm(
                MatRef::new(input, rows, fan_in),
                MatRef::new(net.weight(l), width, fan_in).t(),
                0.0,
                &mut buf.z[l][..rows * width],
            );
        }
        add_bias(&mut buf.z[l][..rows * width], net.bias(l));
        if l + 1 < layers {
            spec.activate(&buf.z[l][..rows * width], &mut buf.a[l][..rows * width]);
        }
    }
}
