//! The forward pass over a block of rows, shared by training and evaluation.

use super::{Dropout, NetSpec};
use crate::Network;
use mlp_kernels::{self as k, MatRef};

/// Pre-activations and activations of every layer for up to `capacity` rows.
#[derive(Debug, Clone)]
pub(crate) struct RowBuffers {
    /// `z[l]`: rows x width of layer `l`, biases added (the last layer's are the logits).
    pub z: Vec<Vec<f32>>,
    /// `a[l] = f(z[l])` for the hidden layers (the last entry stays empty).
    pub a: Vec<Vec<f32>>,
    /// With dropout, the masks `m[l]` (0 or the keep scale) of the hidden layers.
    pub m: Vec<Vec<f32>>,
    /// With dropout, `ad[l] = a[l] * m[l]`: what the next layer reads.
    pub ad: Vec<Vec<f32>>,
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
        RowBuffers {
            z,
            a,
            m: vec![Vec::new(); layers],
            ad: vec![Vec::new(); layers],
            capacity,
        }
    }

    /// These buffers with room for dropout masks of the hidden layers they hold.
    pub fn with_masks(mut self) -> RowBuffers {
        for l in 0..self.a.len() {
            let n = self.a[l].len();
            self.m[l] = vec![0.0; n];
            self.ad[l] = vec![0.0; n];
        }
        self
    }
}

/// Where the first layer's inputs come from.
#[derive(Clone, Copy)]
pub(crate) enum Inputs<'a> {
    /// Sparse vectors `ids` of `set`: only their non-zero inputs' rows of W1 are read.
    Sparse {
        set: &'a mlp_kernels::SparseSet,
        ids: &'a [u32],
    },
    /// A batch of sparse vectors given transposed: only their non-zero
    /// inputs' rows of W1 are read, each once for the whole batch.
    Transposed(mlp_kernels::BatchByInputs<'a>),
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

/// The first layer for `rows` inputs: `z0 = s X W1 + b1` (`s` is `scale`,
/// 1 but for the online engine's lazily decayed weights) and, when it is
/// hidden, `a0 = f(z0)` (`a0` is empty otherwise). A row's values do not
/// depend on which other rows share the call, so any split of a batch gives
/// the same bits.
///
/// # Panics
/// If the buffers do not hold `rows` rows or the inputs do not match the network.
pub(crate) fn first_layer(
    net: &Network,
    scale: f32,
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
        Inputs::Sparse { set, ids } => {
            assert_eq!(ids.len(), rows, "forward: ids and rows differ");
            k::sparse_gemm(set, ids, net.w1(), d1, z0);
            if scale != 1.0 {
                k::scale(scale, z0);
            }
        }
        Inputs::Transposed(batch) => {
            assert_eq!(batch.rows(), rows, "forward: batch and rows differ");
            k::sparse_gemm_by_inputs(&batch, net.w1(), d1, z0);
            if scale != 1.0 {
                k::scale(scale, z0);
            }
        }
        Inputs::Dense { x } => {
            k::gemm_scaled(
                scale,
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

/// Dropout over a block of rows in training: the masks of `step`, the
/// block's first row being row `row0` of the batch.
#[derive(Clone, Copy)]
pub(crate) struct RowMasks<'a> {
    pub dropout: &'a Dropout,
    pub step: u64,
    pub row0: usize,
}

/// Layers above the first for `rows` rows whose first-layer activations are
/// `a0` (already dropped, in training with dropout), into `buf` (its `z[0]`
/// and `a[0]` are not touched; logits in the last `z`). Layer `l`'s product
/// is scaled by `scales[l]` (1 where `scales` ends). With `drop`, each
/// hidden layer's outputs are dropped into `buf.ad` by masks kept in `buf.m`.
///
/// # Panics
/// If `rows` exceeds the buffers' capacity, `a0` holds fewer rows, or `drop`
/// is given to buffers made without masks.
pub(crate) fn upper_layers(
    net: &Network,
    scales: &[f32],
    spec: &NetSpec,
    a0: &[f32],
    rows: usize,
    buf: &mut RowBuffers,
    drop: Option<RowMasks<'_>>,
) {
    assert!(
        rows <= buf.capacity,
        "forward: more rows than the buffers hold"
    );
    let sizes = net.sizes();
    let layers = net.layers();
    for l in 1..layers {
        let (width, fan_in) = (sizes[l + 1], sizes[l]);
        let input = if l == 1 {
            a0
        } else if drop.is_some() {
            &buf.ad[l - 1][..]
        } else {
            &buf.a[l - 1][..]
        };
        k::gemm_scaled(
            scales.get(l).copied().unwrap_or(1.0),
            MatRef::new(&input[..rows * fan_in], rows, fan_in),
            MatRef::new(net.weight(l), width, fan_in).t(),
            0.0,
            &mut buf.z[l][..rows * width],
        );
        let z = &mut buf.z[l][..rows * width];
        if l + 1 < layers {
            spec.bias_activate(net.bias(l), z, &mut buf.a[l][..rows * width]);
            if let Some(d) = drop {
                let (a, m, ad) = (&buf.a[l], &mut buf.m[l], &mut buf.ad[l]);
                let n = rows * width;
                apply_masks(d, l + 1, width, &a[..n], &mut m[..n], &mut ad[..n]);
            }
        } else {
            add_bias(z, net.bias(l));
        }
    }
}

/// Fills the masks `m` of layer `layer` for the rows (of `width`) of `a`,
/// block row `r` being batch row `d.row0 + r`, and sets `ad = a * m`.
pub(crate) fn apply_masks(
    d: RowMasks<'_>,
    layer: usize,
    width: usize,
    a: &[f32],
    m: &mut [f32],
    ad: &mut [f32],
) {
    for (r, ((a, m), ad)) in a
        .chunks_exact(width)
        .zip(m.chunks_exact_mut(width))
        .zip(ad.chunks_exact_mut(width))
        .enumerate()
    {
        d.dropout.fill(d.step, layer, d.row0 + r, m);
        for ((o, &x), &k) in ad.iter_mut().zip(a).zip(m.iter()) {
            *o = x * k;
        }
    }
}

/// Runs `rows` inputs through every layer of `net` into `buf` (logits in
/// the last `z`): the one forward pass of every network, in training and in
/// evaluation. Layer `l`'s product is scaled by `scales[l]` (1 where
/// `scales` ends: every layer of a network but the online engine's, whose
/// weight decay is held in such scales).
///
/// # Panics
/// If `rows` exceeds the buffers' capacity or the inputs do not match the network.
pub(crate) fn forward(
    net: &Network,
    scales: &[f32],
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
    let first = scales.first().copied().unwrap_or(1.0);
    first_layer(net, first, spec, inputs, rows, &mut buf.z[0], &mut a0);
    upper_layers(net, scales, spec, &a0, rows, buf, None);
    buf.a[0] = a0;
}
