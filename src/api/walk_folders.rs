//! Every folder of a mailbox, at any depth, as one stream: `GET …/mailFolders` lists only
//! the root's children, so each folder with children is listed in turn
//! (`…/mailFolders/{id}/childFolders`; "List mailFolders": "To return all mail folders in a
//! mailbox, each child folder must be traversed separately",
//! <https://learn.microsoft.com/graph/api/user-list-mailfolders?view=graph-rest-1.0>).

use std::collections::VecDeque;

use futures_util::stream::{self, Stream, TryStreamExt};

use super::mail_folders::INCLUDE_HIDDEN_FOLDERS;
use super::Mailbox;
use crate::client::{Page, Request};
use crate::error::Result;
use crate::models::MailFolder;

/// Walks a mailbox's folder tree; from [`Mailbox::walk_mail_folders`].
///
/// Breadth-first: the root's children (`GET …/mailFolders`), then the children of each of
/// them in the order they came, and so on. A folder whose `childFolderCount` is 0 is not
/// listed further. Pages are fetched as the stream is polled; what is held is one page and
/// a queue of the ids of folders whose children are still to come (not the tree). Every
/// request is a GET, retried like any other; an error ends the stream.
///
/// For the folders that changed since last time, [`Mailbox::sync_mail_folders`] is cheaper.
///
/// ```no_run
/// # async fn run(client: msgraph_outlook::GraphClient) -> msgraph_outlook::Result<()> {
/// let all = client.user("adele@contoso.com").walk_mail_folders().top(100).collect().await?;
/// let unread: i64 = all.iter().filter_map(|f| f.unread_item_count).map(i64::from).sum();
/// println!("{} folders, {unread} unread", all.len());
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "nothing is sent until you call .stream() or .collect()"]
pub struct WalkMailFolders {
    mailbox: Mailbox,
    include_hidden: bool,
    top: Option<u32>,
}

impl WalkMailFolders {
    pub(crate) fn new(mailbox: Mailbox) -> Self {
        WalkMailFolders {
            mailbox,
            include_hidden: false,
            top: None,
        }
    }

    /// Hidden folders too, and the folders under them (`includeHiddenFolders=true` on every
    /// list).
    pub fn include_hidden_folders(mut self) -> Self {
        self.include_hidden = true;
        self
    }

    /// Folders per page (`$top` on every list); fewer round trips for large trees.
    pub fn top(mut self, top: u32) -> Self {
        self.top = Some(top);
        self
    }

    /// The list of the folders under `parent` (`None`: the root).
    fn list(&self, parent: Option<&str>) -> Request {
        let (operation, path) = match parent {
            None => (
                "listMailFolders",
                self.mailbox.target.path(&["mailFolders"]),
            ),
            Some(id) => (
                "listChildFolders",
                self.mailbox
                    .target
                    .path(&["mailFolders", id, "childFolders"]),
            ),
        };
        let mut request = Request::get(operation, path);
        if self.include_hidden {
            request
                .query
                .push((INCLUDE_HIDDEN_FOLDERS.into(), "true".into()));
        }
        if let Some(top) = self.top {
            request.query.push(("$top".into(), top.to_string()));
        }
        request
    }

    /// Every folder, breadth-first, fetched as the stream is polled.
    pub fn stream(self) -> impl Stream<Item = Result<MailFolder>> + Send + 'static {
        let first = self.list(None);
        let walk = Walk {
            walker: self,
            page: Vec::new().into_iter(),
            next: Some(first),
            parents: VecDeque::new(),
        };
        stream::try_unfold(walk, |mut walk| async move {
            let folder = walk.next_folder().await?;
            Ok(folder.map(|folder| (folder, walk)))
        })
    }

    /// Every folder, collected.
    pub async fn collect(self) -> Result<Vec<MailFolder>> {
        self.stream().try_collect().await
    }
}

/// Where a walk is.
struct Walk {
    walker: WalkMailFolders,
    /// What is left of the page being read.
    page: std::vec::IntoIter<MailFolder>,
    /// The request for the next page: of the list being read, or of the next parent's.
    next: Option<Request>,
    /// Folders whose children are still to be listed, in the order they were seen.
    parents: VecDeque<String>,
}

impl Walk {
    async fn next_folder(&mut self) -> Result<Option<MailFolder>> {
        loop {
            if let Some(folder) = self.page.next() {
                // Unknown count (not returned): list it anyway, it costs one request.
                if folder.child_folder_count != Some(0) {
                    if let Some(id) = folder.id.as_deref().filter(|id| !id.is_empty()) {
                        self.parents.push_back(id.to_string());
                    }
                }
                return Ok(Some(folder));
            }
            let request = match self.next.take() {
                Some(request) => request,
                None => match self.parents.pop_front() {
                    Some(parent) => self.walker.list(Some(&parent)),
                    None => return Ok(None),
                },
            };
            let client = &self.walker.mailbox.client;
            let page: Page<MailFolder> = client.send(request).await?.item()?;
            self.next = page.next_link.map(|link| Request::follow("nextPage", link));
            self.page = page.value.into_iter();
        }
    }
}
