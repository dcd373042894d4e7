//! `GET …/mailFolders/{folder}/messages/delta`: paged initial sync, then incremental
//! changes (created / updated / removed) through the delta link.

mod common;

use common::*;
use serde_json::{json, Value};

async fn get_page(client: &reqwest::Client, url: &str, token: &str) -> Value {
    let resp = client
        .get(url)
        .bearer_auth(token)
        .header("prefer", "odata.maxpagesize=5")
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Follows nextLinks to the end; returns (all items, deltaLink, number of pages).
async fn round(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    origin: &str,
) -> (Vec<Value>, String, usize) {
    let mut items = Vec::new();
    let mut url = url.to_string();
    let mut pages = 0;
    loop {
        let page = get_page(client, &url, token).await;
        pages += 1;
        items.extend(page["value"].as_array().unwrap().iter().cloned());
        if let Some(next) = page["@odata.nextLink"].as_str() {
            assert!(page.get("@odata.deltaLink").is_none());
            assert!(next.starts_with(origin), "{next}");
            url = next.to_string();
            continue;
        }
        let delta = page["@odata.deltaLink"]
            .as_str()
            .expect("deltaLink on the last page");
        assert!(delta.starts_with(origin), "{delta}");
        return (items, delta.to_string(), pages);
    }
}

async fn send(sb: &msgraph_outlook_sandbox::Sandbox, client: &reqwest::Client, subject: &str) {
    let t = sb.delegated_token("adele@contoso.com");
    let resp = post_json(
        client,
        &format!("{}/me/sendMail", sb.base_url()),
        &t,
        &simple_mail(subject),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
}

#[tokio::test]
async fn initial_sync_then_incremental_changes() {
    let (sb, client) = setup().await;
    for i in 0..12 {
        send(&sb, &client, &format!("m{i}")).await;
    }
    let alex = sb.delegated_token("alex@contoso.com");
    let base = sb.base_url();
    let start = format!("{base}/me/mailFolders/inbox/messages/delta");
    let (items, delta, pages) = round(&client, &start, &alex, &sb.base_url()).await;
    assert_eq!(pages, 3);
    assert_eq!(items.len(), 12);
    assert!(items
        .iter()
        .all(|m| m.get("@removed").is_none() && m["subject"].is_string()));

    // Nothing changed: empty page with a new deltaLink.
    let (items, delta, _) = round(&client, &delta, &alex, &base).await;
    assert!(items.is_empty());

    // Changes: one new, one read, one deleted, one moved away.
    send(&sb, &client, "new one").await;
    let inbox = sb.messages("alex@contoso.com", "inbox");
    let by_subject = |s: &str| -> String {
        inbox.iter().find(|m| m["subject"] == s).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (read, deleted, moved) = (by_subject("m1"), by_subject("m2"), by_subject("m3"));
    let resp = client
        .patch(format!("{base}/me/messages/{read}"))
        .bearer_auth(&alex)
        .json(&json!({"isRead": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let resp = client
        .delete(format!("{base}/me/messages/{deleted}"))
        .bearer_auth(&alex)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let resp = post_json(
        &client,
        &format!("{base}/me/messages/{moved}/move"),
        &alex,
        &json!({"destinationId": "archive"}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 201);

    let (items, delta, _) = round(&client, &delta, &alex, &base).await;
    assert_eq!(items.len(), 4, "{items:?}");
    let changed: Vec<&str> = items
        .iter()
        .filter(|m| m.get("@removed").is_none())
        .map(|m| m["subject"].as_str().unwrap())
        .collect();
    assert!(
        changed.contains(&"new one") && changed.contains(&"m1"),
        "{changed:?}"
    );
    let mut removed: Vec<&Value> = items
        .iter()
        .filter(|m| m.get("@removed").is_some())
        .collect();
    removed.sort_by_key(|m| m["id"].as_str().unwrap().to_string());
    let mut expected = vec![deleted.clone(), moved.clone()];
    expected.sort();
    for (r, id) in removed.iter().zip(&expected) {
        assert_eq!(
            **r,
            json!({"@odata.type": "#microsoft.graph.message", "id": id, "@removed": {"reason": "deleted"}})
        );
    }
    assert_eq!(removed.len(), 2);

    // And quiet again.
    let (items, _, _) = round(&client, &delta, &alex, &base).await;
    assert!(items.is_empty());
}

#[tokio::test]
async fn select_is_kept_and_bad_tokens_are_gone() {
    let (sb, client) = setup().await;
    send(&sb, &client, "one").await;
    let alex = sb.delegated_token("alex@contoso.com");
    let base = sb.base_url();
    let (items, delta, _) = round(
        &client,
        &format!("{base}/users/alex@contoso.com/mailFolders/inbox/messages/delta?$select=subject"),
        &alex,
        &base,
    )
    .await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["subject"], "one");
    assert!(items[0].get("body").is_none());
    send(&sb, &client, "two").await;
    let (items, _, _) = round(&client, &delta, &alex, &base).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["subject"], "two");
    assert!(items[0].get("body").is_none());

    // The SDK spelling `delta()` works too.
    let (items, _, _) = round(
        &client,
        &format!("{base}/me/mailFolders/Inbox/messages/delta()"),
        &alex,
        &base,
    )
    .await;
    assert_eq!(items.len(), 2);

    let resp = client
        .get(format!(
            "{base}/me/mailFolders/inbox/messages/delta?$deltatoken=bogus"
        ))
        .bearer_auth(&alex)
        .send()
        .await
        .unwrap();
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 410);
    assert_graph_error(
        &body,
        "SyncStateNotFound",
        "The sync state generation is not found.",
    );
    assert_eq!(
        location,
        format!("{base}/me/mailFolders/inbox/messages/delta?$deltatoken=")
    );
    // A delta link of another folder is refused too.
    let resp = client
        .get(delta.replace("/inbox/", "/archive/"))
        .bearer_auth(&alex)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 410);
    // A valid delta link still works; once the sandbox expired its tokens, it is gone.
    let (status, _) = get_json(&client, &delta, &alex).await;
    assert_eq!(status, 200);
    let (_, fresh, _) = round(
        &client,
        &format!("{base}/me/mailFolders/inbox/messages/delta"),
        &alex,
        &base,
    )
    .await;
    sb.expire_delta_tokens();
    let (status, body) = get_json(&client, &fresh, &alex).await;
    assert_eq!(status, 410);
    assert_graph_error(
        &body,
        "SyncStateNotFound",
        "The sync state generation is not found.",
    );
}
