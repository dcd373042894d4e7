//! `mailFolder`: a folder of a mailbox as Graph returns it (GRAPH-FACTS-2 §7.1; resource
//! <https://learn.microsoft.com/graph/api/resources/mailfolder?view=graph-rest-1.0>).

use serde::{Deserialize, Serialize};

/// A mail folder (EWS `Folder`), e.g. from [`Mailbox::sync_mail_folders`](crate::api::Mailbox::sync_mail_folders).
///
/// Counts include every item type of the folder. Unknown properties are ignored.
///
/// ```
/// use msgraph_outlook::models::MailFolder;
/// let folder: MailFolder = serde_json::from_str(
///     r#"{"id":"AAMk1","displayName":"Inbox","parentFolderId":"AAMk0","childFolderCount":2,
///         "unreadItemCount":3,"totalItemCount":9,"isHidden":false}"#,
/// ).unwrap();
/// assert_eq!(folder.display_name.as_deref(), Some("Inbox"));
/// assert_eq!(folder.unread_item_count, Some(3));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct MailFolder {
    /// The folder id (changes when the folder moves to another parent, as item ids do).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The folder's name as shown in Outlook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The id of the parent folder (the invisible root, `msgfolderroot`, for top-level folders).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_folder_id: Option<String>,
    /// How many folders are directly under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub child_folder_count: Option<i32>,
    /// How many of its items are unread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unread_item_count: Option<i32>,
    /// How many items it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_item_count: Option<i32>,
    /// Whether it is hidden (set at creation only; hidden folders are listed only on request).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_hidden: Option<bool>,
}

impl super::source::sealed::Sealed for MailFolder {}
// A folder id is only valid in its mailbox, but nothing addresses a folder through a read
// folder yet: it does not remember where it was read.
impl super::Sourced for MailFolder {}
