//! Events against mockito: the seed's two updates (ews-update-appointments-meetings.md), If-Match
//! and conflicts, creates with a transactionId, calendar view, cancel, delete.

mod common;

use chrono::{TimeZone, Utc};
use common::{client, expect_json, expect_no_request, server, GUID, REQUEST_ID, TOKEN};
use mockito::Matcher;
use msgraph_outlook::models::{
    Attendee, DateTimeTimeZone, Event, EventPatch, OnlineMeetingProviderType,
};
use msgraph_outlook::Error;
use serde_json::{json, Value};

/// An event as Graph answers a get, create or update (times in UTC).
fn graph_event(id: &str, etag: &str, subject: &str, attendees: Value) -> Value {
    json!({
        "@odata.etag": format!("W/\"{etag}\""),
        "id": id,
        "changeKey": etag,
        "subject": subject,
        "isOrganizer": true,
        "isCancelled": false,
        "start": {"dateTime": "2026-12-02T17:00:00.0000000", "timeZone": "UTC"},
        "end": {"dateTime": "2026-12-02T18:00:00.0000000", "timeZone": "UTC"},
        "attendees": attendees,
        "organizer": {"emailAddress": {"name": "Adele Vance", "address": "adele@contoso.com"}},
        "recurrence": null,
        "someFutureProperty": {"nested": true}
    })
}

fn get_event(server: &mut mockito::ServerGuard, path: &str, body: &Value) -> mockito::Mock {
    server
        .mock("GET", format!("/v1.0{path}").as_str())
        .match_header("authorization", format!("Bearer {TOKEN}").as_str())
        .match_header("client-request-id", Matcher::Regex(GUID.into()))
        .with_header("request-id", REQUEST_ID)
        .with_body(body.to_string())
}

#[tokio::test]
async fn the_seed_appointment_update_is_one_patch_of_the_subject() {
    // ews-update-appointments-meetings.md, "Mettre à jour un rendez-vous à l'aide d'EWS":
    // UpdateItem with one SetItemField (item:Subject), SendToNone. (The seed's C# discards
    // the results of Start.AddHours(25), so its XML carries the subject only.)
    let mut server = server().await;
    let subject = "Tennis Lesson moved one hour later and to the day after Wednesday!";
    let patch = expect_json(
        &mut server,
        "PATCH",
        "/me/events/AAMkA",
        json!({ "subject": subject }),
    )
    .with_body(graph_event("AAMkA", "DwAAAB", subject, json!([])).to_string())
    .create_async()
    .await;
    let updated = client(&server)
        .me()
        .event("AAMkA")
        .update(EventPatch::new().subject(subject))
        .await
        .unwrap();
    patch.assert_async().await;
    assert_eq!(updated.event.subject.as_deref(), Some(subject));
    // An appointment: no attendees, so nobody is mailed (EWS's SendToNone).
    assert!(!updated.graph_mails_attendees);
    #[allow(deprecated)] // the old name keeps its value
    let old = updated.attendees_notified;
    assert!(!old);
}

#[tokio::test]
async fn the_seed_meeting_update_reads_then_patches_subject_location_and_attendees_with_if_match() {
    // ews-update-appointments-meetings.md, "Mettre à jour une réunion à l'aide d'EWS": new
    // subject and location, alisa@ added as required, dlpprojector@ as resource,
    // SendToAllAndSaveCopy. On Graph: one read, then one PATCH; attendees replace the list.
    let mut server = server().await;
    let existing = json!([
        {"type": "required", "status": {"response": "accepted", "time": "2026-11-20T10:00:00Z"},
         "emailAddress": {"name": "Mack.Chaves@contoso.com", "address": "Mack.Chaves@contoso.com"}},
        {"type": "required", "status": {"response": "none", "time": "0001-01-01T00:00:00Z"},
         "emailAddress": {"name": "Sadie.Daniels@contoso.com", "address": "Sadie.Daniels@contoso.com"}}
    ]);
    let read = get_event(
        &mut server,
        "/me/events/AAMkA",
        &graph_event("AAMkA", "DwAAA", "Team building exercise", existing),
    )
    .match_query(Matcher::UrlEncoded(
        "$select".into(),
        "subject,location,attendees".into(),
    ))
    .expect(1)
    .create_async()
    .await;
    let intended = json!({
        "subject": "Team building exercise has moved!",
        "location": {"displayName": "4567 Contoso Way, Redmond, OH 33333, USA"},
        "attendees": [
            {"type": "required", "emailAddress": {"name": "Mack.Chaves@contoso.com", "address": "Mack.Chaves@contoso.com"}},
            {"type": "required", "emailAddress": {"name": "Sadie.Daniels@contoso.com", "address": "Sadie.Daniels@contoso.com"}},
            {"type": "required", "emailAddress": {"address": "alisa@contoso.com"}},
            {"type": "resource", "emailAddress": {"address": "dlpprojector@contoso.com"}}
        ]
    });
    let answer = graph_event(
        "AAMkA",
        "DwAAB",
        "Team building exercise has moved!",
        intended["attendees"].clone(),
    );
    let patch = expect_json(&mut server, "PATCH", "/me/events/AAMkA", intended)
        .match_header("if-match", "W/\"DwAAA\"")
        .with_body(answer.to_string())
        .create_async()
        .await;

    let updated = client(&server)
        .me()
        .event("AAMkA")
        .modify(|meeting| {
            EventPatch::new()
                .subject("Team building exercise has moved!")
                .location("4567 Contoso Way, Redmond, OH 33333, USA")
                .attendees(meeting.with_attendees([
                    Attendee::required("alisa@contoso.com"),
                    Attendee::resource("dlpprojector@contoso.com"),
                ]))
        })
        .select(["subject", "location", "attendees"])
        .await
        .unwrap();
    read.assert_async().await;
    patch.assert_async().await;
    assert!(updated.graph_mails_attendees, "a meeting update is mailed");
    #[allow(deprecated)] // the old name keeps its value
    let old = updated.attendees_notified;
    assert!(old);
    assert_eq!(updated.event.attendees.len(), 4);
}

#[tokio::test]
async fn a_stale_etag_is_a_typed_conflict_with_the_ids() {
    let mut server = server().await;
    let patch = expect_json(
        &mut server,
        "PATCH",
        "/me/events/AAMkA",
        json!({"subject": "Moved"}),
    )
    .match_header("if-match", "W/\"old\"")
    .with_status(412)
    .with_body(
        json!({"error": {"code": "ErrorIrresolvableConflict",
            "message": "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.",
            "innerError": {"date": "2026-11-23T10:00:00", "request-id": REQUEST_ID}}})
        .to_string(),
    )
    .create_async()
    .await;
    let error = client(&server)
        .me()
        .event("AAMkA")
        .update(EventPatch::new().subject("Moved"))
        .if_match("W/\"old\"")
        .await
        .unwrap_err();
    patch.assert_async().await;
    assert!(error.is_conflict(), "{error:?}");
    let Error::Conflict(graph) = &error else {
        unreachable!()
    };
    assert_eq!(graph.status, 412);
    assert_eq!(graph.code.as_deref(), Some("ErrorIrresolvableConflict"));
    assert_eq!(error.request_id(), Some(REQUEST_ID));
    assert!(error.client_request_id().is_some());
}

#[tokio::test]
async fn modify_reads_again_after_a_conflict_and_reapplies_the_change() {
    let mut server = server().await;
    let first = graph_event(
        "AAMkA",
        "v1",
        "Review",
        json!([{"type": "required", "emailAddress": {"address": "sadie@contoso.com"}}]),
    );
    // Someone added mack@ between our read and our PATCH.
    let second = graph_event(
        "AAMkA",
        "v2",
        "Review",
        json!([
            {"type": "required", "emailAddress": {"address": "sadie@contoso.com"}},
            {"type": "required", "emailAddress": {"address": "mack@contoso.com"}}
        ]),
    );
    let reads = [first, second.clone()];
    let read_count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = read_count.clone();
    let read = server
        .mock("GET", "/v1.0/me/events/AAMkA")
        .match_query(Matcher::UrlEncoded("$select".into(), "attendees".into()))
        .with_body_from_request(move |_| {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            reads[n.min(1)].to_string().into_bytes()
        })
        .expect(2)
        .create_async()
        .await;
    let stale = expect_json(
        &mut server,
        "PATCH",
        "/me/events/AAMkA",
        json!({"attendees": [
            {"type": "required", "emailAddress": {"address": "sadie@contoso.com"}},
            {"type": "optional", "emailAddress": {"address": "alisa@contoso.com"}}
        ]}),
    )
    .match_header("if-match", "W/\"v1\"")
    .with_status(412)
    .with_body(r#"{"error":{"code":"ErrorIrresolvableConflict","message":"changed"}}"#)
    .create_async()
    .await;
    let fresh = expect_json(
        &mut server,
        "PATCH",
        "/me/events/AAMkA",
        json!({"attendees": [
            {"type": "required", "emailAddress": {"address": "sadie@contoso.com"}},
            {"type": "required", "emailAddress": {"address": "mack@contoso.com"}},
            {"type": "optional", "emailAddress": {"address": "alisa@contoso.com"}}
        ]}),
    )
    .match_header("if-match", "W/\"v2\"")
    .with_body(second.to_string())
    .create_async()
    .await;
    let updated = client(&server)
        .me()
        .event("AAMkA")
        .add_attendees([Attendee::optional("alisa@contoso.com")])
        .await
        .unwrap();
    read.assert_async().await;
    stale.assert_async().await;
    fresh.assert_async().await;
    assert!(updated.graph_mails_attendees);
}

#[tokio::test]
async fn modify_gives_up_after_max_attempts() {
    let mut server = server().await;
    let read = get_event(
        &mut server,
        "/me/events/AAMkA",
        &graph_event("AAMkA", "v1", "Review", json!([])),
    )
    .expect(2)
    .create_async()
    .await;
    let patch = expect_json(
        &mut server,
        "PATCH",
        "/me/events/AAMkA",
        json!({"subject": "Review (moved)"}),
    )
    .with_status(412)
    .with_body(r#"{"error":{"code":"ErrorIrresolvableConflict","message":"changed"}}"#)
    .expect(2)
    .create_async()
    .await;
    let error = client(&server)
        .me()
        .event("AAMkA")
        .modify(|_| EventPatch::new().subject("Review (moved)"))
        .max_attempts(2)
        .await
        .unwrap_err();
    read.assert_async().await;
    patch.assert_async().await;
    assert!(error.is_conflict());
}

#[tokio::test]
async fn an_event_read_before_sends_its_etag_on_update_and_delete() {
    let mut server = server().await;
    let read: Event =
        serde_json::from_value(graph_event("AAMkA", "v7", "Review", json!([]))).unwrap();
    let patch = expect_json(
        &mut server,
        "PATCH",
        "/users/adele@contoso.com/events/AAMkA",
        json!({"subject": "Review"}),
    )
    .match_header("if-match", "W/\"v7\"")
    .with_body(graph_event("AAMkA", "v8", "Review", json!([])).to_string())
    .create_async()
    .await;
    let delete = server
        .mock("DELETE", "/v1.0/users/adele@contoso.com/events/AAMkA")
        .match_header("if-match", "W/\"v7\"")
        .with_status(204)
        .create_async()
        .await;
    let adele = client(&server).user("adele@contoso.com");
    let event = adele.event_from(&read);
    event
        .update(EventPatch::new().subject("Review"))
        .await
        .unwrap();
    event.delete().await.unwrap();
    patch.assert_async().await;
    delete.assert_async().await;
}

#[tokio::test]
async fn create_sends_a_transaction_id_and_is_retried_safely() {
    let mut server = server().await;
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<Value>::new()));
    let record = seen.clone();
    // First attempt: 503; the retry must carry the same transactionId.
    let create = server
        .mock("POST", "/v1.0/me/events")
        .match_header("content-type", "application/json")
        .match_request(move |request| {
            let body: Value = serde_json::from_slice(request.body().unwrap()).unwrap();
            record.lock().unwrap().push(body);
            true
        })
        .with_status(503)
        .with_header("retry-after", "1")
        .expect(1)
        .create_async()
        .await;
    let created = server
        .mock("POST", "/v1.0/me/events")
        .with_status(201)
        .with_body(graph_event("AAMkNew", "v1", "Design review", json!([])).to_string())
        .expect(1)
        .create_async()
        .await;
    let event = Event::new(
        "Design review",
        DateTimeTimeZone::new("2026-12-01T15:00:00", "W. Europe Standard Time"),
        DateTimeTimeZone::new("2026-12-01T16:00:00", "W. Europe Standard Time"),
    )
    .location("Room 1");
    let answer = client(&server).me().create_event(event).await.unwrap();
    create.assert_async().await;
    created.assert_async().await;
    assert_eq!(answer.id.as_deref(), Some("AAMkNew"));
    let first = seen.lock().unwrap()[0].clone();
    let transaction_id = first["transactionId"].as_str().unwrap().to_string();
    assert!(regex_like_guid(&transaction_id), "{transaction_id}");
    let mut expected = json!({
        "subject": "Design review",
        "start": {"dateTime": "2026-12-01T15:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": "2026-12-01T16:00:00", "timeZone": "W. Europe Standard Time"},
        "location": {"displayName": "Room 1"},
    });
    expected["transactionId"] = json!(transaction_id);
    assert_eq!(first, expected);
    common::openapi::assert_request_conforms(
        "POST",
        "/me/events",
        "application/json",
        first.to_string().as_bytes(),
    );
}

fn regex_like_guid(text: &str) -> bool {
    uuid::Uuid::parse_str(text).is_ok()
}

#[tokio::test]
async fn bad_events_are_refused_before_sending() {
    let mut server = server().await;
    let _none = expect_no_request(&mut server).await;
    let me = client(&server).me();
    let start = DateTimeTimeZone::new("2026-12-01T16:00:00", "UTC");
    let earlier = DateTimeTimeZone::new("2026-12-01T15:00:00", "UTC");
    let backwards = Event::new("Backwards", start.clone(), earlier.clone());
    let error = me.create_event(backwards).await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
    let all_day = Event::new(
        "Off",
        start.clone(),
        DateTimeTimeZone::new("2026-12-02T16:00:00", "UTC"),
    )
    .all_day();
    assert!(matches!(
        me.create_event(all_day).await,
        Err(Error::InvalidRequest(_))
    ));
    let bad_attendee =
        Event::new("Review", earlier, start).attendee(Attendee::required("not-an-address"));
    assert!(matches!(
        me.create_event(bad_attendee).await,
        Err(Error::InvalidRequest(_))
    ));
    let empty = me.event("AAMkA").update(EventPatch::new()).await;
    assert!(matches!(empty, Err(Error::InvalidRequest(_))));
}

#[tokio::test]
async fn calendar_view_sends_the_window_and_the_time_zone_preference_and_pages() {
    let mut server = server().await;
    let next = format!("{}/v1.0/me/calendarView?$skiptoken=p2", server.url());
    let first = server
        .mock("GET", "/v1.0/me/calendarView")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("startDateTime".into(), "2026-12-01T00:00:00Z".into()),
            Matcher::UrlEncoded("endDateTime".into(), "2026-12-08T00:00:00Z".into()),
            Matcher::UrlEncoded("$select".into(), "subject,start,end".into()),
        ]))
        .match_header("prefer", r#"outlook.timezone="Pacific Standard Time""#)
        .with_body(
            json!({"value": [{"id": "1", "subject": "A",
                "start": {"dateTime": "2026-12-01T09:00:00.0000000", "timeZone": "Pacific Standard Time"},
                "end": {"dateTime": "2026-12-01T10:00:00.0000000", "timeZone": "Pacific Standard Time"}}],
                "@odata.nextLink": next})
            .to_string(),
        )
        .create_async()
        .await;
    let second = server
        .mock("GET", "/v1.0/me/calendarView")
        .match_query(Matcher::UrlEncoded("$skiptoken".into(), "p2".into()))
        .with_body(json!({"value": [{"id": "2", "subject": "B", "type": "occurrence", "seriesMasterId": "S"}]}).to_string())
        .create_async()
        .await;
    let events = client(&server)
        .me()
        .calendar_view(
            Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 8, 0, 0, 0).unwrap(),
        )
        .select(["subject", "start", "end"])
        .time_zone("America/Los_Angeles")
        .collect()
        .await
        .unwrap();
    first.assert_async().await;
    second.assert_async().await;
    assert_eq!(events.len(), 2);
    let start = events[0].start.as_ref().unwrap();
    assert_eq!(
        start.to_utc().unwrap(),
        Utc.with_ymd_and_hms(2026, 12, 1, 17, 0, 0).unwrap()
    );
    assert_eq!(events[1].series_master_id.as_deref(), Some("S"));
}

#[tokio::test]
async fn events_of_a_given_calendar_and_instances_of_a_series() {
    let mut server = server().await;
    let list = server
        .mock("GET", "/v1.0/me/calendars/AAMkCal/events")
        .match_query(Matcher::UrlEncoded("$top".into(), "5".into()))
        .with_body(r#"{"value":[]}"#)
        .create_async()
        .await;
    let instances = server
        .mock("GET", "/v1.0/me/events/AAMkSeries/instances")
        .match_query(Matcher::AllOf(vec![
            Matcher::UrlEncoded("startDateTime".into(), "2026-12-01T00:00:00Z".into()),
            Matcher::UrlEncoded("endDateTime".into(), "2026-12-31T00:00:00Z".into()),
        ]))
        .with_body(r#"{"value":[{"id":"o1","type":"occurrence"}]}"#)
        .create_async()
        .await;
    let create = expect_json(
        &mut server,
        "POST",
        "/me/calendars/AAMkCal/events",
        json!({"subject": "Standup", "transactionId": "t-1",
               "start": {"dateTime": "2026-12-01T09:00:00", "timeZone": "UTC"},
               "end": {"dateTime": "2026-12-01T09:15:00", "timeZone": "UTC"}}),
    )
    .with_status(201)
    .with_body(r#"{"id":"e1"}"#)
    .create_async()
    .await;
    let me = client(&server).me();
    let page = me.calendar("AAMkCal").list_events().top(5).await.unwrap();
    assert!(page.value.is_empty());
    let occurrences = me
        .event("AAMkSeries")
        .instances(
            Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 31, 0, 0, 0).unwrap(),
        )
        .collect()
        .await
        .unwrap();
    assert_eq!(occurrences.len(), 1);
    me.calendar("AAMkCal")
        .create_event(
            Event::new(
                "Standup",
                DateTimeTimeZone::new("2026-12-01T09:00:00", "UTC"),
                DateTimeTimeZone::new("2026-12-01T09:15:00", "UTC"),
            )
            .transaction_id("t-1"),
        )
        .await
        .unwrap();
    list.assert_async().await;
    instances.assert_async().await;
    create.assert_async().await;
}

#[tokio::test]
async fn cancel_and_forward_send_the_documented_bodies() {
    let mut server = server().await;
    let cancel = common::expect_json_post(
        &mut server,
        "/me/events/AAMkA/cancel",
        json!({"comment": "Cancelling for this week due to all hands"}),
    )
    .await;
    let forward = common::expect_json_post(
        &mut server,
        "/me/events/AAMkA/forward",
        json!({"toRecipients": [{"emailAddress": {"address": "danas@contoso.com", "name": "Dana Swope"}}],
               "comment": "Dana, hope you can make this meeting."}),
    )
    .await;
    let event = client(&server).me().event("AAMkA");
    event
        .cancel("Cancelling for this week due to all hands")
        .await
        .unwrap();
    event
        .forward(
            [msgraph_outlook::models::Recipient::named(
                "Dana Swope",
                "danas@contoso.com",
            )],
            Some("Dana, hope you can make this meeting.".into()),
        )
        .await
        .unwrap();
    cancel.assert_async().await;
    forward.assert_async().await;
}

#[tokio::test]
async fn event_attachments_use_the_event_path() {
    let mut server = server().await;
    let add = expect_json(
        &mut server,
        "POST",
        "/me/events/AAMkA/attachments",
        json!({"@odata.type": "#microsoft.graph.fileAttachment", "name": "agenda.txt",
               "contentType": "text/plain", "contentBytes": "SGVsbG8gV29ybGQh"}),
    )
    .with_status(201)
    .with_body(
        json!({"@odata.type": "#microsoft.graph.fileAttachment", "id": "att1",
               "name": "agenda.txt", "contentType": "text/plain", "size": 12})
        .to_string(),
    )
    .create_async()
    .await;
    let list = server
        .mock("GET", "/v1.0/me/events/AAMkA/attachments")
        .with_body(
            json!({"value": [{"@odata.type": "#microsoft.graph.fileAttachment", "id": "att1", "name": "agenda.txt"}]})
                .to_string(),
        )
        .create_async()
        .await;
    let attachments = client(&server).me().event("AAMkA").attachments();
    attachments
        .add(msgraph_outlook::models::FileAttachment::new(
            "agenda.txt",
            "text/plain",
            b"Hello World!".to_vec(),
        ))
        .await
        .unwrap();
    assert_eq!(attachments.list().await.unwrap().len(), 1);
    add.assert_async().await;
    list.assert_async().await;
}

const JOIN_URL: &str = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_NzIyNzhlMGEtM2YyZC00ZmY0LTlhNzUtZmZjNWFmZGNlNzE2%40thread.v2/0";

/// "Create or set an event as an online meeting in an Outlook calendar": the create carries
/// `isOnlineMeeting` and `onlineMeetingProvider`; Graph answers with `onlineMeeting.joinUrl`.
#[tokio::test]
async fn an_online_meeting_is_created_and_its_join_url_read_back() {
    let mut server = server().await;
    let mut answer = graph_event("AAMkOnline", "v1", "Weekly sync", json!([]));
    answer["isOnlineMeeting"] = json!(true);
    answer["onlineMeetingProvider"] = json!("teamsForBusiness");
    answer["onlineMeeting"] = json!({"joinUrl": JOIN_URL});
    let create = expect_json(
        &mut server,
        "POST",
        "/me/events",
        json!({
            "subject": "Weekly sync",
            "start": {"dateTime": "2026-12-02T17:00:00", "timeZone": "UTC"},
            "end": {"dateTime": "2026-12-02T18:00:00", "timeZone": "UTC"},
            "isOnlineMeeting": true,
            "onlineMeetingProvider": "teamsForBusiness",
            "transactionId": "7E163156-7762-4BEB-A1C6-729EA81755A7"
        }),
    )
    .with_status(201)
    .with_body(answer.to_string())
    .create_async()
    .await;
    let event = Event::new(
        "Weekly sync",
        DateTimeTimeZone::new("2026-12-02T17:00:00", "UTC"),
        DateTimeTimeZone::new("2026-12-02T18:00:00", "UTC"),
    )
    .online_meeting(OnlineMeetingProviderType::TeamsForBusiness)
    .transaction_id("7E163156-7762-4BEB-A1C6-729EA81755A7");
    let created = client(&server).me().create_event(event).await.unwrap();
    create.assert_async().await;
    assert_eq!(created.join_url(), Some(JOIN_URL));
    assert_eq!(
        created.online_meeting_provider,
        Some(OnlineMeetingProviderType::TeamsForBusiness)
    );
}

#[tokio::test]
async fn a_patch_makes_an_event_an_online_meeting() {
    let mut server = server().await;
    let mut answer = graph_event("AAMkA", "v2", "Tennis", json!([]));
    answer["isOnlineMeeting"] = json!(true);
    answer["onlineMeetingProvider"] = json!("teamsForBusiness");
    answer["onlineMeeting"] =
        json!({"joinUrl": JOIN_URL, "conferenceId": "177513992", "tollNumber": null});
    let patch = expect_json(
        &mut server,
        "PATCH",
        "/users/adele@contoso.com/events/AAMkA",
        json!({"isOnlineMeeting": true, "onlineMeetingProvider": "teamsForBusiness"}),
    )
    .with_body(answer.to_string())
    .create_async()
    .await;
    let updated = client(&server)
        .user("adele@contoso.com")
        .event("AAMkA")
        .update(EventPatch::new().online_meeting(OnlineMeetingProviderType::TeamsForBusiness))
        .await
        .unwrap();
    patch.assert_async().await;
    assert_eq!(updated.event.join_url(), Some(JOIN_URL));
    let info = updated.event.online_meeting.unwrap();
    assert_eq!(info.conference_id.as_deref(), Some("177513992"));
}

/// The docs' `GET /me/calendar` example: Teams and Skype for Business allowed, Teams default.
#[tokio::test]
async fn a_calendar_says_which_online_meeting_providers_it_allows() {
    let mut server = server().await;
    let get = get_event(
        &mut server,
        "/me/calendar",
        &json!({
            "id": "AAMkADJmMVAAA=",
            "name": "Calendar",
            "canEdit": true,
            "canShare": true,
            "canViewPrivateItems": true,
            "changeKey": "nfZyf7VcrEKLNoU37KWlkQAAA0x0+w==",
            "allowedOnlineMeetingProviders": ["teamsForBusiness", "skypeForBusiness"],
            "defaultOnlineMeetingProvider": "teamsForBusiness",
            "isTallyingResponses": true,
            "isRemovable": false,
            "owner": {"name": "Adele Vance", "address": "adele@contoso.com"}
        }),
    )
    .expect(1)
    .create_async()
    .await;
    let calendar = client(&server).me().default_calendar().await.unwrap();
    get.assert_async().await;
    assert_eq!(
        calendar.allowed_online_meeting_providers,
        [
            OnlineMeetingProviderType::TeamsForBusiness,
            OnlineMeetingProviderType::SkypeForBusiness
        ]
    );
    assert_eq!(
        calendar.default_online_meeting_provider,
        Some(OnlineMeetingProviderType::TeamsForBusiness)
    );
    assert!(calendar.allows_online_meeting(OnlineMeetingProviderType::SkypeForBusiness));
    assert!(!calendar.allows_online_meeting(OnlineMeetingProviderType::SkypeForConsumer));
}
