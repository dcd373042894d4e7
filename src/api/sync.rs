//! Folder sync, EWS's `SyncFolderItems` on Graph: `GET …/mailFolders/{f}/messages/delta`,
//! following next links to the delta link the caller stores for the next round
//! (openapi-fragments/paths/user-messages-delta.yaml).

use futures_util::TryStreamExt;
use serde_json::Value;

use super::query::{strings, ODataQuery};
use super::Mailbox;
use crate::client::Request;
use crate::error::Result;
use crate::models::{ItemSource, Message, Sourced};

/// What changed in a folder since the last sync; from [`SyncMessages::send`].
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SyncResult {
    /// Messages added or changed.
    pub changed: Vec<Message>,
    /// Ids of messages removed from the folder (deleted or moved out).
    pub removed: Vec<String>,
    /// Store it, and pass it to [`SyncMessages::resume`] next time.
    pub delta_link: Option<String>,
}

/// Syncs a folder's messages; from [`Mailbox::sync_messages`].
#[derive(Debug)]
#[must_use = "nothing is sent until you call .send().await"]
pub struct SyncMessages {
    mailbox: Mailbox,
    folder: String,
    delta_link: Option<String>,
    query: ODataQuery,
}

impl SyncMessages {
    pub(crate) fn new(mailbox: Mailbox, folder: String) -> Self {
        SyncMessages {
            mailbox,
            folder,
            delta_link: None,
            query: ODataQuery::default(),
        }
    }

    /// Continues from the delta link of an earlier sync (only changes since then come back).
    /// It is followed only on the Graph origin.
    pub fn resume(mut self, delta_link: impl Into<String>) -> Self {
        self.delta_link = Some(delta_link.into());
        self
    }

    /// Only these properties (`$select`, initial sync only: the delta link remembers it).
    pub fn select<I, S>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.query.select = strings(properties);
        self
    }

    /// Fetches every page of changes.
    pub async fn send(self) -> Result<SyncResult> {
        let first = match self.delta_link {
            Some(link) => Request::follow("messagesDelta", link),
            None => {
                let path = self.mailbox.messages_path(Some(&self.folder), &["delta"]);
                let mut request = Request::get("messagesDelta", path);
                self.query.apply(&mut request)?;
                request
            }
        };
        // Decoding goes through the shared pipeline, so a bad item is a Decode error with
        // its JSON path, status and request ids like any other.
        let pages = self.mailbox.client.pages::<DeltaItem>(first);
        let mut pages = std::pin::pin!(pages);
        let mut result = SyncResult::default();
        while let Some(page) = pages.try_next().await? {
            for item in page.value {
                match item {
                    DeltaItem::Removed { id, .. } => result.removed.push(id),
                    DeltaItem::Changed(message) => result.changed.push(*message),
                }
            }
            if page.delta_link.is_some() {
                result.delta_link = page.delta_link;
            }
        }
        Ok(result)
    }
}

/// One item of a delta page: removed items carry `@removed` and little else.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum DeltaItem {
    Removed {
        id: String,
        #[serde(rename = "@removed")]
        #[allow(dead_code)] // its presence is what matters; the reason is not reported yet
        removed: Value,
    },
    Changed(Box<Message>),
}

impl crate::models::source::sealed::Sealed for DeltaItem {}
impl Sourced for DeltaItem {
    fn set_source(&mut self, source: &ItemSource) {
        if let DeltaItem::Changed(message) = self {
            message.set_source(source);
        }
    }
}
