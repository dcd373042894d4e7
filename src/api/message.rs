//! One message of a mailbox: get, read its MIME, update, send (a draft), reply, forward
//! (GRAPH-FACTS §2.2, §2.3; openapi-fragments/paths/user-message.yaml). Moving, copying,
//! deleting and the one-property updates are in `message_housekeeping.rs`.

use std::future::Future;

use super::query::{strings, ODataQuery};
use super::reply::Kind as ReplyKind;
use super::{Attachments, Mailbox, MimeReply, Reply};
use crate::client::{Accepted, Call, Request, Response};
use crate::error::{Error, InvalidRequest, Result};
use crate::models::{
    BodyType, Event, EventMessage, ExtendedPropertyId, Message, MessagePatch, Recipient,
};

/// A message of a mailbox, by id; from [`Mailbox::message`]. Every operation goes to the
/// mailbox it came from (`/users/{owner}/messages/{id}` for a shared mailbox).
#[derive(Debug, Clone)]
pub struct MessageRef {
    mailbox: Mailbox,
    id: String,
}

impl MessageRef {
    pub(crate) fn new(mailbox: Mailbox, id: String) -> Self {
        MessageRef { mailbox, id }
    }

    /// The message id.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub(crate) fn mailbox(&self) -> &Mailbox {
        &self.mailbox
    }

    pub(crate) fn path(&self, rest: &[&str]) -> Vec<String> {
        let mut segments = vec!["messages", self.id.as_str()];
        segments.extend_from_slice(rest);
        self.mailbox.target.path(&segments)
    }

    /// Reads the message; choose properties with [`GetMessage::select`] (EWS's
    /// `PropertySet`/`IdOnly`).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let message = client.me().message("AAMkAG…").get().select(["subject", "toRecipients"]).await?;
    /// println!("{:?}", message.subject);
    /// # Ok(()) }
    /// ```
    pub fn get(&self) -> GetMessage {
        GetMessage {
            message: self.clone(),
            query: ODataQuery::default(),
        }
    }

    /// The message as raw RFC 5322 MIME (`GET …/messages/{id}/$value`).
    pub async fn mime(&self) -> Result<Vec<u8>> {
        let request = Request::get("getMessageMime", self.path(&["$value"]));
        Ok(self.mailbox.client.send(request).await?.bytes())
    }

    /// Changes only the properties set in `patch` (`PATCH`, 200) and returns the message.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::MessagePatch;
    /// client.me().message("AAMkAG…").update(MessagePatch::new().subject("Final agenda")).await?;
    /// # Ok(()) }
    /// ```
    pub fn update(&self, patch: MessagePatch) -> UpdateMessage {
        UpdateMessage {
            message: self.clone(),
            patch,
        }
    }

    /// Sends a draft (`POST …/send` with an empty body and `Content-Length: 0`; 202). Graph
    /// saves it to Sent Items. Not idempotent: never retried once it may have reached Graph.
    ///
    /// This is EWS's `EmailMessage.Send()` on a bound draft (`SendItem`).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// client.me().message("AAMkAG…").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn send(&self) -> SendDraft {
        SendDraft {
            message: self.clone(),
            client_request_id: None,
        }
    }

    /// The message's attachments: list, get, add, delete, upload large files.
    pub fn attachments(&self) -> Attachments {
        Attachments::new(self.mailbox.client.clone(), self.path(&[]))
    }

    /// Replies to the sender (or the original's `replyTo`).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// client.me().message("AAMkAG…").reply().comment("Count me in.").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn reply(&self) -> Reply {
        Reply::new(self.clone(), ReplyKind::Reply, Vec::new())
    }

    /// Replies to the sender and every recipient.
    pub fn reply_all(&self) -> Reply {
        Reply::new(self.clone(), ReplyKind::ReplyAll, Vec::new())
    }

    /// Forwards to `to`.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// client.me().message("AAMkAG…").forward(["megan@contoso.com"]).comment("FYI").send().await?;
    /// # Ok(()) }
    /// ```
    pub fn forward<I, R>(&self, to: I) -> Reply
    where
        I: IntoIterator<Item = R>,
        R: Into<Recipient>,
    {
        Reply::new(
            self.clone(),
            ReplyKind::Forward,
            to.into_iter().map(Into::into).collect(),
        )
    }

    /// Replies with a whole MIME message (raw RFC 5322 bytes; base64-encoded here and sent as
    /// `text/plain`). Without a `To` header the reply goes to the original's sender.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let mime = b"Subject: RE: Lunch\r\nContent-Type: text/plain\r\n\r\nCount me in.\r\n".to_vec();
    /// client.me().message("AAMkAG…").reply_mime(mime).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn reply_mime(&self, mime: Vec<u8>) -> MimeReply {
        MimeReply::new(self.clone(), ReplyKind::Reply, mime)
    }

    /// Replies to the sender and every recipient with a whole MIME message (see
    /// [`reply_mime`](Self::reply_mime)).
    pub fn reply_all_mime(&self, mime: Vec<u8>) -> MimeReply {
        MimeReply::new(self.clone(), ReplyKind::ReplyAll, mime)
    }

    /// Forwards with a whole MIME message; its `To`/`Cc`/`Bcc` headers say to whom (needed to
    /// send now, optional for [`MimeReply::create_draft`]).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let mime = b"To: megan@contoso.com\r\nSubject: FW: Lunch\r\n\r\nFYI\r\n".to_vec();
    /// let draft = client.me().message("AAMkAG…").forward_mime(mime).create_draft().await?;
    /// println!("draft {:?}", draft.id);
    /// # Ok(()) }
    /// ```
    pub fn forward_mime(&self, mime: Vec<u8>) -> MimeReply {
        MimeReply::new(self.clone(), ReplyKind::Forward, mime)
    }

    /// The calendar event a meeting message is about (an invitation in an attendee's
    /// mailbox, a response in the organizer's: their own copy of the meeting), through
    /// `$expand=microsoft.graph.eventMessage/event` (EWS's `AssociatedCalendarItemId`).
    /// A message without one (not about a meeting) is [`Error::NoAssociatedEvent`].
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let me = client.me();
    /// match me.message("AAMkADEz…").meeting_event().await {
    ///     Ok(meeting) => {
    ///         for (attendee, slot) in meeting.proposals() {
    ///             println!("{:?} proposes {:?}", attendee.address(), slot);
    ///         }
    ///     }
    ///     Err(e) if e.is_no_associated_event() => println!("not a meeting message"),
    ///     Err(e) => return Err(e),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn meeting_event(&self) -> Result<Event> {
        let mut request = Request::get("getMessage", self.path(&[]));
        let query = ODataQuery {
            expand: vec!["microsoft.graph.eventMessage/event".into()],
            ..ODataQuery::default()
        };
        query.apply(&mut request)?;
        let message: EventMessage = self.mailbox.client.send(request).await?.item()?;
        match message.event {
            Some(event) => Ok(*event),
            None => Err(Error::NoAssociatedEvent {
                message_id: message.message.id.unwrap_or_else(|| self.id.clone()),
                is_meeting_message: message.odata_type.is_some_and(|t| {
                    t.to_ascii_lowercase()
                        .starts_with("#microsoft.graph.eventmessage")
                }),
            }),
        }
    }
}

/// Reads one message; from [`MessageRef::get`].
#[derive(Debug)]
#[must_use = "nothing is sent until you call .send().await"]
pub struct GetMessage {
    message: MessageRef,
    query: ODataQuery,
}

impl GetMessage {
    /// Only these properties (`$select`).
    pub fn select<I, S>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.query.select = strings(properties);
        self
    }

    /// Also these navigation properties (`$expand`), e.g. `attachments`.
    pub fn expand(mut self, navigation: impl Into<String>) -> Self {
        self.query.expand.push(navigation.into());
        self
    }

    /// The body as text or HTML, whatever it was written in
    /// (`Prefer: outlook.body-content-type`, merged into the one `Prefer` header).
    pub fn body_content_type(mut self, body_type: BodyType) -> Self {
        self.query.body_type = Some(body_type);
        self
    }

    /// Also the scheduled send time, so [`Message::scheduled_send_time`] can read it.
    pub fn with_scheduled_send_time(self) -> Self {
        self.with_extended_property(&ExtendedPropertyId::DEFERRED_SEND_TIME)
    }

    /// Also this extended property (`$expand=singleValueExtendedProperties($filter=id eq
    /// '…')`, or the multi-value form), which Graph returns only when asked; read it with
    /// [`Message::extended_property_value`]. One property of each kind per read is the
    /// documented form \[unconfirmed: several\].
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::{ExtendedPropertyId, MapiPropertyType};
    /// let color = ExtendedPropertyId::named(MapiPropertyType::String, "66f5a359-4659-4830-9070-00047ec6ac6e", "Color")?;
    /// let message = client.me().message("AAMkAG…").get().with_extended_property(&color).await?;
    /// println!("{:?}", message.extended_property_value(&color));
    /// # Ok(()) }
    /// ```
    pub fn with_extended_property(self, id: &ExtendedPropertyId) -> Self {
        self.expand(id.expand())
    }

    /// Fetches it.
    pub fn send(self) -> impl Future<Output = Result<Message>> + Send + 'static {
        self.message.mailbox.client.clone().call(self)
    }
}

impl Call for GetMessage {
    type Output = Message;

    fn into_request(self) -> Result<Request> {
        let mut request = Request::get("getMessage", self.message.path(&[]));
        self.query.apply(&mut request)?;
        Ok(request)
    }

    fn parse(response: Response) -> Result<Message> {
        response.item()
    }
}

await_sends!(GetMessage => Message);

/// Changes a message; from [`MessageRef::update`]. Await it for the message as updated, or
/// add it to a [`Batch`](crate::Batch).
///
/// Not retried once it may have reached Graph (without `If-Match` a repeat could overwrite a
/// change made in between).
///
/// ```no_run
/// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
/// use msgraph_outlook::models::MessagePatch;
/// let draft = client.me().message("AAMkAG…");
/// let updated = draft.update(MessagePatch::new().subject("Final agenda")).send().await?;
/// assert_eq!(updated.subject.as_deref(), Some("Final agenda"));
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct UpdateMessage {
    message: MessageRef,
    patch: MessagePatch,
}

impl UpdateMessage {
    /// Sends it; a patch that changes nothing is refused before sending.
    pub fn send(self) -> impl Future<Output = Result<Message>> + Send + 'static {
        self.message.mailbox.client.clone().call(self)
    }
}

impl Call for UpdateMessage {
    type Output = Message;

    fn into_request(self) -> Result<Request> {
        if self.patch.is_empty() {
            return Err(InvalidRequest::InvalidValue {
                reason: "the patch changes nothing".into(),
            }
            .into());
        }
        self.patch.check()?;
        Request::patch("updateMessage", self.message.path(&[])).json(&self.patch)
    }

    fn parse(response: Response) -> Result<Message> {
        response.item()
    }
}

await_sends!(UpdateMessage => Message);

/// Sends a draft; from [`MessageRef::send`]. Await it (Graph answers 202 and saves the
/// message to Sent Items), or add it to a [`Batch`](crate::Batch).
///
/// Not idempotent: never retried once it may have reached Graph.
///
/// ```no_run
/// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
/// let accepted = client.me().message("AAMkAG…").send().await?;
/// println!("queued, request-id {:?}", accepted.request_id);
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct SendDraft {
    message: MessageRef,
    client_request_id: Option<String>,
}

impl SendDraft {
    /// Sends it with this `client-request-id` rather than a fresh one (see
    /// [`SendMime::client_request_id`](super::SendMime::client_request_id)).
    pub fn client_request_id(mut self, id: impl Into<String>) -> Self {
        self.client_request_id = Some(id.into());
        self
    }

    /// Sends it (`POST …/send`, empty body with `Content-Length: 0`).
    pub fn send(self) -> impl Future<Output = Result<Accepted>> + Send + 'static {
        self.message.mailbox.client.clone().call(self)
    }
}

impl Call for SendDraft {
    type Output = Accepted;

    fn into_request(self) -> Result<Request> {
        Ok(Request::post("send", self.message.path(&["send"]))
            .client_request_id(self.client_request_id))
    }

    fn parse(response: Response) -> Result<Accepted> {
        response.accepted()
    }
}

await_sends!(SendDraft => Accepted);
