//! A token obtained elsewhere, used as is.

use super::{AccessToken, BoxFuture, TokenKind, TokenProvider};
use crate::error::Result;

/// A caller-supplied bearer token. It is never refreshed: when Graph rejects it, the
/// request fails with a 401 [`Error::Graph`](crate::Error::Graph).
///
/// ```
/// use msgraph_outlook::auth::{StaticToken, TokenKind, TokenProvider};
/// let provider = StaticToken::delegated("eyJ0eXAi…");
/// assert_eq!(provider.kind(), TokenKind::Delegated);
/// assert!(!format!("{provider:?}").contains("eyJ0eXAi"));
/// ```
#[derive(Debug, Clone)]
pub struct StaticToken {
    token: AccessToken,
    kind: TokenKind,
}

impl StaticToken {
    /// A token of unknown kind.
    pub fn new(token: impl Into<String>) -> Self {
        Self::with_kind(token, TokenKind::Unknown)
    }

    /// A delegated (signed-in user) token.
    pub fn delegated(token: impl Into<String>) -> Self {
        Self::with_kind(token, TokenKind::Delegated)
    }

    /// An app-only token.
    pub fn application(token: impl Into<String>) -> Self {
        Self::with_kind(token, TokenKind::Application)
    }

    fn with_kind(token: impl Into<String>, kind: TokenKind) -> Self {
        StaticToken {
            token: AccessToken::new(token),
            kind,
        }
    }
}

impl TokenProvider for StaticToken {
    fn access_token(&self) -> BoxFuture<'_, Result<AccessToken>> {
        let token = self.token.clone();
        Box::pin(async move { Ok(token) })
    }

    fn kind(&self) -> TokenKind {
        self.kind
    }

    fn fresh_token(&self) -> Option<AccessToken> {
        Some(self.token.clone())
    }
}
