//! Secret values that never show in `Debug`, `Display`, logs or errors.

use std::fmt;
use std::sync::{Arc, OnceLock};

use reqwest::header::HeaderValue;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone)]
        pub struct $name(Arc<str>);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(Arc::from(value.into()))
            }

            /// The secret value itself. Don't log it.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "(<redacted>)"))
            }
        }
    };
}

/// A bearer access token.
///
/// ```
/// use msgraph_outlook::auth::AccessToken;
/// let token = AccessToken::new("eyJ0eXAi.secret");
/// assert_eq!(format!("{token:?}"), "AccessToken(<redacted>)");
/// assert_eq!(token.secret(), "eyJ0eXAi.secret");
/// ```
#[derive(Clone)]
pub struct AccessToken(Arc<TokenValue>);

struct TokenValue {
    secret: Box<str>,
    /// `Bearer {secret}` as a header value, made on first use and shared by every request
    /// that uses this token: a token serves thousands of requests.
    bearer: OnceLock<Option<HeaderValue>>,
    /// The user the token names (unverified claims, see `claims.rs`), read on first use.
    user: OnceLock<Option<super::TokenUser>>,
}

impl AccessToken {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        AccessToken(Arc::new(TokenValue {
            secret: value.into().into_boxed_str(),
            bearer: OnceLock::new(),
            user: OnceLock::new(),
        }))
    }

    /// The secret value itself. Don't log it.
    pub fn secret(&self) -> &str {
        &self.0.secret
    }

    /// The `Authorization` value (`Bearer …`, marked sensitive so it is never logged);
    /// None when the token has characters a header cannot carry.
    pub(crate) fn bearer(&self) -> Option<HeaderValue> {
        let bearer = self.0.bearer.get_or_init(|| {
            let mut value = HeaderValue::try_from(format!("Bearer {}", self.0.secret)).ok()?;
            value.set_sensitive(true);
            Some(value)
        });
        bearer.clone()
    }

    /// The signed-in user this token names in its (unverified) JWT claims, if any: only
    /// used to key the per-mailbox concurrency limit.
    pub(crate) fn user(&self) -> Option<&super::TokenUser> {
        self.0
            .user
            .get_or_init(|| super::claims::token_user(&self.0.secret))
            .as_ref()
    }
}

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AccessToken(<redacted>)")
    }
}

secret_type!(
    /// An app registration's client secret.
    ///
    /// ```
    /// use msgraph_outlook::auth::ClientSecret;
    /// let secret = ClientSecret::new("s3cr3t~value");
    /// assert!(!format!("{secret:?}").contains("s3cr3t"));
    /// ```
    ClientSecret
);

impl PartialEq for AccessToken {
    fn eq(&self, other: &Self) -> bool {
        // Only used to decide whether a rejected token is the cached one; not a security check.
        self.0.secret == other.0.secret
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bearer_value_is_made_once_marked_sensitive_and_refused_for_header_breaking_tokens() {
        let token = AccessToken::new("eyJ0eXAi.payload");
        let bearer = token.bearer().unwrap();
        assert_eq!(bearer, "Bearer eyJ0eXAi.payload");
        assert!(
            bearer.is_sensitive(),
            "a sensitive value is never logged by hyper"
        );
        // A clone (what a token cache hands out) gives the same value.
        assert_eq!(token.clone().bearer().unwrap(), bearer);
        assert_eq!(AccessToken::new("line\r\nbreak").bearer(), None);
    }
}
