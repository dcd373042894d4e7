//! Large messages through the draft path (issue 17 item 6): attachments arrive
//! byte-identical, small ones added directly and large ones through upload sessions, the
//! inline image keeps its contentId; the size limit comes from MailTips.

mod delivery_common;

use base64::Engine as _;
use delivery_common::{config, envelope, rig, Rig};
use msgraph_outlook::api::MessageRef;
use msgraph_outlook::models::{Attachment, FileAttachment};
use msgraph_relay::envelope::Envelope;
use msgraph_relay::spool::State;

/// Deterministic bytes that do not compress.
fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn base64_lines(bytes: &[u8]) -> String {
    let text = base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut out = String::with_capacity(text.len() + text.len() / 38);
    for line in text.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).unwrap());
        out.push_str("\r\n");
    }
    out
}

/// A message with an HTML body, an inline image and these attachments.
fn message(message_id: &str, image: &[u8], files: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let mut m = format!(
        "Message-ID: {message_id}\r\nFrom: adele@contoso.com\r\nTo: alex@contoso.com\r\n\
         Subject: Big report\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n\
         --outer\r\nContent-Type: multipart/related; boundary=\"rel\"\r\n\r\n\
         --rel\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
         <html><body><p>The chart:</p><img src=\"cid:chart@relay.test\"></body></html>\r\n\
         --rel\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\
         Content-ID: <chart@relay.test>\r\nContent-Disposition: inline; filename=\"chart.png\"\r\n\r\n"
    );
    m.push_str(&base64_lines(image));
    m.push_str("--rel--\r\n");
    for (name, bytes) in files {
        m.push_str(&format!(
            "--outer\r\nContent-Type: application/octet-stream; name=\"{name}\"\r\n\
             Content-Disposition: attachment; filename=\"{name}\"\r\n\
             Content-Transfer-Encoding: base64\r\n\r\n"
        ));
        m.push_str(&base64_lines(bytes));
    }
    m.push_str("--outer--\r\n");
    m.into_bytes()
}

/// Queues `raw` from Adele to Alex (dropping it once spooled), runs one delivery round,
/// checks the message was sent through the draft path and returns Alex's Inbox, which
/// must hold exactly one message.
async fn deliver_through_draft(rig: &Rig, raw: Vec<u8>) -> Vec<serde_json::Value> {
    let id = rig
        .enqueue(envelope("adele@contoso.com", &["alex@contoso.com"]), &raw)
        .await;
    drop(raw);
    rig.deliverer.run_due().await.unwrap();
    let record = rig.record(&id).await;
    assert_eq!(
        (record.state, record.path.as_deref()),
        (State::Sent, Some("draft")),
        "{:?}",
        record.last_error
    );
    let inbox = rig.sandbox.messages("alex@contoso.com", "inbox");
    assert_eq!(inbox.len(), 1);
    inbox
}

/// Reads a listed attachment back over Graph (the list may leave out its bytes); both the
/// listed one and the one read must be file attachments.
async fn read_file(message: &MessageRef, listed: &Attachment) -> FileAttachment {
    let Attachment::File(listed) = listed else {
        panic!("not a file attachment");
    };
    let Attachment::File(file) = message
        .attachments()
        .get(listed.id.as_deref().unwrap())
        .await
        .unwrap()
    else {
        panic!("not a file attachment");
    };
    file
}

async fn delivers_intact(sizes: &[usize], total_over: usize) {
    let rig = rig(config()).await;
    // The admin raised the limit (Exchange Online allows up to 150 MB).
    rig.sandbox
        .set_max_message_size("adele@contoso.com", 150 * 1024 * 1024);
    rig.sandbox
        .set_max_message_size("alex@contoso.com", 150 * 1024 * 1024);
    let image = noise(200 * 1024, 1);
    let files: Vec<(String, Vec<u8>)> = sizes
        .iter()
        .enumerate()
        .map(|(i, &len)| (format!("part{i}.bin"), noise(len, i as u64 + 2)))
        .collect();
    let named: Vec<(&str, Vec<u8>)> = files.iter().map(|(n, b)| (n.as_str(), b.clone())).collect();
    let raw = message("<big@relay.test>", &image, &named);
    assert!(raw.len() > total_over, "{} bytes", raw.len());
    let inbox = deliver_through_draft(&rig, raw).await;
    assert_eq!(inbox[0]["internetMessageId"], "<big@relay.test>");
    assert_eq!(inbox[0]["subject"], "Big report");
    assert!(inbox[0]["body"]["content"]
        .as_str()
        .unwrap()
        .contains("cid:chart@relay.test"));
    let alex = rig.graph.user("alex@contoso.com");
    let message = alex.message(inbox[0]["id"].as_str().unwrap());
    let attachments = message.attachments().list().await.unwrap();
    let mut seen = Vec::new();
    for listed in &attachments {
        let file = read_file(&message, listed).await;
        let expected = if file.name == "chart.png" {
            assert_eq!(file.content_id.as_deref(), Some("chart@relay.test"));
            assert_eq!(file.is_inline, Some(true));
            &image
        } else {
            assert_eq!(file.is_inline, Some(false), "{}", file.name);
            &files.iter().find(|(n, _)| *n == file.name).unwrap().1
        };
        assert!(file.content_bytes == *expected, "{} differs", file.name);
        seen.push(file.name.clone());
    }
    seen.sort();
    let mut names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    names.push("chart.png".into());
    names.sort();
    assert_eq!(seen, names);
    assert_eq!(rig.sandbox.messages("adele@contoso.com", "drafts").len(), 0);
    // The parts were decoded into files while the message streamed from the spool, and
    // removed afterwards.
    let parts = rig.dir.path().join("parts");
    assert!(!parts.exists() || std::fs::read_dir(&parts).unwrap().next().is_none());
}

#[tokio::test]
async fn a_6_mb_message_arrives_intact_through_the_draft_path() {
    // 1 MB added directly, 3.3 MB through an upload session.
    delivers_intact(&[1024 * 1024, 3_300_000], 6_000_000).await;
}

#[tokio::test]
async fn a_40_mb_message_arrives_intact_through_the_draft_path() {
    delivers_intact(
        &[2 * 1024 * 1024, 8 * 1024 * 1024, 19 * 1024 * 1024],
        40_000_000,
    )
    .await;
}

#[tokio::test]
async fn the_size_limit_is_the_sending_mailbox_maxmessagesize_with_the_config_as_fallback() {
    let rig = rig(msgraph_relay::config::DeliveryConfig {
        max_message_size: 10_000_000,
        ..config()
    })
    .await;
    rig.sandbox
        .set_max_message_size("adele@contoso.com", 50 * 1024 * 1024);
    let limit = rig.deliverer.size_limit();
    let adele = envelope("adele@contoso.com", &[]);
    assert_eq!(limit.max_message_size(&adele).await, 50 * 1024 * 1024);
    // Cached: a later change is not asked again.
    rig.sandbox
        .set_max_message_size("adele@contoso.com", 20 * 1024 * 1024);
    assert_eq!(limit.max_message_size(&adele).await, 50 * 1024 * 1024);
    // The default of a mailbox nobody changed.
    let alex: Envelope = envelope("alex@contoso.com", &[]);
    assert_eq!(limit.max_message_size(&alex).await, 36_700_160);
    // A mailbox MailTips cannot answer for: the configured fallback.
    let unknown = envelope("ghost@elsewhere.example", &[]);
    assert_eq!(limit.max_message_size(&unknown).await, 10_000_000);
    // An hour later the cached limit is read again: an admin's change is seen.
    rig.advance(std::time::Duration::from_secs(3601));
    assert_eq!(limit.max_message_size(&adele).await, 20 * 1024 * 1024);
}

#[tokio::test]
async fn mailtips_failing_is_asked_once_not_at_every_mail_from() {
    // Every MAIL FROM asks for the limit: a Graph that fails must not cost a request (and
    // its wait) per command, so the fallback is kept for a while.
    let mut graph = mockito::Server::new_async().await;
    let tips = graph
        .mock("POST", "/v1.0/users/adele@contoso.com/getMailTips")
        .with_status(503)
        .with_header("content-type", "application/json")
        .with_body(r#"{"error":{"code":"serviceNotAvailable","message":"m"}}"#)
        .expect(1)
        .create_async()
        .await;
    let client = delivery_common::static_token_client(format!("{}/v1.0", graph.url()));
    let dir = tempfile::tempdir().unwrap();
    let spool = msgraph_relay::spool::Spool::open(dir.path(), "relay.test").unwrap();
    let clock = msgraph_relay::clock::ManualClock::new(delivery_common::start_time());
    let deliverer = msgraph_relay::delivery::Deliverer::new(
        spool,
        client,
        msgraph_relay::config::DeliveryConfig {
            max_message_size: 10_000_000,
            ..config()
        },
        std::sync::Arc::new(clock.clone()),
        msgraph_relay::metrics::Metrics::new(),
    );
    let limit = deliverer.size_limit();
    let adele = envelope("adele@contoso.com", &[]);
    for _ in 0..3 {
        assert_eq!(limit.max_message_size(&adele).await, 10_000_000);
    }
    tips.assert_async().await;
}

#[tokio::test]
async fn a_text_body_too_large_for_a_request_arrives_as_an_attachment() {
    // `big.log | sendmail`: one 6 MB text/plain part. It cannot be the draft's body (Graph
    // refuses requests over 4 MB, and it would be held whole in memory): the relay
    // attaches it instead, byte for byte.
    let rig = rig(config()).await;
    let text: String = (0..140_000)
        .map(|n| format!("line {n:06} of the nightly log, all is well\r\n"))
        .collect();
    assert!(text.len() > 6_000_000);
    let raw = format!(
        "Message-ID: <log@relay.test>\r\nFrom: adele@contoso.com\r\nTo: alex@contoso.com\r\n\
         Subject: nightly log\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{text}"
    );
    let inbox = deliver_through_draft(&rig, raw.into_bytes()).await;
    assert_eq!(inbox[0]["subject"], "nightly log");
    let alex = rig.graph.user("alex@contoso.com");
    let message = alex.message(inbox[0]["id"].as_str().unwrap());
    let attachments = message.attachments().list().await.unwrap();
    assert_eq!(attachments.len(), 1);
    let file = read_file(&message, &attachments[0]).await;
    assert_eq!(file.name, "body.txt");
    assert_eq!(file.content_type.as_deref(), Some("text/plain"));
    // The part's last line break goes with the end of the part, as for every decoded part.
    let expected = text.strip_suffix("\r\n").unwrap().as_bytes();
    let first_difference = file
        .content_bytes
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b);
    assert_eq!(
        (file.content_bytes.len(), first_difference),
        (expected.len(), None),
        "the text differs"
    );
}
