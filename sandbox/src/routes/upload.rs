//! Outlook attachment upload sessions (GRAPH-FACTS §4.3): `POST
//! …/messages/{id}/attachments/createUploadSession` (and `…/events/{id}/…`) under
//! `/v1.0`, and the pre-authenticated upload URL outside `/v1.0` that takes the byte
//! ranges.
//!
//! The upload URL imitates Outlook's
//! `https://outlook.office.com/api/v2.0/Users('…')/Messages('…')/AttachmentSessions('…')?authtoken=…`
//! as `{origin}/upload/api/v2.0/Users('{user}@{tenant}')/Messages('{message}')/AttachmentSessions('{session}')?authtoken={token}`.
//! Received bytes are appended to one buffer allocated once with the declared size,
//! and the finished buffer becomes the attachment's blob without another copy.

use std::sync::Arc;

use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::mailbox_items::touch_item;
use super::request::MailRequest;
use super::Item;
use crate::calendar::zone::format_utc7;
use crate::calendar::CalRef;
use crate::graph_error::{empty_response, json_response, GraphError, RequestContext};
use crate::message::BLOB_KEY;
use crate::state::AppState;
use crate::store::{opaque_id, random_b64, ItemKind, Store, UploadSession};
use crate::url::{encode_component, parse_query, percent_decode};
use crate::wire::{get_ci, graph_time};

/// First path segment of upload URLs (outside `/v1.0`).
pub(super) const PATH_PREFIX: &str = "upload";
/// Smallest file an upload session accepts: 3 MB (GRAPH-FACTS §4.3).
const MIN_SIZE: u64 = 3 * 1024 * 1024;
/// Largest file an upload session accepts: 150 MB (GRAPH-FACTS §4.3).
const MAX_SIZE: u64 = 150 * 1024 * 1024;
/// Largest range one PUT may carry: 4 MiB (GRAPH-FACTS §0.5 "≤ 4 MB each").
const MAX_RANGE: usize = 4 * 1024 * 1024;
/// Bytes of a range body read into memory at most: anything longer is refused anyway.
pub(super) const MAX_READ: usize = MAX_RANGE;
/// Session lifetime, extended by every accepted range. [unconfirmed] Outlook's value.
const LIFETIME_HOURS: i64 = 24;

/// `POST …/messages/{id}/attachments/createUploadSession` (and the same on events)
/// with `{"AttachmentItem": {attachmentType: "file", name, size, contentType?,
/// isInline?, contentId?}}` (also `attachmentItem`) → `201` + `uploadSession`.
pub(super) fn create_session(req: &MailRequest<'_>, target: &Item) -> Result<Response, GraphError> {
    let body = match serde_json::from_slice::<Value>(req.body) {
        Ok(Value::Object(o)) => o,
        _ => {
            return Err(GraphError::bad_request(
                "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
            ))
        }
    };
    let Some(item) = get_ci(&body, "AttachmentItem").and_then(Value::as_object) else {
        // [unconfirmed] Graph's text for a missing AttachmentItem parameter.
        return Err(GraphError::invalid_parameter(
            "The value of the parameter 'AttachmentItem' is empty.",
        ));
    };
    let kind = get_ci(item, "attachmentType")
        .and_then(Value::as_str)
        .unwrap_or("");
    if !kind.eq_ignore_ascii_case("file") {
        return Err(GraphError::new(
            StatusCode::NOT_IMPLEMENTED,
            "NotImplemented",
            format!("The sandbox only implements upload sessions with attachmentType 'file', not '{kind}'."),
        ));
    }
    let name = get_ci(item, "name").and_then(Value::as_str).unwrap_or("");
    if name.is_empty() {
        return Err(GraphError::invalid_parameter(
            "The value of the property 'name' of the AttachmentItem is empty.",
        ));
    }
    let size = match get_ci(item, "size") {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    let Some(size) = size else {
        return Err(GraphError::invalid_parameter(
            "The value of the property 'size' of the AttachmentItem is not valid.",
        ));
    };
    if size < MIN_SIZE {
        // Code documented (outlook-large-attachments, "Errors"); the text is
        // [unconfirmed].
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize",
            "Attachment size should not be less than the minimum size of 3 MB. Add smaller attachments with a single POST on the attachments navigation property.",
        ));
    }
    if size > MAX_SIZE {
        // [unconfirmed] code for a file above 150 MB; this code/text is what Graph
        // answers live when a message grows past the mailbox limit.
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorMessageSizeExceeded",
            "The message exceeds the maximum supported size.",
        ));
    }
    let mut store = req.state.lock();
    target.check_visible(req, &store)?;
    target.json(&store, req.user_idx)?;
    let user_id = store.users[req.user_idx].id.clone();
    let item_id = target.id().to_string();
    let session_id = opaque_id("AAMkA", 60);
    let token = random_b64(96)
        .replace('+', "-")
        .replace('/', "_")
        .replace('=', "");
    let expires = store.now() + chrono::Duration::hours(LIFETIME_HOURS);
    let upload_url = format!(
        "{}/{PATH_PREFIX}/api/v2.0/Users('{}@{}')/{}('{}')/AttachmentSessions('{}')?authtoken={}",
        req.ctx.origin,
        user_id,
        req.state.config.tenant_id,
        collection(target.kind()),
        encode_component(&item_id),
        encode_component(&session_id),
        token
    );
    store.uploads.insert(
        session_id,
        UploadSession {
            token,
            user_id,
            item_kind: target.kind(),
            item_id,
            name: name.to_string(),
            content_type: get_ci(item, "contentType")
                .and_then(Value::as_str)
                .unwrap_or("application/octet-stream")
                .to_string(),
            is_inline: get_ci(item, "isInline")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            content_id: get_ci(item, "contentId")
                .and_then(Value::as_str)
                .map(str::to_string),
            size,
            data: Vec::new(),
            expires,
        },
    );
    let body = json!({
        "@odata.context": format!("{}/v1.0/$metadata#microsoft.graph.uploadSession", req.ctx.origin),
        "uploadUrl": upload_url,
        "expirationDateTime": expiry_text(expires),
        "nextExpectedRanges": ["0-"],
    });
    Ok(json_response(StatusCode::CREATED, &body))
}

/// `2026-11-23T22:10:00.0000000Z`, the 7-digit form of Outlook's upload responses
/// [unconfirmed precision].
fn expiry_text(t: chrono::DateTime<chrono::Utc>) -> String {
    format_utc7(t)
}

/// Outlook REST collection name of an item kind in upload URLs and `Location`s.
fn collection(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Message => "Messages",
        ItemKind::Event => "Events",
    }
}

/// The session id from `…/AttachmentSessions('{id}')`.
fn session_id_from_path(path: &str) -> Option<String> {
    let seg = path.rsplit('/').next()?;
    let seg = percent_decode(seg, false);
    let inner = seg
        .strip_prefix("AttachmentSessions('")
        .or_else(|| seg.strip_prefix("attachmentsessions('"))?;
    Some(inner.strip_suffix("')")?.to_string())
}

fn session_not_found() -> GraphError {
    // [unconfirmed] Outlook's answer for an unknown, finished, cancelled or expired
    // session.
    GraphError::item_not_found()
}

/// `{expirationDateTime, nextExpectedRanges}` of a session; Outlook reports the next
/// start as a single `"{start}"` (uploadSession resource docs).
fn status_body(s: &UploadSession) -> Value {
    json!({
        "expirationDateTime": expiry_text(s.expires),
        "nextExpectedRanges": [s.data.len().to_string()],
    })
}

/// `PUT` (a range), `GET` (status) and `DELETE` (cancel) on an upload URL.
pub(super) fn handle_put_url(
    state: &Arc<AppState>,
    parts: &Parts,
    body: Vec<u8>,
    too_large: bool,
    ctx: &RequestContext,
) -> Result<Response, GraphError> {
    if parts.headers.contains_key("authorization") {
        // GRAPH-FACTS §4.3: the URL is pre-authenticated and must be used without an
        // Authorization header; Outlook refuses such requests. Status 401 as
        // reported; code and text [unconfirmed].
        return Err(GraphError::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            "The upload URL is pre-authenticated; do not send an Authorization header.",
        ));
    }
    let Some(session_id) = session_id_from_path(parts.uri.path()) else {
        return Err(session_not_found());
    };
    let query = parse_query(parts.uri.query().unwrap_or(""));
    let token = query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("authtoken"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let mut store = state.lock();
    let now = store.now();
    match store.uploads.get(&session_id) {
        Some(s) if s.expires < now => {
            store.uploads.remove(&session_id);
            return Err(session_not_found());
        }
        Some(s) if s.token != token => {
            // [unconfirmed] Outlook's answer for a wrong authtoken.
            return Err(GraphError::unauthenticated(
                "The authtoken of the upload URL is not valid.",
            ));
        }
        Some(_) => {}
        None => return Err(session_not_found()),
    }
    match parts.method.as_str() {
        "DELETE" => {
            store.uploads.remove(&session_id);
            Ok(empty_response(StatusCode::NO_CONTENT))
        }
        "GET" => {
            let s = &store.uploads[&session_id];
            Ok(json_response(StatusCode::OK, &status_body(s)))
        }
        "PUT" => put_range(&mut store, &session_id, parts, body, too_large, ctx),
        m => Err(GraphError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "BadRequest",
            format!("The HTTP method '{m}' is not allowed on an upload URL."),
        )),
    }
}

/// Parses `bytes {start}-{end}/{total}`.
fn content_range(parts: &Parts) -> Option<(u64, u64, u64)> {
    let v = parts.headers.get("content-range")?.to_str().ok()?.trim();
    let rest = v.strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let start = start.trim().parse::<u64>().ok()?;
    let end = end.trim().parse::<u64>().ok()?;
    let total = total.trim().parse::<u64>().ok()?;
    (start <= end).then_some((start, end, total))
}

fn put_range(
    store: &mut Store,
    session_id: &str,
    parts: &Parts,
    body: Vec<u8>,
    too_large: bool,
    ctx: &RequestContext,
) -> Result<Response, GraphError> {
    if too_large || body.len() > MAX_RANGE {
        // Ranges must be ≤ 4 MB (GRAPH-FACTS §4.3); status/code/text [unconfirmed].
        return Err(GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            "The maximum request length supported is 4MB.",
        ));
    }
    let Some((start, end, total)) = content_range(parts) else {
        // [unconfirmed] code/text.
        return Err(GraphError::bad_request(
            "The Content-Range header is missing or not valid; expected 'bytes {start}-{end}/{total}'.",
        ));
    };
    if store.fail_next_upload > 0 {
        store.fail_next_upload -= 1;
        // Injected by `Sandbox::fail_next_upload_range`; nothing is stored.
        // [unconfirmed] code/text of Outlook's 500s.
        return Err(GraphError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ErrorInternalServerError",
            "An internal server error occurred. The operation failed.",
        ));
    }
    let session = store
        .uploads
        .get_mut(session_id)
        .ok_or_else(session_not_found)?;
    if total != session.size {
        // [unconfirmed] code/text.
        return Err(GraphError::bad_request(format!(
            "The total size {total} in Content-Range does not match the size {} of the upload session.",
            session.size
        )));
    }
    if end - start + 1 != body.len() as u64 {
        // [unconfirmed] code/text.
        return Err(GraphError::bad_request(format!(
            "The Content-Range {start}-{end} does not match the {} bytes of the request body.",
            body.len()
        )));
    }
    let next = session.data.len() as u64;
    if start != next || end >= total {
        // Ranges must be sequential from nextExpectedRanges. Status 416 with the generic
        // `invalidRange` code of Graph's error list; body [unconfirmed].
        return Err(GraphError::new(
            StatusCode::RANGE_NOT_SATISFIABLE,
            "invalidRange",
            format!(
                "The uploaded range {start}-{end} does not start at the next expected position {next}."
            ),
        ));
    }
    if session.data.capacity() == 0 {
        // One allocation of the declared size: no re-allocation copies later.
        session.data.reserve_exact(session.size as usize);
    }
    session.data.extend_from_slice(&body);
    drop(body);
    session.expires = store_now_plus_lifetime(session.expires, ctx);
    if (session.data.len() as u64) < session.size {
        let status = status_body(session);
        return Ok(json_response(StatusCode::OK, &status));
    }
    // Final range: the bytes become an attachment of the message or event.
    let Some(session) = store.uploads.remove(session_id) else {
        return Err(session_not_found());
    };
    let Some(user_idx) = store.user_index_by_id(&session.user_id) else {
        return Err(session_not_found());
    };
    let now = graph_time(ctx.now);
    let blob_id = uuid::Uuid::new_v4().to_string();
    let attachment_id = opaque_id("AAMkA", 140);
    let mut att = Map::new();
    att.insert(
        "@odata.type".into(),
        json!("#microsoft.graph.fileAttachment"),
    );
    att.insert(
        "@odata.mediaContentType".into(),
        json!(session.content_type),
    );
    att.insert("id".into(), json!(attachment_id));
    att.insert("lastModifiedDateTime".into(), json!(now));
    att.insert("name".into(), json!(session.name));
    att.insert("contentType".into(), json!(session.content_type));
    att.insert("size".into(), json!(session.size));
    att.insert("isInline".into(), json!(session.is_inline));
    att.insert("contentId".into(), json!(session.content_id));
    att.insert("contentLocation".into(), Value::Null);
    att.insert(BLOB_KEY.into(), json!(blob_id));
    let item = match session.item_kind {
        ItemKind::Message => Item::Message {
            folder: None,
            id: session.item_id.clone(),
        },
        ItemKind::Event => Item::Event {
            calendar: CalRef::Any,
            id: session.item_id.clone(),
        },
    };
    let Ok(json) = item.json_mut(store, user_idx) else {
        return Err(session_not_found());
    };
    let mut list = json
        .get("attachments")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    list.push(Value::Object(att));
    json.insert("attachments".into(), Value::Array(list));
    if !session.is_inline {
        json.insert("hasAttachments".into(), json!(true));
    }
    touch_item(session.item_kind, json, ctx.now);
    store.blobs.insert(blob_id, Arc::new(session.data));
    let mut resp = empty_response(StatusCode::CREATED);
    let location = format!(
        "{}/api/v2.0/Users('{}@{}')/{}('{}')/Attachments('{}')",
        ctx.origin,
        session.user_id,
        tenant_of(store),
        collection(session.item_kind),
        session.item_id,
        attachment_id
    );
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert("location", v);
    }
    Ok(resp)
}

/// The tenant id is not in the store; the upload URL carries it, so the `Location`
/// repeats whatever follows `@` there. Kept simple: the fixed sandbox tenant.
fn tenant_of(_store: &Store) -> &'static str {
    crate::state::TENANT_ID
}

fn store_now_plus_lifetime(
    old: chrono::DateTime<chrono::Utc>,
    ctx: &RequestContext,
) -> chrono::DateTime<chrono::Utc> {
    old.max(ctx.now + chrono::Duration::hours(LIFETIME_HOURS))
}
