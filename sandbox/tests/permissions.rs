//! Permissions (issue 15 items 1–4): delegated tokens carry the scopes requested at
//! the token endpoint, app tokens the app's roles; every Graph route checks them
//! (least privileged and higher, `.Shared` for another user's mailbox) before it runs,
//! also inside JSON batches; Full Access alone cannot send; `Authorization` without
//! the `Bearer` scheme is 401.

mod common;

use common::*;
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const DENIED: &str = "Access is denied. Check credentials and try again.";
const SEND_AS_DENIED: &str = "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account. Cannot submit message.";

async fn post_form(client: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> (u16, Value) {
    status_json(client.post(url).form(form).send().await.expect("sent")).await
}

/// Signs `user` in through the device-code flow with `scope`; returns the token
/// response.
async fn device_sign_in(sb: &Sandbox, client: &reqwest::Client, user: &str, scope: &str) -> Value {
    sb.auto_approve_device_codes(user, 0);
    let (status, dc) = post_form(
        client,
        &sb.devicecode_url(),
        &[("client_id", &sb.client_id()), ("scope", scope)],
    )
    .await;
    assert_eq!(status, 200, "{dc}");
    let (status, token) = post_form(
        client,
        &sb.token_url(),
        &[
            ("grant_type", DEVICE_GRANT),
            ("client_id", &sb.client_id()),
            ("device_code", dc["device_code"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(status, 200, "{token}");
    token
}

fn access(token: &Value) -> String {
    token["access_token"]
        .as_str()
        .expect("access_token")
        .to_string()
}

async fn post(client: &reqwest::Client, url: &str, token: &str, body: &Value) -> (u16, Value) {
    let resp = post_json(client, url, token, body).await;
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn assert_denied(status: u16, body: &Value) {
    assert_eq!(status, 403, "{body}");
    assert_graph_error(body, "ErrorAccessDenied", DENIED);
}

fn subjects(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|m| m["subject"].as_str().unwrap_or("").to_string())
        .collect()
}

fn event() -> Value {
    event_body(
        "Planning",
        "2026-12-01T15:00:00",
        "2026-12-01T16:00:00",
        &[],
    )
}

/// The acceptance check: a token requested with only `Mail.Read` reads mail but
/// gets 403 on `sendMail` and on `POST /me/events`; with `Mail.Send` it sends.
#[tokio::test]
async fn mail_read_token_cannot_send_or_create_events_and_mail_send_can() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    let token = device_sign_in(&sb, &client, ADELE, "Mail.Read offline_access").await;
    // `scope` echoes the granted Graph scopes only.
    assert_eq!(token["scope"], "Mail.Read");
    let read_only = access(&token);

    let (status, list) = get_json(&client, &format!("{base}/me/messages"), &read_only).await;
    assert_eq!(status, 200, "{list}");
    let (status, err) = post(
        &client,
        &format!("{base}/me/sendMail"),
        &read_only,
        &simple_mail("Not allowed"),
    )
    .await;
    assert_denied(status, &err);
    let (status, err) = post(&client, &format!("{base}/me/events"), &read_only, &event()).await;
    assert_denied(status, &err);
    // Nothing was delivered, saved or created.
    assert!(sb.messages(ALEX, "inbox").is_empty());
    assert!(sb.messages(ADELE, "sentitems").is_empty());
    assert!(sb.events(ADELE).is_empty());

    // Fully qualified scope, plus OpenID scopes that are no Graph permissions.
    let token = device_sign_in(
        &sb,
        &client,
        ADELE,
        "https://graph.microsoft.com/Mail.Send openid profile offline_access",
    )
    .await;
    assert_eq!(token["scope"], "Mail.Send");
    let sender = access(&token);
    let (status, body) = post(
        &client,
        &format!("{base}/me/sendMail"),
        &sender,
        &simple_mail("Allowed"),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(subjects(&sb.messages(ALEX, "inbox")), ["Allowed"]);
    // Mail.Send does not read mail.
    let (status, err) = get_json(&client, &format!("{base}/me/messages"), &sender).await;
    assert_denied(status, &err);

    // A refresh with a narrower scope narrows the token.
    let (status, refreshed) = post_form(
        &client,
        &sb.token_url(),
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &sb.client_id()),
            ("refresh_token", token["refresh_token"].as_str().unwrap()),
            ("scope", "Mail.Read"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{refreshed}");
    assert_eq!(refreshed["scope"], "Mail.Read");
    let (status, err) = post(
        &client,
        &format!("{base}/me/sendMail"),
        &access(&refreshed),
        &simple_mail("Not again"),
    )
    .await;
    assert_denied(status, &err);
    assert_eq!(sb.messages(ALEX, "inbox").len(), 1);
}

#[tokio::test]
async fn default_scope_gives_every_granted_delegated_scope() {
    let (sb, client) = setup().await;
    let token = device_sign_in(
        &sb,
        &client,
        ADELE,
        "https://graph.microsoft.com/.default offline_access",
    )
    .await;
    let scope = token["scope"].as_str().unwrap();
    for s in [
        "Mail.Send",
        "Mail.ReadWrite",
        "Calendars.ReadWrite.Shared",
        "MailboxSettings.ReadWrite",
    ] {
        assert!(scope.split(' ').any(|x| x == s), "{s} in {scope}");
    }
    let (status, body) = post(
        &client,
        &format!("{}/me/events", sb.base_url()),
        &access(&token),
        &event(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(subjects(&sb.events(ADELE)), ["Planning"]);
}

#[tokio::test]
async fn app_token_with_only_the_mail_send_role_sends_but_cannot_read() {
    let (sb, client) = setup().await;
    sb.grant_app_roles(&["Mail.Send"]);
    let app = app_token(&sb, &client).await;
    let base = sb.base_url();
    let (status, body) = post(
        &client,
        &format!("{base}/users/{ADELE}/sendMail"),
        &app,
        &simple_mail("From the app"),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(subjects(&sb.messages(ALEX, "inbox")), ["From the app"]);
    for path in [
        "messages",
        "mailFolders/inbox/messages",
        "mailFolders",
        "events",
    ] {
        let (status, err) = get_json(&client, &format!("{base}/users/{ADELE}/{path}"), &app).await;
        assert_denied(status, &err);
    }
    let (status, err) = post(
        &client,
        &format!("{base}/users/{ADELE}/events"),
        &app,
        &event(),
    )
    .await;
    assert_denied(status, &err);
    assert!(sb.events(ADELE).is_empty());

    // Mail.ReadBasic.All lists messages, not their MIME content; tokens already
    // issued keep their roles.
    sb.grant_app_roles(&["mail.readbasic.all"]);
    let reader = app_token(&sb, &client).await;
    let (status, list) = get_json(&client, &format!("{base}/users/{ALEX}/messages"), &reader).await;
    assert_eq!(status, 200);
    let id = values(&list)[0]["id"].as_str().unwrap().to_string();
    let (status, err) = get_json(
        &client,
        &format!("{base}/users/{ALEX}/messages/{id}/$value"),
        &reader,
    )
    .await;
    assert_denied(status, &err);
    let (status, _) = post(
        &client,
        &format!("{base}/users/{ADELE}/sendMail"),
        &app,
        &simple_mail("Still allowed"),
    )
    .await;
    assert_eq!(status, 202);
    let (status, err) = post(
        &client,
        &format!("{base}/users/{ADELE}/sendMail"),
        &reader,
        &simple_mail("Not allowed"),
    )
    .await;
    assert_denied(status, &err);
    assert_eq!(
        subjects(&sb.messages(ALEX, "inbox")),
        ["Still allowed", "From the app"]
    );
}

#[tokio::test]
async fn higher_permissions_satisfy_lower_ones() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    sb.delegated_token(ALEX);
    let all = sb.delegated_token(ADELE);
    let (status, _) = post(
        &client,
        &format!("{base}/me/sendMail"),
        &all,
        &simple_mail("x"),
    )
    .await;
    assert_eq!(status, 202);

    // Mail.ReadWrite satisfies Mail.Read (message, MIME content) and Mail.ReadBasic.
    let rw = sb.delegated_token_with_scopes(ALEX, &["Mail.ReadWrite"]);
    let (status, list) = get_json(&client, &format!("{base}/me/messages"), &rw).await;
    assert_eq!(status, 200);
    let id = values(&list)[0]["id"].as_str().unwrap().to_string();
    let resp = client
        .get(format!("{base}/me/messages/{id}/$value"))
        .bearer_auth(&rw)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    // Mail.ReadBasic lists messages, but not their MIME content.
    let basic = sb.delegated_token_with_scopes(ALEX, &["Mail.ReadBasic"]);
    let (status, _) = get_json(
        &client,
        &format!("{base}/me/mailFolders/inbox/messages"),
        &basic,
    )
    .await;
    assert_eq!(status, 200);
    let (status, err) = get_json(&client, &format!("{base}/me/messages/{id}/$value"), &basic).await;
    assert_denied(status, &err);
    // Mail.Read does not write: the message stays unread.
    let read = sb.delegated_token_with_scopes(ALEX, &["Mail.Read"]);
    let resp = patch_json(
        &client,
        &format!("{base}/me/messages/{id}"),
        &read,
        &json!({"isRead": true}),
        None,
    )
    .await;
    let (status, err) = status_json(resp).await;
    assert_denied(status, &err);
    let (_, msg) = get_json(&client, &format!("{base}/me/messages/{id}"), &rw).await;
    assert_eq!(msg["isRead"], false);

    // Calendars.ReadWrite satisfies Calendars.Read; Calendars.Read does not write.
    let cal_rw = sb.delegated_token_with_scopes(ALEX, &["Calendars.ReadWrite"]);
    let (status, _) = get_json(&client, &format!("{base}/me/calendar/events"), &cal_rw).await;
    assert_eq!(status, 200);
    let cal_read = sb.delegated_token_with_scopes(ALEX, &["Calendars.Read"]);
    let (status, err) = post(
        &client,
        &format!("{base}/me/calendar/events"),
        &cal_read,
        &event(),
    )
    .await;
    assert_denied(status, &err);
    let (status, body) = post(
        &client,
        &format!("{base}/me/calendar/events"),
        &cal_rw,
        &event(),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(subjects(&sb.events(ALEX)), ["Planning"]);

    // MailboxSettings.ReadWrite satisfies MailboxSettings.Read; Read does not PATCH.
    let settings_rw = sb.delegated_token_with_scopes(ALEX, &["MailboxSettings.ReadWrite"]);
    let (status, before) =
        get_json(&client, &format!("{base}/me/mailboxSettings"), &settings_rw).await;
    assert_eq!(status, 200);
    let settings_read = sb.delegated_token_with_scopes(ALEX, &["MailboxSettings.Read"]);
    let resp = patch_json(
        &client,
        &format!("{base}/me/mailboxSettings"),
        &settings_read,
        &json!({"timeZone": "Pacific Standard Time"}),
        None,
    )
    .await;
    let (status, err) = status_json(resp).await;
    assert_denied(status, &err);
    let (_, after) = get_json(
        &client,
        &format!("{base}/me/mailboxSettings"),
        &settings_read,
    )
    .await;
    assert_eq!(after, before);
    // Mail scopes open no calendar or settings path.
    let (status, err) = get_json(&client, &format!("{base}/me/mailboxSettings"), &rw).await;
    assert_denied(status, &err);
    let (status, err) = get_json(&client, &format!("{base}/me/events"), &rw).await;
    assert_denied(status, &err);
}

#[tokio::test]
async fn another_users_mailbox_needs_the_shared_scopes() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    sb.grant_full_access(ALEX, ADELE);
    sb.grant_send_as(ALEX, ADELE);
    sb.add_event(ALEX, event());
    let plain = sb.delegated_token_with_scopes(
        ADELE,
        &["Mail.ReadWrite", "Mail.Send", "Calendars.ReadWrite"],
    );
    for path in [
        "messages",
        "mailFolders/inbox/messages",
        "events",
        "calendar/events",
    ] {
        let (status, err) = get_json(&client, &format!("{base}/users/{ALEX}/{path}"), &plain).await;
        assert_denied(status, &err);
    }
    let (status, err) = post(
        &client,
        &format!("{base}/users/{ALEX}/sendMail"),
        &plain,
        &json!({"message": {"subject": "Not allowed", "toRecipients": [{"emailAddress": {"address": ADELE}}]}}),
    )
    .await;
    assert_denied(status, &err);
    assert!(sb.messages(ADELE, "inbox").is_empty());
    assert!(sb.messages(ALEX, "sentitems").is_empty());
    // The same scopes work in Adele's own mailbox.
    let (status, _) = get_json(&client, &format!("{base}/me/messages"), &plain).await;
    assert_eq!(status, 200);

    let shared = sb.delegated_token_with_scopes(
        ADELE,
        &[
            "Mail.Read.Shared",
            "Mail.Send.Shared",
            "Calendars.Read.Shared",
        ],
    );
    let (status, _) = get_json(&client, &format!("{base}/users/{ALEX}/messages"), &shared).await;
    assert_eq!(status, 200);
    let (status, list) = get_json(&client, &format!("{base}/users/{ALEX}/events"), &shared).await;
    assert_eq!(status, 200);
    assert_eq!(subjects(&values(&list)), ["Planning"]);
    // `.Shared` scopes cover the signed-in user's own mailbox too.
    let (status, _) = get_json(&client, &format!("{base}/me/messages"), &shared).await;
    assert_eq!(status, 200);
    // Calendars.Read.Shared does not write in Alex's calendar.
    let (status, err) = post(
        &client,
        &format!("{base}/users/{ALEX}/events"),
        &shared,
        &event(),
    )
    .await;
    assert_denied(status, &err);
    assert_eq!(sb.events(ALEX).len(), 1);
    let (status, body) = post(
        &client,
        &format!("{base}/users/{ALEX}/sendMail"),
        &shared,
        &json!({"message": {"subject": "For Alex", "toRecipients": [{"emailAddress": {"address": ADELE}}]}}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(subjects(&sb.messages(ADELE, "inbox")), ["For Alex"]);
    assert_eq!(subjects(&sb.messages(ALEX, "sentitems")), ["For Alex"]);
}

#[tokio::test]
async fn full_access_without_send_rights_cannot_send_from_the_mailbox() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    sb.grant_full_access(ALEX, ADELE);
    let adele = sb.delegated_token(ADELE);
    let mail = json!({"message": {"subject": "Team update", "toRecipients": [{"emailAddress": {"address": ADELE}}]}});
    let (status, err) = post(
        &client,
        &format!("{base}/users/{ALEX}/sendMail"),
        &adele,
        &mail,
    )
    .await;
    assert_eq!(status, 403);
    assert_graph_error(&err, "ErrorSendAsDenied", SEND_AS_DENIED);
    assert!(sb.messages(ADELE, "inbox").is_empty());
    assert!(sb.messages(ALEX, "sentitems").is_empty());
    // Full Access still reads and writes items.
    let (status, draft) = post(
        &client,
        &format!("{base}/users/{ALEX}/messages"),
        &adele,
        &json!({"subject": "Draft", "toRecipients": [{"emailAddress": {"address": ADELE}}]}),
    )
    .await;
    assert_eq!(status, 201, "{draft}");
    let (status, list) = get_json(
        &client,
        &format!("{base}/users/{ALEX}/mailFolders/drafts/messages"),
        &adele,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(subjects(&values(&list)), ["Draft"]);

    // Send on Behalf: from Alex, sender Adele.
    sb.grant_send_on_behalf(ALEX, ADELE);
    let (status, _) = post(
        &client,
        &format!("{base}/users/{ALEX}/sendMail"),
        &adele,
        &mail,
    )
    .await;
    assert_eq!(status, 202);
    let got = &sb.messages(ADELE, "inbox")[0];
    assert_eq!(got["from"]["emailAddress"]["address"], ALEX);
    assert_eq!(got["sender"]["emailAddress"]["address"], ADELE);
    assert_eq!(subjects(&sb.messages(ALEX, "sentitems")), ["Team update"]);
}

#[tokio::test]
async fn batch_inner_request_without_the_scope_gets_403_while_another_succeeds() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token_with_scopes(ADELE, &["Mail.Read"]);
    let resp = client
        .post(format!("{}/$batch", sb.base_url()))
        .bearer_auth(&token)
        .json(&json!({"requests": [
            {"id": "list", "method": "GET", "url": "/me/mailFolders/inbox/messages"},
            {
                "id": "send",
                "method": "POST",
                "url": "/me/sendMail",
                "headers": {"Content-Type": "application/json"},
                "body": simple_mail("Not allowed"),
            },
        ]}))
        .send()
        .await
        .unwrap();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 200, "{body}");
    let answers = body["responses"].as_array().unwrap();
    let by = |id: &str| answers.iter().find(|a| a["id"] == id).unwrap().clone();
    assert_eq!(by("list")["status"], 200);
    assert_eq!(by("list")["body"]["value"], json!([]));
    let send = by("send");
    assert_eq!(send["status"], 403);
    assert_graph_error(&send["body"], "ErrorAccessDenied", DENIED);
    assert!(sb.messages(ALEX, "inbox").is_empty());
    assert!(sb.messages(ADELE, "sentitems").is_empty());
}

#[tokio::test]
async fn authorization_without_the_bearer_scheme_is_401() {
    let (sb, client) = setup().await;
    let token = sb.delegated_token(ADELE);
    let url = format!("{}/me/sendMail", sb.base_url());
    for header in [
        token.clone(),
        format!("Basic {token}"),
        format!("Token {token}"),
    ] {
        let resp = client
            .post(&url)
            .header("authorization", header.as_str())
            .json(&simple_mail("Not sent"))
            .send()
            .await
            .unwrap();
        assert!(resp.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer realm=\"\""));
        let (status, err) = status_json(resp).await;
        assert_eq!(status, 401, "{header}");
        assert_graph_error(&err, "InvalidAuthenticationToken", "Access token is empty.");
    }
    assert!(sb.messages(ALEX, "inbox").is_empty());
    // The scheme is case-insensitive; with it the same token works.
    let resp = client
        .post(&url)
        .header("authorization", format!("bearer {token}"))
        .json(&simple_mail("Sent"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(subjects(&sb.messages(ALEX, "inbox")), ["Sent"]);
}

/// A calendar shared with the user, reached through its copy under `/me/calendars`,
/// is another user's calendar: `Calendars.ReadWrite.Shared` (GRAPH-FACTS §6.1).
#[tokio::test]
async fn shared_calendar_copy_needs_the_shared_calendar_scopes() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    let (status, p) = post(
        &client,
        &format!("{base}/me/calendar/calendarPermissions"),
        &sb.delegated_token(ALEX),
        &json!({"emailAddress": {"address": ADELE}, "isInsideOrganization": true, "isRemovable": true, "role": "write"}),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    let plain = sb.delegated_token_with_scopes(ADELE, &["Calendars.ReadWrite"]);
    let (status, list) = get_json(&client, &format!("{base}/me/calendars"), &plain).await;
    assert_eq!(status, 200);
    let cals = values(&list);
    assert_eq!(cals.len(), 2, "{list}");
    let shared_id = cals[1]["id"].as_str().unwrap().to_string();
    let url = format!("{base}/me/calendars/{shared_id}/events");
    let (status, err) = post(&client, &url, &plain, &event()).await;
    assert_denied(status, &err);
    assert!(sb.events(ALEX).is_empty());
    let shared = sb.delegated_token_with_scopes(ADELE, &["Calendars.ReadWrite.Shared"]);
    let (status, body) = post(&client, &url, &shared, &event()).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(subjects(&sb.events(ALEX)), ["Planning"]);
}
