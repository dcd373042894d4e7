//! An attendee's answer to a meeting request (GRAPH-FACTS §5.4): the attendee's copy
//! changes, the organizer's tracking is updated, and an `eventMessageResponse` goes to
//! the organizer.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::messages::{common_extras, draft, subject};
use super::zone::{format_utc7, Dtz, Zone};
use super::{address_of, is_true, series, to_deleted_items, touch, user_by_address};
use crate::graph_error::GraphError;
use crate::message::deliver_with;
use crate::store::Store;

/// An attendee's answer to a meeting request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reply {
    Accept,
    Tentative,
    Decline,
}

impl Reply {
    /// `responseType` value.
    fn response(self) -> &'static str {
        match self {
            Reply::Accept => "accepted",
            Reply::Tentative => "tentativelyAccepted",
            Reply::Decline => "declined",
        }
    }

    /// `meetingMessageType` value (v1.0 spells `meetingTenativelyAccepted`, §0.9).
    fn message_type(self) -> &'static str {
        match self {
            Reply::Accept => "meetingAccepted",
            Reply::Tentative => "meetingTenativelyAccepted",
            Reply::Decline => "meetingDeclined",
        }
    }

    /// Outlook's English subject prefix [unconfirmed for Graph-sent responses].
    fn prefix(self) -> &'static str {
        match self {
            Reply::Accept => "Accepted: ",
            Reply::Tentative => "Tentative: ",
            Reply::Decline => "Declined: ",
        }
    }
}

/// The parameters of `accept` / `tentativelyAccept` / `decline`.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub reply: Reply,
    pub comment: String,
    pub send: bool,
    pub proposed: Option<(Dtz, Dtz)>,
}

fn bad(message: &str) -> GraphError {
    // [unconfirmed] code for refused meeting responses (an Exchange code).
    GraphError::new(StatusCode::BAD_REQUEST, "ErrorInvalidRequest", message)
}

/// `accept` / `tentativelyAccept` / `decline` on an attendee's event (GRAPH-FACTS
/// §5.4). The organizer's tracking is updated only when the response is sent (it
/// travels with the response message) [unconfirmed].
pub(crate) fn respond(
    store: &mut Store,
    user_idx: usize,
    ev_idx: usize,
    r: &Response,
) -> Result<(), GraphError> {
    let copy = store.users[user_idx].events[ev_idx].json.clone();
    if is_true(&copy, "isOrganizer") {
        // [unconfirmed] code/text.
        return Err(bad(
            "Your request can't be completed. You can't respond to a meeting you organized.",
        ));
    }
    if let Some((start, end)) = &r.proposed {
        // Documented: proposals are refused when not allowed or not sent.
        // Codes/texts [unconfirmed].
        if copy.get("allowNewTimeProposals") == Some(&Value::Bool(false)) {
            return Err(bad(
                "Your request can't be completed. The meeting organizer doesn't allow new time proposals.",
            ));
        }
        if !r.send {
            return Err(bad(
                "Your request can't be completed. A new time can only be proposed when a response is sent (sendResponse must be true).",
            ));
        }
        if end.utc() <= start.utc() {
            return Err(bad(
                "Your request can't be completed. The end of the proposed new time must be after its start.",
            ));
        }
    }
    let now = store.now();
    let organizer = copy.get("organizer").cloned().unwrap_or(Value::Null);
    let organizer_idx = user_by_address(store, &address_of(&organizer));
    // For one occurrence: the organizer's occurrence, made an exception to track the
    // answer (calendar::series).
    let organizer_event = organizer_idx.and_then(|o| {
        let i = series::counterpart(store, o, &copy)?;
        is_true(&store.users[o].events[i].json, "isOrganizer").then_some((o, i))
    });
    let show_as = match r.reply {
        Reply::Tentative => json!("tentative"),
        // An accepted meeting blocks time as the organizer set it [unconfirmed].
        _ => organizer_event
            .and_then(|(o, i)| store.users[o].events[i].json.get("showAs").cloned())
            .unwrap_or_else(|| json!("busy")),
    };
    {
        let stored = &mut store.users[user_idx].events[ev_idx].json;
        stored.insert(
            "responseStatus".into(),
            json!({"response": r.reply.response(), "time": format_utc7(now)}),
        );
        stored.insert("showAs".into(), show_as);
        touch(stored, now);
    }
    if r.reply == Reply::Decline {
        to_deleted_items(store, user_idx, ev_idx);
    }
    if !r.send {
        return Ok(());
    }
    let me = store.users[user_idx].address.clone();
    let proposed = r.proposed.as_ref().map(|(s, e)| {
        let utc = Zone::utc();
        json!({"start": utc.dtz(s.utc()), "end": utc.dtz(e.utc())})
    });
    if let Some((o, i)) = organizer_event {
        let org = &mut store.users[o].events[i].json;
        if let Some(Value::Array(list)) = org.get_mut("attendees") {
            if let Some(a) = list
                .iter_mut()
                .find(|a| address_of(a).eq_ignore_ascii_case(&me))
            {
                a["status"] = json!({"response": r.reply.response(), "time": format_utc7(now)});
                match &proposed {
                    Some(p) => a["proposedNewTime"] = p.clone(),
                    None => {
                        if let Some(o) = a.as_object_mut() {
                            o.remove("proposedNewTime");
                        }
                    }
                }
            }
        }
        touch(org, now);
    }
    // Outlook's prefix for responses with a proposal [unconfirmed for Graph].
    let prefix = if proposed.is_some() {
        "New Time Proposed: "
    } else {
        r.reply.prefix()
    };
    let mut extra = common_extras(
        "#microsoft.graph.eventMessageResponse",
        r.reply.message_type(),
        &copy,
    );
    extra.insert("responseType".into(), json!(r.reply.response()));
    extra.insert("proposedNewTime".into(), proposed.unwrap_or(Value::Null));
    let draft = draft(
        &copy,
        format!("{prefix}{}", subject(&copy)),
        ("text", r.comment.clone()),
        std::slice::from_ref(&organizer),
    );
    deliver_with(store, user_idx, &draft, true, &extra);
    Ok(())
}
