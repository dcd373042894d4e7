//! `GET …/mailFolders/{folder}/messages/delta` (message delta query, GRAPH-FACTS-2
//! §5.2) on the shared machinery of [`crate::delta`]. `$select` of the initial request
//! is kept for the whole sync (Graph encodes it in the tokens). `Prefer:
//! IdType="ImmutableId"` (which the immutable-id doc lists for delta too) shows, and
//! compares rounds by, immutable ids, so a message moved out and back keeps its id;
//! `Prefer: outlook.body-content-type` applies as for other reads (see
//! `message_view.rs`).

use axum::response::Response;
use serde_json::Value;

use super::request::{delta_select, delta_select_options, MailRequest};
use crate::delta::Item;
use crate::graph_error::GraphError;
use crate::message::{render, Expand};
use crate::message_view::{immutable_id, View};

/// Runs one delta call.
pub(super) fn handle(req: &MailRequest<'_>, folder: &str) -> Result<Response, GraphError> {
    let mut store = req.state.lock();
    let user = &store.users[req.user_idx];
    let folder_id = user
        .folder(folder)
        .map(|f| f.id.clone())
        .ok_or_else(GraphError::item_not_found)?;
    let call = req.delta_call(user.id.clone(), folder_id.clone(), "message", true);
    let view = View::from_headers(req.headers);
    let mut resp = call.run(
        &mut store,
        req.ctx,
        || delta_select_options(req),
        |store, query| {
            let select = delta_select(query);
            let user = &store.users[req.user_idx];
            let mut msgs: Vec<_> = user
                .messages
                .iter()
                .filter(|m| m.folder_id == folder_id)
                .collect();
            msgs.sort_by_key(|m| m.seq);
            Ok(msgs
                .into_iter()
                .map(|m| {
                    let text = |k: &str| m.json.get(k).and_then(Value::as_str).unwrap_or("");
                    let id = if view.immutable_ids {
                        immutable_id(&m.json).unwrap_or("")
                    } else {
                        text("id")
                    };
                    let mut json = render(&m.json, select.as_deref(), &Expand::default());
                    view.apply(&mut json, &m.json, select.as_deref());
                    Item {
                        id: id.to_string(),
                        change_key: text("changeKey").to_string(),
                        json,
                    }
                })
                .collect())
        },
    )?;
    view.mark_applied(&mut resp);
    Ok(resp)
}
