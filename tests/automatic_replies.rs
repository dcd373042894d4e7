//! Automatic replies and mailbox settings (`GET …/mailboxSettings/automaticRepliesSetting`,
//! `PATCH …/mailboxSettings`): exact requests (mockito, checked against
//! openapi-fragments/), local refusals, and the sandbox's state read back.

mod common;

#[path = "support/sandbox_clients.rs"]
mod clients;

use chrono::{NaiveTime, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use common::{client, expect_json, expect_no_request, server, REQUEST_ID};
use mockito::Matcher;
use msgraph_outlook::models::{
    AutomaticRepliesSetting, AutomaticRepliesStatus, DateTimeTimeZone, DayOfWeek,
    ExternalAudienceScope, MailboxSettings, WorkingHours,
};
use msgraph_outlook::{Error, InvalidRequest};
use serde_json::json;

/// Next week's absence, in Berlin time.
fn away() -> AutomaticRepliesSetting {
    AutomaticRepliesSetting::scheduled_between(
        Berlin.with_ymd_and_hms(2026, 12, 7, 8, 0, 0).unwrap(),
        Berlin.with_ymd_and_hms(2026, 12, 12, 18, 0, 0).unwrap(),
    )
    .internal_reply_message("<p>Away until Saturday.</p>")
    .external_reply_message("<p>Out of office.</p>")
    .external_audience(ExternalAudienceScope::ContactsOnly)
}

/// Scheduled replies from `start` to `end`, each a wall-clock time and its Windows zone.
fn scheduled(start: (&str, &str), end: (&str, &str)) -> AutomaticRepliesSetting {
    AutomaticRepliesSetting::scheduled(
        DateTimeTimeZone::new(start.0, start.1),
        DateTimeTimeZone::new(end.0, end.1),
    )
}

/// A `PATCH …/mailboxSettings` with exactly `expected` (see [`expect_json`]), answered 200 `{}`.
async fn expect_settings_patch(
    server: &mut mockito::ServerGuard,
    path: &str,
    expected: serde_json::Value,
) -> mockito::Mock {
    expect_json(server, "PATCH", path, expected)
        .with_status(200)
        .with_body("{}")
        .create_async()
        .await
}

#[tokio::test]
async fn set_automatic_replies_patches_only_that_setting() {
    let mut server = server().await;
    let mock = expect_json(
        &mut server,
        "PATCH",
        "/users/adele@contoso.com/mailboxSettings",
        json!({"automaticRepliesSetting": {
            "status": "scheduled",
            "externalAudience": "contactsOnly",
            "scheduledStartDateTime": {"dateTime": "2026-12-07T08:00:00", "timeZone": "W. Europe Standard Time"},
            "scheduledEndDateTime": {"dateTime": "2026-12-12T18:00:00", "timeZone": "W. Europe Standard Time"},
            "internalReplyMessage": "<p>Away until Saturday.</p>",
            "externalReplyMessage": "<p>Out of office.</p>"
        }}),
    )
    .with_status(200)
    .with_body(
        json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Me/mailboxSettings",
            "automaticRepliesSetting": {
                "status": "scheduled",
                "externalAudience": "contactsOnly",
                "scheduledStartDateTime": {"dateTime": "2026-12-07T07:00:00.0000000", "timeZone": "UTC"},
                "scheduledEndDateTime": {"dateTime": "2026-12-12T17:00:00.0000000", "timeZone": "UTC"},
                "internalReplyMessage": "<p>Away until Saturday.</p>",
                "externalReplyMessage": "<p>Out of office.</p>"
            }
        })
        .to_string(),
    )
    .create_async()
    .await;
    let answer = client(&server)
        .user("adele@contoso.com")
        .set_automatic_replies(away())
        .await
        .unwrap();
    mock.assert_async().await;
    let replies = answer.automatic_replies_setting.unwrap();
    assert_eq!(replies.status, Some(AutomaticRepliesStatus::Scheduled));
    // Graph answers in UTC: the same instants.
    assert_eq!(
        replies.scheduled_start_date_time.unwrap().to_utc().unwrap(),
        Utc.with_ymd_and_hms(2026, 12, 7, 7, 0, 0).unwrap()
    );
}

#[tokio::test]
async fn always_and_disabled_send_only_the_status() {
    let mut server = server().await;
    let always = expect_settings_patch(
        &mut server,
        "/me/mailboxSettings",
        json!({"automaticRepliesSetting": {"status": "alwaysEnabled", "internalReplyMessage": "Away."}}),
    )
    .await;
    let disabled = expect_settings_patch(
        &mut server,
        "/me/mailboxSettings",
        json!({"automaticRepliesSetting": {"status": "disabled"}}),
    )
    .await;
    let me = client(&server).me();
    me.set_automatic_replies(AutomaticRepliesSetting::always().internal_reply_message("Away."))
        .await
        .unwrap();
    me.set_automatic_replies(AutomaticRepliesSetting::disabled())
        .await
        .unwrap();
    always.assert_async().await;
    disabled.assert_async().await;
}

#[tokio::test]
async fn automatic_replies_reads_the_setting_alone() {
    let mut server = server().await;
    let mock = server
        .mock("GET", "/v1.0/me/mailboxSettings/automaticRepliesSetting")
        .match_header("authorization", format!("Bearer {}", common::TOKEN).as_str())
        .match_query(Matcher::Missing)
        .match_body(Matcher::Missing)
        .with_status(200)
        .with_header("request-id", REQUEST_ID)
        .with_body(
            json!({
                "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Me/mailboxSettings/automaticRepliesSetting",
                "status": "alwaysEnabled",
                "externalAudience": "all",
                "scheduledStartDateTime": {"dateTime": "2016-03-14T07:00:00.0000000", "timeZone": "UTC"},
                "scheduledEndDateTime": {"dateTime": "2016-03-28T07:00:00.0000000", "timeZone": "UTC"},
                "internalReplyMessage": "<html><body>Out of office.</body></html>",
                "externalReplyMessage": "<html><body>Out of office.</body></html>"
            })
            .to_string(),
        )
        .expect(1)
        .create_async()
        .await;
    let replies = client(&server).me().automatic_replies().await.unwrap();
    mock.assert_async().await;
    assert_eq!(replies.status, Some(AutomaticRepliesStatus::AlwaysEnabled));
    assert_eq!(replies.external_audience, Some(ExternalAudienceScope::All));
    assert_eq!(
        replies.scheduled_end_date_time,
        Some(DateTimeTimeZone::new("2016-03-28T07:00:00.0000000", "UTC"))
    );
    assert_eq!(
        replies.internal_reply_message.as_deref(),
        Some("<html><body>Out of office.</body></html>")
    );
}

#[tokio::test]
async fn mailbox_settings_builders_send_working_hours_language_and_formats() {
    let mut server = server().await;
    let mock = expect_settings_patch(
        &mut server,
        "/me/mailboxSettings",
        json!({
            "workingHours": {
                "daysOfWeek": ["monday", "tuesday", "wednesday", "thursday", "friday"],
                "startTime": "08:30:00.0000000",
                "endTime": "17:00:00.0000000",
                "timeZone": {"name": "W. Europe Standard Time"}
            },
            "language": {"locale": "de-DE"},
            "dateFormat": "dd.MM.yyyy",
            "timeFormat": "HH:mm",
            "timeZone": "W. Europe Standard Time"
        }),
    )
    .await;
    use DayOfWeek::*;
    client(&server)
        .me()
        .update_mailbox_settings(
            MailboxSettings::new()
                .working_hours(WorkingHours::new(
                    [Monday, Tuesday, Wednesday, Thursday, Friday],
                    NaiveTime::from_hms_opt(8, 30, 0).unwrap(),
                    NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
                    Berlin,
                ))
                .language("de-DE")
                .date_format("dd.MM.yyyy")
                .time_format("HH:mm")
                .time_zone("W. Europe Standard Time"),
        )
        .await
        .unwrap();
    mock.assert_async().await;
}

#[tokio::test]
async fn refuses_locally_what_graph_would_refuse() {
    let mut server = server().await;
    let none = expect_no_request(&mut server).await;
    let me = client(&server).me();
    let reason = |result: msgraph_outlook::Result<MailboxSettings>| match result {
        Err(Error::InvalidRequest(InvalidRequest::InvalidValue { reason })) => reason,
        other => panic!("{other:?}"),
    };

    let mut no_end = scheduled(
        ("2026-12-07T08:00:00", "UTC"),
        ("2026-12-12T08:00:00", "UTC"),
    );
    no_end.scheduled_end_date_time = None;
    assert_eq!(
        reason(me.set_automatic_replies(no_end).await),
        "scheduled automatic replies need both scheduledStartDateTime and scheduledEndDateTime"
    );

    let backwards = scheduled(
        ("2026-12-12T08:00:00", "UTC"),
        ("2026-12-07T08:00:00", "UTC"),
    );
    assert_eq!(
        reason(me.set_automatic_replies(backwards).await),
        "automatic replies end (2026-12-07 08:00:00 UTC) before they start (2026-12-12 08:00:00 UTC)"
    );

    // Same instant written in two zones: 09:00 Berlin is 08:00 UTC, so it ends as it starts.
    let empty_window = scheduled(
        ("2026-12-07T09:00:00", "W. Europe Standard Time"),
        ("2026-12-07T08:00:00", "UTC"),
    );
    assert!(
        reason(me.set_automatic_replies(empty_window).await).starts_with("automatic replies end")
    );

    let unknown_zone = scheduled(
        ("2026-12-07T09:00:00", "Mars Standard Time"),
        ("2026-12-08T08:00:00", "UTC"),
    );
    assert_eq!(
        reason(me.set_automatic_replies(unknown_zone).await),
        "automaticRepliesSetting.scheduledStartDateTime: unknown time zone \"Mars Standard Time\""
    );

    let hours = WorkingHours::new(
        [DayOfWeek::Monday],
        NaiveTime::from_hms_opt(17, 0, 0).unwrap(),
        NaiveTime::from_hms_opt(9, 0, 0).unwrap(),
        Berlin,
    );
    assert_eq!(
        reason(
            me.update_mailbox_settings(MailboxSettings::new().working_hours(hours))
                .await
        ),
        "working hours end (09:00:00) before they start (17:00:00)"
    );
    none.assert_async().await;
}

#[tokio::test]
async fn sandbox_set_then_read_back() {
    let sandbox = clients::sandbox_with_clock_set(&["adele@contoso.com"]).await;
    let adele = clients::app(&sandbox).user("adele@contoso.com");
    assert_eq!(
        adele.automatic_replies().await.unwrap().status,
        Some(AutomaticRepliesStatus::Disabled)
    );
    adele.set_automatic_replies(away()).await.unwrap();
    let read = adele.automatic_replies().await.unwrap();
    assert_eq!(read.status, Some(AutomaticRepliesStatus::Scheduled));
    assert_eq!(
        read.external_audience,
        Some(ExternalAudienceScope::ContactsOnly)
    );
    assert_eq!(
        read.internal_reply_message.as_deref(),
        Some("<p>Away until Saturday.</p>")
    );
    assert_eq!(
        read.external_reply_message.as_deref(),
        Some("<p>Out of office.</p>")
    );
    // Compare instants: Graph (and the sandbox) may answer in another zone.
    assert_eq!(
        read.scheduled_start_date_time.unwrap().to_utc().unwrap(),
        Utc.with_ymd_and_hms(2026, 12, 7, 7, 0, 0).unwrap()
    );
    assert_eq!(
        read.scheduled_end_date_time.unwrap().to_utc().unwrap(),
        Utc.with_ymd_and_hms(2026, 12, 12, 17, 0, 0).unwrap()
    );

    adele
        .set_automatic_replies(AutomaticRepliesSetting::disabled())
        .await
        .unwrap();
    let settings = adele.mailbox_settings().await.unwrap();
    let replies = settings.automatic_replies_setting.unwrap();
    assert_eq!(replies.status, Some(AutomaticRepliesStatus::Disabled));
    // Turning them off keeps the messages, as Outlook does.
    assert_eq!(
        replies.internal_reply_message.as_deref(),
        Some("<p>Away until Saturday.</p>")
    );
}

#[tokio::test]
async fn sandbox_replies_once_per_sender_inside_the_window_and_mail_tips_show_it() {
    use msgraph_outlook::models::{MailTipsOption, Message};
    let users = ["adele@contoso.com", "alex@contoso.com", "megan@contoso.com"];
    let sandbox = clients::sandbox_with_clock_set(&users).await; // 2026-11-30 08:00 UTC
    clients::delegated(&sandbox, "adele@contoso.com")
        .me()
        .set_automatic_replies(
            scheduled(
                ("2026-12-01T08:00:00", "UTC"),
                ("2026-12-05T08:00:00", "UTC"),
            )
            .internal_reply_message("<p>Away until Saturday.</p>")
            .external_reply_message("<p>Out of office.</p>")
            .external_audience(ExternalAudienceScope::All),
        )
        .await
        .unwrap();
    let adele_tip = |alex: msgraph_outlook::GraphClient| async move {
        alex.me()
            .get_mail_tips(["adele@contoso.com"], MailTipsOption::AutomaticReplies)
            .await
            .unwrap()
            .remove(0)
    };
    let mail = |to: &str, subject: &str| Message::new().subject(subject).text_body("Hi").to(to);

    // Before the window: no MailTip, no reply.
    let before = adele_tip(clients::delegated(&sandbox, "alex@contoso.com")).await;
    assert_eq!(before.automatic_reply(), None);
    clients::delegated(&sandbox, "alex@contoso.com")
        .me()
        .send_mail(mail("adele@contoso.com", "Before"))
        .await
        .unwrap();
    assert!(sandbox.messages("alex@contoso.com", "inbox").is_empty());

    // Inside it (new tokens: the old ones expired with the clock move).
    sandbox.set_clock(Utc.with_ymd_and_hms(2026, 12, 2, 9, 0, 0).unwrap());
    let alex = clients::delegated(&sandbox, "alex@contoso.com");
    let megan = clients::delegated(&sandbox, "megan@contoso.com");
    let inside = adele_tip(alex.clone()).await;
    let reply = inside
        .automatic_reply()
        .expect("the MailTip shows the reply");
    assert_eq!(
        reply.message.as_deref(),
        Some("<p>Away until Saturday.</p>")
    );
    assert_eq!(
        reply.scheduled_end_time.as_ref().unwrap().to_utc().unwrap(),
        Utc.with_ymd_and_hms(2026, 12, 5, 8, 0, 0).unwrap()
    );
    for subject in ["First", "Second"] {
        alex.me()
            .send_mail(mail("adele@contoso.com", subject))
            .await
            .unwrap();
    }
    megan
        .me()
        .send_mail(mail("adele@contoso.com", "Lunch"))
        .await
        .unwrap();

    let subjects = |user: &str| -> Vec<String> {
        sandbox
            .messages(user, "inbox")
            .iter()
            .map(|m| m["subject"].as_str().unwrap().to_string())
            .collect()
    };
    // One reply per sender, to the first message of the period.
    assert_eq!(subjects("alex@contoso.com"), ["Automatic reply: First"]);
    assert_eq!(subjects("megan@contoso.com"), ["Automatic reply: Lunch"]);
    let to_alex = &sandbox.messages("alex@contoso.com", "inbox")[0];
    assert_eq!(
        to_alex["from"]["emailAddress"]["address"],
        "adele@contoso.com"
    );
    assert_eq!(
        subjects("adele@contoso.com"),
        ["Lunch", "Second", "First", "Before"]
    );
}
