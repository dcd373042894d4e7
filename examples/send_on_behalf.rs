//! Send on behalf of someone, and send from their mailbox: the Graph version of the seed's
//! "envoyer de la part de" / "envoyer en tant que" (ews-delegate-access.md).
//!
//! - On behalf (or as): the delegate sends from their own mailbox (`/me/sendMail`) with
//!   `from` set to the owner; Graph fills `sender` from the rights (Send on Behalf: the
//!   delegate; Send As: the owner). The copy is in the delegate's Sent Items. Needs
//!   `Mail.Send.Shared` and the Exchange right.
//! - From the owner's mailbox (`/users/{owner}/sendMail`): the copy is in the owner's Sent
//!   Items. Needs Full Access on that mailbox too.
//!
//! ```text
//! cargo run --example send_on_behalf -- [--owner ADDRESS --to ADDRESS]
//! ```
//!
//! With no `GRAPH_*` credentials set it runs against an in-process sandbox: Adele first
//! lacks the right (a typed error), then Alex's admin grants her Send on Behalf and Full
//! Access, and Megan receives both messages. With credentials, the configured mailbox
//! (`GRAPH_USER` or `/me`) sends on behalf of `--owner`.

mod common;

use std::process::ExitCode;

use msgraph_outlook::api::Mailbox;
use msgraph_outlook::models::Message;
use msgraph_outlook::Error;
use serde_json::Value;

const USAGE: &str = "\
usage: send_on_behalf [--owner ADDRESS --to ADDRESS]

  --owner   on whose behalf to send (required with credentials)
  --to      the recipient (required with credentials)";

const MEGAN: &str = "megan@contoso.com";

#[tokio::main]
async fn main() -> ExitCode {
    let (mut owner, mut to) = (None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--owner", Some(value)) => owner = Some(value),
            ("--to", Some(value)) => to = Some(value),
            _ => return common::usage_error(USAGE, &format!("unexpected argument {arg:?}")),
        }
    }
    let setup = match common::setup().await {
        Ok(setup) => setup,
        Err(e) => return common::fail(e),
    };
    let result = match (&setup.sandbox, owner, to) {
        (None, Some(owner), Some(to)) => on_behalf(&setup.mailbox, &owner, &to)
            .await
            .map(|_| ())
            .map_err(Into::into),
        (Some(_), None, None) => in_sandbox(&setup).await,
        _ => {
            return common::usage_error(
                USAGE,
                "--owner and --to go together (both required with credentials)",
            )
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => common::fail(e),
    }
}

/// Sends from `delegate`'s own mailbox with `from` = the owner.
async fn on_behalf(delegate: &Mailbox, owner: &str, to: &str) -> msgraph_outlook::Result<()> {
    let accepted = delegate
        .send_mail(
            Message::new()
                .subject("Board minutes")
                .text_body("The minutes of Monday's board meeting are attached to the agenda.")
                .from(owner)
                .to(to),
        )
        .await?;
    println!(
        "Sent on behalf of {owner} to {to} (request-id {})",
        accepted.request_id.as_deref().unwrap_or("none")
    );
    Ok(())
}

async fn in_sandbox(setup: &common::Setup) -> Result<(), Box<dyn std::error::Error>> {
    let sandbox = setup.sandbox.as_ref().expect("in the sandbox");
    let [adele, alex] = common::SANDBOX_USERS;
    sandbox.add_user(MEGAN);
    let adele_client = common::signed_in(sandbox, adele)?;
    let me = adele_client.me();

    // No right yet: Graph's ErrorSendAsDenied, typed.
    match on_behalf(&me, alex, MEGAN).await {
        Err(Error::AccessDenied(e)) => println!("Before any grant: denied, missing {}", e.missing),
        other => return Err(format!("expected a refusal, got {other:?}").into()),
    }

    // Exchange-side rights (an admin, or the owner in Outlook) – not a Graph API.
    sandbox.grant_send_on_behalf(alex, adele);
    println!("Exchange: {alex} granted {adele} Send on Behalf");
    on_behalf(&me, alex, MEGAN).await?;

    // From the owner's mailbox: needs Full Access as well.
    let owner_mailbox = adele_client.user(alex);
    let from_owner = || {
        owner_mailbox.send_mail(
            Message::new()
                .subject("Agenda")
                .text_body("Agenda for Monday.")
                .to(MEGAN),
        )
    };
    match from_owner().await {
        Err(Error::AccessDenied(e)) => {
            println!(
                "Sending from {alex}'s mailbox without Full Access: denied, missing {}",
                e.missing
            )
        }
        other => return Err(format!("expected a refusal, got {other:?}").into()),
    }
    sandbox.grant_full_access(alex, adele);
    println!("Exchange: {alex} granted {adele} Full Access");
    from_owner().await?;
    println!("Sent from {alex}'s mailbox to {MEGAN}");

    for message in sandbox.messages(MEGAN, "inbox") {
        println!(
            "{MEGAN} Inbox: {:?} from {}, sender {}",
            message["subject"].as_str().unwrap_or(""),
            address(&message["from"]),
            address(&message["sender"])
        );
    }
    for user in [adele, alex] {
        for message in sandbox.messages(user, "sentitems") {
            println!(
                "{user} Sent Items: {:?}",
                message["subject"].as_str().unwrap_or("")
            );
        }
    }
    Ok(())
}

fn address(recipient: &Value) -> &str {
    recipient["emailAddress"]["address"].as_str().unwrap_or("?")
}
