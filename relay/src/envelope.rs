//! The SMTP envelope of a submitted message: who it is from and to whom it goes, as the
//! client said in `MAIL FROM` / `RCPT TO` (or as `sendmail` was told), independent of the
//! message's own headers.

use serde::{Deserialize, Serialize};
use std::net::IpAddr;

/// Graph's limit of recipients per message (GRAPH-FACTS §8.3); SMTP refuses the 501st
/// `RCPT TO` with `452`, sendmail refuses such a command line.
pub const MAX_RECIPIENTS: usize = 500;

/// The envelope of one message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// The reverse path of `MAIL FROM`, without angle brackets; empty for the null
    /// sender `<>` (bounces).
    pub mail_from: String,
    /// The forward paths of `RCPT TO`, without angle brackets, in order. Everyone here
    /// receives the message; someone not named in To/Cc receives it as Bcc.
    pub rcpt_to: Vec<String>,
    /// The SMTP user that authenticated, if any (decides the allowed senders and the
    /// sending mailbox).
    pub smtp_user: Option<String>,
    /// Where the message came from: the SMTP client's address; `None` for `sendmail`.
    pub client_addr: Option<IpAddr>,
    /// The mailbox to send from when the submission fixed one (an SMTP user's or
    /// `sendmail`'s configured mailbox); `None` lets delivery decide (the global mailbox,
    /// or the sender's own).
    pub mailbox: Option<String>,
}

impl Envelope {
    /// An envelope from `mail_from` to `rcpt_to`.
    pub fn new(mail_from: impl Into<String>, rcpt_to: Vec<String>) -> Self {
        Envelope {
            mail_from: mail_from.into(),
            rcpt_to,
            smtp_user: None,
            client_addr: None,
            mailbox: None,
        }
    }
}
