//! One client connection's bytes: the stream (plain TCP or TLS), its read buffer, bounded
//! command lines, replies queued and flushed only when the client has nothing more
//! pipelined (RFC 2920 §3.1), and the read deadlines.

use super::reply::{self, Reply};
use crate::shutdown::Shutdown;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader, ReadBuf};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;

/// Command lines are at most 1,000 octets with their CRLF (RFC 5321 §4.5.3.1.4 allows
/// 512; extensions add to it; 1,000 is the text-line limit, tolerant and still bounded).
pub const MAX_COMMAND_LINE: usize = 1000;

/// AUTH lines may be up to 12,288 octets (RFC 4954 §4).
pub const MAX_AUTH_LINE: usize = 12288;

const READ_BUFFER: usize = 16 * 1024;

/// Plain TCP or TLS.
#[derive(Debug)]
pub enum Stream {
    /// Plain TCP (before `STARTTLS`).
    Plain(TcpStream),
    /// TLS (after `STARTTLS`, or on an implicit-TLS listener).
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

/// What [`Connection::read_line`] read.
#[derive(Debug)]
pub enum Line {
    /// A well-formed line, without its CRLF.
    Text(String),
    /// A line longer than allowed; it was read and dropped whole.
    TooLong,
    /// A line to refuse with this reply (bare LF/CR, NUL, not UTF-8); it was read and
    /// dropped whole.
    Bad(Reply),
    /// The client closed the connection.
    Eof,
}

/// How long reads may take.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Per read while waiting for a command or for `DATA`.
    pub command: Duration,
    /// The whole connection's end.
    pub connection_end: Instant,
    /// After shutdown: how long the session may still read (to finish its transaction).
    pub grace: Duration,
}

/// A client connection.
#[derive(Debug)]
pub struct Connection {
    reader: BufReader<Stream>,
    out: Vec<u8>,
    /// The command line read so far (kept here so a read interrupted by shutdown loses
    /// nothing).
    partial: Vec<u8>,
    /// Skipping the rest of an over-long line.
    discarding: bool,
    limits: Limits,
    shutdown: Shutdown,
    /// Set when shutdown was first seen: reads end by then.
    shutdown_end: Option<Instant>,
}

impl Connection {
    /// Wraps a stream.
    pub fn new(stream: Stream, limits: Limits, shutdown: Shutdown) -> Connection {
        Connection {
            reader: BufReader::with_capacity(READ_BUFFER, stream),
            out: Vec::with_capacity(512),
            partial: Vec::new(),
            discarding: false,
            limits,
            shutdown,
            shutdown_end: None,
        }
    }

    /// Whether the stream is TLS.
    pub fn is_tls(&self) -> bool {
        matches!(self.reader.get_ref(), Stream::Tls(_))
    }

    /// Whether shutdown was seen by a read.
    pub fn shutting_down(&self) -> bool {
        self.shutdown_end.is_some()
    }

    /// Queues a reply; it is sent before the next read that would wait, or by
    /// [`flush`](Self::flush).
    pub fn reply(&mut self, reply: &Reply) {
        reply.write_to(&mut self.out);
    }

    /// Sends the queued replies, within the command timeout: a client that never reads
    /// them (its buffers full) must not hold the session forever.
    pub async fn flush(&mut self) -> io::Result<()> {
        if !self.out.is_empty() {
            let stream = self.reader.get_mut();
            let write = async {
                stream.write_all(&self.out).await?;
                stream.flush().await
            };
            tokio::time::timeout(self.limits.command, write)
                .await
                .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "write timed out"))??;
            self.out.clear();
        }
        Ok(())
    }

    /// Sends the queued replies and closes the sending side.
    pub async fn close(&mut self) {
        if self.flush().await.is_ok() {
            // TLS writes its close_notify here: bounded like any write.
            let _ =
                tokio::time::timeout(self.limits.command, self.reader.get_mut().shutdown()).await;
        }
    }

    /// Sends the queued replies (the `220` to `STARTTLS`), then runs the TLS handshake on
    /// the TCP stream. Input the client pipelined after `STARTTLS` is discarded with the
    /// old buffer (RFC 3207 §4.2; servers that kept it allowed command injection).
    pub async fn start_tls(mut self, acceptor: &TlsAcceptor) -> io::Result<Connection> {
        self.flush().await?;
        let Connection {
            reader,
            limits,
            shutdown,
            shutdown_end,
            ..
        } = self;
        let Stream::Plain(tcp) = reader.into_inner() else {
            return Err(io::Error::other("TLS is already active"));
        };
        let deadline = (Instant::now() + limits.command).min(limits.connection_end);
        let tls = tokio::time::timeout_at(deadline, acceptor.accept(tcp))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "TLS handshake timed out"))??;
        let mut upgraded = Connection::new(Stream::Tls(Box::new(tls)), limits, shutdown);
        upgraded.shutdown_end = shutdown_end;
        Ok(upgraded)
    }

    /// The buffered input, reading more (after sending the queued replies) when there is
    /// none; empty at end of input. Fails with `TimedOut` when the read takes too long,
    /// and once with `Interrupted` when shutdown is first seen (call again to go on
    /// reading within the grace period).
    pub async fn fill(&mut self) -> io::Result<&[u8]> {
        if self.reader.buffer().is_empty() {
            // The client waits for these before it sends more.
            self.flush().await?;
            let now = Instant::now();
            let mut deadline = (now + self.limits.command).min(self.limits.connection_end);
            if let Some(end) = self.shutdown_end {
                deadline = deadline.min(end);
            }
            let watch_shutdown = self.shutdown_end.is_none();
            tokio::select! {
                biased;
                _ = self.shutdown.wait(), if watch_shutdown => {
                    self.shutdown_end = Some(Instant::now() + self.limits.grace);
                    return Err(io::Error::new(io::ErrorKind::Interrupted, "shutting down"));
                }
                read = tokio::time::timeout_at(deadline, self.reader.fill_buf()) => {
                    if read.is_err() {
                        return Err(io::Error::new(io::ErrorKind::TimedOut, "read timed out"));
                    }
                }
            }
        }
        Ok(self.reader.buffer())
    }

    /// Marks `n` buffered bytes as used.
    pub fn consume(&mut self, n: usize) {
        std::pin::Pin::new(&mut self.reader).consume(n);
    }

    /// Reads one line of at most `max` octets with its CRLF. Memory stays bounded: the
    /// rest of a longer line is skipped as it arrives. After an `Interrupted` error, call
    /// again: the line read so far is kept.
    pub async fn read_line(&mut self, max: usize) -> io::Result<Line> {
        loop {
            if self.fill().await?.is_empty() {
                return Ok(Line::Eof);
            }
            let buf = self.reader.buffer();
            let (take, complete) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            };
            if !self.discarding {
                let room = (max + 1).saturating_sub(self.partial.len());
                self.partial.extend_from_slice(&buf[..take.min(room)]);
                if self.partial.len() > max {
                    self.discarding = true;
                    self.partial.clear();
                }
            }
            self.consume(take);
            if !complete {
                continue;
            }
            if std::mem::take(&mut self.discarding) {
                return Ok(Line::TooLong);
            }
            let line = std::mem::take(&mut self.partial);
            return Ok(check_line(line));
        }
    }
}

fn check_line(mut line: Vec<u8>) -> Line {
    if !line.ends_with(b"\r\n") {
        return Line::Bad(reply::bad_line_ending());
    }
    line.truncate(line.len() - 2);
    if line.iter().any(|&b| b == b'\r' || b == b'\n' || b == 0) {
        return Line::Bad(reply::bad_line_ending());
    }
    match String::from_utf8(line) {
        Ok(text) => Line::Text(text),
        Err(_) => Line::Bad(reply::syntax("Syntax error: command is not valid UTF-8")),
    }
}
