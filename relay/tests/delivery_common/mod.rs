//! Shared by the delivery tests: a sandbox as Graph, a spool in a temporary directory, a
//! manual clock that the sandbox clock follows, and the delivery log captured as JSON.
#![allow(dead_code)]

use chrono::{DateTime, TimeZone, Utc};
use msgraph_outlook::auth::{ClientCredentials, ClientSecret};
use msgraph_outlook::{Cloud, GraphClient};
use msgraph_outlook_sandbox::Sandbox;
use msgraph_relay::clock::{Clock, ManualClock};
use msgraph_relay::config::DeliveryConfig;
use msgraph_relay::delivery::Deliverer;
use msgraph_relay::envelope::Envelope;
use msgraph_relay::metrics::Metrics;
use msgraph_relay::spool::{QueueId, Record, Spool};
use serde_json::Value;
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub struct Rig {
    pub sandbox: Sandbox,
    pub spool: Spool,
    pub dir: tempfile::TempDir,
    pub clock: ManualClock,
    pub metrics: Metrics,
    pub graph: GraphClient,
    pub deliverer: Deliverer,
    pub config: DeliveryConfig,
}

/// Now, in whole milliseconds (what the spool keeps).
/// A client for a fake Graph at `base_url` (ending in `/v1.0`), with a fixed app token.
pub fn static_token_client(base_url: impl Into<String>) -> GraphClient {
    GraphClient::builder()
        .base_url(base_url.into())
        .token_provider(msgraph_outlook::auth::StaticToken::application("token"))
        .build()
        .unwrap()
}

pub fn start_time() -> DateTime<Utc> {
    Utc.timestamp_millis_opt(Utc::now().timestamp_millis())
        .unwrap()
}

/// A configuration for tests: short grace and window, no pacing unless asked.
pub fn config() -> DeliveryConfig {
    DeliveryConfig {
        grace: Duration::from_secs(60),
        window: Duration::from_secs(900),
        messages_per_minute: 100_000,
        recipients_per_day: 1_000_000,
        retry_initial: Duration::from_secs(60),
        ..DeliveryConfig::default()
    }
}

pub async fn rig(config: DeliveryConfig) -> Rig {
    let sandbox = Sandbox::start().await.unwrap();
    for user in [
        "adele@contoso.com",
        "alex@contoso.com",
        "megan@contoso.com",
        "hidden@contoso.com",
        "outsider@contoso.com",
        "relay@contoso.com",
        "printer@contoso.com",
    ] {
        sandbox.add_user(user);
    }
    let now = start_time();
    sandbox.set_clock(now);
    let clock = ManualClock::new(now);
    let cloud = Cloud::from_base_url(&sandbox.base_url(), &sandbox.authority_url()).unwrap();
    let credentials = ClientCredentials::new(
        &cloud,
        &sandbox.tenant_id(),
        &sandbox.client_id(),
        ClientSecret::new(sandbox.client_secret()),
    )
    .unwrap();
    let graph = GraphClient::builder()
        .base_url(sandbox.base_url())
        .token_provider(credentials)
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let spool = Spool::open(dir.path(), "relay.test").unwrap();
    let metrics = Metrics::new();
    let deliverer = Deliverer::new(
        spool.clone(),
        graph.clone(),
        config.clone(),
        Arc::new(clock.clone()),
        metrics.clone(),
    );
    Rig {
        sandbox,
        spool,
        dir,
        clock,
        metrics,
        graph,
        deliverer,
        config,
    }
}

impl Rig {
    /// The relay's clock.
    pub fn clock_now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Moves the clocks up to the system clock when behind it (messages the relay queues
    /// itself, like failure reports, are stamped with the system clock).
    pub fn catch_up(&self) {
        let now = Utc::now() + chrono::Duration::milliseconds(1);
        if now > self.clock.now() {
            self.advance((now - self.clock.now()).to_std().unwrap());
        }
    }

    /// Moves the relay's clock and the sandbox's together.
    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
        self.sandbox.advance_clock(by);
    }

    /// Queues a message; the clocks move up to its acceptance time (the spool stamps it
    /// with the system clock) so that it is due.
    pub async fn enqueue(&self, envelope: Envelope, message: &[u8]) -> QueueId {
        let id = self.spool.enqueue(envelope, message).await.unwrap();
        let due = self.record(&id).await.next_attempt_at;
        let now = self.clock.now();
        if due > now {
            self.advance((due - now).to_std().unwrap());
        }
        id
    }

    pub async fn record(&self, id: &QueueId) -> Record {
        self.spool.get(id).await.unwrap()
    }

    /// A new Deliverer on the same spool (a restarted relay).
    pub fn restart(&self) -> Deliverer {
        Deliverer::new(
            self.spool.clone(),
            self.graph.clone(),
            self.config.clone(),
            Arc::new(self.clock.clone()),
            self.metrics.clone(),
        )
    }

    /// Messages in `address`'s folder with this Message-ID.
    pub fn count(&self, address: &str, folder: &str, message_id: &str) -> usize {
        self.sandbox
            .messages(address, folder)
            .iter()
            .filter(|m| m["internetMessageId"] == message_id)
            .count()
    }
}

pub fn envelope(from: &str, to: &[&str]) -> Envelope {
    Envelope::new(from, to.iter().map(|s| s.to_string()).collect())
}

/// The delivery log of this test binary (one global subscriber: per-thread ones miss
/// events whose call sites other tests registered first). Filter by queue id.
pub struct Log {
    buffer: Arc<Mutex<Vec<u8>>>,
}

#[derive(Clone)]
struct Writer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

static BUFFER: std::sync::OnceLock<Arc<Mutex<Vec<u8>>>> = std::sync::OnceLock::new();

pub fn capture_log() -> Log {
    let buffer = BUFFER
        .get_or_init(|| {
            let buffer = Arc::new(Mutex::new(Vec::new()));
            let writer = Writer(buffer.clone());
            let subscriber = tracing_subscriber::fmt()
                .json()
                .with_env_filter("msgraph_relay::delivery_log=info")
                .with_writer(move || writer.clone())
                .finish();
            tracing::subscriber::set_global_default(subscriber).unwrap();
            buffer
        })
        .clone();
    Log { buffer }
}

impl Log {
    /// The delivery log lines' fields about queue id `id`, oldest first.
    pub fn lines(&self, id: &QueueId) -> Vec<Value> {
        String::from_utf8_lossy(&self.buffer.lock().unwrap())
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .map(|v| v["fields"].clone())
            .filter(|f| f["queue_id"] == id.as_str())
            .collect()
    }

    /// Every delivery log line's fields.
    pub fn all(&self) -> Vec<Value> {
        String::from_utf8_lossy(&self.buffer.lock().unwrap())
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .map(|v| v["fields"].clone())
            .collect()
    }
}
