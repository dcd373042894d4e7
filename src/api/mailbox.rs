//! A mailbox: `/me` or `/users/{id}`, the entry point to every mail and calendar endpoint.

use crate::client::GraphClient;
use crate::models::{FolderRef, MailboxRef, Message};

use super::{CreateDraft, ListMessages, MessageRef, SendMail, SendMime, SyncMessages};

/// A mailbox handler; get one from [`GraphClient::me`] or [`GraphClient::user`]. Every
/// operation works the same on both.
#[derive(Debug, Clone)]
pub struct Mailbox {
    pub(crate) client: GraphClient,
    pub(crate) target: MailboxRef,
}

impl Mailbox {
    pub(crate) fn me(client: GraphClient) -> Self {
        Mailbox {
            client,
            target: MailboxRef::Me,
        }
    }

    pub(crate) fn user(client: GraphClient, id: String) -> Self {
        Mailbox {
            client,
            target: MailboxRef::User(id),
        }
    }

    /// `…/messages/{rest}`, or `…/mailFolders/{folder}/messages/{rest}` for a folder.
    pub(crate) fn messages_path(&self, folder: Option<&str>, rest: &[&str]) -> Vec<String> {
        let mut segments = match folder {
            Some(folder) => vec!["mailFolders", folder, "messages"],
            None => vec!["messages"],
        };
        segments.extend_from_slice(rest);
        self.target.path(&segments)
    }

    /// The same client on another mailbox.
    pub(crate) fn with_target(&self, target: MailboxRef) -> Mailbox {
        Mailbox {
            client: self.client.clone(),
            target,
        }
    }

    /// Which mailbox this is.
    pub fn target(&self) -> &MailboxRef {
        &self.target
    }

    /// Sends a new message as JSON (`POST …/sendMail`, 202). A copy goes to Sent Items
    /// unless [`SendMail::save_to_sent_items`] says otherwise.
    ///
    /// This is EWS's `CreateItem` with `MessageDisposition="SendAndSaveCopy"`
    /// (`EmailMessage.SendAndSaveCopy()` in the EWS Managed API).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::Message;
    /// let accepted = client
    ///     .me()
    ///     .send_mail(
    ///         Message::new()
    ///             .subject("Company Soccer Team")
    ///             .text_body("Are you interested in joining?")
    ///             .to("alex@contoso.com"),
    ///     )
    ///     .send()
    ///     .await?;
    /// println!("queued, request-id {:?}", accepted.request_id);
    /// # Ok(()) }
    /// ```
    pub fn send_mail(&self, message: Message) -> SendMail {
        SendMail::new(self.clone(), message)
    }

    /// Sends a message given as raw RFC 5322 / MIME bytes (`POST …/sendMail` with a base64
    /// `text/plain` body, 202). Attachments and S/MIME go inside the MIME.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let eml = b"From: adele@contoso.com\r\nTo: alex@contoso.com\r\nSubject: Hi\r\n\r\nHello\r\n";
    /// client.me().send_mime(eml.to_vec()).send().await?;
    /// # Ok(()) }
    /// ```
    ///
    /// Base64 text (what the Graph docs show) is refused with
    /// [`InvalidRequest::MimeIsBase64`](crate::InvalidRequest::MimeIsBase64): use
    /// [`send_mime_base64`](Self::send_mime_base64) for that.
    pub fn send_mime(&self, mime: impl Into<Vec<u8>>) -> SendMime {
        SendMime::new(self.clone(), mime.into())
    }

    /// Sends a message given as base64 of its MIME, as in the Graph docs' `sendMail`
    /// Example 4 (line breaks allowed, padding optional). It is decoded first and then
    /// checked like [`send_mime`](Self::send_mime) (header section, a recipient): text that
    /// does not decode is [`InvalidRequest::InvalidBase64`](crate::InvalidRequest::InvalidBase64),
    /// and nothing is sent.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// // "To: alex@contoso.com\r\nSubject: Hi\r\n\r\nHello\r\n", base64-encoded
    /// let base64 = "VG86IGFsZXhAY29udG9zby5jb20NClN1YmplY3Q6IEhpDQoNCkhlbGxvDQo=";
    /// client.me().send_mime_base64(base64).await?;
    /// # Ok(()) }
    /// ```
    pub fn send_mime_base64(&self, base64: impl AsRef<[u8]>) -> SendMime {
        SendMime::base64(self.clone(), base64.as_ref())
    }

    /// Lists the mailbox's messages (`GET …/messages`), or a folder's with
    /// [`ListMessages::in_folder`] (`GET …/mailFolders/{folder}/messages`).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::WellKnownFolder;
    /// let page = client
    ///     .user("alex@contoso.com")
    ///     .list_messages()
    ///     .in_folder(WellKnownFolder::Inbox)
    ///     .select(["subject", "from"])
    ///     .top(25)
    ///     .await?;
    /// for message in page.value {
    ///     println!("{:?} from {:?}", message.subject, message.from);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list_messages(&self) -> ListMessages {
        ListMessages::new(
            self.client.clone(),
            "listMessages",
            self.messages_path(None, &[]),
        )
    }

    /// Creates a draft from a JSON message (`POST …/messages`, 201), in Drafts unless
    /// [`CreateDraft::in_folder`] says otherwise. Send it later with [`MessageRef::send`].
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::Message;
    /// let me = client.me();
    /// let draft = me.create_draft(Message::new().subject("Agenda").to("alex@contoso.com")).await?;
    /// me.message(draft.id.unwrap()).send().await?;
    /// # Ok(()) }
    /// ```
    pub fn create_draft(&self, message: Message) -> CreateDraft {
        CreateDraft::json(self.clone(), message)
    }

    /// Creates a draft from raw MIME (base64, `text/plain`); the MIME carries the recipients.
    /// Base64 text is refused with
    /// [`InvalidRequest::MimeIsBase64`](crate::InvalidRequest::MimeIsBase64): see
    /// [`create_draft_mime_base64`](Self::create_draft_mime_base64).
    pub fn create_draft_mime(&self, mime: impl Into<Vec<u8>>) -> CreateDraft {
        CreateDraft::mime(self.clone(), mime.into())
    }

    /// Creates a draft from base64 of its MIME, as the Graph docs show it; decoded and
    /// checked like [`send_mime_base64`](Self::send_mime_base64).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let base64 = "VG86IGFsZXhAY29udG9zby5jb20NClN1YmplY3Q6IEhpDQoNCkhlbGxvDQo=";
    /// let draft = client.me().create_draft_mime_base64(base64).await?;
    /// # Ok(()) }
    /// ```
    pub fn create_draft_mime_base64(&self, base64: impl AsRef<[u8]>) -> CreateDraft {
        CreateDraft::mime_base64(self.clone(), base64.as_ref())
    }

    /// A message of this mailbox by id, to get, update, send or delete it.
    pub fn message(&self, id: impl Into<String>) -> MessageRef {
        MessageRef::new(self.clone(), id.into())
    }

    /// A message as read before. One read through this crate goes back to the mailbox it
    /// was read from, whichever mailbox this is called on (implicit access; see
    /// [`GraphClient::message_from`](crate::GraphClient::message_from)).
    pub fn message_from(&self, message: &Message) -> MessageRef {
        let mailbox = match &message.source {
            Some(source) => self.with_target(source.mailbox.clone()),
            None => self.clone(),
        };
        MessageRef::new(mailbox, message.id.clone().unwrap_or_default())
    }

    /// Syncs a folder (EWS `SyncFolderItems`): the first call returns every message and a
    /// delta link; later calls with [`SyncMessages::resume`] return only what changed,
    /// removed ids included.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::WellKnownFolder::Inbox;
    /// let first = client.me().sync_messages(Inbox).send().await?;
    /// // … later, with the stored link:
    /// let changes = client.me().sync_messages(Inbox).resume(first.delta_link.unwrap()).send().await?;
    /// println!("{} changed, {} removed", changes.changed.len(), changes.removed.len());
    /// # Ok(()) }
    /// ```
    pub fn sync_messages(&self, folder: impl Into<FolderRef>) -> SyncMessages {
        SyncMessages::messages(self, folder.into().as_str())
    }
}
