//! A rich watch (resource data encrypted to our certificate) kept by the manager against
//! the sandbox: the receiver checks the sandbox identity platform's validationTokens and
//! decrypts; the manager asks for the rich lifetime.

#[path = "support/raw_server.rs"]
mod raw_server;
#[path = "support/sandbox_clients.rs"]
mod sandbox_clients;
#[path = "support/watching.rs"]
mod watching;
#[path = "support/webhook.rs"]
mod webhook;

use chrono::Duration;
use msgraph_outlook::api::{EncryptionCertificate, SubscriptionResource};
use msgraph_outlook::models::{ChangeType, MailboxRef, WellKnownFolder};
use msgraph_outlook::notifications::{DecryptionKey, Notifications};
use msgraph_outlook::watch::{CatchUp, MemoryStore, SubscriptionManager, Watch, WatchEvent};
use watching::{next, Setup};

const CERT: &str = include_str!("fixtures/notifications/cert.pem");
const KEY: &str = include_str!("fixtures/notifications/key.pem");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rich_watch_asks_for_the_rich_lifetime_and_delivers_decrypted_messages() {
    let (setup, _, _) = Setup::start().await;
    // A receiver that checks tokens against the sandbox's identity platform and decrypts.
    let (notifications, incoming) = Notifications::builder()
        .app_id(setup.sandbox.client_id())
        .tenant_id(setup.sandbox.tenant_id())
        .authority(&setup.sandbox.authority_url())
        .decryption_key("watch-test", DecryptionKey::from_pkcs8_pem(KEY).unwrap())
        .build()
        .unwrap();
    setup.webhook.set_receiver(notifications.clone());
    let owner = MailboxRef::User(setup.watched_id.clone());
    let resource = SubscriptionResource::folder_messages(&owner, WellKnownFolder::Inbox)
        .select(["subject", "from"]);
    let watch = Watch::new(resource, setup.webhook.notify_url())
        .change_types([ChangeType::Created])
        .include_resource_data(EncryptionCertificate::from_pem("watch-test", CERT).unwrap())
        .catch_up(CatchUp::FolderMessages {
            mailbox: owner,
            folder: WellKnownFolder::Inbox.into(),
        })
        .named("rich");
    let mut manager = SubscriptionManager::builder(setup.client.clone(), notifications, incoming)
        .store(MemoryStore::new())
        .clock(setup.clock.clone())
        .watch(watch)
        .build()
        .unwrap();
    manager.start().await.unwrap();
    let (id, expiration) = match next(&mut manager).await {
        WatchEvent::Subscribed {
            subscription_id,
            expiration,
            ..
        } => (subscription_id, expiration),
        other => panic!("{other:?}"),
    };
    // With resource data a subscription lives at most 1,440 minutes: the manager asked
    // for that less the margin (GRAPH-FACTS-2 §1.3).
    let lifetime = expiration - setup.clock_now();
    assert!(lifetime <= Duration::minutes(1440), "{lifetime}");
    assert!(lifetime >= Duration::minutes(1430), "{lifetime}");
    let read = setup.client.subscriptions().get(&id).await.unwrap();
    assert_eq!(read.include_resource_data, Some(true));
    assert_eq!(
        read.encryption_certificate_id.as_deref(),
        Some("watch-test")
    );

    setup.send("secret plans").await;
    match next(&mut manager).await {
        WatchEvent::Changed { change, .. } => {
            let resource = change.resource.clone().expect("decrypted resource data");
            assert_eq!(resource["subject"], "secret plans");
            assert_eq!(
                resource["from"]["emailAddress"]["address"],
                watching::SENDER
            );
            assert_eq!(change.notification.subscription_id, id);
        }
        other => panic!("{other:?}"),
    }
}
