//! `[sendmail]`: the `sendmail` command line.

use serde::Deserialize;

/// `[sendmail]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SendmailConfig {
    /// `default_sender`: the envelope sender (and From, when the message has none) when
    /// neither `-f`/`-r` nor a From header gives one. Without it: the user's login name
    /// `@` the host name.
    pub default_sender: Option<String>,
    /// `mailbox`: send everything `sendmail` queues from this mailbox (as `from`/`sender`
    /// per delivery's rules) instead of the sender's own.
    pub mailbox: Option<String>,
    /// `max_message_size`: the largest message accepted on stdin, in bytes (default 35 MB,
    /// Exchange Online's default maximum send size).
    pub max_message_size: u64,
}

impl Default for SendmailConfig {
    fn default() -> Self {
        SendmailConfig {
            default_sender: None,
            mailbox: None,
            max_message_size: 35 * 1024 * 1024,
        }
    }
}
