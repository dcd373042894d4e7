//! The spool's one writer, with group commit: every change to the spool database goes
//! through a dedicated thread that takes all the changes waiting for it, makes their
//! renames durable with one fsync of `messages/` (when any of them queued a file), applies
//! each in its own savepoint of one transaction, commits once (one WAL fsync with
//! `synchronous=FULL`) and only then answers each caller. Durability per message is
//! unchanged (nobody hears back before their row is committed), but concurrent commits
//! share the fsyncs instead of queueing for one each.

use super::SpoolError;
use rusqlite::Connection;
use std::path::PathBuf;
use std::sync::mpsc;
use tokio::sync::oneshot;

/// Most changes committed together: bounds the time the first of them waits.
const MAX_BATCH: usize = 512;

/// One change waiting for the writer.
trait Job: Send {
    /// Whether the change needs the directory `messages/` made durable first (a body file
    /// was renamed into it).
    fn syncs_dir(&self) -> bool;
    /// Applies the change inside the batch's transaction; `false` if it failed (its
    /// savepoint is then rolled back, the others stay).
    fn apply(&mut self, db: &Connection) -> bool;
    /// Answers the caller once the batch is committed (or failed).
    fn finish(self: Box<Self>, committed: Result<(), SpoolError>);
}

struct Change<T, F> {
    syncs_dir: bool,
    change: Option<F>,
    result: Option<Result<T, SpoolError>>,
    reply: oneshot::Sender<Result<T, SpoolError>>,
}

impl<T, F> Job for Change<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> Result<T, SpoolError> + Send,
{
    fn syncs_dir(&self) -> bool {
        self.syncs_dir
    }

    fn apply(&mut self, db: &Connection) -> bool {
        let change = self.change.take().expect("applied once");
        let result = change(db);
        let ok = result.is_ok();
        self.result = Some(result);
        ok
    }

    fn finish(self: Box<Self>, committed: Result<(), SpoolError>) {
        let answer = match (committed, self.result) {
            (Err(e), _) => Err(e),
            (Ok(()), Some(result)) => result,
            (Ok(()), None) => Err(SpoolError::Io(std::io::Error::other(
                "spool change not applied",
            ))),
        };
        let _ = self.reply.send(answer);
    }
}

/// Hands changes to the writer thread. The thread ends when the last handle is dropped.
#[derive(Debug)]
pub(super) struct Writer {
    jobs: mpsc::Sender<Box<dyn Job>>,
}

impl Writer {
    /// Starts the writer thread on its own connection `db`; `messages` is the directory
    /// whose entries queued files are renamed into.
    pub(super) fn start(db: Connection, messages: PathBuf) -> std::io::Result<Writer> {
        let (jobs, queue) = mpsc::channel::<Box<dyn Job>>();
        std::thread::Builder::new()
            .name("spool-writer".into())
            .spawn(move || run(db, messages, queue))?;
        Ok(Writer { jobs })
    }

    /// Applies `change` in the next batch and returns its result once the batch is
    /// committed. `syncs_dir`: a file was renamed into `messages/` for this change, and the
    /// rename must be durable before the row is.
    pub(super) async fn write<T, F>(&self, syncs_dir: bool, change: F) -> Result<T, SpoolError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, SpoolError> + Send + 'static,
    {
        let (reply, answer) = oneshot::channel();
        let job = Box::new(Change {
            syncs_dir,
            change: Some(change),
            result: None,
            reply,
        });
        let stopped = || SpoolError::Io(std::io::Error::other("the spool writer stopped"));
        self.jobs.send(job).map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn run(db: Connection, messages: PathBuf, queue: mpsc::Receiver<Box<dyn Job>>) {
    while let Ok(first) = queue.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        commit(&db, &messages, batch);
    }
}

fn commit(db: &Connection, messages: &std::path::Path, batch: Vec<Box<dyn Job>>) {
    let mut batch = batch;
    if batch.iter().any(|job| job.syncs_dir()) {
        if let Err(e) = std::fs::File::open(messages).and_then(|dir| dir.sync_all()) {
            let (refused, rest): (Vec<_>, Vec<_>) =
                batch.into_iter().partition(|job| job.syncs_dir());
            for job in refused {
                job.finish(Err(SpoolError::Io(std::io::Error::new(
                    e.kind(),
                    format!("fsync of the spool's messages directory: {e}"),
                ))));
            }
            batch = rest;
        }
    }
    if batch.is_empty() {
        return;
    }
    let outcome = (|| -> rusqlite::Result<()> {
        db.execute_batch("BEGIN IMMEDIATE")?;
        for job in batch.iter_mut() {
            db.execute_batch("SAVEPOINT change")?;
            if job.apply(db) {
                db.execute_batch("RELEASE change")?;
            } else {
                db.execute_batch("ROLLBACK TO change; RELEASE change")?;
            }
        }
        db.execute_batch("COMMIT")
    })();
    if outcome.is_err() && !db.is_autocommit() {
        let _ = db.execute_batch("ROLLBACK");
    }
    for job in batch {
        let committed = match &outcome {
            Ok(()) => Ok(()),
            Err(e) => Err(copy(e)),
        };
        job.finish(committed);
    }
}

/// Each caller of a failed batch gets the error: SQLite's own code when there is one
/// (`SQLITE_FULL`, `SQLITE_BUSY`…), otherwise its text.
fn copy(e: &rusqlite::Error) -> SpoolError {
    match e {
        rusqlite::Error::SqliteFailure(code, message) => {
            SpoolError::Database(rusqlite::Error::SqliteFailure(*code, message.clone()))
        }
        other => SpoolError::Io(std::io::Error::other(format!(
            "spool commit failed: {other}"
        ))),
    }
}
