//! `mlp download`: fetch a named data set into a folder or the per-user cache.

use std::path::PathBuf;

use anyhow::anyhow;
use mlp_download::DownloadError;

use crate::exit::UsageError;

/// Options of `mlp download`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Data set name (default mnist)
    #[arg(value_name = "NAME")]
    name: Option<String>,
    /// Folder to put the files in (default: the per-user cache, see --data mnist)
    #[arg(long, value_name = "DIR")]
    dest: Option<PathBuf>,
    /// Fetch from a folder of .gz or raw files, or a URL, instead of the usual sources
    #[arg(long, value_name = "DIR|URL")]
    from: Option<String>,
    /// Fetch again even when the files are present and verified
    #[arg(long)]
    force: bool,
}

/// Fetches and verifies the data set, then prints the folder its files are in.
pub fn run(args: Args) -> anyhow::Result<()> {
    let name = args.name.as_deref().unwrap_or("mnist");
    if !mlp_download::is_name(name) {
        return Err(UsageError(format!(
            "invalid NAME: unknown data set {name:?}; the known names are: {}",
            mlp_download::NAMES.join(", ")
        ))
        .into());
    }
    let dest = match args.dest {
        Some(dest) => dest,
        None => mlp_download::cache_dir().map_err(in_flags)?.join(name),
    };
    let dir = mlp_download::download(&dest, args.from.as_deref(), args.force).map_err(in_flags)?;
    println!("{}", dir.display());
    Ok(())
}

/// The library's error in this command's words: the failed source is the
/// `--from` one, and the ways out name `--from` and `--dest`.
fn in_flags(e: DownloadError) -> anyhow::Error {
    match e {
        DownloadError::FromSource { from, summary } => anyhow!("--from {from}: {summary}"),
        DownloadError::AllSources { missing, tried } => anyhow!(
            "could not get {}; tried: {}; get the files (.gz or raw) some other way and pass --from DIR",
            missing.join(", "),
            tried.join("; ")
        ),
        e @ DownloadError::NoCacheDir { .. } => anyhow!("{e}, or pass --dest DIR"),
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(name: Option<&str>, dest: Option<PathBuf>, from: Option<String>) -> Args {
        Args {
            name: name.map(str::to_string),
            dest,
            from,
            force: false,
        }
    }

    #[test]
    fn an_unknown_name_is_a_usage_error_naming_the_known_ones() {
        let err = run(args(Some("fashion"), None, None)).unwrap_err();
        assert!(err.downcast_ref::<UsageError>().is_some(), "{err}");
        let msg = err.to_string();
        assert!(msg.starts_with("invalid NAME: "), "{msg}");
        assert!(
            msg.contains("\"fashion\"") && msg.contains("mnist"),
            "{msg}"
        );
    }

    #[test]
    fn a_failed_from_names_the_flag() {
        let src = tempfile::tempdir().unwrap();
        let dest = tempfile::tempdir().unwrap();
        let from = src.path().display().to_string();
        let err = run(args(
            None,
            Some(dest.path().to_path_buf()),
            Some(from.clone()),
        ))
        .unwrap_err();
        assert!(err.downcast_ref::<UsageError>().is_none(), "{err}");
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("--from folder {from}: ")), "{msg}");
        assert!(msg.contains("not found"), "{msg}");
    }
}
