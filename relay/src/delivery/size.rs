//! The size limit the SMTP server asks at `MAIL FROM … SIZE=` and at the end of `DATA`:
//! the sending mailbox's maximum message size, cached per mailbox; the configured
//! `max_message_size` when it cannot be read.

use super::recipients;
use crate::config::DeliveryConfig;
use crate::envelope::Envelope;
use crate::size_limit::MessageSizeLimit;
use msgraph_outlook::models::MailTipsOption;
use msgraph_outlook::GraphClient;
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

/// The sending mailbox's limit, cached.
#[derive(Debug)]
pub struct MailboxSizeLimit {
    graph: GraphClient,
    config: Arc<DeliveryConfig>,
    cache: Mutex<HashMap<String, u64>>,
}

impl MailboxSizeLimit {
    /// A limit that reads mailboxes through `graph`.
    pub fn new(graph: GraphClient, config: Arc<DeliveryConfig>) -> Self {
        MailboxSizeLimit {
            graph,
            config,
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
            .send()
            .await;
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
        if let Some(limit) = self
            .cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&mailbox)
        {
            return *limit;
        }
        match self.lookup(&mailbox).await {
            Some(limit) => {
                self.cache
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(mailbox, limit);
                limit
            }
            None => self.config.max_message_size,
        }
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
