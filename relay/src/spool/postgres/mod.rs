//! The spool on PostgreSQL, shared by any number of relays (issue 21).
//!
//! - Rows: the `messages` table, the same columns as the SQLite spool's plus the claim's
//!   owner. Bodies: `message_chunks` ([`body`]), written in the row's transaction.
//! - Claims: `SELECT … FOR UPDATE SKIP LOCKED` picks due messages no other relay is
//!   claiming at that moment, and the claim is a lease (`lease_owner`, `lease_until`) that
//!   the owner renews while the message is in hand. An attempt starts (`sending`) only
//!   while its claim holds, so a relay whose lease ran out never sends.
//! - A relay that dies: its leases run out; a `sending` row whose lease ran out becomes
//!   `unknown` and goes through the same check as after a crash (the Message-ID looked
//!   for in the sending mailbox's Sent Items before any resend), by whichever relay
//!   claims it next.
//! - Sending limits: [`limits`], shared by all relays.
//! - Schema: versioned migrations ([`schema`]); a relay refuses a database at another
//!   version.

pub mod body;
pub mod connect;
pub mod limits;
pub mod schema;

use super::backend::{BodyReader, SpoolBackend};
use super::limits::SharedLimits;
use super::record::{QueueId, Record, State, StateCounts, COLUMNS};
use super::time::{from_ms, ms};
use super::{Attempt, Failure, NewMessage, SpoolError};
use crate::envelope::Envelope;
use chrono::{DateTime, Utc};
use connect::{failed, no_connection};
use deadpool_postgres::Pool;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::types::ToSql;
use tokio_postgres::Row;

/// How long this relay reports the queue-wide gauges before another may take over.
const REPORTER_TERM: i64 = 60_000;

/// The shared spool, as one relay sees it. Cheap to clone.
#[derive(Debug, Clone)]
pub struct PostgresSpool {
    pool: Pool,
    /// This process's name in leases and sends: host, pid and a random part, so that a
    /// restarted relay is another owner (its predecessor's leases simply run out).
    relay: String,
    description: String,
    limits: Arc<limits::PostgresLimits>,
}

impl PostgresSpool {
    /// Connects to `url` (TLS against `ca_file`'s certificates when given) without
    /// checking the schema (for `migrate`).
    pub fn connect(url: &str, ca_file: Option<&Path>) -> Result<PostgresSpool, SpoolError> {
        let pool = connect::pool(url, ca_file)?;
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "relay".to_string());
        let relay = format!(
            "{host}/{}/{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        Ok(PostgresSpool {
            limits: Arc::new(limits::PostgresLimits {
                pool: pool.clone(),
                relay: relay.clone(),
            }),
            pool,
            relay,
            description: connect::describe(url),
        })
    }

    /// Connects and checks that the database is at this relay's schema version.
    pub async fn open(url: &str, ca_file: Option<&Path>) -> Result<PostgresSpool, SpoolError> {
        let spool = PostgresSpool::connect(url, ca_file)?;
        schema::check(&spool.pool).await?;
        Ok(spool)
    }

    /// Applies the missing schema migrations; returns the versions applied.
    pub async fn migrate(&self) -> Result<Vec<i32>, SpoolError> {
        schema::migrate(&self.pool).await
    }

    /// This relay's name in leases (`host/pid/random`).
    pub fn relay(&self) -> &str {
        &self.relay
    }

    async fn client(&self) -> Result<deadpool_postgres::Object, SpoolError> {
        self.pool.get().await.map_err(no_connection)
    }

    // Statements are prepared once per pooled connection (deadpool's statement cache):
    // the spool runs a handful of them over and over.
    async fn execute(&self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64, SpoolError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await.map_err(failed)?;
        client.execute(&statement, params).await.map_err(failed)
    }

    async fn query(
        &self,
        sql: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Vec<Row>, SpoolError> {
        let client = self.client().await?;
        let statement = client.prepare_cached(sql).await.map_err(failed)?;
        client.query(&statement, params).await.map_err(failed)
    }

    /// Runs `update` (whose `$1` is the id and whose `WHERE` ends with `AND state = ANY($2)`)
    /// and explains a change that did not apply: no such message, or not in a state it
    /// applies to.
    async fn transition(
        &self,
        id: &QueueId,
        from: &[State],
        update: &str,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<(), SpoolError> {
        let states: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
        let mut all: Vec<&(dyn ToSql + Sync)> = vec![&id.0, &states];
        all.extend_from_slice(params);
        if self.execute(update, &all).await? == 1 {
            return Ok(());
        }
        Err(self.why_not(id, from).await)
    }

    /// Why a change to `id` from one of the states `from` did not apply: no such message,
    /// another state, or (in one of them) the claim or attempt is another relay's.
    async fn why_not(&self, id: &QueueId, from: &[State]) -> SpoolError {
        match self.get(id).await {
            Ok(record) if from.contains(&record.state) => SpoolError::NotClaimed(id.to_string()),
            Ok(record) => SpoolError::WrongState {
                id: id.to_string(),
                state: record.state,
            },
            Err(e) => e,
        }
    }

    /// `sending` rows whose relay's lease ran out (it stopped, stalled or lost the
    /// database) become `unknown`, due at once: the check itself waits for `window`
    /// after the attempt before any resend.
    async fn reclaim(&self, now: i64) -> Result<usize, SpoolError> {
        let n = self
            .execute(
                "UPDATE messages SET state = 'unknown', unknown_since = COALESCE(unknown_since, updated_at), \
                 next_attempt_at = $1, last_error = 'interrupted: the relay sending it stopped (its lease ran out)', \
                 lease_until = 0, lease_owner = NULL, updated_at = $1 \
                 WHERE state = 'sending' AND lease_until <= $1",
                &[&now],
            )
            .await?;
        Ok(n as usize)
    }
}

fn lease_end(now: DateTime<Utc>, lease: Duration) -> i64 {
    ms(now) + lease.as_millis() as i64
}

fn record(row: &Row) -> Record {
    let rcpt: String = row.get("rcpt_to");
    let state: String = row.get("state");
    let client_addr: Option<String> = row.get("client_addr");
    Record {
        id: QueueId(row.get("id")),
        envelope: Envelope {
            mail_from: row.get("mail_from"),
            rcpt_to: serde_json::from_str(&rcpt).unwrap_or_default(),
            smtp_user: row.get("smtp_user"),
            client_addr: client_addr.and_then(|a| a.parse().ok()),
            mailbox: row.get("envelope_mailbox"),
        },
        message_id: row.get("message_id"),
        message_id_added: row.get("message_id_added"),
        header_from: row.get("header_from"),
        subject: row.get("subject"),
        size: row.get::<_, i64>("size") as u64,
        state: state.parse().unwrap_or(State::Failed),
        attempts: row.get::<_, i32>("attempts") as u32,
        created_at: from_ms(row.get("created_at")),
        next_attempt_at: from_ms(row.get("next_attempt_at")),
        unknown_since: row.get::<_, Option<i64>>("unknown_since").map(from_ms),
        mailbox: row.get("mailbox"),
        path: row.get("path"),
        last_error: row.get("last_error"),
        request_id: row.get("request_id"),
        client_request_id: row.get("client_request_id"),
        updated_at: from_ms(row.get("updated_at")),
    }
}

#[async_trait::async_trait]
impl SpoolBackend for PostgresSpool {
    fn describe(&self) -> String {
        self.description.clone()
    }

    fn durable_files(&self) -> bool {
        // The file is copied into the database, whose commit is what makes it durable.
        false
    }

    async fn queue_file(
        &self,
        incoming: PathBuf,
        message: NewMessage,
    ) -> Result<QueueId, SpoolError> {
        let NewMessage {
            envelope,
            summary,
            message_id,
            message_id_added: added,
            size,
            accepted_at,
        } = message;
        let id = QueueId::new();
        let now = ms(accepted_at);
        let rcpt = serde_json::to_string(&envelope.rcpt_to).expect("strings serialize");
        let client_addr = envelope.client_addr.map(|a| a.to_string());
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(failed)?;
        let insert = tx
            .prepare_cached(
                "INSERT INTO messages (id, message_id, message_id_added, mail_from, rcpt_to, \
                 smtp_user, client_addr, envelope_mailbox, header_from, subject, size, state, \
                 created_at, next_attempt_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'queued', $12, $12, $12)",
            )
            .await
            .map_err(failed)?;
        tx.execute(
            &insert,
            &[
                &id.0,
                &message_id,
                &added,
                &envelope.mail_from,
                &rcpt,
                &envelope.smtp_user,
                &client_addr,
                &envelope.mailbox,
                &summary.from,
                &summary.subject,
                &(size as i64),
                &now,
            ],
        )
        .await
        .map_err(failed)?;
        body::store(&tx, &id.0, &incoming).await?;
        tx.commit().await.map_err(failed)?;
        let _ = tokio::fs::remove_file(&incoming).await;
        Ok(id)
    }

    async fn get(&self, id: &QueueId) -> Result<Record, SpoolError> {
        self.query(
            &format!("SELECT {COLUMNS} FROM messages WHERE id = $1"),
            &[&id.0],
        )
        .await?
        .first()
        .map(record)
        .ok_or_else(|| SpoolError::NotFound(id.to_string()))
    }

    async fn list(&self, states: &[State], limit: usize) -> Result<Vec<Record>, SpoolError> {
        let states: Vec<&str> = if states.is_empty() {
            State::ALL.iter().map(|s| s.as_str()).collect()
        } else {
            states.iter().map(|s| s.as_str()).collect()
        };
        let rows = self
            .query(
                &format!(
                    "SELECT {COLUMNS} FROM messages WHERE state = ANY($1) \
                     ORDER BY created_at, id LIMIT $2"
                ),
                &[&states, &(limit.min(i64::MAX as usize) as i64)],
            )
            .await?;
        Ok(rows.iter().map(record).collect())
    }

    async fn counts(&self) -> Result<StateCounts, SpoolError> {
        let rows = self
            .query("SELECT state, COUNT(*) FROM messages GROUP BY state", &[])
            .await?;
        let mut counts = StateCounts::default();
        for row in rows {
            let state: String = row.get(0);
            if let Ok(state) = state.parse::<State>() {
                *counts.slot(state) = row.get::<_, i64>(1) as u64;
            }
        }
        Ok(counts)
    }

    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<Record>, SpoolError> {
        self.reclaim(ms(now)).await?;
        let rows = self
            .query(
                &format!(
                    "WITH due AS (SELECT id FROM messages \
                     WHERE state IN ('queued', 'unknown') AND next_attempt_at <= $1 AND lease_until <= $1 \
                     ORDER BY next_attempt_at, created_at LIMIT $2 FOR UPDATE SKIP LOCKED) \
                     UPDATE messages m SET lease_until = $3, lease_owner = $4 FROM due WHERE m.id = due.id \
                     RETURNING {}",
                    COLUMNS
                        .split(", ")
                        .map(|c| format!("m.{c}"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                &[
                    &ms(now),
                    &(limit.min(i64::MAX as usize) as i64),
                    &lease_end(now, lease),
                    &self.relay,
                ],
            )
            .await?;
        let mut claimed: Vec<Record> = rows.iter().map(record).collect();
        claimed.sort_by(|a, b| {
            (a.next_attempt_at, a.created_at).cmp(&(b.next_attempt_at, b.created_at))
        });
        Ok(claimed)
    }

    async fn renew(
        &self,
        ids: &[QueueId],
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<(), SpoolError> {
        let ids: Vec<&str> = ids.iter().map(QueueId::as_str).collect();
        if !ids.is_empty() {
            self.execute(
                "UPDATE messages SET lease_until = $2 WHERE id = ANY($1) AND lease_owner = $3 \
                 AND state IN ('queued', 'unknown', 'sending') AND lease_until > $4",
                &[&ids, &lease_end(now, lease), &self.relay, &ms(now)],
            )
            .await?;
        }
        Ok(())
    }

    async fn next_due(&self) -> Result<Option<DateTime<Utc>>, SpoolError> {
        // Over the due index, past the few messages in hand: a message whose claim ran out
        // without a change (its relay stopped) and an abandoned attempt are found by the
        // claim at the next poll (`poll_interval` bounds every wait).
        let rows = self
            .query(
                "SELECT MIN(next_attempt_at) FROM messages \
                 WHERE state IN ('queued', 'unknown') AND lease_until = 0",
                &[],
            )
            .await?;
        Ok(rows[0].get::<_, Option<i64>>(0).map(from_ms))
    }

    async fn mark_sending(
        &self,
        id: &QueueId,
        attempt: Attempt,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        // Only while this relay's claim holds: a claim that ran out may already be
        // another relay's, which may be sending it.
        self.transition(
            id,
            &[State::Queued],
            "UPDATE messages SET state = 'sending', attempts = attempts + 1, mailbox = $3, \
             path = $4, client_request_id = $5, request_id = NULL, updated_at = $6 \
             WHERE id = $1 AND state = ANY($2) AND lease_owner = $7 AND lease_until > $6",
            &[
                &attempt.mailbox,
                &attempt.path,
                &attempt.client_request_id,
                &ms(now),
                &self.relay,
            ],
        )
        .await
    }

    async fn mark_sent(
        &self,
        id: &QueueId,
        request_id: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        let mut client = self.client().await?;
        let tx = client.transaction().await.map_err(failed)?;
        let states = ["sending", "unknown", "queued"];
        let n = tx
            .execute(
                "UPDATE messages SET state = 'sent', request_id = COALESCE($3, request_id), \
                 unknown_since = NULL, last_error = NULL, lease_until = 0, lease_owner = NULL, \
                 updated_at = $4 WHERE id = $1 AND state = ANY($2)",
                &[&id.0, &&states[..], &request_id, &ms(now)],
            )
            .await
            .map_err(failed)?;
        if n == 0 {
            drop(tx);
            return Err(self.why_not(id, &[]).await);
        }
        tx.execute("DELETE FROM message_chunks WHERE id = $1", &[&id.0])
            .await
            .map_err(failed)?;
        tx.commit().await.map_err(failed)
    }

    // An outcome from `sending` is recorded only by the relay whose attempt it is: a relay
    // that stalled past its lease must not overwrite the attempt of the relay that took
    // the message over (its late answer is about its own attempt, which the check finds).
    async fn mark_unknown(
        &self,
        id: &QueueId,
        next_check: DateTime<Utc>,
        error: String,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        self.transition(
            id,
            &[State::Sending, State::Unknown],
            "UPDATE messages SET state = 'unknown', unknown_since = COALESCE(unknown_since, $4), \
             next_attempt_at = $3, last_error = $5, lease_until = 0, lease_owner = NULL, updated_at = $4 \
             WHERE id = $1 AND state = ANY($2) AND (state <> 'sending' OR lease_owner = $6)",
            &[&ms(next_check), &ms(now), &error, &self.relay],
        )
        .await
    }

    async fn mark_retry(
        &self,
        id: &QueueId,
        next_attempt_at: DateTime<Utc>,
        failure: Failure,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        self.transition(
            id,
            &[State::Sending, State::Unknown, State::Queued],
            "UPDATE messages SET state = 'queued', unknown_since = NULL, next_attempt_at = $3, \
             last_error = $4, request_id = COALESCE($5, request_id), lease_until = 0, lease_owner = NULL, \
             updated_at = $6 WHERE id = $1 AND state = ANY($2) AND (state <> 'sending' OR lease_owner = $7)",
            &[
                &ms(next_attempt_at),
                &failure.error,
                &failure.request_id,
                &ms(now),
                &self.relay,
            ],
        )
        .await
    }

    async fn mark_absent(
        &self,
        id: &QueueId,
        next_attempt_at: DateTime<Utc>,
        error: String,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        // The check must have been this relay's, under a claim that still holds: a
        // relay whose claim ran out may be looking at a message another relay resent.
        self.transition(
            id,
            &[State::Unknown],
            "UPDATE messages SET state = 'queued', unknown_since = NULL, next_attempt_at = $3, \
             last_error = $4, lease_until = 0, lease_owner = NULL, updated_at = $5 \
             WHERE id = $1 AND state = ANY($2) AND lease_owner = $6",
            &[&ms(next_attempt_at), &error, &ms(now), &self.relay],
        )
        .await
    }

    async fn mark_failed(
        &self,
        id: &QueueId,
        failure: Failure,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        self.transition(
            id,
            &[State::Sending, State::Unknown, State::Queued],
            "UPDATE messages SET state = 'failed', unknown_since = NULL, last_error = $3, \
             request_id = COALESCE($4, request_id), lease_until = 0, lease_owner = NULL, updated_at = $5 \
             WHERE id = $1 AND state = ANY($2) AND (state <> 'sending' OR lease_owner = $6)",
            &[&failure.error, &failure.request_id, &ms(now), &self.relay],
        )
        .await
    }

    async fn defer(&self, id: &QueueId, next_attempt_at: DateTime<Utc>) -> Result<(), SpoolError> {
        self.transition(
            id,
            &[State::Queued, State::Unknown],
            "UPDATE messages SET next_attempt_at = $3, lease_until = 0, lease_owner = NULL \
             WHERE id = $1 AND state = ANY($2) AND lease_owner = $4",
            &[&ms(next_attempt_at), &self.relay],
        )
        .await
    }

    async fn recover(&self, now: DateTime<Utc>, _grace: Duration) -> Result<usize, SpoolError> {
        // Other relays' `sending` rows are theirs while their leases hold.
        self.reclaim(ms(now)).await
    }

    async fn retry_now(&self, id: &QueueId, now: DateTime<Utc>) -> Result<State, SpoolError> {
        let record = self.get(id).await?;
        let now = ms(now);
        let changed = match record.state {
            State::Queued | State::Failed => {
                self.execute(
                    "UPDATE messages SET state = 'queued', next_attempt_at = $2, lease_until = 0, \
                     lease_owner = NULL, updated_at = $2 WHERE id = $1 AND state IN ('queued', 'failed')",
                    &[&id.0, &now],
                )
                .await?
            }
            State::Unknown => {
                self.execute(
                    "UPDATE messages SET next_attempt_at = $2, updated_at = $2 \
                     WHERE id = $1 AND state = 'unknown'",
                    &[&id.0, &now],
                )
                .await?
            }
            state => {
                return Err(SpoolError::WrongState {
                    id: id.to_string(),
                    state,
                })
            }
        };
        if changed == 0 {
            return Err(self.why_not(id, &[]).await);
        }
        Ok(match record.state {
            State::Unknown => State::Unknown,
            _ => State::Queued,
        })
    }

    async fn delete(&self, id: &QueueId) -> Result<(), SpoolError> {
        let n = self
            .execute(
                "DELETE FROM messages WHERE id = $1 AND state != 'sending'",
                &[&id.0],
            )
            .await?;
        if n == 0 {
            return Err(self.why_not(id, &[]).await);
        }
        Ok(())
    }

    async fn prune(&self, before: DateTime<Utc>) -> Result<usize, SpoolError> {
        let n = self
            .execute(
                "DELETE FROM messages WHERE state = 'sent' AND updated_at < $1",
                &[&ms(before)],
            )
            .await?;
        Ok(n as usize)
    }

    async fn open_body(&self, id: &QueueId) -> Result<BodyReader, SpoolError> {
        body::open(&self.pool, &id.0).await
    }

    fn shared_limits(&self) -> Option<Arc<dyn SharedLimits>> {
        Some(self.limits.clone())
    }

    async fn reports_queue(&self, now: DateTime<Utc>) -> Result<bool, SpoolError> {
        let now = ms(now);
        let taken = self
            .query(
                "INSERT INTO queue_reporter (singleton, relay, until) VALUES (TRUE, $1, $2) \
                 ON CONFLICT (singleton) DO UPDATE SET relay = EXCLUDED.relay, until = EXCLUDED.until \
                 WHERE queue_reporter.relay = EXCLUDED.relay OR queue_reporter.until <= $3 \
                 RETURNING relay",
                &[&self.relay, &(now + REPORTER_TERM), &now],
            )
            .await?;
        Ok(!taken.is_empty())
    }
}
