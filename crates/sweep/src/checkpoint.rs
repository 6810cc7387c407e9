//! A halving trial paused at a rung, on disk: its report so far and the state to go on from.
//!
//! The file is `MLPSNAP1`, the header's length (u64, little-endian), the
//! header as JSON, then every array of floats as little-endian f32 in the
//! order the header lists their lengths: each layer's weights, each layer's
//! biases, each optimiser state. Floats that must come back bit for bit
//! (the scales) are stored as their bits: JSON parsing need not round-trip.

use crate::models::key_file_name;
use crate::SweepError;
use mlp_engine::Snapshot;
use mlp_engine::{Network, TrainReport};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"MLPSNAP1";

/// A paused trial: who it is, how it stood when it paused, and how to go on.
#[derive(Debug, Clone, PartialEq)]
pub struct Checkpoint {
    /// The run's key.
    pub key: String,
    /// Its report at the pause (history included).
    pub report: TrainReport,
    /// The state to resume from.
    pub snapshot: Snapshot,
}

#[derive(Serialize, Deserialize)]
struct Header {
    key: String,
    report: TrainReport,
    sizes: Vec<usize>,
    bias: bool,
    scale_bits: [u64; 2],
    steps_taken: u64,
    train_seconds_bits: u64,
    optimiser_lens: Vec<usize>,
}

/// Where the checkpoint of the run keyed `key` lives in folder `dir`.
pub fn checkpoint_path(dir: &Path, key: &str) -> PathBuf {
    dir.join(key_file_name(key, "snapshot"))
}

impl Checkpoint {
    /// Writes the checkpoint to `path` through a temporary file renamed into place.
    pub fn save(&self, path: &Path) -> Result<(), SweepError> {
        let net = &self.snapshot.network;
        let header = Header {
            key: self.key.clone(),
            report: self.report.clone(),
            sizes: net.sizes().to_vec(),
            bias: net.has_bias(),
            scale_bits: self.snapshot.scales.map(f64::to_bits),
            steps_taken: self.snapshot.steps_taken,
            train_seconds_bits: self.snapshot.train_seconds.to_bits(),
            optimiser_lens: self.snapshot.optimiser.iter().map(Vec::len).collect(),
        };
        let header = serde_json::to_vec(&header).map_err(|e| SweepError::Format {
            path: path.to_path_buf(),
            problem: e.to_string(),
        })?;
        let layers = net.layers();
        let arrays = (0..layers)
            .map(|l| net.weight(l))
            .chain((0..layers).filter_map(|l| net.bias(l)))
            .chain(self.snapshot.optimiser.iter().map(Vec::as_slice));
        let mut bytes = Vec::with_capacity(16 + header.len());
        bytes.extend_from_slice(MAGIC);
        bytes.extend_from_slice(&(header.len() as u64).to_le_bytes());
        bytes.extend_from_slice(&header);
        for a in arrays {
            bytes.extend(a.iter().flat_map(|x| x.to_le_bytes()));
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|source| SweepError::Io {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        Ok(mlp_engine::files::write_atomic(path, &bytes)?)
    }

    /// Reads a checkpoint; every problem is one line naming the file.
    pub fn load(path: &Path) -> Result<Checkpoint, SweepError> {
        let bytes = std::fs::read(path).map_err(|source| SweepError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Checkpoint::parse(&bytes).map_err(|problem| SweepError::Format {
            path: path.to_path_buf(),
            problem: format!(
                "not a whole halving checkpoint ({problem}); delete it to rerun that trial's rung"
            ),
        })
    }

    fn parse(bytes: &[u8]) -> Result<Checkpoint, String> {
        let rest = bytes.strip_prefix(MAGIC).ok_or("wrong magic")?;
        let (len, rest) = rest.split_first_chunk::<8>().ok_or("no header length")?;
        let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| "header too long")?;
        if rest.len() < len {
            return Err("the header is cut short".into());
        }
        let (header, mut floats) = rest.split_at(len);
        let h: Header = serde_json::from_slice(header).map_err(|e| e.to_string())?;
        if h.sizes.len() < 2 {
            return Err("a network needs inputs and outputs".into());
        }
        let mut take = |n: usize| -> Result<Vec<f32>, String> {
            let need = n.checked_mul(4).ok_or("array too long")?;
            if floats.len() < need {
                return Err("the arrays are cut short".into());
            }
            let (a, b) = floats.split_at(need);
            floats = b;
            Ok(a.chunks_exact(4)
                .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                .collect())
        };
        let weights = h
            .sizes
            .windows(2)
            .map(|w| take(w[0].saturating_mul(w[1])))
            .collect::<Result<Vec<_>, _>>()?;
        let biases = if h.bias {
            h.sizes[1..]
                .iter()
                .map(|&n| take(n))
                .collect::<Result<Vec<_>, _>>()?
        } else {
            Vec::new()
        };
        let optimiser = h
            .optimiser_lens
            .iter()
            .map(|&n| take(n))
            .collect::<Result<Vec<_>, _>>()?;
        if !floats.is_empty() {
            return Err("bytes after the last array".into());
        }
        let network = Network::from_layers(h.sizes, weights, biases)
            .ok_or("the weights do not fit the sizes")?;
        Ok(Checkpoint {
            key: h.key,
            snapshot: Snapshot {
                history: h.report.history.clone(),
                train_seconds: f64::from_bits(h.train_seconds_bits),
                network,
                scales: h.scale_bits.map(f64::from_bits),
                optimiser,
                steps_taken: h.steps_taken,
            },
            report: h.report,
        })
    }
}
