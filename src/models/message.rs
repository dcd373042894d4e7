//! `message` (GRAPH-FACTS §4).

use serde::{Deserialize, Serialize};

use super::extended_property::{
    self, ExtendedPropertyId, MultiValueExtendedProperty, SingleValueExtendedProperty,
};
use super::{
    check_address, null_as_default, Attachment, DateTimeTimeZone, FileAttachment, Importance,
    ItemBody, Recipient,
};
use crate::error::InvalidRequest;

/// Exchange Online's per-message recipient limit (to + cc + bcc; GRAPH-FACTS §4, §8.3).
pub(crate) const MAX_RECIPIENTS: usize = 500;
/// Graph's limit on custom `internetMessageHeaders` (GRAPH-FACTS §4.4).
pub(crate) const MAX_HEADERS: usize = 5;

/// An Outlook message: what you send, and what you read back.
///
/// Server-set properties (`id`, dates, `changeKey`, …) are read-only: they are filled in
/// answers and never sent.
///
/// ```
/// use msgraph_outlook::models::{FileAttachment, Importance, Message};
/// let message = Message::new()
///     .subject("Quarterly report")
///     .html_body("<p>See <b>attached</b>.</p>")
///     .to("alice@contoso.com")
///     .cc("bob@contoso.com")
///     .importance(Importance::High)
///     .header("x-app-correlation-id", "42")
///     .attach(FileAttachment::new("report.txt", "text/plain", b"Hello World!".to_vec()));
/// assert_eq!(message.to_recipients.len(), 1);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Message {
    /// Id (changes when the message moves, unless immutable ids are requested).
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Where this was read (not Graph JSON): handles made from it with
    /// [`GraphClient::message_from`](crate::GraphClient::message_from) go back to that mailbox (implicit access).
    /// `None` for values built locally.
    #[serde(skip)]
    pub source: Option<super::ItemSource>,
    /// `@odata.etag`, for `If-Match`.
    #[serde(rename = "@odata.etag", default, skip_serializing)]
    pub etag: Option<String>,
    /// Version of the item.
    #[serde(default, skip_serializing)]
    pub change_key: Option<String>,
    /// Created (UTC, RFC 3339).
    #[serde(default, skip_serializing)]
    pub created_date_time: Option<String>,
    /// Last modified (UTC, RFC 3339).
    #[serde(default, skip_serializing)]
    pub last_modified_date_time: Option<String>,
    /// Received (UTC, RFC 3339).
    #[serde(default, skip_serializing)]
    pub received_date_time: Option<String>,
    /// Sent (UTC, RFC 3339).
    #[serde(default, skip_serializing)]
    pub sent_date_time: Option<String>,
    /// Whether it has (non-inline) attachments.
    #[serde(default, skip_serializing)]
    pub has_attachments: Option<bool>,
    /// RFC 5322 `Message-ID`: assigned by the server unless set while the message is a
    /// draft ([`Message::internet_message_id`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub internet_message_id: Option<String>,
    /// First 255 characters of the body, as text.
    #[serde(default, skip_serializing)]
    pub body_preview: Option<String>,
    /// Folder holding the message.
    #[serde(default, skip_serializing)]
    pub parent_folder_id: Option<String>,
    /// Conversation (thread) id.
    #[serde(default, skip_serializing)]
    pub conversation_id: Option<String>,
    /// Read state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_read: Option<bool>,
    /// Whether it is an unsent draft.
    #[serde(default, skip_serializing)]
    pub is_draft: Option<bool>,
    /// Link to open it in Outlook on the web.
    #[serde(default, skip_serializing)]
    pub web_link: Option<String>,
    /// The account that actually sent it (set by Graph).
    #[serde(default, skip_serializing)]
    pub sender: Option<Recipient>,

    /// Subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<ItemBody>,
    /// The mailbox it is sent from (send as / on behalf, GRAPH-FACTS §10).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Recipient>,
    /// To.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub to_recipients: Vec<Recipient>,
    /// Cc.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub cc_recipients: Vec<Recipient>,
    /// Bcc.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub bcc_recipients: Vec<Recipient>,
    /// Where replies go.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub reply_to: Vec<Recipient>,
    /// Importance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importance: Option<Importance>,
    /// Ask for a delivery receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_delivery_receipt_requested: Option<bool>,
    /// Ask for a read receipt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_read_receipt_requested: Option<bool>,
    /// Categories.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub categories: Vec<String>,
    /// Follow-up flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag: Option<FollowupFlag>,
    /// Custom `x-` headers (at most 5, only when creating; read back with `$select`).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub internet_message_headers: Vec<InternetMessageHeader>,
    /// Attachments (with `$expand=attachments`, or sent inline).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attachments: Vec<Attachment>,
    /// MAPI properties without a Graph name (e.g. `SystemTime 0x3FEF`, deferred send).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub single_value_extended_properties: Vec<SingleValueExtendedProperty>,
    /// Multi-value MAPI properties (read with [`ExtendedPropertyId::expand`]).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub multi_value_extended_properties: Vec<MultiValueExtendedProperty>,
}

impl Message {
    /// An empty message, to be filled with the setters below.
    pub fn new() -> Self {
        Message::default()
    }

    /// Sets the subject.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets the body.
    pub fn body(mut self, body: ItemBody) -> Self {
        self.body = Some(body);
        self
    }

    /// Sets a plain-text body.
    pub fn text_body(self, content: impl Into<String>) -> Self {
        self.body(ItemBody::text(content))
    }

    /// Sets an HTML body.
    pub fn html_body(self, content: impl Into<String>) -> Self {
        self.body(ItemBody::html(content))
    }

    /// Adds a To recipient.
    pub fn to(mut self, recipient: impl Into<Recipient>) -> Self {
        self.to_recipients.push(recipient.into());
        self
    }

    /// Adds a Cc recipient.
    pub fn cc(mut self, recipient: impl Into<Recipient>) -> Self {
        self.cc_recipients.push(recipient.into());
        self
    }

    /// Adds a Bcc recipient.
    pub fn bcc(mut self, recipient: impl Into<Recipient>) -> Self {
        self.bcc_recipients.push(recipient.into());
        self
    }

    /// Adds a Reply-To address.
    pub fn reply_to(mut self, recipient: impl Into<Recipient>) -> Self {
        self.reply_to.push(recipient.into());
        self
    }

    /// Sets the mailbox the message is from (send as / on behalf of another mailbox).
    pub fn from(mut self, recipient: impl Into<Recipient>) -> Self {
        self.from = Some(recipient.into());
        self
    }

    /// Sets the importance.
    pub fn importance(mut self, importance: Importance) -> Self {
        self.importance = Some(importance);
        self
    }

    /// Asks for a delivery receipt.
    pub fn delivery_receipt(mut self, requested: bool) -> Self {
        self.is_delivery_receipt_requested = Some(requested);
        self
    }

    /// Asks for a read receipt.
    pub fn read_receipt(mut self, requested: bool) -> Self {
        self.is_read_receipt_requested = Some(requested);
        self
    }

    /// Adds a category.
    pub fn category(mut self, category: impl Into<String>) -> Self {
        self.categories.push(category.into());
        self
    }

    /// Sets the follow-up flag.
    pub fn flag(mut self, flag: FollowupFlag) -> Self {
        self.flag = Some(flag);
        self
    }

    /// Adds a custom internet message header (name must start with `x-`).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.internet_message_headers.push(InternetMessageHeader {
            name: name.into(),
            value: value.into(),
        });
        self
    }

    /// Sets the RFC 5322 `Message-ID` (`<…@…>`) of a draft to create: "updatable only if
    /// isDraft = true" (message resource,
    /// <https://learn.microsoft.com/graph/api/resources/message>; GRAPH-FACTS-2 §6.2), so
    /// the sent copy can be found again with
    /// `$filter=internetMessageId eq '<…>'`. That Graph takes it in the create body (not
    /// only by PATCH) is \[unconfirmed\].
    ///
    /// ```
    /// use msgraph_outlook::models::Message;
    /// let draft = Message::new().to("alex@contoso.com").internet_message_id("<q-42@relay.contoso.com>");
    /// assert_eq!(
    ///     serde_json::to_value(&draft).unwrap()["internetMessageId"],
    ///     "<q-42@relay.contoso.com>"
    /// );
    /// ```
    pub fn internet_message_id(mut self, id: impl Into<String>) -> Self {
        self.internet_message_id = Some(id.into());
        self
    }

    /// Adds a file attachment (under 3 MB; the whole request must stay under 4 MB).
    pub fn attach(mut self, file: FileAttachment) -> Self {
        self.attachments.push(Attachment::File(file));
        self
    }

    /// Sets a single-value extended property (replacing an earlier value of it). Graph
    /// never returns it unless asked: read it back with
    /// [`GetMessage::with_extended_property`](crate::api::GetMessage::with_extended_property).
    ///
    /// ```
    /// use msgraph_outlook::models::{ExtendedPropertyId, MapiPropertyType, Message};
    /// let color = ExtendedPropertyId::named(MapiPropertyType::String, "66f5a359-4659-4830-9070-00047ec6ac6e", "Color")?;
    /// let message = Message::new().subject("Palette").extended_property(&color, "Green");
    /// assert_eq!(message.extended_property_value(&color), Some("Green"));
    /// assert_eq!(
    ///     serde_json::to_value(&message).unwrap()["singleValueExtendedProperties"],
    ///     serde_json::json!([{"id": "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name Color", "value": "Green"}])
    /// );
    /// # Ok::<(), msgraph_outlook::InvalidRequest>(())
    /// ```
    pub fn extended_property(mut self, id: &ExtendedPropertyId, value: impl Into<String>) -> Self {
        extended_property::set_single(&mut self.single_value_extended_properties, id, value.into());
        self
    }

    /// Sets a multi-value extended property (`id` of an `…Array` type, from
    /// [`ExtendedPropertyId::multi_value`]).
    pub fn multi_value_extended_property<I, S>(mut self, id: &ExtendedPropertyId, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let values = values.into_iter().map(Into::into).collect();
        extended_property::set_multi(&mut self.multi_value_extended_properties, id, values);
        self
    }

    /// The value of a single-value extended property, when the message was read with it.
    pub fn extended_property_value(&self, id: &ExtendedPropertyId) -> Option<&str> {
        extended_property::single_value(&self.single_value_extended_properties, id)
    }

    /// The values of a multi-value extended property, when the message was read with it.
    pub fn multi_value_extended_property_values(
        &self,
        id: &ExtendedPropertyId,
    ) -> Option<&[String]> {
        extended_property::multi_value(&self.multi_value_extended_properties, id)
    }

    /// Schedules the send (EWS's "delayed message"): Exchange holds the sent message in the
    /// Outbox until `when`, through the MAPI property `PidTagDeferredSendTime`
    /// (`SystemTime 0x3FEF`, GRAPH-FACTS §3), to the second; a time in the past sends at once. To cancel,
    /// delete the message from the Outbox (or the draft) before that time — the usual
    /// approach; Graph documents no cancel action \[unconfirmed\].
    ///
    /// ```
    /// use chrono::{TimeZone, Utc};
    /// use msgraph_outlook::models::Message;
    /// let when = Utc.with_ymd_and_hms(2026, 6, 10, 9, 0, 0).unwrap();
    /// let message = Message::new().to("alex@contoso.com").send_at(when);
    /// assert_eq!(message.single_value_extended_properties[0].id, "SystemTime 0x3FEF");
    /// assert_eq!(message.single_value_extended_properties[0].value, "2026-06-10T09:00:00Z");
    /// assert_eq!(message.scheduled_send_time(), Some(when));
    /// ```
    pub fn send_at(self, when: chrono::DateTime<chrono::Utc>) -> Self {
        let property = deferred_send_property(when);
        self.extended_property(&ExtendedPropertyId::DEFERRED_SEND_TIME, property.value)
    }

    /// The scheduled send time, when the message carries one (read it back with
    /// `$expand=singleValueExtendedProperties`). Graph echoes the property id lower-cased,
    /// so it is compared case-insensitively.
    pub fn scheduled_send_time(&self) -> Option<chrono::DateTime<chrono::Utc>> {
        let value = self.extended_property_value(&ExtendedPropertyId::DEFERRED_SEND_TIME)?;
        chrono::DateTime::parse_from_rfc3339(value)
            .ok()
            .map(|t| t.with_timezone(&chrono::Utc))
    }

    /// What Graph would reject about sending this message, checked locally.
    pub(crate) fn check_for_send(&self) -> Result<(), InvalidRequest> {
        if self.to_recipients.is_empty()
            && self.cc_recipients.is_empty()
            && self.bcc_recipients.is_empty()
        {
            return Err(InvalidRequest::NoRecipients);
        }
        self.check_for_draft()
    }

    /// What Graph would reject about storing this message as a draft (which may still lack
    /// recipients), checked locally.
    pub(crate) fn check_for_draft(&self) -> Result<(), InvalidRequest> {
        let recipients =
            self.to_recipients.len() + self.cc_recipients.len() + self.bcc_recipients.len();
        if recipients > MAX_RECIPIENTS {
            return Err(InvalidRequest::TooManyRecipients { count: recipients });
        }
        let everyone = self
            .to_recipients
            .iter()
            .chain(&self.cc_recipients)
            .chain(&self.bcc_recipients)
            .chain(&self.reply_to)
            .chain(&self.from);
        for recipient in everyone {
            check_address(recipient.address().unwrap_or_default())?;
        }
        if self.internet_message_headers.len() > MAX_HEADERS {
            return Err(InvalidRequest::TooManyHeaders {
                count: self.internet_message_headers.len(),
            });
        }
        if let Some(header) = self.internet_message_headers.iter().find(|h| {
            !h.name
                .get(..2)
                .is_some_and(|p| p.eq_ignore_ascii_case("x-"))
        }) {
            return Err(InvalidRequest::InvalidHeaderName {
                name: header.name.clone(),
            });
        }
        if let Some(flag) = &self.flag {
            if flag.due_date_time.is_some() && flag.start_date_time.is_none() {
                return Err(InvalidRequest::FlagDueWithoutStart);
            }
        }
        extended_property::check(
            &self.single_value_extended_properties,
            &self.multi_value_extended_properties,
        )
    }
}

/// The extended property that schedules a send at `when` (UTC, ISO 8601 with `Z`).
pub(crate) fn deferred_send_property(
    when: chrono::DateTime<chrono::Utc>,
) -> SingleValueExtendedProperty {
    SingleValueExtendedProperty::new(
        &ExtendedPropertyId::DEFERRED_SEND_TIME,
        when.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    )
}

/// `internetMessageHeader`: a custom `x-` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct InternetMessageHeader {
    /// Header name.
    pub name: String,
    /// Header value.
    #[serde(default)]
    pub value: String,
}

/// `followupFlag` (GRAPH-FACTS §4.5).
///
/// ```
/// use msgraph_outlook::models::{DateTimeTimeZone, FollowupFlag};
/// let flag = FollowupFlag::flagged()
///     .start(DateTimeTimeZone::new("2026-08-30T12:13:00", "Eastern Standard Time"))
///     .due(DateTimeTimeZone::new("2026-09-01T17:00:00", "Eastern Standard Time"));
/// assert!(flag.due_date_time.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FollowupFlag {
    /// Status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flag_status: Option<FollowupFlagStatus>,
    /// Start (required when a due date is set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date_time: Option<DateTimeTimeZone>,
    /// Due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due_date_time: Option<DateTimeTimeZone>,
    /// Completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub completed_date_time: Option<DateTimeTimeZone>,
}

impl FollowupFlag {
    /// A `flagged` flag.
    pub fn flagged() -> Self {
        FollowupFlag {
            flag_status: Some(FollowupFlagStatus::Flagged),
            ..FollowupFlag::default()
        }
    }

    /// Sets the start.
    pub fn start(mut self, start: DateTimeTimeZone) -> Self {
        self.start_date_time = Some(start);
        self
    }

    /// Sets the due date (needs a start).
    pub fn due(mut self, due: DateTimeTimeZone) -> Self {
        self.due_date_time = Some(due);
        self
    }
}

/// `followupFlagStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum FollowupFlagStatus {
    /// Not flagged.
    NotFlagged,
    /// Completed.
    Complete,
    /// Flagged.
    Flagged,
    /// A value this crate does not know yet (never send it).
    #[serde(other)]
    Unknown,
}
