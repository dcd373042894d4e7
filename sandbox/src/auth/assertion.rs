//! Client assertions (certificate-credentials): a JWT signed with a registered
//! certificate's key, or a registered federated (workload identity) assertion.
//!
//! Checks, in order: three base64url parts with JSON header and claims; `alg` `RS256`
//! or `PS256` (the docs now say PS256, older versions RS256); `x5t#S256` names a
//! registered certificate; the signature verifies with its public key; `aud` is this
//! token endpoint; `iss` is the client id and `sub` equals `iss`; `exp` in the future
//! and `nbf` not in the future (real clock, like token lifetimes); optionally `exp −
//! nbf` at most the configured maximum (the docs recommend ≤ 10 minutes but say Entra
//! does not restrict `exp`); `jti` present and not used before.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use ring::signature::{UnparsedPublicKey, RSA_PKCS1_2048_8192_SHA256, RSA_PSS_2048_8192_SHA256};
use serde_json::{Map, Value};

use super::invalid_client;
use super::token::ticks;
use crate::graph_error::EntraError;
use crate::state::AppState;

/// The only `client_assertion_type` (certificate-credentials).
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Where the docs point in AADSTS700024 / 700021 / 700023 texts (live bodies).
const CERT_DOCS: &str =
    "https://learn.microsoft.com/entra/identity-platform/certificate-credentials";

fn b64url(part: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(part.trim_end_matches('=')).ok()
}

fn json_object(bytes: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice(bytes) {
        Ok(Value::Object(m)) => Some(m),
        _ => None,
    }
}

/// `AADSTS50027` InvalidJwtToken (reference-error-codes: malformed, missing claims);
/// exact wording \[unconfirmed\].
fn malformed(detail: &str) -> EntraError {
    invalid_client(
        50027,
        format!("JWT token is invalid or malformed. {detail}"),
    )
}

/// Verifies `client_assertion` for `client_id`; records its `jti`.
pub(crate) fn verify(
    state: &AppState,
    tenant: &str,
    client_id: &str,
    assertion: &str,
) -> Result<(), EntraError> {
    if state.lock().auth.federated.iter().any(|f| f == assertion) {
        // Workload identity federation: the registered assertion is accepted as is.
        return Ok(());
    }
    let parts: Vec<&str> = assertion.split('.').collect();
    if parts.len() != 3 {
        return Err(malformed("The assertion must have three parts."));
    }
    let header = b64url(parts[0])
        .and_then(|b| json_object(&b))
        .ok_or_else(|| malformed("The header is not base64url-encoded JSON."))?;
    let claims = b64url(parts[1])
        .and_then(|b| json_object(&b))
        .ok_or_else(|| malformed("The payload is not base64url-encoded JSON."))?;
    let signature =
        b64url(parts[2]).ok_or_else(|| malformed("The signature is not base64url-encoded."))?;

    // AADSTS700027 with the text of live bodies for a key that is not registered.
    let thumbprint = header
        .get("x5t#S256")
        .or_else(|| header.get("x5t"))
        .and_then(Value::as_str)
        .map(str::to_string);
    let key = {
        let store = state.lock();
        header
            .get("x5t#S256")
            .and_then(Value::as_str)
            .and_then(|t| {
                let t = t.trim_end_matches('=');
                store
                    .auth
                    .certificates
                    .iter()
                    .find(|c| c.thumbprint.trim_end_matches('=') == t)
                    .map(|c| c.public_key.clone())
            })
    };
    let Some(key) = key else {
        let used = thumbprint
            .map(|t| format!("Thumbprint of key used by client: '{t}', "))
            .unwrap_or_default();
        return Err(invalid_client(
            700027,
            format!("The certificate with identifier used to sign the client assertion is not registered on application. [Reason - The key was not found., {used}Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '{client_id}'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/{client_id}']"),
        ));
    };
    // AADSTS700027 "Client assertion failed signature validation." (reference-error-codes)
    // for an unsupported `alg` or a signature that does not verify.
    let bad_signature = || invalid_client(700027, "Client assertion failed signature validation.");
    let alg = match header.get("alg").and_then(Value::as_str) {
        Some("RS256") => &RSA_PKCS1_2048_8192_SHA256,
        Some("PS256") => &RSA_PSS_2048_8192_SHA256,
        _ => return Err(bad_signature()),
    };
    let signed = &assertion[..parts[0].len() + 1 + parts[1].len()];
    UnparsedPublicKey::new(alg, &key)
        .verify(signed.as_bytes(), &signature)
        .map_err(|_| bad_signature())?;

    // Audience: this token endpoint (v2 or v1) or the tenant's v2 issuer, with the tenant
    // id or the tenant of the request path.
    let origin = state.origin();
    let tenants = [state.config.tenant_id.as_str(), tenant];
    let aud_ok = |aud: &str| {
        tenants.iter().any(|t| {
            [
                format!("{origin}/{t}/oauth2/v2.0/token"),
                format!("{origin}/{t}/oauth2/token"),
                format!("{origin}/{t}/v2.0"),
            ]
            .iter()
            .any(|a| a.eq_ignore_ascii_case(aud))
        })
    };
    let aud_matches = match claims.get("aud") {
        Some(Value::String(a)) => aud_ok(a),
        Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).any(aud_ok),
        _ => false,
    };
    if !aud_matches {
        // Text of live AADSTS700023 bodies.
        return Err(invalid_client(
            700023,
            format!("Client assertion audience claim does not match Realm issuer. Review the documentation at {CERT_DOCS} ."),
        ));
    }
    let iss = claims.get("iss").and_then(Value::as_str);
    if iss != Some(client_id) {
        // [unconfirmed] text of AADSTS700021 (quoted from live bodies in community posts).
        return Err(invalid_client(
            700021,
            format!("Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at {CERT_DOCS} ."),
        ));
    }
    if claims.get("sub").and_then(Value::as_str) != iss {
        // AADSTS50048 SubjectMismatchesIssuer (reference-error-codes).
        return Err(invalid_client(
            50048,
            "Subject mismatches Issuer claim in the client assertion.",
        ));
    }
    let time = |name: &str| -> Result<Option<DateTime<Utc>>, EntraError> {
        match claims.get(name) {
            None => Ok(None),
            Some(v) => v
                .as_f64()
                .and_then(|secs| Utc.timestamp_opt(secs as i64, 0).single())
                .map(Some)
                .ok_or_else(|| malformed(&format!("The '{name}' claim is not a NumericDate."))),
        }
    };
    let exp = time("exp")?.ok_or_else(|| malformed("The 'exp' claim is missing."))?;
    let nbf = time("nbf")?;
    let now = Utc::now();
    let valid_from = nbf.unwrap_or(DateTime::<Utc>::UNIX_EPOCH);
    let too_long = state
        .lock()
        .auth
        .assertion_max_lifetime
        .is_some_and(|max| exp - valid_from > max);
    if exp <= now || valid_from > now || too_long {
        // Text of live AADSTS700024 bodies; refusing a too long lifetime is
        // [unconfirmed] (opt-in, `Sandbox::set_client_assertion_max_lifetime`).
        return Err(invalid_client(
            700024,
            format!(
                "Client assertion is not within its valid time range. Current time: {}, assertion valid from {}, expiry time of assertion {}. Review the documentation at {CERT_DOCS} .",
                ticks(now),
                ticks(valid_from),
                ticks(exp)
            ),
        ));
    }
    let Some(jti) = claims.get("jti").and_then(Value::as_str) else {
        return Err(malformed("The 'jti' claim is missing."));
    };
    let mut store = state.lock();
    if !store.auth.used_jtis.insert(jti.to_string()) {
        // [unconfirmed] code and text: the docs require a unique `jti` but do not show
        // Entra's answer to a replayed one.
        return Err(invalid_client(
            50013,
            format!("Assertion is invalid. The client assertion with 'jti' '{jti}' was already used; create a new assertion for every request."),
        ));
    }
    Ok(())
}
