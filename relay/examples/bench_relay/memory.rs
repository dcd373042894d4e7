//! Peak memory of the relay, each measurement in a child process (this binary with
//! `--child …`) whose `VmHWM` is the relay's alone: the sandbox it delivers to stays in the
//! parent.
//!
//! - `queue`: the `Deliverer` starts over a spool of 100,000 queued messages (`counts`,
//!   `list`, `claim_due` over them) and delivers the first ones.
//! - `large`: the SMTP server and the `Deliverer` take one 100 MiB message over SMTP and
//!   send it through the draft path (upload sessions).

use crate::e2e;
use crate::rig;
use crate::smtp_client::SmtpClient;
use msgraph_outlook_sandbox::Sandbox;
use msgraph_relay::clock::SystemClock;
use msgraph_relay::config::DeliveryConfig;
use msgraph_relay::delivery::Deliverer;
use msgraph_relay::envelope::Envelope;
use msgraph_relay::metrics::Metrics;
use msgraph_relay::shutdown;
use msgraph_relay::smtp::SmtpServer;
use msgraph_relay::spool::{Spool, State};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Messages in the spool of the `queue` measurement, and how many the child delivers.
pub const QUEUED: usize = 100_000;
pub const QUEUE_DELIVER: usize = 1_000;
/// Bodies sharing one file (hard links) in the filled spool.
const LINKS_PER_FILE: usize = 50_000;
/// The large message: 100 MiB on the wire.
pub const LARGE_BYTES: u64 = 100 * 1024 * 1024;
/// The sandbox's (and the relay's) maximum message size for it: 150 MB, Exchange
/// Online's highest.
const MAX_MESSAGE_SIZE: u64 = 150 * 1024 * 1024;
/// The longest a child may run.
const DEADLINE: Duration = Duration::from_secs(600);

/// What a child reported (`key=value` lines on its stdout).
pub type Report = std::collections::BTreeMap<String, String>;

/// The sandbox in this process, for a child to deliver to.
async fn sandbox() -> Result<Sandbox, Box<dyn std::error::Error>> {
    let sandbox = Sandbox::start().await?;
    for i in 0..e2e::MAILBOXES {
        sandbox.add_user(&e2e::sender(i));
        sandbox.add_user(&e2e::recipient("memory", i));
    }
    // Only the last requests are kept for inspection, with little of each body.
    sandbox.set_request_log_limit(16);
    sandbox.set_request_body_limit(1024);
    Ok(sandbox)
}

/// Starts `current_exe --child MODE ARGS…` with the sandbox's sign-in in its environment.
fn spawn(sandbox: &Sandbox, mode: &str, args: &[&str]) -> std::io::Result<std::process::Child> {
    Command::new(std::env::current_exe()?)
        .arg("--child")
        .arg(mode)
        .args(args)
        .env("BENCH_GRAPH_BASE_URL", sandbox.base_url())
        .env("BENCH_AUTHORITY_URL", sandbox.authority_url())
        .env("BENCH_TENANT", sandbox.tenant_id())
        .env("BENCH_CLIENT_ID", sandbox.client_id())
        .env("BENCH_CLIENT_SECRET", sandbox.client_secret())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
}

/// Reads a child's report until it exits; `on_line` sees each line as it comes.
fn read_report(
    child: &mut std::process::Child,
    mut on_line: impl FnMut(&str),
) -> Result<Report, Box<dyn std::error::Error>> {
    let stdout = child.stdout.take().ok_or("child without stdout")?;
    let mut report = Report::new();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        on_line(&line);
        if let Some((key, value)) = line.split_once('=') {
            report.insert(key.to_string(), value.to_string());
        }
    }
    let status = child.wait()?;
    if !status.success() {
        return Err(format!("child exited with {status}").into());
    }
    Ok(report)
}

/// The spool of the `queue` measurement: one message queued through the spool, then
/// copied to `QUEUED` rows (new queue ids and Message-IDs) in one SQLite transaction, each
/// with its body as a hard link of the first one's (so the fill takes seconds, not the
/// hours of 100,000 fsyncs).
async fn fill(dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let spool = Spool::open(dir, "relay.bench")?;
    let first = e2e::sender(0);
    let to = e2e::recipient("memory", 0);
    let id = spool
        .enqueue(
            Envelope::new(first.clone(), vec![to.clone()]),
            &rig::message(0, &first, &to, 4096),
        )
        .await?;
    drop(spool);
    let body = dir.join("messages").join(format!("{id}.eml"));
    let mut db = rusqlite::Connection::open(dir.join("spool.sqlite3"))?;
    let tx = db.transaction()?;
    tx.execute_batch(&format!(
        "CREATE TEMP TABLE model AS SELECT * FROM messages WHERE id = '{id}'"
    ))?;
    {
        let mut rename = tx.prepare("UPDATE model SET id = ?1, message_id = ?2")?;
        let mut insert = tx.prepare("INSERT INTO messages SELECT * FROM model")?;
        let source = dir.join("messages").join("bench-source");
        let mut linked = body.clone();
        for n in 1..QUEUED {
            let copy_id = format!("{n:016x}");
            rename.execute((&copy_id, format!("<bench-queue-{n}@relay.bench>")))?;
            insert.execute([])?;
            // ext4 allows 65,000 links to a file: a fresh copy every LINKS_PER_FILE.
            if n % LINKS_PER_FILE == 0 {
                std::fs::copy(&body, &source)?;
            }
            let copy = dir.join("messages").join(format!("{copy_id}.eml"));
            if n % LINKS_PER_FILE == 0 {
                std::fs::rename(&source, &copy)?;
                linked = copy;
            } else {
                std::fs::hard_link(&linked, &copy)?;
            }
        }
    }
    tx.execute_batch("DROP TABLE model")?;
    tx.commit()?;
    Ok(())
}

/// The `queue` measurement, from the parent.
pub async fn queue() -> Result<Report, Box<dyn std::error::Error>> {
    let sandbox = sandbox().await?;
    let dir = rig::spool_dir()?;
    let filling = Instant::now();
    fill(dir.path()).await?;
    println!(
        "  spool of {QUEUED} queued messages filled in {:.1} s",
        filling.elapsed().as_secs_f64()
    );
    let path = dir
        .path()
        .to_str()
        .ok_or("spool path not UTF-8")?
        .to_string();
    let mut child = spawn(&sandbox, "queue", &[&path])?;
    let report = tokio::task::spawn_blocking(move || {
        read_report(&mut child, |_| {}).map_err(|e| e.to_string())
    })
    .await??;
    let delivered: usize = report.get("delivered").ok_or("no delivered")?.parse()?;
    let inbox: usize = (0..e2e::MAILBOXES)
        .map(|i| {
            sandbox
                .messages(&e2e::recipient("memory", i), "inbox")
                .len()
        })
        .sum();
    if inbox != delivered || delivered < QUEUE_DELIVER {
        return Err(
            format!("queue: the relay delivered {delivered}, the Inboxes hold {inbox}").into(),
        );
    }
    Ok(report)
}

/// The `large` measurement, from the parent: the 100 MiB message written to a file, then
/// streamed over SMTP to the child.
pub async fn large() -> Result<Report, Box<dyn std::error::Error>> {
    let sandbox = sandbox().await?;
    let (from, to) = (e2e::sender(0), e2e::recipient("memory", 0));
    sandbox.set_max_message_size(&from, MAX_MESSAGE_SIZE);
    sandbox.set_max_message_size(&to, MAX_MESSAGE_SIZE);
    let file = tempfile::NamedTempFile::new()?;
    let attachment = write_large(file.path(), &from, &to)?;
    let mut child = spawn(&sandbox, "large", &[])?;
    let (listening_tx, listening) = tokio::sync::oneshot::channel::<String>();
    let reading = tokio::task::spawn_blocking(move || {
        let mut listening_tx = Some(listening_tx);
        read_report(&mut child, |line| {
            if let Some(addr) = line.strip_prefix("listening=") {
                if let Some(tx) = listening_tx.take() {
                    let _ = tx.send(addr.to_string());
                }
            }
        })
        .map_err(|e| e.to_string())
    });
    let addr = match listening.await {
        Ok(addr) => addr.parse()?,
        Err(_) => return Err(reading.await?.err().unwrap_or_default().into()),
    };
    let mut client = SmtpClient::connect(addr).await?;
    let started = Instant::now();
    let body = tokio::fs::File::open(file.path()).await?;
    let acceptance = client
        .send_stream(&from, std::slice::from_ref(&to), body)
        .await?;
    client.quit().await?;
    let mut report = reading.await??;
    let inbox = sandbox.messages(&to, "inbox");
    let arrived = inbox
        .iter()
        .filter(|m| m["subject"] == "relay benchmark: 100 MiB" && m["hasAttachments"] == true)
        .count();
    if arrived != 1 {
        return Err(format!("large: {arrived} copies of the 100 MiB message arrived").into());
    }
    report.insert(
        "smtp_seconds".into(),
        format!("{:.2}", started.elapsed().as_secs_f64()),
    );
    report.insert(
        "acceptance_ms".into(),
        format!("{:.1}", acceptance.as_secs_f64() * 1000.0),
    );
    report.insert("attachment_bytes".into(), attachment.to_string());
    Ok(report)
}

/// Writes the 100 MiB message (a text part and one base64 attachment, CRLF, no line
/// starting with a dot) to `path`; returns the attachment's decoded size.
fn write_large(path: &Path, from: &str, to: &str) -> std::io::Result<u64> {
    use base64::Engine;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    let head = format!(
        "From: Bench <{from}>\r\nTo: <{to}>\r\nSubject: relay benchmark: 100 MiB\r\n\
         Message-ID: <bench-large-{}@relay.bench>\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"bench-boundary\"\r\n\r\n\
         --bench-boundary\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\
         One large attachment.\r\n\r\n--bench-boundary\r\n\
         Content-Type: application/octet-stream; name=\"large.bin\"\r\n\
         Content-Disposition: attachment; filename=\"large.bin\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\n",
        std::process::id()
    );
    let tail = "--bench-boundary--\r\n";
    // 57 bytes per 76-character line (+ CRLF).
    let lines = (LARGE_BYTES - head.len() as u64 - tail.len() as u64) / 78;
    out.write_all(head.as_bytes())?;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut raw = [0u8; 57];
    let mut line = String::with_capacity(80);
    for _ in 0..lines {
        for chunk in raw.chunks_mut(8) {
            // xorshift: bytes that do not compress.
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            chunk.copy_from_slice(&state.to_le_bytes()[..chunk.len()]);
        }
        line.clear();
        base64::engine::general_purpose::STANDARD.encode_string(raw, &mut line);
        line.push_str("\r\n");
        out.write_all(line.as_bytes())?;
    }
    out.write_all(tail.as_bytes())?;
    out.flush()?;
    Ok(lines * 57)
}

/// The relay's Graph client in a child, from the parent's environment.
fn child_graph() -> Result<msgraph_outlook::GraphClient, Box<dyn std::error::Error>> {
    let var = |name: &str| std::env::var(name).map_err(|_| format!("{name} not set"));
    e2e::client(
        &var("BENCH_GRAPH_BASE_URL")?,
        &var("BENCH_AUTHORITY_URL")?,
        &var("BENCH_TENANT")?,
        &var("BENCH_CLIENT_ID")?,
        &var("BENCH_CLIENT_SECRET")?,
    )
}

fn child_config() -> DeliveryConfig {
    DeliveryConfig {
        max_message_size: MAX_MESSAGE_SIZE,
        ..e2e::delivery_config(16)
    }
}

/// Waits until `metrics` counts `n` messages delivered or failed.
async fn until_done(metrics: &Metrics, n: u64) -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    while metrics.delivered.get() + metrics.failed.get() < n {
        if started.elapsed() > DEADLINE {
            return Err(format!("nothing done after {DEADLINE:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}

/// In the child: a `Deliverer` over `spool` on the real clock, counting into `metrics`.
fn child_deliverer(
    spool: &Spool,
    metrics: &Metrics,
) -> Result<Deliverer, Box<dyn std::error::Error>> {
    Ok(Deliverer::new(
        spool.clone(),
        child_graph()?,
        child_config(),
        Arc::new(SystemClock),
        metrics.clone(),
    ))
}

/// In the child: the `Deliverer` over the filled spool.
pub async fn child_queue(dir: &str) -> Result<(), Box<dyn std::error::Error>> {
    let spool = Spool::open(dir, "relay.bench")?;
    let before = spool.counts().await?;
    let listed = spool.list(&[State::Queued], 1000).await?.len();
    let metrics = Metrics::new();
    let deliverer = child_deliverer(&spool, &metrics)?;
    let (trigger, stop) = shutdown::channel();
    let delivering = tokio::spawn(deliverer.run(stop));
    until_done(&metrics, QUEUE_DELIVER as u64).await?;
    trigger.trigger();
    delivering.await??;
    let after = spool.counts().await?;
    println!("queued_before={}", before.queued);
    println!("listed={listed}");
    println!("queued_after={}", after.queued);
    println!("delivered={}", metrics.delivered.get());
    println!("failed={}", metrics.failed.get());
    println!("vmhwm_kib={}", rig::status_kib("VmHWM:"));
    Ok(())
}

/// In the child: the SMTP server and the `Deliverer`, for one large message.
pub async fn child_large() -> Result<(), Box<dyn std::error::Error>> {
    let dir = rig::spool_dir()?;
    let spool = Spool::open(dir.path(), "relay.bench")?;
    let metrics = Metrics::new();
    let deliverer = child_deliverer(&spool, &metrics)?;
    let server = SmtpServer::bind(
        &rig::smtp_config(MAX_MESSAGE_SIZE),
        spool.clone(),
        deliverer.size_limit(),
        metrics.clone(),
    )
    .await?;
    let (trigger, stop) = shutdown::channel();
    println!("listening={}", server.local_addrs()[0].1);
    let serving = tokio::spawn(server.serve(stop.clone()));
    let delivering = tokio::spawn(deliverer.run(stop));
    let started = Instant::now();
    until_done(&metrics, 1).await?;
    let seconds = started.elapsed().as_secs_f64();
    trigger.trigger();
    serving.await??;
    delivering.await??;
    let sent = spool.list(&[State::Sent], 1).await?;
    println!("delivered={}", metrics.delivered.get());
    println!("failed={}", metrics.failed.get());
    println!(
        "path={}",
        sent.first()
            .and_then(|r| r.path.clone())
            .unwrap_or_default()
    );
    println!("seconds={seconds:.2}");
    println!("vmhwm_kib={}", rig::status_kib("VmHWM:"));
    Ok(())
}
