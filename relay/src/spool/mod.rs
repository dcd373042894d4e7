//! The spool: every accepted message, durable on disk before the client hears `250` (or
//! `sendmail` exits 0), and its delivery state.
//!
//! Layout of the spool directory:
//! - `spool.sqlite3`: one row per message (envelope, Message-ID, state, attempts, …) in
//!   SQLite with WAL and `synchronous=FULL`, so a committed row survives a crash or power
//!   loss;
//! - `messages/<queue id>.eml`: the message as received (CRLF line endings), written and
//!   fsynced (file and directory) *before* its row is inserted, so a row always has its
//!   file; a file without a row (a crash between the two) is removed on open;
//! - `incoming/`: messages being received; whatever is left there on open was never
//!   acknowledged and is removed.
//!
//! Group commit: every change goes through one writer thread (`writer`), which commits
//! the changes waiting for it together (one fsync of `messages/`, one SQLite transaction)
//! and answers each only after that commit, so concurrent submissions share the fsyncs
//! without weakening what `250` promises.
//!
//! States: `queued` (to be sent at `next_attempt_at`) → `sending` (an attempt is in
//! flight; written before the request leaves) → `sent` or `failed`, or back to `queued`
//! for a retry, or `unknown` (the attempt's outcome is unknown: Graph may have taken it;
//! checked in the sending mailbox before any resend). A `sending` row found on open was
//! interrupted by a crash and becomes `unknown`.

mod incoming;
mod record;
mod sqlite;
mod writer;

pub use incoming::{HeaderSummary, Incoming};
pub use record::{QueueId, Record, State, StateCounts};
pub use sqlite::Spool;

use std::fmt;

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
