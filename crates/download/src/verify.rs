//! Hashing, gzip sniffing and atomic, verified storage of one file.
//!
//! Everything streams: a 47 MB image file never sits in memory, and the
//! bytes are hashed on their way into a temporary file in the destination
//! folder, which is renamed into place only once the hash matched.

use std::fs::File;
use std::io::{self, Cursor, Read, Write};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};

/// A file name and the SHA-256 (lowercase hex) of its uncompressed bytes.
#[derive(Debug, Clone, Copy)]
pub struct Pinned<'a> {
    /// Canonical file name, e.g. `train-images-idx3-ubyte`.
    pub name: &'a str,
    /// Expected SHA-256 of the raw (uncompressed) file.
    pub sha256: &'a str,
}

/// The four MNIST files with their pinned hashes (`mnist_idx::MNIST_SHA256`).
pub const MNIST: [Pinned<'static>; 4] = [pin(0), pin(1), pin(2), pin(3)];

/// Entry `i` of `mnist_idx::MNIST_SHA256`.
const fn pin(i: usize) -> Pinned<'static> {
    let f = mnist_idx::MNIST_SHA256[i];
    Pinned {
        name: f.name,
        sha256: f.sha256,
    }
}

/// Why a file could not be stored from a source.
#[derive(Debug)]
pub enum StoreError {
    /// The source could not deliver the bytes (read error, broken gzip);
    /// another source may still have a good copy.
    Read(io::Error),
    /// The bytes arrived complete but hash to something else. Never accepted.
    Mismatch {
        /// SHA-256 of what the source delivered.
        actual: String,
    },
    /// Writing into the destination folder failed; no source can fix that.
    Write(io::Error),
}

/// Size of the copy buffer: large enough to keep syscalls few.
const CHUNK: usize = 1 << 16;

/// SHA-256 (lowercase hex) of a file on disk.
pub fn hash_file(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher)?;
    Ok(hex(hasher))
}

/// Finishes `hasher` into lowercase hex.
fn hex(hasher: Sha256) -> String {
    format!("{:x}", hasher.finalize())
}

/// Returns a reader of the uncompressed bytes: gzip input (sniffed by its
/// magic bytes, not by name, since a server may serve either) is wrapped
/// in a multi-member decoder; anything else passes through unchanged.
pub fn maybe_gunzip<'a, R: Read + 'a>(mut input: R) -> io::Result<Box<dyn Read + 'a>> {
    let mut head = [0u8; 2];
    let got = read_up_to(&mut input, &mut head)?;
    let rejoined = Cursor::new(head[..got].to_vec()).chain(input);
    if got == 2 && head == [0x1f, 0x8b] {
        Ok(Box::new(MultiGzDecoder::new(io::BufReader::new(rejoined))))
    } else {
        Ok(Box::new(rejoined))
    }
}

/// Fills `buf` as far as the reader allows; short only at end of input.
fn read_up_to(input: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Streams `input` (already uncompressed) into `dest_dir/name`, atomically:
/// the bytes go to a temporary file in `dest_dir`, are hashed on the way,
/// and the file is fsynced and renamed over `name` only when the hash is
/// `expected`. On any failure the temporary file is removed and an existing
/// `name` is left untouched.
pub fn store_verified(
    input: &mut dyn Read,
    expected: &str,
    dest_dir: &Path,
    name: &str,
) -> Result<(), StoreError> {
    // Same folder as the target so the final rename never crosses devices.
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".part");
    // tempfile defaults to 0600; a data file should get the usual
    // umask-filtered mode so others (e.g. CI users) can read it.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dest_dir).map_err(StoreError::Write)?;
    let actual = copy_hashing(input, tmp.as_file_mut())?;
    if actual != expected {
        return Err(StoreError::Mismatch { actual });
    }
    tmp.as_file().sync_all().map_err(StoreError::Write)?;
    tmp.persist(dest_dir.join(name))
        .map_err(|e| StoreError::Write(e.error))?;
    sync_dir(dest_dir);
    Ok(())
}

/// Copies `input` to `out` while hashing, keeping read errors (the
/// source's fault) apart from write errors (the destination's fault).
fn copy_hashing(input: &mut dyn Read, out: &mut File) -> Result<String, StoreError> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(StoreError::Read(e)),
        };
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(StoreError::Write)?;
    }
    Ok(hex(hasher))
}

/// Fsyncs a directory so a completed rename survives a crash. Best effort:
/// some platforms cannot open directories, and the data is already synced.
fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;

    fn sha(bytes: &[u8]) -> String {
        format!("{:x}", Sha256::digest(bytes))
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn read_all(mut r: Box<dyn Read + '_>) -> Vec<u8> {
        let mut v = Vec::new();
        r.read_to_end(&mut v).unwrap();
        v
    }

    #[test]
    fn gunzip_sniffs_gzip_and_passes_raw() {
        let data = b"\x00\x00\x08\x03hello".to_vec();
        assert_eq!(read_all(maybe_gunzip(&gz(&data)[..]).unwrap()), data);
        assert_eq!(read_all(maybe_gunzip(&data[..]).unwrap()), data);
        assert_eq!(read_all(maybe_gunzip(&b"x"[..]).unwrap()), b"x");
        assert!(read_all(maybe_gunzip(&b""[..]).unwrap()).is_empty());
    }

    #[test]
    fn gunzip_reads_concatenated_members() {
        let mut both = gz(b"ab");
        both.extend(gz(b"cd"));
        assert_eq!(read_all(maybe_gunzip(&both[..]).unwrap()), b"abcd");
    }

    #[test]
    fn store_verified_writes_matching_file() {
        let dir = tempfile::tempdir().unwrap();
        let data = b"payload";
        store_verified(&mut &data[..], &sha(data), dir.path(), "f").unwrap();
        assert_eq!(std::fs::read(dir.path().join("f")).unwrap(), data);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn store_verified_refuses_mismatch_and_keeps_old_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), b"old").unwrap();
        let err = store_verified(&mut &b"new"[..], &sha(b"other"), dir.path(), "f");
        assert!(matches!(err, Err(StoreError::Mismatch { actual }) if actual == sha(b"new")));
        assert_eq!(std::fs::read(dir.path().join("f")).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    /// A reader that yields some bytes, then fails, like a dropped connection.
    struct Broken(usize);

    impl Read for Broken {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.0 == 0 {
                return Err(io::Error::new(io::ErrorKind::ConnectionReset, "cut"));
            }
            let n = self.0.min(buf.len());
            buf[..n].fill(7);
            self.0 -= n;
            Ok(n)
        }
    }

    #[test]
    fn failed_read_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = store_verified(&mut Broken(100_000), "00", dir.path(), "f");
        assert!(matches!(err, Err(StoreError::Read(_))));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn broken_gzip_is_a_read_error() {
        let dir = tempfile::tempdir().unwrap();
        let mut bad = gz(&[5u8; 4096]);
        let mid = bad.len() / 2;
        bad[mid] ^= 0xff;
        let mut input = maybe_gunzip(&bad[..]).unwrap();
        let err = store_verified(&mut input, "00", dir.path(), "f");
        assert!(matches!(
            err,
            Err(StoreError::Read(_)) | Err(StoreError::Mismatch { .. })
        ));
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn hash_file_matches_digest() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("x");
        std::fs::write(&p, b"abc").unwrap();
        assert_eq!(hash_file(&p).unwrap(), sha(b"abc"));
    }
}
