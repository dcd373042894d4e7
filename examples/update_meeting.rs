//! Update a meeting: the Graph version of the seed "Mettre à jour une réunion"
//! (ews-update-appointments-meetings.md): new subject and location, one more required
//! attendee and a resource, sent to everyone (EWS's `SendToAllAndSaveCopy`; Graph always
//! mails meeting changes).
//!
//! ```text
//! cargo run --example update_meeting -- [--event-id ID]
//! ```
//!
//! With no `GRAPH_*` credentials set it runs against an in-process sandbox, where it first
//! creates the meeting with Alex. Against a tenant, `--event-id` names a meeting you organize.
//! The change is a read-modify-write with `If-Match`: if someone changes the meeting in
//! between, it reads it again and re-applies the change (EWS's `ConflictResolutionMode`).

mod common;

use std::process::ExitCode;

use chrono::Duration;
use msgraph_outlook::models::{Attendee, DateTimeTimeZone, Event, EventPatch};

const USAGE: &str = "\
usage: update_meeting [--event-id ID]

  --event-id ID   the meeting to update (required with credentials)";

const NEW_ATTENDEE: &str = "alisa@contoso.com";
const PROJECTOR: &str = "dlpprojector@contoso.com";

#[tokio::main]
async fn main() -> ExitCode {
    let mut id = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--event-id", Some(value)) => id = Some(value),
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
    match run(&setup, id).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => common::fail(e),
    }
}

async fn run(setup: &common::Setup, id: Option<String>) -> Result<(), Box<dyn std::error::Error>> {
    let calendar = &setup.mailbox;
    let id = match (id, &setup.sandbox) {
        (Some(id), _) => id,
        (None, Some(sandbox)) => {
            sandbox.add_user(NEW_ATTENDEE);
            let start = common::sandbox_time(sandbox, 2, 15);
            let meeting = Event::new(
                "Team building exercise",
                DateTimeTimeZone::utc(start),
                DateTimeTimeZone::utc(start + Duration::hours(2)),
            )
            .location("Building 1")
            .attendee(Attendee::required(common::SANDBOX_USERS[1]));
            let created = calendar.create_event(meeting).await?;
            println!(
                "Created the meeting \"Team building exercise\" with {}",
                common::SANDBOX_USERS[1]
            );
            created.id.unwrap_or_default()
        }
        (None, None) => unreachable!("checked in main"),
    };
    let updated = calendar
        .event(&id)
        .modify(|meeting| {
            EventPatch::new()
                .subject("Team building exercise has moved!")
                .location("4567 Contoso Way, Redmond, OH 33333, USA")
                // A PATCH replaces the whole list: send the current attendees plus the new ones.
                .attendees(meeting.with_attendees([
                    Attendee::required(NEW_ATTENDEE),
                    Attendee::resource(PROJECTOR),
                ]))
        })
        .select(["subject", "location", "attendees"])
        .await?;
    let event = &updated.event;
    println!(
        "Updated: {:?} at {:?}",
        event.subject.as_deref().unwrap_or(""),
        event
            .location
            .as_ref()
            .and_then(|l| l.display_name.as_deref())
            .unwrap_or("")
    );
    let attendees: Vec<&str> = event.attendees.iter().filter_map(|a| a.address()).collect();
    println!("Attendees: {}", attendees.join(", "));
    println!(
        "Attendees notified: {}",
        if updated.graph_mails_attendees {
            "yes, Graph mails the update to every attendee (EWS SendToAllAndSaveCopy)"
        } else {
            "no"
        }
    );
    if let Some(sandbox) = &setup.sandbox {
        common::print_inbox(sandbox, common::SANDBOX_USERS[1]);
        common::print_inbox(sandbox, NEW_ATTENDEE);
    }
    Ok(())
}
