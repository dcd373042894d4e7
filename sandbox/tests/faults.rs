//! Fault injection (429 / 503 / connection cut off after applying), the concurrency
//! limit of 4 requests per app and mailbox, and the artificial latency.

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use common::*;
use msgraph_outlook_sandbox::{Fault, Faults, Sandbox};
use serde_json::{json, Value};

const GRAPH_JSON: &str =
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8";

fn send_url(sb: &Sandbox) -> String {
    format!("{}/me/sendMail", sb.base_url())
}

fn header<'a>(resp: &'a reqwest::Response, name: &str) -> Option<&'a str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

/// `yyyy-mm-ddThh:mm:ss` without offset, as Graph sends `innerError.date`.
fn assert_graph_date(date: &Value) {
    let d = date.as_str().expect("date is a string");
    assert_eq!(d.len(), 19, "{d}");
    for (i, c) in d.chars().enumerate() {
        match i {
            4 | 7 => assert_eq!(c, '-', "{d}"),
            10 => assert_eq!(c, 'T', "{d}"),
            13 | 16 => assert_eq!(c, ':', "{d}"),
            _ => assert!(c.is_ascii_digit(), "{d}"),
        }
    }
}

/// Lower-case hyphenated GUID.
fn assert_guid(v: &Value) {
    let s = v.as_str().expect("GUID string");
    assert_eq!(s.len(), 36, "{s}");
    for (i, c) in s.chars().enumerate() {
        if [8, 13, 18, 23].contains(&i) {
            assert_eq!(c, '-', "{s}");
        } else {
            assert!(c.is_ascii_hexdigit() && !c.is_ascii_uppercase(), "{s}");
        }
    }
}

fn delivered(sb: &Sandbox) -> usize {
    sb.messages("alex@contoso.com", "inbox").len()
}

#[tokio::test]
async fn throttle_answers_graphs_429_and_is_not_applied() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    sb.set_faults(Faults {
        retry_after: Duration::from_secs(3),
        ..Faults::default()
    });
    sb.fail_next(1, Fault::Throttle);
    let resp = client
        .post(send_url(&sb))
        .bearer_auth(&token)
        .header("client-request-id", "7b3f0c1e-1111-4222-8333-944455556666")
        .json(&simple_mail("throttled"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(header(&resp, "retry-after"), Some("3"));
    assert_eq!(header(&resp, "content-type"), Some(GRAPH_JSON));
    let request_id = header(&resp, "request-id").unwrap().to_string();
    assert_eq!(
        header(&resp, "client-request-id"),
        Some("7b3f0c1e-1111-4222-8333-944455556666")
    );
    let body: Value = resp.json().await.unwrap();
    let inner = &body["error"]["innerError"];
    assert_graph_date(&inner["date"]);
    assert_guid(&inner["request-id"]);
    assert_eq!(inner["request-id"], request_id.as_str());
    // Exactly the shape of Graph's documented 429 body (GRAPH-FACTS §8.2).
    let expected = json!({
        "error": {
            "code": "TooManyRequests",
            "innerError": {
                "code": "429",
                "date": inner["date"],
                "message": "Please retry after",
                "request-id": inner["request-id"],
                "status": "429"
            },
            "message": "Please retry again later."
        }
    });
    assert_eq!(body, expected);

    // Not applied: nothing delivered, nothing in Sent Items.
    assert_eq!(delivered(&sb), 0);
    assert!(sb.messages("adele@contoso.com", "sentitems").is_empty());
    assert_eq!(sb.faults_injected(), 1);
    // The request was still received and recorded.
    assert_eq!(sb.requests().len(), 1);

    // The retry goes through.
    let resp = post_json(&client, &send_url(&sb), &token, &simple_mail("retry")).await;
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(delivered(&sb), 1);
    assert_eq!(sb.faults_injected(), 1);
}

#[tokio::test]
async fn unavailable_answers_503_and_is_not_applied() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    sb.fail_next(2, Fault::Unavailable);
    for _ in 0..2 {
        let resp = post_json(&client, &send_url(&sb), &token, &simple_mail("x")).await;
        assert_eq!(resp.status().as_u16(), 503);
        // Default retry_after is zero: `Retry-After: 0`.
        assert_eq!(header(&resp, "retry-after"), Some("0"));
        assert_eq!(header(&resp, "content-type"), Some(GRAPH_JSON));
        let (_, body) = status_json(resp).await;
        assert_graph_error(&body, "serviceNotAvailable", "Service unavailable");
        assert_graph_date(&body["error"]["innerError"]["date"]);
    }
    assert_eq!(delivered(&sb), 0);
    assert!(sb.messages("adele@contoso.com", "sentitems").is_empty());
    assert_eq!(sb.faults_injected(), 2);
    let resp = post_json(&client, &send_url(&sb), &token, &simple_mail("x")).await;
    assert_eq!(resp.status().as_u16(), 202);
}

#[tokio::test]
async fn cut_off_gives_connection_error_but_message_is_delivered() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    sb.fail_next(1, Fault::CutOff);
    let err = client
        .post(send_url(&sb))
        .bearer_auth(&token)
        .json(&simple_mail("did it go?"))
        .send()
        .await
        .expect_err("no response");
    assert!(err.status().is_none(), "{err:?}");
    assert!(err.is_request() || err.is_body(), "{err:?}");

    // Applied exactly once: delivered and in Sent Items.
    let inbox = sb.messages("alex@contoso.com", "inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["subject"], "did it go?");
    assert_eq!(sb.messages("adele@contoso.com", "sentitems").len(), 1);
    assert_eq!(sb.faults_injected(), 1);

    // The same client keeps working afterwards.
    let resp = post_json(&client, &send_url(&sb), &token, &simple_mail("next")).await;
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(delivered(&sb), 2);
}

#[tokio::test]
async fn cut_off_applies_mime_send_mail_and_draft_send_before_dropping_the_connection() {
    use base64::Engine as _;
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let mime = "To: alex@contoso.com\r\nMessage-ID: <cut@relay.contoso.com>\r\nSubject: mime cut\r\n\r\nx\r\n";
    sb.fail_next(1, Fault::CutOff);
    let err = client
        .post(send_url(&sb))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(base64::engine::general_purpose::STANDARD.encode(mime))
        .send()
        .await
        .expect_err("no response");
    assert!(err.status().is_none(), "{err:?}");

    let draft = post_json(
        &client,
        &format!("{}/me/messages", sb.base_url()),
        &token,
        &json!({"subject": "draft cut", "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]}),
    )
    .await;
    let (status, draft) = status_json(draft).await;
    assert_eq!(status, 201);
    sb.fail_next(1, Fault::CutOff);
    let err = client
        .post(format!(
            "{}/me/messages/{}/send",
            sb.base_url(),
            draft["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .header("content-length", "0")
        .send()
        .await
        .expect_err("no response");
    assert!(err.status().is_none(), "{err:?}");

    // Both were applied exactly once.
    let inbox = sb.messages("alex@contoso.com", "inbox");
    let subjects: Vec<&str> = inbox
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["draft cut", "mime cut"]);
    assert_eq!(inbox[1]["internetMessageId"], "<cut@relay.contoso.com>");
    assert_eq!(sb.messages("adele@contoso.com", "sentitems").len(), 2);
    assert!(sb.messages("adele@contoso.com", "drafts").is_empty());
    assert_eq!(sb.faults_injected(), 2);
}

/// Sends one raw HTTP/1.1 request and returns everything received until the server
/// closes the connection (a reset counts as closed).
async fn raw_exchange(addr: String, request: Vec<u8>) -> Vec<u8> {
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(&request).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
                Err(e) => panic!("read failed: {e}"),
            }
        }
        got
    })
    .await
    .unwrap()
}

#[tokio::test]
async fn cut_off_sends_no_status_line_to_a_raw_client() {
    let (sb, _) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let addr = sb.authority_url().trim_start_matches("http://").to_string();
    let body = simple_mail("raw").to_string();
    let request = format!(
        "POST /v1.0/me/sendMail HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes();

    // Control: without a fault the raw client gets a status line.
    let got = raw_exchange(addr.clone(), request.clone()).await;
    assert!(
        got.starts_with(b"HTTP/1.1 202 "),
        "{}",
        String::from_utf8_lossy(&got)
    );
    assert_eq!(delivered(&sb), 1);

    sb.fail_next(1, Fault::CutOff);
    let got = raw_exchange(addr, request).await;
    assert!(
        got.is_empty(),
        "expected no bytes at all, got {:?}",
        String::from_utf8_lossy(&got)
    );
    assert_eq!(delivered(&sb), 2, "the cut-off request was applied");
}

#[tokio::test]
async fn token_endpoint_is_never_faulted() {
    let (sb, client) = setup().await;
    sb.fail_next(1, Fault::Throttle);
    sb.set_faults(Faults {
        unavailable: 1.0,
        ..Faults::default()
    });
    let resp = client
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            sb.authority_url(),
            sb.tenant_id()
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id()),
            ("client_secret", &sb.client_secret()),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(sb.faults_injected(), 0);
    let token = sb.delegated_token("adele@contoso.com");
    // The queued fault comes first, then the random share (here: all requests).
    let url = format!("{}/me/mailFolders", sb.base_url());
    assert_eq!(get_json(&client, &url, &token).await.0, 429);
    assert_eq!(get_json(&client, &url, &token).await.0, 503);
    sb.set_faults(Faults::default());
    assert_eq!(get_json(&client, &url, &token).await.0, 200);
    assert_eq!(sb.faults_injected(), 2);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Accepted,
    Throttled,
    Unavailable,
    CutOff,
}

/// 500 sendMails against a fresh sandbox with the given seed.
async fn seeded_run(seed: u64) -> Vec<Outcome> {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    sb.set_faults(Faults {
        throttle: 0.2,
        unavailable: 0.1,
        cut_off: 0.05,
        retry_after: Duration::from_secs(1),
        seed: Some(seed),
    });
    let mut out = Vec::with_capacity(500);
    for i in 0..500 {
        let r = client
            .post(send_url(&sb))
            .bearer_auth(&token)
            .json(&simple_mail(&format!("m{i}")))
            .send()
            .await;
        out.push(match r {
            Ok(resp) => match resp.status().as_u16() {
                202 => Outcome::Accepted,
                429 => {
                    assert_eq!(header(&resp, "retry-after"), Some("1"));
                    Outcome::Throttled
                }
                503 => {
                    assert_eq!(header(&resp, "retry-after"), Some("1"));
                    Outcome::Unavailable
                }
                s => panic!("unexpected status {s}"),
            },
            Err(e) => {
                assert!(e.status().is_none(), "{e:?}");
                Outcome::CutOff
            }
        });
    }
    let count = |o| out.iter().filter(|x| **x == o).count();
    // Applied: accepted + cut off; throttled / unavailable were not.
    assert_eq!(
        delivered(&sb),
        count(Outcome::Accepted) + count(Outcome::CutOff)
    );
    assert_eq!(sb.faults_injected(), 500 - count(Outcome::Accepted));
    out
}

#[tokio::test]
async fn seeded_random_shares_are_respected_and_deterministic() {
    let a = seeded_run(42).await;
    let count = |o| a.iter().filter(|x| **x == o).count();
    let (t, u, c) = (
        count(Outcome::Throttled),
        count(Outcome::Unavailable),
        count(Outcome::CutOff),
    );
    // Expected 100 / 50 / 25 of 500 (about ±4 standard deviations allowed).
    assert!((65..=135).contains(&t), "throttled {t}");
    assert!((25..=80).contains(&u), "unavailable {u}");
    assert!((8..=45).contains(&c), "cut off {c}");
    assert_eq!(a, seeded_run(42).await, "same seed, same sequence");
    assert_ne!(a, seeded_run(43).await, "another seed, another sequence");
}

async fn spawn_get(
    client: &reqwest::Client,
    url: String,
    token: String,
) -> tokio::task::JoinHandle<u16> {
    let client = client.clone();
    tokio::spawn(async move {
        let resp = client.get(url).bearer_auth(token).send().await.unwrap();
        resp.status().as_u16()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifth_concurrent_request_to_one_mailbox_gets_429() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let alex = sb.delegated_token("alex@contoso.com");
    sb.set_latency(Duration::from_millis(200));
    let url = format!("{}/me/mailFolders", sb.base_url());
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(spawn_get(&client, url.clone(), adele.clone()).await);
        held.push(spawn_get(&client, url.clone(), alex.clone()).await);
    }
    // Wait (bounded) until 4 requests per mailbox are in flight.
    let start = Instant::now();
    while sb.max_in_flight("adele@contoso.com") < 4 || sb.max_in_flight("alex@contoso.com") < 4 {
        assert!(
            start.elapsed() < Duration::from_millis(150),
            "requests did not get in flight in time"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    // A 5th request for adele's mailbox (here a sendMail) is refused and not applied.
    let resp = post_json(&client, &send_url(&sb), &adele, &simple_mail("fifth")).await;
    assert_eq!(resp.status().as_u16(), 429);
    assert_eq!(header(&resp, "retry-after"), Some("0"));
    let (_, body) = status_json(resp).await;
    assert_eq!(body["error"]["code"], "TooManyRequests");
    assert_eq!(body["error"]["message"], "Please retry again later.");
    assert_eq!(body["error"]["innerError"]["code"], "429");
    assert_eq!(body["error"]["innerError"]["status"], "429");
    assert_eq!(body["error"]["innerError"]["message"], "Please retry after");

    for h in held {
        assert_eq!(h.await.unwrap(), 200);
    }
    assert_eq!(sb.max_in_flight("adele@contoso.com"), 4);
    assert_eq!(sb.max_in_flight("alex@contoso.com"), 4);
    assert_eq!(sb.max_in_flight("nobody@contoso.com"), 0);
    assert_eq!(sb.concurrency_rejections(), 1);
    assert_eq!(sb.faults_injected(), 0);
    assert!(sb.messages("adele@contoso.com", "sentitems").is_empty());

    // Slots are given back: the mailbox accepts requests again.
    sb.set_latency(Duration::ZERO);
    let resp = post_json(&client, &send_url(&sb), &adele, &simple_mail("later")).await;
    assert_eq!(resp.status().as_u16(), 202);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn without_limit_ten_concurrent_requests_go_through() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    sb.set_concurrency_limit(None);
    sb.set_latency(Duration::from_millis(200));
    let url = format!("{}/me/mailFolders", sb.base_url());
    let mut held = Vec::new();
    for _ in 0..10 {
        held.push(spawn_get(&client, url.clone(), adele.clone()).await);
    }
    for h in held {
        assert_eq!(h.await.unwrap(), 200);
    }
    let max = sb.max_in_flight("adele@contoso.com");
    assert!(max > 4, "max in flight {max}");
    assert_eq!(sb.concurrency_rejections(), 0);
}
