//! The shared state of a running sandbox ([`AppState`]) and its fixed configuration:
//! crate-internal, so `lib.rs` holds the public API only.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::access_log::AccessLog;
use crate::faults::FaultState;
use crate::recording::RequestLog;
use crate::store::Store;

/// Tenant id the token endpoint accepts (a fixed GUID, so printed settings stay valid
/// across runs).
pub(crate) const TENANT_ID: &str = "5f0c1e8a-4b7d-4c2e-9a31-6d8e2b7f4c10";
/// Client id of the sandbox's app registration (client credentials).
pub(crate) const CLIENT_ID: &str = "9b2e6c3d-71a4-4f58-8e0b-3c5d7a1f2e64";
/// Secret of that app registration.
pub(crate) const CLIENT_SECRET: &str = "sandbox~Secret.0123456789abcdefABCDEF";
/// Client id of the sandbox's system-assigned managed identity.
pub(crate) const MANAGED_IDENTITY_CLIENT_ID: &str = "4e1c7a90-2d5b-4f36-b8a1-7c0e9d3f5a28";

/// Fixed configuration of one sandbox.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub port: u16,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// Client id of the system-assigned managed identity.
    pub managed_identity_client_id: String,
    /// `IDENTITY_HEADER` of the App Service managed-identity endpoint (random per
    /// sandbox).
    pub identity_header: String,
}

impl Config {
    /// The configuration of a sandbox listening on `port`.
    pub(crate) fn new(port: u16) -> Config {
        Config {
            port,
            tenant_id: TENANT_ID.to_string(),
            client_id: CLIENT_ID.to_string(),
            client_secret: CLIENT_SECRET.to_string(),
            managed_identity_client_id: MANAGED_IDENTITY_CLIENT_ID.to_string(),
            identity_header: uuid::Uuid::new_v4().to_string(),
        }
    }
}

/// Shared state of a running sandbox. Each part has its own lock, never held together
/// with another, so recording or logging a request does not wait for the store.
#[derive(Debug)]
pub(crate) struct AppState {
    pub config: Config,
    store: Mutex<Store>,
    /// Shared with the concurrency slots ([`crate::faults::InFlight`]) that release
    /// themselves when a request ends.
    faults: Arc<Mutex<FaultState>>,
    log: Mutex<RequestLog>,
    access_log: Mutex<Option<AccessLog>>,
    /// The identity platform's token-signing key (rich notifications' `validationTokens`).
    pub rich: crate::rich::SigningKey,
}

/// Locks `m`, recovering from a poisoned lock: the data stays usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl AppState {
    /// Fresh state for a sandbox with that configuration.
    pub(crate) fn new(config: Config) -> AppState {
        AppState {
            config,
            store: Mutex::new(Store::default()),
            faults: Arc::new(Mutex::new(FaultState::default())),
            log: Mutex::new(RequestLog::default()),
            access_log: Mutex::new(None),
            rich: crate::rich::SigningKey::generate(),
        }
    }

    /// Locks the store.
    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        lock(&self.store)
    }

    /// Locks the fault-injection / concurrency state.
    pub(crate) fn faults(&self) -> MutexGuard<'_, FaultState> {
        lock(&self.faults)
    }

    /// The fault-injection / concurrency state itself, for a slot that outlives the
    /// borrow of the state.
    pub(crate) fn faults_shared(&self) -> &Arc<Mutex<FaultState>> {
        &self.faults
    }

    /// Locks the request log of [`crate::Sandbox::requests`].
    pub(crate) fn log(&self) -> MutexGuard<'_, RequestLog> {
        lock(&self.log)
    }

    /// Locks the `--log FILE` writer.
    pub(crate) fn access_log(&self) -> MutexGuard<'_, Option<AccessLog>> {
        lock(&self.access_log)
    }

    /// `http://127.0.0.1:{port}`.
    pub(crate) fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.config.port)
    }
}
