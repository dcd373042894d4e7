//! `uniqueBody` (only with `$select=uniqueBody`) and `Prefer:
//! outlook.body-content-type` on message reads, with `Preference-Applied`.

mod common;

use common::*;
use serde_json::json;

const HTML_PREFER: &str = "outlook.body-content-type=\"html\"";
const TEXT_PREFER: &str = "outlook.body-content-type=\"text\"";

#[tokio::test]
async fn unique_body_only_when_selected_and_in_the_preferred_format() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let alex = sb.delegated_token("alex@contoso.com");
    let base = sb.base_url();
    let resp = post_json(
        &client,
        &format!("{base}/me/sendMail"),
        &adele,
        &simple_mail("Hi"),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    let id = sb.messages("alex@contoso.com", "inbox")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Not a default property.
    let (_, m) = get_json(&client, &format!("{base}/me/messages/{id}"), &alex).await;
    assert_eq!(m.get("uniqueBody"), None);

    // Selected: the whole body of a message that quotes nothing, stored format.
    let (status, m) = get_json(
        &client,
        &format!("{base}/me/messages/{id}?$select=uniqueBody"),
        &alex,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        m["uniqueBody"],
        json!({"contentType": "text", "content": "Hello"})
    );
    assert_eq!(m.get("body"), None);

    // With `Prefer: outlook.body-content-type="html"`: both bodies as HTML, echoed.
    let resp = get_prefer(
        &client,
        &format!("{base}/me/messages/{id}?$select=body,uniqueBody"),
        &alex,
        HTML_PREFER,
    )
    .await;
    assert_eq!(
        resp.headers()["preference-applied"].to_str().unwrap(),
        HTML_PREFER
    );
    let m: serde_json::Value = resp.json().await.unwrap();
    let html = json!({"contentType": "html", "content": "<html><head>\r\n<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\"></head><body>Hello</body></html>"});
    assert_eq!(m["body"], html);
    assert_eq!(m["uniqueBody"], html);

    // Lists too; the stored message itself is unchanged.
    let resp = get_prefer(
        &client,
        &format!("{base}/me/mailFolders/inbox/messages?$select=uniqueBody"),
        &alex,
        HTML_PREFER,
    )
    .await;
    assert!(resp.headers().contains_key("preference-applied"));
    let list: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(values(&list)[0]["uniqueBody"], html);
    assert_eq!(
        sb.messages("alex@contoso.com", "inbox")[0]["body"],
        json!({"contentType": "text", "content": "Hello"})
    );
    // Without the header: no Preference-Applied.
    let resp = client
        .get(format!("{base}/me/messages/{id}"))
        .bearer_auth(&alex)
        .send()
        .await
        .unwrap();
    assert!(!resp.headers().contains_key("preference-applied"));
}

#[tokio::test]
async fn unique_body_of_a_reply_leaves_out_the_quoted_original() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let alex = sb.delegated_token("alex@contoso.com");
    let base = sb.base_url();
    post_json(
        &client,
        &format!("{base}/me/sendMail"),
        &adele,
        &simple_mail("Hi"),
    )
    .await;
    let id = sb.messages("alex@contoso.com", "inbox")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = post_json(
        &client,
        &format!("{base}/me/messages/{id}/reply"),
        &alex,
        &json!({"comment": "Thanks!"}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    let reply_id = sb.messages("adele@contoso.com", "inbox")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let (_, m) = get_json(
        &client,
        &format!("{base}/me/messages/{reply_id}?$select=body,uniqueBody"),
        &adele,
    )
    .await;
    assert_eq!(
        m["uniqueBody"],
        json!({"contentType": "html", "content": "<html><body><div>Thanks!</div></body></html>"})
    );
    // The body still quotes the original.
    assert!(m["body"]["content"].as_str().unwrap().contains("Hello"));

    // As text.
    let resp = get_prefer(
        &client,
        &format!("{base}/me/messages/{reply_id}?$select=uniqueBody,body"),
        &adele,
        TEXT_PREFER,
    )
    .await;
    assert_eq!(
        resp.headers()["preference-applied"].to_str().unwrap(),
        TEXT_PREFER
    );
    let m: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(
        m["uniqueBody"],
        json!({"contentType": "text", "content": "Thanks!"})
    );
    assert_eq!(m["body"]["contentType"], "text");
    let text = m["body"]["content"].as_str().unwrap();
    assert!(text.starts_with("Thanks!\r\n"), "{text}");
    assert!(
        text.contains("Subject: Hi") && text.ends_with("Hello"),
        "{text}"
    );
    assert!(!text.contains("<div") && !text.contains("<b>"), "{text}");
}
