//! `check-config`: loads the configuration and reports every problem, one line each with
//! its TOML key; exit 78 (`EX_CONFIG`) when there is any. Secrets are read (to prove they
//! resolve) but never printed.

use super::exit::{CliResult, Failure, CONFIG};
use super::load;
use std::path::Path;

/// Runs the subcommand.
pub fn run(path: &Path) -> CliResult {
    let config = load::config(path)?;
    let problems = config.problems();
    if problems.is_empty() {
        println!("{}: ok", path.display());
        return Ok(());
    }
    for problem in &problems {
        eprintln!("{}: {problem}", path.display());
    }
    let s = if problems.len() == 1 { "" } else { "s" };
    Err(Failure::new(
        CONFIG,
        format!("{} problem{s} in {}", problems.len(), path.display()),
    ))
}
