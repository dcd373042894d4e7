//! Exchange blocking a mailbox from sending (GRAPH-FACTS-2 §6.4: `ErrorExceededMessageLimit`
//! and its kin) pauses that mailbox, not the relay: Graph answers from mockito, since the
//! sandbox does not produce them.

mod delivery_common;

use chrono::{TimeZone, Utc};
use msgraph_relay::clock::ManualClock;
use msgraph_relay::config::DeliveryConfig;
use msgraph_relay::delivery::Deliverer;
use msgraph_relay::envelope::Envelope;
use msgraph_relay::metrics::Metrics;
use msgraph_relay::spool::{Spool, State};
use std::sync::Arc;
use std::time::Duration;

fn message(from: &str, n: u32) -> Vec<u8> {
    format!("Message-ID: <{n}.{from}>\r\nFrom: {from}\r\nTo: alex@contoso.com\r\nSubject: s\r\n\r\nx\r\n")
        .into_bytes()
}

#[tokio::test]
async fn a_blocked_mailbox_is_paused_and_another_mailbox_still_sends() {
    let mut graph = mockito::Server::new_async().await;
    let blocked = graph
        .mock("POST", "/v1.0/users/adele@contoso.com/sendMail")
        .with_status(403)
        .with_header("request-id", "req-blocked")
        .with_body(
            r#"{"error":{"code":"ErrorExceededMessageLimit","message":"Cannot send mail."}}"#,
        )
        .expect(1)
        .create_async()
        .await;
    let megan = graph
        .mock("POST", "/v1.0/users/megan@contoso.com/sendMail")
        .with_status(202)
        .expect(1)
        .create_async()
        .await;
    let client = delivery_common::static_token_client(format!("{}/v1.0", graph.url()));
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path(), "relay.test").unwrap();
    let t0 = Utc.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap();
    let clock = ManualClock::new(t0);
    let mut ids = Vec::new();
    for (from, n) in [
        ("adele@contoso.com", 1),
        ("adele@contoso.com", 2),
        ("megan@contoso.com", 3),
    ] {
        let envelope = Envelope::new(from, vec!["alex@contoso.com".into()]);
        ids.push(
            spool
                .enqueue_at(envelope, &message(from, n), t0)
                .await
                .unwrap(),
        );
    }
    let metrics = Metrics::new();
    let deliverer = Deliverer::new(
        spool.clone(),
        client,
        DeliveryConfig {
            workers: 1,
            mailbox_pause: Duration::from_secs(3600),
            ..DeliveryConfig::default()
        },
        Arc::new(clock.clone()),
        metrics.clone(),
    );
    assert_eq!(deliverer.run_due().await.unwrap(), 3);
    let first = spool.get(&ids[0]).await.unwrap();
    assert_eq!((first.state, first.attempts), (State::Queued, 1));
    assert_eq!(first.next_attempt_at, t0 + chrono::Duration::hours(1));
    assert_eq!(first.request_id.as_deref(), Some("req-blocked"));
    assert!(first
        .last_error
        .as_deref()
        .unwrap()
        .starts_with("ErrorExceededMessageLimit: "));
    // Adele's second message was not even tried: the mailbox is paused.
    let second = spool.get(&ids[1]).await.unwrap();
    assert_eq!((second.state, second.attempts), (State::Queued, 0));
    assert_eq!(second.next_attempt_at, t0 + chrono::Duration::hours(1));
    assert_eq!(spool.get(&ids[2]).await.unwrap().state, State::Sent);
    assert_eq!(metrics.failed.get(), 0);
    blocked.assert_async().await;
    megan.assert_async().await;
}
