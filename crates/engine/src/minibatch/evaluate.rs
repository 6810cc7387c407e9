//! Evaluation of any network: blocks of rows through the one forward pass.

use super::{forward, Inputs, NetSpec, RowBuffers};
use crate::eval::Tally;
use crate::{Case, Dataset, Evaluation, Network};

/// Rows per evaluation block: big enough for sgemm to run near peak, small enough for cache.
const BLOCK: usize = 256;

/// How an evaluation reads the samples and sums the loss: each engine's
/// own form, so that each keeps the figures it has always reported, bit for bit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowForm {
    /// Dense rows through sgemm, the loss summed term by term into the
    /// total (the online engine's study networks).
    Dense,
    /// The samples' non-zero pixels, the loss summed per sample (the
    /// minibatch engine's networks).
    Sparse,
}

/// A network as an evaluation reads it: weights, their layers' scales,
/// what it computes and the form its rows take.
#[derive(Clone, Copy)]
pub struct Evaluated<'a> {
    /// The weights.
    pub net: &'a Network,
    /// Each layer's product scale (1 where it ends): the online engine's lazy weight decay.
    pub scales: &'a [f32],
    /// What the network computes besides its weights.
    pub spec: NetSpec,
    /// How the first layer reads the samples.
    pub form: RowForm,
}

impl<'a> Evaluated<'a> {
    /// A study network of `case` (the online engine's), read as dense rows.
    pub fn study(net: &'a Network, case: Case) -> Evaluated<'a> {
        Evaluated {
            net,
            scales: &[],
            spec: NetSpec::study(case),
            form: RowForm::Dense,
        }
    }

    /// Any network of `spec` (the minibatch engine's), read as sparse rows.
    pub fn network(net: &'a Network, spec: NetSpec) -> Evaluated<'a> {
        Evaluated {
            net,
            scales: &[],
            spec,
            form: RowForm::Sparse,
        }
    }

    /// Calls `each(row, outputs)` for every sample of `data` in order, with
    /// its outputs (probabilities under softmax).
    fn each_output(&self, data: &Dataset, mut each: impl FnMut(usize, &[f32])) {
        let (net, out) = (self.net, self.net.outputs());
        let rows_max = BLOCK.min(data.len().max(1));
        let mut buf = RowBuffers::new(net.sizes(), rows_max);
        let mut dense = match self.form {
            RowForm::Dense => vec![0.0f32; rows_max * data.inputs()],
            RowForm::Sparse => Vec::new(),
        };
        let ids: Vec<u32> = (0..data.len() as u32).collect();
        for block in ids.chunks(BLOCK) {
            let inputs = match self.form {
                RowForm::Sparse => Inputs::Sparse {
                    set: data.samples(),
                    ids: block,
                },
                RowForm::Dense => {
                    let d = data.inputs();
                    for (row, &i) in dense.chunks_exact_mut(d).zip(block) {
                        data.dense_into(i as usize, row);
                    }
                    Inputs::Dense {
                        x: &dense[..block.len() * d],
                    }
                }
            };
            forward(net, self.scales, &self.spec, inputs, block.len(), &mut buf);
            let logits = &mut buf.z[net.layers() - 1][..block.len() * out];
            for (o, &i) in logits.chunks_exact_mut(out).zip(block) {
                self.spec.outputs(o);
                each(i as usize, o);
            }
        }
    }

    /// Loss, errors and confusion matrix on every sample of `data`.
    pub fn evaluate(&self, data: &Dataset) -> Evaluation {
        let mut tally = Tally::new(data.classes(), data.len());
        self.each_output(data, |i, o| {
            let label = data.label(i) as usize;
            match self.form {
                RowForm::Dense => self.spec.add_loss_terms(&mut tally.loss, o, label),
                RowForm::Sparse => tally.loss += self.spec.loss_of_outputs(o, label),
            }
            tally.count(o, label);
        });
        tally.finish()
    }

    /// The outputs of every sample of `data`, row by row (`data.len() x classes`).
    pub fn outputs(&self, data: &Dataset) -> Vec<f32> {
        let mut all = Vec::with_capacity(data.len() * self.net.outputs());
        self.each_output(data, |_, o| all.extend_from_slice(o));
        all
    }

    /// The outputs for one dense input `x`.
    ///
    /// # Panics
    /// If `x.len()` is not the network's input width.
    pub fn scores(&self, x: &[f32]) -> Vec<f32> {
        assert_eq!(x.len(), self.net.inputs(), "input length");
        let mut buf = RowBuffers::new(self.net.sizes(), 1);
        forward(
            self.net,
            self.scales,
            &self.spec,
            Inputs::Dense { x },
            1,
            &mut buf,
        );
        let mut o = buf.z[self.net.layers() - 1].clone();
        self.spec.outputs(&mut o);
        o
    }
}

/// Loss, errors and confusion matrix of the study network `net` of `case` on every sample of `data`.
pub fn evaluate(net: &Network, case: Case, data: &Dataset) -> Evaluation {
    Evaluated::study(net, case).evaluate(data)
}

/// Loss, errors and confusion matrix of `net` on every sample of `data`.
pub fn evaluate_network(net: &Network, spec: &NetSpec, data: &Dataset) -> Evaluation {
    Evaluated::network(net, *spec).evaluate(data)
}

/// The outputs (probabilities for softmax) of `net` for every sample of
/// `data`, row by row (`data.len() x classes`).
pub fn outputs_of(net: &Network, spec: &NetSpec, data: &Dataset) -> Vec<f32> {
    Evaluated::network(net, *spec).outputs(data)
}

/// The outputs (probabilities for softmax) of `net` for one dense input `x`.
///
/// # Panics
/// If `x.len()` is not `net.inputs()`.
pub fn scores(net: &Network, spec: &NetSpec, x: &[f32]) -> Vec<f32> {
    Evaluated::network(net, *spec).scores(x)
}
