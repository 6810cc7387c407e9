//! `cache_dir` and the process environment. The only test of this binary
//! (a process of its own), so nothing else reads the environment while it
//! changes it; every variable is set and checked in turn, serially.

use std::env;
use std::path::PathBuf;

use mlp_download::cache_dir;

/// Sets `key` to `value`, or removes it for `None`.
fn set(key: &str, value: Option<&str>) {
    match value {
        Some(v) => env::set_var(key, v),
        None => env::remove_var(key),
    }
}

#[test]
fn precedence_of_the_environment() {
    let base = env::temp_dir().join("mlp-download-cache-test");
    let base = base.to_str().unwrap().to_string();
    let data = format!("{base}-data");
    let xdg = format!("{base}-xdg");
    let home = format!("{base}-home");

    set("MLP_DATA_HOME", Some(&data));
    set("XDG_CACHE_HOME", Some(&xdg));
    set("HOME", Some(&home));
    set("LOCALAPPDATA", Some(&home));
    assert_eq!(cache_dir().unwrap(), PathBuf::from(&data));

    set("MLP_DATA_HOME", Some(""));
    assert_eq!(cache_dir().unwrap(), PathBuf::from(&xdg).join("mlp-sweep"));

    set("MLP_DATA_HOME", None);
    assert_eq!(cache_dir().unwrap(), PathBuf::from(&xdg).join("mlp-sweep"));

    // A relative XDG_CACHE_HOME is invalid by the XDG rules and skipped.
    set("XDG_CACHE_HOME", Some("relative"));
    let platform = if cfg!(windows) {
        PathBuf::from(&home)
    } else if cfg!(target_os = "macos") {
        PathBuf::from(&home).join("Library").join("Caches")
    } else {
        PathBuf::from(&home).join(".cache")
    };
    assert_eq!(cache_dir().unwrap(), platform.join("mlp-sweep"));

    set("XDG_CACHE_HOME", None);
    assert_eq!(cache_dir().unwrap(), platform.join("mlp-sweep"));

    set("HOME", None);
    set("LOCALAPPDATA", None);
    let msg = cache_dir().unwrap_err().to_string();
    assert!(msg.contains("MLP_DATA_HOME"), "{msg}");
    assert!(!msg.contains('\n'), "{msg}");
}
