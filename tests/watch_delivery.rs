//! The subscription manager against the sandbox: every change passed on exactly once,
//! whatever Graph redelivers, and nothing lost while the webhook answers 503.

#[path = "support/raw_server.rs"]
mod raw_server;
#[path = "support/sandbox_clients.rs"]
mod sandbox_clients;
#[path = "support/watching.rs"]
mod watching;
#[path = "support/webhook.rs"]
mod webhook;

use std::collections::BTreeMap;
use std::time::Duration;

use msgraph_outlook::models::ChangeType;
use msgraph_outlook::watch::{MemoryStore, WatchEvent};
use watching::{changed_id, eventually, next, Setup, INBOX};

/// Collects `Changed` events until `n` distinct ids arrived; other events are returned
/// beside them.
async fn collect_changes(
    manager: &mut msgraph_outlook::watch::SubscriptionManager,
    n: usize,
    mut between: impl FnMut(),
) -> (BTreeMap<String, usize>, Vec<WatchEvent>) {
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut others = Vec::new();
    while seen.len() < n {
        let event = tokio::time::timeout(Duration::from_millis(200), manager.next()).await;
        match event {
            Ok(Some(event)) => match changed_id(&event) {
                Some(id) => {
                    if let WatchEvent::Changed { watch, change } = &event {
                        assert_eq!(watch, INBOX);
                        assert_eq!(change.notification.change_type, Some(ChangeType::Created));
                    }
                    *seen.entry(id).or_default() += 1;
                }
                None => others.push(event),
            },
            Ok(None) => panic!("the receiver went away"),
            // Nothing for a while: let the test move the clocks (redelivery is due later).
            Err(_) => between(),
        }
    }
    (seen, others)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_messages_give_exactly_a_hundred_created_changes_despite_redelivery() {
    let (setup, notifications, incoming) = Setup::start().await;
    let mut manager = setup.manager(notifications.clone(), incoming, MemoryStore::new());
    manager.start().await.unwrap();
    let WatchEvent::Subscribed {
        subscription_id,
        reused: false,
        recreated: false,
        ..
    } = next(&mut manager).await
    else {
        panic!("first the subscription")
    };

    // The first two deliveries are accepted but their answers lost: Graph sends them
    // again (and again: a redelivery can be the second lost answer).
    setup.webhook.lose_next_answers(2);
    for i in 0..100 {
        setup.send(&format!("message {i:03}")).await;
    }
    let started = std::time::Instant::now();
    let (seen, others) = collect_changes(&mut manager, 100, || {
        assert!(
            started.elapsed() < watching::DEADLINE * 3,
            "not all delivered"
        );
        setup.advance(chrono::Duration::minutes(2));
    })
    .await;
    assert!(others.is_empty(), "{others:?}");
    // Graph batches notifications: the lost answers covered one POST or more.
    assert!(setup.webhook.answers_lost() >= 1);

    // Graph redelivers what it thinks failed, after its backoff (sandbox clock): every
    // redelivery comes in, and none is passed on.
    let started = std::time::Instant::now();
    while setup.sandbox.pending_notifications() > 0 {
        assert!(
            started.elapsed() < watching::DEADLINE,
            "redeliveries still pending"
        );
        setup.advance(chrono::Duration::minutes(2));
        let event = tokio::time::timeout(Duration::from_millis(100), manager.next()).await;
        assert!(event.is_err(), "a redelivery was passed on: {event:?}");
    }
    let inbox = setup.inbox_subjects();
    assert_eq!(inbox.len(), 100);
    assert_eq!(
        seen.keys().cloned().collect::<Vec<_>>(),
        inbox.keys().cloned().collect::<Vec<_>>()
    );
    assert!(seen.values().all(|n| *n == 1), "{seen:?}");
    // The receiver took each of the ten twice: 110 notifications in, 100 changes out.
    assert!(
        notifications.stats().delivered >= 110,
        "{:?}",
        notifications.stats()
    );
    let late = tokio::time::timeout(Duration::from_millis(300), manager.next()).await;
    assert!(late.is_err(), "no duplicate after the hundred: {late:?}");
    let _ = subscription_id;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_webhook_answering_503_for_a_while_loses_nothing() {
    let (setup, notifications, incoming) = Setup::start().await;
    let mut manager = setup.manager(notifications, incoming, MemoryStore::new());
    manager.start().await.unwrap();
    assert!(matches!(
        next(&mut manager).await,
        WatchEvent::Subscribed { .. }
    ));

    setup.webhook.refuse_next(usize::MAX);
    for i in 0..20 {
        setup.send(&format!("during the outage {i:02}")).await;
    }
    eventually("Graph's first attempts to be refused", || {
        setup.webhook.refused() >= 1
    })
    .await;
    // Back up; redelivery follows Graph's backoff on the sandbox clock.
    setup.webhook.refuse_next(0);
    let (seen, others) = collect_changes(&mut manager, 20, || {
        setup.advance(chrono::Duration::minutes(5));
    })
    .await;
    assert!(others.is_empty(), "{others:?}");
    let inbox = setup.inbox_subjects();
    assert_eq!(
        seen.keys().cloned().collect::<Vec<_>>(),
        inbox.keys().cloned().collect::<Vec<_>>()
    );
    assert!(seen.values().all(|n| *n == 1), "{seen:?}");
    assert!(setup.webhook.refused() >= 1);
}
