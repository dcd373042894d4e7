//! A webhook on 127.0.0.1 for the watch tests: a raw HTTP server that hands each request
//! to a [`Notifications`] receiver, and can misbehave the way real endpoints do (refuse
//! with 503, or accept and then lose the answer so Graph redelivers).
#![allow(dead_code)] // each test file uses a different subset

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use msgraph_outlook::notifications::Notifications;

use super::raw_server::{RawRequest, RawServer, Reply};

/// The notification path; lifecycle notifications go to [`LIFECYCLE_PATH`].
pub const NOTIFY_PATH: &str = "/graph/notify";
/// The lifecycle notification path (never refused).
pub const LIFECYCLE_PATH: &str = "/graph/lifecycle";

#[derive(Default)]
struct Misbehaviour {
    /// Notification POSTs still to refuse with 503 without reading them.
    refuse: AtomicUsize,
    /// Notification POSTs still to accept and then answer 503 (Graph redelivers a
    /// notification the application already has).
    lose_answer: AtomicUsize,
    refused: AtomicUsize,
    answers_lost: AtomicUsize,
}

/// Takes one from `counter` if it is above zero.
fn take(counter: &AtomicUsize) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

pub struct Webhook {
    server: RawServer,
    receiver: Arc<Mutex<Notifications>>,
    misbehaviour: Arc<Misbehaviour>,
}

impl Webhook {
    pub async fn start(notifications: Notifications) -> Webhook {
        let receiver = Arc::new(Mutex::new(notifications));
        let misbehaviour = Arc::new(Misbehaviour::default());
        let (r, m) = (receiver.clone(), misbehaviour.clone());
        let server = RawServer::start(move |request: RawRequest| {
            let (receiver, misbehaviour) = (r.lock().unwrap().clone(), m.clone());
            async move { answer(&receiver, &misbehaviour, request).await }
        })
        .await;
        Webhook {
            server,
            receiver,
            misbehaviour,
        }
    }

    /// The notification URL.
    pub fn notify_url(&self) -> String {
        format!("{}{NOTIFY_PATH}", self.server.url)
    }

    /// The lifecycle notification URL.
    pub fn lifecycle_url(&self) -> String {
        format!("{}{LIFECYCLE_PATH}", self.server.url)
    }

    /// Hands later requests to another receiver (a restarted application).
    pub fn set_receiver(&self, notifications: Notifications) {
        *self.receiver.lock().unwrap() = notifications;
    }

    /// Refuses the next `n` notification POSTs with 503, unread.
    pub fn refuse_next(&self, n: usize) {
        self.misbehaviour.refuse.store(n, Ordering::SeqCst);
    }

    /// Accepts the next `n` notification POSTs but answers 503.
    pub fn lose_next_answers(&self, n: usize) {
        self.misbehaviour.lose_answer.store(n, Ordering::SeqCst);
    }

    pub fn refused(&self) -> usize {
        self.misbehaviour.refused.load(Ordering::SeqCst)
    }

    pub fn answers_lost(&self) -> usize {
        self.misbehaviour.answers_lost.load(Ordering::SeqCst)
    }

    /// Every request received (validation requests included).
    pub fn requests(&self) -> Vec<RawRequest> {
        self.server.requests()
    }
}

async fn answer(
    receiver: &Notifications,
    misbehaviour: &Misbehaviour,
    request: RawRequest,
) -> Reply {
    let (path, query) = match request.target.split_once('?') {
        Some((path, query)) => (path.to_string(), Some(query.to_string())),
        None => (request.target.clone(), None),
    };
    let validation = query
        .as_deref()
        .is_some_and(|q| q.contains("validationToken="));
    let refusable = path == NOTIFY_PATH && !validation;
    if refusable && take(&misbehaviour.refuse) {
        misbehaviour.refused.fetch_add(1, Ordering::SeqCst);
        return Reply::status(503);
    }
    let mut headers = http::HeaderMap::new();
    for (name, value) in &request.headers {
        if let (Ok(name), Ok(value)) = (
            http::HeaderName::from_bytes(name.as_bytes()),
            http::HeaderValue::from_str(value),
        ) {
            headers.append(name, value);
        }
    }
    let body = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from(request.body))]);
    let answer = receiver
        .handle(&request.method, query.as_deref(), &headers, body)
        .await;
    if refusable && answer.status < 300 && take(&misbehaviour.lose_answer) {
        misbehaviour.answers_lost.fetch_add(1, Ordering::SeqCst);
        return Reply::status(503);
    }
    let mut reply_headers = Vec::new();
    if let Some(content_type) = answer.content_type {
        reply_headers.push(("content-type".to_string(), content_type.to_string()));
    }
    if let Some(seconds) = answer.retry_after {
        reply_headers.push(("retry-after".to_string(), seconds.to_string()));
    }
    Reply::Status(answer.status, reply_headers, answer.body.into_bytes())
}
