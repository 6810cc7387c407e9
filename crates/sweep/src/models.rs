//! Where a sweep keeps the model of each finished configuration.

use std::path::{Path, PathBuf};

/// File names stay well under the 255 bytes most file systems allow.
const MAX_NAME: usize = 200;

/// The file name of the model saved for the run keyed `key`.
pub fn model_file_name(key: &str) -> String {
    key_file_name(key, "safetensors")
}

/// A file name for the run keyed `key` with `extension`: the key with
/// path-unsafe characters replaced, shortened with a hash of the whole key when long.
pub(crate) fn key_file_name(key: &str, extension: &str) -> String {
    let safe: String = key
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '.' | '=' | '-' | '_' | '+' | ',' => c,
            '|' => ',',
            _ => '_',
        })
        .collect();
    let stem = if safe.len() > MAX_NAME {
        // Two long keys that share a prefix still get two names.
        format!("{}~{:016x}", &safe[..MAX_NAME - 17], fnv1a(key.as_bytes()))
    } else {
        safe
    };
    format!("{stem}.{extension}")
}

/// The model file of the run keyed `key` in the sweep folder `out`.
pub fn model_path(out: &Path, key: &str) -> PathBuf {
    out.join("models").join(model_file_name(key))
}

/// FNV-1a, 64 bits: stable across builds and machines, unlike std's hasher.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_path_safe_distinct_and_bounded() {
        let a = model_file_name("relu-sigmoid|N=800|lr=0.1|aug=affine+elastic|x/y");
        assert_eq!(
            a,
            "relu-sigmoid,N=800,lr=0.1,aug=affine+elastic,x_y.safetensors"
        );
        let long_a = format!("{}|seed=1", "k".repeat(300));
        let long_b = format!("{}|seed=2", "k".repeat(300));
        let (na, nb) = (model_file_name(&long_a), model_file_name(&long_b));
        assert_ne!(na, nb);
        assert!(na.len() <= MAX_NAME + ".safetensors".len(), "{}", na.len());
        assert!(!na.contains('/') && !na.contains('|'));
    }
}
