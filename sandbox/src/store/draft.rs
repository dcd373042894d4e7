//! A message on its way out, as the sandbox keeps it (a deferred send waits in the
//! Outbox with it). Data only; parsing and delivery live in [`crate::message`].

use serde_json::Value;

/// A message to send, normalised from JSON or MIME.
#[derive(Debug, Clone, Default)]
pub(crate) struct Draft {
    pub subject: Option<String>,
    pub body_type: String,
    pub body_content: String,
    pub importance: String,
    pub to: Vec<Value>,
    pub cc: Vec<Value>,
    pub bcc: Vec<Value>,
    pub reply_to: Vec<Value>,
    pub from: Option<Value>,
    /// `sender` when it differs from `from` (Send on Behalf, GRAPH-FACTS §6.4); set by
    /// the server, never read from a request.
    pub sender: Option<Value>,
    pub categories: Vec<Value>,
    pub flag: Option<Value>,
    pub delivery_receipt: bool,
    pub read_receipt: bool,
    pub headers: Vec<Value>,
    /// `(name, contentType, bytes, isInline, contentId)`.
    pub attachments: Vec<AttachmentIn>,
    /// `singleValueExtendedProperties` (stored form, see `crate::extended`).
    pub extended_properties: Vec<Value>,
    /// `multiValueExtendedProperties`.
    pub multi_extended_properties: Vec<Value>,
    pub internet_message_id: Option<String>,
    /// The decoded MIME text when the message came as MIME.
    pub raw_mime: Option<Vec<u8>>,
    /// The immutable id of the draft this message was sent from: its Sent Items (and
    /// Outbox) copy keeps it (see `message_view.rs`).
    pub immutable_id: Option<String>,
}

/// A file attachment to store.
#[derive(Debug, Clone)]
pub(crate) struct AttachmentIn {
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub is_inline: bool,
    pub content_id: Option<String>,
    /// The `item` of an `itemAttachment` (a message or event JSON); `None` for files.
    pub item: Option<Value>,
}
