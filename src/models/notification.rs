//! Change and lifecycle notifications as Graph POSTs them (`changeNotificationCollection`,
//! `changeNotification`; GRAPH-FACTS-2 §2.1, §3, §4.2;
//! <https://learn.microsoft.com/graph/api/resources/changenotification?view=graph-rest-1.0>).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;
use serde_json::{Map, Value};

use super::ChangeType;

wire_enum! {
    /// What a lifecycle notification reports (`lifecycleEventType`; GRAPH-FACTS-2 §3).
    pub enum LifecycleEvent {
        /// `missed`: some change notifications were not delivered: resync through delta.
        Missed = "missed",
        /// `subscriptionRemoved`: Graph removed the subscription: create a new one, then resync.
        SubscriptionRemoved = "subscriptionRemoved",
        /// `reauthorizationRequired`: reauthorize (or renew) the subscription soon.
        ReauthorizationRequired = "reauthorizationRequired",
    }
}

/// The body of a notification POST: one or more notifications, possibly for several
/// subscriptions and tenants, and for rich notifications the JWTs that vouch for them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChangeNotificationCollection {
    /// The notifications.
    #[serde(default)]
    pub value: Vec<ChangeNotification>,
    /// Rich notifications only: one JWT per (app, tenant) pair in `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub validation_tokens: Option<Vec<String>>,
}

/// One change notification, or a lifecycle notification when `lifecycle_event` is set.
/// `Debug` leaves the `clientState` out (a secret).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ChangeNotification {
    /// Graph's id for the notification (documented as optional: do not rely on it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The subscription it belongs to.
    #[serde(default)]
    pub subscription_id: String,
    /// When that subscription expires: a hint for renewal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_expiration_date_time: Option<DateTime<Utc>>,
    /// The tenant of the resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tenant_id: Option<String>,
    /// What happened (absent on lifecycle notifications).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_type: Option<ChangeType>,
    /// The changed item, relative to the Graph root (`Users/{id}/Messages/{id}`; casing varies).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// Identifies the changed item (id, etag, type).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_data: Option<ResourceData>,
    /// The subscription's `clientState`, echoed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_state: Option<String>,
    /// Rich notifications only: the item's selected properties, encrypted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted_content: Option<EncryptedContent>,
    /// Set on lifecycle notifications.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_event: Option<LifecycleEvent>,
}

impl std::fmt::Debug for ChangeNotification {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeNotification")
            .field("id", &self.id)
            .field("subscription_id", &self.subscription_id)
            .field(
                "subscription_expiration_date_time",
                &self.subscription_expiration_date_time,
            )
            .field("tenant_id", &self.tenant_id)
            .field("change_type", &self.change_type)
            .field("resource", &self.resource)
            .field("resource_data", &self.resource_data)
            .field(
                "client_state",
                &self.client_state.as_ref().map(|_| "<redacted>"),
            )
            .field("encrypted_content", &self.encrypted_content)
            .field("lifecycle_event", &self.lifecycle_event)
            .finish()
    }
}

/// `resourceData`: an open type; the known members are fields, the rest is kept.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResourceData {
    /// `@odata.type` (`#Microsoft.Graph.Message` and `#microsoft.graph.message` both occur).
    #[serde(
        rename = "@odata.type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub odata_type: Option<String>,
    /// `@odata.id`: the item's path.
    #[serde(rename = "@odata.id", default, skip_serializing_if = "Option::is_none")]
    pub odata_id: Option<String>,
    /// `@odata.etag`: the item's version.
    #[serde(
        rename = "@odata.etag",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub odata_etag: Option<String>,
    /// The item's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Anything else Graph sent.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `changeNotificationEncryptedContent` (every field a non-nullable string in the CSDL).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EncryptedContent {
    /// Base64 of the AES-256-CBC encrypted JSON.
    pub data: String,
    /// Base64 of the AES key, encrypted with RSA-OAEP (SHA-1) to your certificate's key.
    pub data_key: String,
    /// Base64 HMAC-SHA256 of the decoded `data`, keyed with the AES key.
    pub data_signature: String,
    /// The `encryptionCertificateId` of the subscription.
    pub encryption_certificate_id: String,
    /// SHA-1 thumbprint (hex) of the certificate used.
    pub encryption_certificate_thumbprint: String,
}

impl std::fmt::Debug for EncryptedContent {
    // Ciphertext is long and useless in logs; its sizes and key id are what help.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedContent")
            .field("data_len", &self.data.len())
            .field("encryption_certificate_id", &self.encryption_certificate_id)
            .field(
                "encryption_certificate_thumbprint",
                &self.encryption_certificate_thumbprint,
            )
            .finish_non_exhaustive()
    }
}
