//! The master category list, `…/outlook/masterCategories` (GRAPH-FACTS-2 §7.3;
//! "outlookCategory resource type"
//! <https://learn.microsoft.com/graph/api/resources/outlookcategory>): list, get, create
//! (201), update (colour only), delete.

use axum::response::Response;

use super::not_implemented;
use super::request::MailRequest;
use crate::graph_error::GraphError;

pub(super) fn list(_req: &MailRequest<'_>) -> Result<Response, GraphError> {
    Err(not_implemented("masterCategories"))
}

pub(super) fn create(_req: &MailRequest<'_>) -> Result<Response, GraphError> {
    Err(not_implemented("masterCategories"))
}

pub(super) fn get(_req: &MailRequest<'_>, _id: &str) -> Result<Response, GraphError> {
    Err(not_implemented("masterCategories"))
}

pub(super) fn update(_req: &MailRequest<'_>, _id: &str) -> Result<Response, GraphError> {
    Err(not_implemented("masterCategories"))
}

pub(super) fn delete(_req: &MailRequest<'_>, _id: &str) -> Result<Response, GraphError> {
    Err(not_implemented("masterCategories"))
}
