//! A mailbox's mail folders (EWS `FindFolder`, `GetFolder`, `CreateFolder`): list the
//! top level, address one folder, create one at the root (GRAPH-FACTS-2 §7.1;
//! openapi-fragments/paths/user-mailFolders.yaml).
//!
//! Docs: "List mailFolders" <https://learn.microsoft.com/graph/api/user-list-mailfolders?view=graph-rest-1.0>
//! (only the root's direct children; `includeHiddenFolders=true` adds hidden ones),
//! "List childFolders" <https://learn.microsoft.com/graph/api/mailfolder-list-childfolders?view=graph-rest-1.0>
//! (the same parameter), "Create mailFolder" <https://learn.microsoft.com/graph/api/user-post-mailfolders?view=graph-rest-1.0>.

use super::{CreateMailFolder, List, MailFolderRef, Mailbox, WalkMailFolders};
use crate::models::{FolderRef, MailFolder};

/// The query parameter of both folder lists that adds hidden folders.
const INCLUDE_HIDDEN_FOLDERS: &str = "includeHiddenFolders";

impl Mailbox {
    /// The folders directly under the root of the folder tree (`GET …/mailFolders`: the
    /// Inbox, Sent Items, … and search folders there), paged (Graph's default page is 10).
    /// Nested folders are under [`MailFolderRef::child_folders`]; every folder, at any
    /// depth, comes from [`walk_mail_folders`](Self::walk_mail_folders).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let folders = client.me().mail_folders().include_hidden_folders().top(50).collect().await?;
    /// for folder in folders {
    ///     println!("{:?}: {:?} items", folder.display_name, folder.total_item_count);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn mail_folders(&self) -> List<MailFolder> {
        List::new(
            self.client.clone(),
            "listMailFolders",
            self.target.path(&["mailFolders"]),
        )
    }

    /// A folder of this mailbox, by id or [`WellKnownFolder`](crate::models::WellKnownFolder),
    /// to read, list its children, create under it, rename, move, copy or delete it.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::WellKnownFolder;
    /// let me = client.me();
    /// let invoices = me.mail_folder(WellKnownFolder::Inbox).create_child_folder("Invoices").await?;
    /// me.mail_folder(invoices.id.unwrap()).rename("Invoices 2026").await?;
    /// # Ok(()) }
    /// ```
    pub fn mail_folder(&self, folder: impl Into<FolderRef>) -> MailFolderRef {
        MailFolderRef::new(self.clone(), folder.into())
    }

    /// Creates a folder at the top of the folder tree, beside the Inbox
    /// (`POST …/mailFolders`, 201); [`CreateMailFolder::hidden`] makes it hidden.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let projects = client.me().create_mail_folder("Projects").await?;
    /// println!("{:?} under {:?}", projects.id, projects.parent_folder_id);
    /// # Ok(()) }
    /// ```
    pub fn create_mail_folder(&self, display_name: impl Into<String>) -> CreateMailFolder {
        CreateMailFolder::new(self.clone(), None, display_name.into())
    }

    /// Every folder of the mailbox at any depth, as a stream, breadth-first: the top level
    /// first, then their children, and so on. Memory stays at one page plus the ids of the
    /// folders whose children are still to be listed. See [`WalkMailFolders`].
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use futures_util::TryStreamExt;
    /// let mut folders = std::pin::pin!(client.me().walk_mail_folders().include_hidden_folders().stream());
    /// while let Some(folder) = folders.try_next().await? {
    ///     println!("{:?} (parent {:?})", folder.display_name, folder.parent_folder_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn walk_mail_folders(&self) -> WalkMailFolders {
        WalkMailFolders::new(self.clone())
    }
}

impl List<MailFolder> {
    /// Hidden folders too (`includeHiddenFolders=true`); tell them apart by
    /// [`MailFolder::is_hidden`] (include `isHidden` in a `$select`).
    pub fn include_hidden_folders(self) -> Self {
        self.param(INCLUDE_HIDDEN_FOLDERS, "true".into())
    }
}
