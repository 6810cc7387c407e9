//! Committees: trained models voting by the mean of their output scores
//! (probabilities under softmax), as Meier et al. 2011's committees of nets.

use crate::eval::Tally;
use crate::minibatch::NetSpec;
use crate::model::Model;
use crate::{Dataset, EngineError, Evaluation};

/// Each member's figures and the committee's, on one dataset.
#[derive(Debug, Clone)]
pub struct CommitteeEvaluation {
    /// Each member's own evaluation, in the order given.
    pub members: Vec<Evaluation>,
    /// The committee's: every sample classified by the members' mean scores.
    pub committee: Evaluation,
}

/// Evaluates every member of `models` on `data`, and the committee that
/// averages their output scores (summed in member order, so the same
/// members in the same order give the same bits).
///
/// Members must agree on the number of inputs and classes, and all output
/// probabilities (softmax) or all the same MSE output; otherwise the error
/// names the first member that differs.
pub fn evaluate_committee(
    models: &[Model],
    data: &Dataset,
) -> Result<CommitteeEvaluation, EngineError> {
    let Some(first) = models.first() else {
        return Err(EngineError::Committee(
            "a committee needs at least one model".into(),
        ));
    };
    let spec: NetSpec = first.spec();
    for (i, m) in models.iter().enumerate() {
        if m.network.inputs() != data.inputs() || m.network.outputs() != data.classes() {
            return Err(EngineError::Committee(format!(
                "member {} takes {} inputs and {} classes, the data has {} and {}",
                i + 1,
                m.network.inputs(),
                m.network.outputs(),
                data.inputs(),
                data.classes()
            )));
        }
        if m.spec().output != spec.output {
            return Err(EngineError::Committee(format!(
                "member {} has {:?} outputs, member 1 {:?}: a committee averages outputs of one kind",
                i + 1,
                m.spec().output,
                spec.output
            )));
        }
    }
    let members: Vec<Evaluation> = models.iter().map(|m| m.evaluate(data)).collect();
    let mut mean = vec![0.0f32; data.len() * data.classes()];
    for m in models {
        for (s, o) in mean.iter_mut().zip(m.outputs(data)) {
            *s += o;
        }
    }
    let n = models.len() as f32;
    let mut tally = Tally::new(data.classes(), data.len());
    for (i, scores) in mean.chunks_exact_mut(data.classes()).enumerate() {
        for s in scores.iter_mut() {
            *s /= n;
        }
        let label = data.label(i) as usize;
        tally.loss += spec.loss_of_outputs(scores, label);
        tally.count(scores, label);
    }
    Ok(CommitteeEvaluation {
        members,
        committee: tally.finish(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Stage;
    use crate::ConfigFields;
    use crate::{initial_network, recipe};
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Four classes of 16 inputs, noisy enough that small nets disagree.
    fn data(rows: usize, seed: u64) -> Dataset {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let labels: Vec<u8> = (0..rows).map(|_| rng.random_range(0..4)).collect();
        let x: Vec<f32> = labels
            .iter()
            .flat_map(|&l| {
                (0..16)
                    .map(|j| {
                        let on = j / 4 == l as usize;
                        (if on { 0.4 } else { 0.0 }) + rng.random_range(0.0..1.0)
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        Dataset::from_dense(16, 4, &x, &labels).unwrap()
    }

    fn model(seed: u64, train: &Dataset) -> Model {
        let config = ConfigFields {
            hidden: 8.into(),
            epochs: 1,
            warmup_epochs: 0,
            train_samples: train.len(),
            validation: 0,
            batch: 16,
            seed,
            ..(recipe::recipe("simard-plain").unwrap().config()).fields()
        }
        .resolve()
        .unwrap();
        let net = initial_network(&config, 16, 4);
        let (_, network) = crate::train_run(
            &config,
            train,
            train,
            Some(net),
            crate::StepOptions::default(),
            crate::RunOptions::default(),
            &mut crate::NoObserver,
        )
        .unwrap();
        Model {
            network,
            stage: Stage::Trained,
            config,
            rows: 4,
            cols: 4,
            data_sha256: Vec::new(),
            metrics: None,
            block_samples: None,
            tool_version: String::new(),
            data: None,
            scaling: crate::Scaling::Pixel,
        }
    }

    #[test]
    fn a_committee_of_one_model_repeated_votes_as_that_model() {
        let (train, test) = (data(200, 1), data(300, 2));
        let m = model(3, &train);
        let one = m.evaluate(&test);
        let c = evaluate_committee(&[m.clone(), m.clone(), m.clone()], &test).unwrap();
        assert_eq!(c.members, vec![one.clone(); 3]);
        assert_eq!(c.committee.predictions, one.predictions);
        assert_eq!(c.committee.confusion, one.confusion);
        assert!((c.committee.loss - one.loss).abs() < 1e-6 * one.loss.max(1.0));
    }

    #[test]
    fn a_committee_classifies_by_the_mean_of_its_members_scores() {
        let (train, test) = (data(200, 1), data(300, 2));
        let (a, b) = (model(3, &train), model(4, &train));
        let c = evaluate_committee(&[a.clone(), b.clone()], &test).unwrap();
        let (sa, sb) = (a.outputs(&test), b.outputs(&test));
        let mut disagree = 0;
        for i in 0..test.len() {
            let mean: Vec<f32> = (0..4)
                .map(|k| (sa[i * 4 + k] + sb[i * 4 + k]) / 2.0)
                .collect();
            assert_eq!(c.committee.predictions[i] as usize, crate::argmax(&mean));
            disagree += (c.members[0].predictions[i] != c.members[1].predictions[i]) as usize;
        }
        assert!(
            disagree > 0,
            "the two members never disagree: the test shows nothing"
        );
        assert!(evaluate_committee(&[], &test)
            .unwrap_err()
            .to_string()
            .contains("at least one"));
    }
}
