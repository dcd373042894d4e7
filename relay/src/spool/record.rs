//! What the spool knows about one message.

use crate::envelope::Envelope;
use chrono::{DateTime, Utc};
use std::fmt;
use std::str::FromStr;

/// The columns of a message row, in the order both backends read them.
pub(crate) const COLUMNS: &str = "id, message_id, message_id_added, mail_from, rcpt_to, smtp_user, \
    client_addr, envelope_mailbox, header_from, subject, size, state, attempts, created_at, \
    next_attempt_at, unknown_since, mailbox, path, last_error, request_id, client_request_id, updated_at";

/// A message's id in the queue (not its Message-ID): 16 lowercase hex digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct QueueId(pub(crate) String);

impl QueueId {
    pub(crate) fn new() -> Self {
        QueueId(uuid::Uuid::new_v4().simple().to_string()[..16].to_string())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parses an id given by an operator (`queue show ID`): 16 hex digits.
    pub fn parse(text: &str) -> Option<QueueId> {
        let ok = text.len() == 16 && text.bytes().all(|b| b.is_ascii_hexdigit());
        ok.then(|| QueueId(text.to_ascii_lowercase()))
    }
}

impl fmt::Display for QueueId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Delivery state of a spooled message (see the [module docs](super)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum State {
    /// Waiting for its next attempt.
    Queued,
    /// An attempt is in flight.
    Sending,
    /// The last attempt's outcome is unknown; the sending mailbox is checked before any
    /// resend.
    Unknown,
    /// Graph accepted it.
    Sent,
    /// Given up: a permanent failure, or transient failures for longer than the maximum
    /// age.
    Failed,
}

impl State {
    /// Every state, in the order a message goes through them.
    pub const ALL: [State; 5] = [
        State::Queued,
        State::Sending,
        State::Unknown,
        State::Sent,
        State::Failed,
    ];

    /// The state's name in the spool, logs and metrics.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Sending => "sending",
            State::Unknown => "unknown",
            State::Sent => "sent",
            State::Failed => "failed",
        }
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for State {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        State::ALL
            .into_iter()
            .find(|state| state.as_str() == s)
            .ok_or_else(|| format!("unknown state {s:?}"))
    }
}

/// One message in the spool.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Queue id.
    pub id: QueueId,
    /// The envelope.
    pub envelope: Envelope,
    /// The Message-ID (with angle brackets): the message's own, or the one the relay
    /// added (`message_id_added`).
    pub message_id: String,
    /// The message had no Message-ID: the relay's is prepended when it is read.
    pub message_id_added: bool,
    /// The From header's address, if any.
    pub header_from: Option<String>,
    /// The Subject, decoded, if any (for the queue listing and the log).
    pub subject: Option<String>,
    /// Size in bytes as stored (CRLF line endings, without an added Message-ID).
    pub size: u64,
    /// Delivery state.
    pub state: State,
    /// Attempts started so far.
    pub attempts: u32,
    /// When the message was accepted.
    pub created_at: DateTime<Utc>,
    /// When it is due next (an attempt, or a check of an unknown outcome).
    pub next_attempt_at: DateTime<Utc>,
    /// Since when the outcome is unknown, while it is.
    pub unknown_since: Option<DateTime<Utc>>,
    /// The mailbox it is (or was) sent from.
    pub mailbox: Option<String>,
    /// How it was sent: `mime` or `draft`.
    pub path: Option<String>,
    /// The last error (Graph code and message, or the transport error).
    pub last_error: Option<String>,
    /// Graph's `request-id` of the last attempt.
    pub request_id: Option<String>,
    /// The `client-request-id` of the last attempt.
    pub client_request_id: Option<String>,
    /// When the state last changed.
    pub updated_at: DateTime<Utc>,
}

/// Number of messages in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StateCounts {
    /// Waiting for an attempt.
    pub queued: u64,
    /// Attempt in flight.
    pub sending: u64,
    /// Outcome unknown.
    pub unknown: u64,
    /// Sent (rows kept for the log until pruned).
    pub sent: u64,
    /// Failed.
    pub failed: u64,
}

impl StateCounts {
    /// The count for one state.
    pub fn get(&self, state: State) -> u64 {
        match state {
            State::Queued => self.queued,
            State::Sending => self.sending,
            State::Unknown => self.unknown,
            State::Sent => self.sent,
            State::Failed => self.failed,
        }
    }

    pub(crate) fn slot(&mut self, state: State) -> &mut u64 {
        match state {
            State::Queued => &mut self.queued,
            State::Sending => &mut self.sending,
            State::Unknown => &mut self.unknown,
            State::Sent => &mut self.sent,
            State::Failed => &mut self.failed,
        }
    }
}
