//! Endpoints, grouped by resource. Each file only describes its endpoints (path, body,
//! expected status); sending, retries and error mapping live in the client.

/// Awaiting a builder sends it: its `IntoFuture` is its `send()`, boxed (the future of an
/// `async` block cannot be named in an associated type on stable Rust).
macro_rules! await_sends {
    ($builder:ty => $output:ty) => {
        impl std::future::IntoFuture for $builder {
            type Output = crate::Result<$output>;
            type IntoFuture =
                std::pin::Pin<Box<dyn std::future::Future<Output = Self::Output> + Send>>;

            fn into_future(self) -> Self::IntoFuture {
                Box::pin(self.send())
            }
        }
    };
}

/// A builder's `send()` through the one pipeline (its `Call` halves), and `.await` as its
/// shorthand; `|this| mailbox` says how the builder reaches its [`Mailbox`].
macro_rules! sends_call {
    ($($builder:ty => $output:ty),* $(,)? ; |$this:ident| $mailbox:expr) => {$(
        impl $builder {
            /// Sends it.
            pub fn send(
                self,
            ) -> impl std::future::Future<Output = crate::Result<$output>> + Send + 'static {
                let client = {
                    let $this = &self;
                    $mailbox.client.clone()
                };
                client.call(self)
            }
        }
        await_sends!($builder => $output);
    )*};
}

mod attachments;
mod bulk;
mod by_id;
mod calendar;
mod calendar_permissions;
mod check_mail_tips;
mod chunked;
mod delta;
mod destination;
mod drafts;
mod event;
mod event_response;
mod list;
mod mail_folder;
mod mail_folders;
mod mail_tips;
mod mailbox;
mod mailbox_settings;
mod master_categories;
mod meeting_messages;
mod message;
mod message_housekeeping;
mod message_rules;
mod messages;
mod query;
mod reply;
mod schedule;
mod send_mail;
mod subscriptions;
mod sync;
mod sync_events;
mod sync_folders;
mod translate_ids;
mod walk_folders;

pub use crate::models::MailboxRef;
pub use attachments::{
    Attachments, LargeUpload, UploadInProgress, DEFAULT_UPLOAD_CHUNK, INLINE_ATTACHMENT_LIMIT,
    MAX_UPLOAD_CHUNK, MAX_UPLOAD_SIZE, UPLOAD_CHUNK_UNIT,
};
pub use bulk::BulkResult;
pub use calendar::{CalendarRef, CreateEvent};
pub use calendar_permissions::CalendarPermissions;
pub use check_mail_tips::CheckMailTips;
pub use delta::{SelectSyncItem, SyncEvent, SyncItem, SyncQuery, SyncResult};
pub use drafts::CreateDraft;
pub use event::{
    DeleteEvent, EventRef, GetEvent, Modify, UpdateEvent, UpdatedEvent, DEFAULT_MODIFY_ATTEMPTS,
};
pub use event_response::{EventResponse, MayPropose, NoProposal};
pub use list::List;
pub use mail_folder::{
    CopyMailFolder, CreateMailFolder, DeleteMailFolder, GetMailFolder, MailFolderRef,
    MoveMailFolder, PermanentDeleteMailFolder, UpdateMailFolder,
};
pub use mail_tips::{GetMailTips, MAX_MAIL_TIPS_ADDRESSES};
pub use mailbox::Mailbox;
pub use master_categories::MasterCategories;
pub use meeting_messages::MeetingResponses;
pub use message::{GetMessage, MessageRef, SendDraft, UpdateMessage};
pub use message_housekeeping::{CopyMessage, DeleteMessage, MoveMessage, PermanentDeleteMessage};
pub use message_rules::MessageRules;
pub use messages::ListMessages;
pub use reply::{MimeReply, Reply};
pub use schedule::{FindMeetingTimes, GetSchedule};
pub use send_mail::{SendMail, SendMime};
pub use subscriptions::{
    CreateSubscription, EncryptionCertificate, ListSubscriptions, SubscriptionFailure,
    SubscriptionResource, Subscriptions, UpdateSubscription, EXPIRATION_MARGIN_MINUTES,
    MAX_CLIENT_STATE_CHARS, MAX_ENCRYPTION_CERTIFICATE_ID_CHARS, MAX_EXPIRATION_MINUTES,
    MAX_RICH_EXPIRATION_MINUTES,
};
pub use sync::SyncMessages;
pub use sync_events::SyncEvents;
pub use sync_folders::SyncMailFolders;
pub use translate_ids::{TranslateExchangeIds, MAX_TRANSLATE_IDS};
pub use walk_folders::WalkMailFolders;

pub(crate) use query::time_zone_preference;
