//! One event of a mailbox: get, update (with `If-Match`), re-read and re-apply on conflict,
//! delete, cancel, forward, instances, attachments (GRAPH-FACTS §5.2, §5.3).

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use chrono::{DateTime, Utc};

use super::event_response::{EventResponse, MayPropose, NoProposal};
use super::query::{strings, ODataQuery};
use super::{Attachments, List, Mailbox};
use crate::client::{Accepted, Call, Request, Response};
use crate::error::{Error, InvalidRequest, Result};
use crate::models::{check_address, Attendee, Event, EventPatch, ExtendedPropertyId, Recipient};

/// What an [`EventRef`] made from a read event remembers of it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Known {
    pub etag: Option<String>,
    pub allow_new_time_proposals: Option<bool>,
}

/// An event of a mailbox, by id; from [`Mailbox::event`], [`Mailbox::event_from`] or
/// [`GraphClient::event_from`](crate::GraphClient::event_from). Every operation goes to the
/// mailbox it came from (`/users/{owner}/events/{id}`), and through the calendar it was read
/// from when that was named (`/me/calendars/{id}/events/{id}` for a calendar delegated to you).
#[derive(Debug, Clone)]
pub struct EventRef {
    pub(crate) mailbox: Mailbox,
    calendar: Option<String>,
    id: String,
    pub(crate) known: Known,
}

impl EventRef {
    pub(crate) fn new(
        mailbox: Mailbox,
        calendar: Option<String>,
        id: String,
        event: Option<&Event>,
    ) -> Self {
        let known = event
            .map(|event| Known {
                etag: event.etag.clone(),
                allow_new_time_proposals: event.allow_new_time_proposals,
            })
            .unwrap_or_default();
        EventRef {
            mailbox,
            calendar,
            id,
            known,
        }
    }

    /// The event id.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn path(&self, rest: &[&str]) -> Vec<String> {
        let mut segments = vec!["events", self.id.as_str()];
        segments.extend_from_slice(rest);
        self.mailbox
            .calendar_path(self.calendar.as_deref(), &segments)
    }

    pub(crate) fn check_id(&self) -> Result<()> {
        if self.id.is_empty() {
            return Err(InvalidRequest::no_id("event").into());
        }
        Ok(())
    }

    /// Reads the event; choose properties with [`GetEvent::select`] (EWS's `PropertySet`).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let event = client
    ///     .me()
    ///     .event("AAMkAGI1…")
    ///     .get()
    ///     .select(["subject", "start", "end", "attendees"])
    ///     .time_zone("Pacific Standard Time")
    ///     .await?;
    /// println!("{:?} at {:?}", event.subject, event.start);
    /// # Ok(()) }
    /// ```
    pub fn get(&self) -> GetEvent {
        GetEvent {
            event: self.clone(),
            query: ODataQuery::default(),
        }
    }

    /// Changes only what `patch` sets (`PATCH`, 200); see [`UpdateEvent`].
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::EventPatch;
    /// let me = client.me();
    /// let event = me.event("AAMkAGI1…").get().await?;
    /// let updated = me
    ///     .event_from(&event) // sends its etag as If-Match
    ///     .update(EventPatch::new().subject("Tennis Lesson moved one hour later"))
    ///     .await?;
    /// if updated.graph_mails_attendees {
    ///     println!("Graph mails the update to the attendees");
    /// }
    /// # Ok(()) }
    /// ```
    pub fn update(&self, patch: EventPatch) -> UpdateEvent {
        UpdateEvent {
            event: self.clone(),
            if_match: self.known.etag.clone(),
            patch,
        }
    }

    /// Read-modify-write: reads the event, builds a patch from it with `change`, and sends it
    /// with the etag read as `If-Match`. If the event changed in between (412), reads it again
    /// and re-applies `change`, at most [`Modify::max_attempts`] times. This is what a change
    /// of attendees needs, since a PATCH replaces the whole list.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::{Attendee, EventPatch};
    /// client
    ///     .me()
    ///     .event("AAMkAGI1…")
    ///     .modify(|event| {
    ///         EventPatch::new()
    ///             .subject("Team building exercise has moved!")
    ///             .attendees(event.with_attendees([Attendee::required("alisa@contoso.com")]))
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn modify<F>(&self, change: F) -> Modify<F>
    where
        F: Fn(&Event) -> EventPatch + Send,
    {
        Modify {
            event: self.clone(),
            change,
            max_attempts: DEFAULT_MODIFY_ATTEMPTS,
            select: Vec::new(),
        }
    }

    /// Adds attendees, keeping the current ones: a [`modify`](Self::modify) of the list.
    pub fn add_attendees(
        &self,
        attendees: impl IntoIterator<Item = Attendee>,
    ) -> Modify<impl Fn(&Event) -> EventPatch + Send + Sync + 'static> {
        let more: Vec<Attendee> = attendees.into_iter().collect();
        self.modify(move |event| EventPatch::new().attendees(event.with_attendees(more.clone())))
            .select(["attendees"])
    }

    /// Deletes the event (`DELETE`, 204). For a meeting you organize, Graph sends attendees a
    /// cancellation without text; use [`cancel`](Self::cancel) to include a comment.
    pub fn delete(&self) -> DeleteEvent {
        DeleteEvent {
            event: self.clone(),
            if_match: self.known.etag.clone(),
        }
    }

    /// Cancels a meeting you organize, with a message to the attendees (`POST …/cancel`,
    /// 202); the event goes to Deleted Items. Graph refuses it (400) from an attendee.
    ///
    /// This is EWS's `CancelMeetingMessage` (`Appointment.CancelMeeting(text)`).
    pub async fn cancel(&self, comment: impl Into<String>) -> Result<Accepted> {
        self.check_id()?;
        #[derive(serde::Serialize)]
        struct Cancel {
            comment: String,
        }
        let body = Cancel {
            comment: comment.into(),
        };
        let request = Request::post("cancelEvent", self.path(&["cancel"])).json(&body)?;
        self.mailbox.client.send(request).await?.accepted()
    }

    /// Forwards a meeting invitation to `to` (`POST …/forward`, 202).
    pub async fn forward<I, R>(&self, to: I, comment: Option<String>) -> Result<Accepted>
    where
        I: IntoIterator<Item = R>,
        R: Into<Recipient>,
    {
        self.check_id()?;
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Forward {
            to_recipients: Vec<Recipient>,
            #[serde(skip_serializing_if = "Option::is_none")]
            comment: Option<String>,
        }
        let body = Forward {
            to_recipients: to.into_iter().map(Into::into).collect(),
            comment,
        };
        if body.to_recipients.is_empty() {
            return Err(InvalidRequest::NoRecipients.into());
        }
        for recipient in &body.to_recipients {
            check_address(recipient.address().unwrap_or_default())?;
        }
        let request = Request::post("forwardEvent", self.path(&["forward"])).json(&body)?;
        self.mailbox.client.send(request).await?.accepted()
    }

    /// Accepts a meeting (`POST …/accept`, 202). Graph v1.0 has no proposal of a new time on
    /// accept: to propose one, [`tentatively_accept`](Self::tentatively_accept) or
    /// [`decline`](Self::decline) (EWS's `AcceptItem` with `ProposedStart` maps to
    /// `tentativelyAccept`).
    pub fn accept(&self) -> EventResponse<NoProposal> {
        EventResponse::new(self.clone(), "accept")
    }

    /// Tentatively accepts a meeting, maybe proposing a new time (`POST …/tentativelyAccept`, 202).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use chrono::{TimeZone, Utc};
    /// use msgraph_outlook::models::TimeSlot;
    /// let me = client.me();
    /// let meeting = me.event("AAMkAGI1…").get().await?;
    /// me.event_from(&meeting)
    ///     .tentatively_accept()
    ///     .comment("This time works better for the HiPPO.")
    ///     .propose_new_time(TimeSlot::utc(
    ///         Utc.with_ymd_and_hms(2026, 11, 28, 4, 0, 0).unwrap(),
    ///         Utc.with_ymd_and_hms(2026, 11, 28, 4, 30, 0).unwrap(),
    ///     ))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub fn tentatively_accept(&self) -> EventResponse<MayPropose> {
        EventResponse::new(self.clone(), "tentativelyAccept")
    }

    /// Declines a meeting, maybe proposing a new time (`POST …/decline`, 202).
    pub fn decline(&self) -> EventResponse<MayPropose> {
        EventResponse::new(self.clone(), "decline")
    }

    /// The occurrences of a series between `start` and `end` (`GET …/instances`).
    pub fn instances(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> List<Event> {
        List::new(
            self.mailbox.client.clone(),
            "listInstances",
            self.path(&["instances"]),
        )
        .window(start, end)
    }

    /// The event's attachments: list, get, add, delete, upload large files.
    pub fn attachments(&self) -> Attachments {
        Attachments::new(self.mailbox.client.clone(), self.path(&[]))
    }
}

/// Reads an event; from [`EventRef::get`]. Await it for the [`Event`].
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct GetEvent {
    event: EventRef,
    query: ODataQuery,
}

impl GetEvent {
    /// Only these properties (`$select`); the id and etag always come back.
    pub fn select<I, S>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.query.select = strings(properties);
        self
    }

    /// Times in this zone (`Prefer: outlook.timezone`); UTC without it.
    pub fn time_zone(mut self, zone: impl Into<String>) -> Self {
        self.query.time_zone = Some(zone.into());
        self
    }

    /// Also this extended property (`$expand=singleValueExtendedProperties($filter=id eq
    /// '…')`, or the multi-value form); read it with [`Event::extended_property_value`].
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::{ExtendedPropertyId, MapiPropertyType};
    /// let booking = ExtendedPropertyId::named(MapiPropertyType::String, "66f5a359-4659-4830-9070-00047ec6ac6e", "BookingRef")?;
    /// let event = client.me().event("AAMkAG…").get().with_extended_property(&booking).await?;
    /// println!("{:?}", event.extended_property_value(&booking));
    /// # Ok(()) }
    /// ```
    pub fn with_extended_property(mut self, id: &ExtendedPropertyId) -> Self {
        self.query.expand.push(id.expand());
        self
    }

    /// Sends it.
    pub fn send(self) -> impl Future<Output = Result<Event>> + Send + 'static {
        self.event.mailbox.client.clone().call(self)
    }
}

impl Call for GetEvent {
    type Output = Event;

    fn into_request(self) -> Result<Request> {
        self.event.check_id()?;
        let mut request = Request::get("getEvent", self.event.path(&[]));
        self.query.apply(&mut request)?;
        Ok(request)
    }

    fn parse(response: Response) -> Result<Event> {
        response.item()
    }
}

await_sends!(GetEvent => Event);

/// The answer to an event update.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UpdatedEvent {
    /// The event as updated (times in UTC: Graph ignores `outlook.timezone` on PATCH).
    pub event: Event,
    /// Whether Graph will mail this change to the attendees, known from the event alone:
    /// it is a meeting you organize (not cancelled). Graph always mails the attendees of
    /// such a meeting (EWS's `SendToAllAndSaveCopy`); an appointment, without attendees,
    /// mails no one (`SendToNone`); there is no switch either way (GRAPH-FACTS §0.7).
    ///
    /// Not a delivery confirmation: Graph sends the update after answering, and says
    /// nothing about whether it reached anyone.
    pub graph_mails_attendees: bool,
    /// The same value as [`graph_mails_attendees`](Self::graph_mails_attendees), under a
    /// name that read like a delivery confirmation.
    #[deprecated(
        since = "0.1.0",
        note = "use graph_mails_attendees: whether Graph will mail the attendees, not a delivery confirmation"
    )]
    pub attendees_notified: bool,
}

impl UpdatedEvent {
    fn new(event: Event) -> Self {
        let graph_mails_attendees = event.notifies_attendees();
        #[allow(deprecated)] // the old field is still filled in
        UpdatedEvent {
            event,
            graph_mails_attendees,
            attendees_notified: graph_mails_attendees,
        }
    }
}

/// Updates an event; from [`EventRef::update`]. Await it for the [`UpdatedEvent`].
///
/// Without `If-Match` the last writer wins (EWS's `ConflictResolutionMode.AlwaysOverwrite`);
/// with it, a change made since the read fails with [`Error::Conflict`] (`NeverOverwrite`).
/// Not retried once it may have reached Graph: for a meeting, a repeat would mail the
/// attendees twice.
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct UpdateEvent {
    event: EventRef,
    if_match: Option<String>,
    patch: EventPatch,
}

impl UpdateEvent {
    /// Applies only if the event still has this etag (`@odata.etag` of a read).
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self
    }

    /// Sends it whatever changed meanwhile (drops an etag remembered by
    /// [`Mailbox::event_from`]).
    pub fn overwrite(mut self) -> Self {
        self.if_match = None;
        self
    }

    /// Sends it.
    pub fn send(self) -> impl Future<Output = Result<UpdatedEvent>> + Send + 'static {
        self.event.mailbox.client.clone().call(self)
    }
}

impl Call for UpdateEvent {
    type Output = UpdatedEvent;

    fn into_request(self) -> Result<Request> {
        self.event.check_id()?;
        self.patch.check()?;
        Ok(Request::patch("updateEvent", self.event.path(&[]))
            .json(&self.patch)?
            .if_match(self.if_match))
    }

    fn parse(response: Response) -> Result<UpdatedEvent> {
        response.item().map(UpdatedEvent::new)
    }
}

await_sends!(UpdateEvent => UpdatedEvent);

/// Reads before a change, then at most this many attempts in all.
pub const DEFAULT_MODIFY_ATTEMPTS: u32 = 3;

/// A read-modify-write of an event; from [`EventRef::modify`]. Await it for the
/// [`UpdatedEvent`]; after the last attempt a conflict is returned as [`Error::Conflict`].
#[must_use = "nothing is sent until you await it"]
pub struct Modify<F> {
    event: EventRef,
    change: F,
    max_attempts: u32,
    select: Vec<String>,
}

impl<F> std::fmt::Debug for Modify<F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Modify")
            .field("event", &self.event.id)
            .field("max_attempts", &self.max_attempts)
            .finish_non_exhaustive()
    }
}

impl<F> Modify<F>
where
    F: Fn(&Event) -> EventPatch + Send,
{
    /// How many read-then-update rounds to try before giving up on conflicts (at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Reads only these properties (the change function sees only them).
    pub fn select<I, S>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.select = strings(properties);
        self
    }

    /// Runs it.
    pub async fn send(self) -> Result<UpdatedEvent> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let current = self.event.get().select(self.select.clone()).send().await?;
            let patch = (self.change)(&current);
            let Some(etag) = current.etag.clone() else {
                return Err(InvalidRequest::InvalidValue {
                    reason: "Graph returned the event without @odata.etag: cannot update it safely"
                        .into(),
                }
                .into());
            };
            match self.event.update(patch).if_match(etag).send().await {
                Err(Error::Conflict(e)) if attempt < self.max_attempts => {
                    tracing::info!(
                        attempt,
                        request_id = e.request_id.as_deref().unwrap_or(""),
                        "event changed since it was read; reading it again"
                    );
                }
                outcome => return outcome,
            }
        }
    }
}

impl<F> IntoFuture for Modify<F>
where
    F: Fn(&Event) -> EventPatch + Send + Sync + 'static,
{
    type Output = Result<UpdatedEvent>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

/// Deletes an event; from [`EventRef::delete`].
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct DeleteEvent {
    event: EventRef,
    if_match: Option<String>,
}

impl DeleteEvent {
    /// Deletes only if the event still has this etag.
    pub fn if_match(mut self, etag: impl Into<String>) -> Self {
        self.if_match = Some(etag.into());
        self
    }

    /// Sends it.
    pub fn send(self) -> impl Future<Output = Result<()>> + Send + 'static {
        self.event.mailbox.client.clone().call(self)
    }
}

impl Call for DeleteEvent {
    type Output = ();

    fn into_request(self) -> Result<Request> {
        self.event.check_id()?;
        Ok(Request::delete("deleteEvent", self.event.path(&[])).if_match(self.if_match))
    }

    fn parse(response: Response) -> Result<()> {
        response.no_content()
    }
}

await_sends!(DeleteEvent => ());
