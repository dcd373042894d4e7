//! At most N requests in flight per mailbox: Outlook allows 4 concurrent requests per app and
//! mailbox (GRAPH-FACTS §8.1), so a burst to one mailbox queues here instead of turning into
//! a storm of 429s. Different mailboxes never wait on each other.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Graph's limit, the default.
pub const DEFAULT_MAILBOX_CONCURRENCY: usize = 4;

/// Idle mailboxes are forgotten once the map holds this many: often enough to bound memory
/// for a daemon that walks every mailbox of a tenant, rarely enough that a busy mailbox keeps
/// its entry instead of reallocating it on every request.
const SWEEP_AT: usize = 1024;

#[derive(Debug)]
pub(crate) struct MailboxLimiter {
    limit: Option<usize>,
    sweep_at: usize,
    slots: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// A place in a mailbox's queue; frees it when dropped.
pub(crate) struct MailboxPermit {
    _permit: OwnedSemaphorePermit,
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
        let semaphore = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            let found = match slots.get(mailbox) {
                Some(semaphore) => Some(Arc::clone(semaphore)),
                None => slots.get(&mailbox.to_lowercase()).map(Arc::clone),
            };
            match found {
                Some(semaphore) => semaphore,
                None => {
                    if slots.len() >= self.sweep_at {
                        // Only the map holds an idle mailbox's semaphore.
                        slots.retain(|_, s| Arc::strong_count(s) > 1);
                    }
                    let semaphore = Arc::new(Semaphore::new(limit));
                    slots.insert(mailbox.to_lowercase(), Arc::clone(&semaphore));
                    semaphore
                }
            }
        };
        let permit = semaphore.acquire_owned().await.ok()?;
        Some(MailboxPermit { _permit: permit })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
