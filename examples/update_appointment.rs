//! Update an appointment (an event without attendees): the Graph version of the seed
//! "Mettre à jour un rendez-vous" (ews-update-appointments-meetings.md): a new subject, moved
//! 25 hours later, and nobody mailed (EWS's `SendToNone`).
//!
//! ```text
//! cargo run --example update_appointment -- [--event-id ID]
//! ```
//!
//! With no `GRAPH_*` credentials set it runs against an in-process sandbox, where it first
//! creates the appointment. Against a tenant, `--event-id` names the appointment.

mod common;

use std::process::ExitCode;

use chrono::Duration;
use msgraph_outlook::models::{DateTimeTimeZone, Event, EventPatch, TimeSlot};

const USAGE: &str = "\
usage: update_appointment [--event-id ID]

  --event-id ID   the appointment to update (required with credentials)";

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
            let start = common::sandbox_time(sandbox, 1, 16);
            let lesson = Event::new(
                "Tennis Lesson",
                DateTimeTimeZone::utc(start),
                DateTimeTimeZone::utc(start + Duration::hours(1)),
            );
            let created = calendar.create_event(lesson).await?;
            println!("Created the appointment \"Tennis Lesson\" at {start}");
            created.id.unwrap_or_default()
        }
        (None, None) => unreachable!("checked in main"),
    };
    // Bind with only the properties needed (EWS: PropertySet(Subject, Start, End)).
    let appointment = calendar
        .event(&id)
        .get()
        .select(["subject", "start", "end"])
        .await?;
    let (start, end) = appointment
        .time_slot()
        .and_then(|slot| slot.to_utc().ok())
        .ok_or("the event has no readable start and end")?;
    let old_subject = appointment.subject.clone().unwrap_or_default();
    let new_subject = format!(
        "{old_subject} moved one hour later and to the day after {}!",
        start.format("%A")
    );
    // The seed's C# drops the result of Start.AddHours(25); here the move is sent too.
    let moved = TimeSlot::utc(start + Duration::hours(25), end + Duration::hours(25));
    let updated = calendar
        .event_from(&appointment) // its etag goes as If-Match: a concurrent change is not overwritten
        .update(EventPatch::new().subject(&new_subject).time_slot(moved))
        .await?;
    println!("Subject for the appointment was {old_subject:?}. The new subject is {new_subject:?}");
    if let Some(start) = updated.event.start.as_ref().and_then(|s| s.to_utc().ok()) {
        println!("It now starts at {start}");
    }
    println!(
        "Attendees notified: {}",
        if updated.graph_mails_attendees {
            "yes (a meeting)"
        } else {
            "no (an appointment: nobody to mail, like EWS SendToNone)"
        }
    );
    Ok(())
}
