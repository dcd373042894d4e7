//! The sending limits in the shared database: one `sends` row per admitted send, counted
//! per mailbox under a transaction-scoped advisory lock on the mailbox, so two relays
//! admitting for the same mailbox at once are serialised and never both take the last
//! slot.
//!
//! A send is in flight from its admission until it is released (or its lease runs out:
//! its relay stopped). It counts in the rolling minute until a minute after it *ended*
//! (the answer arrived), not after it started: Exchange counts a message when it gets it,
//! somewhere between the two, so only the end bound keeps every 60 s window seen by
//! Exchange at or under the limit.

use super::connect::{failed, no_connection};
use crate::spool::limits::{MailboxLimits, SendSlot, SharedLimits};
use crate::spool::time::{from_ms, ms};
use crate::spool::SpoolError;
use chrono::{DateTime, Duration as Span, Utc};
use deadpool_postgres::Pool;
use std::time::Duration;

/// When every slot of a mailbox is taken: ask again this much later (a slot frees when a
/// send ends, which only the relay sending it sees).
const SLOT_RETRY: Span = Span::milliseconds(200);
const MINUTE_MS: i64 = 60_000;
const DAY_MS: i64 = 86_400_000;

/// The limits table of one shared spool, as seen by one relay.
#[derive(Debug, Clone)]
pub struct PostgresLimits {
    pub(super) pool: Pool,
    pub(super) relay: String,
}

/// One earlier send of the mailbox, as the admission decision needs it.
#[derive(Debug, Clone, Copy)]
struct Earlier {
    started_at: i64,
    /// When it ended: the answer, or its lease's end for a relay that stopped; `None`
    /// while it is in flight.
    ended_at: Option<i64>,
    recipients: u32,
}

/// The admission decision, on the sends of the last day: `Ok` or the time to ask again.
fn decide(
    earlier: &[Earlier],
    recipients: u32,
    limits: MailboxLimits,
    now: i64,
) -> Result<(), i64> {
    let in_flight = earlier.iter().filter(|e| e.ended_at.is_none()).count();
    if in_flight >= limits.max_concurrent.max(1) {
        return Err(now + SLOT_RETRY.num_milliseconds());
    }
    let per_minute = limits.messages_per_minute.max(1) as usize;
    // Ends of the sends still in the minute window; in flight = not ended = +inf.
    let mut ends: Vec<i64> = earlier
        .iter()
        .filter_map(|e| match e.ended_at {
            None => Some(i64::MAX),
            Some(end) if end > now - MINUTE_MS => Some(end),
            Some(_) => None,
        })
        .collect();
    if ends.len() >= per_minute {
        ends.sort_unstable();
        // The window has room once this many of them are a minute past their end.
        let end = ends[ends.len() - per_minute];
        return Err(if end == i64::MAX {
            now + SLOT_RETRY.num_milliseconds()
        } else {
            end + MINUTE_MS
        });
    }
    let limit = u64::from(limits.recipients_per_day);
    let mut day: Vec<&Earlier> = earlier
        .iter()
        .filter(|e| e.started_at > now - DAY_MS)
        .collect();
    let total: u64 = day.iter().map(|e| u64::from(e.recipients)).sum();
    // A message larger than the whole daily allowance goes once the day is empty.
    if total > 0 && total + u64::from(recipients) > limit {
        day.sort_by_key(|e| e.started_at);
        let mut left = total;
        for e in day {
            left -= u64::from(e.recipients);
            if left + u64::from(recipients) <= limit || left == 0 {
                return Err(e.started_at + DAY_MS);
            }
        }
    }
    Ok(())
}

/// `sql` prepared once per pooled connection (the statement cache).
async fn prepared(
    tx: &deadpool_postgres::Transaction<'_>,
    sql: &str,
) -> Result<tokio_postgres::Statement, SpoolError> {
    tx.prepare_cached(sql).await.map_err(failed)
}

#[async_trait::async_trait]
impl SharedLimits for PostgresLimits {
    async fn admit(
        &self,
        mailbox: &str,
        recipients: u32,
        limits: MailboxLimits,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<Result<SendSlot, DateTime<Utc>>, SpoolError> {
        let mailbox = mailbox.to_ascii_lowercase();
        let now = ms(now);
        let mut client = self.pool.get().await.map_err(no_connection)?;
        let tx = client.transaction().await.map_err(failed)?;
        tx.execute(
            &prepared(
                &tx,
                "SELECT pg_advisory_xact_lock(hashtextextended($1, 21))",
            )
            .await?,
            &[&mailbox],
        )
        .await
        .map_err(failed)?;
        let paused: Option<i64> = tx
            .query_opt(
                &prepared(
                    &tx,
                    "SELECT paused_until FROM mailbox_pauses WHERE mailbox = $1 AND paused_until > $2",
                )
                .await?,
                &[&mailbox, &now],
            )
            .await
            .map_err(failed)?
            .map(|row| row.get(0));
        if let Some(until) = paused {
            return Ok(Err(from_ms(until)));
        }
        // Sends that ended more than a day ago count for nothing any more.
        tx.execute(
            &prepared(
                &tx,
                "DELETE FROM sends WHERE mailbox = $1 AND started_at <= $2 \
                 AND COALESCE(finished_at, lease_until) <= $2",
            )
            .await?,
            &[&mailbox, &(now - DAY_MS)],
        )
        .await
        .map_err(failed)?;
        let earlier: Vec<Earlier> = tx
            .query(
                &prepared(
                    &tx,
                    "SELECT started_at, finished_at, lease_until, recipients FROM sends WHERE mailbox = $1",
                )
                .await?,
                &[&mailbox],
            )
            .await
            .map_err(failed)?
            .iter()
            .map(|row| {
                let finished: Option<i64> = row.get(1);
                let lease_until: i64 = row.get(2);
                Earlier {
                    started_at: row.get(0),
                    // A send whose relay stopped ended when its lease ran out.
                    ended_at: finished.or((lease_until <= now).then_some(lease_until)),
                    recipients: row.get::<_, i32>(3) as u32,
                }
            })
            .collect();
        if let Err(retry) = decide(&earlier, recipients, limits, now) {
            return Ok(Err(from_ms(retry)));
        }
        let lease_until = now + lease.as_millis() as i64;
        let id: i64 = tx
            .query_one(
                &prepared(
                    &tx,
                    "INSERT INTO sends (mailbox, recipients, relay, started_at, lease_until) \
                     VALUES ($1, $2, $3, $4, $5) RETURNING id",
                )
                .await?,
                &[
                    &mailbox,
                    &(recipients as i32),
                    &self.relay,
                    &now,
                    &lease_until,
                ],
            )
            .await
            .map_err(failed)?
            .get(0);
        tx.commit().await.map_err(failed)?;
        Ok(Ok(SendSlot { id }))
    }

    async fn release(&self, slot: &SendSlot, now: DateTime<Utc>) -> Result<(), SpoolError> {
        let client = self.pool.get().await.map_err(no_connection)?;
        client
            .execute(
                "UPDATE sends SET finished_at = $2 WHERE id = $1 AND finished_at IS NULL",
                &[&slot.id, &ms(now)],
            )
            .await
            .map_err(failed)?;
        Ok(())
    }

    async fn renew(
        &self,
        slots: &[i64],
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<(), SpoolError> {
        let client = self.pool.get().await.map_err(no_connection)?;
        client
            .execute(
                "UPDATE sends SET lease_until = $2 WHERE id = ANY($1) AND relay = $3 \
                 AND finished_at IS NULL AND lease_until > $4",
                &[
                    &slots,
                    &(ms(now) + lease.as_millis() as i64),
                    &self.relay,
                    &ms(now),
                ],
            )
            .await
            .map_err(failed)?;
        Ok(())
    }

    async fn pause(&self, mailbox: &str, until: DateTime<Utc>) -> Result<(), SpoolError> {
        let client = self.pool.get().await.map_err(no_connection)?;
        client
            .execute(
                "INSERT INTO mailbox_pauses (mailbox, paused_until) VALUES ($1, $2) \
                 ON CONFLICT (mailbox) DO UPDATE SET paused_until = \
                 GREATEST(mailbox_pauses.paused_until, EXCLUDED.paused_until)",
                &[&mailbox.to_ascii_lowercase(), &ms(until)],
            )
            .await
            .map_err(failed)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: MailboxLimits = MailboxLimits {
        max_concurrent: 2,
        messages_per_minute: 3,
        recipients_per_day: 10,
    };

    fn sent(started_at: i64, ended_at: Option<i64>, recipients: u32) -> Earlier {
        Earlier {
            started_at,
            ended_at,
            recipients,
        }
    }

    #[test]
    fn slots_minute_from_the_end_and_day() {
        let now = 10 * DAY_MS;
        // Two in flight: every slot taken.
        let two = [sent(now - 5, None, 1), sent(now - 4, None, 1)];
        assert_eq!(decide(&two, 1, LIMITS, now), Err(now + 200));
        // Three ended within the minute: room once the oldest end is a minute old.
        let three = [
            sent(now - 50_000, Some(now - 40_000), 1),
            sent(now - 30_000, Some(now - 20_000), 1),
            sent(now - 10_000, Some(now - 5_000), 1),
        ];
        assert_eq!(
            decide(&three, 1, LIMITS, now),
            Err(now - 40_000 + MINUTE_MS)
        );
        // Started more than a minute ago but ended within it: still counts.
        let late = [
            sent(now - 90_000, Some(now - 59_000), 1),
            sent(now - 10_000, Some(now - 5_000), 1),
        ];
        assert_eq!(decide(&late, 1, LIMITS, now), Ok(()));
        let mut full = late.to_vec();
        full.push(sent(now - 1_000, None, 1));
        assert_eq!(decide(&full, 1, LIMITS, now), Err(now - 59_000 + MINUTE_MS));
        // 9 of 10 recipients today: 2 more wait until the first sends are a day old.
        let day = [
            sent(now - DAY_MS + 1_000, Some(now - DAY_MS + 2_000), 3),
            sent(now - 3_600_000, Some(now - 3_500_000), 6),
        ];
        assert_eq!(decide(&day, 1, LIMITS, now), Ok(()));
        assert_eq!(decide(&day, 2, LIMITS, now), Err(now + 1_000));
    }
}
