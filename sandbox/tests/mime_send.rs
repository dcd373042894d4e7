//! `sendMail` with a base64 MIME body (`Content-Type: text/plain`).

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use serde_json::json;

async fn post_mime(
    sb: &msgraph_outlook_sandbox::Sandbox,
    token: &str,
    body: String,
) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/me/sendMail", sb.base_url()))
        .bearer_auth(token)
        .header("content-type", "text/plain")
        .body(body)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn seed_example_4_delivers_with_its_headers() {
    let (sb, _client) = setup().await;
    sb.add_user("AlexW@contoso.com");
    let token = sb.delegated_token("AdeleV@contoso.com");
    let resp = post_mime(&sb, &token, SEED_MIME_EXAMPLE_4.to_string()).await;
    assert_eq!(resp.status().as_u16(), 202);

    let inbox = sb.messages("alexw@contoso.com", "inbox");
    assert_eq!(inbox.len(), 1);
    let m = &inbox[0];
    assert_eq!(m["subject"], "Test Message");
    assert_eq!(
        m["from"],
        json!({"emailAddress": {"name": "Adele Vance", "address": "AdeleV@contoso.com"}})
    );
    assert_eq!(
        m["toRecipients"],
        json!([{"emailAddress": {"name": "Alex Wilber", "address": "AlexW@contoso.com"}}])
    );
    assert_eq!(m["body"]["contentType"], "html");
    assert!(m["body"]["content"]
        .as_str()
        .unwrap()
        .contains("test html body"));
    assert_eq!(m["bodyPreview"], "test html body");
    assert_eq!(m["hasAttachments"], true);

    let token_alex = sb.delegated_token("AlexW@contoso.com");
    let id = m["id"].as_str().unwrap();
    let (status, msg) = get_json(
        &reqwest::Client::new(),
        &format!(
            "{}/me/mailFolders/inbox/messages/{id}?$expand=attachments",
            sb.base_url()
        ),
        &token_alex,
    )
    .await;
    assert_eq!(status, 200);
    let att = &msg["attachments"][0];
    assert_eq!(att["name"], "test.txt");
    assert_eq!(att["contentType"], "text/plain");
    let bytes = STANDARD
        .decode(att["contentBytes"].as_str().unwrap())
        .unwrap();
    assert_eq!(bytes, b"this is the attachment text\n");
    assert_eq!(att["size"], bytes.len());

    assert_eq!(sb.messages("adelev@contoso.com", "sentitems").len(), 1);
}

#[tokio::test]
async fn unwrapped_base64_with_encoded_subject_cc_bcc_and_x_headers() {
    let (sb, _client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let raw = "From: Adele <adele@contoso.com>\r\n\
To: alex@contoso.com\r\n\
Cc: \"Out, Side\" <out@fabrikam.com>\r\n\
Bcc: adele@contoso.com\r\n\
Subject: =?utf-8?B?R3LDvMOfZQ==?= =?utf-8?Q?_und_mehr?=\r\n\
Message-ID: <abc123@client.example>\r\n\
Importance: High\r\n\
X-Custom-One: 1\r\n\
X-Two: 2\r\nX-Three: 3\r\nX-Four: 4\r\nX-Five: 5\r\nX-Six: 6\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
\r\n\
Plain body\r\n";
    let resp = post_mime(&sb, &token, STANDARD.encode(raw)).await;
    assert_eq!(resp.status().as_u16(), 202);
    let m = &sb.messages("alex@contoso.com", "inbox")[0];
    assert_eq!(m["subject"], "Grüße und mehr");
    assert_eq!(m["internetMessageId"], "<abc123@client.example>");
    assert_eq!(m["importance"], "high");
    assert_eq!(
        m["body"],
        json!({"contentType": "text", "content": "Plain body\r\n"})
    );
    assert_eq!(m["ccRecipients"][0]["emailAddress"]["name"], "Out, Side");
    assert_eq!(m["bccRecipients"], json!([]));
    let sent = &sb.messages("adele@contoso.com", "sentitems")[0];
    assert_eq!(
        sent["bccRecipients"][0]["emailAddress"]["address"],
        "adele@contoso.com"
    );
}

#[tokio::test]
async fn invalid_base64_gives_documented_error() {
    let (sb, _client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let resp = post_mime(&sb, &token, "this is not base64!!".to_string()).await;
    let (status, err) = status_json(resp).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "ErrorMimeContentInvalidBase64String",
        "Invalid base64 string for MIME content.",
    );
}

#[tokio::test]
async fn mime_without_recipients_or_headers_is_rejected() {
    let (sb, _client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let resp = post_mime(&sb, &token, STANDARD.encode("Subject: x\r\n\r\nbody")).await;
    let (status, err) = status_json(resp).await;
    assert_eq!(status, 400);
    assert_eq!(err["error"]["code"], "ErrorInvalidRecipients");
    let resp = post_mime(&sb, &token, STANDARD.encode("\r\njust a body")).await;
    assert_eq!(resp.status().as_u16(), 400);
}
