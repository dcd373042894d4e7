//! `login`: signs a user in with a device code (for `auth = "device_code"`) and keeps the
//! refresh token in `graph.token_file`, so `serve` and `sendmail --direct` then send from
//! that user's own mailbox with a delegated token, without a prompt.

use super::exit::{CliResult, Failure, CONFIG, UNAVAILABLE};
use msgraph_outlook::auth::TokenProvider;
use msgraph_relay::config::{AuthMethod, Config};

/// Runs the subcommand.
pub async fn run(config: &Config) -> CliResult {
    if config.graph.auth != AuthMethod::DeviceCode {
        return Err(Failure::new(
            CONFIG,
            "graph.auth: login needs auth = \"device_code\" (the other methods sign in without a user)",
        ));
    }
    let provider = config
        .graph
        .device_code()
        .map_err(|problems| Failure::new(CONFIG, super::join_problems(&problems)))?
        // The identity platform's own instructions: open the page, enter the code.
        .on_prompt(|prompt| eprintln!("{}", prompt.message));
    provider
        .access_token()
        .await
        .map_err(|e| Failure::new(UNAVAILABLE, format!("sign-in failed: {e}")))?;
    let path = config.graph.token_file.clone().unwrap_or_default();
    println!("signed in; the refresh token is kept in {}", path.display());
    Ok(())
}
