//! A stand-in with the signature of the delivery workers (`delivery::Deliverer`), until
//! that module lands on main. `serve.rs` and `direct.rs` are written against this
//! signature, so switching to the real one is a change of `use` lines (and deleting this
//! file).

use msgraph_outlook::GraphClient;
use msgraph_relay::clock::Clock;
use msgraph_relay::config::DeliveryConfig;
use msgraph_relay::metrics::Metrics;
use msgraph_relay::shutdown::Shutdown;
use msgraph_relay::size_limit::{FixedSizeLimit, MessageSizeLimit};
use msgraph_relay::spool::Spool;
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
