//! Filing and tidying one message: move, copy, delete, permanent delete,
//! and the one-property updates (read, flag, categories, importance). Each is a builder to
//! await or to add to a [`Batch`](crate::Batch) (GRAPH-FACTS-2 §7.1;
//! openapi-fragments/paths/user-message-actions.yaml, user-message.yaml).
//!
//! Docs: "message: move" <https://learn.microsoft.com/graph/api/message-move?view=graph-rest-1.0>,
//! "message: copy" <https://learn.microsoft.com/graph/api/message-copy?view=graph-rest-1.0>,
//! "Delete message" <https://learn.microsoft.com/graph/api/message-delete?view=graph-rest-1.0>,
//! "message: permanentDelete" <https://learn.microsoft.com/graph/api/message-permanentdelete?view=graph-rest-1.0>,
//! "Update message" <https://learn.microsoft.com/graph/api/message-update?view=graph-rest-1.0>.

use super::destination::destination_request;
use super::{MessageRef, UpdateMessage};
use crate::client::{Call, Request, Response};
use crate::error::{InvalidRequest, Result};
use crate::models::{FolderRef, FollowupFlag, Importance, Message, MessagePatch};

impl MessageRef {
    /// An empty id would address the message collection instead.
    fn check_id(&self) -> Result<()> {
        if self.id().trim().is_empty() {
            return Err(InvalidRequest::no_id("message").into());
        }
        Ok(())
    }

    /// Moves the message to a folder (a [`WellKnownFolder`](crate::models::WellKnownFolder)
    /// or a folder id; `POST …/move`); returns it, with its new id unless immutable ids are
    /// on. Await it, or add it to a [`Batch`](crate::Batch); for many messages see
    /// [`Mailbox::move_messages`](super::Mailbox::move_messages).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::WellKnownFolder;
    /// client.me().message("AAMkAGI1…").move_to(WellKnownFolder::Archive).await?;
    /// # Ok(()) }
    /// ```
    pub fn move_to(&self, folder: impl Into<FolderRef>) -> MoveMessage {
        MoveMessage {
            message: self.clone(),
            destination: folder.into(),
        }
    }

    /// Copies the message to a folder (a [`WellKnownFolder`](crate::models::WellKnownFolder)
    /// or a folder id; `POST …/copy`); returns the copy.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let copy = client.me().message("AAMkAGI1…").copy_to("AAMkAGFolder=").await?;
    /// println!("copy {:?}", copy.id);
    /// # Ok(()) }
    /// ```
    pub fn copy_to(&self, folder: impl Into<FolderRef>) -> CopyMessage {
        CopyMessage {
            message: self.clone(),
            destination: folder.into(),
        }
    }

    /// Deletes the message (`DELETE …/messages/{id}`, 204; EWS `DeleteType.SoftDelete`).
    /// The "Delete message" page does not say where it goes: it stays recoverable, but
    /// whether in Deleted Items or in Recoverable Items is \[unconfirmed\] (the sandbox
    /// removes it). To put it in Deleted Items, as Outlook's Delete key does, use
    /// `move_to(WellKnownFolder::DeletedItems)`. Deleting a message scheduled with
    /// [`Message::send_at`] from the Outbox before its time cancels the send.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// client.me().message("AAMkAGI1…").delete().await?;
    /// # Ok(()) }
    /// ```
    pub fn delete(&self) -> DeleteMessage {
        DeleteMessage {
            message: self.clone(),
        }
    }

    /// Deletes the message for good (`POST …/permanentDelete`, no body, 204): it goes to
    /// the Purges folder, out of the user's reach (EWS `DeleteType.HardDelete`).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// client.me().message("AAMkAGI1…").permanent_delete().await?;
    /// # Ok(()) }
    /// ```
    pub fn permanent_delete(&self) -> PermanentDeleteMessage {
        PermanentDeleteMessage {
            message: self.clone(),
        }
    }

    /// Marks the message read (`PATCH` `{"isRead": true}`).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let message = client.me().message("AAMkAGI1…").mark_read().await?;
    /// assert_eq!(message.is_read, Some(true));
    /// # Ok(()) }
    /// ```
    pub fn mark_read(&self) -> UpdateMessage {
        self.update(MessagePatch::new().is_read(true))
    }

    /// Marks the message unread (`PATCH` `{"isRead": false}`).
    pub fn mark_unread(&self) -> UpdateMessage {
        self.update(MessagePatch::new().is_read(false))
    }

    /// Sets the follow-up flag (`PATCH` `{"flag": …}`): flagged with start and due dates,
    /// complete, or cleared. A due date without a start date is refused before sending.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::{DateTimeTimeZone, FollowupFlag};
    /// let flag = FollowupFlag::flagged()
    ///     .start(DateTimeTimeZone::new("2026-12-07T09:00:00", "W. Europe Standard Time"))
    ///     .due(DateTimeTimeZone::new("2026-12-09T17:00:00", "W. Europe Standard Time"));
    /// client.me().message("AAMkAGI1…").flag(flag).await?;
    /// # Ok(()) }
    /// ```
    pub fn flag(&self, flag: FollowupFlag) -> UpdateMessage {
        self.update(MessagePatch::new().flag(flag))
    }

    /// Replaces the message's categories (`PATCH` `{"categories": […]}`): names of the
    /// mailbox's master categories; an empty list removes them all.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// client.me().message("AAMkAGI1…").set_categories(["Red category", "Project X"]).await?;
    /// # Ok(()) }
    /// ```
    pub fn set_categories<I, S>(&self, categories: I) -> UpdateMessage
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.update(MessagePatch::new().categories(categories))
    }

    /// Sets the importance (`PATCH` `{"importance": "low" | "normal" | "high"}`).
    pub fn set_importance(&self, importance: Importance) -> UpdateMessage {
        self.update(MessagePatch::new().importance(importance))
    }
}

/// Moves a message; from [`MessageRef::move_to`]. Await it for the message in its new
/// folder, or add it to a [`Batch`](crate::Batch). Not retried once it may have reached
/// Graph (a repeat would fail: the old id is gone).
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct MoveMessage {
    message: MessageRef,
    destination: FolderRef,
}

impl Call for MoveMessage {
    type Output = Message;

    fn into_request(self) -> Result<Request> {
        self.message.check_id()?;
        destination_request("move", self.message.path(&["move"]), &self.destination)
    }

    /// 201 in the docs' example; any success with the message is read.
    fn parse(response: Response) -> Result<Message> {
        response.item()
    }
}

/// Copies a message; from [`MessageRef::copy_to`]. Await it for the copy, or add it to a
/// [`Batch`](crate::Batch). Not retried once it may have reached Graph (a repeat would make
/// a second copy).
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct CopyMessage {
    message: MessageRef,
    destination: FolderRef,
}

impl Call for CopyMessage {
    type Output = Message;

    fn into_request(self) -> Result<Request> {
        self.message.check_id()?;
        destination_request("copy", self.message.path(&["copy"]), &self.destination)
    }

    fn parse(response: Response) -> Result<Message> {
        response.item()
    }
}

/// Deletes a message; from [`MessageRef::delete`]. Await it, or add it to
/// a [`Batch`](crate::Batch).
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct DeleteMessage {
    message: MessageRef,
}

impl Call for DeleteMessage {
    type Output = ();

    fn into_request(self) -> Result<Request> {
        self.message.check_id()?;
        Ok(Request::delete("deleteMessage", self.message.path(&[])))
    }

    fn parse(response: Response) -> Result<()> {
        response.no_content()
    }
}

/// Deletes a message for good; from [`MessageRef::permanent_delete`]. Await it, or add it
/// to a [`Batch`](crate::Batch).
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct PermanentDeleteMessage {
    message: MessageRef,
}

impl Call for PermanentDeleteMessage {
    type Output = ();

    fn into_request(self) -> Result<Request> {
        self.message.check_id()?;
        Ok(Request::post(
            "permanentDelete",
            self.message.path(&["permanentDelete"]),
        ))
    }

    fn parse(response: Response) -> Result<()> {
        response.no_content()
    }
}

sends_call!(
    MoveMessage => Message,
    CopyMessage => Message,
    DeleteMessage => (),
    PermanentDeleteMessage => ();
    |this| this.message.mailbox()
);
