//! The spool: every accepted message, durable before the client hears `250` (or
//! `sendmail` exits 0), and its delivery state.
//!
//! [`Spool`] is the one interface the rest of the relay uses; where the rows and bodies
//! live is a [`SpoolBackend`]:
//! - [`sqlite`] (the default): one relay's spool directory, on disk;
//! - [`postgres`] (`[spool] database = "postgres://…"`): one queue shared by any number of
//!   relays (issue 21), claimed with row locks and leases, with the sending limits shared
//!   too ([`SharedLimits`]).
//!
//! Either way a message being received streams to a file in the local directory's
//! `incoming/` ([`Incoming`]); committing it hands the file to the backend, which makes it
//! durable (the SQLite backend moves it into `messages/` and fsyncs; the PostgreSQL backend
//! copies it into the database in the same transaction as its row) before the caller
//! hears back.
//!
//! States: `queued` (to be sent at `next_attempt_at`) → `sending` (an attempt is in
//! flight; written before the request leaves) → `sent` or `failed`, or back to `queued`
//! for a retry, or `unknown` (the attempt's outcome is unknown: Graph may have taken it;
//! checked in the sending mailbox before any resend). A `sending` row whose relay stopped
//! (found on open with SQLite; its lease ran out with PostgreSQL) becomes `unknown`.

mod backend;
mod incoming;
pub mod limits;
pub mod postgres;
mod record;
pub mod sqlite;
mod time;
mod writer;

pub use backend::{BodyReader, SpoolBackend};
pub use incoming::{HeaderSummary, Incoming};
pub use limits::{SendSlot, SharedLimits};
pub use record::{QueueId, Record, State, StateCounts};

use crate::envelope::Envelope;
use chrono::{DateTime, Utc};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncReadExt;

/// The relay's queue. Cheap to clone; every clone is the same spool. Several processes
/// (the `serve` daemon and `sendmail` commands, or several relays on PostgreSQL) may open
/// the same spool.
#[derive(Debug, Clone)]
pub struct Spool {
    backend: Arc<dyn SpoolBackend>,
    local: Arc<Local>,
}

/// What stays on the relay's own disk whatever the backend: messages being received
/// (`incoming/`) and parts decoded for the draft path.
#[derive(Debug)]
struct Local {
    dir: PathBuf,
    /// The right-hand side of the Message-IDs added to messages that have none.
    message_id_domain: String,
    /// Signalled after every message queued through this process's spool, so the delivery
    /// workers start at once instead of at their next poll (another process's messages
    /// are seen at the poll).
    queued: tokio::sync::Notify,
}

impl Spool {
    /// Opens (creating if needed) the SQLite spool in `dir`. `message_id_domain` is the
    /// right-hand side of the Message-IDs the relay adds to messages that have none.
    pub fn open(dir: impl AsRef<Path>, message_id_domain: &str) -> Result<Spool, SpoolError> {
        let dir = dir.as_ref();
        let backend = sqlite::SqliteSpool::open(dir)?;
        Spool::with_backend(Arc::new(backend), dir, message_id_domain)
    }

    /// A spool on `backend`, receiving into `dir/incoming`; `message_id_domain` as in
    /// [`open`](Self::open).
    pub fn with_backend(
        backend: Arc<dyn SpoolBackend>,
        dir: impl AsRef<Path>,
        message_id_domain: &str,
    ) -> Result<Spool, SpoolError> {
        let dir = dir.as_ref().to_path_buf();
        std::fs::create_dir_all(dir.join("incoming"))?;
        Ok(Spool {
            backend,
            local: Arc::new(Local {
                dir,
                message_id_domain: message_id_domain.to_string(),
                queued: tokio::sync::Notify::new(),
            }),
        })
    }

    /// The local spool directory (`incoming/`, `parts/`; and the SQLite spool's files).
    pub fn dir(&self) -> &Path {
        &self.local.dir
    }

    /// The backend, for what only it knows (its description, shared limits).
    pub fn backend(&self) -> &Arc<dyn SpoolBackend> {
        &self.backend
    }

    /// Starts receiving a message of at most `limit` bytes.
    pub async fn start(&self, limit: u64) -> Result<Incoming, SpoolError> {
        let name = format!("{}.part", uuid::Uuid::new_v4().simple());
        Incoming::create(
            self.clone(),
            self.local.dir.join("incoming").join(name),
            limit,
            self.backend.durable_files(),
        )
        .await
    }

    /// Queues a whole message held in memory (tests, small `sendmail` input).
    pub async fn enqueue(&self, envelope: Envelope, message: &[u8]) -> Result<QueueId, SpoolError> {
        let mut incoming = self.start(u64::MAX).await?;
        incoming.write(message).await?;
        incoming.commit(envelope).await
    }

    /// Like [`enqueue`](Self::enqueue), accepted (and due) at `now` by the caller's clock
    /// (messages the relay writes itself, such as failure reports).
    pub async fn enqueue_at(
        &self,
        envelope: Envelope,
        message: &[u8],
        now: DateTime<Utc>,
    ) -> Result<QueueId, SpoolError> {
        let mut incoming = self.start(u64::MAX).await?;
        incoming.write(message).await?;
        incoming.commit_at(envelope, Some(now)).await
    }

    pub(super) async fn queue_file(
        &self,
        incoming: PathBuf,
        envelope: Envelope,
        summary: HeaderSummary,
        size: u64,
        at: Option<DateTime<Utc>>,
    ) -> Result<QueueId, SpoolError> {
        let (message_id, message_id_added) = match &summary.message_id {
            Some(id) => (id.clone(), false),
            None => (
                format!(
                    "<{}@{}>",
                    uuid::Uuid::new_v4(),
                    self.local.message_id_domain
                ),
                true,
            ),
        };
        let message = NewMessage {
            envelope,
            summary,
            message_id,
            message_id_added,
            size,
            accepted_at: at.unwrap_or_else(Utc::now),
        };
        let result = self.backend.queue_file(incoming, message).await;
        if result.is_ok() {
            self.local.queued.notify_one();
        }
        result
    }

    /// Completes when a message was queued through this spool (in this process) since the
    /// last call returned; a message queued while nobody waits is remembered (one permit).
    pub async fn queued(&self) {
        self.local.queued.notified().await
    }

    /// One message.
    pub async fn get(&self, id: &QueueId) -> Result<Record, SpoolError> {
        self.backend.get(id).await
    }

    /// Messages in the given states (all when empty), oldest first, at most `limit`.
    pub async fn list(&self, states: &[State], limit: usize) -> Result<Vec<Record>, SpoolError> {
        self.backend.list(states, limit).await
    }

    /// How many messages are in each state.
    pub async fn counts(&self) -> Result<StateCounts, SpoolError> {
        self.backend.counts().await
    }

    /// Claims up to `limit` messages that are due at `now` (queued, or unknown and due for
    /// their check) and not claimed by anyone else, for `lease`: the claim ends with the
    /// next state change or when the lease runs out. Oldest due first.
    pub async fn claim_due(
        &self,
        now: DateTime<Utc>,
        lease: Duration,
        limit: usize,
    ) -> Result<Vec<Record>, SpoolError> {
        self.backend.claim_due(now, lease, limit).await
    }

    /// Extends this process's claims on `ids` to `now + lease` (messages still in hand).
    pub async fn renew(
        &self,
        ids: &[QueueId],
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<(), SpoolError> {
        self.backend.renew(ids, now, lease).await
    }

    /// The earliest time something is due (queued or unknown), if anything is.
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>, SpoolError> {
        self.backend.next_due().await
    }

    /// An attempt starts: `sending`, written before the request leaves so that a crash
    /// during it is found by [`recover`](Self::recover) (or when its lease runs out). Only
    /// from `queued`, and (shared spool) only while this process's claim holds.
    pub async fn mark_sending(
        &self,
        id: &QueueId,
        mailbox: &str,
        path: &str,
        client_request_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        let attempt = Attempt {
            mailbox: mailbox.to_string(),
            path: path.to_string(),
            client_request_id: client_request_id.to_string(),
        };
        self.backend.mark_sending(id, attempt, now).await
    }

    /// Graph took it (or it was found in the sending mailbox). The body is removed; the
    /// row stays for the log until [`prune`](Self::prune).
    pub async fn mark_sent(
        &self,
        id: &QueueId,
        request_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        self.backend
            .mark_sent(id, request_id.map(str::to_string), now)
            .await
    }

    /// The attempt's outcome is unknown: check the sending mailbox at `next_check`.
    pub async fn mark_unknown(
        &self,
        id: &QueueId,
        next_check: DateTime<Utc>,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        self.backend
            .mark_unknown(id, next_check, error.to_string(), now)
            .await
    }

    /// Try again at `next_attempt_at` (a transient failure, or an unknown outcome proven
    /// absent from the sending mailbox).
    pub async fn mark_retry(
        &self,
        id: &QueueId,
        next_attempt_at: DateTime<Utc>,
        error: &str,
        request_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        self.backend
            .mark_retry(id, next_attempt_at, Failure::new(error, request_id), now)
            .await
    }

    /// An unknown outcome proven absent from the sending mailbox: sent again at
    /// `next_attempt_at`. Only from `unknown`: a check that took longer than its claim's
    /// lease (or ran in another process, `sendmail --direct`) must not put back a message
    /// that another attempt is sending meanwhile.
    pub async fn mark_absent(
        &self,
        id: &QueueId,
        next_attempt_at: DateTime<Utc>,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        self.backend
            .mark_absent(id, next_attempt_at, error.to_string(), now)
            .await
    }

    /// Given up. The body stays (for `queue show` and `queue retry`).
    pub async fn mark_failed(
        &self,
        id: &QueueId,
        error: &str,
        request_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        self.backend
            .mark_failed(id, Failure::new(error, request_id), now)
            .await
    }

    /// Puts a claimed message back until `next_attempt_at` without an attempt (a paced
    /// mailbox): its state, attempts and last error stay as they were.
    pub async fn defer(
        &self,
        id: &QueueId,
        next_attempt_at: DateTime<Utc>,
    ) -> Result<(), SpoolError> {
        self.backend.defer(id, next_attempt_at).await
    }

    /// On start of the delivery workers: attempts interrupted by a crash (`sending`) become
    /// `unknown`, checked after `grace`; leases are released; old orphan files are removed.
    /// Returns how many attempts were interrupted. (On a shared spool, only the attempts
    /// whose relay's lease ran out: the others belong to relays still running.)
    pub async fn recover(&self, now: DateTime<Utc>, grace: Duration) -> Result<usize, SpoolError> {
        let interrupted = self.backend.recover(now, grace).await?;
        if let Err(e) = remove_old_files(&self.local.dir.join("incoming")).await {
            // Best effort: leftover files cost disk space, not correctness.
            tracing::warn!(error = %e, "spool: leftover incoming files not removed");
        }
        Ok(interrupted)
    }

    /// `queue retry`: a queued or failed message is due now; an unknown one is checked
    /// now (never resent without the check). Returns the new state.
    pub async fn retry_now(&self, id: &QueueId, now: DateTime<Utc>) -> Result<State, SpoolError> {
        self.backend.retry_now(id, now).await
    }

    /// `queue delete`: removes a message that is not being sent (row and body).
    pub async fn delete(&self, id: &QueueId) -> Result<(), SpoolError> {
        self.backend.delete(id).await
    }

    /// Removes the rows of messages sent before `before`. Returns how many.
    pub async fn prune(&self, before: DateTime<Utc>) -> Result<usize, SpoolError> {
        self.backend.prune(before).await
    }

    /// The message as it is to be sent: its bytes, with the relay's Message-ID header in
    /// front when it had none. Streams from the backend.
    pub async fn open_body(&self, record: &Record) -> Result<BodyReader, SpoolError> {
        let body = ExactSize {
            inner: self.backend.open_body(&record.id).await?,
            left: record.size,
            id: record.id.clone(),
        };
        let prefix = if record.message_id_added {
            format!("Message-ID: {}\r\n", record.message_id).into_bytes()
        } else {
            Vec::new()
        };
        Ok(Box::new(std::io::Cursor::new(prefix).chain(body)))
    }

    /// The whole message in memory (for messages small enough for one request).
    pub async fn read_body(&self, record: &Record) -> Result<Vec<u8>, SpoolError> {
        let mut body = Vec::with_capacity(record.size as usize + 128);
        self.open_body(record).await?.read_to_end(&mut body).await?;
        Ok(body)
    }

    /// The sending limits shared with the other relays on this spool, if it is shared.
    pub fn shared_limits(&self) -> Option<Arc<dyn SharedLimits>> {
        self.backend.shared_limits()
    }
}

/// A stored body that must be exactly `left` more bytes: one that ends early or runs on
/// (a file cut short, a chunk stream that stopped) fails the read rather than send a
/// truncated message.
struct ExactSize {
    inner: BodyReader,
    left: u64,
    id: QueueId,
}

impl tokio::io::AsyncRead for ExactSize {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let this = &mut *self;
        std::task::ready!(std::pin::Pin::new(&mut this.inner).poll_read(cx, buf))?;
        let read = (buf.filled().len() - before) as u64;
        let wanted = buf.remaining() > 0 || read > 0;
        if read > this.left {
            return std::task::Poll::Ready(Err(std::io::Error::other(format!(
                "message {}: the stored body is longer than its recorded size",
                this.id
            ))));
        }
        if read == 0 && wanted && this.left > 0 {
            return std::task::Poll::Ready(Err(std::io::Error::other(format!(
                "message {}: the stored body ends {} bytes short of its recorded size",
                this.id, this.left
            ))));
        }
        this.left -= read;
        std::task::Poll::Ready(Ok(()))
    }
}

/// A message handed to the backend by [`Incoming::commit`].
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// The envelope.
    pub envelope: Envelope,
    /// What was read from its header section.
    pub summary: HeaderSummary,
    /// Its Message-ID: its own, or one the relay made (`message_id_added`).
    pub message_id: String,
    /// The relay made the Message-ID: it is prepended when the body is read.
    pub message_id_added: bool,
    /// Size in bytes as stored.
    pub size: u64,
    /// When it was accepted (and first due).
    pub accepted_at: DateTime<Utc>,
}

/// What [`Spool::mark_sending`] records about an attempt.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The sending mailbox.
    pub mailbox: String,
    /// `mime` or `draft`.
    pub path: String,
    /// The attempt's `client-request-id`.
    pub client_request_id: String,
}

/// Why an attempt did not succeed, as [`Spool::mark_retry`] and [`Spool::mark_failed`]
/// record it.
#[derive(Debug, Clone)]
pub struct Failure {
    /// The error (Graph code and message, or the transport error).
    pub error: String,
    /// Graph's `request-id`, when Graph answered.
    pub request_id: Option<String>,
}

impl Failure {
    fn new(error: &str, request_id: Option<&str>) -> Failure {
        Failure {
            error: error.to_string(),
            request_id: request_id.map(str::to_string),
        }
    }
}

/// Files in `incoming/` (never acknowledged) older than this are removed by
/// [`Spool::recover`]. Younger ones may belong to a `sendmail` writing right now.
pub(crate) const ORPHAN_AGE: Duration = Duration::from_secs(3600);

/// Removes the files of `dir` older than [`ORPHAN_AGE`].
async fn remove_old_files(dir: &Path) -> std::io::Result<()> {
    let dir = dir.to_path_buf();
    tokio::task::spawn_blocking(move || {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if is_old(&path) {
                let _ = std::fs::remove_file(&path);
            }
        }
        Ok(())
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Whether the file at `path` was last modified more than [`ORPHAN_AGE`] ago.
pub(crate) fn is_old(path: &Path) -> bool {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| std::time::SystemTime::now().duration_since(t).ok())
        .is_some_and(|age| age > ORPHAN_AGE)
}

/// Why the spool refused or failed an operation.
#[derive(Debug)]
pub enum SpoolError {
    /// The message is larger than the size allowed when it was started (SMTP `552`).
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// Reading or writing the spool's files failed (disk full, unwritable directory…).
    Io(std::io::Error),
    /// The spool database failed.
    Database(rusqlite::Error),
    /// The shared spool database (PostgreSQL) refused or failed a statement.
    Postgres(tokio_postgres::Error),
    /// The shared spool database cannot be reached right now (down, restarting, no free
    /// connection): try again later (SMTP `451`, `sendmail` exit 75).
    Unavailable(String),
    /// The database's schema is not the one this relay needs, or `[spool]` cannot be
    /// used as written (an invalid database URL, an unreadable CA file).
    Schema(String),
    /// The message is in a state the change applies to, but its claim (or its attempt
    /// in flight) is another relay's: that relay handles it.
    NotClaimed(String),
    /// No message with this queue id.
    NotFound(String),
    /// The operation does not apply to the message in its current state.
    WrongState {
        /// The queue id.
        id: String,
        /// Its current state.
        state: State,
    },
}

impl fmt::Display for SpoolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SpoolError::TooLarge { limit } => {
                write!(f, "message exceeds the size limit of {limit} bytes")
            }
            SpoolError::Io(e) => write!(f, "spool I/O error: {e}"),
            SpoolError::Database(e) => write!(f, "spool database error: {e}"),
            SpoolError::Postgres(e) => write!(f, "spool database error: {e}"),
            SpoolError::Unavailable(e) => write!(f, "spool database unavailable: {e}"),
            SpoolError::Schema(e) => write!(f, "spool database: {e}"),
            SpoolError::NotClaimed(id) => {
                write!(f, "message {id} is being handled by another relay")
            }
            SpoolError::NotFound(id) => write!(f, "no message {id} in the queue"),
            SpoolError::WrongState { id, state } => {
                write!(f, "message {id} is {state}: not possible in this state")
            }
        }
    }
}

impl std::error::Error for SpoolError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SpoolError::Io(e) => Some(e),
            SpoolError::Database(e) => Some(e),
            SpoolError::Postgres(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for SpoolError {
    fn from(e: std::io::Error) -> Self {
        SpoolError::Io(e)
    }
}

impl From<rusqlite::Error> for SpoolError {
    fn from(e: rusqlite::Error) -> Self {
        SpoolError::Database(e)
    }
}

impl SpoolError {
    /// The spool could not be reached (a database down or restarting): the same request may
    /// succeed later. Delivery waits and goes on instead of stopping.
    pub fn is_unavailable(&self) -> bool {
        matches!(self, SpoolError::Unavailable(_))
    }
}

/// Where `[spool]` says the queue is.
enum Location {
    Sqlite,
    Postgres(crate::config::SecretString),
}

fn location(config: &crate::config::SpoolConfig) -> Result<Location, SpoolError> {
    match config.database_source().resolve() {
        Ok(Some(url)) => Ok(Location::Postgres(url)),
        Ok(None) => Ok(Location::Sqlite),
        Err(problem) => Err(SpoolError::Schema(problem.to_string())),
    }
}

impl Spool {
    /// Opens the spool `[spool]` configures: SQLite in `dir`, or the shared PostgreSQL
    /// database of `database` (checked to be at this relay's schema version).
    pub async fn open_configured(config: &crate::config::SpoolConfig) -> Result<Spool, SpoolError> {
        match location(config)? {
            Location::Sqlite => Spool::open(&config.dir, &config.hostname),
            Location::Postgres(url) => {
                let backend =
                    postgres::PostgresSpool::open(url.expose(), config.database_ca_file.as_deref())
                        .await?;
                Spool::with_backend(Arc::new(backend), &config.dir, &config.hostname)
            }
        }
    }

    /// `msgraph-relay migrate`: brings the configured spool's schema to this relay's
    /// version. Returns what was done, for the operator.
    pub async fn migrate(config: &crate::config::SpoolConfig) -> Result<String, SpoolError> {
        match location(config)? {
            Location::Sqlite => {
                Spool::open(&config.dir, &config.hostname)?;
                Ok(format!(
                    "sqlite:{}: the schema is created when the spool is opened; nothing to migrate",
                    config.dir.display()
                ))
            }
            Location::Postgres(url) => {
                let backend = postgres::PostgresSpool::connect(
                    url.expose(),
                    config.database_ca_file.as_deref(),
                )?;
                let applied = backend.migrate().await?;
                let latest = postgres::schema::latest();
                Ok(if applied.is_empty() {
                    format!(
                        "{}: at schema version {latest}; nothing to migrate",
                        backend.describe()
                    )
                } else {
                    let list: Vec<String> = applied.iter().map(i32::to_string).collect();
                    format!(
                        "{}: applied migration(s) {}; now at schema version {latest}",
                        backend.describe(),
                        list.join(", ")
                    )
                })
            }
        }
    }
}
