//! Immutable ids (`Prefer: IdType="ImmutableId"`, doc "Obtain immutable identifiers for
//! Outlook resources"): stable across moves, kept by the Sent Items copy of a sent
//! draft (also after a deferred send through the Outbox); REST ids change on a move.

mod common;

use std::time::Duration;

use chrono::SecondsFormat;
use common::*;
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

const IMMUTABLE: &str = "IdType=\"ImmutableId\"";

/// POST JSON with `Prefer: IdType="ImmutableId"`.
async fn post_immutable(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: &Value,
) -> (u16, Value) {
    let resp = client
        .post(url)
        .bearer_auth(token)
        .header("prefer", IMMUTABLE)
        .json(body)
        .send()
        .await
        .unwrap();
    status_json(resp).await
}

async fn get_immutable(client: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    status_json(get_prefer(client, url, token, IMMUTABLE).await).await
}

async fn send_draft(sb: &Sandbox, client: &reqwest::Client, token: &str, id: &str) -> u16 {
    client
        .post(format!("{}/me/messages/{id}/send", sb.base_url()))
        .bearer_auth(token)
        .header("content-length", "0")
        .header("prefer", IMMUTABLE)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn draft(subject: &str) -> Value {
    json!({
        "subject": subject,
        "body": {"contentType": "Text", "content": "Hi"},
        "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}],
    })
}

#[tokio::test]
async fn immutable_id_survives_a_move_and_the_rest_id_does_not() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let base = sb.base_url();
    let (status, created) = post_immutable(
        &client,
        &format!("{base}/me/messages"),
        &token,
        &draft("Keep me"),
    )
    .await;
    assert_eq!(status, 201, "{created}");
    let immutable = created["id"].as_str().unwrap().to_string();
    // The default form of the same message is another string.
    let rest = sb.messages("adele@contoso.com", "drafts")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(immutable, rest);

    // Move to Archive, asking for immutable ids: same id in the answer.
    let (status, moved) = post_immutable(
        &client,
        &format!("{base}/me/messages/{immutable}/move"),
        &token,
        &json!({"destinationId": "archive"}),
    )
    .await;
    assert_eq!(status, 201, "{moved}");
    assert_eq!(moved["id"], immutable.as_str());
    let archive_id = sb.messages("adele@contoso.com", "archive");
    assert_eq!(archive_id.len(), 1);
    assert_eq!(moved["parentFolderId"], archive_id[0]["parentFolderId"]);

    // The immutable-id doc names no `Preference-Applied` for IdType: none is sent.
    let resp = get_prefer(
        &client,
        &format!("{base}/me/messages/{immutable}"),
        &token,
        IMMUTABLE,
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    assert!(!resp.headers().contains_key("preference-applied"));
    // The immutable id still reads the message, in its new folder.
    let (status, got) =
        get_immutable(&client, &format!("{base}/me/messages/{immutable}"), &token).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["id"], immutable.as_str());
    assert_eq!(got["subject"], "Keep me");
    let (status, _) = get_immutable(
        &client,
        &format!("{base}/me/mailFolders/archive/messages/{immutable}"),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    // …but the old REST id is gone: default ids change on a move.
    let (status, err) = get_json(&client, &format!("{base}/me/messages/{rest}"), &token).await;
    assert_eq!(status, 404);
    assert_graph_error(
        &err,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    );
    let new_rest = sb.messages("adele@contoso.com", "archive")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(new_rest, rest);
    assert_ne!(new_rest, immutable);
    assert!(sb.messages("adele@contoso.com", "drafts").is_empty());

    // Lists show the id form the request asked for.
    let (_, list) = get_immutable(
        &client,
        &format!("{base}/me/mailFolders/archive/messages"),
        &token,
    )
    .await;
    assert_eq!(values(&list)[0]["id"], immutable.as_str());
    let (_, list) = get_json(
        &client,
        &format!("{base}/me/mailFolders/archive/messages"),
        &token,
    )
    .await;
    assert_eq!(values(&list)[0]["id"], new_rest.as_str());
}

#[tokio::test]
async fn a_copy_is_a_new_item_with_a_new_immutable_id() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let base = sb.base_url();
    let (_, created) = post_immutable(
        &client,
        &format!("{base}/me/messages"),
        &token,
        &draft("Twice"),
    )
    .await;
    let immutable = created["id"].as_str().unwrap();
    let (status, copy) = post_immutable(
        &client,
        &format!("{base}/me/messages/{immutable}/copy"),
        &token,
        &json!({"destinationId": "archive"}),
    )
    .await;
    assert_eq!(status, 201);
    assert_ne!(copy["id"], immutable);
    // Both read back, each by its own immutable id.
    for id in [immutable, copy["id"].as_str().unwrap()] {
        let (status, got) =
            get_immutable(&client, &format!("{base}/me/messages/{id}"), &token).await;
        assert_eq!(status, 200);
        assert_eq!(got["id"], id);
    }
}

#[tokio::test]
async fn a_sent_draft_keeps_its_immutable_id_in_sent_items() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let base = sb.base_url();
    let (_, created) = post_immutable(
        &client,
        &format!("{base}/me/messages"),
        &token,
        &draft("Find me"),
    )
    .await;
    let immutable = created["id"].as_str().unwrap().to_string();
    assert_eq!(send_draft(&sb, &client, &token, &immutable).await, 202);

    // The same id now GETs the Sent Items copy.
    let (status, got) =
        get_immutable(&client, &format!("{base}/me/messages/{immutable}"), &token).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["id"], immutable.as_str());
    assert_eq!(got["isDraft"], false);
    let sent = sb.messages("adele@contoso.com", "sentitems");
    assert_eq!(sent.len(), 1);
    assert_eq!(got["parentFolderId"], sent[0]["parentFolderId"]);
    assert!(sb.messages("adele@contoso.com", "drafts").is_empty());
    // The recipient's copy is another item of another mailbox.
    let alex = sb.delegated_token("alex@contoso.com");
    let (status, _) =
        get_immutable(&client, &format!("{base}/me/messages/{immutable}"), &alex).await;
    assert_eq!(status, 404);
    assert_eq!(sb.messages("alex@contoso.com", "inbox").len(), 1);
}

#[tokio::test]
async fn a_deferred_send_keeps_the_immutable_id_through_the_outbox() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let base = sb.base_url();
    let at = sb.now() + chrono::Duration::hours(1);
    let mut body = draft("Later");
    body["singleValueExtendedProperties"] = json!([{
        "id": "SystemTime 0x3FEF",
        "value": at.to_rfc3339_opts(SecondsFormat::Secs, true),
    }]);
    let (_, created) = post_immutable(&client, &format!("{base}/me/messages"), &token, &body).await;
    let immutable = created["id"].as_str().unwrap().to_string();
    assert_eq!(send_draft(&sb, &client, &token, &immutable).await, 202);

    // Waiting in the Outbox under the same immutable id.
    let (status, held) =
        get_immutable(&client, &format!("{base}/me/messages/{immutable}"), &token).await;
    assert_eq!(status, 200);
    assert_eq!(
        held["parentFolderId"],
        sb.messages("adele@contoso.com", "outbox")[0]["parentFolderId"]
    );
    assert!(sb.messages("alex@contoso.com", "inbox").is_empty());

    sb.advance_clock(Duration::from_secs(2 * 3600));
    // Tokens expire by the sandbox clock: two hours later the first one is expired.
    let token = sb.delegated_token("adele@contoso.com");
    let (status, got) =
        get_immutable(&client, &format!("{base}/me/messages/{immutable}"), &token).await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["id"], immutable.as_str());
    assert_eq!(got["subject"], "Later");
    assert_eq!(
        got["parentFolderId"],
        sb.messages("adele@contoso.com", "sentitems")[0]["parentFolderId"]
    );
    assert!(sb.messages("adele@contoso.com", "outbox").is_empty());
    assert_eq!(sb.messages("alex@contoso.com", "inbox").len(), 1);
}

#[tokio::test]
async fn deleting_a_deferred_message_by_immutable_id_cancels_it() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("adele@contoso.com");
    let base = sb.base_url();
    let at = sb.now() + chrono::Duration::hours(1);
    let mut body = draft("Never");
    body["singleValueExtendedProperties"] = json!([{
        "id": "SystemTime 0x3FEF",
        "value": at.to_rfc3339_opts(SecondsFormat::Secs, true),
    }]);
    let (_, created) = post_immutable(&client, &format!("{base}/me/messages"), &token, &body).await;
    let immutable = created["id"].as_str().unwrap().to_string();
    assert_eq!(send_draft(&sb, &client, &token, &immutable).await, 202);
    let resp = client
        .delete(format!("{base}/me/messages/{immutable}"))
        .bearer_auth(&token)
        .header("prefer", IMMUTABLE)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    sb.advance_clock(Duration::from_secs(2 * 3600));
    assert!(sb.messages("alex@contoso.com", "inbox").is_empty());
    assert!(sb.messages("adele@contoso.com", "sentitems").is_empty());
}

#[tokio::test]
async fn delta_with_immutable_ids_sees_a_round_trip_move_as_a_change() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let alex = sb.delegated_token("alex@contoso.com");
    let base = sb.base_url();
    post_json(
        &client,
        &format!("{base}/me/sendMail"),
        &adele,
        &simple_mail("Sync"),
    )
    .await;
    let delta = format!("{base}/me/mailFolders/inbox/messages/delta");

    // First rounds, with and without immutable ids.
    let (status, first) = get_immutable(&client, &delta, &alex).await;
    assert_eq!(status, 200, "{first}");
    let immutable = values(&first)[0]["id"].as_str().unwrap().to_string();
    let (_, got) = get_immutable(&client, &format!("{base}/me/messages/{immutable}"), &alex).await;
    assert_eq!(got["subject"], "Sync");
    let (_, plain_first) = get_json(&client, &delta, &alex).await;
    let rest = values(&plain_first)[0]["id"].as_str().unwrap().to_string();
    assert_ne!(rest, immutable);

    // Move to Archive and back (REST ids change twice).
    let (status, moved) = status_json(
        post_json(
            &client,
            &format!("{base}/me/messages/{rest}/move"),
            &alex,
            &json!({"destinationId": "archive"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    let resp = post_json(
        &client,
        &format!("{base}/me/messages/{}/move", moved["id"].as_str().unwrap()),
        &alex,
        &json!({"destinationId": "inbox"}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 201);

    // Immutable ids: one change, same id, nothing removed.
    let link = first["@odata.deltaLink"].as_str().unwrap();
    let (_, next) = get_immutable(&client, link, &alex).await;
    let changes = values(&next);
    assert_eq!(changes.len(), 1, "{next}");
    assert_eq!(changes[0]["id"], immutable.as_str());
    assert_eq!(changes[0].get("@removed"), None);
    // REST ids: the old id removed, the message back under a new id.
    let link = plain_first["@odata.deltaLink"].as_str().unwrap();
    let (_, next) = get_json(&client, link, &alex).await;
    let changes = values(&next);
    assert_eq!(changes.len(), 2, "{next}");
    assert_ne!(changes[0]["id"], rest.as_str());
    assert_eq!(
        changes[1],
        json!({"@odata.type": "#microsoft.graph.message", "id": rest, "@removed": {"reason": "deleted"}})
    );
}
