//! Reading messages: list a mailbox or a folder (openapi-fragments/paths/user-messages.yaml).

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use super::Mailbox;
use crate::client::{Page, Request};
use crate::error::Result;
use crate::models::Message;

/// Lists messages, newest first; from [`Mailbox::list_messages`]. A GET: retried after any
/// 429, 503, 504 or connection failure (see [`RetryPolicy`](crate::RetryPolicy)).
#[derive(Debug)]
#[must_use = "nothing is sent until you call .send().await"]
pub struct ListMessages {
    mailbox: Mailbox,
    folder: Option<String>,
    top: Option<u32>,
    select: Vec<String>,
}

impl ListMessages {
    pub(crate) fn new(mailbox: Mailbox) -> Self {
        ListMessages {
            mailbox,
            folder: None,
            top: None,
            select: Vec::new(),
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

    /// Fetches the first page; [`GraphClient::next_page`](crate::GraphClient::next_page)
    /// fetches the others.
    pub async fn send(self) -> Result<Page<Message>> {
        let path = match &self.folder {
            Some(folder) => self
                .mailbox
                .target
                .path(&["mailFolders", folder, "messages"]),
            None => self.mailbox.target.path(&["messages"]),
        };
        let mut request = Request::get("listMessages", path);
        if let Some(top) = self.top {
            request.query.push(("$top".into(), top.to_string()));
        }
        if !self.select.is_empty() {
            request
                .query
                .push(("$select".into(), self.select.join(",")));
        }
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
