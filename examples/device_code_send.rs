//! Sign a person in with a device code, then send mail from their mailbox (`/me`): the
//! way a command-line tool replaces SMTP AUTH with a password.
//!
//! ```text
//! cargo run --example device_code_send -- [--to ADDRESS] [--token-file PATH]
//! ```
//!
//! With `GRAPH_CLIENT_ID` set (an app registration that allows public client flows, with
//! the delegated permission `Mail.Send`) it prints the sign-in instructions, waits for you
//! to sign in at the address shown, keeps the refresh token in the token file (mode 0600;
//! default `~/.cache/msgraph-outlook/tokens.json`) and sends. The next run signs in from
//! the file without a prompt. `GRAPH_TENANT_ID` defaults to `organizations`.
//!
//! With no `GRAPH_CLIENT_ID` it runs the whole flow against an in-process sandbox: the
//! sandbox approves the code as adele@contoso.com after the first poll.

mod common;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use msgraph_outlook::auth::{delegated_scopes, DeviceCode, FileTokenStore, TokenProvider};
use msgraph_outlook::models::Message;
use msgraph_outlook::{Cloud, GraphClient};
use msgraph_outlook_sandbox::Sandbox;

const USAGE: &str = "\
usage: device_code_send [--to ADDRESS] [--token-file PATH]

  --to           recipient (default alex@contoso.com)
  --token-file   where the refresh token is kept (default ~/.cache/msgraph-outlook/tokens.json;
                 in the sandbox a file in the temporary directory, removed at the end)";

#[tokio::main]
async fn main() -> ExitCode {
    let (mut to, mut token_file) = ("alex@contoso.com".to_string(), None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--to", Some(value)) => to = value,
            ("--token-file", Some(value)) => token_file = Some(PathBuf::from(value)),
            _ => return common::usage_error(USAGE, &format!("unexpected argument {arg:?}")),
        }
    }
    match run(&to, token_file).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => common::fail(e),
    }
}

async fn run(to: &str, token_file: Option<PathBuf>) -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = match common::env("GRAPH_CLIENT_ID") {
        Some(_) => None,
        None => {
            let sandbox = common::start_sandbox().await?;
            // A quick sandbox: poll every second, and Adele "signs in" after the first poll.
            sandbox.set_device_code_interval(1);
            sandbox.auto_approve_device_codes(common::SANDBOX_USERS[0], 1);
            Some(sandbox)
        }
    };
    let (cloud, tenant, client_id) = match &sandbox {
        Some(sandbox) => (
            Cloud::from_base_url(&sandbox.base_url(), &sandbox.authority_url())?,
            sandbox.tenant_id(),
            sandbox.client_id(),
        ),
        None => (
            common::cloud_from_env()?,
            common::env("GRAPH_TENANT_ID").unwrap_or_else(|| "organizations".into()),
            common::env("GRAPH_CLIENT_ID").unwrap_or_default(),
        ),
    };
    let path = match (token_file, &sandbox) {
        (Some(path), _) => path,
        (None, Some(_)) => std::env::temp_dir().join(format!(
            "msgraph-outlook-device-code-{}.json",
            std::process::id()
        )),
        (None, None) => default_token_file()?,
    };
    let store = Arc::new(FileTokenStore::new(&path));
    // Mail.Send on the cloud's Graph, plus offline_access for a refresh token.
    let scopes = delegated_scopes(&cloud, ["Mail.Send"], true);
    let sign_in = || -> msgraph_outlook::Result<DeviceCode> {
        Ok(
            DeviceCode::new(&cloud, &tenant, &client_id, scopes.clone())?
                .with_store(store.clone())
                .on_prompt(|prompt| println!("Sign-in: {}", prompt.message)),
        )
    };

    let client = GraphClient::builder()
        .cloud(cloud.clone())
        .token_provider(sign_in()?)
        .build()?;
    let accepted = client
        .me()
        .send_mail(
            Message::new()
                .subject("Signed in with a device code")
                .text_body("Sent from /me with a delegated token.")
                .to(to),
        )
        .await?;
    println!(
        "Sent from /me to {to} (request-id {}); refresh token kept in {}",
        accepted.request_id.as_deref().unwrap_or("none"),
        path.display()
    );

    // A second program start: the token file signs in without a prompt.
    let again = sign_in()?.on_prompt(|_| println!("unexpected: a second prompt"));
    again.access_token().await?;
    println!("Signed in again from the token file, without a prompt");

    if let Some(sandbox) = &sandbox {
        show_delivery(sandbox, to);
        let _ = std::fs::remove_file(&path);
    }
    Ok(())
}

/// `~/.cache/msgraph-outlook/tokens.json` (or under `XDG_CACHE_HOME`).
fn default_token_file() -> Result<PathBuf, String> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache")))
        .ok_or("set --token-file (no HOME or XDG_CACHE_HOME)")?;
    Ok(cache.join("msgraph-outlook").join("tokens.json"))
}

fn show_delivery(sandbox: &Sandbox, to: &str) {
    let inbox = sandbox.messages(to, "inbox");
    match inbox.first() {
        Some(message) => println!(
            "{to} Inbox: {:?} from {}",
            message["subject"].as_str().unwrap_or(""),
            message["from"]["emailAddress"]["address"]
                .as_str()
                .unwrap_or("?")
        ),
        None => println!("{to} is not a sandbox mailbox: nothing delivered locally"),
    }
}
