//! `msgraph-relay queue list|show|retry|delete`: output and state read back from the
//! spool afterwards.

mod cli_common;

use chrono::Utc;
use cli_common::Relay;
use msgraph_relay::envelope::Envelope;
use msgraph_relay::spool::{QueueId, State};

async fn queue_one(relay: &Relay, subject: &str) -> QueueId {
    relay
        .spool()
        .enqueue(
            Envelope::new(
                "adele@contoso.com",
                vec!["alex@contoso.com".into(), "megan@contoso.com".into()],
            ),
            format!("From: adele@contoso.com\nSubject: {subject}\n\nhi\n").as_bytes(),
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn list_shows_one_row_per_message_with_its_columns() {
    let relay = Relay::offline("");
    let first = queue_one(&relay, "first").await;
    let second = queue_one(&relay, "second").await;
    let spool = relay.spool();
    spool
        .mark_failed(
            &second,
            "ErrorSendAsDenied: not allowed",
            Some("req-1"),
            Utc::now(),
        )
        .await
        .unwrap();
    let run = relay.run(&["queue", "list"], b"");
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{}", run.stdout);
    let columns = |line: &str| -> Vec<String> {
        line.split("  ")
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(String::from)
            .collect()
    };
    assert_eq!(
        columns(lines[0]),
        [
            "ID",
            "STATE",
            "AGE",
            "TRY",
            "FROM",
            "RCPT",
            "SIZE",
            "SUBJECT",
            "LAST ERROR"
        ]
    );
    let size = |subject: &str| {
        format!("From: adele@contoso.com\r\nSubject: {subject}\r\n\r\nhi\r\n")
            .len()
            .to_string()
    };
    assert_eq!(
        columns(lines[1]),
        [
            first.as_str(),
            "queued",
            "0s",
            "0",
            "adele@contoso.com",
            "2",
            &size("first"),
            "first"
        ]
    );
    assert_eq!(
        columns(lines[2]),
        [
            second.as_str(),
            "failed",
            "0s",
            "0",
            "adele@contoso.com",
            "2",
            &size("second"),
            "second",
            "ErrorSendAsDenied: not allowed"
        ]
    );
    assert_eq!(lines[3], "2 messages");
}

#[tokio::test]
async fn show_prints_every_field() {
    let relay = Relay::offline("");
    let id = queue_one(&relay, "details").await;
    let record = relay.spool().get(&id).await.unwrap();
    let run = relay.run(&["queue", "show", id.as_str()], b"");
    assert_eq!((run.code, run.stderr.as_str()), (0, ""));
    for line in [
        format!("id: {id}"),
        "state: queued".to_string(),
        format!("message-id: {}", record.message_id),
        "mail from: adele@contoso.com".to_string(),
        "rcpt to: alex@contoso.com, megan@contoso.com".to_string(),
        "client: sendmail".to_string(),
        "subject: details".to_string(),
        "attempts: 0".to_string(),
        "last error: -".to_string(),
    ] {
        assert!(
            run.stdout.lines().any(|l| l == line),
            "{line:?} not in\n{}",
            run.stdout
        );
    }
}

#[tokio::test]
async fn retry_makes_a_failed_message_queued_again() {
    let relay = Relay::offline("");
    let id = queue_one(&relay, "again").await;
    let spool = relay.spool();
    spool
        .mark_failed(&id, "boom", None, Utc::now())
        .await
        .unwrap();
    let run = relay.run(&["queue", "retry", id.as_str()], b"");
    assert_eq!(
        (run.code, run.stdout.clone(), run.stderr.as_str()),
        (0, format!("{id}: due now\n"), "")
    );
    assert_eq!(spool.get(&id).await.unwrap().state, State::Queued);
}

#[tokio::test]
async fn retry_all_covers_every_waiting_message() {
    let relay = Relay::offline("");
    let a = queue_one(&relay, "a").await;
    let b = queue_one(&relay, "b").await;
    let spool = relay.spool();
    spool.mark_failed(&a, "x", None, Utc::now()).await.unwrap();
    spool.mark_failed(&b, "y", None, Utc::now()).await.unwrap();
    let run = relay.run(&["queue", "retry", "--all"], b"");
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stdout,
        format!("{a}: due now\n{b}: due now\n2 message(s) due now\n")
    );
    for id in [a, b] {
        assert_eq!(spool.get(&id).await.unwrap().state, State::Queued);
    }
}

#[tokio::test]
async fn delete_removes_row_and_file() {
    let relay = Relay::offline("");
    let id = queue_one(&relay, "gone").await;
    let run = relay.run(&["queue", "delete", id.as_str()], b"");
    assert_eq!(
        (run.code, run.stdout.clone()),
        (0, format!("{id}: deleted\n"))
    );
    assert!(relay.spool().get(&id).await.is_err());
    assert!(!relay
        .spool_dir()
        .join("messages")
        .join(format!("{id}.eml"))
        .exists());
}

#[tokio::test]
async fn a_message_being_sent_cannot_be_deleted() {
    let relay = Relay::offline("");
    let id = queue_one(&relay, "busy").await;
    relay
        .spool()
        .mark_sending(&id, "adele@contoso.com", "mime", "crid", Utc::now())
        .await
        .unwrap();
    let run = relay.run(&["queue", "delete", id.as_str()], b"");
    assert_eq!(
        (run.code, run.stderr),
        (
            75,
            format!("msgraph-relay: message {id} is sending: not possible in this state\n")
        )
    );
    assert_eq!(relay.spool().get(&id).await.unwrap().state, State::Sending);
}

#[test]
fn unknown_and_malformed_ids() {
    let relay = Relay::offline("");
    let run = relay.run(&["queue", "show", "0123456789abcdef"], b"");
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            66,
            "msgraph-relay: no message 0123456789abcdef in the queue\n"
        )
    );
    let run = relay.run(&["queue", "retry", "nope"], b"");
    assert_eq!(
        (run.code, run.stderr.as_str()),
        (
            64,
            "msgraph-relay: \"nope\" is not a queue id (16 hexadecimal digits)\n"
        )
    );
    // clap: neither an id nor --all.
    assert_eq!(relay.run(&["queue", "retry"], b"").code, 64);
}
