//! Inbox rules, `…/mailFolders/inbox/messageRules` (GRAPH-FACTS-2 §7.2; "messageRule
//! resource type" <https://learn.microsoft.com/graph/api/resources/messagerule>): list, get,
//! create (201), update (PATCH, 200), delete. The rules are evaluated on delivery in
//! `crate::arrival::rules`.

use axum::response::Response;

use super::not_implemented;
use super::request::MailRequest;
use crate::graph_error::GraphError;

pub(super) fn list(_req: &MailRequest<'_>, _folder: &str) -> Result<Response, GraphError> {
    Err(not_implemented("messageRules"))
}

pub(super) fn create(_req: &MailRequest<'_>, _folder: &str) -> Result<Response, GraphError> {
    Err(not_implemented("messageRules"))
}

pub(super) fn get(
    _req: &MailRequest<'_>,
    _folder: &str,
    _id: &str,
) -> Result<Response, GraphError> {
    Err(not_implemented("messageRules"))
}

pub(super) fn update(
    _req: &MailRequest<'_>,
    _folder: &str,
    _id: &str,
) -> Result<Response, GraphError> {
    Err(not_implemented("messageRules"))
}

pub(super) fn delete(
    _req: &MailRequest<'_>,
    _folder: &str,
    _id: &str,
) -> Result<Response, GraphError> {
    Err(not_implemented("messageRules"))
}
