//! A `$batch` POST on mockito with exact inner requests, each checked against the fragment of
//! its own operation (and the batch against paths/batch.yaml).
#![allow(dead_code)] // each test file uses a different subset

use mockito::{Matcher, Mock, ServerGuard};
use serde_json::{json, Value};

use super::common::{openapi, GUID, REQUEST_ID, TOKEN};

/// Checks each inner request against the fragment of its own operation (with its own
/// `Content-Type`, JSON when it names none), and the batch body against paths/batch.yaml.
pub fn assert_conforms(requests: &[Value]) {
    for request in requests {
        let method = request["method"].as_str().unwrap();
        let url = request["url"].as_str().unwrap();
        let content_type = request["headers"]["Content-Type"]
            .as_str()
            .unwrap_or("application/json");
        // A bodyless write carries `{}` in a batch (Graph requires a body there): it stands
        // for the operation's empty body.
        let body = request
            .get("body")
            .filter(|b| **b != json!({}))
            .map(|b| b.to_string().into_bytes())
            .unwrap_or_default();
        openapi::assert_request_conforms(method, url, content_type, &body);
    }
    let batch = json!({ "requests": requests });
    openapi::assert_request_conforms(
        "POST",
        "/$batch",
        "application/json",
        batch.to_string().as_bytes(),
    );
}

/// One `$batch` POST with exactly `requests`, answered 200 with `responses` (also checked
/// against the fragment's answer schema).
pub async fn expect_batch(
    server: &mut ServerGuard,
    requests: Vec<Value>,
    responses: Vec<Value>,
) -> Mock {
    assert_conforms(&requests);
    let answer = json!({ "responses": responses });
    openapi::fragments()
        .validate_response_schema("msgraphOutlook.batchResponse", &answer)
        .unwrap_or_else(|e| panic!("{}", e.join("\n")));
    server
        .mock("POST", "/v1.0/$batch")
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .match_header("accept", "application/json")
        .match_header("content-type", "application/json")
        .match_header("client-request-id", Matcher::Regex(GUID.into()))
        .match_body(Matcher::Json(json!({ "requests": requests })))
        .with_status(200)
        .with_header("content-type", "application/json")
        .with_header("request-id", REQUEST_ID)
        .with_body(answer.to_string())
        .expect(1)
        .create_async()
        .await
}

/// An inner answer without body (202 Accepted, 204 No Content).
pub fn status(id: &str, status: u16) -> Value {
    json!({"id": id, "status": status, "headers": {"Cache-Control": "private"}})
}

/// An inner answer without body: 204 No Content.
pub fn no_content(id: &str) -> Value {
    status(id, 204)
}

/// An inner answer with a JSON body.
pub fn with_body(id: &str, status: u16, body: Value) -> Value {
    json!({"id": id, "status": status, "headers": {"Content-Type": "application/json"}, "body": body})
}
