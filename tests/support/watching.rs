//! The watch tests' scaffold: a sandbox with two users, an app-only client, a webhook on
//! 127.0.0.1 in front of the receiver, and a manager whose clock follows the sandbox clock.
#![allow(dead_code)] // each test file uses a different subset

use std::collections::BTreeMap;
use std::time::Duration;

use msgraph_outlook::models::{MailboxRef, Message, WellKnownFolder};
use msgraph_outlook::notifications::{Incoming, Notifications};
use msgraph_outlook::watch::{
    ManualClock, StateStore, SubscriptionManager, SyncedItem, Watch, WatchEvent,
};
use msgraph_outlook::GraphClient;
use msgraph_outlook_sandbox::Sandbox;

use super::sandbox_clients;
use super::webhook::Webhook;

pub const SENDER: &str = "adele@contoso.com";
pub const WATCHED: &str = "alex@contoso.com";
/// The manager's name for the watch on the watched user's Inbox.
pub const INBOX: &str = "alex-inbox";
/// How long a test waits for something asynchronous before failing.
pub const DEADLINE: Duration = Duration::from_secs(20);

pub struct Setup {
    pub sandbox: Sandbox,
    pub client: GraphClient,
    pub clock: ManualClock,
    pub webhook: Webhook,
    pub watched_id: String,
}

/// A receiver as an application builds it (plain notifications need no options).
pub fn receiver() -> (Notifications, Incoming) {
    Notifications::builder().build().unwrap()
}

impl Setup {
    /// Starts everything; returns the receiver the webhook serves and its channel.
    pub async fn start() -> (Setup, Notifications, Incoming) {
        let sandbox = Sandbox::start().await.unwrap();
        sandbox.add_user(SENDER);
        let watched_id = sandbox.add_user(WATCHED);
        let client = sandbox_clients::app(&sandbox);
        let clock = ManualClock::new(sandbox.now());
        let (notifications, incoming) = receiver();
        let webhook = Webhook::start(notifications.clone()).await;
        let setup = Setup {
            sandbox,
            client,
            clock,
            webhook,
            watched_id,
        };
        (setup, notifications, incoming)
    }

    /// The watched user's Inbox, notified at the webhook (lifecycle at its own path).
    pub fn inbox_watch(&self) -> Watch {
        Watch::folder_messages(
            MailboxRef::User(self.watched_id.clone()),
            WellKnownFolder::Inbox,
            self.webhook.notify_url(),
        )
        .lifecycle_notification_url(self.webhook.lifecycle_url())
        .named(INBOX)
    }

    /// A manager of the Inbox watch on `incoming`, with a fixed jitter seed.
    pub fn manager(
        &self,
        notifications: Notifications,
        incoming: Incoming,
        store: impl StateStore + 'static,
    ) -> SubscriptionManager {
        SubscriptionManager::builder(self.client.clone(), notifications, incoming)
            .store(store)
            .clock(self.clock.clone())
            .jitter_seed(18)
            .watch(self.inbox_watch())
            .build()
            .unwrap()
    }

    /// The manager's clock.
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use msgraph_outlook::watch::Clock;
        self.clock.now()
    }

    /// Moves the sandbox clock and the manager's clock together.
    pub fn advance(&self, by: chrono::Duration) {
        self.sandbox.advance_clock(by.to_std().unwrap());
        self.clock.set(self.sandbox.now());
    }

    /// The sender mails the watched user.
    pub async fn send(&self, subject: &str) {
        self.client
            .user(SENDER)
            .send_mail(
                Message::new()
                    .subject(subject)
                    .text_body("body")
                    .to(WATCHED),
            )
            .await
            .unwrap();
    }

    /// Subject of each message in the watched Inbox, by id.
    pub fn inbox_subjects(&self) -> BTreeMap<String, String> {
        self.sandbox
            .messages(WATCHED, "inbox")
            .into_iter()
            .map(|m| {
                (
                    m["id"].as_str().unwrap().to_string(),
                    m["subject"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    }
}

/// The next event, failing the test after [`DEADLINE`].
pub async fn next(manager: &mut SubscriptionManager) -> WatchEvent {
    tokio::time::timeout(DEADLINE, manager.next())
        .await
        .expect("an event within the deadline")
        .expect("the receiver is still there")
}

/// The item id of a `Changed` event.
pub fn changed_id(event: &WatchEvent) -> Option<String> {
    match event {
        WatchEvent::Changed { change, .. } => change
            .notification
            .resource_data
            .as_ref()
            .and_then(|d| d.id.clone()),
        _ => None,
    }
}

/// The ids of the messages a `Synced` event reports.
pub fn synced_ids(event: &WatchEvent) -> Option<Vec<String>> {
    match event {
        WatchEvent::Synced { changed, .. } => Some(
            changed
                .iter()
                .filter_map(|item| match item {
                    SyncedItem::Message(m) => m.id.clone(),
                    _ => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// Waits (bounded) until `condition` holds, checking every 20 ms.
pub async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !condition() {
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
