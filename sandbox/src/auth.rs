//! The Microsoft identity platform side of the sandbox: the token endpoint
//! (`/{tenant}/oauth2/v2.0/token`, every grant the sandbox supports), the device
//! authorization endpoint, the authorize endpoint, the managed-identity endpoints (IMDS
//! and App Service), and bearer-token checking for Graph requests.
//!
//! Facts used come from the Microsoft identity platform docs (GRAPH-FACTS §12, the
//! `v2-oauth2-*` protocol pages, `certificate-credentials`, `reference-error-codes`, the
//! managed-identity pages). AADSTS texts that are not in those pages are taken from live
//! responses quoted in public issue reports, or marked \[unconfirmed\].

mod assertion;
mod authorize;
mod device;
pub(crate) mod discovery;
mod managed;
mod token;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde_json::{json, Map, Value};

pub(crate) use authorize::authorize_endpoint;
pub(crate) use device::{devicecode_endpoint, devicelogin_page};
pub(crate) use discovery::{discovery_endpoint, is_discovery_path};
pub(crate) use managed::{app_service_endpoint, imds_endpoint};
pub(crate) use token::token_endpoint;

use crate::graph_error::{entra_json, EntraError, GraphError};
use crate::state::AppState;
pub(crate) use crate::store::identity::{Certificate, RefreshGrant};
use crate::store::{random_bytes, Store, TokenKind};
use crate::url::parse_query;

/// Display name of the sandbox's app registration (used in AADSTS texts that name it).
pub(crate) const APP_NAME: &str = "msgraph-outlook-sandbox";

/// The Microsoft Graph resource's app id; accepted as managed-identity `resource`.
pub(crate) const GRAPH_APP_ID: &str = "00000003-0000-0000-c000-000000000000";

/// The `{tenant}` path segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TenantKind {
    /// The sandbox tenant id or a domain of a sandbox user.
    Specific,
    /// `common`.
    Common,
    /// `organizations`.
    Organizations,
    /// `consumers`.
    Consumers,
}

/// Classifies the tenant of the path; unknown tenants get `AADSTS90002`.
pub(crate) fn classify_tenant(state: &AppState, tenant: &str) -> Result<TenantKind, EntraError> {
    if tenant.eq_ignore_ascii_case(&state.config.tenant_id) || state.lock().has_domain(tenant) {
        return Ok(TenantKind::Specific);
    }
    match tenant.to_ascii_lowercase().as_str() {
        "common" => Ok(TenantKind::Common),
        "organizations" => Ok(TenantKind::Organizations),
        "consumers" => Ok(TenantKind::Consumers),
        // Text as in live AADSTS90002 bodies (the token endpoint uses `invalid_request`).
        _ => Err(EntraError::bad(
            "invalid_request",
            90002,
            format!("Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."),
        )),
    }
}

/// `AADSTS9002332` (reference-error-codes): the sandbox app is for Entra (work or
/// school) users only, so `/consumers` is refused for user sign-ins. Error string
/// `invalid_request` \[unconfirmed\].
pub(crate) fn consumers_refused(client_id: &str) -> EntraError {
    EntraError::bad(
        "invalid_request",
        9002332,
        format!("Application '{client_id}'({APP_NAME}) is configured for use by Microsoft Entra users only. Please do not use the /consumers endpoint to serve this request."),
    )
}

/// `application/x-www-form-urlencoded` body (or query) fields.
#[derive(Debug, Clone, Default)]
pub(crate) struct Form(Vec<(String, String)>);

impl Form {
    /// Parses a form body or query string.
    pub(crate) fn parse(text: &str) -> Form {
        Form(parse_query(text))
    }

    /// The first non-empty value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    }

    /// The value of `name`, else `AADSTS900144` (reference-error-codes: "The request
    /// body must contain the following parameter: '{name}'.").
    pub(crate) fn require(&self, name: &str) -> Result<String, EntraError> {
        self.get(name).ok_or_else(|| missing(name))
    }
}

/// `400 invalid_request AADSTS900144` for a missing parameter.
pub(crate) fn missing(name: &str) -> EntraError {
    EntraError::bad(
        "invalid_request",
        900144,
        format!("The request body must contain the following parameter: '{name}'."),
    )
}

/// `400 unauthorized_client AADSTS700016` for an unknown client id (text as in live
/// bodies).
pub(crate) fn unknown_client(client_id: &str, tenant: &str) -> EntraError {
    EntraError::bad(
        "unauthorized_client",
        700016,
        format!("Application with identifier '{client_id}' was not found in the directory '{tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."),
    )
}

/// A 401 `invalid_client` error.
pub(crate) fn invalid_client(aadsts: u32, text: impl Into<String>) -> EntraError {
    EntraError {
        status: StatusCode::UNAUTHORIZED,
        error: "invalid_client",
        aadsts,
        text: text.into(),
    }
}

/// Splits a `scope` parameter (space-separated).
pub(crate) fn split_scopes(scope: &str) -> Vec<String> {
    scope.split_whitespace().map(str::to_string).collect()
}

fn is_offline_access(scope: &str) -> bool {
    scope.eq_ignore_ascii_case("offline_access")
}

/// An opaque random string `{prefix}{base64url}` (tokens, codes).
pub(crate) fn opaque(prefix: &str, bytes: usize) -> String {
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(random_bytes(bytes)))
}

/// Mints a delegated access token for `user_id` (plus a refresh token when `granted`
/// contains `offline_access`) and returns the token response body (v2-oauth2-auth-code-flow
/// / v2-oauth2-device-code: `token_type`, `scope`, `expires_in`, `access_token`,
/// `refresh_token`; plus `ext_expires_in` as live responses carry it, GRAPH-FACTS
/// §12.4). The token's `scp` is exactly the Graph scopes of `requested` (or `granted`)
/// that the app was granted ([`crate::scopes::delegated_from_request`]; `.default` =
/// all of them), and `scope` echoes them in their short form \[unconfirmed: Entra's
/// exact spelling of the echo\]. No `id_token` is issued.
pub(crate) fn issue_user_tokens(
    store: &mut Store,
    client_id: &str,
    user_id: &str,
    granted: &[String],
    requested: Option<&[String]>,
) -> Value {
    let scp = crate::scopes::delegated_from_request(
        requested.unwrap_or(granted),
        &crate::scopes::DELEGATED,
    );
    let scope = scp.join(" ");
    let lifetime = store.token_seconds();
    let access = store.mint_token(
        TokenKind::Delegated(user_id.to_string()),
        chrono::Duration::seconds(lifetime),
        scp,
    );
    let mut body = Map::new();
    body.insert("token_type".into(), json!("Bearer"));
    body.insert("scope".into(), json!(scope));
    body.insert("expires_in".into(), json!(lifetime));
    body.insert("ext_expires_in".into(), json!(lifetime));
    body.insert("access_token".into(), json!(access));
    if granted.iter().any(|s| is_offline_access(s)) {
        let refresh = opaque("sbxrt", 48);
        let issued = store.now();
        store.auth.refresh_tokens.insert(
            refresh.clone(),
            RefreshGrant {
                user_id: user_id.to_string(),
                client_id: client_id.to_string(),
                scopes: granted.to_vec(),
                issued,
                revoked_at: None,
                redeemed: false,
            },
        );
        body.insert("refresh_token".into(), json!(refresh));
    }
    Value::Object(body)
}

/// A `200` JSON answer of an identity endpoint.
pub(crate) fn entra_ok(body: &Value) -> Response {
    entra_json(StatusCode::OK, body)
}

/// An HTML page (authorize errors, `form_post`, the device login page).
pub(crate) fn html(status: StatusCode, title: &str, body_html: &str) -> Response {
    let page = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{}</title></head>\n<body>\n{}\n</body></html>\n",
        escape_html(title),
        body_html
    );
    let mut resp = Response::new(Body::from(page));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        "content-type",
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    resp.headers_mut()
        .insert("cache-control", HeaderValue::from_static("no-store"));
    resp
}

/// Escapes text for HTML content and attribute values.
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Who is calling Graph.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Caller {
    /// App-only token of that client id.
    App(String),
    /// Delegated token of that user (object id).
    User(String),
}

/// A caller whose token was accepted, with the Graph permissions the token carries
/// (`scp` of a delegated token, `roles` of an app-only token).
#[derive(Debug, Clone)]
pub(crate) struct Authenticated {
    /// Who is calling.
    pub caller: Caller,
    /// Permission names as in [`crate::scopes`].
    pub permissions: Vec<String>,
}

/// Checks `Authorization: Bearer …` of a Graph request. A header without the `Bearer`
/// scheme (the raw token alone, `Basic …`) carries no bearer token and is answered like
/// a missing one: `401 InvalidAuthenticationToken` "Access token is empty." (text of live
/// Graph answers without a token, e.g. microsoftgraph/msgraph-sample-reactspa#54; that
/// Graph answers the same for another scheme is \[unconfirmed\]).
pub(crate) fn authenticate(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Authenticated, GraphError> {
    let raw = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .trim();
    let token = match raw.split_once(' ') {
        Some((scheme, t)) if scheme.eq_ignore_ascii_case("bearer") => t.trim(),
        _ => "",
    };
    if token.is_empty() {
        return Err(GraphError::unauthenticated("Access token is empty."));
    }
    let (info, now) = {
        let store = state.lock();
        (store.tokens.get(token).cloned(), store.now())
    };
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
    // Expiry by the sandbox clock, so tests can move it past a token's lifetime.
    if info.expires_at <= now {
        return Err(GraphError::unauthenticated(
            "Lifetime validation failed, the token is expired.",
        ));
    }
    let caller = match info.kind {
        TokenKind::App(client_id) => Caller::App(client_id),
        TokenKind::Delegated(user_id) => Caller::User(user_id),
    };
    Ok(Authenticated {
        caller,
        permissions: info.permissions,
    })
}

/// `Sandbox::approve_device_code`.
pub(crate) fn device_approve(store: &mut Store, user_code: &str, address: &str) -> bool {
    device::approve(store, user_code, address)
}

/// `Sandbox::decline_device_code`.
pub(crate) fn device_decline(store: &mut Store, user_code: &str) -> bool {
    device::decline(store, user_code)
}

/// `Sandbox::pending_user_codes`.
pub(crate) fn device_pending_user_codes(store: &Store) -> Vec<String> {
    device::pending_user_codes(store)
}
