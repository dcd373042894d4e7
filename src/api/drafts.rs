//! Drafts: create one as JSON or MIME (`POST …/messages`, 201), in Drafts or another folder
//! (GRAPH-FACTS §2.1; openapi-fragments/paths/user-messages.yaml).

use std::future::Future;

use super::send_mail::{base64_mime, check_mime, decode_base64_mime};
use super::Mailbox;
use crate::client::{Call, Request, Response};
use crate::error::{InvalidRequest, Result};
use crate::models::{FolderRef, Message};

enum DraftContent {
    Json(Box<Message>),
    Mime(Vec<u8>),
    /// Base64 MIME that did not decode: refused when sent, like every other check.
    Invalid(InvalidRequest),
}

impl std::fmt::Debug for DraftContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DraftContent::Json(message) => f.debug_tuple("Json").field(message).finish(),
            DraftContent::Mime(bytes) => write!(f, "Mime({} bytes)", bytes.len()),
            DraftContent::Invalid(e) => f.debug_tuple("Invalid").field(e).finish(),
        }
    }
}

/// Creates a draft; from [`Mailbox::create_draft`] or [`Mailbox::create_draft_mime`].
///
/// Not idempotent: retried after 429/503 only (a repeated create would leave two drafts).
#[derive(Debug)]
#[must_use = "nothing is sent until you call .send().await"]
pub struct CreateDraft {
    mailbox: Mailbox,
    content: DraftContent,
    folder: Option<String>,
    client_request_id: Option<String>,
}

impl CreateDraft {
    pub(crate) fn json(mailbox: Mailbox, message: Message) -> Self {
        CreateDraft {
            mailbox,
            content: DraftContent::Json(Box::new(message)),
            folder: None,
            client_request_id: None,
        }
    }

    pub(crate) fn mime(mailbox: Mailbox, mime: Vec<u8>) -> Self {
        CreateDraft {
            mailbox,
            content: DraftContent::Mime(mime),
            folder: None,
            client_request_id: None,
        }
    }

    pub(crate) fn mime_base64(mailbox: Mailbox, text: &[u8]) -> Self {
        let content = match decode_base64_mime(text) {
            Ok(mime) => DraftContent::Mime(mime),
            Err(e) => DraftContent::Invalid(e),
        };
        CreateDraft {
            mailbox,
            content,
            folder: None,
            client_request_id: None,
        }
    }

    /// Creates it in this folder (a [`WellKnownFolder`](crate::models::WellKnownFolder) or
    /// a folder id) instead of Drafts.
    pub fn in_folder(mut self, folder: impl Into<FolderRef>) -> Self {
        self.folder = Some(folder.into().into_string());
        self
    }

    /// Sends it with this `client-request-id` rather than a fresh one (see
    /// [`SendMime::client_request_id`](super::SendMime::client_request_id)).
    pub fn client_request_id(mut self, id: impl Into<String>) -> Self {
        self.client_request_id = Some(id.into());
        self
    }

    /// Creates the draft and returns it as Graph stored it (id, changeKey, etag).
    pub fn send(self) -> impl Future<Output = Result<Message>> + Send + 'static {
        self.mailbox.client.clone().call(self)
    }
}

impl Call for CreateDraft {
    type Output = Message;

    fn into_request(self) -> Result<Request> {
        let path = self.mailbox.messages_path(self.folder.as_deref(), &[]);
        let request =
            Request::post("createMessage", path).client_request_id(self.client_request_id);
        match &self.content {
            // A draft may lack recipients, so only the message's own rules are checked.
            DraftContent::Json(message) => {
                message.check_for_draft()?;
                request.json(message)
            }
            // Graph takes a MIME draft's recipients and subject from its headers (§2.1).
            DraftContent::Mime(mime) => {
                check_mime(mime)?;
                Ok(request.mime(base64_mime(mime)))
            }
            DraftContent::Invalid(e) => Err(e.clone().into()),
        }
    }

    fn parse(response: Response) -> Result<Message> {
        response.item()
    }
}

await_sends!(CreateDraft => Message);
