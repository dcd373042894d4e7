//! Shared by the `smtp_*` tests: a real server on 127.0.0.1 over a temporary spool, a
//! raw SMTP client, cheap argon2 hashes and a self-signed certificate.
#![allow(dead_code)]

use argon2::password_hash::{PasswordHasher, SaltString};
use chrono::{TimeZone, Utc};
use msgraph_relay::clock::ManualClock;
use msgraph_relay::config::smtp::SmtpUser;
use msgraph_relay::config::SmtpConfig;
use msgraph_relay::metrics::Metrics;
use msgraph_relay::shutdown::{self, ShutdownTrigger};
use msgraph_relay::size_limit::{FixedSizeLimit, MessageSizeLimit};
use msgraph_relay::smtp::{ListenerKind, SmtpServer};
use msgraph_relay::spool::{Record, Spool, State};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub const PASSWORD: &str = "correct horse battery staple";

/// An argon2id hash with the smallest cost (the production default takes seconds in a
/// debug build); verification reads the cost from the PHC string.
pub fn cheap_hash(password: &str) -> String {
    let params = argon2::Params::new(8, 1, 1, None).unwrap();
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let salt = SaltString::encode_b64(b"0123456789abcdef").unwrap();
    argon
        .hash_password(password.as_bytes(), &salt)
        .unwrap()
        .to_string()
}

/// User `app1` (password [`PASSWORD`]) may send as anyone at contoso.com, from a fixed
/// mailbox.
pub fn app_user() -> SmtpUser {
    toml::from_str(&format!(
        r#"
        name = "app1"
        password_hash = "{}"
        allowed_senders = ["@contoso.com"]
        mailbox = "noreply@contoso.com"
        "#,
        cheap_hash(PASSWORD)
    ))
    .unwrap()
}

/// A self-signed certificate for `localhost`, written to `dir`: (cert path, key path, PEM).
pub fn certificate(dir: &std::path::Path) -> (PathBuf, PathBuf, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert_pem = certified.cert.pem();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, &cert_pem).unwrap();
    std::fs::write(&key, certified.signing_key.serialize_pem()).unwrap();
    (cert, key, cert_pem)
}

/// A config listening on an ephemeral port of 127.0.0.1 (plain + STARTTLS and implicit
/// TLS), with `app1` and TLS files in `dir`.
pub fn config(dir: &std::path::Path) -> (SmtpConfig, String) {
    let (cert, key, pem) = certificate(dir);
    let config = SmtpConfig {
        listen: vec!["127.0.0.1:0".parse().unwrap()],
        listen_tls: vec!["127.0.0.1:0".parse().unwrap()],
        hostname: "relay.test".into(),
        tls_cert: Some(cert),
        tls_key: Some(key),
        users: vec![app_user()],
        ..SmtpConfig::default()
    };
    (config, pem)
}

/// A running server.
pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub spool: Spool,
    pub metrics: Metrics,
    pub clock: ManualClock,
    pub addrs: Vec<(ListenerKind, SocketAddr)>,
    pub cert_pem: String,
    trigger: ShutdownTrigger,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    /// Starts a server; `adjust` changes the default test config.
    pub async fn start(adjust: impl FnOnce(&mut SmtpConfig)) -> TestServer {
        Self::start_with_limit(adjust, Arc::new(FixedSizeLimit(u64::MAX))).await
    }

    pub async fn start_with_limit(
        adjust: impl FnOnce(&mut SmtpConfig),
        size_limit: Arc<dyn MessageSizeLimit>,
    ) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        let (mut config, cert_pem) = config(dir.path());
        adjust(&mut config);
        let spool = Spool::open(dir.path().join("spool"), "relay.test").unwrap();
        let metrics = Metrics::new();
        let clock = ManualClock::new(Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap());
        let server = SmtpServer::bind_with_clock(
            &config,
            spool.clone(),
            size_limit,
            metrics.clone(),
            Arc::new(clock.clone()),
        )
        .await
        .unwrap();
        let addrs = server.local_addrs();
        let (trigger, shutdown) = shutdown::channel();
        let task = tokio::spawn(async move {
            server.serve(shutdown).await.unwrap();
        });
        TestServer {
            dir,
            spool,
            metrics,
            clock,
            addrs,
            cert_pem,
            trigger,
            task,
        }
    }

    pub fn addr(&self, kind: ListenerKind) -> SocketAddr {
        self.addrs.iter().find(|(k, _)| *k == kind).unwrap().1
    }

    pub fn plain(&self) -> SocketAddr {
        self.addr(ListenerKind::Submission)
    }

    /// Signals shutdown.
    pub fn trigger_shutdown(&self) {
        self.trigger.trigger();
    }

    /// Signals shutdown and waits (bounded) for `serve` to return.
    pub async fn shutdown(self) {
        self.trigger.trigger();
        tokio::time::timeout(Duration::from_secs(30), self.task)
            .await
            .expect("serve returns after shutdown")
            .unwrap();
    }

    /// Every queued message.
    pub async fn queued(&self) -> Vec<Record> {
        self.spool.list(&[State::Queued], 1000).await.unwrap()
    }

    /// Nothing in the queue and nothing left in `incoming/`.
    pub async fn assert_nothing_queued(&self) {
        assert_eq!(self.spool.counts().await.unwrap().queued, 0);
        let incoming = std::fs::read_dir(self.spool.dir().join("incoming"))
            .unwrap()
            .count();
        assert_eq!(incoming, 0, "a partial message was left in incoming/");
    }

    /// The `msgraph_relay_rejected_total{value="reason"}` count.
    pub fn rejected(&self, reason: &str) -> u64 {
        let text = self.metrics.encode(Some(Default::default()));
        let prefix = format!("msgraph_relay_rejected_total{{value=\"{reason}\"}} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .map_or(0, |n| n.parse().unwrap())
    }
}

/// A byte stream the client talks over (TCP or TLS).
pub trait Io: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send {}
impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send> Io for T {}

/// A raw SMTP client.
pub struct Client {
    stream: BufReader<Box<dyn Io>>,
    /// How long to wait for a reply before failing the test.
    pub patience: Duration,
}

/// A TLS client configuration trusting `cert_pem` only.
pub fn tls_connector(cert_pem: &str) -> tokio_rustls::TlsConnector {
    use tokio_rustls::rustls;
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut cert_pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

async fn handshake(tcp: TcpStream, cert_pem: &str) -> Box<dyn Io> {
    let name = tokio_rustls::rustls::pki_types::ServerName::try_from("localhost").unwrap();
    Box::new(tls_connector(cert_pem).connect(name, tcp).await.unwrap())
}

impl Client {
    fn over(stream: Box<dyn Io>) -> Client {
        Client {
            stream: BufReader::new(stream),
            patience: Duration::from_secs(20),
        }
    }

    /// Connects and returns the client with the greeting's code.
    pub async fn connect(addr: SocketAddr) -> (Client, u16) {
        let stream = TcpStream::connect(addr).await.unwrap();
        let mut client = Client::over(Box::new(stream));
        let (code, _) = client.reply().await;
        (client, code)
    }

    /// Connects to an implicit-TLS listener and returns the client with the greeting's
    /// code.
    pub async fn connect_tls(addr: SocketAddr, cert_pem: &str) -> (Client, u16) {
        let tcp = TcpStream::connect(addr).await.unwrap();
        let mut client = Client::over(handshake(tcp, cert_pem).await);
        let (code, _) = client.reply().await;
        (client, code)
    }

    /// After a `220` to `STARTTLS`: the TLS handshake on the same TCP stream. Anything
    /// still buffered from the server would be plaintext injected before TLS: there must
    /// be none.
    pub async fn start_tls(self, cert_pem: &str) -> Client {
        assert!(self.stream.buffer().is_empty(), "plaintext after the 220");
        let inner: Box<dyn Io> = self.stream.into_inner();
        // The boxed stream is a TcpStream here; TLS runs over it unchanged.
        let name = tokio_rustls::rustls::pki_types::ServerName::try_from("localhost").unwrap();
        let tls = tls_connector(cert_pem).connect(name, inner).await.unwrap();
        Client::over(Box::new(tls))
    }

    /// Connects, expects `220` and sends `EHLO`.
    pub async fn ready(addr: SocketAddr) -> Client {
        let (mut client, code) = Client::connect(addr).await;
        assert_eq!(code, 220);
        client.expect("EHLO client.test", 250).await;
        client
    }

    pub async fn send(&mut self, bytes: &[u8]) {
        self.stream.get_mut().write_all(bytes).await.unwrap();
    }

    /// Reads one (possibly multi-line) reply: its code and its lines joined by `\n`.
    /// Bounded by a deadline so a missing reply fails the test instead of hanging it.
    pub async fn reply(&mut self) -> (u16, String) {
        tokio::time::timeout(self.patience, self.reply_inner())
            .await
            .expect("a reply in time")
    }

    async fn reply_inner(&mut self) -> (u16, String) {
        let mut text = Vec::new();
        loop {
            let mut line = String::new();
            let n = self.stream.read_line(&mut line).await.unwrap();
            assert!(n > 0, "connection closed before a reply (got {text:?})");
            assert!(line.ends_with("\r\n"), "reply line without CRLF: {line:?}");
            let code: u16 = line[..3].parse().unwrap();
            let last = line.as_bytes()[3] == b' ';
            text.push(line[4..].trim_end().to_string());
            if last {
                return (code, text.join("\n"));
            }
        }
    }

    /// Sends `line` + CRLF and returns the reply.
    pub async fn command(&mut self, line: &str) -> (u16, String) {
        self.send(format!("{line}\r\n").as_bytes()).await;
        self.reply().await
    }

    /// Sends `line` and asserts the reply code; returns the text.
    pub async fn expect(&mut self, line: &str, code: u16) -> String {
        let (got, text) = self.command(line).await;
        assert_eq!(got, code, "{line} → {got} {text}");
        text
    }

    /// Whether the server closed the connection (reads EOF within a deadline).
    pub async fn closed(&mut self) -> bool {
        let mut rest = Vec::new();
        matches!(
            tokio::time::timeout(Duration::from_secs(20), self.stream.read_to_end(&mut rest)).await,
            Ok(Ok(0))
        )
    }
}

/// The `PLAIN` initial response for `user`/`password`.
pub fn plain(user: &str, password: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"))
}

pub fn b64(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(text)
}
