//! `POST …/getMailTips` (GRAPH-FACTS-2 §7.5) and the maximum message size it reports,
//! enforced on every way of sending (`Sandbox::set_max_message_size`).

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

const ALL: &str = "automaticReplies, mailboxFullStatus, customMailTip, externalMemberCount, totalMemberCount, maxMessageSize, deliveryRestriction, moderationStatus, recipientScope, recipientSuggestions";

#[tokio::test]
async fn answers_per_address_with_the_options_asked_only() {
    let (sb, client) = setup().await;
    sb.add_user_without_mailbox("onprem@contoso.com");
    sb.set_max_message_size("alex@contoso.com", 150 * 1024 * 1024);
    // Alex is away.
    apply_automatic_replies(
        &sb,
        &client,
        "alex@contoso.com",
        json!({"status": "alwaysEnabled", "internalReplyMessage": "Out until Monday"}),
    )
    .await;

    let token = sb.delegated_token("adele@contoso.com");
    let (status, body) = post_path(
        &sb,
        &token,
        "/me/getMailTips",
        &json!({
            "EmailAddresses": ["alex@contoso.com", "adele@contoso.com", "someone@fabrikam.com", "nobody@contoso.com", "onprem@contoso.com"],
            "MailTipsOptions": "automaticReplies, maxMessageSize, recipientScope",
        }),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let origin = sb.authority_url();
    let not_found =
        json!({"code": "ErrorRecipientNotFound", "message": "The recipient could not be found."});
    assert_eq!(
        body,
        json!({
            "@odata.context": format!("{origin}/v1.0/$metadata#Collection(microsoft.graph.mailTips)"),
            "value": [
                {
                    "emailAddress": {"name": "", "address": "alex@contoso.com"},
                    "automaticReplies": {
                        "message": "Out until Monday",
                        "messageLanguage": {"locale": "en-US", "displayName": "English (United States)"},
                    },
                    "maxMessageSize": 157286400,
                    "recipientScope": "internal",
                },
                {
                    "emailAddress": {"name": "", "address": "adele@contoso.com"},
                    "automaticReplies": {"message": ""},
                    "maxMessageSize": 36700160,
                    "recipientScope": "internal",
                },
                {
                    "emailAddress": {"name": "", "address": "someone@fabrikam.com"},
                    "automaticReplies": {"message": ""},
                    "maxMessageSize": 36700160,
                    "recipientScope": "external",
                },
                {"emailAddress": {"name": "", "address": "nobody@contoso.com"}, "error": not_found},
                {"emailAddress": {"name": "", "address": "onprem@contoso.com"}, "error": not_found},
            ],
        })
    );

    // Every option; camelCase parameter names are read too.
    let (status, body) = post_path(
        &sb,
        &token,
        "/users/adele@contoso.com/getMailTips",
        &json!({"emailAddresses": ["adele@contoso.com"], "mailTipsOptions": ALL}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["value"][0],
        json!({
            "emailAddress": {"name": "", "address": "adele@contoso.com"},
            "automaticReplies": {"message": ""},
            "mailboxFull": false,
            "customMailTip": "",
            "externalMemberCount": 0,
            "totalMemberCount": 1,
            "maxMessageSize": 36700160,
            "deliveryRestricted": false,
            "isModerated": false,
            "recipientScope": "internal",
            "recipientSuggestions": [],
        })
    );
}

#[tokio::test]
async fn permissions_and_bad_bodies() {
    let (sb, _) = setup().await;
    let body = json!({"EmailAddresses": ["alex@contoso.com"], "MailTipsOptions": "maxMessageSize"});
    // Mail.Send alone is not enough; Mail.Read is the least privileged scope.
    let send_only = sb.delegated_token_with_scopes("adele@contoso.com", &["Mail.Send"]);
    let (status, err) = post_path(&sb, &send_only, "/me/getMailTips", &body).await;
    assert_eq!(status, 403);
    assert_graph_error(&err, "ErrorAccessDenied", DENIED);
    let read = sb.delegated_token_with_scopes("adele@contoso.com", &["Mail.Read"]);
    let (status, ok) = post_path(&sb, &read, "/me/getMailTips", &body).await;
    assert_eq!(status, 200);
    assert_eq!(ok["value"][0]["maxMessageSize"], 36700160);
    // Another user's mailbox needs Full Access, like every mail path.
    let (status, _) = post_path(&sb, &read, "/users/alex@contoso.com/getMailTips", &body).await;
    assert_eq!(status, 403);

    let token = sb.delegated_token("adele@contoso.com");
    let (status, err) = post_path(
        &sb,
        &token,
        "/me/getMailTips",
        &json!({"MailTipsOptions": "maxMessageSize"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "ErrorInvalidParameter");
    let (status, err) = post_path(
        &sb,
        &token,
        "/me/getMailTips",
        &json!({"EmailAddresses": ["alex@contoso.com"], "MailTipsOptions": "maxMessageSize, shoeSize"}),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        err["error"]["message"],
        "The value 'shoeSize' of the parameter 'MailTipsOptions' is not valid."
    );
    let resp = reqwest::Client::new()
        .get(format!("{}/me/getMailTips", sb.base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
}

fn mime_of_size(total: usize) -> String {
    let head = "From: adele@contoso.com\r\nTo: alex@contoso.com\r\nSubject: big\r\n\r\n";
    format!("{head}{}", "x".repeat(total - head.len()))
}

async fn post_mime(sb: &Sandbox, token: &str, mime: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/me/sendMail", sb.base_url()))
        .bearer_auth(token)
        .header("content-type", "text/plain")
        .body(STANDARD.encode(mime))
        .send()
        .await
        .unwrap()
}

fn assert_size_exceeded(status: u16, body: &Value) {
    assert_eq!(status, 400, "{body}");
    assert_graph_error(
        body,
        "ErrorMessageSizeExceeded",
        "The message exceeds the maximum supported size.",
    );
}

#[tokio::test]
async fn larger_than_the_senders_maximum_is_refused_and_nothing_is_sent() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let base = sb.base_url();
    sb.set_max_message_size("adele@contoso.com", 2000);

    // MIME: the MIME text counts.
    let (status, body) = status_json(post_mime(&sb, &token, &mime_of_size(2001)).await).await;
    assert_size_exceeded(status, &body);
    assert_eq!(
        post_mime(&sb, &token, &mime_of_size(2000)).await.status(),
        202
    );

    // JSON: attachments count base64-encoded (1,500 bytes → 2,000 characters).
    let with_attachment = |bytes: usize| {
        json!({"message": {
            "subject": "att",
            "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}],
            "attachments": [{"@odata.type": "#microsoft.graph.fileAttachment", "name": "a.bin",
                "contentType": "application/octet-stream", "contentBytes": STANDARD.encode(vec![7u8; bytes])}],
        }})
    };
    let (status, body) = status_json(
        post_json(
            &client,
            &format!("{base}/me/sendMail"),
            &token,
            &with_attachment(1500),
        )
        .await,
    )
    .await;
    assert_size_exceeded(status, &body);

    // A draft: refused on send, and it stays in Drafts.
    let draft_body = with_attachment(1500)["message"].clone();
    let (status, draft) =
        status_json(post_json(&client, &format!("{base}/me/messages"), &token, &draft_body).await)
            .await;
    assert_eq!(status, 201);
    let send_draft = || async {
        client
            .post(format!(
                "{base}/me/messages/{}/send",
                draft["id"].as_str().unwrap()
            ))
            .bearer_auth(&token)
            .header("content-length", "0")
            .send()
            .await
            .unwrap()
    };
    let (status, body) = status_json(send_draft().await).await;
    assert_size_exceeded(status, &body);
    assert_eq!(sb.messages("adele@contoso.com", "drafts").len(), 1);

    // Only the one message within the limit went out.
    let inbox = sb.messages("alex@contoso.com", "inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!(sb.messages("adele@contoso.com", "sentitems").len(), 1);

    // Raised by the admin: the same draft goes.
    sb.set_max_message_size("adele@contoso.com", 150 * 1024 * 1024);
    assert_eq!(send_draft().await.status(), 202);
    assert_eq!(sb.messages("alex@contoso.com", "inbox").len(), 2);
    assert!(sb.messages("adele@contoso.com", "drafts").is_empty());
}

#[tokio::test]
async fn mailbox_full_custom_mail_tip_and_automatic_replies_reflect_state() {
    let (sb, client) = setup().await;
    sb.add_user("megan@contoso.com");
    sb.set_clock("2026-12-01T09:00:00Z".parse().unwrap());
    let token = sb.delegated_token("adele@contoso.com");
    let ask = json!({
        "EmailAddresses": ["alex@contoso.com"],
        "MailTipsOptions": "automaticReplies, mailboxFullStatus, customMailTip",
    });
    let tips = |body: Value| body["value"][0].clone();

    let (_, body) = post_path(&sb, &token, "/me/getMailTips", &ask).await;
    assert_eq!(
        tips(body),
        json!({
            "emailAddress": {"name": "", "address": "alex@contoso.com"},
            "automaticReplies": {"message": ""},
            "mailboxFull": false,
            "customMailTip": "",
        })
    );

    sb.set_mailbox_full("alex@contoso.com", true);
    sb.set_custom_mail_tip("alex@contoso.com", "Alex is on leave; write to Megan.");
    // Alex schedules automatic replies for later this month.
    apply_automatic_replies(
        &sb,
        &client,
        "alex@contoso.com",
        json!({
            "status": "scheduled",
            "scheduledStartDateTime": {"dateTime": "2026-12-20T18:00:00", "timeZone": "UTC"},
            "scheduledEndDateTime": {"dateTime": "2026-12-28T18:00:00", "timeZone": "UTC"},
            "internalReplyMessage": "<p>Out until 28 Dec.</p>",
        }),
    )
    .await;

    // Before the window: no automatic-replies MailTip yet.
    let (_, body) = post_path(&sb, &token, "/me/getMailTips", &ask).await;
    assert_eq!(
        tips(body),
        json!({
            "emailAddress": {"name": "", "address": "alex@contoso.com"},
            "automaticReplies": {"message": ""},
            "mailboxFull": true,
            "customMailTip": "Alex is on leave; write to Megan.",
        })
    );
    // Inside it: the internal reply with the window.
    sb.set_clock("2026-12-21T09:00:00Z".parse().unwrap());
    // (A new token: moving the clock expired the first.)
    let token = sb.delegated_token("adele@contoso.com");
    let (_, body) = post_path(&sb, &token, "/me/getMailTips", &ask).await;
    assert_eq!(
        tips(body)["automaticReplies"],
        json!({
            "message": "<p>Out until 28 Dec.</p>",
            "messageLanguage": {"locale": "en-US", "displayName": "English (United States)"},
            "scheduledStartTime": {"dateTime": "2026-12-20T18:00:00.0000000", "timeZone": "UTC"},
            "scheduledEndTime": {"dateTime": "2026-12-28T18:00:00.0000000", "timeZone": "UTC"},
        })
    );

    // A full mailbox gets nothing; the sender gets a non-delivery report, the other
    // recipient the message.
    let resp = post_json(
        &client,
        &format!("{}/me/sendMail", sb.base_url()),
        &token,
        &json!({"message": {
            "subject": "Quarterly numbers",
            "toRecipients": [
                {"emailAddress": {"address": "alex@contoso.com"}},
                {"emailAddress": {"address": "megan@contoso.com"}},
            ],
        }}),
    )
    .await;
    assert_eq!(resp.status(), 202);
    assert!(sb.messages("alex@contoso.com", "inbox").is_empty());
    assert_eq!(sb.messages("megan@contoso.com", "inbox").len(), 1);
    let inbox = sb.messages("adele@contoso.com", "inbox");
    assert_eq!(
        inbox.len(),
        1,
        "no automatic reply from a mailbox that got nothing"
    );
    assert_eq!(inbox[0]["subject"], "Undeliverable: Quarterly numbers");
    assert_eq!(
        inbox[0]["from"],
        json!({"emailAddress": {
            "name": "Microsoft Outlook",
            "address": "MicrosoftExchange329e71ec88ae4615bbc36ab6ce41109e@contoso.com",
        }})
    );
    assert_eq!(
        inbox[0]["body"]["content"],
        "Your message to alex@contoso.com couldn't be delivered.\r\n\r\n\
         Remote Server returned '554 5.2.2 mailbox full'\r\n\r\n\
         Original message subject: Quarterly numbers\r\n"
    );

    // Room again: delivered, and the MailTip says so.
    sb.set_mailbox_full("alex@contoso.com", false);
    sb.set_custom_mail_tip("alex@contoso.com", "");
    let resp = post_json(
        &client,
        &format!("{}/me/sendMail", sb.base_url()),
        &token,
        &json!({"message": {"subject": "Retry", "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]}}),
    )
    .await;
    assert_eq!(resp.status(), 202);
    assert_eq!(sb.messages("alex@contoso.com", "inbox").len(), 1);
    let (_, body) = post_path(&sb, &token, "/me/getMailTips", &ask).await;
    let got = tips(body);
    assert_eq!(got["mailboxFull"], false);
    assert_eq!(got["customMailTip"], "");
}
