//! Propose a new meeting time, as an attendee: the Graph version of the seed "Proposer une
//! nouvelle heure de réunion" (ews-propose-new-meeting-time.md). EWS's `AcceptItem` with
//! `ProposedStart`/`ProposedEnd` becomes `tentativelyAccept` with `proposedNewTime` (Graph
//! v1.0 takes a proposal only on tentativelyAccept and decline).
//!
//! ```text
//! cargo run --example propose_new_time -- [--event-id ID --start RFC3339 --end RFC3339]
//! ```
//!
//! With no `GRAPH_*` credentials set it runs against an in-process sandbox: Alex invites
//! Adele, and Adele finds the invitation in her Inbox and proposes the next day.

mod common;

use std::process::ExitCode;

use chrono::{DateTime, Duration, Utc};
use msgraph_outlook::models::{
    Attendee, DateTimeTimeZone, Event, MailItem, TimeSlot, WellKnownFolder,
};

const USAGE: &str = "\
usage: propose_new_time [--event-id ID --start RFC3339 --end RFC3339]

  --event-id ID    the meeting in your calendar (required with credentials)
  --start, --end   the time to propose, e.g. 2026-11-28T04:00:00Z (default: one day later)";

const COMMENT: &str = "This time works better for the HiPPO.";

#[tokio::main]
async fn main() -> ExitCode {
    let (mut id, mut start, mut end) = (None, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let time = |value: &str| DateTime::parse_from_rfc3339(value).map(|t| t.to_utc());
        match (arg.as_str(), args.next()) {
            ("--event-id", Some(value)) => id = Some(value),
            ("--start", Some(value)) => match time(&value) {
                Ok(t) => start = Some(t),
                Err(e) => return common::usage_error(USAGE, &format!("--start: {e}")),
            },
            ("--end", Some(value)) => match time(&value) {
                Ok(t) => end = Some(t),
                Err(e) => return common::usage_error(USAGE, &format!("--end: {e}")),
            },
            _ => return common::usage_error(USAGE, &format!("unexpected argument {arg:?}")),
        }
    }
    let setup = match common::setup().await {
        Ok(setup) => setup,
        Err(e) => return common::fail(e),
    };
    if id.is_none() && setup.sandbox.is_none() {
        return common::usage_error(USAGE, "--event-id is required outside the sandbox");
    }
    let proposal = start.zip(end);
    match run(&setup, id, proposal).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => common::fail(e),
    }
}

async fn run(
    setup: &common::Setup,
    id: Option<String>,
    proposal: Option<(DateTime<Utc>, DateTime<Utc>)>,
) -> Result<(), Box<dyn std::error::Error>> {
    let me = &setup.mailbox;
    // Find the meeting: by id, or (in the sandbox) through the invitation in the Inbox.
    let meeting = match (id, &setup.sandbox) {
        (Some(id), _) => me.event(id).get().await?,
        (None, Some(sandbox)) => {
            let [adele, alex] = common::SANDBOX_USERS;
            let start = common::sandbox_time(sandbox, 3, 17);
            setup
                .client
                .user(alex)
                .create_event(
                    Event::new(
                        "Competitive analysis: kick off meeting",
                        DateTimeTimeZone::utc(start),
                        DateTimeTimeZone::utc(start + Duration::minutes(30)),
                    )
                    .attendee(Attendee::required(adele)),
                )
                .await?;
            println!(
                "{alex} invited {adele} to \"Competitive analysis: kick off meeting\" at {start}"
            );
            let inbox = me.mail_items(WellKnownFolder::Inbox).collect().await?;
            let invitation = inbox
                .iter()
                .find_map(|item| match item {
                    MailItem::EventMessageRequest(request) => Some(request),
                    _ => None,
                })
                .ok_or("no meeting request in the Inbox")?;
            println!(
                "{adele} found the invitation {:?} (new time proposals allowed: {})",
                invitation
                    .event_message
                    .message
                    .subject
                    .as_deref()
                    .unwrap_or(""),
                invitation.allow_new_time_proposals.unwrap_or(true)
            );
            let message_id = invitation
                .event_message
                .message
                .id
                .clone()
                .unwrap_or_default();
            // Error::NoAssociatedEvent when the invitation has no calendar event.
            me.message(message_id).meeting_event().await?
        }
        (None, None) => unreachable!("checked in main"),
    };
    let (start, end) = meeting
        .time_slot()
        .and_then(|slot| slot.to_utc().ok())
        .ok_or("the meeting has no readable start and end")?;
    let (new_start, new_end) =
        proposal.unwrap_or((start + Duration::days(1), end + Duration::days(1)));
    // event_from: refused before sending if the organizer disallowed proposals.
    let accepted = me
        .event_from(&meeting)
        .tentatively_accept()
        .comment(COMMENT)
        .propose_new_time(TimeSlot::utc(new_start, new_end))
        .await?;
    println!(
        "Tentatively accepted, proposing {new_start} – {new_end} (request-id {})",
        accepted.request_id.as_deref().unwrap_or("none")
    );
    if let Some(sandbox) = &setup.sandbox {
        common::print_inbox(sandbox, common::SANDBOX_USERS[1]);
    }
    Ok(())
}
