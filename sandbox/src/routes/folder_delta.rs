//! `GET …/mailFolders/delta`: the folder hierarchy delta (GRAPH-FACTS-2 §5.3; docs
//! "mailFolder: delta", <https://learn.microsoft.com/graph/api/mailfolder-delta>) on the
//! shared machinery of [`crate::delta`]. Every folder below the root, nested ones
//! included; `$select` of the initial request is kept for the whole sync (`id` always
//! comes back); `Prefer: odata.maxpagesize` (or `$top`) sets the page size. A folder is
//! reported changed when any of its properties changed, counts included
//! [unconfirmed: whether Graph reports a folder whose counts alone changed].

use axum::response::Response;
use serde_json::{Map, Value};

use super::request::{delta_select, delta_select_options, MailRequest};
use crate::delta::Item;
use crate::graph_error::GraphError;

/// Runs one folder delta call.
pub(super) fn handle(req: &MailRequest<'_>) -> Result<Response, GraphError> {
    let mut store = req.state.lock();
    let user = &store.users[req.user_idx];
    let call = req.delta_call(user.id.clone(), "mailFolders".into(), "mailFolder", true);
    call.run(
        &mut store,
        req.ctx,
        || delta_select_options(req),
        |store, query| {
            let select = delta_select(query);
            let user = &store.users[req.user_idx];
            // The folders below the root, hidden ones too [unconfirmed: whether Graph
            // reports hidden folders in the hierarchy delta]; a folder moved, renamed or
            // created is a change, one deleted for good comes back `@removed`.
            Ok(user
                .folder_tree()
                .into_iter()
                .map(|f| {
                    let full = user.folder_json(f);
                    Item {
                        id: f.id.clone(),
                        // Any property that changed makes it a change.
                        change_key: full.to_string(),
                        json: selected(full, select.as_deref()),
                    }
                })
                .collect())
        },
    )
}

/// `folder` with only the `select`ed properties (names compared case-insensitively) and `id`.
fn selected(folder: Value, select: Option<&[String]>) -> Value {
    let (Some(select), Value::Object(all)) = (select, &folder) else {
        return folder;
    };
    let kept: Map<String, Value> = all
        .iter()
        .filter(|(name, _)| *name == "id" || select.iter().any(|s| s.eq_ignore_ascii_case(name)))
        .map(|(name, value)| (name.clone(), value.clone()))
        .collect();
    Value::Object(kept)
}
