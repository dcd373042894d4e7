//! One occurrence of a series (issue 15 item 9): GET / PATCH / DELETE of an occurrence
//! id makes an exception (own id, `type: "exception"`, `seriesMasterId`,
//! `originalStart`); calendarView and instances show it in place of the occurrence;
//! a deleted or cancelled occurrence disappears and is listed in the master's
//! `cancelledOccurrences`; meeting attendees' copies follow.

mod common;

use common::{assert_graph_error, get_json, patch_json, post_json, setup, status_json};
use serde_json::{json, Value};

const WEEK: &str = "startDateTime=2026-12-07T00:00:00Z&endDateTime=2026-12-14T00:00:00Z";

/// A daily series of 5 occurrences, Monday 2026-12-07 to Friday, 10:00–11:00 UTC.
fn daily_series(subject: &str, attendees: Value) -> Value {
    json!({
        "subject": subject,
        "start": {"dateTime": "2026-12-07T10:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-12-07T11:00:00", "timeZone": "UTC"},
        "attendees": attendees,
        "recurrence": {
            "pattern": {"type": "daily", "interval": 1},
            "range": {"type": "numbered", "startDate": "2026-12-07", "numberOfOccurrences": 5}
        }
    })
}

/// (id, type, subject, start) of each item of a list answer.
fn summary(list: &Value) -> Vec<(String, String, String, String)> {
    list["value"]
        .as_array()
        .expect("value")
        .iter()
        .map(|e| {
            (
                e["id"].as_str().unwrap().to_string(),
                e["type"].as_str().unwrap().to_string(),
                e["subject"].as_str().unwrap().to_string(),
                e["start"]["dateTime"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn view(client: &reqwest::Client, base: &str, token: &str) -> Value {
    let (status, body) = get_json(client, &format!("{base}/me/calendarView?{WEEK}"), token).await;
    assert_eq!(status, 200, "{body}");
    body
}

#[tokio::test]
async fn patch_and_delete_of_one_occurrence() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    let token = sb.delegated_token("adele@contoso.com");
    let (status, master) = status_json(
        post_json(
            &client,
            &format!("{base}/me/events"),
            &token,
            &daily_series("Stand-up", json!([])),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{master}");
    let master_id = master["id"].as_str().unwrap().to_string();
    let (status, inst) = get_json(
        &client,
        &format!("{base}/me/events/{master_id}/instances?{WEEK}"),
        &token,
    )
    .await;
    assert_eq!(status, 200);
    let occ: Vec<Value> = inst["value"].as_array().unwrap().clone();
    assert_eq!(occ.len(), 5);
    let occ_id = |i: usize| occ[i]["id"].as_str().unwrap().to_string();

    // GET of an occurrence id: the occurrence.
    let (status, got) = get_json(&client, &format!("{base}/me/events/{}", occ_id(2)), &token).await;
    assert_eq!(status, 200);
    assert_eq!(got["type"], "occurrence");
    assert_eq!(got["seriesMasterId"], master_id.as_str());

    // A stale If-Match on an occurrence: 412, and nothing changes.
    let change = json!({
        "subject": "Stand-up (moved)",
        "start": {"dateTime": "2026-12-09T14:00:00", "timeZone": "UTC"},
        "end": {"dateTime": "2026-12-09T15:00:00", "timeZone": "UTC"}
    });
    let url = format!("{base}/me/events/{}", occ_id(2));
    let resp = patch_json(&client, &url, &token, &change, Some("W/\"stale\"")).await;
    let (status, err) = status_json(resp).await;
    assert_eq!(status, 412);
    assert_graph_error(
        &err,
        "ErrorIrresolvableConflict",
        "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
    );
    let (_, same) = get_json(&client, &url, &token).await;
    assert_eq!(same["type"], "occurrence");
    assert_eq!(same["id"], occ_id(2).as_str());

    // PATCH of the third occurrence with the etag it was read with: an exception with
    // its own id.
    let etag = got["@odata.etag"].as_str().unwrap().to_string();
    let resp = patch_json(&client, &url, &token, &change, Some(&etag)).await;
    let (status, ex) = status_json(resp).await;
    assert_eq!(status, 200, "{ex}");
    assert_eq!(ex["type"], "exception");
    assert_eq!(ex["seriesMasterId"], master_id.as_str());
    assert_eq!(ex["originalStart"], "2026-12-09T10:00:00Z");
    assert_eq!(ex["originalStart"], occ[2]["originalStart"]);
    assert_eq!(ex["recurrence"], Value::Null);
    assert_eq!(ex["iCalUId"], occ[2]["iCalUId"]);
    let ex_id = ex["id"].as_str().unwrap().to_string();
    assert_ne!(ex_id, occ_id(2));
    assert_ne!(ex_id, master_id);

    // calendarView: the exception in place of the third occurrence, the others
    // unchanged (same ids, type, subject and time).
    let v = summary(&view(&client, &base, &token).await);
    let expected: Vec<(String, String, String, String)> = (0..5)
        .map(|i| {
            if i == 2 {
                (
                    ex_id.clone(),
                    "exception".into(),
                    "Stand-up (moved)".into(),
                    "2026-12-09T14:00:00.0000000".into(),
                )
            } else {
                (
                    occ_id(i),
                    "occurrence".into(),
                    "Stand-up".into(),
                    format!("2026-12-{:02}T10:00:00.0000000", 7 + i),
                )
            }
        })
        .collect();
    assert_eq!(v, expected);
    // instances of the master show the same; GET /events lists only the master.
    let (_, inst) = get_json(
        &client,
        &format!("{base}/me/events/{master_id}/instances?{WEEK}"),
        &token,
    )
    .await;
    assert_eq!(summary(&inst), expected);
    let (_, list) = get_json(&client, &format!("{base}/me/events"), &token).await;
    assert_eq!(list["value"].as_array().unwrap().len(), 1);
    assert_eq!(list["value"][0]["id"], master_id.as_str());
    // The occurrence id still addresses that instance: the exception.
    let (status, got) = get_json(&client, &format!("{base}/me/events/{}", occ_id(2)), &token).await;
    assert_eq!(status, 200);
    assert_eq!(got["id"], ex_id.as_str());
    // The exception's own id can be changed again.
    let resp = patch_json(
        &client,
        &format!("{base}/me/events/{ex_id}"),
        &token,
        &json!({"subject": "Stand-up (moved again)"}),
        None,
    )
    .await;
    let (status, again) = status_json(resp).await;
    assert_eq!(status, 200);
    assert_eq!(again["type"], "exception");
    assert_eq!(again["start"]["dateTime"], "2026-12-09T14:00:00.0000000");

    // Moving the second occurrence onto the third's day is refused (documented code
    // and text); nothing is left behind.
    let resp = patch_json(
        &client,
        &format!("{base}/me/events/{}", occ_id(1)),
        &token,
        &json!({
            "start": {"dateTime": "2026-12-09T08:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-09T09:00:00", "timeZone": "UTC"}
        }),
        None,
    )
    .await;
    let (status, err) = status_json(resp).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "ErrorOccurrenceCrossingBoundary",
        "Modified occurrence is crossing or overlapping adjacent occurrence.",
    );
    let v = summary(&view(&client, &base, &token).await);
    assert_eq!(v[1], expected[1]);

    // DELETE of the fourth occurrence: 204, gone from the view, 404 afterwards, listed
    // in the master's cancelledOccurrences.
    let resp = client
        .delete(format!("{base}/me/events/{}", occ_id(3)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let v = summary(&view(&client, &base, &token).await);
    let remaining: Vec<_> = expected
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != 3)
        .map(|(i, e)| {
            if i == 2 {
                (
                    e.0.clone(),
                    e.1.clone(),
                    "Stand-up (moved again)".to_string(),
                    e.3.clone(),
                )
            } else {
                e.clone()
            }
        })
        .collect();
    assert_eq!(v, remaining);
    let (status, err) = get_json(&client, &format!("{base}/me/events/{}", occ_id(3)), &token).await;
    assert_eq!(status, 404);
    assert_graph_error(
        &err,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    );
    let (_, m) = get_json(
        &client,
        &format!("{base}/me/events/{master_id}?$select=cancelledOccurrences"),
        &token,
    )
    .await;
    assert_eq!(
        m["cancelledOccurrences"],
        json!([format!("OID.{master_id}.2026-12-10")])
    );

    // A change of the master reaches the occurrences; the exception keeps the subject
    // it was given.
    let resp = patch_json(
        &client,
        &format!("{base}/me/events/{master_id}"),
        &token,
        &json!({"subject": "Daily"}),
        None,
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let v = summary(&view(&client, &base, &token).await);
    let subjects: Vec<&str> = v.iter().map(|e| e.2.as_str()).collect();
    assert_eq!(
        subjects,
        ["Daily", "Daily", "Stand-up (moved again)", "Daily"]
    );

    // Deleting the master takes the exception along.
    let resp = client
        .delete(format!("{base}/me/events/{master_id}"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    assert_eq!(view(&client, &base, &token).await["value"], json!([]));
    let (status, _) = get_json(&client, &format!("{base}/me/events/{ex_id}"), &token).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn meeting_occurrences_reach_attendees() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    let adele = sb.delegated_token("adele@contoso.com");
    let alex = sb.delegated_token("alex@contoso.com");
    let (status, master) = status_json(
        post_json(
            &client,
            &format!("{base}/me/events"),
            &adele,
            &daily_series(
                "Sync",
                json!([{"emailAddress": {"address": "alex@contoso.com"}, "type": "required"}]),
            ),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    let master_id = master["id"].as_str().unwrap().to_string();
    let organizer_view = summary(&view(&client, &base, &adele).await);
    let attendee_view = summary(&view(&client, &base, &alex).await);
    assert_eq!(organizer_view.len(), 5);
    assert_eq!(attendee_view.len(), 5);
    let inbox_before = sb.messages("alex@contoso.com", "inbox").len();

    // The organizer moves the second occurrence: the attendee gets an update about that
    // occurrence and sees it moved; the other occurrences stay.
    let resp = patch_json(
        &client,
        &format!("{base}/me/events/{}", organizer_view[1].0),
        &adele,
        &json!({
            "start": {"dateTime": "2026-12-08T16:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-08T17:00:00", "timeZone": "UTC"}
        }),
        None,
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let inbox = sb.messages("alex@contoso.com", "inbox");
    assert_eq!(inbox.len(), inbox_before + 1);
    let update = inbox
        .iter()
        .find(|m| m["meetingRequestType"] == "fullUpdate")
        .expect("an update");
    assert_eq!(update["type"], "exception");
    assert_eq!(
        update["startDateTime"],
        json!({"dateTime": "2026-12-08T16:00:00.0000000", "timeZone": "UTC"})
    );
    let v = summary(&view(&client, &base, &alex).await);
    assert_eq!(v.len(), 5);
    assert_eq!(v[1].1, "exception");
    assert_eq!(v[1].3, "2026-12-08T16:00:00.0000000");
    for i in [0, 2, 3, 4] {
        assert_eq!(v[i], attendee_view[i]);
    }
    // The attendee's exception belongs to the attendee's own copy of the series.
    let (_, alex_events) = get_json(&client, &format!("{base}/me/events"), &alex).await;
    assert_eq!(alex_events["value"].as_array().unwrap().len(), 1);
    let alex_master = alex_events["value"][0]["id"].as_str().unwrap().to_string();
    assert_ne!(alex_master, master_id);
    let (_, alex_ex) = get_json(&client, &format!("{base}/me/events/{}", v[1].0), &alex).await;
    assert_eq!(alex_ex["seriesMasterId"], alex_master.as_str());
    assert_eq!(alex_ex["responseStatus"]["response"], "notResponded");

    // The attendee accepts the third occurrence only.
    let resp = post_json(
        &client,
        &format!("{base}/me/events/{}/accept", attendee_view[2].0),
        &alex,
        &json!({"comment": "ok", "sendResponse": true}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    // ... and declines the fourth: it leaves the attendee's calendar, the organizer's
    // occurrence records the answer.
    let resp = post_json(
        &client,
        &format!("{base}/me/events/{}/decline", attendee_view[3].0),
        &alex,
        &json!({"sendResponse": true}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    let v = view(&client, &base, &alex).await;
    let s = summary(&v);
    assert_eq!(s.len(), 4);
    assert_eq!(v["value"][2]["type"], "exception");
    assert_eq!(v["value"][2]["responseStatus"]["response"], "accepted");
    assert_eq!(v["value"][0]["responseStatus"]["response"], "notResponded");
    assert!(s.iter().all(|e| e.3 != "2026-12-10T10:00:00.0000000"));
    let org = view(&client, &base, &adele).await;
    assert_eq!(org["value"].as_array().unwrap().len(), 5);
    let status_of = |i: usize| org["value"][i]["attendees"][0]["status"]["response"].clone();
    assert_eq!(status_of(2), "accepted");
    assert_eq!(status_of(3), "declined");
    assert_eq!(status_of(4), "none");
    assert_eq!(org["value"][3]["type"], "exception");

    // The organizer cancels the first occurrence: gone for the organizer (listed in
    // cancelledOccurrences), cancelled in the attendee's calendar, with a message.
    let resp = post_json(
        &client,
        &format!("{base}/me/events/{}/cancel", organizer_view[0].0),
        &adele,
        &json!({"comment": "No sync on Monday"}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    let org = summary(&view(&client, &base, &adele).await);
    assert_eq!(org.len(), 4);
    assert_eq!(org[0].3, "2026-12-08T16:00:00.0000000");
    let (_, m) = get_json(
        &client,
        &format!("{base}/me/events/{master_id}?$select=cancelledOccurrences"),
        &adele,
    )
    .await;
    assert_eq!(
        m["cancelledOccurrences"],
        json!([format!("OID.{master_id}.2026-12-07")])
    );
    let v = view(&client, &base, &alex).await;
    assert_eq!(v["value"][0]["isCancelled"], true);
    assert_eq!(v["value"][0]["type"], "exception");
    assert_eq!(v["value"][1]["isCancelled"], false);
    let cancel = sb
        .messages("alex@contoso.com", "inbox")
        .into_iter()
        .find(|m| m["meetingMessageType"] == "meetingCancelled")
        .expect("a cancellation");
    assert_eq!(cancel["subject"], "Canceled: Sync");
    assert_eq!(
        cancel["startDateTime"],
        json!({"dateTime": "2026-12-07T10:00:00.0000000", "timeZone": "UTC"})
    );

    // A change of the master: one update for the master plus one per modified
    // instance still in the calendar (docs "Update event"); the exceptions take over
    // the new subject; the occurrence the attendee declined stays away.
    let before = sb.messages("alex@contoso.com", "inbox").len();
    let resp = patch_json(
        &client,
        &format!("{base}/me/events/{master_id}"),
        &adele,
        &json!({"subject": "Sync v2"}),
        None,
    )
    .await;
    assert_eq!(resp.status().as_u16(), 200);
    let inbox = sb.messages("alex@contoso.com", "inbox");
    assert_eq!(inbox.len(), before + 4);
    let mut types: Vec<&str> = inbox[..4]
        .iter()
        .map(|m| m["type"].as_str().unwrap())
        .collect();
    types.sort_unstable();
    assert_eq!(
        types,
        ["exception", "exception", "exception", "seriesMaster"]
    );
    assert!(inbox[..4].iter().all(|m| m["subject"] == "Sync v2"));
    let v = summary(&view(&client, &base, &alex).await);
    assert_eq!(v.len(), 4);
    // The cancelled occurrence is no longer the organizer's: it keeps its subject.
    let subjects: Vec<&str> = v.iter().map(|e| e.2.as_str()).collect();
    assert_eq!(subjects, ["Sync", "Sync v2", "Sync v2", "Sync v2"]);
    let org = summary(&view(&client, &base, &adele).await);
    assert!(org.iter().all(|e| e.2 == "Sync v2"), "{org:?}");
}

#[tokio::test]
async fn forwarding_an_occurrence_leaves_it_an_occurrence() {
    let (sb, client) = setup().await;
    let base = sb.base_url();
    let token = sb.delegated_token("adele@contoso.com");
    let (status, _) = status_json(
        post_json(
            &client,
            &format!("{base}/me/events"),
            &token,
            &daily_series("Review", json!([])),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201);
    let before = summary(&view(&client, &base, &token).await);
    let resp = post_json(
        &client,
        &format!("{base}/me/events/{}/forward", before[1].0),
        &token,
        &json!({"toRecipients": [{"emailAddress": {"address": "alex@contoso.com"}}], "comment": "FYI"}),
    )
    .await;
    assert_eq!(resp.status().as_u16(), 202);
    assert_eq!(summary(&view(&client, &base, &token).await), before);
    let inbox = sb.messages("alex@contoso.com", "inbox");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0]["subject"], "FW: Review");
    assert_eq!(inbox[0]["meetingMessageType"], "meetingRequest");
    // An unknown occurrence date of the series is not found.
    let (status, err) = get_json(
        &client,
        &format!("{base}/me/events/{}", before[0].0.replace('A', "B")),
        &token,
    )
    .await;
    assert_eq!(status, 404);
    assert_graph_error(
        &err,
        "ErrorItemNotFound",
        "The specified object was not found in the store.",
    );
}
