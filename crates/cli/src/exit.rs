//! Turning errors into one line on stderr and the right exit code.

use mlp_engine::EngineError;
use mlp_sweep::SweepError;
use std::process::ExitCode;

/// An error that is the user's to fix by changing the command line (exit 2).
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The command-line flag of a configuration field: `train_samples` is
/// `--train-samples`, and the affine `scale` range is `--affine-scale`
/// (`--scale` is the input scaling).
pub fn flag_of(field: &str) -> String {
    match field {
        "scale" => "--affine-scale".to_string(),
        _ => format!("--{}", field.replace('_', "-")),
    }
}

/// Converts an engine error into the command's words: what the user can fix
/// on the command line becomes a usage error naming the flag.
pub fn from_engine(e: EngineError) -> anyhow::Error {
    match e {
        EngineError::Config { field, problem } => {
            UsageError(format!("invalid {}: {problem}", flag_of(field))).into()
        }
        EngineError::InitShape { .. } => UsageError(format!("invalid --init-from: {e}")).into(),
        other => other.into(),
    }
}

/// Converts a sweep error into the command's words, as [`from_engine`] does.
pub fn from_sweep(e: SweepError) -> anyhow::Error {
    match e {
        SweepError::Engine(e) => from_engine(e),
        SweepError::Config { field, problem } => {
            UsageError(format!("invalid {}: {problem}", flag_of(field))).into()
        }
        SweepError::ResultsExist { path } => UsageError(format!(
            "invalid --out: {} already holds results; pass --resume to continue it or choose another --out",
            path.display()
        ))
        .into(),
        SweepError::TooManyConfigurations {
            file,
            count,
            limit,
            tables,
        } => {
            // A grid given directly came from flags: name its lists as flags.
            let (origin, name_of): (String, fn(&str) -> String) = match file {
                Some(path) => (path.display().to_string(), str::to_string),
                None => ("the command line".to_string(), flag_of),
            };
            let tables: Vec<String> = tables
                .iter()
                .map(|(name, lists)| {
                    let lists: Vec<String> = lists.iter().map(|(f, n)| format!("{} {n}", name_of(f))).collect();
                    let lists = lists.join(" x ");
                    if name.is_empty() {
                        lists
                    } else {
                        format!("{name}: {lists}")
                    }
                })
                .collect();
            UsageError(format!(
                "{origin} expands to {count} configurations ({}), more than --max-configurations ({limit}); shorten a list, or raise --max-configurations to run them all",
                tables.join("; ")
            ))
            .into()
        }
        other => other.into(),
    }
}

/// Prints `error: ...` on one line and picks 2 for usage errors, 1 otherwise.
pub fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", one_line(&e));
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}

/// The error and its causes on one line, each cause once: some errors already
/// print their source in their own message.
pub fn one_line(e: &anyhow::Error) -> String {
    let mut msg = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if msg.contains(&text) {
            continue;
        }
        if !msg.is_empty() {
            msg.push_str(": ");
        }
        msg.push_str(&text);
    }
    msg.replace('\n', " ")
}

/// Makes `mlp ... | head` end quietly: a closed stdout is not a crash.
///
/// `println!` panics when the reader has gone; without this hook that panic
/// would print a message and a backtrace hint.
pub fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let text = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        if text.contains("Broken pipe") {
            std::process::exit(141);
        }
        default(info);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_errors_the_user_can_fix_name_their_flag() {
        let e = from_engine(EngineError::config("train_samples", "must be at least 1"));
        assert!(e.downcast_ref::<UsageError>().is_some());
        assert_eq!(e.to_string(), "invalid --train-samples: must be at least 1");
        let e = from_engine(EngineError::InitShape {
            weights: "64-16-10".into(),
            needed: "64-32-10".into(),
        });
        assert!(e.downcast_ref::<UsageError>().is_some());
        assert!(e.to_string().starts_with("invalid --init-from:"), "{e}");
        let e = from_engine(EngineError::Dataset("no".into()));
        assert!(e.downcast_ref::<UsageError>().is_none());
    }
}
