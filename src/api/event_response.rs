//! An attendee's answer to a meeting: accept, tentatively accept, decline, with a comment and
//! maybe a proposed new time (GRAPH-FACTS §5.4).

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use serde::Serialize;

use super::EventRef;
use crate::client::{Accepted, Call, Request, Response};
use crate::error::{InvalidRequest, Result};
use crate::models::TimeSlot;

/// Marks [`EventResponse`]s that cannot carry a proposal (`accept`).
#[derive(Debug)]
pub enum NoProposal {}

/// Marks [`EventResponse`]s that may carry a proposed new time (`tentativelyAccept`, `decline`).
#[derive(Debug)]
pub enum MayPropose {}

/// The action body, in the docs' camelCase (the CSDL names are PascalCase; Graph takes both).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    #[serde(skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
    send_response: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    proposed_new_time: Option<TimeSlot>,
}

/// A response to a meeting; from [`EventRef::accept`], [`EventRef::tentatively_accept`] or
/// [`EventRef::decline`]. Await it: Graph answers 202 and, unless
/// [`send_response(false)`](Self::send_response), mails the organizer an
/// `eventMessageResponse`.
///
/// Not retried once it may have reached Graph (the organizer would get the answer twice).
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct EventResponse<K> {
    event: EventRef,
    action: &'static str,
    comment: Option<String>,
    send_response: bool,
    proposed_new_time: Option<TimeSlot>,
    kind: PhantomData<K>,
}

impl<K> EventResponse<K> {
    pub(crate) fn new(event: EventRef, action: &'static str) -> Self {
        EventResponse {
            event,
            action,
            comment: None,
            send_response: true,
            proposed_new_time: None,
            kind: PhantomData,
        }
    }

    /// A message to the organizer.
    pub fn comment(mut self, comment: impl Into<String>) -> Self {
        self.comment = Some(comment.into());
        self
    }

    /// Whether to mail the organizer (default: yes). Without it, only your calendar changes.
    pub fn send_response(mut self, send: bool) -> Self {
        self.send_response = send;
        self
    }

    /// Refuses what Graph would refuse (400) without sending anything.
    fn check(&self) -> std::result::Result<(), InvalidRequest> {
        let Some(slot) = &self.proposed_new_time else {
            return Ok(());
        };
        if self.event.known.allow_new_time_proposals == Some(false) {
            return Err(InvalidRequest::InvalidValue {
                reason: "the organizer does not allow new time proposals for this meeting \
                         (allowNewTimeProposals is false)"
                    .into(),
            });
        }
        if !self.send_response {
            return Err(InvalidRequest::InvalidValue {
                reason: "a proposed new time is sent to the organizer: it needs sendResponse true"
                    .into(),
            });
        }
        crate::models::check_slot(&slot.start, &slot.end)
    }

    /// Sends it.
    pub fn send(self) -> impl Future<Output = Result<Accepted>> + Send + 'static {
        self.event.mailbox.client.clone().call(self)
    }
}

impl<K> Call for EventResponse<K> {
    type Output = Accepted;

    fn into_request(self) -> Result<Request> {
        self.event.check_id()?;
        self.check()?;
        let body = Body {
            comment: self.comment,
            send_response: self.send_response,
            proposed_new_time: self.proposed_new_time,
        };
        Request::post(self.action, self.event.path(&[self.action])).json(&body)
    }

    fn parse(response: Response) -> Result<Accepted> {
        response.accepted()
    }
}

impl EventResponse<MayPropose> {
    /// Proposes another time to the organizer (EWS's `ProposeNewTime`). Refused before
    /// sending when the end is not after the start, when [`send_response`](Self::send_response)
    /// is false, or when the event (read through [`Mailbox::event_from`](super::Mailbox::event_from))
    /// says `allowNewTimeProposals: false`.
    pub fn propose_new_time(mut self, slot: TimeSlot) -> Self {
        self.proposed_new_time = Some(slot);
        self
    }
}

impl<K: Send + 'static> IntoFuture for EventResponse<K> {
    type Output = Result<Accepted>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
