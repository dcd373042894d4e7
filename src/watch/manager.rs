//! [`SubscriptionManager`]: keeps watches subscribed, turns notifications into events.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use futures_util::future::Either;

use super::catch_up::{self, CatchUpResult};
use super::clock::Clock;
use super::dedupe::Seen;
use super::event::WatchEvent;
use super::jitter::Jitter;
use super::spec::Watch;
use super::state::{ClientState, StateStore, WatchState, WatchStates};
use crate::api::{SubscriptionFailure, Subscriptions};
use crate::client::GraphClient;
use crate::error::{Error, Result};
use crate::models::{ChangeType, LifecycleEvent, Subscription};
use crate::notifications::{Incoming, Notification, Notifications};

/// The first retry delay after a failure; it doubles up to [`MAX_RETRY_DELAY_MINUTES`].
const FIRST_RETRY_DELAY_SECONDS: i64 = 30;
/// The longest retry delay.
pub const MAX_RETRY_DELAY_MINUTES: i64 = 60;

/// One watch and where it stands.
#[derive(Debug)]
pub(super) struct Entry {
    pub(super) watch: Watch,
    pub(super) state: WatchState,
    /// Whether the stored subscription has been checked (or created) in this run.
    pub(super) ready: bool,
    /// After a failure: when to try again, and how many failures in a row.
    pub(super) retry_at: Option<DateTime<Utc>>,
    pub(super) failures: u32,
    /// A delta round (baseline or catch-up) failed and is to be run again.
    pub(super) sync_due: bool,
}

/// Keeps a set of [`Watch`]es subscribed and turns what Graph sends into [`WatchEvent`]s.
///
/// - **Creates** each watch's subscription with its own random `clientState` (32 bytes
///   from the system CSPRNG), announced to the receiver before the `POST` (so
///   notifications racing the answer are accepted) and registered after it.
/// - **Renews** it at a random point between 75 % and 85 % of its lifetime, on the
///   injected [`Clock`]; renewing also reauthorizes (GRAPH-FACTS-2 §3).
/// - **Recreates** it after a `subscriptionRemoved` lifecycle notification, a `404` on
///   renewal, or expiry, and then catches up through delta.
/// - **Reauthorizes** on `reauthorizationRequired` (by renewing).
/// - **Catches up** on `missed` through the watch's delta ([`CatchUp`](super::CatchUp)),
///   from the stored delta link. The first subscription of a watch records a baseline
///   (a first delta round whose items are not reported: they existed before the watch).
/// - **Persists** subscription ids, `clientState`s, expirations and delta links in its
///   [`StateStore`] after every change; a restart reuses a stored subscription that Graph
///   still has (GET) instead of creating a second one.
///
/// Nothing runs in the background: [`SubscriptionManager::next`] does the work
/// (renewals when due, notifications as they come) and returns the next event. Call it in
/// a loop. While it is not called, notifications stay in the receiver's bounded channel and
/// the receiver answers Graph 503 once that is full, so Graph redelivers later: memory
/// stays bounded whatever the application's pace. (A catch-up's changes — one folder's
/// changes since the previous round — are held together for their `Synced` event.)
///
/// **Duplicates.** Each (watch, item id, change type, etag) of a notification is passed on
/// once, and a change delta reports is not passed on when a notification already reported
/// the same item version (same id and `changeKey`), nor the reverse; the same for
/// removals. The memory of what was seen is bounded (10,000 keys by default, oldest
/// forgotten first) and not persisted: after a restart, a redelivery of a notification
/// seen before the restart is passed on again, and the catch-up a restart runs (from the
/// stored delta link) may report again changes that notifications reported before it:
/// across restarts the guarantee is at least once.
///
/// ```no_run
/// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
/// use msgraph_outlook::models::{MailboxRef, WellKnownFolder};
/// use msgraph_outlook::notifications::Notifications;
/// use msgraph_outlook::watch::{FileStore, SubscriptionManager, Watch, WatchEvent};
///
/// let (notifications, incoming) = Notifications::builder().build()?;
/// // … serve `notifications` at https://hooks.example.com/graph/notify (see notifications::axum)
/// let mut manager = SubscriptionManager::builder(client, notifications, incoming)
///     .store(FileStore::new("watch-state.json"))
///     .watch(
///         Watch::folder_messages(
///             MailboxRef::User("adele@contoso.com".into()),
///             WellKnownFolder::Inbox,
///             "https://hooks.example.com/graph/notify",
///         )
///         .lifecycle_notification_url("https://hooks.example.com/graph/notify"),
///     )
///     .build()?;
/// manager.start().await?;
/// while let Some(event) = manager.next().await {
///     match event {
///         WatchEvent::Changed { change, .. } => println!("{:?}", change.notification.resource),
///         WatchEvent::Synced { changed, removed, .. } => {
///             println!("caught up: {} changed, {} removed", changed.len(), removed.len())
///         }
///         other => println!("{other:?}"),
///     }
/// }
/// # Ok(()) }
/// ```
pub struct SubscriptionManager {
    pub(super) client: GraphClient,
    pub(super) notifications: Notifications,
    pub(super) incoming: Incoming,
    pub(super) store: Arc<dyn StateStore>,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) jitter: Jitter,
    pub(super) lifetime: Option<Duration>,
    pub(super) entries: Vec<Entry>,
    pub(super) seen: Seen,
    pub(super) pending: VecDeque<WatchEvent>,
    pub(super) closed: bool,
}

impl fmt::Debug for SubscriptionManager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubscriptionManager")
            .field("watches", &self.entries.len())
            .field("store", &self.store)
            .field("clock", &self.clock)
            .finish_non_exhaustive()
    }
}

impl SubscriptionManager {
    /// Subscribes every watch now (creating, or reusing a stored subscription Graph still
    /// has) and returns the first failure. Optional: [`SubscriptionManager::next`] does the
    /// same, reporting failures as [`WatchEvent::Failed`] and retrying.
    pub async fn start(&mut self) -> Result<()> {
        for index in 0..self.entries.len() {
            if !self.entries[index].ready {
                self.ensure(index).await?;
            }
        }
        Ok(())
    }

    /// Does what is due and returns the next event; `None` once the receiver is gone (every
    /// [`Notifications`] dropped) and nothing is pending.
    ///
    /// Cancelling the future (e.g. in a `select!` or a timeout) while it waits loses
    /// nothing: a change notification is taken from the channel and queued as an event in
    /// one step. Cancelling it while it talks to Graph abandons that step, which the next
    /// call takes up again (a renewal, a catch-up, a subscription to create); only a
    /// subscription whose creation was cut short may be left behind, unknown to the
    /// manager (it expires on its own).
    pub async fn next(&mut self) -> Option<WatchEvent> {
        loop {
            if let Some(event) = self.pending.pop_front() {
                return Some(event);
            }
            if self.closed {
                return None;
            }
            let now = self.clock.now();
            if let Some(index) = self.due(now) {
                self.maintain(index).await;
                continue;
            }
            let clock = self.clock.clone();
            let deadline = self.next_deadline();
            let received = {
                let sleep = match deadline {
                    Some(deadline) => clock.sleep_until(deadline),
                    None => Box::pin(std::future::pending()),
                };
                let recv = std::pin::pin!(self.incoming.recv());
                match futures_util::future::select(recv, sleep).await {
                    Either::Left((notification, _)) => Some(notification),
                    Either::Right(((), _)) => None,
                }
            };
            match received {
                Some(Some(notification)) => self.on_notification(notification).await,
                Some(None) => self.closed = true,
                // Woken by the clock: the top of the loop finds what is due.
                None => {}
            }
        }
    }

    /// The current state of every watch (what the store holds).
    pub fn states(&self) -> WatchStates {
        let mut states = WatchStates::default();
        for entry in &self.entries {
            states
                .watches
                .insert(entry.watch.name.clone(), entry.state.clone());
        }
        states
    }

    /// When `entry` next needs work.
    fn deadline(entry: &Entry) -> Option<DateTime<Utc>> {
        if let Some(retry_at) = entry.retry_at {
            return Some(retry_at);
        }
        if !entry.ready || entry.sync_due {
            return Some(DateTime::<Utc>::MIN_UTC);
        }
        entry.state.renew_at
    }

    fn due(&self, now: DateTime<Utc>) -> Option<usize> {
        self.entries
            .iter()
            .position(|entry| Self::deadline(entry).is_some_and(|at| at <= now))
    }

    fn next_deadline(&self) -> Option<DateTime<Utc>> {
        self.entries.iter().filter_map(Self::deadline).min()
    }

    /// Does the due work of entry `index`, reporting a failure and scheduling a retry.
    async fn maintain(&mut self, index: usize) {
        let entry = &self.entries[index];
        let result = if !entry.ready {
            self.ensure(index).await
        } else if entry.sync_due {
            self.baseline_or_catch_up(index).await
        } else {
            self.renew(index).await
        };
        match result {
            Ok(()) => self.succeeded(index),
            Err(error) => self.failed(index, error),
        }
    }

    fn failed(&mut self, index: usize, error: Error) {
        let now = self.clock.now();
        let entry = &mut self.entries[index];
        entry.failures = entry.failures.saturating_add(1);
        let delay = Duration::seconds(FIRST_RETRY_DELAY_SECONDS)
            .checked_mul(1 << entry.failures.saturating_sub(1).min(10))
            .unwrap_or(Duration::MAX)
            .min(Duration::minutes(MAX_RETRY_DELAY_MINUTES));
        let retry_at = now + delay;
        entry.retry_at = Some(retry_at);
        tracing::warn!(
            target: "msgraph_outlook::watch",
            watch = %entry.watch.name,
            error = %error,
            %retry_at,
            "watch maintenance failed; will retry"
        );
        self.pending.push_back(WatchEvent::Failed {
            watch: entry.watch.name.clone(),
            error,
            retry_at,
        });
    }

    fn succeeded(&mut self, index: usize) {
        let entry = &mut self.entries[index];
        entry.retry_at = None;
        entry.failures = 0;
    }

    fn save(&self) -> Result<()> {
        self.store.save(&self.states())
    }

    /// Makes sure entry `index` has a live subscription: reuses the stored one if Graph
    /// still has it, else creates one (and catches up if it replaces one).
    async fn ensure(&mut self, index: usize) -> Result<()> {
        let now = self.clock.now();
        let entry = &self.entries[index];
        let stored = match (&entry.state.subscription_id, &entry.state.client_state) {
            (Some(id), Some(state)) => Some((id.clone(), state.clone())),
            _ => None,
        };
        if let Some((id, client_state)) = stored {
            // Accept its notifications at once: Graph may be redelivering some.
            self.notifications.register(&id, client_state.secret());
            match self.subscriptions().get(&id).await {
                Ok(subscription) => {
                    let expiration = subscription.expiration_date_time;
                    if expiration.is_some_and(|at| at > now) {
                        let expiration = expiration.unwrap_or(now);
                        let entry = &mut self.entries[index];
                        entry.state.expiration_date_time = Some(expiration);
                        if entry.state.renew_at.is_none() {
                            entry.state.renew_at = Some(self.jitter.renew_at(now, expiration));
                        }
                        entry.ready = true;
                        self.save()?;
                        self.succeeded(index);
                        self.pending.push_back(WatchEvent::Subscribed {
                            watch: self.entries[index].watch.name.clone(),
                            subscription_id: id,
                            expiration,
                            reused: true,
                            recreated: false,
                        });
                        // What changed while the application was away (Graph's
                        // redeliveries stop after 4 hours): from the stored delta link.
                        return self.baseline_or_catch_up(index).await;
                    }
                }
                Err(e) if e.is_not_found() => {}
                Err(e) => return Err(e),
            }
            // Gone (deleted or expired): a new one, then catch up what was missed.
            self.notifications.forget(&id);
            return self.recreate(index).await;
        }
        self.subscribe(index, false).await?;
        self.baseline_or_catch_up(index).await
    }

    /// The subscriptions API on the manager's clock (default and capped expirations).
    fn subscriptions(&self) -> Subscriptions {
        let clock = self.clock.clone();
        self.client.subscriptions().with_clock(move || clock.now())
    }

    /// The expiration to ask for now.
    fn expiration(&self, subscriptions: &Subscriptions, rich: bool) -> DateTime<Utc> {
        match self.lifetime {
            Some(lifetime) => self.clock.now() + lifetime,
            None => subscriptions.latest_expiration(rich),
        }
    }

    /// Creates the subscription of entry `index` and saves it.
    async fn subscribe(&mut self, index: usize, recreated: bool) -> Result<()> {
        let created = match self.create(index).await {
            // The app already has one for this resource and change types whose clientState
            // is lost (a state store reset): replace it (GRAPH-FACTS-2 §1.4).
            Err(e) if e.subscription_failure() == Some(SubscriptionFailure::Duplicate) => {
                self.delete_duplicate(index).await?;
                self.create(index).await?
            }
            other => other?,
        };
        let (id, client_state, expiration) = created;
        let now = self.clock.now();
        let renew_at = self.jitter.renew_at(now, expiration);
        let entry = &mut self.entries[index];
        entry.state.subscription_id = Some(id.clone());
        entry.state.client_state = Some(client_state);
        entry.state.expiration_date_time = Some(expiration);
        entry.state.renew_at = Some(renew_at);
        entry.ready = true;
        self.save()?;
        self.succeeded(index);
        self.pending.push_back(WatchEvent::Subscribed {
            watch: self.entries[index].watch.name.clone(),
            subscription_id: id,
            expiration,
            reused: false,
            recreated,
        });
        Ok(())
    }

    /// `POST /subscriptions` for entry `index` with a new clientState, registered with the
    /// receiver: (id, clientState, expiration).
    async fn create(&self, index: usize) -> Result<(String, ClientState, DateTime<Utc>)> {
        let client_state = ClientState::generate()?;
        let watch = &self.entries[index].watch;
        let subscriptions = self.subscriptions();
        let expiration = self.expiration(&subscriptions, watch.certificate.is_some());
        // Before the POST: Graph may notify before its answer arrives.
        self.notifications
            .expect_client_state(client_state.secret());
        let mut request = subscriptions
            .create(watch.resource.clone(), watch.notification_url.clone())
            .change_types(watch.change_types.clone())
            .client_state(client_state.secret())
            .expiration(expiration);
        if let Some(url) = &watch.lifecycle_notification_url {
            request = request.lifecycle_notification_url(url.clone());
        }
        if let Some(certificate) = &watch.certificate {
            request = request.include_resource_data(certificate);
        }
        let subscription = match request.send().await {
            Ok(subscription) => subscription,
            Err(e) => {
                self.notifications
                    .stop_expecting_client_state(client_state.secret());
                return Err(e);
            }
        };
        let (id, expiration) = identify(&subscription, expiration)?;
        self.notifications.register(&id, client_state.secret());
        Ok((id, client_state, expiration))
    }

    /// Deletes this app's subscription with entry `index`'s resource and change types.
    async fn delete_duplicate(&self, index: usize) -> Result<()> {
        let watch = &self.entries[index].watch;
        let subscriptions = self.subscriptions();
        let existing = subscriptions
            .find(&watch.resource, &watch.change_types)
            .await?;
        if let Some(id) = existing.and_then(|s| s.id) {
            tracing::info!(
                target: "msgraph_outlook::watch",
                watch = %watch.name,
                subscription_id = %id,
                "replacing a subscription whose clientState is not in the state store"
            );
            subscriptions.delete(&id).await?;
        }
        Ok(())
    }

    /// Replaces a subscription that is gone, then catches up from the stored delta link.
    async fn recreate(&mut self, index: usize) -> Result<()> {
        let entry = &mut self.entries[index];
        if let Some(old) = entry.state.subscription_id.take() {
            self.notifications.forget(&old);
        }
        entry.state.client_state = None;
        entry.state.expiration_date_time = None;
        entry.state.renew_at = None;
        entry.ready = false;
        self.save()?;
        self.subscribe(index, true).await?;
        self.baseline_or_catch_up(index).await
    }

    /// Renews entry `index` (PATCH expirationDateTime); a 404 or an expired subscription
    /// is recreated.
    async fn renew(&mut self, index: usize) -> Result<()> {
        let now = self.clock.now();
        let entry = &self.entries[index];
        let Some(id) = entry.state.subscription_id.clone() else {
            return self.recreate(index).await;
        };
        let expired = entry.state.expiration_date_time.is_some_and(|at| at <= now);
        let subscriptions = self.subscriptions();
        let wanted = self.expiration(&subscriptions, entry.watch.certificate.is_some());
        let subscription = match subscriptions.renew(&id, wanted).await {
            Ok(subscription) => subscription,
            Err(e) if e.is_not_found() || expired => {
                tracing::info!(
                    target: "msgraph_outlook::watch",
                    watch = %entry.watch.name,
                    "subscription gone ({e}); creating a new one"
                );
                return self.recreate(index).await;
            }
            Err(e) => return Err(e),
        };
        let (_, expiration) = identify(&subscription, wanted)?;
        let renew_at = self.jitter.renew_at(now, expiration);
        let entry = &mut self.entries[index];
        entry.state.expiration_date_time = Some(expiration);
        entry.state.renew_at = Some(renew_at);
        self.save()?;
        self.succeeded(index);
        self.pending.push_back(WatchEvent::Renewed {
            watch: self.entries[index].watch.name.clone(),
            subscription_id: id,
            expiration,
        });
        Ok(())
    }

    /// After a subscription is created: a catch-up from the stored delta link, or without
    /// one a baseline round whose items are not reported (they existed before the watch).
    async fn baseline_or_catch_up(&mut self, index: usize) -> Result<()> {
        // Until it succeeds, the retry runs it again (not a renewal).
        self.entries[index].sync_due = true;
        let result = self.baseline_or_catch_up_once(index).await;
        self.entries[index].sync_due = result.is_err();
        result
    }

    async fn baseline_or_catch_up_once(&mut self, index: usize) -> Result<()> {
        if self.entries[index].state.delta_link.is_some() {
            return self.catch_up_once(index).await;
        }
        let entry = &self.entries[index];
        let Some(result) = catch_up::run(&self.client, &entry.watch.catch_up, None).await? else {
            return Ok(());
        };
        self.entries[index].state.delta_link = result.delta_link;
        self.save()
    }

    /// Runs the watch's delta from its stored link and reports what no notification did.
    async fn catch_up(&mut self, index: usize) -> Result<()> {
        self.entries[index].sync_due = true;
        let result = self.catch_up_once(index).await;
        self.entries[index].sync_due = result.is_err();
        result
    }

    async fn catch_up_once(&mut self, index: usize) -> Result<()> {
        let entry = &self.entries[index];
        let link = entry.state.delta_link.clone();
        let Some(result) = catch_up::run(&self.client, &entry.watch.catch_up, link).await? else {
            return Ok(());
        };
        let name = entry.watch.name.clone();
        let CatchUpResult {
            changed,
            removed,
            delta_link,
            reset,
        } = result;
        let changed = changed
            .into_iter()
            .filter(|(id, version, _)| self.seen.delta_changed(&name, id, version))
            .map(|(_, _, item)| item)
            .collect();
        let removed = removed
            .into_iter()
            .filter(|id| self.seen.delta_removed(&name, id))
            .collect();
        self.entries[index].state.delta_link = delta_link;
        self.save()?;
        if reset {
            self.pending.push_back(WatchEvent::Reset {
                watch: name.clone(),
            });
        }
        self.pending.push_back(WatchEvent::Synced {
            watch: name,
            changed,
            removed,
        });
        Ok(())
    }

    fn entry_of(&self, subscription_id: &str) -> Option<usize> {
        self.entries
            .iter()
            .position(|e| e.state.subscription_id.as_deref() == Some(subscription_id))
    }

    async fn on_notification(&mut self, notification: Notification) {
        match notification {
            Notification::Change(change) => {
                let n = &change.notification;
                let Some(index) = self.entry_of(&n.subscription_id) else {
                    tracing::debug!(
                        target: "msgraph_outlook::watch",
                        subscription_id = %n.subscription_id,
                        "notification of a subscription no watch holds (replaced?): dropped"
                    );
                    return;
                };
                let data = n.resource_data.as_ref();
                let id = data
                    .and_then(|d| d.id.as_deref())
                    .or(n.resource.as_deref())
                    .unwrap_or_default();
                let etag = data
                    .and_then(|d| d.odata_etag.as_deref())
                    .unwrap_or_default();
                let change_type = n
                    .change_type
                    .clone()
                    .unwrap_or_else(|| ChangeType::Other(String::new()));
                let name = self.entries[index].watch.name.clone();
                if self.seen.notification(&name, id, etag, change_type) {
                    self.pending.push_back(WatchEvent::Changed {
                        watch: name,
                        change: Box::new(change),
                    });
                }
            }
            Notification::Lifecycle(n) => {
                let Some(index) = self.entry_of(&n.subscription_id) else {
                    tracing::debug!(
                        target: "msgraph_outlook::watch",
                        subscription_id = %n.subscription_id,
                        "lifecycle notification of a subscription no watch holds: dropped"
                    );
                    return;
                };
                let Some(event) = n.lifecycle_event else {
                    return;
                };
                self.pending.push_back(WatchEvent::Lifecycle {
                    watch: self.entries[index].watch.name.clone(),
                    event: event.clone(),
                });
                let result = match event {
                    // Renewing reauthorizes too (GRAPH-FACTS-2 §3).
                    LifecycleEvent::ReauthorizationRequired => self.renew(index).await,
                    LifecycleEvent::SubscriptionRemoved => self.recreate(index).await,
                    LifecycleEvent::Missed => self.catch_up(index).await,
                    _ => Ok(()),
                };
                if let Err(error) = result {
                    self.failed(index, error);
                }
            }
            // Notification is non-exhaustive: later kinds are not the manager's business.
            #[allow(unreachable_patterns)]
            _ => {}
        }
    }
}

/// The id and expiration of a subscription Graph returned.
fn identify(
    subscription: &Subscription,
    requested: DateTime<Utc>,
) -> Result<(String, DateTime<Utc>)> {
    let id = subscription
        .id
        .clone()
        .ok_or_else(|| Error::Config("Graph returned a subscription without an id".to_string()))?;
    Ok((id, subscription.expiration_date_time.unwrap_or(requested)))
}
