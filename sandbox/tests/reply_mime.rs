//! MIME bodies (`Content-Type: text/plain`, base64 RFC 5322 text) on `reply`,
//! `replyAll`, `forward` (202) and `createReply`, `createReplyAll`, `createForward`
//! (201 + draft), as in Example 2 of each action's page.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";
const MEGAN: &str = "megan@contoso.com";

/// Base64 of a small MIME message (CRLF line ends) with the given extra headers.
fn mime(headers: &str, body: &str) -> String {
    let raw = format!(
        "{headers}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n\r\n{body}\r\n"
    );
    STANDARD.encode(raw)
}

async fn post_mime(sb: &Sandbox, token: &str, path: &str, body: String) -> (u16, Option<Value>) {
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", sb.base_url()))
        .bearer_auth(token)
        .header("content-type", "text/plain")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).ok())
}

/// Adele sends "Lunch" to Alex (cc Megan); returns the id of Alex's Inbox copy.
async fn lunch_in_alex_inbox(sb: &Sandbox, client: &reqwest::Client) -> String {
    sb.add_user(MEGAN);
    let token = sb.delegated_token(ADELE);
    let resp = post_json(
        client,
        &format!("{}/me/sendMail", sb.base_url()),
        &token,
        &json!({"message": {
            "subject": "Lunch",
            "body": {"contentType": "Text", "content": "Noon?"},
            "toRecipients": [{"emailAddress": {"address": ALEX}}],
            "ccRecipients": [{"emailAddress": {"address": MEGAN}}],
        }}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    sb.messages(ALEX, "inbox")[0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

fn addresses(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["emailAddress"]["address"]
                .as_str()
                .unwrap()
                .to_lowercase()
        })
        .collect()
}

#[tokio::test]
async fn mime_reply_goes_to_the_original_sender() {
    let (sb, client) = setup().await;
    let id = lunch_in_alex_inbox(&sb, &client).await;
    let alex = sb.delegated_token(ALEX);
    let body = mime("Subject: Re: Lunch (MIME)\r\n", "Sounds good.");
    let (status, answer) = post_mime(&sb, &alex, &format!("/me/messages/{id}/reply"), body).await;
    assert_eq!(status, 202, "{answer:?}");
    assert!(answer.is_none(), "202 has no body");

    // Adele's Inbox has the reply with the MIME subject and body, from Alex.
    let inbox = sb.messages(ADELE, "inbox");
    assert_eq!(inbox.len(), 1);
    let reply = &inbox[0];
    assert_eq!(reply["subject"], "Re: Lunch (MIME)");
    assert_eq!(
        reply["body"],
        json!({"contentType": "text", "content": "Sounds good.\r\n"})
    );
    assert_eq!(reply["from"]["emailAddress"]["address"], ALEX);
    assert_eq!(addresses(&reply["toRecipients"]), [ADELE]);
    // Saved in Alex's Sent Items; Megan (only cc of the original) gets nothing.
    assert_eq!(
        sb.messages(ALEX, "sentitems")[0]["subject"],
        "Re: Lunch (MIME)"
    );
    assert_eq!(sb.messages(MEGAN, "inbox").len(), 1, "only the original");
}

#[tokio::test]
async fn mime_reply_all_and_forward_address_as_documented() {
    let (sb, client) = setup().await;
    let id = lunch_in_alex_inbox(&sb, &client).await;
    let alex = sb.delegated_token(ALEX);

    // replyAll without recipients in the MIME: the sender and the other recipients.
    let (status, _) = post_mime(
        &sb,
        &alex,
        &format!("/me/messages/{id}/replyAll"),
        mime("", "All good."),
    )
    .await;
    assert_eq!(status, 202);
    let got = &sb.messages(ADELE, "inbox")[0];
    // No Subject header: RE: + the original's.
    assert_eq!(got["subject"], "RE: Lunch");
    assert_eq!(addresses(&got["toRecipients"]), [ADELE]);
    assert_eq!(addresses(&got["ccRecipients"]), [MEGAN]);
    assert_eq!(sb.messages(MEGAN, "inbox")[0]["subject"], "RE: Lunch");

    // forward: to the MIME's To.
    let (status, _) = post_mime(
        &sb,
        &alex,
        &format!("/me/messages/{id}/forward"),
        mime(
            "To: Megan <megan@contoso.com>\r\nSubject: FW: Lunch\r\n",
            "FYI",
        ),
    )
    .await;
    assert_eq!(status, 202);
    let megan = sb.messages(MEGAN, "inbox");
    assert_eq!(megan.len(), 3);
    assert_eq!(megan[0]["subject"], "FW: Lunch");
    assert_eq!(megan[0]["body"]["content"], "FYI\r\n");

    // forward without any recipient: refused like sendMail, nothing sent.
    let (status, err) = post_mime(
        &sb,
        &alex,
        &format!("/me/messages/{id}/forward"),
        mime("Subject: FW: nobody\r\n", "x"),
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err.unwrap(),
        "ErrorInvalidRecipients",
        "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
    );
    assert_eq!(sb.messages(ALEX, "sentitems").len(), 2);
}

#[tokio::test]
async fn mime_create_actions_make_drafts_in_the_thread() {
    let (sb, client) = setup().await;
    let id = lunch_in_alex_inbox(&sb, &client).await;
    let alex = sb.delegated_token(ALEX);
    let original = &sb.messages(ALEX, "inbox")[0];
    let raw = "Subject: Re: Lunch draft\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n\r\nDraft text\r\n";
    let (status, created) = post_mime(
        &sb,
        &alex,
        &format!("/me/messages/{id}/createReply"),
        STANDARD.encode(raw),
    )
    .await;
    let created = created.unwrap();
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["isDraft"], true);
    assert_eq!(created["subject"], "Re: Lunch draft");
    assert_eq!(addresses(&created["toRecipients"]), [ADELE]);
    assert_eq!(created["conversationId"], original["conversationId"]);
    assert!(created["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/messages/$entity"));

    // Stored in Drafts; `$value` is the MIME as sent; nothing delivered yet.
    let drafts = sb.messages(ALEX, "drafts");
    assert_eq!(drafts.len(), 1);
    assert_eq!(drafts[0]["id"], created["id"]);
    let draft_id = created["id"].as_str().unwrap();
    let value = client
        .get(format!("{}/me/messages/{draft_id}/$value", sb.base_url()))
        .bearer_auth(&alex)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(value, raw);
    assert!(sb.messages(ADELE, "inbox").is_empty());

    // createReplyAll and createForward too.
    let (status, all) = post_mime(
        &sb,
        &alex,
        &format!("/me/messages/{id}/createReplyAll"),
        mime("", "draft all"),
    )
    .await;
    assert_eq!(status, 201);
    let all = all.unwrap();
    assert_eq!(addresses(&all["toRecipients"]), [ADELE]);
    assert_eq!(addresses(&all["ccRecipients"]), [MEGAN]);
    let (status, fwd) = post_mime(
        &sb,
        &alex,
        &format!("/me/messages/{id}/createForward"),
        mime("To: megan@contoso.com\r\n", "draft fwd"),
    )
    .await;
    assert_eq!(status, 201);
    let fwd = fwd.unwrap();
    assert_eq!(fwd["subject"], "FW: Lunch");
    assert_eq!(addresses(&fwd["toRecipients"]), [MEGAN]);
    assert_eq!(sb.messages(ALEX, "drafts").len(), 3);

    // Sending the MIME draft delivers it.
    let resp = client
        .post(format!("{}/me/messages/{draft_id}/send", sb.base_url()))
        .bearer_auth(&alex)
        .header("content-length", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(sb.messages(ADELE, "inbox")[0]["subject"], "Re: Lunch draft");
}

#[tokio::test]
async fn malformed_mime_is_the_documented_400_and_changes_nothing() {
    let (sb, client) = setup().await;
    let id = lunch_in_alex_inbox(&sb, &client).await;
    let alex = sb.delegated_token(ALEX);
    for action in [
        "reply",
        "replyAll",
        "forward",
        "createReply",
        "createReplyAll",
        "createForward",
    ] {
        let (status, err) = post_mime(
            &sb,
            &alex,
            &format!("/me/messages/{id}/{action}"),
            "not base64 at all!".into(),
        )
        .await;
        assert_eq!(status, 400, "{action}");
        assert_graph_error(
            &err.unwrap(),
            "ErrorMimeContentInvalidBase64String",
            "Invalid base64 string for MIME content.",
        );
    }
    assert!(sb.messages(ALEX, "drafts").is_empty());
    assert!(sb.messages(ALEX, "sentitems").is_empty());
    assert!(sb.messages(ADELE, "inbox").is_empty());
}

#[tokio::test]
async fn mime_reply_from_another_mailbox_needs_send_as() {
    let (sb, client) = setup().await;
    let id = lunch_in_alex_inbox(&sb, &client).await;
    let alex = sb.delegated_token(ALEX);
    let (status, err) = post_mime(
        &sb,
        &alex,
        &format!("/me/messages/{id}/reply"),
        mime("From: megan@contoso.com\r\nSubject: spoof\r\n", "x"),
    )
    .await;
    assert_eq!(status, 403);
    assert_graph_error(
        &err.unwrap(),
        "ErrorSendAsDenied",
        "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account. Cannot submit message.",
    );
    assert!(sb.messages(ADELE, "inbox").is_empty());
}
