//! Partial updates of a message: only what you set is sent (`PATCH …/messages/{id}`).

use super::patch::PatchFields;
use serde::Serialize;

use super::extended_property::ExtendedPropertyId;
use super::{FollowupFlag, Importance, ItemBody, Recipient, SingleValueExtendedProperty};

/// Message properties a [`MessagePatch`] can clear (send as `null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MessageProperty {
    /// `subject`
    Subject,
    /// `body`
    Body,
    /// `flag`
    Flag,
    /// `importance`
    Importance,
    /// `from`
    From,
}

impl MessageProperty {
    fn wire_name(self) -> &'static str {
        match self {
            MessageProperty::Subject => "subject",
            MessageProperty::Body => "body",
            MessageProperty::Flag => "flag",
            MessageProperty::Importance => "importance",
            MessageProperty::From => "from",
        }
    }
}

/// The changes of a `PATCH`: only the properties set here are sent, so a concurrent change to
/// another property is not overwritten.
///
/// ```
/// use msgraph_outlook::models::{MessagePatch, MessageProperty};
/// let patch = MessagePatch::new()
///     .subject("Updated")
///     .to(["alex@contoso.com"])
///     .is_read(true)
///     .clear(MessageProperty::Flag);
/// assert_eq!(
///     serde_json::to_value(&patch).unwrap(),
///     serde_json::json!({
///         "subject": "Updated",
///         "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}],
///         "isRead": true,
///         "flag": null
///     })
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct MessagePatch {
    fields: PatchFields,
}

impl MessagePatch {
    /// No changes yet.
    pub fn new() -> Self {
        MessagePatch::default()
    }

    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    fn set(mut self, name: &str, value: impl Serialize) -> Self {
        self.fields.set(name, value);
        self
    }

    /// Sets the subject.
    pub fn subject(self, subject: impl Into<String>) -> Self {
        self.set("subject", subject.into())
    }

    /// Sets the body.
    pub fn body(self, body: ItemBody) -> Self {
        self.set("body", body)
    }

    /// Replaces the To recipients.
    pub fn to<I, R>(self, recipients: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<Recipient>,
    {
        let list: Vec<Recipient> = recipients.into_iter().map(Into::into).collect();
        self.set("toRecipients", list)
    }

    /// Replaces the Cc recipients.
    pub fn cc<I, R>(self, recipients: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<Recipient>,
    {
        let list: Vec<Recipient> = recipients.into_iter().map(Into::into).collect();
        self.set("ccRecipients", list)
    }

    /// Replaces the Bcc recipients.
    pub fn bcc<I, R>(self, recipients: I) -> Self
    where
        I: IntoIterator<Item = R>,
        R: Into<Recipient>,
    {
        let list: Vec<Recipient> = recipients.into_iter().map(Into::into).collect();
        self.set("bccRecipients", list)
    }

    /// Sets the importance.
    pub fn importance(self, importance: Importance) -> Self {
        self.set("importance", importance)
    }

    /// Marks read or unread.
    pub fn is_read(self, read: bool) -> Self {
        self.set("isRead", read)
    }

    /// Replaces the categories.
    pub fn categories<I, S>(self, categories: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let list: Vec<String> = categories.into_iter().map(Into::into).collect();
        self.set("categories", list)
    }

    /// Sets the follow-up flag.
    pub fn flag(self, flag: FollowupFlag) -> Self {
        self.set("flag", flag)
    }

    /// Sets single-value extended properties (e.g. the deferred send time), replacing those
    /// set earlier in this patch. Graph merges them into the message's by id.
    pub fn extended_properties(self, properties: Vec<SingleValueExtendedProperty>) -> Self {
        self.set("singleValueExtendedProperties", properties)
    }

    /// Sets one single-value extended property (added to those already in this patch).
    ///
    /// ```
    /// use msgraph_outlook::models::{ExtendedPropertyId, MapiPropertyType, MessagePatch};
    /// let color = ExtendedPropertyId::named(MapiPropertyType::String, "66f5a359-4659-4830-9070-00047ec6ac6e", "Color")?;
    /// let patch = MessagePatch::new().extended_property(&color, "Blue");
    /// assert_eq!(
    ///     serde_json::to_value(&patch).unwrap(),
    ///     serde_json::json!({"singleValueExtendedProperties": [
    ///         {"id": "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Color", "value": "Blue"}
    ///     ]})
    /// );
    /// # Ok::<(), msgraph_outlook::InvalidRequest>(())
    /// ```
    pub fn extended_property(mut self, id: &ExtendedPropertyId, value: impl Into<String>) -> Self {
        self.fields.set_extended_property(id, value.into());
        self
    }

    /// Sets one multi-value extended property (`id` of an `…Array` type).
    pub fn multi_value_extended_property<I, S>(mut self, id: &ExtendedPropertyId, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let values = values.into_iter().map(Into::into).collect();
        self.fields.set_multi_value_extended_property(id, values);
        self
    }

    /// What Graph would refuse: a flag due without a start (400, as for a new message), or
    /// extended properties (see [`ExtendedPropertyId`]).
    pub(crate) fn check(&self) -> Result<(), crate::error::InvalidRequest> {
        if let Some(flag) = self.fields.get("flag") {
            let has = |name: &str| flag.get(name).is_some_and(|v| !v.is_null());
            if has("dueDateTime") && !has("startDateTime") {
                return Err(crate::error::InvalidRequest::FlagDueWithoutStart);
            }
        }
        self.fields.check_extended_properties()
    }

    /// Schedules the send: see [`Message::send_at`](super::Message::send_at).
    pub fn send_at(self, when: chrono::DateTime<chrono::Utc>) -> Self {
        self.extended_properties(vec![super::message::deferred_send_property(when)])
    }

    /// Clears a property (sends `null`).
    pub fn clear(mut self, property: MessageProperty) -> Self {
        self.fields.clear(property.wire_name());
        self
    }
}
