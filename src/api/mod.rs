//! Endpoints, grouped by resource. Each file only describes its endpoints (path, body,
//! expected status); sending, retries and error mapping live in the client.

mod attachments;
mod drafts;
mod mailbox;
mod message;
mod messages;
mod query;
mod reply;
mod send_mail;
mod sync;

pub use attachments::{
    Attachments, LargeUpload, UploadInProgress, DEFAULT_UPLOAD_CHUNK, INLINE_ATTACHMENT_LIMIT,
    MAX_UPLOAD_CHUNK, MAX_UPLOAD_SIZE, UPLOAD_CHUNK_UNIT,
};
pub use drafts::CreateDraft;
pub use mailbox::{Mailbox, MailboxRef};
pub use message::{GetMessage, MessageRef};
pub use messages::ListMessages;
pub use reply::Reply;
pub use send_mail::{SendMail, SendMime};
pub use sync::{SyncMessages, SyncResult};
