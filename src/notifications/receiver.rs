//! [`Notifications::handle`](super::Notifications::handle): the answers Graph expects
//! (GRAPH-FACTS-2 §1.6, §2.2, §3, §4) and the checks every notification must pass.

use std::collections::HashMap;
use std::fmt;

use bytes::Bytes;
use tokio::sync::mpsc::Sender;

use super::body::{read_limited, BodyError};
use super::decrypt::{decrypt, DecryptionKey};
use super::jwt::TokenChecker;
use super::outbox::{reserve, Reserved};
use super::parse::{parse, Parsed};
use super::registry::Registry;
use super::{Answer, Change, Counters, Notification, Notifications, LOG_TARGET};
use crate::models::{ChangeNotification, ChangeNotificationCollection};

/// Seconds Graph is asked to wait before redelivering when the application is behind.
/// Graph retries on its own schedule (exponential backoff, §2.2); the header is a hint.
const BUSY_RETRY_AFTER_SECS: u64 = 5;

/// The receiver's state, shared by every clone of [`Notifications`](super::Notifications).
pub(crate) struct Receiver {
    pub(crate) registry: Registry,
    pub(crate) counters: Counters,
    pub(crate) tx: Sender<Notification>,
    pub(crate) max_body_bytes: usize,
    /// `encryptionCertificateId` → the certificate's private key.
    pub(crate) keys: HashMap<String, DecryptionKey>,
    /// `None` when no app id was configured: rich notifications cannot be checked.
    pub(crate) tokens: Option<TokenChecker>,
}

impl fmt::Debug for Receiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Receiver")
            .field("registry", &self.registry)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("certificate_ids", &self.keys.keys().collect::<Vec<_>>())
            .field("tokens", &self.tokens)
            .finish_non_exhaustive()
    }
}

impl Notifications {
    /// Answers one HTTP request to the notification (or lifecycle) URL: `method` (`POST`),
    /// the raw query string (without `?`), the headers and the body as a stream of chunks.
    /// It never waits for the application; rich notifications are checked after it
    /// returned (in a task spawned on the current Tokio runtime).
    ///
    /// ```no_run
    /// # async fn run(notifications: msgraph_outlook::notifications::Notifications) {
    /// let body = futures_util::stream::iter([Ok::<_, std::io::Error>(bytes::Bytes::from(
    ///     r#"{"value":[]}"#,
    /// ))]);
    /// let answer = notifications
    ///     .handle("POST", None, &http::HeaderMap::new(), body)
    ///     .await;
    /// assert_eq!(answer.status, 202);
    /// # }
    /// ```
    pub async fn handle<B, E>(
        &self,
        method: &str,
        query: Option<&str>,
        headers: &http::HeaderMap,
        body: B,
    ) -> Answer
    where
        B: futures_util::Stream<Item = Result<Bytes, E>> + Send,
    {
        let receiver = &self.inner;
        // The validation handshake is a POST carrying `validationToken` (§1.6; "Receive change
        // notifications through webhooks", <https://learn.microsoft.com/graph/change-notifications-delivery-webhooks>).
        // Its body is never read.
        if let Some(token) = query.and_then(validation_token) {
            if !method.eq_ignore_ascii_case("POST") {
                return Answer::empty(405);
            }
            tracing::debug!(target: LOG_TARGET, "answered a validation request");
            return Answer {
                status: 200,
                content_type: Some("text/plain"),
                body: token,
                retry_after: None,
            };
        }
        if !method.eq_ignore_ascii_case("POST") {
            return Answer::empty(405);
        }

        let bytes = match read_limited(headers, body, receiver.max_body_bytes).await {
            Ok(bytes) => bytes,
            Err(BodyError::TooLarge) => {
                receiver.discarded(1);
                tracing::warn!(target: LOG_TARGET, limit = receiver.max_body_bytes, "refused a notification body over the size limit");
                return Answer::empty(413);
            }
            Err(BodyError::Broken) => {
                tracing::warn!(target: LOG_TARGET, "the notification body could not be read");
                return Answer::empty(400);
            }
        };
        let parsed = match parse(&bytes) {
            Ok(parsed) => parsed,
            Err(e) => {
                receiver.discarded(1);
                tracing::warn!(target: LOG_TARGET, error = %e, "refused a notification body that is not a changeNotificationCollection");
                return Answer::empty(400);
            }
        };

        if parsed.collection.value.is_empty() {
            // Nothing to check or deliver (tokens alone vouch for nothing): no task spawned.
            return Answer::empty(202);
        }
        if parsed.is_rich() {
            rich(receiver, parsed)
        } else {
            plain(receiver, parsed.collection)
        }
    }
}

/// Plain notifications: checked now, answered `202` once in the channel (§2.2).
fn plain(receiver: &Receiver, collection: ChangeNotificationCollection) -> Answer {
    let accepted: Vec<Notification> = collection
        .value
        .into_iter()
        .filter(|n| receiver.genuine(n))
        .map(|n| classify(n, None))
        .collect();
    if accepted.is_empty() {
        return Answer::empty(202);
    }
    let Some(mut reserved) = receiver.reserve(accepted.len()) else {
        return busy();
    };
    receiver.deliver(&mut reserved, accepted);
    Answer::empty(202)
}

/// Rich notifications: answered `202` at once and checked afterwards, as Microsoft asks
/// (§0.5), so a forger learns nothing and Graph does not retry for hours. Room in the
/// channel is reserved first: when there is none, `503` (Graph redelivers). Every task
/// holds at least one place, so the checks in flight are bounded by the capacity.
fn rich(receiver: &std::sync::Arc<Receiver>, parsed: Parsed) -> Answer {
    let collection = parsed.collection;
    let Some(mut reserved) = receiver.reserve(collection.value.len()) else {
        return busy();
    };
    let receiver = receiver.clone();
    tokio::spawn(async move {
        let count = collection.value.len();
        let verdict = match &receiver.tokens {
            Some(tokens) => tokens.check(&collection).await,
            None => Err(super::jwt::Rejected(
                "no app id configured (NotificationsBuilder::app_id): validationTokens cannot be checked".into(),
            )),
        };
        if let Err(why) = verdict {
            receiver.discarded(count);
            tracing::warn!(target: LOG_TARGET, notifications = count, reason = %why, "discarded a rich notification POST");
            return;
        }
        let accepted: Vec<Notification> = collection
            .value
            .into_iter()
            .filter(|n| receiver.genuine(n))
            .filter_map(|n| {
                let resource = match &n.encrypted_content {
                    None => None,
                    Some(content) => Some(receiver.decrypt(&n, content)?),
                };
                Some(classify(n, resource))
            })
            .collect();
        receiver.deliver(&mut reserved, accepted);
    });
    Answer::empty(202)
}

fn busy() -> Answer {
    Answer {
        retry_after: Some(BUSY_RETRY_AFTER_SECS),
        ..Answer::empty(503)
    }
}

impl Receiver {
    fn discarded(&self, n: usize) {
        Counters::add(&self.counters.discarded, n);
    }

    fn reserve(&self, n: usize) -> Option<Reserved> {
        let reserved = reserve(&self.tx, n);
        if reserved.is_none() {
            Counters::add(&self.counters.busy, 1);
            if self.tx.is_closed() {
                tracing::error!(target: LOG_TARGET, notifications = n, "the Incoming end was dropped: answered 503, nothing can be delivered");
            } else if n > self.tx.max_capacity() {
                tracing::error!(target: LOG_TARGET, notifications = n, capacity = self.tx.max_capacity(), "a POST carries more notifications than the channel holds: raise NotificationsBuilder::capacity");
            } else {
                tracing::info!(target: LOG_TARGET, notifications = n, "the application is behind: answered 503, Graph will redeliver");
            }
        }
        reserved
    }

    fn deliver(&self, reserved: &mut Reserved, accepted: Vec<Notification>) {
        for notification in accepted {
            if reserved.send(notification) {
                Counters::add(&self.counters.delivered, 1);
            }
        }
    }

    /// Whether the notification's subscription is known and its `clientState` matches;
    /// logs (and counts) it when not.
    fn genuine(&self, notification: &ChangeNotification) -> bool {
        match self.registry.check(
            &notification.subscription_id,
            notification.client_state.as_deref(),
        ) {
            Ok(()) => true,
            Err(why) => {
                self.discarded(1);
                tracing::warn!(target: LOG_TARGET, subscription_id = %notification.subscription_id, reason = %why, "discarded a notification");
                false
            }
        }
    }

    fn decrypt(
        &self,
        notification: &ChangeNotification,
        content: &crate::models::EncryptedContent,
    ) -> Option<serde_json::Value> {
        let discard = |reason: &dyn fmt::Display| {
            self.discarded(1);
            tracing::warn!(target: LOG_TARGET, subscription_id = %notification.subscription_id, certificate_id = %content.encryption_certificate_id, reason = %reason, "discarded a rich notification");
            None
        };
        match self.keys.get(&content.encryption_certificate_id) {
            None => discard(&"no decryption key for its encryptionCertificateId"),
            Some(key) => match decrypt(key, content) {
                Ok(resource) => Some(resource),
                Err(why) => discard(&why),
            },
        }
    }
}

/// What the application receives for a genuine notification.
fn classify(notification: ChangeNotification, resource: Option<serde_json::Value>) -> Notification {
    if notification.lifecycle_event.is_some() {
        Notification::Lifecycle(notification)
    } else {
        Notification::Change(Change {
            notification,
            resource,
        })
    }
}

/// The URL-decoded `validationToken` of a query string (`+` is a space, as Graph encodes it).
fn validation_token(query: &str) -> Option<String> {
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "validationToken")
        .map(|(_, value)| value.into_owned())
}
