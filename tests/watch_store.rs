//! The manager's state in a file: a restart reuses the stored subscription (no second
//! one), with its clientState, and a crash mid-save never loses the old state.

#[path = "support/raw_server.rs"]
mod raw_server;
#[path = "support/sandbox_clients.rs"]
mod sandbox_clients;
#[path = "support/watching.rs"]
mod watching;
#[path = "support/webhook.rs"]
mod webhook;

use std::path::{Path, PathBuf};

use msgraph_outlook::watch::{FileStore, StateStore, SubscriptionManager, SyncedItem, WatchEvent};
use serde_json::{json, Value};
use watching::{changed_id, next, receiver, Setup, INBOX};

fn temp_dir() -> PathBuf {
    std::env::temp_dir().join(format!(
        "msgraph-watch-test-{}",
        uuid::Uuid::new_v4().simple()
    ))
}

/// A set-up whose manager keeps its state in `watch.json` in a new folder, started: the
/// folder, the file, the set-up and the manager.
async fn started_on_a_new_file() -> (PathBuf, PathBuf, Setup, SubscriptionManager) {
    let dir = temp_dir();
    let path = dir.join("watch.json");
    let (setup, notifications, incoming) = Setup::start().await;
    let mut manager = setup.manager(notifications, incoming, FileStore::new(&path));
    manager.start().await.unwrap();
    (dir, path, setup, manager)
}

/// The process started again: a new receiver behind the same URL, and a manager on the state
/// file at `path`, started.
async fn restarted(setup: &Setup, path: &Path) -> SubscriptionManager {
    let (notifications, incoming) = receiver();
    setup.webhook.set_receiver(notifications.clone());
    let mut manager = setup.manager(notifications, incoming, FileStore::new(path));
    manager.start().await.unwrap();
    manager
}

/// `POST /v1.0/subscriptions` requests the sandbox received.
fn creations(setup: &Setup) -> usize {
    setup
        .sandbox
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path == "/v1.0/subscriptions")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_resumes_from_the_file_without_a_second_subscription() {
    let (dir, path, setup, mut manager) = started_on_a_new_file().await;
    let WatchEvent::Subscribed {
        subscription_id,
        expiration,
        ..
    } = next(&mut manager).await
    else {
        panic!("a subscription")
    };
    setup.send("first run").await;
    assert!(changed_id(&next(&mut manager).await).is_some());

    // What is on disk: the subscription, its secret, the schedule and the delta link.
    let stored: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let state = manager.states().watches[INBOX].clone();
    let client_state = state.client_state.clone().unwrap();
    assert_eq!(client_state.secret().len(), 43); // 32 random bytes, base64url
    assert_eq!(
        stored,
        json!({
            "version": 1,
            "watches": {INBOX: {
                "resource": format!("users/{}/mailFolders('inbox')/messages", setup.watched_id),
                "subscriptionId": subscription_id,
                "clientState": client_state.secret(),
                "expirationDateTime": expiration,
                "renewAt": state.renew_at.unwrap(),
                "deltaLink": state.delta_link.clone().unwrap(),
            }}
        })
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    assert!(!format!("{manager:?} {state:?}").contains(client_state.secret()));
    assert_eq!(creations(&setup), 1);

    // The process dies (mid-save, leaving a temporary file behind) and starts again with
    // a new receiver behind the same URL.
    drop(manager);
    std::fs::write(dir.join(".watch.json.0123.tmp"), b"{\"version\": 1, \"watc").unwrap();
    let mut manager = restarted(&setup, &path).await;
    match next(&mut manager).await {
        WatchEvent::Subscribed {
            subscription_id: again,
            reused: true,
            recreated: false,
            expiration: e,
            ..
        } => {
            assert_eq!(again, subscription_id);
            assert_eq!(e, expiration);
        }
        other => panic!("the stored subscription, reused; got {other:?}"),
    }
    assert_eq!(creations(&setup), 1, "no second subscription");
    // Then a catch-up from the stored link: what arrived since the last delta round (here
    // the first run's message, which that run had from a notification: across a restart
    // the guarantee is at least once).
    let event = next(&mut manager).await;
    let WatchEvent::Synced {
        changed, removed, ..
    } = &event
    else {
        panic!("a catch-up, got {event:?}")
    };
    assert!(removed.is_empty());
    let subjects: Vec<_> = changed
        .iter()
        .map(|item| match item {
            SyncedItem::Message(m) => m.subject.clone().unwrap_or_default(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(subjects, ["first run"]);
    let resumed = manager.states().watches[INBOX].clone();
    assert_eq!(resumed.subscription_id, state.subscription_id);
    assert_eq!(resumed.client_state, state.client_state);
    assert_eq!(resumed.renew_at, state.renew_at);
    // The link after the catch-up is stored once the application asks for the next event.
    assert_eq!(resumed.delta_link, state.delta_link);
    // The catch-up's delta round went from the stored link.
    let stored_token = state.delta_link.clone().unwrap();
    let stored_token = stored_token.split_once('?').unwrap().1;
    assert!(
        setup.sandbox.requests().iter().any(
            |r| r.path.ends_with("/messages/delta") && r.query.as_deref() == Some(stored_token)
        ),
        "no delta request with the stored link's query {stored_token}"
    );

    // Its notifications carry the stored clientState, which the new receiver accepts.
    setup.send("second run").await;
    let id = changed_id(&next(&mut manager).await).unwrap();
    assert_eq!(setup.inbox_subjects()[&id], "second run");
    let advanced = manager.states().watches[INBOX].delta_link.clone();
    assert_ne!(advanced, state.delta_link, "the link advanced");
    assert_eq!(FileStore::new(&path).load().unwrap(), manager.states());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Subjects of the messages a `Synced` event reports.
fn synced_subjects(event: &WatchEvent) -> Vec<String> {
    let WatchEvent::Synced { changed, .. } = event else {
        panic!("a catch-up, got {event:?}")
    };
    changed
        .iter()
        .map(|item| match item {
            SyncedItem::Message(m) => m.subject.clone().unwrap_or_default(),
            other => panic!("{other:?}"),
        })
        .collect()
}

/// The process dies after `next` handed it a catch-up's changes, before it could act on
/// them: the restarted manager runs that catch-up again from the link stored before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_catch_up_the_application_had_not_finished_is_run_again_after_a_crash() {
    let (dir, path, setup, mut manager) = started_on_a_new_file().await;
    let WatchEvent::Subscribed {
        subscription_id, ..
    } = next(&mut manager).await
    else {
        panic!("a subscription")
    };
    let baseline = manager.states().watches[INBOX].delta_link.clone();
    assert!(baseline.is_some());

    // A message whose notification never arrives, and Graph says so.
    setup.webhook.refuse_next(usize::MAX);
    setup.send("missed").await;
    watching::eventually("Graph to try the webhook", || setup.webhook.refused() >= 1).await;
    assert!(setup.sandbox.trigger_lifecycle(&subscription_id, "missed"));
    setup.webhook.refuse_next(0);
    assert!(matches!(
        next(&mut manager).await,
        WatchEvent::Lifecycle { .. }
    ));
    let event = next(&mut manager).await;
    assert_eq!(synced_subjects(&event), ["missed"]);
    // Handed over, not yet stored: the application has not asked for more.
    assert_eq!(manager.states().watches[INBOX].delta_link, baseline);
    assert_eq!(
        FileStore::new(&path).load().unwrap().watches[INBOX].delta_link,
        baseline
    );

    // Crash.
    drop(manager);
    let mut manager = restarted(&setup, &path).await;
    assert!(matches!(
        next(&mut manager).await,
        WatchEvent::Subscribed { reused: true, .. }
    ));
    let event = next(&mut manager).await;
    assert_eq!(synced_subjects(&event), ["missed"]);
    std::fs::remove_dir_all(&dir).unwrap();
}
