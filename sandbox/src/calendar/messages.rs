//! The `eventMessage`s of the meeting flow (GRAPH-FACTS §5.5): their extra
//! properties (`meetingMessageType`, `startDateTime`, …) on top of a plain message, and
//! the message itself (subject, body, recipients) as a [`Draft`] for delivery.

use serde_json::{json, Map, Value};

use super::is_true;
use super::render::span;
use super::zone::Zone;
use crate::message::{Draft, EVENT_UID_KEY};

/// Properties every `eventMessage` carries (GRAPH-FACTS §5.5); times in UTC.
pub(super) fn common_extras(
    odata_type: &str,
    message_type: &str,
    ev: &Map<String, Value>,
) -> Map<String, Value> {
    let utc = Zone::utc();
    let (start, end) = match span(ev) {
        Some((s, e)) => (utc.dtz(s), utc.dtz(e)),
        None => (Value::Null, Value::Null),
    };
    let mut m = Map::new();
    m.insert("@odata.type".into(), json!(odata_type));
    m.insert("meetingMessageType".into(), json!(message_type));
    m.insert("startDateTime".into(), start);
    m.insert("endDateTime".into(), end);
    m.insert(
        "location".into(),
        ev.get("location").cloned().unwrap_or(Value::Null),
    );
    m.insert("isAllDay".into(), json!(is_true(ev, "isAllDay")));
    m.insert("isDelegated".into(), json!(false));
    m.insert("isOutOfDate".into(), json!(false));
    m.insert(
        "type".into(),
        ev.get("type").cloned().unwrap_or(Value::Null),
    );
    m.insert(
        "recurrence".into(),
        ev.get("recurrence").cloned().unwrap_or(Value::Null),
    );
    m.insert(
        EVENT_UID_KEY.into(),
        ev.get("iCalUId").cloned().unwrap_or(Value::Null),
    );
    m
}

/// `eventMessageRequest` properties; `previous…` filled from the event before an
/// update when its time / location changed.
pub(super) fn request_extras(
    ev: &Map<String, Value>,
    request_type: &str,
    previous: Option<&Map<String, Value>>,
) -> Map<String, Value> {
    let mut m = common_extras("#microsoft.graph.eventMessageRequest", "meetingRequest", ev);
    m.insert("meetingRequestType".into(), json!(request_type));
    for k in ["allowNewTimeProposals", "responseRequested"] {
        m.insert(k.into(), json!(ev.get(k) != Some(&Value::Bool(false))));
    }
    let utc = Zone::utc();
    let (mut prev_start, mut prev_end, mut prev_location) = (Value::Null, Value::Null, Value::Null);
    if let Some(old) = previous {
        if let (Some((os, oe)), Some((ns, ne))) = (span(old), span(ev)) {
            if os != ns {
                prev_start = utc.dtz(os);
            }
            if oe != ne {
                prev_end = utc.dtz(oe);
            }
        }
        if old.get("location") != ev.get("location") {
            prev_location = old.get("location").cloned().unwrap_or(Value::Null);
        }
    }
    m.insert("previousStartDateTime".into(), prev_start);
    m.insert("previousEndDateTime".into(), prev_end);
    m.insert("previousLocation".into(), prev_location);
    m
}

/// A meeting message: required and resource attendees in To, optional ones in Cc
/// [unconfirmed]; plain recipients (no `type`) in To.
pub(super) fn draft(
    ev: &Map<String, Value>,
    subject: String,
    body: (&str, String),
    recipients: &[Value],
) -> Draft {
    let mut to = Vec::new();
    let mut cc = Vec::new();
    for r in recipients {
        let plain = json!({"emailAddress": r["emailAddress"]});
        if r.get("type").and_then(Value::as_str) == Some("optional") {
            cc.push(plain);
        } else {
            to.push(plain);
        }
    }
    Draft {
        subject: Some(subject),
        body_type: body.0.to_string(),
        body_content: body.1,
        importance: ev
            .get("importance")
            .and_then(Value::as_str)
            .unwrap_or("normal")
            .to_string(),
        to,
        cc,
        ..Draft::default()
    }
}

pub(super) fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

pub(super) fn subject(ev: &Map<String, Value>) -> String {
    ev.get("subject")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

pub(super) fn body_of(ev: &Map<String, Value>) -> (String, String) {
    let body = ev.get("body");
    (
        body.and_then(|b| b["contentType"].as_str())
            .unwrap_or("html")
            .to_string(),
        body.and_then(|b| b["content"].as_str())
            .unwrap_or("")
            .to_string(),
    )
}
