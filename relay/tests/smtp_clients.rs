//! Real SMTP clients against the server: `lettre` over plain, STARTTLS and implicit TLS
//! with AUTH, and Python's `smtplib` when python3 is installed. Each message is read back
//! from the spool: its envelope and its bytes.

mod smtp_support;

use lettre::address::{Address, Envelope as LettreEnvelope};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use msgraph_relay::envelope::Envelope;
use msgraph_relay::smtp::ListenerKind;
use smtp_support::{TestServer, PASSWORD};
use std::net::{IpAddr, SocketAddr};

/// A message of about `size` bytes (CRLF lines, some starting with a dot, which the
/// client stuffs and the server must unstuff).
fn message(id: &str, size: usize) -> Vec<u8> {
    let mut text = format!(
        "Message-ID: <{id}@contoso.com>\r\nFrom: Adele <adele@contoso.com>\r\nTo: alex@fabrikam.com\r\nSubject: {id}\r\n\r\n"
    )
    .into_bytes();
    let mut n = 0usize;
    while text.len() < size {
        let line = if n % 7 == 0 {
            format!(".line {n} starts with a dot\r\n")
        } else {
            format!("line {n} {}\r\n", "z".repeat(n % 90))
        };
        text.extend_from_slice(line.as_bytes());
        n += 1;
    }
    text.extend_from_slice(b".\r\n..\r\nlast\r\n");
    text
}

fn tls(server: &TestServer) -> TlsParameters {
    TlsParameters::builder("localhost".into())
        .add_root_certificate(Certificate::from_pem(server.cert_pem.as_bytes()).unwrap())
        .build_rustls()
        .unwrap()
}

fn transport(
    addr: SocketAddr,
    tls: Tls,
    auth: Option<Mechanism>,
) -> AsyncSmtpTransport<Tokio1Executor> {
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(addr.port())
        .tls(tls);
    if let Some(mechanism) = auth {
        builder = builder
            .credentials(Credentials::new("app1".into(), PASSWORD.into()))
            .authentication(vec![mechanism]);
    }
    builder.build()
}

/// Sends `body` and returns the queue id from the `250`.
async fn send(
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &str,
    to: &[&str],
    body: &[u8],
) -> String {
    let envelope = LettreEnvelope::new(
        Some(from.parse::<Address>().unwrap()),
        to.iter().map(|a| a.parse().unwrap()).collect(),
    )
    .unwrap();
    let response = transport.send_raw(&envelope, body).await.unwrap();
    assert_eq!(response.code().to_string(), "250");
    let text: Vec<&str> = response.message().collect();
    text[0]
        .strip_prefix("2.0.0 Ok: queued as ")
        .unwrap_or_else(|| panic!("{text:?}"))
        .to_string()
}

/// What lettre puts on the wire ends the data with `CRLF . CRLF` after the message, so
/// the stored message is the sent one plus a CRLF.
fn as_sent_by_lettre(body: &[u8]) -> Vec<u8> {
    [body, b"\r\n"].concat()
}

/// Compares without printing megabytes on failure.
fn assert_same_bytes(stored: &[u8], expected: &[u8]) {
    assert_eq!(stored.len(), expected.len());
    let first_difference = stored.iter().zip(expected).position(|(a, b)| a != b);
    assert_eq!(
        first_difference, None,
        "the stored bytes differ from the sent ones"
    );
}

/// The queued message with this id: its envelope and bytes.
async fn read_back(server: &TestServer, id: &str) -> (Envelope, Vec<u8>) {
    let id = msgraph_relay::spool::QueueId::parse(id).unwrap();
    let record = server.spool.get(&id).await.unwrap();
    let body = server.spool.read_body(&record).await.unwrap();
    (record.envelope, body)
}

fn expected(from: &str, to: &[&str], user: bool) -> Envelope {
    Envelope {
        mail_from: from.into(),
        rcpt_to: to.iter().map(|s| s.to_string()).collect(),
        smtp_user: user.then(|| "app1".to_string()),
        client_addr: Some("127.0.0.1".parse::<IpAddr>().unwrap()),
        mailbox: user.then(|| "noreply@contoso.com".to_string()),
    }
}

#[tokio::test]
async fn lettre_over_plain_from_a_trusted_network() {
    let server = TestServer::start(|c| {
        c.allowed_networks = vec!["127.0.0.1".parse().unwrap()];
        c.allowed_senders = vec!["@contoso.com".into()];
    })
    .await;
    let transport = transport(server.plain(), Tls::None, None);
    let body = message("plain", 4000);
    let to = ["alex@fabrikam.com", "megan@contoso.com"];
    let id = send(&transport, "scanner@contoso.com", &to, &body).await;
    let (envelope, stored) = read_back(&server, &id).await;
    assert_eq!(envelope, expected("scanner@contoso.com", &to, false));
    assert_same_bytes(&stored, &as_sent_by_lettre(&body));
}

#[tokio::test]
async fn lettre_with_starttls_and_auth_plain() {
    let server = TestServer::start(|_| {}).await;
    let transport = transport(
        server.plain(),
        Tls::Required(tls(&server)),
        Some(Mechanism::Plain),
    );
    let body = message("starttls", 20_000);
    let id = send(
        &transport,
        "adele@contoso.com",
        &["alex@fabrikam.com"],
        &body,
    )
    .await;
    let (envelope, stored) = read_back(&server, &id).await;
    assert_eq!(
        envelope,
        expected("adele@contoso.com", &["alex@fabrikam.com"], true)
    );
    assert_same_bytes(&stored, &as_sent_by_lettre(&body));
}

#[tokio::test]
async fn lettre_with_implicit_tls_and_auth_login() {
    let server = TestServer::start(|_| {}).await;
    let addr = server.addr(ListenerKind::ImplicitTls);
    let transport = transport(addr, Tls::Wrapper(tls(&server)), Some(Mechanism::Login));
    let body = message("implicit", 1000);
    let id = send(
        &transport,
        "adele@contoso.com",
        &["alex@fabrikam.com"],
        &body,
    )
    .await;
    let (envelope, stored) = read_back(&server, &id).await;
    assert_eq!(
        envelope,
        expected("adele@contoso.com", &["alex@fabrikam.com"], true)
    );
    assert_same_bytes(&stored, &as_sent_by_lettre(&body));
}

#[tokio::test]
async fn a_large_message_streams_through_intact() {
    let server = TestServer::start(|_| {}).await;
    let transport = transport(
        server.plain(),
        Tls::Required(tls(&server)),
        Some(Mechanism::Plain),
    );
    let body = message("large", 12 * 1024 * 1024);
    let id = send(
        &transport,
        "adele@contoso.com",
        &["alex@fabrikam.com"],
        &body,
    )
    .await;
    let (_, stored) = read_back(&server, &id).await;
    assert_same_bytes(&stored, &as_sent_by_lettre(&body));
}

#[tokio::test]
async fn lettre_refused_sender_is_a_permanent_error_and_nothing_is_queued() {
    let server = TestServer::start(|_| {}).await;
    let transport = transport(
        server.plain(),
        Tls::Required(tls(&server)),
        Some(Mechanism::Plain),
    );
    let envelope = LettreEnvelope::new(
        Some("ceo@woodgrove.com".parse().unwrap()),
        vec!["alex@fabrikam.com".parse().unwrap()],
    )
    .unwrap();
    let err = transport
        .send_raw(&envelope, &message("refused", 100))
        .await
        .unwrap_err();
    assert!(err.is_permanent(), "{err}");
    assert_eq!(err.status().map(|c| c.to_string()).as_deref(), Some("550"));
    server.assert_nothing_queued().await;
}

const PYTHON_CLIENT: &str = r#"
import smtplib, ssl, sys
port, cafile, password = int(sys.argv[1]), sys.argv[2], sys.argv[3]
context = ssl.create_default_context(cafile=cafile)
with smtplib.SMTP("localhost", port, local_hostname="py.test") as s:
    s.ehlo()
    s.starttls(context=context)
    s.ehlo()
    s.login("app1", password)
    s.mail("adele@contoso.com")
    s.rcpt("alex@fabrikam.com")
    code, reply = s.data(b"Message-ID: <py@contoso.com>\r\nSubject: from python\r\n\r\n.dot\r\nbody\r\n")
    print(code, reply.decode())
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_smtplib_with_starttls_and_login() {
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output();
    if !python.is_ok_and(|o| o.status.success()) {
        println!("python3 not available: skipping the smtplib test");
        return;
    }
    let server = TestServer::start(|_| {}).await;
    let script = server.dir.path().join("client.py");
    std::fs::write(&script, PYTHON_CLIENT).unwrap();
    let cafile = server.dir.path().join("cert.pem");
    let port = server.plain().port().to_string();
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .arg(&script)
            .arg(port)
            .arg(cafile)
            .arg(PASSWORD)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let id = stdout
        .trim()
        .strip_prefix("250 2.0.0 Ok: queued as ")
        .unwrap_or_else(|| panic!("{stdout}"));
    let (envelope, stored) = read_back(&server, id).await;
    assert_eq!(
        envelope,
        expected("adele@contoso.com", &["alex@fabrikam.com"], true)
    );
    assert_eq!(
        stored,
        b"Message-ID: <py@contoso.com>\r\nSubject: from python\r\n\r\n.dot\r\nbody\r\n".to_vec()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_clients_are_all_accepted_independently() {
    let server = TestServer::start(|c| {
        c.allowed_networks = vec!["127.0.0.1".parse().unwrap()];
        c.allowed_senders = vec!["@contoso.com".into()];
    })
    .await;
    let addr = server.plain();
    let sends = (0..32).map(|i| {
        tokio::spawn(async move {
            let transport = transport(addr, Tls::None, None);
            let body = message(&format!("concurrent-{i}"), 2000 + i * 100);
            let id = send(
                &transport,
                "scanner@contoso.com",
                &["alex@fabrikam.com"],
                &body,
            )
            .await;
            (id, body)
        })
    });
    let mut ids = std::collections::HashSet::new();
    for send in sends.collect::<Vec<_>>() {
        let (id, body) = send.await.unwrap();
        let (_, stored) = read_back(&server, &id).await;
        assert_same_bytes(&stored, &as_sent_by_lettre(&body));
        ids.insert(id);
    }
    assert_eq!(ids.len(), 32);
    assert_eq!(server.spool.counts().await.unwrap().queued, 32);
    assert_eq!(server.metrics.accepted.get(), 32);
}
