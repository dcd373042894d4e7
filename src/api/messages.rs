//! Reading messages: list a mailbox or a folder (openapi-fragments/paths/user-messages.yaml).

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use futures_util::{Stream, TryStreamExt};

use super::query::{strings, ODataQuery};
use super::Mailbox;
use crate::client::{Page, Request};
use crate::error::Result;
use crate::models::{BodyType, Message};

/// Lists messages, newest first; from [`Mailbox::list_messages`]. A GET: retried after any
/// 429, 503, 504 or connection failure (see [`RetryPolicy`](crate::RetryPolicy)).
#[derive(Debug)]
#[must_use = "nothing is sent until you call .send().await"]
pub struct ListMessages {
    mailbox: Mailbox,
    folder: Option<String>,
    query: ODataQuery,
}

impl ListMessages {
    pub(crate) fn new(mailbox: Mailbox) -> Self {
        ListMessages {
            mailbox,
            folder: None,
            query: ODataQuery::default(),
        }
    }

    /// Only this folder: a well-known name (`inbox`, `sentitems`, `drafts`, …) or a folder id.
    pub fn in_folder(mut self, folder: impl Into<String>) -> Self {
        self.folder = Some(folder.into());
        self
    }

    /// Page size (`$top`); Graph's default is 10.
    pub fn top(mut self, top: u32) -> Self {
        self.query.top = Some(top);
        self
    }

    /// Only these properties (`$select`), e.g. `["subject", "from"]`.
    pub fn select<I, S>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.query.select = strings(properties);
        self
    }

    /// Only messages matching an OData filter (`$filter`), e.g. `isRead eq false` or
    /// `receivedDateTime ge 2026-01-01T00:00:00Z`.
    pub fn filter(mut self, expression: impl Into<String>) -> Self {
        self.query.filter = Some(expression.into());
        self
    }

    /// Sort order (`$orderby`), e.g. `["receivedDateTime desc"]`. Graph refuses it together
    /// with [`search`](Self::search).
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
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.query.search = Some(text.into());
        self
    }

    /// The body as text or HTML, whatever it was written in
    /// (`Prefer: outlook.body-content-type`, merged into the one `Prefer` header).
    pub fn body_content_type(mut self, body_type: BodyType) -> Self {
        self.query.body_type = Some(body_type);
        self
    }

    /// Every message, following next links page by page as the stream is polled.
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
    pub fn stream(self) -> impl Stream<Item = Result<Message>> + Send + 'static {
        let client = self.mailbox.client.clone();
        let first = self.request();
        futures_util::stream::once(async move { first })
            .map_ok(move |request| client.items::<Message>(request))
            .try_flatten()
    }

    /// Every message of every page, collected.
    pub async fn collect(self) -> Result<Vec<Message>> {
        self.stream().try_collect().await
    }

    fn request(&self) -> Result<Request> {
        let path = self.mailbox.messages_path(self.folder.as_deref(), &[]);
        let mut request = Request::get("listMessages", path);
        self.query.apply(&mut request)?;
        Ok(request)
    }

    /// Fetches the first page; [`GraphClient::next_page`](crate::GraphClient::next_page)
    /// fetches the others (or use [`stream`](Self::stream)).
    pub async fn send(self) -> Result<Page<Message>> {
        let request = self.request()?;
        self.mailbox.client.send(request).await?.json()
    }
}

impl IntoFuture for ListMessages {
    type Output = Result<Page<Message>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.send())
    }
}
