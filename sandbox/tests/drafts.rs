//! Drafts: create (JSON / MIME), get with `$select` / `$expand`, `$value`, PATCH,
//! DELETE, send (411 / 202), deferred send with `SystemTime 0x3FEF` and the sandbox
//! clock, move / copy, add attachment.

mod common;

use std::io::{Read, Write};
use std::time::Duration;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chrono::{SecondsFormat, Utc};
use common::*;
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

const DEFERRED: &str = "SystemTime 0x3FEF";

fn draft_body(subject: &str) -> Value {
    json!({
        "@odata.type": "#microsoft.graph.message",
        "subject": subject,
        "importance": "Low",
        "body": {"contentType": "HTML", "content": "<p>Hi <b>Alex</b></p>"},
        "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}],
        "categories": ["Blue category"],
        "internetMessageHeaders": [{"name": "x-custom", "value": "1"}],
    })
}

async fn create_draft(sb: &Sandbox, client: &reqwest::Client, token: &str, body: &Value) -> Value {
    let resp = post_json(
        client,
        &format!("{}/me/messages", sb.base_url()),
        token,
        body,
    )
    .await;
    let (status, json) = status_json(resp).await;
    assert_eq!(status, 201, "{json}");
    json
}

async fn send(sb: &Sandbox, client: &reqwest::Client, token: &str, id: &str) -> reqwest::Response {
    client
        .post(format!("{}/me/messages/{id}/send", sb.base_url()))
        .bearer_auth(token)
        .header("content-length", "0")
        .send()
        .await
        .expect("request sent")
}

fn with_deferred(subject: &str, at: chrono::DateTime<Utc>) -> Value {
    let mut b = draft_body(subject);
    b["singleValueExtendedProperties"] = json!([{
        "id": DEFERRED,
        "value": at.to_rfc3339_opts(SecondsFormat::Secs, true),
    }]);
    b
}

fn subjects(msgs: &[Value]) -> Vec<String> {
    msgs.iter()
        .map(|m| m["subject"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn create_json_draft_returns_201_with_full_message() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let resp = post_json(
        &client,
        &format!("{}/me/messages", sb.base_url()),
        &token,
        &draft_body("Draft 1"),
    )
    .await;
    let location = resp
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string());
    let (status, m) = status_json(resp).await;
    assert_eq!(status, 201);
    assert_eq!(m["isDraft"], true);
    assert_eq!(m["isRead"], true);
    assert_eq!(m["subject"], "Draft 1");
    assert_eq!(m["importance"], "low");
    assert_eq!(m["body"]["contentType"], "html");
    assert_eq!(m["bodyPreview"], "Hi Alex");
    assert_eq!(m["toRecipients"][0]["emailAddress"]["name"], "Alex");
    assert!(m["id"].as_str().unwrap().starts_with("AAMkA"));
    let ck = m["changeKey"].as_str().unwrap();
    assert_eq!(m["@odata.etag"], format!("W/\"{ck}\""));
    assert!(m["createdDateTime"].as_str().unwrap().ends_with('Z'));
    assert!(m["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("messages/$entity"));
    // Not echoed on create (GRAPH-FACTS §2.1).
    assert!(m.get("internetMessageHeaders").is_none());
    assert!(m.get("singleValueExtendedProperties").is_none());
    let id = m["id"].as_str().unwrap();
    assert!(location.unwrap().ends_with(&format!("/messages('{id}')")));
    let drafts = sb.messages("adele@contoso.com", "drafts");
    assert_eq!(subjects(&drafts), ["Draft 1"]);
    assert_eq!(drafts[0]["parentFolderId"], m["parentFolderId"]);

    // Headers are stored: readable with $select.
    let (status, got) = get_json(
        &client,
        &format!(
            "{}/me/messages/{id}?$select=internetMessageHeaders",
            sb.base_url()
        ),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(got["internetMessageHeaders"][0]["name"], "x-custom");

    // Into a given folder, by well-known name; segment names case-insensitive.
    let resp = post_json(
        &client,
        &format!("{}/me/MailFolders/Archive/Messages", sb.base_url()),
        &token,
        &draft_body("In archive"),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 201);
    assert_eq!(
        subjects(&sb.messages("adele@contoso.com", "archive")),
        ["In archive"]
    );
}

#[tokio::test]
async fn create_mime_draft_and_invalid_base64() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let url = format!("{}/users/adele@contoso.com/messages", sb.base_url());
    let resp = client
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(SEED_MIME_EXAMPLE_4)
        .send()
        .await
        .unwrap();
    let (status, m) = status_json(resp).await;
    assert_eq!(status, 201, "{m}");
    assert_eq!(m["isDraft"], true);
    assert_eq!(m["subject"], "Test Message");
    assert_eq!(m["hasAttachments"], true);

    // $value serves the original MIME.
    let id = m["id"].as_str().unwrap();
    let resp = client
        .get(format!("{}/me/messages/{id}/$value", sb.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let text = resp.text().await.unwrap();
    assert!(text.contains("Subject:Test Message"), "{text}");

    let resp = client
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body("not base64 !!!")
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &body,
        "ErrorMimeContentInvalidBase64String",
        "Invalid base64 string for MIME content.",
    );
}

#[tokio::test]
async fn get_with_select_expand_and_value() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let at = Utc::now() + chrono::Duration::hours(5);
    let mut body = with_deferred("Selected", at);
    body["attachments"] = json!([{
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": "a.txt", "contentType": "text/plain", "contentBytes": STANDARD.encode("hello")
    }]);
    let m = create_draft(&sb, &client, &token, &body).await;
    let id = m["id"].as_str().unwrap();

    let (status, got) = get_json(
        &client,
        &format!("{}/me/messages/{id}?$select=subject,isDraft", sb.base_url()),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    let mut keys: Vec<&str> = got
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        ["@odata.context", "@odata.etag", "id", "isDraft", "subject"]
    );

    let (status, got) = get_json(
        &client,
        &format!(
            "{}/me/mailFolders/drafts/messages/{id}?$expand=singleValueExtendedProperties($filter=id%20eq%20'systemtime%200x3FEF')",
            sb.base_url()
        ),
        &token,
    )
    .await;
    assert_eq!(status, 200, "{got}");
    let props = got["singleValueExtendedProperties"].as_array().unwrap();
    assert_eq!(props.len(), 1);
    assert_eq!(props[0]["id"], "SystemTime 0x3fef");
    assert_eq!(
        props[0]["value"],
        at.to_rfc3339_opts(SecondsFormat::Secs, true)
    );

    let (_, got) = get_json(
        &client,
        &format!("{}/me/messages/{id}?$expand=attachments", sb.base_url()),
        &token,
    )
    .await;
    assert_eq!(got["attachments"][0]["name"], "a.txt");

    let resp = client
        .get(format!("{}/me/messages/{id}/$VALUE", sb.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let text = resp.text().await.unwrap();
    assert!(text.contains("Subject: Selected\r\n"), "{text}");
    assert!(text.contains("To: Alex <alex@contoso.com>\r\n"), "{text}");
    assert!(text.contains("MIME-Version: 1.0\r\n"));
    assert!(text.contains("multipart/mixed"));
    assert!(text.contains("filename=\"a.txt\""));

    // Wrong folder → 404.
    let (status, body) = get_json(
        &client,
        &format!("{}/me/mailFolders/inbox/messages/{id}", sb.base_url()),
        &token,
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "ErrorItemNotFound");
}

#[tokio::test]
async fn patch_changes_only_given_fields_and_null_clears() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let m = create_draft(&sb, &client, &token, &draft_body("Before")).await;
    let id = m["id"].as_str().unwrap();
    let url = format!("{}/me/messages/{id}", sb.base_url());
    sb.advance_clock(Duration::from_secs(60));
    let resp = client
        .patch(&url)
        .bearer_auth(&token)
        .header("if-match", m["@odata.etag"].as_str().unwrap())
        .json(&json!({
            "subject": "After",
            "categories": null,
            "ccRecipients": [{"emailAddress": {"address": "adele@contoso.com"}}],
        }))
        .send()
        .await
        .unwrap();
    let (status, p) = status_json(resp).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["subject"], "After");
    assert_eq!(p["categories"], json!([]));
    assert_eq!(p["ccRecipients"][0]["emailAddress"]["name"], "Adele");
    // Unchanged.
    assert_eq!(p["body"], m["body"]);
    assert_eq!(p["importance"], "low");
    assert_eq!(p["toRecipients"], m["toRecipients"]);
    assert_eq!(p["createdDateTime"], m["createdDateTime"]);
    // Versioning.
    assert_ne!(p["changeKey"], m["changeKey"]);
    assert_ne!(p["@odata.etag"], m["@odata.etag"]);
    assert_ne!(p["lastModifiedDateTime"], m["lastModifiedDateTime"]);

    // Null clears the subject.
    let resp = client
        .patch(&url)
        .bearer_auth(&token)
        .json(&json!({"subject": null, "isRead": false}))
        .send()
        .await
        .unwrap();
    let (status, p2) = status_json(resp).await;
    assert_eq!(status, 200);
    assert_eq!(p2["subject"], Value::Null);
    assert_eq!(p2["isRead"], false);

    // Stale etag → 412.
    let resp = client
        .patch(&url)
        .bearer_auth(&token)
        .header("if-match", m["@odata.etag"].as_str().unwrap())
        .json(&json!({"subject": "x"}))
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 412);
    assert_eq!(body["error"]["code"], "ErrorIrresolvableConflict");

    // The stored message is the patched one.
    let (_, got) = get_json(&client, &url, &token).await;
    assert_eq!(got["subject"], Value::Null);
    assert_eq!(got["changeKey"], p2["changeKey"]);
}

/// A raw HTTP/1.1 POST without `Content-Length` (reqwest always adds one).
fn raw_post_without_length(base_url: &str, path: &str, token: &str) -> String {
    let addr = base_url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[tokio::test]
async fn send_requires_content_length_then_delivers() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let m = create_draft(&sb, &client, &token, &draft_body("Send me")).await;
    let id = m["id"].as_str().unwrap().to_string();

    let base = sb.base_url();
    let path = format!("/v1.0/me/messages/{id}/send");
    let t = token.clone();
    let raw = tokio::task::spawn_blocking(move || raw_post_without_length(&base, &path, &t))
        .await
        .unwrap();
    assert!(raw.starts_with("HTTP/1.1 411"), "{raw}");
    assert!(raw.contains("HTTP Error 411. The request must be chunked or have a content length."));
    assert_eq!(sb.messages("adele@contoso.com", "drafts").len(), 1);

    let resp = send(&sb, &client, &token, &id).await;
    assert_eq!(resp.status().as_u16(), 202);
    assert!(resp.text().await.unwrap().is_empty());
    assert!(sb.messages("adele@contoso.com", "drafts").is_empty());
    let sent = sb.messages("adele@contoso.com", "sentitems");
    assert_eq!(subjects(&sent), ["Send me"]);
    assert_eq!(sent[0]["isDraft"], false);
    assert_eq!(
        sent[0]["from"]["emailAddress"]["address"],
        "adele@contoso.com"
    );
    let inbox = sb.messages("alex@contoso.com", "inbox");
    assert_eq!(subjects(&inbox), ["Send me"]);
    assert_eq!(inbox[0]["isRead"], false);

    // The draft is gone: sending again → 404.
    let resp = send(&sb, &client, &token, &id).await;
    assert_eq!(resp.status().as_u16(), 404);

    // A non-draft cannot be sent.
    let sent_id = sent[0]["id"].as_str().unwrap();
    let resp = send(&sb, &client, &token, sent_id).await;
    assert_eq!(resp.status().as_u16(), 400);

    // Recipients of a sent message cannot be changed; isRead can.
    let url = format!("{}/me/messages/{sent_id}", sb.base_url());
    let resp = client
        .patch(&url)
        .bearer_auth(&token)
        .json(&json!({"toRecipients": []}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    let resp = client
        .patch(&url)
        .bearer_auth(&token)
        .json(&json!({"isRead": false, "flag": {"flagStatus": "flagged"}}))
        .send()
        .await
        .unwrap();
    let (status, p) = status_json(resp).await;
    assert_eq!(status, 200);
    assert_eq!(p["flag"]["flagStatus"], "flagged");
}

#[tokio::test]
async fn deferred_send_waits_in_outbox_until_clock_passes() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let at = sb.now() + chrono::Duration::hours(1);
    let m = create_draft(&sb, &client, &token, &with_deferred("Later", at)).await;
    let resp = send(&sb, &client, &token, m["id"].as_str().unwrap()).await;
    assert_eq!(resp.status().as_u16(), 202);

    let outbox = sb.messages("adele@contoso.com", "outbox");
    assert_eq!(subjects(&outbox), ["Later"]);
    assert_eq!(outbox[0]["isDraft"], false);
    assert!(sb.messages("adele@contoso.com", "drafts").is_empty());
    assert!(sb.messages("alex@contoso.com", "inbox").is_empty());
    assert!(sb.messages("adele@contoso.com", "sentitems").is_empty());

    // The property reads back (lower-cased id) from the Outbox copy.
    let oid = outbox[0]["id"].as_str().unwrap();
    let (status, got) = get_json(
        &client,
        &format!(
            "{}/me/messages/{oid}?$expand=singleValueExtendedProperties($filter=id eq '{DEFERRED}')",
            sb.base_url()
        ),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        got["singleValueExtendedProperties"][0]["id"],
        "SystemTime 0x3fef"
    );

    sb.advance_clock(Duration::from_secs(30 * 60));
    assert!(sb.messages("alex@contoso.com", "inbox").is_empty());

    let before = sb.now();
    sb.advance_clock(Duration::from_secs(90 * 60));
    assert!(sb.now() >= before + chrono::Duration::minutes(90));
    let inbox = sb.messages("alex@contoso.com", "inbox");
    assert_eq!(subjects(&inbox), ["Later"]);
    // Timestamps follow the sandbox clock.
    let received =
        chrono::DateTime::parse_from_rfc3339(inbox[0]["receivedDateTime"].as_str().unwrap())
            .unwrap();
    assert!(received >= at);
    assert_eq!(
        subjects(&sb.messages("adele@contoso.com", "sentitems")),
        ["Later"]
    );
    assert!(sb.messages("adele@contoso.com", "outbox").is_empty());
}

#[tokio::test]
async fn past_deferred_time_sends_at_once_also_for_send_mail() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let past = sb.now() - chrono::Duration::hours(1);
    let m = create_draft(&sb, &client, &token, &with_deferred("Past", past)).await;
    let resp = send(&sb, &client, &token, m["id"].as_str().unwrap()).await;
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(
        subjects(&sb.messages("alex@contoso.com", "inbox")),
        ["Past"]
    );
    assert!(sb.messages("adele@contoso.com", "outbox").is_empty());

    // sendMail with a future deferred time is held too.
    let future = sb.now() + chrono::Duration::hours(2);
    let body = json!({"message": with_deferred("Via sendMail", future)});
    let resp = post_json(
        &client,
        &format!("{}/me/sendMail", sb.base_url()),
        &token,
        &body,
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(
        subjects(&sb.messages("adele@contoso.com", "outbox")),
        ["Via sendMail"]
    );
    assert_eq!(sb.messages("alex@contoso.com", "inbox").len(), 1);
    sb.set_clock(future + chrono::Duration::seconds(1));
    assert_eq!(
        subjects(&sb.messages("alex@contoso.com", "inbox")),
        ["Via sendMail", "Past"]
    );
}

#[tokio::test]
async fn deleting_from_outbox_cancels_deferred_send() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let at = sb.now() + chrono::Duration::hours(1);
    let m = create_draft(&sb, &client, &token, &with_deferred("Cancel me", at)).await;
    send(&sb, &client, &token, m["id"].as_str().unwrap()).await;
    let outbox = sb.messages("adele@contoso.com", "outbox");
    let oid = outbox[0]["id"].as_str().unwrap();
    let resp = client
        .delete(format!(
            "{}/me/mailFolders/outbox/messages/{oid}",
            sb.base_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    sb.advance_clock(Duration::from_secs(3 * 3600));
    assert!(sb.messages("alex@contoso.com", "inbox").is_empty());
    assert!(sb.messages("adele@contoso.com", "sentitems").is_empty());
    assert!(sb.messages("adele@contoso.com", "outbox").is_empty());

    // Deleting again → 404 (with a fresh token: three hours expired the first one).
    let token = sb.delegated_token("adele@contoso.com");
    let resp = client
        .delete(format!("{}/me/messages/{oid}", sb.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
}

#[tokio::test]
async fn clock_drives_timestamps_and_error_dates() {
    let (sb, client) = setup().await;
    let t = chrono::DateTime::parse_from_rfc3339("2030-05-06T07:08:09Z")
        .unwrap()
        .with_timezone(&Utc);
    sb.set_clock(t);
    // Tokens expire by the sandbox clock: this one is minted in 2030.
    let token = sb.delegated_token("adele@contoso.com");
    let m = create_draft(&sb, &client, &token, &draft_body("Future")).await;
    assert!(m["createdDateTime"]
        .as_str()
        .unwrap()
        .starts_with("2030-05-06T07:08"));
    let (status, body) = get_json(
        &client,
        &format!("{}/me/messages/nope", sb.base_url()),
        &token,
    )
    .await;
    assert_eq!(status, 404);
    assert!(body["error"]["innerError"]["date"]
        .as_str()
        .unwrap()
        .starts_with("2030-05-06T07:08"));
}

#[tokio::test]
async fn move_copy_and_add_attachment() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let m = create_draft(&sb, &client, &token, &draft_body("Mover")).await;
    let id = m["id"].as_str().unwrap();

    let resp = post_json(
        &client,
        &format!("{}/me/messages/{id}/attachments", sb.base_url()),
        &token,
        &json!({
            "@odata.type": "#microsoft.graph.fileAttachment",
            "name": "n.txt",
            "contentBytes": STANDARD.encode("note"),
        }),
    )
    .await;
    let (status, a) = status_json(resp).await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(a["name"], "n.txt");
    assert_eq!(a["size"], 4);

    let resp = post_json(
        &client,
        &format!("{}/me/messages/{id}/copy", sb.base_url()),
        &token,
        &json!({"destinationId": "archive"}),
    )
    .await;
    let (status, c) = status_json(resp).await;
    assert_eq!(status, 201);
    assert_ne!(c["id"], m["id"]);
    assert_eq!(c["hasAttachments"], true);
    assert_eq!(sb.messages("adele@contoso.com", "drafts").len(), 1);
    assert_eq!(sb.messages("adele@contoso.com", "archive").len(), 1);

    let resp = post_json(
        &client,
        &format!("{}/me/messages/{id}/move", sb.base_url()),
        &token,
        &json!({"DestinationId": "deleteditems"}),
    )
    .await;
    let (status, mv) = status_json(resp).await;
    assert_eq!(status, 201);
    assert_ne!(mv["id"], m["id"]);
    assert!(sb.messages("adele@contoso.com", "drafts").is_empty());
    assert_eq!(
        subjects(&sb.messages("adele@contoso.com", "deleteditems")),
        ["Mover"]
    );
}

#[tokio::test]
async fn app_token_and_other_mailbox_rules_apply() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    // A delegated token may not create drafts in another mailbox.
    let resp = post_json(
        &client,
        &format!("{}/users/alex@contoso.com/messages", sb.base_url()),
        &token,
        &draft_body("x"),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 403);
    // Unauthenticated.
    let resp = client
        .post(format!("{}/me/messages", sb.base_url()))
        .json(&draft_body("x"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);
}
