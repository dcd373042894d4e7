//! Turning HTTP answers into typed results and [`GraphError`]s.

use std::time::Duration;

use reqwest::header::{AsHeaderName, HeaderMap, HeaderName};

use crate::error::{excerpt, DecodeError, Error, GraphError, Result, TransportError};
use crate::models::{ItemSource, Sourced};

/// Error bodies are read up to this size (Graph's are well under 1 KiB).
pub(crate) const ERROR_BODY_LIMIT: usize = 64 * 1024;
/// Success bodies are read up to this size (a page of 1,000 large messages fits).
pub(crate) const SUCCESS_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// Graph accepted the request (`202 Accepted`): it will be processed asynchronously. For
/// mail this means *queued*, not delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Accepted {
    /// Graph's `request-id`, for support.
    pub request_id: Option<String>,
    /// The `client-request-id` this crate sent.
    pub client_request_id: String,
}

/// A success answer, body read.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub client_request_id: String,
    /// The mailbox (and calendar) the request addressed: what items read from it remember.
    pub source: Option<ItemSource>,
}

impl Response {
    /// Expects `202 Accepted`; any other success status is not what Graph documents.
    pub fn accepted(self) -> Result<Accepted> {
        if self.status != 202 {
            return Err(self.decode_error(format!("expected 202 Accepted, got {}", self.status)));
        }
        Ok(Accepted {
            request_id: header(&self.headers, REQUEST_ID),
            client_request_id: self.client_request_id,
        })
    }

    /// Expects `204 No Content`.
    pub fn no_content(self) -> Result<()> {
        if self.status != 204 {
            return Err(self.decode_error(format!("expected 204 No Content, got {}", self.status)));
        }
        Ok(())
    }

    /// A response header, if present and text.
    pub fn header(&self, name: &str) -> Option<String> {
        header(&self.headers, name)
    }

    /// The raw body (e.g. a message's MIME from `$value`).
    pub fn bytes(self) -> Vec<u8> {
        self.body
    }

    /// Parses the body as `T`, naming the JSON path of a mismatch.
    pub fn json<T: serde::de::DeserializeOwned>(self) -> Result<T> {
        self.json_ref()
    }

    /// Parses the body as `T`, which may borrow from it (a `$batch` answer's inner bodies).
    pub fn json_ref<'a, T: serde::Deserialize<'a>>(&'a self) -> Result<T> {
        // Path tracking costs about half the parse speed: decode plainly, and only a body
        // that fails is decoded again to say where.
        if let Ok(value) = serde_json::from_slice(&self.body) {
            return Ok(value);
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&self.body);
        match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
            Ok(value) => Ok(value),
            Err(e) => Err(self.decode_error(format!("at {}: {}", e.path(), e.inner()))),
        }
    }

    /// Parses the body as `T` and records on it where it was read (implicit access: later
    /// operations on an event or message go back to the same mailbox).
    pub fn item<T: serde::de::DeserializeOwned + Sourced>(self) -> Result<T> {
        let source = self.source.clone();
        let mut value: T = self.json()?;
        if let Some(source) = &source {
            value.set_source(source);
        }
        Ok(value)
    }

    fn decode_error(&self, reason: String) -> Error {
        Error::Decode(Box::new(DecodeError {
            status: self.status,
            reason,
            excerpt: excerpt(&self.body),
            request_id: header(&self.headers, "request-id"),
            client_request_id: Some(self.client_request_id.clone()),
        }))
    }
}

/// Reads at most `limit` bytes of a body; a longer body is cut (errors) or refused (success).
/// `headers` are the response's (taken out of it by the caller, to avoid a copy).
pub(crate) async fn read_body(
    mut response: reqwest::Response,
    headers: &HeaderMap,
    limit: usize,
) -> Result<Vec<u8>> {
    let status = response.status();
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Error::Transport(TransportError::from_reqwest(e)))?
    {
        let room = limit - body.len();
        if chunk.len() > room {
            body.extend_from_slice(&chunk[..room]);
            if status.is_success() {
                return Err(Error::Decode(Box::new(DecodeError {
                    status: status.as_u16(),
                    reason: format!("the body is larger than {limit} bytes"),
                    excerpt: excerpt(&body),
                    request_id: header(headers, "request-id"),
                    client_request_id: None,
                })));
            }
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Maps an error answer to [`GraphError`], whatever its body (GRAPH-FACTS §11). Response
/// headers win over the body's copies of the ids; the body's `innerError.date` (when Graph
/// failed) wins over the `Date` header.
pub(crate) fn graph_error(
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
    sent_client_request_id: &str,
    addressed_me: bool,
) -> Error {
    let mut error = GraphError::from_body(status, body);
    error.request_id = header(headers, "request-id").or(error.request_id);
    error.client_request_id = header(headers, "client-request-id")
        .or(error.client_request_id)
        .or_else(|| Some(sent_client_request_id.to_string()));
    error.date = error.date.or_else(|| header(headers, "date"));
    error.retry_after = retry_after(headers);
    error.location = header(headers, "location");
    Error::from_graph(error, addressed_me)
}

/// `request-id`, Graph's id of a request, named once rather than parsed per response.
pub(crate) const REQUEST_ID: HeaderName = HeaderName::from_static("request-id");

fn header(headers: &HeaderMap, name: impl AsHeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
}

/// `Retry-After` as delta-seconds or an HTTP date.
fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = header(headers, "retry-after")?;
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}
