//! Setup shared by the examples: configuration from `GRAPH_*` variables, or the local sandbox
//! when no credentials are set, and the report printed after a send.

// Each example uses a part of this module.
#![allow(dead_code)]

use std::process::ExitCode;
use std::str::FromStr;
use std::sync::Arc;

use msgraph_outlook::api::Mailbox;
use msgraph_outlook::auth::{ClientCredentials, ClientSecret, StaticToken, TokenProvider};
use msgraph_outlook::{Accepted, Cloud, GraphClient, GraphClientBuilder};
use msgraph_outlook_sandbox::Sandbox;
use serde_json::Value;

/// The sandbox's mailboxes; the first one sends.
pub const SANDBOX_USERS: [&str; 2] = ["adele@contoso.com", "alex@contoso.com"];

/// Where a message goes out from.
pub struct Setup {
    pub client: GraphClient,
    pub mailbox: Mailbox,
    /// Kept alive for the whole run: dropping it stops the server.
    pub sandbox: Option<Sandbox>,
}

/// A `GRAPH_*` variable; an empty value counts as unset (CI systems export empty secrets).
fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn required(name: &str) -> Result<String, String> {
    var(name).ok_or_else(|| format!("{name} is not set (needed with GRAPH_CLIENT_SECRET)"))
}

/// Builds the mailbox from the environment, or starts the sandbox when no credentials are set.
pub async fn setup() -> Result<Setup, String> {
    let secret = var("GRAPH_CLIENT_SECRET");
    let token = var("GRAPH_ACCESS_TOKEN");
    if secret.is_none() && token.is_none() {
        return sandbox_setup().await;
    }
    let cloud = cloud_from_env()?;
    let tokens: Arc<dyn TokenProvider> = match (secret, token) {
        (Some(secret), _) => Arc::new(
            ClientCredentials::new(
                &cloud,
                &required("GRAPH_TENANT_ID")?,
                &required("GRAPH_CLIENT_ID")?,
                ClientSecret::new(secret),
            )
            .map_err(|e| e.to_string())?,
        ),
        (None, token) => Arc::new(StaticToken::new(token.unwrap_or_default())),
    };
    let client = GraphClient::builder()
        .cloud(cloud)
        .shared_token_provider(tokens)
        .build()
        .map_err(|e| e.to_string())?;
    let mailbox = match var("GRAPH_USER") {
        Some(user) => client.user(user),
        None => client.me(),
    };
    Ok(Setup {
        client,
        mailbox,
        sandbox: None,
    })
}

/// Starts the in-process sandbox and signs in to it as an app, like a real daemon would.
async fn sandbox_setup() -> Result<Setup, String> {
    let sandbox = start_sandbox().await?;
    let cloud = Cloud::from_base_url(&sandbox.base_url(), &sandbox.authority_url())
        .map_err(|e| e.to_string())?;
    let credentials = ClientCredentials::new(
        &cloud,
        &sandbox.tenant_id(),
        &sandbox.client_id(),
        ClientSecret::new(sandbox.client_secret()),
    )
    .map_err(|e| e.to_string())?;
    let client = GraphClient::builder()
        .cloud(cloud)
        .token_provider(credentials)
        .build()
        .map_err(|e| e.to_string())?;
    Ok(Setup {
        mailbox: client.user(SANDBOX_USERS[0]),
        client,
        sandbox: Some(sandbox),
    })
}

/// Starts the in-process sandbox with [`SANDBOX_USERS`] and says so on the first line.
pub async fn start_sandbox() -> Result<Sandbox, String> {
    let sandbox = Sandbox::start()
        .await
        .map_err(|e| format!("cannot start the sandbox: {e}"))?;
    for user in SANDBOX_USERS {
        sandbox.add_user(user);
    }
    println!(
        "No GRAPH_* credentials set: using the local sandbox at {} (users {})",
        sandbox.base_url(),
        SANDBOX_USERS.join(", ")
    );
    Ok(sandbox)
}

/// The cloud from `GRAPH_CLOUD`, `GRAPH_BASE_URL` and `GRAPH_AUTHORITY_URL` (Global by default).
pub fn cloud_from_env() -> Result<Cloud, String> {
    let mut cloud = match var("GRAPH_CLOUD") {
        Some(name) => Cloud::from_str(&name).map_err(|e| e.to_string())?,
        None => Cloud::Global,
    };
    let base = var("GRAPH_BASE_URL");
    let authority = var("GRAPH_AUTHORITY_URL");
    if base.is_some() || authority.is_some() {
        let base = base.unwrap_or_else(|| cloud.graph_base_url());
        let authority = authority.unwrap_or_else(|| cloud.authority().to_string());
        cloud = Cloud::from_base_url(&base, &authority).map_err(|e| e.to_string())?;
    }
    Ok(cloud)
}

/// A `GRAPH_*` variable (empty counts as unset).
pub fn env(name: &str) -> Option<String> {
    var(name)
}

/// Prints what happened: Graph's acknowledgement, and in the sandbox what the users now see.
pub async fn report(setup: &Setup, accepted: &Accepted, saved_to_sent_items: bool) {
    println!(
        "Accepted (request-id {})",
        accepted.request_id.as_deref().unwrap_or("none")
    );
    let Some(sandbox) = &setup.sandbox else {
        return;
    };
    // The sandbox was empty at start, so whatever is in an Inbox now came from this send.
    let mut delivered = false;
    for user in SANDBOX_USERS {
        if let Some(message) = sandbox.messages(user, "inbox").first() {
            println!("{user} Inbox: {}", describe(sandbox, user, message).await);
            delivered = true;
        }
    }
    if !delivered {
        println!("No sandbox mailbox received it (other recipients are not delivered)");
    }
    let sender = SANDBOX_USERS[0];
    match sandbox.messages(sender, "sentitems").first() {
        Some(message) => println!(
            "{sender} Sent Items: {}",
            describe(sandbox, sender, message).await
        ),
        None if !saved_to_sent_items => {
            println!("{sender} Sent Items: empty (--no-save-to-sent-items)")
        }
        None => println!("{sender} Sent Items: empty"),
    }
}

/// `"Hi" from adele@… to alex@…, 1 attachment (notes.txt)`.
async fn describe(sandbox: &Sandbox, user: &str, message: &Value) -> String {
    let addresses = |key: &str| -> Vec<String> {
        message[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|r| r["emailAddress"]["address"].as_str().map(str::to_string))
            .collect()
    };
    let subject = match message["subject"].as_str().unwrap_or_default() {
        "" => "(no subject)".to_string(),
        subject => format!("{subject:?}"),
    };
    let mut line = format!(
        "{subject} from {}",
        message["from"]["emailAddress"]["address"]
            .as_str()
            .unwrap_or("?")
    );
    line += &format!(" to {}", addresses("toRecipients").join(", "));
    let cc = addresses("ccRecipients");
    if !cc.is_empty() {
        line += &format!(", cc {}", cc.join(", "));
    }
    let names = match message["id"].as_str() {
        Some(id) if message["hasAttachments"] == true => attachment_names(sandbox, user, id).await,
        _ => Ok(Vec::new()),
    };
    match names {
        Ok(names) if names.is_empty() => line += ", no attachments",
        Ok(names) => {
            let s = if names.len() == 1 { "" } else { "s" };
            line += &format!(", {} attachment{s} ({})", names.len(), names.join(", "));
        }
        Err(e) => line += &format!(", attachments unreadable: {e}"),
    }
    line
}

/// Lists attachments the way a mail client would: `GET /me/messages/{id}/attachments` with
/// the user's own token (listed messages do not carry their attachments).
async fn attachment_names(sandbox: &Sandbox, user: &str, id: &str) -> Result<Vec<String>, String> {
    let mut url = url::Url::parse(&sandbox.base_url()).map_err(|e| e.to_string())?;
    url.path_segments_mut()
        .map_err(|_| "base URL cannot hold a path".to_string())?
        .extend(["me", "messages", id, "attachments"]);
    let response = reqwest::Client::new()
        .get(url)
        .bearer_auth(sandbox.delegated_token(user))
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    let body: Value = serde_json::from_slice(&response.bytes().await.map_err(|e| e.to_string())?)
        .map_err(|e| e.to_string())?;
    Ok(body["value"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["name"].as_str().map(str::to_string))
        .collect())
}

/// Prints the error on one line (server messages can span several) and returns failure.
pub fn fail(cause: impl std::fmt::Display) -> ExitCode {
    let cause = cause.to_string();
    eprintln!("error: {}", cause.lines().collect::<Vec<_>>().join(" "));
    ExitCode::FAILURE
}

/// Prints a usage error and returns exit code 2.
pub fn usage_error(usage: &str, problem: &str) -> ExitCode {
    eprintln!("error: {problem}\n\n{usage}");
    ExitCode::from(2)
}

/// A client signed in to the sandbox as `user` (a delegated token: `/me` is that user).
pub fn signed_in(sandbox: &Sandbox, user: &str) -> Result<GraphClient, msgraph_outlook::Error> {
    signed_in_builder(sandbox, user)?.build()
}

/// The builder of [`signed_in`], for an example that sets more (immutable ids, …).
pub fn signed_in_builder(
    sandbox: &Sandbox,
    user: &str,
) -> Result<GraphClientBuilder, msgraph_outlook::Error> {
    Ok(GraphClient::builder()
        .cloud(Cloud::from_base_url(
            &sandbox.base_url(),
            &sandbox.authority_url(),
        )?)
        .token_provider(StaticToken::delegated(sandbox.delegated_token(user))))
}

/// The sandbox clock plus `days`, at `hour`:00 UTC: a time for a sandbox meeting.
pub fn sandbox_time(sandbox: &Sandbox, days: i64, hour: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::{Duration, TimeZone};
    let day = (sandbox.now() + Duration::days(days)).date_naive();
    chrono::Utc.from_utc_datetime(&day.and_hms_opt(hour, 0, 0).expect("a valid hour"))
}

/// Prints a sandbox user's Inbox: subject and kind of each message (meeting request, response, …).
pub fn print_inbox(sandbox: &Sandbox, user: &str) {
    for message in sandbox.messages(user, "inbox") {
        let kind = message["@odata.type"]
            .as_str()
            .unwrap_or("#microsoft.graph.message")
            .trim_start_matches("#microsoft.graph.");
        println!(
            "  {user} Inbox: {kind} {:?}",
            message["subject"].as_str().unwrap_or("")
        );
    }
}
