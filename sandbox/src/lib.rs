#![doc = include_str!("../README.md")]
#![warn(missing_docs)]

mod access;
mod access_log;
mod arrival;
mod auth;
mod calendar;
mod conn;
mod delta;
mod exchange_ids;
mod extended;
mod faults;
mod graph_error;
mod mailbox_ops;
mod message;
mod message_view;
mod mime;
mod oof;
mod outbox;
mod recording;
mod request_kind;
mod rich;
mod routes;
mod scopes;
mod sending_limits;
mod settings;
mod state;
mod store;
mod subscriptions;
mod url;
mod wire;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;
use tokio::sync::oneshot;

pub use crate::faults::{Fault, Faults};
pub use crate::recording::RecordedRequest;
pub use crate::request_kind::RequestKind;
pub use crate::sending_limits::SendingLimits;

use crate::calendar::zone::Zone;
use crate::calendar::CalRef;
use crate::conn::{ConnHandle, CuttableListener};
use crate::message::{render, Expand};
pub(crate) use crate::state::AppState;
use crate::state::Config;
use crate::store::{Right, TokenKind};

/// Settings of the sandbox's HTTP server, fixed when it starts
/// ([`Sandbox::builder`]). Everything else is set on the running [`Sandbox`].
///
/// ```no_run
/// # async fn demo() -> std::io::Result<()> {
/// use msgraph_outlook_sandbox::Sandbox;
/// use std::time::Duration;
///
/// let sandbox = Sandbox::builder()
///     .idle_timeout(Duration::from_secs(5))
///     .max_connections(64)
///     .start()
///     .await?;
/// # let _ = sandbox; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SandboxBuilder {
    port: u16,
    idle_timeout: Duration,
    max_connections: usize,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        SandboxBuilder {
            port: 0,
            idle_timeout: conn::DEFAULT_IDLE_TIMEOUT,
            max_connections: conn::DEFAULT_MAX_CONNECTIONS,
        }
    }
}

impl SandboxBuilder {
    /// Port on `127.0.0.1` (default `0`: a free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// How long a connection may stay idle – nothing read or written while no request
    /// of it is being handled – before the sandbox closes it (default 30 s). It covers a
    /// client that stops sending its headers or its body half-way and keep-alive
    /// connections left open; time spent in a handler (including
    /// [`Sandbox::set_latency`]) never counts. It runs on tokio's timer, so in a test
    /// runtime with paused time (`start_paused`) it fires as soon as the runtime idles:
    /// raise it there.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }

    /// At most this many connections are served at once (default 1,024; `0` counts as
    /// 1). Further clients are not refused: the sandbox stops accepting, so their
    /// connections wait in the operating system's accept queue (their `connect`
    /// succeeds, their request is answered once a served connection closes).
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n;
        self
    }

    /// Binds `127.0.0.1:{port}` and starts serving on a task of the current tokio
    /// runtime.
    pub async fn start(self) -> std::io::Result<Sandbox> {
        let listener =
            tokio::net::TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, self.port)))
                .await?;
        let port = listener.local_addr()?.port();
        let state = Arc::new(AppState::new(Config::new(port)));
        subscriptions::worker::spawn(&state);
        let (tx, rx) = oneshot::channel::<()>();
        let app = routes::router(state.clone()).into_make_service_with_connect_info::<ConnHandle>();
        let listener = CuttableListener::new(listener, self.idle_timeout, self.max_connections);
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
        let mut store = self.state.lock();
        store.subscriptions.shutdown = true;
        store.subscriptions.wake.notify_one();
    }
}

impl Sandbox {
    /// Starts a sandbox on `127.0.0.1` on a free port. Must be called inside a tokio
    /// runtime.
    pub async fn start() -> std::io::Result<Sandbox> {
        Self::builder().start().await
    }

    /// Starts a sandbox on `127.0.0.1:{port}` (`0` picks a free port).
    pub async fn start_on_port(port: u16) -> std::io::Result<Sandbox> {
        Self::builder().port(port).start().await
    }

    /// A builder for the settings of the server itself (port, idle timeout, connection
    /// bound, request log); see [`SandboxBuilder`].
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
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
    /// any added user (e.g. `contoso.com`) as tenant, and `organizations` / `common` for
    /// user sign-ins; anything else gets `AADSTS90002`.
    pub fn tenant_id(&self) -> String {
        self.state.config.tenant_id.clone()
    }

    /// Client id of the sandbox's app registration (every grant; public and confidential
    /// use).
    pub fn client_id(&self) -> String {
        self.state.config.client_id.clone()
    }

    /// Client secret of that app registration.
    pub fn client_secret(&self) -> String {
        self.state.config.client_secret.clone()
    }

    /// The token URL `{authority}/{tenant}/oauth2/v2.0/token` (with the tenant id).
    pub fn token_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/token",
            self.state.origin(),
            self.state.config.tenant_id
        )
    }

    /// The device authorization URL `{authority}/{tenant}/oauth2/v2.0/devicecode`.
    pub fn devicecode_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/devicecode",
            self.state.origin(),
            self.state.config.tenant_id
        )
    }

    /// The authorize URL `{authority}/{tenant}/oauth2/v2.0/authorize`.
    pub fn authorize_url(&self) -> String {
        format!(
            "{}/{}/oauth2/v2.0/authorize",
            self.state.origin(),
            self.state.config.tenant_id
        )
    }

    /// `interval` (seconds) of device codes issued from now on (default 5, Entra's
    /// usual value). Examples and tests can use `1` to poll quickly; `0` is allowed.
    pub fn set_device_code_interval(&self, secs: u64) {
        self.state.lock().auth.device_interval = i64::try_from(secs).unwrap_or(i64::MAX);
    }

    /// Signs `user_address` (added when missing) in at the `verification_uri` and
    /// approves the pending device code `user_code` (case-insensitive, `-` and spaces
    /// ignored): the next poll of the token endpoint gets a delegated token for that
    /// user. `false` when no pending, unexpired device code has that user code.
    pub fn approve_device_code(&self, user_code: &str, user_address: &str) -> bool {
        auth::device_approve(&mut self.state.lock(), user_code, user_address)
    }

    /// Declines the pending device code `user_code`: its polls answer
    /// `authorization_declined` from now on. `false` when no pending, unexpired device
    /// code has that user code.
    pub fn decline_device_code(&self, user_code: &str) -> bool {
        auth::device_decline(&mut self.state.lock(), user_code)
    }

    /// Approves device codes automatically for `user_address` (added when missing): the
    /// first `after_polls` token requests of each pending device code answer
    /// `authorization_pending`, the next one gets the token. Applies to pending codes and
    /// to codes issued later; a later call replaces the setting.
    pub fn auto_approve_device_codes(&self, user_address: &str, after_polls: u32) {
        let mut store = self.state.lock();
        let user_id = store.add_user(user_address);
        store.auth.auto_approve = Some((user_id, after_polls));
    }

    /// Answers `slow_down` (RFC 8628 §3.5; adds 5 seconds to that code's interval) to a
    /// device-code poll that comes sooner than the interval after the previous one (by
    /// the sandbox clock). Off by default: the Microsoft identity platform docs do not
    /// list `slow_down` for Entra.
    pub fn set_device_code_slow_down(&self, on: bool) {
        self.state.lock().auth.device_slow_down = on;
    }

    /// User codes of the pending, unexpired device codes, oldest first.
    pub fn pending_user_codes(&self) -> Vec<String> {
        auth::device_pending_user_codes(&self.state.lock())
    }

    /// Signs `address` (added when missing) in for the authorize endpoint, as if the
    /// browser had a session: requests without `login_hint` (and `prompt=none`
    /// requests) sign this user in.
    pub fn sign_in_as(&self, address: &str) {
        let mut store = self.state.lock();
        let user_id = store.add_user(address);
        store.auth.signed_in = Some(user_id);
    }

    /// Ends the browser session of [`Sandbox::sign_in_as`]: the authorize endpoint
    /// redirects with `error=login_required` unless `login_hint` names a user.
    pub fn sign_out(&self) {
        self.state.lock().auth.signed_in = None;
    }

    /// Registers a redirect URI of the sandbox app (exact match). Loopback URIs
    /// (`http://localhost…`, `http://127.0.0.1…`, `http://[::1]…`, any port) and
    /// `https://login.microsoftonline.com/common/oauth2/nativeclient` are always
    /// registered.
    pub fn add_redirect_uri(&self, uri: &str) {
        self.state.lock().auth.redirect_uris.push(uri.to_string());
    }

    /// With `true`, a refresh token stops working once redeemed (`invalid_grant`
    /// `AADSTS70000`) – the rotation RFC 6749 allows. Default `false`, as documented for
    /// the Microsoft identity platform: "Refresh tokens aren't revoked when used to
    /// acquire new access tokens"; a new refresh token is returned either way.
    pub fn set_refresh_token_rotation_strict(&self, strict: bool) {
        self.state.lock().auth.rotation_strict = strict;
    }

    /// Revokes every refresh token issued so far for that user (like an admin's "revoke
    /// sessions"): redeeming one answers `invalid_grant` `AADSTS50173`. Access tokens
    /// stay valid until they expire. Returns how many refresh tokens were revoked.
    pub fn revoke_refresh_tokens(&self, address: &str) -> usize {
        let mut store = self.state.lock();
        let Some(user_id) = store.user_by_address(address).map(|u| u.id.clone()) else {
            return 0;
        };
        let now = store.now();
        let mut n = 0;
        for grant in store.auth.refresh_tokens.values_mut() {
            if grant.user_id == user_id && grant.revoked_at.is_none() {
                grant.revoked_at = Some(now);
                n += 1;
            }
        }
        n
    }

    /// Registers a certificate credential of the sandbox app: its public key (PKCS#1
    /// `RSAPublicKey`, DER) and its SHA-256 thumbprint, base64url (the `x5t#S256` header
    /// of client assertions signed with it). Client assertions (`RS256` or `PS256`)
    /// signed with its key are then accepted instead of the client secret.
    pub fn register_certificate(
        &self,
        public_key_pkcs1_der: &[u8],
        thumbprint_sha256_b64url: &str,
    ) {
        self.state.lock().auth.certificates.push(auth::Certificate {
            public_key: public_key_pkcs1_der.to_vec(),
            thumbprint: thumbprint_sha256_b64url.to_string(),
        });
    }

    /// Registers a federated credential (workload identity federation): a
    /// `client_assertion` exactly equal to `assertion` is accepted for the sandbox app
    /// (no signature or claim checks; it may be used many times).
    pub fn register_federated_assertion(&self, assertion: &str) {
        self.state.lock().auth.federated.push(assertion.to_string());
    }

    /// Refuses client assertions whose `exp − nbf` exceeds `max` (`AADSTS700024`).
    /// Default `None`: the docs recommend at most 5–10 minutes but say Entra does not
    /// restrict `exp`.
    pub fn set_client_assertion_max_lifetime(&self, max: Option<Duration>) {
        self.state.lock().auth.assertion_max_lifetime =
            max.map(|d| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX));
    }

    /// The managed-identity endpoint in the Azure Instance Metadata Service form:
    /// `http://127.0.0.1:{port}/metadata/identity/oauth2/token` (stands for
    /// `http://169.254.169.254/metadata/identity/oauth2/token`). `GET` with
    /// `?api-version=2018-02-01&resource=https://graph.microsoft.com[&client_id=…]` and
    /// `Metadata: true`.
    pub fn imds_endpoint(&self) -> String {
        format!("{}/metadata/identity/oauth2/token", self.state.origin())
    }

    /// The App Service / Functions managed-identity endpoint (`IDENTITY_ENDPOINT`):
    /// `http://127.0.0.1:{port}/msi/token`. `GET` with
    /// `?api-version=2019-08-01&resource=https://graph.microsoft.com[&client_id=…]` and
    /// `X-IDENTITY-HEADER: {identity_header()}`.
    pub fn app_service_identity_endpoint(&self) -> String {
        format!("{}/msi/token", self.state.origin())
    }

    /// The `IDENTITY_HEADER` value the App Service endpoint expects in
    /// `X-IDENTITY-HEADER` (a random GUID per sandbox).
    pub fn identity_header(&self) -> String {
        self.state.config.identity_header.clone()
    }

    /// Client id of the sandbox's system-assigned managed identity (the `client_id` of
    /// managed-identity answers without an identity parameter).
    pub fn managed_identity_client_id(&self) -> String {
        self.state.config.managed_identity_client_id.clone()
    }

    /// Adds a user-assigned managed identity: its client id may be given as `client_id`
    /// to the managed-identity endpoints.
    pub fn add_user_assigned_identity(&self, client_id: &str) {
        self.state
            .lock()
            .auth
            .user_assigned
            .push(client_id.to_string());
    }

    /// Creates a user with a mailbox (folders `inbox`, `drafts`, `sentitems`, `outbox`,
    /// `deleteditems`, `archive`, `junkemail`, a default calendar shared with "My
    /// Organization" as `freeBusyRead`, default `mailboxSettings`) and returns its
    /// object id (a GUID). Idempotent on the same address (case-insensitive).
    pub fn add_user(&self, address: &str) -> String {
        self.state.lock().add_user(address)
    }

    /// Creates a user that exists in the directory but has no Exchange Online mailbox
    /// (unlicensed, on-premises, …) and returns its object id. Every mailbox path for
    /// it (`/users/{it}/…`, or `/me/…` with its delegated token) answers `404
    /// MailboxNotEnabledForRESTAPI` "The mailbox is either inactive, soft-deleted, or
    /// is hosted on-premise."; mail and meeting invitations to it are not stored
    /// anywhere (they appear in [`Sandbox::outbound`] like mail to outside
    /// addresses). Called for an existing user, takes its mailbox away (its content is
    /// kept but unreachable).
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use msgraph_outlook_sandbox::Sandbox;
    ///
    /// let sandbox = Sandbox::start().await?;
    /// sandbox.add_user_without_mailbox("onprem@contoso.com");
    /// let token = sandbox.delegated_token("adele@contoso.com");
    /// // GET {base_url}/users/onprem@contoso.com/messages → 404 MailboxNotEnabledForRESTAPI
    /// # let _ = token; Ok(()) }
    /// ```
    pub fn add_user_without_mailbox(&self, address: &str) -> String {
        let mut store = self.state.lock();
        let id = store.add_user(address);
        if let Some(idx) = store.user_index_by_id(&id) {
            store.users[idx].has_mailbox = false;
        }
        id
    }

    /// Grants `delegate` Exchange "Full Access" to the mailbox of `owner` (both users
    /// are added when missing): with its delegated token, `delegate` may use every mail
    /// and calendar path of `/users/{owner}/…` – messages, folders, drafts,
    /// attachments, delta, upload sessions, `mailboxSettings`, `calendarPermissions`
    /// (with the `.Shared` scopes, see [Permissions](crate#permissions)). On calendars
    /// Full Access counts as `delegateWithPrivateEventAccess`. Without it, mail paths
    /// of another mailbox answer `403 ErrorAccessDenied`. Full Access does not include
    /// sending: `sendMail`, sending a draft, `reply` / `replyAll` / `forward` in the
    /// owner's mailbox answer `403 ErrorSendAsDenied` unless the delegate also has
    /// Send As ([`Sandbox::grant_send_as`]) or Send on Behalf; then the mail is sent
    /// from the owner and saved in the owner's Sent Items.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use msgraph_outlook_sandbox::Sandbox;
    ///
    /// let sandbox = Sandbox::start().await?;
    /// sandbox.grant_full_access("shared@contoso.com", "adele@contoso.com");
    /// let token = sandbox.delegated_token("adele@contoso.com");
    /// // POST {base_url}/users/shared@contoso.com/sendMail → 403 ErrorSendAsDenied …
    /// sandbox.grant_send_as("shared@contoso.com", "adele@contoso.com");
    /// // … now 202; the copy is in sandbox.messages("shared@contoso.com", "sentitems").
    /// # let _ = token; Ok(()) }
    /// ```
    pub fn grant_full_access(&self, owner: &str, delegate: &str) {
        self.state.lock().grant(owner, delegate, Right::FullAccess);
    }

    /// Sets the tenant's verified domains (case-insensitive, e.g. `["contoso.com",
    /// "contoso.onmicrosoft.com"]`): a calendar permission created for an address in one
    /// of them is `isInsideOrganization: true` (and may get the delegate roles), whether
    /// or not the address is a sandbox user; other addresses are outside. Default (never
    /// called): the domains of the sandbox's users. Binary: `--verified-domain`.
    pub fn set_verified_domains(&self, domains: &[&str]) {
        self.state.lock().verified_domains =
            Some(domains.iter().map(|d| d.trim().to_string()).collect());
    }

    /// Grants `delegate` "Send As" on `owner`'s mailbox (both added when missing):
    /// `delegate` may send from its own mailbox (`/me/sendMail`, sending a draft) with
    /// `from` = `owner`; recipients see `from` = `sender` = owner, and the copy goes to
    /// the delegate's Sent Items (GRAPH-FACTS §6.4). Also applies to the `From` header
    /// of MIME sends. Send As wins over Send on Behalf when both are granted.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use msgraph_outlook_sandbox::Sandbox;
    ///
    /// let sandbox = Sandbox::start().await?;
    /// sandbox.grant_send_as("alex@contoso.com", "adele@contoso.com");
    /// // Adele: POST /me/sendMail with "from": {"emailAddress": {"address":
    /// // "alex@contoso.com"}} → 202, delivered with from = sender = Alex.
    /// # Ok(()) }
    /// ```
    pub fn grant_send_as(&self, owner: &str, delegate: &str) {
        self.state.lock().grant(owner, delegate, Right::SendAs);
    }

    /// Grants `delegate` "Send on Behalf" on `owner`'s mailbox (both added when
    /// missing): like [`Sandbox::grant_send_as`], but recipients see `from` = owner
    /// and `sender` = delegate ("delegate on behalf of owner"). Without either right a
    /// `from` other than the sending mailbox gets `403 ErrorSendAsDenied`.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use msgraph_outlook_sandbox::Sandbox;
    ///
    /// let sandbox = Sandbox::start().await?;
    /// sandbox.grant_send_on_behalf("alex@contoso.com", "adele@contoso.com");
    /// # Ok(()) }
    /// ```
    pub fn grant_send_on_behalf(&self, owner: &str, delegate: &str) {
        self.state
            .lock()
            .grant(owner, delegate, Right::SendOnBehalf);
    }

    /// Mints a delegated access token for that user, valid for one hour of the sandbox
    /// clock, carrying every delegated scope the sandbox knows (`Mail.ReadBasic`,
    /// `Mail.Read`, `Mail.ReadWrite`, `Mail.Send`, their `.Shared` variants,
    /// `Calendars.Read`, `Calendars.ReadWrite`, `Calendars.Read.Shared`,
    /// `Calendars.ReadWrite.Shared`, `MailboxSettings.Read`, `MailboxSettings.ReadWrite`,
    /// `User.Read`, `User.ReadBasic.All`), so only the mailbox rights of the user limit it. Adds the user
    /// first if it does not exist yet. Use [`Sandbox::delegated_token_with_scopes`] to
    /// test permission errors.
    pub fn delegated_token(&self, address: &str) -> String {
        self.delegated_token_expiring_in(address, Duration::from_secs(3600))
    }

    /// Mints a delegated access token (valid for one hour) whose `scp` is exactly
    /// `scopes`, short (`Mail.Read`) or fully qualified
    /// (`https://graph.microsoft.com/Mail.Read`), as the token endpoint would issue
    /// for that `scope` parameter (see [Permissions](#permissions)): `.default` gives
    /// every delegated scope, `offline_access` / `openid` / `profile` / `email` and
    /// unknown names add nothing. Adds the user first if it does not exist yet.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use msgraph_outlook_sandbox::Sandbox;
    ///
    /// let sandbox = Sandbox::start().await?;
    /// let token = sandbox.delegated_token_with_scopes("adele@contoso.com", &["Mail.Read"]);
    /// // GET /me/messages → 200; POST /me/sendMail → 403 ErrorAccessDenied.
    /// # let _ = token; Ok(()) }
    /// ```
    pub fn delegated_token_with_scopes(&self, address: &str, scopes: &[&str]) -> String {
        let scopes: Vec<String> = scopes.iter().map(|s| s.to_string()).collect();
        let scp = scopes::delegated_from_request(&scopes, &scopes::DELEGATED);
        let mut store = self.state.lock();
        let id = store.add_user(address);
        store.mint_token(
            TokenKind::Delegated(id),
            chrono::Duration::seconds(3600),
            scp,
        )
    }

    /// Mints a delegated access token with the given lifetime (`Duration::ZERO` gives an
    /// already expired token) and every delegated scope, like
    /// [`Sandbox::delegated_token`]. Adds the user first if it does not exist yet.
    pub fn delegated_token_expiring_in(&self, address: &str, lifetime: Duration) -> String {
        let mut store = self.state.lock();
        let id = store.add_user(address);
        let lifetime = chrono::Duration::from_std(lifetime).unwrap_or(chrono::Duration::MAX);
        let all = scopes::DELEGATED.iter().map(|s| s.to_string()).collect();
        store.mint_token(TokenKind::Delegated(id), lifetime, all)
    }

    /// Sets the application roles granted to the sandbox app (admin consent of
    /// application permissions): app-only tokens issued from now on (client
    /// credentials, managed identity) carry exactly these `roles`. Names are matched
    /// case-insensitively against the known roles (`Mail.ReadBasic.All`,
    /// `Mail.ReadBasic`, `Mail.Read`, `Mail.ReadWrite`, `Mail.Send`, `Calendars.Read`,
    /// `Calendars.ReadWrite`, `MailboxSettings.Read`, `MailboxSettings.ReadWrite`);
    /// other names are kept but open nothing. Default: all of them. Tokens already
    /// issued keep their roles.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use msgraph_outlook_sandbox::Sandbox;
    ///
    /// let sandbox = Sandbox::start().await?;
    /// sandbox.grant_app_roles(&["Mail.Send"]);
    /// // An app token may now POST /users/{id}/sendMail, but GET /users/{id}/messages
    /// // answers 403 ErrorAccessDenied.
    /// # Ok(()) }
    /// ```
    pub fn grant_app_roles(&self, roles: &[&str]) {
        let roles = roles
            .iter()
            .map(|r| scopes::canonical(r).map_or_else(|| r.to_string(), str::to_string))
            .collect();
        self.state.lock().auth.app_roles = roles;
    }

    /// Messages of a folder (well-known name such as `inbox` / `sentitems`,
    /// case-insensitive, or a folder id), newest first, exactly as a Graph `GET` returns
    /// them (default properties). Unknown user or folder: empty.
    pub fn messages(&self, address: &str, folder: &str) -> Vec<Value> {
        let mut store = self.state.lock();
        crate::outbox::run_due(&mut store);
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

    /// The mail folders of a mailbox below its root (`msgfolderroot`) – nested and
    /// hidden ones included, parents before children – each as Graph's `mailFolder`
    /// (`id`, `displayName`, `parentFolderId`, `childFolderCount`, `unreadItemCount`,
    /// `totalItemCount`, `isHidden`). Unknown user: empty.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use msgraph_outlook_sandbox::Sandbox;
    ///
    /// let sandbox = Sandbox::start().await?;
    /// sandbox.add_user("adele@contoso.com");
    /// let inbox = sandbox
    ///     .folders("adele@contoso.com")
    ///     .into_iter()
    ///     .find(|f| f["displayName"] == "Inbox");
    /// assert_eq!(inbox.unwrap()["totalItemCount"], 0);
    /// # Ok(())
    /// # }
    /// ```
    pub fn folders(&self, address: &str) -> Vec<Value> {
        let mut store = self.state.lock();
        crate::outbox::run_due(&mut store);
        let Some(user) = store.user_by_address(address) else {
            return Vec::new();
        };
        user.folder_tree()
            .into_iter()
            .map(|f| user.folder_json(f))
            .collect()
    }

    /// Events of the user's default calendar – single events and series masters, not
    /// expanded – in creation order, as `GET /users/{id}/calendar/events` returns them
    /// (times in UTC). Attendees' copies of meetings are there too (`isOrganizer:
    /// false`). Unknown user: empty.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use msgraph_outlook_sandbox::Sandbox;
    /// use serde_json::json;
    ///
    /// let sandbox = Sandbox::start().await?;
    /// sandbox.add_user("alex@contoso.com");
    /// sandbox.add_event("adele@contoso.com", json!({
    ///     "subject": "Design review",
    ///     "start": {"dateTime": "2026-12-01T15:00:00", "timeZone": "W. Europe Standard Time"},
    ///     "end": {"dateTime": "2026-12-01T16:00:00", "timeZone": "W. Europe Standard Time"},
    ///     "attendees": [{"emailAddress": {"address": "alex@contoso.com"}, "type": "required"}],
    /// }));
    /// let copy = &sandbox.events("alex@contoso.com")[0];
    /// assert_eq!(copy["responseStatus"]["response"], "notResponded");
    /// assert_eq!(copy["start"]["dateTime"], "2026-12-01T14:00:00.0000000");
    /// # Ok(()) }
    /// ```
    pub fn events(&self, address: &str) -> Vec<Value> {
        let store = self.state.lock();
        let Some(user) = store.user_by_address(address) else {
            return Vec::new();
        };
        user.events_of(&CalRef::Default)
            .into_iter()
            .filter(|e| e.str_prop("type") != "exception")
            .map(|e| calendar::render::output(&e.json, &Zone::utc(), None))
            .collect()
    }

    /// The instances of the user's default calendar overlapping `[start, end)` – series
    /// expanded into occurrences – in start order, as `GET …/calendarView` returns them
    /// (times in UTC). Unknown user: empty.
    pub fn calendar_view(
        &self,
        address: &str,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> Vec<Value> {
        let store = self.state.lock();
        let Some(user) = store.user_by_address(address) else {
            return Vec::new();
        };
        let mut items: Vec<_> = user
            .events_of(&CalRef::Default)
            .into_iter()
            .flat_map(|e| calendar::render::instances(&e.json, start, end))
            .collect();
        items.sort_by_key(|e| calendar::render::span(e).map(|(s, _)| s));
        items
            .iter()
            .map(|e| calendar::render::output(e, &Zone::utc(), None))
            .collect()
    }

    /// Creates an event in the default calendar of `organizer` as if that user had sent
    /// `POST /me/events` with `event` (Graph `event` JSON): same validation and
    /// defaults, the user becomes the organizer, and attendees who are sandbox users get
    /// the meeting request in their Inbox and a copy in their calendar. Returns the
    /// event as the POST answer does (times in UTC). Adds the user when missing.
    ///
    /// # Panics
    ///
    /// When Graph would refuse the event (the panic message is the Graph error).
    pub fn add_event(&self, organizer: &str, event: Value) -> Value {
        let mut store = self.state.lock();
        let id = store.add_user(organizer);
        let Some(idx) = store.user_index_by_id(&id) else {
            unreachable!("the user was just added");
        };
        let Value::Object(body) = event else {
            panic!("add_event: the event must be a JSON object");
        };
        match calendar::meeting::create(&mut store, idx, &CalRef::Default, &body) {
            Ok(ev) => calendar::render::output(&ev, &Zone::utc(), None),
            Err(e) => panic!("add_event: {} {}: {}", e.status.as_u16(), e.code, e.message),
        }
    }

    /// Messages sent to at least one recipient outside the sandbox, oldest first, as the
    /// sender sees them (including `bccRecipients`, `attachments` and
    /// `internetMessageHeaders`).
    pub fn outbound(&self) -> Vec<Value> {
        let mut store = self.state.lock();
        crate::outbox::run_due(&mut store);
        store.outbound.clone()
    }

    /// The sandbox clock: real time, moved by [`Sandbox::advance_clock`] /
    /// [`Sandbox::set_clock`] (or `GET` / `POST /_sandbox/clock` over HTTP, see
    /// [Server](#server)). All timestamps the sandbox writes (`createdDateTime`,
    /// `sentDateTime`, `receivedDateTime`, `innerError.date`, …) and deferred sending
    /// (`SystemTime 0x3FEF`, GRAPH-FACTS §3) use it, and so do the expiry of access
    /// tokens ([`Sandbox::set_token_lifetime`]), device codes (900 s) and authorization
    /// codes (10 min): moving the clock past a token's lifetime expires it. Only the time
    /// checks of client assertions use the real clock (the client signs them with it).
    pub fn now(&self) -> DateTime<Utc> {
        self.state.lock().now()
    }

    /// Moves the sandbox clock forward by `by`. Deferred messages due by the new time are
    /// delivered (Inboxes of the recipients, Sent Items) before this call returns.
    pub fn advance_clock(&self, by: Duration) {
        let by = chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
        let mut store = self.state.lock();
        store.clock_offset += by;
        crate::outbox::run_due(&mut store);
        subscriptions::changed(&mut store);
    }

    /// Sets the sandbox clock to `now` (it keeps running from there in real time).
    /// Deferred messages due by then are delivered before this call returns.
    pub fn set_clock(&self, now: DateTime<Utc>) {
        let mut store = self.state.lock();
        store.clock_offset = now - Utc::now();
        crate::outbox::run_due(&mut store);
        subscriptions::changed(&mut store);
    }

    /// Forgets every delta and skip token issued so far (messages, mail folder and events
    /// delta), as Exchange evicts old sync states: the next call with one of them answers
    /// `410 Gone` `SyncStateNotFound` with a `Location` header holding the request URL with
    /// an empty `$deltatoken` (GRAPH-FACTS-2 §5.5), so a client's full-resync path can be
    /// tested.
    pub fn expire_delta_tokens(&self) {
        let mut store = self.state.lock();
        store.delta_snapshots.clear();
        store.delta_pages.clear();
    }

    /// The last HTTP requests received (at most [`Sandbox::set_request_log_limit`],
    /// 10,000 by default), in order, and every request executed from inside a JSON
    /// batch (after its `$batch` request, in the order they started; marked by
    /// [`RecordedRequest::batch_request_id`]). Method, path, status and body size are
    /// kept for every request; query, headers and body only once the request's access
    /// token was accepted (see [`RecordedRequest::headers`]), the body truncated to
    /// [`Sandbox::set_request_body_limit`]. The log also drops its oldest entries
    /// while it holds more than 64 MiB of bodies.
    ///
    /// Every endpoint is recorded, not only Graph: identity-platform requests (token,
    /// device code, authorize, `/devicelogin`), managed-identity token requests,
    /// upload-session ranges, `/_sandbox/…` control requests and unknown paths too. The
    /// identity platform's requests carry no access token, so only their method, path,
    /// status and size are kept, never the secrets, codes or assertions in their bodies.
    /// [`RecordedRequest::kind`] tells them apart; [`Sandbox::graph_requests`] keeps the
    /// Graph ones only.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.state.log().snapshot()
    }

    /// [`Sandbox::requests`] that went to Microsoft Graph only ([`RequestKind::Graph`]),
    /// in the same order: without identity-platform and managed-identity token requests,
    /// upload-session ranges, `/_sandbox/…` control requests or unknown paths.
    pub fn graph_requests(&self) -> Vec<RecordedRequest> {
        let mut requests = self.requests();
        requests.retain(RecordedRequest::is_graph);
        requests
    }

    /// Keeps only the last `n` requests in [`Sandbox::requests`] (default 10,000;
    /// `0` records nothing). Older entries are dropped right away.
    pub fn set_request_log_limit(&self, n: usize) {
        self.state.log().set_limit(n);
    }

    /// Keeps at most `bytes` of each recorded request body (default 64 KiB;
    /// [`RecordedRequest::body_size`] still tells the full size). Applies to requests
    /// received from now on.
    pub fn set_request_body_limit(&self, bytes: usize) {
        self.state.log().set_body_limit(bytes);
    }

    /// Writes one JSON line per HTTP request received from now on to `path` (created or
    /// truncated), when its answer is ready: `{"time", "method", "path", "query",
    /// "status", "clientRequestId", "requestId", "bodySize"}` (`time` by the sandbox
    /// clock; `query` raw or `null`; `clientRequestId` the request's header or `null`;
    /// `requestId` the answer's `request-id`, or `x-ms-request-id` from the identity
    /// platform). No header is written, so neither is
    /// `Authorization`. Requests run inside a JSON batch are not written separately.
    /// The binary's `--log FILE`.
    pub fn log_requests_to(&self, path: impl AsRef<Path>) -> std::io::Result<()> {
        let log = access_log::AccessLog::create(path.as_ref())?;
        *self.state.access_log() = Some(log);
        Ok(())
    }

    /// Lifetime of the access tokens the token and managed-identity endpoints issue
    /// from now on (`expires_in`; default 3599 s, Entra's usual value), counted on the
    /// sandbox clock: after [`Sandbox::advance_clock`] past it, Graph requests with
    /// the token answer `401 InvalidAuthenticationToken` "Lifetime validation failed,
    /// the token is expired.". Whole seconds, at least 1. The binary's
    /// `--token-lifetime SECONDS`.
    pub fn set_token_lifetime(&self, lifetime: Duration) {
        let secs = i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX).max(1);
        self.state.lock().token_seconds = Some(secs);
    }

    /// How many POST requests hit the token endpoint.
    pub fn token_requests(&self) -> usize {
        self.state.lock().token_requests
    }

    /// Sets the random fault injection for Graph requests (see [`Faults`]); takes effect
    /// for the next request, also while the sandbox is serving. Reseeds the random
    /// generator from `faults.seed` (or the clock). `Faults::default()` turns random
    /// faults off. Queued [`Sandbox::fail_next`] faults are kept.
    pub fn set_faults(&self, faults: Faults) {
        self.state.faults().set_faults(faults);
    }

    /// The next `n` Graph requests received over HTTP (any path under `/v1.0`, in
    /// arrival order; a `POST /v1.0/$batch` counts as one request, the requests inside
    /// it do not – see [`Sandbox::fail_next_in_batch`]) get `fault`, before the random
    /// shares of [`Sandbox::set_faults`] apply. Calls add up: `fail_next(1, Throttle)`
    /// then `fail_next(2, CutOff)` queues three faults. A throttled or unavailable
    /// `$batch` request runs none of its requests.
    pub fn fail_next(&self, n: usize, fault: Fault) {
        self.state.faults().fail_next(n, fault);
    }

    /// The next `n` requests executed **inside** JSON batches (`POST /v1.0/$batch`, in
    /// the order they start: within a batch, ready requests start in batch order) get
    /// `fault`, before the random shares of [`Sandbox::set_faults`] apply; the `$batch`
    /// request itself still draws from [`Sandbox::fail_next`]. [`Fault::Throttle`]
    /// makes that inner answer `429` with `"Retry-After"` in its `headers` and Graph's
    /// throttling body (the request is not applied) while the other requests of the
    /// batch run normally; [`Fault::Unavailable`] likewise with `503`;
    /// [`Fault::CutOff`] lets the request run and then closes the connection of the
    /// whole batch without a response once all its requests ran. Calls add up.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use msgraph_outlook_sandbox::{Fault, Sandbox};
    ///
    /// let sandbox = Sandbox::start().await?;
    /// sandbox.fail_next_in_batch(1, Fault::Throttle);
    /// // POST {base_url}/$batch with three requests → 200; the first one answers
    /// // {"id": "1", "status": 429, "headers": {"Retry-After": "0", …}, "body": {"error": …}},
    /// // the other two succeed.
    /// # Ok(()) }
    /// ```
    pub fn fail_next_in_batch(&self, n: usize, fault: Fault) {
        self.state.faults().fail_next_in_batch(n, fault);
    }

    /// How many faults were injected so far (queued and random; `429`s of the
    /// concurrency limit are counted by [`Sandbox::concurrency_rejections`] instead).
    pub fn faults_injected(&self) -> usize {
        self.state.faults().injected()
    }

    /// Makes the next `PUT` of a range to an attachment upload URL (GRAPH-FACTS §4.3)
    /// fail with `500` without storing its bytes, so clients can test resuming from
    /// `nextExpectedRanges` (e.g. after `GET {uploadUrl}`). Calls add up.
    pub fn fail_next_upload_range(&self) {
        self.state.lock().fail_next_upload += 1;
    }

    /// Sets Outlook's limit of concurrent requests per (app or delegated client,
    /// mailbox) pair (GRAPH-FACTS §8.1; default `Some(4)`). A request that arrives while
    /// the limit is reached gets `429 TooManyRequests` with `Retry-After` (the value of
    /// [`Faults::retry_after`]) and is not applied. Requests to different mailboxes are
    /// independent. `None` or `Some(0)` turns the limit off.
    pub fn set_concurrency_limit(&self, limit: Option<usize>) {
        self.state.faults().set_limit(limit);
    }

    /// How many requests the concurrency limit refused so far.
    pub fn concurrency_rejections(&self) -> usize {
        self.state.faults().rejections()
    }

    /// Artificial latency of Graph requests (default zero): the handler sleeps this long
    /// before acting, while the request counts as in flight for the concurrency limit.
    /// Injected `429`/`503` answers and concurrency `429`s are sent without it.
    pub fn set_latency(&self, latency: Duration) {
        self.state.faults().set_latency(latency);
    }

    /// The highest number of Graph requests that were in flight at the same time for
    /// that mailbox (all callers together; refused requests never count). Unknown
    /// address: `0`.
    pub fn max_in_flight(&self, address: &str) -> usize {
        let id = match self.state.lock().user_by_address(address) {
            Some(u) => u.id.clone(),
            None => return 0,
        };
        self.state.faults().max_in_flight(&id)
    }

    /// Turns Exchange Online's per-mailbox sending limits on or off (off by default; see
    /// [`SendingLimits`]; the binary's `--messages-per-minute` and
    /// `--recipients-per-day`). They count on the sandbox clock from this call on: a
    /// mailbox over its messages per minute gets its further sends accepted (`202`)
    /// and held in its Outbox, released at that rate as the clock advances
    /// ([`Sandbox::advance_clock`]; see [`Sandbox::max_outbox_len`]); a message that
    /// would exceed the recipients per day is saved to Sent Items, not delivered, and
    /// the sender finds a `550 5.1.90` non-delivery report in its Inbox. Each mailbox
    /// counts on its own.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use msgraph_outlook_sandbox::{Sandbox, SendingLimits};
    /// use std::time::Duration;
    ///
    /// let sandbox = Sandbox::start().await?;
    /// sandbox.set_sending_limits(SendingLimits {
    ///     messages_per_minute: Some(30),
    ///     recipients_per_day: Some(10_000),
    /// });
    /// // … 40 × POST /users/adele@contoso.com/sendMail: 30 delivered, 10 in the Outbox.
    /// sandbox.advance_clock(Duration::from_secs(60));
    /// assert!(sandbox.messages("adele@contoso.com", "outbox").is_empty());
    /// assert_eq!(sandbox.max_outbox_len("adele@contoso.com"), 10);
    /// # Ok(()) }
    /// ```
    pub fn set_sending_limits(&self, limits: SendingLimits) {
        self.state.lock().limits.limits = limits;
    }

    /// The highest number of messages the mailbox's Outbox held at once so far
    /// (messages paced by [`Sandbox::set_sending_limits`] and deferred sends). Unknown
    /// address: `0`.
    pub fn max_outbox_len(&self, address: &str) -> usize {
        let store = self.state.lock();
        match store.user_by_address(address) {
            Some(u) => store.limits.max_outbox_len(&u.id),
            None => 0,
        }
    }

    /// Sets the maximum size of messages the mailbox sends and receives, in bytes (the
    /// user is added when missing). Default 36,700,160 (35 MB, Exchange Online's
    /// default; admins raise it up to 150 MB). MailTips report it as `maxMessageSize`;
    /// `sendMail` (JSON or MIME), sending a draft and `reply` / `replyAll` / `forward`
    /// of a larger message answer `400 ErrorMessageSizeExceeded` and send nothing. The
    /// size is that of the MIME text, or for JSON and drafts an estimate of it
    /// (attachments counted base64-encoded). The binary's `--max-message-size
    /// ADDRESS:BYTES`.
    pub fn set_max_message_size(&self, address: &str, bytes: u64) {
        let mut store = self.state.lock();
        let id = store.add_user(address);
        store.limits.set_max_message_size(&id, bytes);
    }
}

/// Change notifications: subscriptions created through `POST /v1.0/subscriptions` (see
/// [Subscriptions and change notifications](crate#subscriptions-and-change-notifications)).
impl Sandbox {
    /// The maximum lifetime of subscriptions created or renewed from now on, in minutes
    /// (default 10,080, Outlook's documented maximum; subscriptions with resource data
    /// get the smaller of this and 1,440). A longer `expirationDateTime` is refused with
    /// `400 ExtensionError` "Subscription expiration can only be {minutes} minutes in
    /// the future." – set e.g. 4,230 or 10,070 to test a client that reads the limit
    /// out of that answer, as live Graph quotes other ceilings than its docs
    /// (GRAPH-FACTS-2 §1.3).
    pub fn set_subscription_max_minutes(&self, minutes: u32) {
        self.state.lock().subscriptions.max_minutes = i64::from(minutes.max(1));
    }

    /// How long the validation handshake of a create (or of a new `notificationUrl`)
    /// waits for the subscriber's answer (default 10 s, Graph's limit). Past it the
    /// request answers `400 InvalidRequest` "Subscription validation request timed
    /// out.". Real time.
    pub fn set_validation_timeout(&self, timeout: Duration) {
        self.state.lock().subscriptions.validation_timeout = timeout;
    }

    /// Every active subscription, oldest first, as `GET /subscriptions/{id}` returns it
    /// (with `clientState`, without `@odata.context`).
    pub fn subscriptions(&self) -> Vec<Value> {
        let mut store = self.state.lock();
        subscriptions::changed(&mut store);
        store
            .subscriptions
            .list
            .iter()
            .map(|s| Value::Object(s.to_json(true)))
            .collect()
    }

    /// Sends the lifecycle notification `event` (`missed`, `subscriptionRemoved` or
    /// `reauthorizationRequired`) for the subscription to its
    /// `lifecycleNotificationUrl` (none without one, as in Graph) and applies its
    /// effect: `missed` drops the subscription's pending change notifications (the
    /// changes are lost, as when Graph could not deliver them: catch up through
    /// delta), `subscriptionRemoved` deletes the subscription. `false` for an unknown
    /// subscription or event.
    ///
    /// ```no_run
    /// # async fn demo(sandbox: msgraph_outlook_sandbox::Sandbox, id: &str) {
    /// // The receiver at lifecycleNotificationUrl gets
    /// // {"value": [{"subscriptionId": id, "lifecycleEvent": "subscriptionRemoved", …}]}
    /// assert!(sandbox.trigger_lifecycle(id, "subscriptionRemoved"));
    /// assert!(sandbox.subscriptions().is_empty());
    /// # }
    /// ```
    pub fn trigger_lifecycle(&self, subscription_id: &str, event: &str) -> bool {
        let Some(event) = subscriptions::lifecycle::LifecycleEvent::parse(event) else {
            return false;
        };
        subscriptions::lifecycle::trigger(&mut self.state.lock(), subscription_id, event)
    }

    /// How many POSTs of notifications (change and lifecycle) the sandbox made to
    /// subscribers so far, answered or not (validation handshakes not counted).
    pub fn notification_posts(&self) -> usize {
        self.state.lock().subscriptions.deliveries.posts
    }

    /// How many notifications wait for delivery (queued, in flight, or waiting for a
    /// retry after a failed POST).
    pub fn pending_notifications(&self) -> usize {
        self.state.lock().subscriptions.deliveries.pending()
    }

    /// How many notifications were given up: still failing 4 hours after they were
    /// queued, over the bound of 1,000 waiting per subscription, dropped by a `missed`
    /// [`Sandbox::trigger_lifecycle`], or pending when their subscription was deleted
    /// (those queued before a subscription expired are still delivered).
    pub fn dropped_notifications(&self) -> usize {
        self.state.lock().subscriptions.deliveries.dropped
    }

    /// Holds (`true`) or releases (`false`) the delivery of notifications: while held
    /// they are queued but not POSTed, e.g. to drop them with a `missed`
    /// [`Sandbox::trigger_lifecycle`] before they arrive.
    pub fn pause_notifications(&self, paused: bool) {
        let mut store = self.state.lock();
        store.subscriptions.deliveries.paused = paused;
        store.subscriptions.wake.notify_one();
    }
}

/// Rich notifications: the identity platform's signing key and what it signs
/// (GRAPH-FACTS-2 §4; see [Rich notifications](#rich-notifications)).
impl Sandbox {
    /// The JWKS URL of the multi-tenant authority,
    /// `{authority}/common/discovery/v2.0/keys` (Microsoft's JavaScript sample's URL;
    /// `…/common/discovery/keys`, the Java sample's, serves the same key). It lists the
    /// one key `validationTokens` are signed with now.
    pub fn jwks_url(&self) -> String {
        format!("{}/common/discovery/v2.0/keys", self.state.origin())
    }

    /// The OpenID configuration of the multi-tenant authority,
    /// `{authority}/common/v2.0/.well-known/openid-configuration`; its `jwks_uri` is
    /// [`Sandbox::jwks_url`]. The v1.0 document the change-notification page names,
    /// `{authority}/common/.well-known/openid-configuration`, is served too (`jwks_uri`
    /// `…/common/discovery/keys`).
    pub fn openid_configuration_url(&self) -> String {
        format!(
            "{}/common/v2.0/.well-known/openid-configuration",
            self.state.origin()
        )
    }

    /// The `kid` of the key `validationTokens` are signed with now.
    pub fn signing_key_id(&self) -> String {
        self.state.rich.current().kid().to_string()
    }

    /// Replaces the identity platform's signing key (Entra rotates its keys, "in an
    /// emergency … immediately"): tokens signed from now on carry the new `kid`, and
    /// the JWKS lists only the new key, so a receiver that cached the old set must
    /// refetch it. Returns the new `kid`.
    pub fn rotate_signing_key(&self) -> String {
        self.state.rich.rotate()
    }

    /// A `validationTokens` JWT as the sandbox's rich notifications carry it for the
    /// app `app_id` in the sandbox tenant: RS256 with the current signing key (header
    /// `{typ, alg, kid}`), `aud` = `app_id`, `iss` =
    /// `{authority}/{tenant_id}/v2.0`, `azp` = `0bf30f3b-4a52-48df-9a82-234910c4a086`
    /// (the change notification publisher), `tid`, `ver` `"2.0"`, `iat` = `nbf` = the
    /// sandbox clock, `exp` 86,700 s later. For testing a receiver's token checks
    /// without a subscription.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use msgraph_outlook_sandbox::Sandbox;
    ///
    /// let sandbox = Sandbox::start().await?;
    /// let token = sandbox.validation_token(&sandbox.client_id());
    /// // Verify it against the key at sandbox.jwks_url().
    /// # let _ = token; Ok(()) }
    /// ```
    pub fn validation_token(&self, app_id: &str) -> String {
        rich::validation_token(
            &self.state.rich,
            &self.state.origin(),
            app_id,
            &self.state.config.tenant_id,
            self.now(),
        )
    }

    /// `encryptedContent` for `resource` (any JSON; deliveries use the `$select`ed
    /// resource with Graph's type annotations) encrypted to `certificate` (base64 DER
    /// X.509, RSA 2,048–4,096 bits) as Graph does: `{data, dataKey, dataSignature,
    /// encryptionCertificateId, encryptionCertificateThumbprint}`. `Err` holds the
    /// message of the `400` a subscription with that certificate gets. For testing a
    /// receiver's decryption without a subscription.
    pub fn encrypted_content(
        &self,
        certificate: &str,
        certificate_id: &str,
        resource: &Value,
    ) -> Result<Value, String> {
        rich::encrypted_content(certificate, certificate_id, resource)
    }
}

/// Mailbox state Graph has no resource for, read by MailTips and delivery (issue 19).
impl Sandbox {
    /// Marks the mailbox full (over its quota) or not (the user is added when missing).
    /// A full mailbox reports `mailboxFull: true` in MailTips (`mailboxFullStatus`), and
    /// messages sent to it are not delivered: the sender gets a non-delivery report
    /// ("Undeliverable: …", `554 5.2.2 mailbox full`) in its Inbox while the other
    /// recipients get theirs. A flag rather than a byte quota, so tests need not fill a
    /// mailbox. The binary's `--mailbox-full ADDRESS`.
    ///
    /// ```no_run
    /// # async fn demo() -> std::io::Result<()> {
    /// use msgraph_outlook_sandbox::Sandbox;
    ///
    /// let sandbox = Sandbox::start().await?;
    /// sandbox.set_mailbox_full("alex@contoso.com", true);
    /// // POST /me/getMailTips {"EmailAddresses":["alex@contoso.com"],
    /// //   "MailTipsOptions":"mailboxFullStatus"} → "mailboxFull": true
    /// # Ok(()) }
    /// ```
    pub fn set_mailbox_full(&self, address: &str, full: bool) {
        let mut store = self.state.lock();
        store.add_user(address);
        if let Some(idx) = store.user_index(address) {
            store.mailbox_state_mut(idx).full = full;
        }
    }

    /// Sets the mailbox's custom MailTip (what an administrator sets with
    /// `Set-Mailbox -MailTip`; the user is added when missing), reported as
    /// `customMailTip` in MailTips; `""` removes it. The binary's `--custom-mail-tip
    /// ADDRESS:TEXT`.
    pub fn set_custom_mail_tip(&self, address: &str, text: &str) {
        let mut store = self.state.lock();
        store.add_user(address);
        if let Some(idx) = store.user_index(address) {
            store.mailbox_state_mut(idx).custom_mail_tip = text.to_string();
        }
    }
}
