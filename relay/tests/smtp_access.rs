//! Who may submit, over real TCP/TLS: AUTH, allowed senders, the network allow-list,
//! connection and failed-auth rate limits (on the test's clock), connection slots,
//! timeouts (paused tokio time) and shutdown.

mod smtp_support;

use smtp_support::{b64, plain, Client, TestServer, PASSWORD};
use std::time::Duration;

/// EHLO then STARTTLS on the plain listener: a TLS client ready for AUTH.
async fn tls_client(server: &TestServer) -> Client {
    let mut client = Client::ready(server.plain()).await;
    client.expect("STARTTLS", 220).await;
    let mut client = client.start_tls(&server.cert_pem).await;
    client.expect("EHLO client.test", 250).await;
    client
}

#[tokio::test]
async fn auth_plain_and_login_wrong_passwords_and_malformed_exchanges() {
    let server = TestServer::start(|c| c.auth_failures_before_lockout = 0).await;
    let mut client = tls_client(&server).await;
    assert_eq!(
        client
            .command(&format!("AUTH PLAIN {}", plain("app1", "wrong")))
            .await,
        (535, "5.7.8 Authentication credentials invalid".into())
    );
    assert_eq!(
        client
            .command(&format!("AUTH PLAIN {}", plain("nobody", PASSWORD)))
            .await
            .0,
        535
    );
    // Another authorization identity than the user is refused.
    let other = b64(&format!("admin\0app1\0{PASSWORD}"));
    assert_eq!(client.command(&format!("AUTH PLAIN {other}")).await.0, 535);
    assert_eq!(
        client.command("AUTH CRAM-MD5").await,
        (504, "5.5.4 Unrecognized authentication type".into())
    );
    assert_eq!(client.command("AUTH PLAIN").await, (334, "".into()));
    assert_eq!(
        client.command("*").await,
        (501, "5.0.0 Authentication cancelled".into())
    );
    assert_eq!(client.command("AUTH PLAIN").await.0, 334);
    assert_eq!(
        client.command("not base64!").await,
        (501, "5.5.2 Cannot decode response".into())
    );
    assert_eq!(client.command("AUTH PLAIN").await.0, 334);
    assert_eq!(
        client.command(&"QUFB".repeat(3100)).await,
        (500, "5.5.6 Authentication Exchange line is too long".into())
    );
    // Without AUTH, MAIL is refused (127.0.0.1 is not in allowed_networks).
    assert_eq!(
        client.command("MAIL FROM:<a@contoso.com>").await,
        (530, "5.7.0 Authentication required".into())
    );
    // LOGIN: user name and password challenges.
    assert_eq!(
        client.command("AUTH LOGIN").await,
        (334, "VXNlcm5hbWU6".into())
    );
    assert_eq!(
        client.command(&b64("app1")).await,
        (334, "UGFzc3dvcmQ6".into())
    );
    assert_eq!(
        client.command(&b64(PASSWORD)).await,
        (235, "2.7.0 Authentication successful".into())
    );
    assert_eq!(
        client.command("AUTH LOGIN").await,
        (503, "5.5.1 Already authenticated".into())
    );
    assert_eq!(server.metrics.auth_failures.get(), 3);
}

#[tokio::test]
async fn senders_are_checked_against_the_user_and_the_global_list() {
    let server =
        TestServer::start(|c| c.allowed_senders = vec!["alerts@fabrikam.com".into()]).await;
    let mut client = tls_client(&server).await;
    client
        .expect(&format!("AUTH PLAIN {}", plain("app1", PASSWORD)), 235)
        .await;
    assert_eq!(
        client.command("MAIL FROM:<ceo@woodgrove.com>").await,
        (
            550,
            "5.7.1 Sender address not allowed for this client".into()
        )
    );
    assert_eq!(client.command("MAIL FROM:<>").await.0, 550);
    // The global list applies to users too.
    client.expect("MAIL FROM:<Alerts@Fabrikam.com>", 250).await;
    client.expect("RSET", 250).await;
    // The user's own rule (@contoso.com).
    client.expect("MAIL FROM:<adele@contoso.com>", 250).await;
    client.expect("RCPT TO:<alex@fabrikam.com>", 250).await;
    client.expect("DATA", 354).await;
    client
        .expect(
            "Message-ID: <m1@contoso.com>\r\nSubject: s\r\n\r\nb\r\n.",
            250,
        )
        .await;
    let queued = server.queued().await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].envelope.smtp_user.as_deref(), Some("app1"));
    assert_eq!(
        queued[0].envelope.mailbox.as_deref(),
        Some("noreply@contoso.com")
    );
    assert_eq!(server.rejected("sender"), 2);
}

#[tokio::test]
async fn trusted_networks_submit_without_auth_but_only_global_senders() {
    let server = TestServer::start(|c| {
        c.allowed_networks = vec!["127.0.0.0/8".parse().unwrap(), "::1".parse().unwrap()];
        c.allowed_senders = vec!["scanner@contoso.com".into()];
    })
    .await;
    let mut client = Client::ready(server.plain()).await;
    client.expect("MAIL FROM:<adele@contoso.com>", 550).await;
    client.expect("MAIL FROM:<scanner@contoso.com>", 250).await;
}

#[tokio::test]
async fn outside_the_allow_list_without_require_auth_the_connection_is_refused() {
    let server = TestServer::start(|c| {
        c.require_auth = false;
        c.allowed_networks = vec![
            "10.0.0.0/8".parse().unwrap(),
            "2001:db8::/32".parse().unwrap(),
        ];
    })
    .await;
    let (mut client, code) = Client::connect(server.plain()).await;
    assert_eq!(code, 554);
    assert!(client.closed().await);
    assert_eq!(server.rejected("access"), 1);
    server.assert_nothing_queued().await;
}

#[tokio::test]
async fn an_open_relay_configuration_is_refused_at_bind() {
    let dir = tempfile::tempdir().unwrap();
    let (mut config, _) = smtp_support::config(dir.path());
    config.require_auth = false;
    config.max_recipients = 501;
    let spool = msgraph_relay::spool::Spool::open(dir.path().join("spool"), "t").unwrap();
    let err = msgraph_relay::smtp::SmtpServer::bind(
        &config,
        spool,
        std::sync::Arc::new(msgraph_relay::size_limit::FixedSizeLimit(1)),
        msgraph_relay::metrics::Metrics::new(),
    )
    .await
    .unwrap_err();
    let msgraph_relay::smtp::SmtpError::Config(problems) = err else {
        panic!("{err}");
    };
    assert_eq!(
        problems,
        vec![
            "smtp: `max_recipients` is 501; it must be 1 to 500 (Graph's limit)".to_string(),
            "smtp: `require_auth = false` refuses every client outside `allowed_networks`, \
             which is empty, so nobody could submit: name the networks allowed or set \
             `require_auth = true`"
                .to_string(),
        ]
    );
}

#[tokio::test]
async fn failed_auth_is_locked_out_for_a_while_then_allowed_again() {
    let server = TestServer::start(|c| {
        c.auth_failures_before_delay = 10;
        c.auth_failures_before_lockout = 3;
        c.auth_lockout_secs = 600;
    })
    .await;
    let mut client = tls_client(&server).await;
    let wrong = format!("AUTH PLAIN {}", plain("app1", "guess"));
    client.expect(&wrong, 535).await;
    client.expect(&wrong, 535).await;
    assert_eq!(
        client.command(&wrong).await,
        (
            421,
            "4.7.0 relay.test Too many failed authentications from your address, try again later"
                .into()
        )
    );
    assert!(client.closed().await);
    // Refused at connect while locked out, even with the right password.
    let (mut client, code) = Client::connect(server.plain()).await;
    assert_eq!(code, 421);
    assert!(client.closed().await);
    server.clock.advance(Duration::from_secs(599));
    assert_eq!(Client::connect(server.plain()).await.1, 421);
    server.clock.advance(Duration::from_secs(1));
    let mut client = tls_client(&server).await;
    client
        .expect(&format!("AUTH PLAIN {}", plain("app1", PASSWORD)), 235)
        .await;
    assert_eq!(server.metrics.auth_failures.get(), 3);
}

#[tokio::test]
async fn connections_per_minute_per_address() {
    let server = TestServer::start(|c| c.connections_per_minute = 2).await;
    assert_eq!(Client::connect(server.plain()).await.1, 220);
    assert_eq!(Client::connect(server.plain()).await.1, 220);
    let (mut client, code) = Client::connect(server.plain()).await;
    assert_eq!(code, 421);
    assert!(client.closed().await);
    server.clock.advance(Duration::from_secs(60));
    assert_eq!(Client::connect(server.plain()).await.1, 220);
    assert_eq!(server.rejected("rate"), 1);
}

#[tokio::test]
async fn connection_slots_are_bounded() {
    let server = TestServer::start(|c| {
        c.max_connections = 1;
        c.connections_per_minute = 0;
    })
    .await;
    let (mut first, code) = Client::connect(server.plain()).await;
    assert_eq!(code, 220);
    let (mut second, code) = Client::connect(server.plain()).await;
    assert_eq!(code, 421);
    assert!(second.closed().await);
    first.expect("QUIT", 221).await;
    assert!(first.closed().await);
    // The slot is free again once the first session ended.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (_client, code) = Client::connect(server.plain()).await;
        if code == 220 {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "slot never freed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn an_idle_client_is_closed_after_the_command_timeout() {
    let server = TestServer::start(|c| c.command_timeout_secs = 300).await;
    let mut client = Client::ready(server.plain()).await;
    client.patience = Duration::from_secs(3600);
    let started = tokio::time::Instant::now();
    assert_eq!(
        client.reply().await,
        (
            421,
            "4.4.2 relay.test Error: timeout exceeded, closing connection".into()
        )
    );
    assert_eq!(started.elapsed().as_secs(), 300);
    assert!(client.closed().await);
    assert_eq!(server.rejected("timeout"), 1);
}

#[tokio::test(start_paused = true)]
async fn a_busy_client_is_closed_after_the_connection_timeout() {
    let server = TestServer::start(|c| {
        c.command_timeout_secs = 60;
        c.connection_timeout_secs = 100;
    })
    .await;
    let started = tokio::time::Instant::now();
    let mut client = Client::ready(server.plain()).await;
    client.patience = Duration::from_secs(3600);
    // Commands at 0, 40 and 80 s: each well within the command timeout.
    for i in 0..3 {
        client.expect("NOOP", 250).await;
        if i < 2 {
            tokio::time::sleep(Duration::from_secs(40)).await;
        }
    }
    assert_eq!(
        client.reply().await,
        (
            421,
            "4.4.2 relay.test Error: timeout exceeded, closing connection".into()
        )
    );
    assert_eq!(started.elapsed().as_secs(), 100);
}

#[tokio::test]
async fn shutdown_closes_idle_sessions_and_lets_a_transaction_finish() {
    let server = TestServer::start(|c| {
        c.allowed_networks = vec!["127.0.0.1".parse().unwrap()];
        c.allowed_senders = vec!["@contoso.com".into()];
    })
    .await;
    let addr = server.plain();
    let mut idle = Client::ready(addr).await;
    let mut busy = Client::ready(addr).await;
    busy.expect("MAIL FROM:<a@contoso.com>", 250).await;
    busy.expect("RCPT TO:<b@contoso.com>", 250).await;
    server.trigger_shutdown();
    assert_eq!(
        idle.reply().await,
        (
            421,
            "4.3.2 relay.test Service shutting down, closing connection".into()
        )
    );
    assert!(idle.closed().await);
    // The transaction in progress is completed and acknowledged, then the session ends.
    busy.expect("DATA", 354).await;
    let text = busy
        .expect("Message-ID: <last@contoso.com>\r\n\r\nlast one\r\n.", 250)
        .await;
    assert!(text.starts_with("2.0.0 Ok: queued as "), "{text}");
    assert_eq!(busy.reply().await.0, 421);
    assert!(busy.closed().await);
    let spool = server.spool.clone();
    server.shutdown().await;
    assert_eq!(spool.counts().await.unwrap().queued, 1);
    // No longer accepting.
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

#[tokio::test]
async fn config_problems_name_each_bad_setting() {
    let config: msgraph_relay::config::SmtpConfig = toml::from_str(
        r#"
        listen_tls = ["127.0.0.1:0"]
        tls_key = "/nonexistent/key.pem"
        auth_lockout_secs = 99999999999
        allowed_senders = ["nobody", "@contoso.com", "a@b@c"]
        allowed_networks = ["10.0.0.0/8", "192.0.2.7", "2001:db8::/32"]

        [[users]]
        name = "app1"
        password_hash = "plaintext"
        allowed_senders = ["@"]
        "#,
    )
    .unwrap();
    assert_eq!(
        config.problems(),
        vec![
            "smtp: `tls_key` is set but `tls_cert` is not".to_string(),
            "smtp: `auth_lockout_secs` is 99999999999; at most 31536000 (one year)".to_string(),
            "smtp.allowed_senders: \"nobody\" is not an address, `@domain`, `<>` or `*`"
                .to_string(),
            "smtp.allowed_senders: \"a@b@c\" is not an address, `@domain`, `<>` or `*`".to_string(),
            "smtp.users: user \"app1\": `password_hash` is not an argon2 PHC string \
             (password hash string missing field); make one with `msgraph-relay hash-password`"
                .to_string(),
            "smtp.users: user \"app1\": allowed_senders: \"@\" is not an address, `@domain`, \
             `<>` or `*`"
                .to_string(),
        ]
    );
    let bad: Result<msgraph_relay::config::SmtpConfig, _> =
        toml::from_str(r#"allowed_networks = ["10.0.0.0/33"]"#);
    assert!(bad
        .unwrap_err()
        .to_string()
        .contains("\"10.0.0.0/33\" is neither a CIDR network nor an IP address"));
    // The defaults are usable as they are.
    assert!(msgraph_relay::config::SmtpConfig::default()
        .problems()
        .is_empty());
}

#[tokio::test(start_paused = true)]
async fn failed_auth_answers_are_slowed_past_the_first_threshold() {
    let server = TestServer::start(|c| {
        c.auth_failures_before_delay = 1;
        c.auth_failure_delay_secs = 30;
        c.auth_failures_before_lockout = 0;
    })
    .await;
    let mut client = tls_client(&server).await;
    client.patience = Duration::from_secs(3600);
    let wrong = format!("AUTH PLAIN {}", plain("app1", "guess"));
    let started = tokio::time::Instant::now();
    client.expect(&wrong, 535).await;
    assert_eq!(started.elapsed().as_secs(), 0);
    let started = tokio::time::Instant::now();
    client.expect(&wrong, 535).await;
    assert_eq!(started.elapsed().as_secs(), 30);
}

#[test]
fn smtp_users_never_print_their_hash() {
    let config = msgraph_relay::config::SmtpConfig {
        users: vec![smtp_support::app_user()],
        ..Default::default()
    };
    let printed = format!("{config:?}");
    assert!(printed.contains("name: \"app1\""), "{printed}");
    assert!(!printed.contains("$argon2id$"), "{printed}");
}

#[tokio::test(start_paused = true)]
async fn a_client_that_never_reads_its_replies_is_closed_after_the_command_timeout() {
    // Pipelined commands whose replies the client never reads fill the socket buffers:
    // writing the replies must time out like reading does, or the session (and its
    // connection slot) is held forever.
    let server = TestServer::start(|c| {
        c.max_connections = 1;
        c.connections_per_minute = 0;
        c.command_timeout_secs = 60;
    })
    .await;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(server.plain()).await.unwrap();
    let writer = tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        let mut stream = stream;
        let commands = "EHLO client.test\r\n".repeat(1024);
        for _ in 0..64 {
            if stream.write_all(commands.as_bytes()).await.is_err() {
                break;
            }
        }
        // Kept open (never read) until the test ends.
        std::future::pending::<()>().await;
    });
    tokio::time::sleep(Duration::from_secs(200)).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let (_client, code) = Client::connect(server.plain()).await;
        if code == 220 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the stalled session still holds the only connection slot"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    writer.abort();
}
