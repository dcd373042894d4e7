//! Online meetings on events ("Create or set an event as an online meeting in an Outlook
//! calendar", https://learn.microsoft.com/graph/outlook-calendar-online-meetings): the
//! calendar says which providers it allows; an event made online with one of them gets
//! `onlineMeeting.joinUrl`, kept on later reads.

mod common;

use common::*;
use serde_json::{json, Value};

fn online(subject: &str, day: u32, provider: Option<&str>) -> Value {
    let mut body = event_body(
        subject,
        &format!("2026-12-0{day}T15:00:00"),
        &format!("2026-12-0{day}T16:00:00"),
        &[],
    );
    body["isOnlineMeeting"] = json!(true);
    if let Some(p) = provider {
        body["onlineMeetingProvider"] = json!(p);
    }
    body
}

#[tokio::test]
async fn an_allowed_provider_gets_a_join_url_and_another_does_not() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let base = sb.base_url();
    let (_, cal) = get_json(&client, &format!("{base}/me/calendar"), &adele).await;
    assert_eq!(
        cal["allowedOnlineMeetingProviders"],
        json!(["teamsForBusiness"])
    );
    assert_eq!(cal["defaultOnlineMeetingProvider"], "teamsForBusiness");

    let url = format!("{base}/me/events");
    for (subject, day, provider, expect_join) in [
        ("Teams", 1, Some("teamsForBusiness"), true),
        // No provider: the calendar's default.
        ("Default", 2, None, true),
        ("Consumer", 3, Some("skypeForConsumer"), false),
    ] {
        let (status, ev) =
            status_json(post_json(&client, &url, &adele, &online(subject, day, provider)).await)
                .await;
        assert_eq!(status, 201, "{ev}");
        assert_eq!(ev["isOnlineMeeting"], true, "{subject}");
        let join = ev["onlineMeeting"]["joinUrl"].as_str();
        assert_eq!(join.is_some(), expect_join, "{subject}: {ev}");
        if provider.is_none() {
            assert_eq!(ev["onlineMeetingProvider"], "teamsForBusiness");
        }
        // The same join information on a later read.
        let id = ev["id"].as_str().unwrap();
        let (_, read) = get_json(&client, &format!("{url}/{id}"), &adele).await;
        assert_eq!(read["onlineMeeting"], ev["onlineMeeting"], "{subject}");
    }

    // An event made online by PATCH.
    let (_, plain) = status_json(
        post_json(
            &client,
            &url,
            &adele,
            &event_body("Plain", "2026-12-04T15:00:00", "2026-12-04T16:00:00", &[]),
        )
        .await,
    )
    .await;
    assert_eq!(plain["onlineMeeting"], Value::Null);
    let id = plain["id"].as_str().unwrap();
    let (status, patched) = status_json(
        patch_json(
            &client,
            &format!("{url}/{id}"),
            &adele,
            &json!({"isOnlineMeeting": true, "onlineMeetingProvider": "teamsForBusiness"}),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{patched}");
    assert!(patched["onlineMeeting"]["joinUrl"].is_string(), "{patched}");
}
