//! Writing a whole file so that readers see the old one or the new one, never a part.

use crate::EngineError;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` through a temporary sibling file that is synced
/// and renamed into place: never a partial file, whatever interrupts it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), EngineError> {
    write_atomic_with(path, |file| file.write_all(bytes))
}

/// Like [`write_atomic`], with `write` producing the content into the temporary file.
pub fn write_atomic_with(
    path: &Path,
    write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<(), EngineError> {
    let io = |source| EngineError::Io {
        path: path.to_path_buf(),
        source,
    };
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(|| "out".into(), |n| n.to_string_lossy().into_owned());
    // In the same folder, so the rename never crosses file systems; a
    // unique name, so two writers of one path never share a temporary file.
    let prefix = format!(".{name}.");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // tempfile makes 0600 files; a result file gets the usual umask-filtered mode.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir).map_err(io)?;
    write(tmp.as_file_mut()).map_err(io)?;
    tmp.as_file().sync_all().map_err(io)?;
    // A dropped temporary file (any error above) is removed by `tempfile`.
    tmp.persist(path).map_err(|e| io(e.error))?;
    // The rename itself reaches the disk with the folder.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_whole_files_and_leaves_nothing_behind_on_failure() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        write_atomic(&path, b"first").unwrap();
        write_atomic(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        // A failing writer keeps the old file and leaves no temporary file.
        let failed = write_atomic_with(&path, |f| {
            f.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        });
        assert!(matches!(failed, Err(EngineError::Io { .. })), "{failed:?}");
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        // A missing folder is an error naming the file.
        let missing = dir.path().join("no").join("b.txt");
        let err = write_atomic(&missing, b"x").unwrap_err().to_string();
        assert!(err.contains("b.txt"), "{err}");
    }
}
