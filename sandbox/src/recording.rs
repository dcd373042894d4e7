//! The request log behind [`crate::Sandbox::requests`]: the last N requests, each with
//! its query, headers and (truncated) body only once its token was checked, so an
//! unauthenticated client cannot make the sandbox keep what it sends.

use std::collections::VecDeque;

use axum::http::request::Parts;

/// Default number of requests kept ([`crate::Sandbox::set_request_log_limit`]).
pub(crate) const DEFAULT_LOG_LIMIT: usize = 10_000;
/// Default number of body bytes kept per request
/// ([`crate::Sandbox::set_request_body_limit`]).
pub(crate) const DEFAULT_BODY_LIMIT: usize = 64 * 1024;
/// Body bytes the whole log keeps at most: the oldest entries go first beyond it, so
/// 10,000 requests of 64 KiB cannot pin 640 MiB.
pub(crate) const TOTAL_BODY_BUDGET: usize = 64 * 1024 * 1024;

/// One HTTP request as the sandbox received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Raw path as sent (percent-encoding kept), e.g. `/v1.0/users/adele%40contoso.com/sendMail`.
    pub path: String,
    /// Raw query string without `?`, if any; like `headers`, kept only once the
    /// request's token was accepted (`None` otherwise).
    pub query: Option<String>,
    /// Headers in arrival order, names lower-case. Empty for requests whose token
    /// was missing, invalid or expired, for identity-platform and `/_sandbox/…`
    /// requests (no access token to check) and for unknown paths.
    pub headers: Vec<(String, String)>,
    /// Request body bytes, at most [`crate::Sandbox::set_request_body_limit`] of them
    /// (64 KiB by default; see [`RecordedRequest::body_size`] for the full size).
    /// Empty whenever `headers` is, and for range `PUT`s to upload-session URLs (so
    /// large uploads are not kept twice).
    pub body: Vec<u8>,
    /// Size of the body the client sent, in bytes (also when `body` was truncated or
    /// not kept).
    pub body_size: u64,
    /// HTTP status of the answer; `0` while the request is still being served.
    pub status: u16,
    /// `Some(id)` for a request executed from inside a JSON batch (`POST /v1.0/$batch`):
    /// its `id` in the batch. Such a request is recorded after the `$batch` request
    /// that carried it, when it starts executing, as if it had been sent on its own:
    /// `path` = `/v1.0/` + its relative `url` (characters not allowed in a URI
    /// percent-encoded), `headers` = its own headers (names lower-case) plus the
    /// `authorization` of the `$batch` request and a `content-length` when it has a
    /// body, `body` = the decoded body bytes. Requests that never ran (a failed
    /// dependency, a batch refused as a whole) are not recorded. `None` for requests
    /// received over HTTP, including `$batch` requests themselves.
    pub batch_request_id: Option<String>,
}

/// The bounded log: a ring of the last `limit` requests, addressed by a running
/// sequence number so an entry can be completed after newer ones were added.
#[derive(Debug)]
pub(crate) struct RequestLog {
    entries: VecDeque<RecordedRequest>,
    /// Sequence number of `entries[0]`.
    first_seq: u64,
    limit: usize,
    body_limit: usize,
    /// Body bytes held by `entries`.
    body_bytes: usize,
}

impl Default for RequestLog {
    fn default() -> Self {
        RequestLog {
            entries: VecDeque::new(),
            first_seq: 0,
            limit: DEFAULT_LOG_LIMIT,
            body_limit: DEFAULT_BODY_LIMIT,
            body_bytes: 0,
        }
    }
}

impl RequestLog {
    /// Adds a request with its method and path only; returns its sequence
    /// number for [`RequestLog::keep_content`] and [`RequestLog::finish`].
    pub(crate) fn start(&mut self, parts: &Parts, batch_request_id: Option<&str>) -> u64 {
        let seq = self.first_seq + self.entries.len() as u64;
        self.entries.push_back(RecordedRequest {
            method: parts.method.as_str().to_string(),
            path: parts.uri.path().to_string(),
            query: None,
            headers: Vec::new(),
            body: Vec::new(),
            body_size: 0,
            status: 0,
            batch_request_id: batch_request_id.map(str::to_string),
        });
        self.trim();
        seq
    }

    fn entry(&mut self, seq: u64) -> Option<&mut RecordedRequest> {
        let idx = usize::try_from(seq.checked_sub(self.first_seq)?).ok()?;
        self.entries.get_mut(idx)
    }

    /// Keeps query, headers and the first `body_limit` bytes of `body` of an
    /// authenticated request (no-op when the entry already left the log).
    pub(crate) fn keep_content(&mut self, seq: u64, parts: &Parts, body: &[u8]) {
        let limit = self.body_limit;
        let Some(e) = self.entry(seq) else {
            return;
        };
        e.query = parts.uri.query().map(str::to_string);
        e.headers = parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let old = e.body.len();
        e.body = body[..body.len().min(limit)].to_vec();
        let new = e.body.len();
        self.body_bytes = self.body_bytes - old + new;
        self.trim();
    }

    /// Sets status and body size once the answer is known.
    pub(crate) fn finish(&mut self, seq: u64, status: u16, body_size: u64) {
        if let Some(e) = self.entry(seq) {
            e.status = status;
            e.body_size = body_size;
        }
    }

    /// Drops the oldest entries beyond the count limit or the body budget.
    fn trim(&mut self) {
        while self.entries.len() > self.limit || self.body_bytes > TOTAL_BODY_BUDGET {
            let Some(e) = self.entries.pop_front() else {
                break;
            };
            self.body_bytes -= e.body.len();
            self.first_seq += 1;
        }
    }

    /// `Sandbox::set_request_log_limit`.
    pub(crate) fn set_limit(&mut self, limit: usize) {
        self.limit = limit;
        self.trim();
    }

    /// `Sandbox::set_request_body_limit` (applies to requests recorded from now on).
    pub(crate) fn set_body_limit(&mut self, limit: usize) {
        self.body_limit = limit;
    }

    /// Copy of the entries, oldest first.
    pub(crate) fn snapshot(&self) -> Vec<RecordedRequest> {
        self.entries.iter().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(path: &str) -> Parts {
        Request::post(path).body(()).unwrap().into_parts().0
    }

    #[test]
    fn keeps_the_last_n_and_completes_entries_by_sequence() {
        let mut log = RequestLog::default();
        log.set_limit(2);
        let a = log.start(&parts("/a"), None);
        let b = log.start(&parts("/b"), None);
        let c = log.start(&parts("/c"), None);
        log.finish(a, 200, 1); // already gone: ignored
        log.keep_content(c, &parts("/c"), b"0123");
        log.finish(b, 401, 5);
        let all = log.snapshot();
        assert_eq!(
            all.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
            ["/b", "/c"]
        );
        assert_eq!((all[0].status, all[0].body_size), (401, 5));
        assert_eq!(all[1].body, b"0123");
    }

    #[test]
    fn bodies_are_truncated_and_counted() {
        let mut log = RequestLog::default();
        log.set_body_limit(3);
        let a = log.start(&parts("/a"), None);
        log.keep_content(a, &parts("/a"), b"abcdef");
        assert_eq!(log.snapshot()[0].body, b"abc");
        assert_eq!(log.body_bytes, 3);
        log.set_limit(0);
        assert_eq!(log.body_bytes, 0);
        assert!(log.snapshot().is_empty());
    }
}
