//! The loopback server: this binary with `--serve`, in a child process.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::sides::token;
use crate::support::child_process::ChildServer;
use crate::{support, Failure};

/// Pages in the paging run, and messages per page.
pub(crate) const PAGES: usize = 1000;
pub(crate) const PAGE_SIZE: usize = 10;

pub(crate) struct Server {
    pub(crate) origin: String,
    child: ChildServer,
    http: reqwest::Client,
}

impl Server {
    pub(crate) fn start() -> Result<Server, Failure> {
        let child = ChildServer::start(&["--serve"])?;
        Ok(Server {
            origin: child.origin.clone(),
            child,
            http: reqwest::Client::new(),
        })
    }

    pub(crate) async fn call(&self, method: &str, path: &str) -> Result<Vec<u8>, Failure> {
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

    pub(crate) async fn reset(&self) -> Result<(), Failure> {
        self.call("POST", "/__reset").await.map(drop)
    }

    pub(crate) async fn stat(&self, name: &str) -> Result<u64, Failure> {
        let stats: serde_json::Value =
            serde_json::from_slice(&self.call("GET", "/__stats").await?)?;
        stats[name]
            .as_u64()
            .ok_or_else(|| format!("no {name} in {stats}").into())
    }

    /// The head and body of the last request captured after `/__capture`.
    pub(crate) async fn last(&self) -> Result<(String, Vec<u8>), Failure> {
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

    /// Fails unless the server counted `sent` sendMail requests since its last reset.
    pub(crate) async fn expect_send_mail(&self, sent: usize) -> Result<(), Failure> {
        match self.stat("sendMail").await? {
            received if received == sent as u64 => Ok(()),
            received => {
                Err(format!("the server counted {received} sendMail, {sent} were sent").into())
            }
        }
    }

    pub(crate) fn stop(&self) {
        self.child.stop();
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

pub(crate) fn serve_main() -> ExitCode {
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
