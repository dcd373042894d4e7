//! A minimal HTTP/1.1 server on 127.0.0.1 whose answers a test scripts per request,
//! including the ones mockito cannot give: dropping the connection after reading the
//! request, random faults, and slow answers to observe concurrency.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::future::{ready, Future, Ready};
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A request as received.
#[derive(Debug, Clone)]
pub struct RawRequest {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl RawRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answer with this status, headers and body.
    Status(u16, Vec<(String, String)>, Vec<u8>),
    /// Close the connection without answering: the request was read, its fate unknown.
    Drop,
}

impl Reply {
    pub fn status(status: u16) -> Reply {
        Reply::Status(status, Vec::new(), Vec::new())
    }

    pub fn json(status: u16, body: &serde_json::Value) -> Reply {
        Reply::Status(
            status,
            vec![("content-type".into(), "application/json".into())],
            body.to_string().into_bytes(),
        )
    }

    pub fn header(self, name: &str, value: &str) -> Reply {
        match self {
            Reply::Status(status, mut headers, body) => {
                headers.push((name.into(), value.into()));
                Reply::Status(status, headers, body)
            }
            Reply::Drop => Reply::Drop,
        }
    }
}

type Handler = Arc<dyn Fn(RawRequest) -> Pin<Box<dyn Future<Output = Reply> + Send>> + Send + Sync>;

/// The running server; it stops when the test's runtime ends.
pub struct RawServer {
    pub url: String,
    requests: Arc<Mutex<Vec<RawRequest>>>,
    connections: Arc<AtomicUsize>,
}

impl RawServer {
    /// Starts a server answering each request with `handler`.
    pub async fn start<F, Fut>(handler: F) -> RawServer
    where
        F: Fn(RawRequest) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Reply> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |request| Box::pin(handler(request)));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (log, count) = (Arc::clone(&requests), Arc::clone(&connections));
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
                tokio::spawn(serve(stream, Arc::clone(&handler), Arc::clone(&log)));
            }
        });
        RawServer {
            url,
            requests,
            connections,
        }
    }

    /// The Graph base URL on this server.
    pub fn base_url(&self) -> String {
        format!("{}/v1.0", self.url)
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RawRequest> {
        self.requests.lock().unwrap().clone()
    }
}

async fn serve(mut stream: TcpStream, handler: Handler, log: Arc<Mutex<Vec<RawRequest>>>) {
    let mut buffer = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buffer).await else {
            return;
        };
        log.lock().unwrap().push(request.clone());
        match handler(request).await {
            Reply::Drop => return,
            Reply::Status(status, headers, body) => {
                let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                if stream.write_all(head.as_bytes()).await.is_err()
                    || stream.write_all(&body).await.is_err()
                {
                    return;
                }
            }
        }
    }
}

/// Reads one request (head and Content-Length body); None when the client is gone.
async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<RawRequest> {
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let (method, target) = (first.next()?.to_string(), first.next()?.to_string());
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok().filter(|n| *n > 0)?;
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = buffer[head_end..head_end + length].to_vec();
    buffer.drain(..head_end + length);
    Some(RawRequest {
        method,
        target,
        headers,
        body,
    })
}

/// A handler that answers with `replies` in order, then with `then` forever.
pub fn scripted(
    replies: Vec<Reply>,
    then: Reply,
) -> impl Fn(RawRequest) -> Ready<Reply> + Send + Sync + 'static {
    let queue = Mutex::new(VecDeque::from(replies));
    move |_| {
        ready(
            queue
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or_else(|| then.clone()),
        )
    }
}
