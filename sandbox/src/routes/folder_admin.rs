//! Mail folder management (GRAPH-FACTS-2 §7.1): create (at the root or under a parent),
//! rename, move, copy (the subtree and its messages), delete (to Deleted Items),
//! permanent delete; and `permanentDelete` of a message. Listing and reading folders
//! is in `folders.rs`.
//!
//! Docs: "Create mailFolder" <https://learn.microsoft.com/graph/api/user-post-mailfolders>,
//! "Create child folder" <https://learn.microsoft.com/graph/api/mailfolder-post-childfolders>,
//! "Update mailfolder" <https://learn.microsoft.com/graph/api/mailfolder-update>,
//! "mailFolder: move" / "copy" <https://learn.microsoft.com/graph/api/mailfolder-move>,
//! "Delete mailFolder" <https://learn.microsoft.com/graph/api/mailfolder-delete>,
//! "mailFolder: permanentDelete"
//! <https://learn.microsoft.com/graph/api/mailfolder-permanentdelete>,
//! "message: permanentDelete" <https://learn.microsoft.com/graph/api/message-permanentdelete>.

use std::collections::HashMap;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Map, Value};

use super::folders::entity_response;
use super::mailbox_items::{message_index, remove_message, touch_message};
use super::request::{destination_id, json_object, MailRequest};
use crate::graph_error::{empty_response, GraphError};
use crate::message_view::{new_immutable_id, IMMUTABLE_ID_KEY};
use crate::store::{opaque_id, Folder, Store, ROOT_FOLDER};
use crate::wire::{get_ci, graph_time};

/// `POST …/mailFolders` (`parent: None`: under the root) or
/// `POST …/mailFolders/{parent}/childFolders` → `201` + the folder. `displayName` is
/// required, `isHidden` optional (it can only be set here).
pub(super) fn create(req: &MailRequest<'_>, parent: Option<&str>) -> Result<Response, GraphError> {
    let body = json_object(req.body)?;
    let name = display_name(&body)?;
    let is_hidden = match get_ci(&body, "isHidden") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        // [unconfirmed] Graph's code and text for a non-Boolean isHidden.
        Some(_) => {
            return Err(GraphError::invalid_parameter(
                "The value of the property 'isHidden' must be true or false.",
            ))
        }
    };
    let mut store = req.state.lock();
    let user = &mut store.users[req.user_idx];
    let parent_id = user
        .folder(parent.unwrap_or(ROOT_FOLDER))
        .ok_or_else(GraphError::item_not_found)?
        .id
        .clone();
    if user.has_child_named(&parent_id, &name, "") {
        return Err(folder_exists());
    }
    let folder = Folder::new(&name, &parent_id, is_hidden);
    user.folders.push(folder.clone());
    Ok(entity_response(req, &store, StatusCode::CREATED, &folder))
}

/// `PATCH …/mailFolders/{id}` → `200` + the folder: `displayName` is the only writable
/// property ("Update mailfolder"); any other one is refused [unconfirmed: Graph's code
/// and text; it may ignore them].
pub(super) fn update(req: &MailRequest<'_>, folder: &str) -> Result<Response, GraphError> {
    let body = json_object(req.body)?;
    if let Some(other) = body
        .keys()
        .find(|k| !k.eq_ignore_ascii_case("displayName") && !k.starts_with('@'))
    {
        return Err(GraphError::invalid_parameter(format!(
            "The property '{other}' of a mailFolder cannot be updated: displayName is its only writable property."
        )));
    }
    let name = display_name(&body)?;
    let mut store = req.state.lock();
    let user = &mut store.users[req.user_idx];
    let idx = user
        .folder_index(folder)
        .ok_or_else(GraphError::item_not_found)?;
    let (id, parent) = (
        user.folders[idx].id.clone(),
        user.folders[idx].parent_id.clone(),
    );
    if let Some(parent) = parent {
        if user.has_child_named(&parent, &name, &id) {
            return Err(folder_exists());
        }
    }
    user.folders[idx].display_name = name;
    let f = user.folders[idx].clone();
    Ok(entity_response(req, &store, StatusCode::OK, &f))
}

/// `POST …/mailFolders/{id}/move` or `/copy` with `{"destinationId": id or well-known
/// name}` → `200` + the folder in its new place (GRAPH-FACTS-2 §7.1: 200, not 201). A
/// move keeps the folder's id; a copy is a new folder with its subfolders and their
/// messages, all with new ids.
pub(super) fn move_or_copy(
    req: &MailRequest<'_>,
    folder: &str,
    copy: bool,
) -> Result<Response, GraphError> {
    let body = json_object(req.body)?;
    let dest = destination_id(&body)?;
    let mut store = req.state.lock();
    let user = &store.users[req.user_idx];
    let src = user
        .folder(folder)
        .ok_or_else(GraphError::item_not_found)?
        .clone();
    let dest_id = user
        .folder(dest)
        .ok_or_else(GraphError::item_not_found)?
        .id
        .clone();
    if !copy && src.well_known.is_some() {
        return Err(distinguished(
            "ErrorMoveDistinguishedFolder",
            "Distinguished folders cannot be moved.",
        ));
    }
    if user.subtree_ids(&src.id).contains(&dest_id) {
        // [unconfirmed] code and text: a folder cannot hold itself.
        return Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorMoveCopyFailed",
            "A folder cannot be moved or copied into itself or one of its subfolders.",
        ));
    }
    if user.has_child_named(&dest_id, &src.display_name, &src.id) {
        return Err(folder_exists());
    }
    let result = if copy {
        copy_subtree(&mut store, req.user_idx, &src.id, &dest_id)
    } else {
        let user = &mut store.users[req.user_idx];
        let idx = user.folder_index(&src.id).unwrap_or_default();
        user.folders[idx].parent_id = Some(dest_id);
        user.folders[idx].clone()
    };
    Ok(entity_response(req, &store, StatusCode::OK, &result))
}

/// Copies the folder `src_id`, its subfolders and their messages under `dest_id`; returns
/// the copy of `src_id`. Every copy gets a new id; copied messages also get a new
/// immutable id, as a message `copy` does.
fn copy_subtree(store: &mut Store, user_idx: usize, src_id: &str, dest_id: &str) -> Folder {
    let now = graph_time(store.now());
    let user = &store.users[user_idx];
    // Old id → copy, parents before children.
    let mut copies: Vec<Folder> = Vec::new();
    let mut new_ids: HashMap<String, String> = HashMap::new();
    for old_id in user.subtree_ids(src_id) {
        let Some(old) = user.folder(&old_id) else {
            continue;
        };
        let parent = match &old.parent_id {
            Some(p) if old_id != src_id => new_ids.get(p).cloned().unwrap_or_default(),
            _ => dest_id.to_string(),
        };
        let copy = Folder::new(&old.display_name, &parent, old.is_hidden);
        new_ids.insert(old_id, copy.id.clone());
        copies.push(copy);
    }
    let messages: Vec<_> = user
        .messages
        .iter()
        .filter(|m| new_ids.contains_key(&m.folder_id))
        .cloned()
        .collect();
    for mut m in messages {
        let folder_id = new_ids[&m.folder_id].clone();
        m.json.insert("id".into(), json!(opaque_id("AAMkA", 110)));
        m.json.insert("parentFolderId".into(), json!(folder_id));
        m.json.insert("createdDateTime".into(), json!(now));
        m.json
            .insert(IMMUTABLE_ID_KEY.into(), json!(new_immutable_id()));
        touch_message(&mut m.json, &now);
        m.folder_id = folder_id;
        m.seq = store.next_seq();
        store.users[user_idx].messages.push(m);
    }
    let top = copies[0].clone();
    store.users[user_idx].folders.extend(copies);
    top
}

/// `DELETE …/mailFolders/{id}` → `204`. The folder and everything in it moves to
/// Deleted Items, as Outlook does; deleting a folder already in Deleted Items removes
/// it for good. Neither is stated by "Delete mailFolder" [unconfirmed: third-party
/// client docs say "Outlook moves the folder (and any contents) to Deleted Items"].
/// Well-known folders cannot be deleted.
pub(super) fn delete(req: &MailRequest<'_>, folder: &str) -> Result<Response, GraphError> {
    let mut store = req.state.lock();
    let user = &mut store.users[req.user_idx];
    let idx = deletable(user, folder)?;
    let id = user.folders[idx].id.clone();
    let deleted_items = user
        .folder("deleteditems")
        .map(|f| f.id.clone())
        .unwrap_or_default();
    if user.subtree_ids(&deleted_items).contains(&id) {
        remove_subtree(&mut store, req.user_idx, &id);
    } else {
        // Outlook keeps both when a folder of that name is already there [unconfirmed].
        user.folders[idx].parent_id = Some(deleted_items);
    }
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// `POST …/mailFolders/{id}/permanentDelete` → `204`: the folder, its subfolders and
/// their messages are gone.
pub(super) fn permanent_delete(
    req: &MailRequest<'_>,
    folder: &str,
) -> Result<Response, GraphError> {
    let mut store = req.state.lock();
    let idx = deletable(&store.users[req.user_idx], folder)?;
    let id = store.users[req.user_idx].folders[idx].id.clone();
    remove_subtree(&mut store, req.user_idx, &id);
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// `POST …/messages/{id}/permanentDelete` → `204`: the message is gone.
pub(super) fn permanent_delete_message(
    req: &MailRequest<'_>,
    folder: Option<&str>,
    id: &str,
) -> Result<Response, GraphError> {
    let mut store = req.state.lock();
    let idx = message_index(&store, req.user_idx, folder, id)?;
    remove_message(&mut store, req.user_idx, idx);
    Ok(empty_response(StatusCode::NO_CONTENT))
}

/// Index of the folder `folder` if it may be deleted: 404 when unknown, refused for a
/// well-known folder (the root included).
fn deletable(user: &crate::store::User, folder: &str) -> Result<usize, GraphError> {
    let idx = user
        .folder_index(folder)
        .ok_or_else(GraphError::item_not_found)?;
    if user.folders[idx].well_known.is_some() {
        return Err(distinguished(
            "ErrorDeleteDistinguishedFolder",
            "Distinguished folders cannot be deleted.",
        ));
    }
    Ok(idx)
}

/// Removes the folder `id`, its subfolders and their messages.
fn remove_subtree(store: &mut Store, user_idx: usize, id: &str) {
    let ids = store.users[user_idx].subtree_ids(id);
    while let Some(idx) = store.users[user_idx]
        .messages
        .iter()
        .position(|m| ids.contains(&m.folder_id))
    {
        remove_message(store, user_idx, idx);
    }
    store.users[user_idx]
        .folders
        .retain(|f| !ids.contains(&f.id));
}

/// The required `displayName` of a create or rename body, trimmed.
fn display_name(body: &Map<String, Value>) -> Result<String, GraphError> {
    match get_ci(body, "displayName")
        .and_then(Value::as_str)
        .map(str::trim)
    {
        Some(name) if !name.is_empty() => Ok(name.to_string()),
        // [unconfirmed] Graph's code and text for a missing or empty displayName.
        _ => Err(GraphError::invalid_parameter(
            "The value of the property 'displayName' is empty.",
        )),
    }
}

/// `ErrorFolderExists` for a second folder of the same name under one parent
/// (GRAPH-FACTS-2 §7.1: the EWS code and text; status 400 as observed, sometimes 409).
fn folder_exists() -> GraphError {
    GraphError::new(
        StatusCode::BAD_REQUEST,
        "ErrorFolderExists",
        "A folder with the specified name already exists.",
    )
}

/// Refusal to move or delete a well-known ("distinguished") folder: the EWS response
/// codes of that meaning (EWS ResponseCode,
/// <https://learn.microsoft.com/exchange/client-developer/web-service-reference/responsecode>);
/// the 400 status and the texts are [unconfirmed] for Graph.
fn distinguished(code: &str, text: &str) -> GraphError {
    GraphError::new(StatusCode::BAD_REQUEST, code, text)
}
