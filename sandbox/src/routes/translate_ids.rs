//! `POST …/translateExchangeIds` (GRAPH-FACTS-2 §7.6; "user: translateExchangeIds"
//! <https://learn.microsoft.com/graph/api/user-translateexchangeids>): converts ids between
//! `ewsId`, `entryId`, `immutableEntryId`, `restId` and `restImmutableEntryId`, consistently
//! with the ids the sandbox hands out.

use axum::response::Response;

use super::not_implemented;
use super::request::MailRequest;
use crate::graph_error::GraphError;

pub(super) fn translate(_req: &MailRequest<'_>) -> Result<Response, GraphError> {
    Err(not_implemented("translateExchangeIds"))
}
