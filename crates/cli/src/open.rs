//! Opening a file in the user's browser: `$BROWSER` (a `:`-separated list of
//! commands, `%s` standing for the file), else the desktop's opener.

use std::path::Path;
use std::process::{Command, Stdio};

/// The commands to try, in order, for this platform, each with whether it
/// returns at once (a desktop opener, waited for) or may stay open (a browser).
fn openers() -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = std::env::var("BROWSER")
        .map(|b| {
            b.split(':')
                .filter(|c| !c.trim().is_empty())
                .map(|c| (c.to_string(), false))
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
    out.push((desktop.to_string(), true));
    out
}

/// Opens `path` with the first opener that starts (and, for a desktop
/// opener, succeeds); says so on stderr when none does (the file is written
/// either way). A browser is left running, not waited for.
pub fn in_browser(path: &Path) {
    let file = path.to_string_lossy();
    for (command, wait) in openers() {
        let mut words: Vec<String> = command.split_whitespace().map(String::from).collect();
        if words.is_empty() {
            continue;
        }
        if words.iter().any(|w| w.contains("%s")) {
            words = words.iter().map(|w| w.replace("%s", &file)).collect();
        } else {
            words.push(file.to_string());
        }
        let child = Command::new(&words[0])
            .args(&words[1..])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let opened = match child {
            Ok(mut c) if wait => c.wait().is_ok_and(|s| s.success()),
            Ok(_) => true,
            Err(_) => false,
        };
        if opened {
            return;
        }
    }
    eprintln!(
        "note: no browser could open {file}: set BROWSER to your browser's command, or open the file yourself"
    );
}
