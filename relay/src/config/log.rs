//! `[log]`: how the relay logs (to stderr; journald keeps it under systemd).

use serde::Deserialize;

/// Line format of the log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// Human-readable lines (default).
    #[default]
    Text,
    /// One JSON object per line.
    Json,
}

/// `[log]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// `format`: `text` or `json`.
    pub format: LogFormat,
    /// `level`: a `tracing` filter (`info`, `msgraph_relay=debug,info`); the environment
    /// variable `RUST_LOG` overrides it.
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            format: LogFormat::Text,
            level: "info".to_string(),
        }
    }
}

impl super::problem::Validate for LogConfig {
    fn validate(&self, section: &str, problems: &mut Vec<super::problem::Problem>) {
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.level) {
            problems.push(super::problem::Problem::new(
                format!("{section}.level"),
                format!("not a tracing filter: {e}"),
            ));
        }
    }
}
