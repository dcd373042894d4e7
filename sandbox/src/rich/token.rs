//! The `validationTokens` JWT of rich notifications, signed by the sandbox's identity
//! platform key. Claims as in the v2.0 example of "Set up change notifications that
//! include resource data" (learn.microsoft.com/graph/change-notifications-with-resource-data,
//! "Example JWT token", ms.date 2025-04-16): `aud`, `iss`, `iat`, `nbf`, `exp`, `aio`,
//! `azp`, `azpacr`, `oid`, `rh`, `sub`, `tid`, `uti`, `ver`.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::keys::SigningKey;
use crate::store::random_bytes;

/// `azp` of every validation token: the Microsoft Graph change notification publisher
/// ("must always be the same value of 0bf30f3b-4a52-48df-9a82-234910c4a086").
pub(crate) const PUBLISHER_APP_ID: &str = "0bf30f3b-4a52-48df-9a82-234910c4a086";

/// `oid` / `sub`: the publisher's service principal in the tenant. A fixed value of the
/// sandbox's own (Entra's differs per tenant).
const PUBLISHER_OBJECT_ID: &str = "6c3d2f0e-8a41-4b7c-9e15-2d7f0a9b4c63";

/// Lifetime of a token: `exp - iat` of the docs' example (1624736464 - 1624649764 =
/// 86,700 s, 24 h 5 min); how long Graph's tokens really live is \[unconfirmed\].
pub(crate) const TOKEN_LIFETIME_SECS: i64 = 86_700;

/// One `validationTokens` JWT for (`app_id`, `tenant_id`), signed with `key`, issued
/// by `{origin}/{tenant_id}/v2.0` (the sandbox's stand-in for
/// `https://login.microsoftonline.com/{tid}/v2.0`), `iat` = `nbf` = `now` (the sandbox
/// clock).
pub(crate) fn validation_token(
    key: &SigningKey,
    origin: &str,
    app_id: &str,
    tenant_id: &str,
    now: DateTime<Utc>,
) -> String {
    let iat = now.timestamp();
    let claims = json!({
        "aud": app_id,
        "iss": format!("{origin}/{tenant_id}/v2.0"),
        "iat": iat,
        "nbf": iat,
        "exp": iat + TOKEN_LIFETIME_SECS,
        // Opaque to receivers; shaped like the example's values.
        "aio": STANDARD.encode(random_bytes(25)),
        "azp": PUBLISHER_APP_ID,
        "azpacr": "2",
        "oid": PUBLISHER_OBJECT_ID,
        "rh": format!("0.{}.", URL_SAFE_NO_PAD.encode(random_bytes(36))),
        "sub": PUBLISHER_OBJECT_ID,
        "tid": tenant_id,
        "uti": URL_SAFE_NO_PAD.encode(random_bytes(16)),
        "ver": "2.0",
    });
    sign(key, &claims)
}

/// A compact JWS (RS256) over `claims`, header `{typ, alg, kid}`.
fn sign(key: &SigningKey, claims: &Value) -> String {
    let key = key.current();
    let header = json!({"typ": "JWT", "alg": "RS256", "kid": key.kid()});
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = key.sign_rs256(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}
