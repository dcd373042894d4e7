//! Managed identity token endpoints: the Azure Instance Metadata Service form (`GET
//! /metadata/identity/oauth2/token`, how-to-use-vm-token) and the App Service /
//! Functions form (`GET {IDENTITY_ENDPOINT}` = `/msi/token`, overview-managed-identity,
//! API version 2019-08-01). Tokens are app-only and reach Graph like client-credentials
//! tokens.
//!
//! `resource` must be Microsoft Graph: `https://graph.microsoft.com` (with or without
//! `/`), Graph's app id `00000003-0000-0000-c000-000000000000`, or the sandbox's own
//! Graph resource, its origin `http://127.0.0.1:{port}` (with or without `/`).

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

use super::{entra_ok, Form, GRAPH_APP_ID};
use crate::state::AppState;
use crate::store::TokenKind;

/// An error answer of a managed-identity endpoint: `{error, error_description}` (the
/// documented body of IMDS errors).
#[derive(Debug)]
struct MiError {
    status: StatusCode,
    error: &'static str,
    description: String,
}

impl MiError {
    fn new(status: StatusCode, error: &'static str, description: impl Into<String>) -> Self {
        MiError {
            status,
            error,
            description: description.into(),
        }
    }

    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "error_description": self.description});
        let mut resp = Response::new(Body::from(body.to_string()));
        *resp.status_mut() = self.status;
        resp.headers_mut().insert(
            "content-type",
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        resp
    }
}

fn mi_error(status: StatusCode, error: &'static str, description: impl Into<String>) -> Response {
    MiError::new(status, error, description).into_response()
}

fn is_graph_resource(state: &AppState, resource: &str) -> bool {
    let r = resource.trim_end_matches('/');
    r.eq_ignore_ascii_case("https://graph.microsoft.com")
        || r.eq_ignore_ascii_case(GRAPH_APP_ID)
        || r.eq_ignore_ascii_case(&state.origin())
}

/// Which identity a request names (`client_id` or one of the other id parameters).
fn pick_identity(state: &AppState, params: &Form) -> Result<String, MiError> {
    let ids: Vec<(&str, String)> = [
        "client_id",
        "object_id",
        "principal_id",
        "msi_res_id",
        "mi_res_id",
    ]
    .iter()
    .filter_map(|n| params.get(n).map(|v| (*n, v)))
    .collect();
    if ids.len() > 1 {
        // [unconfirmed] wording (the docs: the id parameters cannot be combined).
        return Err(MiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Only one of client_id, object_id, principal_id, msi_res_id and mi_res_id may be given.",
        ));
    }
    let system = state.config.managed_identity_client_id.clone();
    match ids.first() {
        None => Ok(system),
        Some(("client_id", id)) => {
            let known = id.eq_ignore_ascii_case(&system)
                || state
                    .lock()
                    .auth
                    .user_assigned
                    .iter()
                    .any(|u| u.eq_ignore_ascii_case(id));
            if known {
                Ok(id.to_ascii_lowercase())
            } else {
                // [unconfirmed] (live IMDS answers "Identity not found").
                Err(MiError::new(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Identity not found",
                ))
            }
        }
        // The sandbox's identities are known by client id only.
        Some(_) => Err(MiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Identity not found",
        )),
    }
}

/// Mints the app-only token; returns (token, issued at unix seconds by the sandbox
/// clock, lifetime in seconds). A managed identity holds the same roles as the
/// sandbox app (`Sandbox::grant_app_roles`).
fn mint(state: &AppState, client_id: &str) -> (String, i64, i64) {
    let mut store = state.lock();
    let lifetime = store.token_seconds();
    let roles = store.auth.app_roles.clone();
    let token = store.mint_token(
        TokenKind::App(client_id.to_string()),
        chrono::Duration::seconds(lifetime),
        roles,
    );
    (token, store.now().timestamp(), lifetime)
}

fn invalid_resource(state: &AppState, resource: &str) -> Response {
    // The documented IMDS answer for an unknown resource (how-to-use-vm-token, HTTP
    // response reference), with Entra's AADSTS50001 sentence.
    mi_error(
        StatusCode::BAD_REQUEST,
        "invalid_resource",
        format!(
            "AADSTS50001: The application named {resource} was not found in the tenant named {}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.",
            state.config.tenant_id
        ),
    )
}

/// Both managed identity endpoints take only GET. [unconfirmed] status and body.
fn refuse_all_but_get(method: &str) -> Option<Response> {
    (method != "GET").then(|| {
        mi_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "invalid_request",
            format!("The managed identity endpoint only accepts GET requests. Received a {method} request."),
        )
    })
}

/// `GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=…[&client_id=…]`
/// with `Metadata: true`.
pub(crate) fn imds_endpoint(
    state: &AppState,
    method: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Response {
    if let Some(refused) = refuse_all_but_get(method) {
        return refused;
    }
    // "This value must be set to "true", in all lower case."
    let metadata_ok = headers
        .get("metadata")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "true");
    if !metadata_ok {
        return mi_error(
            StatusCode::BAD_REQUEST,
            "bad_request_102",
            "Required metadata header not specified",
        );
    }
    let params = Form::parse(query.unwrap_or(""));
    let Some(version) = params.get("api-version") else {
        // [unconfirmed] wording.
        return mi_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Required query variable 'api-version' is missing",
        );
    };
    // "Use API version 2018-02-01 or greater."
    let version_ok = chrono::NaiveDate::parse_from_str(&version, "%Y-%m-%d").is_ok()
        && version.as_str() >= "2018-02-01";
    if !version_ok {
        // [unconfirmed] wording.
        return mi_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("Invalid value '{version}' for the query variable 'api-version'. Use 2018-02-01 or later."),
        );
    }
    let Some(resource) = params.get("resource") else {
        // [unconfirmed] wording.
        return mi_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Required query variable 'resource' is missing",
        );
    };
    let client_id = match pick_identity(state, &params) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if !is_graph_resource(state, &resource) {
        return invalid_resource(state, &resource);
    }
    let (token, now, lifetime) = mint(state, &client_id);
    // Fields of the documented sample (numbers as strings, `refresh_token` empty), plus
    // `client_id` and `ext_expires_in` as live IMDS answers carry them [unconfirmed in
    // the docs]. `not_before` is 5 minutes before issue like Entra's `nbf`.
    entra_ok(&json!({
        "access_token": token,
        "refresh_token": "",
        "client_id": client_id,
        "expires_in": lifetime.to_string(),
        "expires_on": (now + lifetime).to_string(),
        "ext_expires_in": lifetime.to_string(),
        "not_before": (now - 300).to_string(),
        "resource": resource,
        "token_type": "Bearer",
    }))
}

/// `GET /msi/token?api-version=2019-08-01&resource=…[&client_id=…]` with
/// `X-IDENTITY-HEADER: {IDENTITY_HEADER}`.
pub(crate) fn app_service_endpoint(
    state: &AppState,
    method: &str,
    query: Option<&str>,
    headers: &HeaderMap,
) -> Response {
    if let Some(refused) = refuse_all_but_get(method) {
        return refused;
    }
    let header_ok = headers
        .get("x-identity-header")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == state.config.identity_header);
    if !header_ok {
        // [unconfirmed] status and body: the docs only say the header mitigates SSRF.
        return mi_error(
            StatusCode::UNAUTHORIZED,
            "unauthorized_client",
            "The X-IDENTITY-HEADER request header is missing or does not match IDENTITY_HEADER.",
        );
    }
    let params = Form::parse(query.unwrap_or(""));
    if params.get("api-version").as_deref() != Some("2019-08-01") {
        // [unconfirmed] wording; the sandbox speaks only the documented 2019-08-01
        // protocol (the older 2017-09-01 one uses the `secret` header).
        return mi_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The query variable 'api-version' must be 2019-08-01.",
        );
    }
    let Some(resource) = params.get("resource") else {
        // [unconfirmed] wording.
        return mi_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Required query variable 'resource' is missing",
        );
    };
    let client_id = match pick_identity(state, &params) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    if !is_graph_resource(state, &resource) {
        return invalid_resource(state, &resource);
    }
    let (token, now, lifetime) = mint(state, &client_id);
    // The documented 200 body (overview-managed-identity): `expires_on` and
    // `not_before` as strings of epoch seconds.
    let body: Value = json!({
        "access_token": token,
        "expires_on": (now + lifetime).to_string(),
        "not_before": (now - 300).to_string(),
        "resource": resource,
        "token_type": "Bearer",
        "client_id": client_id,
    });
    entra_ok(&body)
}
