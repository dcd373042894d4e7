//! Calendars and their events: create, list, calendar view (GRAPH-FACTS §5.1, §5.6;
//! openapi-fragments/paths for events and calendars).

use std::future::Future;

use chrono::{DateTime, Utc};

use super::{EventRef, List, Mailbox};
use crate::client::{Call, Request, Response};
use crate::error::Result;
use crate::models::{Calendar, Event};

impl Mailbox {
    /// `…/events/{rest}`, or `…/calendars/{calendar}/events/{rest}` for a given calendar.
    pub(crate) fn calendar_path(&self, calendar: Option<&str>, rest: &[&str]) -> Vec<String> {
        let mut segments = match calendar {
            Some(calendar) => vec!["calendars", calendar],
            None => vec![],
        };
        segments.extend_from_slice(rest);
        self.target.path(&segments)
    }

    /// The mailbox's calendars (`GET …/calendars`).
    pub fn calendars(&self) -> List<Calendar> {
        List::new(
            self.client.clone(),
            "listCalendars",
            self.target.path(&["calendars"]),
        )
    }

    /// The default calendar (`GET …/calendar`); its `owner` is the mailbox's own address.
    pub async fn default_calendar(&self) -> Result<Calendar> {
        let request = Request::get("getCalendar", self.target.path(&["calendar"]));
        self.client.send(request).await?.json()
    }

    /// The calendars other people shared with or delegated to this mailbox's user: those of
    /// [`calendars`](Self::calendars) whose owner is not the user (the owner of the default
    /// calendar). Create and read events in one with
    /// `mailbox.calendar(id).create_event(…)` (`Calendars.ReadWrite.Shared`); the owner is
    /// the organizer and invitations go out from the owner, sent by the delegate.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// for calendar in client.me().shared_calendars().await? {
    ///     println!("{:?} of {:?}, can edit: {:?}", calendar.name, calendar.owner, calendar.can_edit);
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn shared_calendars(&self) -> Result<Vec<Calendar>> {
        let own = self.default_calendar().await?;
        let own_address = own.owner.and_then(|o| o.address).unwrap_or_default();
        let calendars = self.calendars().collect().await?;
        Ok(calendars
            .into_iter()
            .filter(|calendar| {
                calendar
                    .owner
                    .as_ref()
                    .and_then(|o| o.address.as_deref())
                    .is_some_and(|address| !address.eq_ignore_ascii_case(&own_address))
            })
            .collect())
    }

    /// A calendar by id, to create, list and view its events; the default calendar is what
    /// the `Mailbox` methods use.
    pub fn calendar(&self, id: impl Into<String>) -> CalendarRef {
        CalendarRef {
            mailbox: self.clone(),
            id: id.into(),
        }
    }

    /// Creates an event in the default calendar (`POST …/events`, 201). With attendees it is
    /// a meeting: Graph sends the invitations itself (there is no way to stop it). A
    /// `transactionId` is generated when the event has none, so a retried create cannot
    /// make a second event.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::{Attendee, DateTimeTimeZone, Event};
    /// let event = client
    ///     .me()
    ///     .create_event(
    ///         Event::new(
    ///             "Tennis Lesson",
    ///             DateTimeTimeZone::new("2026-12-02T17:00:00", "Pacific Standard Time"),
    ///             DateTimeTimeZone::new("2026-12-02T18:00:00", "Pacific Standard Time"),
    ///         )
    ///         .attendee(Attendee::required("alex@contoso.com")),
    ///     )
    ///     .await?;
    /// println!("created {:?}", event.id);
    /// # Ok(()) }
    /// ```
    pub fn create_event(&self, event: Event) -> CreateEvent {
        CreateEvent {
            mailbox: self.clone(),
            calendar: None,
            event,
        }
    }

    /// The events of the default calendar: single events and series masters, not the
    /// occurrences (`GET …/events`; use [`calendar_view`](Self::calendar_view) for those).
    pub fn list_events(&self) -> List<Event> {
        List::new(
            self.client.clone(),
            "listEvents",
            self.calendar_path(None, &["events"]),
        )
    }

    /// Every occurrence between `start` and `end` in the default calendar, series expanded
    /// (`GET …/calendarView?startDateTime=…&endDateTime=…`).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use chrono::{Duration, Utc};
    /// use futures_util::TryStreamExt;
    /// let now = Utc::now();
    /// let week = client
    ///     .me()
    ///     .calendar_view(now, now + Duration::days(7))
    ///     .time_zone("Europe/Paris")
    ///     .collect()
    ///     .await?;
    /// for event in week {
    ///     println!("{:?} at {:?}", event.subject, event.start);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn calendar_view(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> List<Event> {
        List::new(
            self.client.clone(),
            "calendarView",
            self.calendar_path(None, &["calendarView"]),
        )
        .window(start, end)
    }

    /// An event of this mailbox by id: get, update, respond, cancel, delete.
    pub fn event(&self, id: impl Into<String>) -> EventRef {
        EventRef::new(self.clone(), None, id.into(), None)
    }

    /// An event as read before: like [`event`](Self::event), but it also remembers what was
    /// read, so that an update or delete sends the event's etag as `If-Match` (a change made
    /// meanwhile gives [`Error::Conflict`](crate::Error::Conflict) instead of being
    /// overwritten), and a proposal of a new time is refused before sending when the
    /// organizer disallowed proposals.
    ///
    /// An event read through this crate goes back to the mailbox (and calendar) it was read
    /// from, whichever mailbox this is called on: its id is only valid there (implicit
    /// access; see [`GraphClient::event_from`](crate::GraphClient::event_from)).
    pub fn event_from(&self, event: &Event) -> EventRef {
        let (mailbox, calendar) = match &event.source {
            Some(source) => (
                self.with_target(source.mailbox.clone()),
                source.calendar.clone(),
            ),
            None => (self.clone(), None),
        };
        EventRef::new(
            mailbox,
            calendar,
            event.id.clone().unwrap_or_default(),
            Some(event),
        )
    }
}

/// A calendar of a mailbox, by id; from [`Mailbox::calendar`]. Events read or created
/// through it are later addressed through it too (`…/calendars/{id}/events/{id}`).
#[derive(Debug, Clone)]
pub struct CalendarRef {
    pub(super) mailbox: Mailbox,
    id: String,
}

impl CalendarRef {
    /// The calendar id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// An event of this calendar by id (`…/calendars/{id}/events/{event-id}`).
    pub fn event(&self, id: impl Into<String>) -> EventRef {
        EventRef::new(self.mailbox.clone(), Some(self.id.clone()), id.into(), None)
    }

    /// Creates an event in this calendar (`POST …/calendars/{id}/events`).
    pub fn create_event(&self, event: Event) -> CreateEvent {
        CreateEvent {
            calendar: Some(self.id.clone()),
            ..self.mailbox.create_event(event)
        }
    }

    /// The events of this calendar (`GET …/calendars/{id}/events`).
    pub fn list_events(&self) -> List<Event> {
        List::new(
            self.mailbox.client.clone(),
            "listEvents",
            self.mailbox.calendar_path(Some(&self.id), &["events"]),
        )
    }

    /// Occurrences between `start` and `end` (`GET …/calendars/{id}/calendarView`).
    pub fn calendar_view(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> List<Event> {
        List::new(
            self.mailbox.client.clone(),
            "calendarView",
            self.mailbox
                .calendar_path(Some(&self.id), &["calendarView"]),
        )
        .window(start, end)
    }
}

/// Creates an event; from [`Mailbox::create_event`] or [`CalendarRef::create_event`]. Await
/// it for the event as created.
///
/// Safe to retry: the `transactionId` lets Graph drop a repeat, so it is retried like a
/// read. The answer's times are in UTC whatever zone was sent (Graph applies
/// `outlook.timezone` to reads only).
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct CreateEvent {
    mailbox: Mailbox,
    calendar: Option<String>,
    event: Event,
}

impl CreateEvent {
    /// Sends it.
    pub fn send(self) -> impl Future<Output = Result<Event>> + Send + 'static {
        self.mailbox.client.clone().call(self)
    }
}

impl Call for CreateEvent {
    type Output = Event;

    fn into_request(mut self) -> Result<Request> {
        self.event.check_for_create()?;
        if self.event.transaction_id.is_none() {
            self.event.transaction_id = Some(uuid::Uuid::new_v4().to_string());
        }
        let path = self
            .mailbox
            .calendar_path(self.calendar.as_deref(), &["events"]);
        Ok(Request::post("createEvent", path)
            .json(&self.event)?
            .idempotent())
    }

    fn parse(response: Response) -> Result<Event> {
        response.item()
    }
}

await_sends!(CreateEvent => Event);
