//! What the manager tells the application.

use chrono::{DateTime, Utc};

use crate::error::Error;
use crate::models::{Event, LifecycleEvent, Message};
use crate::notifications::Change;

/// An item that changed, as delta catch-up returns it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum SyncedItem {
    /// A message (added or changed).
    Message(Box<Message>),
    /// An event (added or changed).
    Event(Box<Event>),
}

/// Something the [`SubscriptionManager`](super::SubscriptionManager) saw or did; from
/// [`SubscriptionManager::next`](super::SubscriptionManager::next). `watch` is the
/// [`Watch::name`](super::Watch::name).
#[derive(Debug)]
#[non_exhaustive]
pub enum WatchEvent {
    /// A subscription was created (`recreated`: it replaces one Graph removed or that
    /// expired), or a stored one was found still valid and reused.
    Subscribed {
        /// The watch.
        watch: String,
        /// The subscription's id.
        subscription_id: String,
        /// When it expires.
        expiration: DateTime<Utc>,
        /// True if it was taken over from the state store instead of created.
        reused: bool,
        /// True if it replaces a subscription that is gone.
        recreated: bool,
    },
    /// A subscription was renewed (PATCH `expirationDateTime`; also reauthorizes it).
    Renewed {
        /// The watch.
        watch: String,
        /// The subscription's id.
        subscription_id: String,
        /// Its new expiration.
        expiration: DateTime<Utc>,
    },
    /// A change notification, passed on once (see the module docs for the guarantee).
    Changed {
        /// The watch.
        watch: String,
        /// The change as the receiver checked it (boxed: it is the largest event).
        change: Box<Change>,
    },
    /// A delta catch-up round ended: what changed since the last round that no
    /// notification had already reported.
    Synced {
        /// The watch.
        watch: String,
        /// Items added or changed.
        changed: Vec<SyncedItem>,
        /// Ids of items removed (deleted or moved out).
        removed: Vec<String>,
    },
    /// The stored delta link was no longer valid: the `Synced` that follows holds the whole
    /// folder, not only changes.
    Reset {
        /// The watch.
        watch: String,
    },
    /// Graph sent a lifecycle notification; the manager acts on it (renews on
    /// `reauthorizationRequired`, recreates on `subscriptionRemoved`, catches up on `missed`)
    /// and reports what it did in the events that follow.
    Lifecycle {
        /// The watch.
        watch: String,
        /// What Graph reported.
        event: LifecycleEvent,
    },
    /// Creating, renewing or catching up failed; the manager tries again at `retry_at`.
    Failed {
        /// The watch.
        watch: String,
        /// What went wrong.
        error: Error,
        /// When the next attempt is due.
        retry_at: DateTime<Utc>,
    },
}
