//! The one request pipeline: URL, headers, body, token, retries, concurrency, error mapping.

use std::future::Future;
use std::time::Duration;

use bytes::Bytes;
use reqwest::header::{
    HeaderMap, HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_LENGTH, CONTENT_RANGE,
    CONTENT_TYPE, IF_MATCH,
};
use reqwest::{Method, StatusCode};
use url::Url;

use super::limits::mailbox_key;
use super::request_id::new_client_request_id;
use super::response::{
    graph_error, read_body, Response, ERROR_BODY_LIMIT, REQUEST_ID, SUCCESS_BODY_LIMIT,
};
use super::GraphClient;
use crate::auth::{AccessToken, TokenKind};
use crate::error::{
    Error, InvalidRequest, OutcomeUnknown, Result, TransportError, TransportErrorKind,
};
use crate::models::{ItemSource, MailboxRef};

/// Graph's limit on a whole REST request body (GRAPH-FACTS §0.4): 4 MB.
pub(crate) const MAX_REQUEST_BYTES: usize = 4 * 1024 * 1024;

/// Retries of one request after a 401 with a token another request had already replaced.
const MAX_REPLACED_TOKEN_RETRIES: u32 = 3;

const CLIENT_REQUEST_ID: HeaderName = HeaderName::from_static("client-request-id");
const PREFER: HeaderName = HeaderName::from_static("prefer");

/// What a request carries.
#[derive(Debug)]
pub(crate) enum Body {
    /// No body; POSTs then send `Content-Length: 0` (Graph answers 411 without it).
    Empty,
    /// A serialized JSON document.
    Json(Bytes),
    /// Base64 MIME, sent as `text/plain` (GRAPH-FACTS §1.2).
    Mime(Bytes),
    /// One range of an upload session (`Content-Range: bytes start-end/total`).
    Range {
        /// The bytes of the range.
        data: Bytes,
        /// The `Content-Range` value.
        content_range: String,
    },
}

/// Where a request goes.
#[derive(Debug)]
pub(crate) enum Target {
    /// Path segments after the Graph base URL, unencoded; each is encoded as one segment.
    Graph(Vec<String>),
    /// An absolute link Graph handed out (`@odata.nextLink`, `@odata.deltaLink`): followed
    /// only when it is on the Graph origin, since it gets the bearer token.
    Link(String),
    /// A pre-authenticated URL (attachment upload sessions): sent without `Authorization`,
    /// as Graph requires, so it may be on another origin.
    PreAuthenticated(String),
}

/// One Graph call, described by an endpoint in `api/` and sent by [`GraphClient::send`].
#[derive(Debug)]
pub(crate) struct Request {
    /// Graph's name for the operation (`sendMail`), for logs and errors.
    pub operation: &'static str,
    pub method: Method,
    pub target: Target,
    pub query: Vec<(String, String)>,
    /// Preferences of this request, merged with the client's into one `Prefer` header.
    pub prefer: Vec<String>,
    pub body: Body,
    /// `If-Match`: apply only if the item still has this etag (412 otherwise).
    pub if_match: Option<String>,
    /// Whether repeating it cannot change the outcome (see `retry.rs` for what follows).
    pub idempotent: bool,
    /// The `client-request-id` the caller chose (recorded before sending, e.g. by a relay
    /// that must find the request in Graph's logs after a crash); a fresh one when `None`.
    pub client_request_id: Option<String>,
}

impl Request {
    /// Whether this changes something in another user's calendar (`/users/{id}/events…`,
    /// `…/calendar…`, or a shared calendar under `/me/calendars/{id}`), where a `403` means
    /// a missing calendar role rather than mailbox access. Calendar permissions are the
    /// owner's business and are left out.
    pub(crate) fn writes_shared_calendar(&self) -> bool {
        let Target::Graph(path) = &self.target else {
            return false;
        };
        if matches!(self.method, Method::GET | Method::HEAD) {
            return false;
        }
        let is = |segment: &String, name: &str| segment.eq_ignore_ascii_case(name);
        let calendar_item = path.iter().any(|s| {
            ["events", "calendar", "calendars", "calendarView"]
                .iter()
                .any(|name| is(s, name))
        }) && !path.iter().any(|s| is(s, "calendarPermissions"));
        let shared = match ItemSource::of_path(path) {
            Some(source) => source.mailbox != MailboxRef::Me || source.calendar.is_some(),
            None => false,
        };
        calendar_item && shared
    }

    fn new(operation: &'static str, method: Method, target: Target) -> Self {
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::DELETE | Method::PUT
        );
        Request {
            operation,
            method,
            target,
            query: Vec::new(),
            prefer: Vec::new(),
            body: Body::Empty,
            if_match: None,
            idempotent,
            client_request_id: None,
        }
    }

    /// A POST to `path` with no body yet: not idempotent unless marked so.
    pub fn post(operation: &'static str, path: Vec<String>) -> Self {
        Request::new(operation, Method::POST, Target::Graph(path))
    }

    /// A GET of `path`.
    pub fn get(operation: &'static str, path: Vec<String>) -> Self {
        Request::new(operation, Method::GET, Target::Graph(path))
    }

    /// A PATCH of `path`: not idempotent unless marked so (without `If-Match` a repeat could
    /// overwrite a change made in between).
    pub fn patch(operation: &'static str, path: Vec<String>) -> Self {
        Request::new(operation, Method::PATCH, Target::Graph(path))
    }

    /// A DELETE of `path`.
    pub fn delete(operation: &'static str, path: Vec<String>) -> Self {
        Request::new(operation, Method::DELETE, Target::Graph(path))
    }

    /// A GET of a link Graph handed out (next or delta link); refused off the Graph origin.
    pub fn follow(operation: &'static str, link: String) -> Self {
        Request::new(operation, Method::GET, Target::Link(link))
    }

    /// A request to a pre-authenticated URL (upload sessions): no `Authorization` header.
    pub fn pre_authenticated(operation: &'static str, method: Method, url: String) -> Self {
        Request::new(operation, method, Target::PreAuthenticated(url))
    }

    /// Applies only if the item still has `etag` (optimistic concurrency: 412 otherwise).
    pub fn if_match(mut self, etag: Option<String>) -> Self {
        self.if_match = etag;
        self
    }

    /// Sends it with this `client-request-id` (else a fresh one).
    pub fn client_request_id(mut self, id: Option<String>) -> Self {
        self.client_request_id = id;
        self
    }

    /// Marks a request safe to repeat (e.g. an event create with a `transactionId`).
    pub fn idempotent(mut self) -> Self {
        self.idempotent = true;
        self
    }

    /// Sets a JSON body.
    pub fn json<T: serde::Serialize>(mut self, value: &T) -> Result<Self> {
        // A typical message fits: one allocation rather than growing from serde_json's 128 bytes.
        let mut bytes = Vec::with_capacity(512);
        serde_json::to_writer(&mut bytes, value).map_err(|e| {
            Error::InvalidRequest(InvalidRequest::InvalidValue {
                reason: format!("cannot serialize the request body: {e}"),
            })
        })?;
        self.body = Body::Json(bytes.into());
        Ok(self)
    }

    /// Sets a base64 MIME body.
    pub fn mime(mut self, base64: Vec<u8>) -> Self {
        self.body = Body::Mime(base64.into());
        self
    }

    pub(super) fn body_len(&self) -> usize {
        match &self.body {
            Body::Empty => 0,
            Body::Json(b) | Body::Mime(b) | Body::Range { data: b, .. } => b.len(),
        }
    }
}

/// One endpoint call, in two halves: the request it makes and how its answer is read. Awaiting
/// a builder ([`GraphClient::call`]) and adding it to a [`Batch`](super::Batch) use the same
/// halves, so a call is checked, encoded and interpreted the same way in both.
pub(crate) trait Call: Sized {
    /// What the call gives on success.
    type Output;

    /// The request; an error refuses the call before anything is sent (a message without
    /// recipients, an event without id, …).
    fn into_request(self) -> Result<Request>;

    /// The typed result of a success answer (status check, body, item source).
    fn parse(response: Response) -> Result<Self::Output>;
}

/// How one attempt ended, when it did not succeed.
enum Failure {
    /// Graph answered with an error status.
    Status { status: StatusCode, error: Error },
    /// No usable answer.
    Transport(TransportError),
}

/// A request that passed [`GraphClient::check`].
pub(super) struct Checked {
    pub url: Url,
    /// Whether it gets the bearer token (not for pre-authenticated upload URLs).
    pub authorized: bool,
    /// The mailbox (and calendar) it addresses, if any.
    pub source: Option<ItemSource>,
}

impl GraphClient {
    /// Builds the request of `call`, sends it and reads the answer: what awaiting a builder does.
    ///
    /// The request is built before the future is: the future then carries the request, not
    /// the builder too (an async fn keeps its arguments for its whole life, and these futures
    /// are moved, whole, into every caller's).
    pub(crate) fn call<C: Call>(
        self,
        call: C,
    ) -> impl Future<Output = Result<C::Output>> + Send + 'static
    where
        C::Output: Send + 'static,
    {
        let request = call.into_request();
        async move { C::parse(self.send(request?).await?) }
    }

    /// Sends `request` and returns the success response, or the error Graph answered.
    ///
    /// Every attempt gets a bearer token, the request's `client-request-id` (one per call,
    /// shared by its retries so support can follow them), `Accept: application/json` and
    /// one merged `Prefer` header. Failures are retried as `retry.rs` describes; at most
    /// the configured number of requests per mailbox are in flight at once.
    pub(crate) async fn send(&self, request: Request) -> Result<Response> {
        let Checked {
            url,
            authorized,
            source,
        } = self.check(&request)?;
        let addressed_me = matches!(&source, Some(s) if s.mailbox == MailboxRef::Me);
        // An app-only token's `oid` is the app's, never a mailbox's: its claims are not read.
        let signed_in = self.inner.tokens.kind() != TokenKind::Application;
        let client_request_id = request
            .client_request_id
            .clone()
            .unwrap_or_else(new_client_request_id);
        let policy = &self.inner.retry;
        let (mut attempts, mut waited, mut refreshed, mut replaced) =
            (0u32, Duration::ZERO, false, 0u32);
        loop {
            attempts += 1;
            // After a 401 (which refreshed or replaced the token) the next token comes from
            // `access_token`, whatever `fresh_token` says: a provider may not evict the
            // refused token from what it has at hand.
            let after_401 = refreshed || replaced > 0;
            let token = match authorized {
                // A token at hand costs no boxed future.
                true => match self.inner.tokens.fresh_token().filter(|_| !after_401) {
                    Some(token) => Some(token),
                    None => Some(self.inner.tokens.access_token().await?),
                },
                false => None,
            };
            let headers = self.request_headers(&request, &client_request_id)?;
            let user = token.as_ref().filter(|_| signed_in).and_then(|t| t.user());
            let mailbox = source.as_ref().map(|s| mailbox_key(&s.mailbox, user));
            let permit = self.inner.limiter.acquire(mailbox).await;
            let outcome = self
                .attempt(
                    &request,
                    &url,
                    headers,
                    token.as_ref(),
                    &client_request_id,
                    addressed_me,
                )
                .await;
            drop(permit);
            let failure = match outcome {
                Ok(mut response) => {
                    response.client_request_id = client_request_id;
                    response.source = source;
                    return Ok(response);
                }
                Err(failure) => failure,
            };
            // Graph did not act on a request it could not authenticate: try again with a
            // newer token (see `after_unauthorized`), whatever the request.
            if let (
                Failure::Status {
                    status: StatusCode::UNAUTHORIZED,
                    ..
                },
                Some(token),
            ) = (&failure, &token)
            {
                if self
                    .after_unauthorized(token, &mut refreshed, &mut replaced)
                    .await
                {
                    attempts -= 1;
                    continue;
                }
            }
            let (error, retry_after) = match self.classify(failure, &request, &client_request_id) {
                Verdict::Final(error) => return Err(error),
                Verdict::Retryable(error, retry_after) => (error, retry_after),
            };
            let delay = policy.delay(attempts, retry_after);
            if !policy.allows(attempts, waited, delay) {
                return Err(error);
            }
            tracing::warn!(
                operation = request.operation,
                attempt = attempts,
                status = error.status().unwrap_or(0),
                delay_ms = delay.as_millis() as u64,
                client_request_id = %client_request_id,
                "retrying Graph request"
            );
            self.inner.sleeper.sleep(delay).await;
            waited += delay;
        }
    }

    /// After Graph refused `refused` with 401: whether to try again, and with which token.
    ///
    /// - The refused token is evicted from the provider's cache if it is still there; when
    ///   many requests are refused the same token, the first evicts it and all of them get
    ///   the one token fetched next (the cache lets one fetch run at a time).
    /// - If another request already replaced it (or is fetching its replacement right now),
    ///   this request retries with the newest token without spending its own refresh (at
    ///   most [`MAX_REPLACED_TOKEN_RETRIES`] times, in case a provider hands out a new token
    ///   on every call).
    /// - Otherwise it may refresh once: the next attempt gets a freshly fetched token.
    ///
    /// So the token endpoint sees at most one request per distinct token Graph refused, and a
    /// request fails with the 401 only when the token it got after its own refresh is
    /// refused too and no newer one exists.
    async fn after_unauthorized(
        &self,
        refused: &AccessToken,
        refreshed: &mut bool,
        replaced: &mut u32,
    ) -> bool {
        let tokens = &self.inner.tokens;
        tokens.invalidate(refused);
        let newer = tokens.cached_token().await.is_some_and(|t| &t != refused);
        if newer && *replaced < MAX_REPLACED_TOKEN_RETRIES {
            *replaced += 1;
            return true;
        }
        !std::mem::replace(refreshed, true)
    }

    /// The headers an attempt of `request` sends, but `Authorization` (the token may be
    /// refreshed between attempts). A value that cannot go in a header is refused here,
    /// before anything is sent.
    fn request_headers(&self, request: &Request, client_request_id: &str) -> Result<HeaderMap> {
        let invalid = |what: &str| {
            Error::InvalidRequest(InvalidRequest::InvalidValue {
                reason: format!("{what} has characters not allowed in an HTTP header"),
            })
        };
        // Room for these and what reqwest and hyper add (User-Agent, Content-Length, Host,
        // Authorization): a map that grows mid-request rehashes and reallocates.
        let mut headers = HeaderMap::with_capacity(12);
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        headers.insert(
            CLIENT_REQUEST_ID,
            HeaderValue::from_str(client_request_id).map_err(|_| invalid("client-request-id"))?,
        );
        if let Some(prefer) = self.prefer_header(&request.prefer) {
            let value = HeaderValue::try_from(prefer).map_err(|_| invalid("a preference"))?;
            headers.insert(PREFER, value);
        }
        if let Some(etag) = &request.if_match {
            let value = HeaderValue::from_str(etag).map_err(|_| invalid("the etag"))?;
            headers.insert(IF_MATCH, value);
        }
        let content_type = match &request.body {
            Body::Empty
                if matches!(request.method, Method::GET | Method::HEAD | Method::DELETE) =>
            {
                None
            }
            Body::Empty => {
                headers.insert(CONTENT_LENGTH, HeaderValue::from_static("0"));
                None
            }
            Body::Json(_) => Some("application/json"),
            Body::Mime(_) => Some("text/plain"),
            Body::Range { content_range, .. } => {
                let value =
                    HeaderValue::from_str(content_range).map_err(|_| invalid("Content-Range"))?;
                headers.insert(CONTENT_RANGE, value);
                Some("application/octet-stream")
            }
        };
        if let Some(content_type) = content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        Ok(headers)
    }

    /// One HTTP exchange.
    async fn attempt(
        &self,
        request: &Request,
        url: &Url,
        headers: HeaderMap,
        token: Option<&AccessToken>,
        client_request_id: &str,
        addressed_me: bool,
    ) -> std::result::Result<Response, Failure> {
        let http_request = http_request(request, url, headers, token)?;
        let response = self
            .inner
            .http
            .execute(http_request)
            .await
            .map_err(|e| Failure::Transport(TransportError::from_reqwest(e)))?;
        read_answer(request, response, client_request_id, addressed_me).await
    }

    /// Whether a failure may be retried: see the table in `retry.rs`.
    fn classify(&self, failure: Failure, request: &Request, client_request_id: &str) -> Verdict {
        let unknown = |cause: Error| {
            Verdict::Final(Error::OutcomeUnknown(Box::new(OutcomeUnknown {
                operation: request.operation,
                client_request_id: client_request_id.to_string(),
                cause,
            })))
        };
        match failure {
            Failure::Status { status, error } => match status.as_u16() {
                // Throttled or unavailable: Graph did not act on it.
                429 | 503 => {
                    let retry_after = error.retry_after();
                    Verdict::Retryable(error, retry_after)
                }
                504 if request.idempotent => Verdict::Retryable(error, None),
                504 => unknown(error),
                _ if request.writes_shared_calendar() => Verdict::Final(error.for_calendar_write()),
                _ => Verdict::Final(error),
            },
            // Nothing reached the server.
            Failure::Transport(t) if t.kind == TransportErrorKind::Connect => {
                Verdict::Retryable(Error::Transport(t), None)
            }
            Failure::Transport(t) if request.idempotent => {
                Verdict::Retryable(Error::Transport(t), None)
            }
            Failure::Transport(t) => unknown(Error::Transport(t)),
        }
    }

    /// The URL of a Graph request relative to the base URL (`/me/sendMail`,
    /// `/users/a%2Fb/events/{id}?$select=subject`): encoded exactly as [`send`](Self::send)
    /// encodes it, never absolute, without the version. What a `$batch` item carries.
    pub(super) fn relative_url(&self, url: &Url) -> String {
        let base = self.inner.base_url.path().trim_end_matches('/');
        let path = url.path().strip_prefix(base).unwrap_or(url.path());
        match url.query() {
            Some(query) => format!("{path}?{query}"),
            None => path.to_string(),
        }
    }

    /// What every request must pass before it is sent, alone or inside a `$batch`: Graph's
    /// 4 MB request limit, a URL on the Graph origin (links elsewhere are refused), and no
    /// `/me` with an app-only token (the client knows its token kind: there is no user
    /// behind `/me`). Returns the URL and the mailbox (and calendar) it addresses.
    pub(super) fn check(&self, request: &Request) -> Result<Checked> {
        if request.body_len() > MAX_REQUEST_BYTES {
            return Err(InvalidRequest::RequestTooLarge {
                size: request.body_len(),
                limit: MAX_REQUEST_BYTES,
            }
            .into());
        }
        let (url, authorized) = self.url_for(request)?;
        // The mailbox is known from the path segments; only links need their URL parsed.
        let source = match &request.target {
            Target::Graph(path) => ItemSource::of_path(path),
            _ => source_of(&self.inner.base_url, &url),
        };
        let addressed_me = matches!(&source, Some(s) if s.mailbox == MailboxRef::Me);
        if addressed_me && authorized && self.inner.tokens.kind() == TokenKind::Application {
            return Err(Error::MeWithAppOnlyToken { graph: None });
        }
        Ok(Checked {
            url,
            authorized,
            source,
        })
    }

    /// The URL of a request, and whether it gets the bearer token.
    fn url_for(&self, request: &Request) -> Result<(Url, bool)> {
        let base = &self.inner.base_url;
        let (mut url, authorized) = match &request.target {
            Target::Graph(path) => (graph_url(base, path)?, true),
            Target::Link(link) => {
                let url = parse_link(link)?;
                if url.origin() != base.origin() {
                    return Err(Error::ForeignLink {
                        link_origin: url.origin().ascii_serialization(),
                        graph_origin: base.origin().ascii_serialization(),
                    });
                }
                (url, true)
            }
            Target::PreAuthenticated(link) => (parse_link(link)?, false),
        };
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        Ok((url, authorized))
    }

    /// Client-wide preferences, then the request's, without repeats, in one header value. A
    /// request's preference takes the place of a client-wide one of the same name
    /// (`outlook.timezone="…"`).
    pub(super) fn prefer_header(&self, request_preferences: &[String]) -> Option<String> {
        let name = |preference: &str| {
            let name = preference.split('=').next().unwrap_or_default();
            name.trim().to_ascii_lowercase()
        };
        let mut all: Vec<&str> = Vec::new();
        let client_wide = self.inner.preferences.iter().map(|client_wide| {
            request_preferences
                .iter()
                .find(|own| name(own) == name(client_wide))
                .unwrap_or(client_wide)
        });
        for preference in client_wide.chain(request_preferences) {
            if !all.contains(&preference.as_str()) {
                all.push(preference);
            }
        }
        (!all.is_empty()).then(|| all.join(", "))
    }
}

enum Verdict {
    Retryable(Error, Option<Duration>),
    Final(Error),
}

/// The HTTP request of one attempt: the call's headers, the token's, the URL and the body.
fn http_request(
    request: &Request,
    url: &Url,
    mut headers: HeaderMap,
    token: Option<&AccessToken>,
) -> std::result::Result<reqwest::Request, Failure> {
    if let Some(token) = token {
        let bearer = token.bearer().ok_or_else(|| {
            Failure::Transport(TransportError::other(
                "the access token has characters not allowed in a header",
            ))
        })?;
        headers.insert(AUTHORIZATION, bearer);
    }
    let mut http_request = reqwest::Request::new(request.method.clone(), url.clone());
    *http_request.headers_mut() = headers;
    if let Body::Json(bytes) | Body::Mime(bytes) | Body::Range { data: bytes, .. } = &request.body {
        *http_request.body_mut() = Some(bytes.clone().into());
    }
    Ok(http_request)
}

/// Reads an answer: the success response with its body, or the error Graph answered. A
/// function of its own so that the attempt's future holds either the exchange or this, not
/// both (futures are moved whole into their callers').
async fn read_answer(
    request: &Request,
    mut response: reqwest::Response,
    client_request_id: &str,
    addressed_me: bool,
) -> std::result::Result<Response, Failure> {
    let status = response.status();
    tracing::debug!(
        operation = request.operation,
        method = %request.method,
        status = status.as_u16(),
        client_request_id = %client_request_id,
        request_id = response.headers().get(REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or(""),
        "graph response"
    );
    let headers = std::mem::take(response.headers_mut());
    let limit = if status.is_success() {
        SUCCESS_BODY_LIMIT
    } else {
        ERROR_BODY_LIMIT
    };
    let body = read_body(response, &headers, limit)
        .await
        .map_err(|e| match e {
            Error::Transport(t) => Failure::Transport(t),
            other => Failure::Status {
                status,
                error: other,
            },
        })?;
    if status.is_success() {
        return Ok(Response {
            status: status.as_u16(),
            headers,
            body,
            // Both set by `send`, which owns them.
            client_request_id: String::new(),
            source: None,
        });
    }
    Err(Failure::Status {
        status,
        error: graph_error(
            status.as_u16(),
            &headers,
            &body,
            client_request_id,
            addressed_me,
        ),
    })
}

fn graph_url(base: &Url, path: &[String]) -> Result<Url> {
    let mut url = base.clone();
    let mut segments = url
        .path_segments_mut()
        .map_err(|_| Error::Config("the Graph base URL cannot hold a path".into()))?;
    segments.pop_if_empty();
    // "" would collapse the path and "."/".." would walk up it; an id of spaces only (a
    // blank value read from a file) names nothing Graph has.
    if let Some(segment) = path
        .iter()
        .find(|s| s.trim().is_empty() || *s == "." || *s == "..")
    {
        return Err(InvalidRequest::InvalidValue {
            reason: format!("{segment:?} is not a usable id in a Graph path"),
        }
        .into());
    }
    // All at once: one pass of the URL parser rather than one per segment.
    segments.extend(path);
    drop(segments);
    Ok(url)
}

/// A link from a Graph answer: absolute, and https unless it points at this machine
/// (`localhost`, `127.0.0.0/8`, `[::1]`, `[::ffff:127.0.0.1]`). Anything else is an
/// [`Error::InvalidLink`]; the link is not quoted, since an upload URL is a credential.
fn parse_link(link: &str) -> Result<Url> {
    let invalid = |reason: String| Error::InvalidLink { reason };
    let url = Url::parse(link).map_err(|e| invalid(format!("not an absolute URL ({e})")))?;
    if url.host().is_none() {
        return Err(invalid(format!("a {} URL without a host", url.scheme())));
    }
    match url.scheme() {
        "https" => Ok(url),
        "http" if crate::cloud::is_loopback(&url) => Ok(url),
        "http" => Err(invalid(format!(
            "plain http to {} (http is followed to this machine only)",
            url.origin().ascii_serialization()
        ))),
        other => Err(invalid(format!("the scheme {other:?} is not http(s)"))),
    }
}

/// The mailbox (and calendar) a Graph URL addresses (`me`, or the id after `users/`): the
/// key of the per-mailbox concurrency limit, and the source of the items it returns. None
/// for anything else.
fn source_of(base: &Url, url: &Url) -> Option<ItemSource> {
    let rest = url.path().strip_prefix(base.path())?;
    let segments: Vec<String> = rest
        .trim_start_matches('/')
        .split('/')
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    ItemSource::of_path(&segments)
}

#[cfg(test)]
mod tests {
    use mockito::Matcher;

    use super::*;
    use crate::auth::StaticToken;

    async fn client(
        server: &mockito::ServerGuard,
        configure: impl FnOnce(crate::GraphClientBuilder) -> crate::GraphClientBuilder,
    ) -> GraphClient {
        let builder = GraphClient::builder()
            .base_url(format!("{}/v1.0", server.url()))
            .token_provider(StaticToken::delegated("t"));
        configure(builder).build().unwrap()
    }

    #[tokio::test]
    async fn a_blank_or_dot_id_is_refused_before_anything_is_sent() {
        let mut server = mockito::Server::new_async().await;
        let any = server
            .mock("PATCH", Matcher::Any)
            .expect(0)
            .create_async()
            .await;
        let client = client(&server, |b| b).await;
        for id in ["", "   ", ".", ".."] {
            let patch = crate::models::MessagePatch::new().is_read(true);
            let e = client.me().message(id).update(patch).await.unwrap_err();
            assert!(
                matches!(
                    e,
                    Error::InvalidRequest(InvalidRequest::InvalidValue { .. })
                ),
                "{id:?}: {e:?}"
            );
        }
        any.assert_async().await;
    }

    /// A provider that has `at_hand` ready (or not) and fetches "fetched".
    #[derive(Debug)]
    struct AtHand {
        at_hand: Option<&'static str>,
        fetches: std::sync::atomic::AtomicUsize,
    }

    impl AtHand {
        fn provider(at_hand: Option<&'static str>) -> std::sync::Arc<AtHand> {
            std::sync::Arc::new(AtHand {
                at_hand,
                fetches: Default::default(),
            })
        }

        fn fetches(&self) -> usize {
            self.fetches.load(std::sync::atomic::Ordering::SeqCst)
        }
    }

    impl crate::auth::TokenProvider for AtHand {
        fn access_token(&self) -> crate::auth::BoxFuture<'_, Result<AccessToken>> {
            self.fetches
                .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Box::pin(async { Ok(AccessToken::new("fetched")) })
        }

        fn fresh_token(&self) -> Option<AccessToken> {
            self.at_hand.map(AccessToken::new)
        }
    }

    fn client_with(server: &mockito::ServerGuard, provider: std::sync::Arc<AtHand>) -> GraphClient {
        GraphClient::builder()
            .base_url(format!("{}/v1.0", server.url()))
            .shared_token_provider(provider)
            .build()
            .unwrap()
    }

    fn list_messages() -> Request {
        Request::get("listMessages", vec!["me".into(), "messages".into()])
    }

    /// `GET /me/messages` with `Bearer {token}`, answered `status`, expected `times` times.
    async fn expect_list(
        server: &mut mockito::ServerGuard,
        token: &str,
        status: usize,
        times: usize,
    ) -> mockito::Mock {
        let body = match status {
            200 => r#"{"value":[]}"#,
            _ => r#"{"error":{"code":"InvalidAuthenticationToken","message":"expired"}}"#,
        };
        server
            .mock("GET", "/v1.0/me/messages")
            .match_header("authorization", format!("Bearer {token}").as_str())
            .with_status(status)
            .with_body(body)
            .expect(times)
            .create_async()
            .await
    }

    #[tokio::test]
    async fn a_token_at_hand_is_used_without_a_fetch_and_a_401_fetches_one() {
        let mut server = mockito::Server::new_async().await;
        let with_at_hand = expect_list(&mut server, "at-hand", 200, 2).await;
        let provider = AtHand::provider(Some("at-hand"));
        let client = client_with(&server, provider.clone());
        client.send(list_messages()).await.unwrap();
        client.send(list_messages()).await.unwrap();
        with_at_hand.assert_async().await;
        assert_eq!(provider.fetches(), 0);

        // Refused: the retry's token is fetched, not the one at hand again.
        with_at_hand.remove_async().await;
        let refused = expect_list(&mut server, "at-hand", 401, 1).await;
        let fetched = expect_list(&mut server, "fetched", 200, 1).await;
        client.send(list_messages()).await.unwrap();
        refused.assert_async().await;
        fetched.assert_async().await;
        assert_eq!(provider.fetches(), 1);
    }

    #[tokio::test]
    async fn without_a_token_at_hand_each_request_fetches() {
        let mut server = mockito::Server::new_async().await;
        let mock = expect_list(&mut server, "fetched", 200, 2).await;
        let provider = AtHand::provider(None);
        let client = client_with(&server, provider.clone());
        for _ in 0..2 {
            client.send(list_messages()).await.unwrap();
        }
        mock.assert_async().await;
        assert_eq!(provider.fetches(), 2);
    }

    #[tokio::test]
    async fn a_post_without_body_sends_content_length_zero() {
        let mut server = mockito::Server::new_async().await;
        // Graph answers 411 Length Required to a bodiless POST without Content-Length.
        let mock = server
            .mock("POST", "/v1.0/me/messages/AAMk=/send")
            .match_header("content-length", "0")
            .match_header("content-type", Matcher::Missing)
            .match_body(Matcher::Exact(String::new()))
            .with_status(202)
            .expect(1)
            .create_async()
            .await;
        let client = client(&server, |b| b).await;
        let path = vec![
            "me".into(),
            "messages".into(),
            "AAMk=".into(),
            "send".into(),
        ];
        let response = client.send(Request::post("send", path)).await.unwrap();
        assert_eq!(response.status, 202);
        mock.assert_async().await;
    }

    #[tokio::test]
    async fn a_request_time_zone_replaces_the_client_wide_one() {
        let mut server = mockito::Server::new_async().await;
        let mock = server
            .mock("GET", "/v1.0/me/events")
            .match_request(|request| {
                request.header("prefer").len() == 1
                    && request.header("prefer")[0]
                        == r#"outlook.timezone="Tokyo Standard Time", IdType="ImmutableId""#
            })
            .with_status(200)
            .with_body(r#"{"value":[]}"#)
            .expect(1)
            .create_async()
            .await;
        let client = client(&server, |b| {
            b.time_zone("Pacific Standard Time").immutable_ids()
        })
        .await;
        let mut request = Request::get("listEvents", vec!["me".into(), "events".into()]);
        request.prefer = vec![r#"outlook.timezone="Tokyo Standard Time""#.into()];
        client.send(request).await.unwrap();
        mock.assert_async().await;
    }

    #[tokio::test]
    async fn all_preferences_travel_in_one_prefer_header() {
        let mut server = mockito::Server::new_async().await;
        let mock = server
            .mock("POST", "/v1.0/me/sendMail")
            .match_request(|request| {
                // Exactly one Prefer header, client-wide preferences first, no repeats.
                request.header("prefer").len() == 1
                    && request.header("prefer")[0]
                        == r#"IdType="ImmutableId", outlook.timezone="Pacific Standard Time", outlook.body-content-type="text""#
            })
            .with_status(202)
            .expect(1)
            .create_async()
            .await;
        let client = client(&server, |b| {
            b.immutable_ids().time_zone("Pacific Standard Time")
        })
        .await;
        let mut request = Request::post("sendMail", vec!["me".into(), "sendMail".into()]);
        request.prefer = vec![
            r#"outlook.body-content-type="text""#.into(),
            r#"IdType="ImmutableId""#.into(),
        ];
        client.send(request).await.unwrap();
        mock.assert_async().await;
    }

    #[tokio::test]
    async fn no_prefer_header_without_preferences() {
        let mut server = mockito::Server::new_async().await;
        let mock = server
            .mock("POST", "/v1.0/me/sendMail")
            .match_header("prefer", Matcher::Missing)
            .with_status(202)
            .expect(1)
            .create_async()
            .await;
        let client = client(&server, |b| b).await;
        client
            .send(Request::post(
                "sendMail",
                vec!["me".into(), "sendMail".into()],
            ))
            .await
            .unwrap();
        mock.assert_async().await;
    }

    #[tokio::test]
    async fn an_upload_url_gets_no_authorization_header() {
        // Upload-session URLs are pre-authenticated and live on another host
        // (outlook.office.com); Graph requires them without the bearer token.
        let mut upload = mockito::Server::new_async().await;
        let mock = upload
            .mock(
                "PUT",
                "/api/v2.0/Users('a')/Messages('m')/AttachmentSessions('s')",
            )
            .match_query(Matcher::UrlEncoded("authtoken".into(), "opaque".into()))
            .match_header("authorization", Matcher::Missing)
            .with_status(200)
            .with_body(r#"{"nextExpectedRanges":["4096-"]}"#)
            .expect(1)
            .create_async()
            .await;
        let graph = mockito::Server::new_async().await;
        let client = client(&graph, |b| b).await;
        let url = format!(
            "{}/api/v2.0/Users('a')/Messages('m')/AttachmentSessions('s')?authtoken=opaque",
            upload.url()
        );
        client
            .send(Request::pre_authenticated("uploadRange", Method::PUT, url))
            .await
            .unwrap();
        mock.assert_async().await;
    }

    #[tokio::test]
    async fn a_header_value_that_cannot_be_sent_is_refused_before_any_request() {
        let mut server = mockito::Server::new_async().await;
        let untouched = server
            .mock("PATCH", Matcher::Any)
            .expect(0)
            .create_async()
            .await;
        let client = client(&server, |b| b).await;
        let path = vec!["me".into(), "events".into(), "AAMk=".into()];
        let request = Request::patch("updateEvent", path)
            .if_match(Some("W/\"abc\"\r\nX-Injected: 1".into()))
            .json(&serde_json::json!({"subject": "x"}))
            .unwrap();
        let err = client.send(request).await.unwrap_err();
        assert!(
            matches!(&err, Error::InvalidRequest(InvalidRequest::InvalidValue { reason }) if reason.contains("etag")),
            "{err:?}"
        );
        untouched.assert_async().await;
    }

    #[tokio::test]
    async fn every_request_with_one_token_carries_the_same_bearer_value() {
        let mut server = mockito::Server::new_async().await;
        let mock = server
            .mock("GET", "/v1.0/me/messages")
            .match_header("authorization", "Bearer t")
            .with_status(200)
            .with_body(r#"{"value":[]}"#)
            .expect(3)
            .create_async()
            .await;
        let client = client(&server, |b| b).await;
        for _ in 0..3 {
            let request = Request::get("listMessages", vec!["me".into(), "messages".into()]);
            client.send(request).await.unwrap();
        }
        mock.assert_async().await;
    }

    #[tokio::test]
    async fn reliability_a_next_link_elsewhere_is_refused_before_any_request() {
        let graph = mockito::Server::new_async().await;
        let client = client(&graph, |b| b).await;
        let link = "https://attacker.example/v1.0/me/messages?$skip=10".to_string();
        let err = client
            .send(Request::follow("nextPage", link))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::ForeignLink { .. }), "{err:?}");
    }
}
