//! Watches a mailbox's Inbox: a change-notification subscription kept alive by
//! `SubscriptionManager`, a webhook on 127.0.0.1 (the crate's `axum` feature), each new
//! message's subject printed as it arrives, and a delta catch-up when Graph says
//! notifications were missed. EWS's streaming notifications, on Graph.
//!
//! ```text
//! cargo run --features axum --example watch_inbox
//! ```
//!
//! With no `GRAPH_*` credentials set it runs against an in-process sandbox: it sends itself
//! three messages, then takes its webhook down for a moment, sends a fourth and has the
//! sandbox report the notifications it could not deliver as `missed`; the fourth arrives
//! through delta. It exits once all four subjects are printed.
//!
//! Against a tenant, Graph must reach the webhook over public HTTPS: run a tunnel to the
//! local port (`WATCH_PORT`, 8080 by default) and set `GRAPH_NOTIFICATION_URL` to its
//! public URL. The state (subscription, clientState, delta link) is kept in
//! `WATCH_STATE_FILE` (`watch-state.json`), so a restart reuses the subscription. It needs
//! the `Mail.Read` permission (application, or delegated for `/me`).

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use msgraph_outlook::api::Mailbox;
use msgraph_outlook::models::{Message, WellKnownFolder};
use msgraph_outlook::notifications::{self, Notifications};
use msgraph_outlook::watch::{
    FileStore, MemoryStore, StateStore, SubscriptionManager, SyncedItem, Watch, WatchEvent,
};

/// The notification path; lifecycle notifications go to `/graph/lifecycle`.
const NOTIFY_PATH: &str = "/graph/notify";
const LIFECYCLE_PATH: &str = "/graph/lifecycle";
/// The subjects the sandbox demo sends; the last one only arrives through delta.
const DEMO_SUBJECTS: [&str; 4] = [
    "Watching 1: the quarterly report",
    "Watching 2: lunch on Friday?",
    "Watching 3: new badge policy",
    "Watching 4: sent while the webhook was down",
];
/// How long the demo waits for anything before giving up.
const DEMO_DEADLINE: Duration = Duration::from_secs(30);

/// The webhook, with an off switch for the demo's outage.
#[derive(Clone)]
struct Webhook {
    notifications: Notifications,
    down: Arc<AtomicBool>,
}

async fn webhook(State(hook): State<Webhook>, request: Request) -> Response {
    let validation = request
        .uri()
        .query()
        .is_some_and(|q| q.contains("validationToken="));
    if hook.down.load(Ordering::SeqCst) && request.uri().path() == NOTIFY_PATH && !validation {
        // Down: Graph keeps the notifications and retries later.
        return axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response();
    }
    notifications::axum::handler(State(hook.notifications), request).await
}

#[tokio::main]
async fn main() -> ExitCode {
    let setup = match common::setup().await {
        Ok(setup) => setup,
        Err(e) => return common::fail(e),
    };
    let public_url = common::env("GRAPH_NOTIFICATION_URL");
    let port: u16 = match common::env("WATCH_PORT").map(|p| p.parse()) {
        None => match setup.sandbox {
            Some(_) => 0, // any free port
            None => 8080,
        },
        Some(Ok(port)) => port,
        Some(Err(_)) => return common::fail("WATCH_PORT is not a port number"),
    };
    if setup.sandbox.is_none() && public_url.is_none() {
        println!(
            "Graph must reach this webhook over public HTTPS, and it only listens on \
             http://127.0.0.1:{port}{NOTIFY_PATH}. Start a tunnel to that port (for example \
             `cloudflared tunnel --url http://127.0.0.1:{port}` or `ngrok http {port}`) and \
             run again with GRAPH_NOTIFICATION_URL=https://<the tunnel's host>{NOTIFY_PATH}"
        );
        return ExitCode::from(2);
    }
    match run(&setup, port, public_url).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => common::fail(e),
    }
}

async fn run(
    setup: &common::Setup,
    port: u16,
    public_url: Option<String>,
) -> Result<(), Box<dyn std::error::Error>> {
    let (notifications, incoming) = Notifications::builder().build()?;
    let hook = Webhook {
        notifications: notifications.clone(),
        down: Arc::new(AtomicBool::new(false)),
    };
    let app = axum::Router::new()
        .fallback(webhook)
        .with_state(hook.clone());
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], port))).await?;
    let local = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });
    println!("Webhook listening on {local}{NOTIFY_PATH}");

    // Graph calls the public URL; its lifecycle path sits next to the notification path.
    let notify_url = public_url.unwrap_or_else(|| format!("{local}{NOTIFY_PATH}"));
    let lifecycle_url = match notify_url.strip_suffix(NOTIFY_PATH) {
        Some(root) => format!("{root}{LIFECYCLE_PATH}"),
        None => notify_url.clone(),
    };
    let mailbox = setup.mailbox.clone();
    let watch =
        Watch::folder_messages(mailbox.target().clone(), WellKnownFolder::Inbox, notify_url)
            .lifecycle_notification_url(lifecycle_url)
            .named("inbox");
    let store: Arc<dyn StateStore> = match setup.sandbox {
        // The sandbox forgets everything when the demo ends: so does its state.
        Some(_) => Arc::new(MemoryStore::new()),
        None => Arc::new(FileStore::new(
            common::env("WATCH_STATE_FILE").unwrap_or_else(|| "watch-state.json".into()),
        )),
    };
    let mut manager = SubscriptionManager::builder(setup.client.clone(), notifications, incoming)
        .shared_store(store)
        .watch(watch)
        .build()?;
    manager.start().await?;

    match &setup.sandbox {
        Some(sandbox) => demo(sandbox, &mailbox, &hook, &mut manager).await,
        None => {
            println!("Watching; Ctrl-C to stop");
            while let Some(event) = manager.next().await {
                report(&mailbox, &event).await?;
            }
            Ok(())
        }
    }
}

/// Prints what an event means for the user; returns the subjects of new messages.
async fn report(
    mailbox: &Mailbox,
    event: &WatchEvent,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let mut subjects = Vec::new();
    match event {
        WatchEvent::Subscribed {
            subscription_id,
            expiration,
            reused,
            ..
        } => println!(
            "{} subscription {subscription_id}, expires {expiration}",
            if *reused { "Reusing" } else { "Created" }
        ),
        WatchEvent::Renewed { expiration, .. } => println!("Renewed until {expiration}"),
        WatchEvent::Changed { change, .. } => {
            let id = change
                .notification
                .resource_data
                .as_ref()
                .and_then(|d| d.id.clone());
            let created = change.notification.change_type
                == Some(msgraph_outlook::models::ChangeType::Created);
            if let (Some(id), true) = (id, created) {
                // A notification names the message; its subject is read from Graph.
                let message = mailbox.message(id).get().select(["subject"]).await?;
                let subject = message.subject.unwrap_or_default();
                println!("New message: {subject:?}");
                subjects.push(subject);
            }
        }
        WatchEvent::Synced {
            changed, removed, ..
        } => {
            println!(
                "Caught up through delta: {} new or changed, {} removed",
                changed.len(),
                removed.len()
            );
            for item in changed {
                if let SyncedItem::Message(message) = item {
                    let subject = message.subject.clone().unwrap_or_default();
                    println!("New message (caught up): {subject:?}");
                    subjects.push(subject);
                }
            }
        }
        WatchEvent::Lifecycle { event, .. } => println!("Graph says: {event}"),
        WatchEvent::Failed {
            error, retry_at, ..
        } => {
            println!("Failed ({error}); retrying at {retry_at}")
        }
        other => println!("{other:?}"),
    }
    Ok(subjects)
}

/// The sandbox demo: three messages through notifications, one through catch-up.
async fn demo(
    sandbox: &msgraph_outlook_sandbox::Sandbox,
    mailbox: &Mailbox,
    hook: &Webhook,
    manager: &mut SubscriptionManager,
) -> Result<(), Box<dyn std::error::Error>> {
    let me = common::SANDBOX_USERS[0];
    let send = |subject: &'static str| {
        mailbox.send_mail(
            Message::new()
                .subject(subject)
                .text_body("Sent by watch_inbox")
                .to(me),
        )
    };
    let mut printed = BTreeSet::new();
    for subject in &DEMO_SUBJECTS[..3] {
        send(subject).await?;
    }
    next_subjects(manager, mailbox, &mut printed, 3).await?;

    // The webhook goes down; the fourth message's notification cannot be delivered, and
    // the sandbox reports it as missed (as Graph does after throttling or an outage).
    hook.down.store(true, Ordering::SeqCst);
    send(DEMO_SUBJECTS[3]).await?;
    let deadline = tokio::time::Instant::now() + DEMO_DEADLINE;
    while sandbox.pending_notifications() == 0 {
        if tokio::time::Instant::now() > deadline {
            return Err("the sandbox never tried to notify".into());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let subscription = manager.states().watches["inbox"]
        .subscription_id
        .clone()
        .ok_or("no subscription")?;
    sandbox.trigger_lifecycle(&subscription, "missed");
    hook.down.store(false, Ordering::SeqCst);
    next_subjects(manager, mailbox, &mut printed, 4).await?;
    println!("All {} messages seen", printed.len());
    Ok(())
}

/// Reports events until `total` distinct subjects were printed.
async fn next_subjects(
    manager: &mut SubscriptionManager,
    mailbox: &Mailbox,
    printed: &mut BTreeSet<String>,
    total: usize,
) -> Result<(), Box<dyn std::error::Error>> {
    while printed.len() < total {
        let event = tokio::time::timeout(DEMO_DEADLINE, manager.next())
            .await
            .map_err(|_| "no notification within 30 s")?
            .ok_or("the receiver stopped")?;
        printed.extend(report(mailbox, &event).await?);
    }
    Ok(())
}
