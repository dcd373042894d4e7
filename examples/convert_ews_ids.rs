//! Converts stored EWS item ids to Graph immutable ids (`translateExchangeIds`, EWS's
//! `ConvertId`), then reads a message by its new id with immutable ids turned on client-wide:
//! the one-time step of a program leaving EWS that kept `ItemId`s in its database.
//!
//! ```text
//! cargo run --example convert_ews_ids -- [--ews-id ID]...
//! ```
//!
//! With no `GRAPH_*` credentials set it runs against an in-process sandbox, where Adele
//! sends three messages whose EWS ids play the stored ones. With credentials, pass the
//! stored ids with `--ews-id` and a delegated token (`GRAPH_ACCESS_TOKEN`): the docs list no
//! application permission for `translateExchangeIds`.

mod common;

use std::process::ExitCode;

use msgraph_outlook::api::Mailbox;
use msgraph_outlook::models::{ExchangeIdFormat, Message};
use msgraph_outlook::{Error, GraphClient};

const USAGE: &str = "\
usage: convert_ews_ids [--ews-id ID]...

  --ews-id ID   a stored EWS ItemId of the mailbox (repeatable; required with credentials)";

#[tokio::main]
async fn main() -> ExitCode {
    let mut stored = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--ews-id", Some(value)) => stored.push(value),
            _ => return common::usage_error(USAGE, &format!("unexpected argument {arg:?}")),
        }
    }
    let setup = match common::setup().await {
        Ok(setup) => setup,
        Err(e) => return common::fail(e),
    };
    let result = match &setup.sandbox {
        Some(sandbox) => in_sandbox(sandbox).await,
        None if stored.is_empty() => {
            return common::usage_error(USAGE, "--ews-id is required with credentials")
        }
        // Here the client is the examples' common one, without immutable ids: Graph takes
        // the new ids all the same, but answers with REST ids.
        None => convert(&setup.mailbox, stored).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => common::fail(e),
    }
}

async fn in_sandbox(sandbox: &msgraph_outlook_sandbox::Sandbox) -> Result<(), Error> {
    let client = sandbox_client(sandbox)?;
    let stored = stored_ids_in_sandbox(sandbox, &client).await?;
    convert(&client.me(), stored).await
}

/// Adele signed in (a delegated token) with immutable ids on: the recommended setting for a
/// program that stores ids.
fn sandbox_client(sandbox: &msgraph_outlook_sandbox::Sandbox) -> Result<GraphClient, Error> {
    let [adele, _] = common::SANDBOX_USERS;
    common::signed_in_builder(sandbox, adele)?
        .immutable_ids()
        .build()
}

/// Stands in for an EWS program's database: Adele sends three messages, and their REST ids
/// (what the sandbox lists without `Prefer: IdType="ImmutableId"`) are turned into EWS ids
/// with the same action, as EWS would have handed them out. One malformed id is added, as a
/// real database holds some.
async fn stored_ids_in_sandbox(
    sandbox: &msgraph_outlook_sandbox::Sandbox,
    client: &GraphClient,
) -> Result<Vec<String>, Error> {
    let [adele, alex] = common::SANDBOX_USERS;
    for subject in ["Contract draft", "Invoice 2026-114", "Team offsite"] {
        client
            .me()
            .send_mail(Message::new().subject(subject).text_body("…").to(alex))
            .await?;
    }
    let rest_ids: Vec<String> = sandbox
        .messages(adele, "sentitems")
        .iter()
        .filter_map(|m| m["id"].as_str().map(String::from))
        .collect();
    let mut ews_ids: Vec<String> = client
        .me()
        .translate_exchange_ids(rest_ids, ExchangeIdFormat::RestId, ExchangeIdFormat::EwsId)
        .await?
        .iter()
        .filter_map(|r| r.result().ok().map(String::from))
        .collect();
    ews_ids.push("AAMk-not-an-ews-id".into());
    println!("Stored EWS ids: {}", ews_ids.len());
    Ok(ews_ids)
}

/// The migration itself: EWS ids in, immutable Graph ids out, then one message read by its
/// new id.
async fn convert(mailbox: &Mailbox, stored: Vec<String>) -> Result<(), Error> {
    let results = mailbox
        .translate_exchange_ids(
            stored.iter().cloned(),
            ExchangeIdFormat::EwsId,
            ExchangeIdFormat::RestImmutableEntryId,
        )
        .await?;
    let mut converted = Vec::new();
    for result in &results {
        let source = result.source_id.as_deref().unwrap_or("?");
        match result.result() {
            Ok(id) => {
                println!("{} -> {}", short(source), short(id));
                converted.push(id.to_string());
            }
            Err(e) => println!(
                "Not converted: {} ({})",
                short(source),
                e.code.as_deref().unwrap_or("no code")
            ),
        }
    }
    println!("Converted {} of {} ids", converted.len(), results.len());
    if let Some(id) = converted.first() {
        let message = mailbox.message(id).get().await?;
        println!(
            "Read by immutable id: {:?} (same id answered: {})",
            message.subject.as_deref().unwrap_or_default(),
            message.id.as_deref() == Some(id.as_str())
        );
    }
    Ok(())
}

/// The first and last characters of an id: enough to tell them apart on a terminal.
fn short(id: &str) -> String {
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 24 {
        return id.to_string();
    }
    let head: String = chars[..12].iter().collect();
    let tail: String = chars[chars.len() - 8..].iter().collect();
    format!("{head}…{tail}")
}
