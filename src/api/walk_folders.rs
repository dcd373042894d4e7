//! Every folder of a mailbox, at any depth, as one stream: `GET …/mailFolders` lists only
//! the root's children, so each folder with children is listed in turn
//! (`…/mailFolders/{id}/childFolders`; "List mailFolders": "To return all mail folders in a
//! mailbox, each child folder must be traversed separately",
//! <https://learn.microsoft.com/graph/api/user-list-mailfolders?view=graph-rest-1.0>).

use std::collections::VecDeque;
use std::pin::Pin;

use futures_util::stream::{self, Stream, TryStreamExt};

use super::{List, Mailbox};
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

    /// The list of the folders under `parent` (`None`: the root), with this walk's options:
    /// the same paged `List` as [`Mailbox::mail_folders`] and
    /// [`MailFolderRef::child_folders`](super::MailFolderRef::child_folders).
    fn list(&self, parent: Option<&str>) -> List<MailFolder> {
        let mut list = match parent {
            None => self.mailbox.mail_folders(),
            Some(id) => self.mailbox.mail_folder(id).child_folders(),
        };
        if self.include_hidden {
            list = list.include_hidden_folders();
        }
        match self.top {
            Some(top) => list.top(top),
            None => list,
        }
    }

    /// Every folder, breadth-first, fetched as the stream is polled.
    pub fn stream(self) -> impl Stream<Item = Result<MailFolder>> + Send + 'static {
        let walk = Walk {
            listing: Box::pin(self.list(None).stream()),
            walker: self,
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
    /// The folders of the list being read, page by page (the one paging mechanism).
    listing: Pin<Box<dyn Stream<Item = Result<MailFolder>> + Send>>,
    /// Folders whose children are still to be listed, in the order they were seen.
    parents: VecDeque<String>,
}

impl Walk {
    async fn next_folder(&mut self) -> Result<Option<MailFolder>> {
        loop {
            if let Some(folder) = self.listing.try_next().await? {
                // Unknown count (not returned): list it anyway, it costs one request.
                if folder.child_folder_count != Some(0) {
                    if let Some(id) = folder.id.as_deref().filter(|id| !id.is_empty()) {
                        self.parents.push_back(id.to_string());
                    }
                }
                return Ok(Some(folder));
            }
            match self.parents.pop_front() {
                Some(parent) => self.listing = Box::pin(self.walker.list(Some(&parent)).stream()),
                None => return Ok(None),
            }
        }
    }
}
