//! Where access tokens come from.
//!
//! A [`TokenProvider`] hands the client a bearer token for each request. Providers that fetch
//! tokens cache them ([`TokenCache`]): a token is reused until shortly before it expires, and
//! however many requests run at once, at most one token request is in flight.
//!
//! - [`ClientCredentials`]: app-only access with a client secret (daemons, services).
//! - [`StaticToken`]: a token you obtained elsewhere.

mod cache;
mod client_credentials;
mod secret;
mod static_token;

use std::fmt;
use std::future::Future;
use std::pin::Pin;

pub use cache::{Clock, SystemClock, TokenCache};
pub use client_credentials::ClientCredentials;
pub use secret::{AccessToken, ClientSecret};
pub use static_token::StaticToken;

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

    /// Whether tokens from this provider are app-only or delegated.
    fn kind(&self) -> TokenKind {
        TokenKind::Unknown
    }
}
