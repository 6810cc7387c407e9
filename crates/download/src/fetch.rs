//! Making a table of pinned files present and verified in a folder.
//!
//! Files already present with the pinned SHA-256 are kept. The others are
//! asked of each source in turn (see [`crate::sources::plan`]); a source
//! serves every still-missing file before the next source is tried, so pip
//! runs at most once. Every delivered file is hashed (uncompressed) and
//! stored atomically; a checksum mismatch is always a hard error naming the
//! source.

use std::io::{self, IsTerminal, Read};
use std::path::Path;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::error::DownloadError;
use crate::sources::{Opener, Plan, Source, Unavailable};
use crate::verify::{self, Pinned, StoreError};

/// Each file fetched and the source it came from.
pub type Fetched = Vec<(String, String)>;

/// Makes every file of `table` present and verified in `dest` (an existing
/// folder), returning the files fetched and where each came from.
pub fn fetch_all(
    dest: &Path,
    table: &[Pinned],
    plan: &Plan,
    force: bool,
) -> Result<Fetched, DownloadError> {
    let needed = files_to_fetch(dest, table, force)?;
    if needed.is_empty() {
        return Ok(Vec::new());
    }
    match plan {
        Plan::Only(source) => fetch_only(source, &needed, dest),
        Plan::Chain(chain) => fetch_chain(chain, needed, dest),
    }
}

/// The files that are missing, corrupt, or (with `force`) all of them.
fn files_to_fetch<'a>(
    dest: &Path,
    table: &[Pinned<'a>],
    force: bool,
) -> Result<Vec<Pinned<'a>>, DownloadError> {
    let mut needed = Vec::new();
    for pinned in table {
        if force || !is_present_and_valid(dest, pinned)? {
            needed.push(*pinned);
        }
    }
    Ok(needed)
}

/// True when every file of `table` is in `dest` with its pinned checksum (checked silently).
pub(crate) fn all_valid(dest: &Path, table: &[Pinned]) -> bool {
    table.iter().all(|pinned| {
        let path = dest.join(pinned.name);
        path.is_file() && verify::hash_file(&path).is_ok_and(|h| h == pinned.sha256)
    })
}

/// Checks an existing copy, reporting the result; a corrupt copy is
/// reported and will be replaced by the atomic rename.
fn is_present_and_valid(dest: &Path, pinned: &Pinned) -> Result<bool, DownloadError> {
    let path = dest.join(pinned.name);
    if !path.is_file() {
        return Ok(false);
    }
    let actual = match verify::hash_file(&path) {
        Ok(actual) => actual,
        Err(error) => return Err(DownloadError::Read { path, error }),
    };
    if actual == pinned.sha256 {
        status(format!("{}: present, checksum ok", pinned.name));
        return Ok(true);
    }
    status(format!(
        "{}: present but checksum mismatch (got {actual}), will replace it",
        pinned.name
    ));
    Ok(false)
}

/// With an explicit source: it alone must deliver every needed file.
fn fetch_only(source: &Source, needed: &[Pinned], dest: &Path) -> Result<Fetched, DownloadError> {
    let failures = try_source(source, needed, dest)?;
    if failures.is_empty() {
        return Ok(needed
            .iter()
            .map(|p| (p.name.to_string(), source.to_string()))
            .collect());
    }
    Err(DownloadError::FromSource {
        from: source.to_string(),
        summary: summarize(&failures, needed.len()),
    })
}

/// Without an explicit source: each source in turn, for the files still missing.
fn fetch_chain(
    chain: &[Source],
    mut needed: Vec<Pinned>,
    dest: &Path,
) -> Result<Fetched, DownloadError> {
    let mut tried = Vec::new();
    let mut fetched = Vec::new();
    for source in chain {
        let asked = needed.len();
        let failures = try_source(source, &needed, dest)?;
        let failed = |p: &Pinned| failures.iter().any(|f| f.name == p.name);
        fetched.extend(
            needed
                .iter()
                .filter(|p| !failed(p))
                .map(|p| (p.name.to_string(), source.to_string())),
        );
        needed.retain(failed);
        if needed.is_empty() {
            return Ok(fetched);
        }
        tried.push(format!("{source} ({})", summarize(&failures, asked)));
    }
    Err(DownloadError::AllSources {
        missing: needed.iter().map(|p| p.name.to_string()).collect(),
        tried,
    })
}

/// A file a source could not deliver, and why.
#[derive(Debug)]
struct Failure {
    /// Canonical file name.
    name: String,
    /// Short reason.
    reason: String,
}

/// One line for a source's failures out of `asked` files: the reason
/// alone when every file failed alike (an unreachable host), the names and
/// the reason when some failed alike, else `name: reason` pairs.
fn summarize(failures: &[Failure], asked: usize) -> String {
    let Some(first) = failures.first().map(|f| &f.reason) else {
        return "no file failed".to_string();
    };
    if failures.iter().all(|f| &f.reason == first) {
        if failures.len() == asked {
            return first.clone();
        }
        let names: Vec<_> = failures.iter().map(|f| f.name.as_str()).collect();
        return format!("{}: {first}", names.join(", "));
    }
    let parts: Vec<_> = failures
        .iter()
        .map(|f| format!("{}: {}", f.name, f.reason))
        .collect();
    parts.join("; ")
}

/// Asks `source` for every file in `needed`, storing those it delivers.
/// Returns the files it could not deliver; errors only on a checksum
/// mismatch or a failure to write the destination.
fn try_source(
    source: &Source,
    needed: &[Pinned],
    dest: &Path,
) -> Result<Vec<Failure>, DownloadError> {
    status(format!("trying {source} ..."));
    let opener = match prepare(source) {
        Ok(opener) => opener,
        Err(e) => return Ok(all_failed(needed, &e.reason)),
    };
    let mut failures = Vec::new();
    for (i, pinned) in needed.iter().enumerate() {
        match fetch_one(&opener, source, pinned, dest)? {
            None => {}
            Some(e) if e.source_dead => {
                if i + 1 < needed.len() {
                    status("  not trying the other files there".to_string());
                }
                failures.extend(all_failed(&needed[i..], &e.reason));
                break;
            }
            Some(e) => failures.extend(all_failed(std::slice::from_ref(pinned), &e.reason)),
        }
    }
    Ok(failures)
}

/// Prepares a source, with a spinner for pip's slow fetch and unpack.
fn prepare(source: &Source) -> Result<Opener, Unavailable> {
    let spinner = (*source == Source::Pip).then(|| {
        let s = new_bar(None, "running pip download (output hidden)");
        if let Ok(style) = ProgressStyle::with_template("  {spinner} {msg} {elapsed}") {
            s.set_style(style);
        }
        s.enable_steady_tick(Duration::from_millis(120));
        s
    });
    let result = Opener::prepare(source);
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    if let Err(e) = &result {
        status(format!("  unusable: {}", e.reason));
    }
    result
}

/// One failure per file, all for the same reason.
fn all_failed(needed: &[Pinned], reason: &str) -> Vec<Failure> {
    needed
        .iter()
        .map(|p| Failure {
            name: p.name.to_string(),
            reason: reason.to_string(),
        })
        .collect()
}

/// Fetches one file from an opened source into `dest`. `Ok(None)` when
/// stored and verified, `Ok(Some(_))` when this source cannot deliver it.
fn fetch_one(
    opener: &Opener,
    source: &Source,
    pinned: &Pinned,
    dest: &Path,
) -> Result<Option<Unavailable>, DownloadError> {
    let opened = match opener.open(pinned.name) {
        Ok(opened) => opened,
        Err(e) => {
            status(format!("  {}: {}", pinned.name, e.reason));
            return Ok(Some(e));
        }
    };
    let bar = new_bar(opened.len, pinned.name);
    let result = store(bar.wrap_read(opened.reader), pinned, dest);
    bar.finish_and_clear();
    match result {
        Ok(()) => {
            status(format!(
                "  {}: checksum ok, saved (from {})",
                pinned.name, opened.origin
            ));
            Ok(None)
        }
        Err(StoreError::Read(e)) => {
            let reason = format!("cannot read {}: {e}", opened.origin);
            status(format!("  {}: {reason}", pinned.name));
            Ok(Some(Unavailable {
                reason,
                source_dead: false,
            }))
        }
        Err(StoreError::Mismatch { actual }) => Err(DownloadError::Mismatch {
            file: pinned.name.to_string(),
            origin: opened.origin,
            from: source.to_string(),
            expected: pinned.sha256.to_string(),
            actual,
        }),
        Err(StoreError::Write(error)) => Err(DownloadError::Write {
            path: dest.join(pinned.name),
            error,
        }),
    }
}

/// Decompresses if needed, then verifies and stores atomically.
fn store(input: impl Read, pinned: &Pinned, dest: &Path) -> Result<(), StoreError> {
    let mut raw = verify::maybe_gunzip(input).map_err(StoreError::Read)?;
    verify::store_verified(&mut raw, pinned.sha256, dest, pinned.name)
}

/// A byte progress bar (or a spinner when the length is unknown) on
/// stderr, hidden when stderr is not a terminal (CI logs, pipes).
fn new_bar(len: Option<u64>, message: &str) -> ProgressBar {
    let bar = match len {
        Some(n) => {
            let bar = ProgressBar::new(n);
            match ProgressStyle::with_template(
                "  {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            ) {
                Ok(style) => bar.with_style(style.progress_chars("=> ")),
                Err(_) => bar,
            }
        }
        None => {
            let bar = ProgressBar::new_spinner();
            match ProgressStyle::with_template("  {spinner} {msg} {bytes} {elapsed}") {
                Ok(style) => bar.with_style(style),
                Err(_) => bar,
            }
        }
    };
    let target = if io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    bar.set_draw_target(target);
    bar.with_message(message.to_string())
}

/// One status line on stderr (stdout is kept for the caller's result).
fn status(line: String) {
    eprintln!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use sha2::{Digest, Sha256};
    use std::fs;
    use std::io::Write;
    use tempfile::TempDir;

    /// Tiny synthetic stand-ins for the four files, with their hashes.
    struct Fake {
        names: Vec<&'static str>,
        data: Vec<Vec<u8>>,
        hashes: Vec<String>,
    }

    impl Fake {
        fn new() -> Self {
            let names = vec![
                "train-images-idx3-ubyte",
                "train-labels-idx1-ubyte",
                "t10k-images-idx3-ubyte",
                "t10k-labels-idx1-ubyte",
            ];
            let data: Vec<Vec<u8>> = (0..4u8)
                .map(|i| (0..300u32).map(|j| (j as u8).wrapping_mul(i + 3)).collect())
                .collect();
            let hashes = data
                .iter()
                .map(|d| format!("{:x}", Sha256::digest(d)))
                .collect();
            Fake {
                names,
                data,
                hashes,
            }
        }

        fn table(&self) -> Vec<Pinned<'_>> {
            (0..4)
                .map(|i| Pinned {
                    name: self.names[i],
                    sha256: &self.hashes[i],
                })
                .collect()
        }

        /// A folder holding the files, gzipped or raw, canonical or dotted.
        fn source_dir(&self, gz: bool, dotted: bool) -> TempDir {
            let dir = tempfile::tempdir().unwrap();
            for (name, data) in self.names.iter().zip(&self.data) {
                let mut file = if dotted {
                    name.replacen("-idx", ".idx", 1)
                } else {
                    name.to_string()
                };
                let bytes = if gz {
                    file.push_str(".gz");
                    gzip(data)
                } else {
                    data.clone()
                };
                fs::write(dir.path().join(file), bytes).unwrap();
            }
            dir
        }

        fn assert_stored(&self, dest: &Path) {
            for (name, data) in self.names.iter().zip(&self.data) {
                assert_eq!(&fs::read(dest.join(name)).unwrap(), data, "{name}");
            }
            assert_eq!(entries(dest), 4, "no stray temp files");
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn entries(dir: &Path) -> usize {
        fs::read_dir(dir).unwrap().count()
    }

    fn only(dir: &Path) -> Plan {
        Plan::Only(Source::Dir(dir.to_path_buf()))
    }

    fn flip_byte(path: &Path, at: usize) {
        let mut bytes = fs::read(path).unwrap();
        bytes[at] ^= 0x01;
        fs::write(path, bytes).unwrap();
    }

    #[test]
    fn from_dir_with_gz_files() {
        let fake = Fake::new();
        let src = fake.source_dir(true, false);
        let dest = tempfile::tempdir().unwrap();
        fetch_all(dest.path(), &fake.table(), &only(src.path()), false).unwrap();
        fake.assert_stored(dest.path());
    }

    #[test]
    fn from_dir_with_raw_dotted_files() {
        let fake = Fake::new();
        let src = fake.source_dir(false, true);
        let dest = tempfile::tempdir().unwrap();
        fetch_all(dest.path(), &fake.table(), &only(src.path()), false).unwrap();
        fake.assert_stored(dest.path());
    }

    #[test]
    fn flipped_byte_is_refused_naming_the_source() {
        let fake = Fake::new();
        let src = fake.source_dir(false, false);
        flip_byte(&src.path().join("train-labels-idx1-ubyte"), 100);
        let dest = tempfile::tempdir().unwrap();
        let err = fetch_all(dest.path(), &fake.table(), &only(src.path()), false).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("checksum mismatch"), "{msg}");
        assert!(msg.contains("train-labels-idx1-ubyte"), "{msg}");
        assert!(msg.contains(&src.path().display().to_string()), "{msg}");
        assert!(!dest.path().join("train-labels-idx1-ubyte").exists());
    }

    #[test]
    fn corrupt_gz_is_refused_naming_the_source() {
        let fake = Fake::new();
        let src = fake.source_dir(true, false);
        flip_byte(&src.path().join("t10k-images-idx3-ubyte.gz"), 40);
        let dest = tempfile::tempdir().unwrap();
        let err = fetch_all(dest.path(), &fake.table(), &only(src.path()), false).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("t10k-images-idx3-ubyte"), "{msg}");
        assert!(msg.contains(&src.path().display().to_string()), "{msg}");
        assert!(!dest.path().join("t10k-images-idx3-ubyte").exists());
    }

    #[test]
    fn from_dir_missing_file_is_an_error() {
        let fake = Fake::new();
        let src = fake.source_dir(true, false);
        fs::remove_file(src.path().join("t10k-labels-idx1-ubyte.gz")).unwrap();
        let dest = tempfile::tempdir().unwrap();
        let err = fetch_all(dest.path(), &fake.table(), &only(src.path()), false).unwrap_err();
        let msg = err.to_string();
        assert!(msg.starts_with("folder "), "{msg}");
        assert!(msg.contains("t10k-labels-idx1-ubyte: not found"), "{msg}");
    }

    #[test]
    fn present_valid_files_are_skipped() {
        let fake = Fake::new();
        let dest = fake.source_dir(false, false);
        let empty = tempfile::tempdir().unwrap();
        // The empty source is never consulted, so this succeeds.
        fetch_all(dest.path(), &fake.table(), &only(empty.path()), false).unwrap();
        fake.assert_stored(dest.path());
        // With --force the empty source is consulted and fails.
        assert!(fetch_all(dest.path(), &fake.table(), &only(empty.path()), true).is_err());
        fake.assert_stored(dest.path());
    }

    #[test]
    fn present_corrupt_files_are_replaced() {
        let fake = Fake::new();
        let dest = fake.source_dir(false, false);
        flip_byte(&dest.path().join("train-labels-idx1-ubyte"), 100);
        let src = fake.source_dir(true, false);
        fetch_all(dest.path(), &fake.table(), &only(src.path()), false).unwrap();
        fake.assert_stored(dest.path());
    }

    #[test]
    fn chain_takes_each_file_from_the_first_source_having_it() {
        let fake = Fake::new();
        let partial = fake.source_dir(false, false);
        fs::remove_file(partial.path().join("train-images-idx3-ubyte")).unwrap();
        let full = fake.source_dir(true, false);
        let plan = Plan::Chain(vec![
            Source::Dir("/nonexistent/mlp-download-mirror".into()),
            Source::Dir(partial.path().to_path_buf()),
            Source::Dir(full.path().to_path_buf()),
        ]);
        let dest = tempfile::tempdir().unwrap();
        let fetched = fetch_all(dest.path(), &fake.table(), &plan, false).unwrap();
        fake.assert_stored(dest.path());
        // The partial source, earlier in the chain, gives all it has; the full one the rest.
        let from = |name: &str| {
            fetched
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, s)| s.clone())
                .unwrap_or_default()
        };
        let (partial, full) = (partial.path().display(), full.path().display());
        assert!(from("train-images-idx3-ubyte").contains(&full.to_string()));
        for name in [
            "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte",
        ] {
            assert!(
                from(name).contains(&partial.to_string()),
                "{name}: {fetched:?}"
            );
        }
        assert_eq!(fetched.len(), 4);
    }

    #[test]
    fn chain_failure_lists_what_was_tried() {
        let fake = Fake::new();
        let empty = tempfile::tempdir().unwrap();
        let plan = Plan::Chain(vec![
            Source::Dir("/nonexistent/mlp-download-mirror".into()),
            Source::Dir(empty.path().to_path_buf()),
        ]);
        let dest = tempfile::tempdir().unwrap();
        let msg = fetch_all(dest.path(), &fake.table(), &plan, false)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("/nonexistent/mlp-download-mirror"), "{msg}");
        assert!(msg.contains(&empty.path().display().to_string()), "{msg}");
        assert!(
            msg.contains("get the files (.gz or raw) some other way"),
            "{msg}"
        );
        assert_eq!(entries(dest.path()), 0);
    }

    #[test]
    fn chain_never_accepts_a_mismatch() {
        let fake = Fake::new();
        let bad = fake.source_dir(false, false);
        flip_byte(&bad.path().join("train-images-idx3-ubyte"), 7);
        let good = fake.source_dir(false, false);
        let plan = Plan::Chain(vec![
            Source::Dir(bad.path().to_path_buf()),
            Source::Dir(good.path().to_path_buf()),
        ]);
        let dest = tempfile::tempdir().unwrap();
        let msg = fetch_all(dest.path(), &fake.table(), &plan, false)
            .unwrap_err()
            .to_string();
        assert!(msg.contains("checksum mismatch"), "{msg}");
        assert!(msg.contains(&bad.path().display().to_string()), "{msg}");
    }

    #[test]
    fn summaries_name_files_only_when_useful() {
        let f = |name: &str, reason: &str| Failure {
            name: name.into(),
            reason: reason.into(),
        };
        let same = [f("a", "down"), f("b", "down")];
        assert_eq!(summarize(&same, 2), "down");
        assert_eq!(summarize(&same, 3), "a, b: down");
        assert_eq!(summarize(&[f("a", "x"), f("b", "y")], 2), "a: x; b: y");
    }
}
