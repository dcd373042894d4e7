//! Schedules automatic replies (out of office) for next week, in the mailbox's own time zone,
//! and shows the MailTip a sender then sees: EWS's `SetUserOofSettings` and `GetMailTips`.
//!
//! ```text
//! cargo run --example out_of_office -- [--message TEXT]
//! ```
//!
//! With no `GRAPH_*` credentials set it runs against an in-process sandbox: Adele (whose
//! mailbox is set to Berlin time first) schedules her replies; the example then moves the
//! sandbox clock into the window, Alex reads Adele's MailTip and writes to her twice, and
//! gets one automatic reply, as Exchange sends one per sender. With credentials it schedules
//! the replies of `GRAPH_USER` (or the signed-in user) and prints that mailbox's MailTip
//! (which shows the reply only once the window has started); the setting is left in place.

mod common;

use std::process::ExitCode;

use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use msgraph_outlook::api::Mailbox;
use msgraph_outlook::models::{
    iana_zone, AutomaticRepliesSetting, ExternalAudienceScope, MailTipsOption, MailboxSettings,
    Message,
};
use msgraph_outlook::Error;

const USAGE: &str = "\
usage: out_of_office [--message TEXT]

  --message TEXT   the reply (default: \"Away next week; back the Monday after.\")";

#[tokio::main]
async fn main() -> ExitCode {
    let mut text = "Away next week; back the Monday after.".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--message", Some(value)) => text = value,
            _ => return common::usage_error(USAGE, &format!("unexpected argument {arg:?}")),
        }
    }
    let setup = match common::setup().await {
        Ok(setup) => setup,
        Err(e) => return common::fail(e),
    };
    match run(&setup, &text).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => common::fail(e),
    }
}

/// Monday 00:00 of next week to the Monday after, as wall-clock times in `zone`.
fn next_week(now: DateTime<Utc>, zone: Tz) -> (DateTime<Tz>, DateTime<Tz>) {
    let today = now.with_timezone(&zone).date_naive();
    let monday = today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()));
    let midnight = |day: chrono::NaiveDate| {
        zone.from_local_datetime(&day.and_time(NaiveTime::MIN))
            .earliest()
            .expect("midnight exists in the zone")
    };
    (midnight(monday), midnight(monday + Duration::days(7)))
}

async fn run(setup: &common::Setup, text: &str) -> Result<(), Error> {
    let mailbox = &setup.mailbox;
    if setup.sandbox.is_some() {
        // A sandbox mailbox starts in UTC; a real one is left in its own zone.
        mailbox
            .update_mailbox_settings(MailboxSettings::new().time_zone("W. Europe Standard Time"))
            .await?;
    }
    let settings = mailbox.mailbox_settings().await?;
    let zone_name = settings.time_zone.unwrap_or_else(|| "UTC".into());
    let zone = iana_zone(&zone_name).unwrap_or(chrono_tz::UTC);
    let now = match &setup.sandbox {
        Some(sandbox) => sandbox.now(),
        None => Utc::now(),
    };
    let (start, end) = next_week(now, zone);
    mailbox
        .set_automatic_replies(
            AutomaticRepliesSetting::scheduled_between(start, end)
                .internal_reply_message(text)
                .external_reply_message(text)
                .external_audience(ExternalAudienceScope::All),
        )
        .await?;
    // Graph may answer the window in another zone: shown in the mailbox's.
    let replies = mailbox.automatic_replies().await?;
    let shown = |time: &Option<msgraph_outlook::models::DateTimeTimeZone>| {
        time.as_ref()
            .and_then(|t| t.to_utc().ok())
            .map(|t| {
                t.with_timezone(&zone)
                    .format("%a %Y-%m-%d %H:%M")
                    .to_string()
            })
            .unwrap_or_else(|| "?".into())
    };
    println!(
        "Automatic replies {}: from {} to {} ({zone_name})",
        replies.status.as_ref().map_or("?", |s| s.as_str()),
        shown(&replies.scheduled_start_date_time),
        shown(&replies.scheduled_end_date_time),
    );

    let Some(sandbox) = &setup.sandbox else {
        let Some(address) = common::env("GRAPH_USER") else {
            println!("Set GRAPH_USER to see the mailbox's MailTip");
            return Ok(());
        };
        print_mail_tip(mailbox, &address, "now").await?;
        return Ok(());
    };

    let [adele, alex] = common::SANDBOX_USERS;
    let alex_client = common::signed_in(sandbox, alex)?;
    print_mail_tip(&alex_client.me(), adele, "before the window").await?;

    // Tuesday 10:00 of next week; new tokens, as the old ones expire with the clock move.
    sandbox.set_clock((start + Duration::days(1) + Duration::hours(10)).with_timezone(&Utc));
    let alex_client = common::signed_in(sandbox, alex)?;
    print_mail_tip(&alex_client.me(), adele, "inside the window").await?;
    for subject in ["Status report", "Status report, corrected"] {
        alex_client
            .me()
            .send_mail(
                Message::new()
                    .subject(subject)
                    .text_body("See below.")
                    .to(adele),
            )
            .await?;
    }
    let replies: Vec<_> = sandbox
        .messages(alex, "inbox")
        .into_iter()
        .filter(|m| {
            m["subject"]
                .as_str()
                .is_some_and(|s| s.starts_with("Automatic reply:"))
        })
        .collect();
    for reply in &replies {
        println!(
            "{alex} Inbox: {:?} from {}",
            reply["subject"].as_str().unwrap_or_default(),
            reply["from"]["emailAddress"]["address"]
                .as_str()
                .unwrap_or("?")
        );
    }
    println!(
        "Automatic replies received by {alex} for 2 messages: {}",
        replies.len()
    );
    Ok(())
}

/// What `sender`'s Outlook shows about `recipient` before sending.
async fn print_mail_tip(sender: &Mailbox, recipient: &str, when: &str) -> Result<(), Error> {
    let tips = sender
        .get_mail_tips([recipient], MailTipsOption::AutomaticReplies)
        .await?;
    match tips.first().and_then(|t| t.automatic_reply()) {
        Some(reply) => println!(
            "MailTip {when}: {recipient} has automatic replies on: {:?}",
            reply.message.as_deref().unwrap_or_default()
        ),
        None => println!("MailTip {when}: no automatic reply for {recipient}"),
    }
    Ok(())
}
