//! The relay's configuration: one TOML file, every secret also from an environment
//! variable or a file. Each section has its own module.

pub mod delivery;
pub mod smtp;

pub use delivery::{DeliveryConfig, SendAs};
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
