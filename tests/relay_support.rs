//! What the relay needs from the client: a `client-request-id` it chose (recorded before
//! sending), a Message-ID set on a draft, and a client without its own retries.

mod common;

use common::{client, graph_error, server, RecordingSleeper, REQUEST_ID};
use msgraph_outlook::models::Message;
use msgraph_outlook::RetryPolicy;
use serde_json::json;
use std::sync::Arc;

const CRID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

#[tokio::test]
async fn send_mime_draft_create_and_send_carry_the_chosen_client_request_id() {
    let mut server = server().await;
    let send_mime = server
        .mock("POST", "/v1.0/users/adele@contoso.com/sendMail")
        .match_header("client-request-id", CRID)
        .with_status(202)
        .with_header("request-id", REQUEST_ID)
        .expect(1)
        .create_async()
        .await;
    let create = server
        .mock("POST", "/v1.0/users/adele@contoso.com/messages")
        .match_header("client-request-id", "crid-create")
        .match_body(mockito::Matcher::Json(json!({
            "internetMessageId": "<q-1@relay.example>",
            "subject": "Big",
            "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]
        })))
        .with_status(201)
        .with_body(json!({"id": "AAMk1", "isDraft": true}).to_string())
        .expect(1)
        .create_async()
        .await;
    let send = server
        .mock("POST", "/v1.0/users/adele@contoso.com/messages/AAMk1/send")
        .match_header("client-request-id", "crid-send")
        .with_status(202)
        .expect(1)
        .create_async()
        .await;
    let adele = client(&server).user("adele@contoso.com");
    let accepted = adele
        .send_mime(b"To: alex@contoso.com\r\nSubject: x\r\n\r\nx\r\n".to_vec())
        .client_request_id(CRID)
        .await
        .unwrap();
    assert_eq!(accepted.client_request_id, CRID);
    assert_eq!(accepted.request_id.as_deref(), Some(REQUEST_ID));
    let draft = adele
        .create_draft(
            Message::new()
                .internet_message_id("<q-1@relay.example>")
                .subject("Big")
                .to("alex@contoso.com"),
        )
        .client_request_id("crid-create")
        .await
        .unwrap();
    let accepted = adele
        .message(draft.id.unwrap())
        .send()
        .client_request_id("crid-send")
        .await
        .unwrap();
    assert_eq!(accepted.client_request_id, "crid-send");
    send_mime.assert_async().await;
    create.assert_async().await;
    send.assert_async().await;
}

#[tokio::test]
async fn with_retry_policy_never_returns_the_first_throttled_answer() {
    let mut server = server().await;
    let throttled = server
        .mock("POST", "/v1.0/users/adele@contoso.com/sendMail")
        .with_status(429)
        .with_header("retry-after", "3")
        .with_body(graph_error("TooManyRequests", "Too many requests").to_string())
        .expect(1)
        .create_async()
        .await;
    let sleeper = Arc::new(RecordingSleeper::default());
    let patient = common::client_at(&common::base_url(&server), &sleeper);
    let relay = patient.with_retry_policy(RetryPolicy::never());
    let err = relay
        .user("adele@contoso.com")
        .send_mime(b"To: alex@contoso.com\r\nSubject: x\r\n\r\nx\r\n".to_vec())
        .await
        .unwrap_err();
    assert!(err.is_throttled(), "{err:?}");
    assert_eq!(err.retry_after(), Some(std::time::Duration::from_secs(3)));
    assert!(sleeper.delays().is_empty());
    throttled.assert_async().await;
    // The original client keeps its policy: it retries.
    let retried = server
        .mock("POST", "/v1.0/users/adele@contoso.com/sendMail")
        .with_status(429)
        .with_header("retry-after", "0")
        .with_body(graph_error("TooManyRequests", "Too many requests").to_string())
        .expect(5)
        .create_async()
        .await;
    let _ = patient
        .user("adele@contoso.com")
        .send_mime(b"To: alex@contoso.com\r\nSubject: x\r\n\r\nx\r\n".to_vec())
        .await
        .unwrap_err();
    retried.assert_async().await;
}
