//! Where access tokens come from.
//!
//! A [`TokenProvider`] hands the client a bearer token for each request. Providers that fetch
//! tokens cache them ([`TokenCache`]): a token is reused until shortly before it expires, and
//! however many requests run at once, at most one token request is in flight. That holds for
//! refreshes after a 401 too: when Graph starts refusing a token that many requests share,
//! the first refusal evicts it, one new token is fetched for all of them, and the token
//! endpoint sees one request per token Graph refused (plus the first). Callers waiting on a
//! token request that fails share its error instead of each asking again.
//!
//! - [`ClientCredentials`]: app-only access with a client secret (daemons, services), a
//!   certificate ([`ClientCertificate`]) or a federated assertion (workload identity).
//! - [`ManagedIdentity`]: app-only access as the managed identity of the Azure resource the
//!   program runs on (IMDS, App Service).
//! - [`DeviceCode`]: a user signs in on another device (CLIs, headless services).
//! - [`AuthorizationCode`]: a user signs in in a browser (desktop and web apps), with PKCE.
//! - [`RefreshToken`]: a user's refresh token, kept in a [`TokenStore`] ([`FileTokenStore`],
//!   [`MemoryTokenStore`]) and rotated; scopes from [`delegated_scopes`].
//! - [`TokenFn`]: tokens from an async closure (another credential library), cached.
//! - `AzureCredential` (feature `azure`): tokens from any Azure SDK `TokenCredential`
//!   (`azure_identity`'s developer-tool credentials, …), cached; `AzureHttpClient` runs
//!   `azure_identity`'s HTTP-based credentials on this crate's HTTP client.
//! - [`StaticToken`]: a token you obtained elsewhere.

/// `TokenProvider` for a provider that keeps its tokens in a [`TokenCache`] field `cache`:
/// a valid cached token, else one fetched with `fetch` (one fetch for concurrent callers);
/// Graph's 401 evicts it.
macro_rules! cached_token_provider {
    ($provider:ty, |$this:ident| fetch: $fetch:expr, kind: $kind:expr) => {
        impl $crate::auth::TokenProvider for $provider {
            fn access_token(
                &self,
            ) -> $crate::auth::BoxFuture<'_, $crate::Result<$crate::auth::AccessToken>> {
                let $this = self;
                Box::pin($this.cache.get_or_fetch(|| $fetch))
            }

            fn invalidate(&self, token: &$crate::auth::AccessToken) {
                self.cache.invalidate(token);
            }

            fn cached_token(
                &self,
            ) -> $crate::auth::BoxFuture<'_, Option<$crate::auth::AccessToken>> {
                Box::pin(self.cache.cached())
            }

            fn kind(&self) -> $crate::auth::TokenKind {
                // Most kinds are constants; `TokenFn` reads its own.
                #[allow(unused_variables)]
                let $this = self;
                $kind
            }

            fn fresh_token(&self) -> Option<$crate::auth::AccessToken> {
                self.cache.fresh()
            }
        }
    };
}

mod authorization_code;
#[cfg(feature = "azure")]
mod azure;
#[cfg(feature = "azure")]
mod azure_http;
mod cache;
mod certificate;
mod claims;
mod client_credentials;
mod device_code;
mod federated;
mod from_fn;
mod managed_identity;
mod refresh_token;
mod scopes;
mod secret;
mod static_token;
mod token_response;
mod token_store;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

pub use authorization_code::{
    pkce_challenge, AuthorizationCode, AuthorizeOptions, PendingSignIn, Prompt,
};
#[cfg(feature = "azure")]
pub use azure::AzureCredential;
#[cfg(feature = "azure")]
pub use azure_http::AzureHttpClient;
pub use cache::{Clock, SystemClock, TokenCache};
pub use certificate::ClientCertificate;
pub(crate) use claims::TokenUser;
pub use client_credentials::ClientCredentials;
pub use device_code::{DeviceCode, DeviceCodePrompt};
pub use from_fn::TokenFn;
pub use managed_identity::ManagedIdentity;
pub use refresh_token::RefreshToken;
pub use scopes::delegated_scopes;
pub use secret::{AccessToken, ClientSecret};
pub use static_token::StaticToken;
pub use token_store::{
    FileTokenStore, MemoryTokenStore, RefreshTokenSecret, StoredTokens, TokenKey, TokenStore,
};

use crate::error::Result;

/// A boxed, sendable future: what [`TokenProvider`] methods return, so providers can be
/// stored as `Arc<dyn TokenProvider>`.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Who a token speaks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenKind {
    /// An app-only token (client credentials): no signed-in user, so no `/me`.
    Application,
    /// A token for a signed-in user (delegated permissions).
    Delegated,
    /// Not known (e.g. a [`StaticToken`] built with [`StaticToken::new`]).
    Unknown,
}

/// Supplies bearer tokens to [`GraphClient`](crate::GraphClient).
///
/// Implement it to plug in another credential source:
///
/// ```
/// use msgraph_outlook::auth::{AccessToken, BoxFuture, TokenKind, TokenProvider};
///
/// #[derive(Debug)]
/// struct FromVault;
///
/// impl TokenProvider for FromVault {
///     fn access_token(&self) -> BoxFuture<'_, msgraph_outlook::Result<AccessToken>> {
///         Box::pin(async { Ok(AccessToken::new("token-from-my-vault")) })
///     }
///     fn kind(&self) -> TokenKind {
///         TokenKind::Delegated
///     }
/// }
/// ```
pub trait TokenProvider: Send + Sync + fmt::Debug {
    /// A token valid for at least the next request.
    fn access_token(&self) -> BoxFuture<'_, Result<AccessToken>>;

    /// Graph rejected `token` with 401: forget it if it is still cached, so the next call to
    /// [`access_token`](Self::access_token) fetches a fresh one. The default does nothing.
    fn invalidate(&self, token: &AccessToken) {
        let _ = token;
    }

    /// The token [`access_token`](Self::access_token) would return without fetching one,
    /// once a fetch already in flight has finished; None if the provider keeps no token.
    /// After a 401, a request whose token was already replaced by another request's
    /// refresh retries with this one instead of giving up (see
    /// [`RetryPolicy`](crate::RetryPolicy)). The default: None.
    fn cached_token(&self) -> BoxFuture<'_, Option<AccessToken>> {
        Box::pin(async { None })
    }

    /// Whether tokens from this provider are app-only or delegated.
    fn kind(&self) -> TokenKind {
        TokenKind::Unknown
    }

    /// A token [`access_token`](Self::access_token) would return now, if the provider has
    /// one at hand: the client tries it first on every attempt, and a provider that answers
    /// spares the request a boxed future. The default: None (the client then awaits
    /// [`access_token`](Self::access_token)).
    ///
    /// It is called on the runtime's threads, so it must not block (no fetch, no lock held
    /// for long), and it must never return a token `access_token` would have refreshed
    /// (expired, or within its refresh margin). Unlike [`cached_token`](Self::cached_token)
    /// it does not wait for a fetch in flight: None then, and the request awaits
    /// `access_token`. After Graph answers 401 the client does not call it for the next
    /// attempt of that request: that token is fetched. A provider built on
    /// [`TokenCache`] returns [`TokenCache::fresh`]:
    ///
    /// ```
    /// use msgraph_outlook::auth::{AccessToken, BoxFuture, TokenCache, TokenProvider};
    ///
    /// #[derive(Debug, Default)]
    /// struct FromVault {
    ///     cache: TokenCache,
    /// }
    ///
    /// impl TokenProvider for FromVault {
    ///     fn access_token(&self) -> BoxFuture<'_, msgraph_outlook::Result<AccessToken>> {
    ///         Box::pin(self.cache.get_or_fetch(|| async {
    ///             let lifetime = std::time::Duration::from_secs(3599);
    ///             Ok((AccessToken::new("token-from-my-vault"), Some(lifetime)))
    ///         }))
    ///     }
    ///     fn fresh_token(&self) -> Option<AccessToken> {
    ///         self.cache.fresh()
    ///     }
    /// }
    /// ```
    fn fresh_token(&self) -> Option<AccessToken> {
        None
    }
}
