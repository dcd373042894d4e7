//! Subscriptions and change notifications (GRAPH-FACTS-2 §1–§3) against a small
//! webhook receiver on 127.0.0.1 that records every request it gets
//! ([`common::receiver`]).

mod common;

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use common::receiver::{decode_form, until, Receiver, Validation, DEADLINE};
use common::rich::{decrypt, pem_base64, verify, CERT_PEM, PUBLISHER};
use common::{app_token, assert_graph_error, post_json, setup, status_json};
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

/// A sandbox (adele, alex), an HTTP client, a webhook receiver and adele's delegated
/// token.
async fn start() -> (Sandbox, reqwest::Client, Receiver, String) {
    let (sb, client) = setup().await;
    let rx = Receiver::start().await;
    let token = sb.delegated_token("adele@contoso.com");
    (sb, client, rx, token)
}

/// An `expirationDateTime` `minutes` from the sandbox clock, whole seconds.
fn in_minutes(sb: &Sandbox, minutes: i64) -> DateTime<Utc> {
    let t = sb.now() + chrono::Duration::minutes(minutes);
    DateTime::from_timestamp(t.timestamp(), 0).unwrap()
}

fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The 7-digit form of notifications.
fn text7(t: DateTime<Utc>) -> String {
    format!("{}.0000000Z", t.format("%Y-%m-%dT%H:%M:%S"))
}

async fn create(sb: &Sandbox, client: &reqwest::Client, token: &str, body: &Value) -> (u16, Value) {
    status_json(
        post_json(
            client,
            &format!("{}/subscriptions", sb.base_url()),
            token,
            body,
        )
        .await,
    )
    .await
}

/// Creates a subscription, asserting `201`; the created subscription.
async fn create_ok(sb: &Sandbox, client: &reqwest::Client, token: &str, body: &Value) -> Value {
    let (status, created) = create(sb, client, token, body).await;
    assert_eq!(status, 201, "{created}");
    created
}

async fn send_mail(sb: &Sandbox, client: &reqwest::Client, from: &str, to: &str, subject: &str) {
    let token = sb.delegated_token(from);
    let resp = post_json(
        client,
        &format!("{}/me/sendMail", sb.base_url()),
        &token,
        &json!({"message": {
            "subject": subject,
            "body": {"contentType": "text", "content": "hello"},
            "toRecipients": [{"emailAddress": {"address": to}}],
        }}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
}

/// alex sends adele "Later" with deferred delivery (`PidTagDeferredSendTime`)
/// `minutes` from the sandbox clock.
async fn send_later_to_adele(sb: &Sandbox, client: &reqwest::Client, minutes: i64) {
    let due = sb.now() + chrono::Duration::minutes(minutes);
    let resp = post_json(
        client,
        &format!("{}/me/sendMail", sb.base_url()),
        &sb.delegated_token("alex@contoso.com"),
        &json!({"message": {
            "subject": "Later",
            "toRecipients": [{"emailAddress": {"address": "adele@contoso.com"}}],
            "singleValueExtendedProperties": [{"id": "SystemTime 0x3FEF", "value": text(due)}],
        }}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
}

/// A notification without its `id` (random), which must be a GUID.
fn without_id(mut n: Value) -> Value {
    let id = n["id"].as_str().expect("notification id").to_string();
    assert_eq!(id.len(), 36, "GUID id: {id}");
    n.as_object_mut().unwrap().remove("id");
    n
}

#[tokio::test]
async fn create_validates_the_url_and_answers_the_subscription() {
    let (sb, client, rx, token) = start().await;
    let adele = sb.add_user("adele@contoso.com");
    let exp = in_minutes(&sb, 600);
    let body = create_ok(
        &sb,
        &client,
        &token,
        &json!({
            "changeType": "created,updated,deleted",
            "notificationUrl": rx.url("/notify?tenant=contoso"),
            "lifecycleNotificationUrl": rx.url("/lifecycle"),
            "resource": "me/mailFolders('inbox')/messages",
            "expirationDateTime": text(exp),
            "clientState": "b9c1-secret",
            "latestSupportedTlsVersion": "v1_2",
        }),
    )
    .await;
    let id = body["id"].as_str().expect("id").to_string();
    assert_eq!(
        body,
        json!({
            "@odata.context": format!("{}/$metadata#subscriptions/$entity", sb.base_url()),
            "id": id,
            "resource": "me/mailFolders('inbox')/messages",
            "applicationId": sb.client_id(),
            "changeType": "created,updated,deleted",
            "clientState": "b9c1-secret",
            "notificationUrl": rx.url("/notify?tenant=contoso"),
            "notificationQueryOptions": null,
            "lifecycleNotificationUrl": rx.url("/lifecycle"),
            "expirationDateTime": text(exp),
            "creatorId": adele,
            "includeResourceData": null,
            "latestSupportedTlsVersion": "v1_2",
            "encryptionCertificate": null,
            "encryptionCertificateId": null,
            "notificationUrlAppId": null,
        })
    );
    // Two handshakes, both before the answer: POST, text/plain, the URL's own query kept.
    let got = rx.all();
    assert_eq!(got.len(), 2, "{got:?}");
    for (r, path) in got.iter().zip(["/notify", "/lifecycle"]) {
        assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", path));
        assert_eq!(r.content_type.as_deref(), Some("text/plain; charset=utf-8"));
        assert!(r.body.is_empty());
        let q = r.query.as_deref().unwrap();
        let token = q
            .split('&')
            .find_map(|p| p.strip_prefix("validationToken="))
            .unwrap();
        assert!(
            decode_form(token).starts_with(
                "Validation: Testing client application reachability for subscription Request-Id: "
            ),
            "{token}"
        );
    }
    assert!(got[0]
        .query
        .as_deref()
        .unwrap()
        .starts_with("tenant=contoso&validationToken="));
    assert_eq!(sb.subscriptions().len(), 1);
    assert_eq!(sb.subscriptions()[0]["clientState"], "b9c1-secret");
}

#[tokio::test]
async fn send_mail_delivery_raises_created() {
    let (sb, client, rx, token) = start().await;
    let adele = sb.add_user("adele@contoso.com");
    let exp = in_minutes(&sb, 120);
    let sub = create_ok(
        &sb,
        &client,
        &token,
        &json!({
            "changeType": "created",
            "notificationUrl": rx.url("/notify"),
            "resource": "me/mailFolders('inbox')/messages",
            "expirationDateTime": text(exp),
            "clientState": "state-1",
        }),
    )
    .await;
    send_mail(&sb, &client, "alex@contoso.com", "adele@contoso.com", "Hi").await;
    let posts = rx.wait_notifications(1).await;
    assert_eq!(posts[0].method, "POST");
    assert_eq!(posts[0].path, "/notify");
    assert_eq!(posts[0].content_type.as_deref(), Some("application/json"));
    let msg = &sb.messages("adele@contoso.com", "inbox")[0];
    let mid = msg["id"].as_str().unwrap();
    let resource = format!("Users/{adele}/Messages/{mid}");
    let body = posts[0].json();
    assert_eq!(body["value"].as_array().unwrap().len(), 1, "{body}");
    assert_eq!(
        without_id(body["value"][0].clone()),
        json!({
            "subscriptionId": sub["id"],
            "subscriptionExpirationDateTime": text7(exp),
            "changeType": "created",
            "clientState": "state-1",
            "resource": resource,
            "tenantId": sb.tenant_id(),
            "resourceData": {
                "@odata.type": "#Microsoft.Graph.Message",
                "@odata.id": resource,
                "@odata.etag": format!("W/\"{}\"", msg["changeKey"].as_str().unwrap()),
                "id": mid,
            },
        })
    );
    // Alex's Sent Items copy is outside the subscribed folder and mailbox.
    assert_eq!(rx.values().len(), 1);
    until(|| sb.pending_notifications() == 0).await;
    assert_eq!(sb.notification_posts(), 1);
}

#[tokio::test]
async fn subscription_removed_lifecycle_deletes_the_subscription() {
    let (sb, client, rx, token) = start().await;
    let exp = in_minutes(&sb, 120);
    let sub = create_ok(
        &sb,
        &client,
        &token,
        &json!({
            "changeType": "created",
            "notificationUrl": rx.url("/notify"),
            "lifecycleNotificationUrl": rx.url("/lifecycle"),
            "resource": "me/messages",
            "expirationDateTime": text(exp),
            "clientState": "state-2",
        }),
    )
    .await;
    let id = sub["id"].as_str().unwrap();
    assert!(!sb.trigger_lifecycle("00000000-0000-0000-0000-000000000000", "missed"));
    assert!(!sb.trigger_lifecycle(id, "bogus"));
    assert!(sb.trigger_lifecycle(id, "subscriptionRemoved"));
    let posts = rx.wait_notifications(1).await;
    assert_eq!(posts[0].path, "/lifecycle");
    assert_eq!(
        posts[0].json(),
        json!({"value": [{
            "subscriptionId": id,
            "subscriptionExpirationDateTime": text7(exp),
            "tenantId": sb.tenant_id(),
            "clientState": "state-2",
            "lifecycleEvent": "subscriptionRemoved",
        }]})
    );
    assert!(sb.subscriptions().is_empty());
    let (status, body) = common::get_json(
        &client,
        &format!("{}/subscriptions/{id}", sb.base_url()),
        &token,
    )
    .await;
    assert_eq!(status, 404);
    assert_graph_error(&body, "ResourceNotFound", "The object was not found.");
    // No more change notifications: the subscription is gone.
    send_mail(
        &sb,
        &client,
        "alex@contoso.com",
        "adele@contoso.com",
        "After",
    )
    .await;
    assert_eq!(sb.pending_notifications(), 0);
    let _ = app_token;
}

/// A create body for adele's Inbox notifying `url`.
fn inbox_subscription(sb: &Sandbox, url: &str) -> Value {
    json!({
        "changeType": "created",
        "notificationUrl": url,
        "resource": "me/mailFolders/inbox/messages",
        "expirationDateTime": text(in_minutes(sb, 120)),
    })
}

#[tokio::test]
async fn failed_handshakes_answer_graphs_400s() {
    let (sb, client, rx, token) = start().await;
    let cases = [
        (
            Validation::Status(500),
            "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
        ),
        (
            Validation::Encoded,
            "Subscription validation request failed. Response must exactly match validationToken query parameter.",
        ),
        (
            Validation::Slow(Duration::from_secs(3)),
            "Subscription validation request timed out.",
        ),
    ];
    sb.set_validation_timeout(Duration::from_millis(300));
    for (behaviour, message) in cases {
        rx.set_validation(behaviour);
        let (status, body) = create(
            &sb,
            &client,
            &token,
            &inbox_subscription(&sb, &rx.url("/n")),
        )
        .await;
        assert_eq!(status, 400, "{behaviour:?}: {body}");
        assert_graph_error(&body, "InvalidRequest", message);
    }
    // Not loopback: Graph's answer for an http:// URL; nothing is called.
    let before = rx.all().len();
    let (status, body) = create(
        &sb,
        &client,
        &token,
        &inbox_subscription(&sb, "http://hooks.example.com/notify"),
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &body,
        "InvalidRequest",
        "NotificationUrl scheme='http' is not supported.",
    );
    assert_eq!(rx.all().len(), before);
    assert!(sb.subscriptions().is_empty());
}

#[tokio::test]
async fn a_5xx_answer_is_redelivered_after_backoff_on_the_sandbox_clock() {
    let (sb, client, rx, token) = start().await;
    create_ok(
        &sb,
        &client,
        &token,
        &inbox_subscription(&sb, &rx.url("/n")),
    )
    .await;
    rx.fail_next(&[503, 500]);
    send_mail(&sb, &client, "alex@contoso.com", "adele@contoso.com", "One").await;
    let first = rx.wait_notifications(1).await;
    until(|| sb.notification_posts() == 1).await;
    assert_eq!(sb.pending_notifications(), 1);
    // Backoff is 1 minute on the sandbox clock, then 2.
    sb.advance_clock(Duration::from_secs(61));
    let second = rx.wait_notifications(2).await;
    until(|| sb.notification_posts() == 2).await;
    assert_eq!(
        second[1].json(),
        first[0].json(),
        "the same notification again"
    );
    assert_eq!(sb.pending_notifications(), 1);
    // A new notification waits with the failed one and travels in the same POST.
    send_mail(&sb, &client, "alex@contoso.com", "adele@contoso.com", "Two").await;
    sb.advance_clock(Duration::from_secs(121));
    let values = rx.wait_values(4).await;
    until(|| sb.pending_notifications() == 0).await;
    assert_eq!(rx.notifications().len(), 3);
    assert_eq!(values[2], values[0]);
    assert_ne!(
        values[3]["resourceData"]["id"],
        values[0]["resourceData"]["id"]
    );
    assert_eq!(
        (sb.notification_posts(), sb.dropped_notifications()),
        (3, 0)
    );
}

async fn request(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    token: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut req = client.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(b);
    }
    let resp = req.send().await.expect("request sent");
    let status = resp.status().as_u16();
    let bytes = resp.bytes().await.expect("body");
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).expect("JSON body")
    };
    (status, body)
}

/// PATCH `body` to `url`: (status, JSON body).
async fn patch(client: &reqwest::Client, url: &str, token: &str, body: &Value) -> (u16, Value) {
    request(client, reqwest::Method::PATCH, url, token, Some(body)).await
}

#[tokio::test]
async fn get_list_update_reauthorize_and_delete() {
    let (sb, client, rx, token) = start().await;
    let mut body = inbox_subscription(&sb, &rx.url("/n"));
    body["clientState"] = json!("secret-3");
    let created = create_ok(&sb, &client, &token, &body).await;
    let id = created["id"].as_str().unwrap();
    let url = format!("{}/subscriptions/{id}", sb.base_url());
    let (status, got) = request(&client, reqwest::Method::GET, &url, &token, None).await;
    assert_eq!((status, &got), (200, &created));

    // List hides clientState (GRAPH-FACTS-2 §1.5).
    let list_url = format!("{}/subscriptions", sb.base_url());
    let (status, list) = request(&client, reqwest::Method::GET, &list_url, &token, None).await;
    assert_eq!(status, 200);
    let mut item = created.clone();
    item.as_object_mut().unwrap().remove("@odata.context");
    item["clientState"] = Value::Null;
    assert_eq!(
        list,
        json!({
            "@odata.context": format!("{}/$metadata#subscriptions", sb.base_url()),
            "value": [item],
        })
    );
    // Another user sees none of it.
    let alex = sb.delegated_token("alex@contoso.com");
    let (_, list) = request(&client, reqwest::Method::GET, &list_url, &alex, None).await;
    assert_eq!(list["value"], json!([]));
    let (status, body) = request(&client, reqwest::Method::GET, &url, &alex, None).await;
    assert_eq!(status, 404);
    assert_graph_error(&body, "ResourceNotFound", "The object was not found.");

    // Renew and move the notification URL: the new URL is validated first.
    let exp = in_minutes(&sb, 3000);
    let before = rx.all().len();
    let (status, renewed) = patch(
        &client,
        &url,
        &token,
        &json!({"expirationDateTime": text(exp), "notificationUrl": rx.url("/moved")}),
    )
    .await;
    assert_eq!(status, 200, "{renewed}");
    let mut expected = created.clone();
    expected["expirationDateTime"] = json!(text(exp));
    expected["notificationUrl"] = json!(rx.url("/moved"));
    assert_eq!(renewed, expected);
    let handshakes = rx.all();
    assert_eq!(handshakes.len(), before + 1);
    assert_eq!(handshakes[before].path, "/moved");
    assert!(handshakes[before].is_validation());
    // lifecycleNotificationUrl can only be set at creation.
    let (status, body) = patch(
        &client,
        &url,
        &token,
        &json!({"lifecycleNotificationUrl": rx.url("/l")}),
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &body,
        "InvalidRequest",
        "The property 'lifecycleNotificationUrl' cannot be updated.",
    );

    let (status, body) = request(
        &client,
        reqwest::Method::POST,
        &format!("{url}/reauthorize"),
        &token,
        None,
    )
    .await;
    assert_eq!((status, body), (204, Value::Null));
    assert_eq!(sb.subscriptions()[0]["expirationDateTime"], text(exp));

    let (status, body) = request(&client, reqwest::Method::DELETE, &url, &token, None).await;
    assert_eq!((status, body), (204, Value::Null));
    assert!(sb.subscriptions().is_empty());
    for (method, u) in [
        (reqwest::Method::DELETE, url.clone()),
        (reqwest::Method::PATCH, url.clone()),
        (reqwest::Method::POST, format!("{url}/reauthorize")),
    ] {
        let (status, body) = request(&client, method, &u, &token, Some(&json!({}))).await;
        assert_eq!(status, 404);
        assert_graph_error(&body, "ResourceNotFound", "The object was not found.");
    }
}

#[tokio::test]
async fn lifetime_limits_and_duplicates() {
    let (sb, client, rx, token) = start().await;
    let mut body = inbox_subscription(&sb, &rx.url("/n"));
    body["expirationDateTime"] = json!(text(in_minutes(&sb, 10_081)));
    let (status, err) = create(&sb, &client, &token, &body).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "ExtensionError",
        "Subscription expiration can only be 10080 minutes in the future.",
    );
    // The limit live Graph quotes differs from the docs: settable.
    sb.set_subscription_max_minutes(4230);
    body["expirationDateTime"] = json!(text(in_minutes(&sb, 4231)));
    let (status, err) = create(&sb, &client, &token, &body).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "ExtensionError",
        "Subscription expiration can only be 4230 minutes in the future.",
    );
    assert!(rx.all().is_empty(), "refused before any handshake");
    // Under 45 minutes: raised to 45.
    let asked = sb.now() + chrono::Duration::minutes(5);
    body["expirationDateTime"] = json!(text(asked));
    let created = create_ok(&sb, &client, &token, &body).await;
    let granted: DateTime<Utc> = created["expirationDateTime"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let minutes = (granted - sb.now()).num_seconds() as f64 / 60.0;
    assert!((44.0..=45.0).contains(&minutes), "{minutes} minutes");
    // The same changeType and resource again: 409.
    let (status, err) = create(&sb, &client, &token, &body).await;
    assert_eq!(status, 409);
    assert_eq!(
        err["error"]["message"],
        format!(
            "Subscription Id {} already exists for the requested combination",
            created["id"].as_str().unwrap()
        )
    );
    // Another changeType on the same resource is a different subscription.
    body["changeType"] = json!("created,deleted");
    assert_eq!(create(&sb, &client, &token, &body).await.0, 201);
    assert_eq!(sb.subscriptions().len(), 2);
}

#[tokio::test]
async fn malformed_bodies() {
    let (sb, client, rx, token) = start().await;
    let payload = "Could not process subscription creation payload. Are all property names spelled and camelCased properly?";
    let base = inbox_subscription(&sb, &rx.url("/n"));
    let cases: Vec<(Value, &str, String)> = vec![
        (json!({"resource": null}), "InvalidRequest", payload.into()),
        (json!({"expirationDateTime": "2026-12-5"}), "InvalidRequest", payload.into()),
        (
            json!({"changeType": "created,moved"}),
            "InvalidRequest",
            "Invalid 'changeType' attribute: 'moved'.".into(),
        ),
        (
            json!({"resource": "me/contacts"}),
            "InvalidRequest",
            "Resource 'me/contacts' is not supported.".into(),
        ),
        (
            json!({"clientState": "x".repeat(129)}),
            "InvalidRequest",
            "clientState must not be longer than 128 characters.".into(),
        ),
        (
            json!({"includeResourceData": true}),
            "InvalidRequest",
            "encryptionCertificate and encryptionCertificateId are required when includeResourceData is true.".into(),
        ),
        (
            json!({"includeResourceData": true, "encryptionCertificate": CERT_PEM, "encryptionCertificateId": "c"}),
            "InvalidRequest",
            "encryptionCertificate must be the base64-encoded DER X.509 certificate without PEM armour (no -----BEGIN CERTIFICATE----- lines).".into(),
        ),
        (
            json!({"includeResourceData": true, "encryptionCertificate": pem_base64(CERT_PEM), "encryptionCertificateId": "c".repeat(129)}),
            "InvalidRequest",
            "encryptionCertificateId must not be longer than 128 characters.".into(),
        ),
    ];
    for (patch, code, message) in cases {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            if v.is_null() {
                body.as_object_mut().unwrap().remove(k);
            } else {
                body[k] = v.clone();
            }
        }
        let (status, err) = create(&sb, &client, &token, &body).await;
        assert_eq!(status, 400, "{patch}: {err}");
        assert_graph_error(&err, code, &message);
    }
    let mut body = base.clone();
    body["clientState"] = json!("x".repeat(128));
    assert_eq!(create(&sb, &client, &token, &body).await.0, 201);
    assert_eq!(rx.all().len(), 1, "only the valid body was validated");
}

#[tokio::test]
async fn permissions() {
    let (sb, client) = setup().await;
    let rx = Receiver::start().await;
    let alex = sb.add_user("alex@contoso.com");
    let body = |resource: &str| {
        json!({
            "changeType": "created",
            "notificationUrl": rx.url("/n"),
            "resource": resource,
            "expirationDateTime": text(in_minutes(&sb, 120)),
        })
    };
    let denied = "Access is denied. Check credentials and try again.";
    let calendars_only = sb.delegated_token_with_scopes("adele@contoso.com", &["Calendars.Read"]);
    let (status, err) = create(&sb, &client, &calendars_only, &body("me/messages")).await;
    assert_eq!(status, 403);
    assert_graph_error(&err, "ErrorAccessDenied", denied);
    assert_eq!(
        create(&sb, &client, &calendars_only, &body("me/events"))
            .await
            .0,
        201
    );
    let basic = sb.delegated_token_with_scopes("adele@contoso.com", &["Mail.ReadBasic"]);
    assert_eq!(
        create(&sb, &client, &basic, &body("me/messages")).await.0,
        201
    );
    // Delegated tokens reach their own mailbox only, even with Full Access and
    // .Shared scopes (GRAPH-FACTS-2 §1.1).
    sb.grant_full_access("alex@contoso.com", "adele@contoso.com");
    let adele = sb.delegated_token("adele@contoso.com");
    let (status, err) = create(
        &sb,
        &client,
        &adele,
        &body(&format!("users/{alex}/messages")),
    )
    .await;
    assert_eq!(status, 403);
    assert_graph_error(&err, "ErrorAccessDenied", denied);
    // App tokens: any mailbox, `me` refused, roles checked.
    let app = app_token(&sb, &client).await;
    let created = create_ok(&sb, &client, &app, &body("users/alex%40contoso.com/events")).await;
    assert_ne!(created["creatorId"], json!(alex));
    let (status, err) = create(&sb, &client, &app, &body("me/messages")).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "BadRequest",
        "/me request is only valid with delegated authentication flow.",
    );
    sb.grant_app_roles(&["Mail.Send"]);
    let send_only = app_token(&sb, &client).await;
    let (status, err) = create(
        &sb,
        &client,
        &send_only,
        &body(&format!("users/{alex}/messages")),
    )
    .await;
    assert_eq!(status, 403);
    assert_graph_error(&err, "ErrorAccessDenied", denied);
    // Get with a token lacking the resource's read permission: 403.
    let id = created["id"].as_str().unwrap();
    let (status, err) = request(
        &client,
        reqwest::Method::GET,
        &format!("{}/subscriptions/{id}", sb.base_url()),
        &send_only,
        None,
    )
    .await;
    assert_eq!(status, 403);
    assert_graph_error(&err, "ErrorAccessDenied", denied);
    let (status, err) = create(
        &sb,
        &client,
        &app,
        &body("users/nobody@contoso.com/messages"),
    )
    .await;
    assert_eq!(status, 404);
    assert_graph_error(
        &err,
        "ErrorInvalidUser",
        "The requested user 'nobody@contoso.com' is invalid.",
    );
}

async fn subscribe(sb: &Sandbox, client: &reqwest::Client, token: &str, body: Value) -> String {
    let created = create_ok(sb, client, token, &body).await;
    created["id"].as_str().unwrap().to_string()
}

/// (changeType, resourceData.id, resourceData.@odata.etag) of notifications.
fn summary(values: &[Value]) -> Vec<(String, String, String)> {
    values
        .iter()
        .map(|v| {
            (
                v["changeType"].as_str().unwrap().to_string(),
                v["resourceData"]["id"].as_str().unwrap().to_string(),
                v["resourceData"]["@odata.etag"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

fn etag(msg: &Value) -> String {
    format!("W/\"{}\"", msg["changeKey"].as_str().unwrap())
}

#[tokio::test]
async fn patch_and_delete_raise_updated_and_deleted() {
    let (sb, client, rx, token) = start().await;
    let mut body = inbox_subscription(&sb, &rx.url("/n"));
    body["changeType"] = json!("created,updated,deleted");
    subscribe(&sb, &client, &token, body).await;
    send_mail(&sb, &client, "alex@contoso.com", "adele@contoso.com", "Hi").await;
    let created = sb.messages("adele@contoso.com", "inbox")[0].clone();
    let id = created["id"].as_str().unwrap();
    let url = format!("{}/me/messages/{id}", sb.base_url());
    let (status, _) = patch(&client, &url, &token, &json!({"isRead": true})).await;
    assert_eq!(status, 200);
    let updated = sb.messages("adele@contoso.com", "inbox")[0].clone();
    assert_ne!(updated["changeKey"], created["changeKey"]);
    let (status, _) = request(&client, reqwest::Method::DELETE, &url, &token, None).await;
    assert_eq!(status, 204);
    let values = rx.wait_values(3).await;
    assert_eq!(
        summary(&values),
        vec![
            ("created".to_string(), id.to_string(), etag(&created)),
            ("updated".to_string(), id.to_string(), etag(&updated)),
            ("deleted".to_string(), id.to_string(), etag(&updated)),
        ]
    );
    until(|| sb.pending_notifications() == 0).await;
    assert_eq!(rx.values().len(), 3);
}

#[tokio::test]
async fn filter_is_read_eq_false_follows_the_documented_semantics() {
    let (sb, client, rx, token) = start().await;
    let mut body = inbox_subscription(&sb, &rx.url("/n"));
    body["changeType"] = json!("created,updated,deleted");
    body["resource"] = json!("me/mailFolders('inbox')/messages?$filter=isRead eq false");
    subscribe(&sb, &client, &token, body).await;
    send_mail(&sb, &client, "alex@contoso.com", "adele@contoso.com", "Hi").await;
    let id = sb.messages("adele@contoso.com", "inbox")[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let url = format!("{}/me/messages/{id}", sb.base_url());
    for read in [true, false] {
        let (status, _) = patch(&client, &url, &token, &json!({"isRead": read})).await;
        assert_eq!(status, 200);
    }
    let values = rx.wait_values(3).await;
    let kinds: Vec<&str> = values
        .iter()
        .map(|v| v["changeType"].as_str().unwrap())
        .collect();
    // Marked read: leaves the filtered set; marked unread: enters it again.
    assert_eq!(kinds, vec!["created", "deleted", "created"]);
}

#[tokio::test]
async fn event_create_raises_created_for_events_subscriptions() {
    let (sb, client, rx, token) = start().await;
    let adele = sb.add_user("adele@contoso.com");
    subscribe(
        &sb,
        &client,
        &token,
        json!({
            "changeType": "created,updated",
            "notificationUrl": rx.url("/n"),
            "resource": format!("users/{adele}/events"),
            "expirationDateTime": text(in_minutes(&sb, 120)),
        }),
    )
    .await;
    let (status, event) = status_json(
        post_json(
            &client,
            &format!("{}/me/events", sb.base_url()),
            &token,
            &json!({
                "subject": "Review",
                "start": {"dateTime": "2026-12-20T10:00:00", "timeZone": "UTC"},
                "end": {"dateTime": "2026-12-20T11:00:00", "timeZone": "UTC"},
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    let eid = event["id"].as_str().unwrap();
    let values = rx.wait_values(1).await;
    let resource = format!("Users/{adele}/Events/{eid}");
    assert_eq!(values[0]["changeType"], "created");
    assert_eq!(values[0]["resource"], json!(resource));
    assert_eq!(
        values[0]["resourceData"],
        json!({
            "@odata.type": "#Microsoft.Graph.Event",
            "@odata.id": resource,
            "@odata.etag": format!("W/\"{}\"", event["changeKey"].as_str().unwrap()),
            "id": eid,
        })
    );
    assert!(values[0].get("clientState").is_none(), "none was set");
}

#[tokio::test]
async fn missed_drops_pending_notifications() {
    let (sb, client, rx, token) = start().await;
    let mut body = inbox_subscription(&sb, &rx.url("/n"));
    body["lifecycleNotificationUrl"] = json!(rx.url("/l"));
    let id = subscribe(&sb, &client, &token, body).await;
    sb.pause_notifications(true);
    send_mail(&sb, &client, "alex@contoso.com", "adele@contoso.com", "1").await;
    send_mail(&sb, &client, "alex@contoso.com", "adele@contoso.com", "2").await;
    assert_eq!(sb.pending_notifications(), 2);
    assert!(sb.trigger_lifecycle(&id, "missed"));
    assert_eq!(
        (sb.pending_notifications(), sb.dropped_notifications()),
        (1, 2)
    );
    sb.pause_notifications(false);
    let posts = rx.wait_notifications(1).await;
    assert_eq!(posts[0].path, "/l");
    assert_eq!(posts[0].json()["value"][0]["lifecycleEvent"], "missed");
    // The subscription stays; later changes are notified again.
    send_mail(&sb, &client, "alex@contoso.com", "adele@contoso.com", "3").await;
    let posts = rx.wait_notifications(2).await;
    assert_eq!(posts[1].path, "/n");
    let newest = &sb.messages("adele@contoso.com", "inbox")[0];
    assert_eq!(
        posts[1].json()["value"][0]["resourceData"]["id"],
        newest["id"]
    );
}

#[tokio::test]
async fn reauthorization_required_before_expiry_then_removal() {
    let (sb, client, rx, token) = start().await;
    let mut body = inbox_subscription(&sb, &rx.url("/n"));
    body["lifecycleNotificationUrl"] = json!(rx.url("/l"));
    body["expirationDateTime"] = json!(text(in_minutes(&sb, 60)));
    let id = subscribe(&sb, &client, &token, body).await;
    sb.advance_clock(Duration::from_secs(40 * 60));
    // 20 minutes left: nothing queued yet (queuing happens inside advance_clock).
    assert_eq!(sb.pending_notifications() + sb.notification_posts(), 0);
    sb.advance_clock(Duration::from_secs(6 * 60));
    let posts = rx.wait_notifications(1).await;
    assert_eq!(posts[0].path, "/l");
    let n = &posts[0].json()["value"][0];
    assert_eq!(n["lifecycleEvent"], "reauthorizationRequired");
    assert_eq!(n["subscriptionId"], json!(id));
    // Expired by the sandbox clock: deleted, no more notifications.
    sb.advance_clock(Duration::from_secs(15 * 60));
    assert!(sb.subscriptions().is_empty());
    send_mail(
        &sb,
        &client,
        "alex@contoso.com",
        "adele@contoso.com",
        "late",
    )
    .await;
    until(|| sb.pending_notifications() == 0).await;
    assert_eq!(sb.notification_posts(), 1);
    assert_eq!(rx.notifications().len(), 1);
}

#[tokio::test]
async fn list_pages_with_next_link() {
    let (sb, client) = setup().await;
    let rx = Receiver::start().await;
    let app = app_token(&sb, &client).await;
    for i in 0..101 {
        let user = sb.add_user(&format!("user{i}@contoso.com"));
        subscribe(
            &sb,
            &client,
            &app,
            json!({
                "changeType": "created",
                "notificationUrl": rx.url("/n"),
                "resource": format!("users/{user}/messages"),
                "expirationDateTime": text(in_minutes(&sb, 120)),
                "clientState": "hidden",
            }),
        )
        .await;
    }
    let (status, page1) = request(
        &client,
        reqwest::Method::GET,
        &format!("{}/subscriptions", sb.base_url()),
        &app,
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(page1["value"].as_array().unwrap().len(), 100);
    assert!(page1["value"]
        .as_array()
        .unwrap()
        .iter()
        .all(|s| s["clientState"].is_null()));
    let next = page1["@odata.nextLink"].as_str().expect("nextLink");
    assert_eq!(
        next,
        format!("{}/subscriptions?$skiptoken=100", sb.base_url())
    );
    let (status, page2) = request(&client, reqwest::Method::GET, next, &app, None).await;
    assert_eq!(status, 200);
    assert_eq!(page2["value"].as_array().unwrap().len(), 1);
    assert!(page2.get("@odata.nextLink").is_none());
}

#[tokio::test]
async fn rich_subscriptions_carry_encrypted_resource_data_and_validation_tokens() {
    let (sb, client, rx, token) = start().await;
    let adele = sb.add_user("adele@contoso.com");
    let mut body = json!({
        "changeType": "created",
        "notificationUrl": rx.url("/n"),
        "resource": "me/mailFolders('inbox')/messages?$select=subject,importance",
        "expirationDateTime": text(in_minutes(&sb, 1441)),
        "includeResourceData": true,
        "encryptionCertificate": pem_base64(CERT_PEM),
        "encryptionCertificateId": "cert-2026",
    });
    // With resource data the maximum is 1,440 minutes.
    let (status, err) = create(&sb, &client, &token, &body).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "ExtensionError",
        "Subscription expiration can only be 1440 minutes in the future.",
    );
    body["resource"] = json!("me/messages?$select=subject,body");
    body["expirationDateTime"] = json!(text(in_minutes(&sb, 600)));
    let (status, err) = create(&sb, &client, &token, &body).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "InvalidRequest",
        "The property 'body' cannot be selected in the resource of a subscription with resource data.",
    );
    body["resource"] = json!("me/mailFolders('inbox')/messages?$select=subject,importance");
    let sub = create_ok(&sb, &client, &token, &body).await;
    assert_eq!(sub["includeResourceData"], true);
    assert_eq!(sub["encryptionCertificateId"], "cert-2026");

    send_mail(
        &sb,
        &client,
        "alex@contoso.com",
        "adele@contoso.com",
        "Rich",
    )
    .await;
    let post = rx.wait_notifications(1).await[0].json();
    let msg = &sb.messages("adele@contoso.com", "inbox")[0];
    let n = &post["value"][0];
    assert_eq!(
        n["resource"],
        format!("Users/{adele}/Messages/{}", msg["id"].as_str().unwrap())
    );
    let content = &n["encryptedContent"];
    assert_eq!(content["encryptionCertificateId"], "cert-2026");
    assert_eq!(
        decrypt(content).unwrap(),
        json!({
            "@odata.etag": format!("W/\"{}\"", msg["changeKey"].as_str().unwrap()),
            "id": msg["id"],
            "subject": "Rich",
            "importance@odata.type": "#microsoft.graph.importance",
            "importance": "normal",
        })
    );
    // One validation token for the (app, tenant) pair, signed with the JWKS key.
    let tokens = post["validationTokens"]
        .as_array()
        .expect("validationTokens");
    assert_eq!(tokens.len(), 1);
    let (_, jwks) = common::get_json(&client, &sb.jwks_url(), "").await;
    let (_, claims) = verify(tokens[0].as_str().unwrap(), &jwks).unwrap();
    assert_eq!(claims["aud"], json!(sb.client_id()));
    assert_eq!(claims["azp"], PUBLISHER);
    assert_eq!(claims["tid"], json!(sb.tenant_id()));
}

#[tokio::test]
async fn changes_outside_requests_are_noticed_too() {
    // A meeting request from Sandbox::add_event (no HTTP request) puts a copy of the
    // event in the attendee's calendar: the delivery task notices it on its own.
    let (sb, client) = setup().await;
    let rx = Receiver::start().await;
    let adele = sb.add_user("adele@contoso.com");
    let app = app_token(&sb, &client).await;
    subscribe(
        &sb,
        &client,
        &app,
        json!({
            "changeType": "created",
            "notificationUrl": rx.url("/n"),
            "resource": format!("users/{adele}/events"),
            "expirationDateTime": text(in_minutes(&sb, 120)),
        }),
    )
    .await;
    sb.add_event(
        "alex@contoso.com",
        json!({
            "subject": "Design review",
            "start": {"dateTime": "2026-12-21T15:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-21T16:00:00", "timeZone": "UTC"},
            "attendees": [{"emailAddress": {"address": "adele@contoso.com"}, "type": "required"}],
        }),
    );
    let values = rx.wait_values(1).await;
    let copy = &sb.events("adele@contoso.com")[0];
    assert_eq!(values[0]["changeType"], "created");
    assert_eq!(values[0]["resourceData"]["id"], copy["id"]);
    assert_eq!(
        values[0]["resource"],
        format!("Users/{adele}/Events/{}", copy["id"].as_str().unwrap())
    );
}

#[tokio::test]
async fn deferred_delivery_notifies_when_the_clock_reaches_it() {
    let (sb, client, rx, token) = start().await;
    subscribe(&sb, &client, &token, inbox_subscription(&sb, &rx.url("/n"))).await;
    send_later_to_adele(&sb, &client, 10).await;
    assert_eq!(sb.pending_notifications() + sb.notification_posts(), 0);
    sb.advance_clock(Duration::from_secs(11 * 60));
    let values = rx.wait_values(1).await;
    let msg = &sb.messages("adele@contoso.com", "inbox")[0];
    assert_eq!(msg["subject"], "Later");
    assert_eq!(values[0]["resourceData"]["id"], msg["id"]);
}

#[tokio::test]
async fn a_hundred_messages_through_a_failing_receiver_arrive_once_each() {
    let (sb, client, rx, token) = start().await;
    subscribe(&sb, &client, &token, inbox_subscription(&sb, &rx.url("/n"))).await;
    rx.fail_next(&[503, 503, 500]);
    for i in 0..100 {
        send_mail(
            &sb,
            &client,
            "alex@contoso.com",
            "adele@contoso.com",
            &format!("m{i}"),
        )
        .await;
    }
    // Each failure waits longer (1, 2, 4 minutes): move the clock until all went.
    let start = std::time::Instant::now();
    while sb.pending_notifications() > 0 {
        assert!(start.elapsed() < DEADLINE, "delivered within {DEADLINE:?}");
        sb.advance_clock(Duration::from_secs(60));
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let accepted: Vec<Value> = rx
        .notifications()
        .iter()
        .filter(|r| r.status == 202)
        .flat_map(|r| r.json()["value"].as_array().cloned().unwrap())
        .collect();
    let mut ids: Vec<String> = accepted
        .iter()
        .map(|v| v["resourceData"]["id"].as_str().unwrap().to_string())
        .collect();
    ids.sort();
    let mut inbox: Vec<String> = sb
        .messages("adele@contoso.com", "inbox")
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect();
    inbox.sort();
    assert_eq!(inbox.len(), 100);
    assert_eq!(
        ids, inbox,
        "every message exactly once in the accepted POSTs"
    );
    assert_eq!(sb.dropped_notifications(), 0);
    assert_eq!(
        rx.notifications()
            .iter()
            .filter(|r| r.status != 202)
            .count(),
        3
    );
}

#[tokio::test]
async fn a_mailbox_holds_at_most_1000_subscriptions() {
    let (sb, client, rx, token) = start().await;
    let mut body = inbox_subscription(&sb, &rx.url("/n"));
    for i in 0..1000 {
        body["resource"] = json!(format!("me/messages?$select=subject,f{i}"));
        let (status, err) = create(&sb, &client, &token, &body).await;
        assert_eq!(status, 201, "{i}: {err}");
    }
    body["resource"] = json!("me/events");
    let (status, err) = create(&sb, &client, &token, &body).await;
    assert_eq!(status, 403);
    assert_graph_error(
        &err,
        "ExtensionError",
        "Operation: Create; Exception: [Status Code: Forbidden; Reason: Maximum number of subscriptions has been reached]",
    );
    // Another mailbox is not affected.
    let alex = sb.delegated_token("alex@contoso.com");
    assert_eq!(create(&sb, &client, &alex, &body).await.0, 201);
}

#[tokio::test]
async fn renewals_follow_the_same_rules() {
    let (sb, client, rx, token) = start().await;
    let id = subscribe(&sb, &client, &token, inbox_subscription(&sb, &rx.url("/n"))).await;
    let url = format!("{}/subscriptions/{id}", sb.base_url());
    let before = sb.subscriptions()[0].clone();
    sb.set_subscription_max_minutes(10_070);
    let (status, err) = patch(
        &client,
        &url,
        &token,
        &json!({"expirationDateTime": text(in_minutes(&sb, 10_080))}),
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "ExtensionError",
        "Subscription expiration can only be 10070 minutes in the future.",
    );
    // A new URL that fails its handshake changes nothing.
    rx.set_validation(Validation::Status(404));
    let (status, err) = patch(
        &client,
        &url,
        &token,
        &json!({"notificationUrl": rx.url("/other")}),
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "InvalidRequest",
        "Subscription validation request failed. Notification endpoint must respond with 200 OK to validation request.",
    );
    assert_eq!(sb.subscriptions()[0], before);
    // Renewing to under 45 minutes gives 45.
    let (status, renewed) = patch(
        &client,
        &url,
        &token,
        &json!({"expirationDateTime": text(in_minutes(&sb, 1))}),
    )
    .await;
    assert_eq!(status, 200);
    let granted: DateTime<Utc> = renewed["expirationDateTime"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let minutes = (granted - sb.now()).num_seconds() as f64 / 60.0;
    assert!((44.0..=45.0).contains(&minutes), "{minutes} minutes");
}

#[tokio::test]
async fn a_clock_jump_past_expiry_still_sends_reauthorization_required() {
    // Time passing in one step must not skip what the sandbox does when less than 15
    // minutes remain: the receiver still hears reauthorizationRequired, then the
    // subscription is gone.
    let (sb, client, rx, token) = start().await;
    let mut body = inbox_subscription(&sb, &rx.url("/n"));
    body["lifecycleNotificationUrl"] = json!(rx.url("/l"));
    body["expirationDateTime"] = json!(text(in_minutes(&sb, 60)));
    let id = subscribe(&sb, &client, &token, body).await;
    sb.advance_clock(Duration::from_secs(61 * 60));
    assert!(sb.subscriptions().is_empty());
    let posts = rx.wait_notifications(1).await;
    assert_eq!(posts[0].path, "/l");
    let n = &posts[0].json()["value"][0];
    assert_eq!(n["lifecycleEvent"], "reauthorizationRequired");
    assert_eq!(n["subscriptionId"], json!(id));
    until(|| sb.pending_notifications() == 0).await;
    assert_eq!(sb.notification_posts(), 1);
}

#[tokio::test]
async fn a_change_before_expiry_is_notified_when_the_clock_jumps_past_it() {
    // A deferred message due 10 minutes from now reaches the Inbox while the
    // subscription (45 minutes) is alive; one clock move of 50 minutes covers both.
    let (sb, client, rx, token) = start().await;
    let mut body = inbox_subscription(&sb, &rx.url("/n"));
    body["expirationDateTime"] = json!(text(in_minutes(&sb, 45)));
    subscribe(&sb, &client, &token, body).await;
    send_later_to_adele(&sb, &client, 10).await;
    sb.advance_clock(Duration::from_secs(50 * 60));
    assert!(sb.subscriptions().is_empty());
    let values = rx.wait_values(1).await;
    let msg = &sb.messages("adele@contoso.com", "inbox")[0];
    assert_eq!(msg["subject"], "Later");
    assert_eq!(values[0]["changeType"], "created");
    assert_eq!(values[0]["resourceData"]["id"], msg["id"]);
    until(|| sb.pending_notifications() == 0).await;
    assert_eq!(
        (sb.notification_posts(), sb.dropped_notifications()),
        (1, 0)
    );
}

#[tokio::test]
async fn latest_supported_tls_version_defaults_to_v1_2() {
    let (sb, client, rx, token) = start().await;
    let body = create_ok(
        &sb,
        &client,
        &token,
        &inbox_subscription(&sb, &rx.url("/n")),
    )
    .await;
    assert_eq!(body["latestSupportedTlsVersion"], "v1_2");
    let resp = client
        .get(format!(
            "{}/subscriptions/{}",
            sb.base_url(),
            body["id"].as_str().unwrap()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (status, got) = status_json(resp).await;
    assert_eq!(status, 200);
    assert_eq!(got["latestSupportedTlsVersion"], "v1_2");
}

#[tokio::test]
async fn a_retry_goes_to_the_notification_url_set_meanwhile() {
    // The first POST fails; the subscriber moves its endpoint with PATCH before the
    // retry: the retry (and what follows) goes to the new URL, in order.
    let (sb, client) = setup().await;
    let old = Receiver::start().await;
    let new = Receiver::start().await;
    let token = sb.delegated_token("adele@contoso.com");
    let id = subscribe(
        &sb,
        &client,
        &token,
        inbox_subscription(&sb, &old.url("/n")),
    )
    .await;
    old.fail_next(&[503]);
    send_mail(&sb, &client, "alex@contoso.com", "adele@contoso.com", "1").await;
    old.wait_notifications(1).await;
    until(|| sb.notification_posts() == 1).await;
    let resp = client
        .patch(format!("{}/subscriptions/{id}", sb.base_url()))
        .bearer_auth(&token)
        .json(&json!({"notificationUrl": new.url("/moved")}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    send_mail(&sb, &client, "alex@contoso.com", "adele@contoso.com", "2").await;
    sb.advance_clock(Duration::from_secs(61));
    let values = new.wait_values(2).await;
    let inbox = sb.messages("adele@contoso.com", "inbox");
    // Newest first in the Inbox: "1" is the older one.
    assert_eq!(
        (
            &values[0]["resourceData"]["id"],
            &values[1]["resourceData"]["id"]
        ),
        (&inbox[1]["id"], &inbox[0]["id"])
    );
    assert!(new.notifications().iter().all(|r| r.path == "/moved"));
    until(|| sb.pending_notifications() == 0).await;
    assert_eq!(old.notifications().len(), 1);
    assert_eq!(old.notifications()[0].status, 503);
}
