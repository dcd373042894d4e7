//! Attachment upload sessions (GRAPH-FACTS §4.3): createUploadSession, PUT ranges to the
//! pre-authenticated URL, resume after a failed range, cancel.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use serde_json::{json, Value};

const MIB: usize = 1024 * 1024;

async fn draft(
    sb: &msgraph_outlook_sandbox::Sandbox,
    client: &reqwest::Client,
    token: &str,
) -> String {
    let resp = post_json(
        client,
        &format!("{}/me/messages", sb.base_url()),
        token,
        &json!({
            "subject": "Big file",
            "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]
        }),
    )
    .await;
    let (status, d) = status_json(resp).await;
    assert_eq!(status, 201);
    d["id"].as_str().unwrap().to_string()
}

async fn session(
    sb: &msgraph_outlook_sandbox::Sandbox,
    client: &reqwest::Client,
    token: &str,
    id: &str,
    body: &Value,
) -> (u16, Value) {
    let resp = post_json(
        client,
        &format!(
            "{}/me/messages/{id}/attachments/createUploadSession",
            sb.base_url()
        ),
        token,
        body,
    )
    .await;
    status_json(resp).await
}

async fn put(
    client: &reqwest::Client,
    url: &str,
    start: usize,
    data: &[u8],
    total: usize,
) -> reqwest::Response {
    client
        .put(url)
        .header("content-type", "application/octet-stream")
        .header(
            "content-range",
            format!("bytes {start}-{}/{total}", start + data.len() - 1),
        )
        .body(data.to_vec())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn upload_in_ranges_with_resume() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let id = draft(&sb, &client, &token).await;
    let total = 9 * MIB + 123;
    let data: Vec<u8> = (0..total).map(|i| (i % 251) as u8).collect();

    let (status, s) = session(&sb, &client, &token, &id, &json!({
        "AttachmentItem": {"attachmentType": "file", "name": "big.bin", "size": total, "contentType": "application/zip"}
    })).await;
    assert_eq!(status, 201, "{s}");
    assert_eq!(s["nextExpectedRanges"], json!(["0-"]));
    assert!(s["expirationDateTime"].as_str().unwrap().ends_with('Z'));
    let url = s["uploadUrl"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("{}/upload/api/v2.0/Users('", sb.authority_url())),
        "{url}"
    );
    assert!(url.contains("/AttachmentSessions('") && url.contains("?authtoken="));
    assert!(!url.contains("/v1.0/"));

    // With an Authorization header: refused.
    let resp = client
        .put(&url)
        .bearer_auth(&token)
        .header("content-range", format!("bytes 0-9/{total}"))
        .body(vec![0u8; 10])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 401);

    // A range above 4 MiB: refused.
    let resp = put(&client, &url, 0, &data[..4 * MIB + 1], total).await;
    assert_eq!(resp.status().as_u16(), 413);

    let resp = put(&client, &url, 0, &data[..4 * MIB], total).await;
    let (status, st) = status_json(resp).await;
    assert_eq!(status, 200, "{st}");
    assert_eq!(st["nextExpectedRanges"], json!([(4 * MIB).to_string()]));
    assert!(st["expirationDateTime"].is_string());

    // Gap and overlap: 416, nothing stored.
    let resp = put(
        &client,
        &url,
        4 * MIB + 1,
        &data[4 * MIB + 1..4 * MIB + 11],
        total,
    )
    .await;
    assert_eq!(resp.status().as_u16(), 416);
    let resp = put(
        &client,
        &url,
        4 * MIB - 10,
        &data[4 * MIB - 10..4 * MIB + 10],
        total,
    )
    .await;
    assert_eq!(resp.status().as_u16(), 416);

    // Injected failure: 500, not stored; the session status tells where to resume.
    sb.fail_next_upload_range();
    let resp = put(&client, &url, 4 * MIB, &data[4 * MIB..8 * MIB], total).await;
    assert_eq!(resp.status().as_u16(), 500);
    let resp = client.get(&url).send().await.unwrap();
    let (status, st) = status_json(resp).await;
    assert_eq!(status, 200);
    assert_eq!(st["nextExpectedRanges"], json!([(4 * MIB).to_string()]));

    let resp = put(&client, &url, 4 * MIB, &data[4 * MIB..8 * MIB], total).await;
    assert_eq!(resp.status().as_u16(), 200);
    let resp = put(&client, &url, 8 * MIB, &data[8 * MIB..], total).await;
    assert_eq!(resp.status().as_u16(), 201);
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(resp.text().await.unwrap(), "");
    assert!(
        location.starts_with(&format!("{}/api/v2.0/Users('", sb.authority_url())),
        "{location}"
    );
    let att_id = location
        .rsplit("Attachments('")
        .next()
        .unwrap()
        .trim_end_matches("')")
        .to_string();

    // The session is gone.
    let resp = client.get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 404);

    let base = sb.base_url();
    let (status, list) = get_json(
        &client,
        &format!("{base}/me/messages/{id}/attachments"),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    let a = &list["value"][0];
    assert_eq!(a["id"], att_id.as_str());
    assert_eq!(a["name"], "big.bin");
    assert_eq!(a["size"], total);
    assert_eq!(a["contentType"], "application/zip");
    let (_, got) = get_json(
        &client,
        &format!("{base}/me/messages/{id}/attachments/{att_id}"),
        &token,
    )
    .await;
    assert_eq!(
        STANDARD
            .decode(got["contentBytes"].as_str().unwrap())
            .unwrap(),
        data
    );
    let (_, msg) = get_json(&client, &format!("{base}/me/messages/{id}"), &token).await;
    assert_eq!(msg["hasAttachments"], true);

    // Range bodies are not recorded.
    assert!(sb
        .requests()
        .iter()
        .filter(|r| r.method == "PUT")
        .all(|r| r.body.is_empty()));

    // Sending the draft delivers the attachment.
    let resp = client
        .post(format!("{base}/me/messages/{id}/send"))
        .bearer_auth(&token)
        .header("content-length", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    let inbox = sb.messages("alex@contoso.com", "inbox");
    assert_eq!(inbox[0]["hasAttachments"], true);
    let alex = sb.delegated_token("alex@contoso.com");
    let mid = inbox[0]["id"].as_str().unwrap();
    let (_, list) = get_json(
        &client,
        &format!("{base}/me/messages/{mid}/attachments"),
        &alex,
    )
    .await;
    assert_eq!(list["value"][0]["size"], total);
}

#[tokio::test]
async fn session_limits_and_cancel() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let id = draft(&sb, &client, &token).await;
    let (status, body) = session(
        &sb,
        &client,
        &token,
        &id,
        &json!({
            "AttachmentItem": {"attachmentType": "file", "name": "small.txt", "size": 1000}
        }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(
        body["error"]["code"],
        "ErrorAttachmentSizeShouldNotBeLessThanMinimumSize"
    );
    let (status, body) = session(
        &sb,
        &client,
        &token,
        &id,
        &json!({
            "attachmentItem": {"attachmentType": "file", "name": "huge.bin", "size": 151 * MIB}
        }),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "ErrorMessageSizeExceeded");
    let (status, _) = session(
        &sb,
        &client,
        &token,
        "AAMkAnope=",
        &json!({
            "attachmentItem": {"attachmentType": "file", "name": "x.bin", "size": 4 * MIB}
        }),
    )
    .await;
    assert_eq!(status, 404);

    // camelCase attachmentItem; cancel with DELETE.
    let (status, s) = session(
        &sb,
        &client,
        &token,
        &id,
        &json!({
            "attachmentItem": {"attachmentType": "file", "name": "x.bin", "size": 4 * MIB}
        }),
    )
    .await;
    assert_eq!(status, 201);
    let url = s["uploadUrl"].as_str().unwrap();
    // A wrong authtoken is refused.
    let bad = format!("{}x", url);
    let resp = client.get(&bad).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    let resp = client.delete(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let resp = put(&client, url, 0, &[1u8; 10], 4 * MIB).await;
    assert_eq!(resp.status().as_u16(), 404);
    let (_, list) = get_json(
        &client,
        &format!("{}/me/messages/{id}/attachments", sb.base_url()),
        &token,
    )
    .await;
    assert_eq!(list["value"], json!([]));
}
