//! Delegated sign-in in a browser (OAuth 2.0 authorization code flow with PKCE, RFC 7636).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use url::Url;

use super::refresh_token::{RefreshToken, Session};
use super::token_store::TokenStore;
use super::{ClientSecret, Clock, SystemClock, TokenCache};
use crate::cloud::Cloud;
use crate::error::{AuthError, Error, Result};
use crate::random::random_token;

/// Random bytes in a code verifier: 32 bytes make 43 base64url characters, RFC 7636's
/// minimum length and its recommended construction (§4.1).
const VERIFIER_BYTES: usize = 32;
/// Random bytes in a `state` value.
const STATE_BYTES: usize = 32;

/// The PKCE `S256` code challenge of `code_verifier`: `BASE64URL-NOPAD(SHA256(verifier))`
/// (RFC 7636 §4.2).
///
/// ```
/// use msgraph_outlook::auth::pkce_challenge;
/// // RFC 7636 Appendix B.
/// assert_eq!(
///     pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
///     "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
/// );
/// ```
pub fn pkce_challenge(code_verifier: &str) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, code_verifier.as_bytes());
    URL_SAFE_NO_PAD.encode(digest.as_ref())
}

/// `prompt` on the authorize request: what the sign-in page must do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Prompt {
    /// `login`: ask for credentials even with a single sign-on session.
    Login,
    /// `none`: never show a page; fail with `interaction_required` instead.
    None,
    /// `consent`: show the consent dialog after sign-in.
    Consent,
    /// `select_account`: show the account picker.
    SelectAccount,
}

impl Prompt {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Prompt::Login => "login",
            Prompt::None => "none",
            Prompt::Consent => "consent",
            Prompt::SelectAccount => "select_account",
        }
    }
}

/// Optional parameters of the authorize request.
///
/// ```
/// use msgraph_outlook::auth::{AuthorizeOptions, Prompt};
/// let options = AuthorizeOptions::new().prompt(Prompt::SelectAccount).login_hint("adele@contoso.com");
/// assert_eq!(options.login_hint.as_deref(), Some("adele@contoso.com"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthorizeOptions {
    /// `prompt`.
    pub prompt: Option<Prompt>,
    /// `login_hint`: pre-fills the user name on the sign-in page.
    pub login_hint: Option<String>,
}

impl AuthorizeOptions {
    /// No optional parameter.
    pub fn new() -> Self {
        AuthorizeOptions::default()
    }

    /// Sets `prompt`.
    pub fn prompt(mut self, prompt: Prompt) -> Self {
        self.prompt = Some(prompt);
        self
    }

    /// Sets `login_hint`.
    pub fn login_hint(mut self, login_hint: impl Into<String>) -> Self {
        self.login_hint = Some(login_hint.into());
        self
    }
}

/// A sign-in that was started: the `state` sent and the PKCE code verifier, needed to redeem
/// the code. Keep it server-side (in the user's session), never in the page or the URL.
///
/// ```
/// use msgraph_outlook::auth::PendingSignIn;
/// // A web app keeps both parts in its session store and restores them on the redirect.
/// let pending = PendingSignIn::from_parts("st-1", "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
/// assert_eq!(pending.state(), "st-1");
/// assert!(!format!("{pending:?}").contains("dBjftJeZ4CVP"));
/// ```
#[derive(Clone)]
pub struct PendingSignIn {
    state: String,
    code_verifier: String,
}

impl fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("state", &self.state)
            .field("code_verifier", &"<redacted>")
            .finish()
    }
}

impl PendingSignIn {
    /// Restores a pending sign-in from the parts kept in a session store.
    pub fn from_parts(state: impl Into<String>, code_verifier: impl Into<String>) -> Self {
        PendingSignIn {
            state: state.into(),
            code_verifier: code_verifier.into(),
        }
    }

    /// The `state` sent on the authorize request.
    pub fn state(&self) -> &str {
        &self.state
    }

    /// The PKCE code verifier (a secret until the code is redeemed: don't log it).
    pub fn code_verifier(&self) -> &str {
        &self.code_verifier
    }
}

/// Delegated sign-in in a browser: the authorization code flow with PKCE (GRAPH-FACTS §12.2),
/// for desktop apps (redirect to `http://localhost:{port}`) and web apps.
///
/// 1. [`authorize_url`](Self::authorize_url) gives the URL to open and a [`PendingSignIn`]
///    to keep: `{authority}/{tenant}/oauth2/v2.0/authorize` with `client_id`,
///    `response_type=code`, `redirect_uri`, `response_mode=query`, `scope`, a random `state`,
///    `code_challenge` and `code_challenge_method=S256`, plus `prompt` and `login_hint` when
///    asked.
/// 2. The identity platform redirects the browser to `redirect_uri?code=…&state=…`.
/// 3. [`redeem`](Self::redeem) (or [`redeem_redirect`](Self::redeem_redirect)) checks the
///    `state`, then POSTs `grant_type=authorization_code`, `code`, `redirect_uri`,
///    `code_verifier`, `client_id`, `scope` (and `client_secret` for a confidential web app)
///    to the token endpoint, and returns a [`RefreshToken`] provider holding the new tokens.
///
/// ```
/// use msgraph_outlook::auth::{delegated_scopes, AuthorizationCode, AuthorizeOptions};
/// use msgraph_outlook::Cloud;
///
/// let cloud = Cloud::Global;
/// let flow = AuthorizationCode::new(
///     &cloud,
///     "organizations",
///     "00000000-0000-0000-0000-000000000004",
///     "http://localhost:8400/callback",
///     delegated_scopes(&cloud, ["Mail.Send"], true),
/// )
/// .unwrap();
/// let (url, pending) = flow.authorize_url(&AuthorizeOptions::new()).unwrap();
/// assert!(url.as_str().starts_with(
///     "https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize?client_id="
/// ));
/// assert!(url.query_pairs().any(|(k, v)| k == "state" && v == pending.state()));
/// // Later, on the redirect: flow.redeem(pending, &code, &returned_state).await?
/// ```
pub struct AuthorizationCode {
    cloud: Cloud,
    tenant: String,
    client_id: String,
    redirect_uri: String,
    scopes: Vec<String>,
    authorize_endpoint: Url,
    client_secret: Option<ClientSecret>,
    store: Option<Arc<dyn TokenStore>>,
    clock: Arc<dyn Clock>,
    timeout: Option<Option<Duration>>,
}

impl fmt::Debug for AuthorizationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthorizationCode")
            .field("authorize_endpoint", &self.authorize_endpoint.as_str())
            .field("tenant", &self.tenant)
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("scopes", &self.scopes)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<redacted>"),
            )
            .field("store", &self.store)
            .finish()
    }
}

impl AuthorizationCode {
    /// The flow for application `client_id` in `tenant` (a tenant id or domain,
    /// `organizations` or `common`) of `cloud`, redirecting to `redirect_uri` (registered on
    /// the app) and asking for `scopes` (full scope strings: see
    /// [`delegated_scopes`](super::delegated_scopes); include `offline_access` to get a
    /// refresh token).
    pub fn new<I, S>(
        cloud: &Cloud,
        tenant: &str,
        client_id: &str,
        redirect_uri: &str,
        scopes: I,
    ) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        // Validates tenant, client id and scopes the way the token requests will need them.
        let session = Session::new(cloud, tenant, client_id, scopes)?;
        let redirect = Url::parse(redirect_uri.trim()).map_err(|e| {
            Error::Config(format!("redirect URI {redirect_uri:?} is not a URL: {e}"))
        })?;
        if redirect.fragment().is_some() {
            return Err(Error::Config(format!(
                "redirect URI {redirect_uri:?} must not have a fragment"
            )));
        }
        let authorize = format!(
            "{}/{}/oauth2/v2.0/authorize",
            cloud.authority(),
            session.key().tenant()
        );
        let authorize_endpoint = Url::parse(&authorize)
            .map_err(|e| Error::Config(format!("authorize URL {authorize:?}: {e}")))?;
        Ok(AuthorizationCode {
            cloud: cloud.clone(),
            tenant: session.key().tenant().to_string(),
            client_id: session.client_id().to_string(),
            redirect_uri: redirect_uri.trim().to_string(),
            scopes: session.scopes().to_vec(),
            authorize_endpoint,
            client_secret: None,
            store: None,
            clock: Arc::new(SystemClock),
            timeout: None,
        })
    }

    /// Authenticates as a confidential client (a web app) with `secret` when redeeming codes
    /// and refreshing.
    pub fn client_secret(mut self, secret: ClientSecret) -> Self {
        self.client_secret = Some(secret);
        self
    }

    /// Saves the refresh token of each redeemed sign-in to `store` (and its rotations).
    pub fn with_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Uses `clock` for access token expiry in the providers it returns (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// How long one token request may take (30 s by default; `None`: no limit).
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The redirect URI.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The scopes it asks for.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// Starts a sign-in: the URL to open in the user's browser, and the [`PendingSignIn`] to
    /// keep until the redirect comes back. Fails only if the system's random number generator
    /// does.
    pub fn authorize_url(&self, options: &AuthorizeOptions) -> Result<(Url, PendingSignIn)> {
        let pending = PendingSignIn {
            state: random_token(STATE_BYTES)?,
            code_verifier: random_token(VERIFIER_BYTES)?,
        };
        let mut url = self.authorize_endpoint.clone();
        {
            let mut query = url.query_pairs_mut();
            query
                .append_pair("client_id", &self.client_id)
                .append_pair("response_type", "code")
                .append_pair("redirect_uri", &self.redirect_uri)
                .append_pair("response_mode", "query")
                .append_pair("scope", &self.scopes.join(" "))
                .append_pair("state", &pending.state)
                .append_pair("code_challenge", &pkce_challenge(&pending.code_verifier))
                .append_pair("code_challenge_method", "S256");
            if let Some(prompt) = options.prompt {
                query.append_pair("prompt", prompt.as_str());
            }
            if let Some(hint) = &options.login_hint {
                query.append_pair("login_hint", hint);
            }
        }
        Ok((url, pending))
    }

    /// Redeems the `code` the redirect brought, after checking that `returned_state` is the
    /// state of `pending` (otherwise: an [`Error::Auth`] whose
    /// [`AuthError::is_state_mismatch`] is true, and nothing is sent).
    pub async fn redeem(
        &self,
        pending: PendingSignIn,
        code: &str,
        returned_state: &str,
    ) -> Result<RefreshToken> {
        if !constant_time_eq(pending.state.as_bytes(), returned_state.as_bytes()) {
            return Err(state_mismatch());
        }
        if code.is_empty() {
            return Err(Error::Config("the authorization code is empty".into()));
        }
        let mut session = Session::new(
            &self.cloud,
            &self.tenant,
            &self.client_id,
            self.scopes.iter().cloned(),
        )?;
        if let Some(secret) = &self.client_secret {
            session.set_client_secret(secret.clone());
        }
        if let Some(store) = &self.store {
            session.set_store(Arc::clone(store));
        }
        if let Some(timeout) = self.timeout {
            session.set_request_timeout(timeout);
        }
        tracing::debug!(token_url = %session.token_url(), "redeeming an authorization code");
        let answer = session
            .token_request(
                &[
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("redirect_uri", &self.redirect_uri),
                    ("code_verifier", &pending.code_verifier),
                ],
                true,
            )
            .await?;
        session.accept(&answer);
        let provider =
            RefreshToken::from_session(session, TokenCache::with_clock(Arc::clone(&self.clock)));
        let (token, lifetime) = (answer.access_token(), answer.lifetime());
        provider
            .cache()
            .get_or_fetch(|| async { Ok((token, lifetime)) })
            .await?;
        Ok(provider)
    }

    /// Like [`redeem`](Self::redeem), reading `code`, `state` and any `error` from the URL the
    /// browser was redirected to. An `error` on the redirect (the user declined: see
    /// [`AuthError::is_authorization_declined`]) becomes an [`Error::Auth`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")] async fn main() {
    /// use msgraph_outlook::auth::{AuthorizationCode, PendingSignIn};
    /// use msgraph_outlook::Cloud;
    /// let flow = AuthorizationCode::new(&Cloud::Global, "organizations", "app-id",
    ///     "http://localhost:8400/callback", ["offline_access"]).unwrap();
    /// let redirect = url::Url::parse(
    ///     "http://localhost:8400/callback?error=access_denied&error_description=the+user+canceled&state=st-1",
    /// ).unwrap();
    /// let pending = PendingSignIn::from_parts("st-1", "verifier");
    /// let err = flow.redeem_redirect(pending, &redirect).await.unwrap_err();
    /// assert!(err.auth_error().unwrap().is_authorization_declined());
    /// # }
    /// ```
    pub async fn redeem_redirect(
        &self,
        pending: PendingSignIn,
        redirect: &Url,
    ) -> Result<RefreshToken> {
        let field = |name: &str| {
            redirect
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let state = field("state").unwrap_or_default();
        if let Some(error) = field("error") {
            if !constant_time_eq(pending.state.as_bytes(), state.as_bytes()) {
                return Err(state_mismatch());
            }
            let mut auth = AuthError::new(error);
            auth.description = field("error_description");
            return Err(Error::Auth(Box::new(auth)));
        }
        let code = field("code").unwrap_or_default();
        self.redeem(pending, &code, &state).await
    }
}

/// The refusal of a redirect whose `state` is not the pending sign-in's.
fn state_mismatch() -> Error {
    Error::Auth(Box::new(AuthError::new("state_mismatch").with_description(
        "the state on the redirect is not the one of the sign-in that was started \
         (a forged or stale redirect)",
    )))
}

/// Compares without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifiers_are_43_unreserved_characters_and_differ() {
        let a = random_token(VERIFIER_BYTES).unwrap();
        let b = random_token(VERIFIER_BYTES).unwrap();
        assert_eq!(a.len(), 43);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~".contains(c)));
        assert_ne!(a, b);
    }

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
