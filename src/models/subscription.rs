//! Subscriptions to change notifications (`subscription` resource; GRAPH-FACTS-2 §1.2;
//! <https://learn.microsoft.com/graph/api/resources/subscription?view=graph-rest-1.0>).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::wire_enum::wire_enum;

wire_enum! {
    /// A kind of change a subscription reports (`changeType`; Graph sends several
    /// comma-separated, e.g. `"created,updated"`).
    pub enum ChangeType {
        /// `created`: an item was added (for mail: arrived, moved in, or marked unread
        /// under an `isRead eq false` filter).
        Created = "created",
        /// `updated`: an item changed.
        Updated = "updated",
        /// `deleted`: an item was deleted or moved out (or stopped matching the filter).
        Deleted = "deleted",
    }
}

/// A subscription as Graph returns it (`POST/GET/PATCH /subscriptions`). `clientState`
/// is `None` in lists: Graph does not return it there. `Debug` leaves it out (a secret).
#[derive(Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Subscription {
    /// Its id (a GUID), for renew, reauthorize and delete.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The watched resource, relative to the Graph base URL (`users/{id}/mailFolders('inbox')/messages`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    /// The change types reported, comma-separated as Graph spells them (`created,updated`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_type: Option<String>,
    /// Where Graph POSTs change notifications (HTTPS; query string kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_url: Option<String>,
    /// Where Graph POSTs lifecycle notifications (only settable at creation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_notification_url: Option<String>,
    /// When Graph deletes the subscription unless it is renewed (UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date_time: Option<DateTime<Utc>>,
    /// The secret echoed in every notification (at most 128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_state: Option<String>,
    /// Whether notifications carry the resource, encrypted (rich notifications).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_resource_data: Option<bool>,
    /// Base64 DER X.509 certificate whose public key encrypts the resource data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_certificate: Option<String>,
    /// Your id for that certificate's key (at most 128 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encryption_certificate_id: Option<String>,
    /// Newest TLS version the notification endpoint supports (`v1_2` by default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latest_supported_tls_version: Option<String>,
    /// App id Graph may use when it generates validation tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notification_url_app_id: Option<String>,
    /// Id of the app that created it (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// Id of the user (or service principal) that created it (read-only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<String>,
}

impl Subscription {
    /// The change types, parsed from the comma-separated `changeType`.
    ///
    /// ```
    /// use msgraph_outlook::models::{ChangeType, Subscription};
    /// let s: Subscription = serde_json::from_str(r#"{"changeType":"created,updated"}"#).unwrap();
    /// assert_eq!(s.change_types(), vec![ChangeType::Created, ChangeType::Updated]);
    /// ```
    pub fn change_types(&self) -> Vec<ChangeType> {
        self.change_type
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(ChangeType::from)
            .collect()
    }
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("id", &self.id)
            .field("resource", &self.resource)
            .field("change_type", &self.change_type)
            .field("notification_url", &self.notification_url)
            .field(
                "lifecycle_notification_url",
                &self.lifecycle_notification_url,
            )
            .field("expiration_date_time", &self.expiration_date_time)
            .field(
                "client_state",
                &self.client_state.as_ref().map(|_| "<redacted>"),
            )
            .field("include_resource_data", &self.include_resource_data)
            .field("encryption_certificate_id", &self.encryption_certificate_id)
            .field(
                "latest_supported_tls_version",
                &self.latest_supported_tls_version,
            )
            .field("application_id", &self.application_id)
            .field("creator_id", &self.creator_id)
            .finish_non_exhaustive()
    }
}

wire_enum! {
    /// The newest TLS version a notification endpoint supports
    /// (`latestSupportedTlsVersion`; Graph's default is `v1_2`).
    pub enum TlsVersion {
        /// TLS 1.0.
        V1_0 = "v1_0",
        /// TLS 1.1.
        V1_1 = "v1_1",
        /// TLS 1.2.
        V1_2 = "v1_2",
        /// TLS 1.3.
        V1_3 = "v1_3",
    }
}
