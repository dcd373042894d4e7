//! The connection pool to the shared spool database, over rustls when the server offers
//! TLS, and what a failed statement means for the caller.

use crate::spool::SpoolError;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::error::SqlState;

/// Connections per relay: the delivery workers' commits, the SMTP commits and the
/// streams of message bodies share them.
const POOL_SIZE: usize = 16;
/// How long a statement waits for a connection before the spool counts as unavailable
/// (the SMTP client then hears `451`, never a `250` for a message not stored).
const WAIT: Duration = Duration::from_secs(10);
/// How long opening a connection may take.
const CONNECT: Duration = Duration::from_secs(5);

/// A pool on `url` (`postgres://user:password@host:port/database?sslmode=…`). TLS when
/// the server offers it (`sslmode=prefer`, the default) or always (`require`); either way
/// the server's certificate and name are checked (as libpq's `verify-full` does) against
/// the Mozilla roots, or against the PEM certificates of `ca_file` instead.
pub fn pool(url: &str, ca_file: Option<&Path>) -> Result<Pool, SpoolError> {
    let config = crate::config::database::parse_url(url)
        .map_err(|e| SpoolError::Schema(format!("spool.database: {e}")))?;
    let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(ca_file)?);
    let manager = Manager::from_config(
        config,
        tls,
        ManagerConfig {
            // A connection the server closed (restart, failover) is replaced at checkout.
            recycling_method: RecyclingMethod::Verified,
        },
    );
    Pool::builder(manager)
        .max_size(POOL_SIZE)
        .wait_timeout(Some(WAIT))
        .create_timeout(Some(CONNECT))
        .recycle_timeout(Some(CONNECT))
        .runtime(Runtime::Tokio1)
        .build()
        .map_err(|e| SpoolError::Schema(format!("database pool: {e}")))
}

fn tls_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, SpoolError> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| {
                SpoolError::Schema(format!("spool.database_ca_file: {}: {e}", path.display()))
            })?;
            for cert in rustls_pemfile::certs(&mut pem.as_slice()) {
                roots
                    .add(cert?)
                    .map_err(|e| SpoolError::Schema(format!("{}: {e}", path.display())))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| SpoolError::Schema(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// `url` without its password, for logs.
pub fn describe(url: &str) -> String {
    match crate::config::database::parse_url(url) {
        Ok(config) => {
            let hosts: Vec<String> = config
                .get_hosts()
                .iter()
                .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
                .map(|(host, port)| match host {
                    tokio_postgres::config::Host::Tcp(h) => format!("{h}:{port}"),
                    tokio_postgres::config::Host::Unix(p) => format!("{}", p.display()),
                })
                .collect();
            format!(
                "postgres://{}/{}",
                hosts.join(","),
                config.get_dbname().unwrap_or("")
            )
        }
        Err(_) => "postgres://(invalid URL)".to_string(),
    }
}

/// What a failed statement means: the database could not be reached or is restarting
/// (try later), or it refused the statement.
pub fn failed(e: tokio_postgres::Error) -> SpoolError {
    let unavailable = match e.code() {
        // No SQLSTATE: the connection broke (closed, an I/O error), or the client itself
        // refused something (a type conversion), which no waiting cures.
        None => e.is_closed() || io_error(&e),
        Some(code) => {
            let c = code.code();
            c.starts_with("08") // connection exception
                || c.starts_with("57P") // admin/crash shutdown, cannot connect now
                // A pooled connection to a former primary after a failover.
                || *code == SqlState::READ_ONLY_SQL_TRANSACTION
                || *code == SqlState::T_R_SERIALIZATION_FAILURE
                || *code == SqlState::T_R_DEADLOCK_DETECTED
                || *code == SqlState::TOO_MANY_CONNECTIONS
        }
    };
    if unavailable {
        SpoolError::Unavailable(e.to_string())
    } else {
        SpoolError::Postgres(e)
    }
}

fn io_error(e: &tokio_postgres::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        if inner.is::<std::io::Error>() {
            return true;
        }
        source = inner.source();
    }
    false
}

/// No connection could be had from the pool.
pub fn no_connection(e: deadpool_postgres::PoolError) -> SpoolError {
    SpoolError::Unavailable(format!("no database connection: {e}"))
}
