//! The `move` and `copy` actions of messages and mail folders: one body shape,
//! `{"destinationId": "…"}`, a folder id or a well-known name (GRAPH-FACTS-2 §7.1; docs
//! "message: move" <https://learn.microsoft.com/graph/api/message-move?view=graph-rest-1.0>,
//! "mailFolder: move" <https://learn.microsoft.com/graph/api/mailfolder-move?view=graph-rest-1.0>).

use crate::client::Request;
use crate::error::{InvalidRequest, Result};
use crate::models::FolderRef;

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Destination<'a> {
    destination_id: &'a str,
}

/// An empty destination, which Graph would answer with 400: refused before anything is
/// sent (for one message or folder here, for a whole bulk operation in `bulk`).
pub(crate) fn check_destination(folder: &FolderRef) -> Result<()> {
    if folder.as_str().trim().is_empty() {
        return Err(InvalidRequest::InvalidValue {
            reason: "the destination folder is empty".into(),
        }
        .into());
    }
    Ok(())
}

/// `POST {path}` with `{"destinationId": folder}`; an empty destination is refused before
/// anything is sent.
pub(crate) fn destination_request(
    operation: &'static str,
    path: Vec<String>,
    folder: &FolderRef,
) -> Result<Request> {
    check_destination(folder)?;
    Request::post(operation, path).json(&Destination {
        destination_id: folder.as_str(),
    })
}
