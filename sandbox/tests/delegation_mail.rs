//! Mail on behalf of others (Send As, Send on Behalf, Full Access), users without a
//! mailbox, `mailboxSettings`, and where meeting messages go when a mailbox has
//! calendar delegates.

mod common;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use common::*;
use msgraph_outlook_sandbox::Sandbox;
use serde_json::{json, Value};

const ADELE: &str = "adele@contoso.com";
const ALEX: &str = "alex@contoso.com";
const MEGAN: &str = "megan.bowen@contoso.com";

const SEND_AS_DENIED: &str = "The user account which was used to submit this request does not have the right to send mail on behalf of the specified sending account. Cannot submit message.";

fn recipient(name: &str, address: &str) -> Value {
    json!({"emailAddress": {"name": name, "address": address}})
}

/// POST JSON; the body is `Value::Null` when empty (202s).
async fn post(client: &reqwest::Client, url: &str, token: &str, body: &Value) -> (u16, Value) {
    let resp = post_json(client, url, token, body).await;
    let status = resp.status().as_u16();
    let text = resp.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn patch(client: &reqwest::Client, url: &str, token: &str, body: &Value) -> (u16, Value) {
    status_json(patch_json(client, url, token, body, None).await).await
}

fn mail_from(subject: &str, from: &str, to: &str) -> Value {
    json!({
        "message": {
            "subject": subject,
            "body": {"contentType": "Text", "content": "Hello"},
            "from": {"emailAddress": {"address": from}},
            "toRecipients": [{"emailAddress": {"address": to}}]
        }
    })
}

fn subjects(list: &[Value]) -> Vec<String> {
    list.iter()
        .map(|m| m["subject"].as_str().unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn send_as_and_send_on_behalf() {
    let (sb, client) = setup().await;
    sb.add_user(MEGAN);
    let adele = sb.delegated_token(ADELE);
    let url = format!("{}/me/sendMail", sb.base_url());

    // No right: denied with the documented error.
    let (status, err) = post(&client, &url, &adele, &mail_from("Spoof", ALEX, MEGAN)).await;
    assert_eq!(status, 403);
    assert_graph_error(&err, "ErrorSendAsDenied", SEND_AS_DENIED);
    assert!(sb.messages(MEGAN, "inbox").is_empty());

    // Send on Behalf: from Alex, sender Adele; the copy in Adele's Sent Items.
    sb.grant_send_on_behalf(ALEX, ADELE);
    let (status, _) = post(&client, &url, &adele, &mail_from("On behalf", ALEX, MEGAN)).await;
    assert_eq!(status, 202);
    let got = &sb.messages(MEGAN, "inbox")[0];
    assert_eq!(got["subject"], "On behalf");
    assert_eq!(got["from"], recipient("Alex", ALEX));
    assert_eq!(got["sender"], recipient("Adele", ADELE));
    let sent = &sb.messages(ADELE, "sentitems")[0];
    assert_eq!(sent["from"], recipient("Alex", ALEX));
    assert_eq!(sent["sender"], recipient("Adele", ADELE));
    assert!(sb.messages(ALEX, "sentitems").is_empty());

    // Send As wins when both are granted: from = sender = Alex.
    sb.grant_send_as(ALEX, ADELE);
    let body = json!({
        "Message": {
            "subject": "As Alex",
            "from": {"emailAddress": {"address": "Alex@Contoso.com"}},
            "toRecipients": [{"emailAddress": {"address": MEGAN}}]
        },
        "SaveToSentItems": true
    });
    let (status, _) = post(&client, &url, &adele, &body).await;
    assert_eq!(status, 202);
    let got = &sb.messages(MEGAN, "inbox")[0];
    assert_eq!(got["subject"], "As Alex");
    assert_eq!(got["from"], recipient("Alex", "Alex@Contoso.com"));
    assert_eq!(got["sender"], recipient("Alex", "Alex@Contoso.com"));
    assert_eq!(
        subjects(&sb.messages(ADELE, "sentitems")),
        ["As Alex", "On behalf"]
    );

    // Rights are per owner: Megan granted nothing.
    let (status, err) = post(&client, &url, &adele, &mail_from("x", MEGAN, ALEX)).await;
    assert_eq!(status, 403);
    assert_graph_error(&err, "ErrorSendAsDenied", SEND_AS_DENIED);
}

#[tokio::test]
async fn drafts_and_mime_follow_the_same_rules() {
    let (sb, client) = setup().await;
    sb.add_user(MEGAN);
    let adele = sb.delegated_token(ADELE);
    let base = sb.base_url();
    let (status, draft) = post(
        &client,
        &format!("{base}/me/messages"),
        &adele,
        &json!({
            "subject": "Draft on behalf",
            "from": {"emailAddress": {"address": ALEX}},
            "toRecipients": [{"emailAddress": {"address": MEGAN}}]
        }),
    )
    .await;
    assert_eq!(status, 201, "{draft}");
    let send_url = format!("{base}/me/messages/{}/send", draft["id"].as_str().unwrap());
    let send = || {
        client
            .post(&send_url)
            .bearer_auth(&adele)
            .header("content-length", "0")
            .send()
    };
    let resp = send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 403);
    let (_, err) = status_json(resp).await;
    assert_graph_error(&err, "ErrorSendAsDenied", SEND_AS_DENIED);
    sb.grant_send_on_behalf(ALEX, ADELE);
    assert_eq!(send().await.unwrap().status().as_u16(), 202);
    let got = &sb.messages(MEGAN, "inbox")[0];
    assert_eq!(got["from"], recipient("Alex", ALEX));
    assert_eq!(got["sender"], recipient("Adele", ADELE));

    // MIME with a From header of Alex.
    let mime =
        format!("From: Alex <{ALEX}>\r\nTo: Megan <{MEGAN}>\r\nSubject: Via MIME\r\n\r\nHi\r\n");
    let resp = client
        .post(format!("{base}/me/sendMail"))
        .bearer_auth(&adele)
        .header("content-type", "text/plain")
        .body(STANDARD.encode(mime))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 202);
    let got = &sb.messages(MEGAN, "inbox")[0];
    assert_eq!(got["subject"], "Via MIME");
    assert_eq!(got["from"], recipient("Alex", ALEX));
    assert_eq!(got["sender"], recipient("Adele", ADELE));
}

#[tokio::test]
async fn full_access_reads_and_writes_but_sends_only_with_send_as() {
    let (sb, client) = setup().await;
    sb.add_user(MEGAN);
    let adele = sb.delegated_token(ADELE);
    let base = sb.base_url();
    let url = format!("{base}/users/{ALEX}/sendMail");
    let body = json!({"message": {"subject": "Team update", "toRecipients": [{"emailAddress": {"address": MEGAN}}]}});

    for path in [
        "sendMail",
        "messages",
        "mailFolders/inbox/messages",
        "mailboxSettings",
    ] {
        let (status, err) = if path == "sendMail" {
            post(&client, &url, &adele, &body).await
        } else {
            get_json(&client, &format!("{base}/users/{ALEX}/{path}"), &adele).await
        };
        assert_eq!(status, 403, "{path}");
        assert_graph_error(
            &err,
            "ErrorAccessDenied",
            "Access is denied. Check credentials and try again.",
        );
    }

    // Full Access alone does not let Adele send from Alex's mailbox (Exchange: "Can't
    // send email message when Full Access is granted to a shared mailbox").
    sb.grant_full_access(ALEX, ADELE);
    let (status, err) = post(&client, &url, &adele, &body).await;
    assert_eq!(status, 403);
    assert_graph_error(&err, "ErrorSendAsDenied", SEND_AS_DENIED);
    assert!(sb.messages(MEGAN, "inbox").is_empty());
    assert!(sb.messages(ALEX, "sentitems").is_empty());
    // Nor send a draft of that mailbox, nor reply from it.
    let (status, draft) = post(
        &client,
        &format!("{base}/users/{ALEX}/messages"),
        &adele,
        &json!({"subject": "Draft for Alex", "toRecipients": [{"emailAddress": {"address": MEGAN}}]}),
    )
    .await;
    assert_eq!(status, 201, "{draft}");
    let draft_id = draft["id"].as_str().unwrap().to_string();
    let send_draft = |client: reqwest::Client, url: String, token: String| async move {
        let resp = client
            .post(url)
            .bearer_auth(token)
            .header("content-length", "0")
            .send()
            .await
            .unwrap();
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str::<Value>(&text).unwrap_or(Value::Null),
        )
    };
    let draft_send_url = format!("{base}/users/{ALEX}/messages/{draft_id}/send");
    let (status, err) = send_draft(client.clone(), draft_send_url.clone(), adele.clone()).await;
    assert_eq!(status, 403);
    assert_graph_error(&err, "ErrorSendAsDenied", SEND_AS_DENIED);
    assert_eq!(subjects(&sb.messages(ALEX, "drafts")), ["Draft for Alex"]);
    let (status, err) = post(
        &client,
        &format!("{base}/users/{ALEX}/messages/{draft_id}/reply"),
        &adele,
        &json!({"comment": "Noted"}),
    )
    .await;
    assert_eq!(status, 403);
    assert_graph_error(&err, "ErrorSendAsDenied", SEND_AS_DENIED);
    assert!(sb.messages(MEGAN, "inbox").is_empty());

    // With Send As too, it sends from Alex: from = sender = Alex, copy in Alex's Sent
    // Items.
    sb.grant_send_as(ALEX, ADELE);
    let (status, _) = post(&client, &url, &adele, &body).await;
    assert_eq!(status, 202);
    let got = &sb.messages(MEGAN, "inbox")[0];
    assert_eq!(got["from"], recipient("Alex", ALEX));
    assert_eq!(got["sender"], recipient("Alex", ALEX));
    assert_eq!(subjects(&sb.messages(ALEX, "sentitems")), ["Team update"]);
    assert!(sb.messages(ADELE, "sentitems").is_empty());
    let (status, _) = send_draft(client.clone(), draft_send_url, adele.clone()).await;
    assert_eq!(status, 202);
    assert_eq!(
        sb.messages(MEGAN, "inbox")[0]["sender"],
        recipient("Alex", ALEX)
    );
    assert!(sb.messages(ALEX, "drafts").is_empty());

    // Every mail path of the mailbox, and its calendar with private events.
    let (status, list) = get_json(
        &client,
        &format!("{base}/users/{ALEX}/mailFolders/sentitems/messages"),
        &adele,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(subjects(&values(&list)), ["Draft for Alex", "Team update"]);
    let mut private = event_body("Private", "2026-12-01T09:00:00", "2026-12-01T10:00:00", &[]);
    private["sensitivity"] = json!("private");
    sb.add_event(ALEX, private);
    let (status, list) = get_json(&client, &format!("{base}/users/{ALEX}/events"), &adele).await;
    assert_eq!(status, 200);
    assert_eq!(values(&list).len(), 1);
    let (status, _) = get_json(
        &client,
        &format!("{base}/users/{ALEX}/mailboxSettings"),
        &adele,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn users_without_a_mailbox_answer_mailbox_not_enabled() {
    let (sb, client) = setup().await;
    sb.add_user_without_mailbox("onprem@contoso.com");
    let adele = sb.delegated_token(ADELE);
    let onprem = sb.delegated_token("onprem@contoso.com");
    let app = app_token(&sb, &client).await;
    let base = sb.base_url();
    let check = |(status, body): (u16, Value)| {
        assert_eq!(status, 404, "{body}");
        assert_graph_error(
            &body,
            "MailboxNotEnabledForRESTAPI",
            "The mailbox is either inactive, soft-deleted, or is hosted on-premise.",
        );
    };
    check(
        get_json(
            &client,
            &format!("{base}/users/onprem@contoso.com/messages"),
            &app,
        )
        .await,
    );
    check(
        get_json(
            &client,
            &format!("{base}/users/onprem%40contoso.com/events"),
            &adele,
        )
        .await,
    );
    check(get_json(&client, &format!("{base}/me/mailboxSettings"), &onprem).await);
    check(
        post(
            &client,
            &format!("{base}/me/sendMail"),
            &onprem,
            &simple_mail("x"),
        )
        .await,
    );
    // Mail to it is not stored anywhere in the sandbox.
    let (status, _) = post(
        &client,
        &format!("{base}/me/sendMail"),
        &adele,
        &mail_from("Hi", ADELE, "onprem@contoso.com"),
    )
    .await;
    assert_eq!(status, 202);
    assert_eq!(sb.outbound().len(), 1);
    assert!(sb.messages("onprem@contoso.com", "inbox").is_empty());
}

async fn settings_sandbox() -> (Sandbox, reqwest::Client) {
    let sb = Sandbox::start().await.unwrap();
    sb.set_clock("2026-11-02T09:41:17Z".parse().unwrap());
    sb.add_user(ADELE);
    sb.add_user(ALEX);
    (sb, reqwest::Client::new())
}

#[tokio::test]
async fn mailbox_settings_get_and_patch() {
    let (sb, client) = settings_sandbox().await;
    let adele = sb.delegated_token(ADELE);
    let adele_id = sb.add_user(ADELE);
    let base = sb.base_url();
    let context = format!(
        "{}/v1.0/$metadata#users('{adele_id}')/mailboxSettings",
        sb.authority_url()
    );
    let (_, archive) = get_json(&client, &format!("{base}/me/mailFolders/archive"), &adele).await;
    let (status, settings) = get_json(&client, &format!("{base}/me/mailboxSettings"), &adele).await;
    assert_eq!(status, 200);
    assert_eq!(
        settings,
        json!({
            "@odata.context": context,
            "archiveFolder": archive["id"],
            "timeZone": "UTC",
            "automaticRepliesSetting": {
                "status": "disabled",
                "externalAudience": "all",
                "internalReplyMessage": "",
                "externalReplyMessage": "",
                "scheduledStartDateTime": {"dateTime": "2026-11-02T09:00:00.0000000", "timeZone": "UTC"},
                "scheduledEndDateTime": {"dateTime": "2026-11-03T09:00:00.0000000", "timeZone": "UTC"}
            },
            "language": {"locale": "en-US", "displayName": "English (United States)"},
            "dateFormat": "M/d/yyyy",
            "timeFormat": "h:mm tt",
            "workingHours": {
                "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                "startTime": "08:00:00.0000000",
                "endTime": "17:00:00.0000000",
                "timeZone": {"name": "UTC"}
            },
            "userPurpose": "user",
            "delegateMeetingMessageDeliveryOptions": "sendToDelegateOnly"
        })
    );

    // One property.
    let (status, tz) = get_json(
        &client,
        &format!("{base}/me/mailboxSettings/timeZone"),
        &adele,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        tz,
        json!({"@odata.context": format!("{context}/timeZone"), "value": "UTC"})
    );
    let (status, lang) = get_json(
        &client,
        &format!("{base}/users/{ADELE}/mailboxSettings/language"),
        &adele,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        lang,
        json!({"@odata.context": format!("{context}/language"), "locale": "en-US", "displayName": "English (United States)"})
    );

    // PATCH: 200 with the updated properties only.
    let url = format!("{base}/me/mailboxSettings");
    let (status, out) = patch(
        &client,
        &url,
        &adele,
        &json!({"delegateMeetingMessageDeliveryOptions": "sendToDelegateAndPrincipal"}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        out,
        json!({"@odata.context": context, "delegateMeetingMessageDeliveryOptions": "sendToDelegateAndPrincipal"})
    );
    let (status, out) = patch(
        &client,
        &url,
        &adele,
        &json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Me/mailboxSettings",
            "automaticRepliesSetting": {
                "status": "Scheduled",
                "scheduledStartDateTime": {"dateTime": "2026-12-20T18:00:00.0000000", "timeZone": "UTC"},
                "scheduledEndDateTime": {"dateTime": "2026-12-28T18:00:00", "timeZone": "W. Europe Standard Time"}
            },
            "timeZone": "Pacific Standard Time",
            "workingHours": {"daysOfWeek": ["Monday", "Tuesday"], "startTime": "09:00:00.0000000", "endTime": "18:30:00"}
        }),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(
        out,
        json!({
            "@odata.context": context,
            "automaticRepliesSetting": {
                "status": "scheduled",
                "externalAudience": "all",
                "internalReplyMessage": "",
                "externalReplyMessage": "",
                "scheduledStartDateTime": {"dateTime": "2026-12-20T18:00:00.0000000", "timeZone": "UTC"},
                "scheduledEndDateTime": {"dateTime": "2026-12-28T17:00:00.0000000", "timeZone": "UTC"}
            },
            "timeZone": "Pacific Standard Time",
            "workingHours": {
                "daysOfWeek": ["monday", "tuesday"],
                "startTime": "09:00:00.0000000",
                "endTime": "18:30:00.0000000",
                "timeZone": {"name": "UTC"}
            }
        })
    );
    let (_, settings) = get_json(&client, &url, &adele).await;
    assert_eq!(settings["timeZone"], "Pacific Standard Time");
    assert_eq!(
        settings["delegateMeetingMessageDeliveryOptions"],
        "sendToDelegateAndPrincipal"
    );

    // Documented and [unconfirmed] errors; nothing changes.
    for (body, code, message) in [
        (
            json!({"delegateMeetingMessageDeliveryOptions": "sendToEveryone"}),
            "InvalidArguments",
            "Requested value 'sendToEveryone' was not found.",
        ),
        (
            json!({"workingHours": {"daysOfWeek": ["RandomDay"]}}),
            "InvalidArguments",
            "Requested value 'RandomDay' was not found.",
        ),
        (
            json!({"workingHours": {"startTime": "19:00:00"}}),
            "ErrorInvalidTimeSettings",
            "Start Time should occur before End Time.",
        ),
        (
            json!({"workingHours": {"startTime": "08"}}),
            "RequestBodyRead",
            "Cannot convert the literal '08' to the expected type 'Edm.TimeOfDay'.",
        ),
        (
            json!({"timeZone": "Mars Standard Time"}),
            "InvalidTimeZone",
            "Time Zone settings provided are invalid.",
        ),
        (
            json!({"favoriteColor": "blue"}),
            "BadRequest",
            "The property 'favoriteColor' does not exist on type 'microsoft.graph.mailboxSettings'. Make sure to only use property names that are defined by the type or mark the type as open type.",
        ),
    ] {
        let (status, err) = patch(&client, &url, &adele, &body).await;
        assert_eq!(status, 400, "{body}");
        assert_graph_error(&err, code, message);
    }
    let (_, again) = get_json(&client, &url, &adele).await;
    assert_eq!(again, settings);

    // Settings are per user; an app reaches any mailbox's settings.
    let app = app_token(&sb, &client).await;
    let (status, alex) = get_json(
        &client,
        &format!("{base}/users/{ALEX}/mailboxSettings/delegateMeetingMessageDeliveryOptions"),
        &app,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(alex["value"], "sendToDelegateOnly");
}

/// Alex delegates his primary calendar to Adele (over HTTP); returns tokens.
async fn delegate_setup(sb: &Sandbox, client: &reqwest::Client) -> (String, String, String) {
    sb.add_user(MEGAN);
    let adele = sb.delegated_token(ADELE);
    let alex = sb.delegated_token(ALEX);
    let megan = sb.delegated_token(MEGAN);
    let (status, p) = post(
        client,
        &format!("{}/me/calendar/calendarPermissions", sb.base_url()),
        &alex,
        &json!({"emailAddress": {"name": "Adele", "address": ADELE}, "role": "delegateWithoutPrivateEventAccess"}),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    (adele, alex, megan)
}

async fn set_delivery(sb: &Sandbox, client: &reqwest::Client, alex: &str, option: &str) {
    let (status, _) = patch(
        client,
        &format!("{}/me/mailboxSettings", sb.base_url()),
        alex,
        &json!({"delegateMeetingMessageDeliveryOptions": option}),
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn meeting_messages_follow_the_delivery_option() {
    let (sb, client) = setup().await;
    let (adele, alex, megan) = delegate_setup(&sb, &client).await;
    let base = sb.base_url();
    let invite = |subject: &str| {
        event_body(
            subject,
            "2026-12-01T15:00:00",
            "2026-12-01T16:00:00",
            &[ALEX],
        )
    };

    // Default sendToDelegateOnly: the request reaches Adele, not Alex; Alex's calendar
    // has the meeting.
    let (status, _) = post(
        &client,
        &format!("{base}/me/events"),
        &megan,
        &invite("One"),
    )
    .await;
    assert_eq!(status, 201);
    assert!(sb.messages(ALEX, "inbox").is_empty());
    let got = &sb.messages(ADELE, "inbox")[0];
    assert_eq!(got["subject"], "One");
    assert_eq!(got["meetingMessageType"], "meetingRequest");
    assert_eq!(got["meetingRequestType"], "newMeetingRequest");
    assert_eq!(got["isDelegated"], true);
    assert_eq!(got["toRecipients"], json!([recipient("Alex", ALEX)]));
    assert_eq!(got["from"], recipient("Megan Bowen", MEGAN));
    assert_eq!(sb.events(ALEX)[0]["subject"], "One");

    // Information copy to the principal.
    set_delivery(
        &sb,
        &client,
        &alex,
        "sendToDelegateAndInformationToPrincipal",
    )
    .await;
    let (status, _) = post(
        &client,
        &format!("{base}/me/events"),
        &megan,
        &invite("Two"),
    )
    .await;
    assert_eq!(status, 201);
    let to_adele = &sb.messages(ADELE, "inbox")[0];
    assert_eq!(to_adele["subject"], "Two");
    assert_eq!(to_adele["meetingRequestType"], "newMeetingRequest");
    let to_alex = &sb.messages(ALEX, "inbox")[0];
    assert_eq!(to_alex["subject"], "Two");
    assert_eq!(to_alex["meetingRequestType"], "principalWantsCopy");
    assert_eq!(to_alex["isDelegated"], false);

    // Both get the request.
    set_delivery(&sb, &client, &alex, "sendToDelegateAndPrincipal").await;
    let (status, _) = post(
        &client,
        &format!("{base}/me/events"),
        &megan,
        &invite("Three"),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(sb.messages(ADELE, "inbox")[0]["subject"], "Three");
    let to_alex = &sb.messages(ALEX, "inbox")[0];
    assert_eq!(to_alex["subject"], "Three");
    assert_eq!(to_alex["meetingRequestType"], "newMeetingRequest");
    assert_eq!(sb.events(ALEX).len(), 3);

    // Without delegates (permission deleted) the owner gets everything again.
    set_delivery(&sb, &client, &alex, "sendToDelegateOnly").await;
    let (_, perms) = get_json(
        &client,
        &format!("{base}/me/calendar/calendarPermissions"),
        &alex,
    )
    .await;
    let pid = values(&perms)[0]["id"].as_str().unwrap().to_string();
    let resp = client
        .delete(format!("{base}/me/calendar/calendarPermissions/{pid}"))
        .bearer_auth(&alex)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let (status, _) = post(
        &client,
        &format!("{base}/me/events"),
        &megan,
        &invite("Four"),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(sb.messages(ALEX, "inbox")[0]["subject"], "Four");
    assert_eq!(sb.messages(ADELE, "inbox")[0]["subject"], "Three");
    let _ = adele;
}

#[tokio::test]
async fn responses_to_the_owners_meetings_reach_the_delegate() {
    let (sb, client) = setup().await;
    let (adele, _alex, megan) = delegate_setup(&sb, &client).await;
    let base = sb.base_url();
    // Adele creates the meeting in Alex's calendar (the docs' walkthrough).
    let (_, cals) = get_json(&client, &format!("{base}/me/calendars"), &adele).await;
    let delegated = values(&cals)[1]["id"].as_str().unwrap().to_string();
    let (status, ev) = post(
        &client,
        &format!("{base}/me/calendars/{delegated}/events"),
        &adele,
        &event_body(
            "Christmas dinner",
            "2026-12-25T18:00:00",
            "2026-12-25T22:00:00",
            &[MEGAN],
        ),
    )
    .await;
    assert_eq!(status, 201, "{ev}");
    let copy = &sb.events(MEGAN)[0];
    let (status, _) = post(
        &client,
        &format!(
            "{base}/me/events/{}/tentativelyAccept",
            copy["id"].as_str().unwrap()
        ),
        &megan,
        &json!({"comment": "I will probably be able to make it.", "sendResponse": true}),
    )
    .await;
    assert_eq!(status, 202);
    // Adele gets the response, addressed to her; Alex does not.
    assert!(sb.messages(ALEX, "inbox").is_empty());
    let response = &sb.messages(ADELE, "inbox")[0];
    assert_eq!(response["meetingMessageType"], "meetingTenativelyAccepted");
    assert_eq!(response["subject"], "Tentative: Christmas dinner");
    assert_eq!(response["from"], recipient("Megan Bowen", MEGAN));
    assert_eq!(response["toRecipients"], json!([recipient("Adele", ADELE)]));
    // Alex sees the answer on the event.
    let org = &sb.events(ALEX)[0];
    assert_eq!(org["isOrganizer"], true);
    assert_eq!(
        org["attendees"][0]["status"]["response"],
        "tentativelyAccepted"
    );
}
