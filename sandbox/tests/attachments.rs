//! Attachments on messages: list, get, delete, itemAttachment besides fileAttachment.

mod common;

use common::*;
use serde_json::json;

#[tokio::test]
async fn list_get_delete_and_item_attachment() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let base = sb.base_url();
    let resp = post_json(
        &client,
        &format!("{base}/me/messages"),
        &token,
        &json!({"subject": "With attachments"}),
    )
    .await;
    let (status, draft) = status_json(resp).await;
    assert_eq!(status, 201);
    let id = draft["id"].as_str().unwrap().to_string();

    let (status, list) = get_json(
        &client,
        &format!("{base}/me/messages/{id}/attachments"),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list["value"], json!([]));

    let resp = post_json(&client, &format!("{base}/me/messages/{id}/attachments"), &token, &json!({
        "@odata.type": "#microsoft.graph.fileAttachment", "name": "a.txt", "contentBytes": "aGk="
    })).await;
    let (status, file) = status_json(resp).await;
    assert_eq!(status, 201, "{file}");

    let resp = post_json(
        &client,
        &format!("{base}/me/messages/{id}/attachments"),
        &token,
        &json!({
            "@odata.type": "#microsoft.graph.itemAttachment",
            "name": "Meeting",
            "item": {"@odata.type": "microsoft.graph.event", "subject": "Lunch",
                     "start": {"dateTime": "2026-12-01T12:00:00", "timeZone": "UTC"},
                     "end": {"dateTime": "2026-12-01T13:00:00", "timeZone": "UTC"}}
        }),
    )
    .await;
    let (status, item) = status_json(resp).await;
    assert_eq!(status, 201, "{item}");
    assert_eq!(item["@odata.type"], "#microsoft.graph.itemAttachment");
    assert_eq!(item["name"], "Meeting");
    assert!(item["size"].as_u64().unwrap() > 0);
    assert!(item.get("item").is_none(), "item only with $expand");
    let item_id = item["id"].as_str().unwrap().to_string();

    let (status, list) = get_json(
        &client,
        &format!("{base}/me/messages/{id}/attachments"),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list["value"].as_array().unwrap().len(), 2);

    let (status, got) = get_json(&client, &format!("{base}/me/messages/{id}/attachments/{item_id}?$expand=microsoft.graph.itemattachment/item"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(got["item"]["subject"], "Lunch");
    let (_, got) = get_json(
        &client,
        &format!(
            "{base}/me/messages/{id}/attachments/{}",
            file["id"].as_str().unwrap()
        ),
        &token,
    )
    .await;
    assert_eq!(got["contentBytes"], "aGk=");

    // Item attachment without item → 400.
    let resp = post_json(
        &client,
        &format!("{base}/me/messages/{id}/attachments"),
        &token,
        &json!({
            "@odata.type": "#microsoft.graph.itemAttachment", "name": "x"
        }),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 400);

    // Delete the file attachment → 204; the item attachment stays; again → 404.
    let file_id = file["id"].as_str().unwrap();
    let url = format!("{base}/me/messages/{id}/attachments/{file_id}");
    let resp = client
        .delete(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let resp = client
        .delete(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 404);
    let (_, msg) = get_json(&client, &format!("{base}/me/messages/{id}"), &token).await;
    assert_eq!(msg["hasAttachments"], true);
    let url = format!("{base}/users/adele@contoso.com/messages/{id}/attachments/{item_id}");
    let resp = client
        .delete(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let (_, msg) = get_json(&client, &format!("{base}/me/messages/{id}"), &token).await;
    assert_eq!(msg["hasAttachments"], false);
    let (_, list) = get_json(
        &client,
        &format!("{base}/me/messages/{id}/attachments"),
        &token,
    )
    .await;
    assert_eq!(list["value"], json!([]));
}

#[tokio::test]
async fn draft_with_item_attachment_can_be_sent() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let base = sb.base_url();
    let resp = post_json(
        &client,
        &format!("{base}/me/messages"),
        &token,
        &json!({
            "subject": "Fwd item",
            "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]
        }),
    )
    .await;
    let (_, draft) = status_json(resp).await;
    let id = draft["id"].as_str().unwrap();
    let resp = post_json(
        &client,
        &format!("{base}/me/messages/{id}/attachments"),
        &token,
        &json!({
            "@odata.type": "#microsoft.graph.itemAttachment", "name": "Note",
            "item": {"@odata.type": "#microsoft.graph.message", "subject": "Inner"}
        }),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 201);
    let resp = client
        .post(format!("{base}/me/messages/{id}/send"))
        .bearer_auth(&token)
        .header("content-length", "0")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    let alex = sb.delegated_token("alex@contoso.com");
    let got = &sb.messages("alex@contoso.com", "inbox")[0];
    let mid = got["id"].as_str().unwrap();
    let (_, list) = get_json(
        &client,
        &format!("{base}/me/messages/{mid}/attachments"),
        &alex,
    )
    .await;
    assert_eq!(
        list["value"][0]["@odata.type"],
        "#microsoft.graph.itemAttachment"
    );
    assert_eq!(list["value"][0]["name"], "Note");
}
