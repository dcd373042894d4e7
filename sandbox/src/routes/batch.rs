//! JSON batching: `POST /v1.0/$batch` (GRAPH-FACTS §9; Microsoft's "Combine multiple
//! HTTP requests using JSON batching" and the JSON batching known issues).
//!
//! The batch is validated as a whole first (any error → `400` for the whole batch,
//! nothing runs). Then every inner request runs through the same path as a request
//! received over HTTP ([`super::graph`]: route resolution, authentication with the
//! `Authorization` of the `$batch` request, mailbox rights, the per-(caller, mailbox)
//! concurrency limit, latency), after drawing its own fault
//! ([`crate::faults::FaultState::next_batch_fault`]). At most [`PARALLELISM`] inner
//! requests run at once; a request with `dependsOn` starts when its dependencies have
//! finished, or answers `424` without running when one of them failed (status ≥ 400).
//! Answers are collected in completion order.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, Request, StatusCode, Uri};
use axum::response::Response;
use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::{json, Map, Value};
use tokio::task::JoinSet;

use super::{graph, method_not_allowed, record_batch_request};
use crate::faults::Fault;
use crate::graph_error::{GraphError, RequestContext};
use crate::state::AppState;
use crate::url::percent_decode;
use crate::wire::get_ci;

/// Most requests one batch may hold (documented: "JSON batch requests are currently
/// limited to 20 individual requests").
pub(super) const MAX_REQUESTS: usize = 20;

/// Inner requests of one batch running at the same time: Graph sends at most 4
/// unordered requests of a batch at a time to Outlook (GRAPH-FACTS §8.1, doc R33), so
/// a batch never trips the per-mailbox concurrency limit of 4 by itself.
pub(super) const PARALLELISM: usize = 4;

/// Graph's request size limit (GRAPH-FACTS §0.4), applied to the `$batch` body.
const MAX_BATCH_BODY: usize = 4 * 1024 * 1024;

/// Whether the path after `/v1.0` is `$batch` (also percent-encoded, `%24batch`).
pub(super) fn is_batch_path(segs: &[&str]) -> bool {
    let mut segs = segs.to_vec();
    while segs.last().is_some_and(|s| s.is_empty()) {
        segs.pop();
    }
    segs.len() == 1 && percent_decode(segs[0], false).eq_ignore_ascii_case("$batch")
}

/// One validated inner request.
#[derive(Debug, Clone)]
struct Inner {
    id: String,
    method: Method,
    /// `/v1.0/{url}` (percent-encoded where the URI syntax needs it).
    uri: Uri,
    /// The request's own headers (without `Authorization`).
    headers: HeaderMap,
    /// `Some` when the request has a body (decoded bytes).
    body: Option<Vec<u8>>,
    /// Indexes of the requests it depends on (all earlier in the batch).
    depends_on: Vec<usize>,
}

/// 400 `BadRequest` "Invalid batch payload format." – the text Graph answered for a
/// batch whose inner `url` was absolute (microsoftgraph/microsoft-graph-docs-contrib
/// #8576). Also used for other malformed payloads (not JSON, no `requests` array, a
/// request without `id` / `method` / `url`, a malformed `headers` / `body` /
/// `dependsOn`, an empty batch): \[unconfirmed\] for those.
fn invalid_payload() -> GraphError {
    GraphError::bad_request("Invalid batch payload format.")
}

/// More than [`MAX_REQUESTS`] requests: text as quoted from a live answer
/// (microsoftgraph/microsoftgraph-postman-collections#9); the code `BadRequest` is
/// \[unconfirmed\].
fn too_many_requests_in_batch() -> GraphError {
    GraphError::bad_request("Number of requests inside batch exceeds the limit.")
}

/// Two requests with the same `id` (compared case-insensitively): live text
/// (microsoftgraph/msgraph-sdk-java#559, msgraph-sdk-javascript#433 and #1679). Which
/// of the two ids is named is \[unconfirmed\]; the sandbox names the later one.
fn duplicate_id(id: &str) -> GraphError {
    GraphError::bad_request(format!("Request Id {id} has to be unique in a batch."))
}

/// A write request (POST, PUT, PATCH) without a body or without a `Content-Type`
/// header, or any request with a body but without `Content-Type`: live text
/// (microsoftgraph/msgraph-sdk-dotnet#1038 and #2628, pnp/pnpcore); a batch-level
/// failure, so nothing runs. Using it for a body on GET / DELETE without
/// `Content-Type` is \[unconfirmed\].
fn write_request_incomplete(id: &str) -> GraphError {
    GraphError::bad_request(format!(
        "Write request id : {id} does not contain Content-Type header or body."
    ))
}

/// `dependsOn` naming an id that is not an earlier request of the batch. Graph
/// "expects that the dependency appears earlier in the array of requests" and fails
/// with "Invalid dependency for request Id..." (microsoftgraph/msgraph-sdk-dotnet-core
/// #891); the rest of the text is \[unconfirmed\].
fn invalid_dependency(id: &str) -> GraphError {
    GraphError::bad_request(format!("Invalid dependency for request Id {id}."))
}

/// `413` for a `$batch` body over 4 MB (Graph's request limit); the code and text are
/// those the sandbox uses for over-size `sendMail` bodies \[unconfirmed for batches\].
fn batch_too_large() -> GraphError {
    GraphError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "RequestEntityTooLarge",
        "The maximum request length supported is 4MB.",
    )
}

/// The inner answer of a request whose dependency failed: status `424 Failed
/// Dependency` is documented; the body (a Graph error with code `FailedDependency`
/// naming the failed request) is \[unconfirmed\].
fn failed_dependency(dependency: &str) -> GraphError {
    GraphError::new(
        StatusCode::FAILED_DEPENDENCY,
        "FailedDependency",
        format!("The request depends on request '{dependency}', which failed."),
    )
}

/// Serves `POST /v1.0/$batch`. Returns the answer and whether the connection must be
/// cut off afterwards (an inner request drew [`Fault::CutOff`]).
pub(super) async fn handle(
    state: &Arc<AppState>,
    parts: &Parts,
    bytes: &[u8],
    too_large: bool,
    ctx: &RequestContext,
) -> (Response, bool) {
    match run(state, parts, bytes, too_large, ctx).await {
        Ok(r) => r,
        Err(e) => (e.into_response(ctx), false),
    }
}

async fn run(
    state: &Arc<AppState>,
    parts: &Parts,
    bytes: &[u8],
    too_large: bool,
    ctx: &RequestContext,
) -> Result<(Response, bool), GraphError> {
    if parts.method != Method::POST {
        return Err(method_not_allowed(parts.method.as_str()));
    }
    // [unconfirmed] The token of the `$batch` request is checked before anything
    // else of the batch: a missing, invalid or expired token answers 401 for the
    // whole batch (the sandbox does not even keep the body of such a request).
    crate::auth::authenticate(state, &parts.headers)?;
    if too_large || bytes.len() > MAX_BATCH_BODY {
        return Err(batch_too_large());
    }
    let requests = parse(bytes)?;
    let (responses, cut) = execute(state, parts, requests, ctx).await;
    let body = json!({ "responses": responses });
    let mut resp = Response::new(Body::from(body.to_string()));
    // The documented example answer shows `Content-Type: application/json`.
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/json"));
    Ok((resp, cut))
}

/// Validates the whole batch (GRAPH-FACTS §9).
fn parse(bytes: &[u8]) -> Result<Vec<Inner>, GraphError> {
    let value: Value = serde_json::from_slice(bytes).map_err(|_| invalid_payload())?;
    let list = value
        .as_object()
        .and_then(|o| get_ci(o, "requests"))
        .and_then(Value::as_array)
        .ok_or_else(invalid_payload)?;
    if list.len() > MAX_REQUESTS {
        return Err(too_many_requests_in_batch());
    }
    if list.is_empty() {
        return Err(invalid_payload());
    }
    let mut out: Vec<Inner> = Vec::with_capacity(list.len());
    for raw in list {
        let obj = raw.as_object().ok_or_else(invalid_payload)?;
        let id = match get_ci(obj, "id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            _ => return Err(invalid_payload()),
        };
        if out.iter().any(|r| r.id.eq_ignore_ascii_case(&id)) {
            return Err(duplicate_id(&id));
        }
        let method = get_ci(obj, "method")
            .and_then(Value::as_str)
            .and_then(|m| Method::from_bytes(m.trim().to_ascii_uppercase().as_bytes()).ok())
            .ok_or_else(invalid_payload)?;
        let url = get_ci(obj, "url")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|u| !u.is_empty())
            .ok_or_else(invalid_payload)?;
        let uri = relative_uri(url)?;
        let headers = match get_ci(obj, "headers") {
            None | Some(Value::Null) => HeaderMap::new(),
            Some(Value::Object(h)) => header_map(h)?,
            Some(_) => return Err(invalid_payload()),
        };
        let body = match get_ci(obj, "body") {
            None | Some(Value::Null) => None,
            Some(b) => Some(b),
        };
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let is_write = method == Method::POST || method == Method::PUT || method == Method::PATCH;
        if (body.is_some() && content_type.is_none())
            || (is_write && (body.is_none() || content_type.is_none()))
        {
            return Err(write_request_incomplete(&id));
        }
        let body = match (body, content_type) {
            (Some(b), Some(ct)) => Some(decode_body(b, &ct)?),
            _ => None,
        };
        let depends_on = match get_ci(obj, "dependsOn") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(ids)) => {
                let mut deps = Vec::with_capacity(ids.len());
                for dep in ids {
                    let dep = dep.as_str().ok_or_else(invalid_payload)?;
                    let idx = out
                        .iter()
                        .position(|r| r.id.eq_ignore_ascii_case(dep))
                        .ok_or_else(|| invalid_dependency(&id))?;
                    if !deps.contains(&idx) {
                        deps.push(idx);
                    }
                }
                deps
            }
            Some(_) => return Err(invalid_payload()),
        };
        out.push(Inner {
            id,
            method,
            uri,
            headers,
            body,
            depends_on,
        });
    }
    Ok(out)
}

/// `/v1.0/{url}` for a relative inner `url` (with or without a leading `/`, as the
/// docs' examples show both). Absolute URLs are refused (known issue "URIs must be
/// relative"; text of the live answer: [`invalid_payload`]).
fn relative_uri(url: &str) -> Result<Uri, GraphError> {
    let lower = url.to_ascii_lowercase();
    if url.contains("://") || lower.starts_with("http:") || lower.starts_with("https:") {
        return Err(invalid_payload());
    }
    let rel = url.trim_start_matches('/');
    format!("/v1.0/{}", encode_uri(rel))
        .parse::<Uri>()
        .map_err(|_| invalid_payload())
}

/// Percent-encodes what the URI syntax does not allow (spaces in `$filter`, quotes,
/// non-ASCII, a `%` not starting an escape), keeping everything else as given.
fn encode_uri(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(b.len());
    for (i, &c) in b.iter().enumerate() {
        let keep = c.is_ascii_alphanumeric()
            || b"-._~:/?@!$&'()*+,;=".contains(&c)
            || (c == b'%'
                && b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit));
        if keep {
            out.push(c as char);
        } else {
            out.push_str(&format!("%{c:02X}"));
        }
    }
    out
}

/// The `headers` object of an inner request (names case-insensitive; string values,
/// numbers and Booleans taken as their text). `Authorization` is ignored: every inner
/// request uses the token of the `$batch` request \[unconfirmed\].
fn header_map(h: &Map<String, Value>) -> Result<HeaderMap, GraphError> {
    let mut map = HeaderMap::new();
    for (name, value) in h {
        let value = match value {
            Value::String(s) => s.clone(),
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => return Err(invalid_payload()),
        };
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| invalid_payload())?;
        if name == axum::http::header::AUTHORIZATION {
            continue;
        }
        let value = HeaderValue::from_str(value.trim()).map_err(|_| invalid_payload())?;
        map.append(name, value);
    }
    Ok(map)
}

/// The bytes of an inner body (docs: "a JSON object or a base64 URL-encoded value";
/// OData JSON batch format for the details): JSON media types → the JSON value as
/// sent; `text/*` → the string itself (so a `text/plain` MIME `sendMail` carries the
/// base64 MIME text exactly as it would be sent directly); other media types → a
/// base64 or base64url string, decoded. Anything else → [`invalid_payload`]
/// \[unconfirmed\].
fn decode_body(body: &Value, content_type: &str) -> Result<Vec<u8>, GraphError> {
    let essence = media_essence(content_type);
    if is_json(&essence) {
        return serde_json::to_vec(body).map_err(|_| invalid_payload());
    }
    let Value::String(s) = body else {
        return Err(invalid_payload());
    };
    if essence.starts_with("text/") {
        return Ok(s.as_bytes().to_vec());
    }
    let compact: String = s.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD
        .decode(&compact)
        .or_else(|_| URL_SAFE.decode(&compact))
        .or_else(|_| URL_SAFE_NO_PAD.decode(&compact))
        .map_err(|_| invalid_payload())
}

fn media_essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn is_json(essence: &str) -> bool {
    essence == "application/json" || essence.ends_with("+json")
}

/// Runs the validated requests; returns their answers in completion order and whether
/// an inner request drew a cut-off.
async fn execute(
    state: &Arc<AppState>,
    parts: &Parts,
    requests: Vec<Inner>,
    ctx: &RequestContext,
) -> (Vec<Value>, bool) {
    let n = requests.len();
    let authorization = parts.headers.get("authorization").cloned();
    let mut status: Vec<Option<u16>> = vec![None; n];
    let mut started = vec![false; n];
    let mut out = Vec::with_capacity(n);
    let mut cut = false;
    let mut set: JoinSet<(Value, u16)> = JoinSet::new();
    let mut tasks: HashMap<tokio::task::Id, usize> = HashMap::new();
    loop {
        // Start (in batch order) everything that is ready, up to PARALLELISM at once;
        // answer 424 for requests whose dependency failed.
        let mut progressed = true;
        while progressed {
            progressed = false;
            for i in 0..n {
                if started[i] {
                    continue;
                }
                let deps = &requests[i].depends_on;
                if deps.iter().any(|&d| status[d].is_none()) {
                    continue;
                }
                if let Some(&failed) = deps.iter().find(|&&d| status[d].is_some_and(|s| s >= 400)) {
                    started[i] = true;
                    status[i] = Some(StatusCode::FAILED_DEPENDENCY.as_u16());
                    let ictx = inner_context(state, &requests[i].headers, &ctx.client_request_id);
                    let resp = failed_dependency(&requests[failed].id).into_response(&ictx);
                    out.push(entry(&requests[i].id, resp).await);
                    progressed = true;
                    continue;
                }
                if set.len() >= PARALLELISM {
                    continue;
                }
                started[i] = true;
                let (fault, retry_after) = {
                    let mut faults = state.faults();
                    (faults.next_batch_fault(), faults.retry_after_secs())
                };
                cut |= fault == Some(Fault::CutOff);
                let task = run_inner(
                    state.clone(),
                    requests[i].clone(),
                    authorization.clone(),
                    fault,
                    retry_after,
                    ctx.client_request_id.clone(),
                );
                let handle = set.spawn(task);
                tasks.insert(handle.id(), i);
                progressed = true;
            }
        }
        match set.join_next_with_id().await {
            Some(Ok((task, (answer, code)))) => {
                if let Some(&i) = tasks.get(&task) {
                    status[i] = Some(code);
                }
                out.push(answer);
            }
            Some(Err(e)) => {
                // A handler panicked: answer 500 for that request.
                if let Some(&i) = tasks.get(&e.id()) {
                    status[i] = Some(500);
                    let ictx = inner_context(state, &requests[i].headers, &ctx.client_request_id);
                    let resp = GraphError::new(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        "InternalServerError",
                        "The sandbox failed to serve this request.",
                    )
                    .into_response(&ictx);
                    out.push(entry(&requests[i].id, resp).await);
                }
            }
            None => break,
        }
    }
    (out, cut)
}

/// Context of one inner request: a fresh `request-id`, its own `client-request-id` or
/// else the one of the `$batch` request.
fn inner_context(
    state: &AppState,
    headers: &HeaderMap,
    outer_client_request_id: &str,
) -> RequestContext {
    let now = {
        let mut store = state.lock();
        crate::outbox::run_due(&mut store);
        store.now()
    };
    let mut ctx = RequestContext::new(headers, state.origin(), now);
    if !headers.contains_key("client-request-id") {
        ctx.client_request_id = outer_client_request_id.to_string();
    }
    ctx
}

/// Runs one inner request exactly like a request received over HTTP and returns its
/// batch answer and status.
async fn run_inner(
    state: Arc<AppState>,
    inner: Inner,
    authorization: Option<HeaderValue>,
    fault: Option<Fault>,
    retry_after: u64,
    outer_client_request_id: String,
) -> (Value, u16) {
    let mut headers = inner.headers.clone();
    if let Some(auth) = authorization {
        headers.insert(axum::http::header::AUTHORIZATION, auth);
    }
    let has_body = inner.body.is_some();
    let body = inner.body.unwrap_or_default();
    if has_body {
        headers.insert(
            axum::http::header::CONTENT_LENGTH,
            HeaderValue::from(body.len()),
        );
    }
    let mut request = Request::new(());
    *request.method_mut() = inner.method;
    *request.uri_mut() = inner.uri;
    *request.headers_mut() = headers;
    let (parts, ()) = request.into_parts();
    let seq = record_batch_request(&state, &parts, &body, &inner.id);
    let ctx = inner_context(&state, &parts.headers, &outer_client_request_id);
    let resp = match fault {
        // As for requests received over HTTP: throttled / unavailable requests are not
        // applied.
        Some(Fault::Throttle) => GraphError::too_many_requests(retry_after).into_response(&ctx),
        Some(Fault::Unavailable) => {
            GraphError::service_unavailable(retry_after).into_response(&ctx)
        }
        Some(Fault::CutOff) | None => {
            let path = parts.uri.path().to_string();
            let segs: Vec<&str> = path.trim_start_matches('/').split('/').collect();
            graph(&state, &parts, &segs[1..], &body, false, &ctx)
                .await
                .unwrap_or_else(|e| e.into_response(&ctx))
        }
    };
    let code = resp.status().as_u16();
    state.log().finish(seq, code, body.len() as u64);
    (entry(&inner.id, resp).await, code)
}

/// `{id, status, headers, body}` of one answer. Headers are named as Graph shows them
/// (`Content-Type`, `Location`, `Retry-After`, `ETag`, `Preference-Applied`,
/// `WWW-Authenticate`), plus `Cache-Control: no-cache` as on every inner answer of the
/// documented example; `request-id`, `client-request-id`, `Date` and
/// `Content-Length` belong to the `$batch` answer and are left out. An empty body
/// (`202`, `204`) is omitted \[unconfirmed\]; JSON bodies are embedded as JSON, `text/*`
/// bodies as a string, other bodies as a base64 string.
async fn entry(id: &str, resp: Response) -> Value {
    let status = resp.status().as_u16();
    let (parts, body) = resp.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let mut headers = Map::new();
    headers.insert("Cache-Control".into(), json!("no-cache"));
    for (name, value) in &parts.headers {
        let lower = name.as_str();
        if [
            "request-id",
            "client-request-id",
            "date",
            "content-length",
            "transfer-encoding",
        ]
        .contains(&lower)
        {
            continue;
        }
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        headers.insert(graph_header_name(lower), Value::String(value));
    }
    let mut out = Map::new();
    out.insert("id".into(), json!(id));
    out.insert("status".into(), json!(status));
    out.insert("headers".into(), Value::Object(headers));
    if !bytes.is_empty() {
        let content_type = parts
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        out.insert("body".into(), body_value(content_type, &bytes));
    }
    Value::Object(out)
}

fn body_value(content_type: &str, bytes: &[u8]) -> Value {
    let essence = media_essence(content_type);
    if is_json(&essence) {
        if let Ok(v) = serde_json::from_slice(bytes) {
            return v;
        }
    }
    if essence.starts_with("text/") {
        if let Ok(s) = std::str::from_utf8(bytes) {
            return Value::String(s.to_string());
        }
    }
    Value::String(STANDARD.encode(bytes))
}

/// `content-type` → `Content-Type`, `etag` → `ETag`, …
fn graph_header_name(lower: &str) -> String {
    match lower {
        "etag" => "ETag".to_string(),
        "www-authenticate" => "WWW-Authenticate".to_string(),
        "odata-version" => "OData-Version".to_string(),
        _ => lower
            .split('-')
            .map(|w| {
                let mut c = w.chars();
                match c.next() {
                    Some(f) => f.to_ascii_uppercase().to_string() + c.as_str(),
                    None => String::new(),
                }
            })
            .collect::<Vec<_>>()
            .join("-"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batch_paths() {
        assert!(is_batch_path(&["$batch"]));
        assert!(is_batch_path(&["%24batch"]));
        assert!(is_batch_path(&["$BATCH", ""]));
        assert!(!is_batch_path(&["me", "$batch"]));
    }

    #[test]
    fn relative_urls() {
        assert_eq!(
            relative_uri("/me/messages?$top=1").unwrap().to_string(),
            "/v1.0/me/messages?$top=1"
        );
        assert_eq!(
            relative_uri("users?$filter=city eq null")
                .unwrap()
                .to_string(),
            "/v1.0/users?$filter=city%20eq%20null"
        );
        assert!(relative_uri("https://graph.microsoft.com/v1.0/me").is_err());
    }

    #[test]
    fn header_names() {
        assert_eq!(graph_header_name("content-type"), "Content-Type");
        assert_eq!(graph_header_name("retry-after"), "Retry-After");
        assert_eq!(graph_header_name("etag"), "ETag");
    }

    #[test]
    fn validation_errors() {
        let e = parse(br#"{"requests":[{"id":"a","method":"GET","url":"/me/messages"},{"id":"A","method":"GET","url":"/me/messages"}]}"#).unwrap_err();
        assert_eq!(e.message, "Request Id A has to be unique in a batch.");
        let e =
            parse(br#"{"requests":[{"id":"1","method":"POST","url":"/me/sendMail","body":{}}]}"#)
                .unwrap_err();
        assert_eq!(
            e.message,
            "Write request id : 1 does not contain Content-Type header or body."
        );
        let e = parse(br#"{"requests":[{"id":"1","method":"GET","url":"/me/messages","dependsOn":["2"]},{"id":"2","method":"GET","url":"/me/messages"}]}"#).unwrap_err();
        assert_eq!(e.message, "Invalid dependency for request Id 1.");
        let ok = parse(br#"{"requests":[{"id":"1","method":"POST","url":"me/sendMail","headers":{"content-type":"text/plain"},"body":"TUlNRQ=="}]}"#).unwrap();
        assert_eq!(ok[0].body.as_deref(), Some(&b"TUlNRQ=="[..]));
    }
}
