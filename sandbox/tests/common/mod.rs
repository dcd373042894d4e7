//! Helpers shared by the sandbox's integration tests (real HTTP on 127.0.0.1).
#![allow(dead_code)]

pub mod receiver;
pub mod rich;

use msgraph_outlook_sandbox::Sandbox;
use serde_json::Value;

/// Base64 MIME body of example 4 of the Graph `user: sendMail` page (wrapped at 76
/// characters with LF, as the docs show it).
pub const SEED_MIME_EXAMPLE_4: &str = "\
RnJvbTogQWRlbGUgVmFuY2UgPEFkZWxlVkBjb250b3NvLmNvbT4KVG86IEFsZXggV2lsYmVyIDxB\n\
bGV4V0Bjb250b3NvLmNvbT4KU3ViamVjdDpUZXN0IE1lc3NhZ2UKQ29udGVudC1UeXBlOiBtdWx0\n\
aXBhcnQvbWl4ZWQ7Cglib3VuZGFyeT0iXzAwNF9UWVpQUjA0TUI2OTgxNzNGRDAwMjE1MkQ1QURC\n\
OEZCNDdDOEJDQVRZWlBSMDRNQjY5ODFhcGNwXyIKTUlNRS1WZXJzaW9uOiAxLjAKCi0tXzAwNF9U\n\
WVpQUjA0TUI2OTgxNzNGRDAwMjE1MkQ1QURCOEZCNDdDOEJDQVRZWlBSMDRNQjY5ODFhcGNwXwpD\n\
b250ZW50LVR5cGU6IG11bHRpcGFydC9hbHRlcm5hdGl2ZTsKCWJvdW5kYXJ5PSJfMDAwX1RZWlBS\n\
MDRNQjY5ODE3M0ZEMDAyMTUyRDVBREI4RkI0N0M4QkNBVFlaUFIwNE1CNjk4MWFwY3BfIgoKLS1f\n\
MDAwX1RZWlBSMDRNQjY5ODE3M0ZEMDAyMTUyRDVBREI4RkI0N0M4QkNBVFlaUFIwNE1CNjk4MWFw\n\
Y3BfCkNvbnRlbnQtVHlwZTogdGV4dC9wbGFpbjsgY2hhcnNldD0iaXNvLTg4NTktMSIKQ29udGVu\n\
dC1UcmFuc2Zlci1FbmNvZGluZzogcXVvdGVkLXByaW50YWJsZQoKdGVzdCB0ZXh0IGJvZHkKCgot\n\
LV8wMDBfVFlaUFIwNE1CNjk4MTczRkQwMDIxNTJENUFEQjhGQjQ3QzhCQ0FUWVpQUjA0TUI2OTgx\n\
YXBjcF8KQ29udGVudC1UeXBlOiB0ZXh0L2h0bWw7IGNoYXJzZXQ9Imlzby04ODU5LTEiCkNvbnRl\n\
bnQtVHJhbnNmZXItRW5jb2Rpbmc6IHF1b3RlZC1wcmludGFibGUKCjxodG1sPgo8aGVhZD4KPC9o\n\
ZWFkPgo8Ym9keT4KdGVzdCBodG1sIGJvZHkKPC9ib2R5Pgo8L2h0bWw+CgotLV8wMDBfVFlaUFIw\n\
NE1CNjk4MTczRkQwMDIxNTJENUFEQjhGQjQ3QzhCQ0FUWVpQUjA0TUI2OTgxYXBjcF8tLQoKLS1f\n\
MDA0X1RZWlBSMDRNQjY5ODE3M0ZEMDAyMTUyRDVBREI4RkI0N0M4QkNBVFlaUFIwNE1CNjk4MWFw\n\
Y3BfCkNvbnRlbnQtVHlwZTogdGV4dC9wbGFpbjsKQ29udGVudC1EaXNwb3NpdGlvbjogYXR0YWNo\n\
bWVudDsKICAgICAgICBmaWxlbmFtZT0idGVzdC50eHQiCgp0aGlzIGlzIHRoZSBhdHRhY2htZW50\n\
IHRleHQKCi0tXzAwNF9UWVpQUjA0TUI2OTgxNzNGRDAwMjE1MkQ1QURCOEZCNDdDOEJDQVRZWlBS\n\
MDRNQjY5ODFhcGNwXy0t";

/// The message of Graph's `403 ErrorAccessDenied` for a token lacking the permission
/// (GRAPH-FACTS §6.4).
pub const DENIED: &str = "Access is denied. Check credentials and try again.";

/// `DELETE url` with the bearer token; the response as it came.
pub async fn delete(client: &reqwest::Client, url: &str, token: &str) -> reqwest::Response {
    client
        .delete(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent")
}

/// `POST {base_url}{path}` with the JSON `body`: (status, JSON body).
pub async fn post_path(sb: &Sandbox, token: &str, path: &str, body: &Value) -> (u16, Value) {
    let url = format!("{}{path}", sb.base_url());
    status_json(post_json(&reqwest::Client::new(), &url, token, body).await).await
}

/// `PATCH /me/mailboxSettings` as `who` with `{"automaticRepliesSetting": setting}`:
/// (status, JSON body).
pub async fn set_automatic_replies(
    sb: &Sandbox,
    client: &reqwest::Client,
    who: &str,
    setting: Value,
) -> (u16, Value) {
    let token = sb.delegated_token(who);
    let url = format!("{}/me/mailboxSettings", sb.base_url());
    let body = serde_json::json!({ "automaticRepliesSetting": setting });
    status_json(patch_json(client, &url, &token, &body, None).await).await
}

/// [`set_automatic_replies`] that must succeed: asserts `200`.
pub async fn apply_automatic_replies(
    sb: &Sandbox,
    client: &reqwest::Client,
    who: &str,
    setting: Value,
) {
    let (status, body) = set_automatic_replies(sb, client, who, setting).await;
    assert_eq!(status, 200, "{body}");
}

/// A sandbox with adele@contoso.com and alex@contoso.com, and an HTTP client.
pub async fn setup() -> (Sandbox, reqwest::Client) {
    let sb = Sandbox::start().await.expect("sandbox starts");
    sb.add_user("adele@contoso.com");
    sb.add_user("alex@contoso.com");
    (sb, reqwest::Client::new())
}

/// POST JSON with a bearer token.
pub async fn post_json(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: &Value,
) -> reqwest::Response {
    client
        .post(url)
        .bearer_auth(token)
        .json(body)
        .send()
        .await
        .expect("request sent")
}

/// GET with a bearer token, returning (status, JSON body).
pub async fn get_json(client: &reqwest::Client, url: &str, token: &str) -> (u16, Value) {
    let resp = client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("request sent");
    let status = resp.status().as_u16();
    (status, resp.json().await.expect("JSON body"))
}

/// Status and JSON body of a response.
pub async fn status_json(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let body = resp.json().await.expect("JSON body");
    (status, body)
}

/// Asserts a Graph error body: exact code and message, and a well-formed innerError.
pub fn assert_graph_error(body: &Value, code: &str, message: &str) {
    assert_eq!(body["error"]["code"], code, "body: {body}");
    assert_eq!(body["error"]["message"], message, "body: {body}");
    let inner = &body["error"]["innerError"];
    let date = inner["date"].as_str().expect("innerError.date");
    assert_eq!(date.len(), 19, "date without offset: {date}");
    assert!(!date.ends_with('Z'));
    assert!(inner["request-id"].as_str().is_some_and(|s| s.len() == 36));
    assert!(inner["client-request-id"].as_str().is_some());
}

/// A simple JSON sendMail body from adele to alex.
pub fn simple_mail(subject: &str) -> Value {
    serde_json::json!({
        "message": {
            "subject": subject,
            "body": {"contentType": "Text", "content": "Hello"},
            "toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}]
        }
    })
}

/// An app-only token from the token endpoint (client credentials).
pub async fn app_token(sb: &Sandbox, client: &reqwest::Client) -> String {
    let resp = client
        .post(format!(
            "{}/{}/oauth2/v2.0/token",
            sb.authority_url(),
            sb.tenant_id()
        ))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &sb.client_id()),
            ("client_secret", &sb.client_secret()),
            ("scope", "https://graph.microsoft.com/.default"),
        ])
        .send()
        .await
        .expect("token request sent");
    let body: Value = resp.json().await.expect("token JSON");
    body["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

/// PATCH JSON with a bearer token and an optional `If-Match`.
pub async fn patch_json(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: &Value,
    if_match: Option<&str>,
) -> reqwest::Response {
    let mut req = client.patch(url).bearer_auth(token).json(body);
    if let Some(etag) = if_match {
        req = req.header("if-match", etag);
    }
    req.send().await.expect("request sent")
}

/// GET with a bearer token and a `Prefer` header.
pub async fn get_prefer(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    prefer: &str,
) -> reqwest::Response {
    client
        .get(url)
        .bearer_auth(token)
        .header("prefer", prefer)
        .send()
        .await
        .expect("request sent")
}

/// An event body: `subject`, UTC `start` / `end` (`2026-12-01T15:00:00`), and required
/// attendees.
pub fn event_body(subject: &str, start: &str, end: &str, attendees: &[&str]) -> Value {
    let attendees: Vec<Value> = attendees
        .iter()
        .map(|a| serde_json::json!({"emailAddress": {"address": a}, "type": "required"}))
        .collect();
    serde_json::json!({
        "subject": subject,
        "body": {"contentType": "text", "content": format!("About {subject}")},
        "start": {"dateTime": start, "timeZone": "UTC"},
        "end": {"dateTime": end, "timeZone": "UTC"},
        "attendees": attendees,
    })
}

/// The `value` array of a list answer.
pub fn values(body: &Value) -> Vec<Value> {
    body["value"].as_array().cloned().unwrap_or_default()
}
