//! `GET …/mailFolders/{folder}/messages/delta` (message delta query).
//!
//! A round returns pages linked by `@odata.nextLink` (`$skiptoken`) and ends with an
//! `@odata.deltaLink` (`$deltatoken`); both are absolute URLs on the sandbox origin.
//! Calling the delta link returns the messages created or changed (new `changeKey`)
//! since, and the ones deleted or moved away as
//! `{"@odata.type": "#microsoft.graph.message", "id": …, "@removed": {"reason":
//! "deleted"}}`. Page size: `Prefer: odata.maxpagesize={n}` or `$top`, default 10
//! [unconfirmed default]. `$select` of the initial request is kept for the whole
//! sync (Graph encodes it in the tokens). `Prefer: IdType="ImmutableId"` (which the
//! immutable-id doc lists for delta too) shows, and compares rounds by, immutable ids,
//! so a message moved out and back keeps its id; `Prefer:
//! outlook.body-content-type` applies as for other reads (see `message_view.rs`).

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::mail::select_list;
use super::request::MailRequest;
use crate::graph_error::{json_response, GraphError};
use crate::message::{render, Expand};
use crate::message_view::{immutable_id, View};
use crate::store::{opaque_id, DeltaPages, DeltaSnapshot};

const DEFAULT_PAGE: usize = 10;

/// `410` for an unknown / expired token. Status and code per Graph's delta docs
/// (`syncStateNotFound`, errors list); text [unconfirmed].
fn sync_state_not_found() -> GraphError {
    GraphError::new(
        StatusCode::GONE,
        "syncStateNotFound",
        "The sync state generation is not found. Restart the sync with a new delta request.",
    )
}

fn page_size(req: &MailRequest<'_>) -> usize {
    let prefer = req
        .headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case("odata.maxpagesize")
                .then(|| v.trim().trim_matches('"').parse::<usize>().ok())
                .flatten()
        });
    prefer
        .or_else(|| req.param("$top").and_then(|t| t.trim().parse().ok()))
        .unwrap_or(DEFAULT_PAGE)
        .clamp(1, 1000)
}

/// Runs one delta call.
pub(super) fn handle(req: &MailRequest<'_>, folder: &str) -> Result<Response, GraphError> {
    let mut store = req.state.lock();
    let user = &store.users[req.user_idx];
    let user_id = user.id.clone();
    let folder_id = user
        .folder(folder)
        .map(|f| f.id.clone())
        .ok_or_else(GraphError::item_not_found)?;

    let mut pages = if let Some(skip) = req.param("$skiptoken") {
        match store.delta_pages.remove(skip) {
            Some(p) if p.user_id == user_id && p.folder_id == folder_id => p,
            _ => return Err(sync_state_not_found()),
        }
    } else {
        let previous = match req.param("$deltatoken") {
            Some(t) => match store.delta_snapshots.get(t) {
                Some(s) if s.user_id == user_id && s.folder_id == folder_id => Some(s.clone()),
                _ => return Err(sync_state_not_found()),
            },
            None => None,
        };
        let select = match &previous {
            Some(p) => p.select.clone(),
            None => select_list(req),
        };
        let view = View::from_headers(req.headers);
        let user = &store.users[req.user_idx];
        let mut msgs: Vec<_> = user
            .messages
            .iter()
            .filter(|m| m.folder_id == folder_id)
            .collect();
        msgs.sort_by_key(|m| m.seq);
        let mut items = HashMap::new();
        let mut changes = Vec::new();
        for m in &msgs {
            let id = if view.immutable_ids {
                immutable_id(&m.json)
            } else {
                m.json.get("id").and_then(Value::as_str)
            }
            .unwrap_or("");
            let ck = m
                .json
                .get("changeKey")
                .and_then(Value::as_str)
                .unwrap_or("");
            items.insert(id.to_string(), ck.to_string());
            let changed = match &previous {
                Some(p) => p.items.get(id).map(String::as_str) != Some(ck),
                None => true,
            };
            if changed {
                let mut v = render(&m.json, select.as_deref(), &Expand::default());
                view.apply(&mut v, &m.json, select.as_deref());
                changes.push(v);
            }
        }
        if let Some(p) = &previous {
            let mut gone: Vec<&String> = p
                .items
                .keys()
                .filter(|id| !items.contains_key(*id))
                .collect();
            gone.sort();
            for id in gone {
                changes.push(json!({
                    "@odata.type": "#microsoft.graph.message",
                    "id": id,
                    "@removed": {"reason": "deleted"},
                }));
            }
        }
        DeltaPages {
            user_id: user_id.clone(),
            folder_id: folder_id.clone(),
            remaining: changes,
            page_size: page_size(req),
            snapshot: DeltaSnapshot {
                user_id,
                folder_id,
                items,
                select,
            },
        }
    };

    let n = pages.page_size.min(pages.remaining.len());
    let value: Vec<Value> = pages.remaining.drain(..n).collect();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!(
            "{}/v1.0/$metadata#Collection(message)",
            req.ctx.origin
        )),
    );
    body.insert("value".into(), Value::Array(value));
    let base = format!("{}{}", req.ctx.origin, req.path);
    if pages.remaining.is_empty() {
        let token = opaque_id("", 48);
        store.delta_snapshots.insert(token.clone(), pages.snapshot);
        body.insert(
            "@odata.deltaLink".into(),
            json!(format!(
                "{base}?$deltatoken={}",
                crate::url::encode_component(&token)
            )),
        );
    } else {
        let token = opaque_id("", 48);
        store.delta_pages.insert(token.clone(), pages);
        body.insert(
            "@odata.nextLink".into(),
            json!(format!(
                "{base}?$skiptoken={}",
                crate::url::encode_component(&token)
            )),
        );
    }
    let mut resp = json_response(StatusCode::OK, &Value::Object(body));
    View::from_headers(req.headers).mark_applied(&mut resp);
    Ok(resp)
}
