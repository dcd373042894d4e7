//! The EWS draft workflow on Graph: create a draft, bind to it with a limited property set,
//! change it, send it (`POST …/messages`, `GET ?$select=…`, `PATCH`, `POST …/send`).
//!
//! ```text
//! cargo run --example draft_then_send -- --to alex@contoso.com --subject "Company Soccer Team"
//! ```
//!
//! With no `GRAPH_*` credentials set it runs against an in-process sandbox.

mod common;

use std::process::ExitCode;

use msgraph_outlook::models::{Message, MessagePatch};

const USAGE: &str = "\
usage: draft_then_send [--to ADDR] [--subject S]

  --to ADDR     recipient (default alex@contoso.com)
  --subject S   subject (default \"Company Soccer Team\")";

#[tokio::main]
async fn main() -> ExitCode {
    let (mut to, mut subject) = (
        "alex@contoso.com".to_string(),
        "Company Soccer Team".to_string(),
    );
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--to", Some(value)) => to = value,
            ("--subject", Some(value)) => subject = value,
            _ => return common::usage_error(USAGE, &format!("unexpected argument {arg:?}")),
        }
    }
    let setup = match common::setup().await {
        Ok(setup) => setup,
        Err(e) => return common::fail(e),
    };
    match run(&setup, &to, &subject).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => common::fail(e),
    }
}

async fn run(setup: &common::Setup, to: &str, subject: &str) -> msgraph_outlook::Result<()> {
    let mailbox = &setup.mailbox;
    let draft = mailbox
        .create_draft(
            Message::new()
                .subject(subject)
                .text_body("Are you interested in joining?")
                .to(to),
        )
        .await?;
    let id = draft.id.clone().unwrap_or_default();
    println!(
        "Draft created in Drafts (changeKey {})",
        draft.change_key.as_deref().unwrap_or("?")
    );

    // EWS: EmailMessage.Bind(service, id, PropertySet(IdOnly, Subject, ToRecipients)).
    let bound = mailbox
        .message(&id)
        .get()
        .select(["subject", "toRecipients"])
        .await?;
    let recipients: Vec<&str> = bound
        .to_recipients
        .iter()
        .filter_map(|r| r.address())
        .collect();
    println!(
        "Bound: {:?} to {}",
        bound.subject.as_deref().unwrap_or(""),
        recipients.join(", ")
    );

    let updated = mailbox
        .message(&id)
        .update(MessagePatch::new().subject(format!("{subject} (updated)")))
        .await?;
    println!(
        "Updated subject: {:?}",
        updated.subject.as_deref().unwrap_or("")
    );

    let accepted = mailbox.message(&id).send().await?;
    common::report(setup, &accepted, true).await;
    Ok(())
}
