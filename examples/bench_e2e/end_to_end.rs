//! The sendMail sections against the loopback server: the end-to-end grid (`e2e`),
//! `targets`, `ablation`, `e2e-one`, `allocs`; and the `--profile` run.

use std::collections::BTreeMap;

use crate::compare::{compare, compare_at};
use crate::counting;
use crate::measure::timed;
use crate::server::Server;
use crate::sides::{senders, token, Sender, Side, TokenSize, ABLATION, SIDES};
use crate::{Failure, Options, Results};

/// Rounds of the `targets` section (two sides only, so more rounds for the same time).
const TARGET_ROUNDS: usize = 15;
/// The end-to-end grid: tokens × mailboxes × concurrency, each side alternating.
const E2E_MAILBOXES: [usize; 2] = [1, 64];
const E2E_CONCURRENCY: [usize; 3] = [1, 8, 64];

pub(crate) async fn end_to_end(
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
            let senders = senders(&SIDES, &server.origin, &token, mailboxes)?;
            if token_size == TokenSize::Jwt && mailboxes == 1 {
                sent += same_request(server, &senders, results).await?;
            }
            println!(
                "end to end: {n} sendMail per run, {}-byte token, {mailboxes} mailbox(es), median of {} rounds",
                token.len(),
                options.rounds
            );
            let prefix = format!("e2e.{}.m{mailboxes}", token_size.key());
            sent += compare_at(
                &senders,
                n,
                &E2E_CONCURRENCY,
                options.rounds,
                &prefix,
                results,
            )
            .await?;
        }
    }
    server.expect_send_mail(sent).await
}

/// The configurations issue 20 sets targets for, two sides each, alternating for
/// [`TARGET_ROUNDS`] rounds: bare reqwest and the crate with its default limit at concurrency
/// 1, bare reqwest and the crate with the limit off at concurrency 64; one mailbox, both
/// tokens. Keys start with `targets.`.
pub(crate) async fn targets(
    server: &Server,
    options: &Options,
    results: &mut Results,
) -> Result<(), Failure> {
    server.reset().await?;
    println!(
        "targets: {} sendMail per run, 1 mailbox, bare reqwest and the crate alternating, median of {TARGET_ROUNDS} rounds",
        options.requests
    );
    let mut sent = 0;
    for token_size in [TokenSize::Jwt, TokenSize::Short] {
        let token = token_size.token();
        for (concurrency, crate_side) in [(1, Side::Crate), (64, Side::CrateUnlimited)] {
            let senders = senders(&[Side::Bare, crate_side], &server.origin, &token, 1)?;
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
    server.expect_send_mail(sent).await
}

/// From bare reqwest to the crate, one part of the crate's work added at a time
/// ([`ABLATION`]): one mailbox, the JWT, concurrency 1 and 64. Keys start with `ablation.`.
pub(crate) async fn ablation(
    server: &Server,
    options: &Options,
    results: &mut Results,
) -> Result<(), Failure> {
    let token = token();
    let senders = senders(&ABLATION, &server.origin, &token, 1)?;
    server.reset().await?;
    println!(
        "from bare reqwest to the crate, one part at a time: {} sendMail per run, {}-byte token, 1 mailbox, median of {} rounds",
        options.requests,
        token.len(),
        options.rounds
    );
    let (n, rounds) = (options.requests, options.rounds);
    let sent = compare_at(&senders, n, &[1, 64], rounds, "ablation", results).await?;
    server.expect_send_mail(sent).await
}

/// The JWT, one mailbox, concurrency 1, 8 and 64 (`e2e-one`): the grid's first lines, for a
/// second run on the other runtime. Keys start with `one.`.
pub(crate) async fn one_mailbox(
    server: &Server,
    options: &Options,
    results: &mut Results,
) -> Result<(), Failure> {
    let token = token();
    let senders = senders(&SIDES, &server.origin, &token, 1)?;
    server.reset().await?;
    println!(
        "end to end on the {} runtime: {} sendMail per run, {}-byte token, 1 mailbox, median of {} rounds",
        if options.multi_thread { "multi-thread" } else { "current-thread" },
        options.requests,
        token.len(),
        options.rounds
    );
    let (n, rounds) = (options.requests, options.rounds);
    let sent = compare_at(&senders, n, &E2E_CONCURRENCY, rounds, "one.jwt.m1", results).await?;
    server.expect_send_mail(sent).await
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

/// Requests of the allocation count, per side.
const ALLOC_REQUESTS: usize = 2000;

/// Heap allocations per sendMail, per side: one mailbox, the JWT token, concurrency 1.
pub(crate) async fn allocations(server: &Server, results: &mut Results) -> Result<(), Failure> {
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
    server.expect_send_mail(sent).await
}

/// For a profiler (`--profile SIDE`): SIDE alone sends `--requests` sendMail at
/// `--concurrency` (default 1) to one mailbox with the JWT token, after 500 to warm up.
/// scripts/bench runs it under callgrind twice with different counts and divides the
/// difference.
pub(crate) async fn profile(
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
