//! Retries, permanent failures and failure reports (issue 17 item 8), and the sending
//! mailbox rules with Send As (item 5).

mod delivery_common;

use delivery_common::{capture_log, config, envelope, rig};
use msgraph_outlook_sandbox::Fault;
use msgraph_relay::config::DeliveryConfig;
use msgraph_relay::envelope::Envelope;
use msgraph_relay::spool::State;
use std::time::Duration;

const FROM_PRINTER: &[u8] = b"Message-ID: <scan-1@printer>\r\n\
From: Printer <printer@contoso.com>\r\n\
To: alex@contoso.com\r\n\
Subject: Scan 0815\r\n\
\r\n\
Scanned.\r\n";

/// The envelope of a submission that fixed the relay's own mailbox (an SMTP user's).
fn via_relay_mailbox(mail_from: &str) -> Envelope {
    let mut envelope = envelope(mail_from, &["alex@contoso.com"]);
    envelope.mailbox = Some("relay@contoso.com".into());
    envelope
}

#[tokio::test]
async fn a_throttled_attempt_is_retried_and_then_delivered_once() {
    let rig = rig(config()).await;
    rig.sandbox.fail_next(1, Fault::Throttle);
    let id = rig
        .enqueue(envelope("adele@contoso.com", &["alex@contoso.com"]), b"Message-ID: <t-1@x>\r\nFrom: adele@contoso.com\r\nTo: alex@contoso.com\r\nSubject: t\r\n\r\nx\r\n")
        .await;
    assert_eq!(rig.deliverer.run_due().await.unwrap(), 1);
    let record = rig.record(&id).await;
    assert_eq!((record.state, record.attempts), (State::Queued, 1));
    assert!(
        record
            .last_error
            .as_deref()
            .unwrap()
            .starts_with("TooManyRequests"),
        "{:?}",
        record.last_error
    );
    // Retry-After: 0 from the sandbox: due again right away.
    assert_eq!(record.next_attempt_at, rig.clock_now());
    assert_eq!(rig.metrics.throttled.get(), 1);
    assert_eq!(rig.count("alex@contoso.com", "inbox", "<t-1@x>"), 0);

    assert_eq!(rig.deliverer.run_due().await.unwrap(), 1);
    let record = rig.record(&id).await;
    assert_eq!((record.state, record.attempts), (State::Sent, 2));
    assert_eq!(rig.count("alex@contoso.com", "inbox", "<t-1@x>"), 1);
    assert_eq!(rig.metrics.delivered.get(), 1);
}

#[tokio::test]
async fn send_as_denied_fails_at_once_with_the_graph_code_and_reports_to_the_sender() {
    let rig = rig(config()).await;
    let log = capture_log();
    let id = rig
        .enqueue(via_relay_mailbox("printer@contoso.com"), FROM_PRINTER)
        .await;
    assert_eq!(rig.deliverer.run_due().await.unwrap(), 1);
    let record = rig.record(&id).await;
    assert_eq!((record.state, record.attempts), (State::Failed, 1));
    assert_eq!(record.mailbox.as_deref(), Some("relay@contoso.com"));
    let error = record.last_error.unwrap();
    assert!(error.starts_with("ErrorSendAsDenied: "), "{error}");
    assert_eq!(rig.metrics.failed.get(), 1);
    assert_eq!(
        rig.count("alex@contoso.com", "inbox", "<scan-1@printer>"),
        0
    );

    // The report is queued from <> to the envelope sender, sent from the same mailbox.
    let queued = rig.spool.list(&[State::Queued], 10).await.unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].envelope.mail_from, "");
    assert_eq!(queued[0].envelope.rcpt_to, ["printer@contoso.com"]);
    assert_eq!(
        queued[0].envelope.mailbox.as_deref(),
        Some("relay@contoso.com")
    );
    assert_eq!(rig.deliverer.run_due().await.unwrap(), 1);
    let inbox = rig.sandbox.messages("printer@contoso.com", "inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["subject"], "Undeliverable: Scan 0815");
    assert_eq!(
        inbox[0]["from"]["emailAddress"]["address"],
        "relay@contoso.com"
    );
    let body = inbox[0]["body"]["content"].as_str().unwrap();
    assert!(body.contains("ErrorSendAsDenied"), "{body}");
    assert!(body.contains("alex@contoso.com"), "{body}");

    let failed: Vec<_> = log
        .lines(&id)
        .into_iter()
        .filter(|l| l["state"] == "failed")
        .collect();
    assert_eq!(failed.len(), 2, "the failure, then the report");
    assert!(failed[0]["outcome"]
        .as_str()
        .unwrap()
        .starts_with("ErrorSendAsDenied"));
    assert!(failed[1]["outcome"]
        .as_str()
        .unwrap()
        .starts_with("failure report queued as "));
}

#[tokio::test]
async fn with_send_as_granted_the_relay_mailbox_sends_as_the_from_address() {
    let rig = rig(config()).await;
    rig.sandbox
        .grant_send_as("printer@contoso.com", "relay@contoso.com");
    let id = rig
        .enqueue(via_relay_mailbox("printer@contoso.com"), FROM_PRINTER)
        .await;
    rig.deliverer.run_due().await.unwrap();
    assert_eq!(rig.record(&id).await.state, State::Sent);
    let copy = &rig.sandbox.messages("alex@contoso.com", "inbox")[0];
    assert_eq!(
        copy["from"]["emailAddress"]["address"],
        "printer@contoso.com"
    );
    assert_eq!(
        copy["sender"]["emailAddress"]["address"],
        "printer@contoso.com"
    );
    assert_eq!(
        rig.count("relay@contoso.com", "sentitems", "<scan-1@printer>"),
        1
    );
}

#[tokio::test]
async fn the_null_sender_gets_no_report() {
    let rig = rig(config()).await;
    let id = rig.enqueue(via_relay_mailbox(""), FROM_PRINTER).await;
    rig.deliverer.run_due().await.unwrap();
    assert_eq!(rig.record(&id).await.state, State::Failed);
    let counts = rig.spool.counts().await.unwrap();
    assert_eq!((counts.failed, counts.queued), (1, 0));
}

#[tokio::test]
async fn transient_failures_past_max_age_fail_and_are_reported() {
    let rig = rig(DeliveryConfig {
        max_age: Duration::from_secs(3600),
        retry_initial: Duration::from_secs(600),
        ..config()
    })
    .await;
    rig.sandbox.fail_next(2, Fault::Unavailable);
    let id = rig
        .enqueue(
            envelope("adele@contoso.com", &["alex@contoso.com"]),
            b"Message-ID: <old-1@x>\r\nFrom: adele@contoso.com\r\nTo: alex@contoso.com\r\nSubject: Old news\r\n\r\nx\r\n",
        )
        .await;
    rig.deliverer.run_due().await.unwrap();
    assert_eq!(rig.record(&id).await.state, State::Queued);
    rig.advance(Duration::from_secs(3000));
    rig.deliverer.run_due().await.unwrap();
    assert_eq!(rig.record(&id).await.state, State::Queued);
    assert_eq!(rig.metrics.throttled.get(), 2);
    rig.advance(Duration::from_secs(601));
    rig.deliverer.run_due().await.unwrap();
    let record = rig.record(&id).await;
    assert_eq!((record.state, record.attempts), (State::Failed, 2));
    let error = record.last_error.unwrap();
    assert!(
        error.starts_with("not delivered within 3600 s: "),
        "{error}"
    );
    // The report goes to Adele.
    rig.deliverer.run_due().await.unwrap();
    let inbox = rig.sandbox.messages("adele@contoso.com", "inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["subject"], "Undeliverable: Old news");
    assert_eq!(rig.count("alex@contoso.com", "inbox", "<old-1@x>"), 0);
}

#[tokio::test]
async fn a_failed_report_is_not_reported_again() {
    let rig = rig(config()).await;
    // The report itself (null sender) cannot be sent either: the mailbox is gone.
    let mut report_envelope = envelope("", &["printer@contoso.com"]);
    report_envelope.mailbox = Some("nobody@contoso.com".into());
    let id = rig
        .enqueue(
            report_envelope,
            b"From: nobody@contoso.com\r\nTo: printer@contoso.com\r\nSubject: Undeliverable: x\r\nAuto-Submitted: auto-replied\r\n\r\nx\r\n",
        )
        .await;
    rig.deliverer.run_due().await.unwrap();
    let record = rig.record(&id).await;
    assert_eq!(record.state, State::Failed);
    assert_eq!(rig.spool.counts().await.unwrap().queued, 0);
}

#[tokio::test]
async fn with_send_as_sender_the_relay_mailbox_sends_on_behalf_of_the_from_address() {
    let rig = rig(DeliveryConfig {
        send_as: msgraph_relay::config::SendAs::Sender,
        ..config()
    })
    .await;
    rig.sandbox
        .grant_send_on_behalf("printer@contoso.com", "relay@contoso.com");
    // Both paths: MIME (small) and draft (a header recipient outside the envelope).
    let draft = b"Message-ID: <scan-2@printer>\r\nFrom: printer@contoso.com\r\n\
To: alex@contoso.com, outsider@contoso.com\r\nSubject: Scan 0816\r\n\r\nScanned.\r\n";
    for message in [FROM_PRINTER, &draft[..]] {
        let id = rig
            .enqueue(via_relay_mailbox("printer@contoso.com"), message)
            .await;
        rig.deliverer.run_due().await.unwrap();
        assert_eq!(rig.record(&id).await.state, State::Sent);
    }
    let inbox = rig.sandbox.messages("alex@contoso.com", "inbox");
    assert_eq!(inbox.len(), 2);
    for copy in &inbox {
        assert_eq!(
            copy["from"]["emailAddress"]["address"],
            "printer@contoso.com"
        );
        assert_eq!(
            copy["sender"]["emailAddress"]["address"],
            "relay@contoso.com"
        );
    }
}
