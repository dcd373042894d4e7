//! A 100 MiB upload session must not take much more than 100 MiB in the sandbox (own
//! test binary, so no other test allocates in the same process meanwhile).

mod common;

use common::*;
use serde_json::json;

const MIB: usize = 1024 * 1024;

/// Resident memory of this process (Linux), in bytes.
fn rss() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[tokio::test]
async fn hundred_mb_upload_is_stored_once() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let resp = post_json(
        &client,
        &format!("{}/me/messages", sb.base_url()),
        &token,
        &json!({"subject": "Big"}),
    )
    .await;
    let (_, d) = status_json(resp).await;
    let id = d["id"].as_str().unwrap().to_string();
    let total = 100 * MIB;
    let chunk: Vec<u8> = (0..4 * MIB).map(|i| (i % 253) as u8).collect();
    let resp = post_json(
        &client,
        &format!(
            "{}/me/messages/{id}/attachments/createUploadSession",
            sb.base_url()
        ),
        &token,
        &json!({
            "AttachmentItem": {"attachmentType": "file", "name": "100mb.bin", "size": total}
        }),
    )
    .await;
    let (status, s) = status_json(resp).await;
    assert_eq!(status, 201);
    let url = s["uploadUrl"].as_str().unwrap().to_string();
    let before = rss();
    let mut start = 0;
    while start < total {
        let resp = client
            .put(&url)
            .header(
                "content-range",
                format!("bytes {start}-{}/{total}", start + chunk.len() - 1),
            )
            .body(chunk.clone())
            .send()
            .await
            .unwrap();
        start += chunk.len();
        let expected = if start == total { 201 } else { 200 };
        assert_eq!(resp.status().as_u16(), expected);
    }
    if let (Some(before), Some(after)) = (before, rss()) {
        let grown = after.saturating_sub(before);
        eprintln!("RSS grew by {} MiB", grown / MIB);
        assert!(
            grown < 150 * MIB,
            "RSS grew by {} MiB for a 100 MiB upload",
            grown / MIB
        );
    }
    let (_, msg) = get_json(
        &client,
        &format!("{}/me/messages/{id}?$select=hasAttachments", sb.base_url()),
        &token,
    )
    .await;
    assert_eq!(msg["hasAttachments"], true);
}
