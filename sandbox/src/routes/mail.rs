//! Mail handlers: `sendMail`, message lists/gets.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::mailbox_items::event_output;
use super::mailbox_items::{attachment_out, messages_in};
use super::query::Paging;
use super::request::select_list;
use super::request::{MailRequest, MAX_REQUEST};
use super::sending::{check_from, mime_draft};
use crate::calendar::zone::Zone;
use crate::graph_error::{empty_response, json_response, GraphError};
use crate::message::{render, Draft, Expand, EVENT_UID_KEY};
use crate::message_view::{has_id, View};
use crate::store::{Store, User};
use crate::wire::get_ci;

pub(super) fn send_mail(req: &MailRequest<'_>) -> Result<Response, GraphError> {
    if req.too_large || req.body.len() > MAX_REQUEST {
        // Message as observed for over-size Graph requests; the code is [unconfirmed].
        return Err(GraphError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "RequestEntityTooLarge",
            "The maximum request length supported is 4MB.",
        ));
    }
    let content_type = req
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let (mut draft, save_to_sent) = if content_type.starts_with("text/plain") {
        (mime_draft(req.body)?, true)
    } else if content_type.starts_with("application/json") {
        json_draft(req.body)?
    } else {
        // Code as in live 415 responses; message shortened [unconfirmed].
        return Err(GraphError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "RequestBodyRead",
            "A supported MIME type could not be found that matches the content type of the request. Use application/json (JSON) or text/plain (base64 MIME).",
        ));
    };
    if !draft.has_recipients() {
        // Live text: "At least one recipient isn't valid., A message can't be sent
        // because it contains no recipients." (observed for JSON; assumed for MIME).
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorInvalidRecipients",
            "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
        ));
    }
    let mut store = req.state.lock();
    check_from(req, &store, &mut draft)?;
    crate::outbox::check_size(&store, req.user_idx, &draft)?;
    crate::outbox::submit(&mut store, req.user_idx, &draft, save_to_sent);
    Ok(empty_response(StatusCode::ACCEPTED))
}

fn json_draft(body: &[u8]) -> Result<(Draft, bool), GraphError> {
    let bad_json = || {
        // Text of live Graph responses for an unreadable JSON payload.
        GraphError::bad_request(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    };
    let value: Value = serde_json::from_slice(body).map_err(|_| bad_json())?;
    let top = value.as_object().ok_or_else(bad_json)?;
    let message = match get_ci(top, "message") {
        Some(Value::Object(m)) => m,
        // [unconfirmed] Graph's code/text for a missing `Message` parameter.
        _ => {
            return Err(GraphError::new(
                StatusCode::BAD_REQUEST,
                "ErrorInvalidParameter",
                "The value of the parameter 'Message' is empty.",
            ))
        }
    };
    let save = match get_ci(top, "saveToSentItems") {
        None | Some(Value::Null) => true,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
        // [unconfirmed] text for a non-Boolean SaveToSentItems.
        Some(_) => {
            return Err(GraphError::bad_request(
                "Cannot convert the literal to the expected type 'Edm.Boolean' for parameter 'SaveToSentItems'.",
            ))
        }
    };
    Ok((Draft::from_json(message)?, save))
}

pub(super) fn list_messages(
    req: &MailRequest<'_>,
    folder: Option<&str>,
) -> Result<Response, GraphError> {
    let paging = Paging::parse(req)?;
    let select = select_list(req);
    let expand = Expand::parse(req.param("$expand"))?;
    let list_query = super::query::ListQuery::parse(
        "message",
        req.param("$filter"),
        req.param("$orderby"),
        req.param("$search"),
    )?;
    let view = View::from_headers(req.headers);
    let store = req.state.lock();
    let user = &store.users[req.user_idx];
    let all = list_query.apply(messages_in(user, folder)?);
    let page: Vec<Value> = paging
        .page(&all)
        .iter()
        .map(|m| {
            let mut v = rendered(&store, req.user_idx, m, select.as_deref(), &expand);
            view.apply(&mut v, m, select.as_deref());
            v
        })
        .collect();
    let tail = match folder {
        Some(f) => format!("mailFolders('{f}')/messages"),
        None => "messages".to_string(),
    };
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(req.context_url(&store, &tail)),
    );
    body.insert("value".into(), Value::Array(page));
    super::query::add_count(req, &mut body, all.len())?;
    paging.add_next_link(req, &mut body, all.len(), &[]);
    let mut resp = json_response(StatusCode::OK, &Value::Object(body));
    view.mark_applied(&mut resp);
    Ok(resp)
}

/// `GET …/messages/$count` (also in a folder): the number of messages matching
/// `$filter` / `$search`, as a `text/plain` number — `$count` as a URL segment
/// "to retrieve only the integer total of the collection"
/// (https://learn.microsoft.com/graph/query-parameters#count-parameter). No
/// `ConsistencyLevel` header is needed: that applies to directory objects only (same
/// page). The `text/plain` content type is [unconfirmed] for Outlook.
pub(super) fn count_messages(
    req: &MailRequest<'_>,
    folder: Option<&str>,
) -> Result<Response, GraphError> {
    let list_query = super::query::ListQuery::parse(
        "message",
        req.param("$filter"),
        None,
        req.param("$search"),
    )?;
    let store = req.state.lock();
    let n = list_query
        .apply(messages_in(&store.users[req.user_idx], folder)?)
        .len();
    let mut resp = Response::new(axum::body::Body::from(n.to_string()));
    resp.headers_mut().insert(
        "content-type",
        axum::http::HeaderValue::from_static("text/plain"),
    );
    Ok(resp)
}

fn find_message<'a>(
    user: &'a User,
    folder: Option<&str>,
    id: &str,
) -> Result<&'a Map<String, Value>, GraphError> {
    messages_in(user, folder)?
        .into_iter()
        .find(|m| has_id(m, id))
        .ok_or_else(GraphError::item_not_found)
}

pub(super) fn get_message(
    req: &MailRequest<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<Response, GraphError> {
    let select = select_list(req);
    let expand = Expand::parse(req.param("$expand"))?;
    let view = View::from_headers(req.headers);
    let store = req.state.lock();
    let msg = find_message(&store.users[req.user_idx], folder, id)?;
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(req.context_url(&store, "messages/$entity")),
    );
    let mut v = rendered(&store, req.user_idx, msg, select.as_deref(), &expand);
    view.apply(&mut v, msg, select.as_deref());
    if let Value::Object(m) = v {
        out.extend(m);
    }
    let mut resp = json_response(StatusCode::OK, &Value::Object(out));
    view.mark_applied(&mut resp);
    Ok(resp)
}

/// `render` plus output form of expanded attachments (blob bytes resolved, `item` of
/// item attachments left out) and, for meeting messages, the expanded `event` of the
/// mailbox `user_idx` (`null` when it no longer is in a calendar [unconfirmed]).
fn rendered(
    store: &Store,
    user_idx: usize,
    msg: &Map<String, Value>,
    select: Option<&[String]>,
    expand: &Expand,
) -> Value {
    let mut v = render(msg, select, expand);
    if let Some(Value::Array(list)) = v.get_mut("attachments") {
        for a in list.iter_mut() {
            *a = attachment_out(store, a, false);
        }
    }
    if expand.event {
        if let (Some(uid), Value::Object(out)) =
            (msg.get(EVENT_UID_KEY).and_then(Value::as_str), &mut v)
        {
            let user = &store.users[user_idx];
            let event = user.event_by_uid(uid).map_or(Value::Null, |i| {
                event_output(
                    store,
                    &user.events[i].json,
                    &Zone::utc(),
                    None,
                    &crate::message::Expand::default(),
                )
            });
            out.insert("event".into(), event);
        }
    }
    v
}
