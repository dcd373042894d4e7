//! The shared spool's schema, versioned: `msgraph-relay migrate` applies what is missing
//! (under an advisory lock, so two relays migrating at once do not collide), and every
//! relay checks the version when it opens the spool and refuses a database that is not
//! at its own.

use super::connect::{failed, no_connection};
use crate::spool::SpoolError;
use deadpool_postgres::Pool;
use tokio_postgres::error::SqlState;

/// The advisory lock key migrations hold ("msgraph-relay" in ASCII, truncated).
const MIGRATION_LOCK: i64 = 0x6d73_6772_6170_6872;

/// Every migration, in order: (version, what it does, SQL). Never edit one that shipped;
/// add the next.
pub const MIGRATIONS: &[(i32, &str, &str)] = &[(
    1,
    "messages, message bodies in chunks, shared sending limits, queue reporter",
    "
CREATE TABLE messages (
    id TEXT PRIMARY KEY,
    message_id TEXT NOT NULL,
    message_id_added BOOLEAN NOT NULL,
    mail_from TEXT NOT NULL,
    rcpt_to TEXT NOT NULL,
    smtp_user TEXT,
    client_addr TEXT,
    envelope_mailbox TEXT,
    header_from TEXT,
    subject TEXT,
    size BIGINT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    unknown_since BIGINT,
    mailbox TEXT,
    path TEXT,
    last_error TEXT,
    request_id TEXT,
    client_request_id TEXT,
    lease_until BIGINT NOT NULL DEFAULT 0,
    lease_owner TEXT,
    updated_at BIGINT NOT NULL
);
CREATE INDEX messages_due ON messages (next_attempt_at, created_at)
    WHERE state IN ('queued', 'unknown');
-- Claims and renewals change only lease_until and lease_owner, which no index holds, so
-- PostgreSQL updates those rows in place (HOT) instead of adding index entries each time.
CREATE INDEX messages_sending ON messages (created_at) WHERE state = 'sending';
CREATE INDEX messages_state ON messages (state, created_at);
CREATE TABLE message_chunks (
    id TEXT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    data BYTEA NOT NULL,
    PRIMARY KEY (id, seq)
);
-- Mail is mostly compressed already (base64 of images, PDFs, archives): storing the
-- chunks out of line without compression saves the CPU of compressing them.
ALTER TABLE message_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
CREATE TABLE sends (
    id BIGSERIAL PRIMARY KEY,
    mailbox TEXT NOT NULL,
    recipients INTEGER NOT NULL,
    relay TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    finished_at BIGINT,
    lease_until BIGINT NOT NULL
);
CREATE INDEX sends_mailbox ON sends (mailbox, started_at);
CREATE INDEX sends_in_flight ON sends (relay) WHERE finished_at IS NULL;
CREATE TABLE mailbox_pauses (
    mailbox TEXT PRIMARY KEY,
    paused_until BIGINT NOT NULL
);
CREATE TABLE queue_reporter (
    singleton BOOLEAN PRIMARY KEY DEFAULT TRUE CHECK (singleton),
    relay TEXT NOT NULL,
    until BIGINT NOT NULL
);
",
)];

/// The version this relay needs.
pub fn latest() -> i32 {
    MIGRATIONS.last().map_or(0, |(v, _, _)| *v)
}

/// The database's schema version (0 when never migrated).
pub async fn version(pool: &Pool) -> Result<i32, SpoolError> {
    let client = pool.get().await.map_err(no_connection)?;
    match client
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM msgraph_relay_schema",
            &[],
        )
        .await
    {
        Ok(row) => Ok(row.get(0)),
        Err(e) if e.code() == Some(&SqlState::UNDEFINED_TABLE) => Ok(0),
        Err(e) => Err(failed(e)),
    }
}

/// Refuses a database that is not at [`latest`].
pub async fn check(pool: &Pool) -> Result<(), SpoolError> {
    let found = version(pool).await?;
    let needed = latest();
    match found.cmp(&needed) {
        std::cmp::Ordering::Equal => Ok(()),
        std::cmp::Ordering::Less => Err(SpoolError::Schema(format!(
            "the database is at schema version {found}, this relay needs {needed}: run `msgraph-relay migrate`"
        ))),
        std::cmp::Ordering::Greater => Err(SpoolError::Schema(format!(
            "the database is at schema version {found}, newer than this relay's {needed}: upgrade this relay"
        ))),
    }
}

/// Applies the missing migrations in one transaction. Returns the versions applied.
pub async fn migrate(pool: &Pool) -> Result<Vec<i32>, SpoolError> {
    let mut client = pool.get().await.map_err(no_connection)?;
    let tx = client.transaction().await.map_err(failed)?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(failed)?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS msgraph_relay_schema (
            version INTEGER PRIMARY KEY,
            description TEXT NOT NULL,
            applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
        )",
    )
    .await
    .map_err(failed)?;
    let current: i32 = tx
        .query_one(
            "SELECT COALESCE(MAX(version), 0) FROM msgraph_relay_schema",
            &[],
        )
        .await
        .map_err(failed)?
        .get(0);
    if current > latest() {
        return Err(SpoolError::Schema(format!(
            "the database is at schema version {current}, newer than this relay's {}: upgrade this relay",
            latest()
        )));
    }
    let mut applied = Vec::new();
    for (version, description, sql) in MIGRATIONS.iter().filter(|(v, _, _)| *v > current) {
        tx.batch_execute(sql).await.map_err(failed)?;
        tx.execute(
            "INSERT INTO msgraph_relay_schema (version, description) VALUES ($1, $2)",
            &[version, description],
        )
        .await
        .map_err(failed)?;
        applied.push(*version);
    }
    tx.commit().await.map_err(failed)?;
    Ok(applied)
}
