//! Delegated tokens from a refresh token (OAuth 2.0 refresh token grant).

use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::token_response::{checked_client_id, checked_tenant, TokenAnswer, TokenHttp};
use super::token_store::{RefreshTokenSecret, StoredTokens, TokenKey, TokenStore};
use super::{AccessToken, ClientSecret, Clock, TokenCache, TokenKind};
use crate::cloud::Cloud;
use crate::error::{AuthError, Error, Result};

/// One signed-in user's session with the token endpoint: the application, the scopes, the
/// current refresh token and where it is kept. Shared by the delegated providers.
pub(crate) struct Session {
    token_url: String,
    client_id: String,
    client_secret: Option<ClientSecret>,
    scopes: Vec<String>,
    key: TokenKey,
    pub(crate) http: TokenHttp,
    store: Option<Arc<dyn TokenStore>>,
    state: Mutex<SessionState>,
}

#[derive(Default)]
struct SessionState {
    refresh_token: Option<RefreshTokenSecret>,
    /// Whether `refresh_token` is known to be in the store already.
    persisted: bool,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("scopes", &self.scopes)
            .field("has_refresh_token", &self.lock().refresh_token.is_some())
            .field("store", &self.store)
            .field("http", &self.http)
            .finish()
    }
}

impl Session {
    /// A session for `client_id` in `tenant` of `cloud`, asking for `scopes`.
    pub(crate) fn new<I, S>(cloud: &Cloud, tenant: &str, client_id: &str, scopes: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let tenant = checked_tenant(tenant)?;
        let client_id = checked_client_id(client_id)?;
        let scopes: Vec<String> = scopes
            .into_iter()
            .map(Into::into)
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        if scopes.is_empty() {
            return Err(Error::Config(
                "no scopes: a delegated sign-in asks for at least one (see delegated_scopes)"
                    .into(),
            ));
        }
        if let Some(bad) = scopes.iter().find(|s| s.contains(char::is_whitespace)) {
            return Err(Error::Config(format!(
                "scope {bad:?} contains a space: pass each scope separately"
            )));
        }
        Ok(Session {
            token_url: cloud.token_url(&tenant),
            key: TokenKey::new(
                cloud.authority(),
                &tenant,
                &client_id,
                scopes.iter().cloned(),
            ),
            client_id,
            client_secret: None,
            scopes,
            http: TokenHttp::default(),
            store: None,
            state: Mutex::new(SessionState::default()),
        })
    }

    pub(crate) fn set_client_secret(&mut self, secret: ClientSecret) {
        self.client_secret = Some(secret);
    }

    pub(crate) fn set_store(&mut self, store: Arc<dyn TokenStore>) {
        self.store = Some(store);
        self.lock().persisted = false;
    }

    pub(crate) fn set_request_timeout(&mut self, timeout: Option<Duration>) {
        self.http = TokenHttp::with_timeout(timeout);
    }

    pub(crate) fn token_url(&self) -> &str {
        &self.token_url
    }

    pub(crate) fn client_id(&self) -> &str {
        &self.client_id
    }

    pub(crate) fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The scopes as the `scope` form field: space-separated.
    pub(crate) fn scope_field(&self) -> String {
        self.scopes.join(" ")
    }

    pub(crate) fn key(&self) -> &TokenKey {
        &self.key
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, SessionState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The refresh token in memory, else the one in the store.
    pub(crate) fn current(&self) -> Result<Option<RefreshTokenSecret>> {
        if let Some(token) = self.lock().refresh_token.clone() {
            return Ok(Some(token));
        }
        let Some(store) = &self.store else {
            return Ok(None);
        };
        let loaded = store.load(&self.key)?.map(|t| t.refresh_token);
        if let Some(token) = &loaded {
            let mut state = self.lock();
            state.refresh_token = Some(token.clone());
            state.persisted = true;
        }
        Ok(loaded)
    }

    /// The refresh token in memory (without looking in the store).
    pub(crate) fn in_memory(&self) -> Option<RefreshTokenSecret> {
        self.lock().refresh_token.clone()
    }

    /// Replaces the refresh token in memory; it is saved on the next successful request.
    pub(crate) fn set_refresh_token(&self, token: Option<RefreshTokenSecret>) {
        let mut state = self.lock();
        state.refresh_token = token;
        state.persisted = false;
    }

    /// POSTs a token request: `fields`, plus `client_id`, `scope` when `with_scope`, and the
    /// client secret of a confidential client.
    pub(crate) async fn token_request(
        &self,
        fields: &[(&str, &str)],
        with_scope: bool,
    ) -> Result<TokenAnswer> {
        let scope = self.scope_field();
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("client_id", &self.client_id));
        if with_scope {
            form.push(("scope", &scope));
        }
        if let Some(secret) = &self.client_secret {
            form.push(("client_secret", secret.secret()));
        }
        self.http.post_form(&self.token_url, &form).await
    }

    /// Takes in a token answer: a new refresh token replaces the old one (rotation), and the
    /// current one is saved to the store unless it is known to be there.
    pub(crate) fn accept(&self, answer: &TokenAnswer) {
        let to_save = {
            let mut state = self.lock();
            if let Some(new) = answer.refresh_token() {
                if state.refresh_token.as_ref() != Some(&new) {
                    state.refresh_token = Some(new);
                    state.persisted = false;
                }
            }
            match (&self.store, &state.refresh_token, state.persisted) {
                (Some(_), Some(token), false) => Some(token.clone()),
                _ => None,
            }
        };
        let (Some(store), Some(token)) = (&self.store, to_save) else {
            return;
        };
        match store.save(&self.key, &StoredTokens::new(token.clone())) {
            Ok(()) => {
                let mut state = self.lock();
                if state.refresh_token.as_ref() == Some(&token) {
                    state.persisted = true;
                }
            }
            // The access token is good: fail the save, not the request. It is tried again
            // after the next token request.
            Err(e) => tracing::warn!(error = %e, "cannot save the refresh token"),
        }
    }

    /// Redeems the current refresh token for an access token (and maybe a new refresh token).
    pub(crate) async fn refresh(&self) -> Result<(AccessToken, Option<Duration>)> {
        let Some(refresh_token) = self.current()? else {
            return Err(no_refresh_token());
        };
        tracing::debug!(token_url = %self.token_url, "refreshing a delegated token");
        let answer = self
            .token_request(
                &[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", refresh_token.secret()),
                ],
                true,
            )
            .await?;
        self.accept(&answer);
        Ok((answer.access_token(), answer.lifetime()))
    }
}

/// The error when there is no refresh token to use: the user must sign in.
fn no_refresh_token() -> Error {
    Error::Auth(Box::new(
        AuthError::new("interaction_required").with_description(
            "no refresh token for this sign-in (none given, none stored, or none issued \
             because offline_access was not asked for): the user must sign in again",
        ),
    ))
}

/// Delegated access from a refresh token: `POST {authority}/{tenant}/oauth2/v2.0/token` with
/// `grant_type=refresh_token`, `client_id`, `refresh_token`, `scope` (and `client_secret`
/// for a confidential client), GRAPH-FACTS §12.2.
///
/// - Access tokens are cached until five minutes before they expire; concurrent requests
///   share one token request.
/// - When the identity platform sends a new refresh token it replaces the old one, in memory
///   and in the [`TokenStore`] if there is one (rotation).
/// - When the refresh token is expired or revoked (`invalid_grant`), or the user must
///   interact (`interaction_required`), the error is an [`Error::Auth`] whose
///   [`AuthError::is_sign_in_required`] is true: sign the user in again
///   ([`DeviceCode`](super::DeviceCode), [`AuthorizationCode`](super::AuthorizationCode)).
/// - Tokens and the client secret never appear in `Debug` output or errors.
///
/// ```
/// use std::sync::Arc;
/// use msgraph_outlook::auth::{
///     delegated_scopes, MemoryTokenStore, RefreshToken, RefreshTokenSecret, TokenKind, TokenProvider,
/// };
/// use msgraph_outlook::Cloud;
///
/// let cloud = Cloud::Global;
/// let scopes = delegated_scopes(&cloud, ["Mail.Send"], true);
/// let provider = RefreshToken::new(
///     &cloud,
///     "contoso.onmicrosoft.com",
///     "00000000-0000-0000-0000-000000000002",
///     scopes,
///     RefreshTokenSecret::new("0.AXEA-refresh"),
/// )
/// .unwrap()
/// .with_store(Arc::new(MemoryTokenStore::new()));
/// assert_eq!(provider.kind(), TokenKind::Delegated);
/// assert_eq!(
///     provider.token_url(),
///     "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
/// );
/// assert!(!format!("{provider:?}").contains("0.AXEA"));
/// ```
pub struct RefreshToken {
    session: Session,
    cache: TokenCache,
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshToken")
            .field("session", &self.session)
            .field("cache", &self.cache)
            .finish()
    }
}

impl RefreshToken {
    /// A provider for `client_id` in `tenant` of `cloud`, starting from `refresh_token`, which
    /// was issued for `scopes` (full scope strings: see
    /// [`delegated_scopes`](super::delegated_scopes)).
    pub fn new<I, S>(
        cloud: &Cloud,
        tenant: &str,
        client_id: &str,
        scopes: I,
        refresh_token: RefreshTokenSecret,
    ) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let session = Session::new(cloud, tenant, client_id, scopes)?;
        session.set_refresh_token(Some(refresh_token));
        Ok(RefreshToken::from_session(session, TokenCache::default()))
    }

    /// A provider that takes its refresh token from `store` (under the [`TokenKey`] of
    /// `cloud`, `tenant`, `client_id` and `scopes`) and saves rotated tokens there. The store
    /// is read on the first token request; with nothing stored, that request fails with a
    /// sign-in-required [`Error::Auth`].
    pub fn from_store<I, S>(
        cloud: &Cloud,
        tenant: &str,
        client_id: &str,
        scopes: I,
        store: Arc<dyn TokenStore>,
    ) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut session = Session::new(cloud, tenant, client_id, scopes)?;
        session.set_store(store);
        Ok(RefreshToken::from_session(session, TokenCache::default()))
    }

    pub(crate) fn from_session(session: Session, cache: TokenCache) -> Self {
        RefreshToken { session, cache }
    }

    pub(crate) fn cache(&self) -> &TokenCache {
        &self.cache
    }

    /// Saves the refresh token to `store` after the next successful token request, and each
    /// rotated one after that.
    pub fn with_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.session.set_store(store);
        self
    }

    /// Authenticates as a confidential client (a web app) with `secret`, sent as the
    /// `client_secret` form field.
    pub fn client_secret(mut self, secret: ClientSecret) -> Self {
        self.session.set_client_secret(secret);
        self
    }

    /// Uses `clock` for token expiry (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.cache = TokenCache::with_clock(clock);
        self
    }

    /// How long one token request may take (30 s by default; `None`: no limit).
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.session.set_request_timeout(timeout);
        self
    }

    /// The token endpoint this provider posts to.
    pub fn token_url(&self) -> &str {
        self.session.token_url()
    }

    /// The scopes it asks for.
    pub fn scopes(&self) -> &[String] {
        self.session.scopes()
    }

    /// The key its refresh token is stored under.
    pub fn key(&self) -> &TokenKey {
        self.session.key()
    }

    /// The refresh token held in memory now (the latest rotation), if any: for callers that
    /// keep it themselves instead of through a [`TokenStore`].
    pub fn current_refresh_token(&self) -> Option<RefreshTokenSecret> {
        self.session.in_memory()
    }
}

cached_token_provider!(
    RefreshToken,
    |this| fetch: this.session.refresh(),
    kind: TokenKind::Delegated
);
