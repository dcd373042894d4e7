//! At most N requests in flight per mailbox: Outlook allows 4 concurrent requests per app and
//! mailbox (GRAPH-FACTS §8.1), so a burst to one mailbox queues here instead of turning into
//! a storm of 429s. Different mailboxes never wait on each other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Graph's limit, the default.
pub const DEFAULT_MAILBOX_CONCURRENCY: usize = 4;

#[derive(Debug)]
pub(crate) struct MailboxLimiter {
    limit: Option<usize>,
    slots: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

/// A place in a mailbox's queue; frees it (and forgets an idle mailbox) when dropped.
pub(crate) struct MailboxPermit {
    permit: Option<OwnedSemaphorePermit>,
    key: String,
    slots: Arc<Mutex<HashMap<String, Arc<Semaphore>>>>,
}

impl MailboxLimiter {
    pub fn new(limit: Option<usize>) -> Self {
        MailboxLimiter {
            limit: limit.filter(|l| *l > 0),
            slots: Arc::default(),
        }
    }

    /// Waits for a place for a request to `mailbox` (None: not a mailbox request, no limit).
    pub async fn acquire(&self, mailbox: Option<&str>) -> Option<MailboxPermit> {
        let (limit, key) = (self.limit?, mailbox?.to_lowercase());
        let semaphore = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            Arc::clone(
                slots
                    .entry(key.clone())
                    .or_insert_with(|| Arc::new(Semaphore::new(limit))),
            )
        };
        let permit = semaphore.acquire_owned().await.ok()?;
        Some(MailboxPermit {
            permit: Some(permit),
            key,
            slots: Arc::clone(&self.slots),
        })
    }
}

impl Drop for MailboxPermit {
    fn drop(&mut self) {
        drop(self.permit.take());
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        // Only the map holds it: nobody is in flight or waiting, so the entry can go.
        if slots
            .get(&self.key)
            .is_some_and(|s| Arc::strong_count(s) == 1)
        {
            slots.remove(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_mailbox_gets_at_most_limit_places_and_idle_mailboxes_are_forgotten() {
        let limiter = MailboxLimiter::new(Some(2));
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
        assert!(limiter.slots.lock().unwrap().is_empty());
    }
}
