//! The relay's configuration: one TOML file, every secret also from an environment
//! variable or a file. Each section has its own module; [`load`] reads and checks the
//! whole file.

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
    /// The spool directory.
    pub dir: PathBuf,
    /// Right-hand side of the Message-IDs added to messages without one.
    pub hostname: String,
}

impl Default for SpoolConfig {
    fn default() -> Self {
        SpoolConfig {
            dir: PathBuf::from("/var/spool/msgraph-relay"),
            hostname: "msgraph-relay.localdomain".to_string(),
        }
    }
}
