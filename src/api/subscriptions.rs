//! Change-notification subscriptions: `POST/GET/PATCH/DELETE /subscriptions` and
//! `POST /subscriptions/{id}/reauthorize` (GRAPH-FACTS-2 §1;
//! <https://learn.microsoft.com/graph/api/resources/subscription?view=graph-rest-1.0>).
//!
//! SKELETON: owned by helper B (client subscriptions). Signatures here are the contract
//! the receiver (C) and the subscription manager (E) build on; bodies are to be written.

#![allow(dead_code)] // SKELETON: remove once implemented

use chrono::{DateTime, Utc};

use crate::client::GraphClient;
use crate::error::Result;
use crate::models::{ChangeType, FolderRef, MailboxRef, Subscription};

/// What a subscription watches: one of the Outlook resources Graph documents
/// (GRAPH-FACTS-2 §1.1), built from typed handles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionResource {
    path: String,
}

impl SubscriptionResource {
    /// Every message of a mailbox (`me/messages`, `users/{id}/messages`).
    pub fn messages(mailbox: &MailboxRef) -> Self {
        let _ = mailbox;
        unimplemented!("helper B")
    }

    /// The messages of one folder (`users/{id}/mailFolders('inbox')/messages`).
    pub fn folder_messages(mailbox: &MailboxRef, folder: impl Into<FolderRef>) -> Self {
        let _ = (mailbox, folder.into());
        unimplemented!("helper B")
    }

    /// The events of a mailbox's calendars (`me/events`, `users/{id}/events`).
    pub fn events(mailbox: &MailboxRef) -> Self {
        let _ = mailbox;
        unimplemented!("helper B")
    }

    /// The resource as Graph's `resource` property spells it.
    pub fn as_str(&self) -> &str {
        &self.path
    }
}

/// The `/subscriptions` endpoints; from [`GraphClient::subscriptions`].
#[derive(Debug, Clone)]
pub struct Subscriptions {
    pub(crate) client: GraphClient,
}

impl GraphClient {
    /// Change-notification subscriptions of this app.
    pub fn subscriptions(&self) -> Subscriptions {
        Subscriptions {
            client: self.clone(),
        }
    }
}

impl Subscriptions {
    /// Starts a subscription to `resource`, notified at `notification_url`.
    pub fn create(
        &self,
        resource: SubscriptionResource,
        notification_url: impl Into<String>,
    ) -> CreateSubscription {
        let _ = (resource, notification_url.into());
        unimplemented!("helper B")
    }

    /// One subscription by id (`GET /subscriptions/{id}`).
    pub async fn get(&self, id: &str) -> Result<Subscription> {
        let _ = id;
        unimplemented!("helper B")
    }

    /// Renews a subscription (`PATCH /subscriptions/{id}` with `expirationDateTime`).
    pub async fn renew(&self, id: &str, expiration: DateTime<Utc>) -> Result<Subscription> {
        let _ = (id, expiration);
        unimplemented!("helper B")
    }

    /// Deletes a subscription (`DELETE /subscriptions/{id}`, 204).
    pub async fn delete(&self, id: &str) -> Result<()> {
        let _ = id;
        unimplemented!("helper B")
    }

    /// Reauthorizes a subscription (`POST /subscriptions/{id}/reauthorize`, 204).
    pub async fn reauthorize(&self, id: &str) -> Result<()> {
        let _ = id;
        unimplemented!("helper B")
    }
}

/// Creates a subscription; from [`Subscriptions::create`].
#[derive(Debug)]
#[must_use = "nothing is sent until you call .send().await"]
pub struct CreateSubscription {
    _private: (),
}

impl CreateSubscription {
    /// The change types to report (default: created).
    pub fn change_types(self, types: impl IntoIterator<Item = ChangeType>) -> Self {
        let _ = types.into_iter().count();
        self
    }

    /// Where lifecycle notifications go (only settable at creation).
    pub fn lifecycle_notification_url(self, url: impl Into<String>) -> Self {
        let _ = url.into();
        self
    }

    /// The secret echoed in every notification (at most 128 characters).
    pub fn client_state(self, client_state: impl Into<String>) -> Self {
        let _ = client_state.into();
        self
    }

    /// When it expires; later than Graph's maximum is capped (see the module docs).
    pub fn expiration(self, at: DateTime<Utc>) -> Self {
        let _ = at;
        self
    }

    /// Sends it (`POST /subscriptions`, 201).
    pub async fn send(self) -> Result<Subscription> {
        unimplemented!("helper B")
    }
}
