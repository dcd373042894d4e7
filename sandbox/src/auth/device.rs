//! The device authorization grant (v2-oauth2-device-code): `POST
//! /{tenant}/oauth2/v2.0/devicecode`, polling the token endpoint with
//! `urn:ietf:params:oauth:grant-type:device_code`, and a small `/devicelogin` page.

use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::{
    classify_tenant, consumers_refused, entra_ok, escape_html, html, issue_user_tokens, opaque,
    split_scopes, unknown_client, Form, TenantKind,
};
use crate::graph_error::{EntraError, RequestContext};
use crate::state::AppState;
pub(crate) use crate::store::identity::{DeviceCode, DeviceStatus};
use crate::store::{random_bytes, Store};

/// `grant_type` of device-code polls.
pub(crate) const GRANT_TYPE: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// `expires_in` of device codes: "the user has 15 minutes to sign in" (docs default).
const EXPIRES_IN: i64 = 900;

/// Letters and digits of user codes (no `0 O 1 I`; 32 symbols).
const USER_CODE_ALPHABET: &[u8; 32] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

impl DeviceCode {
    fn expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.issued + chrono::Duration::seconds(EXPIRES_IN)
    }
}

/// Handles `POST /{tenant}/oauth2/v2.0/devicecode`.
pub(crate) fn devicecode_endpoint(
    state: &AppState,
    method: &str,
    tenant: &str,
    body: &[u8],
    ctx: &RequestContext,
) -> Response {
    match authorize_device(state, method, tenant, body) {
        Ok(body) => entra_ok(&body),
        Err(e) => e.into_response(ctx),
    }
}

fn authorize_device(
    state: &AppState,
    method: &str,
    tenant: &str,
    body: &[u8],
) -> Result<Value, EntraError> {
    if method != "POST" {
        return Err(super::token::post_only(method));
    }
    let kind = classify_tenant(state, tenant)?;
    let form = Form::parse(&String::from_utf8_lossy(body));
    let client_id = form.require("client_id")?;
    if client_id != state.config.client_id {
        return Err(unknown_client(&client_id, tenant));
    }
    if kind == TenantKind::Consumers {
        return Err(consumers_refused(&client_id));
    }
    let scopes = split_scopes(&form.require("scope")?);
    let verification_uri = format!("{}/devicelogin", state.origin());
    let mut store = state.lock();
    let user_code = loop {
        let code: String = random_bytes(9)
            .iter()
            .map(|b| USER_CODE_ALPHABET[(*b as usize) % 32] as char)
            .collect();
        if !store.auth.device_codes.iter().any(|d| d.user_code == code) {
            break code;
        }
    };
    let device_code = opaque("sbxdc", 96);
    let interval = store.auth.device_interval;
    let issued = store.now();
    store.auth.device_codes.push(DeviceCode {
        device_code: device_code.clone(),
        user_code: user_code.clone(),
        scopes,
        issued,
        interval,
        polls: 0,
        last_poll: None,
        status: DeviceStatus::Pending,
    });
    // `message`: the English sentence of live responses (the docs describe the field but
    // show no example), with the sandbox's verification URI.
    Ok(json!({
        "user_code": user_code,
        "device_code": device_code,
        "verification_uri": verification_uri,
        "expires_in": EXPIRES_IN,
        "interval": interval,
        "message": format!("To sign in, use a web browser to open the page {verification_uri} and enter the code {user_code} to authenticate."),
    }))
}

/// One token request of the device-code grant (client already authenticated).
pub(crate) fn poll(state: &AppState, form: &Form, client_id: &str) -> Result<Value, EntraError> {
    let device_code = form.require("device_code")?;
    let mut store = state.lock();
    let now = store.now();
    let slow_down = store.auth.device_slow_down;
    let auto = store.auth.auto_approve.clone();
    let Some(idx) = store
        .auth
        .device_codes
        .iter()
        .position(|d| d.device_code == device_code)
    else {
        // AADSTS70018 BadVerificationCode (reference-error-codes).
        return Err(EntraError::bad(
            "bad_verification_code",
            70018,
            "Invalid verification code due to User typing in wrong user code for device code flow. Authorization isn't approved.",
        ));
    };
    let dc = &mut store.auth.device_codes[idx];
    dc.polls += 1;
    let too_fast = dc
        .last_poll
        .is_some_and(|last| now - last < chrono::Duration::seconds(dc.interval));
    dc.last_poll = Some(now);
    if dc.expired(now) {
        // AADSTS70019 CodeExpired (reference-error-codes).
        return Err(EntraError::bad(
            "expired_token",
            70019,
            "Verification code expired. Have the user retry the sign-in.",
        ));
    }
    match dc.status.clone() {
        DeviceStatus::Declined => {
            // [unconfirmed] AADSTS code and text: the docs list the error without one;
            // AADSTS65004 is UserDeclinedConsent.
            Err(EntraError::bad(
                "authorization_declined",
                65004,
                "User declined to consent to access the app.",
            ))
        }
        DeviceStatus::Redeemed => {
            // AADSTS90120 InvalidDeviceFlowRequest (reference-error-codes); the error
            // string is [unconfirmed].
            Err(EntraError::bad(
                "invalid_grant",
                90120,
                "The request was already authorized or declined.",
            ))
        }
        DeviceStatus::Pending if slow_down && too_fast => {
            // RFC 8628 §3.5 `slow_down` (not listed for Entra, opt-in): the interval grows
            // by 5 seconds. AADSTS code and text [unconfirmed].
            dc.interval += 5;
            Err(EntraError::bad(
                "slow_down",
                70016,
                "OAuth 2.0 device flow error. Polling too fast: wait at least the interval (now increased by 5 seconds) between requests.",
            ))
        }
        DeviceStatus::Pending => {
            let approved = auto
                .as_ref()
                .filter(|(_, after)| dc.polls > *after)
                .map(|(user, _)| user.clone());
            match approved {
                Some(user_id) => redeem(&mut store, idx, client_id, &user_id),
                // AADSTS70016 text as in live bodies.
                None => Err(EntraError::bad(
                    "authorization_pending",
                    70016,
                    "OAuth 2.0 device flow error. Authorization is pending. Continue polling.",
                )),
            }
        }
        DeviceStatus::Approved(user_id) => redeem(&mut store, idx, client_id, &user_id),
    }
}

fn redeem(
    store: &mut Store,
    idx: usize,
    client_id: &str,
    user_id: &str,
) -> Result<Value, EntraError> {
    store.auth.device_codes[idx].status = DeviceStatus::Redeemed;
    let scopes = store.auth.device_codes[idx].scopes.clone();
    Ok(issue_user_tokens(store, client_id, user_id, &scopes, None))
}

/// Index of the pending, unexpired device code with that user code (case-insensitive,
/// `-` and spaces ignored).
fn pending_index(store: &Store, user_code: &str) -> Option<usize> {
    let wanted: String = user_code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let now = store.now();
    store
        .auth
        .device_codes
        .iter()
        .position(|d| d.user_code == wanted && d.status == DeviceStatus::Pending && !d.expired(now))
}

/// Approves a pending device code for that user (added when missing).
pub(crate) fn approve(store: &mut Store, user_code: &str, address: &str) -> bool {
    let Some(idx) = pending_index(store, user_code) else {
        return false;
    };
    let user_id = store.add_user(address);
    store.auth.device_codes[idx].status = DeviceStatus::Approved(user_id);
    true
}

/// Declines a pending device code.
pub(crate) fn decline(store: &mut Store, user_code: &str) -> bool {
    let Some(idx) = pending_index(store, user_code) else {
        return false;
    };
    store.auth.device_codes[idx].status = DeviceStatus::Declined;
    true
}

/// User codes of pending, unexpired device codes, oldest first.
pub(crate) fn pending_user_codes(store: &Store) -> Vec<String> {
    let now = store.now();
    store
        .auth
        .device_codes
        .iter()
        .filter(|d| d.status == DeviceStatus::Pending && !d.expired(now))
        .map(|d| d.user_code.clone())
        .collect()
}

/// `GET /devicelogin` (a form) and `POST /devicelogin` (`user_code`, `login`, `action`
/// = `approve` | `decline`): the sandbox's stand-in for the Microsoft sign-in page a
/// person opens at `verification_uri`. Not part of Microsoft's protocol.
pub(crate) fn devicelogin_page(
    state: &AppState,
    method: &str,
    _headers: &HeaderMap,
    body: &[u8],
) -> Response {
    const FORM: &str = "<form method=\"post\" action=\"/devicelogin\">\n<p><label>Code <input name=\"user_code\" autocomplete=\"off\"></label></p>\n<p><label>Sign in as <input name=\"login\" type=\"email\" placeholder=\"adele@contoso.com\"></label></p>\n<p><button name=\"action\" value=\"approve\">Sign in and allow</button> <button name=\"action\" value=\"decline\">Decline</button></p>\n</form>";
    if method != "POST" {
        return html(
            StatusCode::OK,
            "Enter code",
            &format!("<h1>Enter code</h1>\n<p>Enter the code displayed on your app or device.</p>\n{FORM}"),
        );
    }
    let form = Form::parse(&String::from_utf8_lossy(body));
    let code = form.get("user_code").unwrap_or_default();
    let decline_it = form.get("action").as_deref() == Some("decline");
    let mut store = state.lock();
    let done = if decline_it {
        decline(&mut store, &code)
    } else {
        match form.get("login").filter(|l| l.contains('@')) {
            Some(login) => approve(&mut store, &code, &login),
            None => {
                drop(store);
                return html(
                    StatusCode::BAD_REQUEST,
                    "Sign in",
                    &format!("<h1>Sign in</h1>\n<p>Enter the address of a user to sign in as.</p>\n{FORM}"),
                );
            }
        }
    };
    drop(store);
    if !done {
        return html(
            StatusCode::BAD_REQUEST,
            "Enter code",
            &format!(
                "<h1>Enter code</h1>\n<p>We don't recognize the code {}. Check it and try again.</p>\n{FORM}",
                escape_html(&code)
            ),
        );
    }
    let text = if decline_it {
        "You declined the sign-in. You can close this window."
    } else {
        "You have signed in to the application on your device. You may now close this window."
    };
    html(
        StatusCode::OK,
        "Done",
        &format!("<h1>Done</h1>\n<p>{text}</p>"),
    )
}
