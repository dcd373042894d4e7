//! The receiver mounted on axum (feature `axum`), over real HTTP on 127.0.0.1:
//! `cargo test --features axum --test notifications_axum`.
#![cfg(feature = "axum")]

#[path = "support/graph_publisher.rs"]
mod graph_publisher;

use graph_publisher::{notification, CLIENT_STATE, SUBSCRIPTION};
use msgraph_outlook::notifications::{self, Incoming, Notification, Notifications};
use serde_json::json;

/// Serves `app` on an ephemeral port; returns its origin.
async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    origin
}

async fn receiver(capacity: usize) -> (String, Notifications, Incoming) {
    let (receiver, incoming) = Notifications::builder()
        .capacity(capacity)
        .max_body_bytes(64 * 1024)
        .build()
        .unwrap();
    receiver.register(SUBSCRIPTION, CLIENT_STATE);
    let app = axum::Router::new()
        .route(
            "/graph/notify",
            axum::routing::post(notifications::axum::handler),
        )
        .with_state(receiver.clone());
    (serve(app).await, receiver, incoming)
}

#[tokio::test]
async fn the_validation_handshake_over_http() {
    let (origin, _receiver, _incoming) = receiver(8).await;
    let response = reqwest::Client::new()
        .post(format!(
            "{origin}/graph/notify?validationToken=Validation%3a+Testing+client+application+reachability"
        ))
        .header("content-type", "text/plain; charset=utf-8")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/plain");
    assert_eq!(
        response.text().await.unwrap(),
        "Validation: Testing client application reachability"
    );
}

#[tokio::test]
async fn notifications_over_http_back_pressure_and_the_body_limit() {
    let (origin, receiver, mut incoming) = receiver(1).await;
    let http = reqwest::Client::new();
    let url = format!("{origin}/graph/notify");
    let post = |body: serde_json::Value| {
        http.post(&url)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
    };

    let response = post(json!({"value": [notification("one")]})).await.unwrap();
    assert_eq!(response.status(), 202);
    assert_eq!(response.text().await.unwrap(), "");

    // The application has not read: 503 with Retry-After, then accepted once it has.
    let response = post(json!({"value": [notification("two")]})).await.unwrap();
    assert_eq!(response.status(), 503);
    assert_eq!(response.headers()["retry-after"], "5");
    match incoming.recv().await.unwrap() {
        Notification::Change(change) => assert_eq!(
            change.notification.resource_data.unwrap().id.as_deref(),
            Some("one")
        ),
        other => panic!("{other:?}"),
    }
    let response = post(json!({"value": [notification("two")]})).await.unwrap();
    assert_eq!(response.status(), 202);
    assert!(matches!(
        incoming.recv().await,
        Some(Notification::Change(_))
    ));

    // Malformed: 400. Over the limit: 413.
    let response = http.post(&url).body("{").send().await.unwrap();
    assert_eq!(response.status(), 400);
    let response = http
        .post(&url)
        .body(vec![b' '; 10 * 1024 * 1024])
        .send()
        .await;
    // The server may close the connection before reading the whole upload; either
    // way nothing is delivered and the refusal is counted.
    match response {
        Ok(response) => assert_eq!(response.status(), 413),
        Err(e) => eprintln!("upload cut short: {e}"),
    }
    assert!(incoming.try_recv().is_none());
    assert_eq!(receiver.stats().discarded, 2);

    // GET on the route: axum's 405 (the route is POST only).
    let response = http.get(&url).send().await.unwrap();
    assert_eq!(response.status(), 405);
}

#[tokio::test]
async fn the_router_serves_any_path() {
    let (receiver, mut incoming) = Notifications::builder().build().unwrap();
    receiver.register(SUBSCRIPTION, CLIENT_STATE);
    let origin = serve(notifications::axum::router(receiver)).await;
    let response = reqwest::Client::new()
        .post(format!("{origin}/hooks/lifecycle?tenant=contoso"))
        .body(
            json!({"value": [{
                "subscriptionId": SUBSCRIPTION,
                "clientState": CLIENT_STATE,
                "lifecycleEvent": "reauthorizationRequired"
            }]})
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202);
    match incoming.recv().await.unwrap() {
        Notification::Lifecycle(n) => assert_eq!(
            n.lifecycle_event,
            Some(msgraph_outlook::models::LifecycleEvent::ReauthorizationRequired)
        ),
        other => panic!("{other:?}"),
    }
}
