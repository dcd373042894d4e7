//! `sendMail` as JSON: delivery, Sent Items, parameter spellings, validation.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn message_from_adele_arrives_in_alex_inbox_and_adele_sent_items() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let bytes = b"Hello World!\x00\xff binary".to_vec();
    let body = json!({
        "message": {
            "subject": "Quarterly report",
            "importance": "high",
            "body": {"contentType": "HTML", "content": "<p>See <b>attached</b>.</p>"},
            "toRecipients": [{"emailAddress": {"address": "alex@contoso.com", "name": "Alex"}}],
            "ccRecipients": [{"emailAddress": {"address": "external@fabrikam.com"}}],
            "bccRecipients": [{"emailAddress": {"address": "Adele@Contoso.com"}}],
            "replyTo": [{"emailAddress": {"address": "team@contoso.com"}}],
            "isDeliveryReceiptRequested": true,
            "internetMessageHeaders": [{"name": "x-app-correlation-id", "value": "42"}],
            "attachments": [{
                "@odata.type": "#microsoft.graph.fileAttachment",
                "name": "report.bin",
                "contentType": "application/octet-stream",
                "contentBytes": STANDARD.encode(&bytes)
            }]
        }
    });
    let resp = post_json(
        &client,
        &format!("{}/me/sendMail", sb.base_url()),
        &token,
        &body,
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(
        resp.headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok()),
        Some("0")
    );
    assert!(resp.headers().contains_key("request-id"));
    assert!(resp.headers().contains_key("client-request-id"));
    assert!(resp.headers().contains_key("date"));
    assert_eq!(resp.bytes().await.unwrap().len(), 0);

    let inbox = sb.messages("alex@contoso.com", "inbox");
    assert_eq!(inbox.len(), 1);
    let m = &inbox[0];
    assert_eq!(m["subject"], "Quarterly report");
    assert_eq!(
        m["body"],
        json!({"contentType": "html", "content": "<p>See <b>attached</b>.</p>"})
    );
    assert_eq!(m["bodyPreview"], "See attached .");
    assert_eq!(m["importance"], "high");
    assert_eq!(
        m["toRecipients"],
        json!([{"emailAddress": {"name": "Alex", "address": "alex@contoso.com"}}])
    );
    assert_eq!(
        m["ccRecipients"],
        json!([{"emailAddress": {"name": "external@fabrikam.com", "address": "external@fabrikam.com"}}])
    );
    assert_eq!(m["bccRecipients"], json!([]), "recipients don't see bcc");
    assert_eq!(
        m["from"],
        json!({"emailAddress": {"name": "Adele", "address": "adele@contoso.com"}})
    );
    assert_eq!(m["sender"], m["from"]);
    assert_eq!(m["isRead"], false);
    assert_eq!(m["isDraft"], false);
    assert_eq!(m["hasAttachments"], true);
    assert_eq!(m["isDeliveryReceiptRequested"], true);
    assert_eq!(m["flag"], json!({"flagStatus": "notFlagged"}));
    assert_eq!(m["inferenceClassification"], "focused");
    assert!(m["@odata.etag"].as_str().unwrap().starts_with("W/\""));
    assert!(m["internetMessageId"]
        .as_str()
        .unwrap()
        .ends_with("@sandbox.local>"));
    assert!(m["sentDateTime"].as_str().unwrap().ends_with('Z'));
    assert!(
        m.get("internetMessageHeaders").is_none(),
        "only with $select"
    );
    assert!(m.get("attachments").is_none(), "only with $expand");

    // Attachment via GET …/messages/{id}/attachments, content bytes equal.
    let id = m["id"].as_str().unwrap();
    let alex = sb.delegated_token("alex@contoso.com");
    let (status, atts) = get_json(
        &client,
        &format!("{}/me/messages/{id}/attachments", sb.base_url()),
        &alex,
    )
    .await;
    assert_eq!(status, 200);
    let att = &atts["value"][0];
    assert_eq!(att["@odata.type"], "#microsoft.graph.fileAttachment");
    assert_eq!(att["name"], "report.bin");
    assert_eq!(att["contentType"], "application/octet-stream");
    assert_eq!(att["size"], bytes.len());
    assert_eq!(att["isInline"], false);
    assert_eq!(att["contentLocation"], Value::Null);
    assert_eq!(
        STANDARD
            .decode(att["contentBytes"].as_str().unwrap())
            .unwrap(),
        bytes
    );

    // Custom header only with $select.
    let (_, sel) = get_json(
        &client,
        &format!(
            "{}/me/messages/{id}?$select=internetMessageHeaders,subject",
            sb.base_url()
        ),
        &alex,
    )
    .await;
    assert_eq!(
        sel["internetMessageHeaders"],
        json!([{"name": "x-app-correlation-id", "value": "42"}])
    );
    assert_eq!(sel["subject"], "Quarterly report");
    assert!(sel.get("body").is_none());
    assert!(sel.get("@odata.etag").is_some());

    // Sender's copy: Sent Items, read, with bcc; adele (bcc) also got an Inbox copy.
    let sent = sb.messages("adele@contoso.com", "sentitems");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["isRead"], true);
    assert_eq!(sent[0]["subject"], "Quarterly report");
    assert_eq!(
        sent[0]["bccRecipients"],
        json!([{"emailAddress": {"name": "Adele", "address": "Adele@Contoso.com"}}])
    );
    assert_eq!(sent[0]["internetMessageId"], m["internetMessageId"]);
    assert_eq!(sent[0]["conversationId"], m["conversationId"]);
    assert_ne!(sent[0]["id"], m["id"]);
    assert_eq!(sb.messages("adele@contoso.com", "inbox").len(), 1);
    // The external cc makes it outbound.
    assert_eq!(sb.outbound().len(), 1);
}

#[tokio::test]
async fn save_to_sent_items_false_boolean_and_string() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let url = format!("{}/me/sendMail", sb.base_url());
    for flag in [json!(false), json!("false"), json!("False")] {
        let mut body = simple_mail("no copy");
        body["saveToSentItems"] = flag;
        assert_eq!(
            post_json(&client, &url, &token, &body)
                .await
                .status()
                .as_u16(),
            202
        );
    }
    assert!(sb.messages("adele@contoso.com", "sentitems").is_empty());
    assert_eq!(sb.messages("alex@contoso.com", "inbox").len(), 3);

    let mut body = simple_mail("with copy");
    body["saveToSentItems"] = json!("true");
    assert_eq!(
        post_json(&client, &url, &token, &body)
            .await
            .status()
            .as_u16(),
        202
    );
    assert_eq!(sb.messages("adele@contoso.com", "sentitems").len(), 1);
}

#[tokio::test]
async fn pascal_case_parameters_odata_type_and_lowercase_path() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let body = json!({
        "Message": {
            "@odata.type": "#microsoft.graph.message",
            "subject": "Pascal",
            "body": {"@odata.type": "#microsoft.graph.itemBody", "contentType": "text", "content": "x"},
            "toRecipients": [{"@odata.type": "#microsoft.graph.recipient",
                "emailAddress": {"@odata.type": "#microsoft.graph.emailAddress", "address": "alex@contoso.com"}}]
        },
        "SaveToSentItems": false
    });
    let resp = post_json(
        &client,
        &format!("{}/me/sendmail", sb.base_url()),
        &token,
        &body,
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(
        sb.messages("alex@contoso.com", "Inbox")[0]["subject"],
        "Pascal"
    );
    assert!(sb.messages("adele@contoso.com", "sentitems").is_empty());
}

#[tokio::test]
async fn users_path_with_encoded_at_and_app_token() {
    let (sb, client) = setup().await;
    let form = [
        ("grant_type", "client_credentials".to_string()),
        ("client_id", sb.client_id()),
        ("client_secret", sb.client_secret()),
        ("scope", "https://graph.microsoft.com/.default".to_string()),
    ];
    let tok: Value = client
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            sb.authority_url(),
            sb.tenant_id()
        ))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let app = tok["access_token"].as_str().unwrap();
    let resp = post_json(
        &client,
        &format!("{}/users/adele%40contoso.com/sendMail", sb.base_url()),
        app,
        &simple_mail("from app"),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(
        sb.messages("alex@contoso.com", "inbox")[0]["subject"],
        "from app"
    );
    assert_eq!(
        sb.messages("adele@contoso.com", "sentitems")[0]["from"]["emailAddress"]["address"],
        "adele@contoso.com"
    );
    let recorded = sb.requests();
    assert!(recorded
        .iter()
        .any(|r| r.method == "POST" && r.path == "/v1.0/users/adele%40contoso.com/sendMail"));
    // by object id too, case-insensitive segments
    let id = sb.add_user("adele@contoso.com");
    let resp = post_json(
        &client,
        &format!("{}/USERS/{id}/SENDMAIL", sb.base_url()),
        app,
        &simple_mail("by id"),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
}

#[tokio::test]
async fn internet_message_header_rules() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let url = format!("{}/me/sendMail", sb.base_url());
    let mut body = simple_mail("h");
    body["message"]["internetMessageHeaders"] = json!([{"name": "In-Reply-To", "value": "<a@b>"}]);
    let (status, err) = status_json(post_json(&client, &url, &token, &body).await).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "InvalidInternetMessageHeader",
        "The internet message header name 'In-Reply-To' should start with 'x-' or 'X-'.",
    );

    let six: Vec<Value> = (0..6)
        .map(|i| json!({"name": format!("X-H{i}"), "value": "v"}))
        .collect();
    body["message"]["internetMessageHeaders"] = Value::Array(six);
    let (status, err) = status_json(post_json(&client, &url, &token, &body).await).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "InvalidInternetMessageHeaderCollection",
        "Maximum number of headers in one message should be less than or equal to 5.",
    );
    assert!(sb.messages("alex@contoso.com", "inbox").is_empty());
}

#[tokio::test]
async fn validation_errors() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let url = format!("{}/me/sendMail", sb.base_url());

    // No recipients.
    let body = json!({"message": {"subject": "nobody"}});
    let (status, err) = status_json(post_json(&client, &url, &token, &body).await).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "ErrorInvalidRecipients",
        "At least one recipient isn't valid., A message can't be sent because it contains no recipients.",
    );

    // Missing message.
    let body = json!({"subject": "flattened", "toRecipients": []});
    let (status, err) = status_json(post_json(&client, &url, &token, &body).await).await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "ErrorInvalidParameter");

    // Invalid JSON.
    let resp = client
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    let (status, err) = status_json(resp).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "BadRequest",
        "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.",
    );

    // Over 4 MB.
    let mut body = simple_mail("big");
    body["message"]["attachments"] = json!([{
        "@odata.type": "#microsoft.graph.fileAttachment",
        "name": "big.bin",
        "contentBytes": STANDARD.encode(vec![0u8; 3_200_000])
    }]);
    let (status, err) = status_json(post_json(&client, &url, &token, &body).await).await;
    assert_eq!(status, 413);
    assert_eq!(
        err["error"]["message"],
        "The maximum request length supported is 4MB."
    );

    // Send-as another mailbox is denied.
    let mut body = simple_mail("spoof");
    body["message"]["from"] = json!({"emailAddress": {"address": "alex@contoso.com"}});
    let (status, err) = status_json(post_json(&client, &url, &token, &body).await).await;
    assert_eq!(status, 403);
    assert_eq!(err["error"]["code"], "ErrorSendAsDenied");

    assert!(sb.messages("alex@contoso.com", "inbox").is_empty());
}

#[tokio::test]
async fn client_request_id_is_echoed() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let resp = client
        .post(format!("{}/me/sendMail", sb.base_url()))
        .bearer_auth(&token)
        .header("client-request-id", "11111111-2222-3333-4444-555555555555")
        .json(&json!({"message": {}}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["client-request-id"],
        "11111111-2222-3333-4444-555555555555"
    );
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json;odata.metadata=minimal"));
    let (_, err) = status_json(resp).await;
    assert_eq!(
        err["error"]["innerError"]["client-request-id"],
        "11111111-2222-3333-4444-555555555555"
    );
}
