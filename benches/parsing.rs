//! Parsing list pages: a 100-message page (`Page<Message>`) and a 100-event calendarView page
//! (`Page<Event>`), Graph-shaped JSON from `support/` (MB/s of input JSON). Run through
//! `scripts/bench`, or `cargo bench --bench parsing`.
//!
//! - `crate`: the way the crate's response pipeline decodes every answer (`Response::json` in
//!   src/client/response.rs, crate-private): plain `serde_json`, and `serde_path_to_error`
//!   only to say where a body that failed went wrong.
//! - `serde_json`: `serde_json::from_slice::<Page<T>>`, the public models without the path
//!   tracking.
//! - `value`: `serde_json::Value`, untyped, for scale.

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use msgraph_outlook::models::{Event, Message};
use msgraph_outlook::Page;
use serde::de::DeserializeOwned;

fn as_the_crate_does<T: DeserializeOwned>(json: &[u8]) -> T {
    if let Ok(value) = serde_json::from_slice(json) {
        return value;
    }
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    serde_path_to_error::deserialize(&mut deserializer).expect("valid page")
}

fn page<T: DeserializeOwned>(c: &mut Criterion, name: &str, json: &[u8], expect: usize)
where
    Page<T>: DeserializeOwned,
{
    let parsed: Page<T> = as_the_crate_does(json);
    assert_eq!(parsed.value.len(), expect);

    let mut group = c.benchmark_group(format!("parsing/{name}"));
    group.throughput(Throughput::Bytes(json.len() as u64));
    group.bench_function("crate", |b| {
        b.iter(|| as_the_crate_does::<Page<T>>(black_box(json)))
    });
    group.bench_function("serde_json", |b| {
        b.iter(|| serde_json::from_slice::<Page<T>>(black_box(json)).unwrap())
    });
    group.bench_function("value", |b| {
        b.iter(|| serde_json::from_slice::<serde_json::Value>(black_box(json)).unwrap())
    });
    group.finish();
}

fn message_page(c: &mut Criterion) {
    let json = support::message_page(
        100,
        Some("https://graph.microsoft.com/v1.0/users/MeganB@contoso.com/messages?$skip=100"),
    );
    page::<Message>(c, "message_page_100", json.as_bytes(), 100);
}

fn event_page(c: &mut Criterion) {
    let json = support::event_page(100);
    page::<Event>(c, "calendar_view_page_100", json.as_bytes(), 100);
}

criterion_group! {
    name = benches;
    config = support::criterion_config();
    targets = message_page, event_page
}
criterion_main!(benches);
