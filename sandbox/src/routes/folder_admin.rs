//! Mail folder management (GRAPH-FACTS-2 §7.1): create (at the root or under a parent),
//! list child folders, rename, move, copy, delete (to Deleted Items), permanent delete;
//! and `permanentDelete` of a message.
//!
//! Docs: "Create mailFolder" <https://learn.microsoft.com/graph/api/user-post-mailfolders>,
//! "Create child folder" <https://learn.microsoft.com/graph/api/mailfolder-post-childfolders>,
//! "Update mailfolder" <https://learn.microsoft.com/graph/api/mailfolder-update>,
//! "mailFolder: move" / "copy" <https://learn.microsoft.com/graph/api/mailfolder-move>,
//! "Delete mailFolder" <https://learn.microsoft.com/graph/api/mailfolder-delete>,
//! "mailFolder: permanentDelete", "message: permanentDelete".

use axum::response::Response;

use super::not_implemented;
use super::request::MailRequest;
use crate::graph_error::GraphError;

pub(super) fn create(
    _req: &MailRequest<'_>,
    _parent: Option<&str>,
) -> Result<Response, GraphError> {
    Err(not_implemented("POST mailFolders"))
}

pub(super) fn list_children(_req: &MailRequest<'_>, _folder: &str) -> Result<Response, GraphError> {
    Err(not_implemented("childFolders"))
}

pub(super) fn update(_req: &MailRequest<'_>, _folder: &str) -> Result<Response, GraphError> {
    Err(not_implemented("PATCH mailFolders"))
}

pub(super) fn delete(_req: &MailRequest<'_>, _folder: &str) -> Result<Response, GraphError> {
    Err(not_implemented("DELETE mailFolders"))
}

pub(super) fn move_or_copy(
    _req: &MailRequest<'_>,
    _folder: &str,
    _copy: bool,
) -> Result<Response, GraphError> {
    Err(not_implemented("mailFolder move/copy"))
}

pub(super) fn permanent_delete(
    _req: &MailRequest<'_>,
    _folder: &str,
) -> Result<Response, GraphError> {
    Err(not_implemented("mailFolder permanentDelete"))
}

pub(super) fn permanent_delete_message(
    _req: &MailRequest<'_>,
    _folder: Option<&str>,
    _id: &str,
) -> Result<Response, GraphError> {
    Err(not_implemented("message permanentDelete"))
}
