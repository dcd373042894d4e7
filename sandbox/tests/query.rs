//! `$filter`, `$orderby` and `$search` on message lists.

mod common;

use std::time::Duration;

use common::*;
use serde_json::{json, Value};

fn subjects(v: &Value) -> Vec<String> {
    v["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["subject"].as_str().unwrap().to_string())
        .collect()
}

/// alex's Inbox: "Alpha" (from adele), then a day later "Beta" (from carol, body
/// "quarterly numbers"), then a day later "Gamma" (from adele); "Beta" is read.
async fn seed() -> (msgraph_outlook_sandbox::Sandbox, reqwest::Client, String) {
    let (sb, client) = setup().await;
    sb.add_user("carol@contoso.com");
    for (from, subject, body) in [
        ("adele@contoso.com", "Alpha", "first"),
        ("carol@contoso.com", "Beta", "The Quarterly numbers"),
        ("adele@contoso.com", "Gamma", "third"),
    ] {
        let t = sb.delegated_token(from);
        let mail = json!({"message": {"subject": subject, "body": {"contentType": "Text", "content": body},
            "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]}});
        let resp = post_json(
            &client,
            &format!("{}/me/sendMail", sb.base_url()),
            &t,
            &mail,
        )
        .await;
        assert_eq!(resp.status().as_u16(), 202);
        sb.advance_clock(Duration::from_secs(86_400));
    }
    let alex = sb.delegated_token("alex@contoso.com");
    let beta = sb.messages("alex@contoso.com", "inbox")[1]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = client
        .patch(format!("{}/me/messages/{beta}", sb.base_url()))
        .bearer_auth(&alex)
        .json(&json!({"isRead": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    (sb, client, alex)
}

async fn list(
    sb: &msgraph_outlook_sandbox::Sandbox,
    client: &reqwest::Client,
    token: &str,
    query: &[(&str, &str)],
) -> (u16, Value) {
    let resp = client
        .get(format!("{}/me/mailFolders/inbox/messages", sb.base_url()))
        .query(query)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    status_json(resp).await
}

#[tokio::test]
async fn filters() {
    let (sb, client, alex) = seed().await;
    let (s, v) = list(&sb, &client, &alex, &[("$filter", "subject eq 'beta'")]).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(subjects(&v), vec!["Beta"]);
    let (_, v) = list(&sb, &client, &alex, &[("$filter", "subject ne 'Beta'")]).await;
    assert_eq!(subjects(&v), vec!["Gamma", "Alpha"]);
    let (_, v) = list(&sb, &client, &alex, &[("$filter", "isRead eq false")]).await;
    assert_eq!(subjects(&v), vec!["Gamma", "Alpha"]);
    let (_, v) = list(&sb, &client, &alex, &[("$filter", "isRead eq true")]).await;
    assert_eq!(subjects(&v), vec!["Beta"]);
    let (_, v) = list(
        &sb,
        &client,
        &alex,
        &[(
            "$filter",
            "from/emailAddress/address eq 'adele@contoso.com'",
        )],
    )
    .await;
    assert_eq!(subjects(&v), vec!["Gamma", "Alpha"]);

    let inbox = sb.messages("alex@contoso.com", "inbox");
    let beta_time = inbox[1]["receivedDateTime"].as_str().unwrap().to_string();
    let (_, v) = list(
        &sb,
        &client,
        &alex,
        &[("$filter", &format!("receivedDateTime ge {beta_time}"))],
    )
    .await;
    assert_eq!(subjects(&v), vec!["Gamma", "Beta"]);
    let (_, v) = list(
        &sb,
        &client,
        &alex,
        &[("$filter", &format!("receivedDateTime gt {beta_time}"))],
    )
    .await;
    assert_eq!(subjects(&v), vec!["Gamma"]);
    let (_, v) = list(
        &sb,
        &client,
        &alex,
        &[("$filter", &format!("receivedDateTime lt {beta_time}"))],
    )
    .await;
    assert_eq!(subjects(&v), vec!["Alpha"]);
    let (_, v) = list(&sb, &client, &alex, &[("$filter", &format!("receivedDateTime le {beta_time} and from/emailAddress/address eq 'adele@contoso.com' and isRead eq false"))]).await;
    assert_eq!(subjects(&v), vec!["Alpha"]);

    // Also on /me/messages.
    let (_, v) = get_json(
        &client,
        &format!(
            "{}/me/messages?$filter=subject%20eq%20'Gamma'",
            sb.base_url()
        ),
        &alex,
    )
    .await;
    assert_eq!(subjects(&v), vec!["Gamma"]);

    // Unsupported filters.
    for f in [
        "startswith(subject,'A')",
        "subject eq 'a' or subject eq 'b'",
        "bogus eq 1",
        "subject gt 'a'",
    ] {
        let (s, v) = list(&sb, &client, &alex, &[("$filter", f)]).await;
        assert_eq!(s, 400, "{f}");
        assert_graph_error(
            &v,
            "ErrorInvalidUrlQueryFilter",
            "The query filter contains one or more invalid nodes.",
        );
    }
}

#[tokio::test]
async fn orderby_search_and_paging() {
    let (sb, client, alex) = seed().await;
    let (_, v) = list(&sb, &client, &alex, &[("$orderby", "receivedDateTime asc")]).await;
    assert_eq!(subjects(&v), vec!["Alpha", "Beta", "Gamma"]);
    let (_, v) = list(
        &sb,
        &client,
        &alex,
        &[("$orderby", "receivedDateTime desc")],
    )
    .await;
    assert_eq!(subjects(&v), vec!["Gamma", "Beta", "Alpha"]);
    let (_, v) = list(&sb, &client, &alex, &[("$orderby", "subject desc")]).await;
    assert_eq!(subjects(&v), vec!["Gamma", "Beta", "Alpha"]);
    let (_, v) = list(&sb, &client, &alex, &[("$orderby", "subject")]).await;
    assert_eq!(subjects(&v), vec!["Alpha", "Beta", "Gamma"]);

    // nextLink keeps $orderby.
    let (_, v) = list(
        &sb,
        &client,
        &alex,
        &[("$orderby", "subject"), ("$top", "2")],
    )
    .await;
    assert_eq!(subjects(&v), vec!["Alpha", "Beta"]);
    let next = v["@odata.nextLink"].as_str().unwrap();
    let (_, v) = get_json(&client, next, &alex).await;
    assert_eq!(subjects(&v), vec!["Gamma"]);

    let (s, v) = list(&sb, &client, &alex, &[("$search", "\"quarterly\"")]).await;
    assert_eq!(s, 200);
    assert_eq!(subjects(&v), vec!["Beta"]);
    let (_, v) = list(&sb, &client, &alex, &[("$search", "\"ADELE\"")]).await;
    assert_eq!(subjects(&v), vec!["Gamma", "Alpha"]);
    let (_, v) = list(&sb, &client, &alex, &[("$search", "\"gamma\"")]).await;
    assert_eq!(subjects(&v), vec!["Gamma"]);
    let (_, v) = list(&sb, &client, &alex, &[("$search", "\"nothing-like-this\"")]).await;
    assert_eq!(subjects(&v), Vec::<String>::new());

    let (s, v) = list(
        &sb,
        &client,
        &alex,
        &[
            ("$search", "\"beta\""),
            ("$orderby", "receivedDateTime desc"),
        ],
    )
    .await;
    assert_eq!(s, 400);
    assert_graph_error(
        &v,
        "SearchWithOrderBy",
        "The query parameter '$orderBy' is not supported with '$search'.",
    );
}
