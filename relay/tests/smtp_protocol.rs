//! The SMTP protocol over real TCP with a raw client: extensions, pipelining, dot-stuffing,
//! every bad-input case with its exact reply, and that nothing is queued for any of them.

mod smtp_support;

use msgraph_relay::envelope::Envelope;
use msgraph_relay::size_limit::FixedSizeLimit;
use smtp_support::{Client, TestServer};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// A client on 127.0.0.1 may submit without AUTH as anyone at contoso.com.
fn trusted(config: &mut msgraph_relay::config::SmtpConfig) {
    config.allowed_networks = vec!["127.0.0.1".parse().unwrap()];
    config.allowed_senders = vec!["@contoso.com".into()];
}

#[tokio::test]
async fn ehlo_advertises_the_extensions_and_no_auth_before_tls() {
    let server = TestServer::start(|_| {}).await;
    let (mut client, code) = Client::connect(server.plain()).await;
    assert_eq!(code, 220);
    let text = client.expect("EHLO client.test", 250).await;
    assert_eq!(
        text,
        "relay.test\nPIPELINING\nSIZE 36700160\n8BITMIME\nSMTPUTF8\nENHANCEDSTATUSCODES\nSTARTTLS"
    );
    assert_eq!(
        client.command("HELO client.test").await,
        (250, "relay.test".into())
    );
    assert_eq!(
        client.command("AUTH PLAIN AGFwcDEAcHc=").await,
        (
            538,
            "5.7.11 Encryption required for requested authentication mechanism".into()
        )
    );
    assert_eq!(client.command("AUTH LOGIN").await.0, 538);
    assert_eq!(client.command("QUIT").await, (221, "2.0.0 Bye".into()));
    assert!(client.closed().await);
}

#[tokio::test]
async fn auth_without_tls_is_offered_only_when_allowed() {
    let server = TestServer::start(|c| c.allow_auth_without_tls = true).await;
    let mut client = Client::ready(server.plain()).await;
    let text = client.expect("EHLO client.test", 250).await;
    assert!(text.ends_with("\nSTARTTLS\nAUTH PLAIN LOGIN"), "{text}");
    client
        .expect(
            &format!(
                "AUTH PLAIN {}",
                smtp_support::plain("app1", smtp_support::PASSWORD)
            ),
            235,
        )
        .await;
}

#[tokio::test]
async fn pipelined_transaction_is_unstuffed_queued_and_acknowledged_with_its_queue_id() {
    let server = TestServer::start(trusted).await;
    let mut client = Client::ready(server.plain()).await;
    // One write: the whole transaction up to DATA (RFC 2920).
    client
        .send(b"MAIL FROM:<Scanner@contoso.com> SIZE=120 BODY=8BITMIME\r\nRCPT TO:<alex@fabrikam.com>\r\nRCPT TO:<megan@contoso.com>\r\nDATA\r\n")
        .await;
    assert_eq!(client.reply().await, (250, "2.0.0 Ok".into()));
    assert_eq!(client.reply().await, (250, "2.0.0 Ok".into()));
    assert_eq!(client.reply().await, (250, "2.0.0 Ok".into()));
    assert_eq!(
        client.reply().await,
        (354, "End data with <CR><LF>.<CR><LF>".into())
    );
    client
        .send(b"Message-ID: <scan-1@contoso.com>\r\nSubject: scan\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n")
        .await;
    let (code, text) = client.reply().await;
    assert_eq!(code, 250);
    let id = text
        .strip_prefix("2.0.0 Ok: queued as ")
        .expect(&text)
        .to_string();
    assert_eq!(client.reply().await, (221, "2.0.0 Bye".into()));

    let queued = server.queued().await;
    assert_eq!(queued.len(), 1);
    let record = &queued[0];
    assert_eq!(record.id.as_str(), id);
    assert_eq!(
        record.envelope,
        Envelope {
            mail_from: "Scanner@contoso.com".into(),
            rcpt_to: vec!["alex@fabrikam.com".into(), "megan@contoso.com".into()],
            smtp_user: None,
            client_addr: Some("127.0.0.1".parse::<IpAddr>().unwrap()),
            mailbox: None,
        }
    );
    assert_eq!(record.message_id, "<scan-1@contoso.com>");
    assert_eq!(
        server.spool.read_body(record).await.unwrap(),
        b"Message-ID: <scan-1@contoso.com>\r\nSubject: scan\r\n\r\n.leading dot\r\n".to_vec()
    );
    assert_eq!(server.metrics.accepted.get(), 1);
}

#[tokio::test]
async fn commands_out_of_order_unknown_or_malformed_get_their_codes() {
    let server = TestServer::start(trusted).await;
    let (mut client, _) = Client::connect(server.plain()).await;
    let cases: &[(&str, u16, &str)] = &[
        (
            "MAIL FROM:<a@contoso.com>",
            503,
            "5.5.1 Send EHLO/HELO first",
        ),
        ("EHLO", 501, "5.5.4 Syntax error: EHLO/HELO needs a domain"),
        ("EHLO client.test", 250, ""),
        (
            "RCPT TO:<b@contoso.com>",
            503,
            "5.5.1 Need MAIL before RCPT",
        ),
        ("DATA", 503, "5.5.1 Need MAIL before DATA"),
        ("FOO bar", 500, "5.5.1 Command unrecognized"),
        (
            "MAIL FROM:a@contoso.com",
            501,
            "5.1.7 Bad sender address syntax",
        ),
        (
            "MAIL FROM:<a@contoso.com> SIZE=big",
            501,
            "5.5.4 Syntax error: SIZE=digits",
        ),
        (
            "MAIL FROM:<a@contoso.com> BODY=BINARYMIME",
            555,
            "5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented",
        ),
        ("MAIL FROM:<a@contoso.com>", 250, "2.0.0 Ok"),
        (
            "MAIL FROM:<a@contoso.com>",
            503,
            "5.5.1 Sender already specified",
        ),
        ("DATA", 503, "5.5.1 Need RCPT before DATA"),
        (
            "RCPT TO:<no-at-sign>",
            501,
            "5.1.3 Bad recipient address syntax",
        ),
        (
            "RCPT TO:<b@contoso.com> NOTIFY=NEVER",
            555,
            "5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented",
        ),
        ("RSET x", 501, "5.5.4 Syntax error: no parameters allowed"),
        ("RSET", 250, "2.0.0 Ok"),
        (
            "RCPT TO:<b@contoso.com>",
            503,
            "5.5.1 Need MAIL before RCPT",
        ),
        ("NOOP", 250, "2.0.0 Ok"),
        (
            "VRFY adele",
            252,
            "2.0.0 Cannot VRFY user, but will accept message and attempt delivery",
        ),
        ("EXPN staff", 502, "5.5.1 EXPN not available"),
        (
            "HELP",
            214,
            "2.0.0 Commands: EHLO HELO STARTTLS AUTH MAIL RCPT DATA RSET NOOP VRFY HELP QUIT",
        ),
        ("BDAT 10 LAST", 500, "5.5.1 Command unrecognized"),
        ("AUΩΩ PLAIN", 500, "5.5.1 Command unrecognized"),
        (
            "MAIL FRΩΩ:<a@contoso.com>",
            501,
            "5.1.7 Bad sender address syntax",
        ),
    ];
    for (line, code, text) in cases {
        let (got_code, got_text) = client.command(line).await;
        assert_eq!(got_code, *code, "{line}: {got_text}");
        if !text.is_empty() {
            assert_eq!(got_text, *text, "{line}");
        }
    }
    client.expect("QUIT", 221).await;
    server.assert_nothing_queued().await;
    assert!(
        server.rejected("syntax") >= 7,
        "{}",
        server.rejected("syntax")
    );
}

#[tokio::test]
async fn long_lines_bare_lf_and_nul_are_refused_and_the_session_goes_on() {
    let server = TestServer::start(trusted).await;
    let mut client = Client::ready(server.plain()).await;
    // 1,001 octets with the CRLF.
    let long = format!("NOOP {}", "x".repeat(994));
    assert_eq!(long.len() + 2, 1001);
    assert_eq!(
        client.command(&long).await,
        (500, "5.5.2 Line too long".into())
    );
    // Exactly 1,000 is fine.
    assert_eq!(client.command(&long[..998]).await.0, 250);
    // A megabyte without a newline is skipped as it arrives, then refused once.
    client.send(&vec![b'A'; 1 << 20]).await;
    assert_eq!(
        client.command("").await,
        (500, "5.5.2 Line too long".into())
    );
    let bad =
        "5.5.2 Syntax error: command lines end with <CR><LF> and contain no bare <CR>, <LF> or NUL";
    client.send(b"NOOP\n").await;
    assert_eq!(client.reply().await, (500, bad.into()));
    client.send(b"NO\0OP\r\n").await;
    assert_eq!(client.reply().await, (500, bad.into()));
    client.send(b"NOOP\rMAIL FROM:<a@contoso.com>\r\n").await;
    assert_eq!(client.reply().await, (500, bad.into()));
    client.send(b"NOOP \xff\r\n").await;
    assert_eq!(
        client.reply().await,
        (501, "5.5.4 Syntax error: command is not valid UTF-8".into())
    );
    // Still in step: none of the refused lines started a transaction.
    client.expect("RCPT TO:<b@contoso.com>", 503).await;
    client.expect("QUIT", 221).await;
    server.assert_nothing_queued().await;
}

#[tokio::test]
async fn the_501st_recipient_is_refused_with_452() {
    let server = TestServer::start(trusted).await;
    let mut client = Client::ready(server.plain()).await;
    client.expect("MAIL FROM:<a@contoso.com>", 250).await;
    let mut batch = String::new();
    for i in 0..500 {
        batch.push_str(&format!("RCPT TO:<user{i}@contoso.com>\r\n"));
    }
    client.send(batch.as_bytes()).await;
    for _ in 0..500 {
        assert_eq!(client.reply().await.0, 250);
    }
    assert_eq!(
        client.command("RCPT TO:<one-too-many@contoso.com>").await,
        (452, "4.5.3 Too many recipients".into())
    );
    // The configured limit is lower still when set.
    client.expect("RSET", 250).await;
    server.assert_nothing_queued().await;
    assert_eq!(server.rejected("recipients"), 1);

    let server = TestServer::start(|c| {
        trusted(c);
        c.max_recipients = 2;
    })
    .await;
    let mut client = Client::ready(server.plain()).await;
    client.expect("MAIL FROM:<a@contoso.com>", 250).await;
    client.expect("RCPT TO:<b@contoso.com>", 250).await;
    client.expect("RCPT TO:<c@contoso.com>", 250).await;
    client.expect("RCPT TO:<d@contoso.com>", 452).await;
}

#[tokio::test]
async fn size_is_refused_at_mail_from_and_at_the_end_of_data_without_queueing() {
    let server = TestServer::start_with_limit(trusted, Arc::new(FixedSizeLimit(1000))).await;
    let mut client = Client::ready(server.plain()).await;
    assert_eq!(
        client.command("MAIL FROM:<a@contoso.com> SIZE=1001").await,
        (
            552,
            "5.3.4 Message size exceeds the limit of 1000 bytes".into()
        )
    );
    client
        .expect("MAIL FROM:<a@contoso.com> SIZE=1000", 250)
        .await;
    client.expect("RCPT TO:<b@contoso.com>", 250).await;
    client.expect("DATA", 354).await;
    // 2 MB, far over the limit: read and discarded, then 552 in step.
    let line = format!("{}\r\n", "y".repeat(998));
    for _ in 0..2000 {
        client.send(line.as_bytes()).await;
    }
    client.send(b".\r\n").await;
    assert_eq!(
        client.reply().await,
        (
            552,
            "5.3.4 Message size exceeds the limit of 1000 bytes".into()
        )
    );
    // The session is usable afterwards and the transaction is gone.
    client.expect("RCPT TO:<b@contoso.com>", 503).await;
    client.expect("NOOP", 250).await;
    server.assert_nothing_queued().await;
    assert_eq!(server.rejected("size"), 2);

    // The configured cap applies even when the mailbox allows more.
    let server = TestServer::start(|c| {
        trusted(c);
        c.max_message_size = 10;
    })
    .await;
    let mut client = Client::ready(server.plain()).await;
    let text = client.expect("EHLO client.test", 250).await;
    assert!(text.contains("\nSIZE 10\n"), "{text}");
    client
        .expect("MAIL FROM:<a@contoso.com> SIZE=11", 552)
        .await;
}

#[tokio::test]
async fn a_connection_dropped_mid_data_queues_nothing() {
    let server = TestServer::start(trusted).await;
    let mut client = Client::ready(server.plain()).await;
    client.expect("MAIL FROM:<a@contoso.com>", 250).await;
    client.expect("RCPT TO:<b@contoso.com>", 250).await;
    client.expect("DATA", 354).await;
    let incoming = server.spool.dir().join("incoming");
    assert_eq!(std::fs::read_dir(&incoming).unwrap().count(), 1);
    client
        .send(b"Subject: half\r\n\r\nthe first half\r\n")
        .await;
    drop(client);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while std::fs::read_dir(&incoming).unwrap().count() > 0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "partial file not removed"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.assert_nothing_queued().await;
    assert_eq!(server.metrics.accepted.get(), 0);
}

#[tokio::test]
async fn a_spool_failure_is_451_and_nothing_is_acknowledged() {
    let server = TestServer::start(trusted).await;
    // The commit's rename into messages/ fails.
    std::fs::remove_dir_all(server.spool.dir().join("messages")).unwrap();
    let mut client = Client::ready(server.plain()).await;
    client.expect("MAIL FROM:<a@contoso.com>", 250).await;
    client.expect("RCPT TO:<b@contoso.com>", 250).await;
    client.expect("DATA", 354).await;
    assert_eq!(
        client.command("Subject: x\r\n\r\nbody\r\n.").await,
        (
            451,
            "4.3.0 Error: queue file write error, try again later".into()
        )
    );
    assert_eq!(server.spool.counts().await.unwrap().queued, 0);
    assert_eq!(server.metrics.accepted.get(), 0);
    assert_eq!(server.rejected("spool"), 1);
}

#[tokio::test]
async fn non_ascii_addresses_need_smtputf8() {
    let server = TestServer::start(trusted).await;
    let mut client = Client::ready(server.plain()).await;
    assert_eq!(
        client.command("MAIL FROM:<δοκιμή@contoso.com>").await,
        (
            553,
            "5.6.7 Non-ASCII addresses need the SMTPUTF8 parameter".into()
        )
    );
    client.expect("MAIL FROM:<ascii@contoso.com>", 250).await;
    client.expect("RCPT TO:<用户@fabrikam.com>", 553).await;
    client.expect("RSET", 250).await;
    client
        .expect("MAIL FROM:<δοκιμή@contoso.com> SMTPUTF8", 250)
        .await;
    client.expect("RCPT TO:<用户@fabrikam.com>", 250).await;
    client.expect("DATA", 354).await;
    let text = client
        .expect(
            "Message-ID: <u@contoso.com>\r\nSubject: ünïcode\r\n\r\nhi\r\n.",
            250,
        )
        .await;
    assert!(text.starts_with("2.0.0 Ok: queued as "), "{text}");
    let queued = server.queued().await;
    assert_eq!(queued[0].envelope.mail_from, "δοκιμή@contoso.com");
    assert_eq!(
        queued[0].envelope.rcpt_to,
        vec!["用户@fabrikam.com".to_string()]
    );
}

#[tokio::test]
async fn starttls_discards_pipelined_input_and_resets_the_session() {
    let server = TestServer::start(|_| {}).await;
    let mut client = Client::ready(server.plain()).await;
    // NOOP pipelined after STARTTLS must never be answered (it arrived in plaintext).
    client.send(b"STARTTLS\r\nNOOP\r\n").await;
    assert_eq!(
        client.reply().await,
        (220, "2.0.0 Ready to start TLS".into())
    );
    let mut client = client.start_tls(&server.cert_pem).await;
    // The EHLO before TLS is forgotten: the first answer is to this MAIL, not the NOOP.
    assert_eq!(
        client.command("MAIL FROM:<a@contoso.com>").await,
        (503, "5.5.1 Send EHLO/HELO first".into())
    );
    let text = client.expect("EHLO client.test", 250).await;
    assert!(
        text.ends_with("ENHANCEDSTATUSCODES\nAUTH PLAIN LOGIN"),
        "{text}"
    );
    assert_eq!(
        client.command("STARTTLS").await,
        (503, "5.5.1 TLS already active".into())
    );
}

#[tokio::test]
async fn starttls_is_not_offered_without_a_certificate() {
    let server = TestServer::start(|c| {
        c.tls_cert = None;
        c.tls_key = None;
        c.listen_tls.clear();
    })
    .await;
    let mut client = Client::ready(server.plain()).await;
    let text = client.expect("EHLO client.test", 250).await;
    assert!(!text.contains("STARTTLS"), "{text}");
    assert_eq!(
        client.command("STARTTLS").await,
        (502, "5.5.1 STARTTLS not available".into())
    );
}

#[tokio::test]
async fn a_slow_client_in_data_does_not_hold_up_another_client() {
    let server = TestServer::start(trusted).await;
    let mut slow = Client::ready(server.plain()).await;
    slow.expect("MAIL FROM:<slow@contoso.com>", 250).await;
    slow.expect("RCPT TO:<b@contoso.com>", 250).await;
    slow.expect("DATA", 354).await;
    slow.send(b"Message-ID: <slow@contoso.com>\r\n\r\nfirst half\r\n")
        .await;
    // Meanwhile another client goes through a whole transaction.
    let mut fast = Client::ready(server.plain()).await;
    fast.expect("MAIL FROM:<fast@contoso.com>", 250).await;
    fast.expect("RCPT TO:<b@contoso.com>", 250).await;
    fast.expect("DATA", 354).await;
    fast.expect("Message-ID: <fast@contoso.com>\r\n\r\nx\r\n.", 250)
        .await;
    let queued = server.queued().await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].envelope.mail_from, "fast@contoso.com");
    slow.expect("second half\r\n.", 250).await;
    assert_eq!(server.queued().await.len(), 2);
}
