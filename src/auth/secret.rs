//! Secret values that never show in `Debug`, `Display`, logs or errors.

use std::fmt;
use std::sync::Arc;

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

secret_type!(
    /// A bearer access token.
    ///
    /// ```
    /// use msgraph_outlook::auth::AccessToken;
    /// let token = AccessToken::new("eyJ0eXAi.secret");
    /// assert_eq!(format!("{token:?}"), "AccessToken(<redacted>)");
    /// assert_eq!(token.secret(), "eyJ0eXAi.secret");
    /// ```
    AccessToken
);

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
        self.0 == other.0
    }
}
