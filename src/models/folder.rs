//! Mail folders as requests name them: a well-known name or a folder id.
//!
//! Well-known names are locale-independent and accepted wherever Graph takes a folder id
//! (docs: <https://learn.microsoft.com/en-us/graph/api/resources/mailfolder?view=graph-rest-1.0>,
//! "Well-known folder names"; GRAPH-FACTS-2 §mail folders).

use std::fmt;

/// A folder every Exchange Online mailbox has, by Graph's well-known name (EWS's
/// `WellKnownFolderName`).
///
/// ```
/// use msgraph_outlook::models::WellKnownFolder;
/// assert_eq!(WellKnownFolder::SentItems.as_str(), "sentitems");
/// assert_eq!(WellKnownFolder::JunkEmail.to_string(), "junkemail");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum WellKnownFolder {
    /// `archive`: the One-Click Archive folder (not the archive mailbox).
    Archive,
    /// `clutter`: low-priority messages moved by Clutter.
    Clutter,
    /// `conflicts`: items with conflicts in the mailbox.
    Conflicts,
    /// `conversationhistory`: Skype / Teams conversation history.
    ConversationHistory,
    /// `deleteditems`: Deleted Items.
    DeletedItems,
    /// `drafts`: Drafts.
    Drafts,
    /// `inbox`: the Inbox.
    Inbox,
    /// `junkemail`: Junk Email.
    JunkEmail,
    /// `localfailures`: items that exist locally but could not be uploaded to the server.
    LocalFailures,
    /// `msgfolderroot`: the Top of Information Store (parent of the Inbox).
    MsgFolderRoot,
    /// `outbox`: the Outbox.
    Outbox,
    /// `recoverableitemsdeletions`: items soft-deleted from Deleted Items.
    RecoverableItemsDeletions,
    /// `scheduled`: messages snoozed with the Outlook Schedule feature.
    Scheduled,
    /// `searchfolders`: the parent of the search folders.
    SearchFolders,
    /// `sentitems`: Sent Items.
    SentItems,
    /// `serverfailures`: items that exist on the server but could not be synchronized locally.
    ServerFailures,
    /// `syncissues`: synchronization logs.
    SyncIssues,
}

impl WellKnownFolder {
    /// Graph's name of the folder, as it goes in a path or a `destinationId`.
    pub fn as_str(self) -> &'static str {
        match self {
            WellKnownFolder::Archive => "archive",
            WellKnownFolder::Clutter => "clutter",
            WellKnownFolder::Conflicts => "conflicts",
            WellKnownFolder::ConversationHistory => "conversationhistory",
            WellKnownFolder::DeletedItems => "deleteditems",
            WellKnownFolder::Drafts => "drafts",
            WellKnownFolder::Inbox => "inbox",
            WellKnownFolder::JunkEmail => "junkemail",
            WellKnownFolder::LocalFailures => "localfailures",
            WellKnownFolder::MsgFolderRoot => "msgfolderroot",
            WellKnownFolder::Outbox => "outbox",
            WellKnownFolder::RecoverableItemsDeletions => "recoverableitemsdeletions",
            WellKnownFolder::Scheduled => "scheduled",
            WellKnownFolder::SearchFolders => "searchfolders",
            WellKnownFolder::SentItems => "sentitems",
            WellKnownFolder::ServerFailures => "serverfailures",
            WellKnownFolder::SyncIssues => "syncissues",
        }
    }
}

impl fmt::Display for WellKnownFolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A mail folder wherever one is taken (`in_folder`, `move_to`, `sync_messages`, …): a
/// [`WellKnownFolder`] or a folder id. Strings convert as they are, so a folder id (or a
/// well-known name written out) still works.
///
/// ```
/// use msgraph_outlook::models::{FolderRef, WellKnownFolder};
/// assert_eq!(FolderRef::from(WellKnownFolder::Inbox).as_str(), "inbox");
/// assert_eq!(FolderRef::from("AQMkAGI2TAAA=").as_str(), "AQMkAGI2TAAA=");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FolderRef {
    /// A well-known folder.
    WellKnown(WellKnownFolder),
    /// A folder id (or any name Graph takes in its place), sent as given.
    Id(String),
}

impl FolderRef {
    /// What goes in the path or the `destinationId`.
    pub fn as_str(&self) -> &str {
        match self {
            FolderRef::WellKnown(folder) => folder.as_str(),
            FolderRef::Id(id) => id,
        }
    }

    pub(crate) fn into_string(self) -> String {
        match self {
            FolderRef::WellKnown(folder) => folder.as_str().to_string(),
            FolderRef::Id(id) => id,
        }
    }
}

impl From<WellKnownFolder> for FolderRef {
    fn from(folder: WellKnownFolder) -> Self {
        FolderRef::WellKnown(folder)
    }
}

impl From<&str> for FolderRef {
    fn from(id: &str) -> Self {
        FolderRef::Id(id.to_string())
    }
}

impl From<String> for FolderRef {
    fn from(id: String) -> Self {
        FolderRef::Id(id)
    }
}

impl From<&String> for FolderRef {
    fn from(id: &String) -> Self {
        FolderRef::Id(id.clone())
    }
}

impl fmt::Display for FolderRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
