//! Message lists: paging, `$select`, `$expand`, folders.

mod common;

use common::*;
use serde_json::{json, Value};

#[tokio::test]
async fn paging_with_top_and_next_link_on_same_origin() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    for i in 0..5 {
        let resp = post_json(
            &client,
            &format!("{}/me/sendMail", sb.base_url()),
            &adele,
            &simple_mail(&format!("m{i}")),
        )
        .await;
        assert_eq!(resp.status().as_u16(), 202);
    }
    let alex = sb.delegated_token("alex@contoso.com");
    let (status, page1) = get_json(
        &client,
        &format!(
            "{}/me/mailFolders/Inbox/messages?$top=3&$select=subject",
            sb.base_url()
        ),
        &alex,
    )
    .await;
    assert_eq!(status, 200);
    assert!(page1["@odata.context"]
        .as_str()
        .unwrap()
        .starts_with(&sb.base_url()));
    let subjects: Vec<&str> = page1["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["m4", "m3", "m2"], "newest first");
    assert!(page1["value"][0].get("body").is_none());
    assert!(page1["value"][0]["id"].is_string());
    let next = page1["@odata.nextLink"].as_str().unwrap();
    assert!(
        next.starts_with(&format!("{}/me/mailFolders/Inbox/messages?", sb.base_url())),
        "{next}"
    );

    let (status, page2) = get_json(&client, next, &alex).await;
    assert_eq!(status, 200);
    let subjects: Vec<&str> = page2["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["m1", "m0"]);
    assert!(page2.get("@odata.nextLink").is_none());

    // All-folders list with default $top and the helper agree.
    let (_, all) = get_json(&client, &format!("{}/me/messages", sb.base_url()), &alex).await;
    let listed: Vec<Value> = all["value"].as_array().unwrap().clone();
    assert_eq!(listed, sb.messages("alex@contoso.com", "inbox"));
}

#[tokio::test]
async fn get_by_id_expand_attachments_and_folders() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let mut body = simple_mail("with props");
    body["message"]["singleValueExtendedProperties"] =
        json!([{"id": "SystemTime 0x3FEF", "value": "2026-06-10T09:00:00Z"}]);
    body["message"]["categories"] = json!(["Blue category"]);
    post_json(
        &client,
        &format!("{}/me/sendMail", sb.base_url()),
        &adele,
        &body,
    )
    .await;

    let sent = sb.messages("adele@contoso.com", "sentitems");
    let id = sent[0]["id"].as_str().unwrap();
    let (status, m) = get_json(
        &client,
        &format!(
            "{}/me/messages/{id}?$expand=singleValueExtendedProperties($filter=id eq 'SystemTime 0x3FEF')",
            sb.base_url()
        ),
        &adele,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        m["singleValueExtendedProperties"],
        json!([{"id": "SystemTime 0x3fef", "value": "2026-06-10T09:00:00Z"}])
    );
    assert_eq!(m["categories"], json!(["Blue category"]));
    assert!(m["@odata.context"]
        .as_str()
        .unwrap()
        .ends_with("/messages/$entity"));

    // Not in Inbox → 404 via the folder path.
    let (status, _) = get_json(
        &client,
        &format!("{}/me/mailFolders/inbox/messages/{id}", sb.base_url()),
        &adele,
    )
    .await;
    assert_eq!(status, 404);

    // Folder id works like the well-known name.
    let folder_id = sent[0]["parentFolderId"].as_str().unwrap();
    assert_eq!(sb.messages("adele@contoso.com", folder_id), sent);
    let (status, folders) = get_json(
        &client,
        &format!("{}/me/mailFolders", sb.base_url()),
        &adele,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(folders["value"].as_array().unwrap().len(), 7);
    let (status, f) = get_json(
        &client,
        &format!("{}/me/mailFolders/SentItems", sb.base_url()),
        &adele,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(f["displayName"], "Sent Items");
    assert_eq!(f["totalItemCount"], 1);
    assert_eq!(f["id"], folder_id);
}

#[tokio::test]
async fn requests_are_recorded_in_order() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let _ = get_json(
        &client,
        &format!("{}/me/messages?$top=1", sb.base_url()),
        &adele,
    )
    .await;
    let _ = post_json(
        &client,
        &format!("{}/me/sendMail", sb.base_url()),
        &adele,
        &simple_mail("r"),
    )
    .await;
    let reqs = sb.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].method, "GET");
    assert_eq!(reqs[0].path, "/v1.0/me/messages");
    assert_eq!(reqs[0].query.as_deref(), Some("$top=1"));
    assert_eq!(reqs[1].method, "POST");
    assert!(reqs[1]
        .headers
        .iter()
        .any(|(k, v)| k == "authorization" && v == &format!("Bearer {adele}")));
    let sent: Value = serde_json::from_slice(&reqs[1].body).unwrap();
    assert_eq!(sent["message"]["subject"], "r");
}
