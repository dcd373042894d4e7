//! Notifications waiting to be POSTed to a subscriber (GRAPH-FACTS-2 §2.2): one
//! bounded FIFO queue per (subscription, change or lifecycle notifications), POSTed to
//! the subscription's URL of the moment (a PATCH of `notificationUrl` moves what
//! waits, [`Deliveries::retarget`]), retried with
//! exponential backoff on the sandbox clock and dropped 4 hours after they were
//! queued. Pure bookkeeping under the store lock; the HTTP side is
//! [`super::worker`].
//!
//! Graph documents "exponential backoff" for up to 4 hours without the intervals; the
//! sandbox waits 1 minute after the first failure and doubles the wait up to 1 hour
//! \[unconfirmed: Graph's intervals\]. Several notifications of one queue travel in
//! one POST (at most [`MAX_BATCH`]), as Graph batches them \[unconfirmed: Graph's batch
//! size\].

use std::collections::VecDeque;

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

/// Notifications of one queue waiting at most (a receiver that fails for long
/// loses the newer ones; see [`Deliveries::push`]).
pub(crate) const MAX_QUEUE: usize = 1_000;

/// Notifications per POST.
pub(crate) const MAX_BATCH: usize = 100;

/// How long Graph keeps retrying a notification (GRAPH-FACTS-2 §2.2).
const RETRY_FOR_HOURS: i64 = 4;

/// Which URL a queue posts to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QueueKind {
    /// `notificationUrl`: change notifications.
    Change,
    /// `lifecycleNotificationUrl`: lifecycle notifications.
    Lifecycle,
}

/// A queued notification. Its JSON carries the subscription's `clientState`, so it is
/// left out of `Debug`.
struct Pending {
    seq: u64,
    json: Value,
    queued_at: DateTime<Utc>,
    /// Carries `encryptedContent`: the POST gets `validationTokens`.
    rich: bool,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("seq", &self.seq)
            .field("queued_at", &self.queued_at)
            .field("rich", &self.rich)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Queue {
    subscription_id: String,
    kind: QueueKind,
    url: String,
    /// The subscription's applicationId (audience of `validationTokens`).
    app_id: String,
    items: VecDeque<Pending>,
    failures: u32,
    next_attempt: DateTime<Utc>,
    /// A POST is under way with the items up to this sequence number.
    in_flight: Option<u64>,
    /// [`Deliveries::drop_pending`] ran during that POST: if it fails, its items go too.
    drop_in_flight: bool,
}

/// One POST to make: the first notifications of a queue (no `Debug`: the body
/// carries `clientState`).
pub(crate) struct Batch {
    pub subscription_id: String,
    pub kind: QueueKind,
    pub url: String,
    pub app_id: String,
    /// `{"value": [...]}`.
    pub body: Value,
    /// Whether `validationTokens` must be added.
    pub rich: bool,
    /// The queue's items up to this sequence number are in the batch.
    last_seq: u64,
}

/// Every queue, and the counters of [`crate::Sandbox::notification_posts`] & co.
#[derive(Debug, Default)]
pub(crate) struct Deliveries {
    queues: Vec<Queue>,
    seq: u64,
    /// POSTs made to notification URLs (not counting validation handshakes).
    pub posts: usize,
    /// Notifications a receiver acknowledged with 2xx.
    pub delivered: usize,
    /// Notifications given up: after 4 hours of failures, over the queue bound,
    /// dropped by a `missed` lifecycle event, or pending when their subscription went.
    pub dropped: usize,
    /// `Sandbox::pause_notifications`: queue, but do not post.
    pub paused: bool,
}

impl Deliveries {
    /// Queues `json` for `url`; `false` (and counted as dropped) when the queue is full.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push(
        &mut self,
        subscription_id: &str,
        kind: QueueKind,
        url: &str,
        app_id: &str,
        json: Value,
        rich: bool,
        now: DateTime<Utc>,
    ) -> bool {
        self.seq += 1;
        let seq = self.seq;
        let pos = match self
            .queues
            .iter()
            .position(|q| q.subscription_id == subscription_id && q.kind == kind)
        {
            Some(p) => p,
            None => {
                self.queues.push(Queue {
                    subscription_id: subscription_id.to_string(),
                    kind,
                    url: url.to_string(),
                    app_id: app_id.to_string(),
                    items: VecDeque::new(),
                    failures: 0,
                    next_attempt: now,
                    in_flight: None,
                    drop_in_flight: false,
                });
                self.queues.len() - 1
            }
        };
        let q = &mut self.queues[pos];
        if q.url != url {
            q.url = url.to_string();
        }
        if q.items.len() >= MAX_QUEUE {
            self.dropped += 1;
            return false;
        }
        q.items.push_back(Pending {
            seq,
            json,
            queued_at: now,
            rich,
        });
        true
    }

    /// Takes the batches due by `now` (at most `max` POSTs in flight in all), marking
    /// their queues in flight.
    pub(crate) fn take_due(&mut self, now: DateTime<Utc>, max: usize) -> Vec<Batch> {
        if self.paused {
            return Vec::new();
        }
        let mut in_flight = self.queues.iter().filter(|q| q.in_flight.is_some()).count();
        let mut out = Vec::new();
        for q in &mut self.queues {
            if in_flight >= max {
                break;
            }
            if q.in_flight.is_some() || q.items.is_empty() || q.next_attempt > now {
                continue;
            }
            let items: Vec<&Pending> = q.items.iter().take(MAX_BATCH).collect();
            let last_seq = items.last().map_or(0, |p| p.seq);
            let rich = items.iter().any(|p| p.rich);
            let value: Vec<Value> = items.iter().map(|p| p.json.clone()).collect();
            q.in_flight = Some(last_seq);
            in_flight += 1;
            out.push(Batch {
                subscription_id: q.subscription_id.clone(),
                kind: q.kind,
                url: q.url.clone(),
                app_id: q.app_id.clone(),
                body: json!({ "value": value }),
                rich,
                last_seq,
            });
        }
        out
    }

    /// Records the outcome of a batch's POST: delivered items leave the queue; on
    /// failure the queue waits (backoff) and items older than 4 hours are dropped, as
    /// are the batch's items if [`Deliveries::drop_pending`] ran meanwhile.
    pub(crate) fn finish(&mut self, batch: &Batch, ok: bool, now: DateTime<Utc>) {
        self.posts += 1;
        let Some(q) = self
            .queues
            .iter_mut()
            .find(|q| q.subscription_id == batch.subscription_id && q.kind == batch.kind)
        else {
            return;
        };
        q.in_flight = None;
        // Dropped while under way: a failed POST is not retried.
        if std::mem::take(&mut q.drop_in_flight) && !ok {
            let before = q.items.len();
            q.items.retain(|p| p.seq > batch.last_seq);
            self.dropped += before - q.items.len();
        }
        if ok {
            let before = q.items.len();
            q.items.retain(|p| p.seq > batch.last_seq);
            self.delivered += before - q.items.len();
            q.failures = 0;
            q.next_attempt = now;
        } else {
            q.failures = q.failures.saturating_add(1);
            q.next_attempt = now + backoff(q.failures);
            let before = q.items.len();
            let limit = now - Duration::hours(RETRY_FOR_HOURS);
            q.items.retain(|p| p.queued_at > limit);
            self.dropped += before - q.items.len();
        }
        self.queues
            .retain(|q| q.in_flight.is_some() || !q.items.is_empty());
    }

    /// Sends what waits in a subscription's `kind` queue (and a retry of a POST under
    /// way) to `url` from now on.
    pub(crate) fn retarget(&mut self, subscription_id: &str, kind: QueueKind, url: &str) {
        for q in &mut self.queues {
            if q.subscription_id == subscription_id && q.kind == kind {
                q.url = url.to_string();
            }
        }
    }

    /// Drops the pending notifications of a subscription's `kind` queue; returns how
    /// many.
    pub(crate) fn drop_pending(&mut self, subscription_id: &str, kind: QueueKind) -> usize {
        let mut n = 0;
        for q in &mut self.queues {
            if q.subscription_id == subscription_id && q.kind == kind {
                // Items of a POST in flight stay until it ends (the receiver may
                // already have them; its answer decides); the rest go.
                let keep = q.in_flight.unwrap_or(0);
                q.drop_in_flight |= q.in_flight.is_some();
                let before = q.items.len();
                q.items.retain(|p| p.seq <= keep);
                n += before - q.items.len();
            }
        }
        self.dropped += n;
        self.queues
            .retain(|q| q.in_flight.is_some() || !q.items.is_empty());
        n
    }

    /// Notifications queued and not yet acknowledged.
    pub(crate) fn pending(&self) -> usize {
        self.queues.iter().map(|q| q.items.len()).sum()
    }

    /// When the next queue not in flight is due (`None`: nothing waits).
    pub(crate) fn next_due(&self) -> Option<DateTime<Utc>> {
        self.queues
            .iter()
            .filter(|q| q.in_flight.is_none() && !q.items.is_empty())
            .map(|q| q.next_attempt)
            .min()
    }
}

/// Wait after the `failures`-th failed POST in a row: 1, 2, 4, … minutes, at most 60.
pub(crate) fn backoff(failures: u32) -> Duration {
    let exp = failures.saturating_sub(1).min(6);
    Duration::minutes((1i64 << exp).min(60))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_an_hour() {
        let m: Vec<i64> = (1..=8).map(|f| backoff(f).num_minutes()).collect();
        assert_eq!(m, vec![1, 2, 4, 8, 16, 32, 60, 60]);
    }

    #[test]
    fn failed_batches_wait_and_expire_after_four_hours() {
        let t0 = Utc::now();
        let mut d = Deliveries::default();
        assert!(d.push("s", QueueKind::Change, "u", "a", json!(1), false, t0));
        let b = d.take_due(t0, 4);
        assert_eq!(b.len(), 1);
        assert!(d.take_due(t0, 4).is_empty(), "in flight");
        assert!(d.push("s", QueueKind::Change, "u", "a", json!(2), false, t0));
        d.finish(&b[0], false, t0);
        assert!(d.take_due(t0, 4).is_empty(), "backing off");
        let b = d.take_due(t0 + Duration::minutes(1), 4);
        assert_eq!(b[0].body, json!({"value": [1, 2]}));
        d.finish(&b[0], false, t0 + Duration::hours(5));
        assert_eq!((d.pending(), d.dropped, d.posts), (0, 2, 2));
    }

    #[test]
    fn dropping_keeps_the_items_of_a_post_in_flight() {
        let t0 = Utc::now();
        let mut d = Deliveries::default();
        d.push("s", QueueKind::Change, "u", "a", json!(1), false, t0);
        let b = d.take_due(t0, 4);
        d.push("s", QueueKind::Change, "u", "a", json!(2), false, t0);
        assert_eq!(d.drop_pending("s", QueueKind::Change), 1);
        assert_eq!((d.pending(), d.dropped), (1, 1));
        d.finish(&b[0], true, t0);
        assert_eq!((d.pending(), d.delivered, d.dropped), (0, 1, 1));
        // A POST that fails after the drop is not retried.
        d.push("s", QueueKind::Change, "u", "a", json!(3), false, t0);
        let b = d.take_due(t0, 4);
        d.drop_pending("s", QueueKind::Change);
        d.finish(&b[0], false, t0);
        assert_eq!((d.pending(), d.delivered, d.dropped), (0, 1, 2));
        assert!(d.take_due(t0 + Duration::hours(1), 4).is_empty());
    }

    #[test]
    fn client_state_stays_out_of_debug() {
        let mut d = Deliveries::default();
        let n = json!({"clientState": "s3cret-value"});
        d.push("s", QueueKind::Change, "u", "a", n, false, Utc::now());
        assert!(!format!("{d:?}").contains("s3cret-value"));
    }

    #[test]
    fn bounded_queue() {
        let t0 = Utc::now();
        let mut d = Deliveries::default();
        for i in 0..MAX_QUEUE {
            assert!(d.push("s", QueueKind::Change, "u", "a", json!(i), false, t0));
        }
        assert!(!d.push("s", QueueKind::Change, "u", "a", json!(0), false, t0));
        assert_eq!((d.pending(), d.dropped), (MAX_QUEUE, 1));
        let b = d.take_due(t0, 4);
        assert_eq!(b[0].body["value"].as_array().unwrap().len(), MAX_BATCH);
        d.finish(&b[0], true, t0);
        assert_eq!(
            (d.pending(), d.delivered),
            (MAX_QUEUE - MAX_BATCH, MAX_BATCH)
        );
    }
}
