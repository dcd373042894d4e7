//! Draft and message-item handlers: create (`POST …/messages`), `PATCH`, `DELETE`,
//! `$value` (MIME), `send`, `move`, `copy`.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use super::mailbox_items::{message_index, remove_message, touch_message};
use super::request::{
    check_if_match, content_type, destination_id, json_object, too_large, MailRequest, MAX_REQUEST,
};
use super::sending::{check_from, mime_draft};
use super::Route;
use crate::graph_error::{empty_response, json_response, GraphError};
use crate::message::{
    body_preview, recipient, render, resolve_message, store_copy, strip_odata, with_names,
    CopyKind, Draft, Envelope, Expand,
};
use crate::message_view::{immutable_id, View};
use crate::store::Store;
use crate::wire::{get_ci, graph_time};

/// Runs a draft / message-item route.
pub(super) fn handle(req: &MailRequest<'_>, route: Route) -> Result<Response, GraphError> {
    match route {
        Route::CreateMessage { folder } => create_message(req, folder.as_deref()),
        Route::UpdateMessage { folder, id } => update_message(req, folder.as_deref(), &id),
        Route::DeleteMessage { folder, id } => delete_message(req, folder.as_deref(), &id),
        Route::MessageValue { folder, id } => message_value(req, folder.as_deref(), &id),
        Route::SendDraft { folder, id } => send_draft(req, folder.as_deref(), &id),
        Route::MoveMessage { folder, id } => move_or_copy(req, folder.as_deref(), &id, true),
        Route::CopyMessage { folder, id } => move_or_copy(req, folder.as_deref(), &id, false),
        other => Err(GraphError::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            format!("The sandbox does not implement {other:?}."),
        )),
    }
}

fn entity_response(
    req: &MailRequest<'_>,
    store: &Store,
    status: StatusCode,
    msg: &Map<String, Value>,
) -> Response {
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(req.context_url(store, "messages/$entity")),
    );
    let view = View::from_headers(req.headers);
    let mut v = render(msg, None, &Expand::default());
    view.apply(&mut v, msg, None);
    if let Value::Object(m) = v {
        out.extend(m);
    }
    let mut resp = json_response(status, &Value::Object(out));
    view.mark_applied(&mut resp);
    resp
}

/// `POST …/messages` and `POST …/mailFolders/{folder}/messages` (GRAPH-FACTS §2.1).
fn create_message(req: &MailRequest<'_>, folder: Option<&str>) -> Result<Response, GraphError> {
    if req.too_large || req.body.len() > MAX_REQUEST {
        return Err(too_large());
    }
    let ct = content_type(req);
    let draft = if ct.starts_with("text/plain") {
        mime_draft(req.body)?
    } else {
        Draft::from_json(&json_object(req.body)?)?
    };
    let mut store = req.state.lock();
    let folder = folder.unwrap_or("drafts");
    if store.users[req.user_idx].folder(folder).is_none() {
        return Err(GraphError::item_not_found());
    }
    let env = Envelope::new(&store, req.user_idx, &draft, false);
    let msg = store_copy(
        &mut store,
        req.user_idx,
        folder,
        &draft,
        &env,
        CopyKind {
            is_read: true,
            show_bcc: true,
            is_draft: true,
        },
    );
    let mut resp = entity_response(req, &store, StatusCode::CREATED, &msg);
    // OData 4.01 Part 1 §11.4.2 requires `Location` on 201 for a created entity; that
    // Graph sends it for messages, and its exact form, is [unconfirmed].
    let shown_id = if View::from_headers(req.headers).immutable_ids {
        immutable_id(&msg).unwrap_or_default()
    } else {
        msg["id"].as_str().unwrap_or_default()
    };
    let location = format!(
        "{}/v1.0/users('{}')/messages('{}')",
        req.ctx.origin, store.users[req.user_idx].id, shown_id
    );
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert("location", v);
    }
    Ok(resp)
}

/// Properties that message-update documents as "updatable only if isDraft = true".
const DRAFT_ONLY: [&str; 9] = [
    "subject",
    "body",
    "toRecipients",
    "ccRecipients",
    "bccRecipients",
    "replyTo",
    "from",
    "sender",
    "internetMessageId",
];

/// Read-only properties: ignored in a PATCH body [unconfirmed: Graph may reject them].
const READ_ONLY: [&str; 12] = [
    "id",
    "changeKey",
    "createdDateTime",
    "lastModifiedDateTime",
    "receivedDateTime",
    "sentDateTime",
    "hasAttachments",
    "conversationId",
    "conversationIndex",
    "parentFolderId",
    "webLink",
    "bodyPreview",
];

fn recipients_value(store: &Store, v: &Value, name: &str) -> Result<Value, GraphError> {
    match v {
        Value::Null => Ok(json!([])),
        Value::Array(items) => {
            let list = items.iter().map(recipient).collect::<Result<Vec<_>, _>>()?;
            Ok(Value::Array(with_names(store, &list)))
        }
        // [unconfirmed] code/text for a malformed property.
        _ => Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidParameter",
            format!("The value of the property '{name}' is not valid."),
        )),
    }
}

/// Applies a PATCH body: only the given properties change; `null` clears one.
fn apply_patch(
    store: &Store,
    msg: &mut Map<String, Value>,
    patch: &Map<String, Value>,
) -> Result<(), GraphError> {
    let is_draft = msg.get("isDraft") == Some(&Value::Bool(true));
    for (key, value) in patch {
        if key.starts_with('@') {
            continue;
        }
        if READ_ONLY.iter().any(|p| p.eq_ignore_ascii_case(key))
            || key.eq_ignore_ascii_case("isDraft")
        {
            continue;
        }
        if !is_draft {
            if let Some(p) = DRAFT_ONLY.iter().find(|p| p.eq_ignore_ascii_case(key)) {
                // message-update: "Updatable only if isDraft = true". Code and text are
                // [unconfirmed].
                return Err(GraphError::new(
                    StatusCode::BAD_REQUEST,
                    "ErrorInvalidPropertyUpdateSentMessage",
                    format!(
                        "Update operation is not allowed for property '{p}' of a sent message."
                    ),
                ));
            }
        }
        match key.to_ascii_lowercase().as_str() {
            "subject" => {
                msg.insert(
                    "subject".into(),
                    value.as_str().map_or(Value::Null, |s| json!(s)),
                );
            }
            "internetmessageid" => {
                msg.insert("internetMessageId".into(), value.clone());
            }
            "body" => {
                let (ct, content) = match value.as_object() {
                    Some(b) => (
                        if get_ci(b, "contentType")
                            .and_then(Value::as_str)
                            .is_some_and(|c| c.eq_ignore_ascii_case("html"))
                        {
                            "html"
                        } else {
                            "text"
                        },
                        get_ci(b, "content")
                            .and_then(Value::as_str)
                            .unwrap_or("")
                            .to_string(),
                    ),
                    None => ("text", String::new()),
                };
                msg.insert("bodyPreview".into(), json!(body_preview(ct, &content)));
                msg.insert(
                    "body".into(),
                    json!({"contentType": ct, "content": content}),
                );
            }
            "importance" => {
                let i = match value.as_str() {
                    Some(i) if i.eq_ignore_ascii_case("low") => "low",
                    Some(i) if i.eq_ignore_ascii_case("high") => "high",
                    _ => "normal",
                };
                msg.insert("importance".into(), json!(i));
            }
            "torecipients" | "ccrecipients" | "bccrecipients" | "replyto" => {
                let canon = DRAFT_ONLY
                    .iter()
                    .find(|p| p.eq_ignore_ascii_case(key))
                    .copied()
                    .unwrap_or("toRecipients");
                msg.insert(canon.into(), recipients_value(store, value, canon)?);
            }
            "from" | "sender" => {
                let canon = if key.eq_ignore_ascii_case("from") {
                    "from"
                } else {
                    "sender"
                };
                let v = match value {
                    Value::Null => Value::Null,
                    v => with_names(store, &[recipient(v)?]).remove(0),
                };
                msg.insert(canon.into(), v);
            }
            "categories" => {
                let v = match value {
                    Value::Array(a) => Value::Array(a.clone()),
                    _ => json!([]),
                };
                msg.insert("categories".into(), v);
            }
            "flag" => {
                let v = match value {
                    Value::Object(_) => strip_odata(value),
                    _ => json!({"flagStatus": "notFlagged"}),
                };
                msg.insert("flag".into(), v);
            }
            "isread" | "isdeliveryreceiptrequested" | "isreadreceiptrequested" => {
                let canon = match key.to_ascii_lowercase().as_str() {
                    "isread" => "isRead",
                    "isdeliveryreceiptrequested" => "isDeliveryReceiptRequested",
                    _ => "isReadReceiptRequested",
                };
                msg.insert(canon.into(), json!(value.as_bool().unwrap_or(false)));
            }
            "inferenceclassification" => {
                msg.insert("inferenceClassification".into(), value.clone());
            }
            "singlevalueextendedproperties" | "multivalueextendedproperties" => {
                // One mechanism for messages and events (proptags lower-cased like
                // Graph echoes them; same id replaces).
                let canon = crate::extended::key_of(key).unwrap_or(crate::extended::SINGLE);
                crate::extended::merge_into(msg, canon, value)?;
            }
            "internetmessageheaders" => {
                // GRAPH-FACTS §4.4: only settable when creating the message.
                // [unconfirmed] Graph's code/text.
                return Err(GraphError::bad_request(
                    "The property 'internetMessageHeaders' can only be set when the message is created.",
                ));
            }
            _ => {
                // [unconfirmed] Graph's text for an unknown property.
                return Err(GraphError::bad_request(format!(
                    "Could not find a property named '{key}' on type 'microsoft.graph.message'."
                )));
            }
        }
    }
    Ok(())
}

/// `PATCH …/messages/{id}` (GRAPH-FACTS §2.2) → `200` + the updated message.
fn update_message(
    req: &MailRequest<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<Response, GraphError> {
    if req.too_large || req.body.len() > MAX_REQUEST {
        return Err(too_large());
    }
    let patch = json_object(req.body)?;
    let mut store = req.state.lock();
    let idx = message_index(&store, req.user_idx, folder, id)?;
    let mut msg = store.users[req.user_idx].messages[idx].json.clone();
    check_if_match(req, &msg)?;
    apply_patch(&store, &mut msg, &patch)?;
    touch_message(&mut msg, &graph_time(store.now()));
    let stored = &mut store.users[req.user_idx].messages[idx];
    stored.json = msg.clone();
    // The original MIME no longer describes the message.
    stored.mime = None;
    Ok(entity_response(req, &store, StatusCode::OK, &msg))
}

/// `DELETE …/messages/{id}` → `204`. Graph's message-delete removes the item from its
/// folder into the (hidden) Recoverable Items "Deletions" folder, not into Deleted Items
/// (use `move` with `deleteditems` for that): "Delete message"
/// (https://learn.microsoft.com/graph/api/message-delete) names only that
/// `recoverableitemsdeletions` folder, never Deleted Items [unconfirmed: observed, not
/// stated]. The sandbox does not model Recoverable Items, so the message is gone, as
/// after `permanentDelete`. Deleting a deferred message from the Outbox cancels its
/// sending.
fn delete_message(
    req: &MailRequest<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<Response, GraphError> {
    let mut store = req.state.lock();
    let idx = message_index(&store, req.user_idx, folder, id)?;
    check_if_match(req, &store.users[req.user_idx].messages[idx].json)?;
    remove_message(&mut store, req.user_idx, idx);
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// `GET …/messages/{id}/$value`: the message as RFC 5322 MIME text. The response
/// `Content-Type` (`text/plain`) is [unconfirmed].
fn message_value(
    req: &MailRequest<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<Response, GraphError> {
    let store = req.state.lock();
    let idx = message_index(&store, req.user_idx, folder, id)?;
    let stored = &store.users[req.user_idx].messages[idx];
    let bytes = match &stored.mime {
        Some(raw) => raw.clone(),
        None => build_mime(&resolve_message(&store, &stored.json)).into_bytes(),
    };
    let mut resp = Response::new(Body::from(bytes));
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("text/plain"));
    Ok(resp)
}

/// A header value: as is when ASCII, else an RFC 2047 `B` encoded word.
fn header_text(s: &str) -> String {
    if s.is_ascii() {
        s.to_string()
    } else {
        format!("=?UTF-8?B?{}?=", STANDARD.encode(s.as_bytes()))
    }
}

fn address_list(v: Option<&Value>) -> String {
    let one = |r: &Value| {
        let address = r["emailAddress"]["address"].as_str().unwrap_or("");
        match r["emailAddress"]["name"].as_str() {
            Some(n) if !n.is_empty() && n != address => {
                format!("{} <{address}>", header_text(n))
            }
            _ => address.to_string(),
        }
    };
    match v {
        Some(Value::Array(list)) => list.iter().map(one).collect::<Vec<_>>().join(", "),
        Some(r @ Value::Object(_)) => one(r),
        _ => String::new(),
    }
}

fn base64_lines(bytes: &[u8]) -> String {
    let b64 = STANDARD.encode(bytes);
    let mut out = String::new();
    for chunk in b64.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or(""));
        out.push_str("\r\n");
    }
    out
}

/// Builds RFC 5322 / MIME text from the stored properties of a message.
fn build_mime(msg: &Map<String, Value>) -> String {
    let mut h = String::new();
    let mut add = |name: &str, value: String| {
        if !value.is_empty() {
            h.push_str(&format!("{name}: {value}\r\n"));
        }
    };
    add("From", address_list(msg.get("from")));
    add("To", address_list(msg.get("toRecipients")));
    add("Cc", address_list(msg.get("ccRecipients")));
    add("Bcc", address_list(msg.get("bccRecipients")));
    add("Reply-To", address_list(msg.get("replyTo")));
    add(
        "Subject",
        header_text(msg.get("subject").and_then(Value::as_str).unwrap_or("")),
    );
    let date = msg
        .get("sentDateTime")
        .and_then(Value::as_str)
        .and_then(crate::message::parse_utc)
        .map(|t| t.to_rfc2822())
        .unwrap_or_default();
    add("Date", date);
    add(
        "Message-ID",
        msg.get("internetMessageId")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    );
    if let Some(Value::Array(headers)) = msg.get("internetMessageHeaders") {
        for x in headers {
            add(
                x["name"].as_str().unwrap_or("X-Unknown"),
                x["value"].as_str().unwrap_or("").to_string(),
            );
        }
    }
    add("MIME-Version", "1.0".to_string());
    let body = msg.get("body");
    let subtype = if body.and_then(|b| b["contentType"].as_str()) == Some("html") {
        "html"
    } else {
        "plain"
    };
    let content = body.and_then(|b| b["content"].as_str()).unwrap_or("");
    let body_part = format!(
        "Content-Type: text/{subtype}; charset=\"utf-8\"\r\nContent-Transfer-Encoding: base64\r\n\r\n{}",
        base64_lines(content.as_bytes())
    );
    let attachments = msg
        .get("attachments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if attachments.is_empty() {
        return format!("{h}{body_part}");
    }
    let boundary = format!("_sbx_{}_", uuid::Uuid::new_v4().simple());
    let mut out = format!("{h}Content-Type: multipart/mixed; boundary=\"{boundary}\"\r\n\r\n");
    out.push_str(&format!("--{boundary}\r\n{body_part}"));
    for a in attachments {
        let bytes = STANDARD
            .decode(a["contentBytes"].as_str().unwrap_or(""))
            .unwrap_or_default();
        let name = a["name"].as_str().unwrap_or("attachment");
        let ct = a["contentType"]
            .as_str()
            .unwrap_or("application/octet-stream");
        let disposition = if a["isInline"].as_bool() == Some(true) {
            "inline"
        } else {
            "attachment"
        };
        out.push_str(&format!(
            "--{boundary}\r\nContent-Type: {ct}; name=\"{name}\"\r\nContent-Disposition: {disposition}; filename=\"{name}\"\r\n"
        ));
        if let Some(cid) = a["contentId"].as_str() {
            out.push_str(&format!("Content-ID: <{cid}>\r\n"));
        }
        out.push_str(&format!(
            "Content-Transfer-Encoding: base64\r\n\r\n{}",
            base64_lines(&bytes)
        ));
    }
    out.push_str(&format!("--{boundary}--\r\n"));
    out
}

/// `411` for a POST without `Content-Length` (and not chunked): the IIS page Graph
/// answers with (quoted in sreeise/graph-rs-sdk#524 and in other IIS reports).
fn length_required() -> Response {
    let html = "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01//EN\"\"http://www.w3.org/TR/html4/strict.dtd\">\r\n<HTML><HEAD><TITLE>Length Required</TITLE>\r\n<META HTTP-EQUIV=\"Content-Type\" Content=\"text/html; charset=us-ascii\"></HEAD>\r\n<BODY><h2>Length Required</h2>\r\n<hr><p>HTTP Error 411. The request must be chunked or have a content length.</p>\r\n</BODY></HTML>\r\n";
    let mut resp = Response::new(Body::from(html));
    *resp.status_mut() = StatusCode::LENGTH_REQUIRED;
    resp.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/html; charset=us-ascii"),
    );
    resp
}

/// `POST …/messages/{id}/send` (GRAPH-FACTS §2.3, §3): `202`; the draft leaves its
/// folder and is submitted like `sendMail` (deferred when it carries a future
/// `SystemTime 0x3FEF`).
fn send_draft(
    req: &MailRequest<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<Response, GraphError> {
    if !req.headers.contains_key("content-length") && !req.headers.contains_key("transfer-encoding")
    {
        return Ok(length_required());
    }
    let mut store = req.state.lock();
    let idx = message_index(&store, req.user_idx, folder, id)?;
    let stored = store.users[req.user_idx].messages[idx].clone();
    if stored.json.get("isDraft") != Some(&Value::Bool(true)) {
        // [unconfirmed] Graph's code/text for sending a message that is not a draft.
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidOperation",
            "Only a draft message can be sent.",
        ));
    }
    let mut draft = Draft::from_json(&resolve_message(&store, &stored.json))?;
    draft.raw_mime = stored.mime.clone();
    // The Sent Items copy keeps the draft's immutable id.
    draft.immutable_id = immutable_id(&stored.json).map(str::to_string);
    if !draft.has_recipients() {
        // As for sendMail (observed text).
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidRecipients",
            "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
        ));
    }
    check_from(req, &store, &mut draft)?;
    // Refused before the draft leaves Drafts: nothing is sent.
    crate::outbox::check_size(&store, req.user_idx, &draft)?;
    store.users[req.user_idx].messages.remove(idx);
    crate::outbox::submit(&mut store, req.user_idx, &draft, true);
    Ok(empty_response(StatusCode::ACCEPTED))
}

/// `POST …/messages/{id}/move` and `/copy` with `{"destinationId": …}` → `201` + the
/// message in the destination folder: always a new REST id; a move keeps the immutable
/// id (shown with `Prefer: IdType="ImmutableId"`), a copy is a new item with a new one
/// (https://learn.microsoft.com/graph/outlook-immutable-id).
fn move_or_copy(
    req: &MailRequest<'_>,
    folder: Option<&str>,
    id: &str,
    is_move: bool,
) -> Result<Response, GraphError> {
    let body = json_object(req.body)?;
    let dest = destination_id(&body)?;
    let mut store = req.state.lock();
    let idx = message_index(&store, req.user_idx, folder, id)?;
    let dest_id = store.users[req.user_idx]
        .folder(dest)
        .map(|f| f.id.clone())
        .ok_or_else(GraphError::item_not_found)?;
    let new_idx = crate::mailbox_ops::relocate(&mut store, req.user_idx, idx, &dest_id, is_move);
    let msg = store.users[req.user_idx].messages[new_idx].json.clone();
    Ok(entity_response(req, &store, StatusCode::CREATED, &msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mime_has_headers_and_parts() {
        let msg = json!({
            "subject": "Grüße",
            "from": {"emailAddress": {"name": "Adele", "address": "adele@contoso.com"}},
            "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}],
            "body": {"contentType": "text", "content": "hi"},
            "internetMessageId": "<x@y>",
            "sentDateTime": "2026-01-02T03:04:05Z",
            "attachments": [{"name": "a.txt", "contentType": "text/plain", "contentBytes": "aGk=", "isInline": false}],
        });
        let m = build_mime(msg.as_object().unwrap());
        assert!(m.contains("Subject: =?UTF-8?B?"));
        assert!(m.contains("From: Adele <adele@contoso.com>\r\n"));
        assert!(m.contains("Message-ID: <x@y>\r\n"));
        assert!(m.contains("multipart/mixed"));
        assert!(m.contains("filename=\"a.txt\""));
        let parsed = crate::mime::parse(m.as_bytes()).unwrap();
        assert_eq!(parsed.subject.as_deref(), Some("Grüße"));
        assert_eq!(parsed.attachments.len(), 1);
    }
}
