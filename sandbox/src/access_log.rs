//! `--log FILE` / [`crate::Sandbox::log_requests_to`]: one JSON line per HTTP request,
//! written when its answer is ready, so the traffic of a client in another process or
//! language can be inspected. `Authorization` (and every other header) is never
//! written: only the fields below.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use axum::http::request::Parts;
use axum::http::HeaderMap;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

/// An open log file.
#[derive(Debug)]
pub(crate) struct AccessLog {
    file: File,
}

impl AccessLog {
    /// Creates (or truncates) `path`.
    pub(crate) fn create(path: &Path) -> io::Result<AccessLog> {
        Ok(AccessLog {
            file: File::create(path)?,
        })
    }

    /// Writes the line of one request. Errors (disk full, …) are ignored: the log must
    /// never change what a client sees.
    pub(crate) fn write(&mut self, line: &Value) {
        let mut bytes = line.to_string().into_bytes();
        bytes.push(b'\n');
        // One write per line, so a reader never sees half a line of a finished request.
        let _ = self.file.write_all(&bytes);
    }
}

/// The line of one request: `time` (sandbox clock, RFC 3339), `method`, `path`,
/// `query` (raw, `null` when none), `status`, `clientRequestId` (the request's
/// `client-request-id` header, `null` when it had none), `requestId` (the
/// answer's `request-id`, or `x-ms-request-id` for identity-platform answers),
/// `bodySize` (bytes of request body received).
pub(crate) fn line(
    now: DateTime<Utc>,
    parts: &Parts,
    status: u16,
    answer: &HeaderMap,
    body_size: u64,
) -> Value {
    let header = |h: &HeaderMap, name: &str| -> Option<String> {
        h.get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    };
    json!({
        "time": now.to_rfc3339_opts(SecondsFormat::Millis, true),
        "method": parts.method.as_str(),
        "path": parts.uri.path(),
        "query": parts.uri.query(),
        "status": status,
        "clientRequestId": header(&parts.headers, "client-request-id"),
        "requestId": header(answer, "request-id").or_else(|| header(answer, "x-ms-request-id")),
        "bodySize": body_size,
    })
}
