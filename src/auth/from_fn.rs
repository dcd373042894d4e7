//! A token provider made from an async closure, to plug in another credential library.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use super::{AccessToken, BoxFuture, Clock, TokenCache, TokenKind};
use crate::error::Result;

type FetchFn =
    dyn Fn() -> BoxFuture<'static, Result<(AccessToken, Option<Duration>)>> + Send + Sync;

/// A [`TokenProvider`](super::TokenProvider) that gets tokens from an async closure: the token and how long it
/// lives. Tokens are cached until five minutes before they expire (a token without a
/// lifetime is used once), and concurrent requests share one call of the closure.
///
/// Use it to take tokens from another credential library (`azure_identity`, a secrets vault,
/// a sidecar). Report failures as [`Error::Auth`](crate::Error::Auth) with an
/// [`AuthError`](crate::AuthError), or as [`Error::Config`](crate::Error::Config).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")] async fn main() -> msgraph_outlook::Result<()> {
/// use std::time::Duration;
/// use msgraph_outlook::auth::{AccessToken, TokenFn, TokenKind, TokenProvider};
/// use msgraph_outlook::{AuthError, Error};
///
/// let provider = TokenFn::new(TokenKind::Delegated, || async {
///     // let token = credential.get_token(&["https://graph.microsoft.com/.default"]).await
///     //     .map_err(|e| Error::Auth(Box::new(AuthError::new("credential_unavailable")
///     //         .with_description(e.to_string()))))?;
///     Ok((AccessToken::new("eyJ0eXAi.from-elsewhere"), Some(Duration::from_secs(3600))))
/// });
/// assert_eq!(provider.kind(), TokenKind::Delegated);
/// assert_eq!(provider.access_token().await?.secret(), "eyJ0eXAi.from-elsewhere");
/// # Ok(()) }
/// ```
pub struct TokenFn {
    kind: TokenKind,
    fetch: Arc<FetchFn>,
    cache: TokenCache,
}

impl fmt::Debug for TokenFn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenFn")
            .field("kind", &self.kind)
            .field("cache", &self.cache)
            .finish_non_exhaustive()
    }
}

impl TokenFn {
    /// A provider of tokens of `kind` from `fetch`.
    pub fn new<F, Fut>(kind: TokenKind, fetch: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(AccessToken, Option<Duration>)>> + Send + 'static,
    {
        TokenFn {
            kind,
            fetch: Arc::new(move || Box::pin(fetch())),
            cache: TokenCache::default(),
        }
    }

    /// Uses `clock` for token expiry (tests).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.cache = TokenCache::with_clock(clock);
        self
    }
}

cached_token_provider!(
    TokenFn,
    |this| fetch: (this.fetch)(),
    kind: this.kind
);
