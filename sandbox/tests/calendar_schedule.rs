//! Free/busy: getSchedule and findMeetingTimes from the sandbox calendars.

mod common;

use common::*;
use serde_json::{json, Value};

fn dtz(t: &str) -> Value {
    json!({"dateTime": t, "timeZone": "UTC"})
}

#[tokio::test]
async fn get_schedule_reports_busy_and_tentative() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    sb.add_event(
        "alex@contoso.com",
        event_body("Busy", "2026-12-07T10:00:00", "2026-12-07T11:00:00", &[]),
    );
    let mut tentative = event_body("Maybe", "2026-12-07T11:00:00", "2026-12-07T11:30:00", &[]);
    tentative["showAs"] = json!("tentative");
    sb.add_event("alex@contoso.com", tentative);
    let mut free = event_body("Free", "2026-12-07T09:00:00", "2026-12-07T12:00:00", &[]);
    free["showAs"] = json!("free");
    sb.add_event("alex@contoso.com", free);

    let url = format!("{}/me/calendar/getSchedule", sb.base_url());
    let body = json!({
        "Schedules": ["alex@contoso.com", "nobody@fabrikam.com"],
        "StartTime": dtz("2026-12-07T09:00:00"),
        "EndTime": dtz("2026-12-07T12:00:00"),
        "AvailabilityViewInterval": 30
    });
    let resp = client
        .post(&url)
        .bearer_auth(&adele)
        .header("prefer", "outlook.timezone=\"Pacific Standard Time\"")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()["preference-applied"],
        "outlook.timezone=\"Pacific Standard Time\""
    );
    let (status, out) = status_json(resp).await;
    assert_eq!(status, 200, "{out}");
    let info = values(&out);
    assert_eq!(info[0]["scheduleId"], "alex@contoso.com");
    assert_eq!(info[0]["availabilityView"], "002210");
    let items = info[0]["scheduleItems"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["status"], "busy");
    assert_eq!(items[0]["subject"], "Busy");
    assert_eq!(items[0]["isPrivate"], false);
    assert_eq!(
        items[0]["start"],
        json!({"dateTime": "2026-12-07T02:00:00.0000000", "timeZone": "Pacific Standard Time"})
    );
    assert_eq!(items[1]["status"], "tentative");
    assert_eq!(info[0]["workingHours"]["startTime"], "08:00:00.0000000");
    assert_eq!(info[0]["workingHours"]["timeZone"]["name"], "UTC");
    assert_eq!(info[1]["availabilityView"], "");
    assert_eq!(
        info[1]["error"]["responseCode"],
        "ErrorMailRecipientNotFound"
    );

    // camelCase, 60-minute slots; out-of-range intervals are refused.
    let mut body = json!({
        "schedules": ["alex@contoso.com"],
        "startTime": dtz("2026-12-07T09:00:00"),
        "endTime": dtz("2026-12-07T12:00:00"),
        "availabilityViewInterval": 60
    });
    let (_, out) = status_json(post_json(&client, &url, &adele, &body).await).await;
    assert_eq!(values(&out)[0]["availabilityView"], "021");
    body["availabilityViewInterval"] = json!(4);
    let (status, _) = status_json(post_json(&client, &url, &adele, &body).await).await;
    assert_eq!(status, 400);
    // Application tokens may ask too (documented).
    let app = app_token(&sb, &client).await;
    body["availabilityViewInterval"] = json!(30);
    let (status, _) = status_json(
        post_json(
            &client,
            &format!(
                "{}/users/adele@contoso.com/calendar/getSchedule",
                sb.base_url()
            ),
            &app,
            &body,
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn find_meeting_times_finds_the_free_slot() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    // Monday 2026-12-07: Alex busy 09–10, Adele (organizer) busy 10–11.
    sb.add_event(
        "alex@contoso.com",
        event_body(
            "Alex busy",
            "2026-12-07T09:00:00",
            "2026-12-07T10:00:00",
            &[],
        ),
    );
    sb.add_event(
        "adele@contoso.com",
        event_body(
            "Adele busy",
            "2026-12-07T10:00:00",
            "2026-12-07T11:00:00",
            &[],
        ),
    );
    let url = format!("{}/me/findMeetingTimes", sb.base_url());
    let body = json!({
        "attendees": [{"type": "required", "emailAddress": {"address": "alex@contoso.com", "name": "Alex"}}],
        "timeConstraint": {
            "activityDomain": "work",
            "timeSlots": [{"start": dtz("2026-12-07T09:00:00"), "end": dtz("2026-12-07T12:00:00")}]
        },
        "meetingDuration": "PT1H",
        "returnSuggestionReasons": true,
        "locationConstraint": {"isRequired": false, "suggestLocation": false, "locations": [{"displayName": "Room 1"}]}
    });
    let (status, out) = status_json(post_json(&client, &url, &adele, &body).await).await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["emptySuggestionsReason"], "");
    let s = out["meetingTimeSuggestions"].as_array().unwrap();
    assert_eq!(s.len(), 1, "{out}");
    assert_eq!(
        s[0]["meetingTimeSlot"]["start"],
        dtz("2026-12-07T11:00:00.0000000")
    );
    assert_eq!(
        s[0]["meetingTimeSlot"]["end"]["dateTime"],
        "2026-12-07T12:00:00.0000000"
    );
    assert_eq!(s[0]["confidence"], 100.0);
    assert_eq!(s[0]["order"], 1);
    assert_eq!(s[0]["organizerAvailability"], "free");
    assert_eq!(s[0]["attendeeAvailability"][0]["availability"], "free");
    assert_eq!(
        s[0]["attendeeAvailability"][0]["attendee"]["emailAddress"]["address"],
        "alex@contoso.com"
    );
    assert_eq!(s[0]["locations"][0]["displayName"], "Room 1");
    assert!(!s[0]["suggestionReason"].as_str().unwrap().is_empty());

    // Saturday, work hours only: nothing.
    let weekend = json!({
        "timeConstraint": {"timeSlots": [{"start": dtz("2026-12-05T09:00:00"), "end": dtz("2026-12-05T12:00:00")}]}
    });
    let (_, out) = status_json(post_json(&client, &url, &adele, &weekend).await).await;
    assert_eq!(out["meetingTimeSuggestions"], json!([]));
    assert_eq!(out["emptySuggestionsReason"], "attendeesUnavailable");

    // Unknown attendees (outside the sandbox) rate 49; default duration 30 minutes.
    let external = json!({
        "attendees": [{"type": "required", "emailAddress": {"address": "bob@fabrikam.com"}}],
        "timeConstraint": {"timeSlots": [{"start": dtz("2026-12-07T11:00:00"), "end": dtz("2026-12-07T12:00:00")}]},
        "maxCandidates": 1
    });
    let (_, out) = status_json(post_json(&client, &url, &adele, &external).await).await;
    let s = out["meetingTimeSuggestions"].as_array().unwrap();
    assert_eq!(s.len(), 1);
    assert_eq!(s[0]["confidence"], 49.0);
    assert_eq!(s[0]["attendeeAvailability"][0]["availability"], "unknown");
    assert_eq!(
        s[0]["meetingTimeSlot"]["end"]["dateTime"],
        "2026-12-07T11:30:00.0000000"
    );

    // Application tokens are refused.
    let app = app_token(&sb, &client).await;
    let (status, err) = status_json(
        post_json(
            &client,
            &format!("{}/users/adele@contoso.com/findMeetingTimes", sb.base_url()),
            &app,
            &body,
        )
        .await,
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(err["error"]["code"], "ErrorAccessDenied");
}
