//! Events and calendars: create / get / update / delete, If-Match, time zones and the
//! `Prefer: outlook.timezone` preference, validation, event attachments.

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

#[tokio::test]
async fn calendars_and_paths() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let base = sb.base_url();
    let (status, list) = get_json(&client, &format!("{base}/me/calendars"), &adele).await;
    assert_eq!(status, 200, "{list}");
    let cals = values(&list);
    assert_eq!(cals.len(), 1);
    assert_eq!(cals[0]["name"], "Calendar");
    assert_eq!(cals[0]["isDefaultCalendar"], true);
    assert_eq!(cals[0]["canEdit"], true);
    assert_eq!(
        cals[0]["owner"],
        json!({"name": "Adele", "address": "adele@contoso.com"})
    );
    let cal_id = cals[0]["id"].as_str().unwrap();
    let (_, cal) = get_json(&client, &format!("{base}/me/calendar"), &adele).await;
    assert_eq!(cal["id"], cal_id);
    let (status, _) = get_json(&client, &format!("{base}/me/calendars/{cal_id}"), &adele).await;
    assert_eq!(status, 200);
    let (status, _) = get_json(&client, &format!("{base}/me/calendars/AAMkAnope="), &adele).await;
    assert_eq!(status, 404);

    // Create under /calendars/{id}/events, read under /calendar/events and an app token.
    let body = event_body(
        "In calendar",
        "2026-12-01T15:00:00",
        "2026-12-01T16:00:00",
        &[],
    );
    let (status, ev) = status_json(
        post_json(
            &client,
            &format!("{base}/me/calendars/{cal_id}/events"),
            &adele,
            &body,
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{ev}");
    let (_, list) = get_json(&client, &format!("{base}/me/Calendar/Events"), &adele).await;
    assert_eq!(values(&list)[0]["id"], ev["id"]);
    let app = app_token(&sb, &client).await;
    let (status, got) = get_json(
        &client,
        &format!(
            "{base}/users/adele%40contoso.com/calendar/events/{}",
            ev["id"].as_str().unwrap()
        ),
        &app,
    )
    .await;
    assert_eq!(status, 200, "{got}");
    assert_eq!(got["subject"], "In calendar");
    assert_eq!(got["isOrganizer"], true);
    assert_eq!(got["attendees"], json!([]));
}

#[tokio::test]
async fn patch_and_delete_honour_if_match() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let ev = create(
        &sb,
        &client,
        &adele,
        &event_body("Etag", "2026-12-01T15:00:00", "2026-12-01T16:00:00", &[]),
    )
    .await;
    let url = format!("{}/me/events/{}", sb.base_url(), ev["id"].as_str().unwrap());
    let etag = ev["@odata.etag"].as_str().unwrap().to_string();

    let (status, body) = status_json(
        patch_json(
            &client,
            &url,
            &adele,
            &json!({"subject": "x"}),
            Some("W/\"stale\""),
        )
        .await,
    )
    .await;
    assert_eq!(status, 412);
    assert_eq!(body["error"]["code"], "ErrorIrresolvableConflict");

    let (status, updated) = status_json(
        patch_json(&client, &url, &adele, &json!({"subject": "Renamed", "categories": ["Blue"], "@odata.type": "#microsoft.graph.event"}), Some(&etag)).await,
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["subject"], "Renamed");
    assert_eq!(updated["categories"], json!(["Blue"]));
    let new_etag = updated["@odata.etag"].as_str().unwrap();
    assert_ne!(new_etag, etag);
    assert_eq!(
        new_etag,
        format!("W/\"{}\"", updated["changeKey"].as_str().unwrap())
    );

    let resp = client
        .delete(&url)
        .bearer_auth(&adele)
        .header("if-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 412);
    let resp = client
        .delete(&url)
        .bearer_auth(&adele)
        .header("if-match", new_etag)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let (status, _) = get_json(&client, &url, &adele).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn prefer_outlook_timezone_converts_reads_only() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let base = sb.base_url();
    let resp = client
        .post(format!("{base}/me/events"))
        .bearer_auth(&adele)
        .header("prefer", "outlook.timezone=\"Pacific Standard Time\"")
        .json(&event_body(
            "Zones",
            "2026-12-01T15:00:00",
            "2026-12-01T16:00:00",
            &[],
        ))
        .send()
        .await
        .unwrap();
    assert!(resp.headers().get("preference-applied").is_none());
    let (status, ev) = status_json(resp).await;
    assert_eq!(status, 201);
    assert_eq!(
        ev["start"],
        json!({"dateTime": "2026-12-01T15:00:00.0000000", "timeZone": "UTC"})
    );

    let url = format!("{base}/me/events/{}", ev["id"].as_str().unwrap());
    for prefer in [
        "outlook.timezone=\"Pacific Standard Time\"",
        "IdType=\"ImmutableId\", outlook.timezone=\"Pacific Standard Time\"",
    ] {
        let resp = get_prefer(&client, &url, &adele, prefer).await;
        assert_eq!(
            resp.headers()["preference-applied"],
            "outlook.timezone=\"Pacific Standard Time\""
        );
        let (_, got) = status_json(resp).await;
        assert_eq!(
            got["start"],
            json!({"dateTime": "2026-12-01T07:00:00.0000000", "timeZone": "Pacific Standard Time"})
        );
        assert_eq!(got["end"]["dateTime"], "2026-12-01T08:00:00.0000000");
    }
    // IANA names work too; lists honour the preference.
    let resp = get_prefer(
        &client,
        &format!("{base}/me/events"),
        &adele,
        "outlook.timezone=\"Europe/Berlin\"",
    )
    .await;
    assert_eq!(
        resp.headers()["preference-applied"],
        "outlook.timezone=\"Europe/Berlin\""
    );
    let (_, list) = status_json(resp).await;
    assert_eq!(
        values(&list)[0]["start"]["dateTime"],
        "2026-12-01T16:00:00.0000000"
    );
    // No preference: UTC and no Preference-Applied.
    let resp = client.get(&url).bearer_auth(&adele).send().await.unwrap();
    assert!(resp.headers().get("preference-applied").is_none());
    let (_, got) = status_json(resp).await;
    assert_eq!(got["start"]["timeZone"], "UTC");

    // A PATCH answer is in UTC too.
    let resp = client
        .patch(&url)
        .bearer_auth(&adele)
        .header("prefer", "outlook.timezone=\"Pacific Standard Time\"")
        .json(&json!({"end": {"dateTime": "2026-12-01T09:30:00", "timeZone": "Pacific Standard Time"}}))
        .send()
        .await
        .unwrap();
    let (status, patched) = status_json(resp).await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(
        patched["end"],
        json!({"dateTime": "2026-12-01T17:30:00.0000000", "timeZone": "UTC"})
    );
    assert_eq!(patched["originalEndTimeZone"], "Pacific Standard Time");
}

#[tokio::test]
async fn validation_errors() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let url = format!("{}/me/events", sb.base_url());
    let mut body = event_body(
        "Bad zone",
        "2026-12-01T15:00:00",
        "2026-12-01T16:00:00",
        &[],
    );
    body["start"]["timeZone"] = json!("Mars/Olympus_Mons");
    let (status, err) = status_json(post_json(&client, &url, &adele, &body).await).await;
    assert_eq!(status, 400);
    assert_graph_error(
        &err,
        "TimeZoneNotSupportedException",
        "A valid TimeZone value must be specified. The following TimeZone value is not supported: 'Mars/Olympus_Mons'.",
    );
    let body = event_body(
        "Backwards",
        "2026-12-01T16:00:00",
        "2026-12-01T15:00:00",
        &[],
    );
    let (status, err) = status_json(post_json(&client, &url, &adele, &body).await).await;
    assert_eq!(status, 400, "{err}");
    let mut body = event_body("Unknown", "2026-12-01T15:00:00", "2026-12-01T16:00:00", &[]);
    body["subjekt"] = json!("typo");
    let (status, _) = status_json(post_json(&client, &url, &adele, &body).await).await;
    assert_eq!(status, 400);

    // 0–7 fractional digits in, 7 out; read-only properties ignored on create.
    let mut body = event_body(
        "Fractions",
        "2026-12-01T15:00:00.5",
        "2026-12-01T16:00:00.1234567",
        &[],
    );
    body["id"] = json!("ignored");
    let ev = create(&sb, &client, &adele, &body).await;
    assert_eq!(ev["start"]["dateTime"], "2026-12-01T15:00:00.5000000");
    assert_eq!(ev["end"]["dateTime"], "2026-12-01T16:00:00.1234567");
    assert_ne!(ev["id"], "ignored");
    let (status, _) = status_json(
        patch_json(
            &client,
            &format!("{url}/{}", ev["id"].as_str().unwrap()),
            &adele,
            &json!({"id": "x"}),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn event_attachments_round_trip() {
    let (sb, client) = setup().await;
    let adele = sb.delegated_token("adele@contoso.com");
    let ev = create(
        &sb,
        &client,
        &adele,
        &event_body("Files", "2026-12-01T15:00:00", "2026-12-01T16:00:00", &[]),
    )
    .await;
    assert_eq!(ev["hasAttachments"], false);
    let ev_url = format!("{}/me/events/{}", sb.base_url(), ev["id"].as_str().unwrap());

    let (status, att) = status_json(
        post_json(
            &client,
            &format!("{ev_url}/attachments"),
            &adele,
            &json!({
                "@odata.type": "#microsoft.graph.fileAttachment", "name": "agenda.txt",
                "contentType": "text/plain", "contentBytes": "aGVsbG8="
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{att}");
    assert!(att["@odata.context"].as_str().unwrap().contains("events('"));
    let att_id = att["id"].as_str().unwrap().to_string();
    let (_, list) = get_json(&client, &format!("{ev_url}/attachments"), &adele).await;
    assert_eq!(values(&list).len(), 1);
    let (status, one) = get_json(&client, &format!("{ev_url}/attachments/{att_id}"), &adele).await;
    assert_eq!(status, 200);
    assert_eq!(one["contentBytes"], "aGVsbG8=");
    let (_, got) = get_json(&client, &ev_url, &adele).await;
    assert_eq!(got["hasAttachments"], true);
    assert_ne!(got["changeKey"], ev["changeKey"]);
    let (_, expanded) = get_json(&client, &format!("{ev_url}?$expand=attachments"), &adele).await;
    assert_eq!(expanded["attachments"][0]["name"], "agenda.txt");

    // A large file through an upload session.
    let size = 3 * 1024 * 1024 + 10;
    let (status, session) = status_json(
        post_json(
            &client,
            &format!("{ev_url}/attachments/createUploadSession"),
            &adele,
            &json!({
                "AttachmentItem": {"attachmentType": "file", "name": "big.bin", "size": size}
            }),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{session}");
    let upload_url = session["uploadUrl"].as_str().unwrap();
    assert!(upload_url.contains("/Events('"), "{upload_url}");
    let resp = client
        .put(upload_url)
        .header("content-range", format!("bytes 0-{}/{size}", size - 1))
        .body(vec![7u8; size])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 201);
    assert!(resp.headers()["location"]
        .to_str()
        .unwrap()
        .contains("/Events('"));
    let (_, list) = get_json(&client, &format!("{ev_url}/attachments"), &adele).await;
    assert_eq!(values(&list).len(), 2);

    let resp = client
        .delete(format!("{ev_url}/attachments/{att_id}"))
        .bearer_auth(&adele)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let (_, list) = get_json(&client, &format!("{ev_url}/attachments"), &adele).await;
    assert_eq!(values(&list)[0]["name"], "big.bin");
    assert_eq!(values(&list)[0]["size"], size);
}
