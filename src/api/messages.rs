//! Reading messages: list a mailbox or a folder (openapi-fragments/paths/user-messages.yaml).
//! The listing is the shared [`List`] builder; only the folder is message-specific.

use super::List;
use crate::models::{FolderRef, Message};

/// Lists messages; from [`Mailbox::list_messages`](super::Mailbox::list_messages). A GET:
/// retried after any 429, 503, 504 or connection failure (see
/// [`RetryPolicy`](crate::RetryPolicy)).
pub type ListMessages = List<Message>;

impl List<Message> {
    /// Only this folder: a [`WellKnownFolder`](crate::models::WellKnownFolder) or a folder
    /// id (`…/messages` becomes `…/mailFolders/{folder}/messages`).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::WellKnownFolder;
    /// let sent = client.me().list_messages().in_folder(WellKnownFolder::SentItems).await?;
    /// # Ok(()) }
    /// ```
    pub fn in_folder(mut self, folder: impl Into<FolderRef>) -> Self {
        let last = self.path.pop().unwrap_or_else(|| "messages".to_string());
        self.path
            .extend(["mailFolders".to_string(), folder.into().into_string(), last]);
        self
    }
}
