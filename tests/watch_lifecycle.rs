//! The subscription manager against the sandbox: catch-up after `missed`, renewal before
//! expiry on the sandbox clock, and recreation after the server removed the subscription.

#[path = "support/raw_server.rs"]
mod raw_server;
#[path = "support/sandbox_clients.rs"]
mod sandbox_clients;
#[path = "support/watching.rs"]
mod watching;
#[path = "support/webhook.rs"]
mod webhook;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use msgraph_outlook::models::LifecycleEvent;
use msgraph_outlook::watch::{MemoryStore, SubscriptionManager, WatchEvent};
use serde_json::Value;
use watching::{changed_id, eventually, next, synced_ids, Setup, INBOX};

/// Starts a manager on the Inbox and returns it with its subscription's id and expiration.
async fn subscribed(
    setup: &Setup,
    notifications: msgraph_outlook::notifications::Notifications,
    incoming: msgraph_outlook::notifications::Incoming,
) -> (SubscriptionManager, String, DateTime<Utc>) {
    let mut manager = setup.manager(notifications, incoming, MemoryStore::new());
    manager.start().await.unwrap();
    match next(&mut manager).await {
        WatchEvent::Subscribed {
            watch,
            subscription_id,
            expiration,
            reused: false,
            recreated: false,
        } => {
            assert_eq!(watch, INBOX);
            (manager, subscription_id, expiration)
        }
        other => panic!("expected the subscription first, got {other:?}"),
    }
}

/// Reads `n` `Changed` events and returns their ids.
async fn changes(manager: &mut SubscriptionManager, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    while ids.len() < n {
        let event = next(manager).await;
        ids.push(changed_id(&event).unwrap_or_else(|| panic!("a change, got {event:?}")));
    }
    ids
}

/// The subscription as the sandbox reports it to `GET /subscriptions/{id}`.
async fn get(
    setup: &Setup,
    id: &str,
) -> msgraph_outlook::Result<msgraph_outlook::models::Subscription> {
    setup.client.subscriptions().get(id).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missed_then_delta_catch_up_yields_every_message_exactly_once() {
    let (setup, notifications, incoming) = Setup::start().await;
    let (mut manager, id, _) = subscribed(&setup, notifications, incoming).await;
    for subject in ["one", "two", "three"] {
        setup.send(subject).await;
    }
    let mut seen = changes(&mut manager, 3).await;

    // The webhook goes down; Graph gives up on what it could not deliver and says so.
    setup.webhook.refuse_next(usize::MAX);
    setup.send("four").await;
    setup.send("five").await;
    eventually("Graph to try the webhook", || setup.webhook.refused() >= 1).await;
    assert!(setup.sandbox.trigger_lifecycle(&id, "missed"));
    setup.webhook.refuse_next(0);

    let event = next(&mut manager).await;
    assert!(
        matches!(&event, WatchEvent::Lifecycle { watch, event: LifecycleEvent::Missed } if watch == INBOX),
        "{event:?}"
    );
    let event = next(&mut manager).await;
    let caught_up = synced_ids(&event).unwrap_or_else(|| panic!("a catch-up, got {event:?}"));
    let WatchEvent::Synced { removed, .. } = &event else {
        unreachable!()
    };
    assert!(removed.is_empty());
    // Only what no notification reported: four and five, not one to three again.
    assert_eq!(caught_up.len(), 2, "{event:?}");
    seen.extend(caught_up);

    let inbox = setup.inbox_subjects();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for id in &seen {
        *counts.entry(inbox[id].clone()).or_default() += 1;
    }
    assert_eq!(
        counts,
        BTreeMap::from(["one", "two", "three", "four", "five"].map(|s| (s.to_string(), 1)))
    );
    // Later mail flows as notifications again, from the advanced delta link.
    setup.send("six").await;
    let six = changes(&mut manager, 1).await;
    assert_eq!(setup.inbox_subjects()[&six[0]], "six");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renews_before_expiry_on_the_sandbox_clock() {
    let (setup, notifications, incoming) = Setup::start().await;
    let (mut manager, id, expiration) = subscribed(&setup, notifications, incoming).await;
    let created = setup.clock_now();
    let state = manager.states().watches[INBOX].clone();
    let renew_at = state.renew_at.unwrap();
    let lifetime = expiration - created;
    // Between 75 % and 85 % of the lifetime.
    assert!(
        renew_at >= created + lifetime * 3 / 4 - chrono::Duration::seconds(1),
        "{renew_at}"
    );
    assert!(
        renew_at <= created + lifetime * 17 / 20 + chrono::Duration::seconds(1),
        "{renew_at}"
    );

    // Not yet: nothing happens a minute before.
    setup.advance(renew_at - setup.clock_now() - chrono::Duration::minutes(1));
    let early = tokio::time::timeout(std::time::Duration::from_millis(200), manager.next()).await;
    assert!(early.is_err(), "{early:?}");
    let patches_before = patches(&setup, &id).len();
    assert_eq!(patches_before, 0);

    setup.advance(chrono::Duration::minutes(2));
    let event = next(&mut manager).await;
    let WatchEvent::Renewed {
        watch,
        subscription_id,
        expiration: renewed,
    } = event
    else {
        panic!("a renewal, got {event:?}")
    };
    assert_eq!(
        (watch.as_str(), subscription_id.as_str()),
        (INBOX, id.as_str())
    );
    assert!(renewed > expiration, "{renewed} > {expiration}");
    let sent = patches(&setup, &id);
    assert_eq!(sent.len(), 1);
    let body: Value = serde_json::from_slice(&sent[0]).unwrap();
    let asked: DateTime<Utc> = body["expirationDateTime"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    assert_eq!(asked, renewed);
    // Read back from the server.
    let read = get(&setup, &id).await.unwrap();
    assert_eq!(read.expiration_date_time, Some(renewed));
    // The store has the new schedule.
    let state = manager.states().watches[INBOX].clone();
    assert_eq!(state.expiration_date_time, Some(renewed));
    assert!(state.renew_at.unwrap() > setup.clock_now());
}

/// Bodies of the `PATCH /v1.0/subscriptions/{id}` requests the sandbox received. Moving
/// the sandbox clock by days expires the client's access token: the first try of a request
/// may be answered 401 and repeated with a new token; those 401s are left out.
fn patches(setup: &Setup, id: &str) -> Vec<Vec<u8>> {
    setup
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.path == format!("/v1.0/subscriptions/{id}"))
        .filter(|r| r.status != 401)
        .map(|r| r.body)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_the_server_removed_is_recreated_and_notifications_flow_again() {
    let (setup, notifications, incoming) = Setup::start().await;
    let (mut manager, first, _) = subscribed(&setup, notifications, incoming).await;
    setup.send("before").await;
    changes(&mut manager, 1).await;

    assert!(setup
        .sandbox
        .trigger_lifecycle(&first, "subscriptionRemoved"));
    let event = next(&mut manager).await;
    assert!(
        matches!(
            &event,
            WatchEvent::Lifecycle {
                event: LifecycleEvent::SubscriptionRemoved,
                ..
            }
        ),
        "{event:?}"
    );
    let second = match next(&mut manager).await {
        WatchEvent::Subscribed {
            subscription_id,
            reused: false,
            recreated: true,
            ..
        } => subscription_id,
        other => panic!("a new subscription, got {other:?}"),
    };
    assert_ne!(second, first);
    // Nothing was missed in between: the catch-up is empty.
    let event = next(&mut manager).await;
    assert_eq!(synced_ids(&event), Some(vec![]), "{event:?}");
    assert!(get(&setup, &first).await.unwrap_err().is_not_found());
    assert_eq!(
        get(&setup, &second).await.unwrap().id.as_deref(),
        Some(second.as_str())
    );

    setup.send("after").await;
    let event = next(&mut manager).await;
    let WatchEvent::Changed { change, .. } = &event else {
        panic!("{event:?}")
    };
    assert_eq!(change.notification.subscription_id, second);
    assert_eq!(
        setup.inbox_subjects()[&changed_id(&event).unwrap()],
        "after"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_404_on_renewal_recreates_the_subscription_and_catches_up() {
    let (setup, notifications, incoming) = Setup::start().await;
    let (mut manager, first, _) = subscribed(&setup, notifications, incoming).await;
    // Gone without a word (no lifecycle notification), and a message arrives meanwhile.
    setup.client.subscriptions().delete(&first).await.unwrap();
    setup.send("while nobody listened").await;

    let renew_at = manager.states().watches[INBOX].renew_at.unwrap();
    setup.advance(renew_at - setup.clock_now() + chrono::Duration::seconds(1));
    let second = match next(&mut manager).await {
        WatchEvent::Subscribed {
            subscription_id,
            recreated: true,
            ..
        } => subscription_id,
        other => panic!("a new subscription, got {other:?}"),
    };
    assert_ne!(second, first);
    let event = next(&mut manager).await;
    let caught_up = synced_ids(&event).unwrap_or_else(|| panic!("a catch-up, got {event:?}"));
    assert_eq!(caught_up.len(), 1);
    assert_eq!(
        setup.inbox_subjects()[&caught_up[0]],
        "while nobody listened"
    );
    let renewal = patches(&setup, &first);
    assert_eq!(renewal.len(), 1, "one PATCH, answered 404");
    let statuses: Vec<u16> = setup
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.path.ends_with(&first) && r.status != 401)
        .map(|r| r.status)
        .collect();
    assert_eq!(statuses, [404]);
}
