//! Endpoints, grouped by resource. Each file only describes its endpoints (path, body,
//! expected status); sending, retries and error mapping live in the client.

mod drafts;
mod mailbox;
mod message;
mod messages;
mod reply;
mod send_mail;

pub use drafts::CreateDraft;
pub use mailbox::{Mailbox, MailboxRef};
pub use message::{GetMessage, MessageRef};
pub use messages::ListMessages;
pub use reply::Reply;
pub use send_mail::{SendMail, SendMime};
