//! At most N requests in flight per mailbox: Outlook allows 4 concurrent requests per app and
//! mailbox (GRAPH-FACTS §8.1), so a burst to one mailbox queues here instead of turning into
//! a storm of 429s. Different mailboxes never wait on each other; one mailbox written several
//! ways (case, `/me`, UPN, object id) is one mailbox ([`mailbox_key`]).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::auth::TokenUser;
use crate::models::MailboxRef;

/// Graph's limit, the default.
pub const DEFAULT_MAILBOX_CONCURRENCY: usize = 4;

/// Idle mailboxes are forgotten once the map holds this many: often enough to bound memory
/// for a daemon that walks every mailbox of a tenant, rarely enough that a busy mailbox keeps
/// its entry instead of reallocating it on every request.
const SWEEP_AT: usize = 1024;

/// The key of a mailbox's places: `/me`, or the user id, which cannot be `/me` (it comes
/// after `users/`). Ids compare case-insensitively. A user id that names the signed-in user
/// of the request's token (`user`: its `oid`, `upn` or `preferred_username`, see
/// `auth/claims.rs`) is `/me`: Graph counts one mailbox however it is addressed, so
/// `/me`, `/users/Adele@…`, `/users/adele@…` and `/users/{her object id}` share one limit.
pub(crate) fn mailbox_key<'a>(mailbox: &'a MailboxRef, user: Option<&TokenUser>) -> &'a str {
    match mailbox {
        MailboxRef::Me => "/me",
        MailboxRef::User(id) if user.is_some_and(|user| user.is(id)) => "/me",
        MailboxRef::User(id) => id,
    }
}

#[derive(Debug)]
pub(crate) struct MailboxLimiter {
    limit: Option<usize>,
    sweep_at: usize,
    slots: Mutex<HashMap<String, Arc<Places>>>,
}

/// The places of one mailbox: a counter, and a queue only for requests that must wait. A
/// request that finds a free place (nearly all of them) costs one compare-and-swap to take
/// it and one subtraction to give it back, with no lock.
#[derive(Debug, Default)]
struct Places {
    in_flight: AtomicUsize,
    /// Requests waiting for a place: a release wakes one only when some wait.
    waiting: AtomicUsize,
    freed: Notify,
}

impl Places {
    fn try_take(&self, limit: usize) -> bool {
        self.in_flight
            .fetch_update(SeqCst, SeqCst, |n| (n < limit).then_some(n + 1))
            .is_ok()
    }
}

/// A place in a mailbox's queue; frees it when dropped.
pub(crate) struct MailboxPermit {
    places: Arc<Places>,
}

impl Drop for MailboxPermit {
    fn drop(&mut self) {
        self.places.in_flight.fetch_sub(1, SeqCst);
        // A waiter counts itself before it checks for a place (SeqCst on both sides): either
        // it sees this place free, or this sees it waiting and wakes one.
        if self.places.waiting.load(SeqCst) > 0 {
            self.places.freed.notify_one();
        }
    }
}

/// Counts a request as waiting for as long as it waits, cancellation included.
struct Waiting<'a>(&'a Places);

impl<'a> Waiting<'a> {
    fn new(places: &'a Places) -> Self {
        places.waiting.fetch_add(1, SeqCst);
        Waiting(places)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.waiting.fetch_sub(1, SeqCst);
    }
}

impl MailboxLimiter {
    pub fn new(limit: Option<usize>) -> Self {
        MailboxLimiter {
            limit: limit.filter(|l| *l > 0),
            sweep_at: SWEEP_AT,
            slots: Mutex::default(),
        }
    }

    /// Waits for a place for a request to `mailbox` (None: not a mailbox request, no limit).
    /// Mailbox ids compare case-insensitively.
    pub async fn acquire(&self, mailbox: Option<&str>) -> Option<MailboxPermit> {
        let (limit, mailbox) = (self.limit?, mailbox?);
        let places = self.places(mailbox);
        if places.try_take(limit) {
            return Some(MailboxPermit { places });
        }
        let waiting = Waiting::new(&places);
        loop {
            let freed = places.freed.notified();
            let mut freed = std::pin::pin!(freed);
            // In the queue before checking again, so a release in between is not missed. A
            // wake-up this request does not use (it found a place anyway, or was cancelled)
            // goes to the next waiter: Notify forwards it when `freed` is dropped.
            freed.as_mut().enable();
            if places.try_take(limit) {
                break;
            }
            freed.await;
        }
        drop(waiting);
        Some(MailboxPermit { places })
    }

    fn places(&self, mailbox: &str) -> Arc<Places> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(places) = slots.get(mailbox) {
            return Arc::clone(places);
        }
        let key = mailbox.to_lowercase();
        if let Some(places) = slots.get(&key) {
            return Arc::clone(places);
        }
        if slots.len() >= self.sweep_at {
            // Only the map holds an idle mailbox's places.
            slots.retain(|_, places| Arc::strong_count(places) > 1);
        }
        Arc::clone(slots.entry(key).or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signed_in_user_is_me_by_upn_or_object_id_and_others_keep_their_id() {
        use base64::Engine;
        let payload = serde_json::json!({"oid": "6e5b1f0a-1c4d-4f8e-9a2b-3c4d5e6f7a8b", "upn": "Adele@contoso.com"});
        let encode = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        let token = crate::auth::AccessToken::new(format!(
            "{}.{}.sig",
            encode(b"{}"),
            encode(payload.to_string().as_bytes())
        ));
        let user = token.user();
        let key = |id: &str| mailbox_key(&MailboxRef::User(id.into()), user).to_string();
        assert_eq!(mailbox_key(&MailboxRef::Me, user), "/me");
        assert_eq!(key("adele@CONTOSO.com"), "/me");
        assert_eq!(key("6E5B1F0A-1C4D-4F8E-9A2B-3C4D5E6F7A8B"), "/me");
        assert_eq!(key("alex@contoso.com"), "alex@contoso.com");
        // Without a token that names a user, an id is only itself (compared without case).
        assert_eq!(
            mailbox_key(&MailboxRef::User("Adele@contoso.com".into()), None),
            "Adele@contoso.com"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_mailbox_gets_at_most_limit_places_and_idle_mailboxes_are_forgotten() {
        let limiter = MailboxLimiter {
            sweep_at: 2,
            ..MailboxLimiter::new(Some(2))
        };
        let a1 = limiter.acquire(Some("A@contoso.com")).await.unwrap();
        let _a2 = limiter.acquire(Some("a@contoso.com")).await.unwrap();
        // A third place for the same mailbox (ids compare case-insensitively) must wait…
        let third = tokio::time::timeout(
            std::time::Duration::from_millis(20),
            limiter.acquire(Some("a@CONTOSO.com")),
        );
        assert!(third.await.is_err());
        // …while another mailbox goes ahead.
        let _b = limiter.acquire(Some("b@contoso.com")).await.unwrap();
        drop(a1);
        let _a3 = limiter.acquire(Some("a@contoso.com")).await.unwrap();
        assert!(limiter.acquire(None).await.is_none());
        drop((_a2, _a3, _b));
        // Idle entries stay until the map is full; the next new mailbox sweeps them.
        assert_eq!(limiter.slots.lock().unwrap().len(), 2);
        let _c = limiter.acquire(Some("c@contoso.com")).await.unwrap();
        let keys: Vec<String> = limiter.slots.lock().unwrap().keys().cloned().collect();
        assert_eq!(keys, vec!["c@contoso.com".to_string()]);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn reliability_under_contention_no_more_than_the_limit_and_no_request_is_forgotten() {
        use futures_util::FutureExt;
        use std::sync::atomic::{AtomicUsize, Ordering};

        let limiter = Arc::new(MailboxLimiter::new(Some(3)));
        let (now, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let tasks: Vec<_> = (0..400)
            .map(|i| {
                let (limiter, now, most) = (limiter.clone(), now.clone(), most.clone());
                tokio::spawn(async move {
                    if i % 7 == 0 {
                        // Gives up while queued: its place in the queue must not be lost.
                        let _ = limiter.acquire(Some("a@contoso.com")).now_or_never();
                        return;
                    }
                    let _permit = limiter.acquire(Some("A@contoso.com")).await.unwrap();
                    let inside = now.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(inside, Ordering::SeqCst);
                    for _ in 0..3 {
                        tokio::task::yield_now().await;
                    }
                    now.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        // A lost wake-up would leave tasks waiting forever: the guard turns that into a failure.
        let all = futures_util::future::join_all(tasks);
        let joined = tokio::time::timeout(std::time::Duration::from_secs(60), all).await;
        assert!(joined
            .expect("tasks still waiting: a wake-up was lost")
            .into_iter()
            .all(|r| r.is_ok()));
        assert_eq!(most.load(Ordering::SeqCst), 3);
        let places = limiter.places("a@contoso.com");
        assert_eq!(places.in_flight.load(SeqCst), 0);
        assert_eq!(places.waiting.load(SeqCst), 0);
    }
}
