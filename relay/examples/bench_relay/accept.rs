//! Accepted over SMTP, durable: C concurrent raw SMTP clients, each sending its messages
//! over one connection, into the real spool (fsync) on the real disk.

use crate::rig;
use crate::smtp_client::SmtpClient;
use msgraph_relay::metrics::Metrics;
use msgraph_relay::shutdown;
use msgraph_relay::size_limit::FixedSizeLimit;
use msgraph_relay::smtp::SmtpServer;
use msgraph_relay::spool::Spool;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Message size of this section (about 4 KB).
pub const MESSAGE_SIZE: usize = 4096;

/// One run's results.
#[derive(Debug)]
pub struct Acceptance {
    pub messages: usize,
    pub seconds: f64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub filesystem: String,
}

/// `clients` clients × `per_client` messages.
pub async fn run(
    clients: usize,
    per_client: usize,
) -> Result<Acceptance, Box<dyn std::error::Error>> {
    let dir = rig::spool_dir()?;
    let spool = Spool::open(dir.path(), "relay.bench")?;
    let server = SmtpServer::bind(
        &rig::smtp_config(35 * 1024 * 1024),
        spool.clone(),
        Arc::new(FixedSizeLimit(35 * 1024 * 1024)),
        Metrics::new(),
    )
    .await?;
    let addr = server.local_addrs()[0].1;
    let (trigger, stop) = shutdown::channel();
    let serving = tokio::spawn(server.serve(stop));

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for c in 0..clients {
        tasks.spawn(async move {
            let mut client = SmtpClient::connect(addr).await?;
            let from = format!("sender{}@contoso.com", c % 16);
            let to = vec![format!("rcpt{c}@contoso.com")];
            let mut latencies = Vec::with_capacity(per_client);
            for i in 0..per_client {
                let message = rig::message(c * per_client + i, &from, &to[0], MESSAGE_SIZE);
                latencies.push(client.send(&from, &to, &message).await?);
            }
            client.quit().await?;
            Ok::<_, std::io::Error>(latencies)
        });
    }
    let mut latencies: Vec<Duration> = Vec::with_capacity(clients * per_client);
    while let Some(done) = tasks.join_next().await {
        latencies.extend(done??);
    }
    let seconds = started.elapsed().as_secs_f64();
    trigger.trigger();
    serving.await??;

    // Every 250 must be a queued message.
    let messages = clients * per_client;
    let queued = spool.counts().await?.queued as usize;
    if queued != messages {
        return Err(format!("{messages} messages accepted but {queued} queued").into());
    }
    latencies.sort();
    Ok(Acceptance {
        messages,
        seconds,
        per_second: messages as f64 / seconds,
        p50_ms: rig::quantile_ms(&latencies, 0.50),
        p99_ms: rig::quantile_ms(&latencies, 0.99),
        max_ms: rig::quantile_ms(&latencies, 1.0),
        filesystem: rig::filesystem(dir.path()),
    })
}
