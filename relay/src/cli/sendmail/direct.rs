//! `sendmail --direct`: after queuing, one delivery pass in this process (everything due
//! now, this message included), then the message's outcome. A `serve` running at the
//! same time is safe: claims are leased, and this pass does not recover `sending` rows
//! (they may be `serve`'s own attempts in flight).

use crate::cli::exit::{Failure, CONFIG, TEMPFAIL};
use msgraph_relay::config::Config;
use msgraph_relay::metrics::Metrics;
use msgraph_relay::spool::{QueueId, Record, Spool};

/// Delivers what is due, then returns `id`'s record (sent, failed, or waiting for a retry
/// or an unknown outcome's check).
pub async fn deliver(config: &Config, spool: &Spool, id: &QueueId) -> Result<Record, Failure> {
    let graph = config
        .graph
        .client()
        .map_err(|problems| Failure::new(CONFIG, crate::cli::join_problems(&problems)))?;
    let deliverer = crate::cli::deliverer(config, spool, graph, Metrics::new());
    deliverer
        .run_due()
        .await
        .map_err(|e| Failure::new(TEMPFAIL, format!("delivery stopped: {e}")))?;
    spool
        .get(id)
        .await
        .map_err(|e| Failure::new(TEMPFAIL, e.to_string()))
}
