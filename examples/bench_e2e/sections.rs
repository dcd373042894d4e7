//! Sections of the crate's other work: `paging`, `cold` (token fetching), `batching`.

use std::time::Instant;

use futures_util::TryStreamExt;
use msgraph_outlook::auth::{ClientCredentials, ClientSecret};
use msgraph_outlook::{Cloud, GraphClient};

use crate::measure::timed;
use crate::server::{Server, PAGES, PAGE_SIZE};
use crate::sides::{crate_client, token, CrateSender};
use crate::{support, Failure, Results};

/// 64 mailboxes: at concurrency 64 each has about one request in flight.
const MAILBOXES: usize = 64;
/// Requests of the cold-start run.
const COLD_REQUESTS: usize = 10_000;
/// Message creates of the batching run, and Graph's most requests per `$batch`.
const CREATES: usize = 1000;
const BATCH_SIZE: usize = 20;
/// The modelled latency of the second batching run: a round trip to Graph, and the time an
/// operation (one create) takes there. Graph runs a batch's unordered requests 4 at a time.
const ROUND_TRIP_MS: u64 = 5;
const OPERATION_MS: u64 = 5;

pub(crate) async fn paging(server: &Server, results: &mut Results) -> Result<(), Failure> {
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

pub(crate) async fn cold_start(server: &Server, results: &mut Results) -> Result<(), Failure> {
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

pub(crate) async fn batching(server: &Server, results: &mut Results) -> Result<(), Failure> {
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
