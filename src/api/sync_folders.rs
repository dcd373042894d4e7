//! Folder hierarchy sync, EWS's `SyncFolderHierarchy` on Graph: `GET …/mailFolders/delta`
//! (GRAPH-FACTS-2 §5.3; docs "mailFolder: delta",
//! <https://learn.microsoft.com/graph/api/mailfolder-delta?view=graph-rest-1.0>;
//! openapi-fragments/paths/user-mailFolders-delta.yaml), on the shared delta mechanism.

use super::delta::SyncQuery;
use super::Mailbox;
use crate::models::MailFolder;

/// Syncs a mailbox's folder hierarchy; from [`Mailbox::sync_mail_folders`].
pub type SyncMailFolders = SyncQuery<MailFolder>;

impl Mailbox {
    /// Syncs the folder hierarchy (EWS `SyncFolderHierarchy`): the first round returns
    /// every folder of the mailbox, nested ones included (unlike `GET …/mailFolders`, which
    /// lists the root's children only), and a delta link; later rounds with
    /// [`resume`](SyncQuery::resume) return the folders added, changed (renamed, moved, new
    /// counts) or removed since. It tracks folders, not their messages: see
    /// [`sync_messages`](Self::sync_messages) for those.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient, stored: Option<String>) -> msgraph_outlook::Result<()> {
    /// let mut sync = client.me().sync_mail_folders().max_page_size(100);
    /// if let Some(link) = stored {
    ///     sync = sync.resume(link);
    /// }
    /// let round = sync.send().await?;
    /// if round.reset {
    ///     println!("the stored link had expired: this is the whole hierarchy again");
    /// }
    /// for folder in &round.changed {
    ///     println!("{:?} ({:?} unread)", folder.display_name, folder.unread_item_count);
    /// }
    /// let store_me = round.delta_link;
    /// # Ok(()) }
    /// ```
    pub fn sync_mail_folders(&self) -> SyncMailFolders {
        SyncQuery::new(
            self.client.clone(),
            "mailFoldersDelta",
            self.target.path(&["mailFolders", "delta"]),
        )
    }
}
