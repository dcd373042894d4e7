//! Folder sync, EWS's `SyncFolderItems` on Graph: `GET …/mailFolders/{f}/messages/delta`
//! (GRAPH-FACTS-2 §5.2; openapi-fragments/paths/user-messages-delta.yaml), on the shared
//! delta mechanism of `delta.rs`.

use super::delta::SyncQuery;
use super::Mailbox;
use crate::models::Message;

/// Syncs a folder's messages; from [`Mailbox::sync_messages`]. Await it (or
/// [`send`](SyncQuery::send)) for a [`SyncResult`](super::SyncResult), or take the
/// round as it comes with [`stream`](SyncQuery::stream).
pub type SyncMessages = SyncQuery<Message>;

impl SyncQuery<Message> {
    pub(crate) fn messages(mailbox: &Mailbox, folder: &str) -> Self {
        SyncQuery::new(
            mailbox.client.clone(),
            "messagesDelta",
            mailbox.messages_path(Some(folder), &["delta"]),
        )
    }
}
