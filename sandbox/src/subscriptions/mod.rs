//! Change notifications (GRAPH-FACTS-2 §1–§3): the subscriptions callers created
//! through `/v1.0/subscriptions` (HTTP side: `routes/subscriptions.rs`), change
//! detection on the watched messages and events ([`detect`]), the queues of
//! notifications waiting for their receiver ([`delivery`]), the background task that
//! POSTs them ([`worker`]), lifecycle notifications and expiry ([`lifecycle`]), the
//! validation handshake ([`handshake`]), the `resource` grammar ([`resource`]) and the
//! rules of create and update bodies ([`rules`]).
//!
//! Everything lives in the [`crate::store::Store`] (one lock), so detection sees a
//! consistent mailbox; no lock is held across an HTTP call.

pub(crate) mod delivery;
pub(crate) mod detect;
pub(crate) mod handshake;
pub(crate) mod lifecycle;
pub(crate) mod resource;
pub(crate) mod rules;
pub(crate) mod worker;

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};
use tokio::sync::Notify;

use crate::state::{AppState, CLIENT_ID, TENANT_ID};
use crate::store::Store;
use delivery::{Deliveries, QueueKind};
use detect::Change;
use resource::{Collection, Filter};

/// Outlook's maximum lifetime without resource data, in minutes (GRAPH-FACTS-2 §1.3).
pub(crate) const MAX_MINUTES: i64 = 10_080;
/// Outlook's maximum lifetime with resource data, in minutes (GRAPH-FACTS-2 §1.3).
pub(crate) const MAX_MINUTES_RICH: i64 = 1_440;
/// A requested lifetime under this is raised to it (GRAPH-FACTS-2 §1.3).
pub(crate) const MIN_MINUTES: i64 = 45;

/// Who created a subscription, for List / Get visibility (GRAPH-FACTS-2 §1.5).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owner {
    /// App-only token of that client id.
    App(String),
    /// Delegated token of that user (object id).
    User(String),
}

/// What a subscription watches, resolved against the store.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    /// The mailbox owner's object id.
    pub user_id: String,
    /// For messages of one folder: the folder's id.
    pub collection: Collection,
    pub select: Option<Vec<String>>,
    pub filter: Option<Filter>,
}

/// The three change types a subscription asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ChangeTypes {
    pub created: bool,
    pub updated: bool,
    pub deleted: bool,
}

impl ChangeTypes {
    /// Parses `created,updated,deleted` (any subset, any order); `Err` holds the
    /// first unknown value.
    pub(crate) fn parse(text: &str) -> Result<ChangeTypes, String> {
        let mut c = ChangeTypes::default();
        for part in text.split(',') {
            match part.trim() {
                "created" => c.created = true,
                "updated" => c.updated = true,
                "deleted" => c.deleted = true,
                other => return Err(other.to_string()),
            }
        }
        Ok(c)
    }

    fn wants(self, change: Change) -> bool {
        match change {
            Change::Created => self.created,
            Change::Updated => self.updated,
            Change::Deleted => self.deleted,
        }
    }
}

/// What a create body asks for and the subscription keeps (GRAPH-FACTS-2 §1.2), checked
/// by [`rules::create`].
pub(crate) struct Settings {
    /// `resource` as given.
    pub resource: String,
    /// `changeType` as given.
    pub change_type: String,
    pub change_types: ChangeTypes,
    pub notification_url: String,
    pub lifecycle_url: Option<String>,
    /// Secret shared with the receiver: never in `Debug`.
    pub client_state: Option<String>,
    pub include_resource_data: Option<bool>,
    pub certificate: Option<String>,
    pub certificate_id: Option<String>,
    pub latest_tls: Option<String>,
    pub notification_url_app_id: Option<String>,
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("resource", &self.resource)
            .field("change_type", &self.change_type)
            .field("notification_url", &self.notification_url)
            .field("include_resource_data", &self.include_resource_data)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// Whether the subscription carries resource data.
    pub(crate) fn is_rich(&self) -> bool {
        self.include_resource_data == Some(true)
    }
}

/// One subscription.
pub(crate) struct Subscription {
    pub id: String,
    pub settings: Settings,
    pub expiration: DateTime<Utc>,
    pub application_id: String,
    pub creator_id: String,
    pub owner: Owner,
    pub target: Target,
    /// `id → changeKey` of the covered items at the last detection.
    pub snapshot: HashMap<String, String>,
    /// `reauthorizationRequired` was sent for the current expiration.
    pub reauthorization_sent: bool,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("settings", &self.settings)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

impl Subscription {
    /// The subscription as Graph returns it (GRAPH-FACTS-2 §1.4), without
    /// `@odata.context`; `clientState` is `null` unless `with_client_state` (List
    /// hides it, §1.5).
    pub(crate) fn to_json(&self, with_client_state: bool) -> Map<String, Value> {
        let c = &self.settings;
        let client_state = match (&c.client_state, with_client_state) {
            (Some(c), true) => json!(c),
            _ => Value::Null,
        };
        let body = json!({
            "id": self.id,
            "resource": c.resource,
            "applicationId": self.application_id,
            "changeType": c.change_type,
            "clientState": client_state,
            "notificationUrl": c.notification_url,
            "notificationQueryOptions": null,
            "lifecycleNotificationUrl": c.lifecycle_url,
            "expirationDateTime": expiration_text(self.expiration),
            "creatorId": self.creator_id,
            "includeResourceData": c.include_resource_data,
            "latestSupportedTlsVersion": c.latest_tls,
            "encryptionCertificate": c.certificate,
            "encryptionCertificateId": c.certificate_id,
            "notificationUrlAppId": c.notification_url_app_id,
        });
        match body {
            Value::Object(o) => o,
            _ => Map::new(),
        }
    }

    /// Whether the subscription carries resource data.
    pub(crate) fn is_rich(&self) -> bool {
        self.settings.is_rich()
    }

    /// The members every notification of this subscription starts with.
    pub(crate) fn envelope(&self) -> Map<String, Value> {
        let mut n = Map::new();
        n.insert("subscriptionId".into(), json!(self.id));
        n.insert(
            "subscriptionExpirationDateTime".into(),
            json!(notification_time(self.expiration)),
        );
        if let Some(c) = &self.settings.client_state {
            n.insert("clientState".into(), json!(c));
        }
        n.insert("tenantId".into(), json!(TENANT_ID));
        n
    }
}

/// The subscriptions of a sandbox and their delivery state.
#[derive(Debug)]
pub(crate) struct Subscriptions {
    pub list: Vec<Subscription>,
    /// `Sandbox::set_subscription_max_minutes`.
    pub max_minutes: i64,
    /// `Sandbox::set_validation_timeout`.
    pub validation_timeout: std::time::Duration,
    pub deliveries: Deliveries,
    /// Wakes the delivery worker (new notifications, clock moved, shutdown).
    pub wake: Arc<Notify>,
    /// The HTTP client of handshakes and deliveries (made on first use).
    client: Option<reqwest::Client>,
    /// The sandbox was dropped: the worker ends.
    pub shutdown: bool,
}

impl Default for Subscriptions {
    fn default() -> Self {
        Subscriptions {
            list: Vec::new(),
            max_minutes: MAX_MINUTES,
            validation_timeout: std::time::Duration::from_secs(10),
            deliveries: Deliveries::default(),
            wake: Arc::new(Notify::new()),
            client: None,
            shutdown: false,
        }
    }
}

impl Subscriptions {
    /// The HTTP client for subscriber URLs: no proxy (only loopback is called), no
    /// redirects.
    pub(crate) fn client(&mut self) -> reqwest::Client {
        self.client
            .get_or_insert_with(|| {
                reqwest::Client::builder()
                    .no_proxy()
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .unwrap_or_default()
            })
            .clone()
    }

    /// The maximum lifetime in minutes for a subscription with or without resource data.
    pub(crate) fn max_minutes(&self, rich: bool) -> i64 {
        if rich {
            self.max_minutes.min(MAX_MINUTES_RICH)
        } else {
            self.max_minutes
        }
    }

    /// Index of the subscription `id`.
    pub(crate) fn index(&self, id: &str) -> Option<usize> {
        self.list.iter().position(|s| s.id.eq_ignore_ascii_case(id))
    }
}

/// `expirationDateTime` as Graph writes it in a subscription: `…:00Z`, or with the
/// 7 fractional digits it was given with (`2016-11-20T18:23:45.9356913Z`).
pub(crate) fn expiration_text(t: DateTime<Utc>) -> String {
    let nanos = t.timestamp_subsec_nanos();
    if nanos == 0 {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        format!("{}.{:07}Z", t.format("%Y-%m-%dT%H:%M:%S"), nanos / 100)
    }
}

/// `subscriptionExpirationDateTime` as in Graph's notifications:
/// `2026-12-14T09:00:00.0000000Z` (GRAPH-FACTS-2 §2.1).
pub(crate) fn notification_time(t: DateTime<Utc>) -> String {
    format!(
        "{}.{:07}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.timestamp_subsec_nanos() / 100
    )
}

/// After a request or a clock move: expires subscriptions, sends due
/// `reauthorizationRequired`, detects changes and wakes the worker. Cheap without
/// subscriptions.
pub(crate) fn changed(store: &mut Store) {
    if refresh(store) {
        store.subscriptions.wake.notify_one();
    }
}

/// [`changed`] without waking the worker (the worker's own look); `false` without
/// subscriptions.
pub(crate) fn refresh(store: &mut Store) -> bool {
    if store.subscriptions.list.is_empty() {
        return false;
    }
    let now = store.now();
    // Changes first: those made before an expiry the clock just passed are still the
    // subscription's.
    detect_all(store, now);
    lifecycle::maintain(store, now);
    true
}

/// [`changed`] on the locked store of `state`.
pub(crate) fn after_change(state: &AppState) {
    changed(&mut state.lock());
}

/// Deletes a subscription; its pending change notifications are dropped.
pub(crate) fn remove(subs: &mut Subscriptions, id: &str) -> bool {
    let Some(i) = subs.index(id) else {
        return false;
    };
    let s = subs.list.remove(i);
    subs.deliveries.drop_pending(&s.id, QueueKind::Change);
    true
}

/// Runs change detection for every subscription and queues the notifications.
fn detect_all(store: &mut Store, now: DateTime<Utc>) {
    let users = &store.users;
    let subs = &mut store.subscriptions;
    for s in &mut subs.list {
        let Some(user) = users.iter().find(|u| u.id == s.target.user_id) else {
            continue;
        };
        let changes = detect::diff(s, user);
        for d in changes
            .into_iter()
            .filter(|d| s.settings.change_types.wants(d.change))
        {
            let (notification, rich) = change_notification(s, &d);
            subs.deliveries.push(
                &s.id,
                QueueKind::Change,
                &s.settings.notification_url,
                &s.application_id,
                notification,
                rich,
                now,
            );
        }
    }
}

/// A change notification (GRAPH-FACTS-2 §2.1; `encryptedContent` for rich
/// subscriptions, §4.2) and whether it is rich.
fn change_notification(s: &Subscription, d: &detect::Detected) -> (Value, bool) {
    let (kind, odata_type) = match s.target.collection {
        Collection::Messages { .. } => ("Messages", "#Microsoft.Graph.Message"),
        Collection::Events => ("Events", "#Microsoft.Graph.Event"),
    };
    let resource = format!("Users/{}/{kind}/{}", s.target.user_id, d.id);
    let mut n = s.envelope();
    // Graph documents `id` only as "unique ID for the notification" (§2.1).
    n.insert("id".into(), json!(crate::graph_error::new_guid()));
    n.insert("changeType".into(), json!(d.change.as_str()));
    n.insert("resource".into(), json!(resource));
    n.insert(
        "resourceData".into(),
        json!({
            "@odata.type": odata_type,
            "@odata.id": resource,
            "@odata.etag": format!("W/\"{}\"", d.change_key),
            "id": d.id,
        }),
    );
    let mut rich = false;
    let c = &s.settings;
    if let (Some(data), Some(cert), Some(cert_id)) = (&d.data, &c.certificate, &c.certificate_id) {
        if let Ok(content) = crate::rich::encrypted_content(cert, cert_id, data) {
            n.insert("encryptedContent".into(), content);
            rich = true;
        }
    }
    (Value::Object(n), rich)
}

/// The applicationId of subscriptions: the sandbox's app registration.
pub(crate) fn application_id() -> &'static str {
    CLIENT_ID
}
