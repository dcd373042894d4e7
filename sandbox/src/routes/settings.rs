//! `GET`/`PATCH …/mailboxSettings` and `GET …/mailboxSettings/{property}`
//! (GRAPH-FACTS §6.3; docs "Get user mailbox settings", "Update user mailbox
//! settings"). The values and their validation are in [`crate::settings`].

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::request::{json_object, MailRequest};
use crate::graph_error::{json_response, GraphError};

/// `GET …/mailboxSettings` → `200` + all settings; `GET …/mailboxSettings/{property}`
/// → `200` + that complex value, or `{"value": …}` for a string / enum (OData's form
/// for a primitive property).
pub(super) fn get(req: &MailRequest<'_>, property: Option<&str>) -> Result<Response, GraphError> {
    let store = req.state.lock();
    let settings = &store.users[req.user_idx].settings;
    let mut out = Map::new();
    match property {
        None => {
            out.insert(
                "@odata.context".into(),
                json!(req.context_url(&store, "mailboxSettings")),
            );
            out.extend(settings.clone());
        }
        Some(name) => {
            out.insert(
                "@odata.context".into(),
                json!(req.context_url(&store, &format!("mailboxSettings/{name}"))),
            );
            match settings.get(name).cloned().unwrap_or(Value::Null) {
                Value::Object(m) => out.extend(m),
                v => {
                    out.insert("value".into(), v);
                }
            }
        }
    }
    Ok(json_response(StatusCode::OK, &Value::Object(out)))
}

/// `PATCH …/mailboxSettings` → `200` + `@odata.context` and the updated properties
/// (each with its whole new value), as the doc examples show.
pub(super) fn update(req: &MailRequest<'_>) -> Result<Response, GraphError> {
    let body = json_object(req.body)?;
    let mut store = req.state.lock();
    let mut next = store.users[req.user_idx].settings.clone();
    let changed = crate::settings::patch(&mut next, &body)?;
    if changed.contains(&"automaticRepliesSetting") {
        crate::settings::check_schedule(&next, store.now())?;
        // Changing the automatic replies starts a new OOF period: every sender gets
        // the reply again (see `crate::arrival`).
        store.mailbox_state_mut(req.user_idx).oof_replied.clear();
    }
    store.users[req.user_idx].settings = next;
    let settings = &store.users[req.user_idx].settings;
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(req.context_url(&store, "mailboxSettings")),
    );
    for name in changed {
        out.insert(
            name.into(),
            settings.get(name).cloned().unwrap_or(Value::Null),
        );
    }
    Ok(json_response(StatusCode::OK, &Value::Object(out)))
}
