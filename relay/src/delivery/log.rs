//! The delivery log (issue 17 item 9): one structured `tracing` event per state change,
//! target `msgraph_relay::delivery_log`, with the fields an operator needs to follow a
//! message and to ask Microsoft about a request.

use crate::spool::Record;

/// The log's target, for filters (`RUST_LOG=msgraph_relay::delivery_log=info`).
pub const TARGET: &str = "msgraph_relay::delivery_log";

/// One state change of `record`.
#[derive(Debug, Clone, Default)]
pub struct Entry<'a> {
    /// The new state (`sending`, `sent`, `unknown`, `queued`, `failed`, `deferred`).
    pub state: &'a str,
    /// What happened (`accepted by Graph`, `found in Sent Items`, `absent after the window:
    /// resending`, the Graph error…).
    pub outcome: &'a str,
    /// The sending mailbox.
    pub mailbox: Option<&'a str>,
    /// `mime` or `draft`.
    pub path: Option<&'a str>,
    /// Graph's `request-id`.
    pub request_id: Option<&'a str>,
    /// The attempt's `client-request-id`.
    pub client_request_id: Option<&'a str>,
    /// Attempts so far.
    pub attempts: Option<u32>,
}

/// Writes `entry` for `record`.
pub fn write(record: &Record, entry: Entry<'_>) {
    tracing::info!(
        target: TARGET,
        queue_id = %record.id,
        message_id = %record.message_id,
        from = entry.mailbox.or(record.mailbox.as_deref()).unwrap_or(""),
        recipients = record.envelope.rcpt_to.len(),
        size = record.size,
        path = entry.path.or(record.path.as_deref()).unwrap_or(""),
        attempts = entry.attempts.unwrap_or(record.attempts),
        request_id = entry.request_id.or(record.request_id.as_deref()).unwrap_or(""),
        client_request_id = entry
            .client_request_id
            .or(record.client_request_id.as_deref())
            .unwrap_or(""),
        state = entry.state,
        outcome = entry.outcome,
        "delivery"
    );
}
