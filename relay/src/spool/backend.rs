//! The interface a spool database implements: rows, bodies, claims and leases.

use super::limits::SharedLimits;
use super::record::{QueueId, Record, State, StateCounts};
use super::{Attempt, Failure, NewMessage, SpoolError};
use chrono::{DateTime, Utc};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncRead;

/// A message's bytes as the backend streams them.
pub type BodyReader = Box<dyn AsyncRead + Send + Unpin + 'static>;

/// Where the spool's rows and bodies live. [`Spool`](super::Spool) holds one and adds
/// what is the same for every backend (receiving into `incoming/`, the Message-ID prefix,
/// waking the workers). The methods mirror [`Spool`](super::Spool)'s, which documents
/// them; every change is durable when it returns `Ok`.
#[async_trait::async_trait]
pub trait SpoolBackend: Send + Sync + std::fmt::Debug {
    /// Where the spool is, for logs (`sqlite:/var/spool/msgraph-relay`,
    /// `postgres://db1:5432/relay`; never a password).
    fn describe(&self) -> String;

    /// Whether a received file must be fsynced before [`queue_file`](Self::queue_file)
    /// (it becomes the stored body) or not (the backend copies it into its own storage).
    fn durable_files(&self) -> bool;

    /// Stores the received file `incoming` (complete, closed) as a new `queued` message;
    /// the file is gone (moved or copied and removed) once this returns `Ok`.
    async fn queue_file(
        &self,
        incoming: PathBuf,
        message: NewMessage,
    ) -> Result<QueueId, SpoolError>;

    /// One message.
    async fn get(&self, id: &QueueId) -> Result<Record, SpoolError>;

    /// Messages in `states` (all when empty), oldest first, at most `limit`.
    async fn list(&self, states: &[State], limit: usize) -> Result<Vec<Record>, SpoolError>;

    /// Messages per state.
    async fn counts(&self) -> Result<StateCounts, SpoolError>;

    /// Claims due messages for `lease`.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<Record>, SpoolError>;

    /// Extends this process's claims on `ids`. A backend whose claims cannot be taken by
    /// another process while this one lives (SQLite) needs nothing.
    async fn renew(
        &self,
        ids: &[QueueId],
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<(), SpoolError>;

    /// The earliest time something is due.
    async fn next_due(&self) -> Result<Option<DateTime<Utc>>, SpoolError>;

    /// `queued` → `sending`.
    async fn mark_sending(
        &self,
        id: &QueueId,
        attempt: Attempt,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError>;

    /// → `sent`; the body is removed.
    async fn mark_sent(
        &self,
        id: &QueueId,
        request_id: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError>;

    /// → `unknown`, checked at `next_check`.
    async fn mark_unknown(
        &self,
        id: &QueueId,
        next_check: DateTime<Utc>,
        error: String,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError>;

    /// → `queued` at `next_attempt_at`.
    async fn mark_retry(
        &self,
        id: &QueueId,
        next_attempt_at: DateTime<Utc>,
        failure: Failure,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError>;

    /// `unknown` → `queued` at `next_attempt_at`.
    async fn mark_absent(
        &self,
        id: &QueueId,
        next_attempt_at: DateTime<Utc>,
        error: String,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError>;

    /// → `failed`.
    async fn mark_failed(
        &self,
        id: &QueueId,
        failure: Failure,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError>;

    /// Releases the claim until `next_attempt_at`, without an attempt.
    async fn defer(&self, id: &QueueId, next_attempt_at: DateTime<Utc>) -> Result<(), SpoolError>;

    /// Interrupted attempts become `unknown` (see [`Spool::recover`](super::Spool::recover)).
    async fn recover(&self, now: DateTime<Utc>, grace: Duration) -> Result<usize, SpoolError>;

    /// `queue retry`.
    async fn retry_now(&self, id: &QueueId, now: DateTime<Utc>) -> Result<State, SpoolError>;

    /// `queue delete`.
    async fn delete(&self, id: &QueueId) -> Result<(), SpoolError>;

    /// Removes the rows of messages sent before `before`.
    async fn prune(&self, before: DateTime<Utc>) -> Result<usize, SpoolError>;

    /// The stored bytes of a message (without the added Message-ID).
    async fn open_body(&self, id: &QueueId) -> Result<BodyReader, SpoolError>;

    /// The sending limits shared by every relay on this spool; `None` when only this
    /// process sends from it (its own pacer is enough).
    fn shared_limits(&self) -> Option<Arc<dyn SharedLimits>> {
        None
    }

    /// Whether this process reports the queue-wide gauges on `/metrics` (one relay of
    /// several does, so that a sum over relays counts the shared queue once).
    async fn reports_queue(&self, _now: DateTime<Utc>) -> Result<bool, SpoolError> {
        Ok(true)
    }
}
