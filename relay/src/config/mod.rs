//! The relay's configuration: one TOML file, every secret also from an environment
//! variable or a file. Each section has its own module; [`load`] reads and checks the
//! whole file.

pub mod database;
pub mod delivery;
pub mod graph;
pub mod http;
pub mod load;
pub mod log;
pub mod problem;
pub mod secret;
pub mod sendmail;
pub mod smtp;

pub use delivery::{DeliveryConfig, SendAs};
pub use graph::{AuthMethod, GraphConfig};
pub use http::HttpConfig;
pub use load::{LoadError, DEFAULT_PATH};
pub use log::{LogConfig, LogFormat};
pub use problem::{Problem, Validate};
pub use secret::SecretString;
pub use sendmail::SendmailConfig;
pub use smtp::SmtpConfig;

use serde::Deserialize;
use std::path::PathBuf;

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `[spool]`: where messages wait.
    pub spool: SpoolConfig,
    /// `[smtp]`: the SMTP listener and who may submit.
    pub smtp: SmtpConfig,
    /// `[delivery]`: sending through Graph.
    pub delivery: DeliveryConfig,
    /// `[graph]`: signing in to Graph and where it is.
    pub graph: GraphConfig,
    /// `[http]`: `/metrics` and `/healthz`.
    pub http: HttpConfig,
    /// `[log]`: log format and level.
    pub log: LogConfig,
    /// `[sendmail]`: the `sendmail` command line.
    pub sendmail: SendmailConfig,
}

/// `[spool]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SpoolConfig {
    /// The spool directory: the SQLite spool, or (with `database`) only the messages
    /// being received and the parts being decoded.
    pub dir: PathBuf,
    /// Right-hand side of the Message-IDs added to messages without one.
    pub hostname: String,
    /// `database`: a PostgreSQL URL (`postgres://user:password@host/db?sslmode=require`)
    /// for one queue shared by several relays; without it the spool is SQLite in `dir`.
    /// A secret (it may hold a password): also `database_file` or `database_env`.
    pub database: Option<SecretString>,
    /// `database_file`.
    pub database_file: Option<PathBuf>,
    /// `database_env`.
    pub database_env: Option<String>,
    /// `database_ca_file`: PEM certificates the database's TLS certificate is checked
    /// against (a private CA) instead of the Mozilla roots.
    pub database_ca_file: Option<PathBuf>,
}

impl Default for SpoolConfig {
    fn default() -> Self {
        SpoolConfig {
            dir: PathBuf::from("/var/spool/msgraph-relay"),
            hostname: "msgraph-relay.localdomain".to_string(),
            database: None,
            database_file: None,
            database_env: None,
            database_ca_file: None,
        }
    }
}

impl SpoolConfig {
    /// Where `database` comes from.
    pub fn database_source(&self) -> secret::SecretSource<'_> {
        secret::SecretSource {
            key: "spool.database",
            value: self.database.as_ref(),
            file: self.database_file.as_deref(),
            env: self.database_env.as_deref(),
        }
    }
}
