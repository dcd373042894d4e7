//! Reading mail folders (GRAPH-FACTS-2 §7.1): the folder list (the root's direct
//! children) and child-folder lists, paged, and a folder by id or well-known name, each
//! in Graph's form (`User::folder_json`).
//!
//! Docs: "List mailFolders" <https://learn.microsoft.com/graph/api/user-list-mailfolders>
//! (top level only, `includeHiddenFolders`), "List childFolders"
//! <https://learn.microsoft.com/graph/api/mailfolder-list-childfolders>.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::query::Paging;
use super::request::MailRequest;
use crate::graph_error::{json_response, GraphError};
use crate::store::{Folder, ROOT_FOLDER};

/// The query parameter that adds hidden folders to a list.
const INCLUDE_HIDDEN: &str = "includeHiddenFolders";

/// `GET …/mailFolders`: the root's direct children.
pub(super) fn list_top(req: &MailRequest<'_>) -> Result<Response, GraphError> {
    list(req, ROOT_FOLDER, "mailFolders".into())
}

/// `GET …/mailFolders/{id}/childFolders`.
pub(super) fn list_children(req: &MailRequest<'_>, folder: &str) -> Result<Response, GraphError> {
    list(req, folder, format!("mailFolders('{folder}')/childFolders"))
}

/// The children of `parent` (id or well-known name), hidden ones only with
/// `includeHiddenFolders=true`, `$top` / `$skip` paged (default 10) with
/// `@odata.nextLink`.
fn list(req: &MailRequest<'_>, parent: &str, context: String) -> Result<Response, GraphError> {
    let paging = Paging::parse(req)?;
    let with_hidden = include_hidden(req)?;
    let store = req.state.lock();
    let user = &store.users[req.user_idx];
    let parent = user.folder(parent).ok_or_else(GraphError::item_not_found)?;
    let all: Vec<&Folder> = user
        .child_folders(&parent.id)
        .into_iter()
        .filter(|f| with_hidden || !f.is_hidden)
        .collect();
    let value: Vec<Value> = paging
        .page(&all)
        .iter()
        .map(|f| user.folder_json(f))
        .collect();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(req.context_url(&store, &context)),
    );
    body.insert("value".into(), Value::Array(value));
    paging.add_next_link(req, &mut body, all.len(), &[INCLUDE_HIDDEN]);
    Ok(json_response(StatusCode::OK, &Value::Object(body)))
}

/// `includeHiddenFolders`: `true` / `false` (case-insensitive); anything else is
/// refused [unconfirmed: Graph's code and text].
fn include_hidden(req: &MailRequest<'_>) -> Result<bool, GraphError> {
    match req.param(INCLUDE_HIDDEN) {
        None => Ok(false),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(GraphError::bad_request(format!(
            "Invalid value '{v}' for the query parameter '{INCLUDE_HIDDEN}': expected true or false."
        ))),
    }
}

/// `GET …/mailFolders/{id}` (id or well-known name, `msgfolderroot` included).
pub(super) fn get(req: &MailRequest<'_>, folder: &str) -> Result<Response, GraphError> {
    let store = req.state.lock();
    let user = &store.users[req.user_idx];
    let f = user.folder(folder).ok_or_else(GraphError::item_not_found)?;
    Ok(entity_response(req, &store, StatusCode::OK, f))
}

/// `status` with the folder `f` of the request's mailbox and its `@odata.context`.
pub(super) fn entity_response(
    req: &MailRequest<'_>,
    store: &crate::store::Store,
    status: StatusCode,
    f: &Folder,
) -> Response {
    let user = &store.users[req.user_idx];
    let mut out = Map::new();
    out.insert(
        "@odata.context".into(),
        json!(req.context_url(store, "mailFolders/$entity")),
    );
    if let Value::Object(m) = user.folder_json(f) {
        out.extend(m);
    }
    json_response(status, &Value::Object(out))
}
