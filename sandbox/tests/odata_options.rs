//! OData options on message and event lists: `$count=true` (`@odata.count`),
//! `…/messages/$count` (`text/plain`), unknown `$` options (400), `$top` outside
//! 1..1000 (400), and wrong methods on known paths (405, not 501).

mod common;

use common::*;
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

async fn send_n(sb: &Sandbox, client: &reqwest::Client, n: usize, subject: &str) {
    let token = sb.delegated_token("adele@contoso.com");
    for _ in 0..n {
        let resp = post_json(
            client,
            &format!("{}/me/sendMail", sb.base_url()),
            &token,
            &simple_mail(subject),
        )
        .await;
        assert_eq!(resp.status().as_u16(), 202);
    }
}

async fn get_text(client: &reqwest::Client, url: &str, token: &str) -> (u16, String, String) {
    let resp = client.get(url).bearer_auth(token).send().await.unwrap();
    let status = resp.status().as_u16();
    let ct = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (status, ct, resp.text().await.unwrap())
}

#[tokio::test]
async fn count_true_adds_the_total_matching_the_filter_not_the_page() {
    let (sb, client) = setup().await;
    send_n(&sb, &client, 3, "Report").await;
    send_n(&sb, &client, 2, "Other").await;
    let token = sb.delegated_token("alex@contoso.com");
    let base = sb.base_url();

    let (status, body) = get_json(
        &client,
        &format!("{base}/me/messages?$top=2&$count=true"),
        &token,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["@odata.count"], 5);
    assert_eq!(values(&body).len(), 2);
    // The next link keeps `$count`, so every page reports the total.
    let next = body["@odata.nextLink"].as_str().unwrap();
    assert!(next.contains("%24count=true"), "{next}");
    let (_, page2) = get_json(&client, next, &token).await;
    assert_eq!(page2["@odata.count"], 5);

    let (_, body) = get_json(
        &client,
        &format!(
            "{base}/me/mailFolders/inbox/messages?$count=true&$filter=subject eq 'Report'&$top=1"
        ),
        &token,
    )
    .await;
    assert_eq!(body["@odata.count"], 3);
    assert_eq!(values(&body).len(), 1);

    // `$count=false` or no `$count`: no count.
    for q in ["?$count=false", ""] {
        let (_, body) = get_json(&client, &format!("{base}/me/messages{q}"), &token).await;
        assert_eq!(body.get("@odata.count"), None, "{q}");
        assert_eq!(values(&body).len(), 5);
    }
}

#[tokio::test]
async fn count_true_on_event_lists() {
    let (sb, client) = setup().await;
    for (i, s) in ["A", "B", "C"].iter().enumerate() {
        sb.add_event(
            "adele@contoso.com",
            event_body(
                s,
                &format!("2026-12-0{}T10:00:00", i + 1),
                &format!("2026-12-0{}T11:00:00", i + 1),
                &[],
            ),
        );
    }
    let token = sb.delegated_token("adele@contoso.com");
    let (status, body) = get_json(
        &client,
        &format!("{}/me/events?$top=1&$count=true", sb.base_url()),
        &token,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["@odata.count"], 3);
    assert_eq!(values(&body).len(), 1);
}

#[tokio::test]
async fn count_segment_answers_the_number_as_text() {
    let (sb, client) = setup().await;
    send_n(&sb, &client, 3, "Report").await;
    send_n(&sb, &client, 1, "Other").await;
    let alex = sb.delegated_token("alex@contoso.com");
    let adele = sb.delegated_token("adele@contoso.com");
    let base = sb.base_url();

    let (status, ct, text) = get_text(&client, &format!("{base}/me/messages/$count"), &alex).await;
    assert_eq!(
        (status, ct.as_str(), text.as_str()),
        (200, "text/plain", "4")
    );
    let (_, _, text) = get_text(
        &client,
        &format!("{base}/me/mailFolders/inbox/messages/%24count?$filter=subject eq 'Report'"),
        &alex,
    )
    .await;
    assert_eq!(text, "3");
    // Per folder: Adele's copies are in Sent Items, her Inbox is empty.
    let (_, _, text) = get_text(
        &client,
        &format!("{base}/me/mailFolders/inbox/messages/$count"),
        &adele,
    )
    .await;
    assert_eq!(text, "0");
    let (_, _, text) = get_text(
        &client,
        &format!("{base}/me/mailFolders/sentitems/messages/$count"),
        &adele,
    )
    .await;
    assert_eq!(text, "4");
    // Only GET.
    let resp = client
        .post(format!("{base}/me/messages/$count"))
        .bearer_auth(&alex)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
}

#[tokio::test]
async fn invalid_count_value_is_400() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("alex@contoso.com");
    let (status, err) = get_json(
        &client,
        &format!("{}/me/messages?$count=yes", sb.base_url()),
        &token,
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "BadRequest",
        "Invalid value 'yes' for the query option '$count': it must be true or false.",
    );
}

#[tokio::test]
async fn unknown_dollar_option_is_400_not_ignored() {
    let (sb, client) = setup().await;
    send_n(&sb, &client, 1, "Report").await;
    let token = sb.delegated_token("alex@contoso.com");
    let base = sb.base_url();
    for (url, name) in [
        (format!("{base}/me/messages?$foo=1"), "$foo"),
        (format!("{base}/me/messages?%24Bogus=x&$top=1"), "$Bogus"),
        (format!("{base}/me/events?$foo"), "$foo"),
        (
            format!("{base}/me/messages/{}?$selec=subject", "x"),
            "$selec",
        ),
    ] {
        let (status, err) = get_json(&client, &url, &token).await;
        assert_eq!(status, 400, "{url}");
        assert_graph_error(
            &err,
            "BadRequest",
            &format!("The query parameter '{name}' is not supported."),
        );
    }
    // A write with an unknown option changes nothing.
    let resp = client
        .post(format!("{base}/me/sendMail?$foo=1"))
        .bearer_auth(sb.delegated_token("adele@contoso.com"))
        .json(&simple_mail("Blocked"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert_eq!(sb.messages("alex@contoso.com", "inbox").len(), 1);
    // Known options (any case) and custom options without `$` still work.
    let (status, _) = get_json(
        &client,
        &format!("{base}/me/messages?$TOP=1&$Select=subject&foo=1"),
        &token,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn top_outside_1_to_1000_is_400() {
    let (sb, client) = setup().await;
    send_n(&sb, &client, 2, "Report").await;
    let token = sb.delegated_token("alex@contoso.com");
    let base = sb.base_url();
    for top in [0, 1001] {
        let (status, err) =
            get_json(&client, &format!("{base}/me/messages?$top={top}"), &token).await;
        assert_eq!(status, 400, "{top}");
        assert_graph_error(
            &err,
            "BadRequest",
            &format!("Invalid $top value '{top}': the page size must be between 1 and 1000."),
        );
    }
    for top in [1usize, 1000] {
        let (status, body) =
            get_json(&client, &format!("{base}/me/messages?$top={top}"), &token).await;
        assert_eq!(status, 200);
        assert_eq!(values(&body).len(), top.min(2));
    }
}

async fn call(client: &reqwest::Client, method: &str, url: &str, token: &str) -> (u16, Value) {
    let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let resp = client
        .request(m, url)
        .bearer_auth(token)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    status_json(resp).await
}

#[tokio::test]
async fn wrong_methods_on_known_paths_are_405() {
    let (sb, client) = setup().await;
    send_n(&sb, &client, 1, "Keep").await;
    let token = sb.delegated_token("alex@contoso.com");
    let base = sb.base_url();
    let id = sb.messages("alex@contoso.com", "inbox")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    for (method, path) in [
        ("PUT", "/me/messages".to_string()),
        ("PATCH", "/me/messages".to_string()),
        ("DELETE", "/me/messages".to_string()),
        ("PATCH", "/me/sendMail".to_string()),
        ("GET", "/me/sendMail".to_string()),
        ("PUT", format!("/me/messages/{id}")),
        ("POST", format!("/me/messages/{id}")),
        ("PATCH", format!("/me/messages/{id}/$value")),
        ("GET", format!("/me/messages/{id}/move")),
        ("PUT", "/me/mailFolders".to_string()),
        ("POST", "/me/mailboxSettings".to_string()),
        ("DELETE", "/me/calendarView".to_string()),
        ("PUT", "/me/events".to_string()),
        ("POST", "/me/calendars/x".to_string()),
    ] {
        let (status, err) = call(&client, method, &format!("{base}{path}"), &token).await;
        assert_eq!(status, 405, "{method} {path}: {err}");
        assert_graph_error(
            &err,
            "BadRequest",
            &format!("The HTTP method '{method}' is not allowed on this resource."),
        );
    }
    // The message is unchanged.
    let inbox = sb.messages("alex@contoso.com", "inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["id"], id.as_str());
    assert_eq!(inbox[0]["subject"], "Keep");
}

#[tokio::test]
async fn graph_operations_the_sandbox_lacks_stay_501() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token("alex@contoso.com");
    let base = sb.base_url();
    // Folder create / rename / delete are served now (tests/folders.rs).
    for (method, path) in [("PATCH", "/me/calendar"), ("GET", "/me/contacts")] {
        let (status, err) = call(&client, method, &format!("{base}{path}"), &token).await;
        assert_eq!(status, 501, "{method} {path}: {err}");
        assert_eq!(err["error"]["code"], "NotImplemented");
    }
}

#[tokio::test]
async fn options_apply_to_requests_inside_a_batch() {
    let (sb, client) = setup().await;
    send_n(&sb, &client, 3, "Report").await;
    let token = sb.delegated_token("alex@contoso.com");
    let resp = post_json(
        &client,
        &format!("{}/$batch", sb.base_url()),
        &token,
        &json!({"requests": [
            {"id": "1", "method": "GET", "url": "/me/messages?$top=1&$count=true"},
            {"id": "2", "method": "GET", "url": "/me/messages?$foo=1"},
            {"id": "3", "method": "PUT", "url": "/me/messages", "headers": {"Content-Type": "application/json"}, "body": {}},
        ]}),
    )
    .await;
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 200, "{body}");
    let by_id = |id: &str| -> Value {
        body["responses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_id("1")["status"], 200);
    assert_eq!(by_id("1")["body"]["@odata.count"], 3);
    assert_eq!(by_id("2")["status"], 400);
    assert_eq!(
        by_id("2")["body"]["error"]["message"],
        "The query parameter '$foo' is not supported."
    );
    assert_eq!(by_id("3")["status"], 405);
}
