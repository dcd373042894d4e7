//! The calendar workflows end to end against the sandbox (a stateful Graph on 127.0.0.1):
//! both sides of a meeting, proposals, conflicts, time zones, recurrence.

#[path = "support/sandbox_clients.rs"]
mod sandbox_clients;

use chrono::{Duration, TimeZone, Utc};
use futures_util::TryStreamExt;
use msgraph_outlook::models::{
    Attendee, DateTimeTimeZone, DayOfWeek, Event, EventPatch, MailItem, PatternedRecurrence,
    ResponseType, TimeSlot,
};
use msgraph_outlook::Error;
use msgraph_outlook_sandbox::Sandbox;
use sandbox_clients::delegated;

const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";

async fn sandbox() -> Sandbox {
    sandbox_clients::sandbox_with_clock_set(&[ADELE, ALEX]).await
}

fn at(day: u32, hour: u32) -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, day, hour, 0, 0).unwrap()
}

fn lunch() -> Event {
    Event::new(
        "Let's go for lunch",
        DateTimeTimeZone::utc(at(2, 12)),
        DateTimeTimeZone::utc(at(2, 13)),
    )
    .attendee(Attendee::required(ALEX))
}

#[tokio::test]
async fn a_proposal_travels_from_attendee_to_organizer_who_moves_the_meeting() {
    let sandbox = sandbox().await;
    let adele = delegated(&sandbox, ADELE).me();
    let alex = delegated(&sandbox, ALEX).me();

    let meeting = adele.create_event(lunch()).await.unwrap();
    assert_eq!(meeting.is_organizer, Some(true));

    // Alex: the invitation, and his copy of the meeting through it.
    let inbox = alex.mail_items("inbox").collect().await.unwrap();
    let request = inbox
        .iter()
        .find_map(|item| match item {
            MailItem::EventMessageRequest(request) => Some(request),
            _ => None,
        })
        .expect("an invitation");
    let id = request.event_message.message.id.clone().unwrap();
    let copy = alex.message(id).meeting_event().await.unwrap();
    assert_eq!(copy.ical_uid, meeting.ical_uid);
    let next_day = TimeSlot::utc(at(3, 12), at(3, 13));
    alex.event_from(&copy)
        .tentatively_accept()
        .comment("Can you make the next day instead?")
        .propose_new_time(next_day.clone())
        .await
        .unwrap();

    // Adele: the response with the proposal, then her event with the attendee's proposal.
    let proposals = adele
        .meeting_responses()
        .proposals_only()
        .collect()
        .await
        .unwrap();
    assert_eq!(proposals.len(), 1);
    let response = &proposals[0];
    assert_eq!(response.attendee_address(), Some(ALEX));
    assert_eq!(
        response.response_type,
        Some(ResponseType::TentativelyAccepted)
    );
    let proposed = response.proposed_new_time.clone().unwrap();
    assert_eq!(proposed.to_utc().unwrap(), next_day.to_utc().unwrap());
    let message_id = response.event_message.message.id.clone().unwrap();
    let organizer_copy = adele.message(message_id).meeting_event().await.unwrap();
    let (attendee, slot) = organizer_copy.proposals().next().expect("the proposal");
    assert!(attendee.is(ALEX));
    assert_eq!(slot.to_utc().unwrap(), next_day.to_utc().unwrap());

    // Everyone free then? Then move it, guarded by the etag.
    let schedules = adele
        .get_schedule([ALEX], proposed.start.clone(), proposed.end.clone())
        .await
        .unwrap();
    assert!(schedules[0].is_free(), "{schedules:?}");
    let updated = adele
        .event_from(&organizer_copy)
        .update(EventPatch::new().time_slot(proposed))
        .await
        .unwrap();
    assert!(updated.graph_mails_attendees);
    let (start, _) = updated.event.time_slot().unwrap().to_utc().unwrap();
    assert_eq!(start, at(3, 12));

    // Alex's calendar follows, and he was told.
    let view = alex
        .calendar_view(at(3, 0), at(4, 0))
        .collect()
        .await
        .unwrap();
    assert_eq!(view.len(), 1, "{view:?}");
    let requests = alex
        .mail_items("inbox")
        .stream()
        .try_filter(|item| std::future::ready(matches!(item, MailItem::EventMessageRequest(_))))
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    assert_eq!(requests.len(), 2, "the invitation and the update");

    // The etag read before the move is stale now: a typed conflict, nothing applied.
    let stale = adele
        .event_from(&organizer_copy)
        .update(EventPatch::new().subject("Lunch!"))
        .await
        .unwrap_err();
    assert!(stale.is_conflict(), "{stale:?}");
    // Read-modify-write succeeds.
    let renamed = adele
        .event(meeting.id.clone().unwrap())
        .modify(|_| EventPatch::new().subject("Lunch!"))
        .await
        .unwrap();
    assert_eq!(renamed.event.subject.as_deref(), Some("Lunch!"));
}

#[tokio::test]
async fn graph_refuses_a_proposal_the_organizer_disallowed() {
    let sandbox = sandbox().await;
    let adele = delegated(&sandbox, ADELE).me();
    let alex = delegated(&sandbox, ALEX).me();
    adele
        .create_event(lunch().allow_new_time_proposals(false))
        .await
        .unwrap();
    let copy = alex
        .calendar_view(at(2, 0), at(3, 0))
        .collect()
        .await
        .unwrap()
        .pop()
        .unwrap();
    assert_eq!(copy.allow_new_time_proposals, Some(false));
    let slot = TimeSlot::utc(at(3, 12), at(3, 13));
    // Knowing the event, the crate refuses before sending…
    let local = alex
        .event_from(&copy)
        .tentatively_accept()
        .propose_new_time(slot.clone())
        .await
        .unwrap_err();
    assert!(matches!(local, Error::InvalidRequest(_)), "{local:?}");
    // …and by id only, Graph (here the sandbox) answers 400.
    let remote = alex
        .event(copy.id.clone().unwrap())
        .decline()
        .propose_new_time(slot)
        .await
        .unwrap_err();
    assert_eq!(remote.status(), Some(400), "{remote:?}");
}

#[tokio::test]
async fn reads_come_in_the_preferred_zone_and_writes_in_utc() {
    let sandbox = sandbox().await;
    let adele = delegated(&sandbox, ADELE).me();
    let created = adele
        .create_event(Event::new(
            "Design review",
            DateTimeTimeZone::zoned(
                chrono_tz::Europe::Berlin
                    .with_ymd_and_hms(2026, 12, 1, 15, 0, 0)
                    .unwrap(),
            ),
            DateTimeTimeZone::zoned(
                chrono_tz::Europe::Berlin
                    .with_ymd_and_hms(2026, 12, 1, 16, 0, 0)
                    .unwrap(),
            ),
        ))
        .await
        .unwrap();
    let start = created.start.clone().unwrap();
    assert_eq!(start.to_utc().unwrap(), at(1, 14));
    let read = adele
        .event(created.id.clone().unwrap())
        .get()
        .time_zone("America/Los_Angeles")
        .await
        .unwrap();
    let start = read.start.unwrap();
    assert_eq!(start.time_zone, "Pacific Standard Time");
    assert!(
        start.date_time.starts_with("2026-12-01T06:00:00"),
        "{start:?}"
    );
    assert_eq!(start.to_utc().unwrap(), at(1, 14));
}

#[tokio::test]
async fn a_weekly_series_expands_in_the_calendar_view() {
    let sandbox = sandbox().await;
    let adele = delegated(&sandbox, ADELE).me();
    let monday = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
    let series = adele
        .create_event(
            Event::new(
                "Standup",
                DateTimeTimeZone::utc(Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap()),
                DateTimeTimeZone::utc(Utc.with_ymd_and_hms(2026, 11, 30, 9, 15, 0).unwrap()),
            )
            .recurrence(
                PatternedRecurrence::weekly(1, [DayOfWeek::Monday, DayOfWeek::Wednesday], monday)
                    .occurrences(6),
            ),
        )
        .await
        .unwrap();
    let view = adele
        .calendar_view(at(1, 0) - Duration::days(2), at(31, 0))
        .collect()
        .await
        .unwrap();
    assert_eq!(view.len(), 6, "{view:?}");
    assert!(view
        .iter()
        .all(|occurrence| occurrence.series_master_id == series.id));
    let instances = adele
        .event(series.id.clone().unwrap())
        .instances(at(1, 0), at(8, 0))
        .collect()
        .await
        .unwrap();
    assert_eq!(instances.len(), 2, "Wednesday 2 and Monday 7");
}

#[tokio::test]
async fn an_invitation_reads_like_a_message_and_a_plain_message_has_no_associated_event() {
    let sandbox = sandbox().await;
    let adele = delegated(&sandbox, ADELE).me();
    let alex = delegated(&sandbox, ALEX).me();
    adele.create_event(lunch()).await.unwrap();
    adele
        .send_mail(
            msgraph_outlook::models::Message::new()
                .subject("Plain")
                .to(ALEX),
        )
        .await
        .unwrap();

    let inbox = alex
        .mail_items(msgraph_outlook::models::WellKnownFolder::Inbox)
        .collect()
        .await
        .unwrap();
    let invitation = inbox
        .iter()
        .find(|item| item.is_meeting_message())
        .expect("an invitation");
    assert_eq!(invitation.subject(), Some("Let's go for lunch"));
    assert_eq!(invitation.from().and_then(|r| r.address()), Some(ADELE));
    let event = alex
        .message(invitation.id().unwrap())
        .meeting_event()
        .await
        .unwrap();
    assert_eq!(event.subject.as_deref(), Some("Let's go for lunch"));

    let plain = inbox
        .iter()
        .find(|item| item.subject() == Some("Plain"))
        .expect("the plain message");
    assert!(!plain.is_meeting_message());
    let err = alex
        .message(plain.id().unwrap())
        .meeting_event()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::NoAssociatedEvent { message_id, is_meeting_message: false }
            if Some(message_id.as_str()) == plain.id()),
        "{err:?}"
    );
}
