//! `calendar`: a folder of events.

use serde::{Deserialize, Serialize};

use super::{null_as_default, EmailAddress, OnlineMeetingProviderType};

/// A calendar of a mailbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Calendar {
    /// Id (stable).
    #[serde(default)]
    pub id: Option<String>,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether it is the mailbox's default calendar.
    #[serde(default)]
    pub is_default_calendar: Option<bool>,
    /// Whether the caller can write to it.
    #[serde(default)]
    pub can_edit: Option<bool>,
    /// Whether the caller can share it.
    #[serde(default)]
    pub can_share: Option<bool>,
    /// Whether the caller can see private items.
    #[serde(default)]
    pub can_view_private_items: Option<bool>,
    /// Its owner.
    #[serde(default)]
    pub owner: Option<EmailAddress>,
    /// Version.
    #[serde(default)]
    pub change_key: Option<String>,
    /// The online meeting services events of this calendar can use
    /// (<https://learn.microsoft.com/graph/outlook-calendar-online-meetings>); empty when the
    /// organization supports none.
    #[serde(default, deserialize_with = "null_as_default")]
    pub allowed_online_meeting_providers: Vec<OnlineMeetingProviderType>,
    /// The service an online meeting gets when its provider is not given.
    #[serde(default)]
    pub default_online_meeting_provider: Option<OnlineMeetingProviderType>,
}

impl Calendar {
    /// Whether events of this calendar can be online meetings with `provider`.
    ///
    /// ```
    /// use msgraph_outlook::models::{Calendar, OnlineMeetingProviderType};
    /// let calendar: Calendar = serde_json::from_value(serde_json::json!({
    ///     "allowedOnlineMeetingProviders": ["teamsForBusiness"],
    ///     "defaultOnlineMeetingProvider": "teamsForBusiness"
    /// })).unwrap();
    /// assert!(calendar.allows_online_meeting(OnlineMeetingProviderType::TeamsForBusiness));
    /// assert!(!calendar.allows_online_meeting(OnlineMeetingProviderType::SkypeForConsumer));
    /// ```
    pub fn allows_online_meeting(&self, provider: OnlineMeetingProviderType) -> bool {
        self.allowed_online_meeting_providers.contains(&provider)
    }
}
