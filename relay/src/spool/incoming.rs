//! A message being received: streamed to a file under `incoming/` as it arrives, line
//! endings normalised to CRLF, its header section read on the way (for the Message-ID,
//! From and Subject), and committed to the queue only once it is complete and fsynced.

use super::{QueueId, Spool, SpoolError};
use crate::envelope::Envelope;
use std::path::PathBuf;
use tokio::io::{AsyncWriteExt, BufWriter};

/// The header section is read for at most this many bytes; a message whose headers go on
/// longer is still spooled whole, with what was read.
const MAX_HEADER_SCAN: usize = 256 * 1024;

/// What the relay reads from a message's header section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HeaderSummary {
    /// `Message-ID`, with its angle brackets.
    pub message_id: Option<String>,
    /// The first address of `From`.
    pub from: Option<String>,
    /// `Subject`, decoded.
    pub subject: Option<String>,
}

impl HeaderSummary {
    /// Reads a header section (the bytes up to and including the blank line).
    pub fn parse(header: &[u8]) -> HeaderSummary {
        let Some(message) = mail_parser::MessageParser::default().parse_headers(header) else {
            return HeaderSummary::default();
        };
        let from = message
            .from()
            .and_then(|from| from.first())
            .and_then(|address| address.address())
            .map(str::to_string);
        HeaderSummary {
            message_id: message.message_id().map(|id| format!("<{id}>")),
            from,
            subject: message.subject().map(str::to_string),
        }
    }
}

/// A message being written to the spool. Dropping it without [`commit`](Self::commit)
/// discards it (the file is removed).
#[derive(Debug)]
pub struct Incoming {
    spool: Spool,
    path: PathBuf,
    file: Option<BufWriter<tokio::fs::File>>,
    limit: u64,
    written: u64,
    /// The previous chunk ended with `\r`.
    after_cr: bool,
    header: Vec<u8>,
    header_done: bool,
    /// The file becomes the stored body: fsync it before it is queued.
    durable: bool,
}

impl Incoming {
    pub(super) async fn create(
        spool: Spool,
        path: PathBuf,
        limit: u64,
        durable: bool,
    ) -> Result<Self, SpoolError> {
        let file = tokio::fs::File::create(&path).await?;
        Ok(Incoming {
            spool,
            path,
            file: Some(BufWriter::with_capacity(64 * 1024, file)),
            limit,
            written: 0,
            after_cr: false,
            header: Vec::new(),
            header_done: false,
            durable,
        })
    }

    /// Bytes written so far (after CRLF normalisation).
    pub fn size(&self) -> u64 {
        self.written
    }

    /// Appends content (already dot-unstuffed, for SMTP). A lone LF becomes CRLF.
    /// Fails with [`SpoolError::TooLarge`] once the message exceeds the limit; the caller
    /// then discards the rest of the message and drops this.
    pub async fn write(&mut self, chunk: &[u8]) -> Result<(), SpoolError> {
        let mut normalised = Vec::with_capacity(chunk.len() + chunk.len() / 32);
        for &byte in chunk {
            if byte == b'\n' && !self.after_cr {
                normalised.push(b'\r');
            }
            normalised.push(byte);
            self.after_cr = byte == b'\r';
        }
        self.written += normalised.len() as u64;
        if self.written > self.limit {
            return Err(SpoolError::TooLarge { limit: self.limit });
        }
        self.scan_header(&normalised);
        let file = self.file.as_mut().expect("incoming file open until commit");
        file.write_all(&normalised).await?;
        Ok(())
    }

    fn scan_header(&mut self, chunk: &[u8]) {
        if self.header_done {
            return;
        }
        let room = MAX_HEADER_SCAN - self.header.len();
        // The blank line may straddle the previous chunk: look from 3 bytes back.
        let from = self.header.len().saturating_sub(3);
        self.header
            .extend_from_slice(&chunk[..chunk.len().min(room)]);
        if let Some(end) = find(&self.header[from..], b"\r\n\r\n") {
            self.header.truncate(from + end + 4);
            self.header_done = true;
        } else if self.header.starts_with(b"\r\n") {
            // No header section at all.
            self.header.clear();
            self.header_done = true;
        } else if self.header.len() >= MAX_HEADER_SCAN {
            self.header_done = true;
        }
    }

    /// The header section read so far.
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// Makes the message durable and queues it: flush (and fsync) the file and hand it to
    /// the spool's backend, which stores it with its row. Only after this returns `Ok` may
    /// the client be told `250` (or `sendmail` exit 0).
    pub async fn commit(self, envelope: Envelope) -> Result<QueueId, SpoolError> {
        self.commit_at(envelope, None).await
    }

    /// [`commit`](Self::commit), accepted at `at` (the system clock when `None`).
    pub(super) async fn commit_at(
        mut self,
        envelope: Envelope,
        at: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Result<QueueId, SpoolError> {
        let mut file = self.file.take().expect("commit once");
        file.flush().await?;
        if self.durable {
            file.get_ref().sync_all().await?;
        }
        drop(file);
        let summary = HeaderSummary::parse(&self.header);
        let spool = self.spool.clone();
        let path = std::mem::take(&mut self.path);
        spool
            .queue_file(path, envelope, summary, self.written, at)
            .await
    }
}

impl Drop for Incoming {
    fn drop(&mut self) {
        if !self.path.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
