//! Wall-clock time for the renewal schedule: subscriptions expire at a UTC instant Graph
//! sets, so the schedule runs on the same kind of clock (not a monotonic one). Tests inject
//! a [`ManualClock`] and move it together with the sandbox clock: no real sleeps.

use std::fmt;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use crate::auth::BoxFuture;

/// The time source of a [`SubscriptionManager`](super::SubscriptionManager).
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current time (UTC).
    fn now(&self) -> DateTime<Utc>;

    /// Resolves once [`Clock::now`] has reached `deadline` (at once if it has). May also
    /// resolve earlier: the manager checks the time again after waking.
    fn sleep_until(&self, deadline: DateTime<Utc>) -> BoxFuture<'_, ()>;
}

/// The system clock, slept on with tokio's timer.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

/// The longest single sleep: the wall clock can jump (NTP, suspend), so a long wait is
/// cut into pieces and the time read again after each.
const MAX_SLEEP: std::time::Duration = std::time::Duration::from_secs(60);

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> BoxFuture<'_, ()> {
        let wait = (deadline - Utc::now())
            .to_std()
            .unwrap_or_default()
            .min(MAX_SLEEP);
        Box::pin(tokio::time::sleep(wait))
    }
}

/// A clock that moves only when told to ([`ManualClock::set`], [`ManualClock::advance`]),
/// waking every sleeper whose deadline has come. For tests and simulations.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// use chrono::{Duration, TimeZone, Utc};
/// use msgraph_outlook::watch::{Clock, ManualClock};
///
/// let start = Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap();
/// let clock = ManualClock::new(start);
/// let sleeper = clock.clone();
/// let woke = tokio::spawn(async move { sleeper.sleep_until(start + Duration::hours(1)).await });
/// clock.advance(Duration::hours(1));
/// woke.await.unwrap();
/// assert_eq!(clock.now(), start + Duration::hours(1));
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<watch::Sender<DateTime<Utc>>>>,
}

impl ManualClock {
    /// A clock standing at `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        ManualClock {
            now: Arc::new(Mutex::new(watch::Sender::new(now))),
        }
    }

    /// Sets the time (it may go backwards; sleepers wake only once it reaches their deadline).
    pub fn set(&self, now: DateTime<Utc>) {
        self.sender().send_replace(now);
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: chrono::Duration) {
        let sender = self.sender();
        let now = *sender.borrow() + by;
        sender.send_replace(now);
    }

    fn sender(&self) -> std::sync::MutexGuard<'_, watch::Sender<DateTime<Utc>>> {
        self.now.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.sender().borrow()
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> BoxFuture<'_, ()> {
        let mut receiver = self.sender().subscribe();
        Box::pin(async move {
            // The sender lives as long as `self`: wait_for fails only if it is gone.
            let _ = receiver.wait_for(|now| *now >= deadline).await;
        })
    }
}
