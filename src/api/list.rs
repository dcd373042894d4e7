//! One builder for every plain collection read (events, calendar view, instances, calendars):
//! OData options, the time-zone preference, paging as a stream.

use std::future::{Future, IntoFuture};
use std::marker::PhantomData;
use std::pin::Pin;

use futures_util::{Stream, TryStreamExt};
use serde::de::DeserializeOwned;

use super::query::{strings, ODataQuery};
use crate::client::{GraphClient, Page, Request};
use crate::error::{InvalidRequest, Result};
use crate::models::{BodyType, Event, Sourced};
use chrono::{DateTime, SecondsFormat, Utc};

/// A collection read (`GET`), e.g. [`Mailbox::calendar_view`](super::Mailbox::calendar_view).
/// Await it for the first [`Page`], or take every item with [`stream`](Self::stream) or
/// [`collect`](Self::collect). A GET: retried after any 429, 503, 504 or connection failure.
#[derive(Debug)]
#[must_use = "nothing is sent until you await it (or call .stream()/.collect())"]
pub struct List<T> {
    client: GraphClient,
    operation: &'static str,
    pub(super) path: Vec<String>,
    params: Vec<(String, String)>,
    query: ODataQuery,
    item: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned + Sourced + Send + 'static> List<T> {
    pub(crate) fn new(client: GraphClient, operation: &'static str, path: Vec<String>) -> Self {
        List {
            client,
            operation,
            path,
            params: Vec::new(),
            query: ODataQuery::default(),
            item: PhantomData,
        }
    }

    /// A query parameter of the endpoint itself (`startDateTime`, …).
    pub(crate) fn param(mut self, name: &str, value: String) -> Self {
        self.params.push((name.to_string(), value));
        self
    }

    /// Page size (`$top`).
    pub fn top(mut self, top: u32) -> Self {
        self.query.top = Some(top);
        self
    }

    /// Only these properties (`$select`), e.g. `["subject", "start", "end"]`.
    pub fn select<I, S>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.query.select = strings(properties);
        self
    }

    /// Only items matching an OData filter (`$filter`).
    pub fn filter(mut self, expression: impl Into<String>) -> Self {
        self.query.filter = Some(expression.into());
        self
    }

    /// Sort order (`$orderby`), e.g. `["start/dateTime"]`.
    pub fn order_by<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.query.order_by = strings(keys);
        self
    }

    /// Full-text search (`$search`); the text is quoted as Graph requires
    /// (`$search="budget review"`), inner quotes escaped with a backslash \[unconfirmed\].
    /// Graph refuses it together with [`order_by`](Self::order_by).
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.query.search = Some(text.into());
        self
    }

    /// Bodies as text or HTML, whatever they were written in
    /// (`Prefer: outlook.body-content-type`, merged into the one `Prefer` header).
    pub fn body_content_type(mut self, body_type: BodyType) -> Self {
        self.query.body_type = Some(body_type);
        self
    }

    /// Times in the answer in this zone (`Prefer: outlook.timezone`, merged into the one
    /// `Prefer` header); a Windows or IANA name. Without it Graph answers in UTC.
    pub fn time_zone(mut self, zone: impl Into<String>) -> Self {
        self.query.time_zone = Some(zone.into());
        self
    }

    fn request(&self) -> Result<Request> {
        // An empty id would address another resource (`mailFolders//childFolders`).
        if self.path.iter().any(|segment| segment.trim().is_empty()) {
            return Err(InvalidRequest::InvalidValue {
                reason: "an id in the path is empty".into(),
            }
            .into());
        }
        let mut request = Request::get(self.operation, self.path.clone());
        request.query.extend(self.params.iter().cloned());
        self.query.apply(&mut request)?;
        Ok(request)
    }

    /// Every item, following next links page by page as the stream is polled.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use futures_util::TryStreamExt;
    /// let mut unread = std::pin::pin!(client.me().list_messages().filter("isRead eq false").stream());
    /// while let Some(message) = unread.try_next().await? {
    ///     println!("{:?}", message.subject);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn stream(self) -> impl Stream<Item = Result<T>> + Send + 'static {
        let client = self.client.clone();
        let first = self.request();
        futures_util::stream::once(async move { first })
            .map_ok(move |request| client.items::<T>(request))
            .try_flatten()
    }

    /// Every item of every page, collected.
    pub async fn collect(self) -> Result<Vec<T>> {
        self.stream().try_collect().await
    }

    /// The first page; [`GraphClient::next_page`] fetches the others.
    pub async fn send(self) -> Result<Page<T>> {
        let request = self.request()?;
        self.client.send(request).await?.item()
    }
}

impl List<Event> {
    /// `startDateTime`/`endDateTime` of a calendar view or of a series' instances, in UTC
    /// with a `Z`.
    pub(crate) fn window(self, start: DateTime<Utc>, end: DateTime<Utc>) -> Self {
        let iso = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        self.param("startDateTime", iso(start))
            .param("endDateTime", iso(end))
    }
}

impl<T: DeserializeOwned + Sourced + Send + 'static> IntoFuture for List<T> {
    type Output = Result<Page<T>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
