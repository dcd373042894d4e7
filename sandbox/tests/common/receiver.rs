//! A webhook receiver on 127.0.0.1 for the subscription tests: it answers validation
//! handshakes as told ([`Validation`]), answers notification POSTs with the statuses
//! queued by [`Receiver::fail_next`] (then `202`), and records every request.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;
use tokio::sync::Notify;

/// Generous bound for anything asynchronous to arrive.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// What the receiver answers to a validation request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validation {
    /// `200 text/plain` with the decoded token.
    Echo,
    /// `200 text/plain` with the token still URL-encoded.
    Encoded,
    /// This status, with the token.
    Status(u16),
    /// Waits this long, then echoes.
    Slow(Duration),
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    /// What the receiver answered (notifications; handshakes: 0).
    pub status: u16,
}

impl Received {
    pub fn is_validation(&self) -> bool {
        self.query
            .as_deref()
            .is_some_and(|q| q.contains("validationToken="))
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON notification body")
    }
}

#[derive(Debug)]
struct Inner {
    got: Mutex<Vec<Received>>,
    arrived: Notify,
    validation: Mutex<Validation>,
    /// Statuses for the next notification POSTs (then 202).
    statuses: Mutex<VecDeque<u16>>,
}

/// A webhook receiver on 127.0.0.1.
#[derive(Debug, Clone)]
pub struct Receiver {
    inner: Arc<Inner>,
    url: String,
}

impl Receiver {
    pub async fn start() -> Receiver {
        let inner = Arc::new(Inner {
            got: Mutex::new(Vec::new()),
            arrived: Notify::new(),
            validation: Mutex::new(Validation::Echo),
            statuses: Mutex::new(VecDeque::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let app = axum::Router::new()
            .fallback(receive)
            .with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Receiver { inner, url }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    pub fn set_validation(&self, v: Validation) {
        *self.inner.validation.lock().unwrap() = v;
    }

    pub fn fail_next(&self, statuses: &[u16]) {
        self.inner.statuses.lock().unwrap().extend(statuses);
    }

    pub fn all(&self) -> Vec<Received> {
        self.inner.got.lock().unwrap().clone()
    }

    /// The notification POSTs (not handshakes) received so far.
    pub fn notifications(&self) -> Vec<Received> {
        self.all()
            .into_iter()
            .filter(|r| !r.is_validation())
            .collect()
    }

    /// Waits (at most [`DEADLINE`]) until `look` (read after each request the receiver
    /// got) holds at least `n` entries; `what` names them in the panic.
    async fn wait_for<T: std::fmt::Debug>(
        &self,
        n: usize,
        what: &str,
        look: impl Fn() -> Vec<T>,
    ) -> Vec<T> {
        let wait = async {
            loop {
                let arrived = self.inner.arrived.notified();
                tokio::pin!(arrived);
                arrived.as_mut().enable();
                let got = look();
                if got.len() >= n {
                    return got;
                }
                arrived.await;
            }
        };
        tokio::time::timeout(DEADLINE, wait)
            .await
            .unwrap_or_else(|_| panic!("{n} {what} within {DEADLINE:?}: {:?}", look()))
    }

    /// Waits (at most [`DEADLINE`]) until at least `n` notification POSTs arrived.
    pub async fn wait_notifications(&self, n: usize) -> Vec<Received> {
        self.wait_for(n, "notification POSTs", || self.notifications())
            .await
    }

    /// The notifications (`value` items) of every POST so far, in order.
    pub fn values(&self) -> Vec<Value> {
        self.notifications()
            .iter()
            .flat_map(|r| r.json()["value"].as_array().cloned().unwrap_or_default())
            .collect()
    }

    /// Waits until at least `n` notifications (items) arrived.
    pub async fn wait_values(&self, n: usize) -> Vec<Value> {
        self.wait_for(n, "notifications", || self.values()).await
    }
}

pub fn decode_form(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).expect("hex"));
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).expect("UTF-8")
}

async fn receive(State(inner): State<Arc<Inner>>, req: Request<Body>) -> Response {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, 1 << 20)
        .await
        .unwrap_or_default();
    let got = Received {
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        content_type: parts
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        body: body.to_vec(),
        status: 0,
    };
    let token = got.query.as_deref().and_then(|q| {
        q.split('&')
            .find_map(|p| p.strip_prefix("validationToken="))
            .map(str::to_string)
    });
    let validation = *inner.validation.lock().unwrap();
    let Some(raw) = token else {
        let status = inner.statuses.lock().unwrap().pop_front().unwrap_or(202);
        inner.got.lock().unwrap().push(Received { status, ..got });
        inner.arrived.notify_waiters();
        return StatusCode::from_u16(status).unwrap().into_response();
    };
    inner.got.lock().unwrap().push(got);
    inner.arrived.notify_waiters();
    let text = |t: String| ([("content-type", "text/plain")], t).into_response();
    match validation {
        Validation::Echo => text(decode_form(&raw)),
        Validation::Encoded => text(raw),
        Validation::Status(s) => {
            let mut r = text(decode_form(&raw));
            *r.status_mut() = StatusCode::from_u16(s).unwrap();
            r
        }
        Validation::Slow(d) => {
            tokio::time::sleep(d).await;
            text(decode_form(&raw))
        }
    }
}

/// Polls `done` until it holds (at most [`DEADLINE`]): for the sandbox's own
/// bookkeeping, which ends just after the receiver saw the request.
pub async fn until(done: impl Fn() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(start.elapsed() < DEADLINE, "condition within {DEADLINE:?}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}
