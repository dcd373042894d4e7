//! Graph resources as typed Rust values, with Graph's own names.
//!
//! Outgoing values are built with constructors and chained setters
//! (`Message::new().subject(..).to(..)`); incoming values are read through public fields.
//! Unknown properties and future enum values never fail parsing.

mod attachment;
mod common;
mod message;
mod message_patch;

pub use attachment::{AttachedItem, Attachment, FileAttachment, ItemAttachment};
pub use common::{BodyType, DateTimeTimeZone, EmailAddress, Importance, ItemBody, Recipient};
pub use message::{
    FollowupFlag, FollowupFlagStatus, InternetMessageHeader, Message, SingleValueExtendedProperty,
};

pub use message_patch::{MessagePatch, MessageProperty};

pub(crate) use common::check_address;

/// Deserializes `null` as the type's default (Graph sends `null` for some empty collections).
pub(crate) fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}
