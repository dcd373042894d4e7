//! The size limit the SMTP server asks at `MAIL FROM … SIZE=` and at the end of `DATA`:
//! the sending mailbox's maximum message size, cached per mailbox; the configured
//! `max_message_size` when it cannot be read.
//!
//! Every `MAIL FROM` asks, so the answer is kept for a while (an hour, so that an admin's
//! change is seen), a failed lookup too (a few minutes: a failing Graph must not cost a
//! request and its wait per command), the lookup is bounded in time, and the cache in
//! size (senders allowed by `@domain` are unbounded in number).

use super::recipients;
use crate::clock::Clock;
use crate::config::DeliveryConfig;
use crate::envelope::Envelope;
use crate::size_limit::MessageSizeLimit;
use msgraph_outlook::models::MailTipsOption;
use msgraph_outlook::GraphClient;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How long a mailbox's limit is kept.
const FRESH: Duration = Duration::from_secs(3600);
/// How long the fallback is kept for a mailbox MailTips did not answer for.
const FRESH_AFTER_FAILURE: Duration = Duration::from_secs(300);
/// The longest a `MAIL FROM` waits for MailTips.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(10);
/// Most mailboxes kept.
const MAX_CACHED: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Cached {
    limit: u64,
    until: chrono::DateTime<chrono::Utc>,
}

/// The sending mailbox's limit, cached.
#[derive(Debug)]
pub struct MailboxSizeLimit {
    graph: GraphClient,
    config: Arc<DeliveryConfig>,
    clock: Arc<dyn Clock>,
    cache: Mutex<HashMap<String, Cached>>,
}

impl MailboxSizeLimit {
    /// A limit that reads mailboxes through `graph`, kept by `clock`'s time.
    pub fn new(graph: GraphClient, config: Arc<DeliveryConfig>, clock: Arc<dyn Clock>) -> Self {
        MailboxSizeLimit {
            graph,
            config,
            clock,
            cache: Mutex::default(),
        }
    }

    /// MailTips `maxMessageSize` of the sending mailbox, asked of the mailbox itself
    /// (GRAPH-FACTS-2 §7.5, <https://learn.microsoft.com/graph/api/user-getmailtips>).
    async fn lookup(&self, mailbox: &str) -> Option<u64> {
        let tips = self
            .graph
            .user(mailbox)
            .get_mail_tips([mailbox], MailTipsOption::MaxMessageSize)
            .send();
        let Ok(tips) = tokio::time::timeout(LOOKUP_TIMEOUT, tips).await else {
            tracing::warn!(
                mailbox,
                "MailTips did not answer in time: using the configured max_message_size"
            );
            return None;
        };
        match tips {
            Ok(tips) => tips
                .first()
                .and_then(|t| t.max_message_size)
                .and_then(|size| u64::try_from(size).ok())
                .filter(|size| *size > 0),
            Err(e) => {
                tracing::warn!(
                    mailbox,
                    error = %e,
                    "MailTips unavailable: using the configured max_message_size"
                );
                None
            }
        }
    }

    async fn limit(&self, envelope: &Envelope) -> u64 {
        let mailbox = recipients::mailbox_for(envelope, None, &self.config);
        let Some(mailbox) = mailbox.map(|m| m.to_ascii_lowercase()) else {
            return self.config.max_message_size;
        };
        let now = self.clock.now();
        let cached = self.lock().get(&mailbox).copied();
        if let Some(cached) = cached.filter(|c| c.until > now) {
            return cached.limit;
        }
        let (limit, fresh) = match self.lookup(&mailbox).await {
            Some(limit) => (limit, FRESH),
            None => (self.config.max_message_size, FRESH_AFTER_FAILURE),
        };
        let until = now + chrono::Duration::from_std(fresh).expect("minutes fit");
        let mut cache = self.lock();
        if cache.len() >= MAX_CACHED && !cache.contains_key(&mailbox) {
            cache.retain(|_, c| c.until > now);
            if cache.len() >= MAX_CACHED {
                cache.clear();
            }
        }
        cache.insert(mailbox, Cached { limit, until });
        limit
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl MessageSizeLimit for MailboxSizeLimit {
    fn max_message_size<'a>(
        &'a self,
        envelope: &'a Envelope,
    ) -> Pin<Box<dyn Future<Output = u64> + Send + 'a>> {
        Box::pin(self.limit(envelope))
    }
}
