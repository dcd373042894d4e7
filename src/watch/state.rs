//! What the manager keeps between runs, and the [`StateStore`] trait that keeps it.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// A subscription's `clientState`: the secret Graph echoes in every notification, so the
/// receiver can tell Graph's POSTs from forgeries. Never shown in `Debug`.
///
/// ```
/// use msgraph_outlook::watch::ClientState;
/// let state = ClientState::new("s3cret");
/// assert_eq!(format!("{state:?}"), "ClientState(<redacted>)");
/// assert_eq!(state.secret(), "s3cret");
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientState(String);

impl ClientState {
    /// Wraps a client state.
    pub fn new(value: impl Into<String>) -> Self {
        ClientState(value.into())
    }

    /// 32 bytes from the system CSPRNG, base64url (43 characters; Graph allows 128).
    pub(crate) fn generate() -> Result<Self> {
        Ok(ClientState(crate::random::random_token(32)?))
    }

    /// The value itself. Don't log it.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ClientState(<redacted>)")
    }
}

/// What is kept for one watch.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct WatchState {
    /// The watched resource (`users/{id}/mailFolders('inbox')/messages`): a stored state
    /// whose resource differs from the watch's is not reused.
    pub resource: String,
    /// The current subscription's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    /// Its `clientState`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_state: Option<ClientState>,
    /// When Graph deletes it unless renewed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_date_time: Option<DateTime<Utc>>,
    /// When the manager renews it (75–85 % of its lifetime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renew_at: Option<DateTime<Utc>>,
    /// Where the next delta catch-up starts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delta_link: Option<String>,
}

impl WatchState {
    /// The state of a watch on `resource` with nothing subscribed yet.
    pub fn new(resource: impl Into<String>) -> Self {
        WatchState {
            resource: resource.into(),
            ..WatchState::default()
        }
    }
}

/// Every watch's state, by watch name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct WatchStates {
    /// The states, by [`Watch::name`](super::Watch::name).
    #[serde(default)]
    pub watches: BTreeMap<String, WatchState>,
}

/// Keeps the manager's [`WatchStates`] between runs: EWS's watermarks, on Graph.
///
/// The manager saves the whole state after every change (a subscription created,
/// renewed or recreated, a delta link advanced) and loads it once, when it starts.
/// Methods are synchronous: implementations should be quick (a small file, a database row).
/// The state holds `clientState`s: keep it where only this application can read it.
pub trait StateStore: Send + Sync + fmt::Debug {
    /// The saved state; empty if nothing was saved yet.
    fn load(&self) -> Result<WatchStates>;

    /// Replaces the saved state.
    fn save(&self, states: &WatchStates) -> Result<()>;
}

/// A [`StateStore`] in memory: the state lasts as long as the store (clone it to share it
/// between manager instances, e.g. in tests of a restart).
///
/// ```
/// use msgraph_outlook::watch::{MemoryStore, StateStore, WatchState, WatchStates};
/// let store = MemoryStore::new();
/// let mut states = WatchStates::default();
/// states.watches.insert("inbox".into(), WatchState::new("me/mailFolders('inbox')/messages"));
/// store.save(&states).unwrap();
/// assert_eq!(store.clone().load().unwrap(), states);
/// ```
#[derive(Clone, Default)]
pub struct MemoryStore {
    states: Arc<Mutex<WatchStates>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        MemoryStore::default()
    }

    fn states(&self) -> std::sync::MutexGuard<'_, WatchStates> {
        self.states.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("watches", &self.states().watches.len())
            .finish()
    }
}

impl StateStore for MemoryStore {
    fn load(&self) -> Result<WatchStates> {
        Ok(self.states().clone())
    }

    fn save(&self, states: &WatchStates) -> Result<()> {
        *self.states() = states.clone();
        Ok(())
    }
}
