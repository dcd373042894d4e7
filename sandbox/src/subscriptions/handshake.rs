//! The validation handshake Graph makes before it answers a create (GRAPH-FACTS-2
//! §1.6; "Receive change notifications through webhooks",
//! <https://learn.microsoft.com/graph/change-notifications-delivery-webhooks>):
//! `POST {url}?validationToken={token}` (`&` when the URL has a query already) with
//! `Content-Type: text/plain; charset=utf-8`; the endpoint must answer `200` with a
//! `text/plain` body that is exactly the decoded token, within the timeout (10 s in
//! Graph, [`crate::Sandbox::set_validation_timeout`]).
//!
//! Graph only calls HTTPS URLs. The sandbox never talks to the outside world and has no
//! TLS: it calls `http://127.0.0.1:{port}`, `http://localhost:{port}` and
//! `http://[::1]:{port}` (its one deviation from Graph, for offline tests), answers any
//! other `http://` URL as Graph does ("NotificationUrl scheme='http' is not
//! supported.", microsoftgraph/microsoft-graph-docs-contrib#7821) and any `https://`
//! URL as an endpoint that did not answer.

use std::time::Duration;

use axum::http::StatusCode;

use crate::graph_error::{new_guid, GraphError};

/// Largest answer body read from a validation endpoint (the token is short).
const MAX_ANSWER: usize = 64 * 1024;

/// Why a URL cannot be used.
pub(crate) fn check_url(url: &str) -> Result<(), GraphError> {
    let parsed = reqwest::Url::parse(url).map_err(|_| not_ok())?;
    let loopback = matches!(parsed.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match parsed.scheme() {
        "http" if loopback => Ok(()),
        "http" => Err(invalid(
            "NotificationUrl scheme='http' is not supported.".to_string(),
        )),
        _ => Err(not_ok()),
    }
}

/// A validation token as Graph's look \[unconfirmed wording; Graph says to treat it as
/// opaque\].
pub(crate) fn new_token() -> String {
    format!(
        "Validation: Testing client application reachability for subscription Request-Id: {}",
        new_guid()
    )
}

/// Runs the handshake against `url` with `token`.
pub(crate) async fn validate(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    timeout: Duration,
) -> Result<(), GraphError> {
    check_url(url)?;
    let sep = if url.contains('?') { '&' } else { '?' };
    let target = format!("{url}{sep}validationToken={}", form_encode(token));
    let call = async {
        let resp = client
            .post(&target)
            .header("content-type", "text/plain; charset=utf-8")
            .send()
            .await
            .map_err(|_| not_ok())?;
        if resp.status() != reqwest::StatusCode::OK {
            return Err(not_ok());
        }
        let text_plain = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("text/plain"));
        let body = read_limited(resp).await.ok_or_else(mismatch)?;
        // A body other than the token, or not `text/plain`, fails the same way
        // \[unconfirmed for the content type\].
        if text_plain && body == token.as_bytes() {
            Ok(())
        } else {
            Err(mismatch())
        }
    };
    match tokio::time::timeout(timeout, call).await {
        Ok(r) => r,
        Err(_) => Err(invalid("Subscription validation request timed out.".into())),
    }
}

/// The body, or `None` past [`MAX_ANSWER`] or on a read error.
async fn read_limited(mut resp: reqwest::Response) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.ok()? {
        if out.len() + chunk.len() > MAX_ANSWER {
            return None;
        }
        out.extend_from_slice(&chunk);
    }
    Some(out)
}

/// `application/x-www-form-urlencoded` encoding as in Graph's handshake URLs
/// (`Validation%3a+Testing%3a+…`: `+` for spaces, lower-case hex).
pub(crate) fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for &c in s.as_bytes() {
        match c {
            b' ' => out.push('+'),
            c if c.is_ascii_alphanumeric() || b"-._~".contains(&c) => out.push(c as char),
            c => out.push_str(&format!("%{c:02x}")),
        }
    }
    out
}

/// `400 InvalidRequest` with `message` (GRAPH-FACTS-2 §1.6 table).
fn invalid(message: String) -> GraphError {
    GraphError::new(StatusCode::BAD_REQUEST, "InvalidRequest", message)
}

fn not_ok() -> GraphError {
    invalid("Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.".into())
}

fn mismatch() -> GraphError {
    invalid("Subscription validation request failed. Response must exactly match validationToken query parameter.".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_encoding() {
        assert!(check_url("http://127.0.0.1:8080/hook?x=1").is_ok());
        assert!(check_url("http://localhost:1/").is_ok());
        let e = check_url("http://example.com/hook").unwrap_err();
        assert_eq!(e.message, "NotificationUrl scheme='http' is not supported.");
        assert!(check_url("https://127.0.0.1:1/").is_err());
        assert_eq!(form_encode("Validation: a b"), "Validation%3a+a+b");
    }
}
