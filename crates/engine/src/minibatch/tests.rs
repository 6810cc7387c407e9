//! The minibatch engine against finite differences, the online engine and itself.

use super::{FirstLayer, MinibatchTrainer, NetSpec, Output};
use crate::{
    Activation, Case, ConfigFields, Dataset, Loss, Network, Optimizer, OptimizerKind, TrainConfig,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// `rows` samples of `inputs` values, about a third zero (so the sparse path has work to skip).
fn data(inputs: usize, classes: usize, rows: usize, seed: u64) -> Dataset {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let x: Vec<f32> = (0..rows * inputs)
        .map(|_| {
            if rng.random_bool(0.35) {
                0.0
            } else {
                rng.random_range(0.0..1.0)
            }
        })
        .collect();
    let labels: Vec<u8> = (0..rows)
        .map(|_| rng.random_range(0..classes as u8))
        .collect();
    Dataset::from_dense(inputs, classes, &x, &labels).unwrap()
}

/// The mean loss of `net` on samples `ids`, in f64 straight from the
/// definitions; with dropout, `mask(layer, row, unit)` multiplies the inputs
/// (layer 0) and each hidden layer's outputs (layers 1..), row `row` being
/// the sample's position in `ids`.
fn loss_f64_masked(
    net: &Network,
    spec: &NetSpec,
    data: &Dataset,
    ids: &[u32],
    mask: &dyn Fn(usize, usize, usize) -> f64,
) -> f64 {
    let sizes = net.sizes();
    let mut total = 0.0;
    for (row, &i) in ids.iter().enumerate() {
        let mut x = vec![0.0f32; sizes[0]];
        data.dense_into(i as usize, &mut x);
        let mut a: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(p, &v)| v as f64 * mask(0, row, p))
            .collect();
        for l in 0..net.layers() {
            let (n_in, n_out) = (sizes[l], sizes[l + 1]);
            let w = net.weight(l);
            let mut z = vec![0.0f64; n_out];
            for (j, zj) in z.iter_mut().enumerate() {
                for (p, &ap) in a.iter().enumerate() {
                    // Layer 0 is input-major, the rest output-major.
                    let wv = if l == 0 {
                        w[p * n_out + j]
                    } else {
                        w[j * n_in + p]
                    };
                    *zj += wv as f64 * ap;
                }
                if let Some(b) = net.bias(l) {
                    *zj += b[j] as f64;
                }
            }
            a = if l + 1 < net.layers() {
                z.iter()
                    .enumerate()
                    .map(|(j, &v)| {
                        let f = match spec.activation {
                            Activation::Relu => v.max(0.0),
                            Activation::Tanh => v.tanh(),
                            Activation::Sigmoid => 1.0 / (1.0 + (-v).exp()),
                        };
                        f * mask(l + 1, row, j)
                    })
                    .collect()
            } else {
                z
            };
        }
        let label = data.label(i as usize) as usize;
        total += match spec.output {
            Output::Softmax => {
                let max = a.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
                let sum: f64 = a.iter().map(|v| (v - max).exp()).sum();
                sum.ln() - (a[label] - max)
            }
            Output::Tanh | Output::Sigmoid => {
                let (lo, f): (f64, fn(f64) -> f64) = if spec.output == Output::Tanh {
                    (-1.0, f64::tanh)
                } else {
                    (0.0, |v| 1.0 / (1.0 + (-v).exp()))
                };
                a.iter()
                    .enumerate()
                    .map(|(c, &v)| {
                        let e = if c == label { 1.0 } else { lo } - f(v);
                        0.5 * e * e
                    })
                    .sum()
            }
        };
    }
    total / ids.len() as f64
}

fn config(
    sizes: &[usize],
    activation: Activation,
    loss: Loss,
    bias: bool,
    case: Case,
) -> TrainConfig {
    ConfigFields {
        hidden: crate::Layers::new(sizes[1..sizes.len() - 1].to_vec()).unwrap(),
        activation: Some(activation),
        loss,
        bias,
        batch: 13,
        train_samples: 13,
        lr: 1.0,
        init: crate::Init::Uniform(0.5),
        ..ConfigFields::new(case)
    }
    .resolve()
    .unwrap()
}

/// Every weight and bias as one list, layer by layer.
fn params(net: &Network) -> Vec<f32> {
    let mut out = Vec::new();
    for l in 0..net.layers() {
        out.extend_from_slice(net.weight(l));
        if let Some(b) = net.bias(l) {
            out.extend_from_slice(b);
        }
    }
    out
}

/// Sets parameter `k` of `params`' order to `v`.
fn set_param(net: &mut Network, mut k: usize, v: f32) {
    for l in 0..net.layers() {
        let (w, b) = net.layer_mut(l);
        if k < w.len() {
            w[k] = v;
            return;
        }
        k -= w.len();
        if k < b.len() {
            b[k] = v;
            return;
        }
        k -= b.len();
    }
    panic!("no such parameter");
}

/// The analytic gradient of one plain-SGD step at rate 1 (`w_before - w_after`)
/// against central differences of the f64 loss, for every parameter.
///
/// Tolerance: the step reads the gradient back through one f32 subtraction
/// of weights of size ~0.5 (absolute error ~6e-8) and computes it in f32
/// with sums of at most ~20 terms (relative ~1e-6); the f64 central
/// difference with h = 1e-4 is exact to ~1e-6 for these smooth losses, so
/// 2e-5 + 2e-4 relative bounds both with margin while a wrong factor or a
/// missing term (errors ~1e-2 and up) fails.
fn check_gradients(
    sizes: &[usize],
    activation: Activation,
    loss: Loss,
    bias: bool,
    case: Case,
    first: FirstLayer,
) {
    check_gradients_with(config(sizes, activation, loss, bias, case), sizes, first);
}

/// [`check_gradients`] of any configuration (dropout's masks those of step 1).
fn check_gradients_with(cfg: TrainConfig, sizes: &[usize], first: FirstLayer) {
    let (activation, loss, bias) = (cfg.hidden_activation(), cfg.network.loss, cfg.network.bias);
    let data = data(sizes[0], sizes[sizes.len() - 1], 13, 5);
    let mut net = Network::init_layers(sizes, cfg.network.init, bias, 3);
    if bias {
        // Non-zero biases, so their gradients are tested away from zero too.
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for l in 0..net.layers() {
            for b in net.layer_mut(l).1 {
                *b = rng.random_range(-0.3..0.3);
            }
        }
    }
    let spec = NetSpec::of(&cfg);
    let ids: Vec<u32> = (0..13).collect();
    let before = params(&net);
    let mut t = MinibatchTrainer::new(&cfg, net.clone(), first, false);
    let out = t.step(&data, &ids, 0.0);
    let after = params(&t.net);
    let input = super::Dropout::new(cfg.run.seed, 0, cfg.regularization.dropout_input);
    let hidden = super::Dropout::new(cfg.run.seed, 1, cfg.regularization.dropout);
    let mask = |layer: usize, row: usize, unit: usize| -> f64 {
        let d = if layer == 0 { input } else { hidden };
        d.map_or(1.0, |d| {
            let mut m = vec![0.0f32; unit + 1];
            d.fill(1, layer, row, &mut m);
            m[unit] as f64
        })
    };
    let want_loss = loss_f64_masked(&net, &spec, &data, &ids, &mask);
    assert!(
        (out.loss / 13.0 - want_loss).abs() < 1e-5 * (1.0 + want_loss),
        "loss {} vs {want_loss}",
        out.loss / 13.0
    );
    // Small enough that no ReLU input near zero changes sign within +-h.
    let h = 1e-4f32;
    for k in 0..before.len() {
        let analytic = (before[k] - after[k]) as f64;
        // The step actually taken in f32, not the nominal h.
        let (hi, lo) = (before[k] + h, before[k] - h);
        set_param(&mut net, k, hi);
        let up = loss_f64_masked(&net, &spec, &data, &ids, &mask);
        set_param(&mut net, k, lo);
        let down = loss_f64_masked(&net, &spec, &data, &ids, &mask);
        set_param(&mut net, k, before[k]);
        let numeric = (up - down) / (hi as f64 - lo as f64);
        assert!(
            (analytic - numeric).abs() <= 2e-5 + 2e-4 * numeric.abs(),
            "{sizes:?} {activation} {loss} bias={bias} drop={}/{} {first:?}: parameter {k}: analytic {analytic}, numeric {numeric}",
            cfg.regularization.dropout_input, cfg.regularization.dropout
        );
    }
}

#[test]
fn gradients_match_finite_differences_for_every_layer_kind_activation_loss_and_bias() {
    for sizes in [&[7usize, 5, 3][..], &[7, 6, 4, 3][..]] {
        for &activation in Activation::ALL {
            for &loss in Loss::ALL {
                for bias in [false, true] {
                    for case in [Case::Tanh, Case::ReluSigmoid] {
                        if loss == Loss::CrossEntropy && case == Case::Tanh {
                            continue; // the case only picks the MSE output
                        }
                        check_gradients(sizes, activation, loss, bias, case, FirstLayer::Sparse);
                    }
                }
            }
        }
    }
    // The dense first layer computes the same gradients.
    check_gradients(
        &[7, 6, 4, 3],
        Activation::Tanh,
        Loss::CrossEntropy,
        true,
        Case::ReluSigmoid,
        FirstLayer::Dense,
    );
    check_gradients(
        &[7, 5, 3],
        Activation::Relu,
        Loss::Mse,
        false,
        Case::ReluSigmoid,
        FirstLayer::Dense,
    );
}

/// Runs `steps` batches of `cfg` from `net` over `data` in file order.
fn run(
    cfg: &TrainConfig,
    net: Network,
    data: &Dataset,
    first: FirstLayer,
    parallel: bool,
    epochs: usize,
) -> Network {
    let mut t = MinibatchTrainer::new(cfg, net, first, parallel);
    let ids: Vec<u32> = (0..cfg.data.train_samples as u32).collect();
    for e in 0..epochs {
        for (j, b) in ids.chunks(cfg.data.batch).enumerate() {
            t.step(
                data,
                b,
                e as f64 + j as f64 / ids.len().div_ceil(cfg.data.batch) as f64,
            );
        }
    }
    t.net
}

fn bits(net: &Network) -> Vec<u32> {
    params(net).iter().map(|v| v.to_bits()).collect()
}

fn max_diff(a: &Network, b: &Network) -> f32 {
    params(a)
        .iter()
        .zip(params(b))
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

#[test]
fn batch_one_with_the_study_settings_follows_the_online_engine() {
    let data = data(40, 10, 300, 8);
    for case in [Case::Tanh, Case::ReluSigmoid] {
        let cfg = ConfigFields {
            hidden: 24.into(),
            lr: 0.05,
            l2: 0.001,
            epochs: 2,
            train_samples: 300,
            ..ConfigFields::new(case)
        }
        .resolve()
        .unwrap();
        assert!(cfg.is_online_study());
        let net = Network::init(40, 24, 10, 2);
        let mini = run(&cfg, net.clone(), &data, FirstLayer::Sparse, false, 2);
        let online = {
            let mut t = crate::Trainer::new(&cfg, net.clone(), crate::StepOptions::default());
            t.run(&data, &data, &mut crate::NoObserver).unwrap();
            t.finish()
        };
        let moved = max_diff(&net, &online);
        let gap = max_diff(&mini, &online);
        // Equal up to f32 rounding (the online engine folds L2 into a scale and
        // defers W1 updates): the gap is a tiny fraction of how far training moved.
        assert!(moved > 0.01, "{case}: training barely moved ({moved})");
        assert!(
            gap < 2e-5,
            "{case}: minibatch at B = 1 is {gap} from the online engine"
        );
    }
}

/// A ReLU net with biases and softmax cross-entropy of `sizes`, trained by
/// `optimizer` at rate `lr` on `samples` rows in batches of `batch`.
fn relu_softmax(
    sizes: &[usize],
    optimizer: OptimizerKind,
    batch: usize,
    samples: usize,
    lr: f64,
) -> TrainConfig {
    ConfigFields {
        optimizer,
        batch,
        train_samples: samples,
        lr,
        ..config(
            sizes,
            Activation::Relu,
            Loss::CrossEntropy,
            true,
            Case::ReluSigmoid,
        )
        .fields()
    }
    .resolve()
    .unwrap()
}

#[test]
fn sparse_and_dense_first_layers_agree() {
    let data = data(50, 4, 96, 9);
    let cfg = relu_softmax(&[50, 20, 4], OptimizerKind::Momentum, 16, 96, 0.1);
    let net = Network::init_layers(&[50, 20, 4], crate::Init::Glorot, true, 1);
    let sparse = run(&cfg, net.clone(), &data, FirstLayer::Sparse, false, 3);
    let dense = run(&cfg, net.clone(), &data, FirstLayer::Dense, false, 3);
    let gap = max_diff(&sparse, &dense);
    assert!(max_diff(&net, &sparse) > 0.01 && gap < 1e-5, "gap {gap}");
}

/// A wide sparse first layer (300 units, more than one column panel of the
/// forward product) at batch 64 trains as the dense product does, to f32
/// rounding, with Nesterov and with Adam; one thread and two give the same bits.
#[test]
fn a_wide_sparse_first_layer_agrees_with_the_dense_product_for_each_optimiser() {
    let data = data(50, 4, 192, 11);
    for optimizer in [OptimizerKind::Nesterov, OptimizerKind::Adam] {
        let lr = if optimizer == OptimizerKind::Adam {
            0.003
        } else {
            0.05
        };
        let cfg = relu_softmax(&[50, 300, 4], optimizer, 64, 192, lr);
        let net = Network::init_layers(&[50, 300, 4], crate::Init::Glorot, true, 3);
        let sparse = run(&cfg, net.clone(), &data, FirstLayer::Sparse, false, 2);
        let dense = run(&cfg, net.clone(), &data, FirstLayer::Dense, false, 2);
        let two = run(&cfg, net.clone(), &data, FirstLayer::Sparse, true, 2);
        let gap = max_diff(&sparse, &dense);
        let moved = max_diff(&net, &sparse);
        assert!(
            moved > 0.005 && gap < 2e-5,
            "{optimizer:?}: moved {moved}, gap {gap}"
        );
        assert_eq!(
            bits(&sparse),
            bits(&two),
            "{optimizer:?}: threads changed the bits"
        );
    }
}

#[test]
fn one_thread_and_two_give_bit_identical_networks() {
    let data = data(60, 5, 203, 10);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for (optimizer, hidden, batch) in [
        (
            Optimizer::Momentum {
                mu: 0.9,
                nesterov: false,
            },
            "33",
            64,
        ),
        (
            Optimizer::Adam {
                beta1: 0.9,
                beta2: 0.999,
                eps: 1e-8,
            },
            "33-17",
            50,
        ),
        (
            Optimizer::Momentum {
                mu: 0.9,
                nesterov: true,
            },
            "40-9-7",
            37,
        ),
    ] {
        let mut cfg = config(
            &[60, 3, 5],
            Activation::Tanh,
            Loss::CrossEntropy,
            true,
            Case::ReluSigmoid,
        );
        cfg.network.hidden = hidden.parse().unwrap();
        cfg.optimizer.method = optimizer;
        cfg.data.batch = batch;
        cfg.data.train_samples = 203;
        cfg.optimizer.lr = 0.01;
        let sizes = cfg.network.hidden.sizes(60, 5);
        let net = Network::init_layers(&sizes, crate::Init::He, true, 7);
        for first in [FirstLayer::Sparse, FirstLayer::Dense] {
            let one = run(&cfg, net.clone(), &data, first, false, 2);
            let two = pool.install(|| run(&cfg, net.clone(), &data, first, true, 2));
            assert!(max_diff(&net, &one) > 1e-3);
            assert_eq!(bits(&one), bits(&two), "{optimizer:?} {hidden} {first:?}");
        }
    }
}

/// With dropout, the step's gradient is that of the loss under the step's
/// masks (input and hidden, drawn from the seed), for every activation, a
/// deep and a shallow net, sparse and dense first layers.
#[test]
fn dropout_gradients_match_finite_differences_with_the_steps_masks() {
    for sizes in [&[7usize, 6, 3][..], &[7, 6, 5, 3][..]] {
        for &activation in Activation::ALL {
            for first in [FirstLayer::Sparse, FirstLayer::Dense] {
                let cfg = ConfigFields {
                    dropout_input: 0.2,
                    dropout: 0.5,
                    ..(config(
                        sizes,
                        activation,
                        Loss::CrossEntropy,
                        true,
                        Case::ReluSigmoid,
                    ))
                    .fields()
                }
                .resolve()
                .unwrap();
                check_gradients_with(cfg, sizes, first);
            }
        }
    }
}

/// A dropout probability too small to drop anything (the masks are all
/// ones) runs the dropout path and gives exactly the network without it:
/// dropped copies, masks and the scale are wired where the plain values were.
#[test]
fn dropout_that_drops_nothing_is_no_dropout_bit_for_bit() {
    let data = data(30, 4, 120, 12);
    let base = ConfigFields {
        optimizer: OptimizerKind::Momentum,
        batch: 24,
        train_samples: 120,
        lr: 0.05,
        hidden: "12-7".parse().unwrap(),
        ..(config(
            &[30, 12, 7, 4],
            Activation::Tanh,
            Loss::CrossEntropy,
            true,
            Case::ReluSigmoid,
        ))
        .fields()
    }
    .resolve()
    .unwrap();
    let net = Network::init_layers(&[30, 12, 7, 4], crate::Init::Glorot, true, 5);
    let plain = run(&base, net.clone(), &data, FirstLayer::Sparse, false, 2);
    let tiny = ConfigFields {
        dropout_input: 1e-12,
        dropout: 1e-12,
        ..base.fields()
    }
    .resolve()
    .unwrap();
    assert!(super::Dropout::new(1, 1, 1e-12).is_some());
    let masked = run(&tiny, net.clone(), &data, FirstLayer::Sparse, false, 2);
    assert!(max_diff(&net, &plain) > 1e-3);
    assert_eq!(bits(&plain), bits(&masked));
    // A real probability changes the run, and 2 threads give the same bits as 1.
    let real = ConfigFields {
        dropout_input: 0.2,
        dropout: 0.5,
        ..base.fields()
    }
    .resolve()
    .unwrap();
    let one = run(&real, net.clone(), &data, FirstLayer::Sparse, false, 2);
    assert!(max_diff(&one, &plain) > 1e-3);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    let two = pool.install(|| run(&real, net.clone(), &data, FirstLayer::Sparse, true, 2));
    assert_eq!(bits(&one), bits(&two));
}

/// Max-norm leaves no hidden unit's incoming weight vector above C, after
/// a run in which some would have grown past it.
#[test]
fn max_norm_leaves_no_incoming_vector_above_c() {
    let data = data(30, 4, 120, 13);
    let sizes = [30usize, 12, 7, 4];
    let base = ConfigFields {
        optimizer: OptimizerKind::Momentum,
        batch: 8,
        train_samples: 120,
        lr: 0.5,
        hidden: "12-7".parse().unwrap(),
        ..(config(
            &sizes,
            Activation::Relu,
            Loss::CrossEntropy,
            true,
            Case::ReluSigmoid,
        ))
        .fields()
    }
    .resolve()
    .unwrap();
    let net = Network::init_layers(&sizes, crate::Init::He, true, 6);
    // Incoming vectors: W1's columns, then the rows of each hidden layer above.
    let norms = |n: &Network| -> Vec<f64> {
        let mut out = Vec::new();
        let w1 = n.weight(0);
        for j in 0..sizes[1] {
            out.push(
                w1.iter()
                    .skip(j)
                    .step_by(sizes[1])
                    .map(|&x| x as f64 * x as f64)
                    .sum::<f64>()
                    .sqrt(),
            );
        }
        for row in n.weight(1).chunks_exact(sizes[1]) {
            out.push(row.iter().map(|&x| x as f64 * x as f64).sum::<f64>().sqrt());
        }
        out
    };
    let free = norms(&run(
        &base,
        net.clone(),
        &data,
        FirstLayer::Sparse,
        false,
        3,
    ));
    let c = 1.5;
    assert!(free.iter().filter(|&&n| n > c).count() >= 3, "{free:?}");
    let capped = ConfigFields {
        max_norm: c,
        ..base.fields()
    }
    .resolve()
    .unwrap();
    let got = norms(&run(
        &capped,
        net.clone(),
        &data,
        FirstLayer::Sparse,
        false,
        3,
    ));
    for (u, &n) in got.iter().enumerate() {
        assert!(n <= c * (1.0 + 1e-6), "unit {u}: norm {n} > {c}");
    }
    assert!(
        got.iter().any(|&n| n > 0.99 * c),
        "the constraint binds: {got:?}"
    );
}

/// Distorted training: the identity affine map trains exactly as no
/// distortion (the whole path, bit for bit), a real distortion changes the
/// run, and 2 threads give the bits of 1.
#[test]
fn distorted_training_is_exact_for_the_identity_and_thread_independent() {
    use crate::augment::Augment;
    let data = data(49, 4, 96, 14);
    let sizes = [49usize, 12, 4];
    let base = ConfigFields {
        optimizer: OptimizerKind::Momentum,
        batch: 16,
        train_samples: 96,
        lr: 0.05,
        ..(config(
            &sizes,
            Activation::Relu,
            Loss::CrossEntropy,
            true,
            Case::ReluSigmoid,
        ))
        .fields()
    }
    .resolve()
    .unwrap();
    let net = Network::init_layers(&sizes, crate::Init::He, true, 8);
    let plain = run(&base, net.clone(), &data, FirstLayer::Sparse, false, 2);
    let identity = ConfigFields {
        augment: Augment::Affine,
        rotate: 0.0,
        scale: 0.0,
        shear: 0.0,
        translate: 0.0,
        ..base.fields()
    }
    .resolve()
    .unwrap();
    let same = run(&identity, net.clone(), &data, FirstLayer::Sparse, false, 2);
    assert!(max_diff(&net, &plain) > 1e-3);
    assert_eq!(bits(&plain), bits(&same));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .build()
        .unwrap();
    for augment in [Augment::Affine, Augment::Elastic, Augment::AffineElastic] {
        let cfg = ConfigFields {
            augment,
            elastic_sigma: 1.5,
            elastic_alpha: 3.0,
            ..base.fields()
        }
        .resolve()
        .unwrap();
        let one = run(&cfg, net.clone(), &data, FirstLayer::Sparse, false, 2);
        assert!(max_diff(&one, &plain) > 1e-3, "{augment}");
        let two = pool.install(|| run(&cfg, net.clone(), &data, FirstLayer::Dense, true, 2));
        let dense_gap = max_diff(&one, &two);
        assert!(
            dense_gap < 1e-5,
            "{augment}: sparse 1 thread vs dense 2 threads {dense_gap}"
        );
        let two = pool.install(|| run(&cfg, net.clone(), &data, FirstLayer::Sparse, true, 2));
        assert_eq!(bits(&one), bits(&two), "{augment}");
    }
}

/// With warm-up, the first step's rate is zero: it moves no weight, yet it
/// fills the momentum, so the second step moves more than a fresh one would.
#[test]
fn warmups_first_step_moves_no_weight_and_fills_the_momentum() {
    let sizes = [12, 6, 4];
    let cfg = ConfigFields {
        optimizer: crate::OptimizerKind::Nesterov,
        momentum: 0.9,
        lr: 0.1,
        warmup_epochs: 1,
        ..(config(
            &sizes,
            Activation::Relu,
            Loss::CrossEntropy,
            true,
            Case::ReluSigmoid,
        ))
        .fields()
    }
    .resolve()
    .unwrap();
    let data = data(sizes[0], sizes[2], 13, 5);
    let net = Network::init_layers(&sizes, cfg.network.init, true, 3);
    let ids: Vec<u32> = (0..13).collect();
    let mut warm = MinibatchTrainer::new(&cfg, net.clone(), FirstLayer::Sparse, false);
    warm.step(&data, &ids, 0.0);
    assert_eq!(
        params(&warm.net),
        params(&net),
        "the first step moved weights"
    );
    warm.step(&data, &ids, 0.5);
    assert_ne!(params(&warm.net), params(&net));
    // The same second step without the primed momentum moves the weights less.
    let mut fresh = MinibatchTrainer::new(&cfg, net.clone(), FirstLayer::Sparse, false);
    fresh.step(&data, &ids, 0.5);
    let moved = |t: &MinibatchTrainer| -> f64 {
        params(&t.net)
            .iter()
            .zip(params(&net))
            .map(|(a, b)| (a - b).abs() as f64)
            .sum()
    };
    assert!(
        moved(&warm) > moved(&fresh),
        "{} vs {}",
        moved(&warm),
        moved(&fresh)
    );
}
