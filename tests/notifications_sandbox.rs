//! The receiver behind a real HTTP endpoint on 127.0.0.1, fed by the sandbox's own
//! subscriptions: the validation handshake during `POST /subscriptions`, a rich
//! notification (encrypted to the fixture certificate, vouched for by the sandbox identity
//! platform's token) for a message that arrives, and a lifecycle event; and a full receiver's
//! `503` with its `Retry-After` on the wire.

#[path = "support/raw_server.rs"]
mod raw_server;
#[path = "support/sandbox_clients.rs"]
mod sandbox_clients;
#[path = "support/webhook.rs"]
mod webhook;

use std::time::Duration;

use msgraph_outlook::api::{EncryptionCertificate, SubscriptionResource};
use msgraph_outlook::models::{ChangeType, LifecycleEvent, Message, WellKnownFolder};
use msgraph_outlook::notifications::{DecryptionKey, Incoming, Notification, Notifications};
use msgraph_outlook_sandbox::Sandbox;
use raw_server::RawServer;
use serde_json::json;

const KEY_PEM: &str = include_str!("fixtures/notifications/key.pem");
const CERT_PEM: &str = include_str!("fixtures/notifications/cert.pem");
const CLIENT_STATE: &str = "rich-watch-5c1e";

async fn next(incoming: &mut Incoming) -> Notification {
    tokio::time::timeout(Duration::from_secs(20), incoming.recv())
        .await
        .expect("no notification within 20 s")
        .expect("channel closed")
}

#[tokio::test]
async fn sandbox_rich_notifications_arrive_decrypted_through_a_real_endpoint() {
    let sandbox = Sandbox::start().await.unwrap();
    sandbox.add_user("adele@contoso.com");
    sandbox.add_user("alex@contoso.com");
    let (receiver, mut incoming) = Notifications::builder()
        .app_id(sandbox.client_id())
        .cloud(&sandbox_clients::cloud(&sandbox))
        .decryption_key("cert-2026", DecryptionKey::from_pkcs8_pem(KEY_PEM).unwrap())
        .build()
        .unwrap();
    let handler_receiver = receiver.clone();
    let server = RawServer::start(move |request| {
        let receiver = handler_receiver.clone();
        async move { webhook::relay(&receiver, request).await }
    })
    .await;

    let adele = sandbox_clients::delegated(&sandbox, "adele@contoso.com");
    receiver.expect_client_state(CLIENT_STATE);
    let inbox = SubscriptionResource::folder_messages(adele.me().target(), WellKnownFolder::Inbox)
        .select(["subject", "importance"]);
    let subscription = adele
        .subscriptions()
        .create(inbox, format!("{}/graph/notify", server.url))
        .change_types([ChangeType::Created])
        .lifecycle_notification_url(format!("{}/graph/lifecycle", server.url))
        .client_state(CLIENT_STATE)
        .include_resource_data(&EncryptionCertificate::from_pem("cert-2026", CERT_PEM).unwrap())
        .send()
        .await
        .unwrap();
    let id = subscription.id.unwrap();
    receiver.register(&id, CLIENT_STATE);
    // Graph validated both URLs with a POST carrying validationToken before answering 201.
    let handshakes = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.target.contains("validationToken="))
        .count();
    assert_eq!(handshakes, 2);

    sandbox_clients::delegated(&sandbox, "alex@contoso.com")
        .me()
        .send_mail(
            Message::new()
                .subject("Rich and secret")
                .text_body("not in the notification")
                .to("adele@contoso.com"),
        )
        .await
        .unwrap();
    let message = &sandbox.messages("adele@contoso.com", "inbox")[0];
    match next(&mut incoming).await {
        Notification::Change(change) => {
            assert_eq!(change.notification.subscription_id, id);
            assert_eq!(change.notification.change_type, Some(ChangeType::Created));
            let resource = change.resource.expect("decrypted resource data");
            assert_eq!(resource["id"], message["id"]);
            assert_eq!(resource["subject"], json!("Rich and secret"));
            assert_eq!(resource["importance"], json!("normal"));
            assert!(resource.get("body").is_none());
        }
        other => panic!("expected a change, got {other:?}"),
    }

    assert!(sandbox.trigger_lifecycle(&id, "reauthorizationRequired"));
    match next(&mut incoming).await {
        Notification::Lifecycle(event) => {
            assert_eq!(event.subscription_id, id);
            assert_eq!(
                event.lifecycle_event,
                Some(LifecycleEvent::ReauthorizationRequired)
            );
        }
        other => panic!("expected a lifecycle event, got {other:?}"),
    }
    assert!(incoming.try_recv().is_none());
    assert_eq!(receiver.stats().discarded, 0);
}

#[tokio::test]
async fn a_full_receiver_answers_503_with_retry_after_on_the_wire() {
    let (receiver, mut incoming) = Notifications::builder().capacity(1).build().unwrap();
    receiver.register("7f105c7d-2dc5-4530-97cd-4e7ae6534c07", CLIENT_STATE);
    let webhook = webhook::Webhook::start(receiver.clone()).await;
    let body = |id: &str| {
        json!({"value": [{
            "subscriptionId": "7f105c7d-2dc5-4530-97cd-4e7ae6534c07",
            "subscriptionExpirationDateTime": "2026-12-14T09:00:00Z",
            "tenantId": "84bd8158-6d4d-4958-8b9f-9d6445542f95",
            "clientState": CLIENT_STATE,
            "changeType": "created",
            "resource": format!("Users/622eaaff-0683-4862-9de4-f2ec83c2bd98/Messages/{id}"),
            "resourceData": {"id": id}
        }]})
        .to_string()
    };
    let http = reqwest::Client::new();
    let post = |id: &str| {
        http.post(webhook.notify_url())
            .header("content-type", "application/json")
            .body(body(id))
            .send()
    };
    let first = post("AAMk1=").await.unwrap();
    assert_eq!(first.status().as_u16(), 202);
    assert_eq!(first.headers().get("retry-after"), None);
    // The application has not taken the first one: no room for the second.
    let second = post("AAMk2=").await.unwrap();
    assert_eq!(second.status().as_u16(), 503);
    assert_eq!(
        second
            .headers()
            .get("retry-after")
            .map(|v| v.to_str().unwrap()),
        Some("5")
    );
    assert!(matches!(next(&mut incoming).await, Notification::Change(_)));
    assert_eq!(post("AAMk2=").await.unwrap().status().as_u16(), 202);
}
