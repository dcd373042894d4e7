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

mod compare;
mod counting;
mod end_to_end;
mod measure;
mod nginx;
mod sections;
mod server;
mod sides;
#[path = "../../benches/support/mod.rs"]
mod support;

use std::collections::BTreeMap;
use std::process::ExitCode;

use server::Server;
use sides::Side;

/// Sections run when none is named.
const SECTIONS: [&str; 8] = [
    "paging", "targets", "e2e", "ablation", "nginx", "allocs", "cold", "batching",
];
/// Sections run only when named.
const MORE_SECTIONS: [&str; 1] = ["e2e-one"];

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--serve") {
        return server::serve_main();
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
        return end_to_end::profile(&server, side, options.requests, options.concurrency).await;
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
            "paging" => sections::paging(&server, &mut results).await?,
            "e2e" => end_to_end::end_to_end(&server, &options, &mut results).await?,
            "e2e-one" => end_to_end::one_mailbox(&server, &options, &mut results).await?,
            "ablation" => end_to_end::ablation(&server, &options, &mut results).await?,
            "targets" => end_to_end::targets(&server, &options, &mut results).await?,
            "nginx" => nginx::nginx(&options, &mut results).await?,
            "allocs" => end_to_end::allocations(&server, &mut results).await?,
            "cold" => sections::cold_start(&server, &mut results).await?,
            "batching" => sections::batching(&server, &mut results).await?,
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

// The counting allocator of the `allocs` section (counting.rs) is the process's allocator.
#[global_allocator]
static ALLOCATOR: counting::Allocator = counting::Allocator;
