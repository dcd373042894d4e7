//! `[http]`: the small HTTP endpoint of `serve` (`/metrics`, `/healthz`).

use serde::Deserialize;
use std::net::SocketAddr;

/// `[http]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// `listen`: address of `/metrics` and `/healthz` (default `127.0.0.1:9587`; port 0
    /// picks a free one, logged at startup).
    pub listen: SocketAddr,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 9587)),
        }
    }
}
