//! A watch on a mailbox's events, caught up through a calendar-view delta after `missed`;
//! and `reauthorizationRequired` answered by a renewal.

#[path = "support/raw_server.rs"]
mod raw_server;
#[path = "support/sandbox_clients.rs"]
mod sandbox_clients;
#[path = "support/watching.rs"]
mod watching;
#[path = "support/webhook.rs"]
mod webhook;

use chrono::Duration;
use msgraph_outlook::models::{ChangeType, DateTimeTimeZone, Event, LifecycleEvent, MailboxRef};
use msgraph_outlook::watch::{
    CatchUp, MemoryStore, SubscriptionManager, SyncedItem, Watch, WatchEvent,
};
use watching::{eventually, next, Setup, WATCHED};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_missed_are_caught_up_through_the_calendar_view_delta() {
    let (setup, notifications, incoming) = Setup::start().await;
    let owner = MailboxRef::User(setup.watched_id.clone());
    let now = setup.sandbox.now();
    let watch = Watch::events(owner.clone(), setup.webhook.notify_url())
        .lifecycle_notification_url(setup.webhook.lifecycle_url())
        .change_types([ChangeType::Created])
        .catch_up(CatchUp::Events {
            mailbox: owner,
            start: now,
            end: now + Duration::days(30),
        })
        .named("calendar");
    let mut manager = SubscriptionManager::builder(setup.client.clone(), notifications, incoming)
        .store(MemoryStore::new())
        .clock(setup.clock.clone())
        .watch(watch)
        .build()
        .unwrap();
    manager.start().await.unwrap();
    let subscription_id = match next(&mut manager).await {
        WatchEvent::Subscribed {
            subscription_id, ..
        } => subscription_id,
        other => panic!("{other:?}"),
    };
    let calendar = setup.client.user(WATCHED);
    let at = |hours: i64| DateTimeTimeZone::utc(now + Duration::hours(hours));
    let first = calendar
        .create_event(Event::new("Planning", at(24), at(25)))
        .await
        .unwrap();
    match next(&mut manager).await {
        WatchEvent::Changed { watch, change } => {
            assert_eq!(watch, "calendar");
            assert_eq!(change.notification.change_type, Some(ChangeType::Created));
            assert_eq!(
                change.notification.resource_data.as_ref().unwrap().id,
                first.id
            );
        }
        other => panic!("{other:?}"),
    }

    setup.webhook.refuse_next(usize::MAX);
    let second = calendar
        .create_event(Event::new("Review", at(48), at(49)))
        .await
        .unwrap();
    eventually("Graph to try the webhook", || setup.webhook.refused() >= 1).await;
    assert!(setup.sandbox.trigger_lifecycle(&subscription_id, "missed"));
    setup.webhook.refuse_next(0);
    assert!(matches!(
        next(&mut manager).await,
        WatchEvent::Lifecycle {
            event: LifecycleEvent::Missed,
            ..
        }
    ));
    match next(&mut manager).await {
        WatchEvent::Synced {
            changed, removed, ..
        } => {
            let subjects: Vec<_> = changed
                .iter()
                .map(|item| match item {
                    SyncedItem::Event(event) => (event.id.clone(), event.subject.clone()),
                    other => panic!("{other:?}"),
                })
                .collect();
            // Only the one no notification reported.
            assert_eq!(subjects, [(second.id.clone(), Some("Review".to_string()))]);
            assert!(removed.is_empty());
        }
        other => panic!("{other:?}"),
    }

    // reauthorizationRequired: renewed (which reauthorizes, GRAPH-FACTS-2 §3).
    assert!(setup
        .sandbox
        .trigger_lifecycle(&subscription_id, "reauthorizationRequired"));
    assert!(matches!(
        next(&mut manager).await,
        WatchEvent::Lifecycle {
            event: LifecycleEvent::ReauthorizationRequired,
            ..
        }
    ));
    match next(&mut manager).await {
        WatchEvent::Renewed {
            subscription_id: id,
            expiration,
            ..
        } => {
            assert_eq!(id, subscription_id);
            let read = setup.client.subscriptions().get(&id).await.unwrap();
            assert_eq!(read.expiration_date_time, Some(expiration));
        }
        other => panic!("{other:?}"),
    }
    let patched = setup
        .sandbox
        .requests()
        .iter()
        .filter(|r| {
            r.method == "PATCH" && r.path == format!("/v1.0/subscriptions/{subscription_id}")
        })
        .count();
    assert_eq!(patched, 1);
}
