//! `hash-password`: reads a password from stdin (one line) and prints the argon2 PHC
//! string to put in `[[smtp.users]]`, so no password is ever written in the configuration.

use super::exit::{CliResult, Failure, DATAERR};
use msgraph_relay::smtp::hash_password;
use std::io::BufRead;

/// Runs the subcommand.
pub fn run() -> CliResult {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Failure::new(DATAERR, format!("cannot read the password from stdin: {e}")))?;
    let password = line.trim_end_matches(['\r', '\n']);
    if password.is_empty() {
        return Err(Failure::new(DATAERR, "no password on stdin"));
    }
    println!("{}", hash_password(password));
    Ok(())
}
