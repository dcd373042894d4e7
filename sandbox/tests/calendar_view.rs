//! calendarView and instances: recurring series expanded into occurrences, paging,
//! the required time window.

mod common;

use common::*;
use serde_json::{json, Value};

async fn create(
    sb: &msgraph_outlook_sandbox::Sandbox,
    client: &reqwest::Client,
    token: &str,
    body: &Value,
) -> Value {
    let (status, ev) =
        status_json(post_json(client, &format!("{}/me/events", sb.base_url()), token, body).await)
            .await;
    assert_eq!(status, 201, "{ev}");
    ev
}

fn weekly_mon_wed() -> Value {
    // 2026-12-07 is a Monday; three weeks of Mondays and Wednesdays, 09:00 Berlin.
    json!({
        "subject": "Stand-up",
        "start": {"dateTime": "2026-12-07T09:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": "2026-12-07T09:15:00", "timeZone": "W. Europe Standard Time"},
        "recurrence": {
            "pattern": {"type": "weekly", "interval": 1, "daysOfWeek": ["Monday", "wednesday"], "firstDayOfWeek": "monday"},
            "range": {"type": "endDate", "startDate": "2026-12-07", "endDate": "2026-12-25"}
        }
    })
}

#[tokio::test]
async fn weekly_series_expands_into_occurrences() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let base = sb.base_url();
    let master = create(&sb, &client, &adele, &weekly_mon_wed()).await;
    assert_eq!(master["type"], "seriesMaster");
    assert_eq!(
        master["recurrence"]["pattern"]["daysOfWeek"],
        json!(["monday", "wednesday"])
    );
    assert_eq!(
        master["recurrence"]["range"]["recurrenceTimeZone"],
        "W. Europe Standard Time"
    );
    assert_eq!(master["recurrence"]["range"]["numberOfOccurrences"], 0);
    create(
        &sb,
        &client,
        &adele,
        &event_body("Outside", "2027-02-01T10:00:00", "2027-02-01T11:00:00", &[]),
    )
    .await;
    create(
        &sb,
        &client,
        &adele,
        &event_body("Inside", "2026-12-08T10:00:00", "2026-12-08T11:00:00", &[]),
    )
    .await;

    let window = "startDateTime=2026-12-01T00:00:00Z&endDateTime=2027-01-01T00:00:00Z";
    let (status, view) = get_json(
        &client,
        &format!("{base}/me/calendarView?{window}&$top=50"),
        &adele,
    )
    .await;
    assert_eq!(status, 200, "{view}");
    let items = values(&view);
    assert_eq!(items.len(), 7);
    let occ: Vec<&Value> = items.iter().filter(|e| e["type"] == "occurrence").collect();
    assert_eq!(occ.len(), 6);
    assert_eq!(
        occ[0]["start"],
        json!({"dateTime": "2026-12-07T08:00:00.0000000", "timeZone": "UTC"})
    );
    assert_eq!(occ[1]["start"]["dateTime"], "2026-12-09T08:00:00.0000000");
    assert_eq!(occ[5]["start"]["dateTime"], "2026-12-23T08:00:00.0000000");
    assert_eq!(occ[5]["end"]["dateTime"], "2026-12-23T08:15:00.0000000");
    assert!(occ.iter().all(|o| o["seriesMasterId"] == master["id"]));
    assert_ne!(occ[0]["id"], occ[1]["id"]);
    assert_ne!(occ[0]["iCalUId"], master["iCalUId"]);
    // Start order: the single event on Tuesday the 8th sits between the occurrences.
    assert_eq!(items[1]["subject"], "Inside");

    // An occurrence is GET-able; the list of events has only the master.
    let occ_id = occ[2]["id"].as_str().unwrap();
    let (status, one) = get_json(&client, &format!("{base}/me/events/{occ_id}"), &adele).await;
    assert_eq!(status, 200, "{one}");
    assert_eq!(one["type"], "occurrence");
    assert_eq!(one["start"]["dateTime"], "2026-12-14T08:00:00.0000000");
    let (_, list) = get_json(
        &client,
        &format!("{base}/me/events?$filter=type eq 'seriesMaster'"),
        &adele,
    )
    .await;
    assert_eq!(values(&list).len(), 1);

    // instances of the series, paged.
    let url = format!(
        "{base}/me/events/{}/instances?{window}&$top=4",
        master["id"].as_str().unwrap()
    );
    let (status, page1) = get_json(&client, &url, &adele).await;
    assert_eq!(status, 200, "{page1}");
    assert_eq!(values(&page1).len(), 4);
    let next = page1["@odata.nextLink"].as_str().expect("nextLink");
    assert!(next.contains("startDateTime="), "{next}");
    let (_, page2) = get_json(&client, next, &adele).await;
    assert_eq!(values(&page2).len(), 2);
    assert!(page2.get("@odata.nextLink").is_none());
    // $select on a view.
    let (_, sel) = get_json(
        &client,
        &format!("{base}/me/calendar/calendarView?{window}&$select=subject&$top=1"),
        &adele,
    )
    .await;
    let first = &values(&sel)[0];
    assert!(first.get("start").is_none());
    assert!(first.get("subject").is_some());
}

#[tokio::test]
async fn daily_numbered_series_and_partial_windows() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let base = sb.base_url();
    let body = json!({
        "subject": "Every other day",
        "start": {"dateTime": "2026-12-01T12:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-12-01T13:00:00", "timeZone": "UTC"},
        "recurrence": {
            "pattern": {"type": "daily", "interval": 2},
            "range": {"type": "numbered", "startDate": "2026-12-01", "numberOfOccurrences": 5}
        }
    });
    create(&sb, &client, &adele, &body).await;
    let view = |from: &str, to: &str| {
        format!("{base}/me/calendarView?startDateTime={from}&endDateTime={to}")
    };
    let (_, all) = get_json(
        &client,
        &view("2026-11-01T00:00:00", "2027-01-01T00:00:00"),
        &adele,
    )
    .await;
    let days: Vec<Value> = values(&all)
        .iter()
        .map(|e| e["start"]["dateTime"].clone())
        .collect();
    assert_eq!(
        days,
        vec![
            json!("2026-12-01T12:00:00.0000000"),
            json!("2026-12-03T12:00:00.0000000"),
            json!("2026-12-05T12:00:00.0000000"),
            json!("2026-12-07T12:00:00.0000000"),
            json!("2026-12-09T12:00:00.0000000"),
        ]
    );
    // The window cuts: 12:30 on the 3rd up to the 6th (offset form) → 3rd and 5th.
    let (_, part) = get_json(
        &client,
        &view("2026-12-03T13:30:00%2B01:00", "2026-12-06T00:00:00Z"),
        &adele,
    )
    .await;
    assert_eq!(values(&part).len(), 2);
    let resp = get_prefer(
        &client,
        &view("2026-12-01T00:00:00", "2026-12-02T00:00:00"),
        &adele,
        "outlook.timezone=\"Tokyo Standard Time\"",
    )
    .await;
    assert_eq!(
        resp.headers()["preference-applied"],
        "outlook.timezone=\"Tokyo Standard Time\""
    );
    let (_, tokyo) = status_json(resp).await;
    assert_eq!(
        values(&tokyo)[0]["start"]["dateTime"],
        "2026-12-01T21:00:00.0000000"
    );
    assert_eq!(
        sb.calendar_view(
            "adele@contoso.com",
            "2026-12-04T00:00:00Z".parse().unwrap(),
            "2026-12-08T00:00:00Z".parse().unwrap()
        )
        .len(),
        2
    );
}

#[tokio::test]
async fn calendar_view_needs_a_window() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let (status, err) = get_json(
        &client,
        &format!(
            "{}/me/calendarView?startDateTime=2026-12-01T00:00:00",
            sb.base_url()
        ),
        &adele,
    )
    .await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "ErrorInvalidParameter",
        "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
    );
}
