//! Receiving change notifications, independent of any web framework
//! (GRAPH-FACTS-2 §1.6, §2, §3, §4).
//!
//! SKELETON: owned by helper C (receiver). The signatures are the contract the
//! subscription manager (E) builds on.

use std::fmt;

use bytes::Bytes;

use crate::models::ChangeNotification;

/// What to answer Graph: status, `Content-Type` (if any) and body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type` of `body`, when there is a body.
    pub content_type: Option<&'static str>,
    /// The body (the validation token for a validation request, else empty).
    pub body: String,
}

/// A notification that passed every check, handed to the application.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Notification {
    /// Something changed.
    Change(Change),
    /// A lifecycle event of a subscription (`missed`, `subscriptionRemoved`, `reauthorizationRequired`).
    Lifecycle(ChangeNotification),
}

/// A change notification, with the resource data decrypted for rich notifications.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Change {
    /// As Graph sent it.
    pub notification: ChangeNotification,
    /// The decrypted resource (rich notifications only).
    pub resource: Option<serde_json::Value>,
}

/// The receiving end; see [`NotificationsBuilder::build`].
pub struct Incoming {
    rx: tokio::sync::mpsc::Receiver<Notification>,
}

impl fmt::Debug for Incoming {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Incoming").finish_non_exhaustive()
    }
}

impl Incoming {
    /// The next notification; `None` once every [`Notifications`] is dropped.
    pub async fn recv(&mut self) -> Option<Notification> {
        self.rx.recv().await
    }
}

/// The webhook receiver. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Notifications {
    _private: (),
}

/// Configures a [`Notifications`]; from [`Notifications::builder`].
#[derive(Debug, Default)]
pub struct NotificationsBuilder {
    _private: (),
}

impl NotificationsBuilder {
    /// Builds the receiver and the bounded channel its notifications arrive on.
    pub fn build(self) -> crate::Result<(Notifications, Incoming)> {
        unimplemented!("helper C")
    }
}

impl Notifications {
    /// Starts configuring a receiver.
    pub fn builder() -> NotificationsBuilder {
        NotificationsBuilder::default()
    }

    /// Accepts notifications that carry `client_state` for a subscription not yet
    /// registered (between `POST /subscriptions` and its answer).
    pub fn expect_client_state(&self, client_state: &str) {
        let _ = client_state;
        unimplemented!("helper C")
    }

    /// Accepts notifications of `subscription_id` that carry `client_state`.
    pub fn register(&self, subscription_id: &str, client_state: &str) {
        let _ = (subscription_id, client_state);
        unimplemented!("helper C")
    }

    /// Stops accepting notifications of `subscription_id`.
    pub fn forget(&self, subscription_id: &str) {
        let _ = subscription_id;
        unimplemented!("helper C")
    }

    /// Answers one HTTP request to the notification (or lifecycle) URL.
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
        let _ = (method, query, headers, body);
        unimplemented!("helper C")
    }
}
