//! The organizer's side of a meeting: the attendees' answers that arrive as
//! `eventMessageResponse` messages (GRAPH-FACTS §5.5).

use futures_util::{Stream, TryStreamExt};

use super::{List, Mailbox};
use crate::error::Result;
use crate::models::{EventMessageResponse, FolderRef, MailItem, WellKnownFolder};

impl Mailbox {
    /// Messages of a folder typed by kind: meeting requests, responses, cancellations and
    /// plain messages ([`MailItem`]).
    pub fn mail_items(&self, folder: impl Into<FolderRef>) -> List<MailItem> {
        let folder = folder.into().into_string();
        List::new(
            self.client.clone(),
            "listMessages",
            self.messages_path(Some(&folder), &[]),
        )
    }

    /// The attendees' answers to your meetings in the Inbox (EWS's `MeetingResponse` items),
    /// newest first. Graph has no server-side filter on the message type, so every Inbox
    /// message is read and the others are skipped.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use futures_util::TryStreamExt;
    /// let mut proposals = std::pin::pin!(client.me().meeting_responses().proposals_only().stream());
    /// while let Some(response) = proposals.try_next().await? {
    ///     println!("{:?} proposes {:?}", response.attendee_address(), response.proposed_new_time);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn meeting_responses(&self) -> MeetingResponses {
        MeetingResponses {
            mailbox: self.clone(),
            folder: WellKnownFolder::Inbox.into(),
            proposals_only: false,
        }
    }
}

/// Lists meeting responses; from [`Mailbox::meeting_responses`].
#[derive(Debug)]
#[must_use = "nothing is sent until you call .stream() or .collect()"]
pub struct MeetingResponses {
    mailbox: Mailbox,
    folder: FolderRef,
    proposals_only: bool,
}

impl MeetingResponses {
    /// Another folder than the Inbox.
    pub fn in_folder(mut self, folder: impl Into<FolderRef>) -> Self {
        self.folder = folder.into();
        self
    }

    /// Only responses that carry a `proposedNewTime`.
    pub fn proposals_only(mut self) -> Self {
        self.proposals_only = true;
        self
    }

    /// Every matching response, page by page as the stream is polled.
    pub fn stream(self) -> impl Stream<Item = Result<EventMessageResponse>> + Send + 'static {
        let proposals_only = self.proposals_only;
        self.mailbox
            .mail_items(self.folder)
            .order_by(["receivedDateTime desc"])
            .stream()
            .try_filter_map(move |item| {
                let response = match item {
                    MailItem::EventMessageResponse(response)
                        if !proposals_only || response.proposed_new_time.is_some() =>
                    {
                        Some(*response)
                    }
                    _ => None,
                };
                std::future::ready(Ok(response))
            })
    }

    /// Every matching response, collected.
    pub async fn collect(self) -> Result<Vec<EventMessageResponse>> {
        self.stream().try_collect().await
    }
}
