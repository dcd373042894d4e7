//! Shared by the `e2e_*` tests: `msgraph-relay serve` run as a real process with JSON logs
//! (its addresses read from the JSON `listening` line, the delivery log read back by queue
//! id), killed with SIGTERM or SIGKILL; a Graph client on the sandbox to read messages
//! back; bounded polling; SHA-256 of bytes.
//!
//! A test file using it declares `mod cli_common;` too (the temporary relay directory).
#![allow(dead_code)]

use crate::cli_common::{Relay, BIN};
use msgraph_outlook::auth::{ClientCredentials, ClientSecret};
use msgraph_outlook::models::Attachment;
use msgraph_outlook::{Cloud, GraphClient};
use msgraph_outlook_sandbox::Sandbox;
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::io::BufRead;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The `[log]` table that makes `serve` write JSON lines (append it after the `[smtp]` keys).
pub const JSON_LOG: &str = "[log]\nformat = \"json\"\nlevel = \"info\"\n";

/// The delivery log's target (`msgraph_relay::delivery::log::TARGET`).
pub const DELIVERY_LOG: &str = msgraph_relay::delivery::log::TARGET;

/// A running `msgraph-relay serve` whose configuration has `[log] format = "json"`.
pub struct JsonServe {
    child: Child,
    /// The plain (STARTTLS) SMTP listeners.
    pub smtp: Vec<SocketAddr>,
    /// The implicit-TLS SMTP listeners.
    pub smtps: Vec<SocketAddr>,
    /// The `/metrics` and `/healthz` address.
    pub http: SocketAddr,
    /// Every line written on stderr so far (the reader thread keeps draining the pipe, so
    /// the relay never blocks on a full pipe).
    lines: Arc<Mutex<Vec<String>>>,
}

fn addrs(fields: &Value, key: &str) -> Vec<SocketAddr> {
    fields[key]
        .as_str()
        .unwrap_or("")
        .split(',')
        .filter(|a| !a.is_empty())
        .map(|a| a.parse().unwrap())
        .collect()
}

impl JsonServe {
    /// Starts `serve` on `relay`'s configuration and waits (at most 60 s) for `listening`.
    pub fn start(relay: &Relay) -> JsonServe {
        let mut child = Command::new(BIN)
            .args(["--config", relay.config_path().to_str().unwrap(), "serve"])
            .env_remove("RUST_LOG")
            .env_remove("MSGRAPH_RELAY_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                if let Ok(json) = serde_json::from_str::<Value>(&line) {
                    if json["fields"]["message"] == "listening" {
                        let _ = tx.send(json["fields"].clone());
                    }
                }
                sink.lock().unwrap().push(line);
            }
        });
        let fields = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(fields) => fields,
            Err(_) => {
                let _ = child.kill();
                panic!("no JSON listening line: {:?}", lines.lock().unwrap());
            }
        };
        JsonServe {
            child,
            smtp: addrs(&fields, "smtp"),
            smtps: addrs(&fields, "smtps"),
            http: fields["http"].as_str().unwrap().parse().unwrap(),
            lines,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }

    /// SIGKILL (no chance to clean up) and reap.
    pub fn kill(&mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then waits (at most 60 s) for the exit code.
    pub fn terminate(&mut self) -> i32 {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.child.id() as i32, libc::SIGTERM) };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code().unwrap_or(-1);
            }
            assert!(Instant::now() < deadline, "serve did not stop");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Every stderr line so far, as written.
    pub fn raw_lines(&self) -> Vec<String> {
        self.lines.lock().unwrap().clone()
    }

    /// Every stderr line so far, parsed (a line that is not JSON fails the test).
    pub fn json_lines(&self) -> Vec<Value> {
        self.raw_lines()
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    /// The delivery-log lines of one queue id, in order.
    pub fn delivery_log(&self, queue_id: &str) -> Vec<Value> {
        self.json_lines()
            .into_iter()
            .filter(|l| l["target"] == DELIVERY_LOG && l["fields"]["queue_id"] == queue_id)
            .collect()
    }
}

impl Drop for JsonServe {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sandbox with the mailboxes the e2e tests use, and a relay on it (JSON logs) whose
/// `[smtp]` table gets `smtp_extra` and which has the tables in `tables`.
pub async fn sandbox_relay(smtp_extra: &str, tables: &str) -> (Sandbox, Relay) {
    let sandbox = Sandbox::start().await.unwrap();
    for user in ["adele@contoso.com", "alex@contoso.com", "megan@contoso.com"] {
        sandbox.add_user(user);
    }
    let relay = Relay::new(
        &sandbox.authority_url(),
        &sandbox.client_id(),
        &sandbox.client_secret(),
        &format!("{smtp_extra}\n{JSON_LOG}\n{tables}"),
    );
    (sandbox, relay)
}

/// A Graph client on the sandbox, signed in as its app (client credentials over HTTP).
pub fn graph(sandbox: &Sandbox) -> GraphClient {
    let cloud = Cloud::from_base_url(&sandbox.base_url(), &sandbox.authority_url()).unwrap();
    let credentials = ClientCredentials::new(
        &cloud,
        &sandbox.tenant_id(),
        &sandbox.client_id(),
        ClientSecret::new(sandbox.client_secret()),
    )
    .unwrap();
    GraphClient::builder()
        .base_url(sandbox.base_url())
        .token_provider(credentials)
        .build()
        .unwrap()
}

/// The file attachments of a message, read back over Graph: (name, SHA-256 hex, isInline),
/// sorted by name.
pub async fn attachment_hashes(
    graph: &GraphClient,
    mailbox: &str,
    message_id: &str,
) -> Vec<(String, String, Option<bool>)> {
    let message = graph.user(mailbox).message(message_id);
    let mut out = Vec::new();
    for listed in message.attachments().list().await.unwrap() {
        let Attachment::File(listed) = listed else {
            panic!("not a file attachment: {listed:?}");
        };
        // The list may leave out contentBytes: read each one.
        let Attachment::File(file) = message
            .attachments()
            .get(listed.id.as_deref().unwrap())
            .await
            .unwrap()
        else {
            panic!("not a file attachment");
        };
        out.push((
            file.name.clone(),
            sha256(&file.content_bytes),
            file.is_inline,
        ));
    }
    out.sort();
    out
}

/// SHA-256 as lower-case hex.
pub fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Deterministic pseudo-random bytes (no compressible pattern, every byte value).
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
    (0..len)
        .map(|_| {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (x >> 33) as u8
        })
        .collect()
}

/// Polls `done` every 50 ms until it holds; fails with `what()` after `limit`.
pub async fn wait_until(
    limit: Duration,
    mut done: impl FnMut() -> bool,
    what: impl Fn() -> String,
) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(Instant::now() < deadline, "timed out: {}", what());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// How many messages of `folder` have this subject.
pub fn count_subject(sandbox: &Sandbox, address: &str, folder: &str, subject: &str) -> usize {
    sandbox
        .messages(address, folder)
        .iter()
        .filter(|m| m["subject"] == subject)
        .count()
}
