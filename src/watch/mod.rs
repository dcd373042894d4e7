//! Keeping subscriptions alive: [`SubscriptionManager`] creates, renews, recreates and
//! reauthorizes change-notification subscriptions, catches up through delta when Graph
//! says notifications were missed, passes each change on once, and keeps its state
//! (subscription ids, `clientState`s, expirations, delta links) in a [`StateStore`]
//! ([`FileStore`] or [`MemoryStore`]) so a restart picks up where it left off — EWS's
//! streaming subscriptions and watermarks, rebuilt on webhooks and delta
//! (GRAPH-FACTS-2 §1–§3, §5;
//! <https://learn.microsoft.com/graph/change-notifications-overview>; lifecycle events:
//! <https://learn.microsoft.com/graph/change-notifications-lifecycle-events>, which asks for a
//! new subscription and a delta resync after `subscriptionRemoved`, a resync after `missed`,
//! and a reauthorization or renewal after `reauthorizationRequired`).
//!
//! The pieces: a [`Watch`] says what to watch and how to catch up; the manager reads what
//! the [`Notifications`](crate::notifications::Notifications) receiver accepted and emits
//! [`WatchEvent`]s; its schedule runs on a [`Clock`] ([`SystemClock`], or [`ManualClock`]
//! in tests).

mod builder;
mod catch_up;
mod clock;
mod dedupe;
mod event;
mod file_store;
mod jitter;
mod manager;
mod spec;
mod state;

pub use builder::SubscriptionManagerBuilder;
pub use clock::{Clock, ManualClock, SystemClock};
pub use event::{SyncedItem, WatchEvent};
pub use file_store::FileStore;
pub use manager::{SubscriptionManager, MAX_RETRY_DELAY_MINUTES};
pub use spec::{CatchUp, Watch};
pub use state::{ClientState, MemoryStore, StateStore, WatchState, WatchStates};
