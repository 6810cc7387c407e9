//! Opening a file in the user's browser: `$BROWSER` (a `:`-separated list of
//! commands, `%s` standing for the file), else the desktop's opener.

use std::path::Path;
use std::process::{Command, Stdio};

/// The commands to try, in order, for this platform.
fn openers() -> Vec<String> {
    let mut out: Vec<String> = std::env::var("BROWSER")
        .map(|b| {
            b.split(':')
                .filter(|c| !c.trim().is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    let desktop = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    out.push(desktop.to_string());
    out
}

/// Opens `path` with the first opener that starts and succeeds; says so on
/// stderr when none does (the file is written either way).
pub fn in_browser(path: &Path) {
    let file = path.to_string_lossy();
    for command in openers() {
        let mut words: Vec<String> = command.split_whitespace().map(String::from).collect();
        if words.is_empty() {
            continue;
        }
        if words.iter().any(|w| w.contains("%s")) {
            words = words.iter().map(|w| w.replace("%s", &file)).collect();
        } else {
            words.push(file.to_string());
        }
        let status = Command::new(&words[0])
            .args(&words[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        if status.is_ok_and(|s| s.success()) {
            return;
        }
    }
    eprintln!(
        "note: no browser could open {file}: set BROWSER to your browser's command, or open the file yourself"
    );
}
