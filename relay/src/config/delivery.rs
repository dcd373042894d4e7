//! `[delivery]`: sending through Graph (owned by the delivery module).
//!
//! Durations are whole **seconds** (TOML integers: `grace = 60`), so that a trial
//! configuration against the sandbox can use small values and see the whole cycle quickly.

use serde::{Deserialize, Deserializer};
use std::time::Duration;

/// How a fixed sending mailbox sends for the message's author.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SendAs {
    /// The message's `From` stays; the sending mailbox needs "Send As" on that address
    /// (recipients see only `From`).
    #[default]
    From,
    /// On behalf: `From` stays and the sending mailbox becomes the `Sender` (recipients see
    /// "mailbox on behalf of From"); needs "Send on Behalf".
    Sender,
}

/// `[delivery]`. Every field has a default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DeliveryConfig {
    /// The mailbox every message is sent from, unless the submission fixed one (an SMTP
    /// user's). Default: none (the envelope sender's own mailbox, else the `From` address).
    pub mailbox: Option<String>,
    /// How a fixed mailbox sends for another `From`. Default: `from`.
    pub send_as: SendAs,
    /// Seconds to wait after an attempt with an unknown outcome before looking for the
    /// message in the sending mailbox. Default: 60.
    #[serde(deserialize_with = "seconds")]
    pub grace: Duration,
    /// Seconds after the attempt during which the message must stay absent from Sent Items,
    /// Outbox and Drafts before it is sent again. Default: 900.
    #[serde(deserialize_with = "seconds")]
    pub window: Duration,
    /// Seconds after acceptance after which transient failures are given up (and bounced).
    /// Default: 172800, two days.
    #[serde(deserialize_with = "seconds")]
    pub max_age: Duration,
    /// First retry delay in seconds after a transient failure without `Retry-After`;
    /// doubled on each attempt. Default: 60.
    #[serde(deserialize_with = "seconds")]
    pub retry_initial: Duration,
    /// Longest retry delay in seconds. Default: 3600.
    #[serde(deserialize_with = "seconds")]
    pub retry_max: Duration,
    /// Seconds a mailbox is paused after Exchange refused it for its sending limits
    /// (`ErrorExceededMessageLimit`, `ErrorMessageSubmissionBlocked`, `ErrorQuotaExceeded`,
    /// `ErrorAccountSuspend`). Default: 3600.
    #[serde(deserialize_with = "seconds")]
    pub mailbox_pause: Duration,
    /// Requests in flight per sending mailbox (Graph allows 4 per app and mailbox). Default: 4.
    pub max_concurrent: usize,
    /// Messages per rolling minute per sending mailbox (Exchange Online queues more in the
    /// Outbox). Default: 30.
    pub messages_per_minute: u32,
    /// Recipients per rolling 24 hours per sending mailbox (Exchange Online's limit). Default: 10000.
    pub recipients_per_day: u32,
    /// Graph requests in flight, all mailboxes together. Default: 16. Up to twice as many
    /// messages are in hand at once, so that reading and committing one overlaps another's
    /// request.
    pub workers: usize,
    /// Largest message accepted when the mailbox's MailTips `maxMessageSize` cannot be read,
    /// in bytes. Default: 36700160, 35 MB.
    pub max_message_size: u64,
    /// Largest message sent as MIME in one `sendMail`, in bytes; larger ones go through a
    /// draft with upload sessions. Graph takes at most 4 MB per request and base64 grows the
    /// MIME by 4/3 (plus line breaks), so about 3 MB of message fits. Default: 3000000.
    pub mime_limit: u64,
    /// Report a failure to the envelope sender with a delivery status message sent through
    /// Graph (never for the null sender `<>`). Default: true.
    pub bounce: bool,
    /// Seconds in-flight sends get to finish on shutdown. Default: 30.
    #[serde(deserialize_with = "seconds")]
    pub shutdown_timeout: Duration,
    /// Longest sleep of the delivery loop between looks at the queue, in seconds. Default: 1.
    #[serde(deserialize_with = "seconds")]
    pub poll_interval: Duration,
    /// `lease`: how long a claim on a message (and a send's slot in the shared limits)
    /// holds unless renewed; renewed every third of it while the message is in hand. On a
    /// shared (PostgreSQL) spool, the messages of a relay that stopped are taken by the
    /// others this long after its last renewal. Default 60.
    #[serde(deserialize_with = "seconds")]
    pub lease: Duration,
}

impl Default for DeliveryConfig {
    fn default() -> Self {
        DeliveryConfig {
            mailbox: None,
            send_as: SendAs::From,
            grace: Duration::from_secs(60),
            window: Duration::from_secs(15 * 60),
            max_age: Duration::from_secs(2 * 24 * 3600),
            retry_initial: Duration::from_secs(60),
            retry_max: Duration::from_secs(3600),
            mailbox_pause: Duration::from_secs(3600),
            max_concurrent: 4,
            messages_per_minute: 30,
            recipients_per_day: 10_000,
            workers: 16,
            max_message_size: 35 * 1024 * 1024,
            mime_limit: 3_000_000,
            bounce: true,
            shutdown_timeout: Duration::from_secs(30),
            poll_interval: Duration::from_secs(1),
            lease: Duration::from_secs(60),
        }
    }
}

fn seconds<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    u64::deserialize(deserializer).map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_seconds_and_unset_keys_keep_their_defaults() {
        let config: DeliveryConfig = toml::from_str(
            "mailbox = \"relay@contoso.com\"\nsend_as = \"sender\"\ngrace = 5\nwindow = 30\n\
             messages_per_minute = 10\n",
        )
        .unwrap();
        assert_eq!(config.mailbox.as_deref(), Some("relay@contoso.com"));
        assert_eq!(config.send_as, SendAs::Sender);
        assert_eq!(config.grace, Duration::from_secs(5));
        assert_eq!(config.window, Duration::from_secs(30));
        assert_eq!(config.messages_per_minute, 10);
        assert_eq!(config.max_age, Duration::from_secs(172_800));
        assert_eq!(config.mime_limit, 3_000_000);
        assert_eq!(config.max_message_size, 36_700_160);
        assert!(toml::from_str::<DeliveryConfig>("grace = \"1m\"").is_err());
        assert!(toml::from_str::<DeliveryConfig>("graze = 5").is_err());
    }
}
