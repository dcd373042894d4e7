//! The receiver behind a real HTTP endpoint on 127.0.0.1, fed by the sandbox's own
//! subscriptions: the validation handshake during `POST /subscriptions`, a rich
//! notification (encrypted to the fixture certificate, vouched for by the sandbox identity
//! platform's token) for a message that arrives, and a lifecycle event.

#[path = "support/raw_server.rs"]
mod raw_server;
#[path = "support/sandbox_clients.rs"]
mod sandbox_clients;

use std::time::Duration;

use bytes::Bytes;
use msgraph_outlook::api::{EncryptionCertificate, SubscriptionResource};
use msgraph_outlook::models::{ChangeType, LifecycleEvent, Message, WellKnownFolder};
use msgraph_outlook::notifications::{DecryptionKey, Incoming, Notification, Notifications};
use msgraph_outlook_sandbox::Sandbox;
use raw_server::{RawRequest, RawServer, Reply};
use serde_json::json;

const KEY_PEM: &str = include_str!("fixtures/notifications/key.pem");
const CERT_PEM: &str = include_str!("fixtures/notifications/cert.pem");
const CLIENT_STATE: &str = "rich-watch-5c1e";

/// Hands every request to `receiver` and writes its answer back.
async fn answer(receiver: Notifications, request: RawRequest) -> Reply {
    let (_, query) = match request.target.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (request.target.as_str(), None),
    };
    let mut headers = http::HeaderMap::new();
    for (name, value) in &request.headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    let body = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(request.body))]);
    let answer = receiver
        .handle(&request.method, query, &headers, body)
        .await;
    let mut reply_headers = Vec::new();
    if let Some(content_type) = answer.content_type {
        reply_headers.push(("content-type".to_string(), content_type.to_string()));
    }
    Reply::Status(answer.status, reply_headers, answer.body.into_bytes())
}

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
    let server = RawServer::start(move |request| answer(handler_receiver.clone(), request)).await;

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
