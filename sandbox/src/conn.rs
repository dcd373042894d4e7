//! A TCP listener whose connections can be cut off from inside a handler: the handler
//! finds a [`ConnHandle`] in the request extensions (axum `ConnectInfo`) and calls
//! [`ConnHandle::cut_off`]; from then on every write on that connection fails, so hyper
//! gives up on the response before a single byte of it reaches the socket, drops the
//! connection, and the client sees the TCP connection close without a status line.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Listener handing out [`CuttableStream`]s.
#[derive(Debug)]
pub(crate) struct CuttableListener(pub TcpListener);

/// Per-connection handle, available to handlers as `ConnectInfo<ConnHandle>`.
#[derive(Debug, Clone)]
pub(crate) struct ConnHandle {
    cut: Arc<AtomicBool>,
}

impl ConnHandle {
    /// Makes every further write on the connection fail, so no response is sent and
    /// the connection is closed.
    pub(crate) fn cut_off(&self) {
        self.cut.store(true, Ordering::SeqCst);
    }
}

/// A TCP stream whose writes fail once its [`ConnHandle`] was cut off.
#[derive(Debug)]
pub(crate) struct CuttableStream {
    inner: TcpStream,
    cut: Arc<AtomicBool>,
}

impl CuttableStream {
    fn is_cut(&self) -> bool {
        self.cut.load(Ordering::SeqCst)
    }
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
            match self.0.accept().await {
                Ok((inner, addr)) => {
                    let cut = Arc::new(AtomicBool::new(false));
                    let handle = ConnHandle { cut: cut.clone() };
                    return (CuttableStream { inner, cut }, (addr, handle));
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
        };
        Ok((self.0.local_addr()?, handle))
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
        Pin::new(&mut self.inner).poll_read(cx, buf)
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
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.is_cut() {
            return Poll::Ready(Err(aborted()));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
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
