//! Reading messages: list a mailbox or a folder (openapi-fragments/paths/user-messages.yaml).

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use futures_util::{Stream, TryStreamExt};

use super::Mailbox;
use crate::client::{Page, Request};
use crate::error::{InvalidRequest, Result};
use crate::models::{BodyType, Message};

/// Lists messages, newest first; from [`Mailbox::list_messages`]. A GET: retried after any
/// 429, 503, 504 or connection failure (see [`RetryPolicy`](crate::RetryPolicy)).
#[derive(Debug)]
#[must_use = "nothing is sent until you call .send().await"]
pub struct ListMessages {
    mailbox: Mailbox,
    folder: Option<String>,
    top: Option<u32>,
    select: Vec<String>,
    filter: Option<String>,
    order_by: Vec<String>,
    search: Option<String>,
    body_type: Option<BodyType>,
}

impl ListMessages {
    pub(crate) fn new(mailbox: Mailbox) -> Self {
        ListMessages {
            mailbox,
            folder: None,
            top: None,
            select: Vec::new(),
            filter: None,
            order_by: Vec::new(),
            search: None,
            body_type: None,
        }
    }

    /// Only this folder: a well-known name (`inbox`, `sentitems`, `drafts`, …) or a folder id.
    pub fn in_folder(mut self, folder: impl Into<String>) -> Self {
        self.folder = Some(folder.into());
        self
    }

    /// Page size (`$top`); Graph's default is 10.
    pub fn top(mut self, top: u32) -> Self {
        self.top = Some(top);
        self
    }

    /// Only these properties (`$select`), e.g. `["subject", "from"]`.
    pub fn select<I, S>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.select = properties.into_iter().map(Into::into).collect();
        self
    }

    /// Only messages matching an OData filter (`$filter`), e.g. `isRead eq false` or
    /// `receivedDateTime ge 2026-01-01T00:00:00Z`.
    pub fn filter(mut self, expression: impl Into<String>) -> Self {
        self.filter = Some(expression.into());
        self
    }

    /// Sort order (`$orderby`), e.g. `["receivedDateTime desc"]`. Graph refuses it together
    /// with [`search`](Self::search).
    pub fn order_by<I, S>(mut self, keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.order_by = keys.into_iter().map(Into::into).collect();
        self
    }

    /// Full-text search (`$search`); the text is quoted as Graph requires
    /// (`$search="budget review"`), inner quotes escaped with a backslash \[unconfirmed\].
    pub fn search(mut self, text: impl Into<String>) -> Self {
        self.search = Some(text.into());
        self
    }

    /// The body as text or HTML, whatever it was written in
    /// (`Prefer: outlook.body-content-type`, merged into the one `Prefer` header).
    pub fn body_content_type(mut self, body_type: BodyType) -> Self {
        self.body_type = Some(body_type);
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
        if self.search.is_some() && !self.order_by.is_empty() {
            return Err(InvalidRequest::InvalidValue {
                reason: "Graph does not accept $search together with $orderby".into(),
            }
            .into());
        }
        let path = match &self.folder {
            Some(folder) => self
                .mailbox
                .target
                .path(&["mailFolders", folder, "messages"]),
            None => self.mailbox.target.path(&["messages"]),
        };
        let mut request = Request::get("listMessages", path);
        let mut query = |name: &str, value: String| request.query.push((name.to_string(), value));
        if let Some(top) = self.top {
            query("$top", top.to_string());
        }
        if !self.select.is_empty() {
            query("$select", self.select.join(","));
        }
        if let Some(filter) = &self.filter {
            query("$filter", filter.clone());
        }
        if !self.order_by.is_empty() {
            query("$orderby", self.order_by.join(","));
        }
        if let Some(text) = &self.search {
            query(
                "$search",
                format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\"")),
            );
        }
        request
            .prefer
            .extend(super::message::body_preference(self.body_type));
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
