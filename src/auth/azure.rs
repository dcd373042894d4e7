//! Tokens from any Azure SDK credential (`azure_core`'s `TokenCredential`), behind the
//! `azure` feature.
//!
//! The feature depends on `azure_core` without its default features: the traits only, no
//! HTTP client, so this crate's single reqwest/hyper/rustls stack stays the only one.
//! (azure_core 1.x's own transport is reqwest 0.13, this crate's is 0.12; credentials that
//! make HTTP requests use [`AzureHttpClient`](super::AzureHttpClient).) `azure_core` 1.x
//! needs Rust 1.88; without the feature the crate keeps its MSRV of 1.80.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use azure_core::credentials::TokenCredential;
use azure_core::time::OffsetDateTime;

use super::{AccessToken, Clock, TokenCache, TokenKind};
use crate::cloud::Cloud;
use crate::error::{AuthError, Error, Result};

/// A [`TokenProvider`](super::TokenProvider) that asks an Azure SDK
/// [`TokenCredential`] (from `azure_identity` or your own) for Graph tokens.
///
/// The scope asked for is the cloud's `.default` scope (`https://graph.microsoft.com/.default`
/// unless [`cloud`](Self::cloud) or [`with_scopes`](Self::with_scopes) say otherwise). Tokens are cached
/// until five minutes before their `expires_on`, concurrent requests share one `get_token`
/// call, and a token Graph refuses with 401 is evicted so the next request asks the
/// credential again. (`azure_identity` credentials keep their own cache too and may hand the
/// same token back until it nears expiry.)
///
/// Add `azure_identity` with `default-features = false`, so that it brings no HTTP client
/// of its own (its default is azure_core's reqwest 0.13, a second HTTP stack beside this
/// crate's reqwest 0.12). Credentials that run a developer tool (`DeveloperToolsCredential`,
/// `AzureCliCredential`, `AzureDeveloperCliCredential`) need none; give those that make
/// HTTP requests (managed identity, client secret, workload identity) an
/// [`AzureHttpClient`](super::AzureHttpClient) as their transport.
///
/// ```no_run
/// # async fn run() -> Result<(), Box<dyn std::error::Error>> {
/// // Cargo.toml: msgraph-outlook = { version = "0.1", features = ["azure"] }
/// //             azure_identity = { version = "1", default-features = false }
/// use azure_identity::DeveloperToolsCredential;
/// use msgraph_outlook::auth::{AzureCredential, TokenKind};
/// use msgraph_outlook::models::Message;
/// use msgraph_outlook::GraphClient;
///
/// // `az login` or `azd auth login` once; no secret in the program.
/// let credential = DeveloperToolsCredential::new(None)?;
/// let client = GraphClient::builder()
///     .token_provider(AzureCredential::new(credential).with_kind(TokenKind::Delegated))
///     .build()?;
/// client
///     .me()
///     .send_mail(Message::new().subject("Signed in with az login").to("alex@contoso.com"))
///     .await?;
/// # Ok(()) }
/// ```
pub struct AzureCredential {
    credential: Arc<dyn TokenCredential>,
    scopes: Vec<String>,
    kind: TokenKind,
    cache: TokenCache,
}

impl fmt::Debug for AzureCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The credential's own Debug is left out: third-party types may print secrets.
        f.debug_struct("AzureCredential")
            .field("scopes", &self.scopes)
            .field("kind", &self.kind)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl AzureCredential {
    /// Graph tokens for the global cloud from `credential`, of unknown [`TokenKind`].
    pub fn new(credential: Arc<dyn TokenCredential>) -> Self {
        AzureCredential {
            credential,
            scopes: vec![Cloud::Global.default_scope()],
            kind: TokenKind::Unknown,
            cache: TokenCache::default(),
        }
    }

    /// Asks for `cloud`'s Graph `.default` scope (`https://graph.microsoft.us/.default`, …).
    ///
    /// ```
    /// # #[derive(Debug)] struct Never;
    /// # #[async_trait::async_trait]
    /// # impl azure_core::credentials::TokenCredential for Never {
    /// #     async fn get_token(&self, _: &[&str], _: Option<azure_core::credentials::TokenRequestOptions<'_>>)
    /// #         -> azure_core::Result<azure_core::credentials::AccessToken> { unreachable!() }
    /// # }
    /// use std::sync::Arc;
    /// use msgraph_outlook::auth::AzureCredential;
    /// use msgraph_outlook::Cloud;
    ///
    /// let provider = AzureCredential::new(Arc::new(Never)).cloud(&Cloud::China);
    /// assert_eq!(provider.scopes(), ["https://microsoftgraph.chinacloudapi.cn/.default"]);
    /// ```
    pub fn cloud(mut self, cloud: &Cloud) -> Self {
        self.scopes = vec![cloud.default_scope()];
        self
    }

    /// Asks for these scopes instead (e.g. [`delegated_scopes`](super::delegated_scopes)
    /// for a credential that signs a user in interactively).
    pub fn with_scopes<I, S>(mut self, scopes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.scopes = scopes.into_iter().map(Into::into).collect();
        self
    }

    /// Declares who the tokens speak for: [`TokenKind::Delegated`] for developer-tool
    /// credentials (a signed-in user), [`TokenKind::Application`] for managed identities and
    /// service principals. The default is [`TokenKind::Unknown`].
    pub fn with_kind(mut self, kind: TokenKind) -> Self {
        self.kind = kind;
        self
    }

    /// Uses `clock` for token expiry (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.cache = TokenCache::with_clock(clock);
        self
    }

    /// The scopes asked for.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    async fn fetch(&self) -> Result<(AccessToken, Option<Duration>)> {
        let scopes: Vec<&str> = self.scopes.iter().map(String::as_str).collect();
        let token = self
            .credential
            .get_token(&scopes, None)
            .await
            .map_err(|e| {
                Error::Auth(Box::new(
                    AuthError::new("credential_unavailable").with_description(describe(&e)),
                ))
            })?;
        // A token already expired (or without a future expiry) is used once, not cached.
        let remaining = token.expires_on - OffsetDateTime::now_utc();
        let lifetime = u64::try_from(remaining.whole_seconds())
            .ok()
            .map(Duration::from_secs);
        Ok((AccessToken::new(token.token.secret()), lifetime))
    }
}

/// The error and its causes: azure_core's `Display` shows only the outermost message
/// ("… authentication failed. The request failed"), the reason is in the sources.
fn describe(error: &azure_core::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

cached_token_provider!(
    AzureCredential,
    |this| fetch: this.fetch(),
    kind: this.kind
);
