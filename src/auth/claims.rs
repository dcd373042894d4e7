//! Who a delegated access token says it speaks for, read from its JWT payload **without
//! verifying it**. The crate uses this for one thing only: so that `/me` and the signed-in
//! user's UPN or object id count as one mailbox for the per-mailbox concurrency limit. It
//! never trusts these claims for anything else (Graph checks the token; we do not).

use base64::Engine;
use serde::Deserialize;

/// The names one signed-in user goes by in a token: its `oid`, `upn` and
/// `preferred_username` claims (the ones present).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenUser {
    names: Vec<String>,
}

impl TokenUser {
    /// Whether `id` (a user id or UPN as written in `/users/{id}`) names this user. Both
    /// UPNs and object ids compare case-insensitively, as Graph compares them.
    pub(crate) fn is(&self, id: &str) -> bool {
        self.names.iter().any(|name| name.eq_ignore_ascii_case(id))
    }
}

/// The claims read; anything else in the token is ignored.
#[derive(Deserialize)]
struct Claims {
    oid: Option<String>,
    upn: Option<String>,
    preferred_username: Option<String>,
}

/// The user a token names, if it is a JWT that names one. Tokens Graph issues for personal
/// accounts are not JWTs, and a token may be opaque to us at any time: then None, and the
/// only cost is that `/me` and the user's UPN are limited separately.
pub(crate) fn token_user(token: &str) -> Option<TokenUser> {
    let mut parts = token.split('.');
    let (_header, payload) = (parts.next()?, parts.next()?);
    parts.next()?; // a JWS has three parts
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()?;
    let claims: Claims = serde_json::from_slice(&json).ok()?;
    let names: Vec<String> = [claims.oid, claims.upn, claims.preferred_username]
        .into_iter()
        .flatten()
        .filter(|name| !name.is_empty())
        .collect();
    (!names.is_empty()).then_some(TokenUser { names })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &serde_json::Value) -> String {
        let encode = |v: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v);
        format!(
            "{}.{}.signature",
            encode(br#"{"typ":"JWT","alg":"RS256"}"#),
            encode(payload.to_string().as_bytes())
        )
    }

    #[test]
    fn the_user_is_named_by_oid_upn_and_preferred_username_in_any_case() {
        let token = jwt(&serde_json::json!({
            "oid": "6E5B1F0A-1C4D-4F8E-9A2B-3C4D5E6F7A8B",
            "upn": "Adele@contoso.com",
            "preferred_username": "adele.vance@contoso.com",
            "scp": "Mail.Send"
        }));
        let user = token_user(&token).unwrap();
        assert!(user.is("adele@CONTOSO.com"));
        assert!(user.is("6e5b1f0a-1c4d-4f8e-9a2b-3c4d5e6f7a8b"));
        assert!(user.is("Adele.Vance@contoso.com"));
        assert!(!user.is("alex@contoso.com"));
        assert!(!user.is(""));
    }

    #[test]
    fn opaque_and_malformed_tokens_name_nobody() {
        assert_eq!(token_user("EwBwA8l6BAAU-opaque"), None);
        assert_eq!(token_user("a.!!!.c"), None);
        assert_eq!(
            token_user(&jwt(&serde_json::json!({"roles": ["Mail.Send"]}))),
            None
        );
        assert_eq!(token_user(&jwt(&serde_json::json!({"upn": ""}))), None);
        // Two parts are not a JWS.
        let two = jwt(&serde_json::json!({"upn": "a@b.c"}));
        let two = two.rsplit_once('.').unwrap().0;
        assert_eq!(token_user(two), None);
    }
}
