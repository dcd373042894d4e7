//! Meeting messages: `eventMessage`, `eventMessageRequest`, `eventMessageResponse`
//! (GRAPH-FACTS §5.5). They are messages, told apart by `@odata.type`.

use serde::{Deserialize, Deserializer, Serialize};

use super::{
    DateTimeTimeZone, Event, EventType, Location, Message, PatternedRecurrence, Recipient,
    ResponseType, TimeSlot,
};

/// `meetingMessageType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum MeetingMessageType {
    /// Not a meeting message.
    None,
    /// An invitation or update.
    MeetingRequest,
    /// A cancellation.
    MeetingCancelled,
    /// An acceptance.
    MeetingAccepted,
    /// A tentative acceptance. Graph v1.0 spells it `meetingTenativelyAccepted` (sic); the
    /// corrected spelling seen in beta examples is read too.
    #[serde(
        rename = "meetingTenativelyAccepted",
        alias = "meetingTentativelyAccepted"
    )]
    MeetingTentativelyAccepted,
    /// A decline.
    MeetingDeclined,
    /// A value this crate does not know yet.
    #[serde(other)]
    Unknown,
}

/// `meetingRequestType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum MeetingRequestType {
    /// None.
    None,
    /// A new meeting.
    NewMeetingRequest,
    /// Full update (time changed: responses are reset).
    FullUpdate,
    /// Informational update (responses kept).
    InformationalUpdate,
    /// Silent update.
    SilentUpdate,
    /// Outdated.
    Outdated,
    /// Sent on a principal's behalf.
    PrincipalWantsCopy,
    /// A value this crate does not know yet.
    #[serde(other)]
    Unknown,
}

/// `eventMessage`: a message about a meeting (invitation, update, cancellation, response).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventMessage {
    /// `@odata.type`, e.g. `#microsoft.graph.eventMessageResponse`.
    #[serde(rename = "@odata.type", default)]
    pub odata_type: Option<String>,
    /// The message properties (subject, from, body, …).
    #[serde(flatten)]
    pub message: Message,
    /// What the message is about.
    #[serde(default)]
    pub meeting_message_type: Option<MeetingMessageType>,
    /// Start of the meeting.
    #[serde(default)]
    pub start_date_time: Option<DateTimeTimeZone>,
    /// End of the meeting.
    #[serde(default)]
    pub end_date_time: Option<DateTimeTimeZone>,
    /// Where.
    #[serde(default)]
    pub location: Option<Location>,
    /// Whether it lasts whole days.
    #[serde(default)]
    pub is_all_day: Option<bool>,
    /// Whether a delegate received it.
    #[serde(default)]
    pub is_delegated: Option<bool>,
    /// Whether a later message superseded it.
    #[serde(default)]
    pub is_out_of_date: Option<bool>,
    /// The series' recurrence.
    #[serde(default)]
    pub recurrence: Option<PatternedRecurrence>,
    /// Event type.
    #[serde(rename = "type", default)]
    pub event_type: Option<EventType>,
    /// The calendar event, with `$expand=microsoft.graph.eventMessage/event`.
    #[serde(default)]
    pub event: Option<Box<Event>>,
}

/// `eventMessageRequest`: an invitation or update, in an attendee's mailbox.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventMessageRequest {
    /// The `eventMessage` properties.
    #[serde(flatten)]
    pub event_message: EventMessage,
    /// Whether the organizer accepts proposals of a new time.
    #[serde(default)]
    pub allow_new_time_proposals: Option<bool>,
    /// New meeting or update.
    #[serde(default)]
    pub meeting_request_type: Option<MeetingRequestType>,
    /// Start before this update.
    #[serde(default)]
    pub previous_start_date_time: Option<DateTimeTimeZone>,
    /// End before this update.
    #[serde(default)]
    pub previous_end_date_time: Option<DateTimeTimeZone>,
    /// Location before this update.
    #[serde(default)]
    pub previous_location: Option<Location>,
    /// Whether the organizer wants a response.
    #[serde(default)]
    pub response_requested: Option<bool>,
}

/// `eventMessageResponse`: an attendee's answer, in the organizer's mailbox, maybe with a
/// proposed new time (EWS's `MeetingResponse` with `ProposedStart`/`ProposedEnd`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EventMessageResponse {
    /// The `eventMessage` properties.
    #[serde(flatten)]
    pub event_message: EventMessage,
    /// The time the attendee proposed instead, if any.
    #[serde(default)]
    pub proposed_new_time: Option<TimeSlot>,
    /// The answer.
    #[serde(default)]
    pub response_type: Option<ResponseType>,
}

impl EventMessageResponse {
    /// Who answered.
    pub fn attendee_address(&self) -> Option<&str> {
        self.event_message.message.from.as_ref()?.address()
    }
}

/// A message from a mailbox listing, typed by its `@odata.type`.
///
/// ```
/// use msgraph_outlook::models::MailItem;
/// let item: MailItem = serde_json::from_value(serde_json::json!({
///     "@odata.type": "#microsoft.graph.eventMessageResponse",
///     "subject": "New Time Proposed: Review",
///     "meetingMessageType": "meetingTenativelyAccepted",
///     "responseType": "tentativelyAccepted",
///     "proposedNewTime": {
///         "start": {"dateTime": "2026-12-02T15:00:00.0000000", "timeZone": "UTC"},
///         "end": {"dateTime": "2026-12-02T16:00:00.0000000", "timeZone": "UTC"}
///     },
///     "someFutureProperty": 42
/// })).unwrap();
/// let MailItem::EventMessageResponse(response) = item else { panic!() };
/// assert!(response.proposed_new_time.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum MailItem {
    /// `#microsoft.graph.eventMessageRequest`.
    EventMessageRequest(Box<EventMessageRequest>),
    /// `#microsoft.graph.eventMessageResponse`.
    EventMessageResponse(Box<EventMessageResponse>),
    /// `#microsoft.graph.eventMessage` (e.g. a cancellation).
    EventMessage(Box<EventMessage>),
    /// Any other message.
    Message(Box<Message>),
}

impl<'de> Deserialize<'de> for MailItem {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let value = serde_json::Value::deserialize(deserializer)?;
        let odata_type = value
            .get("@odata.type")
            .and_then(|t| t.as_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let item = match odata_type.as_str() {
            "#microsoft.graph.eventmessagerequest" => MailItem::EventMessageRequest(
                serde_json::from_value(value).map_err(D::Error::custom)?,
            ),
            "#microsoft.graph.eventmessageresponse" => MailItem::EventMessageResponse(
                serde_json::from_value(value).map_err(D::Error::custom)?,
            ),
            "#microsoft.graph.eventmessage" => {
                MailItem::EventMessage(serde_json::from_value(value).map_err(D::Error::custom)?)
            }
            _ => MailItem::Message(serde_json::from_value(value).map_err(D::Error::custom)?),
        };
        Ok(item)
    }
}

/// Every variant is a message: these read its properties whatever the type.
///
/// ```
/// use msgraph_outlook::models::MailItem;
/// let item: MailItem = serde_json::from_value(serde_json::json!({
///     "@odata.type": "#microsoft.graph.eventMessageRequest",
///     "id": "AAMkAGI1",
///     "subject": "Review",
///     "from": {"emailAddress": {"address": "adele@contoso.com", "name": "Adele Vance"}},
///     "meetingMessageType": "meetingRequest"
/// })).unwrap();
/// assert_eq!(item.id(), Some("AAMkAGI1"));
/// assert_eq!(item.subject(), Some("Review"));
/// assert_eq!(item.from().and_then(|r| r.address()), Some("adele@contoso.com"));
/// assert!(item.is_meeting_message());
/// ```
impl MailItem {
    /// The message properties, whatever the type.
    pub fn message(&self) -> &Message {
        match self {
            MailItem::EventMessageRequest(m) => &m.event_message.message,
            MailItem::EventMessageResponse(m) => &m.event_message.message,
            MailItem::EventMessage(m) => &m.message,
            MailItem::Message(m) => m,
        }
    }

    /// The meeting message properties (`meetingMessageType`, start, end, …), for every
    /// variant but [`MailItem::Message`].
    pub fn event_message(&self) -> Option<&EventMessage> {
        match self {
            MailItem::EventMessageRequest(m) => Some(&m.event_message),
            MailItem::EventMessageResponse(m) => Some(&m.event_message),
            MailItem::EventMessage(m) => Some(m),
            MailItem::Message(_) => None,
        }
    }

    /// Whether this is a meeting request, response or cancellation.
    pub fn is_meeting_message(&self) -> bool {
        self.event_message().is_some()
    }

    /// `meetingMessageType`, for meeting messages.
    pub fn meeting_message_type(&self) -> Option<&MeetingMessageType> {
        self.event_message()?.meeting_message_type.as_ref()
    }

    /// `id`.
    pub fn id(&self) -> Option<&str> {
        self.message().id.as_deref()
    }

    /// `subject`.
    pub fn subject(&self) -> Option<&str> {
        self.message().subject.as_deref()
    }

    /// `from`: whose behalf it was sent on.
    pub fn from(&self) -> Option<&Recipient> {
        self.message().from.as_ref()
    }

    /// `sender`: who sent it (a delegate, when different from `from`).
    pub fn sender(&self) -> Option<&Recipient> {
        self.message().sender.as_ref()
    }

    /// `toRecipients`.
    pub fn to_recipients(&self) -> &[Recipient] {
        &self.message().to_recipients
    }

    /// `receivedDateTime`, as Graph sent it (ISO 8601, UTC).
    pub fn received_date_time(&self) -> Option<&str> {
        self.message().received_date_time.as_deref()
    }

    /// `bodyPreview`.
    pub fn body_preview(&self) -> Option<&str> {
        self.message().body_preview.as_deref()
    }

    /// `isRead`.
    pub fn is_read(&self) -> Option<bool> {
        self.message().is_read
    }

    /// Where it was read (its mailbox): see [`ItemSource`](super::ItemSource).
    pub fn source(&self) -> Option<&super::ItemSource> {
        self.message().source.as_ref()
    }
}
