//! `POST /{tenant}/oauth2/v2.0/token`: client authentication (secret, HTTP Basic, client
//! assertion) and the grants `client_credentials`, `authorization_code`,
//! `refresh_token` and `urn:ietf:params:oauth:grant-type:device_code`.

use axum::http::HeaderMap;
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::{
    assertion, authorize, classify_tenant, consumers_refused, device, entra_ok, invalid_client,
    issue_user_tokens, split_scopes, unknown_client, Form, TenantKind,
};
use crate::graph_error::{EntraError, RequestContext};
use crate::state::AppState;
use crate::store::TokenKind;

/// How the client proved who it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClientCredential {
    /// Public client: only `client_id`.
    None,
    /// `client_secret` (form or HTTP Basic).
    Secret,
    /// `client_assertion` (certificate-signed JWT or federated assertion).
    Assertion,
}

/// Handles `/{tenant}/oauth2/v2.0/token`.
pub(crate) fn token_endpoint(
    state: &AppState,
    method: &str,
    tenant: &str,
    headers: &HeaderMap,
    body: &[u8],
    ctx: &RequestContext,
) -> Response {
    match issue(state, method, tenant, headers, body) {
        Ok(body) => entra_ok(&body),
        Err(e) => e.into_response(ctx),
    }
}

/// `AADSTS900561` for a request that is not a POST (text of the error-code reference;
/// the exact verb list is \[unconfirmed\]).
pub(crate) fn post_only(method: &str) -> EntraError {
    EntraError::bad(
        "invalid_request",
        900561,
        format!("The endpoint only accepts POST, OPTIONS requests. Received a {method} request."),
    )
}

fn issue(
    state: &AppState,
    method: &str,
    tenant: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Value, EntraError> {
    if method != "POST" {
        return Err(post_only(method));
    }
    let kind = classify_tenant(state, tenant)?;
    let form = Form::parse(&String::from_utf8_lossy(body));
    let grant_type = form.require("grant_type")?;
    match grant_type.as_str() {
        "client_credentials" => client_credentials(state, kind, tenant, headers, &form),
        "authorization_code" | "refresh_token" | device::GRANT_TYPE => {
            let (client_id, credential) = authenticate_client(state, tenant, headers, &form)?;
            if kind == TenantKind::Consumers {
                return Err(consumers_refused(&client_id));
            }
            match grant_type.as_str() {
                "authorization_code" => authorize::redeem(state, &form, &client_id, credential),
                "refresh_token" => refresh(state, &form, &client_id),
                _ => device::poll(state, &form, &client_id),
            }
        }
        // [unconfirmed] AADSTS text; `password` (ROPC), on-behalf-of, SAML bearer … are
        // not implemented.
        other => Err(EntraError::bad(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{other}'."),
        )),
    }
}

/// Authenticates the client: `client_id` (form or HTTP Basic user), then `client_secret`
/// (form or HTTP Basic password) or `client_assertion_type` + `client_assertion`, or
/// nothing (public client).
pub(crate) fn authenticate_client(
    state: &AppState,
    tenant: &str,
    headers: &HeaderMap,
    form: &Form,
) -> Result<(String, ClientCredential), EntraError> {
    let cfg = &state.config;
    // HTTP Basic (RFC 6749 §2.3.1) is supported as documented.
    let basic = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            if !scheme.eq_ignore_ascii_case("basic") {
                return None;
            }
            let decoded = STANDARD.decode(rest.trim()).ok()?;
            let decoded = String::from_utf8(decoded).ok()?;
            let (id, secret) = decoded.split_once(':')?;
            Some((
                crate::url::percent_decode(id, true),
                crate::url::percent_decode(secret, true),
            ))
        });
    let (client_id, client_secret) = match basic {
        Some((id, secret)) => (Some(id), Some(secret).filter(|s| !s.is_empty())),
        None => (form.get("client_id"), form.get("client_secret")),
    };
    let client_id = client_id.ok_or_else(|| super::missing("client_id"))?;
    if client_id != cfg.client_id {
        return Err(unknown_client(&client_id, tenant));
    }
    let assertion_value = form.get("client_assertion");
    let assertion_type = form.get("client_assertion_type");
    if assertion_value.is_some() || assertion_type.is_some() {
        if client_secret.is_some() {
            // [unconfirmed] code and text for presenting both credentials.
            return Err(EntraError::bad(
                "invalid_request",
                90023,
                "Invalid request. Only one client credential may be presented: 'client_secret' or 'client_assertion'.",
            ));
        }
        let Some(assertion_type) = assertion_type else {
            return Err(super::missing("client_assertion_type"));
        };
        if assertion_type != assertion::JWT_BEARER {
            // [unconfirmed] code and text for another assertion type.
            return Err(EntraError::bad(
                "invalid_request",
                90023,
                format!(
                    "Invalid request. The client_assertion_type '{assertion_type}' is not supported; use '{}'.",
                    assertion::JWT_BEARER
                ),
            ));
        }
        let Some(assertion_value) = assertion_value else {
            return Err(super::missing("client_assertion"));
        };
        assertion::verify(state, tenant, &client_id, &assertion_value)?;
        return Ok((client_id, ClientCredential::Assertion));
    }
    match client_secret {
        Some(secret) if secret == cfg.client_secret => Ok((client_id, ClientCredential::Secret)),
        // 401 invalid_client, text as in live bodies.
        Some(_) => Err(invalid_client(
            7000215,
            format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
        )),
        None => Ok((client_id, ClientCredential::None)),
    }
}

/// The client-credentials grant (v2-oauth2-client-creds-grant-flow): a confidential
/// client (secret or assertion), `scope` = one `{resource}/.default`.
fn client_credentials(
    state: &AppState,
    kind: TenantKind,
    tenant: &str,
    headers: &HeaderMap,
    form: &Form,
) -> Result<Value, EntraError> {
    if matches!(kind, TenantKind::Common | TenantKind::Consumers) {
        // reference-error-codes AADSTS9001023; error string [unconfirmed].
        return Err(EntraError::bad(
            "invalid_request",
            9001023,
            "The grant type isn't supported over the /common or /consumers endpoints. Please use the /organizations or tenant-specific endpoint.",
        ));
    }
    let (client_id, credential) = authenticate_client(state, tenant, headers, form)?;
    if credential == ClientCredential::None {
        return Err(invalid_client(
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        ));
    }
    let scope = form.require("scope")?;
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    let valid = scopes.len() == 1
        && scopes[0].ends_with("/.default")
        && scopes[0].len() > "/.default".len();
    if !valid {
        // [unconfirmed] exact wording for client-credentials scopes without `/.default`.
        return Err(EntraError::bad(
            "invalid_scope",
            70011,
            format!("The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid."),
        ));
    }
    // App-only tokens carry the app's granted roles (`roles`), whatever `.default`
    // resource was named.
    let (token, lifetime) = {
        let mut store = state.lock();
        let lifetime = store.token_seconds();
        let roles = store.auth.app_roles.clone();
        let token = store.mint_token(
            TokenKind::App(client_id),
            chrono::Duration::seconds(lifetime),
            roles,
        );
        (token, lifetime)
    };
    Ok(json!({
        "token_type": "Bearer",
        "expires_in": lifetime,
        "ext_expires_in": lifetime,
        "access_token": token,
    }))
}

/// `invalid_grant AADSTS9002313` "Invalid request. Request is malformed or invalid."
/// (reference-error-codes) for a code or refresh token the sandbox never issued.
pub(crate) fn malformed_grant() -> EntraError {
    EntraError::bad(
        "invalid_grant",
        9002313,
        "Invalid request. Request is malformed or invalid.",
    )
}

/// The refresh-token grant (v2-oauth2-auth-code-flow "Refresh the access token"): a new
/// access token and a new refresh token. The old refresh token keeps working ("Refresh
/// tokens aren't revoked when used to acquire new access tokens") unless strict rotation
/// is on.
fn refresh(state: &AppState, form: &Form, client_id: &str) -> Result<Value, EntraError> {
    let token = form.require("refresh_token")?;
    let mut store = state.lock();
    let Some(grant) = store.auth.refresh_tokens.get(&token).cloned() else {
        return Err(malformed_grant());
    };
    if let Some(revoked) = grant.revoked_at {
        // AADSTS50173 FreshTokenNeeded (reference-error-codes); text as in live bodies.
        return Err(EntraError::bad(
            "invalid_grant",
            50173,
            format!(
                "The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '{}' and the TokensValidFrom date (before which tokens are not valid) for this user is '{}'.",
                ticks(grant.issued),
                ticks(revoked)
            ),
        ));
    }
    if grant.redeemed && store.auth.rotation_strict {
        // AADSTS70000 InvalidGrant (reference-error-codes); that Entra invalidates used
        // refresh tokens is [unconfirmed] (the docs say it does not).
        return Err(EntraError::bad(
            "invalid_grant",
            70000,
            "Authentication failed. The refresh token isn't valid. It was already redeemed for a new refresh token.",
        ));
    }
    if grant.client_id != client_id {
        // [unconfirmed] text; refresh tokens are bound to their client.
        return Err(EntraError::bad(
            "invalid_grant",
            70000,
            "Authentication failed. The refresh token isn't valid. It was issued to another client.",
        ));
    }
    if let Some(g) = store.auth.refresh_tokens.get_mut(&token) {
        g.redeemed = true;
    }
    let requested = form.get("scope").map(|s| split_scopes(&s));
    Ok(issue_user_tokens(
        &mut store,
        client_id,
        &grant.user_id,
        &grant.scopes,
        requested.as_deref(),
    ))
}

/// A time as Entra writes it in AADSTS texts: `2024-10-02T22:05:03.6755165Z`.
pub(crate) fn ticks(t: chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "{}.{:07}Z",
        t.format("%Y-%m-%dT%H:%M:%S"),
        t.timestamp_subsec_nanos() / 100
    )
}
