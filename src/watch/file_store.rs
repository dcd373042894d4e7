//! [`FileStore`]: the watch state in one private JSON file, replaced atomically.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::state::{StateStore, WatchStates};
use crate::error::{Error, Result};
use crate::private_file::{self, PrivateFileError};

/// A [`StateStore`] in one JSON file, readable by its owner only.
///
/// - Each save replaces the file atomically: the new content goes to a temporary file in
///   the same directory, which is flushed to disk and renamed over the old one, and the
///   directory is flushed. A crash at any point leaves the old state or the new one, never
///   a mix; a leftover temporary file is ignored.
/// - On Unix the file is created with mode `0600` (missing directories `0700`), and a file
///   that group or others may read is refused with [`Error::Config`]: it holds the
///   subscriptions' `clientState` secrets.
/// - One manager per file: two processes saving to the same file overwrite each other.
///
/// ```
/// use msgraph_outlook::watch::{ClientState, FileStore, StateStore, WatchState, WatchStates};
///
/// let dir = std::env::temp_dir().join(format!("msgraph-watch-doc-{}", std::process::id()));
/// let store = FileStore::new(dir.join("watch.json"));
/// assert_eq!(store.load().unwrap(), WatchStates::default()); // no file yet
/// let mut states = WatchStates::default();
/// let mut inbox = WatchState::new("me/mailFolders('inbox')/messages");
/// inbox.client_state = Some(ClientState::new("s3cret"));
/// states.watches.insert("inbox".into(), inbox);
/// store.save(&states).unwrap();
/// assert_eq!(store.load().unwrap(), states);
/// assert!(!format!("{store:?} {states:?}").contains("s3cret"));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub struct FileStore {
    path: PathBuf,
    lock: Mutex<()>,
}

/// The file's layout: a version, so a later layout can be told apart.
#[derive(Serialize, Deserialize)]
struct StateFile {
    version: u32,
    #[serde(flatten)]
    states: WatchStates,
}

const FILE_VERSION: u32 = 1;

impl FileStore {
    /// A store in the file at `path` (created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore {
            path: path.into(),
            lock: Mutex::new(()),
        }
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn guard(&self) -> std::sync::MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn error(&self, e: PrivateFileError) -> Error {
        let path = self.path.display();
        Error::Config(match e {
            PrivateFileError::Io(what, e) => format!("watch state file {path}: {what}: {e}"),
            PrivateFileError::NotAFile => format!("watch state file {path} is not a regular file"),
            PrivateFileError::Permissions(mode) => format!(
                "watch state file {path} has mode {mode:04o}, which lets other users read the \
                 clientState secrets in it: it must be readable by its owner only (chmod 600 it)"
            ),
        })
    }
}

impl fmt::Debug for FileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FileStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl StateStore for FileStore {
    fn load(&self) -> Result<WatchStates> {
        let _guard = self.guard();
        let Some(text) = private_file::read(&self.path).map_err(|e| self.error(e))? else {
            return Ok(WatchStates::default());
        };
        // serde's message could quote a secret: keep the position only.
        let file: StateFile = serde_json::from_str(&text).map_err(|e| {
            Error::Config(format!(
                "watch state file {} is not a watch state file of this crate (line {}, column {})",
                self.path.display(),
                e.line(),
                e.column()
            ))
        })?;
        Ok(file.states)
    }

    fn save(&self, states: &WatchStates) -> Result<()> {
        let _guard = self.guard();
        let file = StateFile {
            version: FILE_VERSION,
            states: states.clone(),
        };
        let json = serde_json::to_vec_pretty(&file)
            .map_err(|e| Error::Config(format!("watch state: cannot serialize: {e}")))?;
        private_file::write(&self.path, &json).map_err(|e| self.error(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::{ClientState, WatchState};

    #[test]
    fn a_crash_between_the_temporary_write_and_the_rename_keeps_the_old_state() {
        let dir = std::env::temp_dir().join(format!(
            "msgraph-watch-crash-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let store = FileStore::new(dir.join("watch.json"));
        let mut old = WatchStates::default();
        let mut state = WatchState::new("me/mailFolders('inbox')/messages");
        state.subscription_id = Some("sub-1".into());
        state.client_state = Some(ClientState::new("old-secret"));
        old.watches.insert("inbox".into(), state.clone());
        store.save(&old).unwrap();

        let mut new = old.clone();
        new.watches.get_mut("inbox").unwrap().subscription_id = Some("sub-2".into());
        let json = serde_json::to_vec(&StateFile {
            version: FILE_VERSION,
            states: new,
        })
        .unwrap();
        // The process dies after the temporary file is durable, before the rename.
        let err =
            private_file::write_with(store.path(), &json, || Err(std::io::Error::other("killed")));
        assert!(err.is_err());
        assert_eq!(store.load().unwrap(), old);
        let text = std::fs::read_to_string(store.path()).unwrap();
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&text).unwrap(),
            serde_json::json!({
                "version": 1,
                "watches": {"inbox": {
                    "resource": "me/mailFolders('inbox')/messages",
                    "subscriptionId": "sub-1",
                    "clientState": "old-secret"
                }}
            })
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
