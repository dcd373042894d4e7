//! Message bodies in the database, in chunks: written in the transaction that inserts the
//! message's row (so a row always has its whole body, and a relay's disk holds nothing
//! another relay would need), read back as a stream one chunk at a time.
//!
//! Why in the database rather than a shared directory: a shared directory needs a network
//! file system whose fsync and rename are as durable as the database's commit, shared by
//! every relay — one more thing to run and one more way to lose a message. In the
//! database, a committed message is as safe as its row, and one backup covers both.
//! `relay/README.md` ("Running several relays") has the cost measured.

use super::connect::{failed, no_connection};
use crate::spool::backend::BodyReader;
use crate::spool::SpoolError;
use deadpool_postgres::{Pool, Transaction};
use std::pin::Pin;
use std::task::{Context, Poll};
use tokio::io::{AsyncRead, AsyncReadExt, ReadBuf};
use tokio::sync::mpsc;

/// Bytes per chunk row: large enough that a message takes few rows, small enough that a
/// stream holds little in memory (two chunks in flight and one being read).
pub const CHUNK: usize = 256 * 1024;

/// Copies the file at `path` into `message_chunks` for message `id`, inside `tx`.
pub async fn store(
    tx: &Transaction<'_>,
    id: &str,
    path: &std::path::Path,
) -> Result<(), SpoolError> {
    let insert = tx
        .prepare_cached("INSERT INTO message_chunks (id, seq, data) VALUES ($1, $2, $3)")
        .await
        .map_err(failed)?;
    let mut file = tokio::fs::File::open(path).await?;
    let mut chunk = vec![0u8; CHUNK];
    let mut seq: i32 = 0;
    loop {
        let mut filled = 0;
        while filled < CHUNK {
            let n = file.read(&mut chunk[filled..]).await?;
            if n == 0 {
                break;
            }
            filled += n;
        }
        if filled == 0 && seq > 0 {
            return Ok(());
        }
        tx.execute(&insert, &[&id, &seq, &&chunk[..filled]])
            .await
            .map_err(failed)?;
        if filled < CHUNK {
            return Ok(());
        }
        seq += 1;
    }
}

/// Streams the chunks of message `id` in order. Fails with `NotFound` when it has none;
/// a chunk that goes missing mid-stream (the message deleted meanwhile) or a lost
/// connection fails the read instead of ending it early.
pub async fn open(pool: &Pool, id: &str) -> Result<BodyReader, SpoolError> {
    let client = pool.get().await.map_err(no_connection)?;
    let count: i64 = client
        .query_one("SELECT COUNT(*) FROM message_chunks WHERE id = $1", &[&id])
        .await
        .map_err(failed)?
        .get(0);
    if count == 0 {
        return Err(SpoolError::NotFound(id.to_string()));
    }
    let (tx, rx) = mpsc::channel::<std::io::Result<Vec<u8>>>(2);
    let id = id.to_string();
    tokio::spawn(async move {
        let select = match client
            .prepare_cached("SELECT data FROM message_chunks WHERE id = $1 AND seq = $2")
            .await
        {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.send(Err(std::io::Error::other(e))).await;
                return;
            }
        };
        for seq in 0..count as i32 {
            let chunk = match client.query_opt(&select, &[&id, &seq]).await {
                Ok(Some(row)) => Ok(row.get::<_, Vec<u8>>(0)),
                Ok(None) => Err(std::io::Error::other(format!(
                    "message {id}: chunk {seq} of {count} is missing"
                ))),
                Err(e) => Err(std::io::Error::other(e)),
            };
            let stop = chunk.is_err();
            if tx.send(chunk).await.is_err() || stop {
                return;
            }
        }
    });
    Ok(Box::new(ChunkReader {
        chunks: rx,
        current: Vec::new(),
        at: 0,
    }))
}

/// An `AsyncRead` over chunks arriving on a channel; an `Err` chunk fails the read.
struct ChunkReader {
    chunks: mpsc::Receiver<std::io::Result<Vec<u8>>>,
    current: Vec<u8>,
    at: usize,
}

impl AsyncRead for ChunkReader {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        while self.at == self.current.len() {
            match self.chunks.poll_recv(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(Ok(())),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Err(e)),
                Poll::Ready(Some(Ok(chunk))) => {
                    self.current = chunk;
                    self.at = 0;
                }
            }
        }
        let n = buf.remaining().min(self.current.len() - self.at);
        let at = self.at;
        buf.put_slice(&self.current[at..at + n]);
        self.at += n;
        Poll::Ready(Ok(()))
    }
}
