//! The spool on SQLite (bundled), one relay's directory:
//! - `spool.sqlite3`: one row per message (envelope, Message-ID, state, attempts, …) with
//!   WAL and `synchronous=FULL`, so a committed row survives a crash or power loss;
//! - `messages/<queue id>.eml`: the message as received (CRLF line endings), fsynced (file
//!   and directory) *before* its row is inserted, so a row always has its file; a file
//!   without a row (a crash between the two) is removed by `recover`.
//!
//! Group commit: every change goes through one writer thread (`writer`), which commits
//! the changes waiting for it together (one fsync of `messages/`, one SQLite transaction)
//! and answers each only after that commit, so concurrent submissions share the fsyncs
//! without weakening what `250` promises. A `sending` row found by `recover` was
//! interrupted by a crash and becomes `unknown`.

use super::backend::{BodyReader, SpoolBackend};
use super::record::{QueueId, Record, State, StateCounts, COLUMNS};
use super::time::{from_ms, ms};
use super::writer::Writer;
use super::{Attempt, Failure, NewMessage, SpoolError};
use crate::envelope::Envelope;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS messages (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    message_id_added INTEGER NOT NULL,
    mail_from TEXT NOT NULL,
    rcpt_to TEXT NOT NULL,
    smtp_user TEXT,
    client_addr TEXT,
    envelope_mailbox TEXT,
    header_from TEXT,
    subject TEXT,
    size INTEGER NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    unknown_since INTEGER,
    mailbox TEXT,
    path TEXT,
    last_error TEXT,
    request_id TEXT,
    client_request_id TEXT,
    lease_until INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_due ON messages (state, next_attempt_at);
";

/// The SQLite spool backend. Cheap to clone; every clone is the same spool. Several
/// processes (the `serve` daemon and `sendmail` commands) may open the same directory.
#[derive(Debug, Clone)]
pub struct SqliteSpool {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dir: PathBuf,
    /// For reads; every change goes through `writer` (on its own connection), so reads
    /// never wait for a commit's fsync (WAL).
    db: Mutex<Connection>,
    writer: Writer,
}

/// Most attempts at setting up a spool database that other processes are setting up at
/// the same moment.
const SET_UP_TRIES: u32 = 100;

/// A connection to the spool database, set up: WAL and the schema. Processes started
/// together on a new spool (several `sendmail`) do this at once. The schema goes in an
/// `IMMEDIATE` transaction, which takes the write lock first and so waits for it (the busy
/// timeout); switching to WAL can still find the database locked without waiting, so a
/// set-up that finds it locked is tried again.
fn set_up(dir: &Path) -> Result<Connection, SpoolError> {
    let mut tries = 0;
    loop {
        let attempt = connect(dir).and_then(|db| {
            db.execute_batch(&format!("BEGIN IMMEDIATE;\n{SCHEMA}\nCOMMIT;"))?;
            Ok(db)
        });
        match attempt {
            Err(SpoolError::Database(e)) if locked(&e) && tries < SET_UP_TRIES => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

fn locked(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
    )
}

/// A connection to the spool database: WAL + FULL, so a commit is on disk when it returns
/// and readers never block the writer.
fn connect(dir: &Path) -> Result<Connection, SpoolError> {
    let db = Connection::open(dir.join("spool.sqlite3"))?;
    // Other processes (`sendmail`, `queue`) may be writing the same spool.
    db.busy_timeout(Duration::from_secs(30))?;
    db.pragma_update(None, "journal_mode", "WAL")?;
    db.pragma_update(None, "synchronous", "FULL")?;
    Ok(db)
}

impl SqliteSpool {
    /// Opens (creating if needed) the spool in `dir`. `message_id_domain` is the right-hand
    /// side of the Message-IDs the relay adds to messages that have none.
    pub fn open(dir: impl AsRef<Path>) -> Result<SqliteSpool, SpoolError> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(dir.join("messages"))?;
        let db = set_up(&dir)?;
        let writer = Writer::start(connect(&dir)?, dir.join("messages"))?;
        Ok(SqliteSpool {
            inner: Arc::new(Inner {
                dir,
                db: Mutex::new(db),
                writer,
            }),
        })
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.inner.db.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn body_file(&self, id: &QueueId) -> PathBuf {
        self.inner.dir.join("messages").join(format!("{id}.eml"))
    }

    fn get_sync(&self, id: &QueueId) -> Result<Record, SpoolError> {
        self.db()
            .query_row(
                &format!("SELECT {COLUMNS} FROM messages WHERE id = ?1"),
                [id.as_str()],
                record,
            )
            .optional()?
            .ok_or_else(|| SpoolError::NotFound(id.to_string()))
    }

    /// Changes one message if its state is one of `from`.
    async fn transition<F>(
        &self,
        id: &QueueId,
        from: &'static [State],
        change: F,
    ) -> Result<(), SpoolError>
    where
        F: FnOnce(&Connection, &str) -> rusqlite::Result<usize> + Send + 'static,
    {
        let id = id.clone();
        self.inner
            .writer
            .write(false, move |tx| {
                let state: Option<String> = tx
                    .query_row(
                        "SELECT state FROM messages WHERE id = ?1",
                        [id.as_str()],
                        |r| r.get(0),
                    )
                    .optional()?;
                let state: State = state
                    .ok_or_else(|| SpoolError::NotFound(id.to_string()))?
                    .parse()
                    .map_err(|_| SpoolError::NotFound(id.to_string()))?;
                if !from.contains(&state) {
                    return Err(SpoolError::WrongState {
                        id: id.to_string(),
                        state,
                    });
                }
                change(tx, id.as_str())?;
                Ok(())
            })
            .await
    }

    fn remove_orphans(&self) -> Result<(), SpoolError> {
        let old = |path: &Path| super::is_old(path);
        for entry in std::fs::read_dir(self.inner.dir.join("messages"))? {
            let path = entry?.path();
            let Some(id) = path
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(QueueId::parse)
            else {
                continue;
            };
            if old(&path) && matches!(self.get_sync(&id), Err(SpoolError::NotFound(_))) {
                let _ = std::fs::remove_file(&path);
            }
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl SpoolBackend for SqliteSpool {
    fn describe(&self) -> String {
        format!("sqlite:{}", self.inner.dir.display())
    }

    fn durable_files(&self) -> bool {
        // The received file becomes the stored body.
        true
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
        let body = self.body_file(&id);
        // Renamed here, in parallel with other messages; the writer makes the rename
        // durable (one fsync of `messages/` per batch) before it commits the row.
        tokio::fs::rename(&incoming, &body).await?;
        // Should the commit fail, the file stays behind without a row: `recover` removes
        // such orphans (a crash here leaves the same).
        self.inner
            .writer
            .write(true, move |db| {
                let now = ms(accepted_at);
                let rcpt = serde_json::to_string(&envelope.rcpt_to).expect("strings serialize");
                db.execute(
                    "INSERT INTO messages (id, message_id, message_id_added, mail_from, rcpt_to, \
                 smtp_user, client_addr, envelope_mailbox, header_from, subject, size, state, \
                 created_at, next_attempt_at, updated_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'queued', ?12, ?12, ?12)",
                    params![
                        id.as_str(),
                        message_id,
                        added,
                        envelope.mail_from,
                        rcpt,
                        envelope.smtp_user,
                        envelope.client_addr.map(|a| a.to_string()),
                        envelope.mailbox,
                        summary.from,
                        summary.subject,
                        size as i64,
                        now
                    ],
                )?;
                Ok(id)
            })
            .await
    }

    /// One message.
    async fn get(&self, id: &QueueId) -> Result<Record, SpoolError> {
        let spool = self.clone();
        let id = id.clone();
        blocking(move || spool.get_sync(&id)).await
    }

    /// Messages in the given states (all when empty), oldest first, at most `limit`.
    async fn list(&self, states: &[State], limit: usize) -> Result<Vec<Record>, SpoolError> {
        let spool = self.clone();
        let states: Vec<&'static str> = states.iter().map(|s| s.as_str()).collect();
        blocking(move || {
            let db = spool.db();
            let filter = if states.is_empty() {
                String::new()
            } else {
                let list: Vec<String> = states.iter().map(|s| format!("'{s}'")).collect();
                format!("WHERE state IN ({})", list.join(","))
            };
            let mut statement = db.prepare(&format!(
                "SELECT {COLUMNS} FROM messages {filter} ORDER BY created_at, id LIMIT ?1"
            ))?;
            let rows = statement.query_map([limit as i64], record)?;
            Ok(rows.collect::<Result<Vec<_>, _>>()?)
        })
        .await
    }

    /// How many messages are in each state.
    async fn counts(&self) -> Result<StateCounts, SpoolError> {
        let spool = self.clone();
        blocking(move || {
            let db = spool.db();
            let mut statement =
                db.prepare("SELECT state, COUNT(*) FROM messages GROUP BY state")?;
            let mut counts = StateCounts::default();
            let rows = statement.query_map([], |row| {
                Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
            })?;
            for row in rows {
                let (state, n) = row?;
                if let Ok(state) = state.parse::<State>() {
                    *counts.slot(state) = n as u64;
                }
            }
            Ok(counts)
        })
        .await
    }

    /// Claims up to `limit` messages that are due at `now` (queued, or unknown and due for
    /// their check) and not claimed by anyone else, for `lease`: the claim ends with the
    /// next state change or when the lease runs out. Oldest due first.
    async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<Record>, SpoolError> {
        self.inner
            .writer
            .write(false, move |tx| {
                let ids: Vec<String> = {
                    let mut statement = tx.prepare(
                        "SELECT id FROM messages WHERE state IN ('queued', 'unknown') \
                     AND next_attempt_at <= ?1 AND lease_until <= ?1 \
                     ORDER BY next_attempt_at, created_at LIMIT ?2",
                    )?;
                    let rows = statement.query_map(params![ms(now), limit as i64], |r| r.get(0))?;
                    rows.collect::<Result<_, _>>()?
                };
                let until = ms(now) + lease.as_millis() as i64;
                let mut claimed = Vec::with_capacity(ids.len());
                for id in &ids {
                    tx.execute(
                        "UPDATE messages SET lease_until = ?2 WHERE id = ?1",
                        params![id, until],
                    )?;
                    claimed.push(tx.query_row(
                        &format!("SELECT {COLUMNS} FROM messages WHERE id = ?1"),
                        [id],
                        record,
                    )?);
                }
                Ok(claimed)
            })
            .await
    }

    async fn renew(
        &self,
        ids: &[QueueId],
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<(), SpoolError> {
        if ids.is_empty() {
            return Ok(());
        }
        // Keeps `sendmail --direct` in another process off the messages `serve` holds.
        let ids: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
        let until = ms(now) + lease.as_millis() as i64;
        self.inner
            .writer
            .write(false, move |db| {
                let mut statement = db.prepare(
                    "UPDATE messages SET lease_until = ?2 WHERE id = ?1 AND lease_until > ?3 \
                     AND state IN ('queued', 'unknown', 'sending')",
                )?;
                for id in &ids {
                    statement.execute(params![id, until, ms(now)])?;
                }
                Ok(())
            })
            .await
    }

    /// The earliest time something is due (queued or unknown), if anything is.
    async fn next_due(&self) -> Result<Option<DateTime<Utc>>, SpoolError> {
        let spool = self.clone();
        blocking(move || {
            let next: Option<i64> = spool.db().query_row(
                "SELECT MIN(MAX(next_attempt_at, lease_until)) FROM messages \
                 WHERE state IN ('queued', 'unknown')",
                [],
                |r| r.get(0),
            )?;
            Ok(next.map(from_ms))
        })
        .await
    }

    /// An attempt starts: `sending`, written before the request leaves so that a crash
    /// during it is found by [`recover`](Self::recover).
    async fn mark_sending(
        &self,
        id: &QueueId,
        attempt: Attempt,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        let Attempt {
            mailbox,
            path,
            client_request_id: crid,
        } = attempt;
        // Only from `queued`: an `unknown` message is sent again only after the check
        // proved it absent (which makes it `queued`), never by a claim that predates it.
        self.transition(id, &[State::Queued], move |db, id| {
            db.execute(
                "UPDATE messages SET state = 'sending', attempts = attempts + 1, mailbox = ?2, \
                 path = ?3, client_request_id = ?4, request_id = NULL, updated_at = ?5 WHERE id = ?1",
                params![id, mailbox, path, crid, ms(now)],
            )
        })
        .await
    }

    /// Graph took it (or it was found in the sending mailbox). The body file is removed;
    /// the row stays for the log until [`prune`](Self::prune).
    async fn mark_sent(
        &self,
        id: &QueueId,
        request_id: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        self.transition(id, &[State::Sending, State::Unknown, State::Queued], move |db, id| {
            db.execute(
                "UPDATE messages SET state = 'sent', request_id = COALESCE(?2, request_id), \
                 unknown_since = NULL, last_error = NULL, lease_until = 0, updated_at = ?3 WHERE id = ?1",
                params![id, request_id, ms(now)],
            )
        })
        .await?;
        match tokio::fs::remove_file(self.body_file(id)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// The attempt's outcome is unknown: check the sending mailbox at `next_check`.
    async fn mark_unknown(
        &self,
        id: &QueueId,
        next_check: DateTime<Utc>,
        error: String,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        self.transition(id, &[State::Sending, State::Unknown], move |db, id| {
            db.execute(
                "UPDATE messages SET state = 'unknown', unknown_since = COALESCE(unknown_since, ?3), \
                 next_attempt_at = ?2, last_error = ?4, lease_until = 0, updated_at = ?3 WHERE id = ?1",
                params![id, ms(next_check), ms(now), error],
            )
        })
        .await
    }

    /// Try again at `next_attempt_at` (a transient failure, or an unknown outcome proven
    /// absent from the sending mailbox).
    async fn mark_retry(
        &self,
        id: &QueueId,
        next_attempt_at: DateTime<Utc>,
        failure: Failure,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        let Failure { error, request_id } = failure;
        self.transition(
            id,
            &[State::Sending, State::Unknown, State::Queued],
            move |db, id| {
                db.execute(
                "UPDATE messages SET state = 'queued', unknown_since = NULL, next_attempt_at = ?2, \
                 last_error = ?3, request_id = COALESCE(?4, request_id), lease_until = 0, \
                 updated_at = ?5 WHERE id = ?1",
                params![id, ms(next_attempt_at), error, request_id, ms(now)],
            )
            },
        )
        .await
    }

    /// An unknown outcome proven absent from the sending mailbox: sent again at
    /// `next_attempt_at`. Only from `unknown`: a check that took longer than its claim's
    /// lease (or ran in another process, `sendmail --direct`) must not put back a message
    /// that another attempt is sending meanwhile.
    async fn mark_absent(
        &self,
        id: &QueueId,
        next_attempt_at: DateTime<Utc>,
        error: String,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        self.transition(id, &[State::Unknown], move |db, id| {
            db.execute(
                "UPDATE messages SET state = 'queued', unknown_since = NULL, next_attempt_at = ?2, \
                 last_error = ?3, lease_until = 0, updated_at = ?4 WHERE id = ?1",
                params![id, ms(next_attempt_at), error, ms(now)],
            )
        })
        .await
    }

    /// Given up. The body stays (for `queue show` and `queue retry`).
    async fn mark_failed(
        &self,
        id: &QueueId,
        failure: Failure,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        let Failure { error, request_id } = failure;
        self.transition(id, &[State::Sending, State::Unknown, State::Queued], move |db, id| {
            db.execute(
                "UPDATE messages SET state = 'failed', unknown_since = NULL, last_error = ?2, \
                 request_id = COALESCE(?3, request_id), lease_until = 0, updated_at = ?4 WHERE id = ?1",
                params![id, error, request_id, ms(now)],
            )
        })
        .await
    }

    /// Puts a claimed message back until `next_attempt_at` without an attempt (a paced
    /// mailbox): its state, attempts and last error stay as they were.
    async fn defer(&self, id: &QueueId, next_attempt_at: DateTime<Utc>) -> Result<(), SpoolError> {
        self.transition(id, &[State::Queued, State::Unknown], move |db, id| {
            db.execute(
                "UPDATE messages SET next_attempt_at = ?2, lease_until = 0 WHERE id = ?1",
                params![id, ms(next_attempt_at)],
            )
        })
        .await
    }

    /// On start of the delivery workers: attempts interrupted by a crash (`sending`) become
    /// `unknown`, checked after `grace`; leases are released; old orphan files are removed.
    /// Returns how many attempts were interrupted.
    async fn recover(&self, now: DateTime<Utc>, grace: Duration) -> Result<usize, SpoolError> {
        let check = ms(now) + grace.as_millis() as i64;
        let interrupted = self.inner.writer.write(false, move |db| {
            let interrupted = db.execute(
                "UPDATE messages SET state = 'unknown', unknown_since = COALESCE(unknown_since, ?1), \
                 next_attempt_at = ?2, last_error = 'interrupted: the relay stopped during the attempt', \
                 lease_until = 0, updated_at = ?1 WHERE state = 'sending'",
                params![ms(now), check],
            )?;
            db.execute("UPDATE messages SET lease_until = 0", [])?;
            Ok(interrupted)
        })
        .await?;
        let spool = self.clone();
        // Best effort: leftover files cost disk space, not correctness.
        if let Err(e) = blocking(move || spool.remove_orphans()).await {
            tracing::warn!(error = %e, "spool: leftover files not removed");
        }
        Ok(interrupted)
    }

    /// `queue retry`: a queued or failed message is due now; an unknown one is checked
    /// now (never resent without the check). Returns the new state.
    async fn retry_now(&self, id: &QueueId, now: DateTime<Utc>) -> Result<State, SpoolError> {
        let record = self.get(id).await?;
        match record.state {
            State::Queued | State::Failed => {
                let id = id.clone();
                self.inner.writer.write(false, move |db| {
                    db.execute(
                        "UPDATE messages SET state = 'queued', next_attempt_at = ?2, lease_until = 0, \
                         updated_at = ?2 WHERE id = ?1 AND state IN ('queued', 'failed')",
                        params![id.as_str(), ms(now)],
                    )?;
                    Ok(())
                })
                .await?;
                Ok(State::Queued)
            }
            State::Unknown => {
                let id = id.clone();
                self.inner
                    .writer
                    .write(false, move |db| {
                        db.execute(
                            "UPDATE messages SET next_attempt_at = ?2, updated_at = ?2 \
                         WHERE id = ?1 AND state = 'unknown'",
                            params![id.as_str(), ms(now)],
                        )?;
                        Ok(())
                    })
                    .await?;
                Ok(State::Unknown)
            }
            state => Err(SpoolError::WrongState {
                id: id.to_string(),
                state,
            }),
        }
    }

    /// `queue delete`: removes a message that is not being sent (row and body).
    async fn delete(&self, id: &QueueId) -> Result<(), SpoolError> {
        let id2 = id.clone();
        self.inner
            .writer
            .write(false, move |db| {
                let n = db.execute(
                    "DELETE FROM messages WHERE id = ?1 AND state != 'sending'",
                    [id2.as_str()],
                )?;
                if n == 0 {
                    let record = db
                        .query_row(
                            &format!("SELECT {COLUMNS} FROM messages WHERE id = ?1"),
                            [id2.as_str()],
                            record,
                        )
                        .optional()?
                        .ok_or_else(|| SpoolError::NotFound(id2.to_string()))?;
                    return Err(SpoolError::WrongState {
                        id: id2.to_string(),
                        state: record.state,
                    });
                }
                Ok(())
            })
            .await?;
        match tokio::fs::remove_file(self.body_file(id)).await {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
            _ => Ok(()),
        }
    }

    /// Removes the rows of messages sent before `before`. Returns how many.
    async fn prune(&self, before: DateTime<Utc>) -> Result<usize, SpoolError> {
        self.inner
            .writer
            .write(false, move |db| {
                Ok(db.execute(
                    "DELETE FROM messages WHERE state = 'sent' AND updated_at < ?1",
                    [ms(before)],
                )?)
            })
            .await
    }

    async fn open_body(&self, id: &QueueId) -> Result<BodyReader, SpoolError> {
        let file = tokio::fs::File::open(self.body_file(id)).await?;
        Ok(Box::new(file))
    }
}

async fn blocking<T, F>(f: F) -> Result<T, SpoolError>
where
    F: FnOnce() -> Result<T, SpoolError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| SpoolError::Io(std::io::Error::other(e)))?
}

fn record(row: &Row<'_>) -> rusqlite::Result<Record> {
    let rcpt: String = row.get("rcpt_to")?;
    let state: String = row.get("state")?;
    let client_addr: Option<String> = row.get("client_addr")?;
    Ok(Record {
        id: QueueId(row.get("id")?),
        envelope: Envelope {
            mail_from: row.get("mail_from")?,
            rcpt_to: serde_json::from_str(&rcpt).unwrap_or_default(),
            smtp_user: row.get("smtp_user")?,
            client_addr: client_addr.and_then(|a| a.parse().ok()),
            mailbox: row.get("envelope_mailbox")?,
        },
        message_id: row.get("message_id")?,
        message_id_added: row.get("message_id_added")?,
        header_from: row.get("header_from")?,
        subject: row.get("subject")?,
        size: row.get::<_, i64>("size")? as u64,
        state: state.parse().unwrap_or(State::Failed),
        attempts: row.get::<_, i64>("attempts")? as u32,
        created_at: from_ms(row.get("created_at")?),
        next_attempt_at: from_ms(row.get("next_attempt_at")?),
        unknown_since: row.get::<_, Option<i64>>("unknown_since")?.map(from_ms),
        mailbox: row.get("mailbox")?,
        path: row.get("path")?,
        last_error: row.get("last_error")?,
        request_id: row.get("request_id")?,
        client_request_id: row.get("client_request_id")?,
        updated_at: from_ms(row.get("updated_at")?),
    })
}
