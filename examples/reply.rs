//! Reply to a message with a comment (`POST …/messages/{id}/reply`, 202); Graph threads it
//! and answers the original's Reply-To when it has one. With `--mime FILE` the reply is that
//! RFC 5322 message instead (base64 `text/plain`, as in the reply docs' Example 2).
//!
//! ```text
//! cargo run --example reply -- [--message-id ID] [--comment TEXT | --mime FILE]
//! ```
//!
//! With no `GRAPH_*` credentials set it runs against an in-process sandbox: Alex first writes
//! to Adele, and Adele replies. Against a tenant, `--message-id` names the message to answer.

mod common;

use std::process::ExitCode;

use msgraph_outlook::models::{Message, WellKnownFolder};

const USAGE: &str = "\
usage: reply [--message-id ID] [--comment TEXT | --mime FILE]

  --message-id ID   the message to reply to (required with credentials)
  --comment TEXT    the reply (default \"Count me in.\")
  --mime FILE       reply with this RFC 5322 message (.eml) instead; without a To
                    header it goes to the original's sender";

#[tokio::main]
async fn main() -> ExitCode {
    let (mut id, mut comment, mut mime) = (None, "Count me in.".to_string(), None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--message-id", Some(value)) => id = Some(value),
            ("--comment", Some(value)) => comment = value,
            ("--mime", Some(path)) => match std::fs::read(&path) {
                Ok(bytes) => mime = Some(bytes),
                Err(e) => return common::usage_error(USAGE, &format!("cannot read {path}: {e}")),
            },
            _ => return common::usage_error(USAGE, &format!("unexpected argument {arg:?}")),
        }
    }
    let setup = match common::setup().await {
        Ok(setup) => setup,
        Err(e) => return common::fail(e),
    };
    if id.is_none() && setup.sandbox.is_none() {
        return common::usage_error(USAGE, "--message-id is required outside the sandbox");
    }
    match run(&setup, id, &comment, mime).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => common::fail(e),
    }
}

async fn run(
    setup: &common::Setup,
    id: Option<String>,
    comment: &str,
    mime: Option<Vec<u8>>,
) -> msgraph_outlook::Result<()> {
    let [adele, alex] = common::SANDBOX_USERS;
    let id = match id {
        Some(id) => id,
        None => {
            // In the sandbox: Alex asks, and the question lands in Adele's Inbox.
            setup
                .client
                .user(alex)
                .send_mail(
                    Message::new()
                        .subject("Lunch on Friday?")
                        .text_body("Noon at the cafeteria?")
                        .to(adele),
                )
                .await?;
            let inbox = setup
                .mailbox
                .list_messages()
                .in_folder(WellKnownFolder::Inbox)
                .top(1)
                .await?;
            let question = inbox
                .value
                .into_iter()
                .next()
                .and_then(|m| m.id)
                .unwrap_or_default();
            println!("{alex} asked {adele}: \"Lunch on Friday?\"");
            question
        }
    };
    let original = setup.mailbox.message(&id);
    let (accepted, what) = match mime {
        Some(mime) => {
            let size = mime.len();
            (
                original.reply_mime(mime).send().await?,
                format!("{size} bytes of MIME"),
            )
        }
        None => (
            original.reply().comment(comment).send().await?,
            format!("{comment:?}"),
        ),
    };
    println!(
        "Replied: {what} (request-id {})",
        accepted.request_id.as_deref().unwrap_or("none")
    );
    if let Some(sandbox) = &setup.sandbox {
        for message in sandbox.messages(alex, "inbox") {
            println!(
                "{alex} Inbox: {:?} from {}",
                message["subject"].as_str().unwrap_or(""),
                message["from"]["emailAddress"]["address"]
                    .as_str()
                    .unwrap_or("?")
            );
        }
    }
    Ok(())
}
