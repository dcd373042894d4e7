//! Attachments of Outlook items – messages and events alike (GRAPH-FACTS §4.1, §4.2):
//! `GET`/`POST …/attachments`, `GET`/`DELETE …/attachments/{id}`. Upload sessions are
//! in [`super::upload`]. Both work on an [`Item`]: the functions here find its stored
//! JSON and say how its changes are stamped.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::mailbox_items::attachment_out;
use super::mailbox_items::{message_index, messages_in, touch_item};
use super::request::{json_object, too_large, MailRequest, MAX_REQUEST};
use super::Item;
use crate::graph_error::{empty_response, json_response, GraphError};
use crate::message::{attachment_from_json, attachment_json, BLOB_KEY};
use crate::store::{ItemKind, Store};
use crate::wire::graph_time;

/// Attachments added with `POST …/attachments` must be smaller than 3 MB (GRAPH-FACTS §4.2).
const MAX_ATTACHMENT: usize = 3 * 1024 * 1024;

impl Item {
    pub(super) fn kind(&self) -> ItemKind {
        match self {
            Item::Message { .. } => ItemKind::Message,
            Item::Event { .. } => ItemKind::Event,
        }
    }

    pub(super) fn id(&self) -> &str {
        match self {
            Item::Message { id, .. } | Item::Event { id, .. } => id,
        }
    }

    /// `messages('{id}')` / `events('{id}')` for context URLs.
    fn context(&self) -> String {
        match self {
            Item::Message { id, .. } => format!("messages('{id}')"),
            Item::Event { id, .. } => format!("events('{id}')"),
        }
    }

    /// The stored JSON of the item in mailbox `user_idx`.
    pub(super) fn json<'a>(
        &self,
        store: &'a Store,
        user_idx: usize,
    ) -> Result<&'a Map<String, Value>, GraphError> {
        let user = &store.users[user_idx];
        match self {
            Item::Message { folder, id } => messages_in(user, folder.as_deref())?
                .into_iter()
                .find(|m| crate::message_view::has_id(m, id))
                .ok_or_else(GraphError::item_not_found),
            Item::Event { calendar, id } => user
                .event_index(calendar, id)
                .map(|i| &user.events[i].json)
                .ok_or_else(GraphError::item_not_found),
        }
    }

    /// 404 for an event the caller may not see (a private event of another user's
    /// calendar, GRAPH-FACTS §6.2); messages are always visible to whoever got here.
    pub(super) fn check_visible(
        &self,
        req: &MailRequest<'_>,
        store: &Store,
    ) -> Result<(), GraphError> {
        if let Item::Event { calendar, id } = self {
            let user = &store.users[req.user_idx];
            if let Some(i) = user.event_index(calendar, id) {
                if !req.can_see(store, &user.events[i]) {
                    return Err(GraphError::item_not_found());
                }
            }
        }
        Ok(())
    }

    /// Mutable access to the stored JSON, for a change. A message's original MIME no
    /// longer describes it afterwards, so it is dropped here.
    pub(super) fn json_mut<'a>(
        &self,
        store: &'a mut Store,
        user_idx: usize,
    ) -> Result<&'a mut Map<String, Value>, GraphError> {
        match self {
            Item::Message { folder, id } => {
                let idx = message_index(store, user_idx, folder.as_deref(), id)?;
                let msg = &mut store.users[user_idx].messages[idx];
                msg.mime = None;
                Ok(&mut msg.json)
            }
            Item::Event { calendar, id } => {
                let user = &mut store.users[user_idx];
                let i = user
                    .event_index(calendar, id)
                    .ok_or_else(GraphError::item_not_found)?;
                Ok(&mut user.events[i].json)
            }
        }
    }
}

/// Whether `$expand` asks for the `item` of an item attachment.
fn expands_item(req: &MailRequest<'_>) -> bool {
    req.param("$expand").is_some_and(|e| {
        e.split(',')
            .any(|x| x.trim().to_ascii_lowercase().ends_with("item"))
    })
}

/// `GET …/attachments`.
pub(super) fn list(req: &MailRequest<'_>, item: &Item) -> Result<Response, GraphError> {
    let store = req.state.lock();
    item.check_visible(req, &store)?;
    let json = item.json(&store, req.user_idx)?;
    let body = json!({
        "@odata.context": req.context_url(&store, &format!("{}/attachments", item.context())),
        "value": json
            .get("attachments")
            .and_then(Value::as_array)
            .map(|l| l.iter().map(|a| attachment_out(&store, a, expands_item(req))).collect::<Vec<_>>())
            .unwrap_or_default(),
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET …/attachments/{attachmentId}`.
pub(super) fn get(
    req: &MailRequest<'_>,
    item: &Item,
    attachment: &str,
) -> Result<Response, GraphError> {
    let store = req.state.lock();
    item.check_visible(req, &store)?;
    let json = item.json(&store, req.user_idx)?;
    let att = json
        .get("attachments")
        .and_then(Value::as_array)
        .and_then(|a| a.iter().find(|x| x["id"].as_str() == Some(attachment)))
        .ok_or_else(GraphError::item_not_found)?;
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(req.context_url(&store, &format!("{}/attachments/$entity", item.context()))),
    );
    if let Value::Object(a) = attachment_out(&store, att, expands_item(req)) {
        out.extend(a);
    }
    Ok(json_response(StatusCode::OK, &Value::Object(out)))
}

/// `POST …/attachments` with a `fileAttachment` (< 3 MB, GRAPH-FACTS §4.2) or an
/// `itemAttachment` → `201` + the attachment.
pub(super) fn add(req: &MailRequest<'_>, item: &Item) -> Result<Response, GraphError> {
    if req.too_large || req.body.len() > MAX_REQUEST {
        return Err(too_large());
    }
    let body = Value::Object(json_object(req.body)?);
    let att = attachment_from_json(&body)?;
    if att.bytes.len() >= MAX_ATTACHMENT {
        // [unconfirmed] Graph's status/code/text for a 3 MB+ attachment in this call.
        return Err(GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "ErrorAttachmentSizeShouldNotBeGreaterThanMaximumSize",
            "The attachment size must be less than 3 MB; use an upload session for larger files.",
        ));
    }
    let mut store = req.state.lock();
    item.check_visible(req, &store)?;
    let now = store.now();
    let json_att = attachment_json(&att, &graph_time(now));
    let json = item.json_mut(&mut store, req.user_idx)?;
    let mut list = json
        .get("attachments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    list.push(json_att.clone());
    json.insert("attachments".into(), Value::Array(list));
    if !att.is_inline {
        json.insert("hasAttachments".into(), json!(true));
    }
    touch_item(item.kind(), json, now);
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(req.context_url(&store, &format!("{}/attachments/$entity", item.context()))),
    );
    if let Value::Object(mut a) = json_att {
        // The `item` of an itemAttachment is only returned when expanded.
        a.remove("item");
        out.extend(a);
    }
    Ok(json_response(StatusCode::CREATED, &Value::Object(out)))
}

/// `DELETE …/attachments/{attachmentId}` → `204`.
pub(super) fn delete(
    req: &MailRequest<'_>,
    item: &Item,
    attachment: &str,
) -> Result<Response, GraphError> {
    let mut store = req.state.lock();
    item.check_visible(req, &store)?;
    let now = store.now();
    let json = item.json_mut(&mut store, req.user_idx)?;
    let mut list = json
        .get("attachments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let pos = list
        .iter()
        .position(|a| a["id"].as_str() == Some(attachment))
        .ok_or_else(GraphError::item_not_found)?;
    let removed = list.remove(pos);
    let has = list.iter().any(|a| a["isInline"].as_bool() != Some(true));
    json.insert("attachments".into(), Value::Array(list));
    json.insert("hasAttachments".into(), json!(has));
    touch_item(item.kind(), json, now);
    // Forget the blob of an uploaded attachment unless another item still refers to it.
    if let Some(blob) = removed.get(BLOB_KEY).and_then(Value::as_str) {
        let refers = |j: &Map<String, Value>| {
            j.get("attachments")
                .and_then(Value::as_array)
                .is_some_and(|l| l.iter().any(|a| a[BLOB_KEY].as_str() == Some(blob)))
        };
        let used = store.users.iter().any(|u| {
            u.messages.iter().any(|m| refers(&m.json)) || u.events.iter().any(|e| refers(&e.json))
        });
        if !used {
            store.blobs.remove(blob);
        }
    }
    Ok(empty_response(StatusCode::NO_CONTENT))
}
