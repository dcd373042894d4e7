//! Delta query machinery shared by messages delta (`…/mailFolders/{id}/messages/delta`),
//! the folder hierarchy delta (`…/mailFolders/delta`) and events delta
//! (`…/calendarView/delta`) (GRAPH-FACTS-2 §5; docs "Use delta query
//! to track changes in Microsoft Graph data", "Get incremental changes to events in a
//! calendar view").
//!
//! A round returns pages linked by `@odata.nextLink` (`$skiptoken`) and ends with an
//! `@odata.deltaLink` (`$deltatoken`); both absolute URLs on the sandbox origin, the
//! request path followed by the token only (the initial query – `$select`, the
//! calendar window – is kept with the token, as Graph encodes it in its tokens). The
//! next round, from the delta link, returns the items created or changed (new
//! `changeKey`) since and the ones gone as `{"@odata.type", "id", "@removed":
//! {"reason": "deleted"}}`. A token is bound to its mailbox and scope (folder, or
//! calendar view); a skip token is used up when fetched. An unknown, used-up, foreign
//! or expired token ([`crate::Sandbox::expire_delta_tokens`]) answers `410 Gone`
//! `SyncStateNotFound` with a `Location` header holding the request URL with an empty
//! `$deltatoken` (GRAPH-FACTS-2 §5.5; status, code and header as observed, the text is
//! the observed text without its generation numbers).
//!
//! Page size: `Prefer: odata.maxpagesize={n}` (documented) or `$top`, default 10
//! [unconfirmed default], at most 1000.

use std::collections::HashMap;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Map, Value};

use crate::graph_error::{json_response, GraphError, RequestContext};
use crate::store::delta::{Pages, Snapshot};
use crate::store::{opaque_id, Store};
use crate::wire::preference;

const DEFAULT_PAGE: usize = 10;

/// One current item of the tracked collection.
pub(crate) struct Item {
    pub id: String,
    pub change_key: String,
    /// Its output form.
    pub json: Value,
}

/// One delta call.
pub(crate) struct Call<'a> {
    pub user_id: String,
    pub scope: String,
    pub skip_token: Option<&'a str>,
    pub delta_token: Option<&'a str>,
    pub page_size: usize,
    /// `{origin}{path}`: the links are this plus the token.
    pub link_base: String,
    pub context: String,
    /// `@odata.type` of `@removed` entries.
    pub removed_type: String,
}

/// `410 SyncStateNotFound` (GRAPH-FACTS-2 §5.5, observed on `calendarView/delta`).
fn sync_state_not_found() -> GraphError {
    GraphError::new(
        StatusCode::GONE,
        "SyncStateNotFound",
        "The sync state generation is not found.",
    )
}

/// Page size from `Prefer: odata.maxpagesize` or `$top`.
pub(crate) fn page_size(headers: &HeaderMap, top: Option<&str>) -> usize {
    let prefer = preference(headers, "odata.maxpagesize").and_then(|v| v.parse::<usize>().ok());
    prefer
        .or_else(|| top.and_then(|t| t.trim().parse().ok()))
        .unwrap_or(DEFAULT_PAGE)
        .clamp(1, 1000)
}

impl Call<'_> {
    /// Runs the call: `initial` gives the options of a new round (from the request),
    /// `items` the current items for the round's options. Answers the page as Graph
    /// does, or the 410 with its `Location`.
    pub(crate) fn run(
        &self,
        store: &mut Store,
        ctx: &RequestContext,
        initial: impl FnOnce() -> Result<Value, GraphError>,
        items: impl FnOnce(&Store, &Value) -> Result<Vec<Item>, GraphError>,
    ) -> Result<Response, GraphError> {
        match self.page(store, initial, items) {
            Ok(body) => Ok(json_response(StatusCode::OK, &body)),
            Err(e) if e.status == StatusCode::GONE => {
                let mut resp = e.into_response(ctx);
                if let Ok(v) = HeaderValue::from_str(&format!("{}?$deltatoken=", self.link_base)) {
                    resp.headers_mut().insert(header::LOCATION, v);
                }
                Ok(resp)
            }
            Err(e) => Err(e),
        }
    }

    fn page(
        &self,
        store: &mut Store,
        initial: impl FnOnce() -> Result<Value, GraphError>,
        items: impl FnOnce(&Store, &Value) -> Result<Vec<Item>, GraphError>,
    ) -> Result<Value, GraphError> {
        let bound = |s: &Snapshot| s.user_id == self.user_id && s.scope == self.scope;
        let mut pages = if let Some(skip) = self.skip_token {
            match store.delta_pages.remove(skip) {
                Some(p) if bound(&p.snapshot) => p,
                _ => return Err(sync_state_not_found()),
            }
        } else {
            let previous = match self.delta_token {
                Some(t) => match store.delta_snapshots.get(t) {
                    Some(s) if bound(s) => Some(s.clone()),
                    _ => return Err(sync_state_not_found()),
                },
                None => None,
            };
            let query = match &previous {
                Some(p) => p.query.clone(),
                None => initial()?,
            };
            let current = items(store, &query)?;
            let mut seen = HashMap::new();
            let mut changes = Vec::new();
            for it in current {
                let changed = match &previous {
                    Some(p) => p.items.get(&it.id) != Some(&it.change_key),
                    None => true,
                };
                // The same instance twice (never in the sandbox) would be a replay.
                if seen.insert(it.id, it.change_key).is_none() && changed {
                    changes.push(it.json);
                }
            }
            if let Some(p) = &previous {
                let mut gone: Vec<&String> = p
                    .items
                    .keys()
                    .filter(|id| !seen.contains_key(*id))
                    .collect();
                gone.sort();
                for id in gone {
                    changes.push(json!({
                        "@odata.type": self.removed_type,
                        "id": id,
                        "@removed": {"reason": "deleted"},
                    }));
                }
            }
            Pages {
                remaining: changes,
                page_size: self.page_size,
                snapshot: Snapshot {
                    user_id: self.user_id.clone(),
                    scope: self.scope.clone(),
                    items: seen,
                    query,
                },
            }
        };
        let n = pages.page_size.min(pages.remaining.len());
        let value: Vec<Value> = pages.remaining.drain(..n).collect();
        let mut body = Map::new();
        body.insert("@odata.context".into(), json!(self.context));
        let token = opaque_id("", 48);
        let link = |name: &str| {
            json!(format!(
                "{}?${name}={}",
                self.link_base,
                crate::url::encode_component(&token)
            ))
        };
        if pages.remaining.is_empty() {
            body.insert("@odata.deltaLink".into(), link("deltatoken"));
            store.delta_snapshots.insert(token.clone(), pages.snapshot);
        } else {
            body.insert("@odata.nextLink".into(), link("skiptoken"));
            store.delta_pages.insert(token.clone(), pages);
        }
        body.insert("value".into(), Value::Array(value));
        Ok(Value::Object(body))
    }
}
