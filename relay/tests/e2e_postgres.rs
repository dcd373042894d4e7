//! Several relays on one PostgreSQL queue (issue 21), through real processes: three
//! `msgraph-relay serve` processes share a spool database on a real PostgreSQL server
//! (tests/pg_support), a real SMTP client (lettre) submits to them round-robin, and the
//! sandbox counts what arrives:
//! - 1,000 messages from 20 mailboxes: each delivered exactly once, and for every
//!   mailbox the sandbox never had more than 4 requests in flight nor more than 30
//!   messages in a rolling minute (its Exchange limits on: a 31st would wait in the
//!   Outbox);
//! - one relay killed with SIGKILL mid-delivery: the others deliver its messages, each
//!   exactly once (its attempts looked for in Sent Items before any resend);
//! - PostgreSQL stopped and started again mid-run: while it is down every submission gets
//!   a 4xx, never a 250; afterwards the relays go on, and every message that got a 250 is
//!   delivered exactly once.

mod cli_common;
mod e2e_support;
mod pg_support;

use cli_common::{http_get, Relay};
use e2e_support::{wait_until, JsonServe, JSON_LOG};
use lettre::transport::smtp::client::Tls;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use msgraph_outlook_sandbox::{Sandbox, SendingLimits};
use pg_support::PgServer;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const RECIPIENT: &str = "megan@contoso.com";

/// The sandbox, `relays` relays on the database at `url` (migrated with the CLI first),
/// each started with `delivery` as its `[delivery]` table.
struct Cluster {
    sandbox: Sandbox,
    relays: Vec<Relay>,
    serves: Vec<JsonServe>,
}

fn sender(n: usize) -> String {
    format!("s{n:02}@contoso.com")
}

impl Cluster {
    async fn start(url: &str, relays: usize, senders: usize, delivery: &str) -> Cluster {
        let sandbox = Sandbox::start().await.unwrap();
        sandbox.add_user(RECIPIENT);
        for n in 0..senders {
            sandbox.add_user(&sender(n));
        }
        let relays: Vec<Relay> = (0..relays)
            .map(|_| {
                let relay = Relay::new(
                    &sandbox.authority_url(),
                    &sandbox.client_id(),
                    &sandbox.client_secret(),
                    // Each lettre message is a connection of its own.
                    &format!(
                        "connections_per_minute = 1000000\n{JSON_LOG}\n[delivery]\n{delivery}\n"
                    ),
                );
                relay.use_database(url);
                relay
            })
            .collect();
        // Before `migrate`, a relay refuses the database (exit 78, the configuration).
        let refused = relays[0].run(&["serve"], b"");
        assert_eq!(refused.code, 78, "{refused:?}");
        assert!(
            refused.stderr.contains("run `msgraph-relay migrate`"),
            "{refused:?}"
        );
        let migrated = relays[0].run(&["migrate"], b"");
        assert_eq!(migrated.code, 0, "{migrated:?}");
        assert!(
            migrated
                .stdout
                .ends_with("applied migration(s) 1; now at schema version 1\n"),
            "{migrated:?}"
        );
        let serves = tokio::task::block_in_place(|| relays.iter().map(JsonServe::start).collect());
        Cluster {
            sandbox,
            relays,
            serves,
        }
    }

    /// A plain SMTP client of relay `i`.
    fn smtp(&self, i: usize) -> AsyncSmtpTransport<Tokio1Executor> {
        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
            .port(self.serves[i].smtp[0].port())
            .tls(Tls::None)
            .timeout(Some(Duration::from_secs(60)))
            .build()
    }

    /// The recipient's Inbox: copies of each Message-ID.
    fn inbox(&self) -> BTreeMap<String, usize> {
        let mut copies = BTreeMap::new();
        for m in self.sandbox.messages(RECIPIENT, "inbox") {
            let id = m["internetMessageId"].as_str().unwrap_or("").to_string();
            *copies.entry(id).or_insert(0) += 1;
        }
        copies
    }

    /// Waits until `n` messages are in the Inbox (or fails after `limit`).
    async fn wait_for_inbox(&self, n: usize, limit: Duration) {
        wait_until(
            limit,
            || self.sandbox.messages(RECIPIENT, "inbox").len() >= n,
            || {
                format!(
                    "{} of {n} delivered",
                    self.sandbox.messages(RECIPIENT, "inbox").len()
                )
            },
        )
        .await;
    }

    /// How many `sent` delivery-log lines relay `i` wrote.
    fn sent_by(&self, i: usize) -> usize {
        self.serves[i]
            .json_lines()
            .iter()
            .filter(|l| l["target"] == e2e_support::DELIVERY_LOG && l["fields"]["state"] == "sent")
            .count()
    }
}

fn message(n: usize, from: &str, tag: &str) -> Message {
    Message::builder()
        .from(from.parse().unwrap())
        .to(RECIPIENT.parse().unwrap())
        .subject(format!("{tag} {n:04}"))
        .message_id(Some(format!("<{tag}-{n:04}@e2e.test>")))
        .body(format!("message {n}\r\n"))
        .unwrap()
}

/// Every Message-ID `<tag-NNNN@e2e.test>` for `0..n` exactly once, and nothing else.
fn assert_each_once(inbox: &BTreeMap<String, usize>, tag: &str, n: usize) {
    let expected: BTreeMap<String, usize> = (0..n)
        .map(|i| (format!("<{tag}-{i:04}@e2e.test>"), 1))
        .collect();
    let extra: Vec<_> = inbox
        .iter()
        .filter(|(id, _)| !expected.contains_key(*id))
        .collect();
    let wrong: Vec<_> = expected
        .iter()
        .filter(|(id, _)| inbox.get(*id) != Some(&1))
        .map(|(id, _)| (id, inbox.get(id).copied().unwrap_or(0)))
        .collect();
    assert!(
        wrong.is_empty() && extra.is_empty(),
        "not exactly once: {} wrong (first {:?}), {} unexpected",
        wrong.len(),
        wrong.first(),
        extra.len()
    );
}

/// Submits messages `0..n` of `tag` round-robin over the relays with `parallel` clients
/// at once, each from `sender(i % senders)`. Every one must get a 250.
async fn submit_all(cluster: &Cluster, n: usize, senders: usize, tag: &'static str) {
    let parallel = 6;
    let transports: Vec<_> = (0..cluster.serves.len()).map(|i| cluster.smtp(i)).collect();
    let transports = Arc::new(transports);
    let mut tasks = tokio::task::JoinSet::new();
    for lane in 0..parallel {
        let transports = transports.clone();
        tasks.spawn(async move {
            for i in (lane..n).step_by(parallel) {
                let relay = i % transports.len();
                transports[relay]
                    .send(message(i, &sender(i % senders), tag))
                    .await
                    .unwrap_or_else(|e| panic!("message {i} to relay {relay}: {e}"));
            }
        });
    }
    while let Some(done) = tasks.join_next().await {
        done.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_relays_deliver_1000_messages_exactly_once_within_the_shared_mailbox_limits() {
    const MESSAGES: usize = 1000;
    const SENDERS: usize = 20;
    let url = PgServer::shared().fresh_database("three relays");
    let cluster = Cluster::start(
        &url,
        3,
        SENDERS,
        "max_concurrent = 4\nmessages_per_minute = 30\nlease = 10\n",
    )
    .await;
    // Exchange's limits on: over 4 requests in flight a mailbox gets 429s, over 30
    // messages a rolling minute they wait in its Outbox.
    cluster.sandbox.set_concurrency_limit(Some(4));
    cluster.sandbox.set_sending_limits(SendingLimits {
        messages_per_minute: Some(30),
        recipients_per_day: None,
    });
    // Requests take a while, so that sends overlap.
    cluster.sandbox.set_latency(Duration::from_millis(20));
    submit_all(&cluster, MESSAGES, SENDERS, "load").await;
    // 50 per mailbox at 30 a minute: the last ones leave in the second minute.
    cluster
        .wait_for_inbox(MESSAGES, Duration::from_secs(300))
        .await;
    assert_each_once(&cluster.inbox(), "load", MESSAGES);
    for n in 0..SENDERS {
        let mailbox = sender(n);
        let in_flight = cluster.sandbox.max_in_flight(&mailbox);
        assert!(
            (1..=4).contains(&in_flight),
            "{mailbox}: {in_flight} requests in flight at once"
        );
        assert_eq!(
            cluster.sandbox.max_outbox_len(&mailbox),
            0,
            "{mailbox}: more than 30 messages in a rolling minute"
        );
    }
    assert_eq!(cluster.sandbox.concurrency_rejections(), 0);
    // Every relay delivered a share.
    let shares: Vec<usize> = (0..3).map(|i| cluster.sent_by(i)).collect();
    assert_eq!(shares.iter().sum::<usize>(), MESSAGES, "{shares:?}");
    assert!(shares.iter().all(|s| *s > 0), "{shares:?}");
    // The shared queue is reported by one relay only: summed over the relays, it counts
    // each message once.
    let mut reporters = 0;
    let mut sent_total = 0;
    for serve in &cluster.serves {
        let (status, _, body) = http_get(serve.http, "/metrics");
        assert_eq!(status, 200);
        let sent: Vec<u64> = body
            .lines()
            .filter_map(|l| l.strip_prefix("msgraph_relay_queue_messages{state=\"sent\"} "))
            .map(|v| v.parse().unwrap())
            .collect();
        if body.lines().any(|l| l == "msgraph_relay_queue_reporter 1") {
            reporters += 1;
            assert_eq!(sent.len(), 1, "{body}");
        } else {
            assert!(
                body.lines().any(|l| l == "msgraph_relay_queue_reporter 0"),
                "{body}"
            );
            assert!(sent.is_empty(), "{body}");
        }
        sent_total += sent.iter().sum::<u64>();
    }
    assert_eq!(reporters, 1);
    assert_eq!(sent_total, MESSAGES as u64);
    // `queue list` works against the shared queue from any relay's configuration: nothing
    // waiting, and all 1,000 sent (whichever relay took them).
    let waiting = cluster.relays[2].run(&["queue", "list"], b"");
    assert_eq!(waiting.code, 0, "{waiting:?}");
    assert!(waiting.stdout.ends_with("\n0 messages\n"), "{waiting:?}");
    let all = cluster.relays[1].run(&["queue", "list", "--all-states"], b"");
    assert_eq!(all.code, 0, "{all:?}");
    assert!(all.stdout.ends_with("\n1000 messages\n"), "{all:?}");
    assert_eq!(
        all.stdout.lines().filter(|l| l.contains(" sent ")).count(),
        1000
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_relay_killed_mid_delivery_leaves_its_messages_to_the_others_each_sent_once() {
    const MESSAGES: usize = 150;
    const SENDERS: usize = 10;
    let server = PgServer::shared();
    let url = server.fresh_database("sigkill");
    let db = url.rsplit('/').next().unwrap().to_string();
    let mut cluster = Cluster::start(
        &url,
        3,
        SENDERS,
        "messages_per_minute = 100000\nlease = 2\ngrace = 1\nwindow = 3\n",
    )
    .await;
    cluster.sandbox.set_latency(Duration::from_millis(300));
    submit_all(&cluster, MESSAGES, SENDERS, "kill").await;
    // Wait until relay 1 has attempts in flight, then kill it.
    let pid = cluster.serves[1].pid();
    let sending = |server: &PgServer| {
        server
            .psql(
                &db,
                &format!(
                    "SELECT id FROM messages WHERE state = 'sending' AND lease_owner LIKE '%/{pid}/%' ORDER BY id"
                ),
            )
            .lines()
            .map(str::to_string)
            .collect::<Vec<String>>()
    };
    wait_until(
        Duration::from_secs(60),
        || sending(server).len() >= 2,
        || "relay 1 never had two attempts in flight".to_string(),
    )
    .await;
    cluster.serves[1].kill();
    let interrupted = sending(server);
    assert!(!interrupted.is_empty());
    cluster
        .wait_for_inbox(MESSAGES, Duration::from_secs(120))
        .await;
    // Let any resend that would be a duplicate happen before counting.
    wait_until(
        Duration::from_secs(60),
        || server.psql(&db, "SELECT count(*) FROM messages WHERE state <> 'sent'") == "0\n",
        || server.psql(&db, "SELECT state, count(*) FROM messages GROUP BY state"),
    )
    .await;
    assert_each_once(&cluster.inbox(), "kill", MESSAGES);
    // The killed relay's attempts were finished by the others.
    for id in &interrupted {
        let finished_by: Vec<usize> = [0, 2]
            .into_iter()
            .filter(|i| {
                cluster.serves[*i]
                    .delivery_log(id)
                    .iter()
                    .any(|l| l["fields"]["state"] == "sent")
            })
            .collect();
        assert_eq!(finished_by.len(), 1, "{id}: finished by {finished_by:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_mid_run_never_yields_a_250_while_down_and_loses_nothing() {
    const MESSAGES: usize = 200;
    const SENDERS: usize = 10;
    // A server of its own: this test stops it.
    let server = PgServer::start();
    let url = server.fresh_database("restart");
    let mut cluster = Cluster::start(
        &url,
        3,
        SENDERS,
        "messages_per_minute = 100000\nlease = 3\ngrace = 1\nwindow = 3\n",
    )
    .await;
    cluster.sandbox.set_latency(Duration::from_millis(10));
    let transports: Arc<Vec<_>> = Arc::new((0..3).map(|i| cluster.smtp(i)).collect());
    // Whether the database is down now (set once the stop returned plus a moment for
    // replies already on their way, cleared before the start).
    let down = Arc::new(AtomicBool::new(false));
    let accepted = Arc::new(Mutex::new(Vec::<usize>::new()));
    let refused_while_down = Arc::new(Mutex::new(0usize));
    let submitter = {
        let (transports, down, accepted, refused) = (
            transports.clone(),
            down.clone(),
            accepted.clone(),
            refused_while_down.clone(),
        );
        tokio::spawn(async move {
            let mut pending: std::collections::VecDeque<usize> = (0..MESSAGES).collect();
            let mut turn = 0;
            let deadline = Instant::now() + Duration::from_secs(180);
            while let Some(i) = pending.pop_front() {
                assert!(Instant::now() < deadline, "submissions did not finish");
                turn += 1;
                let relay = turn % transports.len();
                let was_down = down.load(Ordering::SeqCst);
                match transports[relay]
                    .send(message(i, &sender(i % SENDERS), "restart"))
                    .await
                {
                    Ok(response) => {
                        assert!(
                            !(was_down && down.load(Ordering::SeqCst)),
                            "message {i}: {:?} while the database was down",
                            response.code()
                        );
                        accepted.lock().unwrap().push(i);
                    }
                    Err(e) if e.is_transient() => {
                        // 4xx: try again later, as an MTA does.
                        if was_down {
                            *refused.lock().unwrap() += 1;
                        }
                        pending.push_back(i);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                    Err(e) => panic!("message {i}: {e}"),
                }
                // A steady stream: the outage falls in the middle of it.
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };
    wait_until(
        Duration::from_secs(60),
        || accepted.lock().unwrap().len() >= 40,
        || "the first 40 were not accepted".to_string(),
    )
    .await;
    tokio::task::block_in_place(|| server.stop());
    tokio::time::sleep(Duration::from_millis(500)).await;
    down.store(true, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(3)).await;
    down.store(false, Ordering::SeqCst);
    tokio::task::block_in_place(|| server.start_again());
    submitter.await.unwrap();
    assert!(
        *refused_while_down.lock().unwrap() > 0,
        "no submission was refused while the database was down"
    );
    cluster
        .wait_for_inbox(MESSAGES, Duration::from_secs(120))
        .await;
    wait_until(
        Duration::from_secs(60),
        || {
            server.psql(
                url.rsplit('/').next().unwrap(),
                "SELECT count(*) FROM messages WHERE state <> 'sent'",
            ) == "0\n"
        },
        || "messages left unsent".to_string(),
    )
    .await;
    assert_each_once(&cluster.inbox(), "restart", MESSAGES);
    // The relays rode it out: none stopped.
    for (i, serve) in cluster.serves.iter_mut().enumerate() {
        assert!(serve.is_running(), "relay {i} stopped");
    }
}
