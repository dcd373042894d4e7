//! What a relay's never-twice check relies on (GRAPH-FACTS-2 §6.2): the Message-ID of a
//! MIME `sendMail` becomes `internetMessageId` of the Sent Items copy and of the
//! recipient's copy; a draft keeps the `internetMessageId` set on create or by PATCH
//! after `send`; `$filter=internetMessageId eq '<…>'` (URL-encoded `<`, `>`, `@`, `+`)
//! and the extended-property filter find the Sent Items copy.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

/// A Message-ID with every character that needs encoding in a query.
const MESSAGE_ID: &str = "<q-42+retry@relay.contoso.com>";
const QUEUE_PROP: &str =
    "String {66f5a359-4659-4830-9070-00047ec6ac6e} Name msgraph-relay-queue-id";

/// Percent-encodes a query value (everything but unreserved characters).
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// `GET /users/{address}/mailFolders/{folder}/messages?$filter=…` → the matching
/// messages.
async fn filtered(
    sb: &Sandbox,
    token: &str,
    address: &str,
    folder: &str,
    filter: &str,
) -> Vec<Value> {
    let url = format!(
        "{}/users/{address}/mailFolders/{folder}/messages?$filter={}",
        sb.base_url(),
        encode(filter)
    );
    let (status, body) = get_json(&reqwest::Client::new(), &url, token).await;
    assert_eq!(status, 200, "{body}");
    body["value"].as_array().expect("value").clone()
}

fn by_message_id(id: &str) -> String {
    format!("internetMessageId eq '{id}'")
}

async fn send_mime(sb: &Sandbox, token: &str, mime: &str) -> u16 {
    reqwest::Client::new()
        .post(format!("{}/me/sendMail", sb.base_url()))
        .bearer_auth(token)
        .header("content-type", "text/plain")
        .body(STANDARD.encode(mime))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn mime_message_id_is_kept_on_both_copies_and_found_by_filter() {
    let (sb, _) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let mime = format!(
        "From: adele@contoso.com\r\nTo: alex@contoso.com\r\nMessage-ID: {MESSAGE_ID}\r\nSubject: relayed\r\n\r\nbody\r\n"
    );
    assert_eq!(send_mime(&sb, &token, &mime).await, 202);
    // An unrelated message, so the filter has something to leave out.
    assert_eq!(
        send_mime(
            &sb,
            &token,
            "To: alex@contoso.com\r\nSubject: other\r\n\r\nx\r\n"
        )
        .await,
        202
    );

    let sent = sb.messages("adele@contoso.com", "sentitems");
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1]["internetMessageId"], MESSAGE_ID);
    let inbox = sb.messages("alex@contoso.com", "inbox");
    assert_eq!(inbox[1]["subject"], "relayed");
    assert_eq!(inbox[1]["internetMessageId"], MESSAGE_ID);

    let found = filtered(
        &sb,
        &token,
        "adele@contoso.com",
        "sentitems",
        &by_message_id(MESSAGE_ID),
    )
    .await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["subject"], "relayed");
    assert_eq!(found[0]["id"], sent[1]["id"]);
    let missing = filtered(
        &sb,
        &token,
        "adele@contoso.com",
        "sentitems",
        &by_message_id("<other@relay.contoso.com>"),
    )
    .await;
    assert!(missing.is_empty());
    // Nothing in the Outbox either: the relay checks both folders.
    assert!(filtered(
        &sb,
        &token,
        "adele@contoso.com",
        "outbox",
        &by_message_id(MESSAGE_ID)
    )
    .await
    .is_empty());
}

#[tokio::test]
async fn draft_keeps_internet_message_id_from_create_and_from_patch() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let base = sb.base_url();
    // Set in the create body, with the queue id as a named extended property.
    let created = post_json(
        &client,
        &format!("{base}/me/messages"),
        &token,
        &json!({
            "subject": "draft path",
            "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}],
            "internetMessageId": MESSAGE_ID,
            "singleValueExtendedProperties": [{"id": QUEUE_PROP, "value": "q-42"}],
        }),
    )
    .await;
    let (status, draft) = status_json(created).await;
    assert_eq!(status, 201, "{draft}");
    assert_eq!(draft["internetMessageId"], MESSAGE_ID);
    // Set by PATCH while the message is a draft.
    let (status, second) = status_json(
        post_json(
            &client,
            &format!("{base}/me/messages"),
            &token,
            &json!({"subject": "patched", "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    let patched_id = "<patched@relay.contoso.com>";
    let resp = client
        .patch(format!(
            "{base}/me/messages/{}",
            second["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .json(&json!({"internetMessageId": patched_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    for id in [&draft["id"], &second["id"]] {
        let resp = client
            .post(format!("{base}/me/messages/{}/send", id.as_str().unwrap()))
            .bearer_auth(&token)
            .header("content-length", "0")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 202);
    }

    let sent = filtered(
        &sb,
        &token,
        "adele@contoso.com",
        "sentitems",
        &by_message_id(MESSAGE_ID),
    )
    .await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["subject"], "draft path");
    assert_eq!(sent[0]["isDraft"], false);
    let sent = filtered(
        &sb,
        &token,
        "adele@contoso.com",
        "sentitems",
        &by_message_id(patched_id),
    )
    .await;
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["subject"], "patched");
    let inbox = sb.messages("alex@contoso.com", "inbox");
    let ids: Vec<&str> = inbox
        .iter()
        .map(|m| m["internetMessageId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [patched_id, MESSAGE_ID]);

    // The fallback: the queue id as a named extended property on the Sent Items copy.
    let by_prop = format!(
        "singleValueExtendedProperties/any(ep: ep/id eq '{QUEUE_PROP}' and ep/value eq 'q-42')"
    );
    let found = filtered(&sb, &token, "adele@contoso.com", "sentitems", &by_prop).await;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["internetMessageId"], MESSAGE_ID);
    let other = by_prop.replace("q-42", "q-43");
    assert!(
        filtered(&sb, &token, "adele@contoso.com", "sentitems", &other)
            .await
            .is_empty()
    );
    // The draft is gone from Drafts once sent.
    assert!(sb.messages("adele@contoso.com", "drafts").is_empty());
}
