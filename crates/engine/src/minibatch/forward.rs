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
        RowBuffers::from_layer(sizes, capacity, 0)
    }

    /// Buffers for layers `first..` only (the lower ones' stay empty).
    pub fn from_layer(sizes: &[usize], capacity: usize, first: usize) -> RowBuffers {
        let layers = sizes.len() - 1;
        let z = (0..layers)
            .map(|l| {
                vec![
                    0.0;
                    if l >= first {
                        sizes[l + 1] * capacity
                    } else {
                        0
                    }
                ]
            })
            .collect();
        let a = (0..layers)
            .map(|l| {
                if l >= first && l + 1 < layers {
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

/// The first layer for `rows` inputs: `z0 = X W1 + b1` and, when it is
/// hidden, `a0 = f(z0)` (`a0` is empty otherwise). A row's values do not
/// depend on which other rows share the call, so any split of a batch gives
/// the same bits.
///
/// # Panics
/// If the buffers do not hold `rows` rows or the inputs do not match the network.
pub(crate) fn first_layer(
    net: &Network,
    spec: &NetSpec,
    inputs: Inputs<'_>,
    rows: usize,
    z0: &mut [f32],
    a0: &mut [f32],
) {
    let sizes = net.sizes();
    let (d0, d1) = (sizes[0], sizes[1]);
    let z0 = &mut z0[..rows * d1];
    match inputs {
        Inputs::Sparse { data, ids } => {
            assert_eq!(ids.len(), rows, "forward: ids and rows differ");
            k::sparse_gemm(data.samples(), ids, net.w1(), d1, z0);
        }
        Inputs::Dense { x } => {
            k::gemm(
                MatRef::new(&x[..rows * d0], rows, d0),
                MatRef::new(net.w1(), d0, d1),
                0.0,
                z0,
            );
        }
    }
    if net.layers() > 1 {
        spec.bias_activate(net.bias(0), z0, &mut a0[..rows * d1]);
    } else {
        add_bias(z0, net.bias(0));
    }
}

/// Layers above the first for `rows` rows whose first-layer activations are
/// `a0`, into `buf` (its `z[0]` and `a[0]` are not touched; logits in the last `z`).
///
/// # Panics
/// If `rows` exceeds the buffers' capacity or `a0` holds fewer rows.
pub(crate) fn upper_layers(
    net: &Network,
    spec: &NetSpec,
    a0: &[f32],
    rows: usize,
    buf: &mut RowBuffers,
) {
    assert!(
        rows <= buf.capacity,
        "forward: more rows than the buffers hold"
    );
    let sizes = net.sizes();
    let layers = net.layers();
    for l in 1..layers {
        let (width, fan_in) = (sizes[l + 1], sizes[l]);
        let (before, _) = buf.a.split_at(l);
        let input = if l == 1 { a0 } else { &before[l - 1][..] };
        k::gemm(
            MatRef::new(&input[..rows * fan_in], rows, fan_in),
            MatRef::new(net.weight(l), width, fan_in).t(),
            0.0,
            &mut buf.z[l][..rows * width],
        );
        let z = &mut buf.z[l][..rows * width];
        if l + 1 < layers {
            spec.bias_activate(net.bias(l), z, &mut buf.a[l][..rows * width]);
        } else {
            add_bias(z, net.bias(l));
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
    // Taken out for the call and put back: moving a Vec allocates nothing.
    let mut a0 = std::mem::take(&mut buf.a[0]);
    first_layer(net, spec, inputs, rows, &mut buf.z[0], &mut a0);
    upper_layers(net, spec, &a0, rows, buf);
    buf.a[0] = a0;
}
