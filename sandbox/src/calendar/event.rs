//! Building a Graph `event` from a create body and applying a PATCH body to one
//! (GRAPH-FACTS §5.1, §5.2): property validation, defaults, `location` / `locations`,
//! attendees, recurrence and time zones.

use axum::http::StatusCode;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use serde_json::{json, Map, Value};

use super::recurrence::Recurrence;
use super::zone::{format_utc7, Dtz, NO_TIME};
use super::{address_of, new_ical_uid, touch, web_link};
use crate::graph_error::GraphError;
use crate::message::{attachment_from_json, attachment_json, body_preview, recipient, with_names};
use crate::store::{opaque_id, random_b64, Store};
use crate::wire::{get_ci, graph_time};

/// Properties a client may set on create and PATCH (event-update documents these).
const WRITABLE: [&str; 22] = [
    "subject",
    "body",
    "start",
    "end",
    "isAllDay",
    "location",
    "locations",
    "attendees",
    "isOnlineMeeting",
    "onlineMeetingProvider",
    "allowNewTimeProposals",
    "responseRequested",
    "hideAttendees",
    "importance",
    "sensitivity",
    "showAs",
    "isReminderOn",
    "reminderMinutesBeforeStart",
    "recurrence",
    "categories",
    // Merged, not replaced (crate::extended; docs "Create single-value extended
    // property", Example for event: 201).
    crate::extended::SINGLE,
    crate::extended::MULTI,
];

/// Settable only when creating (`transactionId` is the client's dedupe key;
/// `attachments` can be given inline).
const CREATE_ONLY: [&str; 2] = ["transactionId", "attachments"];

/// Server-maintained properties: ignored on create, refused on PATCH [unconfirmed:
/// Graph's exact handling].
const READ_ONLY: [&str; 21] = [
    "id",
    "iCalUId",
    "organizer",
    "isOrganizer",
    "changeKey",
    "createdDateTime",
    "lastModifiedDateTime",
    "type",
    "seriesMasterId",
    "responseStatus",
    "webLink",
    "hasAttachments",
    "bodyPreview",
    "originalStart",
    "originalStartTimeZone",
    "originalEndTimeZone",
    "isCancelled",
    "isDraft",
    "cancelledOccurrences",
    "onlineMeeting",
    "onlineMeetingUrl",
];

/// Graph's limit of attendees per event (GRAPH-FACTS §5.1).
const MAX_ATTENDEES: usize = 500;

/// 400 for an invalid event property. Code [unconfirmed] (an Exchange code).
pub(crate) fn invalid(message: impl Into<String>) -> GraphError {
    GraphError::new(StatusCode::BAD_REQUEST, "ErrorInvalidRequest", message)
}

fn canonical(key: &str) -> Option<&'static str> {
    WRITABLE
        .iter()
        .chain(CREATE_ONLY.iter())
        .chain(READ_ONLY.iter())
        .find(|p| p.eq_ignore_ascii_case(key))
        .copied()
}

/// The location of an event without one, as Graph returns it.
pub(crate) fn empty_location() -> Value {
    json!({"displayName": "", "locationType": "default", "uniqueIdType": "unknown", "address": {}, "coordinates": {}})
}

/// A new event for mailbox `owner_idx` (its organizer) from a create body; not stored.
pub(crate) fn create(
    store: &Store,
    owner_idx: usize,
    body: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<Map<String, Value>, GraphError> {
    let id = opaque_id("AAMkA", 110);
    let change_key = random_b64(16);
    let t = format_utc7(now);
    // Two literals: one would exceed the `json!` macro's recursion limit.
    let Value::Object(mut ev) = json!({
        "@odata.etag": format!("W/\"{change_key}\""),
        "id": id,
        "createdDateTime": t,
        "lastModifiedDateTime": t,
        "changeKey": change_key,
        "categories": [],
        "transactionId": null,
        "originalStartTimeZone": null,
        "originalEndTimeZone": null,
        "iCalUId": new_ical_uid(),
        "reminderMinutesBeforeStart": 15,
        "isReminderOn": true,
        "hasAttachments": false,
        "subject": "",
        "bodyPreview": "",
        "importance": "normal",
        "sensitivity": "normal",
        "isAllDay": false,
        "isCancelled": false,
        "isOrganizer": true,
    }) else {
        unreachable!("a JSON object literal")
    };
    let Value::Object(more) = json!({
        "responseRequested": true,
        "seriesMasterId": null,
        "showAs": "busy",
        "type": "singleInstance",
        "webLink": web_link(&id),
        "onlineMeetingUrl": null,
        "isOnlineMeeting": false,
        "onlineMeetingProvider": "unknown",
        "allowNewTimeProposals": true,
        "isDraft": false,
        "hideAttendees": false,
        "cancelledOccurrences": [],
        "responseStatus": {"response": "organizer", "time": NO_TIME},
        // Empty HTML body, 15-minute reminder: Outlook's defaults [unconfirmed].
        "body": {"contentType": "html", "content": ""},
        "start": null,
        "end": null,
        "location": empty_location(),
        "locations": [],
        "recurrence": null,
        "attendees": [],
        "organizer": store.users[owner_idx].recipient(),
        "onlineMeeting": null,
        "attachments": [],
    }) else {
        unreachable!("a JSON object literal")
    };
    ev.extend(more);
    apply(store, &mut ev, body, true, now)?;
    finalize(&mut ev)?;
    Ok(ev)
}

/// `old` with a PATCH body applied, a new change key and `lastModifiedDateTime`.
/// Attendees who stay keep their response status.
pub(crate) fn patch(
    store: &Store,
    old: &Map<String, Value>,
    body: &Map<String, Value>,
    now: DateTime<Utc>,
) -> Result<Map<String, Value>, GraphError> {
    let mut ev = old.clone();
    apply(store, &mut ev, body, false, now)?;
    if let (Some(Value::Array(new)), Some(Value::Array(before))) =
        (ev.get_mut("attendees"), old.get("attendees"))
    {
        for a in new.iter_mut() {
            let addr = address_of(a);
            if let Some(prev) = before.iter().find(|b| address_of(b) == addr) {
                for k in ["status", "proposedNewTime"] {
                    if let Some(v) = prev.get(k) {
                        a[k] = v.clone();
                    }
                }
            }
        }
    }
    finalize(&mut ev)?;
    touch(&mut ev, now);
    Ok(ev)
}

fn apply(
    store: &Store,
    ev: &mut Map<String, Value>,
    body: &Map<String, Value>,
    creating: bool,
    now: DateTime<Utc>,
) -> Result<(), GraphError> {
    for (key, value) in body {
        if key.starts_with('@') {
            // `@odata.type` and other annotations are tolerated anywhere.
            continue;
        }
        let Some(canon) = canonical(key) else {
            // [unconfirmed] Graph's text for an unknown property (event is an open type
            // in the CSDL; refusing catches client typos).
            return Err(GraphError::bad_request(format!(
                "Could not find a property named '{key}' on type 'microsoft.graph.event'."
            )));
        };
        let read_only = READ_ONLY.contains(&canon);
        if read_only && creating {
            continue;
        }
        if read_only || (!creating && CREATE_ONLY.contains(&canon)) {
            // [unconfirmed] status/code/text for setting a read-only property.
            return Err(invalid(format!(
                "The property '{canon}' is read-only and cannot be set."
            )));
        }
        set(store, ev, canon, value, now)?;
    }
    // Setting `location` replaces `locations` (GRAPH-FACTS §5.1); setting `locations`
    // derives `location` from it.
    let given = |name: &str| body.keys().any(|k| k.eq_ignore_ascii_case(name));
    match (given("location"), given("locations")) {
        (true, false) => {
            let loc = ev.get("location").cloned().unwrap_or_else(empty_location);
            let named = loc["displayName"].as_str().is_some_and(|n| !n.is_empty());
            ev.insert(
                "locations".into(),
                json!(if named { vec![loc] } else { vec![] }),
            );
        }
        (false, true) => {
            let list = ev
                .get("locations")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            ev.insert("location".into(), location_of(&list));
        }
        _ => {}
    }
    Ok(())
}

/// `location` derived from `locations`: the only one, or the display names joined
/// with "; " [unconfirmed: Outlook's joined form].
fn location_of(list: &[Value]) -> Value {
    match list {
        [] => empty_location(),
        [one] => one.clone(),
        many => {
            let names: Vec<&str> = many
                .iter()
                .filter_map(|l| l["displayName"].as_str())
                .collect();
            let joined = names.join("; ");
            json!({"displayName": joined, "locationType": "default", "uniqueId": joined, "uniqueIdType": "private"})
        }
    }
}

fn wrong_type(name: &str) -> GraphError {
    // [unconfirmed] Graph's text for a value of the wrong JSON type.
    GraphError::bad_request(format!("The value of the property '{name}' is not valid."))
}

fn enum_value(name: &str, v: &Value, allowed: &[&'static str]) -> Result<Value, GraphError> {
    let s = v.as_str().ok_or_else(|| wrong_type(name))?;
    allowed
        .iter()
        .find(|a| a.eq_ignore_ascii_case(s))
        .map(|a| json!(a))
        // .NET's enum-parse text, as Graph reports for unknown enum members
        // [unconfirmed].
        .ok_or_else(|| GraphError::bad_request(format!("Requested value '{s}' was not found.")))
}

fn set(
    store: &Store,
    ev: &mut Map<String, Value>,
    name: &'static str,
    v: &Value,
    now: DateTime<Utc>,
) -> Result<(), GraphError> {
    if let Some(key) = crate::extended::key_of(name) {
        return crate::extended::merge_into(ev, key, v);
    }
    let value = match name {
        "subject" => json!(v.as_str().unwrap_or("")),
        "body" => {
            let (ct, content) = match v.as_object() {
                Some(b) => (
                    if get_ci(b, "contentType")
                        .and_then(Value::as_str)
                        .is_some_and(|c| c.eq_ignore_ascii_case("text"))
                    {
                        "text"
                    } else {
                        "html"
                    },
                    get_ci(b, "content").and_then(Value::as_str).unwrap_or(""),
                ),
                None => ("html", ""),
            };
            ev.insert("bodyPreview".into(), json!(body_preview(ct, content)));
            json!({"contentType": ct, "content": content})
        }
        "start" | "end" => {
            let d = Dtz::from_json(v, name)?;
            let original = if name == "start" {
                "originalStartTimeZone"
            } else {
                "originalEndTimeZone"
            };
            ev.insert(original.into(), json!(d.zone.name));
            d.to_json()
        }
        "isAllDay"
        | "isOnlineMeeting"
        | "allowNewTimeProposals"
        | "responseRequested"
        | "hideAttendees"
        | "isReminderOn" => json!(v.as_bool().ok_or_else(|| wrong_type(name))?),
        "importance" => enum_value(name, v, &["low", "normal", "high"])?,
        "sensitivity" => enum_value(name, v, &["normal", "personal", "private", "confidential"])?,
        "showAs" => enum_value(
            name,
            v,
            &[
                "free",
                "tentative",
                "busy",
                "oof",
                "workingElsewhere",
                "unknown",
            ],
        )?,
        "onlineMeetingProvider" => enum_value(
            name,
            v,
            &[
                "unknown",
                "skypeForBusiness",
                "skypeForConsumer",
                "teamsForBusiness",
            ],
        )?,
        "reminderMinutesBeforeStart" => json!(v.as_i64().ok_or_else(|| wrong_type(name))?),
        "location" => location(v)?,
        "locations" => match v {
            Value::Null => json!([]),
            Value::Array(items) => {
                Value::Array(items.iter().map(location).collect::<Result<_, _>>()?)
            }
            _ => return Err(wrong_type(name)),
        },
        "attendees" => attendees(store, v)?,
        "recurrence" => match v {
            Value::Null | Value::Object(_) => v.clone(),
            _ => return Err(wrong_type(name)),
        },
        "categories" => match v {
            Value::Null => json!([]),
            Value::Array(items) if items.iter().all(Value::is_string) => v.clone(),
            _ => return Err(wrong_type(name)),
        },
        "transactionId" => match v {
            Value::Null | Value::String(_) => v.clone(),
            _ => return Err(wrong_type(name)),
        },
        "attachments" => {
            let t = graph_time(now);
            let mut list = Vec::new();
            for a in v.as_array().ok_or_else(|| wrong_type(name))? {
                list.push(attachment_json(&attachment_from_json(a)?, &t));
            }
            let has = list.iter().any(|a| a["isInline"].as_bool() != Some(true));
            ev.insert("hasAttachments".into(), json!(has));
            Value::Array(list)
        }
        _ => return Err(wrong_type(name)),
    };
    ev.insert(name.into(), value);
    Ok(())
}

/// Normalises a `location` (unknown members and annotations dropped).
fn location(v: &Value) -> Result<Value, GraphError> {
    let o = match v {
        Value::Null => return Ok(empty_location()),
        Value::Object(o) => o,
        _ => return Err(wrong_type("location")),
    };
    let mut out = Map::new();
    for key in [
        "displayName",
        "locationType",
        "locationEmailAddress",
        "locationUri",
        "uniqueId",
        "uniqueIdType",
        "address",
        "coordinates",
    ] {
        if let Some(x) = get_ci(o, key).filter(|x| !x.is_null()) {
            out.insert(key.into(), x.clone());
        }
    }
    let name = out
        .get("displayName")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    out.entry("displayName").or_insert(json!(""));
    out.entry("locationType").or_insert(json!("default"));
    if name.is_empty() {
        out.entry("uniqueIdType").or_insert(json!("unknown"));
    } else {
        // Graph's shape for a free-text location (docs examples).
        out.entry("uniqueId").or_insert(json!(name));
        out.entry("uniqueIdType").or_insert(json!("private"));
    }
    Ok(Value::Object(out))
}

fn attendees(store: &Store, v: &Value) -> Result<Value, GraphError> {
    let items = match v {
        Value::Null => return Ok(json!([])),
        Value::Array(items) => items,
        _ => return Err(wrong_type("attendees")),
    };
    if items.len() > MAX_ATTENDEES {
        // [unconfirmed] code/text; the limit is documented.
        return Err(invalid(format!(
            "An event can have at most {MAX_ATTENDEES} attendees."
        )));
    }
    let mut out: Vec<Value> = Vec::new();
    for a in items {
        let r = with_names(store, &[recipient(a)?]).remove(0);
        if out.iter().any(|x| address_of(x) == address_of(&r)) {
            continue;
        }
        let ty = match a.as_object().and_then(|o| get_ci(o, "type")) {
            None | Some(Value::Null) => json!("required"),
            Some(t) => enum_value("type", t, &["required", "optional", "resource"])?,
        };
        out.push(json!({
            "type": ty,
            "status": {"response": "none", "time": NO_TIME},
            "emailAddress": r["emailAddress"],
        }));
    }
    Ok(Value::Array(out))
}

/// Cross-property checks and derived properties: start/end present and ordered,
/// all-day times, recurrence (normalised, series start moved to the first
/// occurrence), online meeting defaults.
fn finalize(ev: &mut Map<String, Value>) -> Result<(), GraphError> {
    let (Some(start), Some(end)) = (
        ev.get("start").filter(|v| !v.is_null()),
        ev.get("end").filter(|v| !v.is_null()),
    ) else {
        // [unconfirmed] code/text for an event without start or end.
        return Err(invalid("An event needs both 'start' and 'end'."));
    };
    let mut s = Dtz::from_json(start, "start")?;
    let mut e = Dtz::from_json(end, "end")?;
    if e.utc() < s.utc() {
        // Exchange's response code for this case (EWS ResponseCodeType); that Graph
        // passes it through, and the text, are [unconfirmed].
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorCalendarEndDateIsEarlierThanStartDate",
            "The end date occurs before the start date.",
        ));
    }
    if ev.get("isAllDay") == Some(&Value::Bool(true)) {
        let midnight = NaiveTime::MIN;
        if s.local.time() != midnight || e.local.time() != midnight || e.local <= s.local {
            // [unconfirmed] code/text.
            return Err(invalid(
                "The start and end of an all-day event must be at midnight, at least one day apart.",
            ));
        }
    }
    match ev.get("recurrence").filter(|v| !v.is_null()).cloned() {
        Some(rec) => {
            let r = Recurrence::parse(&rec, s.local.date())?;
            let first = r.dates_limited(NaiveDate::MAX, 1);
            let Some(first) = first.first() else {
                // [unconfirmed] code/text.
                return Err(invalid("The recurrence pattern has no occurrences."));
            };
            // The series starts with its first occurrence [unconfirmed].
            let shift = Duration::days((*first - s.local.date()).num_days());
            s.local += shift;
            e.local += shift;
            ev.insert("recurrence".into(), r.to_json(&s.zone.name));
            ev.insert("type".into(), json!("seriesMaster"));
        }
        None => {
            ev.insert("recurrence".into(), Value::Null);
            if ev.get("type").and_then(Value::as_str) == Some("seriesMaster") {
                ev.insert("type".into(), json!("singleInstance"));
            }
        }
    }
    ev.insert("start".into(), s.to_json());
    ev.insert("end".into(), e.to_json());
    if ev.get("isOnlineMeeting") == Some(&Value::Bool(true)) {
        if ev.get("onlineMeetingProvider").and_then(Value::as_str) == Some("unknown") {
            // The tenant default provider.
            ev.insert("onlineMeetingProvider".into(), json!("teamsForBusiness"));
        }
        if ev.get("onlineMeeting").map_or(true, Value::is_null) {
            // [unconfirmed] shape of the generated join URL.
            let join = format!(
                "https://teams.microsoft.com/l/meetup-join/19%3ameeting_{}%40thread.v2/0",
                uuid::Uuid::new_v4().simple()
            );
            ev.insert("onlineMeeting".into(), json!({"joinUrl": join}));
        }
    } else {
        ev.insert("onlineMeeting".into(), Value::Null);
        ev.insert("onlineMeetingProvider".into(), json!("unknown"));
    }
    Ok(())
}
