//! Graph error bodies, Entra (identity platform) error bodies, and the response headers
//! every sandbox response carries. All error responses of the sandbox are built here.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::{json, Value};

/// `Content-Type` Graph sends on JSON bodies (GRAPH-FACTS §7 / observed on live responses).
pub(crate) const GRAPH_JSON: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

/// `Content-Type` of identity-platform token responses.
pub(crate) const ENTRA_JSON: &str = "application/json; charset=utf-8";

/// Per-request correlation data: the ids Graph puts in headers and in `innerError`.
#[derive(Debug, Clone)]
pub(crate) struct RequestContext {
    /// Server-generated `request-id`.
    pub request_id: String,
    /// Echo of the request's `client-request-id`, or a fresh GUID.
    pub client_request_id: String,
    /// `http://127.0.0.1:{port}` – used for absolute links.
    pub origin: String,
    /// The sandbox clock's time when the request arrived (`innerError.date`).
    pub now: chrono::DateTime<chrono::Utc>,
}

impl RequestContext {
    /// Builds the context for one request.
    pub(crate) fn new(
        headers: &HeaderMap,
        origin: String,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let client_request_id = headers
            .get("client-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.trim().is_empty())
            .map(|v| v.trim().to_string())
            .unwrap_or_else(new_guid);
        RequestContext {
            request_id: new_guid(),
            client_request_id,
            origin,
            now,
        }
    }
}

/// A fresh random GUID in the usual lower-case hyphenated form.
pub(crate) fn new_guid() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// A Graph error: HTTP status, `error.code`, `error.message`, an optional
/// `WWW-Authenticate` challenge (401s), an optional `Retry-After` (429/503), and whether
/// `innerError` has the throttling shape (429).
#[derive(Debug, Clone)]
pub(crate) struct GraphError {
    pub status: StatusCode,
    pub code: String,
    pub message: String,
    pub www_authenticate: bool,
    /// `Retry-After` header value in seconds.
    pub retry_after: Option<u64>,
    /// `innerError` as on Graph's 429s: `{code "429", date, message "Please retry
    /// after", request-id, status "429"}` (GRAPH-FACTS §8.2).
    pub throttle_inner: bool,
}

impl GraphError {
    /// A Graph error with the given status, code and message.
    pub(crate) fn new(status: StatusCode, code: &str, message: impl Into<String>) -> Self {
        GraphError {
            status,
            code: code.to_string(),
            message: message.into(),
            www_authenticate: false,
            retry_after: None,
            throttle_inner: false,
        }
    }

    /// 429 `TooManyRequests` "Please retry again later." with `Retry-After` and the
    /// throttling `innerError`, exactly as the example response of Graph's throttling
    /// page (GRAPH-FACTS §8.2, doc R34). Used for injected throttling and for the
    /// concurrency limit of 4 requests per app and mailbox (§8.1).
    pub(crate) fn too_many_requests(retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequests",
            "Please retry again later.",
        );
        e.retry_after = Some(retry_after_secs);
        e.throttle_inner = true;
        e
    }

    /// 503 `serviceNotAvailable` "Service unavailable" with `Retry-After`. The code is
    /// the generic one of Graph's error list (GRAPH-FACTS §11) and code + message are as
    /// quoted from live Graph 503 bodies in public issue reports (SharePoint / OneDrive
    /// workloads, e.g. microsoftgraph/microsoft-graph-docs-contrib#6045); what Outlook
    /// mail endpoints send on 503 is \[unconfirmed\] (other live 503s show e.g.
    /// `MailboxInfoStale` or `ErrorServiceUnavailable`). 503 with `Retry-After`: doc R38.
    pub(crate) fn service_unavailable(retry_after_secs: u64) -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "serviceNotAvailable",
            "Service unavailable",
        );
        e.retry_after = Some(retry_after_secs);
        e
    }

    /// 400 `BadRequest`.
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BadRequest", message)
    }

    /// 401 `InvalidAuthenticationToken` with a `WWW-Authenticate` challenge.
    pub(crate) fn unauthenticated(message: impl Into<String>) -> Self {
        let mut e = Self::new(
            StatusCode::UNAUTHORIZED,
            "InvalidAuthenticationToken",
            message,
        );
        e.www_authenticate = true;
        e
    }

    /// 400 `BadRequest` "Resource not found for the segment '…'." – Graph's answer for an
    /// unknown path segment (observed; e.g. community reports quoting live responses).
    pub(crate) fn unknown_segment(segment: &str) -> Self {
        Self::bad_request(format!("Resource not found for the segment '{segment}'."))
    }

    /// 400 for a body that is not a JSON object: the text of live Graph responses for an
    /// unreadable JSON payload.
    pub(crate) fn bad_json() -> Self {
        Self::bad_request(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
        )
    }

    /// 400 `ErrorInvalidParameter` for a malformed parameter or property
    /// \[unconfirmed: Graph's code varies by operation\].
    pub(crate) fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "ErrorInvalidParameter", message)
    }

    /// 400 for a property the type `ty` (e.g. `messageRule`) does not have: the text of
    /// the OData library; the code is [unconfirmed].
    pub(crate) fn unknown_property(name: &str, ty: &str) -> Self {
        Self::bad_request(format!(
            "The property '{name}' does not exist on type 'microsoft.graph.{ty}'. Make sure to only use property names that are defined by the type or mark the type as open type."
        ))
    }

    /// 400 `RequestBodyRead` for a value that is not a member of the enum `ty` (text of
    /// the OData library; code as other sandbox routes use it [unconfirmed]).
    pub(crate) fn not_enum_member(value: &str, ty: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "RequestBodyRead",
            format!(
                "Cannot convert the literal '{value}' to the expected type 'microsoft.graph.{ty}'."
            ),
        )
    }

    /// 404 `ErrorItemNotFound` (GRAPH-FACTS §11 example).
    pub(crate) fn item_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "ErrorItemNotFound",
            "The specified object was not found in the store.",
        )
    }

    /// Builds the HTTP response (body + common headers).
    pub(crate) fn into_response(self, ctx: &RequestContext) -> Response {
        // Graph sends the date without a UTC offset (GRAPH-FACTS §0.8).
        let date = ctx.now.format("%Y-%m-%dT%H:%M:%S").to_string();
        let inner = if self.throttle_inner {
            // Exactly the members of the documented 429 example (no client-request-id).
            json!({
                "code": self.status.as_u16().to_string(),
                "date": date,
                "message": "Please retry after",
                "request-id": ctx.request_id,
                "status": self.status.as_u16().to_string(),
            })
        } else {
            json!({
                "date": date,
                "request-id": ctx.request_id,
                "client-request-id": ctx.client_request_id,
            })
        };
        let body = json!({
            "error": {
                "code": self.code,
                "message": self.message,
                "innerError": inner,
            }
        });
        let mut resp = json_response(self.status, &body);
        if let Some(secs) = self.retry_after {
            resp.headers_mut()
                .insert("retry-after", HeaderValue::from(secs));
        }
        if self.www_authenticate {
            // Shape of Graph's challenge as shown in Microsoft's MSAL docs
            // ("extract authentication parameters"), pointed at the sandbox authority.
            let challenge = format!(
                "Bearer realm=\"\", authorization_uri=\"{}/common/oauth2/authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"",
                ctx.origin
            );
            if let Ok(v) = HeaderValue::from_str(&challenge) {
                resp.headers_mut().insert("www-authenticate", v);
            }
        }
        resp
    }
}

/// A JSON response with Graph's JSON content type.
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert("content-type", HeaderValue::from_static(GRAPH_JSON));
    resp
}

/// An empty response (e.g. `202 Accepted` of `sendMail`); hyper writes `Content-Length: 0`.
pub(crate) fn empty_response(status: StatusCode) -> Response {
    let mut resp = Response::new(Body::empty());
    *resp.status_mut() = status;
    resp
}

/// Adds `request-id`, `client-request-id` and `Date` to a Graph response.
pub(crate) fn apply_graph_headers(resp: &mut Response, ctx: &RequestContext) {
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ctx.request_id) {
        h.insert("request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&ctx.client_request_id) {
        h.insert("client-request-id", v);
    }
    insert_date(h);
}

/// Adds `x-ms-request-id`, `client-request-id` and `Date` to a token-endpoint response.
pub(crate) fn apply_entra_headers(resp: &mut Response, ctx: &RequestContext) {
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&ctx.request_id) {
        h.insert("x-ms-request-id", v);
    }
    if let Ok(v) = HeaderValue::from_str(&ctx.client_request_id) {
        h.insert("client-request-id", v);
    }
    insert_date(h);
}

fn insert_date(h: &mut HeaderMap) {
    let date = chrono::Utc::now()
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    if let Ok(v) = HeaderValue::from_str(&date) {
        h.insert("date", v);
    }
}

/// An identity-platform (Entra) OAuth error, GRAPH-FACTS §12.5:
/// `{error, error_description "AADSTSn: … Trace ID … Correlation ID … Timestamp …",
/// error_codes, timestamp, trace_id, correlation_id, error_uri}`.
#[derive(Debug, Clone)]
pub(crate) struct EntraError {
    pub status: StatusCode,
    pub error: &'static str,
    pub aadsts: u32,
    pub text: String,
}

impl EntraError {
    /// A 400 error.
    pub(crate) fn bad(error: &'static str, aadsts: u32, text: impl Into<String>) -> Self {
        EntraError {
            status: StatusCode::BAD_REQUEST,
            error,
            aadsts,
            text: text.into(),
        }
    }

    /// Builds the HTTP response.
    pub(crate) fn into_response(self, ctx: &RequestContext) -> Response {
        let now = chrono::Utc::now();
        // Entra's timestamp format, e.g. "2023-05-06 06:03:00Z" (observed in live bodies).
        let timestamp = now.format("%Y-%m-%d %H:%M:%SZ").to_string();
        let trace_id = ctx.request_id.clone();
        let correlation_id = ctx.client_request_id.clone();
        let body = json!({
            "error": self.error,
            "error_description": format!(
                "AADSTS{}: {}\r\nTrace ID: {}\r\nCorrelation ID: {}\r\nTimestamp: {}",
                self.aadsts, self.text, trace_id, correlation_id, timestamp
            ),
            "error_codes": [self.aadsts],
            "timestamp": timestamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": format!("{}/error?code={}", ctx.origin, self.aadsts),
        });
        entra_json(self.status, &body)
    }
}

/// A JSON answer of an identity endpoint, uncacheable like all of Entra's token answers.
pub(crate) fn entra_json(status: StatusCode, body: &Value) -> Response {
    let mut resp = Response::new(Body::from(body.to_string()));
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert("content-type", HeaderValue::from_static(ENTRA_JSON));
    h.insert(
        "cache-control",
        HeaderValue::from_static("no-store, no-cache"),
    );
    h.insert("pragma", HeaderValue::from_static("no-cache"));
    resp
}
