//! One mail folder of a mailbox: get, child folders, create a child, rename, move, copy,
//! delete, permanently delete (GRAPH-FACTS-2 §7.1; openapi-fragments/paths/user-mailFolders.yaml).
//!
//! Docs: "Get mailFolder" <https://learn.microsoft.com/graph/api/mailfolder-get?view=graph-rest-1.0>,
//! "List childFolders" <https://learn.microsoft.com/graph/api/mailfolder-list-childfolders?view=graph-rest-1.0>,
//! "Create child folder" <https://learn.microsoft.com/graph/api/mailfolder-post-childfolders?view=graph-rest-1.0>,
//! "Update mailfolder" <https://learn.microsoft.com/graph/api/mailfolder-update?view=graph-rest-1.0>,
//! "mailFolder: move" <https://learn.microsoft.com/graph/api/mailfolder-move?view=graph-rest-1.0>,
//! "mailFolder: copy" <https://learn.microsoft.com/graph/api/mailfolder-copy?view=graph-rest-1.0>,
//! "Delete mailFolder" <https://learn.microsoft.com/graph/api/mailfolder-delete?view=graph-rest-1.0>,
//! "mailFolder: permanentDelete" <https://learn.microsoft.com/graph/api/mailfolder-permanentdelete?view=graph-rest-1.0>.

use super::destination::destination_request;
use super::query::{strings, ODataQuery};
use super::{List, Mailbox};
use crate::client::{Call, Request, Response};
use crate::error::{InvalidRequest, Result};
use crate::models::{FolderRef, MailFolder};

/// A mail folder of a mailbox, by id or [`WellKnownFolder`](crate::models::WellKnownFolder);
/// from [`Mailbox::mail_folder`]. Every operation goes to the mailbox it came from.
#[derive(Debug, Clone)]
pub struct MailFolderRef {
    mailbox: Mailbox,
    folder: FolderRef,
}

impl MailFolderRef {
    pub(crate) fn new(mailbox: Mailbox, folder: FolderRef) -> Self {
        MailFolderRef { mailbox, folder }
    }

    /// The folder, as it goes in the path.
    pub fn folder(&self) -> &FolderRef {
        &self.folder
    }

    /// `…/mailFolders/{folder}/{rest}`.
    pub(crate) fn path(&self, rest: &[&str]) -> Vec<String> {
        let mut segments = vec!["mailFolders", self.folder.as_str()];
        segments.extend_from_slice(rest);
        self.mailbox.target.path(&segments)
    }

    /// An empty id would address the folder collection instead.
    fn check(&self) -> Result<()> {
        if self.folder.as_str().trim().is_empty() {
            return Err(InvalidRequest::no_id("mail folder").into());
        }
        Ok(())
    }

    /// Reads the folder (`GET …/mailFolders/{id}`), with its counts.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::WellKnownFolder;
    /// let inbox = client.me().mail_folder(WellKnownFolder::Inbox).get().await?;
    /// println!("{:?} unread of {:?}", inbox.unread_item_count, inbox.total_item_count);
    /// # Ok(()) }
    /// ```
    pub fn get(&self) -> GetMailFolder {
        GetMailFolder {
            folder: self.clone(),
            query: ODataQuery::default(),
        }
    }

    /// The folders directly under this one (`GET …/mailFolders/{id}/childFolders`), paged
    /// (Graph's default page is 10); hidden ones only with
    /// [`include_hidden_folders`](List::include_hidden_folders).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::WellKnownFolder;
    /// let children = client.me().mail_folder(WellKnownFolder::Inbox).child_folders().collect().await?;
    /// for folder in children {
    ///     println!("{:?}", folder.display_name);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn child_folders(&self) -> List<MailFolder> {
        List::new(
            self.mailbox.client.clone(),
            "listChildFolders",
            self.path(&["childFolders"]),
        )
    }

    /// Creates a folder under this one (`POST …/mailFolders/{id}/childFolders`, 201).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::WellKnownFolder;
    /// let folder = client.me().mail_folder(WellKnownFolder::Inbox).create_child_folder("Invoices").await?;
    /// println!("created {:?}", folder.id);
    /// # Ok(()) }
    /// ```
    pub fn create_child_folder(&self, display_name: impl Into<String>) -> CreateMailFolder {
        CreateMailFolder::new(
            self.mailbox.clone(),
            Some(self.clone()),
            display_name.into(),
        )
    }

    /// Renames the folder (`PATCH …/mailFolders/{id}` with `displayName`, its only writable
    /// property; 200) and returns it.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// client.me().mail_folder("AAMkAGFolder=").rename("Invoices 2026").await?;
    /// # Ok(()) }
    /// ```
    pub fn rename(&self, display_name: impl Into<String>) -> UpdateMailFolder {
        UpdateMailFolder {
            folder: self.clone(),
            display_name: display_name.into(),
        }
    }

    /// Moves the folder, with what it holds, under another folder (`POST …/move` with
    /// `destinationId`; 200) and returns it (its id changes, as a moved item's does).
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// use msgraph_outlook::models::WellKnownFolder;
    /// let moved = client.me().mail_folder("AAMkAGFolder=").move_to(WellKnownFolder::Archive).await?;
    /// println!("now {:?} under {:?}", moved.id, moved.parent_folder_id);
    /// # Ok(()) }
    /// ```
    pub fn move_to(&self, destination: impl Into<FolderRef>) -> MoveMailFolder {
        MoveMailFolder {
            folder: self.clone(),
            destination: destination.into(),
        }
    }

    /// Copies the folder, with what it holds, under another folder (`POST …/copy`; 200) and
    /// returns the copy.
    pub fn copy_to(&self, destination: impl Into<FolderRef>) -> CopyMailFolder {
        CopyMailFolder {
            folder: self.clone(),
            destination: destination.into(),
        }
    }

    /// Deletes the folder with what it holds (`DELETE …/mailFolders/{id}`, 204); it stays
    /// recoverable (the sandbox puts it under Deleted Items; where Exchange puts it is
    /// \[unconfirmed\]). Well-known folders cannot be deleted.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// client.me().mail_folder("AAMkAGFolder=").delete().await?;
    /// # Ok(()) }
    /// ```
    pub fn delete(&self) -> DeleteMailFolder {
        DeleteMailFolder {
            folder: self.clone(),
        }
    }

    /// Deletes the folder and everything in it for good (`POST …/permanentDelete`, no body,
    /// 204): it goes to the Purges folder, out of the user's reach. Global cloud only, as
    /// the docs say.
    pub fn permanent_delete(&self) -> PermanentDeleteMailFolder {
        PermanentDeleteMailFolder {
            folder: self.clone(),
        }
    }
}

/// Reads one folder; from [`MailFolderRef::get`].
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct GetMailFolder {
    folder: MailFolderRef,
    query: ODataQuery,
}

impl GetMailFolder {
    /// Only these properties (`$select`).
    pub fn select<I, S>(mut self, properties: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.query.select = strings(properties);
        self
    }
}

impl Call for GetMailFolder {
    type Output = MailFolder;

    fn into_request(self) -> Result<Request> {
        self.folder.check()?;
        let mut request = Request::get("getMailFolder", self.folder.path(&[]));
        self.query.apply(&mut request)?;
        Ok(request)
    }

    fn parse(response: Response) -> Result<MailFolder> {
        response.item()
    }
}

/// Creates a folder, at the root of the folder tree or under a parent; from
/// [`Mailbox::create_mail_folder`] or [`MailFolderRef::create_child_folder`]. Await it for
/// the new folder, or add it to a [`Batch`](crate::Batch).
///
/// A second folder of the same name under the same parent is refused by Graph
/// (`ErrorFolderExists`).
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct CreateMailFolder {
    mailbox: Mailbox,
    parent: Option<MailFolderRef>,
    body: NewFolder,
}

#[derive(Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct NewFolder {
    display_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_hidden: Option<bool>,
}

impl CreateMailFolder {
    pub(crate) fn new(mailbox: Mailbox, parent: Option<MailFolderRef>, name: String) -> Self {
        CreateMailFolder {
            mailbox,
            parent,
            body: NewFolder {
                display_name: name,
                is_hidden: None,
            },
        }
    }

    /// Whether the folder is hidden (`isHidden`): set at creation only, and a hidden folder
    /// is listed only with `includeHiddenFolders`.
    ///
    /// ```no_run
    /// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
    /// let folder = client.me().create_mail_folder("Sync state").hidden(true).await?;
    /// assert_eq!(folder.is_hidden, Some(true));
    /// # Ok(()) }
    /// ```
    pub fn hidden(mut self, hidden: bool) -> Self {
        self.body.is_hidden = Some(hidden);
        self
    }
}

impl Call for CreateMailFolder {
    type Output = MailFolder;

    fn into_request(self) -> Result<Request> {
        check_name(&self.body.display_name)?;
        let (operation, path) = match &self.parent {
            None => (
                "createMailFolder",
                self.mailbox.target.path(&["mailFolders"]),
            ),
            Some(parent) => {
                parent.check()?;
                ("createChildFolder", parent.path(&["childFolders"]))
            }
        };
        Request::post(operation, path).json(&self.body)
    }

    /// 201 is documented (the child folder page's example shows 200: any success is read).
    fn parse(response: Response) -> Result<MailFolder> {
        response.item()
    }
}

sends_call!(CreateMailFolder => MailFolder; |this| this.mailbox);

/// Renames a folder; from [`MailFolderRef::rename`].
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct UpdateMailFolder {
    folder: MailFolderRef,
    display_name: String,
}

impl Call for UpdateMailFolder {
    type Output = MailFolder;

    fn into_request(self) -> Result<Request> {
        self.folder.check()?;
        check_name(&self.display_name)?;
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Rename {
            display_name: String,
        }
        // Setting the name it has is safe to repeat.
        Ok(Request::patch("updateMailFolder", self.folder.path(&[]))
            .json(&Rename {
                display_name: self.display_name,
            })?
            .idempotent())
    }

    fn parse(response: Response) -> Result<MailFolder> {
        response.item()
    }
}

/// Moves a folder; from [`MailFolderRef::move_to`].
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct MoveMailFolder {
    folder: MailFolderRef,
    destination: FolderRef,
}

impl Call for MoveMailFolder {
    type Output = MailFolder;

    fn into_request(self) -> Result<Request> {
        self.folder.check()?;
        destination_request(
            "moveMailFolder",
            self.folder.path(&["move"]),
            &self.destination,
        )
    }

    fn parse(response: Response) -> Result<MailFolder> {
        response.item()
    }
}

/// Copies a folder; from [`MailFolderRef::copy_to`].
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct CopyMailFolder {
    folder: MailFolderRef,
    destination: FolderRef,
}

impl Call for CopyMailFolder {
    type Output = MailFolder;

    fn into_request(self) -> Result<Request> {
        self.folder.check()?;
        destination_request(
            "copyMailFolder",
            self.folder.path(&["copy"]),
            &self.destination,
        )
    }

    fn parse(response: Response) -> Result<MailFolder> {
        response.item()
    }
}

/// Deletes a folder; from [`MailFolderRef::delete`].
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct DeleteMailFolder {
    folder: MailFolderRef,
}

impl Call for DeleteMailFolder {
    type Output = ();

    fn into_request(self) -> Result<Request> {
        self.folder.check()?;
        Ok(Request::delete("deleteMailFolder", self.folder.path(&[])))
    }

    fn parse(response: Response) -> Result<()> {
        response.no_content()
    }
}

/// Deletes a folder for good; from [`MailFolderRef::permanent_delete`].
#[derive(Debug)]
#[must_use = "nothing is sent until you await it"]
pub struct PermanentDeleteMailFolder {
    folder: MailFolderRef,
}

impl Call for PermanentDeleteMailFolder {
    type Output = ();

    fn into_request(self) -> Result<Request> {
        self.folder.check()?;
        Ok(Request::post(
            "permanentDeleteMailFolder",
            self.folder.path(&["permanentDelete"]),
        ))
    }

    fn parse(response: Response) -> Result<()> {
        response.no_content()
    }
}

sends_call!(
    GetMailFolder => MailFolder,
    UpdateMailFolder => MailFolder,
    MoveMailFolder => MailFolder,
    CopyMailFolder => MailFolder,
    DeleteMailFolder => (),
    PermanentDeleteMailFolder => ();
    |this| this.folder.mailbox
);

/// A folder name Graph would refuse (400) or that no one could see.
fn check_name(name: &str) -> Result<()> {
    if name.trim().is_empty() {
        return Err(InvalidRequest::InvalidValue {
            reason: "the folder name (displayName) is empty".into(),
        }
        .into());
    }
    Ok(())
}
