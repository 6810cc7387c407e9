//! Generic IDX arrays: header parsing, validation and backing storage.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::dtype::DType;
use crate::error::IdxError;
use crate::storage::{load, Storage};

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            DType::U8 => "u8 (0x08)",
            DType::I8 => "i8 (0x09)",
            DType::I16 => "i16 (0x0b)",
            DType::I32 => "i32 (0x0c)",
            DType::F32 => "f32 (0x0d)",
            DType::F64 => "f64 (0x0e)",
        };
        f.write_str(name)
    }
}

/// A validated IDX array: element type, dimensions and body bytes.
#[derive(Debug)]
pub struct IdxArray {
    path: PathBuf,
    dtype: DType,
    dims: Vec<usize>,
    header_len: usize,
    storage: Storage,
}

impl IdxArray {
    /// Opens and validates an IDX file; raw files are memory-mapped, `.gz` files decompressed into memory.
    pub fn open(path: impl AsRef<Path>) -> Result<IdxArray, IdxError> {
        let path = path.as_ref();
        let storage = load(path)?;
        Self::from_storage(storage, path)
    }

    /// Validates an in-memory (uncompressed) IDX file; `path` is only used in error messages.
    pub fn parse(bytes: Vec<u8>, path: &Path) -> Result<IdxArray, IdxError> {
        Self::from_storage(Storage::Owned(bytes), path)
    }

    fn from_storage(storage: Storage, path: &Path) -> Result<IdxArray, IdxError> {
        let (dtype, dims, header_len) = parse_header(&storage, path)?;
        Ok(IdxArray {
            path: path.to_path_buf(),
            dtype,
            dims,
            header_len,
            storage,
        })
    }

    /// Element type.
    pub fn dtype(&self) -> DType {
        self.dtype
    }

    /// Dimensions, outermost first.
    pub fn dims(&self) -> &[usize] {
        &self.dims
    }

    /// Body bytes (elements in row-major order, big-endian for multi-byte types).
    pub fn body(&self) -> &[u8] {
        &self.storage[self.header_len..]
    }

    /// The whole uncompressed file, header included.
    pub fn bytes(&self) -> &[u8] {
        &self.storage
    }

    /// The path the array was read from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the bytes are a memory mapping of the file (rather than an owned buffer).
    pub fn is_mapped(&self) -> bool {
        self.storage.is_mapped()
    }

    /// Checks element type and rank, returning the array if both match.
    pub(crate) fn expect(self, dtype: DType, rank: usize) -> Result<IdxArray, IdxError> {
        if self.dtype != dtype {
            return Err(IdxError::WrongType {
                path: self.path,
                expected: dtype,
                found: self.dtype,
            });
        }
        if self.dims.len() != rank {
            return Err(IdxError::WrongRank {
                path: self.path,
                expected: rank,
                found: self.dims.len(),
            });
        }
        Ok(self)
    }
}

/// Validates the header and body length; returns (dtype, dims, header length).
fn parse_header(bytes: &[u8], path: &Path) -> Result<(DType, Vec<usize>, usize), IdxError> {
    let path_buf = || path.to_path_buf();
    if bytes.len() < 4 {
        return Err(IdxError::TruncatedHeader {
            path: path_buf(),
            needed: 4,
            found: bytes.len(),
        });
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(IdxError::BadMagic {
            path: path_buf(),
            found: [bytes[0], bytes[1]],
        });
    }
    let dtype = DType::from_byte(bytes[2]).ok_or(IdxError::UnknownType {
        path: path_buf(),
        byte: bytes[2],
    })?;
    let rank = usize::from(bytes[3]);
    let header_len = 4 + 4 * rank;
    if bytes.len() < header_len {
        return Err(IdxError::TruncatedHeader {
            path: path_buf(),
            needed: header_len,
            found: bytes.len(),
        });
    }

    let raw_dims: Vec<u32> = bytes[4..header_len]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let Ok(dims) = raw_dims
        .iter()
        .map(|&d| usize::try_from(d))
        .collect::<Result<Vec<usize>, _>>()
    else {
        return Err(IdxError::SizeOverflow {
            path: path_buf(),
            dims: raw_dims.iter().map(|&d| d as usize).collect(),
        });
    };
    if let Some(axis) = dims.iter().position(|&d| d == 0) {
        return Err(IdxError::ZeroDim {
            path: path_buf(),
            axis,
            dims,
        });
    }
    let expected = dims
        .iter()
        .try_fold(dtype.size(), |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= isize::MAX as usize);
    let Some(expected) = expected else {
        return Err(IdxError::SizeOverflow {
            path: path_buf(),
            dims,
        });
    };
    let found = bytes.len() - header_len;
    if found != expected {
        return Err(IdxError::BodySize {
            path: path_buf(),
            dims,
            expected,
            found,
        });
    }
    Ok((dtype, dims, header_len))
}
