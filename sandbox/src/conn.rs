//! A TCP listener whose connections can be cut off from inside a handler: the handler
//! finds a [`ConnHandle`] in the request extensions (axum `ConnectInfo`) and calls
//! [`ConnHandle::cut_off`]; from then on every write on that connection fails, so hyper
//! gives up on the response before a single byte of it reaches the socket, drops the
//! connection, and the client sees the TCP connection close without a status line.
//!
//! It also keeps slow clients from holding the server: a connection on which nothing
//! was read or written for the idle timeout while no handler runs for it (a client that
//! stops sending its headers or its body, or an idle keep-alive connection) is closed,
//! and at most `max_connections` connections are served at once – the listener stops
//! accepting while that many are open, so further clients wait in the operating
//! system's accept queue until one closes.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};

/// Default idle timeout of a connection.
pub(crate) const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(30);
/// Default bound on connections served at once.
pub(crate) const DEFAULT_MAX_CONNECTIONS: usize = 1024;

/// Listener handing out [`CuttableStream`]s, at most as many at once as its semaphore
/// has permits.
#[derive(Debug)]
pub(crate) struct CuttableListener {
    listener: TcpListener,
    idle_timeout: Duration,
    slots: Arc<Semaphore>,
}

impl CuttableListener {
    /// Serves `listener` with that idle timeout and connection bound (at least 1).
    pub(crate) fn new(
        listener: TcpListener,
        idle_timeout: Duration,
        max_connections: usize,
    ) -> CuttableListener {
        CuttableListener {
            listener,
            idle_timeout,
            slots: Arc::new(Semaphore::new(max_connections.max(1))),
        }
    }
}

/// Per-connection handle, available to handlers as `ConnectInfo<ConnHandle>`.
#[derive(Debug, Clone)]
pub(crate) struct ConnHandle {
    cut: Arc<AtomicBool>,
    /// Handlers running for this connection (their time never counts as idle).
    busy: Arc<AtomicUsize>,
}

/// Marks a connection busy while alive (see [`ConnHandle::busy`]).
#[derive(Debug)]
pub(crate) struct BusyGuard(Arc<AtomicUsize>);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl ConnHandle {
    /// Makes every further write on the connection fail, so no response is sent and
    /// the connection is closed.
    pub(crate) fn cut_off(&self) {
        self.cut.store(true, Ordering::SeqCst);
    }

    /// Marks the connection busy until the guard is dropped: a handler working (or
    /// sleeping an artificial latency) is not a stalled client. Taken once the request
    /// body was read, so a client stalling its body still times out.
    pub(crate) fn busy(&self) -> BusyGuard {
        self.busy.fetch_add(1, Ordering::SeqCst);
        BusyGuard(self.busy.clone())
    }
}

/// A TCP stream whose writes fail once its [`ConnHandle`] was cut off.
#[derive(Debug)]
pub(crate) struct CuttableStream {
    inner: TcpStream,
    cut: Arc<AtomicBool>,
    busy: Arc<AtomicUsize>,
    idle_timeout: Duration,
    /// Fires `idle_timeout` after the last read or write progress.
    deadline: Pin<Box<Sleep>>,
    /// The connection's place among `max_connections`, given back on drop.
    _slot: OwnedSemaphorePermit,
}

impl CuttableStream {
    fn is_cut(&self) -> bool {
        self.cut.load(Ordering::SeqCst)
    }

    /// Some bytes went through: the idle time starts again.
    fn progressed(&mut self) {
        let at = Instant::now() + self.idle_timeout;
        self.deadline.as_mut().reset(at);
    }

    /// A read or write is pending: an error once the connection was idle too long,
    /// unless a handler runs for it (then the idle time starts when it is done).
    fn poll_idle(&mut self, cx: &mut Context<'_>) -> Poll<io::Error> {
        if self.busy.load(Ordering::SeqCst) > 0 {
            self.progressed();
            return Poll::Pending;
        }
        match self.deadline.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(io::Error::new(
                io::ErrorKind::TimedOut,
                "connection idle for longer than the sandbox's idle timeout",
            )),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// Maps a pending I/O result through the idle check.
macro_rules! idle_checked {
    ($self:ident, $cx:ident, $poll:expr, $made_progress:expr) => {
        match $poll {
            Poll::Ready(Ok(v)) => {
                if $made_progress(&v) {
                    $self.progressed();
                }
                Poll::Ready(Ok(v))
            }
            Poll::Ready(Err(e)) => Poll::Ready(Err(e)),
            Poll::Pending => match $self.poll_idle($cx) {
                Poll::Ready(e) => Poll::Ready(Err(e)),
                Poll::Pending => Poll::Pending,
            },
        }
    };
}

fn aborted() -> io::Error {
    io::Error::new(
        io::ErrorKind::ConnectionAborted,
        "connection cut off by the sandbox (fault injection)",
    )
}

impl Listener for CuttableListener {
    type Io = CuttableStream;
    type Addr = (SocketAddr, ConnHandle);

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            // Accept only with a free place: beyond the bound, clients wait in the
            // kernel's accept queue instead of costing the process anything.
            let Ok(slot) = self.slots.clone().acquire_owned().await else {
                // The semaphore is never closed; wait forever rather than spin.
                std::future::pending::<()>().await;
                continue;
            };
            match self.listener.accept().await {
                Ok((inner, addr)) => {
                    let cut = Arc::new(AtomicBool::new(false));
                    let busy = Arc::new(AtomicUsize::new(0));
                    let handle = ConnHandle {
                        cut: cut.clone(),
                        busy: busy.clone(),
                    };
                    let stream = CuttableStream {
                        inner,
                        cut,
                        busy,
                        idle_timeout: self.idle_timeout,
                        deadline: Box::pin(tokio::time::sleep(self.idle_timeout)),
                        _slot: slot,
                    };
                    return (stream, (addr, handle));
                }
                Err(e) => {
                    // As axum does for its own TcpListener: per-connection errors are
                    // skipped, others (e.g. too many open files) back off a little.
                    let per_connection = matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionRefused
                            | io::ErrorKind::ConnectionAborted
                            | io::ErrorKind::ConnectionReset
                    );
                    if !per_connection {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        let handle = ConnHandle {
            cut: Arc::new(AtomicBool::new(false)),
            busy: Arc::new(AtomicUsize::new(0)),
        };
        Ok((self.listener.local_addr()?, handle))
    }
}

impl Connected<IncomingStream<'_, CuttableListener>> for ConnHandle {
    fn connect_info(stream: IncomingStream<'_, CuttableListener>) -> Self {
        stream.remote_addr().1.clone()
    }
}

impl AsyncRead for CuttableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.is_cut() {
            return Poll::Ready(Err(aborted()));
        }
        let before = buf.filled().len();
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        let after = buf.filled().len();
        idle_checked!(this, cx, poll, |_: &()| after > before)
    }
}

impl AsyncWrite for CuttableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if self.is_cut() {
            return Poll::Ready(Err(aborted()));
        }
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_write(cx, buf);
        idle_checked!(this, cx, poll, |n: &usize| *n > 0)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.is_cut() {
            return Poll::Ready(Err(aborted()));
        }
        let this = &mut *self;
        let poll = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        idle_checked!(this, cx, poll, |n: &usize| *n > 0)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if self.is_cut() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}
