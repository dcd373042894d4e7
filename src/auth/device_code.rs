//! Delegated sign-in on another device (OAuth 2.0 device authorization grant, RFC 8628).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tokio::time::Instant;

use super::refresh_token::Session;
use super::token_response::lenient_seconds;
use super::token_store::{RefreshTokenSecret, TokenKey, TokenStore};
use super::{AccessToken, Clock, TokenCache, TokenKind};
use crate::cloud::Cloud;
use crate::error::{AuthError, Error, Result};

/// The `grant_type` of a device code poll.
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
/// `expires_in` when the answer has none (the identity platform's documented default).
const DEFAULT_EXPIRES_IN: u64 = 900;
/// `interval` when the answer has none (RFC 8628 §3.2).
const DEFAULT_INTERVAL: u64 = 5;
/// What `slow_down` adds to the interval (RFC 8628 §3.5).
const SLOW_DOWN_STEP: Duration = Duration::from_secs(5);

/// What to show the user so they can sign in on another device.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeviceCodePrompt {
    /// The identity platform's instructions, ready to show ("To sign in, use a web browser to
    /// open the page `https://microsoft.com/devicelogin` and enter the code … to authenticate.").
    pub message: String,
    /// The code the user types at `verification_uri`.
    pub user_code: String,
    /// Where the user signs in.
    pub verification_uri: String,
    /// How long the code is valid.
    pub expires_in: Duration,
}

/// The `/devicecode` answer. Not `Debug`: `device_code` is a credential.
#[derive(Deserialize)]
struct DeviceAuthorization {
    device_code: String,
    user_code: String,
    verification_uri: String,
    #[serde(default, deserialize_with = "lenient_seconds")]
    expires_in: Option<u64>,
    #[serde(default, deserialize_with = "lenient_seconds")]
    interval: Option<u64>,
    #[serde(default)]
    message: Option<String>,
}

type PromptFn = dyn Fn(&DeviceCodePrompt) + Send + Sync;

/// Delegated access for a user who signs in on another device (a phone, a laptop): the
/// device code flow (GRAPH-FACTS §12.2), for CLIs and services without a browser.
///
/// On the first token request:
/// 1. If the [`TokenStore`] holds a refresh token for this sign-in, it is used and nobody is
///    asked anything.
/// 2. Otherwise `POST {authority}/{tenant}/oauth2/v2.0/devicecode` (`client_id`, `scope`) gives
///    a code; the [`DeviceCodePrompt`] goes to the callback of [`on_prompt`](Self::on_prompt)
///    (by default its message is printed to stderr).
/// 3. The token endpoint is polled with `grant_type=urn:ietf:params:oauth:grant-type:device_code`,
///    `client_id` and `device_code` every `interval` seconds: `authorization_pending` keeps
///    polling, `slow_down` adds 5 s to the interval, and `authorization_declined`,
///    `bad_verification_code` and `expired_token` end the sign-in with an [`Error::Auth`] (see
///    [`AuthError::is_authorization_declined`], [`AuthError::is_bad_verification_code`],
///    [`AuthError::is_expired_token`]). The wait never outlasts the code's `expires_in`.
///
/// After that it works like [`RefreshToken`](super::RefreshToken): access tokens are cached
/// and renewed silently with the refresh token (ask for `offline_access`, see
/// [`delegated_scopes`](super::delegated_scopes)), which is kept in the store. When the refresh
/// token stops working, the next token request signs the user in again. However many
/// requests wait for a token, one sign-in runs. The app registration must allow public client
/// flows (otherwise `AADSTS7000218`).
///
/// ```no_run
/// # async fn run() -> msgraph_outlook::Result<()> {
/// use std::sync::Arc;
/// use msgraph_outlook::auth::{delegated_scopes, DeviceCode, FileTokenStore};
/// use msgraph_outlook::{Cloud, GraphClient};
///
/// let cloud = Cloud::Global;
/// let provider = DeviceCode::new(
///     &cloud,
///     "organizations",
///     "00000000-0000-0000-0000-000000000003",
///     delegated_scopes(&cloud, ["Mail.Send"], true),
/// )?
/// .with_store(Arc::new(FileTokenStore::new("tokens.json")))
/// .on_prompt(|prompt| println!("{}", prompt.message));
/// let client = GraphClient::builder().token_provider(provider).build()?;
/// # Ok(()) }
/// ```
pub struct DeviceCode {
    session: Session,
    devicecode_url: String,
    prompt: Arc<PromptFn>,
    cache: TokenCache,
}

impl fmt::Debug for DeviceCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeviceCode")
            .field("devicecode_url", &self.devicecode_url)
            .field("session", &self.session)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl DeviceCode {
    /// A provider for public client `client_id` in `tenant` (a tenant id or domain,
    /// `organizations` or `common`) of `cloud`, asking for `scopes` (full scope strings: see
    /// [`delegated_scopes`](super::delegated_scopes)).
    pub fn new<I, S>(cloud: &Cloud, tenant: &str, client_id: &str, scopes: I) -> Result<Self>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let session = Session::new(cloud, tenant, client_id, scopes)?;
        let devicecode_url = format!(
            "{}/{}/oauth2/v2.0/devicecode",
            cloud.authority(),
            session.key().tenant()
        );
        Ok(DeviceCode {
            session,
            devicecode_url,
            prompt: Arc::new(|prompt: &DeviceCodePrompt| eprintln!("{}", prompt.message)),
            cache: TokenCache::default(),
        })
    }

    /// Hands the prompt to `show` instead of printing it to stderr. It is called once per
    /// sign-in, before polling starts; it should return quickly (send the prompt to a UI
    /// through a channel, for instance).
    pub fn on_prompt(mut self, show: impl Fn(&DeviceCodePrompt) + Send + Sync + 'static) -> Self {
        self.prompt = Arc::new(show);
        self
    }

    /// Takes a stored refresh token from `store` (no prompt then), and saves the refresh
    /// token there after each sign-in and rotation.
    pub fn with_store(mut self, store: Arc<dyn TokenStore>) -> Self {
        self.session.set_store(store);
        self
    }

    /// Uses `clock` for access token expiry (tests). Polling waits use tokio's clock.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.cache = TokenCache::with_clock(clock);
        self
    }

    /// How long one request to the identity platform may take (30 s by default; `None`: no
    /// limit). It does not bound the sign-in, which `expires_in` does.
    ///
    /// Tests that run on tokio's paused clock against a real socket should pass `None`: the
    /// paused clock jumps to the next timer while a request waits for its answer, so a
    /// pending timeout would fire at once.
    pub fn request_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.session.set_request_timeout(timeout);
        self
    }

    /// The device authorization endpoint.
    pub fn devicecode_url(&self) -> &str {
        &self.devicecode_url
    }

    /// The token endpoint.
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

    /// The refresh token held in memory now, if any.
    pub fn current_refresh_token(&self) -> Option<RefreshTokenSecret> {
        self.session.in_memory()
    }

    async fn fetch(&self) -> Result<(AccessToken, Option<Duration>)> {
        if self.session.current()?.is_some() {
            match self.session.refresh().await {
                Err(e) if e.is_sign_in_required() => {
                    tracing::info!("the refresh token no longer works: signing in again");
                    self.session.set_refresh_token(None);
                }
                done => return done,
            }
        }
        self.sign_in().await
    }

    async fn sign_in(&self) -> Result<(AccessToken, Option<Duration>)> {
        tracing::debug!(url = %self.devicecode_url, "requesting a device code");
        let scope = self.session.scope_field();
        let authorization: DeviceAuthorization = self
            .session
            .http
            .post_form(
                &self.devicecode_url,
                &[("client_id", self.session.client_id()), ("scope", &scope)],
            )
            .await?;
        let expires_in =
            Duration::from_secs(authorization.expires_in.unwrap_or(DEFAULT_EXPIRES_IN));
        let deadline = Instant::now() + expires_in;
        let mut interval =
            Duration::from_secs(authorization.interval.unwrap_or(DEFAULT_INTERVAL).max(1));
        let prompt = DeviceCodePrompt {
            message: authorization
                .message
                .filter(|m| !m.trim().is_empty())
                .unwrap_or_else(|| {
                    format!(
                        "To sign in, use a web browser to open the page {} and enter the code {} to authenticate.",
                        authorization.verification_uri, authorization.user_code
                    )
                }),
            user_code: authorization.user_code,
            verification_uri: authorization.verification_uri,
            expires_in,
        };
        (self.prompt)(&prompt);
        loop {
            let next = Instant::now() + interval;
            if next > deadline {
                tokio::time::sleep_until(deadline).await;
                return Err(Error::Auth(Box::new(
                    AuthError::new("expired_token").with_description(format!(
                        "the user did not sign in within {} s (the device code's expires_in)",
                        expires_in.as_secs()
                    )),
                )));
            }
            tokio::time::sleep_until(next).await;
            let poll = self
                .session
                .token_request(
                    &[
                        ("grant_type", DEVICE_CODE_GRANT),
                        ("device_code", &authorization.device_code),
                    ],
                    false,
                )
                .await;
            match poll {
                Ok(answer) => {
                    tracing::debug!("device code sign-in completed");
                    self.session.accept(&answer);
                    return Ok((answer.access_token(), answer.lifetime()));
                }
                Err(Error::Auth(e)) if e.error == "authorization_pending" => {}
                Err(Error::Auth(e)) if e.error == "slow_down" => interval += SLOW_DOWN_STEP,
                Err(e) => return Err(e),
            }
        }
    }
}

cached_token_provider!(
    DeviceCode,
    |this| fetch: this.fetch(),
    kind: TokenKind::Delegated
);
