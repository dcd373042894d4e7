//! Benchmark (not a test) of `msgraph-relay`: `scripts/bench` runs it and writes the relay
//! rows of BENCHMARKS.md from the `key=value` results it writes to `--out`.
//!
//! ```text
//! cargo run --release -p msgraph-relay --example bench_relay [-- [--out FILE] [SECTION…]]
//! ```
//!
//! Sections (all by default):
//! - `accept`: accepted over SMTP, durable: 8 and 64 concurrent raw SMTP clients, each
//!   sending its share of the messages (about 4 KB) over one connection into the real
//!   spool (fsync) in a temporary directory on the disk (refused on tmpfs): messages/s
//!   and the acceptance latency (end of `DATA` to `250`).
//! - `e2e`: end to end, delivered to an in-process sandbox: SMTP clients submit while the
//!   `Deliverer` delivers, until every message is in its recipient's sandbox Inbox; next
//!   to the crate's own `send_mime` at the same concurrency to the same sandbox, in the
//!   same run.
//! - `memory`: peak RSS (`VmHWM`) of the relay in a child process (this binary with
//!   `--child …`), the sandbox staying in this process: the `Deliverer` starting over a
//!   spool of 100,000 queued messages and delivering some of them; and the relay (SMTP
//!   server + `Deliverer`) taking one 100 MB message over SMTP and sending it through the
//!   draft path with upload sessions.
//! - `cluster`: several relays on one PostgreSQL queue (issue 21), as real
//!   `msgraph-relay serve` processes (the release binary next to this example: build it
//!   with `cargo build --release -p msgraph-relay --bins --example bench_relay`) on a real
//!   PostgreSQL started in a temporary directory (tests/pg_support; Debian's `postgresql`
//!   package): messages/s delivered to the sandbox (100 ms per Graph request modelled) by
//!   1, 2 and 3 relays sharing one database, next to one relay on the SQLite spool; and
//!   SMTP acceptance of 1 MB messages, SQLite spool against bodies in PostgreSQL chunk
//!   rows. CPU per message of the relays, PostgreSQL and this process, from /proc.
//!
//! Every connection goes to 127.0.0.1.

mod accept;
mod cluster;
mod e2e;
mod memory;
#[path = "../../tests/pg_support/mod.rs"]
mod pg_support;
mod rig;
mod smtp_client;

use std::collections::BTreeMap;
use std::io::Write;
use std::process::ExitCode;

/// Messages per acceptance run (the same total at 8 and at 64 clients).
const ACCEPT_MESSAGES: usize = 2048;

/// The end-to-end cases: (concurrency, latency the sandbox adds to every Graph request in
/// ms, messages per run); and the rounds (alternating the relay and `send_mime`; medians).
/// On bare loopback a sendMail costs well under a millisecond, less than one fsync; the
/// last case models Graph's own latency (our model, not a measurement of Graph).
const E2E_CASES: [(usize, u64, usize); 3] = [(4, 0, 1024), (16, 0, 1024), (16, 100, 320)];
const E2E_ROUNDS: usize = 3;

/// The results, written as `key=value` lines.
#[derive(Default)]
struct Results(BTreeMap<String, String>);

impl Results {
    fn set(&mut self, key: impl Into<String>, value: impl ToString) {
        self.0.insert(key.into(), value.to_string());
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    match runtime.block_on(driver(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench_relay: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn driver(args: Vec<String>) -> Result<(), Box<dyn std::error::Error>> {
    let mut out = None;
    let mut sections = Vec::new();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--out" => out = args.next(),
            "--child" => {
                return match (args.next().as_deref(), args.next()) {
                    (Some("queue"), Some(dir)) => memory::child_queue(&dir).await,
                    (Some("large"), None) => memory::child_large().await,
                    other => Err(format!("unknown child {other:?}").into()),
                };
            }
            section => sections.push(section.to_string()),
        }
    }
    if sections.is_empty() {
        sections = vec![
            "accept".into(),
            "e2e".into(),
            "memory".into(),
            "cluster".into(),
        ];
    }
    let mut results = Results::default();
    for section in &sections {
        match section.as_str() {
            "accept" => accept_section(&mut results).await?,
            "e2e" => e2e_section(&mut results).await?,
            "memory" => memory_section(&mut results).await?,
            "cluster" => cluster_section(&mut results).await?,
            other => return Err(format!("unknown section {other:?}").into()),
        }
    }
    if let Some(out) = out {
        let mut file = std::fs::File::create(&out)?;
        for (key, value) in &results.0 {
            writeln!(file, "{key}={value}")?;
        }
        println!("results written to {out}");
    }
    Ok(())
}

async fn accept_section(results: &mut Results) -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "accepted over SMTP, durable: {ACCEPT_MESSAGES} messages of ~{} bytes per run",
        accept::MESSAGE_SIZE
    );
    // A warm-up run (file system caches, SQLite pages), not reported.
    accept::run(8, 32).await?;
    for clients in [8, 64] {
        let run = accept::run(clients, ACCEPT_MESSAGES / clients).await?;
        println!(
            "  {clients:2} clients: {:.0} msg/s ({} in {:.2} s); acceptance latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms (spool on {})",
            run.per_second, run.messages, run.seconds, run.p50_ms, run.p99_ms, run.max_ms, run.filesystem
        );
        let key = format!("accept.c{clients}");
        results.set(format!("{key}.messages"), run.messages);
        results.set(
            format!("{key}.per_second"),
            format!("{:.1}", run.per_second),
        );
        results.set(format!("{key}.p50_ms"), format!("{:.2}", run.p50_ms));
        results.set(format!("{key}.p99_ms"), format!("{:.2}", run.p99_ms));
        results.set(format!("{key}.max_ms"), format!("{:.2}", run.max_ms));
        results.set("accept.filesystem", &run.filesystem);
    }
    results.set("accept.message_bytes", accept::MESSAGE_SIZE);
    Ok(())
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

async fn e2e_section(results: &mut Results) -> Result<(), Box<dyn std::error::Error>> {
    println!(
        "end to end to the sandbox: messages of ~{} bytes from {} mailboxes, median of {E2E_ROUNDS} rounds",
        e2e::MESSAGE_SIZE,
        e2e::MAILBOXES
    );
    let graph = e2e::Graph::start().await?;
    // Warm-up (token, connections, sandbox mailboxes), not reported.
    e2e::direct(&graph, 4, 64, 1000).await?;
    e2e::relay(&graph, 4, 64, 1001).await?;
    let (warm_direct, warm_relay) = (graph.delivered("direct"), graph.delivered("relay"));
    let mut expected = 0;
    let mut cases = Vec::new();
    for (case, (concurrency, latency_ms, messages)) in E2E_CASES.into_iter().enumerate() {
        graph
            .sandbox
            .set_latency(std::time::Duration::from_millis(latency_ms));
        let (mut direct, mut relay, mut accepted) = (Vec::new(), Vec::new(), Vec::new());
        for round in 0..E2E_ROUNDS {
            let tag = (case + 1) * 100 + round;
            let seconds = e2e::direct(&graph, concurrency, messages, tag).await?;
            direct.push(messages as f64 / seconds);
            let (seconds, accept_seconds) = e2e::relay(&graph, concurrency, messages, tag).await?;
            relay.push(messages as f64 / seconds);
            accepted.push(messages as f64 / accept_seconds);
            expected += messages;
        }
        let (direct, relay, accepted) = (median(direct), median(relay), median(accepted));
        println!(
            "  concurrency {concurrency:2}, {latency_ms:3} ms added per request, {messages} messages: relay {relay:.0} msg/s delivered ({accepted:.0} msg/s accepted) | send_mime {direct:.0} msg/s | ratio {:.3}×",
            relay / direct
        );
        let key = format!("e2e.case{case}");
        cases.push(case.to_string());
        results.set(format!("{key}.concurrency"), concurrency);
        results.set(format!("{key}.latency_ms"), latency_ms);
        results.set(format!("{key}.messages"), messages);
        results.set(format!("{key}.relay_per_second"), format!("{relay:.1}"));
        results.set(
            format!("{key}.relay_accepted_per_second"),
            format!("{accepted:.1}"),
        );
        results.set(format!("{key}.direct_per_second"), format!("{direct:.1}"));
    }
    graph.sandbox.set_latency(std::time::Duration::ZERO);
    // Each message arrived once: the Inboxes hold exactly what both sides sent.
    let direct_n = graph.delivered("direct") - warm_direct;
    let relay_n = graph.delivered("relay") - warm_relay;
    if direct_n != expected || relay_n != expected {
        return Err(format!(
            "expected {expected} messages per side in the Inboxes, found {direct_n} (send_mime) and {relay_n} (relay)"
        )
        .into());
    }
    println!(
        "  delivered, counted in the sandbox Inboxes: {relay_n} (relay), {direct_n} (send_mime)"
    );
    results.set("e2e.rounds", E2E_ROUNDS);
    results.set("e2e.mailboxes", e2e::MAILBOXES);
    results.set("e2e.cases", cases.join(" "));
    Ok(())
}

async fn memory_section(results: &mut Results) -> Result<(), Box<dyn std::error::Error>> {
    println!("memory: peak RSS (VmHWM) of the relay in a child process, the sandbox in this one");
    let queue = memory::queue().await?;
    let get = |report: &memory::Report, key: &str| report.get(key).cloned().unwrap_or_default();
    let kib: u64 = get(&queue, "vmhwm_kib").parse()?;
    println!(
        "  {} queued: Deliverer started, listed {}, delivered {} (queued after: {}): peak RSS {:.1} MiB",
        get(&queue, "queued_before"),
        get(&queue, "listed"),
        get(&queue, "delivered"),
        get(&queue, "queued_after"),
        kib as f64 / 1024.0
    );
    results.set("memory.queue.queued", get(&queue, "queued_before"));
    results.set("memory.queue.delivered", get(&queue, "delivered"));
    results.set("memory.queue.peak_kib", kib);
    match memory::large().await {
        Ok(large) => {
            let kib: u64 = get(&large, "vmhwm_kib").parse()?;
            println!(
                "  one 100 MiB message (attachment {} bytes) over SMTP in {} s (250 after {} ms), delivered by the {} path in {} s: peak RSS {:.1} MiB",
                get(&large, "attachment_bytes"),
                get(&large, "smtp_seconds"),
                get(&large, "acceptance_ms"),
                get(&large, "path"),
                get(&large, "seconds"),
                kib as f64 / 1024.0
            );
            results.set("memory.large.peak_kib", kib);
            results.set("memory.large.path", get(&large, "path"));
            results.set("memory.large.seconds", get(&large, "seconds"));
        }
        Err(e) => {
            // Reported as a failed row rather than hiding the other results.
            println!("  one 100 MiB message: FAILED: {e}");
            results.set("memory.large.error", e.to_string().replace('\n', " "));
        }
    }
    results.set("memory.large.bytes", memory::LARGE_BYTES);
    Ok(())
}

/// The delivered configurations of the `cluster` section: (key, spool on PostgreSQL,
/// relays, label).
const CLUSTER_CONFIGS: [(&str, bool, usize, &str); 4] = [
    ("sqlite1", false, 1, "SQLite spool, 1 relay"),
    ("pg1", true, 1, "PostgreSQL spool, 1 relay"),
    ("pg2", true, 2, "PostgreSQL spool, 2 relays"),
    ("pg3", true, 3, "PostgreSQL spool, 3 relays"),
];

/// "1.0 2.0 3.0"
fn joined(values: &[f64], precision: usize) -> String {
    let values: Vec<String> = values.iter().map(|v| format!("{v:.precision$}")).collect();
    values.join(" ")
}

async fn cluster_section(results: &mut Results) -> Result<(), Box<dyn std::error::Error>> {
    let binary = cluster::relay_binary()?;
    let postgres = cluster::Postgres::start().await?;
    let version = postgres.version().await?;
    let rounds = cluster::ROUNDS;
    println!(
        "cluster: {} messages of ~{} bytes from {} mailboxes, {} SMTP clients (one connection to every relay, messages round-robin over the relays), delivered to the sandbox adding {} ms to every Graph request; msgraph-relay serve processes ({}), PostgreSQL {version} on 127.0.0.1 (fsync on); median of {rounds} rounds",
        cluster::MESSAGES,
        cluster::MESSAGE_SIZE,
        cluster::MAILBOXES,
        cluster::CLIENTS,
        cluster::LATENCY.as_millis(),
        binary.display(),
    );
    let mut runs: Vec<Vec<cluster::Delivered>> =
        CLUSTER_CONFIGS.iter().map(|_| Vec::new()).collect();
    for round in 0..rounds {
        // Each round starts with another configuration (drift on the shared machine).
        for k in 0..CLUSTER_CONFIGS.len() {
            let c = (k + round) % CLUSTER_CONFIGS.len();
            let (_, on_postgres, relays, label) = CLUSTER_CONFIGS[c];
            let run = cluster::delivered(&binary, &postgres, on_postgres, relays).await?;
            println!(
                "  round {}: {label}: {:.1} msg/s delivered in {:.2} s (accepted {:.1} msg/s), delivered per relay {:?}; CPU s: relays {:.2}, PostgreSQL {:.2}, sandbox + clients {:.2}; machine {:.0}% busy",
                round + 1,
                cluster::MESSAGES as f64 / run.seconds,
                run.seconds,
                cluster::MESSAGES as f64 / run.accepted_seconds,
                run.shares,
                run.cpu.relays,
                run.cpu.postgres,
                run.cpu.this,
                run.cpu.machine_busy * 100.0
            );
            runs[c].push(run);
        }
    }
    let per_message_ms = |seconds: f64| seconds * 1000.0 / cluster::MESSAGES as f64;
    for ((key, _, relays, label), runs) in CLUSTER_CONFIGS.iter().zip(&runs) {
        let rates: Vec<f64> = runs
            .iter()
            .map(|r| cluster::MESSAGES as f64 / r.seconds)
            .collect();
        let rate = median(rates.clone());
        let accepted = median(
            runs.iter()
                .map(|r| cluster::MESSAGES as f64 / r.accepted_seconds)
                .collect(),
        );
        let relay_ms = median(runs.iter().map(|r| per_message_ms(r.cpu.relays)).collect());
        let postgres_ms = median(
            runs.iter()
                .map(|r| per_message_ms(r.cpu.postgres))
                .collect(),
        );
        let this_ms = median(runs.iter().map(|r| per_message_ms(r.cpu.this)).collect());
        let busy = median(runs.iter().map(|r| r.cpu.machine_busy * 100.0).collect());
        let shares: Vec<String> = runs
            .last()
            .map(|r| r.shares.iter().map(u64::to_string).collect())
            .unwrap_or_default();
        println!(
            "  {label}: {rate:.1} msg/s delivered (rounds {}; accepted {accepted:.1} msg/s); CPU ms per message: relays {relay_ms:.2}, PostgreSQL {postgres_ms:.2}, sandbox + clients {this_ms:.2}; machine {busy:.0}% busy",
            joined(&rates, 1)
        );
        let k = format!("cluster.{key}");
        results.set(format!("{k}.relays"), relays);
        results.set(format!("{k}.per_second"), format!("{rate:.1}"));
        results.set(format!("{k}.per_second_rounds"), joined(&rates, 1));
        results.set(format!("{k}.accepted_per_second"), format!("{accepted:.1}"));
        results.set(format!("{k}.relay_cpu_ms"), format!("{relay_ms:.2}"));
        results.set(format!("{k}.postgres_cpu_ms"), format!("{postgres_ms:.2}"));
        results.set(format!("{k}.bench_cpu_ms"), format!("{this_ms:.2}"));
        results.set(format!("{k}.machine_busy_pct"), format!("{busy:.0}"));
        results.set(format!("{k}.shares"), shares.join(" "));
    }
    results.set("cluster.rounds", rounds);
    results.set("cluster.messages", cluster::MESSAGES);
    results.set("cluster.message_bytes", cluster::MESSAGE_SIZE);
    results.set("cluster.clients", cluster::CLIENTS);
    results.set("cluster.mailboxes", cluster::MAILBOXES);
    results.set("cluster.latency_ms", cluster::LATENCY.as_millis());
    results.set("cluster.postgres_version", &version);
    results.set(
        "cluster.cores",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );

    println!(
        "cluster: bodies in the database: one relay accepting {} messages of {} bytes from {} SMTP clients (each its share over one connection), its delivery held (the sandbox delays Graph by an hour); SQLite spool (a file per body) vs PostgreSQL (chunk rows); median of {rounds} rounds",
        cluster::LARGE_MESSAGES,
        cluster::LARGE_SIZE,
        cluster::LARGE_CLIENTS
    );
    let backends = [
        ("sqlite", false, "SQLite spool"),
        ("pg", true, "PostgreSQL spool"),
    ];
    let mut large: Vec<Vec<cluster::Accepted>> = vec![Vec::new(), Vec::new()];
    for round in 0..rounds {
        for k in 0..backends.len() {
            let b = (k + round) % backends.len();
            let (_, on_postgres, label) = backends[b];
            let run = cluster::accepted_large(&binary, &postgres, on_postgres).await?;
            println!(
                "  round {}: {label}: {:.1} msg/s ({:.1} MB/s) in {:.2} s, acceptance latency p50 {:.1} ms, p99 {:.1} ms; CPU s: relay {:.2}, PostgreSQL {:.2}, sandbox + clients {:.2}; machine {:.0}% busy",
                round + 1,
                cluster::LARGE_MESSAGES as f64 / run.seconds,
                (cluster::LARGE_MESSAGES * cluster::LARGE_SIZE) as f64 / 1e6 / run.seconds,
                run.seconds,
                run.p50_ms,
                run.p99_ms,
                run.cpu.relays,
                run.cpu.postgres,
                run.cpu.this,
                run.cpu.machine_busy * 100.0
            );
            large[b].push(run);
        }
    }
    let per_message_ms = |seconds: f64| seconds * 1000.0 / cluster::LARGE_MESSAGES as f64;
    for ((key, _, label), runs) in backends.iter().zip(&large) {
        let rates: Vec<f64> = runs
            .iter()
            .map(|r| cluster::LARGE_MESSAGES as f64 / r.seconds)
            .collect();
        let rate = median(rates.clone());
        let mb = rate * cluster::LARGE_SIZE as f64 / 1e6;
        let p50 = median(runs.iter().map(|r| r.p50_ms).collect());
        let p99 = median(runs.iter().map(|r| r.p99_ms).collect());
        let relay_ms = median(runs.iter().map(|r| per_message_ms(r.cpu.relays)).collect());
        let postgres_ms = median(
            runs.iter()
                .map(|r| per_message_ms(r.cpu.postgres))
                .collect(),
        );
        let busy = median(runs.iter().map(|r| r.cpu.machine_busy * 100.0).collect());
        println!(
            "  {label}: {rate:.1} msg/s ({mb:.1} MB/s; rounds {}), p50 {p50:.1} ms, p99 {p99:.1} ms; CPU ms per message: relay {relay_ms:.2}, PostgreSQL {postgres_ms:.2}; machine {busy:.0}% busy",
            joined(&rates, 1)
        );
        let k = format!("cluster.large.{key}");
        results.set(format!("{k}.per_second"), format!("{rate:.1}"));
        results.set(format!("{k}.per_second_rounds"), joined(&rates, 1));
        results.set(format!("{k}.mb_per_second"), format!("{mb:.1}"));
        results.set(format!("{k}.p50_ms"), format!("{p50:.1}"));
        results.set(format!("{k}.p99_ms"), format!("{p99:.1}"));
        results.set(format!("{k}.relay_cpu_ms"), format!("{relay_ms:.2}"));
        results.set(format!("{k}.postgres_cpu_ms"), format!("{postgres_ms:.2}"));
        results.set(format!("{k}.machine_busy_pct"), format!("{busy:.0}"));
    }
    results.set("cluster.large.messages", cluster::LARGE_MESSAGES);
    results.set("cluster.large.message_bytes", cluster::LARGE_SIZE);
    results.set("cluster.large.clients", cluster::LARGE_CLIENTS);
    Ok(())
}
