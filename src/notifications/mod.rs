//! Receiving change notifications, independent of any web framework
//! (GRAPH-FACTS-2 §1.6, §2, §3, §4).
//!
//! Graph POSTs notifications to the `notificationUrl` of a subscription (and lifecycle
//! events to its `lifecycleNotificationUrl`). Hand every request to that URL to
//! [`Notifications::handle`] and send back the [`Answer`]; the notifications that pass
//! every check arrive on [`Incoming`]:
//!
//! * the validation request (`?validationToken=…`) is answered `200 text/plain` with the
//!   decoded token, at once;
//! * a notification counts only when its subscription is known ([`Notifications::register`])
//!   and it carries that subscription's `clientState` (compared in constant time);
//! * rich notifications (with `encryptedContent` or `validationTokens`) are answered `202`
//!   at once and checked afterwards, as Microsoft asks: every `validationTokens` JWT must be
//!   signed by the login authority's keys, for this app, from Graph's publisher app, for the
//!   notification's tenant; the resource data is then HMAC-checked and decrypted;
//! * nothing that fails a check reaches the application; it is logged (target
//!   `msgraph_outlook::notifications`), secrets left out;
//! * the channel to the application is bounded: when it is full the POST is answered `503`
//!   and Graph delivers it again later (any non-2xx answered within 10 s is retried for up
//!   to 4 hours, GRAPH-FACTS-2 §2.2), so a slow application never makes this process
//!   buffer without bound;
//! * a body larger than [`NotificationsBuilder::max_body_bytes`] is refused (`413`) without
//!   being read whole.
//!
//! ```no_run
//! # async fn run() -> msgraph_outlook::Result<()> {
//! use msgraph_outlook::notifications::{Notification, Notifications};
//! use msgraph_outlook::Cloud;
//!
//! let (notifications, mut incoming) = Notifications::builder()
//!     .app_id("11111111-2222-3333-4444-555555555555") // the `aud` of validationTokens
//!     .cloud(&Cloud::Global)
//!     .build()?;
//! notifications.register("7f105c7d-2dc5-4530-97cd-4e7ae6534c07", "the clientState you chose");
//!
//! // In your HTTP server, for every request to the notification URL:
//! // let answer = notifications.handle(method, query, &headers, body_stream).await;
//! // respond with answer.status, answer.content_type, answer.body (and answer.retry_after).
//!
//! while let Some(notification) = incoming.recv().await {
//!     match notification {
//!         Notification::Change(change) => println!("{:?}", change.notification.resource),
//!         Notification::Lifecycle(event) => println!("{:?}", event.lifecycle_event),
//!         _ => {}
//!     }
//! }
//! # Ok(()) }
//! ```
//!
//! With the `axum` feature, `notifications::axum` mounts the receiver on a route.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::models::{ChangeNotification, ChangeNotificationCollection};

#[cfg(feature = "axum")]
pub mod axum;
mod body;
mod builder;
mod decrypt;
mod jwt;
mod outbox;
mod parse;
mod receiver;
mod registry;

pub use builder::{NotificationsBuilder, DEFAULT_CAPACITY, DEFAULT_MAX_BODY_BYTES};
pub use decrypt::DecryptionKey;

/// The `tracing` target of every message the receiver logs.
const LOG_TARGET: &str = "msgraph_outlook::notifications";

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
    /// Seconds for a `Retry-After` header (set with `503` when the application is behind).
    pub retry_after: Option<u64>,
}

impl Answer {
    /// An answer without a body.
    fn empty(status: u16) -> Answer {
        Answer {
            status,
            content_type: None,
            body: String::new(),
            retry_after: None,
        }
    }
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

    /// The next notification if one is waiting, without waiting.
    pub fn try_recv(&mut self) -> Option<Notification> {
        self.rx.try_recv().ok()
    }
}

/// How many notifications the receiver handled, by outcome (for monitoring: a growing
/// `discarded` count means forged or misrouted POSTs, or a stale registration).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Put into the channel for the application.
    pub delivered: u64,
    /// Refused by a check (unknown subscription, wrong `clientState`, bad token, tampered
    /// or undecryptable data, malformed or oversized body).
    pub discarded: u64,
    /// POSTs answered `503` because the channel was full (Graph delivers them again).
    pub busy: u64,
}

#[derive(Debug, Default)]
struct Counters {
    delivered: AtomicU64,
    discarded: AtomicU64,
    busy: AtomicU64,
}

impl Counters {
    fn add(counter: &AtomicU64, n: usize) {
        counter.fetch_add(n as u64, Ordering::Relaxed);
    }
}

/// The webhook receiver. Cheap to clone.
// `Notifications::handle`, which answers one HTTP request, is in `receiver.rs` with the code it runs.
#[derive(Clone)]
pub struct Notifications {
    inner: Arc<receiver::Receiver>,
}

impl fmt::Debug for Notifications {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Notifications")
            .field("stats", &self.stats())
            .finish_non_exhaustive()
    }
}

impl Notifications {
    /// Starts configuring a receiver.
    pub fn builder() -> NotificationsBuilder {
        NotificationsBuilder::default()
    }

    /// Accepts notifications that carry `client_state` for a subscription not yet
    /// registered (between `POST /subscriptions` and its answer: Graph may notify before
    /// the id is known). [`Notifications::register`] with the same `client_state` ends it.
    pub fn expect_client_state(&self, client_state: &str) {
        self.inner.registry.expect(client_state);
    }

    /// Ends an [`expect_client_state`](Notifications::expect_client_state) whose
    /// subscription was not created after all (`POST /subscriptions` failed).
    pub fn stop_expecting_client_state(&self, client_state: &str) {
        self.inner.registry.stop_expecting(client_state);
    }

    /// Accepts notifications of `subscription_id` that carry `client_state`.
    pub fn register(&self, subscription_id: &str, client_state: &str) {
        self.inner.registry.register(subscription_id, client_state);
    }

    /// Stops accepting notifications of `subscription_id`.
    pub fn forget(&self, subscription_id: &str) {
        self.inner.registry.forget(subscription_id);
    }

    /// Counts of what the receiver did so far.
    pub fn stats(&self) -> Stats {
        let c = &self.inner.counters;
        Stats {
            delivered: c.delivered.load(Ordering::Relaxed),
            discarded: c.discarded.load(Ordering::Relaxed),
            busy: c.busy.load(Ordering::Relaxed),
        }
    }
}

/// Parses a notification POST body as the receiver does (the fuzz target's entry point).
#[doc(hidden)]
pub fn parse_collection(bytes: &[u8]) -> Option<ChangeNotificationCollection> {
    parse::parse(bytes).ok().map(|parsed| parsed.collection)
}
