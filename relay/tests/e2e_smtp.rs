//! End to end through real processes: a real SMTP client (lettre) submits to the
//! `msgraph-relay serve` binary over plain SMTP, STARTTLS + `AUTH PLAIN` and implicit TLS +
//! `AUTH LOGIN`; the relay delivers through the sandbox as Graph. Read back from the
//! recipients' sandbox Inboxes: subject, body, attachments (by SHA-256), Bcc behaviour as
//! relay/README.md documents it ("What survives each path", MIME path), each copy exactly
//! once, and the message's delivery-log lines (JSON log format).

mod cli_common;
mod e2e_support;
mod smtp_support;

use e2e_support::{attachment_hashes, count_subject, graph, noise, sha256, JsonServe};
use lettre::address::{Address, Envelope as LettreEnvelope};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::{Credentials, Mechanism};
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use msgraph_relay::spool::{QueueId, State};
use serde_json::json;
use std::time::Duration;

const PASSWORD: &str = "e2e correct horse battery staple";

#[derive(Clone, Copy, Debug)]
enum Transport {
    /// Port `listen`, no TLS, no AUTH: allowed by `allowed_networks` (127.0.0.1).
    Plain,
    /// Port `listen`, `STARTTLS`, then `AUTH PLAIN` as `app1`.
    StartTls,
    /// Port `listen_tls` (implicit TLS), `AUTH LOGIN` as `app1`.
    ImplicitTls,
}

/// The addresses of a Graph recipient list (`toRecipients`, `bccRecipients`…), in order.
fn addresses(recipients: &serde_json::Value) -> Vec<&str> {
    recipients
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["emailAddress"]["address"].as_str().unwrap())
        .collect()
}

/// `[smtp]` keys and an SMTP user whose hash comes from the relay's own `hash_password`
/// (argon2's default cost, as `msgraph-relay hash-password` prints it).
fn smtp_extra(dir: &std::path::Path) -> (String, String) {
    let (cert, key, pem) = smtp_support::certificate(dir);
    let extra = format!(
        "listen_tls = [\"127.0.0.1:0\"]\nhostname = \"relay.e2e.test\"\n\
         tls_cert = {cert:?}\ntls_key = {key:?}\n\n\
         [[smtp.users]]\nname = \"app1\"\npassword_hash = \"{hash}\"\n\
         allowed_senders = [\"@contoso.com\"]\n",
        cert = cert.display().to_string(),
        key = key.display().to_string(),
        hash = msgraph_relay::smtp::hash_password(PASSWORD),
    );
    (extra, pem)
}

fn transport(
    serve: &JsonServe,
    how: Transport,
    cert_pem: &str,
) -> AsyncSmtpTransport<Tokio1Executor> {
    let tls = || {
        TlsParameters::builder("localhost".into())
            .add_root_certificate(Certificate::from_pem(cert_pem.as_bytes()).unwrap())
            .build_rustls()
            .unwrap()
    };
    let (port, tls, mechanism) = match how {
        Transport::Plain => (serve.smtp[0].port(), Tls::None, None),
        Transport::StartTls => (
            serve.smtp[0].port(),
            Tls::Required(tls()),
            Some(Mechanism::Plain),
        ),
        Transport::ImplicitTls => (
            serve.smtps[0].port(),
            Tls::Wrapper(tls()),
            Some(Mechanism::Login),
        ),
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous("127.0.0.1")
        .port(port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(60)));
    if let Some(mechanism) = mechanism {
        builder = builder
            .credentials(Credentials::new("app1".into(), PASSWORD.into()))
            .authentication(vec![mechanism]);
    }
    builder.build()
}

/// Submits a message with two attachments, To alex, envelope alex + megan (megan is a
/// Bcc: the client left a `Bcc:` field in, as some do), and checks everything read back.
async fn delivers_end_to_end(how: Transport) {
    delivers_end_to_end_with(how, 300_000, "mime").await;
}

/// As [`delivers_end_to_end`], with an attachment of `size` bytes, expecting `path`.
async fn delivers_end_to_end_with(how: Transport, size: usize, path: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (extra, cert_pem) = smtp_extra(dir.path());
    let (sandbox, relay) = e2e_support::sandbox_relay(&extra, "").await;
    let mut serve = tokio::task::block_in_place(|| JsonServe::start(&relay));
    assert_eq!(serve.smtp.len(), 1);
    assert_eq!(serve.smtps.len(), 1);

    let tag = format!("{how:?}-{path}").to_lowercase();
    let subject = format!("e2e over {tag}");
    let body = format!("Hello from the e2e test over {tag}.");
    let message_id = format!("<{tag}@e2e.test>");
    let report = noise(size, 7);
    let csv = b"name,count\r\nalex,1\r\nmegan,2\r\n".to_vec();
    let message = Message::builder()
        .from("Adele Vance <adele@contoso.com>".parse().unwrap())
        .to("alex@contoso.com".parse().unwrap())
        .subject(&subject)
        .message_id(Some(message_id.clone()))
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(body.clone()))
                .singlepart(Attachment::new("report.bin".into()).body(
                    report.clone(),
                    ContentType::parse("application/octet-stream").unwrap(),
                ))
                .singlepart(
                    Attachment::new("counts.csv".into())
                        .body(csv.clone(), ContentType::parse("text/csv").unwrap()),
                ),
        )
        .unwrap();
    let raw = [
        b"Bcc: megan@contoso.com\r\n".as_slice(),
        &message.formatted(),
    ]
    .concat();
    let envelope = LettreEnvelope::new(
        Some("adele@contoso.com".parse::<Address>().unwrap()),
        vec![
            "alex@contoso.com".parse().unwrap(),
            "megan@contoso.com".parse().unwrap(),
        ],
    )
    .unwrap();
    let client = transport(&serve, how, &cert_pem);
    let response = client.send_raw(&envelope, &raw).await.unwrap();
    assert_eq!(response.code().to_string(), "250");
    let text: Vec<&str> = response.message().collect();
    let queue_id = text[0]
        .strip_prefix("2.0.0 Ok: queued as ")
        .unwrap_or_else(|| panic!("{text:?}"))
        .to_string();

    // Bounded wait on the real process: until the spool says sent and the delivery log
    // has its `sent` line (written after the spool row).
    let spool = relay.spool();
    let id = QueueId::parse(&queue_id).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let record = loop {
        let record = spool.get(&id).await.unwrap();
        let logged = serve
            .delivery_log(&queue_id)
            .iter()
            .any(|l| l["fields"]["state"] == "sent");
        if record.state == State::Sent && logged {
            break record;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{record:?}\n{:?}",
            serve.raw_lines()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(record.path.as_deref(), Some(path));
    assert_eq!(record.message_id, message_id);
    assert_eq!(record.envelope.mail_from, "adele@contoso.com");
    assert_eq!(
        record.envelope.rcpt_to,
        ["alex@contoso.com", "megan@contoso.com"]
    );
    let user = match how {
        Transport::Plain => None,
        Transport::StartTls | Transport::ImplicitTls => Some("app1"),
    };
    assert_eq!(record.envelope.smtp_user.as_deref(), user);

    // Each recipient has it exactly once; the sender's Sent Items once.
    for (address, folder) in [
        ("alex@contoso.com", "inbox"),
        ("megan@contoso.com", "inbox"),
        ("adele@contoso.com", "sentitems"),
    ] {
        assert_eq!(
            count_subject(&sandbox, address, folder, &subject),
            1,
            "{address} {folder}"
        );
    }
    let graph = graph(&sandbox);
    let expected_attachments = vec![
        ("counts.csv".to_string(), sha256(&csv)),
        ("report.bin".to_string(), sha256(&report)),
    ];
    for address in ["alex@contoso.com", "megan@contoso.com"] {
        let copy = sandbox.messages(address, "inbox").remove(0);
        assert_eq!(copy["subject"], subject.as_str());
        assert_eq!(copy["internetMessageId"], message_id.as_str());
        // The MIME path keeps the From field as written; the draft path leaves `from`
        // unset when it is the sending mailbox, so Graph shows the mailbox's own display
        // name (the sandbox's for adele@: "Adele") instead of the header's.
        let name = if path == "mime" {
            "Adele Vance"
        } else {
            "Adele"
        };
        assert_eq!(
            copy["from"],
            json!({"emailAddress": {"name": name, "address": "adele@contoso.com"}})
        );
        assert_eq!(copy["body"]["contentType"], "text");
        assert_eq!(copy["body"]["content"].as_str().unwrap().trim_end(), body);
        assert_eq!(copy["hasAttachments"], true);
        // To as written; the Bcc recipient shows nowhere in a recipient's copy.
        assert_eq!(addresses(&copy["toRecipients"]), ["alex@contoso.com"]);
        assert_eq!(copy["ccRecipients"], json!([]));
        assert_eq!(copy["bccRecipients"], json!([]));
        if address == "alex@contoso.com" {
            assert!(!copy.to_string().contains("megan"), "{copy}");
        }
        let id = copy["id"].as_str().unwrap();
        let hashes: Vec<(String, String)> = attachment_hashes(&graph, address, id)
            .await
            .into_iter()
            .map(|(name, hash, _)| (name, hash))
            .collect();
        assert_eq!(hashes, expected_attachments, "{address}");
    }
    // The sender's own copy keeps the Bcc (what Outlook shows the sender).
    let sent = sandbox.messages("adele@contoso.com", "sentitems").remove(0);
    assert_eq!(addresses(&sent["bccRecipients"]), ["megan@contoso.com"]);

    // The delivery log: `sending`, then `sent`, with the ids an operator follows.
    let log = serve.delivery_log(&queue_id);
    let states: Vec<&str> = log
        .iter()
        .map(|l| l["fields"]["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["sending", "sent"], "{log:?}");
    let sent_line = &log[1]["fields"];
    assert_eq!(sent_line["message"], "delivery");
    assert_eq!(sent_line["queue_id"], queue_id.as_str());
    assert_eq!(sent_line["message_id"], message_id.as_str());
    assert_eq!(sent_line["from"], "adele@contoso.com");
    assert_eq!(sent_line["recipients"], 2);
    assert_eq!(sent_line["size"], record.size);
    assert_eq!(sent_line["path"], path);
    assert_eq!(sent_line["attempts"], 1);
    assert_eq!(sent_line["outcome"], "accepted by Graph");
    assert_eq!(
        sent_line["client_request_id"],
        log[0]["fields"]["client_request_id"]
    );
    assert_eq!(
        sent_line["client_request_id"].as_str().unwrap().len(),
        36,
        "{sent_line}"
    );
    assert_eq!(
        sent_line["request_id"],
        record.request_id.as_deref().unwrap()
    );
    // No secret in any line.
    for line in serve.raw_lines() {
        assert!(!line.contains(&sandbox.client_secret()), "{line}");
        assert!(!line.contains(PASSWORD), "{line}");
    }

    let code = tokio::task::block_in_place(|| serve.terminate());
    assert_eq!(code, 0);
    // Still exactly once after the relay stopped.
    assert_eq!(
        count_subject(&sandbox, "alex@contoso.com", "inbox", &subject),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_smtp_from_an_allowed_network_arrives_once_with_attachments_and_bcc_hidden() {
    delivers_end_to_end(Transport::Plain).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starttls_with_auth_plain_arrives_once_with_attachments_and_bcc_hidden() {
    delivers_end_to_end(Transport::StartTls).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn implicit_tls_with_auth_login_arrives_once_with_attachments_and_bcc_hidden() {
    delivers_end_to_end(Transport::ImplicitTls).await;
}

/// Python's `smtplib` (what many scripts use): `STARTTLS`, `AUTH LOGIN`, one attachment.
/// Arguments: port, CA file, password, attachment file. Prints the final reply.
const PYTHON_CLIENT: &str = r#"
import smtplib, ssl, sys
from email.message import EmailMessage
port, cafile, password, attachment = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
msg = EmailMessage()
msg["From"] = "adele@contoso.com"
msg["To"] = "alex@contoso.com"
msg["Subject"] = "e2e from python"
msg["Message-ID"] = "<python@e2e.test>"
msg.set_content("Hello from smtplib.\n")
with open(attachment, "rb") as f:
    msg.add_attachment(f.read(), maintype="application", subtype="octet-stream", filename="blob.bin")
context = ssl.create_default_context(cafile=cafile)
# The certificate names localhost (tried on ::1, then 127.0.0.1).
with smtplib.SMTP("localhost", int(port), local_hostname="python.e2e.test", timeout=60) as smtp:
    smtp.starttls(context=context)
    smtp.ehlo("python.e2e.test")
    smtp.login("app1", password)
    smtp.send_message(msg)
    code, reply = smtp.noop()
print("sent", code)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_mime_limit_takes_the_draft_path_and_arrives_intact() {
    // 3.5 MB of attachment: over `mime_limit` (3,000,000), through an upload session.
    delivers_end_to_end_with(Transport::StartTls, 3_500_000, "draft").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_smtplib_with_starttls_and_login_arrives_once() {
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output();
    if !python.is_ok_and(|o| o.status.success()) {
        println!("python3 not available: skipping the smtplib end-to-end test");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (extra, _) = smtp_extra(dir.path());
    let (sandbox, relay) = e2e_support::sandbox_relay(&extra, "").await;
    let mut serve = tokio::task::block_in_place(|| JsonServe::start(&relay));
    let blob = noise(100_000, 11);
    let script = dir.path().join("client.py");
    let blob_path = dir.path().join("blob.bin");
    std::fs::write(&script, PYTHON_CLIENT).unwrap();
    std::fs::write(&blob_path, &blob).unwrap();
    let output = tokio::task::block_in_place(|| {
        std::process::Command::new("python3")
            .arg(&script)
            .arg(serve.smtp[0].port().to_string())
            .arg(dir.path().join("cert.pem"))
            .arg(PASSWORD)
            .arg(&blob_path)
            .output()
            .unwrap()
    });
    assert_eq!(
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).as_ref()
        ),
        (Some(0), "sent 250\n"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    e2e_support::wait_until(
        Duration::from_secs(60),
        || count_subject(&sandbox, "alex@contoso.com", "inbox", "e2e from python") == 1,
        || format!("{:?}", serve.raw_lines()),
    )
    .await;
    let copy = sandbox.messages("alex@contoso.com", "inbox").remove(0);
    assert_eq!(copy["internetMessageId"], "<python@e2e.test>");
    assert_eq!(
        copy["body"]["content"].as_str().unwrap().trim_end(),
        "Hello from smtplib."
    );
    let hashes = attachment_hashes(
        &graph(&sandbox),
        "alex@contoso.com",
        copy["id"].as_str().unwrap(),
    )
    .await;
    assert_eq!(hashes.len(), 1);
    assert_eq!(
        (hashes[0].0.as_str(), hashes[0].1.as_str()),
        ("blob.bin", sha256(&blob).as_str())
    );
    let record = relay.spool().list(&[], 10).await.unwrap().remove(0);
    assert_eq!(record.envelope.smtp_user.as_deref(), Some("app1"));
    let code = tokio::task::block_in_place(|| serve.terminate());
    assert_eq!(code, 0);
    assert_eq!(
        count_subject(&sandbox, "alex@contoso.com", "inbox", "e2e from python"),
        1
    );
}
