//! The identity-platform token endpoint (client credentials) and bearer-token checking
//! for Graph requests.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::json;

use crate::graph_error::{EntraError, GraphError, RequestContext, ENTRA_JSON};
use crate::store::TokenKind;
use crate::url::parse_query;
use crate::AppState;

/// Lifetime of tokens issued by the token endpoint (Entra's usual `expires_in`).
const APP_TOKEN_SECONDS: i64 = 3599;

/// Handles `POST /{tenant}/oauth2/v2.0/token`.
pub(crate) fn token_endpoint(
    state: &AppState,
    method: &str,
    tenant: &str,
    headers: &HeaderMap,
    body: &[u8],
    ctx: &RequestContext,
) -> Response {
    match issue_token(state, method, tenant, headers, body) {
        Ok(token) => {
            let body = json!({
                "token_type": "Bearer",
                "expires_in": APP_TOKEN_SECONDS,
                "ext_expires_in": APP_TOKEN_SECONDS,
                "access_token": token,
            });
            let mut resp = Response::new(axum::body::Body::from(body.to_string()));
            let h = resp.headers_mut();
            h.insert("content-type", HeaderValue::from_static(ENTRA_JSON));
            // Entra marks token responses uncacheable.
            h.insert(
                "cache-control",
                HeaderValue::from_static("no-store, no-cache"),
            );
            h.insert("pragma", HeaderValue::from_static("no-cache"));
            resp
        }
        Err(e) => e.into_response(ctx),
    }
}

fn issue_token(
    state: &AppState,
    method: &str,
    tenant: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, EntraError> {
    let cfg = &state.config;
    if method != "POST" {
        // [unconfirmed] exact AADSTS text for a non-POST token request.
        return Err(EntraError::bad(
            "invalid_request",
            900561,
            format!(
                "The endpoint only accepts POST, OPTIONS requests. Received a {method} request."
            ),
        ));
    }
    let tenant_ok = tenant.eq_ignore_ascii_case(&cfg.tenant_id) || state.lock().has_domain(tenant);
    if !tenant_ok {
        // Text as in live AADSTS90002 bodies (token endpoint used `invalid_request`).
        return Err(EntraError::bad(
            "invalid_request",
            90002,
            format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
        ));
    }
    let form = parse_query(&String::from_utf8_lossy(body));
    let get = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let missing = |name: &str| {
        EntraError::bad(
            "invalid_request",
            900144,
            format!("The request body must contain the following parameter: '{name}'."),
        )
    };
    let grant_type = get("grant_type").ok_or_else(|| missing("grant_type"))?;
    if grant_type != "client_credentials" {
        // [unconfirmed] AADSTS text; the sandbox only issues client-credentials tokens
        // (delegated tokens come from `Sandbox::delegated_token`).
        return Err(EntraError::bad(
            "unsupported_grant_type",
            70003,
            format!("The app requested an unsupported grant type '{grant_type}'."),
        ));
    }
    // Client authentication: HTTP Basic (client_id:client_secret) or form fields.
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
        Some((id, secret)) => (Some(id), Some(secret)),
        None => (get("client_id"), get("client_secret")),
    };
    let client_id = client_id.ok_or_else(|| missing("client_id"))?;
    if client_id != cfg.client_id {
        return Err(EntraError::bad(
            "unauthorized_client",
            700016,
            format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
        ));
    }
    let Some(secret) = client_secret else {
        return Err(EntraError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            aadsts: 7000218,
            text: "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.".into(),
        });
    };
    if secret != cfg.client_secret {
        // 401 invalid_client, text as in live bodies.
        return Err(EntraError {
            status: StatusCode::UNAUTHORIZED,
            error: "invalid_client",
            aadsts: 7000215,
            text: format!("Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '{client_id}'."),
        });
    }
    let scope = get("scope").ok_or_else(|| missing("scope"))?;
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
    Ok(state.lock().mint_token(
        TokenKind::App(client_id),
        chrono::Duration::seconds(APP_TOKEN_SECONDS),
    ))
}

/// Who is calling Graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    /// App-only token of that client id.
    App(String),
    /// Delegated token of that user (object id).
    User(String),
}

/// Checks `Authorization: Bearer …` of a Graph request.
pub(crate) fn authenticate(state: &AppState, headers: &HeaderMap) -> Result<Caller, GraphError> {
    let raw = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    let token = match raw.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
        _ if raw.eq_ignore_ascii_case("bearer") => "",
        _ => raw,
    };
    if token.is_empty() {
        return Err(GraphError::unauthenticated("Access token is empty."));
    }
    let info = state.lock().tokens.get(token).cloned();
    let Some(info) = info else {
        if token.contains('.') {
            // [unconfirmed] Graph's text for a well-formed JWT it did not issue/accept.
            return Err(GraphError::unauthenticated(
                "Access token validation failure. Invalid audience.",
            ));
        }
        // Text of live Graph responses for a token without dots.
        return Err(GraphError::unauthenticated(
            "IDX14100: JWT is not well formed, there are no dots (.).\nThe token needs to be in JWS or JWE Compact Serialization Format. (JWS): 'EncodedHeader.EncodedPayload.EncodedSignature'. (JWE): 'EncodedProtectedHeader.EncodedEncryptedKey.EncodedInitializationVector.EncodedCiphertext.EncodedAuthenticationTag'.",
        ));
    };
    if info.expires_at <= chrono::Utc::now() {
        return Err(GraphError::unauthenticated(
            "Lifetime validation failed, the token is expired.",
        ));
    }
    Ok(match info.kind {
        TokenKind::App(client_id) => Caller::App(client_id),
        TokenKind::Delegated(user_id) => Caller::User(user_id),
    })
}
