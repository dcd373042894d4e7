//! The subscription manager's decisions against scripted Graph answers (mockito): retry
//! with backoff after a failed renewal, and a 409 duplicate replaced.

mod common;
#[path = "support/raw_server.rs"]
mod raw_server;

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use mockito::Matcher;
use msgraph_outlook::models::MailboxRef;
use msgraph_outlook::notifications::Notifications;
use msgraph_outlook::watch::{ManualClock, SubscriptionManager, Watch, WatchEvent};
use raw_server::{scripted, RawServer, Reply};
use serde_json::json;

const ID: &str = "7f105c7d-2dc5-4530-97cd-4e7ae6534c07";
const RESOURCE: &str = "users/622eaaff-0683-4862-9de4-f2ec83c2bd98/messages";

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 9, 0, 0).unwrap()
}

fn subscription(id: &str, expiration: DateTime<Utc>) -> serde_json::Value {
    json!({
        "id": id,
        "resource": RESOURCE,
        "changeType": "created,updated,deleted",
        "notificationUrl": "http://127.0.0.1:9/notify",
        "expirationDateTime": expiration.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

fn manager(server: &mockito::ServerGuard, clock: &ManualClock) -> SubscriptionManager {
    let (notifications, incoming) = Notifications::builder().build().unwrap();
    SubscriptionManager::builder(common::client(server), notifications, incoming)
        .clock(clock.clone())
        .jitter_seed(1)
        .renew_between(0.8, 0.8)
        .lifetime(Duration::minutes(1000))
        .watch(Watch::messages(
            MailboxRef::User("622eaaff-0683-4862-9de4-f2ec83c2bd98".into()),
            "http://127.0.0.1:9/notify",
        ))
        .build()
        .unwrap()
}

async fn next(manager: &mut SubscriptionManager) -> WatchEvent {
    tokio::time::timeout(std::time::Duration::from_secs(20), manager.next())
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_failed_renewal_is_reported_and_retried_with_backoff() {
    let mut server = common::server().await;
    let clock = ManualClock::new(start());
    let expiration = start() + Duration::minutes(1000);
    let create = server
        .mock("POST", "/v1.0/subscriptions")
        .match_body(Matcher::PartialJson(json!({
            "resource": RESOURCE,
            "changeType": "created,updated,deleted",
            "notificationUrl": "http://127.0.0.1:9/notify",
            "expirationDateTime": "2026-12-08T01:40:00Z",
        })))
        .with_status(201)
        .with_body(subscription(ID, expiration).to_string())
        .expect(1)
        .create_async()
        .await;
    let mut manager = manager(&server, &clock);
    match next(&mut manager).await {
        WatchEvent::Subscribed {
            subscription_id,
            expiration: e,
            ..
        } => {
            assert_eq!((subscription_id.as_str(), e), (ID, expiration));
        }
        other => panic!("{other:?}"),
    }
    create.assert_async().await;
    // Renewal is due at 80 % of the lifetime: 800 minutes in.
    let state = manager.states().watches[RESOURCE].clone();
    assert_eq!(state.renew_at, Some(start() + Duration::minutes(800)));
    let client_state = state.client_state.unwrap();
    assert_eq!(client_state.secret().len(), 43);

    let failing = server
        .mock("PATCH", format!("/v1.0/subscriptions/{ID}").as_str())
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_body(common::graph_error("InvalidRequest", "try later").to_string())
        .expect(1)
        .create_async()
        .await;
    clock.advance(Duration::minutes(800));
    let retry_at = match next(&mut manager).await {
        WatchEvent::Failed {
            watch,
            error,
            retry_at,
        } => {
            assert_eq!(watch, RESOURCE);
            assert_eq!(error.status(), Some(400));
            retry_at
        }
        other => panic!("{other:?}"),
    };
    assert_eq!(
        retry_at,
        start() + Duration::minutes(800) + Duration::seconds(30)
    );
    failing.assert_async().await;
    failing.remove_async().await;

    let renewed = start() + Duration::minutes(1830);
    let renewal = server
        .mock("PATCH", format!("/v1.0/subscriptions/{ID}").as_str())
        .match_body(Matcher::Json(
            json!({"expirationDateTime": "2026-12-08T15:00:30Z"}),
        ))
        .with_status(200)
        .with_body(subscription(ID, renewed).to_string())
        .expect(1)
        .create_async()
        .await;
    clock.advance(Duration::seconds(30));
    match next(&mut manager).await {
        WatchEvent::Renewed {
            subscription_id,
            expiration,
            ..
        } => {
            assert_eq!((subscription_id.as_str(), expiration), (ID, renewed));
        }
        other => panic!("{other:?}"),
    }
    renewal.assert_async().await;
    let state = manager.states().watches[RESOURCE].clone();
    assert_eq!(state.expiration_date_time, Some(renewed));
}

#[tokio::test]
async fn a_duplicate_whose_client_state_is_lost_is_replaced() {
    let expiration = start() + Duration::minutes(1000);
    let duplicate = "0b7f2d19-5a0e-4f4c-9a31-6d8e2b7f4c10";
    let server = RawServer::start(scripted(
        vec![
            Reply::json(
                409,
                &common::graph_error(
                    "ExtensionError",
                    &format!("Subscription Id {duplicate} already exists for the requested combination"),
                ),
            ),
            Reply::json(
                200,
                &json!({"value": [
                    {"id": "a1b2", "resource": "users/someone-else/messages", "changeType": "created,updated,deleted"},
                    {"id": "c3d4", "resource": RESOURCE, "changeType": "created"},
                    subscription(duplicate, expiration),
                ]}),
            ),
            Reply::status(204),
            Reply::json(201, &subscription(ID, expiration)),
        ],
        Reply::status(500),
    ))
    .await;
    let sleeper = Arc::new(common::RecordingSleeper::default());
    let (notifications, incoming) = Notifications::builder().build().unwrap();
    let clock = ManualClock::new(start());
    let mut manager = SubscriptionManager::builder(
        common::client_at(&server.base_url(), &sleeper),
        notifications,
        incoming,
    )
    .clock(clock)
    .lifetime(Duration::minutes(1000))
    .watch(Watch::messages(
        MailboxRef::User("622eaaff-0683-4862-9de4-f2ec83c2bd98".into()),
        "http://127.0.0.1:9/notify",
    ))
    .build()
    .unwrap();
    manager.start().await.unwrap();
    match next(&mut manager).await {
        WatchEvent::Subscribed {
            subscription_id,
            reused: false,
            ..
        } => assert_eq!(subscription_id, ID),
        other => panic!("{other:?}"),
    }
    let requests: Vec<(String, String)> = server
        .requests()
        .into_iter()
        .map(|r| (r.method, r.target))
        .collect();
    assert_eq!(
        requests,
        [
            ("POST".to_string(), "/v1.0/subscriptions".to_string()),
            ("GET".to_string(), "/v1.0/subscriptions".to_string()),
            (
                "DELETE".to_string(),
                format!("/v1.0/subscriptions/{duplicate}")
            ),
            ("POST".to_string(), "/v1.0/subscriptions".to_string()),
        ]
    );
    // Both POSTs carry a fresh clientState; the stored one is the second.
    let bodies: Vec<serde_json::Value> = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    let stored = manager.states().watches[RESOURCE]
        .client_state
        .clone()
        .unwrap();
    assert_ne!(bodies[0]["clientState"], bodies[1]["clientState"]);
    assert_eq!(bodies[1]["clientState"], stored.secret());
}

#[tokio::test]
async fn a_failed_baseline_is_run_again_not_replaced_by_a_renewal() {
    let mut server = common::server().await;
    let clock = ManualClock::new(start());
    let expiration = start() + Duration::minutes(1000);
    let user = "622eaaff-0683-4862-9de4-f2ec83c2bd98";
    let create = server
        .mock("POST", "/v1.0/subscriptions")
        .with_status(201)
        .with_body(subscription(ID, expiration).to_string())
        .expect(1)
        .create_async()
        .await;
    let delta_path = format!("/v1.0/users/{user}/mailFolders/inbox/messages/delta");
    let refused = server
        .mock("GET", delta_path.as_str())
        .with_status(400)
        .with_header("content-type", "application/json")
        .with_body(common::graph_error("ErrorInvalidRequest", "not now").to_string())
        .expect(1)
        .create_async()
        .await;
    let (notifications, incoming) = Notifications::builder().build().unwrap();
    let mut manager =
        SubscriptionManager::builder(common::client(&server), notifications, incoming)
            .clock(clock.clone())
            .lifetime(Duration::minutes(1000))
            .watch(Watch::folder_messages(
                MailboxRef::User(user.into()),
                msgraph_outlook::models::WellKnownFolder::Inbox,
                "http://127.0.0.1:9/notify",
            ))
            .build()
            .unwrap();
    assert!(matches!(
        next(&mut manager).await,
        WatchEvent::Subscribed { .. }
    ));
    let retry_at = match next(&mut manager).await {
        WatchEvent::Failed {
            error, retry_at, ..
        } => {
            assert_eq!(error.status(), Some(400));
            retry_at
        }
        other => panic!("{other:?}"),
    };
    create.assert_async().await;
    refused.assert_async().await;
    refused.remove_async().await;
    let link = format!(
        "{}/v1.0/users/{user}/mailFolders/inbox/messages/delta?$deltatoken=abc",
        server.url()
    );
    let baseline = server
        .mock("GET", delta_path.as_str())
        .with_status(200)
        .with_body(json!({"value": [{"id": "m1", "changeKey": "ck1", "subject": "old"}], "@odata.deltaLink": link}).to_string())
        .expect_at_least(1) // a poll cut short by the timeout below may ask again
        .create_async()
        .await;
    let renewal = server
        .mock("PATCH", Matcher::Any)
        .expect(0)
        .create_async()
        .await;
    clock.set(retry_at);
    // The baseline runs (its item not reported, no event at all), no renewal.
    let started = std::time::Instant::now();
    while !baseline.matched_async().await {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "no baseline"
        );
        let event =
            tokio::time::timeout(std::time::Duration::from_millis(50), manager.next()).await;
        assert!(event.is_err(), "{event:?}");
    }
    baseline.assert_async().await;
    renewal.assert_async().await;
    assert_eq!(
        manager
            .states()
            .watches
            .values()
            .next()
            .unwrap()
            .delta_link
            .as_deref(),
        Some(link.as_str())
    );
}
