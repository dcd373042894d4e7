//! The one delta-query mechanism (GRAPH-FACTS-2 §5; docs "Use delta query to track changes
//! in Microsoft Graph data", <https://learn.microsoft.com/graph/delta-query-overview>) behind
//! every `sync_*` builder: messages of a folder (`sync.rs`), the folder hierarchy
//! (`sync_folders.rs`) and events of a calendar view (`sync_events.rs`).
//!
//! A round is the initial `GET …/delta` (or a stored delta link), then the next links
//! through the client's paging pipeline, up to the `@odata.deltaLink`. Query options go
//! in the initial request only (Graph encodes them in its tokens); preferences (`Prefer` is
//! a header) go with every request, as the docs' examples send `odata.maxpagesize` with the
//! `$skiptoken` request too (<https://learn.microsoft.com/graph/delta-query-events>). No
//! `Preference-Applied` answer is documented for it. A resumed round that Graph refuses because its sync
//! state is gone (`410 Gone`, `syncStateNotFound` / `resyncRequired`) restarts from the
//! initial request: [`SyncEvent::Reset`], then every current item.

use std::collections::HashMap;
use std::marker::PhantomData;
use std::pin::Pin;

use futures_util::stream::{self, Stream, TryStreamExt};
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::query::{strings, ODataQuery};
use crate::client::{GraphClient, Page, Request};
use crate::error::{Error, InvalidRequest, Result};
use crate::models::{Event, ItemSource, MailFolder, Message, Sourced};

/// Error codes that mean "the sync state is gone: start over" (GRAPH-FACTS-2 §5.5, GF §11:
/// `syncStateNotFound` documented, `SyncStateNotFound` observed, `resyncRequired`
/// documented); compared case-insensitively.
const RESYNC_CODES: [&str; 2] = ["syncStateNotFound", "resyncRequired"];

/// What a delta query can track: [`Message`], [`MailFolder`], [`Event`]. Implemented by this
/// crate only.
pub trait SyncItem: Sourced + DeserializeOwned + Send + 'static {
    /// The item's id, to report a replayed item once.
    #[doc(hidden)]
    fn sync_id(&self) -> Option<&str>;
}

impl SyncItem for Message {
    fn sync_id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

impl SyncItem for Event {
    fn sync_id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

impl SyncItem for MailFolder {
    fn sync_id(&self) -> Option<&str> {
        self.id.as_deref()
    }
}

/// A [`SyncItem`] whose delta query takes `$select`: [`Message`] and [`MailFolder`]
/// (`calendarView/delta` takes none, GRAPH-FACTS-2 §5.4). Implemented by this crate only.
pub trait SelectSyncItem: SyncItem {}

impl SelectSyncItem for Message {}

impl SelectSyncItem for MailFolder {}

impl<T: SelectSyncItem> SyncQuery<T> {
    /// Only these properties (`$select`, initial request only: the delta link remembers
    /// it); `id` always comes back.
    pub fn select<I, S>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.plan.query.select = strings(properties);
        self
    }
}

/// One thing a sync round reports, in Graph's order; from the `stream()` of a sync builder
/// (e.g. [`SyncMessages::stream`](super::SyncMessages::stream)).
///
/// Applying the events in order to a local copy brings it up to date: Graph may replay an
/// item within a round (GRAPH-FACTS-2 §5.1), and its later version comes later.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum SyncEvent<T> {
    /// Graph no longer knows the stored delta link (it expired or the sync state was reset,
    /// GRAPH-FACTS-2 §5.5): forget what you synced, including what this round reported
    /// before it (a next link can expire mid-round). A full resync follows: every current
    /// item comes next as [`Changed`](Self::Changed), then a new
    /// [`DeltaLink`](Self::DeltaLink).
    Reset,
    /// An item added or changed (or, on a first round or after a reset, one that exists).
    Changed(T),
    /// An item deleted (or moved out of what is tracked).
    Removed {
        /// Its id.
        id: String,
        /// Graph's `@removed.reason`: `deleted` for Outlook items; `changed` means it may
        /// come back (GRAPH-FACTS-2 §5.1).
        reason: Option<String>,
    },
    /// The end of the round: store it, and pass it to `resume` next time.
    DeltaLink(String),
}

/// What changed since the last sync; from the `send()` of a sync builder. `SyncResult`
/// alone means messages ([`Mailbox::sync_messages`](super::Mailbox::sync_messages)).
///
/// Each id is reported once per round, in its latest state: a replayed item is in
/// `changed` once (its last version), an item changed and then removed only in `removed`.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SyncResult<T = Message> {
    /// Items added or changed (every current item on a first round or after a reset).
    pub changed: Vec<T>,
    /// Ids of items removed (deleted, or moved out of what is tracked).
    pub removed: Vec<String>,
    /// Store it, and pass it to `resume` next time.
    pub delta_link: Option<String>,
    /// True when the stored delta link was no longer valid and a full resync ran instead:
    /// `changed` is then the whole current set. Drop what you had synced and keep these.
    pub reset: bool,
}

impl<T> Default for SyncResult<T> {
    fn default() -> Self {
        SyncResult {
            changed: Vec::new(),
            removed: Vec::new(),
            delta_link: None,
            reset: false,
        }
    }
}

/// A delta query of items `T`: [`SyncMessages`](super::SyncMessages),
/// [`SyncMailFolders`](super::SyncMailFolders) or [`SyncEvents`](super::SyncEvents). Nothing
/// is sent until [`send`](Self::send) or [`stream`](Self::stream).
#[derive(Debug)]
#[must_use = "nothing is sent until you call .send().await or .stream()"]
pub struct SyncQuery<T> {
    plan: Plan,
    delta_link: Option<String>,
    item: PhantomData<fn() -> T>,
}

/// How a round starts from nothing: what a full resync repeats.
#[derive(Debug)]
struct Plan {
    client: GraphClient,
    operation: &'static str,
    path: Vec<String>,
    /// Parameters of the function itself (`startDateTime`, `endDateTime`).
    params: Vec<(String, String)>,
    query: ODataQuery,
    max_page_size: Option<u32>,
}

impl Plan {
    /// The initial request of a round.
    fn initial(&self) -> Result<Request> {
        let mut request = Request::get(self.operation, self.path.clone());
        request.query.extend(self.params.iter().cloned());
        self.query.apply(&mut request)?;
        if let Some(size) = self.max_page_size {
            if size == 0 {
                return Err(InvalidRequest::InvalidValue {
                    reason: "max_page_size must be at least 1".into(),
                }
                .into());
            }
            // Documented on every Outlook delta page (GRAPH-FACTS-2 §5.1); its limits are
            // [unconfirmed].
            request.prefer.push(format!("odata.maxpagesize={size}"));
        }
        Ok(request)
    }
}

impl<T: SyncItem> SyncQuery<T> {
    pub(crate) fn new(client: GraphClient, operation: &'static str, path: Vec<String>) -> Self {
        SyncQuery {
            plan: Plan {
                client,
                operation,
                path,
                params: Vec::new(),
                query: ODataQuery::default(),
                max_page_size: None,
            },
            delta_link: None,
            item: PhantomData,
        }
    }

    /// A parameter of the delta function itself, sent on the initial request only.
    pub(crate) fn param(mut self, name: &str, value: String) -> Self {
        self.plan.params.push((name.to_string(), value));
        self
    }

    /// The query options of the initial request.
    pub(crate) fn query_mut(&mut self) -> &mut ODataQuery {
        &mut self.plan.query
    }

    /// Continues from the delta link of an earlier round: only changes since then come
    /// back. It is followed only on the Graph origin. Should Graph no longer know it, a
    /// full resync runs instead ([`SyncResult::reset`], [`SyncEvent::Reset`]).
    pub fn resume(mut self, delta_link: impl Into<String>) -> Self {
        self.delta_link = Some(delta_link.into());
        self
    }

    /// At most `n` items per page (`Prefer: odata.maxpagesize=n`, merged into the one
    /// `Prefer` header and sent with every request of the round). Graph may send fewer.
    pub fn max_page_size(mut self, n: u32) -> Self {
        self.plan.max_page_size = Some(n);
        self
    }

    /// The round as it comes, page by page (memory stays at one page): changed and removed
    /// items, a [`SyncEvent::Reset`] if the stored link had expired, and the new
    /// [`SyncEvent::DeltaLink`] last. A replayed item may come twice (see [`SyncEvent`]).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient, stored: String) -> msgraph_outlook::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use msgraph_outlook::api::SyncEvent;
    /// let mut round = std::pin::pin!(client.me().sync_mail_folders().resume(stored).stream());
    /// while let Some(event) = round.try_next().await? {
    ///     match event {
    ///         SyncEvent::Reset => println!("start over: the full hierarchy follows"),
    ///         SyncEvent::Changed(folder) => println!("{:?}", folder.display_name),
    ///         SyncEvent::Removed { id, .. } => println!("gone: {id}"),
    ///         SyncEvent::DeltaLink(link) => println!("store {link}"),
    ///         _ => {}
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream(self) -> impl Stream<Item = Result<SyncEvent<T>>> + Send + 'static {
        let SyncQuery {
            plan, delta_link, ..
        } = self;
        let start = async move {
            // Built (and checked) even when resuming: a reset needs it.
            let initial = plan.initial()?;
            let resumed = delta_link.is_some();
            let first = match delta_link {
                Some(link) => {
                    let mut request = Request::follow(plan.operation, link);
                    request.prefer = initial.prefer;
                    request
                }
                None => initial,
            };
            let pages = plan.client.pages::<Entry<T>>(first);
            Ok::<_, Error>(Round {
                plan,
                pages: Box::pin(pages),
                resumed,
            })
        };
        stream::once(start)
            .map_ok(|round| {
                stream::try_unfold(round, Round::next_events)
                    .map_ok(|events| stream::iter(events.into_iter().map(Ok)))
                    .try_flatten()
            })
            .try_flatten()
    }

    /// Runs the round to its delta link and collects it (each id once, latest state).
    pub async fn send(self) -> Result<SyncResult<T>> {
        let mut events = std::pin::pin!(self.stream());
        let mut collector = Collector::default();
        while let Some(event) = events.try_next().await? {
            collector.add(event);
        }
        Ok(collector.finish())
    }
}

impl<T: SyncItem> std::future::IntoFuture for SyncQuery<T> {
    type Output = Result<SyncResult<T>>;
    type IntoFuture = Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}

type Pages<T> = Pin<Box<dyn Stream<Item = Result<Page<Entry<T>>>> + Send>>;

/// A round in progress.
struct Round<T> {
    plan: Plan,
    pages: Pages<T>,
    /// Started from a stored delta link, and not reset yet: the only case a lost sync
    /// state restarts (a full round that fails would fail again).
    resumed: bool,
}

impl<T: SyncItem> Round<T> {
    /// The events of the next page, or the reset that replaces the round.
    async fn next_events(mut self) -> Result<Option<(Vec<SyncEvent<T>>, Self)>> {
        match self.pages.try_next().await {
            Ok(Some(page)) => Ok(Some((events_of(page), self))),
            Ok(None) => Ok(None),
            Err(error) if self.resumed && needs_full_resync(&error) => {
                tracing::info!(
                    operation = self.plan.operation,
                    status = error.status().unwrap_or(0),
                    code = error.graph_code().unwrap_or(""),
                    "delta sync state lost: full resync"
                );
                self.resumed = false;
                let initial = self.plan.initial()?;
                self.pages = Box::pin(self.plan.client.pages::<Entry<T>>(initial));
                Ok(Some((vec![SyncEvent::Reset], self)))
            }
            Err(error) => Err(error),
        }
    }
}

/// Whether Graph refused a delta request because the sync state is gone (GRAPH-FACTS-2
/// §5.5): a 4xx with `syncStateNotFound` / `resyncRequired` (any case, outer or inner
/// code), or a `410 Gone` with a `Location` to restart from (whatever its code).
pub(crate) fn needs_full_resync(error: &Error) -> bool {
    let Some(graph) = error.graph_error() else {
        return false;
    };
    if !(400..500).contains(&graph.status) {
        return false;
    }
    let named = graph
        .code
        .iter()
        .chain(&graph.inner_codes)
        .any(|code| RESYNC_CODES.iter().any(|r| code.eq_ignore_ascii_case(r)));
    named || (graph.status == 410 && graph.location.is_some())
}

fn events_of<T>(page: Page<Entry<T>>) -> Vec<SyncEvent<T>> {
    let mut events: Vec<SyncEvent<T>> = page
        .value
        .into_iter()
        .map(|entry| match entry {
            Entry::Removed { id, removed } => SyncEvent::Removed {
                id,
                reason: removed.reason,
            },
            Entry::Changed(item) => SyncEvent::Changed(*item),
        })
        .collect();
    events.extend(page.delta_link.map(SyncEvent::DeltaLink));
    events
}

/// One item of a delta page: removed items carry `@removed` and little else.
#[derive(Deserialize)]
#[serde(untagged, bound = "T: DeserializeOwned")]
enum Entry<T> {
    Removed {
        id: String,
        #[serde(rename = "@removed")]
        removed: RemovedMark,
    },
    Changed(Box<T>),
}

#[derive(Deserialize)]
struct RemovedMark {
    #[serde(default)]
    reason: Option<String>,
}

impl<T: SyncItem> crate::models::source::sealed::Sealed for Entry<T> {}
impl<T: SyncItem> Sourced for Entry<T> {
    fn set_source(&mut self, source: &ItemSource) {
        if let Entry::Changed(item) = self {
            item.set_source(source);
        }
    }
}

/// The latest state of one id in a round.
enum Latest<T> {
    Changed(T),
    Removed,
}

/// Folds a round's events into a [`SyncResult`]: each id once, in order of first
/// appearance, in its latest state.
struct Collector<T> {
    order: Vec<String>,
    latest: HashMap<String, Latest<T>>,
    /// Items without an id (never from Graph, which always returns `id`): kept as they are.
    anonymous: Vec<T>,
    delta_link: Option<String>,
    reset: bool,
}

impl<T> Default for Collector<T> {
    fn default() -> Self {
        Collector {
            order: Vec::new(),
            latest: HashMap::new(),
            anonymous: Vec::new(),
            delta_link: None,
            reset: false,
        }
    }
}

impl<T: SyncItem> Collector<T> {
    fn add(&mut self, event: SyncEvent<T>) {
        match event {
            SyncEvent::Reset => {
                *self = Collector {
                    reset: true,
                    ..Collector::default()
                };
            }
            SyncEvent::Changed(item) => match item.sync_id().map(str::to_string) {
                Some(id) => self.set(id, Latest::Changed(item)),
                None => self.anonymous.push(item),
            },
            SyncEvent::Removed { id, .. } => self.set(id, Latest::Removed),
            SyncEvent::DeltaLink(link) => self.delta_link = Some(link),
        }
    }

    fn set(&mut self, id: String, state: Latest<T>) {
        if self.latest.insert(id.clone(), state).is_none() {
            self.order.push(id);
        }
    }

    fn finish(mut self) -> SyncResult<T> {
        let mut result = SyncResult {
            delta_link: self.delta_link,
            reset: self.reset,
            ..SyncResult::default()
        };
        for id in self.order {
            match self.latest.remove(&id) {
                Some(Latest::Changed(item)) => result.changed.push(item),
                Some(Latest::Removed) => result.removed.push(id),
                None => {}
            }
        }
        result.changed.append(&mut self.anonymous);
        result
    }
}
