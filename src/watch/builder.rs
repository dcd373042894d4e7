//! [`SubscriptionManagerBuilder`]: the manager's settings, and loading its stored state.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use chrono::Duration;

use super::clock::{Clock, SystemClock};
use super::dedupe::{self, Seen};
use super::jitter::{self, Jitter};
use super::manager::{Entry, SubscriptionManager};
use super::spec::Watch;
use super::state::{MemoryStore, StateStore, WatchState};
use crate::client::GraphClient;
use crate::error::{Error, Result};
use crate::notifications::{Incoming, Notifications};

/// Configures a [`SubscriptionManager`]; from [`SubscriptionManager::builder`].
pub struct SubscriptionManagerBuilder {
    client: GraphClient,
    notifications: Notifications,
    incoming: Incoming,
    store: Arc<dyn StateStore>,
    clock: Arc<dyn Clock>,
    seed: Option<u64>,
    renew_range: (u32, u32),
    lifetime: Option<Duration>,
    dedupe_capacity: usize,
    watches: Vec<Watch>,
}

impl fmt::Debug for SubscriptionManagerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriptionManagerBuilder")
            .field("watches", &self.watches.len())
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl SubscriptionManagerBuilder {
    /// Where the state is kept (default: a [`MemoryStore`], lost when the process ends).
    pub fn store(mut self, store: impl StateStore + 'static) -> Self {
        self.store = Arc::new(store);
        self
    }

    /// Like [`store`](Self::store), for a store chosen at run time or shared.
    pub fn shared_store(mut self, store: Arc<dyn StateStore>) -> Self {
        self.store = store;
        self
    }

    /// The time source of the renewal schedule (default: [`SystemClock`]).
    pub fn clock(mut self, clock: impl Clock + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// Seeds the renewal jitter, for a reproducible schedule (default: a random seed).
    pub fn jitter_seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Renews between `low` and `high` (fractions of the lifetime, 0.0–1.0; default 0.75
    /// and 0.85).
    pub fn renew_between(mut self, low: f64, high: f64) -> Self {
        let per_mille = |f: f64| (f.clamp(0.0, 1.0) * 1000.0).round() as u32;
        let (low, high) = (per_mille(low), per_mille(high));
        self.renew_range = (low.min(high), low.max(high));
        self
    }

    /// How long each subscription is requested for. By default, the longest this crate
    /// asks for ([`Subscriptions::latest_expiration`](crate::api::Subscriptions::latest_expiration): the documented maximum less a
    /// margin, 1,440 minutes with resource data; if Graph states a lower maximum in its
    /// refusal, the request is repeated with that). Graph raises less than 45 minutes to 45.
    pub fn lifetime(mut self, lifetime: Duration) -> Self {
        self.lifetime = Some(lifetime);
        self
    }

    /// How many keys the duplicate filter remembers (default 10,000).
    pub fn dedupe_capacity(mut self, capacity: usize) -> Self {
        self.dedupe_capacity = capacity;
        self
    }

    /// Adds a watch. Names must be unique.
    pub fn watch(mut self, watch: Watch) -> Self {
        self.watches.push(watch);
        self
    }

    /// Loads the stored state and builds the manager (nothing is sent yet). Fails if the
    /// store cannot be read or two watches share a name.
    pub fn build(self) -> Result<SubscriptionManager> {
        let mut stored = self.store.load()?;
        let mut entries: Vec<Entry> = Vec::with_capacity(self.watches.len());
        for watch in self.watches {
            if entries.iter().any(|e| e.watch.name == watch.name) {
                return Err(Error::Config(format!(
                    "two watches are named {:?}: names key the stored state",
                    watch.name
                )));
            }
            // A stored state for another resource under this name is not reused.
            let state = match stored.watches.remove(&watch.name) {
                Some(state) if state.resource == watch.resource.as_str() => state,
                _ => WatchState::new(watch.resource.as_str()),
            };
            entries.push(Entry {
                watch,
                state,
                ready: false,
                retry_at: None,
                failures: 0,
                sync_due: false,
            });
        }
        Ok(SubscriptionManager {
            client: self.client,
            notifications: self.notifications,
            incoming: self.incoming,
            store: self.store,
            clock: self.clock,
            jitter: Jitter::new(
                self.seed.unwrap_or_else(jitter::random_seed),
                self.renew_range,
            ),
            lifetime: self.lifetime,
            entries,
            seen: Seen::new(self.dedupe_capacity),
            pending: VecDeque::new(),
            closed: false,
        })
    }
}

impl SubscriptionManager {
    /// Starts configuring a manager that subscribes through `client` and reads what
    /// `notifications` (the receiver serving the watches' notification URLs) accepted from
    /// `incoming`.
    pub fn builder(
        client: GraphClient,
        notifications: Notifications,
        incoming: Incoming,
    ) -> SubscriptionManagerBuilder {
        SubscriptionManagerBuilder {
            client,
            notifications,
            incoming,
            store: Arc::new(MemoryStore::new()),
            clock: Arc::new(SystemClock),
            seed: None,
            renew_range: jitter::DEFAULT_RANGE,
            lifetime: None,
            dedupe_capacity: dedupe::DEFAULT_CAPACITY,
            watches: Vec::new(),
        }
    }
}
