//! `event` and its parts: attendees, response status (GRAPH-FACTS §5.1).

use chrono::Timelike;
use serde::{Deserialize, Serialize};

use super::extended_property::{
    self, ExtendedPropertyId, MultiValueExtendedProperty, SingleValueExtendedProperty,
};
use super::{
    check_address, null_as_default, DateTimeTimeZone, EmailAddress, Importance, ItemBody, Location,
    PatternedRecurrence, Recipient, TimeSlot,
};
use crate::error::InvalidRequest;

/// Graph's limit of attendees per event (GRAPH-FACTS §5.1).
pub(crate) const MAX_ATTENDEES: usize = 500;

/// `attendeeType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum AttendeeType {
    /// A person who must attend.
    Required,
    /// A person who may attend.
    Optional,
    /// A room or equipment.
    Resource,
    /// A value this crate does not know yet (never send it).
    #[serde(other)]
    Unknown,
}

/// `responseType`: how an attendee answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ResponseType {
    /// No response recorded (the organizer's view of an attendee before any answer).
    None,
    /// The organizer's own status.
    Organizer,
    /// Tentatively accepted.
    TentativelyAccepted,
    /// Accepted.
    Accepted,
    /// Declined.
    Declined,
    /// Not responded yet (the attendee's own view).
    NotResponded,
    /// A value this crate does not know yet (never send it).
    #[serde(other)]
    Unknown,
}

/// `responseStatus`: a response and when it was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResponseStatus {
    /// The response.
    #[serde(default)]
    pub response: Option<ResponseType>,
    /// When (UTC, RFC 3339; `0001-01-01T00:00:00Z` when never).
    #[serde(default)]
    pub time: Option<String>,
}

/// `attendee`: a person or resource invited to an event, with their answer.
///
/// ```
/// use msgraph_outlook::models::Attendee;
/// assert_eq!(
///     serde_json::to_value(Attendee::resource("dlpprojector@contoso.com")).unwrap(),
///     serde_json::json!({"type": "resource", "emailAddress": {"address": "dlpprojector@contoso.com"}})
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Attendee {
    /// Required, optional or resource.
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub attendee_type: Option<AttendeeType>,
    /// Who.
    #[serde(default)]
    pub email_address: EmailAddress,
    /// Their answer (set by Graph; never sent).
    #[serde(default, skip_serializing)]
    pub status: Option<ResponseStatus>,
    /// The time they proposed instead, if any (set by Graph; never sent).
    #[serde(default, skip_serializing)]
    pub proposed_new_time: Option<TimeSlot>,
}

impl Attendee {
    fn new(attendee_type: AttendeeType, recipient: Recipient) -> Self {
        Attendee {
            attendee_type: Some(attendee_type),
            email_address: recipient.email_address,
            status: None,
            proposed_new_time: None,
        }
    }

    /// A required attendee (an address, or a [`Recipient`] with a name).
    pub fn required(who: impl Into<Recipient>) -> Self {
        Attendee::new(AttendeeType::Required, who.into())
    }

    /// An optional attendee.
    pub fn optional(who: impl Into<Recipient>) -> Self {
        Attendee::new(AttendeeType::Optional, who.into())
    }

    /// A resource (room, equipment).
    pub fn resource(what: impl Into<Recipient>) -> Self {
        Attendee::new(AttendeeType::Resource, what.into())
    }

    /// The SMTP address, if any.
    pub fn address(&self) -> Option<&str> {
        self.email_address.address.as_deref()
    }

    /// The attendee's answer, if Graph reported one.
    pub fn response(&self) -> Option<ResponseType> {
        self.status.as_ref().and_then(|s| s.response)
    }

    /// Whether this is the same person or resource as `address` (case-insensitive).
    pub fn is(&self, address: &str) -> bool {
        self.address()
            .is_some_and(|mine| mine.eq_ignore_ascii_case(address))
    }
}

/// `freeBusyStatus`: how an event shows on the calendar (`showAs`), or an availability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum FreeBusyStatus {
    /// Free.
    Free,
    /// Tentative.
    Tentative,
    /// Busy.
    Busy,
    /// Out of office.
    Oof,
    /// Working elsewhere.
    WorkingElsewhere,
    /// Unknown, or a value this crate does not know yet.
    #[serde(other)]
    Unknown,
}

/// `sensitivity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Sensitivity {
    /// Normal.
    Normal,
    /// Personal.
    Personal,
    /// Private.
    Private,
    /// Confidential.
    Confidential,
    /// A value this crate does not know yet (never send it).
    #[serde(other)]
    Unknown,
}

/// `eventType`: a single event, or a series and its parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum EventType {
    /// Not recurring.
    SingleInstance,
    /// One occurrence of a series, as the series says.
    Occurrence,
    /// One occurrence of a series, changed.
    Exception,
    /// The series itself.
    SeriesMaster,
    /// A value this crate does not know yet.
    #[serde(other)]
    Unknown,
}

/// `onlineMeetingProviderType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum OnlineMeetingProviderType {
    /// Microsoft Teams (work or school).
    TeamsForBusiness,
    /// Skype for Business.
    SkypeForBusiness,
    /// Skype (consumer).
    SkypeForConsumer,
    /// Unknown, or a value this crate does not know yet (never send it).
    #[serde(other)]
    Unknown,
}

/// `onlineMeetingInfo`: how to join an online meeting (read-only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct OnlineMeetingInfo {
    /// The link to join.
    #[serde(default)]
    pub join_url: Option<String>,
    /// Conference id.
    #[serde(default)]
    pub conference_id: Option<String>,
    /// Toll number.
    #[serde(default)]
    pub toll_number: Option<String>,
    /// Toll-free numbers.
    #[serde(default, deserialize_with = "null_as_default")]
    pub toll_free_numbers: Vec<String>,
    /// Dial string for phones.
    #[serde(default)]
    pub quick_dial: Option<String>,
}

/// An Outlook calendar event: an appointment (no attendees) or a meeting.
///
/// Server-set properties (`id`, `organizer`, `responseStatus`, `changeKey`, …) are read-only:
/// they are filled in answers and never sent. Times in answers are in UTC unless a
/// `Prefer: outlook.timezone` was sent with a read; [`DateTimeTimeZone::to_utc`] gives the
/// instant whatever the zone.
///
/// ```
/// use msgraph_outlook::models::{Attendee, DateTimeTimeZone, Event};
/// let review = Event::new(
///     "Design review",
///     DateTimeTimeZone::new("2026-12-01T15:00:00", "W. Europe Standard Time"),
///     DateTimeTimeZone::new("2026-12-01T16:00:00", "W. Europe Standard Time"),
/// )
/// .location("Room 1")
/// .attendee(Attendee::required("alice@contoso.com"))
/// .teams_meeting();
/// assert!(review.is_meeting());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Event {
    /// Id.
    #[serde(default, skip_serializing)]
    pub id: Option<String>,
    /// Where this was read (not Graph JSON): handles made from it with
    /// [`GraphClient::event_from`](crate::GraphClient::event_from) go back to that mailbox (implicit access).
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
    /// Id shared by every copy of the event across calendars.
    #[serde(rename = "iCalUId", default, skip_serializing)]
    pub ical_uid: Option<String>,
    /// The organizer.
    #[serde(default, skip_serializing)]
    pub organizer: Option<Recipient>,
    /// Whether the calendar owner organizes it.
    #[serde(default, skip_serializing)]
    pub is_organizer: Option<bool>,
    /// The calendar owner's own response.
    #[serde(default, skip_serializing)]
    pub response_status: Option<ResponseStatus>,
    /// Single, occurrence, exception or series master.
    #[serde(rename = "type", default, skip_serializing)]
    pub event_type: Option<EventType>,
    /// The series an occurrence or exception belongs to.
    #[serde(default, skip_serializing)]
    pub series_master_id: Option<String>,
    /// Start of this occurrence before it was moved.
    #[serde(default, skip_serializing)]
    pub original_start: Option<String>,
    /// Zone the start was written in.
    #[serde(default, skip_serializing)]
    pub original_start_time_zone: Option<String>,
    /// Zone the end was written in.
    #[serde(default, skip_serializing)]
    pub original_end_time_zone: Option<String>,
    /// Whether it was cancelled.
    #[serde(default, skip_serializing)]
    pub is_cancelled: Option<bool>,
    /// Whether the organizer has not sent it yet.
    #[serde(default, skip_serializing)]
    pub is_draft: Option<bool>,
    /// Link to open it in Outlook on the web.
    #[serde(default, skip_serializing)]
    pub web_link: Option<String>,
    /// Whether it has attachments.
    #[serde(default, skip_serializing)]
    pub has_attachments: Option<bool>,
    /// First 255 characters of the body, as text.
    #[serde(default, skip_serializing)]
    pub body_preview: Option<String>,
    /// Join information of the online meeting.
    #[serde(default, skip_serializing)]
    pub online_meeting: Option<OnlineMeetingInfo>,
    /// Legacy join URL (Skype).
    #[serde(default, skip_serializing)]
    pub online_meeting_url: Option<String>,
    /// Dates of cancelled occurrences of a series.
    #[serde(default, deserialize_with = "null_as_default", skip_serializing)]
    pub cancelled_occurrences: Vec<String>,

    /// Subject.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<ItemBody>,
    /// Start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<DateTimeTimeZone>,
    /// End.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTimeTimeZone>,
    /// Whether it lasts whole days (start and end at midnight).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_all_day: Option<bool>,
    /// The location (setting it replaces `locations`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// Every location.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub locations: Vec<Location>,
    /// Attendees: with at least one, the event is a meeting and Graph sends invitations.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub attendees: Vec<Attendee>,
    /// How a series repeats.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<PatternedRecurrence>,
    /// Free/busy status shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_as: Option<FreeBusyStatus>,
    /// Sensitivity.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitivity: Option<Sensitivity>,
    /// Importance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importance: Option<Importance>,
    /// Whether it is an online meeting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_online_meeting: Option<bool>,
    /// Which online meeting service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub online_meeting_provider: Option<OnlineMeetingProviderType>,
    /// Whether attendees may propose another time (Graph's default: true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allow_new_time_proposals: Option<bool>,
    /// Whether the organizer wants responses (Graph's default: true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_requested: Option<bool>,
    /// Whether attendees see only themselves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hide_attendees: Option<bool>,
    /// Whether a reminder is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_reminder_on: Option<bool>,
    /// Minutes before the start for the reminder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reminder_minutes_before_start: Option<i32>,
    /// Categories.
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub categories: Vec<String>,
    /// Client-chosen id that lets Graph drop a repeated create (set by
    /// [`Mailbox::create_event`](crate::api::Mailbox::create_event) when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<String>,
    /// Single-value MAPI properties (only with `$expand`, see [`ExtendedPropertyId::expand`]).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub single_value_extended_properties: Vec<SingleValueExtendedProperty>,
    /// Multi-value MAPI properties (only with `$expand`).
    #[serde(
        default,
        deserialize_with = "null_as_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub multi_value_extended_properties: Vec<MultiValueExtendedProperty>,
}

impl Event {
    /// An event with a subject, a start and an end.
    pub fn new(subject: impl Into<String>, start: DateTimeTimeZone, end: DateTimeTimeZone) -> Self {
        Event {
            subject: Some(subject.into()),
            start: Some(start),
            end: Some(end),
            ..Event::default()
        }
    }

    /// Sets the subject.
    pub fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    /// Sets a plain-text body.
    pub fn text_body(mut self, text: impl Into<String>) -> Self {
        self.body = Some(ItemBody::text(text));
        self
    }

    /// Sets an HTML body.
    pub fn html_body(mut self, html: impl Into<String>) -> Self {
        self.body = Some(ItemBody::html(html));
        self
    }

    /// Sets the location (by display name, or a [`Location`]).
    pub fn location(mut self, location: impl Into<Location>) -> Self {
        self.location = Some(location.into());
        self
    }

    /// Adds an attendee: the event becomes a meeting.
    pub fn attendee(mut self, attendee: Attendee) -> Self {
        self.attendees.push(attendee);
        self
    }

    /// Makes it a series.
    pub fn recurrence(mut self, recurrence: PatternedRecurrence) -> Self {
        self.recurrence = Some(recurrence);
        self
    }

    /// Makes it an all-day event (start and end must be at midnight).
    pub fn all_day(mut self) -> Self {
        self.is_all_day = Some(true);
        self
    }

    /// Sets how it shows on the calendar.
    pub fn show_as(mut self, status: FreeBusyStatus) -> Self {
        self.show_as = Some(status);
        self
    }

    /// Sets the sensitivity.
    pub fn sensitivity(mut self, sensitivity: Sensitivity) -> Self {
        self.sensitivity = Some(sensitivity);
        self
    }

    /// Sets the importance.
    pub fn importance(mut self, importance: Importance) -> Self {
        self.importance = Some(importance);
        self
    }

    /// Makes it a Microsoft Teams meeting (`isOnlineMeeting`, `onlineMeetingProvider:
    /// teamsForBusiness`): Graph creates the meeting and returns its
    /// [`join_url`](Self::join_url).
    pub fn teams_meeting(self) -> Self {
        self.online_meeting(OnlineMeetingProviderType::TeamsForBusiness)
    }

    /// Makes it an online meeting with `provider`, which should be one of the calendar's
    /// [`allowed_online_meeting_providers`](super::Calendar::allowed_online_meeting_providers)
    /// ("Create or set an event as an online meeting in an Outlook calendar",
    /// <https://learn.microsoft.com/graph/outlook-calendar-online-meetings>). Graph sets
    /// `onlineMeeting` (the join information) in its answer.
    ///
    /// ```
    /// use msgraph_outlook::models::{DateTimeTimeZone, Event, OnlineMeetingProviderType};
    /// let sync = Event::new(
    ///     "Weekly sync",
    ///     DateTimeTimeZone::new("2026-12-01T15:00:00", "UTC"),
    ///     DateTimeTimeZone::new("2026-12-01T15:30:00", "UTC"),
    /// )
    /// .online_meeting(OnlineMeetingProviderType::SkypeForBusiness);
    /// let json = serde_json::to_value(&sync).unwrap();
    /// assert_eq!(json["isOnlineMeeting"], true);
    /// assert_eq!(json["onlineMeetingProvider"], "skypeForBusiness");
    /// ```
    pub fn online_meeting(mut self, provider: OnlineMeetingProviderType) -> Self {
        self.is_online_meeting = Some(true);
        self.online_meeting_provider = Some(provider);
        self
    }

    /// The link to join the online meeting (`onlineMeeting.joinUrl`), when Graph made one.
    pub fn join_url(&self) -> Option<&str> {
        self.online_meeting.as_ref()?.join_url.as_deref()
    }

    /// Whether attendees may propose a new time (Graph's default: yes).
    pub fn allow_new_time_proposals(mut self, allow: bool) -> Self {
        self.allow_new_time_proposals = Some(allow);
        self
    }

    /// Whether responses are requested (Graph's default: yes).
    pub fn response_requested(mut self, requested: bool) -> Self {
        self.response_requested = Some(requested);
        self
    }

    /// A reminder `minutes` before the start.
    pub fn reminder(mut self, minutes: i32) -> Self {
        self.is_reminder_on = Some(true);
        self.reminder_minutes_before_start = Some(minutes);
        self
    }

    /// Sets the categories.
    pub fn categories<I, S>(mut self, categories: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.categories = categories.into_iter().map(Into::into).collect();
        self
    }

    /// Sets the transaction id (otherwise one is generated at create time).
    pub fn transaction_id(mut self, id: impl Into<String>) -> Self {
        self.transaction_id = Some(id.into());
        self
    }

    /// Sets a single-value extended property (replacing an earlier value of it); read it back
    /// with [`GetEvent::with_extended_property`](crate::api::GetEvent::with_extended_property).
    ///
    /// ```
    /// use msgraph_outlook::models::{DateTimeTimeZone, Event, ExtendedPropertyId, MapiPropertyType};
    /// let room = ExtendedPropertyId::named(MapiPropertyType::String, "66f5a359-4659-4830-9070-00047ec6ac6e", "BookingRef")?;
    /// let event = Event::new(
    ///     "Offsite",
    ///     DateTimeTimeZone::new("2026-12-01T09:00:00", "UTC"),
    ///     DateTimeTimeZone::new("2026-12-01T17:00:00", "UTC"),
    /// )
    /// .extended_property(&room, "BK-1042");
    /// assert_eq!(event.extended_property_value(&room), Some("BK-1042"));
    /// # Ok::<(), msgraph_outlook::InvalidRequest>(())
    /// ```
    pub fn extended_property(mut self, id: &ExtendedPropertyId, value: impl Into<String>) -> Self {
        extended_property::set_single(&mut self.single_value_extended_properties, id, value.into());
        self
    }

    /// Sets a multi-value extended property (`id` of an `…Array` type).
    pub fn multi_value_extended_property<I, S>(mut self, id: &ExtendedPropertyId, values: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let values = values.into_iter().map(Into::into).collect();
        extended_property::set_multi(&mut self.multi_value_extended_properties, id, values);
        self
    }

    /// The value of a single-value extended property, when the event was read with it.
    pub fn extended_property_value(&self, id: &ExtendedPropertyId) -> Option<&str> {
        extended_property::single_value(&self.single_value_extended_properties, id)
    }

    /// The values of a multi-value extended property, when the event was read with it.
    pub fn multi_value_extended_property_values(
        &self,
        id: &ExtendedPropertyId,
    ) -> Option<&[String]> {
        extended_property::multi_value(&self.multi_value_extended_properties, id)
    }

    /// Whether it has attendees: a meeting, whose changes Graph mails to them. Without
    /// attendees it is an appointment.
    pub fn is_meeting(&self) -> bool {
        !self.attendees.is_empty()
    }

    /// Whether a change by this calendar's owner will be mailed to attendees: a meeting the
    /// owner organizes that is not cancelled. (Graph has no switch to stop it, GRAPH-FACTS §0.7.)
    pub fn notifies_attendees(&self) -> bool {
        self.is_meeting() && self.is_organizer != Some(false) && self.is_cancelled != Some(true)
    }

    /// The attendee with this address, if invited.
    pub fn attendee_by_address(&self, address: &str) -> Option<&Attendee> {
        self.attendees.iter().find(|a| a.is(address))
    }

    /// The current attendees plus `more` (those already invited, by address, are kept as
    /// they are): the list to send in a PATCH, which replaces the whole list.
    ///
    /// ```
    /// use msgraph_outlook::models::{Attendee, Event};
    /// let mut event = Event::default();
    /// event.attendees = vec![Attendee::required("sadie@contoso.com")];
    /// let list = event.with_attendees([Attendee::required("SADIE@contoso.com"), Attendee::required("alisa@contoso.com")]);
    /// assert_eq!(list.len(), 2);
    /// ```
    pub fn with_attendees(&self, more: impl IntoIterator<Item = Attendee>) -> Vec<Attendee> {
        let mut list = self.attendees.clone();
        for attendee in more {
            let known = attendee
                .address()
                .is_some_and(|address| list.iter().any(|a| a.is(address)));
            if !known {
                list.push(attendee);
            }
        }
        list
    }

    /// Attendees who proposed another time.
    pub fn proposals(&self) -> impl Iterator<Item = (&Attendee, &TimeSlot)> {
        self.attendees
            .iter()
            .filter_map(|a| a.proposed_new_time.as_ref().map(|slot| (a, slot)))
    }

    /// The start and end as an interval, when both are set.
    pub fn time_slot(&self) -> Option<TimeSlot> {
        Some(TimeSlot::new(self.start.clone()?, self.end.clone()?))
    }

    /// What Graph would refuse in a new event: no start or end, an end not after the start,
    /// an all-day event not at midnight, a bad attendee address, over 500 attendees.
    pub(crate) fn check_for_create(&self) -> Result<(), InvalidRequest> {
        let (Some(start), Some(end)) = (&self.start, &self.end) else {
            return Err(InvalidRequest::InvalidValue {
                reason: "an event needs a start and an end".into(),
            });
        };
        check_slot(start, end)?;
        if self.is_all_day == Some(true) {
            for time in [start, end] {
                let midnight = time
                    .wall_clock()
                    .map(|t| t.num_seconds_from_midnight() == 0 && t.nanosecond() == 0)
                    .unwrap_or(false);
                if !midnight {
                    return Err(InvalidRequest::InvalidValue {
                        reason: format!(
                            "an all-day event starts and ends at midnight, not {}",
                            time.date_time
                        ),
                    });
                }
            }
        }
        check_attendees(&self.attendees)?;
        extended_property::check(
            &self.single_value_extended_properties,
            &self.multi_value_extended_properties,
        )
    }
}

/// An end after the start, when both can be read; otherwise Graph decides.
pub(crate) fn check_slot(
    start: &DateTimeTimeZone,
    end: &DateTimeTimeZone,
) -> Result<(), InvalidRequest> {
    if let (Ok(s), Ok(e)) = (start.to_utc(), end.to_utc()) {
        if e <= s {
            return Err(InvalidRequest::InvalidValue {
                reason: format!(
                    "the end ({} {}) is not after the start ({} {})",
                    end.date_time, end.time_zone, start.date_time, start.time_zone
                ),
            });
        }
    }
    for time in [start, end] {
        if time.wall_clock().is_err() {
            return Err(InvalidRequest::InvalidValue {
                reason: format!(
                    "{:?} is not a Graph dateTime (YYYY-MM-DDTHH:MM:SS, no offset)",
                    time.date_time
                ),
            });
        }
    }
    Ok(())
}

/// Valid addresses, at most 500.
pub(crate) fn check_attendees(attendees: &[Attendee]) -> Result<(), InvalidRequest> {
    if attendees.len() > MAX_ATTENDEES {
        return Err(InvalidRequest::InvalidValue {
            reason: format!(
                "{} attendees: Graph accepts at most {MAX_ATTENDEES} per event",
                attendees.len()
            ),
        });
    }
    for attendee in attendees {
        check_address(attendee.address().unwrap_or_default())?;
    }
    Ok(())
}
