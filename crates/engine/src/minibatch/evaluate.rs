//! Evaluation of any network: blocks of rows through the shared forward pass.

use super::{forward, Inputs, NetSpec, RowBuffers};
use crate::eval::Tally;
use crate::{Dataset, Evaluation, Network};

/// Rows per evaluation block.
const BLOCK: usize = 256;

/// Loss, errors and confusion matrix of `net` on every sample of `data`.
pub fn evaluate_network(net: &Network, spec: &NetSpec, data: &Dataset) -> Evaluation {
    let classes = data.classes();
    let out = net.outputs();
    let mut buf = RowBuffers::new(net.sizes(), BLOCK.min(data.len().max(1)));
    let ids: Vec<u32> = (0..data.len() as u32).collect();
    let mut tally = Tally::new(classes, data.len());
    for block in ids.chunks(BLOCK) {
        forward(
            net,
            spec,
            Inputs::Sparse {
                set: data.samples(),
                ids: block,
            },
            block.len(),
            &mut buf,
        );
        let logits = &mut buf.z[net.layers() - 1][..block.len() * out];
        for (o, &i) in logits.chunks_exact_mut(out).zip(block) {
            spec.outputs(o);
            let label = data.label(i as usize) as usize;
            tally.loss += spec.loss_of_outputs(o, label);
            tally.count(o, label);
        }
    }
    tally.finish()
}

/// The outputs (probabilities for softmax) of `net` for every sample of
/// `data`, row by row (`data.len() x classes`).
pub fn outputs_of(net: &Network, spec: &NetSpec, data: &Dataset) -> Vec<f32> {
    let out = net.outputs();
    let mut buf = RowBuffers::new(net.sizes(), BLOCK.min(data.len().max(1)));
    let ids: Vec<u32> = (0..data.len() as u32).collect();
    let mut all = Vec::with_capacity(data.len() * out);
    for block in ids.chunks(BLOCK) {
        let inputs = Inputs::Sparse {
            set: data.samples(),
            ids: block,
        };
        forward(net, spec, inputs, block.len(), &mut buf);
        let logits = &mut buf.z[net.layers() - 1][..block.len() * out];
        for o in logits.chunks_exact_mut(out) {
            spec.outputs(o);
        }
        all.extend_from_slice(logits);
    }
    all
}

/// The outputs (probabilities for softmax) of `net` for one dense input `x`.
///
/// # Panics
/// If `x.len()` is not `net.inputs()`.
pub fn scores(net: &Network, spec: &NetSpec, x: &[f32]) -> Vec<f32> {
    assert_eq!(x.len(), net.inputs(), "input length");
    let mut buf = RowBuffers::new(net.sizes(), 1);
    forward(net, spec, Inputs::Dense { x }, 1, &mut buf);
    let mut o = buf.z[net.layers() - 1].clone();
    spec.outputs(&mut o);
    o
}
