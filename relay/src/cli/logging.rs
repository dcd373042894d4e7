//! The `tracing` subscriber of `serve` (and of the other subcommands' warnings): text or
//! JSON lines on stderr, filtered by `[log] level` unless `RUST_LOG` says otherwise.

use msgraph_relay::config::{LogConfig, LogFormat};
use tracing_subscriber::EnvFilter;

/// Installs the subscriber (once per process).
pub fn init(config: &LogConfig) {
    let filter = EnvFilter::try_from_default_env()
        .or_else(|_| EnvFilter::try_new(&config.level))
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match config.format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}
