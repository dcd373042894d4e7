//! EWS's "delayed message" on Graph: a draft with `PidTagDeferredSendTime`
//! (`SystemTime 0x3FEF`), sent now and held in the Outbox until its time.
//!
//! ```text
//! cargo run --example send_later -- --to alex@contoso.com --in-minutes 10
//! ```
//!
//! With no `GRAPH_*` credentials set it runs against an in-process sandbox and moves the
//! sandbox's clock past the scheduled time to show the delivery.

mod common;

use std::process::ExitCode;
use std::time::Duration;

use chrono::SubsecRound;
use msgraph_outlook::models::Message;

const USAGE: &str = "\
usage: send_later [--to ADDR] [--in-minutes N]

  --to ADDR        recipient (default alex@contoso.com)
  --in-minutes N   send this many minutes from now (default 10)

To cancel a scheduled message, delete it from the Outbox before its time.";

#[tokio::main]
async fn main() -> ExitCode {
    let (mut to, mut minutes) = ("alex@contoso.com".to_string(), 10u32);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--to", Some(value)) => to = value,
            ("--in-minutes", Some(value)) => match value.parse() {
                Ok(n) => minutes = n,
                Err(_) => {
                    return common::usage_error(
                        USAGE,
                        &format!("{value:?} is not a number of minutes"),
                    )
                }
            },
            _ => return common::usage_error(USAGE, &format!("unexpected argument {arg:?}")),
        }
    }
    let setup = match common::setup().await {
        Ok(setup) => setup,
        Err(e) => return common::fail(e),
    };
    match run(&setup, &to, minutes).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => common::fail(e),
    }
}

async fn run(setup: &common::Setup, to: &str, minutes: u32) -> msgraph_outlook::Result<()> {
    let mailbox = &setup.mailbox;
    // The sandbox has its own clock; a real mailbox goes by real time.
    let now = match &setup.sandbox {
        Some(sandbox) => sandbox.now(),
        None => chrono::Utc::now(),
    };
    // Graph keeps the time to the second.
    let when = (now + chrono::Duration::minutes(i64::from(minutes))).trunc_subsecs(0);
    let draft = mailbox
        .create_draft(
            Message::new()
                .subject("Sent later")
                .text_body(format!("Scheduled {minutes} minutes ahead."))
                .to(to)
                .send_at(when),
        )
        .await?;
    let id = draft.id.clone().unwrap_or_default();
    let scheduled = mailbox
        .message(&id)
        .get()
        .with_scheduled_send_time()
        .await?
        .scheduled_send_time();
    println!(
        "Draft scheduled for {}",
        scheduled
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| "?".into())
    );
    let accepted = mailbox.message(&id).send().await?;
    println!("Sent to the Outbox; Exchange delivers it at {} (delete it from the Outbox before then to cancel)", when.to_rfc3339());

    let Some(sandbox) = &setup.sandbox else {
        return Ok(());
    };
    let waiting = |folder: &str, user: &str| sandbox.messages(user, folder).len();
    let sender = mailbox_address(setup);
    println!(
        "Now: {sender} Outbox holds {}, {to} Inbox holds {}",
        waiting("outbox", &sender),
        waiting("inbox", to)
    );
    sandbox.advance_clock(Duration::from_secs(u64::from(minutes) * 60 + 1));
    println!("After moving the sandbox clock {minutes} minutes on:");
    common::report(setup, &accepted, true).await;
    Ok(())
}

fn mailbox_address(setup: &common::Setup) -> String {
    match setup.mailbox.target() {
        msgraph_outlook::api::MailboxRef::User(id) => id.clone(),
        _ => "me".to_string(),
    }
}
