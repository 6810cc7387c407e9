//! NumPy `.npz` archives (`np.savez`, `np.savez_compressed`): named `.npy` arrays in a zip file.
//!
//! The archive is memory-mapped; an array stored uncompressed (`savez`) is
//! read in place from the mapping, a compressed one (`savez_compressed`,
//! Keras' `mnist.npz`) is inflated into memory.

use std::io::{Cursor, Read};
use std::path::Path;
use std::sync::Arc;

use zip::{CompressionMethod, ZipArchive};

use crate::error::IdxError;
use crate::npy::NpyArray;
use crate::storage::{load, Storage};

/// Reads the arrays `names` (without their `.npy` suffix) from the `.npz`
/// archive at `path`, in that order. Errors on a missing array name the
/// arrays the archive holds; errors inside an array name it as
/// `ARCHIVE/NAME.npy`.
pub fn read_npz(path: impl AsRef<Path>, names: &[&str]) -> Result<Vec<NpyArray>, IdxError> {
    let path = path.as_ref();
    arrays_of(Arc::new(load(path)?), path, names)
}

/// [`read_npz`] of an archive already in memory; `path` is only used in error messages.
pub fn parse_npz(bytes: Vec<u8>, path: &Path, names: &[&str]) -> Result<Vec<NpyArray>, IdxError> {
    arrays_of(Arc::new(Storage::Owned(bytes)), path, names)
}

fn arrays_of(whole: Arc<Storage>, path: &Path, names: &[&str]) -> Result<Vec<NpyArray>, IdxError> {
    let bad = |problem: String| IdxError::Npz {
        path: path.to_path_buf(),
        problem,
    };
    let mut zip = ZipArchive::new(Cursor::new(&whole[..])).map_err(|e| bad(e.to_string()))?;
    let mut out = Vec::with_capacity(names.len());
    for &name in names {
        let entry = format!("{name}.npy");
        let Some(index) = zip.index_for_name(&entry) else {
            let mut holds: Vec<String> = zip
                .file_names()
                .filter_map(Result::ok)
                .map(|n| n.strip_suffix(".npy").unwrap_or(&n).to_string())
                .collect();
            holds.sort();
            return Err(IdxError::NpzMissing {
                path: path.to_path_buf(),
                name: name.to_string(),
                holds,
            });
        };
        let array_path = path.join(&entry);
        let mut file = zip
            .by_index(index)
            .map_err(|e| bad(format!("{entry}: {e}")))?;
        let stored = file.compression() == CompressionMethod::Stored;
        let start = file.data_start().map(|s| s as usize);
        let len = file.size() as usize;
        let array = match (stored, start) {
            (true, Some(start)) if start.checked_add(len).is_some_and(|e| e <= whole.len()) => {
                drop(file);
                let part = Storage::Part(Arc::clone(&whole), start..start + len);
                NpyArray::from_storage(part, &array_path)?
            }
            _ => {
                // An inflated array's declared size is only a hint: a forged
                // one must not force a huge allocation.
                let mut bytes = Vec::with_capacity(len.min(1 << 30));
                file.read_to_end(&mut bytes)
                    .map_err(|e| bad(format!("{entry}: {e}")))?;
                NpyArray::parse(bytes, &array_path)?
            }
        };
        out.push(array);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::write;
    use crate::NpyType;

    fn arrays() -> Vec<(&'static str, Vec<u8>)> {
        vec![
            (
                "x_train",
                write::npy(NpyType::U8, false, false, &[3, 2, 2], &[1; 12]),
            ),
            (
                "y_train",
                write::npy(NpyType::U8, false, false, &[3], &[0, 1, 2]),
            ),
        ]
    }

    #[test]
    fn stored_arrays_are_read_in_place_and_compressed_ones_inflated() {
        let dir = tempfile::tempdir().unwrap();
        for compressed in [false, true] {
            let path = dir.path().join(format!("a{compressed}.npz"));
            std::fs::write(&path, write::npz(&arrays(), compressed)).unwrap();
            let got = read_npz(&path, &["y_train", "x_train"]).unwrap();
            assert_eq!(got[0].body(), &[0, 1, 2]);
            assert_eq!(got[1].dims(), &[3, 2, 2]);
            assert_eq!(got[1].is_mapped(), !compressed, "compressed {compressed}");
        }
    }

    #[test]
    fn a_missing_array_or_a_broken_archive_is_one_line_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.npz");
        std::fs::write(&path, write::npz(&arrays(), false)).unwrap();
        let e = read_npz(&path, &["x_train", "x_test"])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("a.npz: no array 'x_test' in the archive (it holds: x_train, y_train)"),
            "{e}"
        );
        std::fs::write(&path, b"not a zip at all").unwrap();
        let e = read_npz(&path, &["x_train"]).unwrap_err().to_string();
        assert!(e.contains("a.npz: cannot read the .npz archive"), "{e}");
        let bad = vec![("x_train", b"\x93NUMPY\x09\x00".to_vec())];
        std::fs::write(&path, write::npz(&bad, false)).unwrap();
        let e = read_npz(&path, &["x_train"]).unwrap_err().to_string();
        assert!(
            e.contains("a.npz/x_train.npy: malformed .npy header: version 9"),
            "{e}"
        );
        assert!(!e.contains('\n'));
    }
}
