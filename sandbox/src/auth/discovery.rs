//! OpenID Connect discovery on the sandbox origin: the configuration documents and the
//! JSON Web Key Sets a receiver uses to check rich notifications' `validationTokens`
//! (GRAPH-FACTS-2 §4.3).
//!
//! * `GET /{tenant}/v2.0/.well-known/openid-configuration` and
//!   `GET /{tenant}/.well-known/openid-configuration` (v1.0, the URL the
//!   change-notification page names);
//! * `GET /{tenant}/discovery/v2.0/keys` and `GET /{tenant}/discovery/keys` (the JWKS
//!   URLs of Microsoft's JavaScript and Java samples).
//!
//! `{tenant}` is the tenant id, a user's domain, `common`, `organizations` or
//! `consumers`; others get `AADSTS90002`. The v2.0 document's members follow the sample
//! response of "OpenID Connect on the Microsoft identity platform"
//! (learn.microsoft.com/entra/identity-platform/v2-protocols-oidc, "Fetch the OpenID
//! configuration document": `authorization_endpoint`, `token_endpoint`,
//! `token_endpoint_auth_methods_supported`, `jwks_uri`, `subject_types_supported`,
//! truncated there); the rest (`issuer` with the `{tenantid}` placeholder for
//! multi-tenant authorities, `device_authorization_endpoint`, the `*_supported` lists,
//! `cloud_instance_name`) are as Entra's live documents carry them \[unconfirmed\]. The
//! v1.0 document's `issuer` is Entra's `https://sts.windows.net/{tid}/`, not the sandbox
//! origin: the sandbox issues v2.0 tokens only. `userinfo_endpoint` is left out (the
//! sandbox does not serve one).

use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::{classify_tenant, TenantKind};
use crate::graph_error::{entra_json, RequestContext};
use crate::state::AppState;

/// Which discovery document a path asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Document {
    /// `…/.well-known/openid-configuration`; `true` for the v2.0 one.
    Configuration { v2: bool },
    /// `…/discovery/keys`; `true` for `…/discovery/v2.0/keys`.
    Keys { v2: bool },
}

fn document(segs: &[&str]) -> Option<Document> {
    let is = |i: usize, name: &str| segs.get(i).is_some_and(|s| s.eq_ignore_ascii_case(name));
    match segs.len() {
        4 if is(1, "v2.0") && is(2, ".well-known") && is(3, "openid-configuration") => {
            Some(Document::Configuration { v2: true })
        }
        3 if is(1, ".well-known") && is(2, "openid-configuration") => {
            Some(Document::Configuration { v2: false })
        }
        4 if is(1, "discovery") && is(2, "v2.0") && is(3, "keys") => {
            Some(Document::Keys { v2: true })
        }
        3 if is(1, "discovery") && is(2, "keys") => Some(Document::Keys { v2: false }),
        _ => None,
    }
}

/// Whether `segs` (the path split on `/`) is a discovery path.
pub(crate) fn is_discovery_path(segs: &[&str]) -> bool {
    document(segs).is_some()
}

/// Serves a discovery path; `None` if `segs` is not one.
pub(crate) fn discovery_endpoint(
    state: &AppState,
    method: &str,
    segs: &[&str],
    ctx: &RequestContext,
) -> Option<Response> {
    let doc = document(segs)?;
    if method != "GET" && method != "HEAD" {
        // What Entra answers other verbs with is [unconfirmed]; 405 says it plainly.
        let mut resp = Response::new(axum::body::Body::empty());
        *resp.status_mut() = StatusCode::METHOD_NOT_ALLOWED;
        resp.headers_mut()
            .insert("allow", HeaderValue::from_static("GET, HEAD"));
        return Some(resp);
    }
    let tenant = crate::url::percent_decode(segs[0], false);
    let kind = match classify_tenant(state, &tenant) {
        Ok(kind) => kind,
        Err(e) => return Some(e.into_response(ctx)),
    };
    let body = match doc {
        Document::Configuration { v2 } => configuration(state, &tenant, kind, v2),
        Document::Keys { v2 } => keys(state, kind, v2),
    };
    let mut resp = entra_json(StatusCode::OK, &body);
    // Signing keys rotate (daily, per the change-notification page) and receivers
    // cache them "for some time"; Entra's `max-age` value is [unconfirmed].
    resp.headers_mut().insert(
        "cache-control",
        HeaderValue::from_static("max-age=86400, private"),
    );
    resp.headers_mut().remove("pragma");
    Some(resp)
}

/// The path segment endpoints are listed under: the tenant id for a specific tenant
/// (even when asked by domain), else the multi-tenant name as asked.
fn authority_segment(state: &AppState, tenant: &str, kind: TenantKind) -> String {
    match kind {
        TenantKind::Specific => state.config.tenant_id.clone(),
        _ => tenant.to_ascii_lowercase(),
    }
}

/// The `{tid}` of `issuer`: the tenant id, or Entra's literal `{tenantid}` placeholder
/// for multi-tenant authorities.
fn issuer_tenant(state: &AppState, kind: TenantKind) -> String {
    match kind {
        TenantKind::Specific => state.config.tenant_id.clone(),
        _ => "{tenantid}".to_string(),
    }
}

fn configuration(state: &AppState, tenant: &str, kind: TenantKind, v2: bool) -> Value {
    let origin = state.origin();
    let segment = authority_segment(state, tenant, kind);
    let tid = issuer_tenant(state, kind);
    if v2 {
        json!({
            "token_endpoint": format!("{origin}/{segment}/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{origin}/{segment}/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": format!("{origin}/{tid}/v2.0"),
            "request_uri_parameter_supported": false,
            "authorization_endpoint": format!("{origin}/{segment}/oauth2/v2.0/authorize"),
            "device_authorization_endpoint": format!("{origin}/{segment}/oauth2/v2.0/devicecode"),
            "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nbf", "tid", "ver", "azp", "azpacr", "oid"],
            "tenant_region_scope": null,
            "cloud_instance_name": "microsoftonline.com",
        })
    } else {
        json!({
            "token_endpoint": format!("{origin}/{segment}/oauth2/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": format!("{origin}/{segment}/discovery/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "token id_token", "token"],
            "scopes_supported": ["openid"],
            "issuer": format!("https://sts.windows.net/{tid}/"),
            "authorization_endpoint": format!("{origin}/{segment}/oauth2/authorize"),
            "tenant_region_scope": null,
            "cloud_instance_name": "microsoftonline.com",
        })
    }
}

/// The key set: the one current signing key. The v2.0 set also names each key's
/// `issuer` (Entra's v2.0 keys carry it; Microsoft's .NET SDK checks it with
/// `EnableAadSigningKeyIssuerValidation`) \[unconfirmed\] for the exact value.
fn keys(state: &AppState, kind: TenantKind, v2: bool) -> Value {
    let mut jwk = state.rich.current().jwk();
    if v2 {
        jwk["issuer"] = Value::String(format!(
            "{}/{}/v2.0",
            state.origin(),
            issuer_tenant(state, kind)
        ));
    }
    json!({ "keys": [jwk] })
}
