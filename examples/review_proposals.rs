//! Review proposed meeting times, as the organizer, and move the meeting: the organizer's
//! half of the seed "Proposer une nouvelle heure de réunion" (ews-propose-new-meeting-time.md):
//! 1. find the responses that carry a proposed time (EWS `MeetingResponse` with
//!    `ProposedStart`/`ProposedEnd` → `eventMessageResponse` with `proposedNewTime`);
//! 2. get your calendar item (`AssociatedCalendarItemId` → `$expand=…/event`);
//! 3. compare the current and proposed times;
//! 4. check everyone's availability (`GetUserAvailability` → `calendar/getSchedule`);
//! 5. move the meeting (`UpdateItem` → PATCH start/end with `If-Match`); Graph mails the update.
//!
//! ```text
//! cargo run --example review_proposals
//! ```
//!
//! With no `GRAPH_*` credentials set it runs against an in-process sandbox: Adele invites
//! Alex, Alex proposes the next day, and Adele reviews and accepts the proposal.

mod common;

use std::process::ExitCode;

use chrono::Duration;
use msgraph_outlook::models::{
    ActivityDomain, Attendee, AttendeeBase, DateTimeTimeZone, Event, EventPatch, TimeSlot,
};

#[tokio::main]
async fn main() -> ExitCode {
    if let Some(arg) = std::env::args().nth(1) {
        return common::usage_error(
            "usage: review_proposals",
            &format!("unexpected argument {arg:?}"),
        );
    }
    let setup = match common::setup().await {
        Ok(setup) => setup,
        Err(e) => return common::fail(e),
    };
    match run(&setup).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => common::fail(e),
    }
}

async fn run(setup: &common::Setup) -> Result<(), Box<dyn std::error::Error>> {
    let me = &setup.mailbox;
    if let Some(sandbox) = &setup.sandbox {
        let [adele, alex] = common::SANDBOX_USERS;
        let start = common::sandbox_time(sandbox, 4, 9);
        let meeting = me
            .create_event(
                Event::new(
                    "Let's go for lunch",
                    DateTimeTimeZone::utc(start),
                    DateTimeTimeZone::utc(start + Duration::hours(1)),
                )
                .attendee(Attendee::required(alex)),
            )
            .await?;
        println!("{adele} invited {alex} to \"Let's go for lunch\" at {start}");
        let alex_mailbox = setup.client.user(alex);
        let copy = alex_mailbox
            .calendar_view(start - Duration::hours(1), start + Duration::hours(2))
            .collect()
            .await?
            .into_iter()
            .find(|e| e.ical_uid.is_some() && e.ical_uid == meeting.ical_uid)
            .ok_or("the invitation did not reach Alex's calendar")?;
        alex_mailbox
            .event_from(&copy)
            .tentatively_accept()
            .comment("Can we make it the next day?")
            .propose_new_time(TimeSlot::utc(
                start + Duration::days(1),
                start + Duration::days(1) + Duration::hours(1),
            ))
            .await?;
        println!("{alex} proposed the next day");
    }

    // 1. Responses that carry a proposed time.
    let proposals = me.meeting_responses().proposals_only().collect().await?;
    println!("{} proposal(s) in the Inbox", proposals.len());
    let Some(response) = proposals.first() else {
        return Ok(());
    };
    let proposed = response
        .proposed_new_time
        .clone()
        .ok_or("no proposed time")?;
    let (new_start, new_end) = proposed.to_utc()?;
    println!(
        "{} proposes {new_start} – {new_end}: {:?}",
        response.attendee_address().unwrap_or("?"),
        response
            .event_message
            .message
            .body_preview
            .as_deref()
            .unwrap_or("")
    );

    // 2. The organizer's event, through the response.
    let message_id = response
        .event_message
        .message
        .id
        .clone()
        .unwrap_or_default();
    // Error::NoAssociatedEvent when the response has no calendar event.
    let meeting = me.message(message_id).meeting_event().await?;

    // 3. Current time versus proposal.
    let (start, _) = meeting.time_slot().ok_or("no start/end")?.to_utc()?;
    println!(
        "{:?} is at {start}; moving it by {} h",
        meeting.subject.as_deref().unwrap_or(""),
        (new_start - start).num_hours()
    );

    // 4. Everyone's availability at the proposed time.
    let everyone: Vec<String> = meeting
        .attendees
        .iter()
        .filter_map(|a| a.address().map(String::from))
        .collect();
    let schedules = me
        .get_schedule(
            everyone.clone(),
            DateTimeTimeZone::utc(new_start),
            DateTimeTimeZone::utc(new_end),
        )
        .interval(30)
        .await?;
    for schedule in &schedules {
        println!(
            "  {}: {}",
            schedule.schedule_id.as_deref().unwrap_or("?"),
            if schedule.is_free() {
                "free"
            } else {
                "not free"
            }
        );
    }
    // findMeetingTimes needs a delegated token (Graph refuses application permissions).
    if let Some(sandbox) = &setup.sandbox {
        let delegated = common::signed_in(sandbox, common::SANDBOX_USERS[0])?;
        let mut find = delegated
            .me()
            .find_meeting_times()
            .meeting_duration(new_end - new_start)
            .time_slot(TimeSlot::utc(
                new_start - Duration::hours(1),
                new_end + Duration::hours(1),
            ))
            .activity_domain(ActivityDomain::Unrestricted) // the proposal may fall on a weekend
            .max_candidates(3);
        for address in &everyone {
            find = find.attendee(AttendeeBase::required(address.clone()));
        }
        let suggestions = find.await?;
        println!(
            "findMeetingTimes: {} suggestion(s) around the proposal",
            suggestions.meeting_time_suggestions.len()
        );
    }

    // 5. Move it if everyone is free, guarded by the etag read in step 2.
    if !schedules.iter().all(|s| s.is_free()) {
        println!("Not everyone is free then: the meeting stays where it is");
        return Ok(());
    }
    let updated = me
        .event_from(&meeting)
        .update(EventPatch::new().time_slot(TimeSlot::utc(new_start, new_end)))
        .await?;
    println!(
        "Moved to {new_start}; attendees notified: {}",
        if updated.graph_mails_attendees {
            "yes"
        } else {
            "no"
        }
    );
    if let Some(sandbox) = &setup.sandbox {
        common::print_inbox(sandbox, common::SANDBOX_USERS[1]);
    }
    Ok(())
}
