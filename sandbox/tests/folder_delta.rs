//! `GET …/mailFolders/delta` (folder hierarchy delta, GRAPH-FACTS-2 §5.3): the whole
//! hierarchy in pages of `Prefer: odata.maxpagesize`, then what changed, `$select` kept
//! by the tokens, `410 SyncStateNotFound` once the tokens are gone, and its permission.

mod common;

use common::*;
use serde_json::{json, Value};

const ALEX: &str = "alex@contoso.com";

/// One page: (status, body with its link replaced by `"<next>"` / `"<delta>"`, the link).
async fn page(client: &reqwest::Client, url: &str, token: &str, prefer: &str) -> (Value, String) {
    let (status, mut body) = status_json(get_prefer(client, url, token, prefer).await).await;
    assert_eq!(status, 200, "{body}");
    let (name, placeholder) = match body.get("@odata.nextLink") {
        Some(_) => ("@odata.nextLink", "<next>"),
        None => ("@odata.deltaLink", "<delta>"),
    };
    let link = body[name]
        .as_str()
        .expect("a next or delta link")
        .to_string();
    body[name] = json!(placeholder);
    (body, link)
}

/// The folders as `GET /me/mailFolders` lists them (no `@odata.context`).
async fn folders(sb: &msgraph_outlook_sandbox::Sandbox, client: &reqwest::Client) -> Vec<Value> {
    let token = sb.delegated_token(ALEX);
    let (status, body) =
        get_json(client, &format!("{}/me/mailFolders", sb.base_url()), &token).await;
    assert_eq!(status, 200, "{body}");
    values(&body)
}

/// adele sends "hi" to alex ([`simple_mail`]).
async fn adele_sends_hi(sb: &msgraph_outlook_sandbox::Sandbox, client: &reqwest::Client) {
    let sent = post_json(
        client,
        &format!("{}/me/sendMail", sb.base_url()),
        &sb.delegated_token("adele@contoso.com"),
        &simple_mail("hi"),
    )
    .await;
    assert_eq!(sent.status().as_u16(), 202);
}

#[tokio::test]
async fn the_whole_hierarchy_comes_in_pages_then_only_the_folders_that_changed() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    let origin = sb.authority_url();
    let token = sb.delegated_token(ALEX);
    let all = folders(&sb, &client).await;
    assert_eq!(all.len(), 7);
    let context = format!("{origin}/v1.0/$metadata#Collection(mailFolder)");

    // Initial round, 3 per page: 3 + 3 + 1, links on the request path.
    let start = format!("{base}/me/mailFolders/delta");
    let mut url = start.clone();
    let mut pages = Vec::new();
    let delta = loop {
        let (body, link) = page(&client, &url, &token, "odata.maxpagesize=3").await;
        let last = body.get("@odata.deltaLink").is_some();
        pages.push(body);
        if last {
            assert!(link.starts_with(&format!("{start}?$deltatoken=")), "{link}");
            break link;
        }
        assert!(link.starts_with(&format!("{start}?$skiptoken=")), "{link}");
        url = link;
    };
    assert_eq!(
        pages,
        [
            json!({"@odata.context": context, "@odata.nextLink": "<next>", "value": all[0..3]}),
            json!({"@odata.context": context, "@odata.nextLink": "<next>", "value": all[3..6]}),
            json!({"@odata.context": context, "@odata.deltaLink": "<delta>", "value": all[6..7]}),
        ]
    );

    // Nothing changed: an empty page and a new delta link.
    let (body, delta) = page(&client, &delta, &token, "odata.maxpagesize=3").await;
    assert_eq!(
        body,
        json!({"@odata.context": context, "@odata.deltaLink": "<delta>", "value": []})
    );

    // A new message in the Inbox changes its counts: the Inbox alone comes back.
    adele_sends_hi(&sb, &client).await;
    let inbox = folders(&sb, &client)
        .await
        .into_iter()
        .find(|f| f["displayName"] == "Inbox")
        .unwrap();
    assert_eq!(
        (&inbox["totalItemCount"], &inbox["unreadItemCount"]),
        (&json!(1), &json!(1))
    );
    let (body, _) = page(&client, &delta, &token, "odata.maxpagesize=3").await;
    assert_eq!(
        body,
        json!({"@odata.context": context, "@odata.deltaLink": "<delta>", "value": [inbox]})
    );
}

#[tokio::test]
async fn select_is_kept_by_the_tokens_and_expired_tokens_answer_410_with_location() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    let token = sb.delegated_token(ALEX);
    let all = folders(&sb, &client).await;
    let start = format!("{base}/users/{ALEX}/mailFolders/delta");

    let (body, delta) = page(
        &client,
        &format!("{start}?$select=displayName"),
        &token,
        "odata.maxpagesize=10",
    )
    .await;
    let expected: Vec<Value> = all
        .iter()
        .map(|f| json!({"id": f["id"], "displayName": f["displayName"]}))
        .collect();
    assert_eq!(body["value"], json!(expected));

    // The second round (no $select on the link) still answers with displayName only.
    adele_sends_hi(&sb, &client).await;
    let inbox = all.iter().find(|f| f["displayName"] == "Inbox").unwrap();
    let (body, delta) = page(&client, &delta, &token, "odata.maxpagesize=10").await;
    assert_eq!(
        body["value"],
        json!([{"id": inbox["id"], "displayName": "Inbox"}])
    );

    sb.expire_delta_tokens();
    let resp = client.get(&delta).bearer_auth(&token).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 410);
    assert_eq!(
        resp.headers()["location"].to_str().unwrap(),
        format!("{start}?$deltatoken=")
    );
    let (_, body) = status_json(resp).await;
    assert_graph_error(
        &body,
        "SyncStateNotFound",
        "The sync state generation is not found.",
    );
}

#[tokio::test]
async fn mail_read_basic_is_enough_and_a_calendar_scope_is_not() {
    let (sb, client) = setup().await;
    let url = format!("{}/me/mailFolders/delta", sb.base_url());
    let basic = sb.delegated_token_with_scopes(ALEX, &["Mail.ReadBasic"]);
    let (status, body) = get_json(&client, &url, &basic).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(values(&body).len(), 7);

    let calendars = sb.delegated_token_with_scopes(ALEX, &["Calendars.Read"]);
    let (status, body) = get_json(&client, &url, &calendars).await;
    assert_eq!(status, 403);
    assert_graph_error(
        &body,
        "ErrorAccessDenied",
        "Access is denied. Check credentials and try again.",
    );

    let post = post_json(&client, &url, &basic, &json!({})).await;
    assert_eq!(post.status().as_u16(), 405);
}
