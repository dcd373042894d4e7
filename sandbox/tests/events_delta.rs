//! Events delta (issue 15 item 10): `GET …/calendarView/delta?startDateTime&endDateTime`
//! in rounds of `@odata.nextLink` (`$skiptoken`) pages ending with `@odata.deltaLink`
//! (`$deltatoken`), `Prefer: odata.maxpagesize`, instances as calendarView returns
//! them, changes and `@removed` entries in the next round, and `410 SyncStateNotFound`
//! for unknown, used-up and expired tokens.

mod common;

use std::collections::BTreeSet;

use common::{assert_graph_error, get_json, get_prefer, patch_json, post_json, setup, status_json};
use serde_json::{json, Value};

const WINDOW: &str = "startDateTime=2026-12-07T00:00:00Z&endDateTime=2026-12-14T00:00:00Z";

fn event(subject: &str, day: u32) -> Value {
    json!({
        "subject": subject,
        "start": {"dateTime": format!("2026-12-{day:02}T09:00:00"), "timeZone": "UTC"},
        "end": {"dateTime": format!("2026-12-{day:02}T10:00:00"), "timeZone": "UTC"},
    })
}

async fn create(client: &reqwest::Client, base: &str, token: &str, body: &Value) -> String {
    let (status, ev) =
        status_json(post_json(client, &format!("{base}/me/events"), token, body).await).await;
    assert_eq!(status, 201, "{ev}");
    ev["id"].as_str().unwrap().to_string()
}

/// Follows a round with `Prefer: odata.maxpagesize=2`; returns (items, deltaLink,
/// page sizes).
async fn round(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    origin: &str,
) -> (Vec<Value>, String, Vec<usize>) {
    let mut items = Vec::new();
    let mut sizes = Vec::new();
    let mut url = url.to_string();
    loop {
        let resp = get_prefer(client, &url, token, "odata.maxpagesize=2").await;
        let (status, page) = status_json(resp).await;
        assert_eq!(status, 200, "{page}");
        assert_eq!(
            page["@odata.context"],
            format!("{origin}/$metadata#Collection(event)")
        );
        let value = page["value"].as_array().unwrap();
        sizes.push(value.len());
        items.extend(value.iter().cloned());
        if let Some(next) = page["@odata.nextLink"].as_str() {
            assert!(page.get("@odata.deltaLink").is_none());
            assert!(next.starts_with(origin), "{next}");
            assert!(next.contains("/calendarView/delta?$skiptoken="), "{next}");
            url = next.to_string();
            continue;
        }
        let delta = page["@odata.deltaLink"].as_str().expect("deltaLink");
        assert!(
            delta.contains("/calendarView/delta?$deltatoken="),
            "{delta}"
        );
        // The window is kept with the token, not repeated in the link.
        assert!(!delta.to_ascii_lowercase().contains("startdatetime"));
        return (items, delta.to_string(), sizes);
    }
}

fn ids(items: &[Value]) -> BTreeSet<String> {
    items
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn rounds_report_changes_and_removals() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    let token = sb.delegated_token("adele@contoso.com");
    let a = create(&client, &base, &token, &event("A", 7)).await;
    let b = create(&client, &base, &token, &event("B", 8)).await;
    let _outside = create(&client, &base, &token, &event("Outside", 20)).await;
    let mut series = event("Series", 9);
    series["recurrence"] = json!({
        "pattern": {"type": "daily", "interval": 1},
        "range": {"type": "numbered", "startDate": "2026-12-09", "numberOfOccurrences": 3}
    });
    let master = create(&client, &base, &token, &series).await;

    // The window is required on the first request (as on calendarView).
    let (status, err) = get_json(&client, &format!("{base}/me/calendarView/delta"), &token).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "ErrorInvalidParameter",
        "This request requires a time window specified by the query string parameters StartDateTime and EndDateTime.",
    );

    // Initial round: 5 instances (A, B, three occurrences) in pages of 2, 2, 1.
    let (items, delta, sizes) = round(
        &client,
        &format!("{base}/me/calendarView/delta?{WINDOW}"),
        &token,
        &base,
    )
    .await;
    assert_eq!(sizes, [2, 2, 1]);
    let subjects: Vec<&str> = items
        .iter()
        .map(|e| e["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["A", "B", "Series", "Series", "Series"]);
    let types: Vec<&str> = items.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        [
            "singleInstance",
            "singleInstance",
            "occurrence",
            "occurrence",
            "occurrence"
        ]
    );
    assert!(items
        .iter()
        .all(|e| e["@odata.type"] == "#microsoft.graph.event"));
    assert_eq!(items[2]["seriesMasterId"], master.as_str());
    let occ2 = items[3]["id"].as_str().unwrap().to_string();

    // Nothing changed: an empty page with a new delta link.
    let (items, delta, sizes) = round(&client, &delta, &token, &base).await;
    assert_eq!(sizes, [0]);
    assert!(items.is_empty());

    // Change A, delete B, add C, move the second occurrence (an exception).
    let resp = patch_json(
        &client,
        &format!("{base}/me/events/{a}"),
        &token,
        &json!({"subject": "A2"}),
        None,
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let resp = client
        .delete(format!("{base}/me/events/{b}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let c = create(&client, &base, &token, &event("C", 11)).await;
    let resp = patch_json(
        &client,
        &format!("{base}/me/events/{occ2}"),
        &token,
        &json!({"subject": "Series (changed)"}),
        None,
    )
    .await;
    let (status, ex) = status_json(resp).await;
    assert_eq!(status, 200);
    let ex_id = ex["id"].as_str().unwrap().to_string();

    let (items, delta, _) = round(&client, &delta, &token, &base).await;
    let (removed, changed): (Vec<Value>, Vec<Value>) =
        items.into_iter().partition(|e| e.get("@removed").is_some());
    assert_eq!(
        ids(&changed),
        BTreeSet::from([a.clone(), c.clone(), ex_id.clone()])
    );
    let a2 = changed.iter().find(|e| e["id"] == a.as_str()).unwrap();
    assert_eq!(a2["subject"], "A2");
    let exc = changed.iter().find(|e| e["id"] == ex_id.as_str()).unwrap();
    assert_eq!(exc["type"], "exception");
    assert_eq!(exc["subject"], "Series (changed)");
    let mut removed_sorted = removed.clone();
    removed_sorted.sort_by_key(|e| e["id"].as_str().unwrap().to_string());
    let mut expected = vec![
        json!({"@odata.type": "#microsoft.graph.event", "id": b, "@removed": {"reason": "deleted"}}),
        json!({"@odata.type": "#microsoft.graph.event", "id": occ2, "@removed": {"reason": "deleted"}}),
    ];
    expected.sort_by_key(|e| e["id"].as_str().unwrap().to_string());
    assert_eq!(removed_sorted, expected);

    // The delta link of a finished round is still valid; an unknown token is gone.
    let (status, _) = get_json(&client, &delta, &token).await;
    assert_eq!(status, 200);
    let resp = client
        .get(format!("{base}/me/calendarView/delta?$deltatoken=bogus"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    let (status, body) = status_json(resp).await;
    assert_eq!(status, 410);
    assert_graph_error(
        &body,
        "SyncStateNotFound",
        "The sync state generation is not found.",
    );
    assert_eq!(
        location,
        format!("{base}/me/calendarView/delta?$deltatoken=")
    );
}

#[tokio::test]
async fn skip_tokens_are_used_up_and_tokens_expire() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    let token = sb.delegated_token("adele@contoso.com");
    for d in 7..10 {
        create(&client, &base, &token, &event("E", d)).await;
    }
    let first = get_prefer(
        &client,
        &format!("{base}/me/calendarView/delta?{WINDOW}"),
        &token,
        "odata.maxpagesize=2",
    )
    .await;
    let (_, page) = status_json(first).await;
    let next = page["@odata.nextLink"].as_str().unwrap().to_string();
    let (status, page2) = get_json(&client, &next, &token).await;
    assert_eq!(status, 200);
    assert_eq!(page2["value"].as_array().unwrap().len(), 1);
    let delta = page2["@odata.deltaLink"].as_str().unwrap().to_string();
    // A nextLink already followed is gone.
    let (status, body) = get_json(&client, &next, &token).await;
    assert_eq!(status, 410);
    assert_eq!(body["error"]["code"], "SyncStateNotFound");
    // Another mailbox cannot use the token.
    let alex = sb.delegated_token("alex@contoso.com");
    let (status, _) = get_json(&client, &delta, &alex).await;
    assert_eq!(status, 410);
    // Expired by the sandbox: gone; a new full round works.
    sb.expire_delta_tokens();
    let (status, body) = get_json(&client, &delta, &token).await;
    assert_eq!(status, 410);
    assert_graph_error(
        &body,
        "SyncStateNotFound",
        "The sync state generation is not found.",
    );
    let (items, _, _) = round(
        &client,
        &format!("{base}/users/adele@contoso.com/calendarView/delta?{WINDOW}"),
        &token,
        &base,
    )
    .await;
    assert_eq!(items.len(), 3);
}

#[tokio::test]
async fn per_calendar_delta_and_time_zone() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    let token = sb.delegated_token("adele@contoso.com");
    let (status, cal) = status_json(
        post_json(
            &client,
            &format!("{base}/me/calendars"),
            &token,
            &json!({"name": "Team"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    let cal_id = cal["id"].as_str().unwrap();
    create(&client, &base, &token, &event("Default", 7)).await;
    let (status, ev) = status_json(
        post_json(
            &client,
            &format!("{base}/me/calendars/{cal_id}/events"),
            &token,
            &event("Team", 8),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    let resp = get_prefer(
        &client,
        &format!("{base}/me/calendars/{cal_id}/calendarView/delta?{WINDOW}"),
        &token,
        "outlook.timezone=\"Pacific Standard Time\"",
    )
    .await;
    assert_eq!(
        resp.headers()["preference-applied"],
        "outlook.timezone=\"Pacific Standard Time\""
    );
    let (status, page) = status_json(resp).await;
    assert_eq!(status, 200);
    assert_eq!(page["value"].as_array().unwrap().len(), 1);
    assert_eq!(page["value"][0]["id"], ev["id"]);
    assert_eq!(
        page["value"][0]["start"],
        json!({"dateTime": "2026-12-08T01:00:00.0000000", "timeZone": "Pacific Standard Time"})
    );
    // The default calendar's token does not serve the other calendar.
    let delta = page["@odata.deltaLink"].as_str().unwrap();
    let token_part = delta.split("$deltatoken=").nth(1).unwrap();
    let (status, _) = get_json(
        &client,
        &format!("{base}/me/calendarView/delta?$deltatoken={token_part}"),
        &token,
    )
    .await;
    assert_eq!(status, 410);
}
