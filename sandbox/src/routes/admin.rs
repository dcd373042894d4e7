//! `/_sandbox/clock`: reading and moving the sandbox clock over HTTP, so programs in any
//! language can test deferred sending and token expiry against the binary. `/_sandbox`
//! is a path Microsoft Graph and the identity platform never use; the sandbox only
//! listens on loopback, and this route needs no token.
//!
//! * `GET /_sandbox/clock` → `200 {"now": "2026-12-07T10:00:00.000Z"}`.
//! * `POST /_sandbox/clock` with `{"advanceSeconds": n}` (a whole number ≥ 0) moves the
//!   clock forward, with `{"now": "<RFC 3339>"}` sets it; deferred messages due by the
//!   new time are delivered before the `200 {"now": …}` answer.
//!
//! Errors use the sandbox's own body `{"error": {"code", "message"}}`: `400 BadRequest`
//! for a body that is not one of the two forms, `405 MethodNotAllowed` for other
//! methods, `404 NotFound` for other `/_sandbox/…` paths.

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::Response;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use crate::state::AppState;

/// First path segment of the admin routes.
pub(super) const PREFIX: &str = "_sandbox";

/// Largest body read for an admin request.
pub(super) const MAX_BODY: usize = 64 * 1024;

/// Serves `/_sandbox/{rest…}`.
pub(super) fn handle(state: &AppState, method: &Method, rest: &[&str], body: &[u8]) -> Response {
    if !matches!(rest, [c] if c.eq_ignore_ascii_case("clock")) {
        return error(
            StatusCode::NOT_FOUND,
            "NotFound",
            "The sandbox's admin routes are GET and POST /_sandbox/clock.",
        );
    }
    match *method {
        Method::GET => now(state),
        Method::POST => match move_clock(state, body) {
            Ok(()) => now(state),
            Err(message) => error(StatusCode::BAD_REQUEST, "BadRequest", &message),
        },
        _ => error(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "Use GET or POST on /_sandbox/clock.",
        ),
    }
}

fn move_clock(state: &AppState, body: &[u8]) -> Result<(), String> {
    const FORMS: &str =
        "Expected {\"advanceSeconds\": <whole number >= 0>} or {\"now\": \"<RFC 3339 date-time>\"}.";
    let Ok(Value::Object(obj)) = serde_json::from_slice::<Value>(body) else {
        return Err(FORMS.to_string());
    };
    let mut store = state.lock();
    match (obj.get("advanceSeconds"), obj.get("now"), obj.len()) {
        (Some(secs), None, 1) => {
            let secs = secs
                .as_u64()
                .and_then(|s| i64::try_from(s).ok())
                .ok_or_else(|| FORMS.to_string())?;
            let by = chrono::Duration::try_seconds(secs).ok_or_else(|| FORMS.to_string())?;
            store.clock_offset += by;
        }
        (None, Some(now), 1) => {
            let now = now
                .as_str()
                .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
                .ok_or_else(|| FORMS.to_string())?;
            store.clock_offset = now.with_timezone(&Utc) - Utc::now();
        }
        _ => return Err(FORMS.to_string()),
    }
    // As `Sandbox::advance_clock`: what is due by the new time is delivered now.
    crate::outbox::run_due(&mut store);
    Ok(())
}

fn now(state: &AppState) -> Response {
    let now = state.lock().now();
    json_response(
        StatusCode::OK,
        &json!({"now": now.to_rfc3339_opts(SecondsFormat::Millis, true)}),
    )
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(
        status,
        &json!({"error": {"code": code, "message": message}}),
    )
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}
