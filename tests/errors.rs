//! Graph error answers become typed errors that carry everything support needs.

mod common;

use std::time::Duration;

use common::*;
use msgraph_outlook::models::Message;
use msgraph_outlook::{Error, RetryPolicy};

/// Sends one message against a server that answers `status` with `body`, returns the error.
async fn send_against(status: usize, body: &str, extra_headers: &[(&str, &str)]) -> Error {
    let mut server = server().await;
    let mut mock = server
        .mock("POST", "/v1.0/me/sendMail")
        .with_status(status)
        .with_header("content-type", "application/json")
        .with_header("request-id", REQUEST_ID)
        .with_header("client-request-id", "11111111-2222-4333-8444-555555555555")
        .with_body(body);
    for (name, value) in extra_headers {
        mock = mock.with_header(*name, value);
    }
    // 401 is retried once with a fresh token, so it is seen twice.
    let mock = mock
        .expect(if status == 401 { 2 } else { 1 })
        .create_async()
        .await;
    // Retries are tested in reliability.rs; here each answer is seen as is.
    let err = client_with(&server, |b| b.retry_policy(RetryPolicy::never()))
        .me()
        .send_mail(Message::new().subject("x").to("a@contoso.com"))
        .await
        .unwrap_err();
    mock.assert_async().await;
    err
}

/// The Graph answer behind `err`, whichever typed variant carries it.
fn graph(err: &Error) -> &msgraph_outlook::GraphError {
    err.graph_error()
        .unwrap_or_else(|| panic!("expected a Graph error answer, got {err:?}"))
}

#[tokio::test]
async fn mapped_statuses_keep_code_message_and_request_ids() {
    let cases = [
        (
            400,
            "ErrorMimeContentInvalidBase64String",
            "Invalid base64 string for MIME content.",
        ),
        (
            401,
            "InvalidAuthenticationToken",
            "Access token has expired or is not yet valid.",
        ),
        (
            403,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        ),
        (
            404,
            "ErrorInvalidUser",
            "The requested user 'nobody@contoso.com' is invalid.",
        ),
        (
            413,
            "RequestEntityTooLarge",
            "The maximum request length supported is 4MB.",
        ),
        (500, "UnknownError", "An internal server error occurred."),
    ];
    for (status, code, message) in cases {
        let body = graph_error(code, message).to_string();
        let err = send_against(status, &body, &[]).await;
        let e = graph(&err);
        assert_eq!(e.status, status as u16);
        assert_eq!(err.status(), Some(status as u16));
        assert_eq!(e.code.as_deref(), Some(code));
        assert_eq!(err.graph_code(), Some(code));
        assert_eq!(e.message, message);
        assert_eq!(err.request_id(), Some(REQUEST_ID));
        // The header wins over the body's copy.
        assert_eq!(
            err.client_request_id(),
            Some("11111111-2222-4333-8444-555555555555")
        );
        assert_eq!(e.date.as_deref(), Some("2026-11-22T10:15:02"));
        let shown = err.to_string();
        assert!(
            shown.contains(code) && shown.contains(REQUEST_ID),
            "{shown}"
        );
    }
}

#[tokio::test]
async fn throttling_carries_retry_after_and_inner_codes() {
    // GRAPH-FACTS §8.2, verbatim.
    let body = r#"{ "error": { "code": "TooManyRequests",
        "innerError": { "code": "429", "date": "2020-08-18T12:51:51", "message": "Please retry after",
                        "request-id": "94fb3b52-452a-4535-a601-69e0a90e3aa2", "status": "429" },
        "message": "Please retry again later." } }"#;
    let err = send_against(429, body, &[("retry-after", "10")]).await;
    assert!(err.is_throttled());
    assert_eq!(err.retry_after(), Some(Duration::from_secs(10)));
    let e = graph(&err);
    assert_eq!(e.code.as_deref(), Some("TooManyRequests"));
    assert_eq!(e.inner_codes, vec!["429".to_string()]);
    assert_eq!(e.most_specific_code(), Some("429"));
    assert_eq!(e.date.as_deref(), Some("2020-08-18T12:51:51"));
}

#[tokio::test]
async fn a_non_json_error_body_still_gives_status_and_excerpt() {
    let html = format!(
        "<html><body>{}</body></html>",
        "Service Unavailable ".repeat(50)
    );
    let err = send_against(503, &html, &[]).await;
    let e = graph(&err);
    assert_eq!(e.status, 503);
    assert_eq!(e.code, None);
    assert!(
        e.message.starts_with("<html><body>Service Unavailable"),
        "{}",
        e.message
    );
    assert!(
        e.message.chars().count() <= 201,
        "excerpt is bounded: {}",
        e.message.len()
    );
    assert_eq!(err.request_id(), Some(REQUEST_ID));
}

#[tokio::test]
async fn without_response_ids_the_sent_client_request_id_is_reported() {
    let mut server = server().await;
    let _mock = server
        .mock("POST", "/v1.0/me/sendMail")
        .with_status(400)
        .with_body(r#"{"error":{"code":"BadRequest","message":"nope"}}"#)
        .create_async()
        .await;
    let err = client(&server)
        .me()
        .send_mail(Message::new().to("a@contoso.com"))
        .await
        .unwrap_err();
    let sent = err.client_request_id().expect("the id we sent");
    assert_eq!(sent.len(), 36, "{sent}");
    assert_eq!(err.request_id(), None);
}

#[tokio::test]
async fn a_connection_failure_is_a_transport_error() {
    // A port nothing listens on (bound, then closed).
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = msgraph_outlook::GraphClient::builder()
        .base_url(format!("http://127.0.0.1:{port}/v1.0"))
        .token_provider(msgraph_outlook::auth::StaticToken::new(TOKEN))
        .retry_policy(RetryPolicy::never())
        .build()
        .unwrap();
    let err = client
        .me()
        .send_mail(Message::new().to("a@contoso.com"))
        .await
        .unwrap_err();
    match err {
        Error::Transport(e) => assert_eq!(e.kind, msgraph_outlook::TransportErrorKind::Connect),
        other => panic!("{other:?}"),
    }
}
