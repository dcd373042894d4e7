//! Sending limits shared by every relay on one spool: per-mailbox concurrency, messages
//! per rolling minute and recipients per rolling day, counted in the shared database so
//! that N relays together never send more than one relay would.

use super::SpoolError;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// The limits of one sending mailbox (the relay's `[delivery]` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MailboxLimits {
    /// Sends in flight at once.
    pub max_concurrent: usize,
    /// Sends started in any rolling minute.
    pub messages_per_minute: u32,
    /// Recipients in any rolling 24 hours.
    pub recipients_per_day: u32,
}

/// One admitted send: counts as in flight until [`SharedLimits::release`]d (or until its
/// lease runs out: its relay stopped, or abandoned it without a release), and in the minute
/// window until a minute after that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendSlot {
    /// The slot's row.
    pub id: i64,
}

/// Limits kept in the shared spool database.
#[async_trait::async_trait]
pub trait SharedLimits: Send + Sync + std::fmt::Debug {
    /// Admits one send of `recipients` recipients from `mailbox` at `now`: a slot (held
    /// for `lease` unless renewed), or `Err` with the earliest time to ask again.
    async fn admit(
        &self,
        mailbox: &str,
        recipients: u32,
        limits: MailboxLimits,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Result<SendSlot, DateTime<Utc>>, SpoolError>;

    /// The send of `slot` is over (answered, failed or abandoned) at `now`.
    async fn release(&self, slot: &SendSlot, now: DateTime<Utc>) -> Result<(), SpoolError>;

    /// Extends the leases of `slots` (this process's sends still in flight) to
    /// `now + lease`; a slot not listed (its send was abandoned) ends with its lease.
    async fn renew(
        &self,
        slots: &[i64],
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<(), SpoolError>;

    /// Holds every send of `mailbox` until `until`, on every relay (Exchange blocked it).
    async fn pause(&self, mailbox: &str, until: DateTime<Utc>) -> Result<(), SpoolError>;
}
