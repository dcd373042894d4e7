//! The properties checked by the fuzz targets, shared by every target (and usable from a
//! plain test to replay a corpus or a crash on stable without cargo-fuzz).
//!
//! Each `check_*` function takes arbitrary bytes and panics only when the crate breaks a
//! property: a parser that panics, or a parsed value that does not survive a round trip.
//! Parse errors on bad input are expected and fine.
//!
//! `tests/notifications_fuzz.rs` compiles this file into the root crate's tests (stable, CI):
//! use only crates the root crate depends on (serde, serde_json, msgraph_outlook).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use msgraph_outlook::models::{
    Attachment, Attendee, Event, FollowupFlag, ItemBody, Location, MailItem,
    MeetingTimeSuggestionsResult, Message, PatternedRecurrence, Recipient, ScheduleInformation,
    TimeSlot,
};
use msgraph_outlook::GraphError;

/// Statuses the error parser is tried with (the status only labels the error, but the
/// 429 and 5xx paths are the ones the client retries on, so they are exercised too).
const STATUSES: [u16; 6] = [400, 403, 404, 429, 503, 504];

/// `GraphError::from_body` must never panic, for any status and body, and neither may the
/// error's `Display` or accessors.
pub fn check_error_body(data: &[u8]) {
    let status = STATUSES[data.len() % STATUSES.len()];
    let error = GraphError::from_body(status, data);
    assert_eq!(error.status, status, "from_body must keep the status");
    let _ = error.to_string();
    let _ = error.most_specific_code();
    // The parser must not depend on the status: an error from any other status carries the
    // same code and message.
    let other = GraphError::from_body(500, data);
    assert_eq!(
        (&other.code, &other.message, &other.inner_codes),
        (&error.code, &error.message, &error.inner_codes),
        "from_body parsed the same body differently for another status"
    );
}

/// Parses `data` as `T`; when it parses, serializing must succeed, the JSON must parse
/// again as `T`, and from then on the round trip must be stable (serialize ∘ parse is the
/// identity on what this crate itself wrote). Read-only properties (`id`, dates, …) are not
/// serialized, so the first parse and the second may differ: only the second generation is
/// compared.
pub fn round_trip<T>(data: &[u8]) -> Option<T>
where
    T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let first: T = serde_json::from_slice(data).ok()?;
    let json = serde_json::to_vec(&first).unwrap_or_else(|e| {
        panic!(
            "{}: parsed but does not serialize: {e}\nvalue: {first:?}",
            std::any::type_name::<T>()
        )
    });
    let second: T = serde_json::from_slice(&json).unwrap_or_else(|e| {
        panic!(
            "{}: its own JSON does not parse again: {e}\njson: {}",
            std::any::type_name::<T>(),
            String::from_utf8_lossy(&json)
        )
    });
    let again = serde_json::to_vec(&second).expect("second serialization");
    assert_eq!(
        String::from_utf8_lossy(&json),
        String::from_utf8_lossy(&again),
        "{}: round trip is not stable",
        std::any::type_name::<T>()
    );
    let third: T = serde_json::from_slice(&again).expect("third parse");
    assert_eq!(
        second,
        third,
        "{}: value changed in a round trip",
        std::any::type_name::<T>()
    );
    Some(first)
}

/// The `sendMail` request body (GRAPH-FACTS §1.1), so sendMail seeds reach the message parser.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SendMail {
    message: Message,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    save_to_sent_items: Option<serde_json::Value>,
}

/// A collection answer (`GET /me/messages`): `{"value": [...]}`.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Collection<T> {
    value: Vec<T>,
}

/// `Message` as Graph returns it, alone, wrapped in a sendMail body, or in a collection.
pub fn check_message_json(data: &[u8]) {
    if let Some(message) = round_trip::<Message>(data) {
        // Reading every field of what was parsed must not panic either.
        let _ = format!("{message:?}");
        for recipient in message.to_recipients.iter().chain(&message.from) {
            let _ = (recipient.address(), recipient.name());
        }
    }
    round_trip::<SendMail>(data);
    round_trip::<Collection<Message>>(data);
}

/// The complex types of a message, each on its own.
pub fn check_message_parts_json(data: &[u8]) {
    round_trip::<Attachment>(data);
    round_trip::<Recipient>(data);
    round_trip::<ItemBody>(data);
    round_trip::<FollowupFlag>(data);
    round_trip::<Collection<Attachment>>(data);
}

/// `Event` as Graph returns it, alone or in a collection (calendarView), and meeting
/// messages typed by `@odata.type`. Reading times must not panic either: `to_utc` of any
/// `dateTimeTimeZone` is a value or an error.
pub fn check_event_json(data: &[u8]) {
    if let Some(event) = round_trip::<Event>(data) {
        let _ = format!("{event:?}");
        for time in event.start.iter().chain(&event.end) {
            let _ = time.to_utc();
        }
        for (attendee, slot) in event.proposals() {
            let _ = (attendee.address(), attendee.response(), slot.to_utc());
        }
        let _ = (event.is_meeting(), event.notifies_attendees());
    }
    round_trip::<Collection<Event>>(data);
    if let Some(item) = round_trip::<MailItem>(data) {
        let _ = item.message();
    }
}

/// The complex types of an event and the scheduling answers, each on its own.
pub fn check_event_parts_json(data: &[u8]) {
    round_trip::<Attendee>(data);
    round_trip::<PatternedRecurrence>(data);
    round_trip::<Location>(data);
    if let Some(slot) = round_trip::<TimeSlot>(data) {
        let _ = slot.to_utc();
    }
    if let Some(schedule) = round_trip::<ScheduleInformation>(data) {
        let _ = (schedule.availability(), schedule.is_free());
    }
    round_trip::<MeetingTimeSuggestionsResult>(data);
}

/// A notification POST body (GRAPH-FACTS-2 §2.1, §3, §4.2): the receiver's parser
/// (`notifications::parse_collection`) never panics, agrees with plain serde on what parses,
/// and what it parses survives the round trip.
pub fn check_notification_body(data: &[u8]) {
    let parsed = msgraph_outlook::notifications::parse_collection(data);
    let serde = round_trip::<msgraph_outlook::models::ChangeNotificationCollection>(data);
    assert_eq!(
        parsed, serde,
        "the receiver's parser and serde disagree on a notification body"
    );
}
