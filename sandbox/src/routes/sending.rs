//! What every route that sends shares (`sendMail`, sending a draft, reply and forward):
//! reading a base64 MIME body into a draft, and the Send As / Send on Behalf rule for
//! its `from`.

use axum::http::StatusCode;

use super::authz::send_as_denied;
use super::request::MailRequest;
use crate::graph_error::GraphError;
use crate::message::Draft;
use crate::mime::{self, MimeError};
use crate::store::{Right, Store};

/// Applies the Send As / Send on Behalf rules (GRAPH-FACTS §6.4, §10) to a message
/// sent from mailbox `req.user_idx`. The sending account is `from`, or the mailbox when
/// `from` is missing. When it is the signed-in user itself (or, for app tokens, the
/// mailbox), it sends as itself. Otherwise the signed-in user (for app tokens: the
/// mailbox) needs Send As on it (`sender` = `from`) or Send on Behalf (`sender` = the
/// signed-in user); Send As wins when both are granted; otherwise `403
/// ErrorSendAsDenied`. A delegate sending from another user's mailbox with Full Access
/// alone was refused before (`authz`).
pub(crate) fn check_from(
    req: &MailRequest<'_>,
    store: &Store,
    draft: &mut Draft,
) -> Result<(), GraphError> {
    let actor = req.actor();
    let owner = match &draft.from {
        None => req.user_idx,
        Some(from) => {
            let address = from["emailAddress"]["address"].as_str().unwrap_or("");
            if address.eq_ignore_ascii_case(&store.users[actor].address) {
                return Ok(());
            }
            if address.eq_ignore_ascii_case(&store.users[req.user_idx].address) {
                req.user_idx
            } else {
                store.user_index(address).ok_or_else(send_as_denied)?
            }
        }
    };
    if owner == actor {
        return Ok(());
    }
    if store.has_right(owner, actor, Right::SendAs) {
        draft.sender = None;
        Ok(())
    } else if store.has_right(owner, actor, Right::SendOnBehalf) {
        draft.sender = Some(store.users[actor].recipient());
        Ok(())
    } else {
        Err(send_as_denied())
    }
}

/// A draft from a `text/plain` base64 MIME body (GRAPH-FACTS §1.2).
pub(crate) fn mime_draft(body: &[u8]) -> Result<Draft, GraphError> {
    let raw = mime::decode_base64_body(body).ok_or_else(|| {
        // Documented (user-sendmail).
        GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorMimeContentInvalidBase64String",
            "Invalid base64 string for MIME content.",
        )
    })?;
    match mime::parse(&raw) {
        Ok(m) => {
            let mut d = Draft::from_mime(m);
            d.raw_mime = Some(raw);
            Ok(d)
        }
        // [unconfirmed] Graph's code/text for MIME without a header section.
        Err(MimeError::NoHeaders) => Err(GraphError::new(
            StatusCode::BAD_REQUEST,
            "ErrorMimeContentInvalid",
            "The MIME content is invalid.",
        )),
    }
}
