//! The same housekeeping on many messages at once (EWS's `MoveItem`/`CopyItem`/`DeleteItem`/
//! `UpdateItem` with many `ItemId`s): one call per message, carried by JSON batching
//! (`POST /$batch`, 20 per POST; see [`Batch`](crate::Batch) for retries and concurrency).
//!
//! Docs: "Combine multiple HTTP requests using JSON batching"
//! <https://learn.microsoft.com/graph/json-batching>.

use super::destination::check_destination;
use super::{Mailbox, MessageRef};
use crate::client::Batchable;
use crate::error::{InvalidRequest, Result};
use crate::models::{FolderRef, Message, MessagePatch};

/// What one message of a bulk operation gave, e.g. from [`Mailbox::move_messages`].
#[derive(Debug)]
#[non_exhaustive]
pub struct BulkResult<T> {
    /// The message id, as given.
    pub id: String,
    /// What the call for that message alone would have given: the moved message, `()` for a
    /// delete, or the error (Graph's, or a local refusal such as an empty id).
    pub result: Result<T>,
}

impl Mailbox {
    /// Moves messages to a folder, one `move` per message through `$batch`; one result per
    /// id, in the order given. The moved messages have new ids unless immutable ids are on.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::WellKnownFolder;
    /// let results = client.me().move_messages(["AAMk1", "AAMk2"], WellKnownFolder::Archive).await?;
    /// for moved in results {
    ///     match moved.result {
    ///         Ok(message) => println!("{} is now {:?}", moved.id, message.id),
    ///         Err(e) => eprintln!("{} not moved: {e}", moved.id),
    ///     }
    /// }
    /// # Ok(()) }
    /// ```
    ///
    /// Fails as a whole, before anything is sent, only when the destination is empty.
    pub async fn move_messages<I, S>(
        &self,
        ids: I,
        folder: impl Into<FolderRef>,
    ) -> Result<Vec<BulkResult<Message>>>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.to_folder(ids, folder.into(), |m, f| m.move_to(f))
            .await
    }

    /// Copies messages to a folder, one `copy` per message through `$batch`; one result
    /// (the copy) per id, in the order given.
    pub async fn copy_messages<I, S>(
        &self,
        ids: I,
        folder: impl Into<FolderRef>,
    ) -> Result<Vec<BulkResult<Message>>>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.to_folder(ids, folder.into(), |m, f| m.copy_to(f))
            .await
    }

    /// Deletes messages, one `DELETE` per message through `$batch` (see
    /// [`MessageRef::delete`] for where they go); one result per id, in the order given.
    /// For Outlook's "move to Deleted Items", use
    /// [`move_messages`](Self::move_messages) with `WellKnownFolder::DeletedItems`.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let results = client.me().delete_messages(["AAMk1", "AAMk2"]).await?;
    /// let failed = results.iter().filter(|r| r.result.is_err()).count();
    /// println!("{failed} not deleted");
    /// # Ok(()) }
    /// ```
    pub async fn delete_messages<I, S>(&self, ids: I) -> Result<Vec<BulkResult<()>>>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.for_each_message(ids, |message| message.delete()).await
    }

    /// Deletes messages for good, one `permanentDelete` per message through `$batch`; one
    /// result per id, in the order given.
    pub async fn permanent_delete_messages<I, S>(&self, ids: I) -> Result<Vec<BulkResult<()>>>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.for_each_message(ids, |message| message.permanent_delete())
            .await
    }

    /// Applies the same patch to messages (mark read, flag, categorise, …), one `PATCH` per
    /// message through `$batch`; one result (the message as updated) per id, in the order
    /// given.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::MessagePatch;
    /// let patch = MessagePatch::new().is_read(true).categories(["Invoices"]);
    /// client.me().update_messages(["AAMk1", "AAMk2"], patch).await?;
    /// # Ok(()) }
    /// ```
    ///
    /// Fails as a whole, before anything is sent, when the patch changes nothing or is
    /// invalid.
    pub async fn update_messages<I, S>(
        &self,
        ids: I,
        patch: MessagePatch,
    ) -> Result<Vec<BulkResult<Message>>>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        if patch.is_empty() {
            return Err(InvalidRequest::InvalidValue {
                reason: "the patch changes nothing".into(),
            }
            .into());
        }
        patch.check()?;
        self.for_each_message(ids, |message| message.update(patch.clone()))
            .await
    }

    /// A move or copy of every message to `folder`: an empty destination would fail every
    /// message alike, so it is refused once, up front.
    async fn to_folder<I, S, C>(
        &self,
        ids: I,
        folder: FolderRef,
        call: fn(&MessageRef, FolderRef) -> C,
    ) -> Result<Vec<BulkResult<C::Output>>>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        C: Batchable,
    {
        check_destination(&folder)?;
        self.for_each_message(ids, |message| call(message, folder.clone()))
            .await
    }

    /// The one mechanism of every bulk operation: a call per message, all in one
    /// [`Batch`](crate::Batch), results matched back to the ids in input order.
    async fn for_each_message<I, S, C>(
        &self,
        ids: I,
        call: impl Fn(&MessageRef) -> C,
    ) -> Result<Vec<BulkResult<C::Output>>>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
        C: Batchable,
    {
        let mut batch = self.client.batch();
        let tickets: Vec<_> = ids
            .into_iter()
            .map(|id| {
                let message = self.message(id);
                let ticket = batch.add(call(&message));
                (message, ticket)
            })
            .collect();
        let mut results = batch.send().await?;
        Ok(tickets
            .into_iter()
            .map(|(message, ticket)| BulkResult {
                result: results.take(ticket),
                id: message.id().to_string(),
            })
            .collect())
    }
}
