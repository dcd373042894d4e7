//! `sendmail --direct`: run the delivery workers in this process until one message is
//! sent or has failed (or a deadline passes), then stop them. Other due messages may go
//! out meanwhile; a `serve` running at the same time is safe (claims are leased).

use super::exit::{Failure, CONFIG, TEMPFAIL};
use super::pending::Deliverer;
use msgraph_relay::clock::{Clock, SystemClock};
use msgraph_relay::config::Config;
use msgraph_relay::metrics::Metrics;
use msgraph_relay::shutdown;
use msgraph_relay::spool::{QueueId, Record, Spool, State};
use std::sync::Arc;
use std::time::Duration;

/// How long `--direct` waits for the outcome.
const DEADLINE: Duration = Duration::from_secs(600);
/// How often the spool is asked.
const POLL: Duration = Duration::from_millis(100);

/// Delivers `id`; returns its record once it is sent or failed, or when the deadline
/// passed (then in whatever state it is).
pub async fn deliver(config: &Config, spool: &Spool, id: &QueueId) -> Result<Record, Failure> {
    let graph = config
        .graph
        .client()
        .map_err(|problems| Failure::new(CONFIG, super::join_problems(&problems)))?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let deliverer = Deliverer::new(
        spool.clone(),
        graph,
        config.delivery.clone(),
        clock,
        Metrics::new(),
    );
    let (trigger, stop) = shutdown::channel();
    let workers = tokio::spawn(deliverer.run(stop));
    let deadline = tokio::time::Instant::now() + DEADLINE;
    let outcome = loop {
        let record = spool
            .get(id)
            .await
            .map_err(|e| Failure::new(TEMPFAIL, e.to_string()))?;
        if matches!(record.state, State::Sent | State::Failed)
            || tokio::time::Instant::now() >= deadline
            || workers.is_finished()
        {
            break record;
        }
        tokio::time::sleep(POLL).await;
    };
    trigger.trigger();
    match workers.await {
        Ok(Ok(())) => Ok(outcome),
        Ok(Err(e)) => Err(Failure::new(TEMPFAIL, format!("delivery stopped: {e}"))),
        Err(e) => Err(Failure::new(TEMPFAIL, format!("delivery stopped: {e}"))),
    }
}
