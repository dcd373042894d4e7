//! The webhook receiver on plain notifications: the validation handshake, `clientState`
//! and subscription checks, lifecycle events, the body limit, and back-pressure
//! (GRAPH-FACTS-2 §1.6, §2, §3).

#[path = "support/graph_publisher.rs"]
mod graph_publisher;

use std::sync::{Arc, Mutex};

use graph_publisher::{counted, notification, once, CLIENT_STATE, SUBSCRIPTION};
use http::HeaderMap;
use msgraph_outlook::models::{ChangeType, LifecycleEvent};
use msgraph_outlook::notifications::{Incoming, Notification, Notifications, Stats};
use serde_json::{json, Value};

fn receiver() -> (Notifications, Incoming) {
    let (notifications, incoming) = Notifications::builder().build().unwrap();
    notifications.register(SUBSCRIPTION, CLIENT_STATE);
    (notifications, incoming)
}

async fn post(notifications: &Notifications, body: &Value) -> (u16, Option<u64>) {
    let answer = notifications
        .handle("POST", None, &HeaderMap::new(), once(body.to_string()))
        .await;
    assert_eq!(answer.body, "");
    assert_eq!(answer.content_type, None);
    (answer.status, answer.retry_after)
}

fn change(notification: Notification) -> msgraph_outlook::notifications::Change {
    match notification {
        Notification::Change(change) => change,
        other => panic!("expected a change, got {other:?}"),
    }
}

fn stats(delivered: u64, discarded: u64, busy: u64) -> Stats {
    let mut stats = Stats::default();
    stats.delivered = delivered;
    stats.discarded = discarded;
    stats.busy = busy;
    stats
}

#[tokio::test]
async fn validation_request_echoes_the_decoded_token_as_text_without_reading_the_body() {
    let (notifications, _incoming) = receiver();
    let (body, pulled) = counted(10 * 1024 * 1024, 64 * 1024);
    // As Graph sends it: the subscriber's own query kept, the token form-encoded.
    let query = "tenant=contoso&validationToken=Validation%3a+Testing+client+application+reachability+for+subscription+Request-Id%3a+c3e1b5e1-7a4a-4f4e-9c1b-0c1c5b1f2e3d";
    let answer = notifications
        .handle("POST", Some(query), &HeaderMap::new(), body)
        .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.content_type, Some("text/plain"));
    assert_eq!(
        answer.body,
        "Validation: Testing client application reachability for subscription Request-Id: c3e1b5e1-7a4a-4f4e-9c1b-0c1c5b1f2e3d"
    );
    assert_eq!(answer.retry_after, None);
    assert_eq!(pulled.load(std::sync::atomic::Ordering::SeqCst), 0);

    // Graph's handshake is a POST; anything else is refused.
    let answer = notifications
        .handle("GET", Some(query), &HeaderMap::new(), once(""))
        .await;
    assert_eq!((answer.status, answer.body.as_str()), (405, ""));
    let answer = notifications
        .handle("GET", None, &HeaderMap::new(), once(""))
        .await;
    assert_eq!(answer.status, 405);
}

#[tokio::test]
async fn genuine_notifications_reach_the_application_as_graph_sent_them() {
    let (notifications, mut incoming) = receiver();
    let body = json!({"value": [notification("AAMkAG1="), notification("AAMkAG2=")]});
    assert_eq!(post(&notifications, &body).await, (202, None));

    for id in ["AAMkAG1=", "AAMkAG2="] {
        let change = change(incoming.recv().await.unwrap());
        assert_eq!(change.resource, None);
        let n = change.notification;
        assert_eq!(n.subscription_id, SUBSCRIPTION);
        assert_eq!(n.change_type, Some(ChangeType::Created));
        assert_eq!(
            n.resource_data.as_ref().and_then(|d| d.id.as_deref()),
            Some(id)
        );
        // Nothing lost or altered: it serializes back to what Graph sent (the date in
        // chrono's spelling).
        let mut sent = notification(id);
        sent["subscriptionExpirationDateTime"] = json!("2026-12-14T09:00:00Z");
        assert_eq!(serde_json::to_value(&n).unwrap(), sent);
    }
    assert!(incoming.try_recv().is_none());
    assert_eq!(notifications.stats(), stats(2, 0, 0));
}

#[tokio::test]
async fn wrong_client_state_and_unknown_subscriptions_are_not_delivered() {
    let (notifications, mut incoming) = receiver();
    let mut forged = notification("forged");
    forged["clientState"] = json!("guessed");
    let mut missing = notification("missing");
    missing.as_object_mut().unwrap().remove("clientState");
    let mut stranger = notification("stranger");
    stranger["subscriptionId"] = json!("00000000-0000-0000-0000-000000000000");
    let body = json!({"value": [forged, missing, stranger, notification("genuine")]});

    // Graph is not told which ones were refused: 2xx, so it does not retry them.
    assert_eq!(post(&notifications, &body).await, (202, None));
    let change = change(incoming.recv().await.unwrap());
    assert_eq!(
        change.notification.resource_data.unwrap().id.as_deref(),
        Some("genuine")
    );
    assert!(incoming.try_recv().is_none());
    assert_eq!(notifications.stats(), stats(1, 3, 0));

    // A forgotten subscription is unknown from then on.
    notifications.forget(SUBSCRIPTION);
    let body = json!({"value": [notification("late")]});
    assert_eq!(post(&notifications, &body).await, (202, None));
    assert!(incoming.try_recv().is_none());
    assert_eq!(notifications.stats(), stats(1, 4, 0));
}

#[tokio::test]
async fn an_expected_client_state_is_accepted_before_the_subscription_id_is_known() {
    let (notifications, mut incoming) = Notifications::builder().build().unwrap();
    notifications.expect_client_state(CLIENT_STATE);
    let body = json!({"value": [notification("early")]});
    assert_eq!(post(&notifications, &body).await, (202, None));
    assert!(matches!(
        incoming.recv().await,
        Some(Notification::Change(_))
    ));

    // Registered under another id: the expectation ends, the old id is unknown.
    notifications.register("11111111-1111-1111-1111-111111111111", CLIENT_STATE);
    assert_eq!(post(&notifications, &body).await, (202, None));
    assert!(incoming.try_recv().is_none());
    assert_eq!(notifications.stats(), stats(1, 1, 0));
}

#[tokio::test]
async fn lifecycle_notifications_arrive_as_lifecycle_events() {
    let (notifications, mut incoming) = receiver();
    let events = ["missed", "subscriptionRemoved", "reauthorizationRequired"];
    let value: Vec<Value> = events
        .iter()
        .map(|event| {
            json!({
                "subscriptionId": SUBSCRIPTION,
                "subscriptionExpirationDateTime": "2026-12-14T09:00:00.0000000Z",
                "tenantId": "84bd8158-6d4d-4958-8b9f-9d6445542f95",
                "clientState": CLIENT_STATE,
                "lifecycleEvent": event
            })
        })
        .collect();
    assert_eq!(
        post(&notifications, &json!({ "value": value })).await,
        (202, None)
    );
    for expected in [
        LifecycleEvent::Missed,
        LifecycleEvent::SubscriptionRemoved,
        LifecycleEvent::ReauthorizationRequired,
    ] {
        match incoming.recv().await.unwrap() {
            Notification::Lifecycle(n) => {
                assert_eq!(n.lifecycle_event, Some(expected));
                assert_eq!(n.subscription_id, SUBSCRIPTION);
                assert_eq!(n.change_type, None);
            }
            other => panic!("expected a lifecycle event, got {other:?}"),
        }
    }
    // A lifecycle event with the wrong secret is refused like any notification.
    let mut forged = value[0].clone();
    forged["clientState"] = json!("guessed");
    post(&notifications, &json!({ "value": [forged] })).await;
    assert!(incoming.try_recv().is_none());
}

#[tokio::test]
async fn malformed_bodies_get_400_and_deliver_nothing() {
    let (notifications, mut incoming) = receiver();
    for body in [
        "{\"value\": [",
        "not json",
        "{\"value\": {\"subscriptionId\": 1}}",
    ] {
        let answer = notifications
            .handle("POST", None, &HeaderMap::new(), once(body))
            .await;
        assert_eq!(answer.status, 400, "{body}");
    }
    assert!(incoming.try_recv().is_none());
    assert_eq!(notifications.stats(), stats(0, 3, 0));
}

#[tokio::test]
async fn a_10_mb_body_is_refused_without_being_read_whole() {
    const LIMIT: usize = 1024 * 1024;
    const CHUNK: usize = 64 * 1024;
    let (notifications, mut incoming) = Notifications::builder()
        .max_body_bytes(LIMIT)
        .build()
        .unwrap();

    // Streamed without Content-Length: counted while read, dropped at the limit.
    let (body, pulled) = counted(10 * 1024 * 1024, CHUNK);
    let answer = notifications
        .handle("POST", None, &HeaderMap::new(), body)
        .await;
    assert_eq!(answer.status, 413);
    let pulled = pulled.load(std::sync::atomic::Ordering::SeqCst);
    assert!(
        pulled <= LIMIT + CHUNK,
        "read {pulled} bytes of a 10 MB body"
    );

    // With a Content-Length over the limit, not a byte is read.
    let mut headers = HeaderMap::new();
    headers.insert(http::header::CONTENT_LENGTH, "10485760".parse().unwrap());
    let (body, pulled) = counted(10 * 1024 * 1024, CHUNK);
    let answer = notifications.handle("POST", None, &headers, body).await;
    assert_eq!(answer.status, 413);
    assert_eq!(pulled.load(std::sync::atomic::Ordering::SeqCst), 0);

    // Exactly at the limit is fine (a valid body padded with spaces).
    let mut exact = json!({"value": []}).to_string().into_bytes();
    exact.resize(LIMIT, b' ');
    let answer = notifications
        .handle("POST", None, &HeaderMap::new(), once(exact))
        .await;
    assert_eq!(answer.status, 202);
    assert!(incoming.try_recv().is_none());
}

#[tokio::test]
async fn a_full_channel_answers_503_and_the_redelivery_gets_through() {
    let (notifications, mut incoming) = Notifications::builder().capacity(2).build().unwrap();
    notifications.register(SUBSCRIPTION, CLIENT_STATE);
    let first = json!({"value": [notification("one"), notification("two")]});
    assert_eq!(post(&notifications, &first).await, (202, None));

    // The application has not read anything: the POST is refused whole.
    let second = json!({"value": [notification("three")]});
    assert_eq!(post(&notifications, &second).await, (503, Some(5)));
    assert_eq!(notifications.stats(), stats(2, 0, 1));

    // It reads one; Graph's redelivery of the refused POST is accepted.
    let one = change(incoming.recv().await.unwrap());
    assert_eq!(
        one.notification.resource_data.unwrap().id.as_deref(),
        Some("one")
    );
    assert_eq!(post(&notifications, &second).await, (202, None));
    let ids: Vec<String> = [incoming.recv().await, incoming.recv().await]
        .into_iter()
        .map(|n| {
            change(n.unwrap())
                .notification
                .resource_data
                .unwrap()
                .id
                .unwrap()
        })
        .collect();
    assert_eq!(ids, ["two", "three"]);
    assert!(incoming.try_recv().is_none());
    assert_eq!(notifications.stats(), stats(3, 0, 1));

    // A POST larger than the whole channel can never fit: still 503, never a partial take.
    let big = json!({"value": [notification("a"), notification("b"), notification("c")]});
    assert_eq!(post(&notifications, &big).await, (503, Some(5)));
    assert!(incoming.try_recv().is_none());
}

/// Collects what the receiver logs.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Log {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn refusals_are_logged_under_the_notifications_target_without_secrets() {
    let log = Log::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(tracing::Level::DEBUG)
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let (notifications, _incoming) = receiver();
    let mut forged = notification("forged");
    forged["clientState"] = json!("attacker-guess-42");
    post(&notifications, &json!({ "value": [forged] })).await;

    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert!(text.contains("msgraph_outlook::notifications"), "{text}");
    assert!(text.contains("clientState does not match"), "{text}");
    assert!(text.contains(SUBSCRIPTION), "{text}");
    assert!(!text.contains(CLIENT_STATE), "{text}");
    assert!(!text.contains("attacker-guess-42"), "{text}");
    // Nor in Debug output.
    assert!(!format!("{notifications:?}").contains(CLIENT_STATE));
}

#[tokio::test]
async fn without_an_incoming_end_every_post_gets_503() {
    let (notifications, incoming) = receiver();
    drop(incoming);
    let body = json!({"value": [notification("a")]});
    assert_eq!(post(&notifications, &body).await, (503, Some(5)));
    assert_eq!(notifications.stats(), stats(0, 0, 1));
}
