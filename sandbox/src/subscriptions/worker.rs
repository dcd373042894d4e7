//! The delivery task, spawned with the sandbox: it wakes when notifications are queued
//! or the clock moved (and at least every [`TICK`]), expires subscriptions, detects
//! changes made outside requests (deferred deliveries coming due, `Sandbox::add_event`,
//! …), and POSTs due batches (`Content-Type: application/json`) to their URLs, a few
//! at a time. A 2xx answer within [`POST_TIMEOUT`] delivers a batch; anything else is
//! retried later ([`super::delivery`]). Rich batches get `validationTokens` signed by
//! the identity platform's key (GRAPH-FACTS-2 §4.2).

use std::sync::{Arc, Weak};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::Notify;

use super::delivery::Batch;
use crate::state::{AppState, TENANT_ID};

/// Longest sleep between two looks at the queues (real time; the sandbox clock runs
/// with it).
const TICK: Duration = Duration::from_secs(1);

/// How long a receiver may take to answer a POST (Graph's bar, GRAPH-FACTS-2 §2.2).
const POST_TIMEOUT: Duration = Duration::from_secs(10);

/// POSTs in flight at once.
const MAX_IN_FLIGHT: usize = 16;

/// Starts the worker for `state`; it ends once the sandbox is dropped.
pub(crate) fn spawn(state: &Arc<AppState>) {
    let wake = state.lock().subscriptions.wake.clone();
    let weak = Arc::downgrade(state);
    tokio::spawn(run(weak, wake));
}

async fn run(state: Weak<AppState>, wake: Arc<Notify>) {
    loop {
        let Some(st) = state.upgrade() else {
            return;
        };
        let (batches, client, wait) = {
            let mut store = st.lock();
            if store.subscriptions.shutdown {
                return;
            }
            if !store.subscriptions.list.is_empty() {
                // Deferred messages come due as time passes, as in Exchange.
                crate::outbox::run_due(&mut store);
                super::refresh(&mut store);
            }
            let now = store.now();
            let subs = &mut store.subscriptions;
            let batches = subs.deliveries.take_due(now, MAX_IN_FLIGHT);
            // Without subscriptions or pending notifications no timer is set: a test
            // runtime with paused time must not see the clock run because of us.
            let idle = subs.list.is_empty() && subs.deliveries.pending() == 0;
            let wait = (!idle).then(|| {
                subs.deliveries
                    .next_due()
                    .and_then(|t| (t - now).to_std().ok())
                    .map_or(TICK, |d| d.min(TICK))
            });
            let client = (!batches.is_empty()).then(|| subs.client());
            (batches, client, wait)
        };
        if let Some(client) = client {
            for batch in batches {
                tokio::spawn(deliver(st.clone(), client.clone(), batch));
            }
        }
        drop(st);
        match wait {
            Some(wait) => {
                tokio::select! {
                    _ = wake.notified() => {}
                    _ = tokio::time::sleep(wait) => {}
                }
            }
            None => wake.notified().await,
        }
    }
}

/// POSTs one batch and records the outcome.
async fn deliver(state: Arc<AppState>, client: reqwest::Client, mut batch: Batch) {
    if batch.rich {
        let now = state.lock().now();
        let token = crate::rich::validation_token(
            &state.rich,
            &state.origin(),
            &batch.app_id,
            TENANT_ID,
            now,
        );
        if let Value::Object(o) = &mut batch.body {
            o.insert("validationTokens".into(), json!([token]));
        }
    }
    let body = serde_json::to_vec(&batch.body).unwrap_or_default();
    let sent = client
        .post(&batch.url)
        .header("content-type", "application/json")
        .body(body)
        .timeout(POST_TIMEOUT)
        .send()
        .await;
    let ok = matches!(&sent, Ok(r) if r.status().is_success());
    // The answer's body is not needed; dropping it closes the exchange.
    drop(sent);
    let mut store = state.lock();
    let now = store.now();
    store.subscriptions.deliveries.finish(&batch, ok, now);
    store.subscriptions.wake.notify_one();
}
