//! What survives each path (relay/README.md, "What survives each path"): the tests behind
//! the table's claims that the sandbox can show.

mod delivery_common;

use delivery_common::{config, envelope, rig, Rig};
use msgraph_outlook::models::Attachment;
use msgraph_relay::config::DeliveryConfig;
use msgraph_relay::spool::State;

const X_HEADERS: &str = "X-A: 1\r\nX-B: 2\r\nX-C: 3\r\nX-D: 4\r\nX-E: 5\r\nX-F: 6\r\nX-G: 7\r\n";

async fn deliver(rig: &Rig, message: &[u8]) -> serde_json::Value {
    let id = rig
        .enqueue(
            envelope("adele@contoso.com", &["alex@contoso.com"]),
            message,
        )
        .await;
    rig.deliverer.run_due().await.unwrap();
    let record = rig.record(&id).await;
    assert_eq!(record.state, State::Sent, "{:?}", record.last_error);
    let inbox = rig.sandbox.messages("alex@contoso.com", "inbox");
    assert_eq!(inbox.len(), 1);
    inbox[0].clone()
}

async fn header_names(rig: &Rig, copy: &serde_json::Value) -> Vec<String> {
    let message = rig
        .graph
        .user("alex@contoso.com")
        .message(copy["id"].as_str().unwrap())
        .get()
        .select(["internetMessageHeaders"])
        .await
        .unwrap();
    message
        .internet_message_headers
        .iter()
        .map(|h| h.name.clone())
        .filter(|n| n.starts_with("X-"))
        .collect()
}

fn with_headers(message_id: &str) -> Vec<u8> {
    format!(
        "Message-ID: {message_id}\r\nFrom: adele@contoso.com\r\nTo: alex@contoso.com\r\n\
         Subject: headers\r\n{X_HEADERS}\r\nbody\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn the_mime_path_keeps_every_x_header_and_the_draft_path_the_first_five() {
    let mime = rig(config()).await;
    let copy = deliver(&mime, &with_headers("<h-1@relay.test>")).await;
    assert_eq!(
        header_names(&mime, &copy).await,
        ["X-A", "X-B", "X-C", "X-D", "X-E", "X-F", "X-G"]
    );

    let draft = rig(DeliveryConfig {
        mime_limit: 10,
        ..config()
    })
    .await;
    let copy = deliver(&draft, &with_headers("<h-2@relay.test>")).await;
    assert_eq!(copy["internetMessageId"], "<h-2@relay.test>");
    assert_eq!(
        header_names(&draft, &copy).await,
        ["X-A", "X-B", "X-C", "X-D", "X-E"]
    );
}

const SIGNED_WITH_INVITATION: &[u8] = b"Message-ID: <signed@relay.test>\r\n\
From: adele@contoso.com\r\n\
To: alex@contoso.com\r\n\
Subject: Signed, with an invitation\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"mixed\"\r\n\
\r\n\
--mixed\r\n\
Content-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=\"signed\"\r\n\
\r\n\
--signed\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Signed text.\r\n\
--signed\r\n\
Content-Type: application/pkcs7-signature; name=\"smime.p7s\"\r\n\
Content-Disposition: attachment; filename=\"smime.p7s\"\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
MIIBsignature\r\n\
--signed--\r\n\
--mixed\r\n\
Content-Type: text/calendar; method=REQUEST; charset=utf-8; name=\"invite.ics\"\r\n\
Content-Disposition: attachment; filename=\"invite.ics\"\r\n\
\r\n\
BEGIN:VCALENDAR\r\n\
METHOD:REQUEST\r\n\
BEGIN:VEVENT\r\n\
SUMMARY:Review\r\n\
END:VEVENT\r\n\
END:VCALENDAR\r\n\
--mixed--\r\n";

#[tokio::test]
async fn on_the_draft_path_a_signature_and_an_invitation_arrive_as_plain_attachments() {
    let rig = rig(DeliveryConfig {
        mime_limit: 10,
        ..config()
    })
    .await;
    let copy = deliver(&rig, SIGNED_WITH_INVITATION).await;
    assert!(copy["body"]["content"]
        .as_str()
        .unwrap()
        .contains("Signed text."));
    let message = rig
        .graph
        .user("alex@contoso.com")
        .message(copy["id"].as_str().unwrap());
    let mut names = Vec::new();
    for listed in message.attachments().list().await.unwrap() {
        let Attachment::File(file) = listed else {
            panic!("not a file");
        };
        names.push((
            file.name.clone(),
            file.content_type.clone().unwrap_or_default(),
        ));
    }
    names.sort();
    assert_eq!(
        names,
        [
            ("invite.ics".to_string(), "text/calendar".to_string()),
            (
                "smime.p7s".to_string(),
                "application/pkcs7-signature".to_string()
            ),
        ]
    );
    // No meeting: the invitation is a file, not an event in Alex's calendar.
    assert!(rig.sandbox.events("alex@contoso.com").is_empty());
}
