//! The per-user cache folder that named data sets are kept in.

use std::env;
use std::ffi::OsString;
use std::path::PathBuf;

use crate::error::DownloadError;

/// The folder made under the platform's cache folder.
const APP: &str = "mlp-sweep";

/// The platforms whose cache folders differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Platform {
    /// Linux and other Unix: `$HOME/.cache`.
    Unix,
    /// macOS: `$HOME/Library/Caches`.
    MacOs,
    /// Windows: `%LOCALAPPDATA%`.
    Windows,
}

impl Platform {
    /// The platform this was built for.
    fn current() -> Platform {
        if cfg!(windows) {
            Platform::Windows
        } else if cfg!(target_os = "macos") {
            Platform::MacOs
        } else {
            Platform::Unix
        }
    }

    /// The environment variables looked at, in order, for error messages.
    fn looked_at(self) -> &'static str {
        match self {
            Platform::Unix | Platform::MacOs => "MLP_DATA_HOME, XDG_CACHE_HOME and HOME are",
            Platform::Windows => "MLP_DATA_HOME, XDG_CACHE_HOME and LOCALAPPDATA are",
        }
    }
}

/// The per-user cache folder (not created): `$MLP_DATA_HOME`, else `$XDG_CACHE_HOME/mlp-sweep` if absolute, else `mlp-sweep` in `~/.cache`, `~/Library/Caches` (macOS) or `%LOCALAPPDATA%` (Windows).
pub fn cache_dir() -> Result<PathBuf, DownloadError> {
    cache_dir_from(|key| env::var_os(key), Platform::current())
}

/// [`cache_dir`] for a given environment and platform.
fn cache_dir_from(
    var: impl Fn(&str) -> Option<OsString>,
    platform: Platform,
) -> Result<PathBuf, DownloadError> {
    let set = |key: &str| var(key).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(dir) = set("MLP_DATA_HOME") {
        return Ok(dir);
    }
    if let Some(dir) = set("XDG_CACHE_HOME").filter(|d| d.is_absolute()) {
        return Ok(dir.join(APP));
    }
    let base = match platform {
        Platform::Unix => set("HOME").map(|home| home.join(".cache")),
        Platform::MacOs => set("HOME").map(|home| home.join("Library").join("Caches")),
        Platform::Windows => set("LOCALAPPDATA"),
    };
    base.map(|b| b.join(APP)).ok_or(DownloadError::NoCacheDir {
        tried: platform.looked_at(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// An absolute path on the host, whatever it is.
    fn abs(tail: &str) -> PathBuf {
        let root = if cfg!(windows) { "C:\\" } else { "/" };
        Path::new(root).join(tail)
    }

    /// `cache_dir_from` over a fixed environment.
    fn with(vars: &[(&str, &Path)], platform: Platform) -> Result<PathBuf, DownloadError> {
        let vars: Vec<(String, OsString)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.as_os_str().to_owned()))
            .collect();
        cache_dir_from(
            |key| vars.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()),
            platform,
        )
    }

    #[test]
    fn each_variable_in_its_turn() {
        let (data, xdg, home, local) = (abs("data"), abs("xdg"), abs("home"), abs("local"));
        let all = [
            ("MLP_DATA_HOME", data.as_path()),
            ("XDG_CACHE_HOME", xdg.as_path()),
            ("HOME", home.as_path()),
            ("LOCALAPPDATA", local.as_path()),
        ];
        for platform in [Platform::Unix, Platform::MacOs, Platform::Windows] {
            assert_eq!(with(&all, platform).unwrap(), data);
            assert_eq!(with(&all[1..], platform).unwrap(), xdg.join("mlp-sweep"));
        }
        let rest = &all[2..];
        assert_eq!(
            with(rest, Platform::Unix).unwrap(),
            home.join(".cache").join("mlp-sweep")
        );
        assert_eq!(
            with(rest, Platform::MacOs).unwrap(),
            home.join("Library").join("Caches").join("mlp-sweep")
        );
        assert_eq!(
            with(rest, Platform::Windows).unwrap(),
            local.join("mlp-sweep")
        );
    }

    #[test]
    fn empty_and_relative_values_are_skipped() {
        let home = abs("home");
        let vars = [
            ("MLP_DATA_HOME", Path::new("")),
            ("XDG_CACHE_HOME", Path::new("relative/cache")),
            ("HOME", home.as_path()),
        ];
        assert_eq!(
            with(&vars, Platform::Unix).unwrap(),
            home.join(".cache").join("mlp-sweep")
        );
        // A relative MLP_DATA_HOME is the user's choice and kept as given.
        let vars = [("MLP_DATA_HOME", Path::new("here"))];
        assert_eq!(with(&vars, Platform::Unix).unwrap(), Path::new("here"));
    }

    #[test]
    fn nothing_set_is_an_error_naming_the_variables() {
        let vars = [("HOME", Path::new(""))];
        let msg = with(&vars, Platform::Unix).unwrap_err().to_string();
        assert!(
            msg.contains("MLP_DATA_HOME") && msg.contains("HOME"),
            "{msg}"
        );
        let msg = with(&[], Platform::Windows).unwrap_err().to_string();
        assert!(msg.contains("LOCALAPPDATA"), "{msg}");
        assert!(!msg.contains('\n'), "{msg}");
    }
}
