//! Meeting actions on an event (GRAPH-FACTS §5.3, §5.4): `accept`,
//! `tentativelyAccept`, `decline`, `cancel`, `forward` → `202` with an empty body.
//! Parameters in camelCase or PascalCase (`comment` / `Comment`, …); `@odata.*`
//! members ignored; any other member is refused like an unknown action parameter.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};

use super::calendar_paths::EventAction;
use super::event_target::{stored_index, with_event};
use super::request::{action_body, MailRequest};
use crate::calendar::meeting;
use crate::calendar::response::{self, Reply};
use crate::calendar::zone::Dtz;
use crate::calendar::{series, CalRef};
use crate::graph_error::{empty_response, GraphError};
use crate::message::recipients;
use crate::wire::get_ci;

/// The action's name and its parameters (CSDL names, compared case-insensitively).
fn signature(action: EventAction) -> (&'static str, &'static [&'static str]) {
    match action {
        EventAction::Reply(Reply::Accept) => ("accept", &["Comment", "SendResponse"]),
        EventAction::Reply(Reply::Tentative) => (
            "tentativelyAccept",
            &["Comment", "SendResponse", "ProposedNewTime"],
        ),
        EventAction::Reply(Reply::Decline) => {
            ("decline", &["Comment", "SendResponse", "ProposedNewTime"])
        }
        EventAction::Cancel => ("cancel", &["Comment"]),
        EventAction::Forward => ("forward", &["ToRecipients", "Comment"]),
    }
}

/// `accept` has no `ProposedNewTime` (GRAPH-FACTS §5.4), so sending one is refused.
fn parameters(
    req: &MailRequest<'_>,
    action: EventAction,
) -> Result<Map<String, Value>, GraphError> {
    let (name, allowed) = signature(action);
    action_body(req, name, allowed)
}

fn comment(body: &Map<String, Value>) -> Result<String, GraphError> {
    match get_ci(body, "comment") {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        // [unconfirmed] text.
        Some(_) => Err(GraphError::bad_request(
            "Cannot convert the value of the parameter 'Comment' to the expected type 'Edm.String'.",
        )),
    }
}

fn send_response(body: &Map<String, Value>) -> Result<bool, GraphError> {
    match get_ci(body, "sendResponse") {
        // Documented default: true (GRAPH-FACTS §5.4).
        None | Some(Value::Null) => Ok(true),
        Some(Value::Bool(b)) => Ok(*b),
        // [unconfirmed] text.
        Some(_) => Err(GraphError::bad_request(
            "Cannot convert the literal to the expected type 'Edm.Boolean' for parameter 'SendResponse'.",
        )),
    }
}

fn proposed_new_time(body: &Map<String, Value>) -> Result<Option<(Dtz, Dtz)>, GraphError> {
    let slot = match get_ci(body, "proposedNewTime") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(o)) => o,
        // [unconfirmed] text.
        Some(_) => {
            return Err(GraphError::bad_request(
                "The value of the parameter 'ProposedNewTime' is not a valid timeSlot.",
            ))
        }
    };
    let part = |name: &str| {
        get_ci(slot, name)
            .map(|v| Dtz::from_json(v, name))
            .unwrap_or_else(|| {
                // [unconfirmed] text.
                Err(GraphError::bad_request(format!(
                    "The timeSlot of 'ProposedNewTime' needs '{name}'."
                )))
            })
    };
    Ok(Some((part("start")?, part("end")?)))
}

/// Runs an action on event `id` of the mailbox.
pub(super) fn handle(
    req: &MailRequest<'_>,
    cal: &CalRef,
    id: &str,
    action: EventAction,
) -> Result<Response, GraphError> {
    let body = parameters(req, action)?;
    let comment = comment(&body)?;
    let mut store = req.state.lock();
    let reply = match action {
        EventAction::Reply(reply) => reply,
        EventAction::Cancel => {
            // One occurrence of a series becomes an exception first (calendar::series).
            with_event(req, &mut store, cal, id, |store, idx| {
                req.acting(store, |store| {
                    meeting::cancel(store, req.user_idx, idx, &comment)
                })
            })?;
            return Ok(empty_response(StatusCode::ACCEPTED));
        }
        EventAction::Forward => {
            let to = recipients(&body, "toRecipients")?;
            let (idx, created) = stored_index(req, &mut store, cal, id)?;
            let result = req.acting(&mut store, |store| {
                meeting::forward(store, req.user_idx, idx, &to, &comment)
            });
            // Forwarding one occurrence does not change it: it stays an occurrence
            // [unconfirmed].
            if created {
                series::discard(&mut store, req.user_idx, idx);
            }
            result?;
            return Ok(empty_response(StatusCode::ACCEPTED));
        }
    };
    let answer = response::Response {
        reply,
        comment,
        send: send_response(&body)?,
        proposed: proposed_new_time(&body)?,
    };
    with_event(req, &mut store, cal, id, |store, idx| {
        req.acting(store, |store| {
            response::respond(store, req.user_idx, idx, &answer)
        })
    })?;
    Ok(empty_response(StatusCode::ACCEPTED))
}
