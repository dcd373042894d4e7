//! Prometheus metrics (text exposition at `/metrics`), on the `prometheus-client` crate.

use crate::spool::{State, StateCounts};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::sync::Arc;

/// Label of a per-state or per-reason series.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Label {
    /// `state` or `reason` value.
    pub value: String,
}

/// Every metric the relay exports. Cheap to clone; clones share the series.
#[derive(Debug, Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    queue: Family<StateLabel, Gauge>,
    /// 1 when this relay's `/metrics` has the queue depth (`msgraph_relay_queue_reporter`).
    queue_reporter: Gauge,
    /// Messages Graph accepted (`msgraph_relay_delivered_total`).
    pub delivered: Counter,
    /// Messages given up (`msgraph_relay_failed_total`).
    pub failed: Counter,
    /// Attempts whose outcome was unknown (`msgraph_relay_unknown_outcomes_total`).
    pub unknown: Counter,
    /// Unknown outcomes resolved by finding the message in the sending mailbox
    /// (`msgraph_relay_found_in_mailbox_total`).
    pub found_in_mailbox: Counter,
    /// Messages sent again after proving the first attempt absent
    /// (`msgraph_relay_resent_total`).
    pub resent: Counter,
    /// Throttled answers (429/503) from Graph (`msgraph_relay_throttled_total`).
    pub throttled: Counter,
    /// Seconds from acceptance to Graph's acceptance (`msgraph_relay_delivery_seconds`).
    pub delivery_seconds: Histogram,
    /// Messages accepted over SMTP or `sendmail` (`msgraph_relay_accepted_total`).
    pub accepted: Counter,
    /// SMTP commands or messages refused, by reason (`msgraph_relay_rejected_total`).
    pub rejected: Family<Label, Counter>,
    /// Failed SMTP authentications (`msgraph_relay_auth_failures_total`).
    pub auth_failures: Counter,
}

/// Label of the queue-depth gauge.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A fresh registry with every series at zero.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("msgraph_relay");
        let metrics = Metrics {
            registry: Arc::new(Registry::default()),
            queue: Family::default(),
            queue_reporter: Gauge::default(),
            delivered: Counter::default(),
            failed: Counter::default(),
            unknown: Counter::default(),
            found_in_mailbox: Counter::default(),
            resent: Counter::default(),
            throttled: Counter::default(),
            // 10 ms … ~2.3 h.
            delivery_seconds: Histogram::new(exponential_buckets(0.01, 2.0, 20)),
            accepted: Counter::default(),
            rejected: Family::default(),
            auth_failures: Counter::default(),
        };
        registry.register(
            "queue_messages",
            "Messages in the spool by state",
            metrics.queue.clone(),
        );
        registry.register(
            "queue_reporter",
            "1 when this relay reports the (shared) queue's depth, 0 when another relay on the same spool does",
            metrics.queue_reporter.clone(),
        );
        registry.register(
            "delivered",
            "Messages Graph accepted",
            metrics.delivered.clone(),
        );
        registry.register("failed", "Messages given up", metrics.failed.clone());
        registry.register(
            "unknown_outcomes",
            "Attempts whose outcome was unknown",
            metrics.unknown.clone(),
        );
        registry.register(
            "found_in_mailbox",
            "Unknown outcomes resolved by finding the message in the sending mailbox",
            metrics.found_in_mailbox.clone(),
        );
        registry.register(
            "resent",
            "Messages sent again after their first attempt was proven absent",
            metrics.resent.clone(),
        );
        registry.register(
            "throttled",
            "Throttled answers (429/503) from Graph",
            metrics.throttled.clone(),
        );
        registry.register(
            "delivery_seconds",
            "Seconds from acceptance to Graph's acceptance",
            metrics.delivery_seconds.clone(),
        );
        registry.register(
            "accepted",
            "Messages accepted over SMTP or sendmail",
            metrics.accepted.clone(),
        );
        registry.register(
            "rejected",
            "SMTP commands or messages refused, by reason",
            metrics.rejected.clone(),
        );
        registry.register(
            "auth_failures",
            "Failed SMTP authentications",
            metrics.auth_failures.clone(),
        );
        Metrics {
            registry: Arc::new(registry),
            ..metrics
        }
    }

    /// Counts one refusal for `reason` (a short fixed word: `size`, `access`, `auth`, …).
    pub fn reject(&self, reason: &str) {
        self.rejected
            .get_or_create(&Label {
                value: reason.to_string(),
            })
            .inc();
    }

    /// The Prometheus text exposition, with the queue depth from `counts`; without it
    /// (`None`) when another relay on the same shared spool reports the queue, so that a
    /// sum over every relay's `/metrics` counts the shared queue once.
    pub fn encode(&self, counts: Option<StateCounts>) -> String {
        match counts {
            Some(counts) => {
                for state in State::ALL {
                    self.queue
                        .get_or_create(&StateLabel {
                            state: state.as_str().to_string(),
                        })
                        .set(counts.get(state) as i64);
                }
                self.queue_reporter.set(1);
            }
            None => {
                self.queue.clear();
                self.queue_reporter.set(0);
            }
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)
            .expect("writing to a String cannot fail");
        text
    }
}
