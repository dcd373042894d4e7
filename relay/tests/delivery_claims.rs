//! A claim's lease runs out while the message is still being handled (waiting for one of
//! its mailbox's concurrency slots behind a slow send): the message is claimed again, and
//! the second claim must not send it a second time. Graph here is a small HTTP server on
//! 127.0.0.1 that holds the first `sendMail` until the test lets it go, answers the second
//! `504` (outcome unknown) and every later one `202`.

mod delivery_common;

use chrono::{DateTime, TimeZone, Utc};
use msgraph_relay::clock::ManualClock;
use msgraph_relay::config::DeliveryConfig;
use msgraph_relay::delivery::Deliverer;
use msgraph_relay::envelope::Envelope;
use msgraph_relay::metrics::Metrics;
use msgraph_relay::shutdown;
use msgraph_relay::spool::{QueueId, Record, Spool, State};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

/// Reads one HTTP request (head and `Content-Length` body); `None` at end of stream.
async fn read_request(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> Option<(String, Vec<u8>)> {
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).await.ok()? == 0 {
        return None;
    }
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.ok()?;
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).await.ok()?;
    Some((request_line, body))
}

/// The fake Graph: counts `sendMail` requests; holds the first until `release`.
async fn graph(sends: Arc<AtomicUsize>, release: Arc<Notify>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/v1.0", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let (sends, release) = (sends.clone(), release.clone());
            tokio::spawn(async move {
                let (read, mut write) = stream.into_split();
                let mut reader = BufReader::new(read);
                while let Some((line, _body)) = read_request(&mut reader).await {
                    let answer = if line.starts_with("POST ") && line.contains("/sendMail") {
                        match sends.fetch_add(1, Ordering::SeqCst) {
                            0 => {
                                release.notified().await;
                                "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n".to_string()
                            }
                            1 => {
                                let body = r#"{"error":{"code":"GatewayTimeout","message":"m"}}"#;
                                format!(
                                    "HTTP/1.1 504 Gateway Timeout\r\nContent-Type: application/json\r\n\
                                     Content-Length: {}\r\n\r\n{body}",
                                    body.len()
                                )
                            }
                            _ => "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n".to_string(),
                        }
                    } else {
                        "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string()
                    };
                    if write.write_all(answer.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// Polls `done` (an async expression) until it holds, for at most 20 s.
macro_rules! wait_for {
    ($what:expr, $done:expr) => {{
        let deadline = Instant::now() + Duration::from_secs(20);
        while !$done {
            assert!(Instant::now() < deadline, "timed out waiting for {}", $what);
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }};
}

#[tokio::test]
async fn a_claim_whose_lease_ran_out_behind_a_slow_send_does_not_send_the_message_again() {
    let sends = Arc::new(AtomicUsize::new(0));
    let release = Arc::new(Notify::new());
    let url = graph(sends.clone(), release.clone()).await;
    let client = delivery_common::static_token_client(url);
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path(), "relay.test").unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap();
    let clock = ManualClock::new(t0);
    let mut ids = Vec::new();
    for n in 1..=2 {
        let envelope = Envelope::new("adele@contoso.com", vec!["alex@contoso.com".into()]);
        let message = format!(
            "Message-ID: <{n}@relay.test>\r\nFrom: adele@contoso.com\r\nTo: alex@contoso.com\r\n\
             Subject: s{n}\r\n\r\nx\r\n"
        );
        ids.push(
            spool
                .enqueue_at(envelope, message.as_bytes(), t0)
                .await
                .unwrap(),
        );
    }
    let deliverer = Deliverer::new(
        spool.clone(),
        client,
        DeliveryConfig {
            // One send at a time from Adele's mailbox: the second message waits for it.
            max_concurrent: 1,
            workers: 3,
            poll_interval: Duration::from_millis(10),
            lease: Duration::from_secs(600),
            shutdown_timeout: Duration::from_secs(20),
            ..DeliveryConfig::default()
        },
        Arc::new(clock.clone()),
        Metrics::new(),
    );
    let (trigger, stop) = shutdown::channel();
    let running = tokio::spawn(deliverer.run(stop));
    wait_for!("the first send", sends.load(Ordering::SeqCst) == 1);
    // The first send is held; the other message waits for the mailbox's slot while its
    // claim's lease (10 minutes) runs out, and the loop, with a worker free, claims it again.
    clock.advance(Duration::from_secs(601));
    // Claimed again: its lease now ends 10 minutes after the new time.
    wait_for!(
        "the second claim",
        spool.next_due().await.unwrap() == Some(t0 + chrono::Duration::seconds(1201))
    );
    release.notify_one();
    // The first is sent; the second's send answers 504: unknown, to be looked for.
    wait_for!(
        "both outcomes",
        spool.get(&ids[0]).await.unwrap().state == State::Sent
            && spool.get(&ids[1]).await.unwrap().state == State::Unknown
    );
    trigger.trigger();
    tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("run returns after shutdown")
        .unwrap()
        .unwrap();
    // Every claim has finished: the second message was sent once, then left to the check.
    assert_eq!(sends.load(Ordering::SeqCst), 2);
    let record = spool.get(&ids[1]).await.unwrap();
    assert_eq!((record.state, record.attempts), (State::Unknown, 1));
}

/// A spool holding one message from Adele whose first attempt (`crid-1`, at `t0`) ended
/// with an unknown outcome (504); the directory must outlive the spool.
async fn unknown_after_one_attempt() -> (tempfile::TempDir, Spool, DateTime<Utc>, QueueId) {
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path(), "relay.test").unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap();
    let envelope = Envelope::new("adele@contoso.com", vec!["alex@contoso.com".into()]);
    let id = spool
        .enqueue_at(envelope, b"Subject: s\r\n\r\nx\r\n", t0)
        .await
        .unwrap();
    spool
        .mark_sending(&id, "adele@contoso.com", "mime", "crid-1", t0)
        .await
        .unwrap();
    spool.mark_unknown(&id, t0, "504", t0).await.unwrap();
    (dir, spool, t0, id)
}

/// A `sendMail` for Adele that answers 504 (outcome unknown), expected exactly once.
async fn send_times_out(graph: &mut mockito::Server) -> mockito::Mock {
    graph
        .mock("POST", "/v1.0/users/adele@contoso.com/sendMail")
        .with_status(504)
        .with_header("content-type", "application/json")
        .with_body(r#"{"error":{"code":"GatewayTimeout","message":"m"}}"#)
        .expect(1)
        .create_async()
        .await
}

#[tokio::test]
async fn an_unknown_message_is_never_marked_sending_by_a_stale_claim() {
    // Another process's claim that predates the unknown outcome must not start an attempt:
    // only the check (unknown → queued when proven absent) opens the way to a resend.
    let (_dir, spool, t0, id) = unknown_after_one_attempt().await;
    let refused = spool
        .mark_sending(&id, "adele@contoso.com", "mime", "crid-2", t0)
        .await;
    assert!(
        matches!(
            refused,
            Err(msgraph_relay::spool::SpoolError::WrongState {
                state: State::Unknown,
                ..
            })
        ),
        "{refused:?}"
    );
    let record = spool.get(&id).await.unwrap();
    assert_eq!(
        (
            record.state,
            record.attempts,
            record.client_request_id.as_deref()
        ),
        (State::Unknown, 1, Some("crid-1"))
    );
}

/// Queues one message from Adele at a fixed time and runs the `Deliverer` (grace 60 s,
/// max_age 1 h, no reports, plus `config`) against `graph` on a manual clock, a minute at a
/// time, until the message has failed; returns its record.
async fn fail_unknown_outcome(graph: &mockito::Server, config: DeliveryConfig) -> Record {
    let client = delivery_common::static_token_client(format!("{}/v1.0", graph.url()));
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path(), "relay.test").unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap();
    let clock = ManualClock::new(t0);
    let envelope = Envelope::new("adele@contoso.com", vec!["alex@contoso.com".into()]);
    let id = spool
        .enqueue_at(
            envelope,
            b"Message-ID: <u@relay.test>\r\nSubject: s\r\n\r\nx\r\n",
            t0,
        )
        .await
        .unwrap();
    let config = DeliveryConfig {
        grace: Duration::from_secs(60),
        max_age: Duration::from_secs(3600),
        bounce: false,
        ..config
    };
    let deliverer = Deliverer::new(
        spool.clone(),
        client,
        config,
        Arc::new(clock.clone()),
        Metrics::new(),
    );
    let mut rounds = 0;
    while spool.get(&id).await.unwrap().state != State::Failed {
        rounds += 1;
        assert!(rounds <= 70, "still {:?}", spool.get(&id).await.unwrap());
        deliverer.run_due().await.unwrap();
        clock.advance(Duration::from_secs(60));
    }
    spool.get(&id).await.unwrap()
}

#[tokio::test]
async fn an_unknown_outcome_that_cannot_be_looked_for_fails_at_max_age_and_is_not_resent() {
    // Sent with only Mail.Send granted, the lookups are refused: the message can neither be
    // found nor proven absent. It must not stay `unknown` forever, nor be resent blindly.
    let mut graph = mockito::Server::new_async().await;
    let send = send_times_out(&mut graph).await;
    let lookups = graph
        .mock(
            "GET",
            mockito::Matcher::Regex("^/v1.0/users/adele@contoso.com/mailFolders/".into()),
        )
        .match_query(mockito::Matcher::Any)
        .with_status(403)
        .with_header("content-type", "application/json")
        .with_body(r#"{"error":{"code":"ErrorAccessDenied","message":"Access is denied."}}"#)
        .expect_at_least(1)
        .create_async()
        .await;
    let record = fail_unknown_outcome(&graph, DeliveryConfig::default()).await;
    assert_eq!(record.attempts, 1);
    let error = record.last_error.unwrap();
    assert!(
        error.starts_with(
            "outcome unknown after 3600 s, not resent: looking for it failed: ErrorAccessDenied"
        ),
        "{error}"
    );
    send.assert_async().await;
    lookups.assert_async().await;
}

#[tokio::test]
async fn a_stale_check_cannot_requeue_a_message_another_attempt_is_sending() {
    // A check that outlived its claim (or ran in `sendmail --direct` beside `serve`) proves
    // the message absent after another worker already resent it: putting it back in the
    // queue would send it a third time.
    let (_dir, spool, t0, id) = unknown_after_one_attempt().await;
    // The first check: absent, queued, and sent again.
    spool.mark_absent(&id, t0, "absent", t0).await.unwrap();
    spool
        .mark_sending(&id, "adele@contoso.com", "mime", "crid-2", t0)
        .await
        .unwrap();
    // The stale check's verdict arrives.
    let refused = spool.mark_absent(&id, t0, "absent", t0).await;
    assert!(
        matches!(
            refused,
            Err(msgraph_relay::spool::SpoolError::WrongState {
                state: State::Sending,
                ..
            })
        ),
        "{refused:?}"
    );
    let record = spool.get(&id).await.unwrap();
    assert_eq!(
        (record.state, record.client_request_id.as_deref()),
        (State::Sending, Some("crid-2"))
    );
}

#[tokio::test]
async fn a_leftover_draft_that_cannot_be_deleted_fails_at_max_age_and_is_not_resent() {
    // Found only in Drafts after the window; deleting that draft is refused every time. The
    // message is not sent beside the draft, and is not checked forever either.
    let mut graph = mockito::Server::new_async().await;
    let send = send_times_out(&mut graph).await;
    let empty = graph
        .mock(
            "GET",
            mockito::Matcher::Regex(
                "^/v1.0/users/adele@contoso.com/mailFolders/(?i:sentitems|outbox)/messages$".into(),
            ),
        )
        .match_query(mockito::Matcher::Any)
        .with_header("content-type", "application/json")
        .with_body(r#"{"value":[]}"#)
        .expect_at_least(1)
        .create_async()
        .await;
    let drafts = graph
        .mock(
            "GET",
            mockito::Matcher::Regex(
                "^/v1.0/users/adele@contoso.com/mailFolders/(?i:drafts)/messages$".into(),
            ),
        )
        .match_query(mockito::Matcher::Any)
        .with_header("content-type", "application/json")
        .with_body(r#"{"value":[{"id":"d1","internetMessageId":"<u@relay.test>"}]}"#)
        .expect_at_least(1)
        .create_async()
        .await;
    let delete = graph
        .mock("DELETE", "/v1.0/users/adele@contoso.com/messages/d1")
        .with_status(403)
        .with_header("content-type", "application/json")
        .with_body(r#"{"error":{"code":"ErrorAccessDenied","message":"Access is denied."}}"#)
        .expect_at_least(1)
        .create_async()
        .await;
    let record = fail_unknown_outcome(
        &graph,
        DeliveryConfig {
            window: Duration::from_secs(300),
            ..DeliveryConfig::default()
        },
    )
    .await;
    assert_eq!(record.attempts, 1);
    let error = record.last_error.unwrap();
    assert!(
        error.starts_with(
            "outcome unknown after 3600 s, not resent: deleting the leftover draft failed: "
        ),
        "{error}"
    );
    send.assert_async().await;
    empty.assert_async().await;
    drafts.assert_async().await;
    delete.assert_async().await;
}
