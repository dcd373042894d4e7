//! [`Watch`]: one subscription the manager keeps alive, and how it catches up.

use chrono::{DateTime, Utc};

use crate::api::{EncryptionCertificate, SubscriptionResource};
use crate::models::{ChangeType, FolderRef, MailboxRef};

/// How a watch catches up on changes its notifications missed (after a `missed` lifecycle
/// event, or after its subscription was recreated): a delta round from the stored link.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CatchUp {
    /// No catch-up: the application hears of the `missed` event
    /// ([`WatchEvent::Lifecycle`](super::WatchEvent::Lifecycle)) and resyncs itself.
    None,
    /// The messages of one folder (`…/mailFolders/{folder}/messages/delta`, GRAPH-FACTS-2 §5.2).
    FolderMessages {
        /// Whose folder.
        mailbox: MailboxRef,
        /// Which folder.
        folder: FolderRef,
    },
    /// The events of a window of the default calendar (`…/calendarView/delta`,
    /// GRAPH-FACTS-2 §5.4). The window is fixed when the first round runs (it lives in
    /// the delta link).
    Events {
        /// Whose calendar.
        mailbox: MailboxRef,
        /// Start of the window.
        start: DateTime<Utc>,
        /// End of the window.
        end: DateTime<Utc>,
    },
}

/// A subscription the [`SubscriptionManager`](super::SubscriptionManager) keeps alive: what
/// it watches, where Graph posts, and how missed changes are caught up.
///
/// ```
/// use msgraph_outlook::models::{MailboxRef, WellKnownFolder};
/// use msgraph_outlook::watch::Watch;
/// let inbox = Watch::folder_messages(
///     MailboxRef::User("622eaaff-0683-4862-9de4-f2ec83c2bd98".into()),
///     WellKnownFolder::Inbox,
///     "https://hooks.example.com/graph/notify",
/// )
/// .lifecycle_notification_url("https://hooks.example.com/graph/lifecycle")
/// .named("adele-inbox");
/// assert_eq!(inbox.name(), "adele-inbox");
/// assert_eq!(
///     inbox.resource().as_str(),
///     "users/622eaaff-0683-4862-9de4-f2ec83c2bd98/mailFolders('inbox')/messages"
/// );
/// ```
#[derive(Clone)]
pub struct Watch {
    pub(crate) name: String,
    pub(crate) resource: SubscriptionResource,
    pub(crate) change_types: Vec<ChangeType>,
    pub(crate) notification_url: String,
    pub(crate) lifecycle_notification_url: Option<String>,
    pub(crate) catch_up: CatchUp,
    pub(crate) certificate: Option<EncryptionCertificate>,
}

impl std::fmt::Debug for Watch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URLs may carry a secret in their query strings, as for `CreateSubscription`.
        f.debug_struct("Watch")
            .field("name", &self.name)
            .field("resource", &self.resource.as_str())
            .field("change_types", &self.change_types)
            .field("catch_up", &self.catch_up)
            .field("certificate", &self.certificate.as_ref().map(|c| c.id()))
            .finish_non_exhaustive()
    }
}

impl Watch {
    /// Watches the messages of one folder (`…/mailFolders('inbox')/messages`) for
    /// created, updated and deleted messages; catches up through that folder's delta.
    pub fn folder_messages(
        mailbox: MailboxRef,
        folder: impl Into<FolderRef>,
        notification_url: impl Into<String>,
    ) -> Self {
        let folder = folder.into();
        let resource = SubscriptionResource::folder_messages(&mailbox, folder.clone());
        Watch::new(resource, notification_url).catch_up(CatchUp::FolderMessages { mailbox, folder })
    }

    /// Watches every message of a mailbox (`…/messages`). Graph has no mailbox-wide message
    /// delta (GRAPH-FACTS-2 §5.1), so there is no catch-up unless you set one (e.g. the
    /// Inbox's with [`Watch::catch_up`]): on `missed` you get the lifecycle event only.
    pub fn messages(mailbox: MailboxRef, notification_url: impl Into<String>) -> Self {
        Watch::new(SubscriptionResource::messages(&mailbox), notification_url)
    }

    /// Watches a mailbox's events (`…/events`). There is no delta of every event (only of
    /// a calendar view window), so no catch-up is set; add a window's with
    /// [`Watch::catch_up`] and [`CatchUp::Events`].
    pub fn events(mailbox: MailboxRef, notification_url: impl Into<String>) -> Self {
        Watch::new(SubscriptionResource::events(&mailbox), notification_url)
    }

    /// Watches any resource, with no catch-up.
    pub fn new(resource: SubscriptionResource, notification_url: impl Into<String>) -> Self {
        Watch {
            name: resource.as_str().to_string(),
            resource,
            change_types: vec![
                ChangeType::Created,
                ChangeType::Updated,
                ChangeType::Deleted,
            ],
            notification_url: notification_url.into(),
            lifecycle_notification_url: None,
            catch_up: CatchUp::None,
            certificate: None,
        }
    }

    /// Names the watch (default: the resource). The name keys its stored state and is
    /// carried by its events: keep it stable across restarts.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Sets the name (see [`Watch::name`]).
    pub fn named(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// The change types to subscribe to (default: created, updated, deleted).
    pub fn change_types(mut self, types: impl IntoIterator<Item = ChangeType>) -> Self {
        self.change_types = types.into_iter().collect();
        self
    }

    /// Where Graph posts lifecycle notifications (`missed`, `subscriptionRemoved`,
    /// `reauthorizationRequired`). Without one Graph sends none (GRAPH-FACTS-2 §3), and the
    /// manager only learns of a removal when a renewal answers 404.
    pub fn lifecycle_notification_url(mut self, url: impl Into<String>) -> Self {
        self.lifecycle_notification_url = Some(url.into());
        self
    }

    /// How missed changes are caught up (see [`CatchUp`]).
    pub fn catch_up(mut self, catch_up: CatchUp) -> Self {
        self.catch_up = catch_up;
        self
    }

    /// Asks for rich notifications: resource data encrypted to `certificate` (put the
    /// properties in the resource's `$select`, e.g. [`SubscriptionResource::select`]). Such
    /// subscriptions live at most 1,440 minutes (GRAPH-FACTS-2 §1.3); the receiver needs the
    /// matching private key.
    pub fn include_resource_data(mut self, certificate: EncryptionCertificate) -> Self {
        self.certificate = Some(certificate);
        self
    }

    /// The watched resource.
    pub fn resource(&self) -> &SubscriptionResource {
        &self.resource
    }
}
