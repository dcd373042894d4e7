//! `POST …/translateExchangeIds` (GRAPH-FACTS-2 §7.6; "user: translateExchangeIds"
//! <https://learn.microsoft.com/graph/api/user-translateexchangeids>): converts ids between
//! `ewsId`, `entryId`, `immutableEntryId`, `restId` and `restImmutableEntryId`, consistently
//! with the ids the sandbox hands out (see [`crate::exchange_ids`]).
//!
//! * Parameters `inputIds`, `sourceIdType`, `targetIdType`, read case-insensitively
//!   (the CSDL spells them PascalCase).
//! * "Maximum size of this collection is 1000 strings": more → `400`; the code and
//!   text are not documented \[unconfirmed\].
//! * `200` `{value: [convertIdResult]}` in input order: `{sourceId, targetId}`, or
//!   `{sourceId, errorDetails: {code, message}}` for an id that is not well-formed for
//!   its type (`ErrorInvalidIdMalformed`, EWS's code) or names no message or event of
//!   the mailbox (`ErrorItemNotFound`) – codes and texts \[unconfirmed\].

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::request::{json_object, MailRequest};
use crate::exchange_ids::{decode, encode, IdFormat, ItemIds, Key};
use crate::graph_error::{json_response, GraphError};
use crate::message_view::immutable_id;
use crate::wire::get_ci;

/// The documented maximum of `inputIds`.
const MAX_IDS: usize = 1000;

pub(super) fn translate(req: &MailRequest<'_>) -> Result<Response, GraphError> {
    let body = json_object(req.body)?;
    let inputs: Vec<&str> = match get_ci(&body, "inputIds") {
        Some(Value::Array(list)) => list
            .iter()
            .map(Value::as_str)
            .collect::<Option<_>>()
            .ok_or_else(|| GraphError::invalid_parameter("inputIds must be strings."))?,
        _ => {
            return Err(GraphError::invalid_parameter(
                "The parameter 'inputIds' is missing.",
            ))
        }
    };
    if inputs.len() > MAX_IDS {
        return Err(GraphError::invalid_parameter(format!(
            "The number of ids in 'inputIds' ({}) exceeds the maximum of {MAX_IDS}.",
            inputs.len()
        )));
    }
    let source = format_param(&body, "sourceIdType")?;
    let target = format_param(&body, "targetIdType")?;

    let store = req.state.lock();
    let user = &store.users[req.user_idx];
    let items: Vec<ItemIds<'_>> = user
        .messages
        .iter()
        .map(|m| {
            let rest = m.json.get("id").and_then(Value::as_str).unwrap_or("");
            ItemIds {
                rest,
                immutable: immutable_id(&m.json).unwrap_or(rest),
            }
        })
        .chain(user.events.iter().map(|e| {
            let id = e.json.get("id").and_then(Value::as_str).unwrap_or("");
            ItemIds {
                rest: id,
                immutable: id,
            }
        }))
        .collect();
    let mut by_rest: HashMap<&str, usize> = HashMap::with_capacity(items.len());
    let mut by_immutable: HashMap<&str, usize> = HashMap::with_capacity(items.len());
    for (i, ids) in items.iter().enumerate() {
        by_rest.insert(ids.rest, i);
        by_immutable.insert(ids.immutable, i);
    }

    let value: Vec<Value> = inputs
        .iter()
        .map(|input| {
            let found = match decode(input, source) {
                None => Err(("ErrorInvalidIdMalformed", "Id is malformed.")),
                Some(key) => match &key {
                    Key::Rest(id) => by_rest.get(id.as_str()),
                    Key::Immutable(id) => by_immutable.get(id.as_str()),
                    Key::Either(id) => by_rest
                        .get(id.as_str())
                        .or_else(|| by_immutable.get(id.as_str())),
                }
                .ok_or((
                    "ErrorItemNotFound",
                    "The specified object was not found in the store.",
                )),
            };
            match found {
                Ok(&i) => json!({"sourceId": input, "targetId": encode(items[i], target)}),
                Err((code, message)) => json!({
                    "sourceId": input,
                    "errorDetails": {"code": code, "message": message},
                }),
            }
        })
        .collect();
    let out = json!({
        "@odata.context": format!(
            "{}/v1.0/$metadata#Collection(microsoft.graph.convertIdResult)",
            req.ctx.origin
        ),
        "value": value,
    });
    Ok(json_response(StatusCode::OK, &out))
}

/// A required `exchangeIdFormat` parameter; `400` when missing or unknown (code and
/// text \[unconfirmed\]).
fn format_param(body: &serde_json::Map<String, Value>, name: &str) -> Result<IdFormat, GraphError> {
    let raw = get_ci(body, name).and_then(Value::as_str).unwrap_or("");
    IdFormat::parse(raw).ok_or_else(|| {
        GraphError::invalid_parameter(format!(
            "The value '{raw}' of the parameter '{name}' is not a valid exchangeIdFormat."
        ))
    })
}
