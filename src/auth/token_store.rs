//! Where delegated providers keep the refresh token between runs.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::private_file::{self, PrivateFileError};

/// A refresh token: a long-lived credential for one user, never shown in `Debug`.
///
/// ```
/// use msgraph_outlook::auth::RefreshTokenSecret;
/// let token = RefreshTokenSecret::new("0.AXEA-secret");
/// assert_eq!(format!("{token:?}"), "RefreshTokenSecret(<redacted>)");
/// assert_eq!(token.secret(), "0.AXEA-secret");
/// ```
#[derive(Clone)]
pub struct RefreshTokenSecret(Arc<str>);

impl RefreshTokenSecret {
    /// Wraps a refresh token.
    pub fn new(value: impl Into<String>) -> Self {
        RefreshTokenSecret(Arc::from(value.into()))
    }

    /// The refresh token itself. Don't log it.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for RefreshTokenSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshTokenSecret(<redacted>)")
    }
}

impl PartialEq for RefreshTokenSecret {
    fn eq(&self, other: &Self) -> bool {
        // Only used to notice a rotation; not a security check.
        self.0 == other.0
    }
}

/// Which sign-in a stored refresh token belongs to: the authority, tenant, application and
/// scopes it was issued for. The scopes are sorted and deduplicated, so their order does not
/// matter.
///
/// ```
/// use msgraph_outlook::auth::TokenKey;
/// let a = TokenKey::new("https://login.microsoftonline.com", "contoso.com", "app-id",
///     ["offline_access", "https://graph.microsoft.com/Mail.Send"]);
/// let b = TokenKey::new("https://login.microsoftonline.com", "contoso.com", "app-id",
///     ["https://graph.microsoft.com/Mail.Send", "offline_access", "offline_access"]);
/// assert_eq!(a, b);
/// assert_eq!(a.scopes(), ["https://graph.microsoft.com/Mail.Send", "offline_access"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TokenKey {
    authority: String,
    tenant: String,
    client_id: String,
    scopes: Vec<String>,
}

impl TokenKey {
    /// The key of a sign-in at `authority` (e.g. [`Cloud::authority`](crate::Cloud::authority))
    /// for `tenant`, application `client_id` and `scopes`.
    pub fn new<I, S>(authority: &str, tenant: &str, client_id: &str, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut scopes: Vec<String> = scopes.into_iter().map(Into::into).collect();
        scopes.sort();
        scopes.dedup();
        TokenKey {
            authority: authority.trim_end_matches('/').to_string(),
            tenant: tenant.trim().to_string(),
            client_id: client_id.trim().to_string(),
            scopes,
        }
    }

    /// The identity platform host.
    pub fn authority(&self) -> &str {
        &self.authority
    }

    /// The tenant.
    pub fn tenant(&self) -> &str {
        &self.tenant
    }

    /// The application (client) id.
    pub fn client_id(&self) -> &str {
        &self.client_id
    }

    /// The scopes, sorted.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
}

/// What is kept for one sign-in: the refresh token (access tokens live in memory only).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StoredTokens {
    /// The latest refresh token.
    pub refresh_token: RefreshTokenSecret,
}

impl StoredTokens {
    /// Tokens holding `refresh_token`.
    pub fn new(refresh_token: RefreshTokenSecret) -> Self {
        StoredTokens { refresh_token }
    }
}

/// Keeps refresh tokens between runs, by [`TokenKey`].
///
/// Delegated providers ([`RefreshToken`](super::RefreshToken), [`DeviceCode`](super::DeviceCode),
/// [`AuthorizationCode`](super::AuthorizationCode)) load the refresh token from here when they
/// start and save it each time the identity platform rotates it. Methods are synchronous and
/// are called at most once per token request. Implement it to keep tokens in a keychain or a
/// database.
///
/// ```
/// use msgraph_outlook::auth::{MemoryTokenStore, RefreshTokenSecret, StoredTokens, TokenKey, TokenStore};
///
/// let store = MemoryTokenStore::new();
/// let key = TokenKey::new("https://login.microsoftonline.com", "contoso.com", "app-id", ["offline_access"]);
/// store.save(&key, &StoredTokens::new(RefreshTokenSecret::new("rt-1"))).unwrap();
/// assert_eq!(store.load(&key).unwrap().unwrap().refresh_token.secret(), "rt-1");
/// store.remove(&key).unwrap();
/// assert!(store.load(&key).unwrap().is_none());
/// ```
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// The tokens saved for `key`, if any.
    fn load(&self, key: &TokenKey) -> Result<Option<StoredTokens>>;

    /// Saves `tokens` for `key`, replacing what was there.
    fn save(&self, key: &TokenKey, tokens: &StoredTokens) -> Result<()>;

    /// Forgets the tokens of `key` (sign-out). Removing an absent key is not an error.
    fn remove(&self, key: &TokenKey) -> Result<()>;
}

/// A [`TokenStore`] in memory: tokens last as long as the process.
#[derive(Default)]
pub struct MemoryTokenStore {
    entries: Mutex<HashMap<TokenKey, StoredTokens>>,
}

impl MemoryTokenStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryTokenStore::default()
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<TokenKey, StoredTokens>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for MemoryTokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryTokenStore")
            .field("entries", &self.entries().len())
            .finish()
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self, key: &TokenKey) -> Result<Option<StoredTokens>> {
        Ok(self.entries().get(key).cloned())
    }

    fn save(&self, key: &TokenKey, tokens: &StoredTokens) -> Result<()> {
        self.entries().insert(key.clone(), tokens.clone());
        Ok(())
    }

    fn remove(&self, key: &TokenKey) -> Result<()> {
        self.entries().remove(key);
        Ok(())
    }
}

/// A [`TokenStore`] in one JSON file, readable by its owner only.
///
/// - The file holds every key's refresh token. It is replaced atomically on each save: the
///   new content goes to a temporary file in the same directory, which is then renamed over
///   the old one, so a crash never leaves a half-written file.
/// - On Unix the file is created with mode `0600` (missing directories with `0700`), and a
///   file whose mode grants any permission to group or others is refused with
///   [`Error::Config`]: a refresh token is a password for the mailbox.
/// - Saves within one process are serialized; two processes saving at once may lose one
///   rotation (the last writer wins).
///
/// ```
/// use msgraph_outlook::auth::{FileTokenStore, RefreshTokenSecret, StoredTokens, TokenKey, TokenStore};
///
/// let dir = std::env::temp_dir().join(format!("msgraph-doc-{}", std::process::id()));
/// let store = FileTokenStore::new(dir.join("tokens.json"));
/// let key = TokenKey::new("https://login.microsoftonline.com", "contoso.com", "app-id", ["offline_access"]);
/// assert!(store.load(&key).unwrap().is_none()); // no file yet
/// store.save(&key, &StoredTokens::new(RefreshTokenSecret::new("rt-1"))).unwrap();
/// assert_eq!(store.load(&key).unwrap().unwrap().refresh_token.secret(), "rt-1");
/// assert!(!format!("{store:?}").contains("rt-1"));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
#[derive(Debug)]
pub struct FileTokenStore {
    path: PathBuf,
    lock: Mutex<()>,
}

/// The file's layout.
#[derive(Default, Serialize, Deserialize)]
struct TokenFile {
    version: u32,
    #[serde(default)]
    entries: Vec<FileEntry>,
}

#[derive(Serialize, Deserialize)]
struct FileEntry {
    #[serde(flatten)]
    key: TokenKey,
    refresh_token: String,
}

const FILE_VERSION: u32 = 1;

impl FileTokenStore {
    /// A store in the file at `path` (created on the first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileTokenStore {
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

    fn error(&self, what: &str, e: impl fmt::Display) -> Error {
        Error::Config(format!("token file {}: {what}: {e}", self.path.display()))
    }

    fn read(&self) -> Result<TokenFile> {
        let text = match private_file::read(&self.path) {
            Ok(Some(text)) => text,
            Ok(None) => return Ok(TokenFile::default()),
            Err(PrivateFileError::Io(what, e)) => return Err(self.error(what, e)),
            Err(PrivateFileError::NotAFile) => {
                return Err(Error::Config(format!(
                    "token file {} is not a regular file",
                    self.path.display()
                )))
            }
            Err(PrivateFileError::Permissions(mode)) => {
                return Err(Error::Config(format!(
                    "token file {} has mode {mode:04o}, which lets other users read the \
                     refresh tokens in it: it must be readable by its owner only \
                     (chmod 600 it, or delete it and sign in again)",
                    self.path.display()
                )))
            }
        };
        // serde's message could quote a token: keep the position only.
        serde_json::from_str(&text).map_err(|e| {
            Error::Config(format!(
                "token file {} is not a token file of this crate (line {}, column {})",
                self.path.display(),
                e.line(),
                e.column()
            ))
        })
    }

    fn write(&self, contents: &TokenFile) -> Result<()> {
        let json =
            serde_json::to_vec_pretty(contents).map_err(|e| self.error("cannot serialize", e))?;
        private_file::write(&self.path, &json).map_err(|e| match e {
            PrivateFileError::Io(what, e) => self.error(what, e),
            other => self.error("cannot write", format!("{other:?}")),
        })
    }

    /// Reads the file, applies `change` and writes the file back if `change` says it changed.
    fn update(&self, change: impl FnOnce(&mut Vec<FileEntry>) -> bool) -> Result<()> {
        let _guard = self.guard();
        let mut contents = self.read()?;
        if !change(&mut contents.entries) {
            return Ok(());
        }
        contents.version = FILE_VERSION;
        self.write(&contents)
    }
}

impl TokenStore for FileTokenStore {
    fn load(&self, key: &TokenKey) -> Result<Option<StoredTokens>> {
        let _guard = self.guard();
        Ok(self
            .read()?
            .entries
            .into_iter()
            .find(|e| &e.key == key)
            .map(|e| StoredTokens::new(RefreshTokenSecret::new(e.refresh_token))))
    }

    fn save(&self, key: &TokenKey, tokens: &StoredTokens) -> Result<()> {
        self.update(|entries| {
            entries.retain(|e| &e.key != key);
            entries.push(FileEntry {
                key: key.clone(),
                refresh_token: tokens.refresh_token.secret().to_string(),
            });
            true
        })
    }

    fn remove(&self, key: &TokenKey) -> Result<()> {
        self.update(|entries| {
            let before = entries.len();
            entries.retain(|e| &e.key != key);
            entries.len() != before
        })
    }
}
