//! The authorization code flow with PKCE (v2-oauth2-auth-code-flow): `GET
//! /{tenant}/oauth2/v2.0/authorize` signs in the user named by `login_hint` (or the
//! user of `Sandbox::sign_in_as`) without any page and redirects to `redirect_uri` with
//! `code` and `state`; the token endpoint redeems the code (`grant_type=authorization_code`).

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode};
use axum::response::Response;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::Utc;
use serde_json::Value;

use super::token::{malformed_grant, ClientCredential};
use super::{
    classify_tenant, consumers_refused, escape_html, html, issue_user_tokens, missing, opaque,
    split_scopes, unknown_client, Form, TenantKind,
};
use crate::graph_error::{EntraError, RequestContext};
use crate::state::AppState;
pub(crate) use crate::store::identity::AuthCode;
use crate::url::encode_component;

/// Authorization codes "typically expire after about 10 minutes" (docs); sandbox clock.
const CODE_LIFETIME_SECS: i64 = 600;

/// The redirect URI Microsoft recommends for native apps with embedded browsers.
const NATIVE_CLIENT: &str = "https://login.microsoftonline.com/common/oauth2/nativeclient";

/// Redirect URIs the sandbox app accepts: loopback `http(s)://localhost`,
/// `127.0.0.1`, `[::1]` with any port and path (Entra ignores the port of localhost
/// redirect URIs), Microsoft's native-client URI, and those added with
/// `Sandbox::add_redirect_uri` (exact match).
fn redirect_allowed(state: &AppState, uri: &str) -> bool {
    if uri == NATIVE_CLIENT || state.lock().auth.redirect_uris.iter().any(|r| r == uri) {
        return true;
    }
    let lower = uri.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("http://")
        .or_else(|| lower.strip_prefix("https://"));
    let Some(rest) = rest else {
        return false;
    };
    ["localhost", "127.0.0.1", "[::1]"].iter().any(|host| {
        rest.strip_prefix(host)
            .is_some_and(|after| after.is_empty() || after.starts_with([':', '/', '?']))
    })
}

/// How the answer goes back to the app (`response_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Query,
    Fragment,
    FormPost,
}

/// Handles `GET` (query) or `POST` (form) `/{tenant}/oauth2/v2.0/authorize`.
pub(crate) fn authorize_endpoint(
    state: &AppState,
    method: &str,
    tenant: &str,
    query: Option<&str>,
    body: &[u8],
    ctx: &RequestContext,
) -> Response {
    let params = if method == "POST" {
        Form::parse(&String::from_utf8_lossy(body))
    } else {
        Form::parse(query.unwrap_or(""))
    };
    // Errors before the redirect URI is known to be the app's are shown on the sign-in
    // page, never redirected.
    let kind = match classify_tenant(state, tenant) {
        Ok(k) => k,
        Err(e) => return error_page(e, ctx),
    };
    let Some(client_id) = params.get("client_id") else {
        return error_page(missing("client_id"), ctx);
    };
    if client_id != state.config.client_id {
        return error_page(unknown_client(&client_id, tenant), ctx);
    }
    if kind == TenantKind::Consumers {
        return error_page(consumers_refused(&client_id), ctx);
    }
    let Some(redirect_uri) = params.get("redirect_uri") else {
        // AADSTS900971 (reference-error-codes).
        return error_page(
            EntraError::bad("invalid_request", 900971, "No reply address provided."),
            ctx,
        );
    };
    if !redirect_allowed(state, &redirect_uri) {
        // AADSTS50011 InvalidReplyTo; text as in live pages.
        return error_page(
            EntraError::bad(
                "invalid_request",
                50011,
                format!("The redirect URI '{redirect_uri}' specified in the request does not match the redirect URIs configured for the application '{client_id}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal. Navigate to https://aka.ms/redirectUriMismatchError to learn more about how to fix this."),
            ),
            ctx,
        );
    }
    let app_state = params.get("state");
    let back = |mode: Mode, pairs: Vec<(&str, String)>| {
        respond(mode, &redirect_uri, pairs, app_state.as_deref())
    };
    let fail = |mode: Mode, e: EntraError| {
        let description = format!(
            "AADSTS{}: {}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}",
            e.aadsts,
            e.text,
            ctx.request_id,
            ctx.client_request_id,
            Utc::now().format("%Y-%m-%d %H:%M:%SZ")
        );
        back(
            mode,
            vec![
                ("error", e.error.to_string()),
                ("error_description", description),
            ],
        )
    };
    let mode = match params.get("response_mode").as_deref() {
        None | Some("query") => Mode::Query,
        Some("fragment") => Mode::Fragment,
        Some("form_post") => Mode::FormPost,
        Some(other) => {
            // AADSTS70007 UnsupportedResponseMode (reference-error-codes); wording
            // [unconfirmed].
            return fail(
                Mode::Query,
                EntraError::bad(
                    "invalid_request",
                    70007,
                    format!("The application returned an unsupported value '{other}' of 'response_mode' when requesting a token."),
                ),
            );
        }
    };
    let response_type = match params.get("response_type") {
        Some(rt) => rt,
        None => return fail(mode, missing("response_type")),
    };
    if response_type != "code" {
        // AADSTS70005 UnsupportedResponseType (reference-error-codes); the sandbox
        // issues no ID tokens and no implicit-flow tokens. Wording [unconfirmed].
        return fail(
            mode,
            EntraError::bad(
                "unsupported_response_type",
                70005,
                format!("response_type '{response_type}' is not enabled for the application. Use 'code'."),
            ),
        );
    }
    let Some(scope) = params.get("scope") else {
        return fail(mode, missing("scope"));
    };
    let challenge = match (
        params.get("code_challenge"),
        params.get("code_challenge_method"),
    ) {
        (None, None) => None,
        // [unconfirmed] answer to a method without a challenge (the docs: the challenge
        // is "required if code_challenge_method is included").
        (None, Some(_)) => return fail(mode, missing("code_challenge")),
        (Some(c), method) => {
            // "If excluded, code_challenge is assumed to be plaintext"; both `plain` and
            // `S256` are supported (docs).
            let s256 = match method.as_deref() {
                None | Some("plain") => false,
                Some("S256") => true,
                Some(other) => {
                    // [unconfirmed] code and wording (AADSTS90100 InvalidRequestParameter).
                    return fail(
                        mode,
                        EntraError::bad(
                            "invalid_request",
                            90100,
                            format!("The parameter 'code_challenge_method' is not valid: '{other}'. Use 'S256' or 'plain'."),
                        ),
                    );
                }
            };
            let size_ok = if s256 {
                c.len() == 43
            } else {
                (43..=128).contains(&c.len())
            };
            if !size_ok {
                // AADSTS501491 (reference-error-codes).
                return fail(
                    mode,
                    EntraError::bad(
                        "invalid_request",
                        501491,
                        "Invalid size of Code_Challenge parameter.",
                    ),
                );
            }
            Some((c, s256))
        }
    };
    let prompt = params.get("prompt");
    if let Some(p) = &prompt {
        if !["login", "none", "consent", "select_account"].contains(&p.as_str()) {
            // [unconfirmed] code and wording.
            return fail(
                mode,
                EntraError::bad(
                    "invalid_request",
                    90100,
                    format!("The parameter 'prompt' is not valid: '{p}'. Valid values are login, none, consent and select_account."),
                ),
            );
        }
    }
    // AADSTS50058 with the text of live bodies; `login_required` is the documented
    // answer to `prompt=none` without a single signed-in user. Without `prompt=none`
    // Entra would show its sign-in page instead [unconfirmed as an error].
    let login_required = EntraError::bad(
        "login_required",
        50058,
        "A silent sign-in request was sent but no user is signed in.",
    );
    let hint = params.get("login_hint");
    let mut store = state.lock();
    let session = store.auth.signed_in.clone();
    let user_id = if prompt.as_deref() == Some("none") {
        let Some(session) = session else {
            drop(store);
            return fail(mode, login_required);
        };
        let matches = match &hint {
            None => true,
            Some(h) => store
                .user_index_by_id(&session)
                .is_some_and(|i| store.users[i].address.eq_ignore_ascii_case(h)),
        };
        if !matches {
            drop(store);
            return fail(mode, login_required);
        }
        session
    } else if let Some(hint) = &hint {
        match store.user_by_address(hint) {
            Some(u) => u.id.clone(),
            None => {
                drop(store);
                // AADSTS50034 UserAccountNotFound, shown on the sign-in page; text as in
                // live pages.
                return error_page(
                    EntraError::bad(
                        "invalid_request",
                        50034,
                        format!("The user account {hint} does not exist in the '{}' directory. To sign into this application, the account must be added to the directory.", state.config.tenant_id),
                    ),
                    ctx,
                );
            }
        }
    } else if let Some(session) = session {
        session
    } else {
        drop(store);
        return fail(mode, login_required);
    };
    let code = opaque("sbxac", 96);
    let issued = store.now();
    store.auth.codes.insert(
        code.clone(),
        AuthCode {
            client_id,
            user_id,
            redirect_uri: redirect_uri.clone(),
            scopes: split_scopes(&scope),
            challenge,
            issued,
            redeemed: false,
        },
    );
    drop(store);
    back(mode, vec![("code", code)])
}

/// Sends `pairs` (+ `state`) back to the app: `302` with the query or fragment, or a
/// self-submitting form for `form_post`.
fn respond(
    mode: Mode,
    redirect_uri: &str,
    mut pairs: Vec<(&str, String)>,
    app_state: Option<&str>,
) -> Response {
    if let Some(s) = app_state {
        pairs.push(("state", s.to_string()));
    }
    if mode == Mode::FormPost {
        let inputs: String = pairs
            .iter()
            .map(|(k, v)| {
                format!(
                    "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                    escape_html(k),
                    escape_html(v)
                )
            })
            .collect();
        return html(
            StatusCode::OK,
            "Working...",
            &format!(
                "<form method=\"POST\" name=\"hiddenform\" action=\"{}\">\n{inputs}<noscript><p>Script is disabled. Click Submit to continue.</p><input type=\"submit\" value=\"Submit\"></noscript>\n</form>\n<script>document.forms[0].submit();</script>",
                escape_html(redirect_uri)
            ),
        );
    }
    let encoded: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", encode_component(v)))
        .collect();
    let sep = match mode {
        Mode::Fragment => '#',
        _ if redirect_uri.contains('?') => '&',
        _ => '?',
    };
    let location = format!("{redirect_uri}{sep}{}", encoded.join("&"));
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = StatusCode::FOUND;
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert("location", v);
    }
    resp.headers_mut().insert(
        "cache-control",
        HeaderValue::from_static("no-store, no-cache"),
    );
    resp
}

/// The sign-in page's error (`400`, HTML, the AADSTS line and the ids). The page layout is
/// the sandbox's own; Entra shows "Sorry, but we're having trouble signing you in." with
/// the same details.
fn error_page(e: EntraError, ctx: &RequestContext) -> Response {
    let timestamp = Utc::now().format("%Y-%m-%d %H:%M:%SZ").to_string();
    html(
        StatusCode::BAD_REQUEST,
        "Sign in to your account",
        &format!(
            "<h1>Sorry, but we're having trouble signing you in.</h1>\n<p id=\"error\">{}</p>\n<p>AADSTS{}: {}</p>\n<p>Request Id: {}<br>Correlation Id: {}<br>Timestamp: {}</p>",
            escape_html(e.error),
            e.aadsts,
            escape_html(&e.text),
            escape_html(&ctx.request_id),
            escape_html(&ctx.client_request_id),
            timestamp
        ),
    )
}

/// The authorization-code grant: `code`, `redirect_uri` (same as in the authorize
/// request), `code_verifier` when PKCE was used; public clients need no secret.
pub(crate) fn redeem(
    state: &AppState,
    form: &Form,
    client_id: &str,
    _credential: ClientCredential,
) -> Result<Value, EntraError> {
    let code = form.require("code")?;
    let redirect_uri = form.require("redirect_uri")?;
    let mut store = state.lock();
    let now = store.now();
    let Some(entry) = store.auth.codes.get(&code).cloned() else {
        return Err(malformed_grant());
    };
    if entry.redeemed {
        // AADSTS54005 (reference-error-codes).
        return Err(EntraError::bad(
            "invalid_grant",
            54005,
            "OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.",
        ));
    }
    if now > entry.issued + chrono::Duration::seconds(CODE_LIFETIME_SECS) {
        // AADSTS70008 ExpiredOrRevokedGrant; text as in live bodies.
        return Err(EntraError::bad(
            "invalid_grant",
            70008,
            "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.",
        ));
    }
    if entry.redirect_uri != redirect_uri || entry.client_id != client_id {
        // [unconfirmed] code and wording (RFC 6749 §5.2: invalid_grant when the
        // redirection URI does not match the one of the authorization request).
        return Err(EntraError::bad(
            "invalid_grant",
            70000,
            "The provided value for the 'redirect_uri' is not valid. The value must exactly match the redirect URI used to obtain the authorization code.",
        ));
    }
    if let Some((challenge, s256)) = &entry.challenge {
        let verifier = form.get("code_verifier").unwrap_or_default();
        let computed = if *s256 {
            URL_SAFE_NO_PAD.encode(ring::digest::digest(
                &ring::digest::SHA256,
                verifier.as_bytes(),
            ))
        } else {
            verifier
        };
        if &computed != challenge {
            // AADSTS501481 (reference-error-codes); also for a missing verifier.
            return Err(EntraError::bad(
                "invalid_grant",
                501481,
                "The Code_Verifier doesn't match the code_challenge supplied in the authorization request.",
            ));
        }
    }
    if let Some(e) = store.auth.codes.get_mut(&code) {
        e.redeemed = true;
    }
    let requested = form.get("scope").map(|s| split_scopes(&s));
    Ok(issue_user_tokens(
        &mut store,
        client_id,
        &entry.user_id,
        &entry.scopes,
        requested.as_deref(),
    ))
}
