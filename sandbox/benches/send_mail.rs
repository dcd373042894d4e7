//! `sendMail` time against the size of the sender's mailbox (issue 15, item 15): one
//! `POST /me/sendMail` over HTTP on 127.0.0.1 (Adele to Alex, a text body), with Adele's
//! Sent Items and Alex's Inbox first filled with 0, 1,000 and 10,000 messages. The
//! time should not grow with the mailbox: no operation copies or scans a whole
//! mailbox. Run: `cargo bench -p msgraph-outlook-sandbox --bench send_mail`
//! (`scripts/bench` reports the 10,000 / empty ratio in BENCHMARKS.md).

use std::time::Duration;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use msgraph_outlook_sandbox::Sandbox;
use serde_json::json;

const SIZES: [usize; 3] = [0, 1_000, 10_000];

fn mail(subject: &str) -> Vec<u8> {
    json!({
        "message": {
            "subject": subject,
            "body": {"contentType": "Text", "content": "Hello from the benchmark."},
            "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]
        }
    })
    .to_string()
    .into_bytes()
}

async fn send(client: &reqwest::Client, url: &str, token: &str, body: Vec<u8>) {
    let resp = client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .expect("sendMail");
    assert_eq!(resp.status().as_u16(), 202);
}

fn send_mail(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("send_mail");
    for size in SIZES {
        let (sandbox, client, url, token) = rt.block_on(async {
            let sandbox = Sandbox::start().await.expect("sandbox");
            sandbox.add_user("alex@contoso.com");
            // The request log would hold the filling requests: keep it out of the way.
            sandbox.set_request_log_limit(0);
            let token = sandbox.delegated_token("adele@contoso.com");
            let client = reqwest::Client::new();
            let url = format!("{}/me/sendMail", sandbox.base_url());
            for i in 0..size {
                send(&client, &url, &token, mail(&format!("Filler {i}"))).await;
            }
            (sandbox, client, url, token)
        });
        assert_eq!(
            sandbox.messages("adele@contoso.com", "sentitems").len(),
            size
        );
        group.bench_with_input(BenchmarkId::new("mailbox", size), &size, |b, _| {
            let body = mail("Measured");
            b.iter(|| rt.block_on(send(&client, &url, &token, body.clone())));
        });
        drop(sandbox);
    }
    group.finish();
}

criterion_group! {
    name = benches;
    // Quick settings, like the root crate's benches (scripts/bench).
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20);
    targets = send_mail
}
criterion_main!(benches);
