//! Lifecycle notifications (GRAPH-FACTS-2 §3; "Reduce missing subscriptions and
//! change notifications", <https://learn.microsoft.com/graph/change-notifications-lifecycle-events>):
//! `reauthorizationRequired` before a subscription expires, expiry itself (Graph
//! deletes the subscription and stops sending, §1.3), and the events a test triggers
//! ([`trigger`]). They go to `lifecycleNotificationUrl`; a subscription without one
//! gets none, as in Graph.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Value};

use super::delivery::QueueKind;
use super::{remove, Subscriptions};
use crate::store::Store;

/// `reauthorizationRequired` goes out once when less than this remains
/// \[unconfirmed: Graph's timing; its sample challenges every 15 minutes in the last
/// hour of a token, GRAPH-FACTS-2 §3\].
const REAUTHORIZE_BEFORE_MINUTES: i64 = 15;

/// Expiry (Graph deletes an expired subscription and stops sending, GRAPH-FACTS-2
/// §1.3) and `reauthorizationRequired` before it. A clock move past the expiration in
/// one step still sends `reauthorizationRequired` first (time passed through the last
/// 15 minutes too), and notifications already queued for changes made while the
/// subscription lived stay queued: the caller detects changes before calling this, so
/// a change made before the expiry (a deferred message coming due) is not lost.
pub(super) fn maintain(store: &mut Store, now: DateTime<Utc>) {
    let subs = &mut store.subscriptions;
    let mut reauth = Vec::new();
    for s in &mut subs.list {
        if !s.reauthorization_sent
            && s.settings.lifecycle_url.is_some()
            && s.expiration - now <= Duration::minutes(REAUTHORIZE_BEFORE_MINUTES)
        {
            s.reauthorization_sent = true;
            reauth.push(s.id.clone());
        }
    }
    for id in reauth {
        lifecycle(subs, &id, LifecycleEvent::ReauthorizationRequired, now);
    }
    subs.list.retain(|s| s.expiration > now);
}

/// A lifecycle event (GRAPH-FACTS-2 §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LifecycleEvent {
    Missed,
    SubscriptionRemoved,
    ReauthorizationRequired,
}

impl LifecycleEvent {
    /// Parses the wire name.
    pub(crate) fn parse(name: &str) -> Option<LifecycleEvent> {
        Some(match name {
            "missed" => LifecycleEvent::Missed,
            "subscriptionRemoved" => LifecycleEvent::SubscriptionRemoved,
            "reauthorizationRequired" => LifecycleEvent::ReauthorizationRequired,
            _ => return None,
        })
    }

    fn as_str(self) -> &'static str {
        match self {
            LifecycleEvent::Missed => "missed",
            LifecycleEvent::SubscriptionRemoved => "subscriptionRemoved",
            LifecycleEvent::ReauthorizationRequired => "reauthorizationRequired",
        }
    }
}

/// Queues a lifecycle notification for subscription `id` (none without a
/// `lifecycleNotificationUrl`, as in Graph). `false`: no such subscription.
fn lifecycle(
    subs: &mut Subscriptions,
    id: &str,
    event: LifecycleEvent,
    now: DateTime<Utc>,
) -> bool {
    let Some(i) = subs.index(id) else {
        return false;
    };
    let s = &subs.list[i];
    if let Some(url) = &s.settings.lifecycle_url {
        let mut n = s.envelope();
        n.insert("lifecycleEvent".into(), json!(event.as_str()));
        subs.deliveries.push(
            &s.id,
            QueueKind::Lifecycle,
            url,
            &s.application_id,
            Value::Object(n),
            false,
            now,
        );
    }
    true
}

/// `Sandbox::trigger_lifecycle`: queues the lifecycle notification and applies its
/// effect – `missed` drops the subscription's pending change notifications (they are
/// lost, the client must catch up through delta), `subscriptionRemoved` deletes the
/// subscription. `false`: no such subscription.
pub(crate) fn trigger(store: &mut Store, id: &str, event: LifecycleEvent) -> bool {
    let now = store.now();
    // Changes made until now are part of what the event covers.
    super::changed(store);
    let subs = &mut store.subscriptions;
    if !lifecycle(subs, id, event, now) {
        return false;
    }
    match event {
        LifecycleEvent::Missed => {
            subs.deliveries.drop_pending(id, QueueKind::Change);
        }
        LifecycleEvent::SubscriptionRemoved => {
            remove(subs, id);
        }
        LifecycleEvent::ReauthorizationRequired => {}
    }
    subs.wake.notify_one();
    true
}
