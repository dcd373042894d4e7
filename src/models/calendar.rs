//! `calendar`: a folder of events.

use serde::{Deserialize, Serialize};

use super::EmailAddress;

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
}
