//! The organizer's side of the meeting flow between sandbox mailboxes (GRAPH-FACTS
//! §5.2–§5.5): creating, updating, cancelling and deleting an organizer's meeting sends
//! `eventMessage`s to its attendees and keeps their copies of the event in step;
//! forwarding invites more people. Attendees' answers are in [`super::response`].
//! Works on the store directly, so HTTP handlers and [`crate::Sandbox`] share it.

use axum::http::StatusCode;
use serde_json::{json, Map, Value};

use super::copies::upsert_copy;
use super::messages::{body_of, common_extras, draft, escape, request_extras, subject};
use super::render::span;
use super::zone::NO_TIME;
use super::{
    address_of, event, is_true, others, series, to_deleted_items, touch, user_by_address, CalRef,
    StoredEvent,
};
use crate::graph_error::GraphError;
use crate::message::deliver_with;
use crate::store::Store;
use crate::wire::get_ci;

/// Changes to these make the organizer send an update to the attendees (changing
/// only `attendees` notifies only the attendees added or removed, GRAPH-FACTS §5.2).
const NOTIFY_FIELDS: [&str; 15] = [
    "subject",
    "body",
    "start",
    "end",
    "isAllDay",
    "location",
    "locations",
    "recurrence",
    "importance",
    "sensitivity",
    "allowNewTimeProposals",
    "responseRequested",
    "hideAttendees",
    "isOnlineMeeting",
    "onlineMeetingProvider",
];

fn bad(message: &str) -> GraphError {
    // [unconfirmed] code for refused meeting actions (an Exchange code).
    GraphError::new(StatusCode::BAD_REQUEST, "ErrorInvalidRequest", message)
}

fn contains(list: &[Value], a: &Value) -> bool {
    list.iter().any(|x| address_of(x) == address_of(a))
}

/// `POST …/events` in mailbox `owner_idx`: stores the event in calendar `cal` with
/// the mailbox as organizer and invites the attendees. With a `transactionId` already
/// used in the mailbox, returns that event and does nothing else [unconfirmed].
pub(crate) fn create(
    store: &mut Store,
    owner_idx: usize,
    cal: &CalRef,
    body: &Map<String, Value>,
) -> Result<Map<String, Value>, GraphError> {
    let user = &store.users[owner_idx];
    let calendar_id = user
        .calendar(cal)
        .ok_or_else(GraphError::item_not_found)?
        .id
        .clone();
    if let Some(tx) = get_ci(body, "transactionId").and_then(Value::as_str) {
        let existing = user
            .events
            .iter()
            .find(|e| e.str_prop("transactionId") == tx && user.event_in(e, &CalRef::Any));
        if let Some(e) = existing {
            return Ok(e.json.clone());
        }
    }
    let now = store.now();
    let ev = event::create(store, owner_idx, body, now)?;
    let seq = store.next_seq();
    store.users[owner_idx].events.push(StoredEvent {
        seq,
        calendar_id,
        json: ev.clone(),
    });
    let me = store.users[owner_idx].address.clone();
    invite(
        store,
        owner_idx,
        &ev,
        &others(&ev, &me),
        "newMeetingRequest",
        None,
    );
    Ok(ev)
}

/// `PATCH …/events/{id}`: applies the change; for the organizer's meeting, notifies
/// attendees (added: new request, removed: cancellation, kept: update when meeting
/// properties changed) and updates their copies. When the time changes, every
/// attendee's response resets to `none` and proposals are dropped [unconfirmed,
/// matches Outlook].
pub(crate) fn update(
    store: &mut Store,
    owner_idx: usize,
    ev_idx: usize,
    patch: &Map<String, Value>,
) -> Result<Map<String, Value>, GraphError> {
    let now = store.now();
    let old = store.users[owner_idx].events[ev_idx].json.clone();
    let mut new = event::patch(store, &old, patch, now)?;
    if new.get("type").and_then(Value::as_str) == Some("exception") {
        if new.get("recurrence").is_some_and(|r| !r.is_null()) {
            // [unconfirmed] code/text: an exception cannot become a series.
            return Err(bad("The recurrence of a single occurrence cannot be set."));
        }
        series::check_boundary(&store.users[owner_idx], &new)?;
    }
    let time_changed = span(&old) != span(&new)
        || old.get("recurrence") != new.get("recurrence")
        || old.get("isAllDay") != new.get("isAllDay");
    let is_organizer = is_true(&old, "isOrganizer");
    if is_organizer && time_changed {
        if let Some(Value::Array(list)) = new.get_mut("attendees") {
            for a in list.iter_mut() {
                a["status"] = json!({"response": "none", "time": NO_TIME});
                if let Some(o) = a.as_object_mut() {
                    o.remove("proposedNewTime");
                }
            }
        }
    }
    store.users[owner_idx].events[ev_idx].json = new.clone();
    if !is_organizer {
        // An attendee's changes to their copy stay local.
        return Ok(new);
    }
    let me = store.users[owner_idx].address.clone();
    let before = others(&old, &me);
    let after = others(&new, &me);
    let added: Vec<Value> = after
        .iter()
        .filter(|a| !contains(&before, a))
        .cloned()
        .collect();
    let removed: Vec<Value> = before
        .iter()
        .filter(|a| !contains(&after, a))
        .cloned()
        .collect();
    let kept: Vec<Value> = after
        .iter()
        .filter(|a| contains(&before, a))
        .cloned()
        .collect();
    let changed = NOTIFY_FIELDS.iter().any(|k| old.get(*k) != new.get(*k));
    if !removed.is_empty() {
        cancel_for(store, owner_idx, &new, &removed, "");
    }
    if !added.is_empty() {
        invite(store, owner_idx, &new, &added, "newMeetingRequest", None);
    }
    if changed {
        // [unconfirmed] which update type Exchange picks.
        let kind = if time_changed {
            "fullUpdate"
        } else {
            "informationalUpdate"
        };
        invite(store, owner_idx, &new, &kept, kind, Some(&old));
        if new.get("type").and_then(Value::as_str) == Some("seriesMaster") {
            update_exceptions(store, owner_idx, &old, &new);
        }
    } else if !added.is_empty() || !removed.is_empty() {
        // Kept attendees see the new attendee list without a message.
        for a in &kept {
            if let Some(idx) = user_by_address(store, &address_of(a)) {
                upsert_copy(store, idx, &new, false);
            }
        }
    }
    Ok(new)
}

/// After a change of the series master `old` → `new`: each exception of the series
/// takes over the changed meeting properties it did not change itself (not the
/// times) [unconfirmed: Exchange's rule], and its attendees get one update for it –
/// "one notification for the master plus one per modified instance" (docs "Update
/// event").
fn update_exceptions(
    store: &mut Store,
    owner_idx: usize,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
) {
    const TIMES: [&str; 4] = ["start", "end", "recurrence", "isAllDay"];
    let now = store.now();
    let master_id = new.get("id").and_then(Value::as_str).unwrap_or("");
    let me = store.users[owner_idx].address.clone();
    let user = &store.users[owner_idx];
    let exceptions: Vec<usize> = series::exceptions_of(user, &CalRef::Any, master_id)
        .into_iter()
        .filter_map(|e| user.event_index(&CalRef::Any, e.id()))
        .collect();
    for i in exceptions {
        let before = store.users[owner_idx].events[i].json.clone();
        let mut ex = before.clone();
        for k in NOTIFY_FIELDS.iter().filter(|k| !TIMES.contains(k)) {
            if old.get(*k) != new.get(*k) && before.get(*k) == old.get(*k) {
                ex.insert((*k).into(), new.get(*k).cloned().unwrap_or(Value::Null));
                if *k == "body" {
                    let preview = new.get("bodyPreview").cloned().unwrap_or(Value::Null);
                    ex.insert("bodyPreview".into(), preview);
                }
            }
        }
        touch(&mut ex, now);
        store.users[owner_idx].events[i].json = ex.clone();
        if is_true(&ex, "isCancelled") {
            continue;
        }
        let attendees = others(&ex, &me);
        invite(
            store,
            owner_idx,
            &ex,
            &attendees,
            "informationalUpdate",
            Some(&before),
        );
    }
}

/// `DELETE …/events/{id}`: the event goes to Deleted Items [unconfirmed: Graph may
/// delete it for good]; deleting the organizer's meeting cancels it for the
/// attendees, without a comment (GRAPH-FACTS §5.2).
pub(crate) fn delete(store: &mut Store, owner_idx: usize, ev_idx: usize) {
    let ev = store.users[owner_idx].events[ev_idx].json.clone();
    if is_true(&ev, "isOrganizer") && !is_true(&ev, "isCancelled") {
        let me = store.users[owner_idx].address.clone();
        cancel_for(store, owner_idx, &ev, &others(&ev, &me), "");
    }
    to_deleted_items(store, owner_idx, ev_idx);
}

/// `POST …/events/{id}/cancel` (GRAPH-FACTS §5.3): organizer only; attendees get a
/// cancellation with the comment, the event goes to Deleted Items.
pub(crate) fn cancel(
    store: &mut Store,
    owner_idx: usize,
    ev_idx: usize,
    comment: &str,
) -> Result<(), GraphError> {
    let ev = store.users[owner_idx].events[ev_idx].json.clone();
    if !is_true(&ev, "isOrganizer") {
        // Documented text (event-cancel); the code is [unconfirmed].
        return Err(bad(
            "Your request can't be completed. You need to be an organizer to cancel a meeting.",
        ));
    }
    let me = store.users[owner_idx].address.clone();
    cancel_for(store, owner_idx, &ev, &others(&ev, &me), comment);
    let now = store.now();
    let stored = &mut store.users[owner_idx].events[ev_idx].json;
    stored.insert("isCancelled".into(), json!(true));
    touch(stored, now);
    to_deleted_items(store, owner_idx, ev_idx);
    Ok(())
}

/// `POST …/events/{id}/forward`: each recipient gets a meeting request (and, when a
/// sandbox user, a copy of the event); the organizer's attendee list is not changed
/// [unconfirmed].
pub(crate) fn forward(
    store: &mut Store,
    user_idx: usize,
    ev_idx: usize,
    to: &[Value],
    comment: &str,
) -> Result<(), GraphError> {
    if to.is_empty() {
        // As for sendMail without recipients (observed text).
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidRecipients",
            "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
        ));
    }
    let ev = store.users[user_idx].events[ev_idx].json.clone();
    let organizer = address_of(ev.get("organizer").unwrap_or(&Value::Null));
    for r in to {
        let address = address_of(r);
        if address == organizer {
            continue;
        }
        if let Some(idx) = user_by_address(store, &address) {
            if idx != user_idx {
                upsert_copy(store, idx, &ev, true);
            }
        }
    }
    let extra = request_extras(&ev, "newMeetingRequest", None);
    let (ty, content) = body_of(&ev);
    let content = match (comment.is_empty(), ty.as_str()) {
        (true, _) => content,
        (false, "text") => format!("{comment}\r\n\r\n{content}"),
        (false, _) => format!("<div>{}</div>{content}", escape(comment)),
    };
    // [unconfirmed] Outlook's "FW: " prefix on forwarded meeting requests.
    let draft = draft(&ev, format!("FW: {}", subject(&ev)), (&ty, content), to);
    deliver_with(store, user_idx, &draft, true, &extra);
    Ok(())
}

/// Sends meeting requests of type `request_type` for the organizer's event `ev` to
/// `recipients` and creates / updates the copies of those who are sandbox users.
/// `previous`: the event before an update (fills `previous…` properties).
fn invite(
    store: &mut Store,
    org_idx: usize,
    ev: &Map<String, Value>,
    recipients: &[Value],
    request_type: &str,
    previous: Option<&Map<String, Value>>,
) {
    if recipients.is_empty() {
        return;
    }
    let reset = request_type != "informationalUpdate";
    for r in recipients {
        if let Some(idx) = user_by_address(store, &address_of(r)) {
            if idx != org_idx {
                upsert_copy(store, idx, ev, reset);
            }
        }
    }
    // Like mail, meeting messages are kept in the sender's Sent Items (all
    // `deliver_with(…, true, …)` calls here) [unconfirmed for Graph].
    let extra = request_extras(ev, request_type, previous);
    let (ty, content) = body_of(ev);
    if is_true(ev, "hideAttendees") {
        // Each attendee only sees themselves (event: hideAttendees).
        for r in recipients {
            let d = draft(
                ev,
                subject(ev),
                (&ty, content.clone()),
                std::slice::from_ref(r),
            );
            deliver_with(store, org_idx, &d, true, &extra);
        }
    } else {
        let d = draft(ev, subject(ev), (&ty, content), recipients);
        deliver_with(store, org_idx, &d, true, &extra);
    }
}

/// Sends a cancellation of `ev` to `recipients` and marks their copies cancelled.
fn cancel_for(
    store: &mut Store,
    org_idx: usize,
    ev: &Map<String, Value>,
    recipients: &[Value],
    comment: &str,
) {
    if recipients.is_empty() {
        return;
    }
    let now = store.now();
    for r in recipients {
        let Some(idx) = user_by_address(store, &address_of(r)) else {
            continue;
        };
        if idx == org_idx {
            continue;
        }
        // For one occurrence: the attendee's occurrence, made an exception.
        if let Some(i) = series::counterpart(store, idx, ev) {
            let copy = &mut store.users[idx].events[i].json;
            copy.insert("isCancelled".into(), json!(true));
            touch(copy, now);
        }
    }
    let extra = common_extras("#microsoft.graph.eventMessage", "meetingCancelled", ev);
    let mut d = draft(
        ev,
        // Outlook's English prefix [unconfirmed for Graph].
        format!("Canceled: {}", subject(ev)),
        ("text", comment.to_string()),
        recipients,
    );
    // Outlook sends cancellations with high importance [unconfirmed for Graph].
    d.importance = "high".into();
    deliver_with(store, org_idx, &d, true, &extra);
}
