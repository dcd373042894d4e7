//! Benchmark (not a test): the crate end to end against a loopback Graph, next to bare
//! reqwest and to reqwest doing the crate's work by hand. `scripts/bench` runs it and writes
//! BENCHMARKS.md.
//!
//! ```text
//! cargo run --release --example bench_e2e [-- [--requests N] [--rounds R] [--out FILE] [SECTION…]]
//! cargo run --release --example bench_e2e -- --profile SIDE [--requests N]
//! ```
//!
//! Sections (all by default, in this order; paging first so its peak RSS is not the e2e one):
//! - `paging`: 1,000 pages of 10 messages through `list_messages().stream()`; peak and
//!   current RSS after 10 pages and after 1,000.
//! - `targets`: the configurations issue 20 sets targets for, bare reqwest against the crate
//!   only (default limit at concurrency 1, limit off at concurrency 64), one mailbox, both
//!   tokens, 15 rounds.
//! - `e2e`: N sendMail requests per run, for a 1.7 KB JWT and a 44-byte token, to 1 mailbox
//!   and to 64 (request i to mailbox i % 64), at concurrency 1, 8 and 64; four sides
//!   alternating, median of R rounds: requests/s and client CPU seconds per 1,000 requests.
//!   The sides ([`Side`]): bare reqwest; reqwest doing the crate's work by hand (same
//!   headers, timeouts, message clone and serialization); the crate with its default
//!   per-mailbox limit; the crate with the limit off.
//! - `ablation`: from bare reqwest to the crate one part of the work at a time (the message
//!   serialized per request; cloned too; the crate's headers and timeouts: reqwest doing the
//!   crate's work; the crate), one mailbox, the JWT, concurrency 1 and 64.
//! - `nginx`: the same sides against nginx from the distribution (not a tokio process), if
//!   installed: one mailbox, the JWT, concurrency 1 and 64.
//! - `allocs`: heap allocations and bytes allocated per sendMail for each side.
//! - `cold`: 10,000 sendMail at concurrency 64 with `ClientCredentials` against the loopback
//!   token endpoint; the server counts the token requests.
//! - `batching`: 1,000 message creates as single requests (4 in flight, the mailbox's
//!   limit), then as one `client.batch()`, which goes out as 50 `$batch` POSTs, one after
//!   another: each holds unordered requests to the one mailbox, so needs all its 4 places.
//!   Both again with Graph's latency modelled by the server (a round trip of 5 ms, and 5 ms
//!   per operation, a batch's requests run 4 at a time), where batching's saving shows.
//!
//! `--profile SIDE` (`bare`, `same_work`, `crate`, `crate_unlimited`) only sends, for a
//! profiler: 500 requests, then N, at concurrency 1 to one mailbox.
//!
//! The loopback server is a minimal HTTP/1.1 server (keep-alive) on tokio, run in a child
//! process (this binary with `--serve`), so the CPU time measured with getrusage(RUSAGE_SELF)
//! is the client's alone. Everything goes to 127.0.0.1; the server exits when this process
//! closes its stdin, or after 15 minutes.
//!
//! The crate and the same-work side send the same request (checked against what the server
//! received): the same URL, the same JSON bytes (the crate's `Message` serialized in the same
//! `{"message": …}` wrapper) and the same headers (Accept, client-request-id as a fresh UUID
//! v4, the bearer token, Content-Type, User-Agent). Bare reqwest sends the same URL and body
//! with `Authorization` and `Content-Type` and what reqwest adds by itself (`Accept: */*`).

#[path = "../benches/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::TryStreamExt;
use msgraph_outlook::api::Mailbox;
use msgraph_outlook::auth::{ClientCredentials, ClientSecret, StaticToken};
use msgraph_outlook::models::Message;
use msgraph_outlook::{Cloud, GraphClient, DEFAULT_CONNECT_TIMEOUT, DEFAULT_TIMEOUT};
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// 64 mailboxes: at concurrency 64 each has about one request in flight.
const MAILBOXES: usize = 64;
/// Sections run when none is named.
const SECTIONS: [&str; 8] = [
    "paging", "targets", "e2e", "ablation", "nginx", "allocs", "cold", "batching",
];
/// Rounds of the `targets` section (two sides only, so more rounds for the same time).
const TARGET_ROUNDS: usize = 15;
/// Sections run only when named.
const MORE_SECTIONS: [&str; 1] = ["e2e-one"];
/// Pages in the paging run, and messages per page.
const PAGES: usize = 1000;
const PAGE_SIZE: usize = 10;
/// Requests of the cold-start run.
const COLD_REQUESTS: usize = 10_000;
/// Message creates of the batching run, and Graph's most requests per `$batch`.
const CREATES: usize = 1000;
const BATCH_SIZE: usize = 20;
/// The modelled latency of the second batching run: a round trip to Graph, and the time an
/// operation (one create) takes there. Graph runs a batch's unordered requests 4 at a time.
const ROUND_TRIP_MS: u64 = 5;
const OPERATION_MS: u64 = 5;

/// A bearer token of a realistic length (Entra access tokens are JWTs of 1.5–2.5 KB).
fn token() -> String {
    let mut t = String::from("eyJ0eXAiOiJKV1QiLCJub25jZSI6IkJlbmNoIiwiYWxnIjoiUlMyNTYifQ.");
    while t.len() < 1700 {
        t.push_str("eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJpc3MiOiJiZW5jaCJ9");
    }
    t.push_str(".c2lnbmF0dXJl");
    t
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--serve") {
        return serve_main();
    }
    let options = match Options::parse(&args) {
        Ok(options) => options,
        Err(e) => {
            eprintln!("error: {e}\n\nusage: bench_e2e [--requests N] [--rounds R] [--out FILE] [SECTION…] | --profile SIDE [--requests N]\nsections: {}", SECTIONS.join(" "));
            return ExitCode::from(2);
        }
    };
    let runtime = match options.multi_thread {
        true => tokio::runtime::Builder::new_multi_thread(),
        false => tokio::runtime::Builder::new_current_thread(),
    }
    .enable_all()
    .build()
    .expect("tokio runtime");
    match runtime.block_on(run(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

type Failure = Box<dyn std::error::Error + Send + Sync>;

struct Options {
    requests: usize,
    rounds: usize,
    out: Option<String>,
    sections: Vec<String>,
    /// `--profile SIDE`: only that side sends.
    profile: Option<Side>,
    /// `--concurrency C` of a `--profile` run (default 1).
    concurrency: usize,
    /// `--runtime multi-thread` (the default) or `--runtime current-thread`: the client's.
    multi_thread: bool,
}

impl Options {
    fn parse(args: &[String]) -> Result<Options, String> {
        let mut options = Options {
            requests: 10_000,
            rounds: 7,
            out: None,
            sections: Vec::new(),
            profile: None,
            concurrency: 1,
            multi_thread: true,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| {
                args.next()
                    .cloned()
                    .ok_or_else(|| format!("{name} needs a value"))
            };
            match arg.as_str() {
                "--requests" => {
                    options.requests = value(arg)?.parse().map_err(|e| format!("{arg}: {e}"))?
                }
                "--rounds" => {
                    options.rounds = value(arg)?.parse().map_err(|e| format!("{arg}: {e}"))?
                }
                "--out" => options.out = Some(value(arg)?),
                "--runtime" => {
                    options.multi_thread = match value(arg)?.as_str() {
                        "multi-thread" => true,
                        "current-thread" => false,
                        other => {
                            return Err(format!(
                                "--runtime {other:?}: multi-thread or current-thread"
                            ))
                        }
                    }
                }
                "--concurrency" => {
                    options.concurrency = value(arg)?.parse().map_err(|e| format!("{arg}: {e}"))?
                }
                "--profile" => {
                    let side = value(arg)?;
                    options.profile =
                        Some(Side::parse(&side).ok_or_else(|| format!("no side {side:?}"))?);
                }
                section if SECTIONS.contains(&section) || MORE_SECTIONS.contains(&section) => {
                    options.sections.push(arg.clone())
                }
                other => return Err(format!("unknown argument {other:?}")),
            }
        }
        if options.sections.is_empty() {
            options.sections = SECTIONS.map(String::from).into();
        }
        if options.rounds == 0 || options.requests == 0 {
            return Err("--requests and --rounds must be at least 1".into());
        }
        Ok(options)
    }
}

/// `key=value` results, printed and written to `--out` for scripts/bench.
#[derive(Default)]
struct Results(BTreeMap<String, String>);

impl Results {
    fn set(&mut self, key: &str, value: impl ToString) {
        self.0.insert(key.to_string(), value.to_string());
    }
}

async fn run(options: Options) -> Result<(), Failure> {
    let server = Server::start()?;
    if let Some(side) = options.profile {
        return profile(&server, side, options.requests, options.concurrency).await;
    }
    let mut results = Results::default();
    results.set("requests", options.requests);
    results.set("rounds", options.rounds);
    results.set(
        "runtime",
        if options.multi_thread {
            "multi-thread"
        } else {
            "current-thread"
        },
    );
    for section in &options.sections {
        match section.as_str() {
            "paging" => paging(&server, &mut results).await?,
            "e2e" => end_to_end(&server, &options, &mut results).await?,
            "e2e-one" => one_mailbox(&server, &options, &mut results).await?,
            "ablation" => ablation(&server, &options, &mut results).await?,
            "targets" => targets(&server, &options, &mut results).await?,
            "nginx" => nginx(&options, &mut results).await?,
            "allocs" => allocations(&server, &mut results).await?,
            "cold" => cold_start(&server, &mut results).await?,
            "batching" => batching(&server, &mut results).await?,
            _ => unreachable!("checked in Options::parse"),
        }
    }
    server.stop();
    let text: String = results
        .0
        .iter()
        .map(|(k, v)| format!("{k}={v}\n"))
        .collect();
    if let Some(path) = &options.out {
        std::fs::write(path, &text)?;
        println!("results written to {path}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Measurements

/// This process's user + system CPU time (getrusage(RUSAGE_SELF): threads that exited
/// included, the server child excluded).
fn cpu_time() -> Duration {
    // SAFETY: getrusage only writes the struct it is given.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::getrusage(libc::RUSAGE_SELF, &mut usage) != 0 {
            return Duration::ZERO;
        }
        usage
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(usage.ru_utime) + tv(usage.ru_stime)
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// One timed run.
struct Run {
    seconds: f64,
    cpu_seconds: f64,
    requests: usize,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.requests as f64 / self.seconds
    }

    fn cpu_per_1000(&self) -> f64 {
        self.cpu_seconds / self.requests as f64 * 1000.0
    }
}

/// Runs `requests` calls of `call(i)` on `concurrency` tasks, timing wall clock and CPU.
async fn timed<F, Fut>(requests: usize, concurrency: usize, call: F) -> Result<Run, Failure>
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), Failure>> + Send,
{
    let call = Arc::new(call);
    let next = Arc::new(AtomicUsize::new(0));
    let (started, cpu_before) = (Instant::now(), cpu_time());
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (call, next) = (Arc::clone(&call), Arc::clone(&next));
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= requests {
                        return Ok::<(), Failure>(());
                    }
                    call(i).await?;
                }
            })
        })
        .collect();
    for task in tasks {
        task.await??;
    }
    Ok(Run {
        seconds: started.elapsed().as_secs_f64(),
        cpu_seconds: (cpu_time() - cpu_before).as_secs_f64(),
        requests,
    })
}

// ---------------------------------------------------------------------------------------
// Clients

/// A short opaque bearer token (44 bytes, like a personal account's).
const SHORT_TOKEN: &str = "EwBwA8l6BAAUbDba3x2OMJElkF7gJ4z/VbCPEz0AAQ==";

/// The two tokens of the end-to-end runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TokenSize {
    /// [`SHORT_TOKEN`].
    Short,
    /// [`token()`]: a JWT of a realistic length.
    Jwt,
}

impl TokenSize {
    fn token(self) -> String {
        match self {
            TokenSize::Short => SHORT_TOKEN.to_string(),
            TokenSize::Jwt => token(),
        }
    }

    fn key(self) -> &'static str {
        match self {
            TokenSize::Short => "short",
            TokenSize::Jwt => "jwt",
        }
    }
}

/// Who sends the requests of an end-to-end run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Side {
    /// Bare reqwest: `reqwest::Client::new()`, a POST with `Authorization` (its value built
    /// once), `Content-Type` and the body serialized once before the run; nothing else.
    Bare,
    /// reqwest doing by hand what the crate does: a client configured like the crate's
    /// (User-Agent, timeouts, no redirects), `Accept` and a fresh `client-request-id` per
    /// request, the message cloned and serialized per request.
    SameWork,
    /// The crate with its default per-mailbox limit (4 requests in flight per mailbox).
    Crate,
    /// The crate with the limit switched off (`mailbox_concurrency(None)`).
    CrateUnlimited,
    /// Bare reqwest, plus the message serialized per request (the `ablation` section).
    BareSerialize,
    /// Bare reqwest, plus the message cloned and serialized per request (`ablation`).
    BareBuild,
}

/// The sides of the `ablation` section: from bare reqwest, one part of the crate's work added
/// at a time, to the crate.
const ABLATION: [Side; 6] = [
    Side::Bare,
    Side::BareSerialize,
    Side::BareBuild,
    Side::SameWork,
    Side::CrateUnlimited,
    Side::Crate,
];

const SIDES: [Side; 4] = [
    Side::Bare,
    Side::SameWork,
    Side::Crate,
    Side::CrateUnlimited,
];

impl Side {
    fn key(self) -> &'static str {
        match self {
            Side::Bare => "bare",
            Side::SameWork => "same_work",
            Side::Crate => "crate",
            Side::CrateUnlimited => "crate_unlimited",
            Side::BareSerialize => "bare_serialize",
            Side::BareBuild => "bare_build",
        }
    }

    fn parse(key: &str) -> Option<Side> {
        SIDES
            .into_iter()
            .chain(ABLATION)
            .find(|side| side.key() == key)
    }
}

/// The crate: default settings (default retry policy, no preferences), the per-mailbox limit
/// as given (`Some(4)` is the default).
fn crate_client(origin: &str, token: &str) -> Result<GraphClient, Failure> {
    crate_client_limited(
        origin,
        token,
        Some(msgraph_outlook::DEFAULT_MAILBOX_CONCURRENCY),
    )
}

fn crate_client_limited(
    origin: &str,
    token: &str,
    limit: Option<usize>,
) -> Result<GraphClient, Failure> {
    Ok(GraphClient::builder()
        .base_url(format!("{origin}/v1.0"))
        .token_provider(StaticToken::new(token))
        .mailbox_concurrency(limit)
        .build()?)
}

/// reqwest configured as the crate configures its own client.
fn same_work_client() -> Result<reqwest::Client, Failure> {
    Ok(reqwest::Client::builder()
        .user_agent(concat!("msgraph-outlook/", env!("CARGO_PKG_VERSION")))
        .timeout(DEFAULT_TIMEOUT)
        .connect_timeout(DEFAULT_CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// The sendMail body as the crate writes it (`saveToSentItems` is left out when true).
#[derive(Serialize)]
struct SendMailBody<'a> {
    message: &'a Message,
}

/// One side's sender, for `mailboxes` mailboxes: request i goes to mailbox i % mailboxes.
#[derive(Clone)]
enum Sender {
    Bare(BareSender),
    SameWork(SameWorkSender),
    Crate(CrateSender),
}

impl Sender {
    fn new(side: Side, origin: &str, token: &str, mailboxes: usize) -> Result<Sender, Failure> {
        let urls: Arc<Vec<String>> = Arc::new(
            (0..mailboxes)
                .map(|i| format!("{origin}/v1.0/users/user{i}@contoso.com/sendMail"))
                .collect(),
        );
        Ok(match side {
            Side::Bare => Sender::Bare(BareSender::new(urls, token, BareWork::None)?),
            Side::BareSerialize => Sender::Bare(BareSender::new(urls, token, BareWork::Serialize)?),
            Side::BareBuild => Sender::Bare(BareSender::new(urls, token, BareWork::Build)?),
            Side::SameWork => Sender::SameWork(SameWorkSender {
                http: same_work_client()?,
                urls,
                token: token.into(),
                message: Arc::new(support::typical_message()),
            }),
            Side::Crate | Side::CrateUnlimited => {
                let limit = match side {
                    Side::Crate => Some(msgraph_outlook::DEFAULT_MAILBOX_CONCURRENCY),
                    _ => None,
                };
                let client = crate_client_limited(origin, token, limit)?;
                Sender::Crate(CrateSender::new(&client, mailboxes))
            }
        })
    }

    async fn send(&self, i: usize) -> Result<(), Failure> {
        match self {
            Sender::Bare(s) => s.send(i).await,
            Sender::SameWork(s) => s.send(i).await,
            Sender::Crate(s) => s.send(i).await,
        }
    }
}

/// Sends with the crate: `mailboxes[i % n].send_mail(message).send()`.
#[derive(Clone)]
struct CrateSender {
    mailboxes: Arc<Vec<Mailbox>>,
    message: Arc<Message>,
}

impl CrateSender {
    fn new(client: &GraphClient, mailboxes: usize) -> Self {
        CrateSender {
            mailboxes: Arc::new(
                (0..mailboxes)
                    .map(|i| client.user(format!("user{i}@contoso.com")))
                    .collect(),
            ),
            message: Arc::new(support::typical_message()),
        }
    }

    async fn send(&self, i: usize) -> Result<(), Failure> {
        // Built per request, as a caller builds one per send_mail.
        let message = Message::clone(&self.message);
        self.mailboxes[i % self.mailboxes.len()]
            .send_mail(message)
            .send()
            .await?;
        Ok(())
    }
}

/// What bare reqwest does per request besides sending.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BareWork {
    /// Nothing: the body was serialized once.
    None,
    /// Serializes the message.
    Serialize,
    /// Clones the message (as a caller builds one per send) and serializes it.
    Build,
}

/// Bare reqwest: what a minimal hand-written call sends, nothing more.
#[derive(Clone)]
struct BareSender {
    http: reqwest::Client,
    urls: Arc<Vec<String>>,
    authorization: reqwest::header::HeaderValue,
    body: bytes::Bytes,
    work: BareWork,
    message: Arc<Message>,
}

impl BareSender {
    fn new(urls: Arc<Vec<String>>, token: &str, work: BareWork) -> Result<Self, Failure> {
        let message = support::typical_message();
        Ok(BareSender {
            http: reqwest::Client::new(),
            urls,
            authorization: format!("Bearer {token}").try_into()?,
            body: serde_json::to_vec(&SendMailBody { message: &message })?.into(),
            work,
            message: Arc::new(message),
        })
    }

    async fn send(&self, i: usize) -> Result<(), Failure> {
        let body: bytes::Bytes = match self.work {
            BareWork::None => self.body.clone(),
            BareWork::Serialize => serde_json::to_vec(&SendMailBody {
                message: &self.message,
            })?
            .into(),
            BareWork::Build => {
                let message = Message::clone(&self.message);
                serde_json::to_vec(&SendMailBody { message: &message })?.into()
            }
        };
        let response = self
            .http
            .post(&self.urls[i % self.urls.len()])
            .header(reqwest::header::AUTHORIZATION, self.authorization.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await?;
        let status = response.status();
        response.bytes().await?;
        if status != reqwest::StatusCode::ACCEPTED {
            return Err(format!("sendMail answered {status}").into());
        }
        Ok(())
    }
}

/// reqwest doing the crate's work by hand.
#[derive(Clone)]
struct SameWorkSender {
    http: reqwest::Client,
    urls: Arc<Vec<String>>,
    token: Arc<str>,
    message: Arc<Message>,
}

impl SameWorkSender {
    async fn send(&self, i: usize) -> Result<(), Failure> {
        // Built per request, as the crate's caller builds one per send_mail.
        let message = Message::clone(&self.message);
        let response = self
            .http
            .post(&self.urls[i % self.urls.len()])
            .header(reqwest::header::ACCEPT, "application/json")
            .header("client-request-id", uuid::Uuid::new_v4().to_string())
            .bearer_auth(&self.token)
            // What reqwest's `json` feature does (the crate builds reqwest without it).
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(&SendMailBody { message: &message })?)
            .send()
            .await?;
        let status = response.status();
        response.bytes().await?;
        if status != reqwest::StatusCode::ACCEPTED {
            return Err(format!("sendMail answered {status}").into());
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Sections

async fn paging(server: &Server, results: &mut Results) -> Result<(), Failure> {
    let client = crate_client(&server.origin, &token())?;
    server.reset().await?;
    let started = Instant::now();
    let mut items = std::pin::pin!(client
        .user("megan@contoso.com")
        .list_messages()
        .top(PAGE_SIZE as u32)
        .stream());
    let (mut count, mut after_10) = (0usize, (0, 0));
    while let Some(message) = items.try_next().await? {
        std::hint::black_box(&message);
        count += 1;
        if count == 10 * PAGE_SIZE {
            after_10 = (support::status_kib("VmHWM:"), support::status_kib("VmRSS:"));
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    let after_1000 = (support::status_kib("VmHWM:"), support::status_kib("VmRSS:"));
    let pages = server.stat("pages").await?;
    if count != PAGES * PAGE_SIZE || pages != PAGES as u64 {
        return Err(format!(
            "paging: {count} messages in {pages} pages, expected {PAGES} pages of {PAGE_SIZE}"
        )
        .into());
    }
    println!("paging: {PAGES} pages of {PAGE_SIZE} messages through list_messages().stream()");
    println!(
        "  {:.2} s ({:.0} pages/s); peak RSS {:.1} MiB after 10 pages, {:.1} MiB after {PAGES}; current RSS {:.1} → {:.1} MiB",
        seconds,
        PAGES as f64 / seconds,
        after_10.0 as f64 / 1024.0,
        after_1000.0 as f64 / 1024.0,
        after_10.1 as f64 / 1024.0,
        after_1000.1 as f64 / 1024.0,
    );
    results.set("paging.pages", pages);
    results.set("paging.page_size", PAGE_SIZE);
    results.set("paging.seconds", format!("{seconds:.3}"));
    results.set("paging.peak_rss_kib_10", after_10.0);
    results.set("paging.peak_rss_kib_1000", after_1000.0);
    results.set("paging.rss_kib_10", after_10.1);
    results.set("paging.rss_kib_1000", after_1000.1);
    Ok(())
}

/// The end-to-end grid: tokens × mailboxes × concurrency, each side alternating.
const E2E_MAILBOXES: [usize; 2] = [1, 64];
const E2E_CONCURRENCY: [usize; 3] = [1, 8, 64];

async fn end_to_end(
    server: &Server,
    options: &Options,
    results: &mut Results,
) -> Result<(), Failure> {
    let n = options.requests;
    server.reset().await?;
    let mut sent = 0;
    for token_size in [TokenSize::Jwt, TokenSize::Short] {
        let token = token_size.token();
        results.set(
            &format!("e2e.token.{}.bytes", token_size.key()),
            token.len(),
        );
        for mailboxes in E2E_MAILBOXES {
            let senders = SIDES
                .into_iter()
                .map(|side| Ok((side, Sender::new(side, &server.origin, &token, mailboxes)?)))
                .collect::<Result<Vec<_>, Failure>>()?;
            if token_size == TokenSize::Jwt && mailboxes == 1 {
                sent += same_request(server, &senders, results).await?;
            }
            println!(
                "end to end: {n} sendMail per run, {}-byte token, {mailboxes} mailbox(es), median of {} rounds",
                token.len(),
                options.rounds
            );
            for concurrency in E2E_CONCURRENCY {
                let prefix = format!("e2e.{}.m{mailboxes}.c{concurrency}", token_size.key());
                sent += compare(&senders, n, concurrency, options.rounds, &prefix, results).await?;
            }
        }
    }
    let received = server.stat("sendMail").await?;
    if received != sent as u64 {
        return Err(format!("the server counted {received} sendMail, {sent} were sent").into());
    }
    Ok(())
}

/// The configurations issue 20 sets targets for, two sides each, alternating for
/// [`TARGET_ROUNDS`] rounds: bare reqwest and the crate with its default limit at concurrency
/// 1, bare reqwest and the crate with the limit off at concurrency 64; one mailbox, both
/// tokens. Keys start with `targets.`.
async fn targets(server: &Server, options: &Options, results: &mut Results) -> Result<(), Failure> {
    server.reset().await?;
    println!(
        "targets: {} sendMail per run, 1 mailbox, bare reqwest and the crate alternating, median of {TARGET_ROUNDS} rounds",
        options.requests
    );
    let mut sent = 0;
    for token_size in [TokenSize::Jwt, TokenSize::Short] {
        let token = token_size.token();
        for (concurrency, crate_side) in [(1, Side::Crate), (64, Side::CrateUnlimited)] {
            let senders = [Side::Bare, crate_side]
                .into_iter()
                .map(|side| Ok((side, Sender::new(side, &server.origin, &token, 1)?)))
                .collect::<Result<Vec<_>, Failure>>()?;
            print!("  {}-byte token,", token.len());
            let prefix = format!("targets.{}.c{concurrency}", token_size.key());
            sent += compare(
                &senders,
                options.requests,
                concurrency,
                TARGET_ROUNDS,
                &prefix,
                results,
            )
            .await?;
        }
    }
    let received = server.stat("sendMail").await?;
    if received != sent as u64 {
        return Err(format!("the server counted {received} sendMail, {sent} were sent").into());
    }
    Ok(())
}

/// From bare reqwest to the crate, one part of the crate's work added at a time
/// ([`ABLATION`]): one mailbox, the JWT, concurrency 1 and 64. Keys start with `ablation.`.
async fn ablation(
    server: &Server,
    options: &Options,
    results: &mut Results,
) -> Result<(), Failure> {
    let token = token();
    let senders = ABLATION
        .into_iter()
        .map(|side| Ok((side, Sender::new(side, &server.origin, &token, 1)?)))
        .collect::<Result<Vec<_>, Failure>>()?;
    server.reset().await?;
    println!(
        "from bare reqwest to the crate, one part at a time: {} sendMail per run, {}-byte token, 1 mailbox, median of {} rounds",
        options.requests,
        token.len(),
        options.rounds
    );
    let mut sent = 0;
    for concurrency in [1, 64] {
        let prefix = format!("ablation.c{concurrency}");
        sent += compare(
            &senders,
            options.requests,
            concurrency,
            options.rounds,
            &prefix,
            results,
        )
        .await?;
    }
    let received = server.stat("sendMail").await?;
    if received != sent as u64 {
        return Err(format!("the server counted {received} sendMail, {sent} were sent").into());
    }
    Ok(())
}

/// The JWT, one mailbox, concurrency 1, 8 and 64 (`e2e-one`): the grid's first lines, for a
/// second run on the other runtime. Keys start with `one.`.
async fn one_mailbox(
    server: &Server,
    options: &Options,
    results: &mut Results,
) -> Result<(), Failure> {
    let token = token();
    let senders = SIDES
        .into_iter()
        .map(|side| Ok((side, Sender::new(side, &server.origin, &token, 1)?)))
        .collect::<Result<Vec<_>, Failure>>()?;
    server.reset().await?;
    println!(
        "end to end on the {} runtime: {} sendMail per run, {}-byte token, 1 mailbox, median of {} rounds",
        if options.multi_thread { "multi-thread" } else { "current-thread" },
        options.requests,
        token.len(),
        options.rounds
    );
    let mut sent = 0;
    for concurrency in E2E_CONCURRENCY {
        let prefix = format!("one.jwt.m1.c{concurrency}");
        sent += compare(
            &senders,
            options.requests,
            concurrency,
            options.rounds,
            &prefix,
            results,
        )
        .await?;
    }
    let received = server.stat("sendMail").await?;
    if received != sent as u64 {
        return Err(format!("the server counted {received} sendMail, {sent} were sent").into());
    }
    Ok(())
}

/// Runs every sender `rounds` times (after a warm-up), rotating who goes first so drift over
/// the run favours none; prints and records the medians. Returns the requests sent.
async fn compare(
    senders: &[(Side, Sender)],
    n: usize,
    concurrency: usize,
    rounds: usize,
    prefix: &str,
    results: &mut Results,
) -> Result<usize, Failure> {
    let run = |sender: &Sender, requests: usize| {
        let sender = sender.clone();
        timed(requests, concurrency, move |i| {
            let sender = sender.clone();
            async move { sender.send(i).await }
        })
    };
    // Warm-up: connections opened, allocator and caches settled, for every side.
    let warm = (n / 10).max(concurrency * 20);
    for (_, sender) in senders {
        run(sender, warm).await?;
    }
    let mut measured: Vec<(Vec<f64>, Vec<f64>)> = vec![Default::default(); senders.len()];
    for round in 0..rounds {
        for k in 0..senders.len() {
            let which = (round + k) % senders.len();
            let timing = run(&senders[which].1, n).await?;
            measured[which].0.push(timing.per_second());
            measured[which].1.push(timing.cpu_per_1000());
        }
    }
    let medians: Vec<(f64, f64)> = measured
        .iter_mut()
        .map(|(rps, cpu)| (median(rps), median(cpu)))
        .collect();
    let (bare_rps, bare_cpu) = medians[0];
    let mut line = format!("  concurrency {concurrency:>2}:");
    for ((side, _), (rps, cpu)) in senders.iter().zip(&medians) {
        line.push_str(&format!(
            " {} {rps:.0}/s {cpu:.4} ({:.3}×, {:.3}×) |",
            side.key(),
            rps / bare_rps,
            cpu / bare_cpu
        ));
        results.set(&format!("{prefix}.{}.rps", side.key()), format!("{rps:.1}"));
        results.set(
            &format!("{prefix}.{}.cpu_per_1k", side.key()),
            format!("{cpu:.5}"),
        );
    }
    println!("{}", line.trim_end_matches(" |"));
    Ok(senders.len() * (warm + rounds * n))
}

/// Checks what each side sends: the crate and the same-work side send the same body bytes
/// and the same headers (all but the per-request client-request-id); the bare side the same
/// body with only what bare reqwest adds. Returns the requests sent.
async fn same_request(
    server: &Server,
    senders: &[(Side, Sender)],
    results: &mut Results,
) -> Result<usize, Failure> {
    let headers = |head: &str| -> BTreeMap<String, String> {
        head.lines()
            .skip(1)
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .map(|(n, v)| match n.as_str() {
                "client-request-id" if uuid::Uuid::parse_str(&v).is_ok() => (n, "<uuid>".into()),
                _ => (n, v),
            })
            .collect()
    };
    server.call("POST", "/__capture").await?;
    let mut seen = Vec::new();
    for (side, sender) in senders {
        sender.send(0).await?;
        let (head, body) = server.last().await?;
        seen.push((*side, headers(&head), body));
    }
    server.call("POST", "/__capture_off").await?;
    let (_, crate_headers, crate_body) = seen
        .iter()
        .find(|(side, ..)| *side == Side::Crate)
        .ok_or("no crate side")?;
    for (side, headers, body) in &seen {
        if body != crate_body {
            return Err(format!(
                "{} sends another body than the crate:\n{}\n{}",
                side.key(),
                String::from_utf8_lossy(body),
                String::from_utf8_lossy(crate_body)
            )
            .into());
        }
        if *side != Side::Bare && headers != crate_headers {
            return Err(format!(
                "headers differ:\ncrate {crate_headers:?}\n{} {headers:?}",
                side.key()
            )
            .into());
        }
        let names: Vec<&str> = headers.keys().map(String::as_str).collect();
        println!(
            "request of {}: {} body bytes (identical on every side); headers: {}",
            side.key(),
            body.len(),
            names.join(", ")
        );
        results.set(&format!("e2e.headers.{}", side.key()), names.join(" "));
    }
    results.set("e2e.body_bytes", crate_body.len());
    Ok(senders.len())
}

/// The same comparison against nginx (a server that is not a tokio process): one mailbox,
/// the JWT token, concurrency 1 and 64.
async fn nginx(options: &Options, results: &mut Results) -> Result<(), Failure> {
    let Some(nginx) = Nginx::start()? else {
        println!("nginx: not run (no /usr/sbin/nginx; install Debian's nginx-light)");
        results.set("nginx.available", "no");
        return Ok(());
    };
    results.set("nginx.available", "yes");
    results.set("nginx.version", &nginx.version);
    let token = token();
    let senders = SIDES
        .into_iter()
        .map(|side| Ok((side, Sender::new(side, &nginx.origin, &token, 1)?)))
        .collect::<Result<Vec<_>, Failure>>()?;
    let before = nginx.requests().await?;
    println!(
        "end to end against {} (1 worker process), {} sendMail per run, {}-byte token, 1 mailbox, median of {} rounds",
        nginx.version,
        options.requests,
        token.len(),
        options.rounds
    );
    let mut sent = 0;
    for concurrency in [1, 64] {
        let prefix = format!("nginx.jwt.m1.c{concurrency}");
        sent += compare(
            &senders,
            options.requests,
            concurrency,
            options.rounds,
            &prefix,
            results,
        )
        .await?;
    }
    // stub_status counts its own request too.
    let served = nginx.requests().await? - before - 1;
    if served != sent as u64 {
        return Err(format!("nginx counted {served} requests, {sent} were sent").into());
    }
    Ok(())
}

/// nginx from the distribution, started for the run with its own prefix directory on
/// 127.0.0.1: `POST …/sendMail` answers `202` with an empty body (the request body is read
/// and discarded), `/__status` is stub_status. Stopped when dropped.
struct Nginx {
    child: Child,
    origin: String,
    version: String,
    dir: std::path::PathBuf,
    http: reqwest::Client,
}

impl Nginx {
    const BINARY: &'static str = "/usr/sbin/nginx";

    fn start() -> Result<Option<Nginx>, Failure> {
        if !std::path::Path::new(Self::BINARY).exists() {
            return Ok(None);
        }
        let version = Command::new(Self::BINARY).arg("-v").output()?;
        let version = String::from_utf8_lossy(&version.stderr)
            .trim()
            .trim_start_matches("nginx version: ")
            .to_string();
        // A free port: bound, read and let go just before nginx binds it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let dir = std::env::temp_dir().join(format!("bench_e2e-nginx-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("logs"))?;
        std::fs::write(
            dir.join("nginx.conf"),
            format!(
                "worker_processes 1;\n\
                 pid nginx.pid;\n\
                 error_log logs/error.log error;\n\
                 events {{ worker_connections 1024; }}\n\
                 http {{\n\
                   access_log off;\n\
                   keepalive_requests 100000000;\n\
                   keepalive_timeout 600s;\n\
                   client_body_temp_path {dir}/body;\n\
                   proxy_temp_path {dir}/proxy;\n\
                   fastcgi_temp_path {dir}/fastcgi;\n\
                   uwsgi_temp_path {dir}/uwsgi;\n\
                   scgi_temp_path {dir}/scgi;\n\
                   server {{\n\
                     listen 127.0.0.1:{port};\n\
                     location = /__status {{ stub_status; }}\n\
                     location / {{ return 202; }}\n\
                   }}\n\
                 }}\n",
                dir = dir.display()
            ),
        )?;
        let child = Command::new(Self::BINARY)
            .arg("-p")
            .arg(&dir)
            .args(["-c", "nginx.conf", "-g", "daemon off; master_process on;"])
            .stdin(Stdio::null())
            .spawn()?;
        let nginx = Nginx {
            child,
            origin: format!("http://127.0.0.1:{port}"),
            version,
            dir,
            http: reqwest::Client::new(),
        };
        // Up when it answers (at most 5 s).
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Ok(Some(nginx));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err("nginx did not start on 127.0.0.1".into())
    }

    /// Requests nginx has served (stub_status's third counter).
    async fn requests(&self) -> Result<u64, Failure> {
        let status = self
            .http
            .get(format!("{}/__status", self.origin))
            .send()
            .await?
            .text()
            .await?;
        // "Active connections: 1 \nserver accepts handled requests\n 1 1 1 \n…"
        status
            .lines()
            .nth(2)
            .and_then(|l| l.split_whitespace().nth(2))
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| format!("unexpected stub_status: {status:?}").into())
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM: nginx's master stops its worker and exits.
        // SAFETY: kill only sends a signal to the child we started.
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM);
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Requests of the allocation count, per side.
const ALLOC_REQUESTS: usize = 2000;

/// Heap allocations per sendMail, per side: one mailbox, the JWT token, concurrency 1.
async fn allocations(server: &Server, results: &mut Results) -> Result<(), Failure> {
    let token = token();
    println!(
        "allocations per sendMail: {ALLOC_REQUESTS} requests per side after a warm-up, 1 mailbox, {}-byte token, concurrency 1 (whole process: the client's runtime and connection included)",
        token.len()
    );
    server.reset().await?;
    let mut sent = 0;
    for side in SIDES {
        let sender = Sender::new(side, &server.origin, &token, 1)?;
        let run = |requests: usize| {
            let sender = sender.clone();
            timed(requests, 1, move |i| {
                let sender = sender.clone();
                async move { sender.send(i).await }
            })
        };
        run(200).await?;
        let counted = counting::during(run(ALLOC_REQUESTS)).await;
        counted.result?;
        sent += 200 + ALLOC_REQUESTS;
        let (count, bytes) = (
            counted.allocations as f64 / ALLOC_REQUESTS as f64,
            counted.bytes as f64 / ALLOC_REQUESTS as f64,
        );
        println!(
            "  {:<15} {count:>6.1} allocations, {bytes:>8.0} bytes allocated per request",
            side.key()
        );
        results.set(
            &format!("allocs.{}.per_request", side.key()),
            format!("{count:.1}"),
        );
        results.set(
            &format!("allocs.{}.bytes_per_request", side.key()),
            format!("{bytes:.0}"),
        );
    }
    let received = server.stat("sendMail").await?;
    if received != sent as u64 {
        return Err(format!("the server counted {received} sendMail, {sent} were sent").into());
    }
    Ok(())
}

/// For a profiler (`--profile SIDE`): SIDE alone sends `--requests` sendMail at
/// `--concurrency` (default 1) to one mailbox with the JWT token, after 500 to warm up.
/// scripts/bench runs it under callgrind twice with different counts and divides the
/// difference.
async fn profile(
    server: &Server,
    side: Side,
    requests: usize,
    concurrency: usize,
) -> Result<(), Failure> {
    let sender = Sender::new(side, &server.origin, &token(), 1)?;
    for requests in [500, requests] {
        let sender = sender.clone();
        timed(requests, concurrency, move |i| {
            let sender = sender.clone();
            async move { sender.send(i).await }
        })
        .await?;
    }
    Ok(())
}

async fn cold_start(server: &Server, results: &mut Results) -> Result<(), Failure> {
    let origin = &server.origin;
    let cloud = Cloud::from_base_url(&format!("{origin}/v1.0"), origin)?;
    let credentials = ClientCredentials::new(
        &cloud,
        "contoso.onmicrosoft.com",
        "11111111-2222-3333-4444-555555555555",
        ClientSecret::new("benchmark-secret"),
    )?;
    let client = GraphClient::builder()
        .cloud(cloud)
        .token_provider(credentials)
        .build()?;
    let ours = CrateSender::new(&client, MAILBOXES);
    server.reset().await?;
    let run = timed(COLD_REQUESTS, 64, move |i| {
        let o = ours.clone();
        async move { o.send(i).await }
    })
    .await?;
    let tokens = server.stat("tokens").await?;
    let sent = server.stat("sendMail").await?;
    println!(
        "cold start: {COLD_REQUESTS} sendMail at concurrency 64 with ClientCredentials: {tokens} token request(s), {sent} sendMail, {:.2} s ({:.0} req/s)",
        run.seconds,
        run.per_second()
    );
    results.set("cold.requests", sent);
    results.set("cold.tokens", tokens);
    results.set("cold.seconds", format!("{:.3}", run.seconds));
    Ok(())
}

async fn batching(server: &Server, results: &mut Results) -> Result<(), Failure> {
    let client = crate_client(&server.origin, &token())?;
    let expected = CREATES.div_ceil(BATCH_SIZE);
    // On bare loopback a round trip costs nothing: what batching costs in CPU shows.
    let (seconds, requests) = creates_one_by_one(&client, server).await?;
    println!(
        "batching: {CREATES} message creates as single requests: {seconds:.3} s, {requests} requests"
    );
    results.set("batch.single.seconds", format!("{seconds:.3}"));
    results.set("batch.single.requests", requests);
    let (seconds, requests) = creates_batched(&client, server).await?;
    println!(
        "batching: {CREATES} message creates through client.batch(): {seconds:.3} s, {requests} requests ({expected} expected)"
    );
    results.set("batch.batched.seconds", format!("{seconds:.3}"));
    results.set("batch.batched.requests", requests);
    results.set("batch.batched.expected_requests", expected);

    // With Graph's latency modelled: what batching saves is round trips.
    server
        .call(
            "POST",
            &format!("/__latency?round_trip_ms={ROUND_TRIP_MS}&operation_ms={OPERATION_MS}"),
        )
        .await?;
    let (single, _) = creates_one_by_one(&client, server).await?;
    let (batched, _) = creates_batched(&client, server).await?;
    server.call("POST", "/__latency").await?;
    println!(
        "batching with a {ROUND_TRIP_MS} ms round trip and {OPERATION_MS} ms per operation: single requests {single:.3} s, client.batch() {batched:.3} s"
    );
    results.set("batch.latency.round_trip_ms", ROUND_TRIP_MS);
    results.set("batch.latency.operation_ms", OPERATION_MS);
    results.set("batch.latency.single.seconds", format!("{single:.3}"));
    results.set("batch.latency.batched.seconds", format!("{batched:.3}"));
    Ok(())
}

/// `CREATES` message creates to one mailbox as single requests, at the mailbox's limit of 4
/// in flight (the useful concurrency for one mailbox): wall time and HTTP requests.
async fn creates_one_by_one(client: &GraphClient, server: &Server) -> Result<(f64, u64), Failure> {
    let mailbox = client.user("megan@contoso.com");
    let draft = support::typical_message();
    server.reset().await?;
    let run = timed(
        CREATES,
        msgraph_outlook::DEFAULT_MAILBOX_CONCURRENCY,
        move |_| {
            let (mailbox, draft) = (mailbox.clone(), draft.clone());
            async move {
                let created = mailbox.create_draft(draft).send().await?;
                std::hint::black_box(created);
                Ok(())
            }
        },
    )
    .await?;
    created_all(server).await?;
    Ok((run.seconds, server.stat("requests").await?))
}

/// The same creates added to one `client.batch()`, which the client sends as POSTs of 20,
/// one after another (unordered requests to one mailbox take all its places).
async fn creates_batched(client: &GraphClient, server: &Server) -> Result<(f64, u64), Failure> {
    let mailbox = client.user("megan@contoso.com");
    let draft = support::typical_message();
    server.reset().await?;
    let started = Instant::now();
    let mut batch = client.batch();
    let tickets: Vec<_> = (0..CREATES)
        .map(|_| batch.add(mailbox.create_draft(draft.clone())))
        .collect();
    let mut answers = batch.send().await?;
    for ticket in tickets {
        std::hint::black_box(answers.take(ticket)?);
    }
    let seconds = started.elapsed().as_secs_f64();
    created_all(server).await?;
    Ok((seconds, server.stat("requests").await?))
}

async fn created_all(server: &Server) -> Result<(), Failure> {
    match server.stat("creates").await? {
        n if n == CREATES as u64 => Ok(()),
        n => Err(format!("batching: {n} messages created, {CREATES} expected").into()),
    }
}

// ---------------------------------------------------------------------------------------
// The loopback server: this binary with `--serve`, in a child process.

struct Server {
    origin: String,
    child: Mutex<Option<Child>>,
    http: reqwest::Client,
}

impl Server {
    fn start() -> Result<Server, Failure> {
        let mut child = Command::new(std::env::current_exe()?)
            .arg("--serve")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()?;
        let mut line = String::new();
        BufReader::new(child.stdout.take().ok_or("no stdout")?).read_line(&mut line)?;
        let origin = line.trim().to_string();
        if !origin.starts_with("http://127.0.0.1:") {
            let _ = child.kill();
            return Err(format!("the loopback server did not start: {line:?}").into());
        }
        Ok(Server {
            origin,
            child: Mutex::new(Some(child)),
            http: reqwest::Client::new(),
        })
    }

    async fn call(&self, method: &str, path: &str) -> Result<Vec<u8>, Failure> {
        let method = reqwest::Method::from_bytes(method.as_bytes())?;
        let response = self
            .http
            .request(method, format!("{}{path}", self.origin))
            .header(reqwest::header::CONTENT_LENGTH, "0")
            .send()
            .await?
            .error_for_status()?;
        Ok(response.bytes().await?.to_vec())
    }

    async fn reset(&self) -> Result<(), Failure> {
        self.call("POST", "/__reset").await.map(drop)
    }

    async fn stat(&self, name: &str) -> Result<u64, Failure> {
        let stats: serde_json::Value =
            serde_json::from_slice(&self.call("GET", "/__stats").await?)?;
        stats[name]
            .as_u64()
            .ok_or_else(|| format!("no {name} in {stats}").into())
    }

    /// The head and body of the last request captured after `/__capture`.
    async fn last(&self) -> Result<(String, Vec<u8>), Failure> {
        let last: serde_json::Value = serde_json::from_slice(&self.call("GET", "/__last").await?)?;
        Ok((
            last["head"].as_str().unwrap_or_default().to_string(),
            last["body"]
                .as_str()
                .unwrap_or_default()
                .as_bytes()
                .to_vec(),
        ))
    }

    fn stop(&self) {
        if let Some(mut child) = self.child.lock().unwrap().take() {
            drop(child.stdin.take()); // EOF: the server exits.
            let _ = child.wait();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

static TOKENS: AtomicU64 = AtomicU64::new(0);
static SEND_MAIL: AtomicU64 = AtomicU64::new(0);
static CREATED: AtomicU64 = AtomicU64::new(0);
static BATCHES: AtomicU64 = AtomicU64::new(0);
static PAGES_SERVED: AtomicU64 = AtomicU64::new(0);
static REQUESTS: AtomicU64 = AtomicU64::new(0);
static CAPTURE: AtomicBool = AtomicBool::new(false);
/// The modelled latency (`/__latency`), in milliseconds; 0: answer at once.
static ROUND_TRIP: AtomicU64 = AtomicU64::new(0);
static OPERATION: AtomicU64 = AtomicU64::new(0);
static LAST: Mutex<Option<(String, Vec<u8>)>> = Mutex::new(None);

struct Routes {
    origin: String,
    token_json: String,
    created_json: String,
    page_items: String,
}

fn serve_main() -> ExitCode {
    // Stop with the parent (stdin closed) or after 15 minutes, whichever comes first.
    std::thread::spawn(|| {
        let _ = std::io::copy(&mut std::io::stdin(), &mut std::io::sink());
        std::process::exit(0);
    });
    std::thread::spawn(|| {
        std::thread::sleep(Duration::from_secs(15 * 60));
        eprintln!("bench_e2e server: time limit reached");
        std::process::exit(1);
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let origin = format!("http://{}", listener.local_addr().expect("address"));
        let items: Vec<String> = (0..PAGE_SIZE).map(support::message_json).collect();
        let routes = Arc::new(Routes {
            token_json: format!(
                r#"{{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":"{}"}}"#,
                token()
            ),
            created_json: support::message_json(7),
            page_items: items.join(","),
            origin: origin.clone(),
        });
        println!("{origin}");
        std::io::stdout().flush().expect("stdout");
        while let Ok((stream, _)) = listener.accept().await {
            let _ = stream.set_nodelay(true);
            tokio::spawn(connection(stream, Arc::clone(&routes)));
        }
    });
    ExitCode::SUCCESS
}

/// One keep-alive connection: requests one after another until the client closes it.
async fn connection(mut stream: TcpStream, routes: Arc<Routes>) {
    let mut buf: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut scanned = 0;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        // The head.
        let head_end = loop {
            if let Some(at) = buf[scanned..].windows(4).position(|w| w == b"\r\n\r\n") {
                break scanned + at + 4;
            }
            scanned = buf.len().saturating_sub(3);
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .unwrap_or(0);
        // The body.
        while buf.len() < head_end + length {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body = &buf[head_end..head_end + length];
        let response = respond(&routes, &head, body);
        let delay = latency(&head, body);
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        buf.drain(..head_end + length);
        scanned = 0;
        if stream.write_all(&response).await.is_err() {
            return;
        }
    }
}

/// How long Graph would take to answer, as modelled by `/__latency`: a round trip, plus one
/// operation time per wave of 4 requests (Graph runs a batch's unordered requests 4 at a
/// time; a single request is one wave).
fn latency(head: &str, body: &[u8]) -> Duration {
    let (round_trip, operation) = (
        ROUND_TRIP.load(Ordering::Relaxed),
        OPERATION.load(Ordering::Relaxed),
    );
    let path = head.split(' ').nth(1).unwrap_or_default();
    if round_trip + operation == 0 || path.starts_with("/__") {
        return Duration::ZERO;
    }
    let waves = if path.ends_with("batch") {
        let batch: serde_json::Value = serde_json::from_slice(body).unwrap_or_default();
        batch["requests"]
            .as_array()
            .map_or(1, |r| r.len().div_ceil(4)) as u64
    } else {
        1
    };
    Duration::from_millis(round_trip + operation * waves)
}

fn reply(status: &str, extra: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\nrequest-id: 5f1a6d2c-0000-4000-8000-000000000001\r\ncontent-length: {}\r\n{extra}\r\n{body}",
        body.len()
    )
    .into_bytes()
}

fn count(counter: &AtomicU64, by: u64) {
    counter.fetch_add(by, Ordering::Relaxed);
}

fn respond(routes: &Routes, head: &str, body: &[u8]) -> Vec<u8> {
    let mut request_line = head.lines().next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default();
    let target = request_line.next().unwrap_or_default();
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if !path.starts_with("/__") {
        count(&REQUESTS, 1);
        if CAPTURE.load(Ordering::Relaxed) {
            *LAST.lock().unwrap() = Some((head.to_string(), body.to_vec()));
        }
    }
    match (method, path) {
        ("POST", p) if p.ends_with("/oauth2/v2.0/token") => {
            count(&TOKENS, 1);
            reply("200 OK", "", &routes.token_json)
        }
        ("POST", p) if p.ends_with("/sendMail") => {
            count(&SEND_MAIL, 1);
            reply("202 Accepted", "", "")
        }
        ("POST", "/v1.0/$batch" | "/v1.0/%24batch") => batch(routes, body),
        ("POST", p) if p.ends_with("/messages") => {
            count(&CREATED, 1);
            reply("201 Created", "", &routes.created_json)
        }
        ("GET", p) if p.starts_with("/v1.0/users/") && p.ends_with("/messages") => {
            count(&PAGES_SERVED, 1);
            page(routes, p, query)
        }
        ("GET", "/__stats") => reply(
            "200 OK",
            "",
            &serde_json::json!({
                "tokens": TOKENS.load(Ordering::Relaxed),
                "sendMail": SEND_MAIL.load(Ordering::Relaxed),
                "creates": CREATED.load(Ordering::Relaxed),
                "batches": BATCHES.load(Ordering::Relaxed),
                "pages": PAGES_SERVED.load(Ordering::Relaxed),
                "requests": REQUESTS.load(Ordering::Relaxed),
            })
            .to_string(),
        ),
        ("POST", "/__reset") => {
            for counter in [
                &TOKENS,
                &SEND_MAIL,
                &CREATED,
                &BATCHES,
                &PAGES_SERVED,
                &REQUESTS,
            ] {
                counter.store(0, Ordering::Relaxed);
            }
            reply("204 No Content", "", "")
        }
        ("POST", "/__latency") => {
            let param = |name: &str| {
                query
                    .split('&')
                    .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0)
            };
            ROUND_TRIP.store(param("round_trip_ms"), Ordering::Relaxed);
            OPERATION.store(param("operation_ms"), Ordering::Relaxed);
            reply("204 No Content", "", "")
        }
        ("POST", "/__capture") => {
            CAPTURE.store(true, Ordering::Relaxed);
            reply("204 No Content", "", "")
        }
        ("POST", "/__capture_off") => {
            CAPTURE.store(false, Ordering::Relaxed);
            reply("204 No Content", "", "")
        }
        ("GET", "/__last") => {
            let last = LAST.lock().unwrap().clone().unwrap_or_default();
            let json = serde_json::json!({
                "head": last.0,
                "body": String::from_utf8_lossy(&last.1),
            });
            reply("200 OK", "", &json.to_string())
        }
        _ => reply(
            "404 Not Found",
            "",
            r#"{"error":{"code":"NotFound","message":"not served by bench_e2e"}}"#,
        ),
    }
}

/// A page of messages; `$skip` says which, and every page but the last links to the next.
fn page(routes: &Routes, path: &str, query: &str) -> Vec<u8> {
    let skip: usize = query
        .split('&')
        .find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            matches!(name, "$skip" | "%24skip").then(|| value.parse().ok())?
        })
        .unwrap_or(0);
    let next = skip + PAGE_SIZE;
    let link = (next < PAGES * PAGE_SIZE).then(|| {
        format!(
            r#","@odata.nextLink":"{}{path}?%24top={PAGE_SIZE}&%24skip={next}""#,
            routes.origin
        )
    });
    let body = format!(
        r#"{{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users('megan%40contoso.com')/messages","value":[{}]{}}}"#,
        routes.page_items,
        link.unwrap_or_default()
    );
    reply("200 OK", "", &body)
}

/// `POST /$batch`: every inner request is a message create, answered 201 (GRAPH-FACTS §9).
fn batch(routes: &Routes, body: &[u8]) -> Vec<u8> {
    count(&BATCHES, 1);
    let request: serde_json::Value = match serde_json::from_slice(body) {
        Ok(value) => value,
        Err(_) => {
            return reply(
                "400 Bad Request",
                "",
                r#"{"error":{"code":"BadRequest","message":"Invalid batch payload."}}"#,
            )
        }
    };
    let created: serde_json::Value =
        serde_json::from_str(&routes.created_json).expect("valid message JSON");
    let responses: Vec<serde_json::Value> = request["requests"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|inner| {
            count(&CREATED, 1);
            serde_json::json!({
                "id": inner["id"],
                "status": 201,
                "headers": {"Content-Type": "application/json"},
                "body": created,
            })
        })
        .collect();
    reply(
        "200 OK",
        "",
        &serde_json::json!({ "responses": responses }).to_string(),
    )
}

// ---------------------------------------------------------------------------------------
// Counting allocations (the `allocs` section)

#[global_allocator]
static ALLOCATOR: counting::Allocator = counting::Allocator;

mod counting {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

    /// The system allocator, counting while [`during`] runs (otherwise one relaxed load per
    /// allocation, on every side alike).
    pub struct Allocator;

    static COUNTING: AtomicBool = AtomicBool::new(false);
    static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
    static BYTES: AtomicU64 = AtomicU64::new(0);

    fn count(bytes: usize) {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            BYTES.fetch_add(bytes as u64, Relaxed);
        }
    }

    // SAFETY: every call is passed on to the system allocator unchanged.
    unsafe impl GlobalAlloc for Allocator {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            count(layout.size());
            System.alloc(layout)
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            count(layout.size());
            System.alloc_zeroed(layout)
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            count(new_size);
            System.realloc(ptr, layout, new_size)
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            System.dealloc(ptr, layout)
        }
    }

    /// What a future returned, and the allocations (reallocations included) the whole
    /// process made while it ran.
    pub struct Counted<T> {
        pub result: T,
        pub allocations: u64,
        pub bytes: u64,
    }

    pub async fn during<T>(future: impl std::future::Future<Output = T>) -> Counted<T> {
        ALLOCATIONS.store(0, Relaxed);
        BYTES.store(0, Relaxed);
        COUNTING.store(true, Relaxed);
        let result = future.await;
        COUNTING.store(false, Relaxed);
        Counted {
            result,
            allocations: ALLOCATIONS.load(Relaxed),
            bytes: BYTES.load(Relaxed),
        }
    }
}
