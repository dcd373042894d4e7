//! Mail folders of a mailbox: a tree under the invisible root `msgfolderroot` ("Top of
//! Information Store", GRAPH-FACTS-2 §7.1), the well-known folders every mailbox starts
//! with, and the walks over the tree the folder routes need.

use serde_json::{json, Value};

use super::{opaque_id, User};

/// Well-known name of the root: `GET …/mailFolders` lists its direct children.
pub(crate) const ROOT: &str = "msgfolderroot";

/// Display name of the root (Outlook's name for the top of the mailbox).
const ROOT_DISPLAY_NAME: &str = "Top of Information Store";

/// Well-known mail folders created under the root of every mailbox: (well-known name,
/// display name).
pub(crate) const WELL_KNOWN_FOLDERS: [(&str, &str); 7] = [
    ("inbox", "Inbox"),
    ("drafts", "Drafts"),
    ("sentitems", "Sent Items"),
    ("outbox", "Outbox"),
    ("deleteditems", "Deleted Items"),
    ("archive", "Archive"),
    ("junkemail", "Junk Email"),
];

/// One mail folder.
#[derive(Debug, Clone)]
pub(crate) struct Folder {
    pub id: String,
    /// Its well-known name (`inbox`, `msgfolderroot`, …); `None` for a folder a client
    /// created or copied.
    pub well_known: Option<&'static str>,
    pub display_name: String,
    /// The parent folder's id; `None` only for the root.
    pub parent_id: Option<String>,
    /// Set at creation only; listed only with `includeHiddenFolders=true`.
    pub is_hidden: bool,
}

impl Folder {
    /// A new folder (new id) named `display_name` under `parent_id`.
    pub(crate) fn new(display_name: &str, parent_id: &str, is_hidden: bool) -> Folder {
        Folder {
            id: opaque_id("AAMkA", 44),
            well_known: None,
            display_name: display_name.to_string(),
            parent_id: Some(parent_id.to_string()),
            is_hidden,
        }
    }

    /// Whether `name_or_id` names this folder: its id, or its well-known name
    /// (case-insensitive, as Graph accepts `Inbox` and `inbox`).
    pub(crate) fn is(&self, name_or_id: &str) -> bool {
        self.id == name_or_id
            || self
                .well_known
                .is_some_and(|w| w.eq_ignore_ascii_case(name_or_id))
    }
}

/// The folders of a new mailbox: the root, then the well-known folders under it.
pub(crate) fn default_folders() -> Vec<Folder> {
    let root = Folder {
        id: opaque_id("AAMkA", 44),
        well_known: Some(ROOT),
        display_name: ROOT_DISPLAY_NAME.to_string(),
        parent_id: None,
        is_hidden: false,
    };
    let mut folders = vec![root.clone()];
    folders.extend(WELL_KNOWN_FOLDERS.iter().map(|(wk, dn)| Folder {
        well_known: Some(*wk),
        ..Folder::new(dn, &root.id, false)
    }));
    folders
}

impl User {
    /// Index in `folders` of the folder with that id or well-known name.
    pub(crate) fn folder_index(&self, name_or_id: &str) -> Option<usize> {
        self.folders.iter().position(|f| f.is(name_or_id))
    }

    /// Id of the root folder (`msgfolderroot`).
    pub(crate) fn root_folder_id(&self) -> &str {
        self.folders
            .iter()
            .find(|f| f.parent_id.is_none())
            .map_or("", |f| f.id.as_str())
    }

    /// Direct children of the folder `parent_id`, in creation order.
    pub(crate) fn child_folders(&self, parent_id: &str) -> Vec<&Folder> {
        self.folders
            .iter()
            .filter(|f| f.parent_id.as_deref() == Some(parent_id))
            .collect()
    }

    /// Ids of the folder `id` and of every folder below it, parents before children.
    pub(crate) fn subtree_ids(&self, id: &str) -> Vec<String> {
        let mut out = vec![id.to_string()];
        // Breadth-first over the ids found so far: each folder has one parent, so the
        // walk ends after at most `folders.len()` steps.
        let mut next = 0;
        while next < out.len() {
            let parent = out[next].clone();
            out.extend(
                self.child_folders(&parent)
                    .into_iter()
                    .map(|f| f.id.clone()),
            );
            next += 1;
        }
        out
    }

    /// Every folder below the root (hidden ones too), parents before children: what
    /// the folder hierarchy delta and `Sandbox::folders` report.
    pub(crate) fn folder_tree(&self) -> Vec<&Folder> {
        let ids = self.subtree_ids(self.root_folder_id());
        ids[1..]
            .iter()
            .filter_map(|id| self.folders.iter().find(|f| &f.id == id))
            .collect()
    }

    /// Whether a child of `parent_id` other than `except` is named `name`
    /// (case-insensitive, as Exchange compares folder names [unconfirmed]).
    pub(crate) fn has_child_named(&self, parent_id: &str, name: &str, except: &str) -> bool {
        self.child_folders(parent_id)
            .iter()
            .any(|f| f.id != except && f.display_name.eq_ignore_ascii_case(name.trim()))
    }

    /// The folder `f` in Graph's form (`mailFolder`): counts computed from the messages
    /// it holds (so they follow every delivery, move, read and delete),
    /// `childFolderCount` from the tree (hidden children included [unconfirmed]).
    pub(crate) fn folder_json(&self, f: &Folder) -> Value {
        let (mut total, mut unread) = (0, 0);
        for m in self.messages.iter().filter(|m| m.folder_id == f.id) {
            total += 1;
            if m.json.get("isRead") == Some(&Value::Bool(false)) {
                unread += 1;
            }
        }
        let parent = match &f.parent_id {
            Some(p) => p.clone(),
            None => self.hidden_root_id(),
        };
        json!({
            "id": f.id,
            "displayName": f.display_name,
            "parentFolderId": parent,
            "childFolderCount": self.child_folders(&f.id).len(),
            "unreadItemCount": unread,
            "totalItemCount": total,
            "isHidden": f.is_hidden,
        })
    }

    /// Parent of `msgfolderroot`: the mailbox's own (non-IPM) root, which Graph never
    /// lists; derived from the user id so it is stable.
    fn hidden_root_id(&self) -> String {
        use base64::Engine as _;
        format!(
            "AAMkA{}",
            base64::engine::general_purpose::URL_SAFE.encode(self.id.as_bytes())
        )
    }
}
