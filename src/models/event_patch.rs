//! Partial updates of an event: only what you set is sent (`PATCH …/events/{id}`, GRAPH-FACTS §5.2).

use super::patch::PatchFields;
use serde::Serialize;

use super::event::{check_attendees, check_slot};
use super::extended_property::ExtendedPropertyId;
use super::{
    Attendee, DateTimeTimeZone, FreeBusyStatus, Importance, ItemBody, Location,
    OnlineMeetingProviderType, PatternedRecurrence, Sensitivity, TimeSlot,
};
use crate::error::InvalidRequest;

/// Event properties an [`EventPatch`] can clear (send as `null`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EventProperty {
    /// `location`
    Location,
    /// `recurrence` (turns a series back into a single event)
    Recurrence,
    /// `body`
    Body,
}

impl EventProperty {
    fn wire_name(self) -> &'static str {
        match self {
            EventProperty::Location => "location",
            EventProperty::Recurrence => "recurrence",
            EventProperty::Body => "body",
        }
    }
}

/// The changes of an event `PATCH`: only the properties set here are sent, so a concurrent
/// change to another property is not overwritten. This is EWS's `UpdateItem` with one
/// `SetItemField` per property.
///
/// `attendees` **replaces** the whole list: to add someone, send the current list plus the
/// newcomer (see [`Event::with_attendees`](super::Event::with_attendees) and
/// [`EventRef::modify`](crate::api::EventRef::modify), which re-reads on conflict).
///
/// ```
/// use msgraph_outlook::models::{Attendee, EventPatch};
/// let patch = EventPatch::new()
///     .subject("Team building exercise has moved!")
///     .location("4567 Contoso Way, Redmond, OH 33333, USA")
///     .attendees([Attendee::required("alisa@contoso.com"), Attendee::resource("dlpprojector@contoso.com")]);
/// assert_eq!(
///     serde_json::to_value(&patch).unwrap(),
///     serde_json::json!({
///         "subject": "Team building exercise has moved!",
///         "location": {"displayName": "4567 Contoso Way, Redmond, OH 33333, USA"},
///         "attendees": [
///             {"type": "required", "emailAddress": {"address": "alisa@contoso.com"}},
///             {"type": "resource", "emailAddress": {"address": "dlpprojector@contoso.com"}}
///         ]
///     })
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(transparent)]
pub struct EventPatch {
    fields: PatchFields,
}

impl EventPatch {
    /// No changes yet.
    pub fn new() -> Self {
        EventPatch::default()
    }

    /// True when nothing is set.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Whether it replaces the attendee list.
    pub fn changes_attendees(&self) -> bool {
        self.fields.get("attendees").is_some()
    }

    /// Whether it moves the event (start or end).
    pub fn changes_time(&self) -> bool {
        self.fields.get("start").is_some() || self.fields.get("end").is_some()
    }

    fn set(mut self, name: &str, value: impl Serialize) -> Self {
        self.fields.set(name, value);
        self
    }

    /// Sets the subject.
    pub fn subject(self, subject: impl Into<String>) -> Self {
        self.set("subject", subject.into())
    }

    /// Sets the body. For an online meeting, keep the joining information Graph put in the
    /// body (read it first), or attendees lose it (GRAPH-FACTS §5.2).
    pub fn body(self, body: ItemBody) -> Self {
        self.set("body", body)
    }

    /// Sets the start.
    pub fn start(self, start: DateTimeTimeZone) -> Self {
        self.set("start", start)
    }

    /// Sets the end.
    pub fn end(self, end: DateTimeTimeZone) -> Self {
        self.set("end", end)
    }

    /// Moves the event to `slot` (start and end), e.g. a proposed new time.
    pub fn time_slot(self, slot: TimeSlot) -> Self {
        self.start(slot.start).end(slot.end)
    }

    /// Sets the location (replacing `locations`).
    pub fn location(self, location: impl Into<Location>) -> Self {
        self.set("location", location.into())
    }

    /// Replaces the locations.
    pub fn locations(self, locations: impl IntoIterator<Item = Location>) -> Self {
        let list: Vec<Location> = locations.into_iter().collect();
        self.set("locations", list)
    }

    /// Replaces the attendee list (the whole list: see the type's docs).
    pub fn attendees(self, attendees: impl IntoIterator<Item = Attendee>) -> Self {
        let list: Vec<Attendee> = attendees.into_iter().collect();
        self.set("attendees", list)
    }

    /// Sets whether it lasts whole days.
    pub fn is_all_day(self, all_day: bool) -> Self {
        self.set("isAllDay", all_day)
    }

    /// Sets how it shows on the calendar.
    pub fn show_as(self, status: FreeBusyStatus) -> Self {
        self.set("showAs", status)
    }

    /// Sets the sensitivity.
    pub fn sensitivity(self, sensitivity: Sensitivity) -> Self {
        self.set("sensitivity", sensitivity)
    }

    /// Sets the importance.
    pub fn importance(self, importance: Importance) -> Self {
        self.set("importance", importance)
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

    /// Sets a reminder `minutes` before the start.
    pub fn reminder(self, minutes: i32) -> Self {
        self.set("isReminderOn", true)
            .set("reminderMinutesBeforeStart", minutes)
    }

    /// Turns the reminder off.
    pub fn no_reminder(self) -> Self {
        self.set("isReminderOn", false)
    }

    /// Sets whether responses are requested.
    pub fn response_requested(self, requested: bool) -> Self {
        self.set("responseRequested", requested)
    }

    /// Sets whether attendees see only themselves.
    pub fn hide_attendees(self, hide: bool) -> Self {
        self.set("hideAttendees", hide)
    }

    /// Makes it an online meeting (`isOnlineMeeting: true`) with the calendar's default
    /// provider; Graph answers with `onlineMeeting` (the join information). Once an event is
    /// online, the docs say it stays online: turning it back off is not documented
    /// \[unconfirmed\].
    ///
    /// ```
    /// use msgraph_outlook::models::EventPatch;
    /// assert_eq!(
    ///     serde_json::to_value(EventPatch::new().is_online_meeting(true)).unwrap(),
    ///     serde_json::json!({"isOnlineMeeting": true})
    /// );
    /// ```
    pub fn is_online_meeting(self, online: bool) -> Self {
        self.set("isOnlineMeeting", online)
    }

    /// Makes it an online meeting with `provider` (`isOnlineMeeting: true` and
    /// `onlineMeetingProvider`), one of the calendar's
    /// [`allowed_online_meeting_providers`](super::Calendar::allowed_online_meeting_providers)
    /// (<https://learn.microsoft.com/graph/outlook-calendar-online-meetings>).
    ///
    /// ```
    /// use msgraph_outlook::models::{EventPatch, OnlineMeetingProviderType};
    /// let patch = EventPatch::new().online_meeting(OnlineMeetingProviderType::TeamsForBusiness);
    /// assert_eq!(
    ///     serde_json::to_value(&patch).unwrap(),
    ///     serde_json::json!({"isOnlineMeeting": true, "onlineMeetingProvider": "teamsForBusiness"})
    /// );
    /// ```
    pub fn online_meeting(self, provider: OnlineMeetingProviderType) -> Self {
        self.set("isOnlineMeeting", true)
            .set("onlineMeetingProvider", provider)
    }

    /// Sets one single-value extended property (added to those already in this patch; Graph
    /// merges them into the event's by id).
    ///
    /// ```
    /// use msgraph_outlook::models::{EventPatch, ExtendedPropertyId, MapiPropertyType};
    /// let tag = ExtendedPropertyId::tagged(MapiPropertyType::Integer, 0x1234);
    /// assert_eq!(
    ///     serde_json::to_value(EventPatch::new().extended_property(&tag, "7")).unwrap(),
    ///     serde_json::json!({"singleValueExtendedProperties": [{"id": "Integer 0x1234", "value": "7"}]})
    /// );
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

    /// Replaces the recurrence of a series.
    pub fn recurrence(self, recurrence: PatternedRecurrence) -> Self {
        self.set("recurrence", recurrence)
    }

    /// Clears a property (sends `null`).
    pub fn clear(mut self, property: EventProperty) -> Self {
        self.fields.clear(property.wire_name());
        self
    }

    /// What Graph would refuse: nothing to change, an end not after the start (when both are
    /// set), bad attendee addresses, over 500 attendees.
    pub(crate) fn check(&self) -> Result<(), InvalidRequest> {
        if self.is_empty() {
            return Err(InvalidRequest::InvalidValue {
                reason: "the patch changes nothing".into(),
            });
        }
        let time = |name: &str| {
            self.fields
                .get(name)
                .and_then(|v| serde_json::from_value::<DateTimeTimeZone>(v.clone()).ok())
        };
        if let (Some(start), Some(end)) = (time("start"), time("end")) {
            check_slot(&start, &end)?;
        }
        if let Some(list) = self.fields.get("attendees") {
            let attendees: Vec<Attendee> =
                serde_json::from_value(list.clone()).expect("attendees were serialized by us");
            check_attendees(&attendees)?;
        }
        self.fields.check_extended_properties()
    }
}
