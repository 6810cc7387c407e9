//! A data file's bytes: memory-mapped when raw, decompressed when `.gz`.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::ops::{Deref, Range};
use std::path::Path;
use std::sync::Arc;

use flate2::bufread::MultiGzDecoder;
use memmap2::Mmap;

use crate::error::IdxError;

/// Bytes of a whole (uncompressed) data file, memory-mapped or owned, or
/// a range of such a file shared with others (an array stored in an archive).
pub(crate) enum Storage {
    Mmap(Mmap),
    Owned(Vec<u8>),
    Part(Arc<Storage>, Range<usize>),
}

impl Storage {
    /// Whether the bytes lie in a memory mapping of the file.
    pub(crate) fn is_mapped(&self) -> bool {
        match self {
            Storage::Mmap(_) => true,
            Storage::Owned(_) => false,
            Storage::Part(whole, _) => whole.is_mapped(),
        }
    }
}

impl Deref for Storage {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Storage::Mmap(m) => m,
            Storage::Owned(v) => v,
            Storage::Part(whole, range) => &whole[range.clone()],
        }
    }
}

impl fmt::Debug for Storage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Storage::Mmap(m) => write!(f, "Mmap({} bytes)", m.len()),
            Storage::Owned(v) => write!(f, "Owned({} bytes)", v.len()),
            Storage::Part(whole, range) => write!(f, "Part({range:?} of {whole:?})"),
        }
    }
}

fn is_gz(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
}

/// Reads a file into storage: mmap for raw files, decompression for `.gz`.
pub(crate) fn load(path: &Path) -> Result<Storage, IdxError> {
    let io_err = |source: io::Error| IdxError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(IdxError::Missing {
                path: path.to_path_buf(),
                looked_for: vec![path.display().to_string()],
            })
        }
        Err(e) => return Err(io_err(e)),
    };
    let meta = file.metadata().map_err(io_err)?;
    if meta.is_dir() {
        return Err(io_err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is a directory, expected a file",
        )));
    }

    if is_gz(path) {
        let mut compressed = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        file.read_to_end(&mut compressed).map_err(io_err)?;
        let out = gunzip(&compressed).map_err(|source| IdxError::Gzip {
            path: path.to_path_buf(),
            source,
        })?;
        return Ok(Storage::Owned(out));
    }

    if meta.len() == 0 {
        // Mapping an empty file is not portable; an empty buffer fails validation the same way.
        return Ok(Storage::Owned(Vec::new()));
    }
    // SAFETY: the mapping is read-only. As with any mmap, the file must not be truncated or
    // rewritten by another process while mapped; dataset files are treated as immutable.
    let map = unsafe { Mmap::map(&file) }.map_err(io_err)?;
    Ok(Storage::Mmap(map))
}

/// Decompresses a (possibly multi-member) gzip stream.
fn gunzip(compressed: &[u8]) -> io::Result<Vec<u8>> {
    // The trailer's ISIZE (size mod 2^32) is a capacity hint; clamp it so a forged value
    // cannot force a huge allocation (deflate cannot expand more than ~1032x).
    let hint = compressed
        .len()
        .checked_sub(4)
        .and_then(|at| compressed.get(at..))
        .and_then(|t| <[u8; 4]>::try_from(t).ok())
        .map(|t| u32::from_le_bytes(t) as usize)
        .unwrap_or(0)
        .min(compressed.len().saturating_mul(1032))
        .min(1 << 30);
    let mut out = Vec::with_capacity(hint);
    MultiGzDecoder::new(compressed).read_to_end(&mut out)?;
    Ok(out)
}
