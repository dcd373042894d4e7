//! Attendees' copies of meetings: created when a request arrives, kept in step with
//! the organizer's event on updates.

use serde_json::{json, Map, Value};

use super::zone::{format_utc7, NO_TIME};
use super::{address_of, is_true, others, touch, web_link, StoredEvent};
use crate::message::without_internal;
use crate::store::{opaque_id, Store};

/// Meeting properties an attendee's copy takes over from the organizer's event
/// (not `cancelledOccurrences`: those hold ids of the mailbox's own series).
const MEETING_FIELDS: [&str; 27] = [
    "subject",
    "body",
    "bodyPreview",
    "start",
    "end",
    "originalStartTimeZone",
    "originalEndTimeZone",
    "isAllDay",
    "location",
    "locations",
    "recurrence",
    "type",
    "importance",
    "sensitivity",
    "allowNewTimeProposals",
    "responseRequested",
    "hideAttendees",
    "isOnlineMeeting",
    "onlineMeetingProvider",
    "onlineMeeting",
    "onlineMeetingUrl",
    "organizer",
    "attachments",
    "hasAttachments",
    "isCancelled",
    "iCalUId",
    "attendees",
];

/// The attendee `idx`'s copy of meeting `ev`: created (response `notResponded`, shown
/// as tentative, the attendee's own reminder defaults) or updated; `reset` puts an
/// existing copy back to `notResponded` [unconfirmed, matches Outlook].
pub(super) fn upsert_copy(store: &mut Store, idx: usize, ev: &Map<String, Value>, reset: bool) {
    let now = store.now();
    let me = store.users[idx].address.clone();
    let mut meeting = Map::new();
    for k in MEETING_FIELDS {
        if let Some(v) = ev.get(k) {
            meeting.insert(k.into(), v.clone());
        }
    }
    // Attendees' copies do not track responses; with hideAttendees each attendee only
    // sees themselves.
    let hide = is_true(ev, "hideAttendees");
    let attendees: Vec<Value> = others(ev, "")
        .into_iter()
        .filter(|a| !hide || address_of(a) == me.to_ascii_lowercase())
        .map(|mut a| {
            a["status"] = json!({"response": "none", "time": NO_TIME});
            if let Some(o) = a.as_object_mut() {
                o.remove("proposedNewTime");
            }
            a
        })
        .collect();
    meeting.insert("attendees".into(), Value::Array(attendees));
    let not_responded = json!({"response": "notResponded", "time": NO_TIME});
    // An update of one occurrence lands on the attendee's occurrence of the series,
    // made an exception (calendar::series).
    let found = super::series::counterpart(store, idx, ev);
    if found.is_none() && super::series::occurrence_removed(&store.users[idx], ev) {
        // The attendee removed that occurrence (declined or deleted it): nothing to
        // update [unconfirmed: Exchange may deliver it again].
        return;
    }
    if let Some(i) = found {
        let copy = &mut store.users[idx].events[i].json;
        copy.extend(meeting);
        if reset {
            copy.insert("responseStatus".into(), not_responded);
            copy.insert("showAs".into(), json!("tentative"));
        }
        touch(copy, now);
        return;
    }
    let id = opaque_id("AAMkA", 110);
    // Internal keys and extended properties are the organizer's own [unconfirmed
    // for extended properties].
    let mut copy: Map<String, Value> = without_internal(ev)
        .into_iter()
        .filter(|(k, _)| !crate::extended::KEYS.contains(&k.as_str()))
        .collect();
    copy.extend(meeting);
    copy.insert("cancelledOccurrences".into(), json!([]));
    let t = format_utc7(now);
    for (k, v) in [
        ("id", json!(id)),
        ("webLink", json!(web_link(&id))),
        ("createdDateTime", json!(t)),
        ("isOrganizer", json!(false)),
        ("responseStatus", not_responded),
        ("showAs", json!("tentative")),
        ("transactionId", Value::Null),
        ("categories", json!([])),
        ("isReminderOn", json!(true)),
        ("reminderMinutesBeforeStart", json!(15)),
        ("isDraft", json!(false)),
        ("seriesMasterId", Value::Null),
    ] {
        copy.insert(k.into(), v);
    }
    touch(&mut copy, now);
    let seq = store.next_seq();
    let user = &mut store.users[idx];
    let calendar_id = user.calendars[0].id.clone();
    user.events.push(StoredEvent {
        seq,
        calendar_id,
        json: copy,
    });
}
