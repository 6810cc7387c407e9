//! Turning errors into one line on stderr and the right exit code.

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

/// Converts an engine error, marking configuration problems as usage errors.
pub fn from_engine(e: mlp_engine::EngineError) -> anyhow::Error {
    match e {
        mlp_engine::EngineError::Config { .. } => UsageError(e.to_string()).into(),
        other => other.into(),
    }
}

/// Prints `error: ...` on one line and picks 2 for usage errors, 1 otherwise.
pub fn report(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let msg: Vec<String> = e.chain().map(|c| c.to_string()).collect();
            eprintln!("error: {}", msg.join(": "));
            if e.downcast_ref::<UsageError>().is_some() {
                ExitCode::from(2)
            } else {
                ExitCode::from(1)
            }
        }
    }
}
