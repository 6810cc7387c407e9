//! Model files: a network's weights and how they were made, in safetensors format.
//!
//! A model file holds one F32 tensor per layer, `w1` with shape `[inputs,
//! hidden1]` (input-major, as [`Network::w1`] holds it) and `w2`, `w3`, ...
//! with shape `[outputs, inputs]` of their layer (output-major), then, for a
//! network with biases, `b1`, `b2`, ... of shape `[width]`, and a string map
//! of metadata (see [`keys`]) that says what the weights are and how to use
//! them. The study's networks (one hidden layer, no biases) are the two
//! tensors `w1` and `w2`, as in files written before deeper networks existed.
//! docs/model-format.md documents the format for readers in other languages.

use crate::data_info::DataInfo;
use crate::minibatch::{Evaluated, NetSpec, Output};
use crate::scaling::Scaling;
use crate::{Backprop, Case, EngineError, Metrics, Network, TrainConfig};
use safetensors::tensor::{Dtype, TensorView};
use safetensors::SafeTensors;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// The `format` metadata value every model file carries.
pub const FORMAT_NAME: &str = "mlp-sweep-model";
/// The format version this engine writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// The metadata keys of a model file.
pub mod keys {
    /// Always [`super::FORMAT_NAME`].
    pub const FORMAT: &str = "format";
    /// Always [`super::FORMAT_VERSION`], in decimal.
    pub const FORMAT_VERSION: &str = "format_version";
    /// The version of the engine that wrote the file.
    pub const TOOL_VERSION: &str = "tool_version";
    /// `trained` (after training) or `initial` (before the first step).
    pub const STAGE: &str = "stage";
    /// The network case: `tanh` or `relu-sigmoid`.
    pub const CASE: &str = "case";
    /// The hidden layers' activation: `tanh`, `relu` or `sigmoid`.
    pub const HIDDEN_ACTIVATION: &str = "hidden_activation";
    /// The output layer's activation: `tanh`, `sigmoid` or `softmax`.
    pub const OUTPUT_ACTIVATION: &str = "output_activation";
    /// The loss: `mse` or `cross-entropy` (absent in earlier files: `mse`).
    pub const LOSS: &str = "loss";
    /// `true` when the layers have biases `b1`, `b2`, ... (absent in earlier files: `false`).
    pub const BIAS: &str = "bias";
    /// Input size, `rows * cols`.
    pub const INPUTS: &str = "inputs";
    /// Image height in pixels.
    pub const ROWS: &str = "rows";
    /// Image width in pixels.
    pub const COLS: &str = "cols";
    /// Hidden widths, input side first: `300`, or `500-300` for two layers.
    pub const HIDDEN: &str = "hidden";
    /// Output units (classes).
    pub const CLASSES: &str = "classes";
    /// The backprop mode: `exact` or `as-published`.
    pub const BACKPROP: &str = "backprop";
    /// The training configuration as JSON.
    pub const CONFIG: &str = "config";
    /// A JSON object mapping each data file name to its SHA-256 (lowercase hex).
    pub const DATA_SHA256: &str = "data_sha256";
    /// The final metrics as JSON, or `null` for initial weights.
    pub const METRICS: &str = "metrics";
    /// Steps per block of held-back W1 updates of the run, in decimal; absent
    /// when updates were not deferred (and in files of earlier versions).
    pub const BLOCK_SAMPLES: &str = "block_samples";
    /// What the model was trained on, as JSON: path, format, shapes, class
    /// names, scaling kind (absent in earlier files: MNIST's IDX files).
    pub const DATA: &str = "data";
    /// The scaling of raw inputs as JSON, `{"kind": "pixel"}` or
    /// `{"kind": "standardize", "mean": [...], "std": [...]}` (absent in earlier files: pixel).
    pub const SCALING: &str = "scaling";
}

/// Whether a file holds weights before or after training.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The weights a run started from.
    Initial,
    /// The weights a run ended with.
    Trained,
}

impl Stage {
    /// The metadata name of the stage.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Initial => "initial",
            Stage::Trained => "trained",
        }
    }
}

/// A network together with everything needed to use it again.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The weights.
    pub network: Network,
    /// Before or after training.
    pub stage: Stage,
    /// The configuration the weights were (or are to be) trained with.
    pub config: TrainConfig,
    /// Image height of the training data.
    pub rows: usize,
    /// Image width of the training data.
    pub cols: usize,
    /// `(file name, SHA-256)` of each training data file.
    pub data_sha256: Vec<(String, String)>,
    /// The run's final metrics (trained models only).
    pub metrics: Option<Metrics>,
    /// Steps per block of held-back W1 updates the run used (or is to use).
    pub block_samples: Option<usize>,
    /// The engine version that wrote the file (this engine's when not loaded).
    pub tool_version: String,
    /// What the model was trained on (unknown for files of earlier versions).
    pub data: Option<DataInfo>,
    /// How raw inputs become the network's inputs.
    pub scaling: Scaling,
}

impl Model {
    /// The network case.
    pub fn case(&self) -> Case {
        self.config.network.case
    }

    /// The backprop mode the weights were trained with.
    pub fn backprop(&self) -> Backprop {
        self.config.network.backprop
    }

    /// True unless the model is known to have been trained on feature data, not images.
    pub fn takes_images(&self) -> bool {
        self.data.as_ref().is_none_or(DataInfo::is_image)
    }

    /// Each class's label as written (`0`, `1`, ... when the model does not say).
    pub fn class_names(&self) -> Vec<String> {
        match &self.data {
            Some(d) => d.classes.clone(),
            None => (0..self.network.outputs()).map(|c| c.to_string()).collect(),
        }
    }

    /// What the network computes besides its weights.
    pub fn spec(&self) -> NetSpec {
        NetSpec::of(&self.config)
    }

    /// True when the study's forward pass applies (its kernels, its figures bit for bit).
    pub fn is_study(&self) -> bool {
        self.config.is_online_study() && self.network.is_study_shape()
    }

    /// The network as its engine evaluates it (the study's dense rows, or sparse ones).
    pub fn evaluated(&self) -> Evaluated<'_> {
        if self.is_study() {
            Evaluated::study(&self.network, self.config.network.case)
        } else {
            Evaluated::network(&self.network, self.spec())
        }
    }

    /// The output scores of one input of `inputs` values in [0, 1] (probabilities under softmax).
    pub fn scores(&self, x: &[f32]) -> Vec<f32> {
        self.evaluated().scores(x)
    }

    /// The output scores of every sample of `data`, row by row
    /// (`data.len() x classes`), as [`Model::evaluate`] computes them.
    pub fn outputs(&self, data: &crate::Dataset) -> Vec<f32> {
        self.evaluated().outputs(data)
    }

    /// Loss, errors and confusion matrix on every sample of `data`.
    pub fn evaluate(&self, data: &crate::Dataset) -> crate::Evaluation {
        self.evaluated().evaluate(data)
    }
}

fn le_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// The file's bytes: the safetensors header with metadata, then `w1` and `w2`.
pub fn to_bytes(model: &Model) -> Result<Vec<u8>, String> {
    let net = &model.network;
    let (d, c) = (net.inputs(), net.outputs());
    let spec = model.spec();
    let json = |v: Result<String, serde_json::Error>| v.map_err(|e| e.to_string());
    let sha: BTreeMap<&str, &str> = model
        .data_sha256
        .iter()
        .map(|(f, h)| (f.as_str(), h.as_str()))
        .collect();
    let (ha, oa) = (spec.activation.name(), output_name(spec.output));
    let hidden = crate::Layers::new(net.sizes()[1..net.layers()].to_vec())
        .ok_or("a model needs at least one hidden layer")?;
    let mut meta: HashMap<String, String> = [
        (keys::FORMAT, FORMAT_NAME.to_string()),
        (keys::FORMAT_VERSION, FORMAT_VERSION.to_string()),
        (keys::TOOL_VERSION, model.tool_version.clone()),
        (keys::STAGE, model.stage.name().to_string()),
        (keys::CASE, model.case().name().to_string()),
        (keys::HIDDEN_ACTIVATION, ha.to_string()),
        (keys::OUTPUT_ACTIVATION, oa.to_string()),
        (keys::INPUTS, d.to_string()),
        (keys::ROWS, model.rows.to_string()),
        (keys::COLS, model.cols.to_string()),
        (keys::HIDDEN, hidden.to_string()),
        (keys::CLASSES, c.to_string()),
        (keys::BACKPROP, model.backprop().name().to_string()),
        (keys::CONFIG, json(serde_json::to_string(&model.config))?),
        (keys::DATA_SHA256, json(serde_json::to_string(&sha))?),
        (keys::METRICS, json(serde_json::to_string(&model.metrics))?),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    if let Some(b) = model.block_samples {
        meta.insert(keys::BLOCK_SAMPLES.to_string(), b.to_string());
    }
    if let Some(data) = &model.data {
        meta.insert(keys::DATA.to_string(), json(serde_json::to_string(data))?);
        meta.insert(
            keys::SCALING.to_string(),
            json(serde_json::to_string(&model.scaling))?,
        );
    }
    // Written only away from the study's defaults, so a study model's file is as before.
    if model.config.network.loss != crate::Loss::Mse {
        meta.insert(
            keys::LOSS.to_string(),
            model.config.network.loss.name().to_string(),
        );
    }
    if net.has_bias() {
        meta.insert(keys::BIAS.to_string(), "true".to_string());
    }
    let mut tensors = Vec::new();
    for (name, shape, data) in tensor_layout(net.sizes(), net.has_bias()) {
        let values = match data {
            Part::Weight(l) => net.weight(l),
            Part::Bias(l) => net
                .bias(l)
                .expect("the layout lists biases only when present"),
        };
        tensors.push((name, shape, le_bytes(values)));
    }
    let views: Result<Vec<(String, TensorView<'_>)>, String> = tensors
        .iter()
        .map(|(name, shape, bytes)| {
            TensorView::new(Dtype::F32, shape.clone(), bytes)
                .map(|v| (name.clone(), v))
                .map_err(|e| e.to_string())
        })
        .collect();
    safetensors::serialize(views?, Some(meta)).map_err(|e| e.to_string())
}

/// Which of the network's vectors a tensor holds.
#[derive(Clone, Copy)]
enum Part {
    Weight(usize),
    Bias(usize),
}

/// Every tensor of a network of `sizes`: its name, its shape and what it holds.
fn tensor_layout(sizes: &[usize], bias: bool) -> Vec<(String, Vec<usize>, Part)> {
    let layers = sizes.len() - 1;
    let mut out: Vec<(String, Vec<usize>, Part)> = (0..layers)
        .map(|l| {
            let shape = if l == 0 {
                vec![sizes[0], sizes[1]]
            } else {
                vec![sizes[l + 1], sizes[l]]
            };
            (format!("w{}", l + 1), shape, Part::Weight(l))
        })
        .collect();
    if bias {
        out.extend((0..layers).map(|l| (format!("b{}", l + 1), vec![sizes[l + 1]], Part::Bias(l))));
    }
    out
}

/// The metadata name of an output activation.
fn output_name(o: Output) -> &'static str {
    match o {
        Output::Tanh => "tanh",
        Output::Sigmoid => "sigmoid",
        Output::Softmax => "softmax",
    }
}

/// Writes `model` to `path` through a temporary file in the same folder, renamed into place.
pub fn save(path: &Path, model: &Model) -> Result<(), EngineError> {
    let bytes = to_bytes(model).map_err(|problem| EngineError::Format {
        path: path.to_path_buf(),
        problem: format!("cannot encode the model: {problem}"),
    })?;
    crate::files::write_atomic(path, &bytes)
}

/// Reads and checks a model file; every problem is one line naming the file.
pub fn load(path: &Path) -> Result<Model, EngineError> {
    let bytes = std::fs::read(path).map_err(|source| EngineError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    from_bytes(&bytes).map_err(|problem| EngineError::Format {
        path: path.to_path_buf(),
        problem,
    })
}

/// Decodes and checks a model file's bytes.
pub fn from_bytes(bytes: &[u8]) -> Result<Model, String> {
    let (_, header) = SafeTensors::read_metadata(bytes)
        .map_err(|e| format!("not a readable safetensors file ({e})"))?;
    let meta = header
        .metadata()
        .as_ref()
        .ok_or("not an mlp model: the safetensors file has no metadata")?;
    let get = |key: &str| -> Result<&str, String> {
        meta.get(key)
            .map(String::as_str)
            .ok_or_else(|| format!("metadata key '{key}' is missing"))
    };
    let format = meta.get(keys::FORMAT).map(String::as_str);
    if format != Some(FORMAT_NAME) {
        return Err(format!(
            "not an mlp model: metadata 'format' is {}, expected '{FORMAT_NAME}'",
            format.map_or("missing".to_string(), |f| format!("'{f}'"))
        ));
    }
    let version = get(keys::FORMAT_VERSION)?;
    if version != FORMAT_VERSION.to_string() {
        return Err(format!(
            "model format version {version} is not supported (this mlp {} reads version {FORMAT_VERSION}; file written by mlp {})",
            crate::VERSION,
            meta.get(keys::TOOL_VERSION).map_or("?", String::as_str)
        ));
    }
    let tensors = SafeTensors::deserialize(bytes)
        .map_err(|e| format!("not a readable safetensors file ({e})"))?;
    let number = |key: &str| -> Result<usize, String> {
        let v = get(key)?;
        v.parse::<usize>()
            .map_err(|_| format!("metadata '{key}' is '{v}', not a whole number"))
    };
    let (inputs, rows, cols) = (
        number(keys::INPUTS)?,
        number(keys::ROWS)?,
        number(keys::COLS)?,
    );
    let hidden: crate::Layers = get(keys::HIDDEN)?
        .parse()
        .map_err(|e| format!("metadata 'hidden': {e}"))?;
    let classes = number(keys::CLASSES)?;
    if rows.checked_mul(cols) != Some(inputs) {
        return Err(format!(
            "metadata does not match: inputs {inputs} is not rows {rows} x cols {cols}"
        ));
    }
    if inputs == 0 || classes == 0 || classes > 256 {
        return Err(format!(
            "metadata shape {inputs}-{hidden}-{classes} is not a usable network"
        ));
    }
    let case: Case = get(keys::CASE)?
        .parse()
        .map_err(|e| format!("metadata 'case': {e}"))?;
    let backprop: Backprop = get(keys::BACKPROP)?
        .parse()
        .map_err(|e| format!("metadata 'backprop': {e}"))?;
    let config: TrainConfig = serde_json::from_str(get(keys::CONFIG)?)
        .map_err(|e| format!("metadata 'config' is not a training configuration ({e})"))?;
    let spec = NetSpec::of(&config);
    let loss = meta.get(keys::LOSS).map_or("mse", String::as_str);
    for (key, want) in [
        (keys::HIDDEN_ACTIVATION, spec.activation.name()),
        (keys::OUTPUT_ACTIVATION, output_name(spec.output)),
        (keys::LOSS, config.network.loss.name()),
    ] {
        let got = if key == keys::LOSS { loss } else { get(key)? };
        if got != want {
            return Err(format!(
                "metadata does not match: '{key}' is '{got}' but the configuration uses '{want}'"
            ));
        }
    }
    let bias = match meta.get(keys::BIAS).map(String::as_str) {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => {
            return Err(format!(
                "metadata 'bias' is '{other}', expected true or false"
            ))
        }
    };
    if bias != config.network.bias {
        return Err(format!(
            "metadata does not match: 'bias' is {bias} but the configuration says {}",
            config.network.bias
        ));
    }
    if config.network.case != case
        || config.network.hidden != hidden
        || config.network.backprop != backprop
    {
        return Err(format!(
            "metadata does not match: config says {} N={} {}, the file says {case} N={hidden} {backprop}",
            config.network.case, config.network.hidden, config.network.backprop
        ));
    }
    let stage = match get(keys::STAGE)? {
        "initial" => Stage::Initial,
        "trained" => Stage::Trained,
        other => {
            return Err(format!(
                "metadata 'stage' is '{other}', expected 'initial' or 'trained'"
            ))
        }
    };
    let sha: BTreeMap<String, String> = serde_json::from_str(get(keys::DATA_SHA256)?)
        .map_err(|e| format!("metadata 'data_sha256' is not a JSON object of strings ({e})"))?;
    let metrics: Option<Metrics> = serde_json::from_str(get(keys::METRICS)?)
        .map_err(|e| format!("metadata 'metrics' is not the metrics JSON ({e})"))?;
    if stage == Stage::Trained && metrics.is_none() {
        return Err("metadata 'metrics' is null in a trained model".into());
    }
    let block_samples = match meta.get(keys::BLOCK_SAMPLES) {
        None => None,
        Some(_) => Some(number(keys::BLOCK_SAMPLES)?),
    };
    let data: Option<DataInfo> = match meta.get(keys::DATA) {
        None => None,
        Some(text) => Some(
            serde_json::from_str(text)
                .map_err(|e| format!("metadata 'data' is not the data description JSON ({e})"))?,
        ),
    };
    let scaling: Scaling = match meta.get(keys::SCALING) {
        None => Scaling::Pixel,
        Some(text) => serde_json::from_str(text)
            .map_err(|e| format!("metadata 'scaling' is not a scaling's JSON ({e})"))?,
    };
    scaling
        .check_width(inputs)
        .map_err(|e| format!("metadata 'scaling' does not fit the network: {e}"))?;
    if let Some(d) = &data {
        if d.classes.len() != classes {
            return Err(format!(
                "metadata 'data' names {} classes but the network has {classes} outputs",
                d.classes.len()
            ));
        }
    }
    let sizes = hidden.sizes(inputs, classes);
    let layout = tensor_layout(&sizes, bias);
    let names = tensors.names();
    if let Some(extra) = names
        .iter()
        .find(|n| !layout.iter().any(|(name, _, _)| name == **n))
    {
        let expected: Vec<&str> = layout.iter().map(|(n, _, _)| n.as_str()).collect();
        return Err(format!(
            "unexpected tensor '{extra}' (this model holds {})",
            expected.join(", ")
        ));
    }
    let read = |name: &str, shape: &[usize]| -> Result<Vec<f32>, String> {
        let t = tensors
            .tensor(name)
            .map_err(|_| format!("tensor '{name}' is missing"))?;
        if t.dtype() != Dtype::F32 {
            return Err(format!(
                "tensor '{name}' has dtype {:?}, expected F32",
                t.dtype()
            ));
        }
        if t.shape() != shape {
            return Err(format!(
                "tensor '{name}' has shape {:?}, the metadata says {:?}",
                t.shape(),
                shape
            ));
        }
        Ok(t.data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect())
    };
    let (mut weights, mut biases) = (Vec::new(), Vec::new());
    for (name, shape, part) in &layout {
        let values = read(name, shape)?;
        match part {
            Part::Weight(_) => weights.push(values),
            Part::Bias(_) => biases.push(values),
        }
    }
    let network = Network::from_layers(sizes, weights, biases)
        .ok_or("tensor sizes do not match the metadata")?;
    Ok(Model {
        network,
        stage,
        config,
        rows,
        cols,
        data_sha256: sha.into_iter().collect(),
        metrics,
        block_samples,
        tool_version: get(keys::TOOL_VERSION)?.to_string(),
        data,
        scaling,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dataset;

    #[test]
    fn deep_models_with_biases_round_trip_and_evaluate_as_trained() {
        let mut config = crate::recipe::recipe("hinton-softmax").unwrap().config();
        config.network.hidden = "6-4".parse().unwrap();
        let mut network = Network::init_layers(&[12, 6, 4, 3], crate::Init::He, true, 2);
        network.layer_mut(1).1[2] = 0.25;
        let m = Model {
            network,
            stage: Stage::Trained,
            config,
            rows: 3,
            cols: 4,
            data_sha256: vec![],
            metrics: None,
            block_samples: None,
            tool_version: crate::VERSION.into(),
            data: None,
            scaling: Scaling::Pixel,
        };
        let m = Model {
            metrics: Some(crate::Metrics {
                mean_train_loss: 0.0,
                test_loss: 0.0,
                misclassified: 0,
                test_error_pct: 0.0,
                accuracy: 1.0,
                test_samples: 0,
                final_train_loss: 0.0,
                train_seconds: 0.0,
                eval_seconds: 0.0,
                steps: 0,
                steps_per_second: 0.0,
                validation_error_pct: Some(1.0),
                validation_loss: None,
            }),
            ..m
        };
        let bytes = to_bytes(&m).unwrap();
        let back = from_bytes(&bytes).unwrap();
        assert_eq!(back, m);
        let names = SafeTensors::deserialize(&bytes).unwrap().names().len();
        assert_eq!(names, 6, "w1..w3 and b1..b3");
        // Scores are softmax probabilities, and evaluation predicts their argmax.
        let x: Vec<f32> = (0..12).map(|i| (i % 5) as f32 / 4.0).collect();
        let s = back.scores(&x);
        assert!((s.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        let data = Dataset::from_dense(12, 3, &x, &[0]).unwrap();
        assert_eq!(
            back.evaluate(&data).predictions[0] as usize,
            crate::argmax(&s)
        );
        // A file whose bias flag contradicts its config is refused.
        let mut wrong = m.clone();
        wrong.config.network.bias = false;
        assert!(from_bytes(&to_bytes(&wrong).unwrap())
            .unwrap_err()
            .contains("bias"));
    }

    fn model() -> Model {
        let mut config = TrainConfig::new(Case::Tanh);
        config.network.hidden = 5.into();
        Model {
            network: Network::init(12, 5, 3, 7),
            stage: Stage::Initial,
            config,
            rows: 3,
            cols: 4,
            data_sha256: vec![("a".into(), "00ff".into())],
            metrics: None,
            block_samples: Some(32),
            tool_version: crate::VERSION.into(),
            data: None,
            scaling: Scaling::Pixel,
        }
    }

    #[test]
    fn round_trip_is_bit_identical() {
        let m = model();
        let back = from_bytes(&to_bytes(&m).unwrap()).unwrap();
        assert_eq!(back, m);
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(back.network.w1()), bits(m.network.w1()));
    }

    #[test]
    fn the_block_size_is_optional_metadata() {
        let m = Model {
            block_samples: None,
            ..model()
        };
        let back = from_bytes(&to_bytes(&m).unwrap()).unwrap();
        assert_eq!(back.block_samples, None);
        let with = from_bytes(&to_bytes(&model()).unwrap()).unwrap();
        assert_eq!(with.block_samples, Some(32));
    }

    #[test]
    fn damaged_files_are_errors_not_panics() {
        let bytes = to_bytes(&model()).unwrap();
        for cut in [0, 4, 8, 20, bytes.len() / 2, bytes.len() - 1] {
            assert!(from_bytes(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let mut flipped = bytes.clone();
        flipped[0] ^= 0x40;
        assert!(from_bytes(&flipped).is_err());
    }

    #[test]
    fn one_rows_scores_agree_with_the_evaluation_of_all() {
        let (d, n, c) = (12, 6, 3);
        let mut net = Network::init(d, n, c, 3);
        let (w1, w2) = net.weights_mut();
        for w in w1.iter_mut().chain(w2.iter_mut()) {
            *w *= 100.0;
        }
        let x: Vec<f32> = (0..d * 40).map(|i| ((i * 37) % 11) as f32 / 10.0).collect();
        let labels: Vec<u8> = (0..40).map(|i| (i % 3) as u8).collect();
        let data = Dataset::from_dense(d, c, &x, &labels).unwrap();
        for case in Case::ALL {
            let eval = crate::evaluate(&net, case, &data);
            for (i, row) in x.chunks_exact(d).enumerate() {
                let scores = Evaluated::study(&net, case).scores(row);
                assert_eq!(crate::argmax(&scores), eval.predictions[i] as usize);
            }
        }
    }
}
