//! Reply, reply all and forward: sent at once (202) or created as a draft (201), as JSON or
//! as a MIME message (GRAPH-FACTS §2.4; openapi-fragments/paths/user-message-actions.yaml).

use serde::Serialize;

use super::message::MessageRef;
use super::send_mail::{base64_mime, check_mime};
use crate::client::{Accepted, Request};
use crate::error::{InvalidRequest, Result};
use crate::models::{check_address, Message, Recipient};

/// Which answer.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    Reply,
    ReplyAll,
    Forward,
}

/// A reply, reply-all or forward; from [`MessageRef::reply`], [`MessageRef::reply_all`] or
/// [`MessageRef::forward`]. Finish with [`send`](Self::send) (202, not idempotent) or
/// [`create_draft`](Self::create_draft) (201, a draft to edit and send later).
///
/// Graph threads the answer itself and, for a reply, answers the original's `replyTo` when
/// it has one. To answer with a whole MIME message instead, see [`MimeReply`].
#[derive(Debug)]
#[must_use = "nothing is sent until you call .send() or .create_draft()"]
pub struct Reply {
    original: MessageRef,
    kind: Kind,
    comment: Option<String>,
    message: Option<Message>,
    to: Vec<Recipient>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReplyBody<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<&'a str>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    to_recipients: &'a [Recipient],
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<&'a Message>,
}

impl Reply {
    pub(crate) fn new(original: MessageRef, kind: Kind, to: Vec<Recipient>) -> Self {
        Reply {
            original,
            kind,
            comment: None,
            message: None,
            to,
        }
    }

    /// Text placed above the quoted original. Not with a [`message`](Self::message) body.
    /// (Known Graph issue: for `create_draft` the comment does not reach the draft's body.)
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// Properties of the answer itself (body, extra recipients, attachments…).
    pub fn message(mut self, message: Message) -> Self {
        self.message = Some(message);
        self
    }

    fn action_name(kind: Kind, draft: bool) -> &'static str {
        match (kind, draft) {
            (Kind::Reply, false) => "reply",
            (Kind::ReplyAll, false) => "replyAll",
            (Kind::Forward, false) => "forward",
            (Kind::Reply, true) => "createReply",
            (Kind::ReplyAll, true) => "createReplyAll",
            (Kind::Forward, true) => "createForward",
        }
    }

    fn request(&self, draft: bool) -> Result<Request> {
        let body_given = self.message.as_ref().is_some_and(|m| m.body.is_some());
        if self.comment.is_some() && body_given {
            return Err(InvalidRequest::CommentAndBody.into());
        }
        for recipient in &self.to {
            check_address(recipient.address().unwrap_or_default())?;
        }
        if let Some(message) = &self.message {
            message.check_for_draft()?;
        }
        let forward_to_nobody = matches!(self.kind, Kind::Forward)
            && self.to.is_empty()
            && self
                .message
                .as_ref()
                .map_or(true, |m| m.to_recipients.is_empty());
        if forward_to_nobody && !draft {
            return Err(InvalidRequest::NoRecipients.into());
        }
        let action = Reply::action_name(self.kind, draft);
        let body = ReplyBody {
            comment: self.comment.as_deref(),
            to_recipients: &self.to,
            message: self.message.as_ref(),
        };
        Request::post(action, self.original.path(&[action])).json(&body)
    }

    /// Sends the answer now (202).
    pub async fn send(self) -> Result<Accepted> {
        send_answer(&self.original, self.request(false)?).await
    }

    /// Creates the answer as a draft (201) to edit and send with [`MessageRef::send`].
    pub async fn create_draft(self) -> Result<Message> {
        create_answer(&self.original, self.request(true)?).await
    }
}

/// A reply, reply-all or forward written as a whole MIME message; from
/// [`MessageRef::reply_mime`], [`MessageRef::reply_all_mime`] or
/// [`MessageRef::forward_mime`]. Sent base64 as `text/plain`, as in Example 2 of each action's
/// page (<https://learn.microsoft.com/graph/api/message-reply?view=graph-rest-1.0>, and
/// <https://learn.microsoft.com/graph/outlook-send-mime-message>); the base64 is made here,
/// like [`Mailbox::send_mime`](super::Mailbox::send_mime), so pass the raw RFC 5322 bytes.
///
/// Graph takes subject, body and attachments from the MIME. A reply or reply-all without a
/// `To`/`Cc`/`Bcc` header goes to the original's sender ("uses the sender of the original
/// message as recipient", message-reply); a forward sent now needs one.
#[must_use = "nothing is sent until you call .send() or .create_draft()"]
pub struct MimeReply {
    original: MessageRef,
    kind: Kind,
    mime: Vec<u8>,
}

impl std::fmt::Debug for MimeReply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The MIME is message content: its size only.
        f.debug_struct("MimeReply")
            .field("original", &self.original)
            .field("kind", &self.kind)
            .field("mime", &format_args!("{} bytes", self.mime.len()))
            .finish()
    }
}

impl MimeReply {
    pub(crate) fn new(original: MessageRef, kind: Kind, mime: Vec<u8>) -> Self {
        MimeReply {
            original,
            kind,
            mime,
        }
    }

    fn request(&self, draft: bool) -> Result<Request> {
        match check_mime(&self.mime) {
            Ok(()) => {}
            // A reply's recipients default to the original's; a forward draft may get its
            // recipients later. Only a forward sent now must name someone.
            Err(InvalidRequest::MimeWithoutRecipients)
                if draft || !matches!(self.kind, Kind::Forward) => {}
            Err(e) => return Err(e.into()),
        }
        let action = Reply::action_name(self.kind, draft);
        Ok(Request::post(action, self.original.path(&[action])).mime(base64_mime(&self.mime)))
    }

    /// Sends the answer now (202). Not idempotent: never retried once it may have reached Graph.
    pub async fn send(self) -> Result<Accepted> {
        send_answer(&self.original, self.request(false)?).await
    }

    /// Creates the answer as a draft (201), returned as Graph stored it.
    pub async fn create_draft(self) -> Result<Message> {
        create_answer(&self.original, self.request(true)?).await
    }
}

/// Sends a built answer (JSON or MIME) through the original's mailbox: `202`.
async fn send_answer(original: &MessageRef, request: Request) -> Result<Accepted> {
    original.mailbox().client.send(request).await?.accepted()
}

/// Creates a built answer as a draft: `201` with the draft.
async fn create_answer(original: &MessageRef, request: Request) -> Result<Message> {
    original.mailbox().client.send(request).await?.item()
}
