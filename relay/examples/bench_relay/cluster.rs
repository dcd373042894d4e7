//! Several relays on one PostgreSQL queue (issue 21), as real `msgraph-relay serve`
//! processes (the release binary next to this example), against a real PostgreSQL
//! (tests/pg_support) and the in-process sandbox:
//! - delivered: M messages of about 4 KB submitted over SMTP round-robin over N relays
//!   sharing one fresh database, timed until the last one is in the recipient's sandbox
//!   Inbox (the sandbox adding 100 ms to every Graph request); N = 1, 2, 3, next to one
//!   relay on the default SQLite spool;
//! - bodies in the database: SMTP acceptance (durable `250`s) of 1 MB messages by one
//!   relay, SQLite spool (a file per body) against PostgreSQL (bodies in chunk rows).
//!
//! CPU is read per run from /proc: the relays' processes, every PostgreSQL process (the
//! postmaster and its children), this process (sandbox and SMTP clients) and the whole
//! machine (which includes anything else running on it).
//!
//! Every relay is killed when its run ends, on every path: a guard kills and reaps it
//! when dropped (errors, panics), and the kernel kills it should this process die without
//! unwinding (`PR_SET_PDEATHSIG`). PostgreSQL is pg_support's: dropped with its guard.

use crate::pg_support::PgServer;
use crate::rig;
use crate::smtp_client::SmtpClient;
use msgraph_outlook_sandbox::Sandbox;
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

type BoxError = Box<dyn std::error::Error>;

/// Messages per delivered run.
pub const MESSAGES: usize = 1000;
/// Their size (about 4 KB, the MIME path).
pub const MESSAGE_SIZE: usize = 4096;
/// Concurrent SMTP clients, each with one connection to every relay.
pub const CLIENTS: usize = 32;
/// Sending mailboxes (message i from mailbox (i / N) mod 64, so every mailbox sends
/// through every relay).
pub const MAILBOXES: usize = 64;
/// What the sandbox adds to every Graph request while the messages are delivered.
pub const LATENCY: Duration = Duration::from_millis(100);
/// Rounds (medians).
pub const ROUNDS: usize = 5;
/// The body-storage runs: messages, their size (10^6 bytes), clients.
pub const LARGE_MESSAGES: usize = 200;
pub const LARGE_SIZE: usize = 1_000_000;
pub const LARGE_CLIENTS: usize = 8;
/// The longest one run may take before the benchmark gives up.
const DEADLINE: Duration = Duration::from_secs(120);

const RECIPIENT: &str = "rcpt@contoso.com";
/// The warm-up's recipient (each relay signs in and looks up every sender's MailTips).
const WARM: &str = "warm@contoso.com";

fn sender(n: usize) -> String {
    format!("sender{}@contoso.com", n % MAILBOXES)
}

/// The relay binary: `msgraph-relay` in the directory above this example's
/// (`target/release/examples/bench_relay` → `target/release/msgraph-relay`).
pub fn relay_binary() -> Result<PathBuf, BoxError> {
    let exe = std::env::current_exe()?;
    let binary = exe
        .parent()
        .and_then(Path::parent)
        .map(|dir| dir.join("msgraph-relay"))
        .ok_or("no directory above the example")?;
    if !binary.is_file() {
        return Err(format!(
            "{} not found: build it first (`cargo build --release -p msgraph-relay --bins --example bench_relay`)",
            binary.display()
        )
        .into());
    }
    Ok(binary)
}

/// The PostgreSQL server of the section (blocking calls run off the runtime).
pub struct Postgres(Arc<PgServer>);

impl Postgres {
    pub async fn start() -> Result<Postgres, BoxError> {
        let server = tokio::task::spawn_blocking(PgServer::start)
            .await
            .map_err(|e| format!("starting PostgreSQL (tests/pg_support) failed: {e}"))?;
        Ok(Postgres(Arc::new(server)))
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&PgServer) -> T + Send + 'static,
    ) -> Result<T, BoxError> {
        let server = self.0.clone();
        Ok(tokio::task::spawn_blocking(move || f(&server)).await?)
    }

    pub async fn version(&self) -> Result<String, BoxError> {
        let out = self
            .blocking(|s| s.psql("postgres", "SHOW server_version"))
            .await?;
        Ok(out.trim().to_string())
    }

    async fn fresh_database(&self) -> Result<String, BoxError> {
        self.blocking(|s| s.fresh_database("cluster")).await
    }

    /// The postmaster's pid (the first line of `postmaster.pid`).
    fn postmaster(&self) -> Option<u32> {
        let pid = std::fs::read_to_string(self.0.data_dir().join("postmaster.pid")).ok()?;
        pid.lines().next()?.trim().parse().ok()
    }
}

/// A sandbox with the senders and recipients, its per-mailbox concurrency limit off
/// (several relays each keep up to 4 requests per mailbox in flight; Exchange's sending
/// limits are off by default), recording no requests.
async fn sandbox(senders: usize) -> Result<Sandbox, BoxError> {
    let sandbox = Sandbox::start().await?;
    sandbox.set_concurrency_limit(None);
    sandbox.set_request_log_limit(0);
    for n in 0..senders {
        sandbox.add_user(&sender(n));
    }
    sandbox.add_user(RECIPIENT);
    sandbox.add_user(WARM);
    Ok(sandbox)
}

/// Messages in the Inbox (its `totalItemCount`: no message is rendered).
fn inbox_count(sandbox: &Sandbox, address: &str) -> usize {
    sandbox
        .folders(address)
        .iter()
        .find(|f| f["displayName"] == "Inbox")
        .and_then(|f| f["totalItemCount"].as_u64())
        .unwrap_or(0) as usize
}

/// Polls (every 5 ms) until `address`'s Inbox holds `n` messages; the time it happened.
async fn wait_inbox(
    sandbox: &Sandbox,
    address: &str,
    n: usize,
    since: Instant,
) -> Result<Instant, BoxError> {
    loop {
        let count = inbox_count(sandbox, address);
        if count >= n {
            return Ok(Instant::now());
        }
        if since.elapsed() > DEADLINE {
            return Err(
                format!("{count} of {n} messages in {address}'s Inbox after {DEADLINE:?}").into(),
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A spawned relay, killed and reaped when dropped.
struct ChildGuard(Child);

impl Drop for ChildGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A running `msgraph-relay serve` (JSON logs on stderr, drained by a thread).
pub struct RelayProcess {
    child: ChildGuard,
    pub smtp: SocketAddr,
    pub http: SocketAddr,
    /// The last lines it wrote (for errors).
    tail: Arc<Mutex<VecDeque<String>>>,
    /// Its configuration and spool directory, removed once the process is killed
    /// (`child`, declared first, drops first).
    _dir: tempfile::TempDir,
}

impl RelayProcess {
    fn pid(&self) -> u32 {
        self.child.0.id()
    }

    fn tail(&self) -> String {
        let tail = self.tail.lock().unwrap_or_else(|e| e.into_inner());
        tail.iter().cloned().collect::<Vec<_>>().join("\n")
    }

    /// `/metrics`, and one counter from it.
    async fn counter(&self, name: &str) -> Result<u64, BoxError> {
        let body = http_get(self.http, "/metrics").await?;
        metric(&body, name).ok_or_else(|| format!("no {name} in /metrics").into())
    }
}

/// The configuration: like tests/cli_common's `Relay::new` (plain SMTP on 127.0.0.1 open
/// to 127.0.0.1 for @contoso.com, Graph and its token endpoint on the sandbox), no
/// connection-rate limit, Exchange's pacing lifted, JSON logs at the default level;
/// workers (16) and `max_concurrent` (4) at their defaults. `database`: the spool on
/// PostgreSQL, else SQLite in the directory.
fn config(dir: &Path, sandbox: &Sandbox, database: Option<&str>) -> String {
    let spool = dir.join("spool").display().to_string();
    let database = database
        .map(|url| format!("database = {url:?}\n"))
        .unwrap_or_default();
    format!(
        "[spool]\ndir = {spool:?}\nhostname = \"relay.bench\"\n{database}\n\
         [graph]\ntenant = {tenant:?}\nclient_id = {client_id:?}\nclient_secret = {secret:?}\n\
         graph_url = {graph:?}\nauthority_url = {authority:?}\n\n\
         [http]\nlisten = \"127.0.0.1:0\"\n\n\
         [smtp]\nlisten = [\"127.0.0.1:0\"]\nallowed_networks = [\"127.0.0.1/32\"]\n\
         allowed_senders = [\"@contoso.com\"]\nconnections_per_minute = 1000000\n\n\
         [log]\nformat = \"json\"\nlevel = \"info\"\n\n\
         [delivery]\nmessages_per_minute = 100000\n",
        tenant = sandbox.tenant_id(),
        client_id = sandbox.client_id(),
        secret = sandbox.client_secret(),
        graph = sandbox.base_url(),
        authority = sandbox.authority_url(),
    )
}

/// A relay directory (on the disk, like the other sections' spools) with its
/// configuration.
fn relay_dir(sandbox: &Sandbox, database: Option<&str>) -> Result<tempfile::TempDir, BoxError> {
    let dir = rig::spool_dir()?;
    std::fs::write(
        dir.path().join("relay.toml"),
        config(dir.path(), sandbox, database),
    )?;
    Ok(dir)
}

/// `msgraph-relay migrate` on the database.
async fn migrate(binary: &Path, sandbox: &Sandbox, database: &str) -> Result<(), BoxError> {
    let dir = relay_dir(sandbox, Some(database))?;
    let config = dir.path().join("relay.toml");
    let binary = binary.to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(binary)
            .arg("--config")
            .arg(config)
            .arg("migrate")
            .env_remove("RUST_LOG")
            .env_remove("MSGRAPH_RELAY_CONFIG")
            .stdin(Stdio::null())
            .output()
    })
    .await??;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() || !stdout.contains("now at schema version") {
        return Err(format!(
            "msgraph-relay migrate: {}: {stdout} {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    Ok(())
}

/// Starts `serve` (must be called on the thread that runs the benchmark's `block_on`,
/// which lives as long as the process: the kernel kills the relay when the thread that
/// spawned it ends) and waits for its `listening` line.
async fn start_relay(
    binary: &Path,
    sandbox: &Sandbox,
    database: Option<&str>,
) -> Result<RelayProcess, BoxError> {
    use std::os::unix::process::CommandExt;
    let dir = relay_dir(sandbox, database)?;
    let mut command = Command::new(binary);
    command
        .arg("--config")
        .arg(dir.path().join("relay.toml"))
        .arg("serve")
        .env_remove("RUST_LOG")
        .env_remove("MSGRAPH_RELAY_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    // SAFETY: prctl is async-signal-safe; nothing else runs between fork and exec.
    unsafe {
        command.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let mut child = ChildGuard(command.spawn()?);
    let stderr = child.0.stderr.take().ok_or("no stderr pipe")?;
    let tail = Arc::new(Mutex::new(VecDeque::new()));
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let lines = tail.clone();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if line.contains("\"listening\"") {
                if let Ok(json) = serde_json::from_str::<serde_json::Value>(&line) {
                    if json["fields"]["message"] == "listening" {
                        let _ = tx.send(json["fields"].clone());
                    }
                }
            }
            let mut lines = lines.lock().unwrap_or_else(|e| e.into_inner());
            if lines.len() == 20 {
                lines.pop_front();
            }
            lines.push_back(line);
        }
    });
    let fields = match tokio::time::timeout(Duration::from_secs(30), rx.recv()).await {
        Ok(Some(fields)) => fields,
        _ => {
            drop(child);
            let tail = tail.lock().unwrap_or_else(|e| e.into_inner());
            return Err(format!(
                "msgraph-relay serve: no listening line; it wrote:\n{}",
                tail.iter().cloned().collect::<Vec<_>>().join("\n")
            )
            .into());
        }
    };
    let addr = |key: &str| -> Result<SocketAddr, BoxError> {
        let text = fields[key].as_str().unwrap_or("");
        let first = text.split(',').next().unwrap_or("");
        first
            .parse()
            .map_err(|e| format!("listening {key}={text:?}: {e}").into())
    };
    Ok(RelayProcess {
        smtp: addr("smtp")?,
        http: addr("http")?,
        child,
        tail,
        _dir: dir,
    })
}

/// `n` relays on `database` (migrated first), or one on SQLite.
async fn start_relays(
    binary: &Path,
    sandbox: &Sandbox,
    database: Option<&str>,
    n: usize,
) -> Result<Vec<RelayProcess>, BoxError> {
    if let Some(url) = database {
        migrate(binary, sandbox, url).await?;
    }
    let mut relays = Vec::with_capacity(n);
    for _ in 0..n {
        relays.push(start_relay(binary, sandbox, database).await?);
    }
    Ok(relays)
}

/// A plain HTTP/1.1 GET on 127.0.0.1: the body of a `200`.
async fn http_get(addr: SocketAddr, path: &str) -> Result<String, BoxError> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
        )
        .await?;
    let mut response = String::new();
    stream.read_to_string(&mut response).await?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or("no end of HTTP headers")?;
    if head.split(' ').nth(1) != Some("200") {
        return Err(format!("GET {path}: {}", head.lines().next().unwrap_or("")).into());
    }
    Ok(body.to_string())
}

/// A sample's value in a Prometheus text exposition.
fn metric(body: &str, name: &str) -> Option<u64> {
    body.lines().find_map(|line| {
        let value = line.strip_prefix(name)?.strip_prefix(' ')?;
        value.trim().parse::<f64>().ok().map(|v| v as u64)
    })
}

/// One message to submit: to which relay, from whom, to whom, the bytes.
struct Submission {
    relay: usize,
    from: String,
    to: String,
    message: Vec<u8>,
}

/// Submits messages `0..count` (`make(i)`) from `clients` concurrent clients, each with
/// one connection to every relay, taking the next message as it finishes one; every one
/// must get a `250`. The acceptance latencies (end of DATA → `250`).
async fn submit(
    relays: &[SocketAddr],
    clients: usize,
    count: usize,
    make: impl Fn(usize) -> Submission + Send + Sync + 'static,
) -> Result<Vec<Duration>, BoxError> {
    let make = Arc::new(make);
    let next = Arc::new(AtomicUsize::new(0));
    let relays: Arc<Vec<SocketAddr>> = Arc::new(relays.to_vec());
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let (make, next, relays) = (make.clone(), next.clone(), relays.clone());
        tasks.spawn(async move {
            let mut connections = Vec::with_capacity(relays.len());
            for addr in relays.iter() {
                connections.push(SmtpClient::connect(*addr).await?);
            }
            let mut latencies = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= count {
                    break;
                }
                let s = make(i);
                latencies.push(
                    connections[s.relay]
                        .send(&s.from, &[s.to], &s.message)
                        .await?,
                );
            }
            for connection in connections {
                connection.quit().await?;
            }
            Ok::<_, std::io::Error>(latencies)
        });
    }
    let mut latencies = Vec::with_capacity(count);
    while let Some(done) = tasks.join_next().await {
        latencies.extend(done??);
    }
    Ok(latencies)
}

/// Messages each relay counted delivered (`msgraph_relay_delivered_total`), once their
/// sum is `total` (a relay counts a message after Graph's answer, so after the sandbox
/// has it).
async fn delivered_counts(relays: &[RelayProcess], total: u64) -> Result<Vec<u64>, BoxError> {
    let started = Instant::now();
    loop {
        let mut counts = Vec::with_capacity(relays.len());
        for relay in relays {
            counts.push(relay.counter("msgraph_relay_delivered_total").await?);
        }
        let sum: u64 = counts.iter().sum();
        if sum >= total || started.elapsed() > Duration::from_secs(10) {
            if sum != total {
                return Err(
                    format!("the relays counted {counts:?} delivered, {total} sent").into(),
                );
            }
            return Ok(counts);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// One message from each sender through each relay: every relay signs in and caches
/// every sender's MailTips (the size limit `MAIL FROM` asks), as a relay that has been
/// running does; with the sandbox adding nothing. Waits until all are in the warm-up
/// recipient's Inbox and counted by the relays; what each counted.
async fn warm_up(
    sandbox: &Sandbox,
    processes: &[RelayProcess],
    senders: usize,
) -> Result<Vec<u64>, BoxError> {
    sandbox.set_latency(Duration::ZERO);
    let relays: Vec<SocketAddr> = processes.iter().map(|r| r.smtp).collect();
    let n = relays.len();
    let count = senders * n;
    let started = Instant::now();
    submit(&relays, CLIENTS.min(count), count, move |j| {
        let from = sender(j / n);
        Submission {
            relay: j % n,
            message: rig::message(1_000_000 + j, &from, WARM, 1024),
            from,
            to: WARM.to_string(),
        }
    })
    .await?;
    wait_inbox(sandbox, WARM, count, started).await?;
    delivered_counts(processes, count as u64).await
}

/// CPU time read from /proc, in clock ticks (whole seconds for this process).
struct CpuSnapshot {
    relays: HashMap<u32, u64>,
    postgres: HashMap<u32, u64>,
    this: f64,
    machine_busy: u64,
    machine_total: u64,
}

/// CPU seconds a run used.
#[derive(Debug, Clone, Copy, Default)]
pub struct CpuUse {
    pub relays: f64,
    pub postgres: f64,
    /// This process: the sandbox and the SMTP clients.
    pub this: f64,
    /// The machine's busy share over the run, all cores (anything else running included).
    pub machine_busy: f64,
}

fn ticks_per_second() -> f64 {
    // SAFETY: sysconf has no preconditions.
    (unsafe { libc::sysconf(libc::_SC_CLK_TCK) }).max(1) as f64
}

/// (parent pid, user + system ticks) of a process.
fn proc_stat(pid: u32) -> Option<(u32, u64)> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // After the command name (in parentheses, which may contain spaces): state, ppid, …
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ppid = fields.get(1)?.parse().ok()?;
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some((ppid, utime + stime))
}

/// The postmaster and every child of it (backends, WAL writer, checkpointer…).
fn postgres_ticks(postmaster: Option<u32>) -> HashMap<u32, u64> {
    let mut ticks = HashMap::new();
    let Some(postmaster) = postmaster else {
        return ticks;
    };
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return ticks;
    };
    for entry in entries.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|n| n.parse::<u32>().ok())
        else {
            continue;
        };
        if let Some((ppid, t)) = proc_stat(pid) {
            if pid == postmaster || ppid == postmaster {
                ticks.insert(pid, t);
            }
        }
    }
    ticks
}

fn self_cpu_seconds() -> f64 {
    // SAFETY: a zeroed rusage that getrusage fills in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let secs = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    secs(usage.ru_utime) + secs(usage.ru_stime)
}

/// (busy, total) ticks of all CPUs from /proc/stat.
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let values: Vec<u64> = stat
        .lines()
        .next()
        .unwrap_or("")
        .split_whitespace()
        .skip(1)
        .filter_map(|v| v.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    let total: u64 = values.iter().take(8).sum();
    let idle = values.get(3).copied().unwrap_or(0) + values.get(4).copied().unwrap_or(0);
    (total.saturating_sub(idle), total)
}

impl CpuSnapshot {
    fn take(relays: &[RelayProcess], postmaster: Option<u32>) -> CpuSnapshot {
        let (machine_busy, machine_total) = machine_ticks();
        CpuSnapshot {
            relays: relays
                .iter()
                .filter_map(|r| Some((r.pid(), proc_stat(r.pid())?.1)))
                .collect(),
            postgres: postgres_ticks(postmaster),
            this: self_cpu_seconds(),
            machine_busy,
            machine_total,
        }
    }

    /// What was used from `self` to `later` (a process that appeared meanwhile counts
    /// whole).
    fn until(&self, later: &CpuSnapshot) -> CpuUse {
        let hz = ticks_per_second();
        let grown = |before: &HashMap<u32, u64>, after: &HashMap<u32, u64>| -> f64 {
            after
                .iter()
                .map(|(pid, t)| t.saturating_sub(before.get(pid).copied().unwrap_or(0)))
                .sum::<u64>() as f64
                / hz
        };
        let total = later
            .machine_total
            .saturating_sub(self.machine_total)
            .max(1);
        CpuUse {
            relays: grown(&self.relays, &later.relays),
            postgres: grown(&self.postgres, &later.postgres),
            this: later.this - self.this,
            machine_busy: later.machine_busy.saturating_sub(self.machine_busy) as f64
                / total as f64,
        }
    }
}

/// One delivered run.
#[derive(Debug)]
pub struct Delivered {
    /// First connection → last message in the Inbox.
    pub seconds: f64,
    /// First connection → last `250`.
    pub accepted_seconds: f64,
    /// Messages each relay delivered (Graph accepted).
    pub shares: Vec<u64>,
    pub cpu: CpuUse,
}

/// [`MESSAGES`] submitted round-robin over `relays` relays (on a fresh database of
/// `postgres`, or one relay on SQLite), delivered to a fresh sandbox adding [`LATENCY`]
/// to every Graph request; each must arrive exactly once.
pub async fn delivered(
    binary: &Path,
    postgres: &Postgres,
    spool_on_postgres: bool,
    relays: usize,
) -> Result<Delivered, BoxError> {
    let sandbox = sandbox(MAILBOXES).await?;
    let database = match spool_on_postgres {
        true => Some(postgres.fresh_database().await?),
        false => None,
    };
    let processes = start_relays(binary, &sandbox, database.as_deref(), relays).await?;
    let result = delivered_on(&sandbox, postgres, &processes).await;
    if result.is_err() {
        for (i, relay) in processes.iter().enumerate() {
            eprintln!("relay {i} (last lines):\n{}", relay.tail());
        }
    }
    result
}

async fn delivered_on(
    sandbox: &Sandbox,
    postgres: &Postgres,
    processes: &[RelayProcess],
) -> Result<Delivered, BoxError> {
    let addrs: Vec<SocketAddr> = processes.iter().map(|r| r.smtp).collect();
    let n = addrs.len();
    let warm = warm_up(sandbox, processes, MAILBOXES).await?;
    sandbox.set_latency(LATENCY);
    let before = CpuSnapshot::take(processes, postgres.postmaster());
    let started = Instant::now();
    submit(&addrs, CLIENTS, MESSAGES, move |i| {
        let from = sender(i / n);
        Submission {
            relay: i % n,
            message: rig::message(i, &from, RECIPIENT, MESSAGE_SIZE),
            from,
            to: RECIPIENT.to_string(),
        }
    })
    .await?;
    let accepted_seconds = started.elapsed().as_secs_f64();
    let done = wait_inbox(sandbox, RECIPIENT, MESSAGES, started).await?;
    let seconds = done.duration_since(started).as_secs_f64();
    let after = CpuSnapshot::take(processes, postgres.postmaster());
    sandbox.set_latency(Duration::ZERO);

    // Exactly once: every Message-ID in the Inbox once, nothing else.
    let inbox = sandbox.messages(RECIPIENT, "inbox");
    let ids: HashSet<&str> = inbox
        .iter()
        .filter_map(|m| m["internetMessageId"].as_str())
        .collect();
    if inbox.len() != MESSAGES || ids.len() != MESSAGES {
        return Err(format!(
            "{} messages ({} distinct Message-IDs) in the Inbox, {MESSAGES} sent",
            inbox.len(),
            ids.len()
        )
        .into());
    }
    let counts = delivered_counts(processes, (MAILBOXES * n + MESSAGES) as u64).await?;
    let shares: Vec<u64> = counts.iter().zip(&warm).map(|(c, w)| c - w).collect();
    for relay in processes {
        for bad in [
            "msgraph_relay_failed_total",
            "msgraph_relay_unknown_outcomes_total",
            "msgraph_relay_throttled_total",
        ] {
            let count = relay.counter(bad).await?;
            if count != 0 {
                return Err(format!("a relay counted {bad} {count}").into());
            }
        }
    }
    Ok(Delivered {
        seconds,
        accepted_seconds,
        shares,
        cpu: before.until(&after),
    })
}

/// One body-storage run: acceptance of [`LARGE_MESSAGES`] messages of [`LARGE_SIZE`]
/// bytes.
#[derive(Debug)]
pub struct Accepted {
    pub seconds: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub cpu: CpuUse,
}

/// One relay (on a fresh database of `postgres`, or on SQLite) accepting
/// [`LARGE_MESSAGES`] messages of [`LARGE_SIZE`] bytes from [`LARGE_CLIENTS`] clients;
/// its delivery held: after the warm-up the sandbox delays every Graph request by an
/// hour, so the relay's 16 sends hang in flight (each having read its body once) and
/// nothing else is sent.
pub async fn accepted_large(
    binary: &Path,
    postgres: &Postgres,
    spool_on_postgres: bool,
) -> Result<Accepted, BoxError> {
    let sandbox = sandbox(LARGE_CLIENTS).await?;
    let database = match spool_on_postgres {
        true => Some(postgres.fresh_database().await?),
        false => None,
    };
    let processes = start_relays(binary, &sandbox, database.as_deref(), 1).await?;
    let result = accepted_on(&sandbox, postgres, &processes).await;
    if result.is_err() {
        eprintln!("relay (last lines):\n{}", processes[0].tail());
    }
    result
}

async fn accepted_on(
    sandbox: &Sandbox,
    postgres: &Postgres,
    processes: &[RelayProcess],
) -> Result<Accepted, BoxError> {
    let addrs = [processes[0].smtp];
    warm_up(sandbox, processes, LARGE_CLIENTS).await?;
    sandbox.set_latency(Duration::from_secs(3600));
    // The body once (text lines, no dot to stuff); each message its own headers.
    let body: Arc<Vec<u8>> = Arc::new({
        let text = rig::message(0, "x@contoso.com", RECIPIENT, LARGE_SIZE);
        let at = text.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0) + 4;
        text[at..].to_vec()
    });
    let before = CpuSnapshot::take(processes, postgres.postmaster());
    let started = Instant::now();
    let mut latencies = submit(&addrs, LARGE_CLIENTS, LARGE_MESSAGES, move |i| {
        let from = sender(i % LARGE_CLIENTS);
        let head = rig::message(2_000_000 + i, &from, RECIPIENT, 0);
        let mut message = Vec::with_capacity(head.len() + body.len());
        message.extend_from_slice(&head);
        message.extend_from_slice(&body);
        Submission {
            relay: 0,
            message,
            from,
            to: RECIPIENT.to_string(),
        }
    })
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    let after = CpuSnapshot::take(processes, postgres.postmaster());
    let accepted = processes[0].counter("msgraph_relay_accepted_total").await?;
    if accepted != (LARGE_CLIENTS + LARGE_MESSAGES) as u64 {
        return Err(format!(
            "the relay counted {accepted} accepted, {} sent",
            LARGE_CLIENTS + LARGE_MESSAGES
        )
        .into());
    }
    latencies.sort();
    Ok(Accepted {
        seconds,
        p50_ms: rig::quantile_ms(&latencies, 0.50),
        p99_ms: rig::quantile_ms(&latencies, 0.99),
        cpu: before.until(&after),
    })
}
