//! Shared test helpers: a mockito server, a client pointed at it, Graph error bodies.
#![allow(dead_code)] // each test file uses a different subset

#[path = "../support/openapi.rs"]
pub mod openapi;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use mockito::{Matcher, Mock, ServerGuard};
use msgraph_outlook::auth::{BoxFuture, Clock, StaticToken};
use msgraph_outlook::{GraphClient, GraphClientBuilder, Sleeper};
use serde_json::{json, Value};

/// The bearer token of [`client`].
pub const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJub25jZSI6InRlc3QifQ.test-token";
/// The `request-id` Graph echoes in mocked error answers.
pub const REQUEST_ID: &str = "94fb3b52-452a-4535-a601-69e0a90e3aa2";
/// A GUID, as `client-request-id` must be.
pub const GUID: &str = "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$";

pub async fn server() -> ServerGuard {
    mockito::Server::new_async().await
}

/// The Graph base URL on the mock server.
pub fn base_url(server: &ServerGuard) -> String {
    format!("{}/v1.0", server.url())
}

/// A client on the mock server with a delegated static token; retries never sleep.
pub fn client(server: &ServerGuard) -> GraphClient {
    client_with(server, |builder| builder)
}

/// Like [`client`], configured further by `configure`.
pub fn client_with(
    server: &ServerGuard,
    configure: impl FnOnce(GraphClientBuilder) -> GraphClientBuilder,
) -> GraphClient {
    let builder = GraphClient::builder()
        .base_url(base_url(server))
        .token_provider(StaticToken::delegated(TOKEN))
        .sleeper(Arc::new(RecordingSleeper::default()));
    configure(builder).build().expect("client")
}

/// A client on any Graph base URL, recording retry delays in `sleeper`.
pub fn client_at(base_url: &str, sleeper: &Arc<RecordingSleeper>) -> GraphClient {
    GraphClient::builder()
        .base_url(base_url)
        .token_provider(StaticToken::delegated(TOKEN))
        .sleeper(sleeper.clone())
        .build()
        .expect("client")
}

/// Records the delays the client asks for and returns at once: retry timing is checked
/// without waiting.
#[derive(Debug, Default)]
pub struct RecordingSleeper {
    pub delays: Mutex<Vec<Duration>>,
}

impl RecordingSleeper {
    pub fn delays(&self) -> Vec<Duration> {
        self.delays.lock().unwrap().clone()
    }
}

impl Sleeper for RecordingSleeper {
    fn sleep(&self, duration: Duration) -> BoxFuture<'static, ()> {
        self.delays.lock().unwrap().push(duration);
        Box::pin(std::future::ready(()))
    }
}

/// Mocks that fail the test if any request arrives, whatever its method: checks refused
/// locally must send nothing.
pub struct NoRequests(Vec<Mock>);

impl NoRequests {
    pub async fn assert_async(&self) {
        for mock in &self.0 {
            mock.assert_async().await;
        }
    }
}

pub async fn expect_no_request(server: &mut ServerGuard) -> NoRequests {
    let mut mocks = Vec::new();
    for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        mocks.push(
            server
                .mock(method, Matcher::Any)
                .expect(0)
                .create_async()
                .await,
        );
    }
    NoRequests(mocks)
}

/// A JSON POST that Graph answers 202; see [`expect_json`].
pub async fn expect_json_post(server: &mut ServerGuard, path: &str, expected: Value) -> Mock {
    expect_json(server, "POST", path, expected)
        .with_status(202)
        .create_async()
        .await
}

/// A JSON request matched on the exact JSON value and the headers every request carries,
/// expected once; add the answer and create it. The expected body is also checked against
/// openapi-fragments/, so the body the client sent (which equals it) is a documented Graph
/// request.
pub fn expect_json(server: &mut ServerGuard, method: &str, path: &str, expected: Value) -> Mock {
    openapi::assert_request_conforms(
        method,
        path,
        "application/json",
        expected.to_string().as_bytes(),
    );
    server
        .mock(method, format!("/v1.0{path}").as_str())
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .match_header("accept", "application/json")
        .match_header("content-type", "application/json")
        .match_header("client-request-id", Matcher::Regex(GUID.into()))
        .match_header("prefer", Matcher::Missing)
        .match_body(Matcher::Json(expected))
        .with_header("request-id", REQUEST_ID)
        .expect(1)
}

/// A JSON request (see [`expect_json`]) answered `status` with the JSON `answer`, created.
pub async fn expect_json_answered(
    server: &mut ServerGuard,
    method: &str,
    path: &str,
    expected: Value,
    status: usize,
    answer: Value,
) -> Mock {
    expect_json(server, method, path, expected)
        .with_status(status)
        .with_body(answer.to_string())
        .create_async()
        .await
}

/// A request without a body (GET, DELETE, a bodyless POST): no body, no `Content-Type`, no
/// query, and the headers every request carries; expected once. Add the answer and create it.
pub fn expect_bare(server: &mut ServerGuard, method: &str, path: &str) -> Mock {
    server
        .mock(method, format!("/v1.0{path}").as_str())
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .match_header("client-request-id", Matcher::Regex(GUID.into()))
        .match_header("content-type", Matcher::Missing)
        .match_query(Matcher::Missing)
        .match_body(Matcher::Exact(String::new()))
        .with_header("request-id", REQUEST_ID)
        .expect(1)
}

/// A message as Graph returns it from a create or a get.
pub fn graph_message(id: &str, subject: &str) -> Value {
    serde_json::json!({
        "@odata.etag": "W/\"CQAAABYAAAD\"",
        "id": id,
        "createdDateTime": "2026-11-22T10:15:02Z",
        "lastModifiedDateTime": "2026-11-22T10:15:02Z",
        "changeKey": "CQAAABYAAAD",
        "categories": [],
        "hasAttachments": false,
        "subject": subject,
        "bodyPreview": "",
        "importance": "normal",
        "parentFolderId": "AQMkADrafts",
        "isDraft": true,
        "isRead": true,
        "body": {"contentType": "text", "content": ""},
        "toRecipients": [{"emailAddress": {"address": "alex@contoso.com", "name": "Alex Wilber"}}],
        "ccRecipients": [],
        "bccRecipients": [],
        "replyTo": [],
        "flag": {"flagStatus": "notFlagged"}
    })
}

/// A Graph error body (GRAPH-FACTS §11).
pub fn graph_error(code: &str, message: &str) -> Value {
    json!({
        "error": {
            "code": code,
            "message": message,
            "innerError": {
                "date": "2026-11-22T10:15:02",
                "request-id": REQUEST_ID,
                "client-request-id": "ignored-in-favour-of-the-header"
            }
        }
    })
}

/// A clock tests move by hand.
#[derive(Debug)]
pub struct ManualClock {
    start: Instant,
    offset: Mutex<Duration>,
}

impl ManualClock {
    pub fn new() -> Self {
        ManualClock {
            start: Instant::now(),
            offset: Mutex::new(Duration::ZERO),
        }
    }

    pub fn advance(&self, by: Duration) {
        *self.offset.lock().unwrap() += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Instant {
        self.start + *self.offset.lock().unwrap()
    }
}
