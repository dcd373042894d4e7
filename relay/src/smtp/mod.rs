//! The SMTP submission server: plain listeners with `STARTTLS`, implicit-TLS listeners,
//! `AUTH PLAIN`/`LOGIN` against argon2-hashed users, access rules and rate limits, and
//! messages streamed into the [`spool`](crate::spool), acknowledged only once durable.
//!
//! # Why a state machine of our own
//!
//! The Rust SMTP server crates were checked first (December 2026): `samotop` is built on
//! async-std; `rs-smtp` and `rust-smtp-server` (ports of go-smtp, last released 2023)
//! and `smtpd` hand the message to the application whole or through their own reader
//! without a size cap we control, and bring their own TLS set-up; `mailin` is a
//! synchronous line parser whose data callbacks cannot await the spool; `minismtp` is a
//! receive-only MTA passing messages through an unbounded channel; `rusmes-smtp` (0.1) is
//! the front end of a whole mail server. (Read on docs.rs: `docs.rs/smtpd`,
//! `docs.rs/crate/mailin`, `docs.rs/crate/rs-smtp`, `docs.rs/crate/minismtp`,
//! `docs.rs/crate/samotop`, `docs.rs/crate/rusmes-smtp`.) The relay needs things
//! none of them offers together: `DATA` streamed to an fsynced spool file with the
//! per-sender size limit enforced while reading (and the rest discarded without
//! buffering), `250` only after the spool commit, `538` for `AUTH` before TLS, per-address
//! connection and failed-auth limits on an injectable clock, the `421` shutdown protocol,
//! and rustls on the ring provider already in the tree. The protocol part is small, so it
//! is written here, one module per job:
//!
//! - `command`: parsing a command line;
//! - `reply`: every reply code the server gives;
//! - `connection`: the stream (plain or TLS), bounded line reading, pipelined replies,
//!   read deadlines and shutdown;
//! - `data`: `DATA` with dot-unstuffing, streamed into the spool;
//! - `auth`: SASL decoding and argon2 password checks ([`hash_password`]);
//! - `policy`: network allow-list and allowed senders;
//! - `rate_limit`: per-address connection and failed-auth limits;
//! - `tls`: the rustls configuration;
//! - `session`: the state machine; this module: the listeners.
//!
//! Accepting does not serialize clients: each connection is its own task, and the only
//! shared lock held per message is the spool's commit; the rate-limit table is locked
//! only for a few map operations at connect and on a failed `AUTH`.

mod auth;
mod command;
mod connection;
mod data;
mod policy;
mod rate_limit;
mod reply;
mod session;
mod tls;

pub use auth::hash_password;

use crate::clock::{Clock, SystemClock};
use crate::config::SmtpConfig;
use crate::metrics::Metrics;
use crate::shutdown::Shutdown;
use crate::size_limit::MessageSizeLimit;
use crate::spool::Spool;
use connection::{Connection, Limits, Stream};
use policy::{AccessPolicy, Admission};
use rate_limit::RateLimits;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinSet;
use tokio::time::Instant;
use tokio_rustls::TlsAcceptor;

/// The kind of a listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ListenerKind {
    /// Plain SMTP offering `STARTTLS` when a certificate is configured (`listen`).
    Submission,
    /// TLS from the first byte (`listen_tls`, RFC 8314).
    ImplicitTls,
}

impl fmt::Display for ListenerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ListenerKind::Submission => "smtp",
            ListenerKind::ImplicitTls => "smtps",
        })
    }
}

/// Why the SMTP server could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    /// The `[smtp]` section is not usable; one sentence per problem.
    #[error("invalid [smtp] configuration: {}", .0.join("; "))]
    Config(Vec<String>),
    /// The certificate or key could not be loaded.
    #[error("TLS: {0}")]
    Tls(String),
    /// A listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

/// What every session shares.
struct Shared {
    config: SmtpConfig,
    spool: Spool,
    size_limit: Arc<dyn MessageSizeLimit>,
    metrics: Metrics,
    users: auth::Users,
    policy: AccessPolicy,
    limits: RateLimits,
    tls: Option<TlsAcceptor>,
}

impl fmt::Debug for Shared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("config", &self.config)
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

/// The SMTP server: bound listeners, ready to [`serve`](Self::serve).
#[derive(Debug)]
pub struct SmtpServer {
    listeners: Vec<(ListenerKind, TcpListener)>,
    shared: Arc<Shared>,
}

impl SmtpServer {
    /// Binds every configured listener (plain/submission with STARTTLS, implicit TLS);
    /// port 0 allowed (tests). Refuses a configuration with
    /// [`problems`](SmtpConfig::problems).
    pub async fn bind(
        config: &SmtpConfig,
        spool: Spool,
        size_limit: Arc<dyn MessageSizeLimit>,
        metrics: Metrics,
    ) -> Result<SmtpServer, SmtpError> {
        Self::bind_with_clock(config, spool, size_limit, metrics, Arc::new(SystemClock)).await
    }

    /// [`bind`](Self::bind) with the clock the rate limits use (tests move a
    /// [`ManualClock`](crate::clock::ManualClock)).
    pub async fn bind_with_clock(
        config: &SmtpConfig,
        spool: Spool,
        size_limit: Arc<dyn MessageSizeLimit>,
        metrics: Metrics,
        clock: Arc<dyn Clock>,
    ) -> Result<SmtpServer, SmtpError> {
        let problems = config.problems();
        if !problems.is_empty() {
            return Err(SmtpError::Config(problems));
        }
        let tls = match (&config.tls_cert, &config.tls_key) {
            (Some(cert), Some(key)) => Some(tls::acceptor(cert, key)?),
            _ => None,
        };
        let mut listeners = Vec::new();
        let addrs = config
            .listen
            .iter()
            .map(|a| (ListenerKind::Submission, *a))
            .chain(
                config
                    .listen_tls
                    .iter()
                    .map(|a| (ListenerKind::ImplicitTls, *a)),
            );
        for (kind, addr) in addrs {
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| SmtpError::Bind { addr, source })?;
            listeners.push((kind, listener));
        }
        Ok(SmtpServer {
            listeners,
            shared: Arc::new(Shared {
                config: config.clone(),
                spool,
                size_limit,
                metrics,
                users: auth::Users::new(&config.users),
                policy: AccessPolicy::new(config),
                limits: RateLimits::new(config, clock),
                tls,
            }),
        })
    }

    /// The bound addresses (for tests and the startup log).
    pub fn local_addrs(&self) -> Vec<(ListenerKind, SocketAddr)> {
        self.listeners
            .iter()
            .filter_map(|(kind, l)| l.local_addr().ok().map(|a| (*kind, a)))
            .collect()
    }

    /// Serves until shutdown: then stops accepting, lets sessions finish their current
    /// transaction (for `shutdown_grace_secs`), closes the rest with `421`.
    pub async fn serve(self, mut shutdown: Shutdown) -> Result<(), SmtpError> {
        let SmtpServer { listeners, shared } = self;
        let slots = Arc::new(Semaphore::new(shared.config.max_connections));
        let (accepted, mut incoming) = mpsc::channel::<(ListenerKind, TcpStream, SocketAddr)>(64);
        let mut acceptors = JoinSet::new();
        for (kind, listener) in listeners {
            let accepted = accepted.clone();
            acceptors.spawn(async move {
                loop {
                    match listener.accept().await {
                        Ok((stream, addr)) => {
                            if accepted.send((kind, stream, addr)).await.is_err() {
                                return;
                            }
                        }
                        Err(e) => {
                            // Out of descriptors and the like: pause instead of spinning.
                            tracing::warn!(error = %e, "accept failed");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                }
            });
        }
        drop(accepted);
        let mut sessions = JoinSet::new();
        loop {
            tokio::select! {
                _ = shutdown.wait() => break,
                next = incoming.recv() => {
                    let Some((kind, stream, addr)) = next else { break };
                    let shared = shared.clone();
                    let slots = slots.clone();
                    let shutdown = shutdown.clone();
                    sessions.spawn(async move {
                        handle(shared, slots, kind, stream, addr, shutdown).await;
                    });
                }
                Some(_) = sessions.join_next(), if !sessions.is_empty() => {}
            }
        }
        // Stop accepting: the listeners close with their tasks.
        acceptors.abort_all();
        drop(incoming);
        let grace = Duration::from_secs(shared.config.shutdown_grace_secs);
        // Sessions end themselves within the grace period (their reads stop then); the
        // margin covers a last spool commit.
        let drained = tokio::time::timeout(grace + Duration::from_secs(5), async {
            while sessions.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            sessions.abort_all();
        }
        Ok(())
    }
}

/// One accepted connection: admission, then the session.
async fn handle(
    shared: Arc<Shared>,
    slots: Arc<Semaphore>,
    kind: ListenerKind,
    tcp: TcpStream,
    addr: SocketAddr,
    shutdown: Shutdown,
) {
    let _ = tcp.set_nodelay(true);
    let peer = match addr.ip() {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    };
    let config = &shared.config;
    let limits = Limits {
        command: Duration::from_secs(config.command_timeout_secs),
        connection_end: Instant::now() + Duration::from_secs(config.connection_timeout_secs),
        grace: Duration::from_secs(config.shutdown_grace_secs),
    };
    let stream = match kind {
        ListenerKind::Submission => Stream::Plain(tcp),
        ListenerKind::ImplicitTls => {
            let acceptor = shared
                .tls
                .clone()
                .expect("listen_tls requires a certificate");
            let handshake = tokio::time::timeout(limits.command, acceptor.accept(tcp)).await;
            match handshake {
                Ok(Ok(tls)) => Stream::Tls(Box::new(tls)),
                _ => {
                    tracing::info!(peer = %peer, "TLS handshake failed");
                    return;
                }
            }
        }
    };
    let mut connection = Connection::new(stream, limits, shutdown);
    let hostname = &config.hostname;
    let refusal = if shared.limits.locked_out(peer) {
        Some((reply::locked_out(hostname), "auth"))
    } else if !shared.limits.allow_connection(peer) {
        Some((reply::connection_rate(hostname), "rate"))
    } else {
        None
    };
    let admission = shared.policy.admit(peer);
    let refusal = refusal.or_else(|| {
        (admission == Admission::Refused).then(|| (reply::access_denied(hostname), "access"))
    });
    let slot = slots.try_acquire_owned();
    let refusal = refusal.or_else(|| {
        slot.is_err()
            .then(|| (reply::too_many_connections(hostname), "connections"))
    });
    if let Some((reply, reason)) = refusal {
        tracing::info!(peer = %peer, reason, "connection refused");
        shared.metrics.reject(reason);
        connection.reply(&reply);
        connection.close().await;
        return;
    }
    session::run(shared.clone(), connection, peer, admission).await;
    drop(slot);
}
