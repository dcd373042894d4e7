//! `msgraph-relay sendmail`: what is queued (envelope, stored bytes), the header rewrites,
//! dot handling, the `sendmail` symlink, and the sysexits codes.

mod cli_common;

use cli_common::{run_program, Relay};
use msgraph_relay::spool::{Record, State};

/// The one message in the spool and its stored bytes (the relay's Message-ID line and
/// the Date line, which vary, replaced by placeholders).
async fn only_message(relay: &Relay) -> (Record, String) {
    let spool = relay.spool();
    let records = spool.list(&[], 10).await.unwrap();
    assert_eq!(records.len(), 1, "{records:?}");
    let record = records.into_iter().next().unwrap();
    let body = String::from_utf8(spool.read_body(&record).await.unwrap()).unwrap();
    let body = body
        .lines()
        .map(|line| match line {
            l if l.starts_with("Message-ID: ") => "Message-ID: <ID>",
            l if l.starts_with("Date: ") => "Date: <DATE>",
            l => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    (record, body)
}

#[tokio::test]
async fn dash_t_queues_the_cron_message_for_alex() {
    let relay = Relay::offline("");
    let run = relay.sendmail(
        &["-t"],
        b"To: alex@contoso.com\nFrom: cron@contoso.com\nSubject: cron\n\nbody\n",
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let (record, body) = only_message(&relay).await;
    assert_eq!(record.state, State::Queued);
    assert_eq!(record.envelope.mail_from, "cron@contoso.com");
    assert_eq!(record.envelope.rcpt_to, ["alex@contoso.com"]);
    assert_eq!(record.envelope.client_addr, None);
    assert_eq!(record.subject.as_deref(), Some("cron"));
    assert!(record.message_id_added);
    assert_eq!(
        body,
        "Message-ID: <ID>\nDate: <DATE>\nTo: alex@contoso.com\nFrom: cron@contoso.com\nSubject: cron\n\nbody"
    );
    // Group-writable, for `serve` running as another user of the same group.
    use std::os::unix::fs::PermissionsExt;
    let file = relay
        .spool_dir()
        .join("messages")
        .join(format!("{}.eml", record.id));
    let mode = std::fs::metadata(file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o660, "{mode:o}");
}

#[tokio::test]
async fn bcc_recipients_receive_but_the_bcc_header_is_not_stored() {
    let relay = Relay::offline("");
    let run = relay.sendmail(
        &["-t", "megan@contoso.com"],
        b"From: a@contoso.com\nTo: alex@contoso.com\nCc: Adele <adele@contoso.com>\nBcc: hidden@contoso.com,\n  other@contoso.com\nSubject: s\n\nx\n",
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let (record, body) = only_message(&relay).await;
    assert_eq!(
        record.envelope.rcpt_to,
        [
            "megan@contoso.com",
            "alex@contoso.com",
            "adele@contoso.com",
            "hidden@contoso.com",
            "other@contoso.com"
        ]
    );
    assert_eq!(
        body,
        "Message-ID: <ID>\nDate: <DATE>\nFrom: a@contoso.com\nTo: alex@contoso.com\nCc: Adele <adele@contoso.com>\nSubject: s\n\nx"
    );
}

#[tokio::test]
async fn a_lone_dot_ends_input_unless_dash_i() {
    let message = b"From: a@contoso.com\nSubject: dots\n\nbefore\n..\n.\nafter\n";
    let relay = Relay::offline("");
    assert_eq!(relay.sendmail(&["alex@contoso.com"], message).code, 0);
    let (_, body) = only_message(&relay).await;
    assert!(body.ends_with("\n\nbefore\n.."), "{body}");

    for flag in ["-i", "-oi"] {
        let relay = Relay::offline("");
        assert_eq!(relay.sendmail(&[flag, "alex@contoso.com"], message).code, 0);
        let (_, body) = only_message(&relay).await;
        assert!(body.ends_with("\n\nbefore\n..\n.\nafter"), "{flag}: {body}");
    }
}

#[tokio::test]
async fn dash_f_and_dash_capital_f_make_the_envelope_sender_and_a_missing_from() {
    let relay = Relay::offline("");
    let run = relay.sendmail(
        &[
            "-f",
            "backup@contoso.com",
            "-F",
            "Backup Job",
            "-odb",
            "alex@contoso.com",
        ],
        b"Subject: nightly\n\ndone\n",
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let (record, body) = only_message(&relay).await;
    assert_eq!(record.envelope.mail_from, "backup@contoso.com");
    assert_eq!(record.header_from.as_deref(), Some("backup@contoso.com"));
    assert_eq!(
        body,
        "Message-ID: <ID>\nFrom: \"Backup Job\" <backup@contoso.com>\nDate: <DATE>\nSubject: nightly\n\ndone"
    );
}

#[tokio::test]
async fn the_configured_default_sender_is_used_without_dash_f_or_from() {
    let relay = Relay::offline(
        "[sendmail]\ndefault_sender = \"noreply@contoso.com\"\nmailbox = \"relay@contoso.com\"\n",
    );
    let run = relay.sendmail(&["alex@contoso.com"], b"Subject: s\n\nx\n");
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let (record, body) = only_message(&relay).await;
    assert_eq!(record.envelope.mail_from, "noreply@contoso.com");
    assert_eq!(
        record.envelope.mailbox.as_deref(),
        Some("relay@contoso.com")
    );
    assert!(
        body.starts_with("Message-ID: <ID>\nFrom: noreply@contoso.com\n"),
        "{body}"
    );
}

#[tokio::test]
async fn invoked_through_a_sendmail_symlink() {
    let relay = Relay::offline("");
    let link = relay.dir.path().join("sendmail");
    std::os::unix::fs::symlink(cli_common::BIN, &link).unwrap();
    let config = relay.config_path();
    let run = run_program(
        &link,
        &["-t", "-oi"],
        b"From: a@contoso.com\nTo: alex@contoso.com\nSubject: via link\n\nx\n",
        &[("MSGRAPH_RELAY_CONFIG", config.to_str().unwrap())],
    );
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let (record, _) = only_message(&relay).await;
    assert_eq!(record.subject.as_deref(), Some("via link"));

    // `-bp` through the link lists it.
    let run = run_program(
        &link,
        &["-bp"],
        b"",
        &[("MSGRAPH_RELAY_CONFIG", config.to_str().unwrap())],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(&format!("{}  queued", record.id)),
        "{}",
        run.stdout
    );
    assert!(run.stdout.ends_with("1 message\n"), "{}", run.stdout);
}

#[test]
fn a_bad_configuration_exits_78_with_one_line() {
    let relay = Relay::offline("");
    relay.write_config("[spool]\ndir = 5\n");
    let run = relay.sendmail(&["-t"], b"To: alex@contoso.com\n\nx\n");
    assert_eq!(run.code, 78);
    assert_eq!(
        run.stderr,
        format!(
            "msgraph-relay: {}:2: spool.dir: invalid type: integer `5`, expected path string\n",
            relay.config_path().display()
        )
    );
    let missing = relay.dir.path().join("missing.toml");
    let run = relay.sendmail(
        &["-C", missing.to_str().unwrap(), "alex@contoso.com"],
        b"x\n",
    );
    assert_eq!(run.code, 78);
    assert_eq!(
        run.stderr,
        format!(
            "msgraph-relay: cannot read the configuration {}: No such file or directory (os error 2)\n",
            missing.display()
        )
    );
}

#[test]
fn an_unwritable_spool_exits_75_and_nothing_is_queued() {
    // A spool below a regular file cannot be created, even by root.
    let relay = Relay::offline("");
    let file = relay.dir.path().join("not-a-dir");
    std::fs::write(&file, "x").unwrap();
    let text = std::fs::read_to_string(relay.config_path())
        .unwrap()
        .replace(
            &format!("dir = {:?}", relay.spool_dir().display().to_string()),
            &format!("dir = {:?}", file.join("spool").display().to_string()),
        );
    relay.write_config(&text);
    let run = relay.sendmail(&["-t"], b"To: alex@contoso.com\n\nx\n");
    assert_eq!(run.code, 75);
    assert_eq!(
        run.stderr,
        format!(
            "msgraph-relay: cannot open the spool {}: spool I/O error: Not a directory (os error 20)\n",
            file.join("spool").display()
        )
    );
}

#[tokio::test]
async fn usage_and_data_errors_queue_nothing() {
    let relay = Relay::offline("");
    let cases: [(&[&str], &[u8], i32, &str); 5] = [
        (&["-Z", "a@contoso.com"], b"x\n", 64, "unknown option -Z"),
        (
            &[],
            b"x\n",
            64,
            "no recipients: give addresses as arguments, or -t to read them from the message",
        ),
        (
            &["root"],
            b"x\n",
            64,
            "recipient \"root\" is not an email address (the relay has no local mailboxes)",
        ),
        (
            &["-t"],
            b"Subject: nobody\n\nx\n",
            65,
            "no recipients in To, Cc or Bcc (-t)",
        ),
        (
            &["-bs"],
            b"",
            64,
            "-bs (SMTP on stdin) is not supported: submit over SMTP to `msgraph-relay serve`",
        ),
    ];
    for (args, stdin, code, line) in cases {
        let run = relay.sendmail(args, stdin);
        assert_eq!(
            (run.code, run.stderr.clone()),
            (code, format!("msgraph-relay: {line}\n")),
            "{args:?}"
        );
    }
    let many: String = (0..501).map(|n| format!("u{n}@contoso.com, ")).collect();
    let run = relay.sendmail(&["-t"], format!("To: {many}\n\nx\n").as_bytes());
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            65,
            "msgraph-relay: 501 recipients: Graph takes at most 500 per message\n"
        )
    );
    assert_eq!(relay.spool().list(&[], 10).await.unwrap(), []);
}

#[tokio::test]
async fn a_message_over_the_size_limit_exits_65_and_is_not_queued() {
    let relay = Relay::offline("[sendmail]\nmax_message_size = 1000\n");
    let mut message = b"From: a@contoso.com\nSubject: big\n\n".to_vec();
    message.extend(std::iter::repeat_n(b'x', 2000));
    let run = relay.sendmail(&["alex@contoso.com"], &message);
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            65,
            "msgraph-relay: the message is larger than 1000 bytes ([sendmail] max_message_size)\n"
        )
    );
    assert_eq!(relay.spool().list(&[], 10).await.unwrap(), []);
    let incoming = std::fs::read_dir(relay.spool_dir().join("incoming"))
        .unwrap()
        .count();
    assert_eq!(incoming, 0);
}
