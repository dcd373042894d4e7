//! Stand-ins with the signatures of the delivery workers (`delivery::Deliverer`) and the
//! SMTP server (`smtp::SmtpServer`, `smtp::hash_password`), until those modules land on
//! main. `serve.rs` and `hash_password.rs` are written against these signatures, so
//! switching to the real ones is a change of `use` lines (and deleting this file).

use msgraph_outlook::GraphClient;
use msgraph_relay::clock::Clock;
use msgraph_relay::config::{DeliveryConfig, SmtpConfig};
use msgraph_relay::metrics::Metrics;
use msgraph_relay::shutdown::Shutdown;
use msgraph_relay::size_limit::{FixedSizeLimit, MessageSizeLimit};
use msgraph_relay::spool::Spool;
use std::net::SocketAddr;
use std::sync::Arc;

/// Exchange Online's default maximum send size, until MailTips answer it.
const DEFAULT_MAX_MESSAGE_SIZE: u64 = 35 * 1024 * 1024;

/// Stand-in for `delivery::DeliveryError`.
#[derive(Debug)]
pub struct DeliveryError(pub String);

impl std::fmt::Display for DeliveryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Stand-in for `delivery::Deliverer`: holds the parts, sends nothing.
#[derive(Debug)]
pub struct Deliverer {
    _parts: (Spool, GraphClient, DeliveryConfig, Arc<dyn Clock>, Metrics),
}

impl Deliverer {
    /// Same signature as the real one.
    pub fn new(
        spool: Spool,
        graph: GraphClient,
        config: DeliveryConfig,
        clock: Arc<dyn Clock>,
        metrics: Metrics,
    ) -> Deliverer {
        Deliverer {
            _parts: (spool, graph, config, clock, metrics),
        }
    }

    /// Waits for shutdown.
    pub async fn run(self, mut shutdown: Shutdown) -> Result<(), DeliveryError> {
        shutdown.wait().await;
        Ok(())
    }

    /// Processes what is due once (sends nothing).
    pub async fn run_due(&self) -> Result<usize, DeliveryError> {
        Ok(0)
    }

    /// A fixed limit.
    pub fn size_limit(&self) -> Arc<dyn MessageSizeLimit> {
        Arc::new(FixedSizeLimit(DEFAULT_MAX_MESSAGE_SIZE))
    }
}

/// Stand-in for `smtp::SmtpError`.
#[derive(Debug)]
pub struct SmtpError(pub String);

impl std::fmt::Display for SmtpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Stand-in for `smtp::SmtpServer`: listens nowhere.
#[derive(Debug)]
pub struct SmtpServer;

impl SmtpServer {
    /// Same signature as the real one.
    pub async fn bind(
        _config: &SmtpConfig,
        _spool: Spool,
        _limit: Arc<dyn MessageSizeLimit>,
        _metrics: Metrics,
    ) -> Result<SmtpServer, SmtpError> {
        Ok(SmtpServer)
    }

    /// No addresses.
    pub fn local_addrs(&self) -> Vec<(ListenerKind, SocketAddr)> {
        Vec::new()
    }

    /// Waits for shutdown.
    pub async fn serve(self, mut shutdown: Shutdown) -> Result<(), SmtpError> {
        shutdown.wait().await;
        Ok(())
    }
}

/// Stand-in for `smtp::ListenerKind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListenerKind {
    /// Plain with STARTTLS.
    Submission,
    /// Implicit TLS.
    ImplicitTls,
}

impl std::fmt::Display for ListenerKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ListenerKind::Submission => "smtp",
            ListenerKind::ImplicitTls => "smtps",
        })
    }
}

/// Stand-in for `smtp::hash_password`: argon2id with default parameters, as a PHC string.
pub fn hash_password(password: &str) -> String {
    use argon2::password_hash::{PasswordHasher, SaltString};
    let salt = SaltString::encode_b64(uuid::Uuid::new_v4().as_bytes()).expect("16-byte salt");
    argon2::Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters")
        .to_string()
}
