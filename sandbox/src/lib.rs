//! # msgraph-outlook-sandbox
//!
//! A stateful, in-memory stand-in for the **mail** part of Microsoft Graph v1.0 and for
//! the Microsoft identity platform token endpoint, served over HTTP on `127.0.0.1`.
//! It never contacts any other address. Use it to test Graph programs offline.
//!
//! It speaks JSON exactly as Microsoft Graph documents it (`sendMail` as JSON or base64
//! MIME, message lists with `$top`/`$skip`/`$select`/`$expand` and `@odata.nextLink`,
//! Graph error bodies with `innerError`, `request-id` / `client-request-id` headers) and
//! implements the client-credentials grant of `{authority}/{tenant}/oauth2/v2.0/token`.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use msgraph_outlook_sandbox::Sandbox;
//!
//! let sandbox = Sandbox::start().await?;
//! sandbox.add_user("adele@contoso.com");
//! sandbox.add_user("alex@contoso.com");
//! let token = sandbox.delegated_token("adele@contoso.com");
//! // POST {base_url}/me/sendMail with `Authorization: Bearer {token}` …
//! let inbox = sandbox.messages("alex@contoso.com", "inbox");
//! # let _ = (token, inbox); Ok(()) }
//! ```
//!
//! Implemented Graph paths (under `/me` or `/users/{id | userPrincipalName}`; segment
//! names are case-insensitive):
//!
//! | Method | Path |
//! |---|---|
//! | POST | `/sendMail` (JSON or `text/plain` base64 MIME) |
//! | GET | `/messages`, `/mailFolders/{folder}/messages` |
//! | GET | `/messages/{id}`, `/mailFolders/{folder}/messages/{id}` |
//! | GET | `…/messages/{id}/attachments`, `…/messages/{id}/attachments/{id}` |
//! | GET | `/mailFolders`, `/mailFolders/{folder}` |
//!
//! Other known Graph mailbox paths answer `501 NotImplemented`; unknown segments answer
//! Graph's `400 BadRequest` "Resource not found for the segment '…'.".
//!
//! Sandbox simplifications: there is no Send As / Send on Behalf (a `from` other than the
//! sending mailbox gets `403 ErrorSendAsDenied`); delegated tokens may only address their
//! own mailbox; stored `internetMessageHeaders` are only the custom (`x-`) headers;
//! display names of users are derived from the address (`alex.wilber@…` → `Alex Wilber`).

#![warn(missing_docs)]

mod auth;
mod graph_error;
mod message;
mod mime;
mod routes;
mod store;
mod url;

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::oneshot;

use crate::message::{render, Expand};
use crate::store::{Store, TokenKind};

/// Tenant id the token endpoint accepts (a fixed GUID, so printed settings stay valid
/// across runs).
const TENANT_ID: &str = "5f0c1e8a-4b7d-4c2e-9a31-6d8e2b7f4c10";
/// Client id of the sandbox's app registration (client credentials).
const CLIENT_ID: &str = "9b2e6c3d-71a4-4f58-8e0b-3c5d7a1f2e64";
/// Secret of that app registration.
const CLIENT_SECRET: &str = "sandbox~Secret.0123456789abcdefABCDEF";

/// One HTTP request as the sandbox received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Raw path as sent (percent-encoding kept), e.g. `/v1.0/users/adele%40contoso.com/sendMail`.
    pub path: String,
    /// Raw query string without `?`, if any.
    pub query: Option<String>,
    /// Headers in arrival order, names lower-case.
    pub headers: Vec<(String, String)>,
    /// Request body bytes.
    pub body: Vec<u8>,
}

/// Fixed configuration of one sandbox.
#[derive(Debug, Clone)]
pub(crate) struct Config {
    pub port: u16,
    pub tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
}

/// Shared state of a running sandbox.
#[derive(Debug)]
pub(crate) struct AppState {
    pub config: Config,
    store: Mutex<Store>,
}

impl AppState {
    /// Locks the store (recovering from a poisoned lock: the data stays usable).
    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `http://127.0.0.1:{port}`.
    pub(crate) fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.config.port)
    }
}

/// A running sandbox server. The server runs on a tokio task of the runtime that called
/// [`Sandbox::start`]; dropping the `Sandbox` stops it.
pub struct Sandbox {
    state: Arc<AppState>,
    shutdown: Option<oneshot::Sender<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url())
            .field("tenant_id", &self.state.config.tenant_id)
            .field("client_id", &self.state.config.client_id)
            .finish_non_exhaustive()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

impl Sandbox {
    /// Starts a sandbox on `127.0.0.1` on a free port. Must be called inside a tokio
    /// runtime.
    pub async fn start() -> std::io::Result<Sandbox> {
        Self::start_on_port(0).await
    }

    /// Starts a sandbox on `127.0.0.1:{port}` (`0` picks a free port).
    pub async fn start_on_port(port: u16) -> std::io::Result<Sandbox> {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(AppState {
            config: Config {
                port,
                tenant_id: TENANT_ID.to_string(),
                client_id: CLIENT_ID.to_string(),
                client_secret: CLIENT_SECRET.to_string(),
            },
            store: Mutex::new(Store::default()),
        });
        let (tx, rx) = oneshot::channel::<()>();
        let app = routes::router(state.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Sandbox {
            state,
            shutdown: Some(tx),
        })
    }

    /// Graph base URL including the version: `http://127.0.0.1:{port}/v1.0`.
    pub fn base_url(&self) -> String {
        format!("{}/v1.0", self.state.origin())
    }

    /// Authority URL: `http://127.0.0.1:{port}`. The token URL is
    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    pub fn authority_url(&self) -> String {
        self.state.origin()
    }

    /// The tenant id the token endpoint accepts. The endpoint also accepts the domain of
    /// any added user (e.g. `contoso.com`) as tenant; anything else gets `AADSTS90002`.
    pub fn tenant_id(&self) -> String {
        self.state.config.tenant_id.clone()
    }

    /// Client id of the app registration accepted by the client-credentials grant.
    pub fn client_id(&self) -> String {
        self.state.config.client_id.clone()
    }

    /// Client secret of that app registration.
    pub fn client_secret(&self) -> String {
        self.state.config.client_secret.clone()
    }

    /// Creates a user with a mailbox (folders `inbox`, `drafts`, `sentitems`, `outbox`,
    /// `deleteditems`, `archive`, `junkemail`) and returns its object id (a GUID).
    /// Idempotent on the same address (case-insensitive).
    pub fn add_user(&self, address: &str) -> String {
        self.state.lock().add_user(address)
    }

    /// Mints a delegated access token for that user, valid for one hour. Adds the user
    /// first if it does not exist yet.
    pub fn delegated_token(&self, address: &str) -> String {
        self.delegated_token_expiring_in(address, Duration::from_secs(3600))
    }

    /// Mints a delegated access token with the given lifetime (`Duration::ZERO` gives an
    /// already expired token). Adds the user first if it does not exist yet.
    pub fn delegated_token_expiring_in(&self, address: &str, lifetime: Duration) -> String {
        let mut store = self.state.lock();
        let id = store.add_user(address);
        let lifetime = chrono::Duration::from_std(lifetime).unwrap_or(chrono::Duration::MAX);
        store.mint_token(TokenKind::Delegated(id), lifetime)
    }

    /// Messages of a folder (well-known name such as `inbox` / `sentitems`,
    /// case-insensitive, or a folder id), newest first, exactly as a Graph `GET` returns
    /// them (default properties). Unknown user or folder: empty.
    pub fn messages(&self, address: &str, folder: &str) -> Vec<Value> {
        let store = self.state.lock();
        let Some(user) = store.user_by_address(address) else {
            return Vec::new();
        };
        let Some(folder) = user.folder(folder) else {
            return Vec::new();
        };
        let mut msgs: Vec<_> = user
            .messages
            .iter()
            .filter(|m| m.folder_id == folder.id)
            .collect();
        msgs.sort_by_key(|m| std::cmp::Reverse(m.seq));
        msgs.iter()
            .map(|m| render(&m.json, None, &Expand::default()))
            .collect()
    }

    /// Messages sent to at least one recipient outside the sandbox, oldest first, as the
    /// sender sees them (including `bccRecipients`, `attachments` and
    /// `internetMessageHeaders`).
    pub fn outbound(&self) -> Vec<Value> {
        self.state.lock().outbound.clone()
    }

    /// Every HTTP request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.lock().requests.clone()
    }

    /// How many POST requests hit the token endpoint.
    pub fn token_requests(&self) -> usize {
        self.state.lock().token_requests
    }
}
