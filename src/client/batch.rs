//! JSON batching: many calls in one `POST /$batch` (GRAPH-FACTS §9;
//! openapi-fragments/paths/batch.yaml).
//!
//! A [`Batch`] takes the same typed builders a single call awaits ([`Batchable`]): they are
//! checked, encoded and answered the same way, only carried together. Each call added gives a
//! [`BatchItem`] ticket; [`BatchResults::take`] turns it into the call's own result, with the
//! same [`Error`](crate::Error) variants a single call gives.
//!
//! What the client does for you:
//! - at most 20 requests per `$batch` POST (Graph's limit): more are sent as several
//!   batches, a request and the ones that depend on it always in the same one;
//! - those POSTs in flight together where Outlook's limits allow (GRAPH-FACTS §8.1): at most
//!   4 at once, and never more than a mailbox's 4 concurrent requests. A POST of unordered
//!   requests to a mailbox has that mailbox to itself (Graph may run 4 of them at a time);
//!   one whose requests to it are a single `dependsOn` chain (run one by one) takes 1 of its
//!   4 places. POSTs to other mailboxes go meanwhile;
//! - request ids `"1"`, `"2"`, … in the order of [`Batch::add`], answers matched by id in
//!   whatever order Graph returns them;
//! - relative URLs (`/me/…`, `/users/{id}/…`) encoded exactly as for single calls, with the
//!   `Content-Type`, `If-Match` and `Prefer` headers a single call would send;
//! - a request Graph throttled inside the batch (429, 503; 504 for requests safe to repeat) is
//!   sent again, alone with the others to retry, after its own `Retry-After`, under the
//!   client's [`RetryPolicy`](crate::RetryPolicy); a send whose outcome is unknown is never
//!   repeated, as for single calls;
//! - results remember the mailbox they were read from, so
//!   [`GraphClient::event_from`] works on them.
//!
//! ```no_run
//! # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
//! use msgraph_outlook::models::Message;
//!
//! let mut batch = client.batch();
//! let tickets: Vec<_> = ["alex@contoso.com", "megan@contoso.com"]
//!     .into_iter()
//!     .map(|to| batch.add(client.me().send_mail(Message::new().subject("Lunch?").to(to))))
//!     .collect();
//! let mut results = batch.send().await?;
//! for ticket in tickets {
//!     if let Err(e) = results.take(ticket) {
//!         eprintln!("not sent: {e}");
//!     }
//! }
//! # Ok(()) }
//! ```

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use base64::Engine as _;
use futures_util::stream::{FuturesUnordered, StreamExt};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::Method;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::limits::mailbox_key;
use super::request::{Body, Call, Checked, Request, Target, MAX_REQUEST_BYTES};
use super::response::{graph_error, Response};
use super::GraphClient;
use crate::api::{
    CopyMailFolder, CopyMessage, CreateMailFolder, DeleteMailFolder, DeleteMessage, GetMailFolder,
    MoveMailFolder, MoveMessage, PermanentDeleteMailFolder, PermanentDeleteMessage,
    UpdateMailFolder,
};
use crate::api::{
    CreateDraft, CreateEvent, DeleteEvent, EventResponse, GetEvent, GetMessage, SendDraft,
    SendMail, UpdateEvent, UpdateMessage, UpdatedEvent,
};
use crate::auth::{AccessToken, TokenKind, TokenUser};
use crate::error::{DecodeError, Error, InvalidRequest, OutcomeUnknown, Result};
use crate::models::{Event, ItemSource, MailFolder, MailboxRef, Message};
use crate::Accepted;

/// Graph's limit on the requests of one `$batch` (GRAPH-FACTS §9).
const MAX_BATCH_REQUESTS: usize = 20;

/// `$batch` POSTs of one batch in flight at once: Graph runs at most 4 requests of a batch at
/// a time, and Outlook takes 4 concurrent requests per mailbox (GRAPH-FACTS §8.1), so more
/// POSTs would only queue or be throttled.
const MAX_POSTS_IN_FLIGHT: usize = 4;

/// Outlook's concurrent requests per app and mailbox (GRAPH-FACTS §8.1): the places the
/// POSTs in flight share per mailbox.
const MAILBOX_PLACES: usize = 4;

/// Tells batches apart, so a ticket is only redeemed where it was issued.
static NEXT_BATCH: AtomicU64 = AtomicU64::new(1);

mod sealed {
    pub trait Sealed {}
}

/// A call that can go in a [`Batch`]: the JSON sends, draft creation, reads, updates, draft
/// sends, deletes and meeting responses. Its [`Output`](Self::Output) is what awaiting the
/// call alone gives. Implemented by this crate only.
///
/// Implemented by [`SendMail`], [`CreateDraft`] (JSON; a MIME draft is refused when the
/// batch is sent), [`GetMessage`], [`UpdateMessage`], [`SendDraft`], [`CreateEvent`],
/// [`GetEvent`], [`UpdateEvent`], [`DeleteEvent`] and [`EventResponse`] (accept,
/// tentatively accept, decline); message housekeeping: [`MoveMessage`], [`CopyMessage`],
/// [`DeleteMessage`], [`PermanentDeleteMessage`]; and mail folders: [`CreateMailFolder`],
/// [`GetMailFolder`], [`UpdateMailFolder`], [`MoveMailFolder`], [`CopyMailFolder`],
/// [`DeleteMailFolder`], [`PermanentDeleteMailFolder`]. Not by [`SendMime`](crate::api::SendMime): Graph documents
/// JSON and base64-encoded binary bodies inside a batch, not the `text/plain` base64 MIME
/// that `sendMail` takes, so a MIME send is only sent alone.
///
/// ```no_run
/// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
/// use msgraph_outlook::{Batch, BatchItem, Batchable};
///
/// /// Adds calls of one kind, keeping their tickets.
/// fn add_all<C: Batchable>(batch: &mut Batch, calls: Vec<C>) -> Vec<BatchItem<C::Output>> {
///     calls.into_iter().map(|call| batch.add(call)).collect()
/// }
///
/// let me = client.me();
/// let mut batch = client.batch();
/// let reads = add_all(&mut batch, vec![me.event("AAMk1").get(), me.event("AAMk2").get()]);
/// let mut results = batch.send().await?;
/// for ticket in reads {
///     println!("{:?}", results.take(ticket)?.subject);
/// }
/// # Ok(()) }
/// ```
pub trait Batchable: sealed::Sealed {
    /// What the call gives, as when it is awaited alone.
    type Output;

    #[doc(hidden)]
    fn into_part(self) -> Part<Self::Output>;
}

/// A call taken apart for a batch: its request (or why it is refused) and how to read the answer.
#[doc(hidden)]
pub struct Part<T> {
    request: Result<Request>,
    parse: fn(Response) -> Result<T>,
}

impl<T> Part<T> {
    fn of<C: Call<Output = T>>(call: C) -> Self {
        Part {
            request: call.into_request(),
            parse: C::parse,
        }
    }
}

impl<T> fmt::Debug for Part<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Part")
            .field("request", &self.request.as_ref().map(|r| r.operation))
            .finish_non_exhaustive()
    }
}

macro_rules! batchable {
    ($($call:ty => $output:ty),* $(,)?) => {$(
        impl sealed::Sealed for $call {}
        impl Batchable for $call {
            type Output = $output;
            fn into_part(self) -> Part<$output> {
                Part::of(self)
            }
        }
    )*};
}

batchable!(
    SendMail => Accepted,
    CreateDraft => Message,
    GetMessage => Message,
    UpdateMessage => Message,
    SendDraft => Accepted,
    CreateEvent => Event,
    GetEvent => Event,
    UpdateEvent => UpdatedEvent,
    DeleteEvent => (),
    MoveMessage => Message,
    CopyMessage => Message,
    DeleteMessage => (),
    PermanentDeleteMessage => (),
    CreateMailFolder => MailFolder,
    GetMailFolder => MailFolder,
    UpdateMailFolder => MailFolder,
    MoveMailFolder => MailFolder,
    CopyMailFolder => MailFolder,
    DeleteMailFolder => (),
    PermanentDeleteMailFolder => (),
);

impl<K> sealed::Sealed for EventResponse<K> {}
impl<K> Batchable for EventResponse<K> {
    type Output = Accepted;
    fn into_part(self) -> Part<Accepted> {
        Part::of(self)
    }
}

impl GraphClient {
    /// Starts a JSON batch (`POST /$batch`): calls added to it go to Graph together, up to 20
    /// per round trip. See [`Batch`].
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::Message;
    /// let mut batch = client.batch();
    /// let first = batch.add(client.me().send_mail(Message::new().subject("1").to("alex@contoso.com")));
    /// let second = batch.add(client.user("adele@contoso.com").event("AAMkAGI1…").get());
    /// let mut results = batch.send().await?;
    /// results.take(first)?;
    /// println!("{:?}", results.take(second)?.subject);
    /// # Ok(()) }
    /// ```
    pub fn batch(&self) -> Batch {
        Batch {
            client: self.clone(),
            id: NEXT_BATCH.fetch_add(1, Ordering::Relaxed),
            entries: Vec::new(),
        }
    }
}

/// Calls to send together through `POST /$batch`; from [`GraphClient::batch`].
///
/// Add calls with [`add`](Self::add) (independent: Graph may run them in any order, for
/// Outlook at most 4 at a time) or [`add_after`](Self::add_after) (`dependsOn`: run only after an
/// earlier one succeeded), then [`send`](Self::send) and redeem each ticket with
/// [`BatchResults::take`]. The batch is sent by the client it was made from, whichever
/// client the calls were built with.
///
/// A call that fails its local checks (a message without recipients, a patch that changes
/// nothing, a MIME draft) is not sent; its ticket gives that error and the others go.
///
/// ```no_run
/// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
/// use msgraph_outlook::models::MessagePatch;
/// let draft = client.me().message("AAMkAGI1…");
/// let mut batch = client.batch();
/// let update = batch.add(draft.update(MessagePatch::new().subject("Final agenda")));
/// let send = batch.add_after(draft.send(), &update); // sent only once the update succeeded
/// let mut results = batch.send().await?;
/// results.take(update)?;
/// results.take(send)?;
/// # Ok(()) }
/// ```
#[must_use = "nothing is sent until you call .send().await"]
pub struct Batch {
    client: GraphClient,
    id: u64,
    entries: Vec<Entry>,
}

struct Entry {
    request: Result<Request>,
    /// The entry this one depends on (`dependsOn`), always an earlier one.
    after: Option<usize>,
}

impl fmt::Debug for Batch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let operations: Vec<_> = self
            .entries
            .iter()
            .map(|e| e.request.as_ref().map_or("(refused)", |r| r.operation))
            .collect();
        f.debug_struct("Batch")
            .field("operations", &operations)
            .finish_non_exhaustive()
    }
}

impl Batch {
    /// Adds a call; Graph may run it in any order relative to the others. The ticket gives
    /// its result after [`send`](Self::send).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::EventPatch;
    /// let mut batch = client.batch();
    /// let moved = batch.add(client.me().event("AAMkAGI1…").update(EventPatch::new().location("Room 2")));
    /// let updated = batch.send().await?.take(moved)?;
    /// println!("attendees notified: {}", updated.graph_mails_attendees);
    /// # Ok(()) }
    /// ```
    pub fn add<C: Batchable>(&mut self, call: C) -> BatchItem<C::Output> {
        self.push(call, None)
    }

    /// Adds a call that Graph runs only after `earlier` succeeded (`dependsOn`); if `earlier`
    /// fails, this one is not run and its ticket gives Graph's `424 Failed Dependency`. A
    /// request and those depending on it, directly or not, go in the same `$batch`, so at most
    /// 20 may hang together.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::EventPatch;
    /// let meeting = client.me().event("AAMkAGI1…");
    /// let mut batch = client.batch();
    /// let note = batch.add(meeting.update(EventPatch::new().categories(["Travel"])));
    /// let answer = batch.add_after(meeting.accept().comment("See you there"), &note);
    /// let mut results = batch.send().await?;
    /// results.take(answer)?;
    /// # Ok(()) }
    /// ```
    pub fn add_after<C: Batchable, U>(
        &mut self,
        call: C,
        earlier: &BatchItem<U>,
    ) -> BatchItem<C::Output> {
        let after = (earlier.batch == self.id).then_some(earlier.index);
        let item = self.push(call, after);
        if after.is_none() {
            self.entries[item.index].request = Err(InvalidRequest::InvalidValue {
                reason: "a batch request can only depend on a request of the same batch".into(),
            }
            .into());
        }
        item
    }

    fn push<C: Batchable>(&mut self, call: C, after: Option<usize>) -> BatchItem<C::Output> {
        let part = call.into_part();
        self.entries.push(Entry {
            request: part.request,
            after,
        });
        BatchItem {
            batch: self.id,
            index: self.entries.len() - 1,
            parse: part.parse,
        }
    }

    /// How many calls were added.
    ///
    /// ```no_run
    /// # fn run(client: msgraph_outlook::GraphClient) {
    /// let mut batch = client.batch();
    /// batch.add(client.me().event("AAMkAGI1…").delete());
    /// assert_eq!(batch.len(), 1);
    /// # }
    /// ```
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when no call was added ([`send`](Self::send) then sends nothing).
    ///
    /// ```no_run
    /// # fn run(client: msgraph_outlook::GraphClient) {
    /// assert!(client.batch().is_empty());
    /// # }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sends the calls, 20 per `$batch` POST, retries what Graph throttled, and returns every
    /// call's result.
    ///
    /// The POSTs go concurrently, at most 4 at once, as far as each mailbox's 4 concurrent
    /// requests allow: a POST waits while POSTs in flight hold the places it needs in a
    /// mailbox it addresses (all 4 for unordered requests to it, 1 for a `dependsOn` chain).
    /// So POSTs of unordered requests to one mailbox go one after another, while POSTs to
    /// different mailboxes, or of chains, go together. Results do not depend on the order.
    ///
    /// Fails as a whole, before anything is sent, only when more than 20 requests depend on
    /// one another (they cannot be split across batches). Anything else is per call: a local
    /// refusal, Graph's answer to that request, or, when a whole `$batch` POST failed (a
    /// malformed batch, an outage outlasting the retries, a token error), that failure for
    /// every call it carried.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let mut batch = client.batch();
    /// let tickets: Vec<_> = ["AAMk1", "AAMk2"]
    ///     .into_iter()
    ///     .map(|id| batch.add(client.me().message(id).get().select(["subject"])))
    ///     .collect();
    /// let mut results = batch.send().await?;
    /// for ticket in tickets {
    ///     println!("{:?}", results.take(ticket).map(|m| m.subject));
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn send(self) -> Result<BatchResults> {
        let Batch {
            client,
            id,
            entries,
        } = self;
        check_chains(&entries)?;
        // Who the token names, so that `/me` and the signed-in user's UPN share a mailbox's
        // places as they do for single calls (`limits::mailbox_key`). The POSTs need this
        // token anyway; a failure to get it is theirs to report.
        let token = match client.inner.tokens.kind() {
            TokenKind::Application => None,
            _ => client.inner.tokens.access_token().await.ok(),
        };
        let user = token.as_ref().and_then(AccessToken::user);
        let mut outcomes: Vec<Option<Result<Response>>> = Vec::with_capacity(entries.len());
        let mut items: Vec<Option<Item>> = Vec::with_capacity(entries.len());
        for (index, entry) in entries.into_iter().enumerate() {
            let prepared = match entry.after {
                // A request whose dependency is not sent cannot be sent either.
                Some(dependency) if items[dependency].is_none() => {
                    Err(InvalidRequest::InvalidValue {
                        reason: format!(
                            "not sent: it depends on batch request {}, which was not sent",
                            dependency + 1
                        ),
                    }
                    .into())
                }
                _ => entry
                    .request
                    .and_then(|request| client.prepare(request, index, entry.after, user)),
            };
            match prepared {
                Ok(item) => {
                    items.push(Some(item));
                    outcomes.push(None);
                }
                Err(error) => {
                    items.push(None);
                    outcomes.push(Some(Err(error)));
                }
            }
        }
        client.run(&items, &mut outcomes).await;
        Ok(BatchResults {
            batch: id,
            outcomes: outcomes
                .into_iter()
                .map(|outcome| {
                    Some(outcome.unwrap_or_else(|| {
                        Err(InvalidRequest::InvalidValue {
                            reason: "the batch request got no result".into(),
                        }
                        .into())
                    }))
                })
                .collect(),
        })
    }
}

/// A chain of dependent requests must fit one `$batch`.
fn check_chains(entries: &[Entry]) -> Result<()> {
    let mut roots: Vec<usize> = Vec::with_capacity(entries.len());
    let mut sizes: HashMap<usize, usize> = HashMap::new();
    for (index, entry) in entries.iter().enumerate() {
        let root = entry.after.map_or(index, |dependency| roots[dependency]);
        roots.push(root);
        *sizes.entry(root).or_default() += 1;
    }
    if let Some((root, size)) = sizes
        .into_iter()
        .filter(|(_, size)| *size > MAX_BATCH_REQUESTS)
        .min()
    {
        return Err(InvalidRequest::InvalidValue {
            reason: format!(
                "{size} batch requests depend on request {} directly or not: they must go in \
                 one $batch, which holds at most {MAX_BATCH_REQUESTS}",
                root + 1
            ),
        }
        .into());
    }
    Ok(())
}

/// A ticket for one call of a [`Batch`]: give it to [`BatchResults::take`] for the call's
/// result (`T` is what awaiting the call alone gives). Cheap to copy.
///
/// ```no_run
/// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
/// use msgraph_outlook::models::Event;
/// use msgraph_outlook::BatchItem;
/// let mut batch = client.batch();
/// let ticket: BatchItem<Event> = batch.add(client.me().event("AAMkAGI1…").get());
/// let event: Event = batch.send().await?.take(ticket)?;
/// # Ok(()) }
/// ```
pub struct BatchItem<T> {
    batch: u64,
    index: usize,
    parse: fn(Response) -> Result<T>,
}

impl<T> BatchItem<T> {
    /// The request's id in the `$batch` (`"1"` for the first call added, and so on), as
    /// Graph's answer and logs name it.
    ///
    /// ```no_run
    /// # fn run(client: msgraph_outlook::GraphClient) {
    /// let mut batch = client.batch();
    /// let ticket = batch.add(client.me().event("AAMkAGI1…").get());
    /// assert_eq!(ticket.id(), "1");
    /// # }
    /// ```
    pub fn id(&self) -> String {
        (self.index + 1).to_string()
    }
}

impl<T> Clone for BatchItem<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for BatchItem<T> {}

impl<T> fmt::Debug for BatchItem<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BatchItem")
            .field("id", &self.id())
            .finish_non_exhaustive()
    }
}

/// What a sent [`Batch`] gave: one result per call, redeemed with [`take`](Self::take).
///
/// ```no_run
/// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
/// use msgraph_outlook::Error;
/// let mut batch = client.batch();
/// let read = batch.add(client.me().event("AAMkAGI1…").get());
/// let mut results = batch.send().await?;
/// match results.take(read) {
///     Ok(event) => println!("{:?}", event.subject),
///     Err(Error::NotFound(_)) => println!("gone"),
///     Err(e) => return Err(e),
/// }
/// # Ok(()) }
/// ```
pub struct BatchResults {
    batch: u64,
    outcomes: Vec<Option<Result<Response>>>,
}

impl BatchResults {
    /// The result of the call `item` stands for: what awaiting that call alone would have
    /// given, Graph errors included ([`Error::Conflict`], [`Error::AccessDenied`], …; a
    /// request whose dependency failed gives Graph's `424` as [`Error::Graph`]). Each result
    /// can be taken once; a ticket of another batch gives
    /// [`Error::InvalidRequest`].
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let mut batch = client.batch();
    /// let delete = batch.add(client.me().event("AAMkAGI1…").delete());
    /// let mut results = batch.send().await?;
    /// if let Err(e) = results.take(delete) {
    ///     eprintln!("not deleted (HTTP {:?}): {e}", e.status());
    /// }
    /// # Ok(()) }
    /// ```
    pub fn take<T>(&mut self, item: BatchItem<T>) -> Result<T> {
        let outcome = (item.batch == self.batch)
            .then(|| self.outcomes.get_mut(item.index).and_then(Option::take))
            .flatten();
        match outcome {
            Some(response) => (item.parse)(response?),
            None => Err(InvalidRequest::InvalidValue {
                reason: match item.batch == self.batch {
                    true => format!(
                        "the result of batch request {} was already taken",
                        item.id()
                    ),
                    false => "this ticket belongs to another batch".into(),
                },
            }
            .into()),
        }
    }

    /// How many calls the batch had.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let results = client.batch().send().await?;
    /// assert_eq!(results.len(), 0);
    /// # Ok(()) }
    /// ```
    pub fn len(&self) -> usize {
        self.outcomes.len()
    }

    /// True when the batch had no call.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// assert!(client.batch().send().await?.is_empty());
    /// # Ok(()) }
    /// ```
    pub fn is_empty(&self) -> bool {
        self.outcomes.is_empty()
    }
}

impl fmt::Debug for BatchResults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = |ok: bool| {
            self.outcomes
                .iter()
                .filter(|o| matches!(o, Some(r) if r.is_ok() == ok))
                .count()
        };
        f.debug_struct("BatchResults")
            .field("calls", &self.outcomes.len())
            .field("succeeded", &count(true))
            .field("failed", &count(false))
            .finish_non_exhaustive()
    }
}

/// A request ready for a `$batch`.
struct Item {
    /// `"1"`, `"2"`, …: the position of the call, kept across retries.
    id: String,
    /// The request object as written in the POST, without its closing brace: `dependsOn` goes
    /// there when its dependency is in the same POST. Written once, copied into each POST.
    open: Vec<u8>,
    operation: &'static str,
    idempotent: bool,
    after: Option<usize>,
    source: Option<ItemSource>,
    addressed_me: bool,
    /// A write to another user's calendar: a 403 names the calendar role to grant.
    writes_shared_calendar: bool,
    /// The mailbox it addresses, keyed as the client's limiter keys it (`/me`, also for the
    /// signed-in user's UPN or object id, or the user id, lower case).
    mailbox: Option<String>,
}

/// How one request of a `$batch` ended.
enum Verdict {
    Done(Result<Response>),
    /// Throttled or unavailable: not acted on; wait (`Retry-After` when given) and send again.
    Retry(Error, Option<Duration>),
    /// 424: not run because the request it depends on failed.
    FailedDependency(Error),
}

impl Item {
    /// Its size in a POST, to keep each under Graph's 4 MB: the object and a comma.
    fn size(&self) -> usize {
        self.open.len() + 2
    }
}

/// The fields of a request object before its body, in the order Graph's examples give them.
#[derive(Serialize)]
struct Head<'a> {
    id: &'a str,
    method: &'a str,
    url: &'a str,
    #[serde(skip_serializing_if = "InnerHeaders::is_empty")]
    headers: InnerHeaders<'a>,
}

/// The headers a single call would send that a batched request carries itself.
#[derive(Serialize, Default)]
struct InnerHeaders<'a> {
    #[serde(rename = "Content-Type", skip_serializing_if = "Option::is_none")]
    content_type: Option<&'static str>,
    #[serde(rename = "If-Match", skip_serializing_if = "Option::is_none")]
    if_match: Option<&'a str>,
    #[serde(rename = "Prefer", skip_serializing_if = "Option::is_none")]
    prefer: Option<String>,
}

impl InnerHeaders<'_> {
    fn is_empty(&self) -> bool {
        self.content_type.is_none() && self.if_match.is_none() && self.prefer.is_none()
    }
}

/// The `$batch` answer (GRAPH-FACTS §9), borrowing from the answer's bytes: inner bodies
/// stay raw JSON until the call's own parser reads them.
#[derive(Deserialize)]
struct BatchAnswer<'a> {
    #[serde(borrow)]
    responses: Vec<InnerAnswer<'a>>,
}

#[derive(Deserialize)]
struct InnerAnswer<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    status: u16,
    #[serde(default, deserialize_with = "header_map")]
    headers: HeaderMap,
    #[serde(borrow, default)]
    body: Option<&'a RawValue>,
}

/// A JSON string, borrowed unless it has escapes.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

/// An inner answer's `headers` object, read straight into a [`HeaderMap`]; entries that are
/// not valid HTTP headers are left out.
fn header_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<HeaderMap, D::Error> {
    struct Headers;
    impl<'de> Visitor<'de> for Headers {
        type Value = HeaderMap;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of headers")
        }

        fn visit_map<A: MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<HeaderMap, A::Error> {
            let mut headers = HeaderMap::new();
            while let Some((Text(name), value)) = map.next_entry::<Text<'de>, &'de RawValue>()? {
                // Graph gives strings; anything else is kept as its JSON text.
                let value = match serde_json::from_str::<Text<'de>>(value.get()) {
                    Ok(Text(text)) => text,
                    Err(_) => Cow::Borrowed(value.get()),
                };
                if let (Ok(name), Ok(value)) = (
                    HeaderName::from_bytes(name.as_bytes()),
                    HeaderValue::from_str(&value),
                ) {
                    headers.append(name, value);
                }
            }
            Ok(headers)
        }
    }
    deserializer.deserialize_map(Headers)
}

/// What the `$batch` POST itself answered, shared by its requests.
struct Outer {
    client_request_id: String,
    request_id: Option<String>,
}

impl GraphClient {
    /// Checks a request as [`send`](Self::send) would and writes its `$batch` form.
    fn prepare(
        &self,
        request: Request,
        index: usize,
        after: Option<usize>,
        user: Option<&TokenUser>,
    ) -> Result<Item> {
        if !matches!(request.target, Target::Graph(_)) {
            return Err(InvalidRequest::InvalidValue {
                reason: format!("{} cannot be sent in a $batch", request.operation),
            }
            .into());
        }
        // The same checks as a single call.
        let Checked { url, source, .. } = self.check(&request)?;
        let url = self.relative_url(&url);
        let addressed_me = matches!(&source, Some(s) if s.mailbox == MailboxRef::Me);
        let mailbox = source
            .as_ref()
            .map(|s| mailbox_key(&s.mailbox, user).to_lowercase());
        let mut headers = InnerHeaders::default();
        let body: Option<&[u8]> = match &request.body {
            // Graph refuses a whole batch whose write request has no body or no Content-Type
            // ("Write request id : … does not contain Content-Type header or body", live
            // reports such as msgraph-sdk-dotnet #2628 for message/send); the batching page
            // says to send an empty JSON object then.
            Body::Empty if matches!(request.method, Method::POST | Method::PATCH | Method::PUT) => {
                headers.content_type = Some("application/json");
                Some(b"{}")
            }
            Body::Empty => None,
            // Always serde_json's own output (`Request::json`): it goes in as it is.
            Body::Json(bytes) => {
                headers.content_type = Some("application/json");
                Some(bytes)
            }
            Body::Mime(_) | Body::Range { .. } => {
                return Err(InvalidRequest::InvalidValue {
                    reason: format!(
                        "{} with a MIME body cannot go in a $batch (Graph documents JSON and \
                         base64-encoded binary bodies there, not text/plain MIME): send it alone",
                        request.operation
                    ),
                }
                .into())
            }
        };
        headers.if_match = request.if_match.as_deref();
        headers.prefer = self.prefer_header(&request.prefer);
        let id = (index + 1).to_string();
        let head = Head {
            id: &id,
            method: request.method.as_str(),
            url: &url,
            headers,
        };
        let mut open = Vec::with_capacity(128 + url.len() + body.map_or(0, <[u8]>::len));
        serde_json::to_writer(&mut open, &head).map_err(|e| InvalidRequest::InvalidValue {
            reason: format!("cannot write a $batch request: {e}"),
        })?;
        open.pop(); // the closing brace
        if let Some(body) = body {
            open.extend_from_slice(b",\"body\":");
            open.extend_from_slice(body);
        }
        Ok(Item {
            id,
            open,
            operation: request.operation,
            idempotent: request.idempotent,
            after,
            source,
            addressed_me,
            writes_shared_calendar: request.writes_shared_calendar(),
            mailbox,
        })
    }

    /// Sends `items` in rounds: every pending request once (in POSTs of at most 20, sent
    /// together as [`round`](Self::round) allows), then those Graph throttled, after the
    /// longest `Retry-After` among them.
    async fn run(&self, items: &[Option<Item>], outcomes: &mut [Option<Result<Response>>]) {
        let policy = &self.inner.retry;
        let mut attempts = vec![0u32; items.len()];
        let mut waited = vec![Duration::ZERO; items.len()];
        let mut pending: Vec<usize> = (0..items.len()).filter(|&i| items[i].is_some()).collect();
        while !pending.is_empty() {
            let mut verdicts = self.round(items, &pending).await;
            let (mut retry, mut delay) = (Vec::new(), Duration::ZERO);
            for &index in &pending {
                attempts[index] += 1;
                let verdict = verdicts.remove(&index).unwrap_or_else(|| {
                    Verdict::Done(Err(InvalidRequest::InvalidValue {
                        reason: "the batch request was not sent".into(),
                    }
                    .into()))
                });
                let dependency = items[index].as_ref().and_then(|item| item.after);
                let done = match verdict {
                    Verdict::Done(outcome) => outcome,
                    // Sent again alone, it would run although what it depends on failed.
                    Verdict::Retry(..)
                        if dependency.is_some_and(|d| matches!(outcomes[d], Some(Err(_)))) =>
                    {
                        Err(InvalidRequest::InvalidValue {
                            reason: format!(
                                "not sent again: batch request {}, which it depends on, failed",
                                dependency.unwrap_or_default() + 1
                            ),
                        }
                        .into())
                    }
                    Verdict::Retry(error, retry_after) => {
                        let wait = policy.delay(attempts[index], retry_after);
                        if !policy.allows(attempts[index], waited[index], wait) {
                            Err(error)
                        } else {
                            retry.push(index);
                            delay = delay.max(wait);
                            continue;
                        }
                    }
                    // Not run because its dependency was throttled: it goes again with it.
                    Verdict::FailedDependency(error) => {
                        if dependency.is_some_and(|d| retry.contains(&d))
                            && attempts[index] < policy.attempts()
                        {
                            retry.push(index);
                            continue;
                        }
                        Err(error)
                    }
                };
                outcomes[index] = Some(done);
            }
            if !retry.is_empty() {
                tracing::warn!(
                    requests = retry.len(),
                    delay_ms = delay.as_millis() as u64,
                    "retrying throttled requests of a Graph batch"
                );
                self.inner.sleeper.sleep(delay).await;
                for &index in &retry {
                    waited[index] += delay;
                }
            }
            pending = retry;
        }
    }

    /// Sends every pending request once, in POSTs of at most 20, several in flight where
    /// Graph allows (GRAPH-FACTS §8.1): at most [`MAX_POSTS_IN_FLIGHT`], and a POST starts
    /// only when the places it needs in each mailbox it addresses ([`places`]) fit in that
    /// mailbox's 4 beside the POSTs in flight. A POST that must wait for a mailbox keeps later
    /// POSTs to that mailbox waiting too, so a POST needing a whole mailbox is not starved by
    /// smaller ones; POSTs to other mailboxes go ahead.
    async fn round(&self, items: &[Option<Item>], pending: &[usize]) -> HashMap<usize, Verdict> {
        let posts = pack(items, pending);
        let needs: Vec<Vec<(&str, usize)>> = posts.iter().map(|p| places(items, p)).collect();
        let start = |n: usize| {
            let post = &posts[n];
            async move { (n, self.post(items, post).await) }
        };
        let mut verdicts = HashMap::with_capacity(pending.len());
        let mut waiting: Vec<usize> = (0..posts.len()).collect();
        let mut taken: HashMap<&str, usize> = HashMap::new();
        let mut in_flight = FuturesUnordered::new();
        loop {
            let mut blocked: Vec<&str> = Vec::new();
            waiting.retain(|&n| {
                let fits = in_flight.len() < MAX_POSTS_IN_FLIGHT
                    && needs[n].iter().all(|&(mailbox, need)| {
                        !blocked.contains(&mailbox)
                            && taken.get(mailbox).copied().unwrap_or(0) + need <= MAILBOX_PLACES
                    });
                if !fits {
                    blocked.extend(needs[n].iter().map(|&(mailbox, _)| mailbox));
                    return true;
                }
                for &(mailbox, need) in &needs[n] {
                    *taken.entry(mailbox).or_default() += need;
                }
                in_flight.push(start(n));
                false
            });
            // Nothing in flight means nothing waits either: with no place taken, the first
            // waiting POST always fits.
            let Some((n, done)) = in_flight.next().await else {
                break;
            };
            for &(mailbox, need) in &needs[n] {
                if let Some(count) = taken.get_mut(mailbox) {
                    *count -= need;
                }
            }
            verdicts.extend(done);
        }
        verdicts
    }

    /// One `$batch` POST of the requests `post` (indexes into `items`), through the one
    /// pipeline: the POST itself is retried on 429/503 like any request, since Graph ran
    /// none of it.
    async fn post(&self, items: &[Option<Item>], post: &[usize]) -> Vec<(usize, Verdict)> {
        let item = |index: usize| {
            items[index]
                .as_ref()
                .expect("only prepared requests are sent")
        };
        // `{"requests":[…]}` written directly from the requests' own bytes.
        let size: usize = post.iter().map(|&index| item(index).size() + 32).sum();
        let mut body = Vec::with_capacity(size + 16);
        body.extend_from_slice(b"{\"requests\":[");
        for (n, &index) in post.iter().enumerate() {
            if n > 0 {
                body.push(b',');
            }
            body.extend_from_slice(&item(index).open);
            if let Some(dependency) = item(index).after.filter(|d| post.contains(d)) {
                // Ids are digits: nothing to escape.
                body.extend_from_slice(b",\"dependsOn\":[\"");
                body.extend_from_slice(item(dependency).id.as_bytes());
                body.extend_from_slice(b"\"]");
            }
            body.push(b'}');
        }
        body.extend_from_slice(b"]}");
        let mut request = Request::post("$batch", vec!["$batch".into()]);
        request.body = Body::Json(body.into());
        // Repeating it after a timeout is safe only when every request in it is.
        if post.iter().all(|&index| item(index).idempotent) {
            request = request.idempotent();
        }
        let fail_all = |error: Error| {
            post.iter()
                .map(|&index| (index, Verdict::Done(Err(error.duplicate()))))
                .collect()
        };
        let response = match self.send(request).await {
            Ok(response) => response,
            Err(error) => return fail_all(error),
        };
        let outer = Outer {
            client_request_id: response.client_request_id.clone(),
            request_id: response.header("request-id"),
        };
        let answer: BatchAnswer = match response.json_ref() {
            Ok(answer) => answer,
            Err(error) => return fail_all(error),
        };
        // Ids compare case-insensitively (GRAPH-FACTS §9); ours are digits, so only an id
        // with upper case needs a lower-case copy.
        let mut answers: HashMap<Cow<str>, InnerAnswer> = HashMap::with_capacity(post.len());
        for mut inner in answer.responses {
            let mut id = std::mem::take(&mut inner.id);
            if id.bytes().any(|b| b.is_ascii_uppercase()) {
                id = Cow::Owned(id.to_lowercase());
            }
            answers.entry(id).or_insert(inner);
        }
        post.iter()
            .map(|&index| {
                let item = item(index);
                let verdict = match answers.remove(item.id.as_str()) {
                    Some(inner) => verdict(item, inner, &outer),
                    None => Verdict::Done(Err(Error::Decode(Box::new(DecodeError {
                        status: 200,
                        reason: format!("the $batch answer has no response for id {}", item.id),
                        excerpt: String::new(),
                        request_id: outer.request_id.clone(),
                        client_request_id: Some(outer.client_request_id.clone()),
                    })))),
                };
                (index, verdict)
            })
            .collect()
    }
}

/// Splits the pending requests into POSTs of at most 20 requests and 4 MB, in order, keeping
/// each request with the pending requests it depends on.
fn pack(items: &[Option<Item>], pending: &[usize]) -> Vec<Vec<usize>> {
    // Groups: a pending request joins the group of its dependency when that one is pending too.
    let mut group_of: HashMap<usize, usize> = HashMap::new();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for &index in pending {
        let dependency = items[index].as_ref().and_then(|item| item.after);
        match dependency.and_then(|d| group_of.get(&d).copied()) {
            Some(group) => {
                groups[group].push(index);
                group_of.insert(index, group);
            }
            None => {
                group_of.insert(index, groups.len());
                groups.push(vec![index]);
            }
        }
    }
    // Room for `{"requests":[…]}` and the `dependsOn`s.
    let budget = MAX_REQUEST_BYTES - 1024;
    let size = |group: &[usize]| -> usize {
        group
            .iter()
            .map(|&i| items[i].as_ref().map_or(0, |item| item.size() + 32))
            .sum()
    };
    let mut posts: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut current_size = 0;
    for group in groups {
        let group_size = size(&group);
        let full =
            current.len() + group.len() > MAX_BATCH_REQUESTS || current_size + group_size > budget;
        if full && !current.is_empty() {
            posts.push(std::mem::take(&mut current));
            current_size = 0;
        }
        current.extend(group);
        current_size += group_size;
    }
    if !current.is_empty() {
        posts.push(current);
    }
    posts
}

/// The places a POST needs in each mailbox it addresses, out of the mailbox's 4
/// (GRAPH-FACTS §8.1): 1 when its requests to that mailbox are one `dependsOn` chain, which
/// Graph runs one by one; all 4 otherwise, since Graph runs up to 4 unordered requests of a
/// batch at a time. Requests addressing no mailbox need none.
fn places<'a>(items: &'a [Option<Item>], post: &[usize]) -> Vec<(&'a str, usize)> {
    let mut by_mailbox: Vec<(&str, Vec<usize>)> = Vec::new();
    for &index in post {
        let Some(mailbox) = items[index].as_ref().and_then(|i| i.mailbox.as_deref()) else {
            continue;
        };
        match by_mailbox.iter_mut().find(|(m, _)| *m == mailbox) {
            Some((_, requests)) => requests.push(index),
            None => by_mailbox.push((mailbox, vec![index])),
        }
    }
    // Whether `later` runs after `earlier` in this POST: `earlier` is among the dependencies,
    // direct or not, that it carries in it.
    let after = |later: usize, earlier: usize| {
        let mut dependency = items[later].as_ref().and_then(|i| i.after);
        while let Some(d) = dependency.filter(|d| post.contains(d)) {
            if d == earlier {
                return true;
            }
            dependency = items[d].as_ref().and_then(|i| i.after);
        }
        false
    };
    by_mailbox
        .into_iter()
        .map(|(mailbox, mut requests)| {
            // A dependency comes before what depends on it.
            requests.sort_unstable();
            let chain = requests.windows(2).all(|pair| after(pair[1], pair[0]));
            (mailbox, if chain { 1 } else { MAILBOX_PLACES })
        })
        .collect()
}

/// Reads one inner answer as the pipeline reads a single one (`classify` in request.rs).
fn verdict(item: &Item, inner: InnerAnswer, outer: &Outer) -> Verdict {
    let mut headers = inner.headers;
    // Support traces a batched request by the batch's request-id.
    if !headers.contains_key("request-id") {
        if let Some(Ok(id)) = outer.request_id.as_deref().map(HeaderValue::try_from) {
            headers.insert("request-id", id);
        }
    }
    let body = body_bytes(inner.body, &headers);
    if (200..300).contains(&inner.status) {
        return Verdict::Done(Ok(Response {
            status: inner.status,
            headers,
            body,
            client_request_id: outer.client_request_id.clone(),
            source: item.source.clone(),
        }));
    }
    let error = graph_error(
        inner.status,
        &headers,
        &body,
        &outer.client_request_id,
        item.addressed_me,
    );
    let error = match item.writes_shared_calendar {
        true => error.for_calendar_write(),
        false => error,
    };
    match inner.status {
        429 | 503 => {
            let retry_after = error.retry_after();
            Verdict::Retry(error, retry_after)
        }
        504 if item.idempotent => Verdict::Retry(error, None),
        504 => Verdict::Done(Err(Error::OutcomeUnknown(Box::new(OutcomeUnknown {
            operation: item.operation,
            client_request_id: outer.client_request_id.clone(),
            cause: error,
        })))),
        424 => Verdict::FailedDependency(error),
        _ => Verdict::Done(Err(error)),
    }
}

/// An inner body as the bytes a single answer would have had: JSON as Graph wrote it, a
/// string of another content type as the base64 Graph encodes binary bodies with.
fn body_bytes(body: Option<&RawValue>, headers: &HeaderMap) -> Vec<u8> {
    let is_json = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map_or(true, |v| v.to_ascii_lowercase().contains("json"));
    // `null` is no body (serde reads it as None).
    let Some(raw) = body else {
        return Vec::new();
    };
    match (!is_json).then(|| serde_json::from_str::<Text>(raw.get())) {
        Some(Ok(Text(text))) => {
            let engines = [
                &base64::engine::general_purpose::STANDARD,
                &base64::engine::general_purpose::URL_SAFE,
                &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            ];
            engines
                .iter()
                .find_map(|engine| engine.decode(text.as_bytes()).ok())
                .unwrap_or_else(|| text.into_owned().into_bytes())
        }
        _ => raw.get().as_bytes().to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inner(json: &str) -> InnerAnswer<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn inner_bodies_are_read_raw_and_binary_ones_decoded() {
        // A JSON body keeps Graph's own bytes; the typed parser reads them later.
        let json = inner(r#"{"id":"1","status":200,"body": {"subject" : "Hi \u00e9"}}"#);
        assert_eq!(
            body_bytes(json.body, &json.headers),
            br#"{"subject" : "Hi \u00e9"}"#
        );
        // A string of another content type is the base64 of the bytes.
        let binary = inner(
            r#"{"id":"2","status":200,"headers":{"Content-Type":"text/plain"},"body":"SGVsbG8="}"#,
        );
        assert_eq!(body_bytes(binary.body, &binary.headers), b"Hello");
        // A string of a JSON content type stays a JSON string.
        let text = inner(r#"{"id":"3","status":200,"body":"SGVsbG8="}"#);
        assert_eq!(body_bytes(text.body, &text.headers), br#""SGVsbG8=""#);
        for none in [
            r#"{"id":"4","status":204}"#,
            r#"{"id":"4","status":204,"body":null}"#,
        ] {
            let answer = inner(none);
            assert!(body_bytes(answer.body, &answer.headers).is_empty());
        }
    }

    #[test]
    fn inner_headers_become_http_headers() {
        let answer = inner(
            r#"{"id":"1","status":429,"headers":{"Retry-After":7,"Content-Type":"application\/json","Bad Name":"x"}}"#,
        );
        assert_eq!(answer.headers["retry-after"], "7");
        assert_eq!(answer.headers["content-type"], "application/json");
        assert_eq!(answer.headers.len(), 2);
    }
}
