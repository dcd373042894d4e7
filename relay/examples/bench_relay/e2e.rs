//! End to end, delivered to the sandbox: the relay (SMTP clients → spool → `Deliverer` →
//! Graph) next to the crate's own `send_mime` at the same concurrency, to the same
//! in-process sandbox, in the same run.

use crate::rig;
use crate::smtp_client::SmtpClient;
use msgraph_outlook::auth::{ClientCredentials, ClientSecret};
use msgraph_outlook::{Cloud, GraphClient};
use msgraph_outlook_sandbox::Sandbox;
use msgraph_relay::clock::SystemClock;
use msgraph_relay::config::DeliveryConfig;
use msgraph_relay::delivery::Deliverer;
use msgraph_relay::metrics::Metrics;
use msgraph_relay::shutdown;
use msgraph_relay::smtp::SmtpServer;
use msgraph_relay::spool::Spool;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Sending mailboxes: message i is sent from `sender{i % MAILBOXES}`, so that Graph's 4
/// requests in flight per mailbox never bind at the concurrencies measured.
pub const MAILBOXES: usize = 16;
/// Message size (about 4 KB, the MIME path).
pub const MESSAGE_SIZE: usize = 4096;
/// The longest a relay run may take before the benchmark gives up.
const DEADLINE: Duration = Duration::from_secs(300);

/// A sandbox with the senders and both sides' recipients, and an app-only client on it
/// (client credentials, as the relay signs in).
pub struct Graph {
    pub sandbox: Sandbox,
    pub client: GraphClient,
}

impl Graph {
    pub async fn start() -> Result<Graph, Box<dyn std::error::Error>> {
        let sandbox = Sandbox::start().await?;
        for i in 0..MAILBOXES {
            sandbox.add_user(&sender(i));
            sandbox.add_user(&recipient("direct", i));
            sandbox.add_user(&recipient("relay", i));
        }
        let client = client(
            &sandbox.base_url(),
            &sandbox.authority_url(),
            &sandbox.tenant_id(),
            &sandbox.client_id(),
            &sandbox.client_secret(),
        )?;
        Ok(Graph { sandbox, client })
    }

    /// Messages in the Inboxes of `side`'s recipients.
    pub fn delivered(&self, side: &str) -> usize {
        (0..MAILBOXES)
            .map(|i| self.sandbox.messages(&recipient(side, i), "inbox").len())
            .sum()
    }
}

/// An app-only client signing in with the client secret.
pub fn client(
    base_url: &str,
    authority_url: &str,
    tenant: &str,
    client_id: &str,
    secret: &str,
) -> Result<GraphClient, Box<dyn std::error::Error>> {
    let cloud = Cloud::from_base_url(base_url, authority_url)?;
    let credentials = ClientCredentials::new(
        &cloud,
        tenant,
        client_id,
        ClientSecret::new(secret.to_string()),
    )?;
    Ok(GraphClient::builder()
        .base_url(base_url)
        .token_provider(credentials)
        .build()?)
}

pub fn sender(i: usize) -> String {
    format!("sender{}@contoso.com", i % MAILBOXES)
}

pub fn recipient(side: &str, i: usize) -> String {
    format!("{side}{}@contoso.com", i % MAILBOXES)
}

/// The relay's `[delivery]` for the benchmark: `workers` sends at once; Exchange's pacing
/// (30 messages a minute per mailbox) lifted, or it alone would set the throughput.
pub fn delivery_config(workers: usize) -> DeliveryConfig {
    DeliveryConfig {
        workers,
        messages_per_minute: 1_000_000,
        recipients_per_day: 100_000_000,
        ..DeliveryConfig::default()
    }
}

/// `messages` through `client.user(sender).send_mime(…)` from `concurrency` tasks; the
/// seconds it took.
pub async fn direct(
    graph: &Graph,
    concurrency: usize,
    messages: usize,
    round: usize,
) -> Result<f64, Box<dyn std::error::Error>> {
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let (client, next) = (graph.client.clone(), next.clone());
        tasks.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= messages {
                    return Ok::<_, msgraph_outlook::Error>(());
                }
                let (from, to) = (sender(i), recipient("direct", i));
                let mime = rig::message(round * messages + i, &from, &to, MESSAGE_SIZE);
                client.user(&from).send_mime(mime).send().await?;
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    Ok(started.elapsed().as_secs_f64())
}

/// `messages` submitted by `concurrency` SMTP clients (each its share over one
/// connection) to a relay whose `Deliverer` has `concurrency` workers, until Graph took
/// every one; the seconds from the first connection to the last delivery, and the
/// seconds until the last `250`.
pub async fn relay(
    graph: &Graph,
    concurrency: usize,
    messages: usize,
    round: usize,
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let dir = rig::spool_dir()?;
    let spool = Spool::open(dir.path(), "relay.bench")?;
    let metrics = Metrics::new();
    let deliverer = Deliverer::new(
        spool.clone(),
        graph.client.clone(),
        delivery_config(concurrency),
        Arc::new(SystemClock),
        metrics.clone(),
    );
    let server = SmtpServer::bind(
        &rig::smtp_config(35 * 1024 * 1024),
        spool.clone(),
        deliverer.size_limit(),
        metrics.clone(),
    )
    .await?;
    let addr = server.local_addrs()[0].1;
    let (trigger, stop) = shutdown::channel();
    let serving = tokio::spawn(server.serve(stop.clone()));
    let delivering = tokio::spawn(deliverer.run(stop));

    let started = Instant::now();
    let per_client = messages / concurrency;
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..concurrency {
        tasks.spawn(async move {
            let mut client = SmtpClient::connect(addr).await?;
            for k in 0..per_client {
                let i = c * per_client + k;
                let (from, to) = (sender(i), recipient("relay", i));
                let message = rig::message(round * messages + i, &from, &to, MESSAGE_SIZE);
                client.send(&from, &[to], &message).await?;
            }
            client.quit().await
        });
    }
    while let Some(done) = tasks.join_next().await {
        done??;
    }
    let accepted = started.elapsed().as_secs_f64();
    let total = per_client * concurrency;
    while (metrics.delivered.get() as usize) < total {
        if started.elapsed() > DEADLINE {
            return Err(format!(
                "relay: {} of {total} delivered after {DEADLINE:?}",
                metrics.delivered.get()
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let seconds = started.elapsed().as_secs_f64();
    trigger.trigger();
    serving.await??;
    delivering.await??;
    if metrics.failed.get() != 0 {
        return Err(format!("relay: {} messages failed", metrics.failed.get()).into());
    }
    Ok((seconds, accepted))
}
