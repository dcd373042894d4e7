//! The server itself (issue 15, items 14, 16, 19): the bounded request log, idle
//! connections closed after the idle timeout, the connection bound, and the clock
//! route with token expiry by the sandbox clock.

mod common;

use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use common::{assert_graph_error, get_json, post_json, setup, simple_mail, status_json};
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[tokio::test]
async fn unauthenticated_requests_record_method_path_and_status_only() {
    let (sb, client) = setup().await;
    let body = vec![b'x'; 5000];
    // No token: 401, and nothing but method, path, query and status is recorded.
    let resp = client
        .post(format!("{}/me/sendMail?a=1", sb.base_url()))
        .header("content-type", "application/json")
        .header("x-secret", "kept out")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    let (status, json) = status_json(resp).await;
    assert_eq!(status, 401);
    assert_graph_error(
        &json,
        "InvalidAuthenticationToken",
        "Access token is empty.",
    );
    // A path the sandbox does not serve: 404, same.
    let resp = client
        .post(format!("{}/random/path", sb.authority_url()))
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    // An accepted token: headers and body are kept.
    let token = sb.delegated_token("adele@contoso.com");
    let resp = post_json(
        &client,
        &format!("{}/me/sendMail", sb.base_url()),
        &token,
        &simple_mail("Kept"),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);

    let log = sb.requests();
    assert_eq!(log.len(), 3);
    let (no_token, unknown, sent) = (&log[0], &log[1], &log[2]);
    assert_eq!(
        (no_token.method.as_str(), no_token.path.as_str()),
        ("POST", "/v1.0/me/sendMail")
    );
    assert_eq!(no_token.query, None, "kept only with an accepted token");
    assert_eq!((no_token.status, no_token.body_size), (401, 5000));
    assert!(no_token.headers.is_empty() && no_token.body.is_empty());
    assert_eq!(
        (unknown.path.as_str(), unknown.status, unknown.body_size),
        ("/random/path", 404, 5000)
    );
    assert!(unknown.headers.is_empty() && unknown.body.is_empty());
    assert_eq!(sent.status, 202);
    assert!(sent
        .headers
        .iter()
        .any(|(k, v)| k == "authorization" && v == &format!("Bearer {token}")));
    let kept: Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(kept, simple_mail("Kept"));
    assert_eq!(sent.body_size, sent.body.len() as u64);
    // The mail went out; the refused one did not.
    assert_eq!(sb.messages("alex@contoso.com", "inbox").len(), 1);
}

#[tokio::test]
async fn the_log_keeps_the_last_n_requests_with_truncated_bodies() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    sb.set_request_log_limit(3);
    sb.set_request_body_limit(10);
    for i in 0..5 {
        let resp = post_json(
            &client,
            &format!("{}/me/sendMail", sb.base_url()),
            &token,
            &simple_mail(&format!("Mail {i}")),
        )
        .await;
        assert_eq!(resp.status().as_u16(), 202);
    }
    let full = serde_json::to_vec(&simple_mail("Mail 4")).unwrap();
    let log = sb.requests();
    assert_eq!(log.len(), 3, "only the last 3 are kept");
    assert!(log.iter().all(|r| r.status == 202 && r.body.len() == 10));
    assert_eq!(log[2].body, full[..10]);
    assert_eq!(log[2].body_size, full.len() as u64);
    assert_eq!(sb.messages("alex@contoso.com", "inbox").len(), 5);
    sb.set_request_log_limit(1);
    assert_eq!(sb.requests().len(), 1);
    sb.set_request_log_limit(0);
    let (status, _) = get_json(&client, &format!("{}/me/messages", sb.base_url()), &token).await;
    assert_eq!(status, 200);
    assert!(sb.requests().is_empty());
}

/// Reads until the server closes the connection; returns what it sent and when.
async fn read_until_closed(stream: &mut TcpStream) -> (Vec<u8>, Instant) {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    let read = async {
        loop {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .expect("the sandbox closed the stalled connection");
    (got, Instant::now())
}

#[tokio::test]
async fn stalled_clients_are_closed_after_the_idle_timeout() {
    let sb = Sandbox::builder()
        .idle_timeout(Duration::from_millis(200))
        .start()
        .await
        .unwrap();
    let token = sb.delegated_token("adele@contoso.com");
    sb.add_user("alex@contoso.com");
    let addr = sb.authority_url().trim_start_matches("http://").to_string();

    // Half the headers, then nothing.
    let mut headers_only = TcpStream::connect(&addr).await.unwrap();
    let start = Instant::now();
    headers_only
        .write_all(b"POST /v1.0/me/sendMail HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        .await
        .unwrap();
    let (got, closed) = read_until_closed(&mut headers_only).await;
    assert!(got.is_empty(), "no answer to half a request");
    assert!(closed - start >= Duration::from_millis(200));

    // Whole headers, 10 of 100 body bytes, then nothing: closed too, nothing applied.
    let mut half_body = TcpStream::connect(&addr).await.unwrap();
    let start = Instant::now();
    half_body
        .write_all(
            format!(
                "POST /v1.0/me/sendMail HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"message\""
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    let (_, closed) = read_until_closed(&mut half_body).await;
    assert!(closed - start >= Duration::from_millis(200));
    assert!(sb.messages("alex@contoso.com", "inbox").is_empty());

    // A normal request still works, also one whose handler takes longer than the
    // timeout (time in a handler is not idle time).
    sb.set_latency(Duration::from_millis(400));
    let client = reqwest::Client::new();
    let resp = post_json(
        &client,
        &format!("{}/me/sendMail", sb.base_url()),
        &token,
        &simple_mail("Still served"),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(sb.messages("alex@contoso.com", "inbox").len(), 1);
}

#[tokio::test]
async fn connections_beyond_the_bound_wait_for_a_free_place() {
    let sb = Sandbox::builder().max_connections(1).start().await.unwrap();
    let token = sb.delegated_token("adele@contoso.com");
    let addr = sb.authority_url().trim_start_matches("http://").to_string();
    // One connection takes the only place (the sandbox accepted it: it answers).
    let mut first = TcpStream::connect(&addr).await.unwrap();
    first
        .write_all(b"GET /_sandbox/clock HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 12];
    first.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"HTTP/1.1 200");

    // A second client connects (the OS queues it) but is not served meanwhile.
    let url = format!("{}/me/messages", sb.base_url());
    let waiting = tokio::spawn(async move {
        reqwest::Client::new()
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .map(|r| r.status().as_u16())
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(!waiting.is_finished(), "served beyond the bound");
    // The first connection closes: the second one is served.
    drop(first);
    let status = tokio::time::timeout(Duration::from_secs(10), waiting)
        .await
        .expect("served once a place is free")
        .unwrap()
        .unwrap();
    assert_eq!(status, 200);
}

async fn clock(client: &reqwest::Client, sb: &Sandbox, body: Option<Value>) -> (u16, Value) {
    let url = format!("{}/_sandbox/clock", sb.authority_url());
    let req = match body {
        Some(b) => client.post(url).json(&b),
        None => client.get(url),
    };
    status_json(req.send().await.unwrap()).await
}

fn parse_now(v: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(v["now"].as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test]
async fn the_clock_route_delivers_deferred_mail_and_expires_tokens() {
    let (sb, client) = setup().await;
    sb.set_token_lifetime(Duration::from_secs(600));
    let token = common::app_token(&sb, &client).await;
    let (status, now) = clock(&client, &sb, None).await;
    assert_eq!(status, 200);
    let before = parse_now(&now);
    assert!((sb.now() - before).num_seconds().abs() < 5);

    // A message deferred by 5 minutes waits in the Outbox.
    let at = before + chrono::Duration::minutes(5);
    let mut mail = simple_mail("Later");
    mail["message"]["singleValueExtendedProperties"] = json!([{
        "id": "SystemTime 0x3FEF",
        "value": at.to_rfc3339_opts(SecondsFormat::Secs, true),
    }]);
    let resp = post_json(
        &client,
        &format!("{}/users/adele@contoso.com/sendMail", sb.base_url()),
        &token,
        &mail,
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    assert!(sb.messages("alex@contoso.com", "inbox").is_empty());

    // Six minutes later by the route: delivered, the token still valid.
    let (status, now) = clock(&client, &sb, Some(json!({"advanceSeconds": 360}))).await;
    assert_eq!(status, 200);
    assert!(parse_now(&now) - before >= chrono::Duration::seconds(360));
    let (status, inbox) = get_json(
        &client,
        &format!("{}/users/alex@contoso.com/messages", sb.base_url()),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(inbox["value"][0]["subject"], "Later");
    assert!(sb.messages("adele@contoso.com", "outbox").is_empty());

    // Past the 600 s lifetime: Graph's expiry answer.
    let (status, _) = clock(&client, &sb, Some(json!({"advanceSeconds": 300}))).await;
    assert_eq!(status, 200);
    let (status, body) = get_json(
        &client,
        &format!("{}/users/alex@contoso.com/messages", sb.base_url()),
        &token,
    )
    .await;
    assert_eq!(status, 401);
    assert_graph_error(
        &body,
        "InvalidAuthenticationToken",
        "Lifetime validation failed, the token is expired.",
    );

    // Setting the clock.
    let (status, now) = clock(&client, &sb, Some(json!({"now": "2031-01-02T03:04:05Z"}))).await;
    assert_eq!(status, 200);
    let set = parse_now(&now);
    assert!(now["now"]
        .as_str()
        .unwrap()
        .starts_with("2031-01-02T03:04:0"));
    assert!((sb.now() - set).num_seconds().abs() < 5);
}

#[tokio::test]
async fn the_clock_route_refuses_what_it_does_not_know() {
    let (sb, client) = setup().await;
    let expected = json!({"error": {"code": "BadRequest", "message": "Expected {\"advanceSeconds\": <whole number >= 0>} or {\"now\": \"<RFC 3339 date-time>\"}."}});
    for body in [
        json!({"advanceSeconds": -5}),
        json!({"advanceSeconds": 1.5}),
        json!({"now": "tomorrow"}),
        json!({"advanceSeconds": 1, "now": "2031-01-01T00:00:00Z"}),
        json!([]),
    ] {
        let before = sb.now();
        let (status, answer) = clock(&client, &sb, Some(body.clone())).await;
        assert_eq!((status, &answer), (400, &expected), "{body}");
        assert!((sb.now() - before).num_seconds() < 5, "clock unchanged");
    }
    let resp = client
        .put(format!("{}/_sandbox/clock", sb.authority_url()))
        .send()
        .await
        .unwrap();
    let (status, answer) = status_json(resp).await;
    assert_eq!(status, 405);
    assert_eq!(
        answer,
        json!({"error": {"code": "MethodNotAllowed", "message": "Use GET or POST on /_sandbox/clock."}})
    );
    let resp = client
        .get(format!("{}/_sandbox/other", sb.authority_url()))
        .send()
        .await
        .unwrap();
    let (status, answer) = status_json(resp).await;
    assert_eq!(status, 404);
    assert_eq!(
        answer,
        json!({"error": {"code": "NotFound", "message": "The sandbox's admin routes are GET and POST /_sandbox/clock."}})
    );
}
