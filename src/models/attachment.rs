//! Attachments of messages and events (GRAPH-FACTS §4.1).

use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::{Event, Message};

/// An attachment, told apart by its `@odata.type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "@odata.type")]
#[non_exhaustive]
pub enum Attachment {
    /// `#microsoft.graph.fileAttachment`: a file, content inline as base64.
    #[serde(rename = "#microsoft.graph.fileAttachment")]
    File(FileAttachment),
    /// `#microsoft.graph.itemAttachment`: a message or event attached as an item.
    #[serde(rename = "#microsoft.graph.itemAttachment")]
    Item(ItemAttachment),
    /// An attachment type this crate does not model yet (item or reference attachments).
    #[serde(other)]
    Other,
}

impl From<ItemAttachment> for Attachment {
    fn from(item: ItemAttachment) -> Self {
        Attachment::Item(item)
    }
}

/// `itemAttachment`: an Outlook item (a message, or an event) attached to a message.
///
/// ```
/// use msgraph_outlook::models::{Attachment, ItemAttachment, Message};
/// let attached = ItemAttachment::message("Original request", Message::new().subject("Budget").to("alex@contoso.com"));
/// let json = serde_json::to_value(Attachment::from(attached)).unwrap();
/// assert_eq!(json["@odata.type"], "#microsoft.graph.itemAttachment");
/// assert_eq!(json["item"]["@odata.type"], "#microsoft.graph.message");
/// assert_eq!(json["item"]["subject"], "Budget");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ItemAttachment {
    /// Server-assigned id.
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Name shown to recipients.
    #[serde(default)]
    pub name: String,
    /// The attached item; Graph returns it only with `$expand`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<AttachedItem>,
    /// Size in bytes, as Graph reports it.
    #[serde(default, skip_serializing)]
    pub size: Option<i64>,
}

impl ItemAttachment {
    /// A message attached as an item.
    pub fn message(name: impl Into<String>, message: Message) -> Self {
        ItemAttachment {
            id: None,
            name: name.into(),
            item: Some(AttachedItem::Message(Box::new(message))),
            size: None,
        }
    }

    /// An event attached as an item (e.g. to forward an appointment by mail).
    pub fn event(name: impl Into<String>, event: Event) -> Self {
        ItemAttachment {
            id: None,
            name: name.into(),
            item: Some(AttachedItem::Event(Box::new(event))),
            size: None,
        }
    }
}

/// The item of an [`ItemAttachment`], told apart by its `@odata.type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "@odata.type")]
#[non_exhaustive]
pub enum AttachedItem {
    /// `#microsoft.graph.message`.
    #[serde(rename = "#microsoft.graph.message")]
    Message(Box<Message>),
    /// `#microsoft.graph.event`.
    #[serde(rename = "#microsoft.graph.event")]
    Event(Box<Event>),
    /// Another item type (contact, …).
    #[serde(other)]
    Other,
}

impl From<FileAttachment> for Attachment {
    fn from(file: FileAttachment) -> Self {
        Attachment::File(file)
    }
}

/// `fileAttachment`: a file under 3 MB sent inline with the message.
///
/// ```
/// use msgraph_outlook::models::FileAttachment;
/// let file = FileAttachment::new("attachment.txt", "text/plain", b"Hello World!".to_vec());
/// let json = serde_json::to_value(msgraph_outlook::models::Attachment::from(file)).unwrap();
/// assert_eq!(json["@odata.type"], "#microsoft.graph.fileAttachment");
/// assert_eq!(json["contentBytes"], "SGVsbG8gV29ybGQh");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FileAttachment {
    /// Server-assigned id.
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// File name shown to recipients.
    #[serde(default)]
    pub name: String,
    /// MIME type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// The file's bytes (base64 on the wire).
    #[serde(
        default,
        serialize_with = "as_base64",
        deserialize_with = "from_base64"
    )]
    pub content_bytes: Vec<u8>,
    /// Inline (referenced from the HTML body by `cid:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_inline: Option<bool>,
    /// The `cid:` id of an inline attachment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_id: Option<String>,
    /// Size in bytes, as Graph reports it.
    #[serde(default, skip_serializing)]
    pub size: Option<i64>,
}

impl FileAttachment {
    /// A file attachment.
    pub fn new(name: impl Into<String>, content_type: impl Into<String>, bytes: Vec<u8>) -> Self {
        FileAttachment {
            name: name.into(),
            content_type: Some(content_type.into()),
            content_bytes: bytes,
            ..FileAttachment::default()
        }
    }

    /// Marks it inline with the given content id (`<img src="cid:{content_id}">`).
    pub fn inline(mut self, content_id: impl Into<String>) -> Self {
        self.is_inline = Some(true);
        self.content_id = Some(content_id.into());
        self
    }
}

fn as_base64<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&base64::engine::general_purpose::STANDARD.encode(bytes))
}

fn from_base64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
    let text = Option::<String>::deserialize(deserializer)?.unwrap_or_default();
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(serde::de::Error::custom)
}
