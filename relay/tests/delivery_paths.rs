//! Delivery through the sandbox: the MIME path with the envelope's recipients, the draft
//! path when headers name someone outside the envelope, the delivery log and metrics.

mod delivery_common;

use delivery_common::{capture_log, config, envelope, rig};
use msgraph_relay::spool::State;
use serde_json::json;

fn addresses(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["emailAddress"]["address"].as_str().unwrap().to_string())
        .collect()
}

const MESSAGE: &[u8] = b"Message-ID: <paths-1@relay.test>\r\n\
From: Adele Vance <adele@contoso.com>\r\n\
To: Alex Wilber <alex@contoso.com>\r\n\
Cc: megan@contoso.com\r\n\
Bcc: other@contoso.com\r\n\
Subject: Quarterly numbers\r\n\
X-Mailer: cron\r\n\
\r\n\
See the numbers.\r\n";

#[tokio::test]
async fn mime_path_delivers_to_the_envelope_recipients_with_the_message_id_and_bcc_hidden() {
    let rig = rig(config()).await;
    let log = capture_log();
    let id = rig
        .enqueue(
            envelope(
                "adele@contoso.com",
                &[
                    "alex@contoso.com",
                    "megan@contoso.com",
                    "hidden@contoso.com",
                ],
            ),
            MESSAGE,
        )
        .await;
    assert_eq!(rig.deliverer.run_due().await.unwrap(), 1);

    let record = rig.record(&id).await;
    assert_eq!(record.state, State::Sent);
    assert_eq!(record.path.as_deref(), Some("mime"));
    assert_eq!(record.mailbox.as_deref(), Some("adele@contoso.com"));
    assert_eq!(record.attempts, 1);
    // The relay's client-request-id is the one Graph got.
    let crid = record.client_request_id.clone().unwrap();
    let send = rig
        .sandbox
        .graph_requests()
        .into_iter()
        .find(|r| r.path.ends_with("/sendMail"))
        .unwrap();
    assert_eq!(send.method, "POST");
    let header = send
        .headers
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case("client-request-id"))
        .map(|(_, value)| value.as_str());
    assert_eq!(header, Some(crid.as_str()));

    for rcpt in [
        "alex@contoso.com",
        "megan@contoso.com",
        "hidden@contoso.com",
    ] {
        assert_eq!(
            rig.count(rcpt, "inbox", "<paths-1@relay.test>"),
            1,
            "{rcpt}"
        );
    }
    // other@ was only in the Bcc header, not in the envelope: nothing for it.
    assert_eq!(rig.sandbox.outbound().len(), 0);
    let alex = &rig.sandbox.messages("alex@contoso.com", "inbox")[0];
    assert_eq!(alex["subject"], "Quarterly numbers");
    assert_eq!(addresses(&alex["toRecipients"]), ["alex@contoso.com"]);
    assert_eq!(addresses(&alex["ccRecipients"]), ["megan@contoso.com"]);
    assert_eq!(alex["bccRecipients"], json!([]));
    // The sender's copy shows who got it blind.
    let sent = &rig.sandbox.messages("adele@contoso.com", "sentitems")[0];
    assert_eq!(sent["internetMessageId"], "<paths-1@relay.test>");
    assert_eq!(addresses(&sent["bccRecipients"]), ["hidden@contoso.com"]);

    assert_eq!(rig.metrics.delivered.get(), 1);
    let lines = log.lines(&id);
    let states: Vec<&str> = lines.iter().map(|l| l["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["sending", "sent"]);
    let sent_line = &lines[1];
    assert_eq!(sent_line["queue_id"], id.as_str());
    assert_eq!(sent_line["message_id"], "<paths-1@relay.test>");
    assert_eq!(sent_line["from"], "adele@contoso.com");
    assert_eq!(sent_line["recipients"], 3);
    assert_eq!(sent_line["size"], MESSAGE.len());
    assert_eq!(sent_line["path"], "mime");
    assert_eq!(sent_line["attempts"], 1);
    assert_eq!(sent_line["client_request_id"], crid.as_str());
    assert_eq!(
        sent_line["request_id"].as_str(),
        record.request_id.as_deref()
    );
    assert_eq!(sent_line["outcome"], "accepted by Graph");
}

#[tokio::test]
async fn a_header_recipient_outside_the_envelope_does_not_receive_it() {
    let rig = rig(config()).await;
    let message = b"Message-ID: <paths-2@relay.test>\r\n\
From: adele@contoso.com\r\n\
To: alex@contoso.com, Outsider <outsider@contoso.com>\r\n\
Subject: Only for Alex\r\n\
Importance: high\r\n\
X-Ticket: 4711\r\n\
Reply-To: desk@contoso.com\r\n\
\r\n\
Hello Alex.\r\n";
    let id = rig
        .enqueue(
            envelope("adele@contoso.com", &["alex@contoso.com"]),
            message,
        )
        .await;
    assert_eq!(rig.deliverer.run_due().await.unwrap(), 1);
    let record = rig.record(&id).await;
    assert_eq!(
        (record.state, record.path.as_deref()),
        (State::Sent, Some("draft"))
    );
    assert_eq!(
        rig.sandbox.messages("outsider@contoso.com", "inbox").len(),
        0
    );
    assert_eq!(
        rig.count("alex@contoso.com", "inbox", "<paths-2@relay.test>"),
        1
    );
    let alex = &rig.sandbox.messages("alex@contoso.com", "inbox")[0];
    assert_eq!(addresses(&alex["toRecipients"]), ["alex@contoso.com"]);
    assert_eq!(alex["subject"], "Only for Alex");
    assert_eq!(alex["importance"], "high");
    assert_eq!(addresses(&alex["replyTo"]), ["desk@contoso.com"]);
    // The leftover draft is gone (it was sent).
    assert_eq!(rig.sandbox.messages("adele@contoso.com", "drafts").len(), 0);
}
