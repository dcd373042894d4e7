//! Per-mailbox pacing (issue 17 item 8): at most `max_concurrent` sends in flight,
//! `messages_per_minute` in any rolling minute and `recipients_per_day` in any rolling
//! 24 hours per sending mailbox, by the injected clock, so that Exchange's Outbox never
//! fills and Graph never throttles; a paused mailbox (Exchange blocked it) waits. Other
//! mailboxes are not held back. State is in memory, rebuilt from the spool's sent rows on
//! start.
//!
//! On a shared spool (several relays on PostgreSQL) the rates, the per-mailbox
//! concurrency and pauses are decided by the spool's [`SharedLimits`] for all relays
//! together; this relay still waits for its own slots first, so it never asks for more
//! than its share.

use crate::clock::Clock;
use crate::spool::limits::MailboxLimits;
use crate::spool::{SendSlot, SharedLimits};
use chrono::{DateTime, Duration, Utc};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// When the shared limits cannot be read (the database is restarting): ask again this
/// much later.
const SHARED_RETRY: Duration = Duration::seconds(1);

/// Past this many mailboxes, those with nothing to remember are dropped (senders allowed
/// by `@domain` are unbounded in number).
const PRUNE_AT: usize = 10_000;

/// The limits per mailbox.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Sends in flight per mailbox.
    pub max_concurrent: usize,
    /// Sends in flight in all (the relay's `workers`).
    pub max_requests: usize,
    /// Messages per rolling minute.
    pub messages_per_minute: u32,
    /// Recipients per rolling 24 hours.
    pub recipients_per_day: u32,
}

#[derive(Debug)]
struct MailboxState {
    /// Sends in flight: one permit each.
    slots: Arc<Semaphore>,
    /// Start times of the sends of the last minute.
    minute: VecDeque<DateTime<Utc>>,
    /// (start time, recipients) of the sends of the last 24 hours.
    day: VecDeque<(DateTime<Utc>, u32)>,
    day_total: u64,
    paused_until: Option<DateTime<Utc>>,
}

impl MailboxState {
    fn new(limits: &Limits) -> Self {
        MailboxState {
            slots: Arc::new(Semaphore::new(limits.max_concurrent.max(1))),
            minute: VecDeque::new(),
            day: VecDeque::new(),
            day_total: 0,
            paused_until: None,
        }
    }

    fn expire(&mut self, now: DateTime<Utc>) {
        while self
            .minute
            .front()
            .is_some_and(|t| *t <= now - Duration::minutes(1))
        {
            self.minute.pop_front();
        }
        while let Some((t, n)) = self.day.front().copied() {
            if t > now - Duration::days(1) {
                break;
            }
            self.day.pop_front();
            self.day_total -= u64::from(n);
        }
    }
}

/// The pacer shared by the delivery workers. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Pacer {
    limits: Limits,
    mailboxes: Arc<Mutex<HashMap<String, MailboxState>>>,
    /// Sends in flight in all: one permit each.
    requests: Arc<Semaphore>,
    /// The limits of a shared spool.
    shared: Option<Shared>,
}

/// A shared spool's limits as this relay uses them.
#[derive(Debug, Clone)]
struct Shared {
    limits: Arc<dyn SharedLimits>,
    /// How long a send's slot holds unless renewed.
    lease: std::time::Duration,
    /// Read again once this relay's own slots are had: the wait for them can be long.
    clock: Arc<dyn Clock>,
    /// The slots of this relay's sends in flight: only these are renewed, so a slot whose
    /// permit was dropped without a release lapses after one lease.
    live: Arc<Mutex<HashSet<i64>>>,
}

/// A send slot (the mailbox's and one of the relay's, and on a shared spool the slot in
/// the shared limits): counts as in flight until [`release`](Self::release)d or dropped
/// (a shared slot dropped without release is no longer renewed and ends with its lease).
#[derive(Debug)]
pub struct Permit {
    _slot: OwnedSemaphorePermit,
    _request: OwnedSemaphorePermit,
    shared: Option<(Shared, SendSlot)>,
}

impl Permit {
    /// The send is over at `now` (answered or failed).
    pub async fn release(self, now: DateTime<Utc>) {
        if let Some((shared, slot)) = &self.shared {
            if let Err(e) = shared.limits.release(slot, now).await {
                // No longer renewed: its lease ends it instead.
                tracing::warn!(error = %e, "shared sending limits: slot not released");
            }
        }
    }
}

impl Drop for Permit {
    fn drop(&mut self) {
        if let Some((shared, slot)) = &self.shared {
            lock(&shared.live).remove(&slot.id);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Pacer {
    /// A pacer with these limits and no history.
    pub fn new(limits: Limits) -> Self {
        Pacer {
            limits,
            mailboxes: Arc::default(),
            requests: Arc::new(Semaphore::new(limits.max_requests.max(1))),
            shared: None,
        }
    }

    /// A pacer whose per-mailbox rates, concurrency and pauses are `shared` by every
    /// relay on the spool; `lease` is how long a send's slot holds unless renewed.
    pub fn shared(
        limits: Limits,
        shared: Arc<dyn SharedLimits>,
        lease: std::time::Duration,
        clock: Arc<dyn Clock>,
    ) -> Self {
        Pacer {
            shared: Some(Shared {
                limits: shared,
                lease,
                clock,
                live: Arc::default(),
            }),
            ..Pacer::new(limits)
        }
    }

    /// Extends the shared slots of this relay's sends in flight to `now + lease`.
    pub async fn renew(&self, now: DateTime<Utc>) {
        let Some(shared) = &self.shared else { return };
        let live: Vec<i64> = lock(&shared.live).iter().copied().collect();
        if live.is_empty() {
            return;
        }
        if let Err(e) = shared.limits.renew(&live, now, shared.lease).await {
            tracing::warn!(error = %e, "shared sending limits: slots not renewed");
        }
    }

    /// Whether the limits are kept in a shared spool (no history to rebuild here).
    pub fn is_shared(&self) -> bool {
        self.shared.is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, MailboxState>> {
        self.mailboxes.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records a send that happened at `at` (rebuilding the history on start).
    pub fn record(&self, mailbox: &str, recipients: u32, at: DateTime<Utc>) {
        let mut all = self.lock();
        let state = all
            .entry(mailbox.to_ascii_lowercase())
            .or_insert_with(|| MailboxState::new(&self.limits));
        state.minute.push_back(at);
        state.day.push_back((at, recipients));
        state.day_total += u64::from(recipients);
    }

    /// A slot to send a message with `recipients` recipients from `mailbox`: at once when
    /// the mailbox's rates allow (then waiting for one of its `max_concurrent` slots), or
    /// the earliest time to ask again. The send counts from now on (also if it then
    /// fails: counting it keeps the pace on the safe side).
    pub async fn acquire(
        &self,
        mailbox: &str,
        recipients: u32,
        now: DateTime<Utc>,
    ) -> Result<Permit, DateTime<Utc>> {
        if let Some(shared) = &self.shared {
            return self.acquire_shared(shared, mailbox, recipients).await;
        }
        let slots = self.admit(mailbox, recipients, now)?;
        let (slot, request) = self.local_permits(slots).await;
        // A send that waited for its slot behind one that got the mailbox paused does not go.
        let key = mailbox.to_ascii_lowercase();
        if let Some(until) = self.lock().get(&key).and_then(|state| state.paused_until) {
            if until > now {
                return Err(until);
            }
        }
        Ok(Permit {
            _slot: slot,
            _request: request,
            shared: None,
        })
    }

    /// [`acquire`](Self::acquire) on a shared spool: this relay's slots, then the shared
    /// admission at the time they were had.
    async fn acquire_shared(
        &self,
        shared: &Shared,
        mailbox: &str,
        recipients: u32,
    ) -> Result<Permit, DateTime<Utc>> {
        let (slot, request) = self
            .local_permits(self.slots(mailbox, shared.clock.now()))
            .await;
        let limits = MailboxLimits {
            max_concurrent: self.limits.max_concurrent,
            messages_per_minute: self.limits.messages_per_minute,
            recipients_per_day: self.limits.recipients_per_day,
        };
        let now = shared.clock.now();
        let admitted = shared
            .limits
            .admit(mailbox, recipients, limits, now, shared.lease)
            .await;
        match admitted {
            Ok(Ok(send)) => {
                lock(&shared.live).insert(send.id);
                Ok(Permit {
                    _slot: slot,
                    _request: request,
                    shared: Some((shared.clone(), send)),
                })
            }
            Ok(Err(at)) => Err(at),
            Err(e) => {
                tracing::warn!(error = %e, "shared sending limits unavailable: waiting");
                Err(now + SHARED_RETRY)
            }
        }
    }

    /// One of the mailbox's `slots`, then one of the relay's requests (waits for both).
    async fn local_permits(
        &self,
        slots: Arc<Semaphore>,
    ) -> (OwnedSemaphorePermit, OwnedSemaphorePermit) {
        let slot = slots
            .acquire_owned()
            .await
            .expect("the pacer never closes a semaphore");
        let request = self
            .requests
            .clone()
            .acquire_owned()
            .await
            .expect("the pacer never closes a semaphore");
        (slot, request)
    }

    /// The mailbox's slots (this relay's share of its concurrency).
    fn slots(&self, mailbox: &str, now: DateTime<Utc>) -> Arc<Semaphore> {
        let key = mailbox.to_ascii_lowercase();
        let mut all = self.lock();
        self.prune(&mut all, &key, now);
        all.entry(key)
            .or_insert_with(|| MailboxState::new(&self.limits))
            .slots
            .clone()
    }

    /// Past [`PRUNE_AT`] mailboxes, drops those with nothing to remember (before adding
    /// `key`).
    fn prune(&self, all: &mut HashMap<String, MailboxState>, key: &str, now: DateTime<Utc>) {
        if all.len() >= PRUNE_AT && !all.contains_key(key) {
            let max = self.limits.max_concurrent.max(1);
            all.retain(|_, state| {
                state.expire(now);
                !state.day.is_empty()
                    || state.paused_until.is_some_and(|until| until > now)
                    || state.slots.available_permits() < max
            });
        }
    }

    /// The rate decision of [`acquire`](Self::acquire); its mailbox's slots when admitted.
    fn admit(
        &self,
        mailbox: &str,
        recipients: u32,
        now: DateTime<Utc>,
    ) -> Result<Arc<Semaphore>, DateTime<Utc>> {
        let key = mailbox.to_ascii_lowercase();
        let mut all = self.lock();
        self.prune(&mut all, &key, now);
        let state = all
            .entry(key)
            .or_insert_with(|| MailboxState::new(&self.limits));
        state.expire(now);
        if let Some(until) = state.paused_until {
            if until > now {
                return Err(until);
            }
            state.paused_until = None;
        }
        if state.minute.len() >= self.limits.messages_per_minute.max(1) as usize {
            let oldest =
                state.minute[state.minute.len() - self.limits.messages_per_minute.max(1) as usize];
            return Err(oldest + Duration::minutes(1));
        }
        let limit = u64::from(self.limits.recipients_per_day);
        // A message larger than the whole daily allowance goes once the day is empty.
        if state.day_total > 0 && state.day_total + u64::from(recipients) > limit {
            let mut left = state.day_total;
            for (t, n) in &state.day {
                left -= u64::from(*n);
                if left + u64::from(recipients) <= limit || left == 0 {
                    return Err(*t + Duration::days(1));
                }
            }
        }
        state.minute.push_back(now);
        state.day.push_back((now, recipients));
        state.day_total += u64::from(recipients);
        Ok(state.slots.clone())
    }

    /// Holds every send of `mailbox` until `until` (Exchange blocked it), on every relay
    /// of a shared spool.
    pub async fn pause(&self, mailbox: &str, until: DateTime<Utc>) {
        {
            let mut all = self.lock();
            let state = all
                .entry(mailbox.to_ascii_lowercase())
                .or_insert_with(|| MailboxState::new(&self.limits));
            state.paused_until = Some(state.paused_until.map_or(until, |u| u.max(until)));
        }
        if let Some(shared) = &self.shared {
            if let Err(e) = shared.limits.pause(mailbox, until).await {
                tracing::warn!(error = %e, "shared sending limits: pause not shared");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[tokio::test]
    async fn mailboxes_with_nothing_to_remember_are_dropped_past_the_bound() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap();
        let p = pacer();
        let busy = p.acquire("busy@contoso.com", 1, t0).await.unwrap();
        let t1 = t0 + Duration::days(2);
        p.pause("paused@contoso.com", t1 + Duration::hours(1)).await;
        for n in 0..PRUNE_AT {
            drop(
                p.acquire(&format!("m{n}@contoso.com"), 1, t0)
                    .await
                    .unwrap(),
            );
        }
        assert_eq!(p.lock().len(), PRUNE_AT + 2);
        // A day later the one-off senders have nothing left to count: dropped, but not the
        // mailbox with a send in flight, nor the paused one.
        drop(p.acquire("new@contoso.com", 1, t1).await.unwrap());
        let mut left: Vec<String> = p.lock().keys().cloned().collect();
        left.sort();
        assert_eq!(
            left,
            ["busy@contoso.com", "new@contoso.com", "paused@contoso.com"]
        );
        drop(busy);
    }

    fn pacer() -> Pacer {
        Pacer::new(Limits {
            max_concurrent: 2,
            max_requests: 16,
            messages_per_minute: 3,
            recipients_per_day: 10,
        })
    }

    #[tokio::test]
    async fn concurrency_minute_and_day_limits_are_per_mailbox() {
        let t0 = Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap();
        let p = pacer();
        let a1 = p.acquire("a@contoso.com", 1, t0).await.unwrap();
        let _a2 = p.acquire("A@contoso.com", 1, t0).await.unwrap();
        // Admitted by the rates, but both slots are taken: it waits for one.
        let mut third = Box::pin(p.acquire("a@contoso.com", 1, t0));
        tokio::select! {
            biased;
            _ = &mut third => panic!("a third slot was handed out"),
            _ = std::future::ready(()) => {}
        }
        // Another mailbox is not held back.
        let _b = p.acquire("b@contoso.com", 1, t0).await.unwrap();
        drop(a1);
        let a3 = third.await.unwrap();
        // Three in this minute: the fourth waits until the first is a minute old.
        drop(a3);
        assert_eq!(
            p.acquire("a@contoso.com", 1, t0).await.unwrap_err(),
            t0 + Duration::minutes(1)
        );
        let t1 = t0 + Duration::minutes(1);
        drop(_a2);
        let x = p.acquire("a@contoso.com", 6, t1).await.unwrap();
        drop(x);
        // 9 of 10 recipients used today: 2 more wait until the first sends are a day old.
        let t2 = t1 + Duration::minutes(1);
        assert_eq!(
            p.acquire("a@contoso.com", 2, t2).await.unwrap_err(),
            t0 + Duration::days(1)
        );
        assert!(p.acquire("a@contoso.com", 1, t2).await.is_ok());
        p.pause("b@contoso.com", t2 + Duration::hours(1)).await;
        assert_eq!(
            p.acquire("b@contoso.com", 1, t2).await.unwrap_err(),
            t2 + Duration::hours(1)
        );
    }
}
